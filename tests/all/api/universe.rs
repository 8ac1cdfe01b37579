//! The citizen's universe over HTTP: the right blocks in the right order, each block
//! failing alone, the circuit breaker, and citizens kept apart.

use serde_json::json;

use super::{install, publish_component, spawn_apps, TestApp};

async fn citizen(app: &TestApp, id: &str, code: &str, groups: &[&str]) -> String {
    app.citizen(id, code, groups).await
}

fn blocks(page: &serde_json::Value) -> Vec<String> {
    page["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["block"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_sees_the_enabled_blocks_meant_for_them_in_order() {
    for app in spawn_apps().await {
        let (fixtures, fkey) = app.vendor("fixtures").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hello").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hostile").await;
        let (acme, akey) = app.vendor("acme").await;
        app.publish_approved(&acme, &akey, "v1_0_0").await;

        let widget = install(&app, "0101", json!({ "block": "acme.widget", "granted": ["storage"], "audience": { "groups": ["unge"] }, "position": 1 })).await;
        install(
            &app,
            "0101",
            json!({ "block": "fixtures.hello", "position": 2 }),
        )
        .await;
        install(&app, "0101", json!({ "block": "fixtures.hostile", "granted": ["storage"], "position": 3, "enabled": false })).await;
        let hello_0147 = install(&app, "0147", json!({ "block": "fixtures.hello" })).await;

        let anna = citizen(&app, "anna", "0101", &["unge"]).await;
        let bo = citizen(&app, "bo", "0101", &[]).await;
        let cai = citizen(&app, "cai", "0147", &[]).await;

        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(
            blocks(&page),
            ["acme.widget", "fixtures.hello"],
            "{}",
            app.backend
        );
        assert_eq!(page["blocks"][0]["status"], "ok");
        let text = page["blocks"][0]["page"].to_string();
        assert!(
            text.contains("Hej (1.0.0)") && text.contains("\"1\""),
            "{text}"
        );
        // Storage is the citizen's own: Anna's counter goes on, Bo never sees the widget.
        let page = app
            .get("/api/v1/universe?locale=en", &anna)
            .await
            .expect(200);
        assert!(page["blocks"][0]["page"].to_string().contains("\"2\""));
        assert_eq!(
            blocks(&app.get("/api/v1/universe", &bo).await.expect(200)),
            ["fixtures.hello"]
        );
        let page = app.get("/api/v1/universe", &cai).await.expect(200);
        assert_eq!(blocks(&page), ["fixtures.hello"]);
        assert_eq!(page["blocks"][0]["installation"], hello_0147);

        // Another municipality's block, or one not meant for them, is not on their page.
        app.get(&format!("/api/v1/universe/blocks/{hello_0147}"), &anna)
            .await
            .expect_problem(404, "unknown-installation");
        app.get(&format!("/api/v1/universe/blocks/{widget}"), &bo)
            .await
            .expect_problem(404, "unknown-installation");
        // An action the block does not know is the block's answer, not a failure.
        let answer = app
            .post(
                &format!("/api/v1/universe/blocks/{widget}/actions"),
                &anna,
                json!({ "action": "nope" }),
            )
            .await
            .expect(200);
        assert_eq!(answer["failure"], "bad-request");
        // Tokens that do not fit the citizen are refused.
        let stranger = app.login("citizen", Some("0101")).await;
        app.get("/api/v1/universe", &stranger)
            .await
            .expect_problem(404, "unknown-citizen");
        let moved = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": "citizen", "tenant": "0147", "subject": "anna" })),
                None,
            )
            .await
            .expect(200);
        app.get("/api/v1/universe", moved["token"].as_str().unwrap())
            .await
            .expect_problem(403, "other-tenant");
        let admin = app.login("admin", Some("0101")).await;
        app.get("/api/v1/universe", &admin)
            .await
            .expect_problem(403, "wrong-role");
        app.get("/api/v1/universe?locale=xx", &anna)
            .await
            .expect_problem(400, "invalid-locale");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_block_fails_alone_and_trips_the_breaker() {
    for app in spawn_apps().await {
        let (fixtures, fkey) = app.vendor("fixtures").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hello").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hostile").await;
        install(
            &app,
            "0751",
            json!({ "block": "fixtures.hello", "position": 1 }),
        )
        .await;
        install(&app, "0751", json!({ "block": "fixtures.hostile", "granted": ["storage"], "position": 2, "config": { "main_view": "panic" } })).await;
        let anna = citizen(&app, "anna", "0751", &[]).await;

        for _ in 0..jobunivers_host::universe::BREAKER_THRESHOLD {
            let page = app.get("/api/v1/universe", &anna).await.expect(200);
            assert_eq!(page["blocks"][0]["status"], "ok", "{}", app.backend);
            assert_eq!(page["blocks"][1]["status"], "failed");
            assert_eq!(page["blocks"][1]["failure"], "panic");
            assert!(page["blocks"][1]["placeholder"]
                .as_str()
                .unwrap()
                .starts_with("Denne del af siden"));
        }
        // The breaker is open: the block is not called, the page still renders.
        let page = app
            .get("/api/v1/universe?locale=en", &anna)
            .await
            .expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok");
        assert_eq!(page["blocks"][1]["status"], "unavailable");
        assert_eq!(page["blocks"][1]["failure"], "breaker-open");
        assert!(page["blocks"][1]["placeholder"]
            .as_str()
            .unwrap()
            .starts_with("This part of the page"));

        // Admin and operator see it.
        let admin = app.login("admin", Some("0751")).await;
        let health = app.get("/api/v1/health/blocks", &admin).await.expect(200);
        let h = health
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["block"] == "fixtures.hostile")
            .unwrap()
            .clone();
        assert_eq!(
            (
                h["calls"].clone(),
                h["failures"].clone(),
                h["breaker"].clone()
            ),
            (json!(5), json!(5), json!("open"))
        );
        let operator = app.login("operator", None).await;
        assert!(
            app.get("/api/v1/health/blocks", &operator)
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len()
                >= 2
        );
        app.get("/api/v1/health/blocks", &anna)
            .await
            .expect_problem(403, "wrong-role");
        let other_admin = app.login("admin", Some("0101")).await;
        assert_eq!(
            app.get("/api/v1/health/blocks", &other_admin)
                .await
                .expect(200),
            json!([])
        );

        assert_eq!(app.get_anon("/healthz").await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_bombs_and_endless_loops_are_stopped() {
    for app in spawn_apps().await {
        let (fixtures, fkey) = app.vendor("fixtures").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hostile").await;
        let hostile = install(
            &app,
            "0751",
            json!({ "block": "fixtures.hostile", "granted": ["storage"] }),
        )
        .await;
        let anna = citizen(&app, "anna", "0751", &[]).await;
        for (view, kind) in [
            ("memory", "memory"),
            ("loop", "timeout"),
            ("huge", "output-too-large"),
            ("recursion", "stack"),
        ] {
            let answer = app
                .get(
                    &format!("/api/v1/universe/blocks/{hostile}?view={view}"),
                    &anna,
                )
                .await
                .expect(200);
            assert_eq!(
                (answer["status"].clone(), answer["failure"].clone()),
                (json!("failed"), json!(kind)),
                "{view} on {}",
                app.backend
            );
        }
        let stored = app
            .get(
                &format!("/api/v1/universe/blocks/{hostile}?view=storage"),
                &anna,
            )
            .await
            .expect(200);
        assert!(stored["page"].to_string().contains("stored"), "{stored}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn consent_is_asked_per_block_and_withdrawal_stops_profile_reads_at_once() {
    use sqlx::Row;
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("jobunivers").await;
        publish_component(&app, &vendor, &key, "job_feed").await;
        let caps = [
            "jobs",
            "notify",
            "profile.area",
            "profile.occupations",
            "profile.skills",
            "storage",
        ];
        let feed = install(
            &app,
            "0751",
            json!({ "block": "jobunivers.job-feed", "granted": caps }),
        )
        .await;
        let anna = citizen(&app, "anna", "0751", &[]).await;
        let provider = app.server.universe.provider();
        provider
            .set_profile("anna", &jobunivers_host::demo::profile())
            .await
            .unwrap();
        provider
            .import_jobs(&jobunivers_host::demo::jobs())
            .await
            .unwrap();
        let reads = || async {
            sqlx::query("SELECT COUNT(*) AS n FROM data_access_log WHERE citizen_id = 'anna'")
                .fetch_one(app.server.market.db().pool())
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        };
        const UNKNOWN: &str = "Vi kan ikke se, hvor godt de passer til dig";

        // Nothing allowed yet: the block renders without the profile.
        let consents = app.get("/api/v1/me/consents", &anna).await.expect(200);
        let asked: Vec<&str> = consents[0]["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            asked,
            ["profile.occupations", "profile.skills", "profile.area"],
            "{}",
            app.backend
        );
        assert!(
            consents[0]["capabilities"][0]["reason"]["da"]
                .as_str()
                .unwrap()
                .len()
                > 10
        );
        assert_eq!(consents[0]["capabilities"][0]["consented"], false);
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok");
        assert!(page["blocks"][0]["page"].to_string().contains(UNKNOWN));

        // Allowed: the block matches on the profile, and the read is on record.
        for c in ["profile.area", "profile.occupations", "profile.skills"] {
            let b = app
                .post(
                    &format!("/api/v1/me/consents/{feed}"),
                    &anna,
                    json!({ "capability": c, "allow": true }),
                )
                .await
                .expect(200);
            assert!(b["capabilities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == c
                    && x["consented"] == true
                    && x["legal_basis"] == "consent"));
        }
        let before = reads().await;
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert!(
            !page["blocks"][0]["page"].to_string().contains(UNKNOWN),
            "{}",
            page["blocks"][0]["page"]
        );
        assert!(reads().await > before);

        // Withdrawn: the very next call does not see the profile.
        for c in ["profile.area", "profile.occupations", "profile.skills"] {
            app.post(
                &format!("/api/v1/me/consents/{feed}"),
                &anna,
                json!({ "capability": c, "allow": false }),
            )
            .await
            .expect(200);
        }
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok");
        assert!(page["blocks"][0]["page"].to_string().contains(UNKNOWN));

        // Only what the block asks for, only on one's own page.
        app.post(
            &format!("/api/v1/me/consents/{feed}"),
            &anna,
            json!({ "capability": "profile.cv", "allow": true }),
        )
        .await
        .expect_problem(422, "not-asked");
        let bo = citizen(&app, "bo", "0101", &[]).await;
        app.post(
            &format!("/api/v1/me/consents/{feed}"),
            &bo,
            json!({ "capability": "profile.area", "allow": true }),
        )
        .await
        .expect_problem(404, "unknown-installation");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_block_installed_for_the_public_task_reads_without_consent_and_says_so() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("jobunivers").await;
        publish_component(&app, &vendor, &key, "job_feed").await;
        let admin = app.login("admin", Some("0751")).await;
        let caps = json!([
            "jobs",
            "notify",
            "profile.area",
            "profile.occupations",
            "profile.skills",
            "storage"
        ]);
        const REFERENCE: &str = "Lov om en aktiv beskæftigelsesindsats";

        // The basis must name its provision.
        for (basis, status, slug) in [
            (
                json!({ "basis": "public-task", "reference": "  " }),
                422,
                "invalid-legal-basis",
            ),
            (json!({ "basis": "public-task" }), 400, "invalid-body"),
            (
                json!({ "basis": "legitimate-interest" }),
                400,
                "invalid-body",
            ),
        ] {
            let p = app
                .post(
                    "/api/v1/municipalities/0751/installations",
                    &admin,
                    json!({ "block": "jobunivers.job-feed", "granted": caps, "legal_basis": basis }),
                )
                .await
                .expect_problem(status, slug);
            assert!(
                p["pointer"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("/legal_basis"),
                "{}: {p}",
                app.backend
            );
        }
        assert_eq!(app.count("installations").await, 0, "{}", app.backend);

        let feed = install(
            &app,
            "0751",
            json!({ "block": "jobunivers.job-feed", "granted": caps,
                    "legal_basis": { "basis": "public-task", "reference": REFERENCE } }),
        )
        .await;
        let anna = citizen(&app, "anna", "0751", &[]).await;
        let provider = app.server.universe.provider();
        provider
            .set_profile("anna", &jobunivers_host::demo::profile())
            .await
            .unwrap();
        provider
            .import_jobs(&jobunivers_host::demo::jobs())
            .await
            .unwrap();
        const UNKNOWN: &str = "Vi kan ikke se, hvor godt de passer til dig";

        // No consent asked: the block matches on the profile, and the citizen is told why.
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert_eq!(page["blocks"][0]["status"], "ok", "{}", app.backend);
        assert!(!page["blocks"][0]["page"].to_string().contains(UNKNOWN));
        let consents = app.get("/api/v1/me/consents", &anna).await.expect(200);
        for c in consents[0]["capabilities"].as_array().unwrap() {
            assert_eq!(c["consented"], true, "{c}");
            assert_eq!(c["legal_basis"], "public-task", "{c}");
            assert_eq!(c["reference"], REFERENCE, "{c}");
        }
        app.post(
            &format!("/api/v1/me/consents/{feed}"),
            &anna,
            json!({ "capability": "profile.area", "allow": false }),
        )
        .await
        .expect_problem(409, "public-task-basis");
        assert_eq!(app.count("consents").await, 0, "{}", app.backend);

        // Back to consent: the very next call goes without the profile.
        let changed = app
            .patch(
                &format!("/api/v1/municipalities/0751/installations/{feed}"),
                &admin,
                json!({ "legal_basis": { "basis": "consent" } }),
            )
            .await
            .expect(200);
        assert_eq!(changed["legal_basis"], json!({ "basis": "consent" }));
        let page = app.get("/api/v1/universe", &anna).await.expect(200);
        assert!(page["blocks"][0]["page"].to_string().contains(UNKNOWN));
        let consents = app.get("/api/v1/me/consents", &anna).await.expect(200);
        assert_eq!(consents[0]["capabilities"][0]["consented"], false);
        assert!(consents[0]["capabilities"][0].get("reference").is_none());
    }
}

/// An admin's block health counts their own municipality's calls only: Aarhus' citizen
/// using a block does not show in Copenhagen's figures for the same block version.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sees_the_calls_of_their_own_municipality() {
    for app in spawn_apps().await {
        let (fixtures, fkey) = app.vendor("fixtures").await;
        publish_component(&app, &fixtures, &fkey, "fixture_hello").await;
        for code in ["0751", "0101"] {
            install(&app, code, json!({ "block": "fixtures.hello" })).await;
        }
        let anna = citizen(&app, "anna", "0751", &[]).await;
        for _ in 0..3 {
            app.get("/api/v1/universe", &anna).await.expect(200);
        }
        let calls = |health: serde_json::Value| {
            health
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["block"] == "fixtures.hello")
                .map(|h| h["calls"].as_u64().unwrap())
        };
        let aarhus = app.login("admin", Some("0751")).await;
        let copenhagen = app.login("admin", Some("0101")).await;
        let operator = app.login("operator", None).await;
        let get = |token: String| {
            let app = &app;
            async move { app.get("/api/v1/health/blocks", &token).await.expect(200) }
        };
        assert_eq!(calls(get(aarhus).await), Some(3), "{}", app.backend);
        assert_eq!(calls(get(copenhagen).await), Some(0), "{}", app.backend);
        assert_eq!(calls(get(operator).await), Some(3), "{}", app.backend);
    }
}
