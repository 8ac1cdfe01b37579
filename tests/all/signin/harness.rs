//! The sign-in tests' harness: the OpenID provider process (tests/oidc), a host per
//! backend configured for it, and a cookie-keeping browser that follows redirects by
//! hand and fills in the provider's login form.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use sqlx::Row as _;

use crate::api::{spawn_apps_with, TestApp};

/// The provider process; stopped when dropped.
pub(crate) struct OidcProvider {
    pub(crate) child: Child,
    pub(crate) issuer: String,
    /// The staff client's private key (a key the provider does not sign tokens with).
    pub(crate) staff_key: PathBuf,
    /// The host's address the provider was started for.
    pub(crate) redirect_base: String,
    _dir: tempfile::TempDir,
    pub(crate) config: PathBuf,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn oidc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc")
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Start the provider for a host at `redirect_base`, and write the host's provider file.
pub(crate) fn start_provider(redirect_base: &str) -> OidcProvider {
    let dir = oidc_dir();
    assert!(
        dir.join("node_modules/oidc-provider").is_dir(),
        "the test OpenID provider is not installed: run `npm ci --prefix tests/oidc` (needs node 20.19 or newer)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("staff.pem");
    let mut child = Command::new("node")
        .arg(dir.join("provider.mjs"))
        .args(["--redirect-base", redirect_base, "--staff-key-out"])
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs (install Node.js 20.19 or newer)");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the provider did not start ({e}): {line:?}"));
    let issuer = ready["issuer"].as_str().unwrap().to_owned();
    let config = tmp.path().join("oidc.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[provider]]
name = "citizens"
display_name = "MitID (test)"
display_name_en = "MitID (test, English)"
issuer = "{issuer}"
client_id = "jobunivers-citizens"
auth_method = "client_secret_basic"
client_secret = "citizens-secret-for-the-tests-only"
algorithms = ["RS256", "ES256"]
kind = "citizen"
scopes = ["municipality"]
municipality_claim = "municipality"
api_audience = "{redirect_base}/api"

[[provider]]
name = "citizens-post"
display_name = "MitID (test, client_secret_post)"
issuer = "{issuer}"
client_id = "jobunivers-citizens-post"
auth_method = "client_secret_post"
client_secret = "citizens-secret-for-the-tests-only"
kind = "citizen"
scopes = ["municipality"]
municipality_claim = "municipality"

[[provider]]
name = "citizens-list"
display_name = "MitID (test, enrolment list)"
issuer = "{issuer}"
client_id = "jobunivers-citizens-list"
auth_method = "client_secret_basic"
client_secret = "citizens-secret-for-the-tests-only"
kind = "citizen"
scopes = ["cpr"]
cpr_claim = "dk.cpr"

[[provider]]
name = "citizens-both"
display_name = "MitID (test, municipality or enrolment list)"
issuer = "{issuer}"
client_id = "jobunivers-citizens-list"
auth_method = "client_secret_basic"
client_secret = "citizens-secret-for-the-tests-only"
kind = "citizen"
scopes = ["municipality", "cpr"]
municipality_claim = "municipality"
cpr_claim = "dk.cpr"

[[provider]]
name = "staff"
display_name = "Kommunens login (test)"
issuer = "{issuer}"
client_id = "jobunivers-staff"
auth_method = "private_key_jwt"
private_key = "staff.pem"
private_key_id = "jobunivers-staff-1"
kind = "staff"
scopes = ["groups", "profile", "email"]
staff_claim = "groups"
api_audience = "{redirect_base}/api/staff"
staff = [
  {{ value = "aarhus-caseworkers", role = "caseworker", municipality = "0751" }},
  {{ value = "aarhus-admins", role = "admin", municipality = "0751" }},
  {{ value = "acme-developers", role = "vendor", namespace = "acme" }},
]
"#
        ),
    )
    .unwrap();
    OidcProvider {
        child,
        issuer,
        staff_key: key,
        redirect_base: redirect_base.to_owned(),
        _dir: tmp,
        config,
    }
}

impl OidcProvider {
    /// Hide (or show again) the key the provider signs with from its JWKS.
    pub(crate) async fn hide_signing_key(&self, hide: bool) {
        let url = format!("{}/test-control/jwks?hide={}", self.issuer, u8::from(hide));
        assert!(reqwest::get(url).await.unwrap().status().is_success());
    }

    /// Set the provider's clock off by `seconds`.
    pub(crate) async fn clock_offset(&self, seconds: i64) {
        let url = format!("{}/test-control/clock?offset={seconds}", self.issuer);
        assert!(reqwest::get(url).await.unwrap().status().is_success());
    }
}

/// A host per backend, each with its own provider.
pub(crate) async fn spawn() -> Vec<(TestApp, OidcProvider)> {
    spawn_with(|_| {}).await
}

/// The same, with a change to the hosts' configuration.
pub(crate) async fn spawn_with(
    change: impl Fn(&mut jobunivers_host::server::ServerConfig),
) -> Vec<(TestApp, OidcProvider)> {
    let mut ready: Vec<(u16, OidcProvider)> = (0..2)
        .map(|_| {
            let port = free_port();
            (port, start_provider(&format!("http://127.0.0.1:{port}")))
        })
        .collect();
    let configs: Vec<(u16, PathBuf)> = ready.iter().map(|(p, o)| (*p, o.config.clone())).collect();
    let next = AtomicUsize::new(0);
    let apps = spawn_apps_with(|config| {
        let (port, path) = &configs[next.fetch_add(1, Ordering::SeqCst)];
        config.addr = format!("127.0.0.1:{port}").parse().unwrap();
        config.public_url = Some(format!("http://127.0.0.1:{port}"));
        config.oidc_config = Some(path.clone());
        change(config);
    })
    .await;
    apps.into_iter()
        .map(|app| {
            let i = ready
                .iter()
                .position(|(p, _)| app.url.ends_with(&format!(":{p}")))
                .unwrap();
            (app, ready.remove(i).1)
        })
        .collect()
}

/// A browser: cookies per port (host and provider share 127.0.0.1), no redirects
/// followed by itself.
pub(crate) struct Agent {
    pub(crate) client: reqwest::Client,
    pub(crate) jars: BTreeMap<String, BTreeMap<String, String>>,
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: String,
    pub(crate) body: String,
}

pub(crate) fn origin(url: &str) -> String {
    let after = url.find("://").unwrap() + 3;
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    url[..end].to_owned()
}

impl Agent {
    pub(crate) fn new() -> Self {
        Self::with_user_agent("jobunivers-tests")
    }

    /// A browser that says it is `user_agent`.
    pub(crate) fn with_user_agent(user_agent: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .user_agent(user_agent)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            jars: BTreeMap::new(),
        }
    }

    pub(crate) fn jar(&mut self, url: &str) -> &mut BTreeMap<String, String> {
        self.jars.entry(origin(url)).or_default()
    }

    pub(crate) async fn send(&mut self, req: reqwest::RequestBuilder, url: &str) -> Answer {
        let cookie: Vec<String> = self
            .jar(url)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let req = if cookie.is_empty() {
            req
        } else {
            req.header(COOKIE, cookie.join("; "))
        };
        let res = req.header("accept", "text/html").send().await.unwrap();
        let status = res.status().as_u16();
        for c in res.headers().get_all(SET_COOKIE) {
            let c = c.to_str().unwrap().to_owned();
            let (k, v) = c.split(';').next().unwrap().split_once('=').unwrap();
            let gone = c.contains("Max-Age=0") || c.contains("expires=Thu, 01 Jan 1970");
            let jar = self.jar(url);
            if gone || v.is_empty() {
                jar.remove(k);
            } else {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
        let location = res
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let location = if location.starts_with('/') {
            format!("{}{location}", origin(url))
        } else {
            location
        };
        Answer {
            status,
            location,
            body: res.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, url: &str) -> Answer {
        let req = self.client.get(url);
        self.send(req, url).await
    }

    pub(crate) async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Answer {
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
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req, url).await
    }

    /// Start a sign-in at the host: the provider's authorization address.
    pub(crate) async fn start(&mut self, app: &TestApp, provider: &str) -> String {
        let res = self.get(&format!("{}/signin/{provider}", app.url)).await;
        assert_eq!(res.status, 303, "{}", res.body);
        assert!(self.jar(&app.url).contains_key("ju_signin"));
        res.location
    }

    /// At the provider: follow its redirects and fill in its login form as `login`,
    /// until it sends the browser back to the host; the callback address (not yet
    /// visited).
    pub(crate) async fn at_provider(
        &mut self,
        app: &TestApp,
        authorize: &str,
        login: &str,
    ) -> String {
        let mut url = authorize.to_owned();
        for _ in 0..10 {
            if url.starts_with(&app.url) {
                return url;
            }
            let res = self.get(&url).await;
            if res.status == 303 || res.status == 302 {
                url = res.location;
                continue;
            }
            assert_eq!(res.status, 200, "{url}: {}", res.body);
            let action = form_action(&res.body);
            let action = if action.starts_with('/') {
                format!("{}{action}", origin(&url))
            } else {
                action
            };
            let res = if res.body.contains("name=\"login\"") {
                self.post(
                    &action,
                    &[("prompt", "login"), ("login", login), ("password", "x")],
                )
                .await
            } else {
                self.post(&action, &[("prompt", "consent")]).await
            };
            assert!(matches!(res.status, 302 | 303), "{}", res.body);
            url = res.location;
        }
        panic!("the provider never sent the browser back");
    }

    /// A whole sign-in: the host's answer to the callback, and the callback address.
    pub(crate) async fn sign_in(
        &mut self,
        app: &TestApp,
        provider: &str,
        login: &str,
    ) -> (Answer, String) {
        let authorize = self.start(app, provider).await;
        let callback = self.at_provider(app, &authorize, login).await;
        (self.get(&callback).await, callback)
    }
}

pub(crate) fn form_action(html: &str) -> String {
    let start = html.find("action=\"").expect("a form") + 8;
    let end = html[start..].find('"').unwrap() + start;
    html[start..end]
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// Replace a query parameter's value in `url`.
pub(crate) fn with_param(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .map(|(k, v)| {
            if k == name {
                (k, value.to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let q = pairs
        .iter()
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(k, v);
                s
            },
        )
        .finish();
    format!("{base}?{q}")
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.server.market.db().pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

pub(crate) async fn citizens(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query("SELECT id, municipality_code FROM citizens ORDER BY id")
        .fetch_all(app.server.market.db().pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("id").unwrap(),
                r.try_get("municipality_code").unwrap(),
            )
        })
        .collect()
}

pub(crate) async fn sessions(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM sessions").await
}

pub(crate) fn with_state(callback: &str) -> String {
    let query = callback.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned()
}

pub(crate) fn csrf_of(html: &str) -> String {
    let marker = "name=\"jbu:csrf\" value=\"";
    let start = html.find(marker).expect("a form") + marker.len();
    html[start..start + 64].to_owned()
}

/// Whatever was refused left no session and no citizen behind.
pub(crate) async fn nothing_written(app: &TestApp) {
    assert_eq!(sessions(app).await, 0, "{}", app.backend);
    assert!(citizens(app).await.is_empty(), "{}", app.backend);
}
