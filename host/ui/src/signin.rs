//! Signing in through an OpenID provider (`jobunivers-signin` does the protocol and
//! says who the account is; this module is its web face):
//!
//! - `GET /signin/{provider}?next=PATH` starts: the pending sign-in is kept server-side
//!   under its `state`, which also goes into a short-lived HttpOnly cookie binding it to
//!   this browser, and the browser is sent to the provider.
//! - `GET /signin/{provider}/callback` finishes: the cookie must carry the callback's
//!   `state`, the pending sign-in is taken (once: a replayed callback is refused), then
//!   a server-side session starts exactly as the development login's does. A citizen
//!   without a known municipality, or staff without a role, get a page saying what to
//!   do, and no session.

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Extension;
use axum::Router;
use minijinja::context;
use serde::Deserialize;

use super::session::{cookies, set_cookie, Ctx, SESSION_COOKIE};
use crate::pages::{landing, safe_next};
use crate::UiState;
use jobunivers_core::problem::Problem;
use jobunivers_signin::{Outcome, Signin};
use jobunivers_store::sessions::NewSession;

/// The cookie binding a sign-in under way to the browser that started it.
pub const SIGNIN_COOKIE: &str = "ju_signin";
/// How long that cookie lives (as the pending sign-in).
const SIGNIN_COOKIE_SECONDS: u64 = 600;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/signin/{provider}", get(start))
        .route("/signin/{provider}/callback", get(callback))
}

fn signin(state: &UiState) -> Result<&Signin, Problem> {
    state.ui.signin.as_deref().ok_or_else(|| {
        Problem::not_found(
            "signin-not-configured",
            "this host has no OpenID sign-in configured; use the login page",
        )
    })
}

#[derive(Debug, Default, Deserialize)]
struct StartQuery {
    #[serde(default)]
    next: Option<String>,
}

async fn start(
    State(state): State<UiState>,
    Path(provider): Path<String>,
    Query(q): Query<StartQuery>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    ctx: Ctx,
) -> jobunivers_web::Result<Response> {
    let signin = signin(&state)?;
    // Each start writes a pending sign-in: a client address gets a budget of them.
    if let Some(Extension(ConnectInfo(peer))) = peer {
        state.limits.signin_start(&peer.ip().to_string())?;
    }
    let (url, sign_in_state) = signin
        .start(&provider, safe_next(q.next.as_deref()))
        .await?;
    let mut ctx = ctx;
    ctx.set_cookies.push(set_cookie(
        SIGNIN_COOKIE,
        &sign_in_state,
        Some(SIGNIN_COOKIE_SECONDS),
    ));
    Ok(ctx.redirect(&url))
}

#[derive(Debug, Default, Deserialize)]
struct Callback {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn refused(slug: &str, detail: &str) -> Problem {
    Problem::new(400, slug, "Sign-in refused", detail)
}

async fn callback(
    State(state): State<UiState>,
    Path(provider): Path<String>,
    Query(q): Query<Callback>,
    headers: HeaderMap,
    ctx: Ctx,
) -> jobunivers_web::Result<Response> {
    let signin = signin(&state)?;
    let jar = cookies(&headers);
    let bound = jar.get(SIGNIN_COOKIE).map(|s| s.to_owned());
    let mut ctx = ctx;
    // The cookie is single use, whatever happens next.
    ctx.set_cookies.push(set_cookie(SIGNIN_COOKIE, "", Some(0)));
    let sent = q.state.as_deref().unwrap_or("");
    if sent.is_empty() {
        return Err(refused(
            "signin-mismatch",
            "the answer from the sign-in provider has no state; start again from the login page",
        )
        .into());
    }
    if let Some(error) = &q.error {
        // The person cancelled or the provider refused: the sign-in under way ends.
        let _ = signin.finish_cancelled(sent).await;
        let slug = if error == "access_denied" {
            "signin-cancelled"
        } else {
            "signin-refused"
        };
        return Err(refused(
            slug,
            &format!(
                "the sign-in provider ended the sign-in ({}); start again from the login page",
                short(error)
            ),
        )
        .into());
    }
    let matches = bound
        .as_deref()
        .is_some_and(|b| ctx.ui.csrf_matches(b, sent));
    if !matches {
        return Err(refused(
            "signin-mismatch",
            "this answer does not belong to a sign-in started in this browser; start again from the login page",
        )
        .into());
    }
    let code = q.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| {
        refused(
            "signin-mismatch",
            "the answer from the sign-in provider has no code; start again from the login page",
        )
    })?;
    match signin
        .finish(&provider, sent, code, q.iss.as_deref())
        .await?
    {
        Outcome::SignedIn {
            who,
            return_to,
            id_token,
            ..
        } => {
            let agent = crate::session::agent_of(&headers);
            let token = state
                .sessions
                .start_with(
                    &who,
                    &NewSession {
                        provider: Some(&provider),
                        id_token: id_token.as_deref(),
                        agent: agent.as_deref(),
                    },
                )
                .await?;
            let to = return_to.unwrap_or_else(|| landing(who.role).to_owned());
            let mut ctx = ctx.flash("success", "flash.signed_in");
            ctx.set_cookies.push(set_cookie(
                SESSION_COOKIE,
                &token,
                Some(state.sessions.lifetime().as_secs()),
            ));
            Ok(ctx.redirect(&to))
        }
        Outcome::NoMunicipality => Ok(ctx.render(
            StatusCode::FORBIDDEN,
            "signin/no_municipality.html",
            context! {},
        )),
        Outcome::NoRole => {
            Ok(ctx.render(StatusCode::FORBIDDEN, "signin/no_role.html", context! {}))
        }
    }
}

/// A provider's error code, shortened and plain, for a page.
fn short(error: &str) -> String {
    error
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}
