//! The event loop: events recorded with the changes that raise them (an import's new
//! postings, a citizen's profile change, the daily tick) and delivered to the blocks by
//! the dispatcher, driven here until it is idle. Deliveries are counted by the messages
//! the blocks write: the job feed's real notifications, and `fixtures.events`, which
//! writes one message per event it receives (or traps, by configuration).

use std::sync::Arc;

use serde_json::{json, Value};
use sqlx::Row;

use super::{install, publish_component, spawn_apps, spawn_apps_with, TestApp};
use jobunivers_host::caps::db::LegalBasis;
use jobunivers_host::caps::Capability;
use jobunivers_host::demo;
use jobunivers_host::events::{Dispatched, Dispatcher, MAX_ATTEMPTS};
use jobunivers_host::import::import_job_postings;

/// Publish `fixtures.events` (vendor `fixtures`) and install it in `code` with `extra`
/// fields (config, audience); the installation.
async fn events_block(app: &TestApp, code: &str, extra: Value) -> i64 {
    let mut body = json!({ "block": "fixtures.events", "granted": ["profile.area", "notify"] });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    install(app, code, body).await
}

/// Publish the fixtures vendor's block once per app.
async fn publish_events_block(app: &TestApp) {
    let (vendor, key) = app.vendor("fixtures").await;
    publish_component(app, &vendor, &key, "fixture_events").await;
}

/// Let the citizen's consent cover the events block's `profile.area`.
async fn consent(app: &TestApp, citizen: &str, installation: i64, capability: &str) {
    app.server
        .universe
        .provider()
        .set_consent(
            citizen,
            installation,
            Capability::parse(capability).unwrap(),
            LegalBasis::Consent,
            true,
        )
        .await
        .unwrap();
}

fn dispatcher(app: &TestApp) -> Dispatcher {
    Dispatcher::new(app.server.universe.clone(), 2)
}

/// The (title, body) of every message a citizen has, oldest first.
async fn messages(app: &TestApp, citizen: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT title, body FROM notifications WHERE citizen_id = $1 ORDER BY id")
        .bind(citizen)
        .fetch_all(app.server.market.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("title").unwrap(), r.try_get("body").unwrap()))
        .collect()
}

/// How many messages with this title each citizen has, by citizen.
async fn titled(app: &TestApp, title: &str) -> Vec<(String, i64)> {
    sqlx::query(
        "SELECT citizen_id, COUNT(*) AS n FROM notifications WHERE title = $1 \
         GROUP BY citizen_id ORDER BY citizen_id",
    )
    .bind(title)
    .fetch_all(app.server.market.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get("citizen_id").unwrap(), r.try_get("n").unwrap()))
    .collect()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A posting the demo citizen's profile matches well (the demo's harbour forklift job,
/// under a new id and with no deadline), as an import file.
fn matching_postings(id: &str) -> String {
    let mut posting = demo::jobs()
        .into_iter()
        .find(|p| p.id == "demo-1003")
        .unwrap();
    posting.id = id.into();
    posting.deadline = None;
    serde_json::to_string(&vec![posting]).unwrap()
}

/// Citizens `prefix-00`, `prefix-01`, ... of `code`, each consenting to the events
/// block's `profile.area`.
async fn consenting_citizens(
    app: &TestApp,
    prefix: &str,
    n: usize,
    code: &str,
    installation: i64,
) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = format!("{prefix}-{i:02}");
        app.server
            .universe
            .provider()
            .upsert_citizen(&id, code, &[])
            .await
            .unwrap();
        consent(app, &id, installation, "profile.area").await;
        out.push(id);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn new_postings_reach_the_demo_citizen_through_the_job_feed() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let (vendor, key) = app.vendor("jobunivers").await;
        publish_component(&app, &vendor, &key, "job_feed").await;
        let feed = install(
            &app,
            demo::MUNICIPALITY,
            json!({ "block": "jobunivers.job-feed", "granted": [
                "jobs", "profile.occupations", "profile.skills", "profile.area", "storage", "notify"
            ] }),
        )
        .await;
        let citizen = app.citizen(demo::CITIZEN, demo::MUNICIPALITY, &[]).await;
        let provider = app.server.universe.provider();
        provider
            .set_profile(demo::CITIZEN, &demo::profile())
            .await
            .unwrap();
        for cap in ["profile.occupations", "profile.skills", "profile.area"] {
            app.post(
                &format!("/api/v1/me/consents/{feed}"),
                &citizen,
                json!({ "capability": cap, "allow": true }),
            )
            .await
            .expect(200);
        }
        // The demo's postings are there before; only what is new is announced.
        provider.import_jobs(&demo::jobs()).await.unwrap();
        dispatcher(&app).run_until_idle().await.unwrap();
        let before = messages(&app, demo::CITIZEN).await;

        let file = matching_postings("jobnet-evt-1");
        assert_eq!(import_job_postings(provider, &file).await.unwrap(), 1);
        let events = "SELECT COUNT(*) FROM block_events WHERE kind = 'new-job-postings'";
        let recorded = scalar(&app, events).await;
        // Imported again, the posting is updated, not new: no event.
        assert_eq!(import_job_postings(provider, &file).await.unwrap(), 1);
        assert_eq!(scalar(&app, events).await, recorded, "{backend}");
        let row = sqlx::query(
            "SELECT municipality_code, citizen_id, payload FROM block_events \
             WHERE kind = 'new-job-postings' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap();
        assert_eq!(
            row.try_get::<String, _>("municipality_code").unwrap(),
            demo::MUNICIPALITY
        );
        assert_eq!(
            row.try_get::<Option<String>, _>("citizen_id").unwrap(),
            None
        );
        let payload: Value =
            serde_json::from_str(&row.try_get::<String, _>("payload").unwrap()).unwrap();
        assert_eq!(payload, json!({ "ids": ["jobnet-evt-1"] }), "{backend}");

        let done = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!(done.delivered, 1, "{backend}: {done:?}");
        let inbox = app
            .get("/api/v1/me/notifications", &citizen)
            .await
            .expect(200);
        let titles: Vec<&str> = inbox
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles.len(), before.len() + 1, "{backend}: {inbox:#}");
        assert_eq!(titles[0], "Nyt job til dig: Truckfører til havnen");
        assert_eq!(inbox[0]["block"], "jobunivers.job-feed");
        assert_eq!(inbox[0]["view"], "job/jobnet-evt-1", "{backend}");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM block_events WHERE delivered_ms IS NULL"
            )
            .await,
            0,
            "{backend}: every event delivered"
        );
        // The block read the profile on the citizen's behalf: on their access log.
        let log = app.get("/api/v1/me/access-log", &citizen).await.expect(200);
        assert!(
            log.to_string().contains("jobunivers.job-feed"),
            "{backend}: {log:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_change_reaches_the_blocks_on_event() {
    for app in spawn_apps().await {
        let backend = app.backend;
        publish_events_block(&app).await;
        let block = events_block(&app, "0751", json!({})).await;
        let anna = app.citizen("ev-anna", "0751", &[]).await;
        app.citizen("ev-bo", "0751", &[]).await;
        consent(&app, "ev-anna", block, "profile.area").await;
        consent(&app, "ev-bo", block, "profile.area").await;
        app.patch(
            "/api/v1/me/profile",
            &anna,
            json!({ "preferred_area": { "postal_code": "8000", "city": "Aarhus C", "max_commute_km": 20 } }),
        )
        .await
        .expect(200);
        let done = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!(
            (done.planned, done.delivered),
            (1, 1),
            "{backend}: {done:?}"
        );
        // The block saw the change through its consented profile read.
        assert_eq!(
            messages(&app, "ev-anna").await,
            [("profile-changed".to_owned(), "|8000".to_owned())],
            "{backend}"
        );
        // Only the citizen whose profile changed.
        assert!(messages(&app, "ev-bo").await.is_empty(), "{backend}");
        // Nothing is left to do: a second run delivers nothing again.
        assert_eq!(
            dispatcher(&app).run_until_idle().await.unwrap(),
            Dispatched::default()
        );
        assert_eq!(messages(&app, "ev-anna").await.len(), 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_block_that_traps_on_events_is_retried_counted_and_does_not_stop_the_others() {
    for app in spawn_apps().await {
        let backend = app.backend;
        publish_events_block(&app).await;
        let trapping = events_block(&app, "0751", json!({ "config": { "trap": true } })).await;
        // Another block of the municipality: the widget (contract 1.1) counts visits.
        let (acme, key) = app.vendor("acme").await;
        app.publish_approved(&acme, &key, "v1_1_0").await;
        let widget = install(
            &app,
            "0751",
            json!({ "block": "acme.widget", "config": { "greeting": "Hej" }, "granted": ["storage", "activity"] }),
        )
        .await;
        let anna = app.citizen("ev-anna", "0751", &[]).await;
        consent(&app, "ev-anna", trapping, "profile.area").await;
        app.patch(
            "/api/v1/me/profile",
            &anna,
            json!({ "cv_text": "Lagermedarbejder i 9 år" }),
        )
        .await
        .expect(200);

        let done = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!((done.delivered, done.failed), (1, 1), "{backend}: {done:?}");
        let state = |installation: i64| {
            let app = &app;
            async move {
                let r = sqlx::query(
                    "SELECT attempts, last_error, outcome, next_try_ms FROM event_deliveries \
                     WHERE installation_id = $1 AND citizen_id = 'ev-anna'",
                )
                .bind(installation)
                .fetch_one(app.server.market.db().pool())
                .await
                .unwrap();
                (
                    r.try_get::<i64, _>("attempts").unwrap(),
                    r.try_get::<Option<String>, _>("last_error").unwrap(),
                    r.try_get::<Option<String>, _>("outcome").unwrap(),
                    r.try_get::<i64, _>("next_try_ms").unwrap(),
                )
            }
        };
        let (attempts, error, outcome, next) = state(widget).await;
        assert_eq!(
            (attempts, error, outcome.as_deref()),
            (1, None, Some("delivered"))
        );
        assert!(next > 0);
        let (attempts, error, outcome, next) = state(trapping).await;
        assert_eq!((attempts, outcome), (1, None), "{backend}");
        let kind = error.unwrap();
        assert!(kind == "panic" || kind == "trap", "{backend}: {kind}");
        // Retried later (30 s), not now.
        assert!(
            next > jobunivers_host::clock::now_ms() + 20_000,
            "{backend}"
        );
        assert_eq!(
            dispatcher(&app).run_until_idle().await.unwrap(),
            Dispatched::default()
        );
        // The failure is in the block's health, as a page's failure would be.
        let operator = app.login("operator", None).await;
        let health = app
            .get("/api/v1/health/blocks", &operator)
            .await
            .expect(200);
        let events = health
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["block"] == "fixtures.events")
            .unwrap_or_else(|| panic!("{backend}: {health:#}"))
            .clone();
        assert_eq!(
            (events["calls"].as_i64(), events["failures"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(events["last_failure"], kind.as_str());

        // Each retry, once its time has come, is one more call, until the last.
        for attempt in 2..=MAX_ATTEMPTS {
            sqlx::query("UPDATE event_deliveries SET next_try_ms = 0 WHERE done_ms IS NULL")
                .execute(app.server.market.db().pool())
                .await
                .unwrap();
            let done = dispatcher(&app).run_until_idle().await.unwrap();
            assert_eq!(done.failed, 1, "{backend}: attempt {attempt}: {done:?}");
            assert_eq!(state(trapping).await.0, attempt, "{backend}");
        }
        let (attempts, error, outcome, _) = state(trapping).await;
        assert_eq!(
            (attempts, error.as_deref(), outcome.as_deref()),
            (MAX_ATTEMPTS, Some(kind.as_str()), Some("given-up")),
            "{backend}"
        );
        // Given up, the event is done; the widget was called once.
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM block_events WHERE delivered_ms IS NULL"
            )
            .await,
            0,
            "{backend}"
        );
        assert_eq!(state(widget).await.0, 1, "{backend}");
        assert!(messages(&app, "ev-anna").await.is_empty());

        // Five failures in a row opened the block's breaker: the next event is not
        // sent to it but put off until the breaker lets a call through, without
        // counting an attempt; the widget gets it at once.
        app.patch("/api/v1/me/profile", &anna, json!({ "cv_text": "Kok" }))
            .await
            .expect(200);
        let done = dispatcher(&app).run_until_idle().await.unwrap();
        assert_eq!(
            (done.delivered, done.deferred, done.failed),
            (1, 1, 0),
            "{backend}: {done:?}"
        );
        let deferred = sqlx::query(
            "SELECT attempts, last_error, next_try_ms FROM event_deliveries \
             WHERE installation_id = $1 AND done_ms IS NULL",
        )
        .bind(trapping)
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap();
        assert_eq!(deferred.try_get::<i64, _>("attempts").unwrap(), 0);
        assert_eq!(
            deferred.try_get::<String, _>("last_error").unwrap(),
            "breaker-open"
        );
        assert!(
            deferred.try_get::<i64, _>("next_try_ms").unwrap()
                > jobunivers_host::clock::now_ms() + 10_000,
            "{backend}"
        );
    }
}

mod fanout;
