//! The caseworker's API, for the citizens of their own municipality only: the list of
//! citizens (filtered by flags), a citizen's timeline, monitoring flags and decisions,
//! exemptions, prior notices, and recording a missed meeting. Reads of one citizen's
//! data are written to the citizen's access log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, OptionalBody, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_casework::monitor::casework::{
    self, CitizenFilter, CitizenSummary, Decision, Exemption, Firing, FlagFilter, MissedMeeting,
    NewExemption, NewPriorNotice, PriorNotice, Timeline,
};
use jobunivers_core::problem::Problem;
use jobunivers_universe::citizen::ActivityRecord;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(citizens))
        .routes(routes!(timeline))
        .routes(routes!(flags))
        .routes(routes!(flag))
        .routes(routes!(decide))
        .routes(routes!(exempt))
        .routes(routes!(send_notice))
        .routes(routes!(missed_meeting))
}

/// The citizens of the caseworker's municipality, those with unresolved flags first;
/// filter by flags (and, once citizens have tracks, by track).
#[utoipa::path(get, path = "/caseworker/citizens", tag = "caseworker", params(CitizenFilter), security(("bearer" = [])),
    responses((status = 200, body = Vec<CitizenSummary>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn citizens(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(filter): Query<CitizenFilter>,
) -> Result<Json<Vec<CitizenSummary>>> {
    Ok(Json(
        casework::citizens(state.market.db(), &who, &filter).await?,
    ))
}

/// One citizen's timeline: activities, rules that fired and their flags, prior notices,
/// exemptions, threads with the jobcentre and consents (on the citizen's access log).
#[utoipa::path(get, path = "/caseworker/citizens/{id}", tag = "caseworker", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Timeline), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn timeline(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<Timeline>> {
    Ok(Json(
        casework::timeline(state.market.db(), &who, &id).await?,
    ))
}

/// The monitoring flags of the caseworker's municipality (open ones by default).
#[utoipa::path(get, path = "/caseworker/flags", tag = "caseworker", params(FlagFilter), security(("bearer" = [])),
    responses((status = 200, body = Vec<Firing>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn flags(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(filter): Query<FlagFilter>,
) -> Result<Json<Vec<Firing>>> {
    Ok(Json(
        casework::flags(state.market.db(), &who, &filter).await?,
    ))
}

/// One flag with the facts behind it and the proposed meeting (on the citizen's access
/// log).
#[utoipa::path(get, path = "/caseworker/flags/{id}", tag = "caseworker", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Firing), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn flag(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<i64>,
) -> Result<Json<Firing>> {
    Ok(Json(casework::flag(state.market.db(), &who, id).await?))
}

/// Decide on a flag: acknowledge it, or resolve it with a note.
#[utoipa::path(post, path = "/caseworker/flags/{id}/decision", tag = "caseworker", params(("id" = i64, Path)), request_body = Decision, security(("bearer" = [])),
    responses((status = 200, body = Firing), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn decide(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<i64>,
    Body(decision): Body<Decision>,
) -> Result<Json<Firing>> {
    Ok(Json(
        casework::decide(state.universe.provider(), &who, id, decision).await?,
    ))
}

/// Exempt a citizen from a rule, with a reason, until a time; the rule is not evaluated
/// for them until then.
#[utoipa::path(post, path = "/caseworker/citizens/{id}/exemptions", tag = "caseworker", params(("id" = String, Path)), request_body = NewExemption, security(("bearer" = [])),
    responses((status = 201, body = Exemption), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn exempt(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    Body(new): Body<NewExemption>,
) -> Result<(StatusCode, Json<Exemption>)> {
    let e = casework::exempt(state.market.db(), &who, &id, new).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Send a citizen a prior notice (forhåndsorientering) they must read; it also lands in
/// their inbox.
#[utoipa::path(post, path = "/caseworker/citizens/{id}/prior-notices", tag = "caseworker", params(("id" = String, Path)), request_body = NewPriorNotice, security(("bearer" = [])),
    responses((status = 201, body = PriorNotice), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn send_notice(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    Body(new): Body<NewPriorNotice>,
) -> Result<(StatusCode, Json<PriorNotice>)> {
    let n = casework::send_notice(state.universe.provider(), &who, &id, new).await?;
    Ok((StatusCode::CREATED, Json(n)))
}

/// Record that a citizen missed a booked meeting (an activity `missed-meeting` that the
/// rules then evaluate).
#[utoipa::path(post, path = "/caseworker/citizens/{id}/missed-meetings", tag = "caseworker", params(("id" = String, Path)), request_body = Option<MissedMeeting>, security(("bearer" = [])),
    responses((status = 201, body = ActivityRecord), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn missed_meeting(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    OptionalBody(missed): OptionalBody<MissedMeeting>,
) -> Result<(StatusCode, Json<ActivityRecord>)> {
    let a = casework::missed_meeting(state.universe.provider(), &who, &id, missed).await?;
    Ok((StatusCode::CREATED, Json(a)))
}
