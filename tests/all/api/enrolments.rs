//! Enrolment lists over HTTP, on both backends: a municipality's admin enrols citizens
//! by CPR number from JSON or CSV (Danish Excel's semicolons, a byte order mark, CRLF),
//! all or none and idempotently; a file with bad lines is refused with every line
//! named and nothing written; sizes are bounded; nobody else may read or change the
//! list; and the CPR number itself is never stored.

use serde_json::{json, Value};

use super::{spawn_apps, TestApp};

fn path(code: &str) -> String {
    format!("/api/v1/municipalities/{code}/enrolments")
}

async fn enrolled(app: &TestApp, code: &str) -> i64 {
    let admin = app.login("admin", Some(code)).await;
    app.get(&path(code), &admin).await.expect(200)["total"]
        .as_i64()
        .unwrap()
}

fn counts(v: &Value) -> (u64, u64) {
    (
        v["added"].as_u64().unwrap(),
        v["unchanged"].as_u64().unwrap(),
    )
}

/// The line, field and code of each error.
fn lines(problem: &Value) -> Vec<(u64, String, String)> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_and_csv_uploads_enrol_and_sending_them_again_changes_nothing() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let admin = app.login("admin", Some("0751")).await;
        let body = json!({ "citizens": [
            { "cpr": "010190-1234", "note": "sag 2024-117" },
            { "cpr": "0202851234" },
        ] });
        let done = app
            .post(&path("0751"), &admin, body.clone())
            .await
            .expect(200);
        assert_eq!(counts(&done), (2, 0), "{backend}");
        let done = app.post(&path("0751"), &admin, body).await.expect(200);
        assert_eq!(counts(&done), (0, 2), "{backend}");

        // The same citizens in CSV (with and without the hyphen), and one more.
        let csv = "cpr,note\n0101901234,sag 2024-117\n020285-1234,\n311299-4321,ny\n";
        let done = app
            .post_as(&path("0751"), &admin, "text/csv; charset=utf-8", csv)
            .await;
        assert_eq!(counts(&done.expect(200)), (1, 2), "{backend}");
        let again = app.post_as(&path("0751"), &admin, "text/csv", csv).await;
        assert_eq!(counts(&again.expect(200)), (0, 3), "{backend}");

        let list = app.get(&path("0751"), &admin).await.expect(200);
        assert_eq!(list["total"], 3, "{backend}");
        let entries = list["enrolments"].as_array().unwrap();
        assert_eq!(entries.len(), 3);
        for e in entries {
            let prefix = e["hash_prefix"].as_str().unwrap();
            assert!(
                prefix.len() == 12 && prefix.bytes().all(|b| b.is_ascii_hexdigit()),
                "{e}"
            );
            assert_eq!(e["added_by"], "admin:admin-user@0751");
            assert!(e["added_ms"].as_i64().unwrap() > 0);
            assert!(e.get("cpr").is_none(), "{e}");
        }
        let mut notes: Vec<_> = entries.iter().map(|e| e["note"].clone()).collect();
        notes.sort_by_key(|n| n.to_string());
        assert_eq!(notes, [json!("ny"), json!("sag 2024-117"), Value::Null]);
        // Paged.
        let page = app
            .get(&format!("{}?limit=2&offset=2", path("0751")), &admin)
            .await
            .expect(200);
        assert_eq!(
            (
                page["total"].clone(),
                page["enrolments"].as_array().unwrap().len()
            ),
            (json!(3), 1)
        );
        // Another municipality's list is its own.
        assert_eq!(enrolled(&app, "0101").await, 0, "{backend}");

        // Each upload that enrolled someone is in the audit log, and only those.
        let audit = app.get("/api/v1/audit/0751", &admin).await.expect(200);
        let adds: Vec<&Value> = audit
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "enrolments.add")
            .collect();
        assert_eq!(adds.len(), 2, "{backend}: {audit:#}");
        assert_eq!(adds[0]["details"], json!({ "added": 1, "unchanged": 2 }));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_with_bad_lines_is_refused_whole_with_every_line_named() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let aarhus = app.login("admin", Some("0751")).await;
        let copenhagen = app.login("admin", Some("0101")).await;
        app.post(
            &path("0101"),
            &copenhagen,
            json!({ "citizens": [{ "cpr": "1503801111" }] }),
        )
        .await
        .expect(200);
        let csv = "cpr,note\n\
                   010190-1234,god\n\
                   310290-1234,\n\
                   010190123,\n\
                   01AB901234,\n\
                   0101901234,igen\n\
                   150380-1111,\n\
                   0202851234,cpr 0202851234\n";
        let refused = app
            .post_as(&path("0751"), &aarhus, "text/csv", csv)
            .await
            .expect_problem(422, "enrolments-invalid");
        assert_eq!(
            lines(&refused),
            [
                (3, "cpr".into(), "cpr-date".into()),
                (4, "cpr".into(), "cpr-length".into()),
                (5, "cpr".into(), "cpr-characters".into()),
                (6, "cpr".into(), "cpr-duplicate".into()),
                (7, "cpr".into(), "cpr-elsewhere".into()),
                (8, "note".into(), "note-cpr".into()),
            ],
            "{backend}: {refused:#}"
        );
        let duplicate = refused["errors"][3]["detail"].as_str().unwrap();
        assert!(
            duplicate.contains("line 2") && duplicate.contains("line 6"),
            "{duplicate}"
        );
        assert!(refused["errors"][1]["detail"]
            .as_str()
            .unwrap()
            .contains("this has 9"));
        // Nothing was written: not even the good line.
        assert_eq!(enrolled(&app, "0751").await, 0, "{backend}");
        assert_eq!(app.count("enrolments").await, 1, "{backend}");

        // JSON is named by pointer.
        let refused = app
            .post(
                &path("0751"),
                &aarhus,
                json!({ "citizens": [
                    { "cpr": "0101901234" },
                    { "cpr": "abc" },
                    { "cpr": "0202851234", "note": "ref 020285-1234" },
                ] }),
            )
            .await
            .expect_problem(422, "enrolments-invalid");
        let pointers: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(pointers, ["/citizens/1/cpr", "/citizens/2/note"]);
        assert_eq!(enrolled(&app, "0751").await, 0, "{backend}");

        // A file without its header, and a body that is not an upload.
        let refused = app
            .post_as(&path("0751"), &aarhus, "text/csv", "0101901234\n")
            .await
            .expect_problem(422, "enrolments-invalid");
        assert_eq!(lines(&refused), [(1, "file".into(), "file-header".into())]);
        app.post_as(&path("0751"), &aarhus, "text/csv", "cpr;note\r\n")
            .await
            .expect_problem(422, "enrolments-empty");
        app.post(
            &path("0751"),
            &aarhus,
            json!({ "citizens": [{ "cpr": 101901234 }] }),
        )
        .await
        .expect_problem(400, "invalid-body");
        app.post_as(&path("0751"), &aarhus, "text/plain", "cpr\n0101901234\n")
            .await
            .expect_problem(415, "unsupported-media-type");
        assert_eq!(app.count("enrolments").await, 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn semicolons_a_byte_order_mark_and_crlf_as_excel_writes_them() {
    for app in spawn_apps().await {
        let admin = app.login("admin", Some("0751")).await;
        let csv =
            "\u{feff}CPR;Note\r\n010190-1234;sag 17\r\n0202851234;\"a; b\"\r\n\r\n1102031234;\r\n";
        let done = app.post_as(&path("0751"), &admin, "text/csv", csv).await;
        assert_eq!(counts(&done.expect(200)), (3, 0), "{}", app.backend);
        let list = app.get(&path("0751"), &admin).await.expect(200);
        assert!(list["enrolments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["note"] == "a; b"));
        // A bad line is counted as the file counts it: the BOM is no line, the blank
        // line is one.
        let csv = "\u{feff}cpr;note\r\n010190-1234;\r\n\r\n3102851234;\r\n";
        let refused = app
            .post_as(&path("0751"), &admin, "text/csv", csv)
            .await
            .expect_problem(422, "enrolments-invalid");
        assert_eq!(lines(&refused), [(4, "cpr".into(), "cpr-date".into())]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_are_bounded() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let admin = app.login("admin", Some("0751")).await;
        // Over 2 MiB.
        let mut big = String::from("cpr,note\n");
        while big.len() <= 2 * 1024 * 1024 {
            big.push_str("0101901234,");
            big.push_str(&"x".repeat(150));
            big.push('\n');
        }
        let answer = app.post_as(&path("0751"), &admin, "text/csv", big).await;
        let p = answer.expect_problem(413, "too-large");
        assert!(p["detail"].as_str().unwrap().contains("2 MiB"), "{p}");
        // Over 20,000 citizens (small enough in bytes).
        let mut many = String::from("cpr\n");
        for i in 0..20_001 {
            many.push_str(&format!("01019{:05}\n", i));
        }
        let p = app
            .post_as(&path("0751"), &admin, "text/csv", many)
            .await
            .expect_problem(413, "too-large");
        assert!(p["detail"].as_str().unwrap().contains("20000"), "{p}");
        let citizens: Vec<Value> = (0..20_001)
            .map(|_| json!({ "cpr": "0101901234" }))
            .collect();
        app.post(&path("0751"), &admin, json!({ "citizens": citizens }))
            .await
            .expect_problem(413, "too-large");
        assert_eq!(app.count("enrolments").await, 0, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_municipality_s_admin_may_enrol_read_and_remove() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let aarhus = app.login("admin", Some("0751")).await;
        app.post(
            &path("0751"),
            &aarhus,
            json!({ "citizens": [{ "cpr": "0101901234" }] }),
        )
        .await
        .expect(200);
        let body = json!({ "citizens": [{ "cpr": "0202851234" }] });
        let others = [
            (
                "another municipality's admin",
                app.login("admin", Some("0101")).await,
            ),
            ("a caseworker", app.login("caseworker", Some("0751")).await),
            ("a citizen", app.citizen("c-enrol", "0751", &[]).await),
            ("a vendor", app.login("vendor", Some("acme")).await),
            ("the operator", app.login("operator", None).await),
        ];
        for (who, token) in &others {
            let answer = app.post(&path("0751"), token, body.clone()).await;
            assert_eq!(
                answer.status, 403,
                "{backend}: {who} posts: {:#}",
                answer.body
            );
            let answer = app
                .post_as(&path("0751"), token, "text/csv", "cpr\n0202851234\n")
                .await;
            assert_eq!(answer.status, 403, "{backend}: {who} posts CSV");
            let answer = app.get(&path("0751"), token).await;
            assert_eq!(
                answer.status, 403,
                "{backend}: {who} reads: {:#}",
                answer.body
            );
            let answer = app
                .delete_with(&path("0751"), token, json!({ "cpr": "0101901234" }))
                .await;
            assert_eq!(answer.status, 403, "{backend}: {who} removes");
        }
        // Without a credential.
        let answer = app.get_anon(&path("0751")).await;
        assert_eq!(answer.status, 401, "{backend}");
        // A caller whose words are refused before the body is read says nothing of it.
        let copenhagen = &others[0].1;
        let answer = app
            .post_as(&path("0751"), copenhagen, "text/csv", "nonsense")
            .await;
        assert_eq!(answer.problem(), "other-tenant", "{backend}");
        assert_eq!(enrolled(&app, "0751").await, 1, "{backend}");
        assert_eq!(app.count("enrolments").await, 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_is_removed_by_cpr_number_in_the_body() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let aarhus = app.login("admin", Some("0751")).await;
        let copenhagen = app.login("admin", Some("0101")).await;
        app.post(
            &path("0751"),
            &aarhus,
            json!({ "citizens": [{ "cpr": "0101901234" }, { "cpr": "0202851234" }] }),
        )
        .await
        .expect(200);
        // Another municipality cannot remove it through its own list.
        app.delete_with(&path("0101"), &copenhagen, json!({ "cpr": "0101901234" }))
            .await
            .expect_problem(404, "enrolment-not-found");
        app.delete_with(&path("0751"), &aarhus, json!({ "cpr": "010190-1234" }))
            .await
            .expect(204);
        assert_eq!(enrolled(&app, "0751").await, 1, "{backend}");
        app.delete_with(&path("0751"), &aarhus, json!({ "cpr": "0101901234" }))
            .await
            .expect_problem(404, "enrolment-not-found");
        let p = app
            .delete_with(&path("0751"), &aarhus, json!({ "cpr": "3102851234" }))
            .await
            .expect_problem(422, "invalid-cpr");
        assert_eq!(p["pointer"], "/cpr");
        let audit = app.get("/api/v1/audit/0751", &aarhus).await.expect(200);
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "enrolments.remove"),
            "{audit:#}"
        );
        // Now free, Copenhagen may enrol it.
        let done = app
            .post(
                &path("0101"),
                &copenhagen,
                json!({ "citizens": [{ "cpr": "0101901234" }] }),
            )
            .await
            .expect(200);
        assert_eq!(counts(&done), (1, 0), "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_never_holds_the_cpr_number() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let admin = app.login("admin", Some("0751")).await;
        let csv = "cpr,note\n230485-1234,sag 17\n0505051234,\n";
        app.post_as(&path("0751"), &admin, "text/csv", csv)
            .await
            .expect(200);
        app.delete_with(&path("0751"), &admin, json!({ "cpr": "0505051234" }))
            .await
            .expect(204);
        let forbidden = ["2304851234", "230485-1234", "0505051234", "050505-1234"];
        // Every row of the tables an enrolment touches, as text.
        use sqlx::Row;
        for table in ["enrolments", "audit_log"] {
            let rows = sqlx::query(&format!("SELECT * FROM {table}"))
                .fetch_all(app.server.market.db().pool())
                .await
                .unwrap();
            for row in &rows {
                for i in 0..row.len() {
                    let text = row
                        .try_get::<String, _>(i)
                        .or_else(|_| row.try_get::<i64, _>(i).map(|n| n.to_string()))
                        .unwrap_or_default();
                    for cpr in forbidden {
                        assert!(!text.contains(cpr), "{backend}: {table} holds {cpr}");
                    }
                }
            }
        }
        // And the SQLite files themselves, byte for byte.
        if let Some(file) = app.sqlite_file() {
            for suffix in ["", "-wal"] {
                let path = format!("{}{suffix}", file.display());
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                for cpr in forbidden {
                    assert!(
                        !bytes.windows(cpr.len()).any(|w| w == cpr.as_bytes()),
                        "{path} holds {cpr}"
                    );
                }
            }
        }
    }
}
