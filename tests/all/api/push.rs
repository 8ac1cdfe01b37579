//! The whole way of a push message, on both backends: postings imported, the
//! `new-job-postings` event delivered by the dispatcher to the real job-feed block,
//! which notifies the demo citizen; the notification lands in the inbox and, because
//! the citizen wants job messages by e-mail, in the outbox in the same transaction; the
//! drainer hands it to a real SMTP server (aiosmtpd), once.

use serde_json::json;

use super::{install, publish_component, spawn_apps_with, TestApp};
use crate::mail_servers::SmtpServer;
use jobunivers_host::demo;
use jobunivers_host::events::Dispatcher;
use jobunivers_host::import::import_job_postings;
use jobunivers_host::messages::{Drainer, Settings};

const DAY: i64 = 24 * 3600 * 1000;
const ADDRESS: &str = "demo-borger@example.dk";

/// 10:00 Danish time tomorrow: outside the quiet hours, after the host's now.
fn next_morning() -> i64 {
    (jobunivers_host::clock::now_ms() / DAY + 1) * DAY + 9 * 3600 * 1000
}

async fn job_feed_for_the_demo_citizen(app: &TestApp) -> String {
    let (vendor, key) = app.vendor("jobunivers").await;
    publish_component(app, &vendor, &key, "job_feed").await;
    let feed = install(
        app,
        demo::MUNICIPALITY,
        json!({ "block": "jobunivers.job-feed", "granted": [
            "jobs", "profile.occupations", "profile.skills", "profile.area", "storage", "notify"
        ] }),
    )
    .await;
    let citizen = app.citizen(demo::CITIZEN, demo::MUNICIPALITY, &[]).await;
    app.server
        .universe
        .provider()
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
    // Job messages by e-mail, as the citizen sets it on "Min profil".
    app.patch(
        "/api/v1/me/profile",
        &citizen,
        json!({ "contact": { "email": ADDRESS, "channels": { "jobs": ["email"] } } }),
    )
    .await
    .expect(200);
    citizen
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_posting_reaches_the_demo_citizen_in_the_inbox_and_by_email() {
    let smtp = SmtpServer::start(0);
    let apps = spawn_apps_with(|c| c.outbox_interval = None).await;
    for app in apps {
        let backend = app.backend;
        let citizen = job_feed_for_the_demo_citizen(&app).await;
        let provider = app.server.universe.provider();
        // The demo's own postings first: what is already there is not news.
        provider.import_jobs(&demo::jobs()).await.unwrap();
        let dispatcher = Dispatcher::new(app.server.universe.clone(), 2);
        dispatcher.run_until_idle().await.unwrap();
        let mut settings = Settings::new("https://jobunivers.example.dk");
        settings.smtp_url = Some(smtp.url());
        settings.mail_from = "Jobcentret <jobcenter@aarhus.example.dk>".into();
        let drainer = Drainer::new(app.server.market.db().clone(), &settings).unwrap();
        drainer.drain(next_morning()).await.unwrap();
        let before = smtp.received().len();

        let mut posting = demo::jobs()
            .into_iter()
            .find(|p| p.id == "demo-1003")
            .unwrap();
        posting.id = format!("jobnet-push-{backend}");
        posting.deadline = None;
        let file = serde_json::to_string(&vec![posting]).unwrap();
        assert_eq!(import_job_postings(provider, &file).await.unwrap(), 1);
        let done = dispatcher.run_until_idle().await.unwrap();
        assert_eq!(done.delivered, 1, "{backend}: {done:?}");

        let inbox = app
            .get("/api/v1/me/notifications", &citizen)
            .await
            .expect(200);
        assert_eq!(
            inbox[0]["title"], "Nyt job til dig: Truckfører til havnen",
            "{backend}: {inbox:#}"
        );
        let sent = drainer.drain(next_morning()).await.unwrap();
        assert_eq!(sent.sent, 1, "{backend}: {sent:?}");
        // Drained again: nothing goes twice.
        assert_eq!(drainer.drain(next_morning() + DAY).await.unwrap().sent, 0);
        let received = smtp.received();
        assert_eq!(received.len(), before + 1, "{backend}: {received:#?}");
        let mail = &received[before];
        assert_eq!(mail["rcpt_tos"], json!([ADDRESS]), "{backend}");
        assert_eq!(mail["subject"], "Nyt job til dig: Truckfører til havnen");
        let text = mail["text"].as_str().unwrap();
        assert!(
            text.contains("https://jobunivers.example.dk/universe/blocks/"),
            "{backend}: {text}"
        );
    }
}
