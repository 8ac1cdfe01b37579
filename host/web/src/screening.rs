//! Screening and visitation over HTTP: the citizen's own screenings and track, the
//! caseworker's visitation of a citizen of their municipality, and the municipality's
//! interval for inviting citizens to screen again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, Path};
use super::AppState;
use crate::Result;
use jobunivers_casework::screening::{
    DecisionRecord, NewDecision, Screening, ScreeningOverview, ScreeningSettings, SettingsChange,
};
use jobunivers_core::problem::Problem;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(mine))
        .routes(routes!(visitation))
        .routes(routes!(decide))
        .routes(routes!(settings, set_settings))
}

fn service(state: &AppState) -> Screening {
    Screening::new(state.market.db().clone())
}

/// The signed-in citizen's screenings: the caseworker's decision and its reason (the
/// track that counts), every result with its reasons and answers, and when the next
/// screening is due.
#[utoipa::path(get, path = "/me/screening", tag = "screening", security(("bearer" = [])),
    responses((status = 200, body = ScreeningOverview), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn mine(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<ScreeningOverview>> {
    Ok(Json(service(&state).mine(&who).await?))
}

/// A citizen's latest screening, its history and the decisions on it, for a caseworker
/// of the citizen's municipality (the read goes on the citizen's access log).
#[utoipa::path(get, path = "/visitation/{citizen}", tag = "screening", params(("citizen" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ScreeningOverview), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn visitation(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(citizen): Path<String>,
) -> Result<Json<ScreeningOverview>> {
    Ok(Json(service(&state).visitation(&who, &citizen).await?))
}

/// Confirm or override the suggestion of the citizen's latest screening, with a reason
/// the citizen reads. The decision is the citizen's track.
#[utoipa::path(post, path = "/visitation/{citizen}/decisions", tag = "screening", params(("citizen" = String, Path)), request_body = NewDecision, security(("bearer" = [])),
    responses((status = 201, body = DecisionRecord), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(citizen): Path<String>,
    Body(d): Body<NewDecision>,
) -> Result<(StatusCode, Json<DecisionRecord>)> {
    Ok((
        StatusCode::CREATED,
        Json(service(&state).decide(&who, &citizen, d).await?),
    ))
}

/// How often the municipality invites citizens to screen again (its admin and
/// caseworkers).
#[utoipa::path(get, path = "/municipalities/{code}/screening-settings", tag = "screening", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ScreeningSettings), (status = 403, body = Problem)))]
async fn settings(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<ScreeningSettings>> {
    Ok(Json(service(&state).settings(&who, &code).await?))
}

/// Set how often the municipality invites citizens to screen again (its admin).
#[utoipa::path(put, path = "/municipalities/{code}/screening-settings", tag = "screening", params(("code" = String, Path)), request_body = SettingsChange, security(("bearer" = [])),
    responses((status = 200, body = ScreeningSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn set_settings(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Body(change): Body<SettingsChange>,
) -> Result<Json<ScreeningSettings>> {
    Ok(Json(
        service(&state).set_settings(&who, &code, change).await?,
    ))
}
