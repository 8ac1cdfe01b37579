//! The web pages' sessions, on both backends: the cookie holds a random token of a
//! server-side session (no credential), signing out ends it at once for every copy of
//! the cookie and in every process, and a session ends when idle or old.

use sha2::Digest as _;
use sqlx::Row as _;

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::sessions::{Sessions, IDLE, LIFETIME};
use reqwest::header::COOKIE;

use crate::api::{spawn_apps, SECRET};
use crate::ui::{register_citizen, Browser};

fn citizen() -> Identity {
    Identity {
        subject: "citizen-0101".into(),
        role: Role::Citizen,
        tenant: Some("0101".into()),
        scopes: None,
    }
}

/// `GET path` on `base` with only the given session cookie; the status and body.
async fn read_with(base: &str, path: &str, token: &str) -> (u16, String) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}{path}"))
        .header(COOKIE, format!("ju_session={token}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_ends_the_session_for_every_copy_of_the_cookie() {
    for app in spawn_apps().await {
        let backend = app.backend;
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        let signed = b.sign_in("citizen-0101").await;
        assert_eq!(signed.status, 303, "{backend}");
        let token = b.cookies["ju_session"].clone();
        // A second sign-in of the same citizen (another browser) is its own session.
        let mut other = Browser::new(&app);
        other.sign_in("citizen-0101").await;
        assert_ne!(other.cookies["ju_session"], token);

        // A copy of the cookie works while the session is live.
        let (status, _) = read_with(&app.url, "/api/v1/me/notifications", &token).await;
        assert_eq!(status, 200, "{backend}");
        let page = b.get("/universe").await;
        assert_eq!(page.status, 200, "{backend}");

        let out = b.post("/logout", &[("jbu:csrf", &page.csrf())]).await;
        assert_eq!(out.status, 303, "{backend}");
        assert_eq!(out.location(), "/login");
        assert!(!b.cookies.contains_key("ju_session"));

        // The copy is dead: the pages send it to the login page and forget it, the API
        // refuses it.
        let (status, body) = read_with(&app.url, "/api/v1/me/notifications", &token).await;
        assert_eq!(status, 401, "{backend}: {body}");
        assert!(body.contains("session-ended"), "{body}");
        let mut thief = Browser::new(&app);
        thief.cookies.insert("ju_session".into(), token.clone());
        let page = thief.get("/universe").await;
        assert_eq!(page.status, 303, "{backend}");
        assert!(page.location().starts_with("/login"), "{}", page.location());
        assert!(!thief.cookies.contains_key("ju_session"));

        // The other browser's session goes on.
        assert_eq!(other.get("/universe").await.status, 200, "{backend}");
        assert_eq!(app.count("sessions").await, 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cookie_holds_a_random_token_and_the_database_only_its_digest() {
    use sha2::Digest;
    use sqlx::Row;
    for app in spawn_apps().await {
        let backend = app.backend;
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        b.sign_in("citizen-0101").await;
        let token = b.cookies["ju_session"].clone();
        assert_eq!(token.len(), 64, "{backend}: {token}");
        assert!(token.bytes().all(|c| c.is_ascii_hexdigit()), "{token}");
        // Not a credential for the API.
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/me/notifications", app.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{backend}");
        let pool = app.server.market.db().pool();
        let stored: Vec<String> = sqlx::query("SELECT token_sha256 FROM sessions")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("token_sha256").unwrap())
            .collect();
        assert_eq!(
            stored,
            vec![hex::encode(sha2::Sha256::digest(token.as_bytes()))],
            "{backend}"
        );
        // A made-up token of the right shape, and junk, sign nobody in.
        for forged in ["0".repeat(64), "x".into(), String::new()] {
            let (status, _) = read_with(&app.url, "/api/v1/me/notifications", &forged).await;
            assert!(matches!(status, 401), "{backend}: {forged}: {status}");
        }
    }
}

/// Moves a session's clock back by `ms`: its sign-in and expiry (`lifetime`) or its
/// last request (`idle`), as if that time had passed.
async fn age(db: &jobunivers_host::db::Db, token: &str, column: &str, ms: i64) {
    let digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    let sql = match column {
        "lifetime" => "UPDATE sessions SET created_ms = created_ms - $1, expires_ms = expires_ms - $1 WHERE token_sha256 = $2",
        _ => "UPDATE sessions SET seen_ms = seen_ms - $1 WHERE token_sha256 = $2",
    };
    let done = sqlx::query(sql)
        .bind(ms)
        .bind(digest)
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1);
}

async fn seen_ms(db: &jobunivers_host::db::Db, token: &str) -> i64 {
    let digest = hex::encode(sha2::Sha256::digest(token.as_bytes()));
    sqlx::query("SELECT seen_ms FROM sessions WHERE token_sha256 = $1")
        .bind(digest)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("seen_ms")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_ends_when_idle_and_when_old() {
    const MINUTE: i64 = 60_000;
    let idle = i64::try_from(IDLE.as_millis()).unwrap();
    let lifetime = i64::try_from(LIFETIME.as_millis()).unwrap();
    for app in spawn_apps().await {
        let backend = app.backend;
        let db = app.server.market.db().clone();
        let sessions = Sessions::new(db.clone());
        let a = sessions.start(&citizen()).await.unwrap();
        let b = sessions.start(&citizen()).await.unwrap();
        let c = sessions.start(&citizen()).await.unwrap();
        for token in [&a, &b, &c] {
            assert_eq!(sessions.identify(token).await.unwrap(), Some(citizen()));
        }
        // a has had no request for longer than IDLE; b was signed in LIFETIME ago (and
        // is busy); c was last used a while ago, but within IDLE.
        age(&db, &a, "idle", idle + MINUTE).await;
        age(&db, &b, "lifetime", lifetime + MINUTE).await;
        age(&db, &c, "idle", idle - 5 * MINUTE).await;
        assert_eq!(
            sessions.identify(&a).await.unwrap(),
            None,
            "{backend}: idle"
        );
        assert_eq!(sessions.identify(&b).await.unwrap(), None, "{backend}: old");
        let before = seen_ms(&db, &c).await;
        assert_eq!(sessions.identify(&c).await.unwrap(), Some(citizen()));
        assert!(
            seen_ms(&db, &c).await >= before + idle - 5 * MINUTE,
            "{backend}: a request keeps the session alive"
        );
        // Ended sessions are swept at the next sign-in.
        assert_eq!(app.count("sessions").await, 3, "{backend}");
        let d = sessions.start(&citizen()).await.unwrap();
        assert_eq!(app.count("sessions").await, 2, "{backend}: a and b swept");
        assert!(sessions.end(&c).await.unwrap());
        assert!(!sessions.end(&c).await.unwrap(), "{backend}: ended twice");
        assert_eq!(sessions.identify(&c).await.unwrap(), None, "{backend}");
        assert_eq!(sessions.identify(&d).await.unwrap(), Some(citizen()));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_in_one_process_ends_the_session_in_another() {
    let mut tried = 0;
    for app in spawn_apps().await {
        // Several processes share a database only on PostgreSQL.
        let Some(url) = app.database_url.clone() else {
            continue;
        };
        tried += 1;
        register_citizen(&app).await;
        let data = tempfile::tempdir().unwrap();
        let mut config = jobunivers_host::server::ServerConfig::new(data.path().to_owned());
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.database_url = Some(url);
        config.static_dir = None;
        config.jwt = jobunivers_host::server::JwtKeys::Secret(jobunivers_host::server::Secret(
            SECRET.into(),
        ));
        let other = jobunivers_host::server::start(config).await.unwrap();
        let other_url = format!("http://{}", other.addr);

        let mut b = Browser::new(&app);
        b.sign_in("citizen-0101").await;
        let token = b.cookies["ju_session"].clone();
        let (status, _) = read_with(&other_url, "/api/v1/me/notifications", &token).await;
        assert_eq!(status, 200, "the other process knows the session");
        let page = b.get("/universe").await;
        b.post("/logout", &[("jbu:csrf", &page.csrf())]).await;
        let (status, _) = read_with(&other_url, "/api/v1/me/notifications", &token).await;
        assert_eq!(status, 401, "the other process knows it ended");
        let (status, _) = read_with(&other_url, "/universe", &token).await;
        assert_eq!(status, 303);
    }
    if std::env::var_os("JOBUNIVERS_TEST_POSTGRES").is_some() {
        assert_eq!(tried, 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_vendor_signs_in_by_namespace_and_only_a_namespace_is_taken() {
    for app in spawn_apps().await {
        let backend = app.backend;
        let mut b = Browser::new(&app);
        let login = b.get("/login").await;
        assert!(
            login.body.contains("name=\"namespace\""),
            "{backend}: the form for a new vendor"
        );
        let csrf = login.csrf();
        // A municipality's code, another shape, markup: refused, and no session.
        for bad in ["0751", "Acme", "acme-", "<b>x</b>", ""] {
            let page = b
                .post("/login", &[("jbu:csrf", &csrf), ("namespace", bad)])
                .await;
            assert_eq!(page.status, 422, "{backend}: {bad:?}");
            assert!(!b.cookies.contains_key("ju_session"), "{backend}: {bad:?}");
        }
        assert_eq!(app.count("sessions").await, 0, "{backend}");

        let signed = b
            .post("/login", &[("jbu:csrf", &csrf), ("namespace", " acme ")])
            .await;
        assert_eq!((signed.status, signed.location()), (303, "/vendor"));
        // The vendor portal offers the registration of the namespace signed in with.
        let portal = b.get("/vendor").await;
        assert_eq!(portal.status, 200, "{backend}");
        assert!(
            portal.body.contains("action=\"/vendor/register\""),
            "{backend}"
        );
        let stored = Sessions::new(app.server.market.db().clone())
            .identify(&b.cookies["ju_session"])
            .await
            .unwrap();
        assert_eq!(
            stored,
            Some(Identity {
                subject: "vendor-acme".into(),
                role: Role::Vendor,
                tenant: Some("acme".into()),
                scopes: None,
            }),
            "{backend}"
        );
    }
}
