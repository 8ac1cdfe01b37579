//! Pages for everyone: the front door, signing in and out, the landing page of each
//! role, and the accessibility statement.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::session::{set_cookie, Ctx, Post, SESSION_COOKIE};
use crate::UiState;
use axum::http::HeaderMap;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::Problem;
use jobunivers_store::sessions::{Ended, NewSession};

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/", get(front))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/tilgaengelighed", get(accessibility))
        .route("/accessibility", get(accessibility))
}

/// Where a role lands after signing in.
pub fn landing(role: Role) -> &'static str {
    match role {
        Role::Citizen => "/universe",
        Role::Admin => "/admin",
        Role::Vendor => "/vendor",
        Role::Operator => "/review",
        Role::Caseworker => "/caseworker",
    }
}

async fn front(ctx: Ctx) -> Response {
    match ctx.who.as_ref().map(|w| w.role) {
        Some(role) => ctx.redirect(landing(role)),
        None => ctx.redirect("/login"),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// Only addresses on this site: a path, never `//host` or a scheme.
pub(crate) fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_owned)
}

async fn login_page(State(state): State<UiState>, ctx: Ctx, Query(q): Query<Next>) -> Response {
    let users = state.dev_users.as_ref().map(|u| Serde(u.as_ref().clone()));
    let next = safe_next(q.next.as_deref());
    let providers = ctx
        .ui
        .signin
        .as_ref()
        .map(|s| Serde(s.buttons()))
        .unwrap_or_else(|| Serde(Vec::new()));
    let next_query = next.as_deref().map(|n| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("next", n)
            .finish()
    });
    ctx.ok(
        "login.html",
        context! { dev_users => users, next => next, providers => providers, next_query => next_query },
    )
}

async fn login(
    State(state): State<UiState>,
    headers: HeaderMap,
    Post { ctx, form }: Post,
) -> jobunivers_web::Result<Response> {
    let users = state.dev_users.as_ref().ok_or_else(|| {
        Problem::not_found(
            "dev-login-disabled",
            "the development login is off; sign in through your municipality's login (MitID)",
        )
    })?;
    let who = match form.get("namespace") {
        // A vendor the list does not hold yet, to try the vendor portal's registration.
        Some(namespace) => {
            let namespace = namespace.trim();
            if !jobunivers_core::auth::valid_namespace(namespace) {
                return Err(Problem::invalid(
                    "invalid-namespace",
                    "a namespace is 1 to 32 of a-z, 0-9 and -, starting with a letter and not ending with -",
                )
                .at("/namespace")
                .into());
            }
            Identity {
                subject: format!("vendor-{namespace}"),
                role: Role::Vendor,
                tenant: Some(namespace.to_owned()),
                scopes: None,
            }
        }
        None => {
            let name = form.get("user").unwrap_or("");
            let user = users.iter().find(|u| u.user == name).ok_or_else(|| {
                Problem::invalid(
                    "unknown-user",
                    format!("there is no development user '{name}'"),
                )
                .at("/user")
            })?;
            Identity {
                subject: user.user.clone(),
                role: user.role,
                tenant: user.tenant.clone(),
                scopes: None,
            }
        }
    };
    state.limits.login(&format!(
        "{}:{}@{}",
        who.role.as_str(),
        who.subject,
        who.tenant.as_deref().unwrap_or("")
    ))?;
    let agent = crate::session::agent_of(&headers);
    let token = state
        .sessions
        .start_with(
            &who,
            &NewSession {
                agent: agent.as_deref(),
                ..NewSession::default()
            },
        )
        .await?;
    let to = safe_next(form.get("next")).unwrap_or_else(|| landing(who.role).to_owned());
    let mut ctx = ctx.flash("success", "flash.signed_in");
    ctx.set_cookies.push(set_cookie(
        SESSION_COOKIE,
        &token,
        Some(state.sessions.lifetime().as_secs()),
    ));
    Ok(ctx.redirect(&to))
}

/// Sign out: the session ends on the server (its cookie signs nobody in from now on,
/// wherever it was copied to), and the browser forgets the cookie. A session signed in
/// through an OpenID provider is ended there too: the browser goes to the provider's
/// end-session endpoint, which sends it back to the login page.
async fn logout(
    State(state): State<UiState>,
    headers: HeaderMap,
    Post { ctx, .. }: Post,
) -> Response {
    let mut ended = None;
    if let Some(token) = jobunivers_web::session::session_token(&headers) {
        match state.sessions.end_signed_in(&token).await {
            Ok(e) => ended = e,
            Err(e) => {
                tracing::error!(error = %e, "a session could not be ended");
                return ctx.error_page(&Problem::internal(e));
            }
        }
    }
    let mut to = "/login".to_owned();
    if let (
        Some(Ended {
            provider: Some(name),
            id_token,
        }),
        Some(signin),
    ) = (ended, ctx.ui.signin.clone())
    {
        if let Some(url) = signin.logout_url(&name, id_token.as_deref()).await {
            to = url;
        }
    }
    let mut ctx = ctx.flash("info", "flash.signed_out");
    ctx.set_cookies
        .push(set_cookie(SESSION_COOKIE, "", Some(0)));
    ctx.redirect(&to)
}

async fn accessibility(ctx: Ctx) -> Response {
    ctx.ok("accessibility.html", context! {})
}
