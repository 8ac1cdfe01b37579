//! The citizen's GDPR rights and inbox over HTTP: the export holds what blocks wrote and
//! nothing of anyone else, erasure leaves no row about the citizen in any table of the
//! schema and every other citizen's rows as they were, the access log shows a block's
//! profile reads, the inbox marks only the caller's own messages read, and a new message
//! reaches an open event stream.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use sqlx::Row;

use super::{install, publish_component, spawn_apps, TestApp};
use jobunivers_host::caps::db::LegalBasis;
use jobunivers_host::caps::{
    Capability, CapabilityProvider, EscalationRequest, Notification, Scope, ScreeningAnswer,
    ScreeningReport, Track,
};
use jobunivers_host::citizen::CITIZEN_TABLES;
use jobunivers_host::runtime::model::{ChatMessage, ChatRole, Localized};

/// The widget 1.1.0 (stores a visit counter, records an activity per render) installed
/// in 0101; its installation id.
async fn widget(app: &TestApp) -> i64 {
    let (acme, key) = app.vendor("acme").await;
    app.publish_approved(&acme, &key, "v1_1_0").await;
    install(
        app,
        "0101",
        json!({ "block": "acme.widget", "granted": ["storage", "activity"] }),
    )
    .await
}

/// Register a citizen of `code` and sign them in.
async fn citizen(app: &TestApp, id: &str, code: &str) -> String {
    app.citizen(id, code, &[]).await
}

/// A citizen's token, whether or not they are registered.
async fn citizen_token(app: &TestApp, id: &str, code: &str) -> String {
    app.citizen_token(id, code).await
}

fn scope(installation: i64, citizen: &str, now_ms: i64) -> Scope {
    Scope {
        installation: installation.to_string(),
        block_id: "acme.widget".into(),
        block_version: "1.1.0".into(),
        citizen: citizen.into(),
        municipality: "0101".into(),
        now_ms,
    }
}

fn now() -> i64 {
    jobunivers_host::clock::now_ms()
}

fn message(title: &str) -> Notification {
    Notification {
        title: title.into(),
        body: format!("{title}: a message for the test"),
        view: Some("inbox".into()),
    }
}

/// Give a citizen a row in every table that holds citizen data: the widget's storage
/// and activities (rendered twice through the API), a binary value, a profile, a read of
/// it, a consent, a thread with a transcript and a message.
async fn populate(app: &TestApp, installation: i64, id: &str, token: &str, secret: &str) {
    for _ in 0..2 {
        let page = app.get("/api/v1/universe", token).await.expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok", "{page:#}");
    }
    // Signed in on the web pages.
    jobunivers_host::sessions::Sessions::new(app.server.market.db().clone())
        .start(&jobunivers_host::auth::Identity {
            subject: id.into(),
            role: jobunivers_host::auth::Role::Citizen,
            tenant: Some("0101".into()),
            scopes: None,
        })
        .await
        .unwrap();
    let p = app.server.universe.provider();
    let s = scope(installation, id, now());
    p.storage_set(&s, "secret", secret.as_bytes().to_vec())
        .await
        .unwrap();
    p.storage_set(&s, "raw", vec![0xff, 0x00, 0xfe])
        .await
        .unwrap();
    let mut profile = jobunivers_host::demo::profile();
    profile.cv_text = Some(format!("CV of {id}"));
    p.set_profile(id, &profile).await.unwrap();
    p.profile(&s).await.unwrap();
    // The citizen's own change: contact preferences, its record and its event.
    let answer = app
        .patch(
            "/api/v1/me/profile",
            token,
            json!({ "contact": { "email": format!("{id}@example.dk") } }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    // The change's event delivered to the widget: the delivery's row is the citizen's.
    jobunivers_host::events::Dispatcher::new(app.server.universe.clone(), 1)
        .run_until_idle()
        .await
        .unwrap();
    p.set_consent(
        id,
        installation,
        Capability::parse("profile.cv").unwrap(),
        LegalBasis::Consent,
        true,
    )
    .await
    .unwrap();
    p.escalate_open(
        &s,
        EscalationRequest::ChatHandover {
            transcript: vec![ChatMessage {
                role: ChatRole::Citizen,
                text: format!("Hello from {id}"),
                at_ms: None,
            }],
            summary: "Wants to talk to a caseworker".into(),
        },
    )
    .await
    .unwrap();
    p.notify(&s, message("New job")).await.unwrap();
    // A screening result, and a caseworker's decision on it.
    let screening = p
        .screening_report(
            &s,
            ScreeningReport {
                suggested: Track::Mixed,
                score: 6,
                reasons: vec![Localized {
                    da: format!("Grund for {id}"),
                    en: format!("Reason for {id}"),
                }],
                answers: vec![ScreeningAnswer {
                    question_id: "samtaler".into(),
                    question: Localized {
                        da: "Samtaler?".into(),
                        en: "Conversations?".into(),
                    },
                    answer: Localized {
                        da: "Faste".into(),
                        en: "Regular".into(),
                    },
                    value: "fast".into(),
                    contribution: 6,
                }],
            },
        )
        .await
        .unwrap();
    let caseworker = jobunivers_host::auth::Identity {
        subject: "gdpr-caseworker".into(),
        role: jobunivers_host::auth::Role::Caseworker,
        tenant: Some("0101".into()),
        scopes: None,
    };
    jobunivers_host::screening::Screening::new(app.server.market.db().clone())
        .decide(
            &caseworker,
            id,
            jobunivers_host::screening::NewDecision {
                screening: screening.trim_start_matches("screening-").parse().unwrap(),
                track: "mixed".into(),
                reason: format!("Decided for {id}"),
            },
        )
        .await
        .unwrap();
}

/// Give a citizen rows in the monitoring tables: rules fired for them (evaluated 60
/// days on), an exemption and a prior notice from their caseworker. Their visits come
/// from the universe pages [`populate`] fetched.
async fn populate_monitoring(app: &TestApp, id: &str) {
    let fired = jobunivers_host::monitor::evaluate_citizen(
        app.server.universe.provider(),
        id,
        now() + 60 * jobunivers_host::monitor::DAY_MS,
    )
    .await
    .unwrap()
    .fired;
    assert!(fired > 0, "{}", app.backend);
    let caseworker = app.login("caseworker", Some("0101")).await;
    let rules = app
        .get("/api/v1/municipalities/0101/monitoring/rules", &caseworker)
        .await
        .expect(200);
    app.post(
        &format!("/api/v1/caseworker/citizens/{id}/exemptions"),
        &caseworker,
        json!({ "rule": rules[0]["id"], "reason": "Kursus", "until_ms": now() + 86_400_000 }),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/caseworker/citizens/{id}/prior-notices"),
        &caseworker,
        json!({ "text": format!("Forhåndsorientering til {id}") }),
    )
    .await
    .expect(201);
}

/// How many rows about `citizen` each table of the schema holds, each counted by its
/// own query (not by the erasure's list, which this checks): by the citizen column, or
/// through the parent for tables without one.
async fn rows_about(app: &TestApp, citizen: &str) -> BTreeMap<&'static str, i64> {
    const QUERIES: &[(&str, &str)] = &[
        ("citizens", "SELECT COUNT(*) AS n FROM citizens WHERE id = $1"),
        ("profiles", "SELECT COUNT(*) AS n FROM profiles WHERE citizen_id = $1"),
        ("block_storage", "SELECT COUNT(*) AS n FROM block_storage WHERE citizen_id = $1"),
        ("block_usage", "SELECT COUNT(*) AS n FROM block_usage WHERE citizen_id = $1"),
        ("activities", "SELECT COUNT(*) AS n FROM activities WHERE citizen_id = $1"),
        ("threads", "SELECT COUNT(*) AS n FROM threads WHERE citizen_id = $1"),
        (
            "thread_messages",
            "SELECT COUNT(*) AS n FROM thread_messages m JOIN threads t ON t.id = m.thread_id WHERE t.citizen_id = $1",
        ),
        ("notifications", "SELECT COUNT(*) AS n FROM notifications WHERE citizen_id = $1"),
        // A prior notice's Digital Post letter, at least.
        ("outbox", "SELECT COUNT(*) AS n FROM outbox WHERE citizen_id = $1"),
        ("consents", "SELECT COUNT(*) AS n FROM consents WHERE citizen_id = $1"),
        ("data_access_log", "SELECT COUNT(*) AS n FROM data_access_log WHERE citizen_id = $1"),
        ("sessions", "SELECT COUNT(*) AS n FROM sessions WHERE role = 'citizen' AND subject = $1"),
        ("screenings", "SELECT COUNT(*) AS n FROM screenings WHERE citizen_id = $1"),
        ("track_decisions", "SELECT COUNT(*) AS n FROM track_decisions WHERE citizen_id = $1"),
        ("monitor_visits", "SELECT COUNT(*) AS n FROM monitor_visits WHERE citizen_id = $1"),
        ("monitor_firings", "SELECT COUNT(*) AS n FROM monitor_firings WHERE citizen_id = $1"),
        ("monitor_exemptions", "SELECT COUNT(*) AS n FROM monitor_exemptions WHERE citizen_id = $1"),
        ("prior_notices", "SELECT COUNT(*) AS n FROM prior_notices WHERE citizen_id = $1"),
        ("contact_preferences", "SELECT COUNT(*) AS n FROM contact_preferences WHERE citizen_id = $1"),
        ("profile_changes", "SELECT COUNT(*) AS n FROM profile_changes WHERE citizen_id = $1"),
        ("block_events", "SELECT COUNT(*) AS n FROM block_events WHERE citizen_id = $1"),
        ("event_deliveries", "SELECT COUNT(*) AS n FROM event_deliveries WHERE citizen_id = $1"),
    ];
    let pool = app.server.market.db().pool();
    let mut out = BTreeMap::new();
    for (table, sql) in QUERIES {
        let n: i64 = sqlx::query(sql)
            .bind(citizen)
            .fetch_one(pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        out.insert(*table, n);
    }
    // Thread messages hang off their thread, which is erased with them: a message left
    // without its thread would be invisible to the join above.
    let orphans: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM thread_messages WHERE thread_id NOT IN (SELECT id FROM threads)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
    .try_get("n")
    .unwrap();
    assert_eq!(orphans, 0, "thread messages without a thread");
    out
}

/// Tables that hold nothing about citizens: the marketplace's, the job postings and the
/// public ESCO classification.
const NO_CITIZEN_DATA: &[&str] = &[
    "regions",
    "municipalities",
    "vendors",
    "vendor_keys",
    "api_tokens",
    "blocks",
    "block_versions",
    "installations",
    "audit_log",
    "admin_notices",
    "job_postings",
    "esco_concepts",
    "screening_settings",
    "monitoring_rules",
    "monitoring_defaults",
    "market_version",
    // OpenID sign-ins under way: kept before anyone is known (nonce, PKCE verifier,
    // return path), ten minutes at most.
    "signins",
    // Who signed in as staff, with which role: staff, not citizens.
    "staff_members",
    // The municipalities' enrolment lists: the jobcentres' own case data, keyed by a
    // hash of a CPR number that no citizen id leads to, kept and removed by the
    // municipality's admin.
    "enrolments",
];

/// Every table of the schema (without the migrations' own), with its columns.
async fn schema(app: &TestApp) -> BTreeMap<String, Vec<String>> {
    let pool = app.server.market.db().pool();
    let (tables, columns) = if app.backend == "sqlite" {
        (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '%sqlx%'",
            "SELECT name FROM pragma_table_info($1)",
        )
    } else {
        (
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '%sqlx%'",
            "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
        )
    };
    let mut out = BTreeMap::new();
    for row in sqlx::query(tables).fetch_all(pool).await.unwrap() {
        let table: String = row.try_get("name").unwrap();
        let cols = sqlx::query(columns)
            .bind(&table)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("name").unwrap())
            .collect();
        out.insert(table, cols);
    }
    out
}

/// The entries a block's storage holds in an export, by key.
fn stored(export: &Value, installation: i64) -> BTreeMap<String, (String, String)> {
    export["storage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["installation"] == installation)
        .flat_map(|s| s["entries"].as_array().unwrap().iter())
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                (
                    e["encoding"].as_str().unwrap().to_owned(),
                    e["value"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_holds_what_was_written_and_nothing_of_others() {
    for app in spawn_apps().await {
        let widget = widget(&app).await;
        let anna = citizen(&app, "gdpr-anna-41", "0101").await;
        let bo = citizen(&app, "gdpr-bo-93", "0101").await;
        populate(&app, widget, "gdpr-anna-41", &anna, "anna-secret-value").await;
        populate(&app, widget, "gdpr-bo-93", &bo, "bo-secret-value").await;
        // Bo has visited once more, so his counter differs from Anna's.
        app.get("/api/v1/universe", &bo).await.expect(200);

        let export = app.get("/api/v1/me/export", &anna).await.expect(200);
        let backend = app.backend;
        assert_eq!(export["citizen"]["id"], "gdpr-anna-41", "{backend}");
        assert_eq!(export["citizen"]["municipality"], "0101");
        assert_eq!(
            export["profile"]["profile"]["cv_text"], "CV of gdpr-anna-41",
            "{backend}"
        );
        assert_eq!(
            export["profile"]["profile"]["desired_occupations"],
            serde_json::to_value(jobunivers_host::demo::profile().desired_occupations).unwrap()
        );
        // The widget's counter, as text; bytes that are not UTF-8 as base64.
        let entries = stored(&export, widget);
        assert_eq!(
            entries["visits"],
            ("utf-8".into(), "2".into()),
            "{export:#}"
        );
        assert_eq!(
            entries["secret"],
            ("utf-8".into(), "anna-secret-value".into())
        );
        assert_eq!(entries["raw"], ("base64".into(), "/wD+".into()));
        let storage = &export["storage"][0];
        assert_eq!(storage["block"], "acme.widget");
        assert!(storage["bytes_used"].as_i64().unwrap() > 0);
        // One activity per render.
        let activities = export["activities"].as_array().unwrap();
        assert_eq!(activities.len(), 2, "{export:#}");
        assert!(activities.iter().all(|a| a["block"] == "acme.widget"
            && a["summary"] == "Besøg"
            && a["kind"] == "other"));
        let notifications = export["notifications"].as_array().unwrap();
        assert_eq!(notifications.len(), 1);
        assert_eq!(notifications[0]["title"], "New job");
        assert_eq!(notifications[0]["read"], false);
        let threads = export["threads"].as_array().unwrap();
        assert_eq!(threads.len(), 1);
        assert_eq!(threads[0]["state"], "open");
        assert_eq!(threads[0]["request"]["type"], "chat-handover");
        assert_eq!(
            threads[0]["request"]["summary"],
            "Wants to talk to a caseworker"
        );
        let texts: Vec<&str> = threads[0]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["Hello from gdpr-anna-41", "Wants to talk to a caseworker"]
        );
        assert_eq!(threads[0]["messages"][0]["transcript"], true);
        let consents = export["consents"].as_array().unwrap();
        assert_eq!(consents.len(), 1);
        assert_eq!(
            (
                consents[0]["capability"].clone(),
                consents[0]["legal_basis"].clone(),
                consents[0]["block"].clone()
            ),
            (json!("profile.cv"), json!("consent"), json!("acme.widget"))
        );
        // The block's profile read, and the caseworker's read deciding the track.
        let log = export["access_log"].as_array().unwrap();
        assert_eq!(log.len(), 2, "{export:#}");
        assert!(log
            .iter()
            .any(|e| e["actor"] == "block:acme.widget@1.1.0" && e["what"] == "profile"));
        assert!(log
            .iter()
            .any(|e| e["actor"] == "caseworker:gdpr-caseworker@0101"
                && e["why"] == "caseworker decides the track"));
        let screening = &export["screening"];
        assert_eq!(screening["screenings"].as_array().unwrap().len(), 1);
        assert_eq!(
            screening["screenings"][0]["reasons"][0]["da"],
            "Grund for gdpr-anna-41"
        );
        assert_eq!(
            screening["decisions"][0]["reason"],
            "Decided for gdpr-anna-41"
        );
        assert_eq!(screening["decisions"][0]["overrides"], false);
        // Nothing of Bo's.
        let text = export.to_string();
        assert!(!text.contains("gdpr-bo-93"), "{backend}: {text}");
        assert!(!text.contains("bo-secret-value"), "{text}");

        // Bo's export is his own.
        let theirs = app.get("/api/v1/me/export", &bo).await.expect(200);
        assert_eq!(stored(&theirs, widget)["visits"].1, "3");
        assert_eq!(stored(&theirs, widget)["secret"].1, "bo-secret-value");
        assert!(!theirs.to_string().contains("gdpr-anna-41"));

        // Only a registered citizen of the municipality in the token gets one.
        let admin = app.login("admin", Some("0101")).await;
        app.get("/api/v1/me/export", &admin)
            .await
            .expect_problem(403, "wrong-role");
        let stranger = citizen_token(&app, "gdpr-nobody", "0101").await;
        app.get("/api/v1/me/export", &stranger)
            .await
            .expect_problem(404, "unknown-citizen");
        let elsewhere = citizen_token(&app, "gdpr-anna-41", "0147").await;
        app.get("/api/v1/me/export", &elsewhere)
            .await
            .expect_problem(403, "other-tenant");
        app.get_anon("/api/v1/me/export")
            .await
            .expect_problem(401, "missing-token");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn erasure_leaves_nothing_in_any_table_and_others_untouched() {
    for app in spawn_apps().await {
        let backend = app.backend;
        // The erasure list and this test cover the same tables, and together with the
        // tables without citizen data they are the whole schema: a new table must be
        // placed on one side or the other.
        let checked: Vec<&str> = rows_about(&app, "nobody").await.into_keys().collect();
        let mut erased: Vec<&str> = CITIZEN_TABLES.iter().map(|t| t.name).collect();
        erased.sort_unstable();
        assert_eq!(erased, checked, "the erasure's tables");
        let schema = schema(&app).await;
        assert!(
            schema["thread_messages"].contains(&"thread_id".to_owned()),
            "{backend}: the schema is read: {schema:?}"
        );
        for (table, columns) in schema {
            let covered = checked.contains(&table.as_str());
            assert!(
                covered || NO_CITIZEN_DATA.contains(&table.as_str()),
                "{backend}: table {table} is neither erased nor known to hold no citizen data"
            );
            assert!(
                covered || !columns.iter().any(|c| c.contains("citizen")),
                "{backend}: table {table} has a citizen column but is not erased"
            );
        }

        let widget = widget(&app).await;
        let anna = citizen(&app, "gdpr-anna-41", "0101").await;
        let bo = citizen(&app, "gdpr-bo-93", "0101").await;
        populate(&app, widget, "gdpr-anna-41", &anna, "anna-secret-value").await;
        populate(&app, widget, "gdpr-bo-93", &bo, "bo-secret-value").await;
        populate_monitoring(&app, "gdpr-anna-41").await;
        populate_monitoring(&app, "gdpr-bo-93").await;
        let before = rows_about(&app, "gdpr-anna-41").await;
        assert!(
            before.values().all(|n| *n > 0),
            "{backend}: every table must have rows to erase: {before:?}"
        );
        let bo_before = rows_about(&app, "gdpr-bo-93").await;
        let bo_export = app.get("/api/v1/me/export", &bo).await.expect(200);

        let answer = app.delete("/api/v1/me", &anna).await;
        assert_eq!(answer.status, 204, "{backend}: {:#}", answer.body);

        let after = rows_about(&app, "gdpr-anna-41").await;
        assert!(
            after.values().all(|n| *n == 0),
            "{backend}: rows left after erasure: {after:?}"
        );
        assert_eq!(rows_about(&app, "gdpr-bo-93").await, bo_before, "{backend}");
        let mut bo_after = app.get("/api/v1/me/export", &bo).await.expect(200);
        bo_after["exported_ms"] = bo_export["exported_ms"].clone();
        assert_eq!(bo_after, bo_export, "{backend}: Bo's data changed");

        // The token outlives the citizen, but finds no one.
        for path in [
            "/api/v1/me/export",
            "/api/v1/me/access-log",
            "/api/v1/me/notifications",
            "/api/v1/me/notifications/stream",
        ] {
            app.get(path, &anna)
                .await
                .expect_problem(404, "unknown-citizen");
        }
        app.delete("/api/v1/me", &anna)
            .await
            .expect_problem(404, "unknown-citizen");
        app.get("/api/v1/universe", &anna)
            .await
            .expect_problem(404, "unknown-citizen");
        let admin = app.login("admin", Some("0101")).await;
        app.delete("/api/v1/me", &admin)
            .await
            .expect_problem(403, "wrong-role");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_shows_a_blocks_profile_reads_newest_first() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let (vendor, key) = app.vendor("jobunivers").await;
        publish_component(&app, &vendor, &key, "job_feed").await;
        let feed = install(
            &app,
            "0101",
            json!({ "block": "jobunivers.job-feed", "granted": ["jobs", "profile.occupations", "profile.skills", "profile.area", "storage", "notify"] }),
        )
        .await;
        let anna = citizen(&app, "gdpr-anna-41", "0101").await;
        let bo = citizen(&app, "gdpr-bo-93", "0101").await;
        let provider = app.server.universe.provider();
        provider
            .set_profile("gdpr-anna-41", &jobunivers_host::demo::profile())
            .await
            .unwrap();

        // Without consent the block gets no profile, and nothing was read.
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok", "{backend}: {page:#}");
        assert_eq!(
            app.get("/api/v1/me/access-log", &anna).await.expect(200),
            json!([])
        );

        provider
            .set_consent(
                "gdpr-anna-41",
                feed,
                Capability::parse("profile.occupations").unwrap(),
                LegalBasis::Consent,
                true,
            )
            .await
            .unwrap();
        for _ in 0..2 {
            let page = app.get("/api/v1/universe", &anna).await.expect(200);
            assert_eq!(page["blocks"][0]["status"], "ok", "{page:#}");
            // Distinct times, so "newest first" has something to order by.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let log = app.get("/api/v1/me/access-log", &anna).await.expect(200);
        let log = log.as_array().unwrap();
        assert_eq!(log.len(), 2, "{backend}: {log:#?}");
        for entry in log {
            assert_eq!(
                (
                    entry["actor"].clone(),
                    entry["what"].clone(),
                    entry["why"].clone()
                ),
                (
                    json!("block:jobunivers.job-feed@1.0.0"),
                    json!("profile"),
                    json!("block-call")
                )
            );
        }
        assert!(
            log[0]["at_ms"].as_i64() > log[1]["at_ms"].as_i64(),
            "{log:#?}"
        );
        assert!(log[0]["id"].as_i64() > log[1]["id"].as_i64());
        // The export carries the same log; Bo's is his own (empty).
        let export = app.get("/api/v1/me/export", &anna).await.expect(200);
        assert_eq!(export["access_log"], json!(log));
        assert_eq!(
            app.get("/api/v1/me/access-log", &bo).await.expect(200),
            json!([])
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inbox_lists_newest_first_and_marks_only_own_messages_read() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let widget = widget(&app).await;
        let anna = citizen(&app, "gdpr-anna-41", "0101").await;
        let bo = citizen(&app, "gdpr-bo-93", "0101").await;
        let p = app.server.universe.provider();
        let t = now();
        p.notify(&scope(widget, "gdpr-anna-41", t), message("First"))
            .await
            .unwrap();
        p.notify(&scope(widget, "gdpr-anna-41", t + 1000), message("Second"))
            .await
            .unwrap();
        p.notify(&scope(widget, "gdpr-bo-93", t), message("Bo's"))
            .await
            .unwrap();

        let inbox = app.get("/api/v1/me/notifications", &anna).await.expect(200);
        let titles: Vec<&str> = inbox
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Second", "First"], "{backend}");
        assert!(inbox
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == false && n["read_ms"].is_null()));
        assert_eq!(inbox[0]["block"], "acme.widget");
        assert_eq!(inbox[0]["installation"], widget);
        assert_eq!(inbox[0]["view"], "inbox");
        let (second, first) = (
            inbox[0]["id"].as_i64().unwrap(),
            inbox[1]["id"].as_i64().unwrap(),
        );

        let read = app
            .post(
                &format!("/api/v1/me/notifications/{first}/read"),
                &anna,
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(
            (read["id"].as_i64(), read["read"].clone()),
            (Some(first), json!(true))
        );
        let read_ms = read["read_ms"].as_i64().unwrap();
        // Reading again changes nothing.
        let again = app
            .post(
                &format!("/api/v1/me/notifications/{first}/read"),
                &anna,
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(again["read_ms"].as_i64(), Some(read_ms));

        // Bo cannot mark Anna's message read, nor see it.
        app.post(
            &format!("/api/v1/me/notifications/{second}/read"),
            &bo,
            json!({}),
        )
        .await
        .expect_problem(404, "unknown-notification");
        let inbox = app.get("/api/v1/me/notifications", &anna).await.expect(200);
        assert_eq!(
            inbox[0]["read"], false,
            "{backend}: Bo changed Anna's message"
        );
        assert_eq!(inbox[1]["read"], true);
        let theirs = app.get("/api/v1/me/notifications", &bo).await.expect(200);
        assert_eq!(theirs.as_array().unwrap().len(), 1);
        assert_eq!(theirs[0]["title"], "Bo's");
        for id in ["999999", "abc", "-1"] {
            app.post(
                &format!("/api/v1/me/notifications/{id}/read"),
                &anna,
                json!({}),
            )
            .await
            .expect_problem(404, "unknown-notification");
        }
        let admin = app.login("admin", Some("0101")).await;
        app.get("/api/v1/me/notifications", &admin)
            .await
            .expect_problem(403, "wrong-role");
    }
}

/// Server-sent events read from a response as they arrive.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// The next event (name, data), skipping comments; `None` when none arrives in time.
    async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the stream stays open")
                .expect("the stream does not end");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_notification_reaches_an_open_stream() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let widget = widget(&app).await;
        let anna = citizen(&app, "gdpr-anna-41", "0101").await;
        citizen(&app, "gdpr-bo-93", "0101").await;
        let p = app.server.universe.provider();
        // Sent before the page opened the stream, and still unread: it comes first.
        p.notify(&scope(widget, "gdpr-anna-41", now()), message("Waiting"))
            .await
            .unwrap();

        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/me/notifications/stream", app.url))
            .bearer_auth(&anna)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{backend}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        let mut events = Events {
            response,
            buffer: String::new(),
        };
        let (name, first) = events
            .next(Duration::from_secs(5))
            .await
            .expect("the unread message");
        assert_eq!(
            (name.as_str(), first["title"].clone()),
            ("notification", json!("Waiting"))
        );

        // Bo's message is not Anna's; hers arrives, and arrives alone.
        p.notify(&scope(widget, "gdpr-bo-93", now()), message("For Bo"))
            .await
            .unwrap();
        let id = p
            .notify(&scope(widget, "gdpr-anna-41", now()), message("Live"))
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let (_, live) = events
            .next(Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{backend}: the new message did not arrive"));
        assert_eq!(live["title"], "Live", "{backend}: {live:#}");
        assert!(started.elapsed() < Duration::from_secs(3));
        // The same message the inbox lists.
        assert_eq!(format!("msg-{}", live["id"]), id);
        let inbox = app.get("/api/v1/me/notifications", &anna).await.expect(200);
        assert_eq!(inbox[0], live);
        assert!(
            events.next(Duration::from_millis(300)).await.is_none(),
            "nothing else is sent"
        );

        // A citizen who is not registered gets no stream.
        let stranger = citizen_token(&app, "gdpr-nobody", "0101").await;
        app.get("/api/v1/me/notifications/stream", &stranger)
            .await
            .expect_problem(404, "unknown-citizen");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notification_reaches_a_stream_open_on_another_process() {
    let mut tried = 0;
    for app in spawn_apps().await {
        // Several processes share a database only on PostgreSQL.
        let Some(url) = app.database_url.clone() else {
            continue;
        };
        tried += 1;
        let widget = widget(&app).await;
        let anna = citizen(&app, "gdpr-anna-77", "0101").await;
        let data = tempfile::tempdir().unwrap();
        let mut config = jobunivers_host::server::ServerConfig::new(data.path().to_owned());
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.database_url = Some(url);
        config.static_dir = None;
        config.jwt = jobunivers_host::server::JwtKeys::Secret(jobunivers_host::server::Secret(
            super::SECRET.into(),
        ));
        let other = jobunivers_host::server::start(config).await.unwrap();

        let response = reqwest::Client::new()
            .get(format!(
                "http://{}/api/v1/me/notifications/stream",
                other.addr
            ))
            .bearer_auth(&anna)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut events = Events {
            response,
            buffer: String::new(),
        };
        // The listener may still be connecting: send until one arrives.
        let p = app.server.universe.provider();
        let mut arrived = None;
        for attempt in 0..5 {
            p.notify(
                &scope(widget, "gdpr-anna-77", now()),
                message(&format!("From the first process {attempt}")),
            )
            .await
            .unwrap();
            if let Some((_, event)) = events.next(Duration::from_secs(1)).await {
                arrived = Some(event);
                break;
            }
        }
        let event =
            arrived.expect("a message sent through one process reaches a stream on the other");
        assert!(event["title"]
            .as_str()
            .unwrap()
            .starts_with("From the first process"));
        let inbox = app.get("/api/v1/me/notifications", &anna).await.expect(200);
        assert!(inbox
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == event["id"]));
        other.stop();
    }
    assert_eq!(tried, 1, "the PostgreSQL server ran the test");
}

/// After erasure the citizen's text is gone from the SQLite file and its write-ahead
/// log, not only from the tables: deleted pages are overwritten and the log emptied.
#[tokio::test(flavor = "multi_thread")]
async fn erased_text_is_not_left_in_the_database_files() {
    for app in spawn_apps().await {
        let Some(file) = app.sqlite_file() else {
            continue;
        };
        let anna = app.citizen("anna", "0101", &[]).await;
        let marker = "Erfaring-med-gaffeltruck-7f3a9c";
        let profile = jobunivers_host::caps::Profile {
            cv_text: Some(format!("{marker} og lagerstyring")),
            ..Default::default()
        };
        app.server
            .universe
            .provider()
            .set_profile("anna", &profile)
            .await
            .unwrap();
        let holds = |path: &std::path::Path| {
            std::fs::read(path)
                .map(|bytes| bytes.windows(marker.len()).any(|w| w == marker.as_bytes()))
                .unwrap_or(false)
        };
        let wal = file.with_extension("db-wal");
        assert!(holds(&file) || holds(&wal), "the profile was written");
        app.delete("/api/v1/me", &anna).await.expect(204);
        assert!(
            !holds(&file),
            "the database file still holds the erased text"
        );
        assert!(
            !holds(&wal),
            "the write-ahead log still holds the erased text"
        );
    }
}
