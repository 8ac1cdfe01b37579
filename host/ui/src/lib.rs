//! The web UI: server-rendered pages for citizens (and the landing pages of the other
//! roles), styled with the Danish public-sector design system (dkfds). Every page works
//! without JavaScript; a small script only enhances (live notifications, focus).
//!
//! The pages call the same library functions as the JSON API ([`Universe`](jobunivers_universe::universe::Universe),
//! [`Citizens`](jobunivers_universe::citizen::Citizens), [`Dialogue`](jobunivers_universe::dialogue::Dialogue), the
//! marketplace), never the API over HTTP. Templates (minijinja, HTML auto-escaping) and
//! texts live in marketplace-ui/ and are embedded at build time; the design system's
//! files are served from a directory (`--static-dir`, by default the checkout's
//! marketplace-ui/dist, filled by `cargo xtask ui`). See marketplace-ui/README.md for how
//! to add a page.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

mod admin;
mod blocks;
mod caseworker;
mod citizen;
mod enrolments;
mod i18n;
mod multipart;
mod operator;
pub(crate) mod pages;
mod profile;
mod schema_form;
mod session;
mod sessions;
mod signin;
mod staff;
mod time;
mod vendor;

use std::path::{Path, PathBuf};

use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::Router;
use minijinja::value::Kwargs;
use minijinja::{Environment, Value};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use jobunivers_core::problem::Problem;
use jobunivers_web::AppState;

pub use session::{
    Ctx, Form, Post, Signed, CSRF_FIELD, FLASH_COOKIE, LANG_COOKIE, PRE_SESSION_COOKIE,
    SESSION_COOKIE,
};

/// The templates and texts, embedded at build time (see host/ui/build.rs).
static FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));

/// The Content-Security-Policy of every response: nothing but this host's own files,
/// no inline scripts or styles, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

pub use jobunivers_web::session::session_token;

/// The checkout's marketplace-ui/dist, where `cargo xtask ui` puts the design system.
pub fn default_static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap_or(Path::new("."))
        .join("marketplace-ui/dist")
}

/// The file that must exist in the static directory (a quick check that it was built).
pub const STATIC_MARKER: &str = "css/dkfds-borgerdk.min.css";

/// What every page handler shares: the API's state (the marketplace, the universe,
/// identity) and the UI's own parts.
#[derive(Clone)]
pub struct UiState {
    /// What the API's handlers share.
    pub app: AppState,
    /// The templates and keys.
    pub ui: std::sync::Arc<Ui>,
}

impl std::ops::Deref for UiState {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl axum::extract::FromRef<UiState> for AppState {
    fn from_ref(state: &UiState) -> AppState {
        state.app.clone()
    }
}

/// The web UI's shared parts.
pub struct Ui {
    env: Environment<'static>,
    csrf_key: Vec<u8>,
    static_dir: Option<PathBuf>,
    /// Mark every cookie `Secure` (the host is reached over https).
    secure_cookies: bool,
    /// The OpenID providers, if any are configured.
    pub signin: Option<std::sync::Arc<jobunivers_signin::Signin>>,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui")
            .field("static_dir", &self.static_dir)
            .finish_non_exhaustive()
    }
}

impl Ui {
    /// The UI with its templates; the CSRF key is kept in `data_dir` (made on first
    /// start), the design system's files are served from `static_dir` if given.
    pub fn new(data_dir: &Path, static_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        if let Some(dir) = &static_dir {
            anyhow::ensure!(
                dir.join(STATIC_MARKER).is_file(),
                "the web UI's static files are missing: {} has no {STATIC_MARKER}; run `cargo xtask ui` (npm ci + copy of the dkfds design system) or pass --static-dir",
                dir.display()
            );
        }
        let key_path = data_dir.join("ui-csrf-key");
        let csrf_key = match std::fs::read_to_string(&key_path) {
            Ok(s) if s.trim().len() >= 64 => {
                jobunivers_core::secrets::restrict(&key_path)?;
                hex::decode(s.trim())?
            }
            _ => {
                let mut raw = [0u8; 32];
                getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                std::fs::create_dir_all(data_dir)?;
                jobunivers_core::secrets::write_private(&key_path, hex::encode(raw).as_bytes())?;
                raw.to_vec()
            }
        };
        Ok(Self {
            env: environment()?,
            csrf_key,
            static_dir,
            secure_cookies: false,
            signin: None,
        })
    }

    /// Mark every cookie `Secure` when the host's public address is `https://...`, so
    /// a browser never sends the session over plain http.
    pub fn for_public_url(mut self, public_url: Option<&str>) -> Self {
        self.secure_cookies = public_url.is_some_and(|u| u.starts_with("https://"));
        self
    }

    /// Sign citizens and staff in through these OpenID providers.
    pub fn with_signin(
        mut self,
        signin: Option<std::sync::Arc<jobunivers_signin::Signin>>,
    ) -> Self {
        self.signin = signin;
        self
    }

    /// The Content-Security-Policy: [`CONTENT_SECURITY_POLICY`], with the OpenID
    /// providers' origins allowed as form targets (signing out ends the sign-in at the
    /// provider by a redirect after the form is sent).
    pub fn content_security_policy(&self) -> String {
        let origins = self
            .signin
            .as_ref()
            .map(|s| s.origins())
            .unwrap_or_default();
        if origins.is_empty() {
            return CONTENT_SECURITY_POLICY.to_owned();
        }
        CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'",
            &format!("form-action 'self' {}", origins.join(" ")),
        )
    }

    /// Render a template.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

/// The UI's texts (embedded, so loaded once).
static TEXTS: std::sync::OnceLock<i18n::Texts> = std::sync::OnceLock::new();

fn texts() -> anyhow::Result<&'static i18n::Texts> {
    if let Some(t) = TEXTS.get() {
        return Ok(t);
    }
    let loaded = i18n::Texts::load(FILES)?;
    Ok(TEXTS.get_or_init(|| loaded))
}

/// `t(key, **args)`: the text of `key` in the page's language.
fn t(state: &minijinja::State, key: &str, args: Kwargs) -> Result<String, minijinja::Error> {
    match TEXTS.get() {
        Some(texts) => texts.call(state, key, args),
        None => Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "the texts are not loaded",
        )),
    }
}

/// `ms | when`: a time in Unix ms as Danish local time.
fn when(state: &minijinja::State, ms: i64) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    time::format_ms(ms, &lang)
}

/// The template environment: every embedded template, `t()` for texts and the `when`
/// filter. HTML templates are auto-escaped; nothing a block sends is marked safe.
fn environment() -> anyhow::Result<Environment<'static>> {
    texts()?;
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in FILES {
        if let Some(name) = name.strip_prefix("templates/") {
            env.add_template(name, source)
                .map_err(|e| anyhow::anyhow!("marketplace-ui/templates/{name}: {e}"))?;
        }
    }
    env.add_function("t", t);
    env.add_filter("when", when);
    Ok(env)
}

/// The whole application: the API beside the pages (whose fallback answers every
/// address nothing serves), the security headers on every response, a span per request.
pub fn app(state: AppState, ui: std::sync::Arc<Ui>) -> Router {
    let secure_cookies = ui.secure_cookies;
    let csp = HeaderValue::from_str(&ui.content_security_policy())
        .unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    let app = jobunivers_web::router(state.clone()).merge(router(UiState { app: state, ui }));
    let app = if secure_cookies {
        app.layer(axum::middleware::map_response(mark_cookies_secure))
    } else {
        app
    };
    secure_with(app, csp).layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Add `Secure` to every cookie a response sets.
async fn mark_cookies_secure(mut res: Response) -> Response {
    let cookies: Vec<HeaderValue> = res
        .headers_mut()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| HeaderValue::from_str(&format!("{v}; Secure")).ok())
        .collect();
    if !cookies.is_empty() {
        res.headers_mut().remove(header::SET_COOKIE);
        for c in cookies {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
    }
    res
}

/// How slowly a client may send a request before the host gives up on it: a
/// connection that has not sent a whole request head in `header_timeout` is closed, a
/// body that has not arrived in `body_timeout` is refused. A slow client can so hold a
/// connection for a bounded time only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeLimits {
    /// For the request line and headers.
    pub header_timeout: std::time::Duration,
    /// For the whole body.
    pub body_timeout: std::time::Duration,
}

impl Default for EdgeLimits {
    fn default() -> Self {
        Self {
            header_timeout: std::time::Duration::from_secs(10),
            body_timeout: std::time::Duration::from_secs(30),
        }
    }
}

/// Serve [`app`] on `listener` until the process ends, one task per connection, with
/// the [`EdgeLimits`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    ui: std::sync::Arc<Ui>,
    limits: EdgeLimits,
) -> std::io::Result<()> {
    let service = tower::ServiceBuilder::new()
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            limits.body_timeout,
        ))
        .service(app(state, ui));
    loop {
        let stream = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little, keep serving.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let (stream, peer) = stream;
        // The client's address, for the handlers that limit per address.
        let service = tower::ServiceExt::map_request(
            service.clone(),
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                req
            },
        );
        let service = hyper_util::service::TowerToHyperService::new(service);
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
}

/// The UI's routes (pages and the static files) with their state, to merge beside the
/// API's, and the answer for every address nothing serves ([`not_found`]).
pub fn router(state: UiState) -> Router {
    routes(&state)
        .fallback(
            |axum::extract::State(state): axum::extract::State<UiState>,
             uri: Uri,
             headers: HeaderMap| async move { not_found(&state, &uri, &headers).await },
        )
        .with_state(state)
}

/// The UI's routes (pages and the static files). A page's handler may fail with a
/// [`Problem`]; it is shown as the HTML error page (and a missing sign-in as a redirect
/// to the login page).
pub fn routes(state: &UiState) -> Router<UiState> {
    let mut router = Router::new()
        .merge(pages::routes())
        .merge(citizen::routes())
        .merge(profile::routes())
        .merge(admin::routes())
        .merge(enrolments::routes())
        .merge(vendor::routes(state))
        .merge(operator::routes())
        .merge(caseworker::routes())
        .merge(signin::routes())
        .merge(sessions::routes())
        .merge(staff::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            html_errors,
        ));
    if let Some(dir) = &state.ui.static_dir {
        router = router.nest_service(
            "/static",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ))
                .service(ServeDir::new(dir)),
        );
    }
    router
}

/// Turn a page's problem (sent as `application/problem+json`) into the HTML error page.
async fn html_errors(
    axum::extract::State(state): axum::extract::State<UiState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = req.headers().clone();
    let uri = req.uri().clone();
    let res = next.run(req).await;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/problem+json");
    if !is_problem {
        return res;
    }
    let status = res.status().as_u16();
    let body = axum::body::to_bytes(res.into_body(), 256 * 1024)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let slug = v["type"]
        .as_str()
        .and_then(|t| t.strip_prefix(jobunivers_core::problem::TYPE_PREFIX))
        .unwrap_or("error");
    let p = Problem::new(
        status,
        slug,
        v["title"].as_str().unwrap_or("Error"),
        v["detail"].as_str().unwrap_or_default(),
    );
    let ctx = Ctx::from_request(&headers, &uri, &state).await;
    if status == 401 {
        let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", next)
            .finish();
        return ctx.redirect(&format!("/login?{q}"));
    }
    ctx.error_page(&p)
}

/// Security headers on every response: the CSP, no sniffing, no framing, no referrer
/// to other sites, and `Cache-Control: no-store` unless the response set its own.
pub fn secure<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    secure_with(router, HeaderValue::from_static(CONTENT_SECURITY_POLICY))
}

/// [`secure`] with another Content-Security-Policy.
fn secure_with<S: Clone + Send + Sync + 'static>(router: Router<S>, csp: HeaderValue) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Pages and API answers are personal unless said otherwise (the static files
        // say so): no cache, shared or the browser's, keeps them.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// The answer for an address nothing serves: the HTML error page, or a problem for the
/// API and for clients that do not ask for HTML.
pub async fn not_found(state: &UiState, uri: &Uri, headers: &HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let p = Problem::not_found(
        "no-route",
        "there is no such address; the API is described at /api/v1/openapi.json",
    );
    if uri.path().starts_with("/api/") || !wants_html {
        return axum::response::IntoResponse::into_response(jobunivers_web::ApiError(p));
    }
    Ctx::from_request(headers, uri, state).await.error_page(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_every_text_has_both_languages() {
        let env = environment().expect("the templates and texts load");
        assert!(env.get_template("base.html").is_ok());
        assert!(env.get_template("error.html").is_ok());
    }

    #[test]
    fn every_personal_data_capability_has_a_name_for_citizens() {
        use jobunivers_core::model::Locale;
        let texts = texts().unwrap();
        for c in jobunivers_core::caps::Capability::all().filter(|c| c.personal_data()) {
            let key = format!("capability.{}", c.name());
            for lang in [Locale::Da, Locale::En] {
                assert!(texts.get(&key, lang).is_some(), "no text '{key}'");
            }
        }
    }

    #[test]
    fn a_failed_block_shows_the_placeholder_and_block_text_stays_text() {
        use jobunivers_core::model::{Element, LinkTarget, Page, TextStyle};
        use jobunivers_universe::universe::BlockView;
        let env = environment().unwrap();
        let failed = BlockView {
            installation: 3,
            block: "v.broken".into(),
            version: "1.0.0".into(),
            status: "failed".into(),
            page: None,
            placeholder: Some("Denne del af siden kan ikke vises lige nu.".into()),
            failure: Some("trap".into()),
        };
        let ok = BlockView {
            installation: 4,
            block: "v.ok".into(),
            version: "1.0.0".into(),
            status: "ok".into(),
            page: Some(Page {
                title: Some("<b>Titel</b>".into()),
                elements: vec![
                    Element::Paragraph {
                        text: "<script>alert(1)</script>".into(),
                        style: TextStyle::Normal,
                    },
                    Element::Link {
                        label: "Se mere".into(),
                        target: LinkTarget::External(
                            "https://example.org/\"onmouseover=\"x".into(),
                        ),
                    },
                ],
            }),
            placeholder: None,
            failure: None,
        };
        let blocks = vec![
            blocks::prepare(&failed, None, 2, ""),
            blocks::prepare(&ok, None, 2, ""),
        ];
        let html = env
            .get_template("citizen/universe.html")
            .unwrap()
            .render(minijinja::context! {
                lang => "da",
                municipality => "0751",
                blocks => minijinja::value::Serde(blocks),
                csrf => "token",
                csrf_field => CSRF_FIELD,
            })
            .unwrap();
        assert!(html.contains("Denne del af siden kan ikke vises lige nu."));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;b&gt;Titel&lt;&#x2f;b&gt;"));
        assert!(!html.contains("\"onmouseover"), "{html}");
    }
}
