//! What every page knows about its request: the signed-in user (a server-side session,
//! whose random token is in an HttpOnly, SameSite=Lax cookie; see
//! the store's `sessions`), the language (`?lang=` or the language cookie; Danish by default), the
//! flash message left by the previous request, and the CSRF token every state-changing
//! form carries. The token is an HMAC of the session (or, before signing in, of a random
//! pre-session cookie) under a key kept in the data directory, so it is bound to the
//! browser that holds the cookie and checked on every POST ([`Post`]).

use crate::UiState;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use minijinja::{context, Value};
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use sha2::Sha256;

use super::Ui;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::model::Locale;
use jobunivers_core::problem::Problem;
pub use jobunivers_web::session::{cookies, SESSION_COOKIE};

/// The cookie binding the CSRF token of a browser that has not signed in yet.
pub const PRE_SESSION_COOKIE: &str = "ju_pre";
/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "ju_lang";
/// The cookie carrying a message to the next page.
pub const FLASH_COOKIE: &str = "ju_flash";
/// The form field carrying the CSRF token. The `jbu:` prefix cannot clash with a
/// block's field names (which allow no colon).
pub const CSRF_FIELD: &str = "jbu:csrf";

type HmacSha256 = Hmac<Sha256>;

/// A `Set-Cookie` value: path `/`, HttpOnly, SameSite=Lax; `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// A message shown once on the next page (after a redirect).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Flash {
    /// `success`, `info`, `warning` or `error` (the alert's variant).
    pub kind: String,
    /// The text key (see marketplace-ui/i18n).
    pub key: String,
}

/// What a page knows about its request; see the module documentation.
#[derive(Clone)]
pub struct Ctx {
    /// The templates and keys.
    pub ui: Arc<Ui>,
    /// The page's language.
    pub lang: Locale,
    /// The signed-in user.
    pub who: Option<Identity>,
    /// The CSRF token for this page's forms.
    pub csrf: String,
    /// The message left by the previous request.
    pub flash: Option<Flash>,
    /// The request's path.
    pub path: String,
    /// The request's query without `lang`.
    pub query: Vec<(String, String)>,
    /// Whether the development login is on.
    pub dev_login: bool,
    /// `Set-Cookie` values for the response.
    pub set_cookies: Vec<String>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("lang", &self.lang)
            .field("who", &self.who)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn random_hex() -> String {
    let mut raw = [0u8; 16];
    // Without randomness there is no safe token; refuse loudly rather than guess.
    getrandom::fill(&mut raw).expect("the operating system provides randomness");
    hex::encode(raw)
}

impl Ctx {
    /// Read a request's cookies, query and session.
    pub async fn from_request(headers: &HeaderMap, uri: &Uri, state: &UiState) -> Self {
        let ui = state.ui.clone();
        let jar = cookies(headers);
        let mut set_cookies = Vec::new();
        let mut query: Vec<(String, String)> = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let asked = query
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| v.parse::<Locale>().ok());
        query.retain(|(k, _)| k != "lang");
        let lang = match asked {
            Some(l) => {
                set_cookie_lang(&mut set_cookies, l);
                l
            }
            None => jar
                .get(LANG_COOKIE)
                .and_then(|v| v.parse().ok())
                .unwrap_or_default(),
        };
        let session = jar.get(SESSION_COOKIE).filter(|t| !t.is_empty());
        let who = match session {
            Some(token) => state.sessions.identify(token).await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a session could not be read");
                None
            }),
            None => None,
        };
        if session.is_some() && who.is_none() {
            // Signed out, idle, expired or unknown: forget it.
            set_cookies.push(set_cookie(SESSION_COOKIE, "", Some(0)));
        }
        let binding = match (&who, session) {
            (Some(_), Some(token)) => format!("session:{token}"),
            _ => match jar.get(PRE_SESSION_COOKIE).filter(|v| v.len() == 32) {
                Some(pre) => format!("pre:{pre}"),
                None => {
                    let pre = random_hex();
                    set_cookies.push(set_cookie(PRE_SESSION_COOKIE, &pre, None));
                    format!("pre:{pre}")
                }
            },
        };
        let csrf = ui.csrf_token(&binding);
        let flash = jar.get(FLASH_COOKIE).and_then(|raw| {
            let text = percent_decode_str(raw).decode_utf8().ok()?;
            let (kind, key) = text.split_once('|')?;
            Some(Flash {
                kind: kind.to_owned(),
                key: key.to_owned(),
            })
        });
        if flash.is_some() {
            set_cookies.push(set_cookie(FLASH_COOKIE, "", Some(0)));
        }
        Self {
            ui,
            lang,
            who,
            csrf,
            flash,
            path: uri.path().to_owned(),
            query,
            dev_login: state.dev_users.is_some(),
            set_cookies,
        }
    }

    /// `da` or `en`.
    pub fn lang_code(&self) -> &'static str {
        match self.lang {
            Locale::Da => "da",
            Locale::En => "en",
        }
    }

    /// The caller, or a problem (401) if nobody is signed in.
    pub fn identity(&self) -> Result<&Identity, Problem> {
        self.who
            .as_ref()
            .ok_or_else(|| Problem::unauthorized("missing-session", "sign in first at /login"))
    }

    /// The caller if they have `role`.
    pub fn require(&self, role: Role) -> Result<&Identity, Problem> {
        let who = self.identity()?;
        who.require(role)?;
        Ok(who)
    }

    /// Leave a message for the next page.
    pub fn flash(mut self, kind: &str, key: &str) -> Self {
        let value = utf8_percent_encode(&format!("{kind}|{key}"), NON_ALPHANUMERIC).to_string();
        self.set_cookies
            .push(set_cookie(FLASH_COOKIE, &value, Some(300)));
        self
    }

    /// The address of this page in another language.
    fn lang_href(&self, code: &str) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            q.append_pair(k, v);
        }
        q.append_pair("lang", code);
        format!("{}?{}", self.path, q.finish())
    }

    /// What every template sees: language, user, CSRF token, flash, navigation.
    pub fn base(&self) -> Value {
        let user = self.who.as_ref().map(|w| {
            context! {
                subject => w.subject.clone(),
                role => w.role.as_str(),
                tenant => w.tenant.clone(),
                home => super::pages::landing(w.role),
            }
        });
        context! {
            lang => self.lang_code(),
            user => user,
            csrf => self.csrf.clone(),
            csrf_field => CSRF_FIELD,
            flash => self.flash.clone().map(minijinja::value::Serde),
            path => self.path.clone(),
            lang_da => self.lang_href("da"),
            lang_en => self.lang_href("en"),
            dev_login => self.dev_login,
        }
    }

    /// Render `template` with `page` (and the base context) as a response.
    pub fn render(self, status: StatusCode, template: &str, page: Value) -> Response {
        let ctx = context! { ..page, ..self.base() };
        match self.ui.render(template, ctx) {
            Ok(html) => self.respond(status, html),
            Err(e) => {
                tracing::error!(template, error = %e, "a page failed to render");
                let p = Problem::internal(e);
                self.error_page(&p)
            }
        }
    }

    /// Render `template` with status 200.
    pub fn ok(self, template: &str, page: Value) -> Response {
        self.render(StatusCode::OK, template, page)
    }

    fn respond(self, status: StatusCode, html: String) -> Response {
        let mut res = (status, axum::response::Html(html)).into_response();
        self.add_cookies(&mut res);
        res
    }

    fn add_cookies(&self, res: &mut Response) {
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    /// A 303 redirect to `to` (Post/Redirect/Get), with the cookies set so far.
    pub fn redirect(self, to: &str) -> Response {
        let mut res = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        self.add_cookies(&mut res);
        res
    }

    /// The error page for a problem.
    pub fn error_page(self, p: &Problem) -> Response {
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let kind = match p.status {
            400 | 401 | 403 | 404 | 409 | 413 | 422 => p.status.to_string(),
            _ => "other".to_owned(),
        };
        let ctx = context! {
            status => p.status,
            kind => kind,
            slug => p.slug(),
            detail => if p.status >= 500 { None } else { Some(p.detail.clone()) },
            ..self.base()
        };
        match self.ui.render("error.html", ctx) {
            Ok(html) => self.respond(status, html),
            Err(e) => {
                tracing::error!(error = %e, "the error page failed to render");
                (status, "Der opstod en fejl / An error occurred").into_response()
            }
        }
    }
}

fn set_cookie_lang(cookies: &mut Vec<String>, lang: Locale) {
    let code = match lang {
        Locale::Da => "da",
        Locale::En => "en",
    };
    cookies.push(set_cookie(LANG_COOKIE, code, Some(365 * 24 * 3600)));
}

impl FromRequestParts<UiState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &UiState) -> Result<Self, Response> {
        Ok(Ctx::from_request(&parts.headers, &parts.uri, state).await)
    }
}

/// A page for signed-in users only: anyone else is sent to the login page, and back
/// here afterwards.
#[derive(Debug)]
pub struct Signed(pub Ctx, pub Identity);

impl FromRequestParts<UiState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &UiState) -> Result<Self, Response> {
        let ctx = Ctx::from_request(&parts.headers, &parts.uri, state).await;
        match ctx.who.clone() {
            Some(who) => Ok(Signed(ctx, who)),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = format!(
                    "/login?next={}",
                    utf8_percent_encode(next, NON_ALPHANUMERIC)
                );
                Err(ctx.redirect(&to))
            }
        }
    }
}

/// A submitted form: the fields in order (a field may repeat), checked for the CSRF
/// token before the handler runs.
#[derive(Debug, Default, Clone)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A POST from one of our forms: its context and fields, after the CSRF check (a
/// missing or wrong token is refused with 403 before the handler runs).
#[derive(Debug)]
pub struct Post {
    /// The request's context.
    pub ctx: Ctx,
    /// The fields.
    pub form: Form,
}

/// The browser and system of a request, in a few words, for the session list.
pub(crate) fn agent_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(jobunivers_store::sessions::describe_agent)
}

/// The largest form accepted (a CV pasted into a block's form fits easily).
const MAX_FORM_BYTES: usize = 256 * 1024;

impl FromRequest<UiState> for Post {
    type Rejection = Response;

    async fn from_request(req: Request, state: &UiState) -> Result<Self, Response> {
        let (parts, body) = req.into_parts();
        let ctx = Ctx::from_request(&parts.headers, &parts.uri, state).await;
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => {
                let p = Problem::new(
                    413,
                    "form-too-large",
                    "Payload too large",
                    "the form is too large; shorten the text and send it again",
                );
                return Err(ctx.error_page(&p));
            }
        };
        let form = Form(form_urlencoded::parse(&bytes).into_owned().collect());
        let sent = form.get(CSRF_FIELD).unwrap_or("");
        if !ctx.ui.csrf_matches(&ctx.csrf, sent) {
            let p = Problem::forbidden(
                "csrf-failed",
                "the form was not sent from this site or has expired; go back, reload the page and send it again",
            );
            return Err(ctx.error_page(&p));
        }
        Ok(Post { ctx, form })
    }
}

impl Ui {
    /// The CSRF token bound to `binding` (the session or the pre-session cookie).
    pub fn csrf_token(&self, binding: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.csrf_key).expect("any key length works");
        mac.update(b"jobunivers-csrf-v1\n");
        mac.update(binding.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether a sent token equals the expected one (in constant time).
    pub fn csrf_matches(&self, expected: &str, sent: &str) -> bool {
        use subtle_eq::ct_eq;
        ct_eq(expected.as_bytes(), sent.as_bytes())
    }
}

mod subtle_eq {
    /// Compare two byte strings without stopping at the first difference.
    pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        if a.len() != b.len() || a.is_empty() {
            return false;
        }
        a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}
