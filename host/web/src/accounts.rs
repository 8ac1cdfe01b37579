//! Who is signed in where: every signed-in person's own web sessions (listed, one
//! ended, all ended), and for administrators the staff who have signed in with a role
//! in their municipality (or vendor), beside the mapping rules that give those roles.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, Path};
use super::AppState;
use crate::Result;
use jobunivers_core::problem::Problem;
use jobunivers_signin::RoleRule;
use jobunivers_store::sessions::SessionInfo;
use jobunivers_store::staff::{Staff, StaffMember};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sessions, end_sessions))
        .routes(routes!(end_session))
        .routes(routes!(municipality_staff))
        .routes(routes!(vendor_staff))
}

/// The caller's live web sessions, newest first (the one of the session cookie the
/// request carries, if any, is `current`). For every role.
#[utoipa::path(get, path = "/me/sessions", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = Problem)))]
async fn sessions(
    State(state): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
) -> Result<Json<Vec<SessionInfo>>> {
    let token = crate::session::session_token(&headers);
    Ok(Json(state.sessions.list(&who, token.as_deref()).await?))
}

/// How many sessions ended.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct Ended {
    /// Sessions ended.
    ended: u64,
}

/// End all of the caller's web sessions (signed out everywhere).
#[utoipa::path(delete, path = "/me/sessions", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Ended), (status = 401, body = Problem)))]
async fn end_sessions(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<Ended>> {
    let ended = state.sessions.end_all(&who, None).await?;
    Ok(Json(Ended { ended }))
}

/// End one of the caller's web sessions (another person's id is not found).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "me", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "The session has ended"), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn end_session(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    if state.sessions.end_one(&who, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(
            "unknown-session",
            "you have no live session with that id; it may have ended already",
        )
        .into())
    }
}

/// The staff of a tenant and the rules that give them their roles.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StaffDirectory {
    /// Everyone who has signed in with a role here, as of their last sign-in.
    pub members: Vec<StaffMember>,
    /// The sign-in providers' rules that give a role here (the operator configures
    /// them).
    pub rules: Vec<RoleRule>,
}

async fn directory(state: &AppState, tenant: &str) -> Result<Json<StaffDirectory>> {
    let members = Staff::new(state.market.db().clone())
        .of_tenant(Some(tenant))
        .await?;
    let rules = state
        .signin
        .as_ref()
        .map(|s| s.mapping_for(Some(tenant)))
        .unwrap_or_default();
    Ok(Json(StaffDirectory { members, rules }))
}

/// Who has which role in municipality `code`: the staff who signed in through an
/// OpenID provider, and the mapping rules. For that municipality's admins.
#[utoipa::path(get, path = "/municipalities/{code}/staff", tag = "municipalities", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = StaffDirectory), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn municipality_staff(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<StaffDirectory>> {
    who.require_admin_of(&code)?;
    directory(&state, &code).await
}

/// Who acts for vendor `namespace`: its people who signed in through an OpenID
/// provider, and the mapping rules. For the vendor's own people.
#[utoipa::path(get, path = "/vendors/{namespace}/staff", tag = "vendors", params(("namespace" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = StaffDirectory), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn vendor_staff(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(namespace): Path<String>,
) -> Result<Json<StaffDirectory>> {
    who.require_vendor(&namespace, None)?;
    directory(&state, &namespace).await
}
