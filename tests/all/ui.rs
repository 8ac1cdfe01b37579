//! The web UI as a browser sees it, HTML over HTTP on both backends: signing in and the
//! role's landing page, the redirect to the login page, CSRF refusals, the language
//! switch, that nothing a block sends is interpreted as HTML, the error pages, the
//! security headers and the static files.

use std::collections::BTreeMap;

use jobunivers_host::server::{self, JwtKeys, Secret, ServerConfig};
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::api::{install, publish_component, spawn_apps, TestApp, SECRET};

/// A cookie-keeping client that does not follow redirects.
pub(crate) struct Browser {
    url: String,
    client: reqwest::Client,
    pub(crate) cookies: BTreeMap<String, String>,
}

/// A page: status, headers, body.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or("")
    }

    /// The CSRF token of the page's forms.
    pub(crate) fn csrf(&self) -> String {
        let marker = "name=\"jbu:csrf\" value=\"";
        let start = self.body.find(marker).expect("the page has a form") + marker.len();
        self.body[start..start + 64].to_owned()
    }

    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// Register `citizen-0101` of Copenhagen, whom the development login signs in.
pub(crate) async fn register_citizen(app: &TestApp) {
    app.server
        .universe
        .provider()
        .upsert_citizen("citizen-0101", "0101", &[])
        .await
        .unwrap();
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            url: app.url.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    async fn finish(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = if cookie.is_empty() {
            req
        } else {
            req.header(COOKIE, cookie.join("; "))
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        for c in headers.get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let body = res.text().await.unwrap();
        Page {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self
            .client
            .get(format!("{}{path}", self.url))
            .header("accept", "text/html");
        self.finish(req).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = fields
            .iter()
            .fold(
                form_urlencoded::Serializer::new(String::new()),
                |mut s, (k, v)| {
                    s.append_pair(k, v);
                    s
                },
            )
            .finish();
        let req = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(body);
        self.finish(req).await
    }

    /// Sign in through the login page's development login.
    pub(crate) async fn sign_in(&mut self, user: &str) -> Page {
        let login = self.get("/login").await;
        assert_eq!(login.status, 200);
        let csrf = login.csrf();
        self.post("/login", &[("jbu:csrf", &csrf), ("user", user)])
            .await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_lands_each_role_on_its_page_and_pages_need_a_session() {
    for app in spawn_apps().await {
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        // Without a session: the front door and the citizen's pages lead to the login.
        let front = b.get("/").await;
        assert_eq!((front.status, front.location()), (303, "/login"));
        let page = b.get("/universe").await;
        assert_eq!(page.status, 303, "{}", app.backend);
        assert_eq!(page.location(), "/login?next=%2Funiverse");
        let page = b.get("/my-data").await;
        assert_eq!(page.location(), "/login?next=%2Fmy%2Ddata");

        // The login page lists the development users and is Danish by default.
        let login = b.get("/login").await;
        assert!(login.body.contains("<html lang=\"da\">"));
        assert!(login.body.contains("Log ind som citizen-0101"));
        assert!(login
            .body
            .contains("class=\"skipnav\" href=\"#main-content\""));
        assert!(login.body.contains("<main id=\"main-content\""));
        assert!(login.body.contains("href=\"/tilgaengelighed\""));

        let signed = b.sign_in("citizen-0101").await;
        assert_eq!((signed.status, signed.location()), (303, "/universe"));
        let session = signed.set_cookie("ju_session").expect("a session cookie");
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Lax"),
            "{session}"
        );
        let universe = b.get("/universe").await;
        assert_eq!(universe.status, 200, "{}", universe.body);
        assert!(
            universe.body.contains("Du er logget ind."),
            "the flash shows once"
        );
        assert!(universe.body.contains("Mit jobunivers"));
        let again = b.get("/universe").await;
        assert!(!again.body.contains("Du er logget ind."));
        // Back to where the login started.
        let mut b2 = Browser::new(&app);
        let login = b2.get("/login?next=%2Fmy-data").await;
        let csrf = login.csrf();
        let signed = b2
            .post(
                "/login",
                &[
                    ("jbu:csrf", &csrf),
                    ("user", "citizen-0101"),
                    ("next", "/my-data"),
                ],
            )
            .await;
        assert_eq!(signed.location(), "/my-data");
        // ... but never to another site.
        let mut b3 = Browser::new(&app);
        let login = b3.get("/login").await;
        let csrf = login.csrf();
        let signed = b3
            .post(
                "/login",
                &[
                    ("jbu:csrf", &csrf),
                    ("user", "citizen-0101"),
                    ("next", "//evil.example/"),
                ],
            )
            .await;
        assert_eq!(signed.location(), "/universe");

        for (user, home) in [
            ("admin-0101", "/admin"),
            ("vendor-jobunivers", "/vendor"),
            ("operator", "/review"),
            ("caseworker-0101", "/caseworker"),
        ] {
            let mut b = Browser::new(&app);
            let signed = b.sign_in(user).await;
            assert_eq!(signed.location(), home, "{user}");
            let page = b.get(home).await;
            assert_eq!(page.status, 200, "{user}: {}", page.body);
            // Another role's pages are refused with the HTML error page.
            let other = b.get("/universe").await;
            assert_eq!(other.status, 403, "{user}");
            assert!(other.body.contains("Adgang nægtet"), "{}", other.body);
        }

        // Signing out ends the session.
        let csrf = b.get("/universe").await.csrf();
        let out = b.post("/logout", &[("jbu:csrf", &csrf)]).await;
        assert_eq!((out.status, out.location()), (303, "/login"));
        assert_eq!(b.get("/universe").await.status, 303);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_the_right_csrf_token_is_refused() {
    for app in spawn_apps().await {
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        let login = b.get("/login").await;
        let good = login.csrf();
        // No token, a wrong one, and a token of another browser.
        let none = b.post("/login", &[("user", "citizen-0101")]).await;
        assert_eq!(none.status, 403, "{}", app.backend);
        assert!(none.body.contains("Formularen er udløbet"), "{}", none.body);
        assert!(none.set_cookie("ju_session").is_none());
        let wrong = "0".repeat(64);
        let bad = b
            .post("/login", &[("jbu:csrf", &wrong), ("user", "citizen-0101")])
            .await;
        assert_eq!(bad.status, 403);
        let mut other = Browser::new(&app);
        other.get("/login").await;
        let stolen = other
            .post("/login", &[("jbu:csrf", &good), ("user", "citizen-0101")])
            .await;
        assert_eq!(stolen.status, 403);
        // The right token works, and after signing in the token changes with the session.
        let signed = b
            .post("/login", &[("jbu:csrf", &good), ("user", "citizen-0101")])
            .await;
        assert_eq!(signed.status, 303);
        let page = b.get("/my-data").await;
        assert_ne!(page.csrf(), good);
        let out = b.post("/logout", &[("jbu:csrf", &good)]).await;
        assert_eq!(out.status, 403, "the pre-session token no longer counts");
        // A signed-in state change without the token changes nothing.
        let erase = b.post("/my-data/erase", &[("confirm", "yes")]).await;
        assert_eq!(erase.status, 403);
        assert_eq!(b.get("/universe").await.status, 200);
        assert_eq!(app.count("citizens").await, 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_switch_sets_a_cookie_and_danish_is_the_default() {
    for app in spawn_apps().await {
        let mut b = Browser::new(&app);
        let da = b.get("/tilgaengelighed").await;
        assert!(da.body.contains("<html lang=\"da\">"));
        assert!(da.body.contains("<h1>Tilgængelighedserklæring</h1>"));
        // (The templates escape '/' in attribute values too.)
        assert!(da.body.contains("href=\"&#x2f;tilgaengelighed?lang=en\""));
        let en = b.get("/tilgaengelighed?lang=en").await;
        assert!(en.body.contains("<html lang=\"en\">"), "{}", app.backend);
        assert!(en.body.contains("<h1>Accessibility statement</h1>"));
        assert!(en.set_cookie("ju_lang").unwrap().starts_with("ju_lang=en"));
        // The choice sticks to the next pages ...
        let login = b.get("/login").await;
        assert!(login.body.contains("<h1>Sign in</h1>"));
        // ... until switched back; an unknown language is ignored.
        let back = b.get("/login?lang=da").await;
        assert!(back.body.contains("<h1>Log ind</h1>"));
        let odd = b.get("/login?lang=xx").await;
        assert!(odd.body.contains("<h1>Log ind</h1>"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_a_block_sends_is_interpreted_as_html() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("jobunivers").await;
        publish_component(&app, &vendor, &key, "chatbot").await;
        let inst = install(
            &app,
            "0101",
            json!({ "block": "jobunivers.chatbot", "granted": ["storage", "escalate"] }),
        )
        .await;
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        b.sign_in("citizen-0101").await;
        let page = b.get("/universe").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains(&format!("id=\"block-{inst}\"")),
            "{}",
            page.body
        );
        // The chat's input is a real form with a label.
        assert!(page.body.contains("<label class=\"form-label\" for=\"b"));
        let csrf = page.csrf();
        let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        let answer = b
            .post(
                &format!("/universe/blocks/{inst}"),
                &[
                    ("jbu:csrf", &csrf),
                    ("jbu:action", "send"),
                    ("jbu:view", ""),
                    ("message", hostile),
                ],
            )
            .await;
        assert_eq!(answer.status, 200, "{}: {}", app.backend, answer.body);
        // The block echoes the message in its transcript: as text only.
        assert!(
            answer
                .body
                .contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt;&lt;img src=x onerror=alert(1)&gt;"),
            "{}",
            answer.body
        );
        assert!(!answer.body.contains("<script>alert"));
        assert!(!answer.body.contains("<img src=x"));
        // The only scripts are the page's own file.
        assert_eq!(answer.body.matches("<script").count(), 1);
        let csp = answer
            .headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        // The transcript is there on the next visit too, still escaped.
        let again = b.get(&format!("/universe/blocks/{inst}")).await;
        assert!(again.body.contains("&lt;script&gt;"));
        // Another citizen's block number is not found, as an HTML page.
        let missing = b.get("/universe/blocks/999999").await;
        assert_eq!(missing.status, 404);
        assert!(missing.body.contains("Siden findes ikke"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_pages_are_html_for_browsers_and_problems_for_the_api() {
    for app in spawn_apps().await {
        let mut b = Browser::new(&app);
        let page = b.get("/nowhere").await;
        assert_eq!(page.status, 404);
        assert!(page.body.contains("Siden findes ikke"), "{}", app.backend);
        assert!(page
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        app.get_anon("/api/v1/nowhere")
            .await
            .expect_problem(404, "no-route");
        app.get_anon("/nowhere")
            .await
            .expect_problem(404, "no-route");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_reads_the_api_but_never_changes_anything() {
    for app in spawn_apps().await {
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        b.sign_in("citizen-0101").await;
        let cookie = format!("ju_session={}", b.cookies["ju_session"]);
        let client = reqwest::Client::new();
        let read = client
            .get(format!("{}/api/v1/me/notifications", app.url))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200, "{}", app.backend);
        let write = client
            .delete(format!("{}/api/v1/me", app.url))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), 401);
        assert_eq!(app.count("citizens").await, 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn static_files_are_served_with_cache_headers_and_a_missing_directory_stops_the_start() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(data.path().to_owned());
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.dev_login = true;
    config.jwt = JwtKeys::Secret(Secret(SECRET.into()));
    config.static_dir = Some(dir.path().to_owned());
    let err = server::start(config.clone()).await.unwrap_err();
    assert!(format!("{err:#}").contains("cargo xtask ui"), "{err:#}");

    std::fs::create_dir_all(dir.path().join("css")).unwrap();
    std::fs::write(
        dir.path().join(jobunivers_host::ui::STATIC_MARKER),
        "body { color: black }",
    )
    .unwrap();
    let running = server::start(config).await.unwrap();
    let res = reqwest::get(format!(
        "http://{}/static/{}",
        running.addr,
        jobunivers_host::ui::STATIC_MARKER
    ))
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "public, max-age=3600");
    assert!(res.headers().contains_key("content-security-policy"));
    assert_eq!(res.text().await.unwrap(), "body { color: black }");
    let page = reqwest::get(format!("http://{}/login", running.addr))
        .await
        .unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert_eq!(page.headers()["cache-control"], "no-store");
    running.stop();
}

/// A citizen who only ever uses the website counts as visiting: the page records the
/// visit (once a day) that availability monitoring's "no visit for N days" rule reads,
/// as the API's page does.
#[tokio::test(flavor = "multi_thread")]
async fn the_web_page_records_the_citizens_visit_for_monitoring() {
    for app in spawn_apps().await {
        let backend = app.backend;
        register_citizen(&app).await;
        assert_eq!(app.count("monitor_visits").await, 0, "{backend}");
        let mut b = Browser::new(&app);
        b.sign_in("citizen-0101").await;
        let page = b.get("/universe").await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        assert_eq!(app.count("monitor_visits").await, 1, "{backend}");
        // Again the same day: still one visit.
        b.get("/universe").await;
        assert_eq!(app.count("monitor_visits").await, 1, "{backend}");

        // The citizen's monitoring status says the last fact is that visit.
        let token = app.citizen_token("citizen-0101", "0101").await;
        let seen = app.get("/api/v1/me/monitoring", &token).await.expect(200);
        let rule = seen["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "no-login")
            .expect("the no-login rule")
            .clone();
        assert_eq!(rule["status"]["last_fact"], "visit", "{backend}: {rule:#}");
    }
}

/// Personal JSON is never stored by a cache: every API answer without a caching policy
/// of its own says `no-store` (the design system's files keep theirs).
#[tokio::test(flavor = "multi_thread")]
async fn personal_answers_are_not_cached() {
    for app in spawn_apps().await {
        let token = app.citizen("anna", "0101", &[]).await;
        let client = reqwest::Client::new();
        for path in [
            "/api/v1/me/export",
            "/api/v1/me/notifications",
            "/api/v1/me/access-log",
            "/api/v1/universe",
        ] {
            let res = client
                .get(format!("{}{path}", app.url))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        }
    }
}

/// The secrets a host keeps in its data directory are readable by its own user only,
/// also when an older version left them readable by everyone.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn secret_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path().to_owned());
    config.addr = "127.0.0.1:0".parse().unwrap();
    config.dev_login = true;
    config.jwt = JwtKeys::DataDirSecret;
    config.static_dir = None;
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let running = server::start(config.clone()).await.unwrap();
    assert_eq!(mode("dev-jwt-secret"), 0o600);
    assert_eq!(mode("ui-csrf-key"), 0o600);
    running.stop();
    for name in ["dev-jwt-secret", "ui-csrf-key"] {
        std::fs::set_permissions(
            dir.path().join(name),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let running = server::start(config).await.unwrap();
    assert_eq!(mode("dev-jwt-secret"), 0o600);
    assert_eq!(mode("ui-csrf-key"), 0o600);
    running.stop();
}

/// Behind an https address every cookie is `Secure`; on plain http (the demo) it is not,
/// or the browser would drop it.
#[tokio::test(flavor = "multi_thread")]
async fn cookies_are_secure_when_the_public_address_is_https() {
    for (public_url, secure) in [(Some("https://jobunivers.example.dk"), true), (None, false)] {
        let app = crate::api::spawn_apps_with(|c| c.public_url = public_url.map(str::to_owned))
            .await
            .into_iter()
            .next()
            .unwrap();
        register_citizen(&app).await;
        let mut b = Browser::new(&app);
        let signed = b.sign_in("citizen-0101").await;
        let session = signed.set_cookie("ju_session").expect("a session cookie");
        assert_eq!(session.contains("; Secure"), secure, "{session}");
        let login = b.get("/login").await;
        assert!(login.headers.get_all(SET_COOKIE).iter().all(|c| c
            .to_str()
            .unwrap()
            .contains("; Secure")
            == secure));
    }
}
