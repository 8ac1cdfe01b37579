//! Black-box tests of the marketplace over HTTP: a real server on a random port with a
//! fresh database, once on SQLite and once on PostgreSQL.

mod contract;
mod dialogue;
mod enrolments;
mod events;
mod gdpr;
mod journey;
mod monitor;
mod openapi;
mod outbox;
mod profile;
mod publish;
mod push;
mod resolution;
mod screening;
mod tenancy;
mod universe;

use ed25519_dalek::SigningKey;
use jobunivers_host::package;
use jobunivers_host::server::{self, JwtKeys, RunningServer, Secret, ServerConfig};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{fresh_backends, DbGuard};

/// The HS256 secret the test servers use, so tests can forge tokens.
pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// A running server and a client for it.
pub struct TestApp {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server (its marketplace, for checks behind the API).
    pub server: RunningServer,
    /// The PostgreSQL database's URL (`None` on SQLite), for a second server on it.
    pub database_url: Option<String>,
    client: reqwest::Client,
    _guard: DbGuard,
    _data: tempfile::TempDir,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// JSON body (Null if none).
    pub body: Value,
}

impl Answer {
    /// The problem's slug (`urn:jobunivers:problem:<slug>`).
    pub fn problem(&self) -> &str {
        self.body["type"]
            .as_str()
            .and_then(|t| t.strip_prefix("urn:jobunivers:problem:"))
            .unwrap_or("")
    }

    /// Assert a status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {:#}", self.body);
        self.body
    }

    /// Assert a problem: status, slug, problem+json content type.
    #[track_caller]
    pub fn expect_problem(self, status: u16, slug: &str) -> Value {
        assert_eq!(
            (self.status, self.problem()),
            (status, slug),
            "unexpected answer: {:#}",
            self.body
        );
        assert_eq!(self.content_type, "application/problem+json");
        assert!(
            self.body["detail"].as_str().is_some_and(|d| d.len() > 10),
            "a problem says what to do: {:#}",
            self.body
        );
        self.body
    }
}

/// A server per backend, each with a fresh database and data directory.
pub async fn spawn_apps() -> Vec<TestApp> {
    spawn_apps_with(|_| {}).await
}

/// Like [`spawn_apps`], with a changed configuration.
pub async fn spawn_apps_with(change: impl Fn(&mut ServerConfig)) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for (url, guard) in fresh_backends().await {
        let data = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(data.path().to_owned());
        config.addr = "127.0.0.1:0".parse().unwrap();
        config.database_url = url.clone();
        if url.is_none() {
            config.data_dir = guard.dir().to_owned();
        }
        config.dev_login = true;
        config.jwt = JwtKeys::Secret(Secret(SECRET.into()));
        // The pages do not need the design system's files (tests/all/ui.rs checks them).
        config.static_dir = None;
        // The tests drive the event dispatcher themselves (tests/all/api/events.rs),
        // so what a block does on an event happens when a test says so.
        config.event_workers = 0;
        change(&mut config);
        let server = server::start(config).await.expect("the server starts");
        apps.push(TestApp {
            backend: if url.is_some() { "postgres" } else { "sqlite" },
            url: format!("http://{}", server.addr),
            server,
            database_url: url,
            // A fresh connection per request: the server may close one after refusing a
            // request whose body it did not read, and a reused one would then fail.
            client: reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap(),
            _guard: guard,
            _data: data,
        });
    }
    apps
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.stop();
    }
}

impl TestApp {
    /// The server's data directory (blobs, artifacts; the SQLite file on SQLite).
    pub fn data_dir(&self) -> std::path::PathBuf {
        if self.backend == "sqlite" {
            self._guard.dir().to_owned()
        } else {
            self._data.path().to_owned()
        }
    }

    /// The SQLite database file (`None` on PostgreSQL).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        (self.backend == "sqlite").then(|| self._guard.dir().join("jobunivers.db"))
    }

    /// Send a request; `body` JSON or raw bytes.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        bytes: Option<Vec<u8>>,
    ) -> Answer {
        let mut req = self.client.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        if let Some(b) = bytes {
            req = req
                .header("content-type", "application/octet-stream")
                .body(b);
        }
        self.answer(req).await
    }

    /// POST `bytes` as `content_type`.
    pub async fn post_as(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        bytes: impl Into<Vec<u8>>,
    ) -> Answer {
        let req = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes.into());
        self.answer(req).await
    }

    /// DELETE with a JSON body.
    pub async fn delete_with(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::DELETE, path, Some(token), Some(body), None)
            .await
    }

    async fn answer(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None, None).await
    }

    /// GET without a token.
    pub async fn get_anon(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None, None).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(body), None)
            .await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(token), Some(body), None)
            .await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.send(Method::DELETE, path, Some(token), None, None)
            .await
    }

    /// Upload a package.
    pub async fn upload(&self, token: &str, package: Vec<u8>) -> Answer {
        self.send(
            Method::POST,
            "/api/v1/packages",
            Some(token),
            None,
            Some(package),
        )
        .await
    }

    /// A token from the development login for a role and tenant.
    /// Register citizen `id` of municipality `code` in `groups`, and sign them in.
    pub async fn citizen(&self, id: &str, code: &str, groups: &[&str]) -> String {
        let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
        self.server
            .universe
            .provider()
            .upsert_citizen(id, code, &groups)
            .await
            .unwrap();
        self.citizen_token(id, code).await
    }

    /// A citizen's token from the development login, whether or not they are registered.
    pub async fn citizen_token(&self, id: &str, code: &str) -> String {
        let body = self
            .send(
                Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": "citizen", "tenant": code, "subject": id })),
                None,
            )
            .await
            .expect(200);
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn login(&self, role: &str, tenant: Option<&str>) -> String {
        let body = self
            .send(
                Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": role, "tenant": tenant, "subject": format!("{role}-user") })),
                None,
            )
            .await
            .expect(200);
        body["token"].as_str().unwrap().to_owned()
    }

    /// An approved vendor with a registered signing key: (login token, key).
    pub async fn vendor(&self, namespace: &str) -> (String, SigningKey) {
        self.send(
            Method::POST,
            "/api/v1/vendors",
            None,
            Some(json!({ "namespace": namespace, "name": format!("{namespace} ApS"), "contact_email": format!("kontakt@{namespace}.dk") })),
            None,
        )
        .await
        .expect(201);
        let operator = self.login("operator", None).await;
        self.post(
            &format!("/api/v1/vendors/{namespace}/approve"),
            &operator,
            json!({}),
        )
        .await
        .expect(200);
        let token = self.login("vendor", Some(namespace)).await;
        let key = package::generate_key().unwrap();
        self.post(
            &format!("/api/v1/vendors/{namespace}/keys"),
            &token,
            json!({ "label": "test", "public_key": package::encode_key(key.verifying_key().as_bytes()) }),
        )
        .await
        .expect(201);
        (token, key)
    }

    /// Publish a widget version and have the operator approve it.
    pub async fn publish_approved(
        &self,
        vendor_token: &str,
        key: &SigningKey,
        variant: &str,
    ) -> Value {
        let published = self
            .upload(vendor_token, widget_package(variant, key).await)
            .await
            .expect(201);
        let operator = self.login("operator", None).await;
        let path = format!(
            "/api/v1/blocks/acme.widget/versions/{}/approve",
            published["version"].as_str().unwrap()
        );
        self.post(&path, &operator, json!({})).await.expect(200)
    }

    /// Rows in a table, counted behind the API.
    pub async fn count(&self, table: &str) -> i64 {
        use sqlx::Row;
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(self.server.market.db().pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap()
    }
}

/// The widget fixture in one of its versions (`v1_0_0`, `v1_1_0`, `v2_0_0`, ...).
pub fn widget(variant: &str) -> Vec<u8> {
    crate::helpers::wasm(&format!("fixture_widget_{variant}"))
}

/// One runtime for making packages, shared by the tests.
fn packager() -> &'static jobunivers_host::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<jobunivers_host::runtime::Runtime> =
        std::sync::OnceLock::new();
    RUNTIME.get_or_init(crate::helpers::runtime)
}

/// The widget in a version, signed into a package.
pub async fn widget_package(variant: &str, key: &SigningKey) -> Vec<u8> {
    package::package_component(packager(), &widget(variant), key)
        .await
        .unwrap()
        .0
}

/// The manifest.json the widget in a version would carry.
pub async fn widget_manifest(variant: &str) -> Vec<u8> {
    let (block, _) = packager().load_uncached(&widget(variant)).await.unwrap();
    serde_json::to_vec_pretty(&block.manifest.raw).unwrap()
}

/// Publish a built component (by its file name under the wasm target) as the vendor and
/// have the operator approve it.
pub async fn publish_component(app: &TestApp, vendor: &str, key: &SigningKey, name: &str) {
    let (pkg, block) = package::package_component(packager(), &crate::helpers::wasm(name), key)
        .await
        .unwrap();
    app.upload(vendor, pkg).await.expect(201);
    let operator = app.login("operator", None).await;
    let path = format!(
        "/api/v1/blocks/{}/versions/{}/approve",
        block.manifest.raw.id, block.manifest.raw.version
    );
    app.post(&path, &operator, json!({})).await.expect(200);
}

/// Install a block for a municipality as its admin; the installation's id.
pub async fn install(app: &TestApp, code: &str, body: Value) -> i64 {
    let admin = app.login("admin", Some(code)).await;
    app.post(
        &format!("/api/v1/municipalities/{code}/installations"),
        &admin,
        body,
    )
    .await
    .expect(201)["id"]
        .as_i64()
        .unwrap()
}
