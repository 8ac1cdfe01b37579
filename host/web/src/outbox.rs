//! The outbox over HTTP, for the operator: the messages that could not be sent after
//! every attempt (dead letters), and retrying one. Never a message's recipient, subject
//! or body: those are the citizen's personal data.

use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Caller, Path};
use super::AppState;
use crate::Result;
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::Problem;
use jobunivers_store::outbox::{self, DeadLetter};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(dead_letters))
        .routes(routes!(retry))
}

/// The dead letters, newest first: kind, channel, attempts, last error and dates
/// (the operator only).
#[utoipa::path(get, path = "/outbox/dead", tag = "outbox", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeadLetter>), (status = 403, body = Problem)))]
async fn dead_letters(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<DeadLetter>>> {
    Ok(Json(outbox::dead_letters(state.market.db(), &who).await?))
}

/// Queue a dead letter again, due at once with its attempts counted from zero (the
/// operator only).
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "outbox", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = DeadLetter), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn retry(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<i64>,
) -> Result<Json<DeadLetter>> {
    Ok(Json(
        outbox::retry(state.market.db(), &who, id, now_ms()).await?,
    ))
}
