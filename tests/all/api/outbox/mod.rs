//! The outbox, on both backends: a message that leaves the page is written with its
//! cause and sent by a drainer to a real SMTP server (aiosmtpd) or a Digital Post
//! endpoint, once; a server that is down leaves it queued and retried with backoff, dead
//! after the most attempts, listed for the operator and retried by them; quiet hours
//! and the daily cap, driven by the drainer's clock.

use std::sync::Arc;

use serde_json::{json, Value};
use sqlx::Row;

use super::{install, spawn_apps_with, TestApp};
use crate::mail_servers::{free_port, DigitalPostReceiver, SmtpServer};
use crate::ui::Browser;
use jobunivers_host::caps::{CapabilityProvider, Notification, Scope};
use jobunivers_host::messages::{Drainer, Settings};

/// 2026-01-05 09:00 UTC, 10:00 in Denmark: a Monday morning.
const MORNING: i64 = crate::helpers::NOW_MS;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const CITIZEN: &str = "outbox-anna";
const ADDRESS: &str = "anna@example.dk";
const PUBLIC: &str = "https://jobunivers.example.dk";

/// Servers without a drainer of their own: the tests drain with their own clock.
async fn apps() -> Vec<TestApp> {
    spawn_apps_with(|c| c.outbox_interval = None).await
}

/// The widget installed in Copenhagen, and its citizen, who wants messages by e-mail.
async fn setup(app: &TestApp) -> i64 {
    let (acme, key) = app.vendor("acme").await;
    app.publish_approved(&acme, &key, "v1_1_0").await;
    let installation = install(
        app,
        "0101",
        json!({ "block": "acme.widget", "granted": ["storage", "activity"] }),
    )
    .await;
    let token = app.citizen(CITIZEN, "0101", &[]).await;
    app.patch(
        "/api/v1/me/profile",
        &token,
        json!({ "contact": { "email": ADDRESS, "channels": { "messages": ["email"] } } }),
    )
    .await
    .expect(200);
    installation
}

fn scope(installation: i64, now_ms: i64) -> Scope {
    Scope {
        installation: installation.to_string(),
        block_id: "acme.widget".into(),
        block_version: "1.1.0".into(),
        citizen: CITIZEN.into(),
        municipality: "0101".into(),
        now_ms,
    }
}

/// The block sends the citizen a message (its `notify::send`), at `now_ms`.
async fn notify(app: &TestApp, installation: i64, now_ms: i64, n: usize) {
    app.server
        .universe
        .provider()
        .notify(
            &scope(installation, now_ms),
            Notification {
                title: format!("Nyt job nr. {n}: smed i København"),
                body: format!("Der er et nyt job, som passer til dig (nr. {n})."),
                view: Some("jobs".into()),
            },
        )
        .await
        .unwrap();
}

fn settings(smtp: Option<String>) -> Settings {
    let mut s = Settings::new(PUBLIC);
    s.smtp_url = smtp;
    s.mail_from = "Jobcentret <jobcenter@kk.example.dk>".into();
    s.policy.max_attempts = 3;
    s.policy.backoff_ms = MINUTE;
    s
}

fn drainer(app: &TestApp, settings: &Settings) -> Drainer {
    Drainer::new(app.server.market.db().clone(), settings).unwrap()
}

/// The outbox's rows, oldest first: state, attempts, last error, channel.
async fn rows(app: &TestApp) -> Vec<(String, i64, Option<String>, String)> {
    sqlx::query("SELECT state, attempts, last_error, channel FROM outbox ORDER BY id")
        .fetch_all(app.server.market.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("state"),
                r.get("attempts"),
                r.get("last_error"),
                r.get("channel"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_block_message_reaches_the_citizens_email_once() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        notify(&app, installation, MORNING, 1).await;
        // The inbox has it, whatever happens to the e-mail.
        let inbox: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE citizen_id = $1")
                .bind(CITIZEN)
                .fetch_one(app.server.market.db().pool())
                .await
                .unwrap()
                .get("n");
        assert_eq!(inbox, 1, "{backend}");
        let before = smtp.received().len();
        let d = drainer(&app, &settings(Some(smtp.url())));
        assert_eq!(d.drain(MORNING).await.unwrap().sent, 1, "{backend}");
        // Sent is sent: a later pass sends nothing again.
        assert_eq!(d.drain(MORNING + DAY).await.unwrap().sent, 0, "{backend}");
        let received = smtp.received();
        assert_eq!(received.len(), before + 1, "{backend}: {received:#?}");
        let mail = &received[before];
        assert_eq!(mail["rcpt_tos"], json!([ADDRESS]), "{backend}");
        assert_eq!(mail["to"], ADDRESS, "{backend}");
        assert_eq!(mail["from"], "Jobcentret <jobcenter@kk.example.dk>");
        assert_eq!(mail["subject"], "Nyt job nr. 1: smed i København");
        assert_eq!(mail["content_type"], "text/plain");
        let text = mail["text"].as_str().unwrap();
        assert!(
            text.contains("Der er et nyt job, som passer til dig (nr. 1)."),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "Læs mere på din side: {PUBLIC}/universe/blocks/{installation}?view=jobs"
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("Min profil\": {PUBLIC}/profile")),
            "{text}"
        );
        assert!(
            mail["message_id"]
                .as_str()
                .unwrap()
                .ends_with("-email@kk.example.dk>"),
            "{mail:#}"
        );
        assert_eq!(rows(&app).await, [("sent".into(), 1, None, "email".into())]);
        // The citizen's export shows what went out, and where.
        let token = app.citizen(CITIZEN, "0101", &[]).await;
        let export = app.get("/api/v1/me/export", &token).await.expect(200);
        let outbox = &export["outbox"];
        assert_eq!(outbox.as_array().unwrap().len(), 1, "{backend}: {export:#}");
        assert_eq!(
            (
                &outbox[0]["channel"],
                &outbox[0]["recipient"],
                &outbox[0]["state"]
            ),
            (&json!("email"), &json!(ADDRESS), &json!("sent"))
        );
        assert_eq!(outbox[0]["subject"], "Nyt job nr. 1: smed i København");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_who_did_not_choose_email_gets_none() {
    for app in apps().await {
        let installation = setup(&app).await;
        let token = app.citizen(CITIZEN, "0101", &[]).await;
        app.patch(
            "/api/v1/me/profile",
            &token,
            json!({ "contact": { "email": ADDRESS, "channels": { "jobs": ["email"] } } }),
        )
        .await
        .expect(200);
        // The widget is no jobs block: its messages are "messages", not chosen.
        notify(&app, installation, MORNING, 1).await;
        assert!(rows(&app).await.is_empty(), "{}", app.backend);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_leaves_the_message_queued_until_it_is_up() {
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        let port = free_port();
        let d = drainer(&app, &settings(Some(format!("smtp://127.0.0.1:{port}"))));
        notify(&app, installation, MORNING, 1).await;
        let pass = d.drain(MORNING).await.unwrap();
        assert_eq!((pass.sent, pass.retrying), (0, 1), "{backend}");
        let row = &rows(&app).await[0];
        assert_eq!((row.0.as_str(), row.1), ("queued", 1), "{backend}");
        assert!(
            row.2.as_deref().is_some_and(|e| e.starts_with("SMTP:")),
            "{backend}: {row:?}"
        );

        let smtp = SmtpServer::start(port);
        // Not before the backoff is over.
        assert_eq!(d.drain(MORNING + 30_000).await.unwrap().sent, 0);
        assert_eq!(d.drain(MORNING + MINUTE).await.unwrap().sent, 1);
        assert_eq!(d.drain(MORNING + 10 * MINUTE).await.unwrap().sent, 0);
        assert_eq!(smtp.received().len(), 1, "{backend}");
        assert_eq!(rows(&app).await[0].0, "sent");
        assert_eq!(rows(&app).await[0].1, 2, "{backend}: two attempts");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_last_attempt_a_message_is_dead_until_the_operator_retries_it() {
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        let port = free_port();
        let d = drainer(&app, &settings(Some(format!("smtp://127.0.0.1:{port}"))));
        notify(&app, installation, MORNING, 1).await;
        let mut dead = 0;
        for pass in 0..3 {
            dead += d.drain(MORNING + pass * 10 * MINUTE).await.unwrap().dead;
        }
        assert_eq!(dead, 1, "{backend}");
        assert_eq!(rows(&app).await[0].0, "dead");
        assert_eq!(rows(&app).await[0].1, 3);
        // Dead is dead: no drainer takes it again.
        assert_eq!(d.drain(MORNING + DAY).await.unwrap(), Default::default());

        // The operator sees it, without who it was for or what it said.
        let operator = app.login("operator", None).await;
        let list = app.get("/api/v1/outbox/dead", &operator).await.expect(200);
        let letters = list.as_array().unwrap();
        assert_eq!(letters.len(), 1, "{backend}: {list:#}");
        let letter = &letters[0];
        assert_eq!(
            (
                &letter["kind"],
                &letter["channel"],
                &letter["attempts"],
                &letter["municipality"]
            ),
            (
                &json!("messages"),
                &json!("email"),
                &json!(3),
                &json!("0101")
            )
        );
        assert!(letter["last_error"].as_str().unwrap().starts_with("SMTP:"));
        assert!(letter["created_ms"].as_i64().unwrap() > 0);
        let text = list.to_string();
        for personal in [ADDRESS, "smed", "Nyt job", CITIZEN] {
            assert!(!text.contains(personal), "{backend}: {text}");
        }
        let page = {
            let mut b = Browser::new(&app);
            b.sign_in("operator").await;
            let page = b.get("/review/outbox").await;
            assert_eq!(page.status, 200, "{backend}");
            (b, page)
        };
        let (mut browser, page) = page;
        assert!(
            page.body.contains("Beskeder der ikke kunne sendes"),
            "{}",
            page.body
        );
        assert!(page.body.contains("E-mail") && page.body.contains("Beskeder"));
        assert!(page.body.contains("SMTP:"));
        for personal in [ADDRESS, "smed", "Nyt job", CITIZEN] {
            assert!(!page.body.contains(personal), "{backend}");
        }
        let id = letter["id"].as_i64().unwrap();
        let action = format!("/review/outbox/{id}/retry");
        assert!(page.body.contains(&format!("action=\"{action}\"")));

        // Retried from the page once the server is up: sent, once.
        let smtp = SmtpServer::start(port);
        let retried = browser.post(&action, &[("jbu:csrf", &page.csrf())]).await;
        assert_eq!(retried.status, 303, "{backend}: {}", retried.body);
        assert_eq!(retried.location(), "/review/outbox");
        assert_eq!(rows(&app).await[0].0, "queued");
        let listed = app.get("/api/v1/outbox/dead", &operator).await.expect(200);
        assert_eq!(listed, json!([]));
        // Due from the retry on, at the next daytime.
        let later = next_morning();
        assert_eq!(d.drain(later).await.unwrap().sent, 1, "{backend}");
        assert_eq!(d.drain(later + HOUR).await.unwrap().sent, 0);
        assert_eq!(smtp.received().len(), 1, "{backend}");
        assert_eq!(rows(&app).await[0].0, "sent");
        // Retrying what is not dead is not found.
        app.post(&format!("/api/v1/outbox/{id}/retry"), &operator, json!({}))
            .await
            .expect_problem(404, "unknown-dead-letter");
    }
}

/// 10:00 Danish time on the day after the host's clock (a retry is due from the
/// host's now on, and a morning is outside the quiet hours).
fn next_morning() -> i64 {
    let now = jobunivers_host::clock::now_ms();
    (now / DAY + 1) * DAY + 9 * HOUR
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_operator_reads_or_retries_the_outbox() {
    for app in apps().await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN, "0101", &[]).await;
        for token in [
            citizen,
            app.login("caseworker", Some("0101")).await,
            app.login("admin", Some("0101")).await,
        ] {
            app.get("/api/v1/outbox/dead", &token)
                .await
                .expect_problem(403, "wrong-role");
            app.post("/api/v1/outbox/1/retry", &token, json!({}))
                .await
                .expect_problem(403, "wrong-role");
        }
        app.get_anon("/api/v1/outbox/dead")
            .await
            .expect_problem(401, "missing-token");
        let operator = app.login("operator", None).await;
        app.post("/api/v1/outbox/999/retry", &operator, json!({}))
            .await
            .expect_problem(404, "unknown-dead-letter");
        let _ = backend;
    }
}

/// A pool of its own on the app's database, as another host process would have.
async fn own_pool(app: &TestApp) -> jobunivers_host::db::Db {
    let url = match (&app.database_url, app.sqlite_file()) {
        (Some(url), _) => url.clone(),
        (None, Some(file)) => format!("sqlite://{}", file.display()),
        (None, None) => unreachable!("a test app is on SQLite or PostgreSQL"),
    };
    jobunivers_host::db::Db::connect(&url).await.unwrap()
}

/// Drain at `when` until a pass finds nothing to do; how many were sent.
async fn drain_all(d: Arc<Drainer>, when: i64) -> usize {
    let mut sent = 0;
    loop {
        let pass = d.drain(when).await.unwrap();
        sent += pass.sent;
        if pass == Default::default() {
            return sent;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_drainers_keep_the_daily_cap() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        for n in 0..5 {
            notify(&app, installation, MORNING, n).await;
        }
        let mut s = settings(Some(smtp.url()));
        s.policy.daily_email_cap = 3;
        s.batch = 1;
        let one = Arc::new(Drainer::new(own_pool(&app).await, &s).unwrap());
        let two = Arc::new(Drainer::new(own_pool(&app).await, &s).unwrap());
        let (a, b) = tokio::join!(
            tokio::spawn(drain_all(one, MORNING)),
            tokio::spawn(drain_all(two, MORNING))
        );
        assert_eq!(a.unwrap() + b.unwrap(), 3, "{backend}");
        let mut states: Vec<String> = rows(&app).await.into_iter().map(|r| r.0).collect();
        states.sort();
        assert_eq!(
            states,
            ["capped", "capped", "sent", "sent", "sent"],
            "{backend}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_drainers_send_each_message_once() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        // Five a day (the block's limit) over four days.
        for day in 0..4 {
            for n in 0..5 {
                notify(
                    &app,
                    installation,
                    MORNING + day * DAY,
                    (day * 5 + n) as usize,
                )
                .await;
            }
        }
        let mut s = settings(Some(smtp.url()));
        s.policy.daily_email_cap = 100;
        s.batch = 3;
        // Two drainers as two host processes would be: each its own pool.
        let one = Arc::new(Drainer::new(own_pool(&app).await, &s).unwrap());
        let two = Arc::new(Drainer::new(own_pool(&app).await, &s).unwrap());
        let before = smtp.received().len();
        let when = MORNING + 4 * DAY;
        let (a, b) = tokio::join!(
            tokio::spawn(drain_all(one, when)),
            tokio::spawn(drain_all(two, when))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a + b, 20, "{backend}: {a} + {b}");
        let received = &smtp.received()[before..];
        assert_eq!(received.len(), 20, "{backend}");
        let mut ids: Vec<&str> = received
            .iter()
            .map(|m| m["message_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 20, "{backend}: each message once");
        assert!(rows(&app).await.iter().all(|r| r.0 == "sent" && r.1 == 1));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_email_in_the_quiet_hours_and_no_more_than_the_daily_cap() {
    let smtp = SmtpServer::start(0);
    for app in apps().await {
        let backend = app.backend;
        let installation = setup(&app).await;
        let mut s = settings(Some(smtp.url()));
        s.policy.daily_email_cap = 3;
        let d = drainer(&app, &s);
        let before = smtp.received().len();
        // 22:30 in Denmark (21:30 UTC in winter): it waits for 07:00 (06:00 UTC).
        let evening = MORNING + 12 * HOUR + 30 * MINUTE;
        notify(&app, installation, evening, 1).await;
        assert_eq!(d.drain(evening).await.unwrap().sent, 0, "{backend}");
        let seven = MORNING + DAY - 3 * HOUR;
        assert_eq!(d.drain(seven - MINUTE).await.unwrap().sent, 0, "{backend}");
        assert_eq!(d.drain(seven).await.unwrap().sent, 1, "{backend}");
        assert_eq!(smtp.received().len(), before + 1);

        // One written in the day but not sent before 22:00 waits for the morning too.
        let afternoon = MORNING + DAY + 5 * HOUR;
        for n in 2..7 {
            notify(&app, installation, afternoon, n).await;
        }
        let late = MORNING + DAY + 13 * HOUR;
        assert_eq!(d.drain(late).await.unwrap().sent, 0, "{backend}: quiet");
        // The next morning: three the day at most (the 07:00 one counted on its own
        // day); the other two stay in the inbox only, and their rows say so.
        let next = MORNING + 2 * DAY;
        let pass = d.drain(next).await.unwrap();
        assert_eq!((pass.sent, pass.capped), (3, 2), "{backend}");
        assert_eq!(d.drain(next + HOUR).await.unwrap().sent, 0, "{backend}");
        assert_eq!(smtp.received().len(), before + 4);
        let states: Vec<String> = rows(&app).await.into_iter().map(|r| r.0).collect();
        assert_eq!(
            states,
            ["sent", "sent", "sent", "sent", "capped", "capped"],
            "{backend}"
        );
        let capped = &rows(&app).await[5];
        assert!(
            capped
                .2
                .as_deref()
                .is_some_and(|e| e.contains("stays in the inbox")),
            "{capped:?}"
        );
        let inbox: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE citizen_id = $1")
                .bind(CITIZEN)
                .fetch_one(app.server.market.db().pool())
                .await
                .unwrap()
                .get("n");
        assert_eq!(inbox, 6, "{backend}: every message stays in the inbox");
    }
}

mod casework;
