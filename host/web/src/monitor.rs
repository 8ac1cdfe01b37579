//! Availability monitoring over HTTP: a municipality's rules (its admin lists, creates,
//! changes and disables them; its caseworkers read them), and the citizen's side: what
//! is monitored and why, and the prior notices they must read.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_casework::monitor::casework::PriorNotice;
use jobunivers_casework::monitor::citizen::Transparency;
use jobunivers_casework::monitor::{NewRule, Rule, RuleChange};
use jobunivers_core::problem::Problem;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rules, create_rule))
        .routes(routes!(change_rule))
        .routes(routes!(transparency))
        .routes(routes!(prior_notices))
        .routes(routes!(confirm_read))
}

/// A municipality's monitoring rules, enabled or not (its admin and caseworkers).
#[utoipa::path(get, path = "/municipalities/{code}/monitoring/rules", tag = "monitoring", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Rule>), (status = 403, body = Problem)))]
async fn rules(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
) -> Result<Json<Vec<Rule>>> {
    Ok(Json(
        jobunivers_casework::monitor::rules(state.market.db(), &who, &code).await?,
    ))
}

/// Create a monitoring rule (the municipality's admin); left-out fields take the kind's
/// defaults.
#[utoipa::path(post, path = "/municipalities/{code}/monitoring/rules", tag = "monitoring", params(("code" = String, Path)), request_body = NewRule, security(("bearer" = [])),
    responses((status = 201, body = Rule), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_rule(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Body(new): Body<NewRule>,
) -> Result<(StatusCode, Json<Rule>)> {
    let rule =
        jobunivers_casework::monitor::create_rule(state.market.db(), &who, &code, new).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// Change a monitoring rule: days, grace days, nudge texts; `enabled: false` disables it.
#[utoipa::path(patch, path = "/municipalities/{code}/monitoring/rules/{id}", tag = "monitoring", params(("code" = String, Path), ("id" = i64, Path)), request_body = RuleChange, security(("bearer" = [])),
    responses((status = 200, body = Rule), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn change_rule(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((code, id)): Path<(String, i64)>,
    Body(change): Body<RuleChange>,
) -> Result<Json<Rule>> {
    Ok(Json(
        jobunivers_casework::monitor::change_rule(state.market.db(), &who, &code, id, change)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LocaleQuery {
    /// `da` (default) or `en`.
    #[serde(default)]
    #[param(pattern = "^(da|en)$")]
    locale: Option<String>,
}

/// What is monitored about the signed-in citizen and why: the active rules of their
/// municipality in plain words, their own status against each, their exemptions, every
/// time a rule fired, and their prior notices.
#[utoipa::path(get, path = "/me/monitoring", tag = "monitoring", params(LocaleQuery), security(("bearer" = [])),
    responses((status = 200, body = Transparency), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn transparency(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<LocaleQuery>,
) -> Result<Json<Transparency>> {
    let english = match q.locale.as_deref().unwrap_or("da") {
        "da" => false,
        "en" => true,
        other => {
            return Err(Problem::bad_request(
                "invalid-locale",
                format!("the locale '{other}' is not supported; use da or en"),
            )
            .at("/locale")
            .into())
        }
    };
    Ok(Json(
        jobunivers_casework::monitor::citizen::transparency(state.market.db(), &who, english)
            .await?,
    ))
}

/// The signed-in citizen's prior notices (forhåndsorienteringer), newest first.
#[utoipa::path(get, path = "/me/prior-notices", tag = "monitoring", security(("bearer" = [])),
    responses((status = 200, body = Vec<PriorNotice>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn prior_notices(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<PriorNotice>>> {
    Ok(Json(
        jobunivers_casework::monitor::citizen::prior_notices(state.market.db(), &who).await?,
    ))
}

/// Confirm having read a prior notice; the time of the first confirmation is recorded
/// and shown to the caseworker.
#[utoipa::path(post, path = "/me/prior-notices/{id}/read", tag = "monitoring", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = PriorNotice), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn confirm_read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Json<PriorNotice>> {
    Ok(Json(
        jobunivers_casework::monitor::citizen::confirm_read(state.market.db(), &who, &id).await?,
    ))
}
