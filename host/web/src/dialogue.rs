//! The dialogue between citizens and their jobcentre over HTTP.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_core::problem::Problem;
use jobunivers_universe::dialogue::{NewMessage, ThreadDetail, ThreadSummary};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(threads))
        .routes(routes!(thread))
        .routes(routes!(write))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ThreadFilter {
    /// Only threads waiting for the jobcentre (the caseworker's inbox).
    #[serde(default)]
    waiting: bool,
}

/// The caller's threads: a citizen's own; for a caseworker, their municipality's.
#[utoipa::path(get, path = "/threads", tag = "dialogue", params(ThreadFilter), security(("bearer" = [])), responses((status = 200, body = Vec<ThreadSummary>), (status = 403, body = Problem)))]
async fn threads(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(f): Query<ThreadFilter>,
) -> Result<Json<Vec<ThreadSummary>>> {
    Ok(Json(state.dialogue.threads(&who, f.waiting).await?))
}

/// One thread with its messages (marks them read for the caller).
#[utoipa::path(get, path = "/threads/{id}", tag = "dialogue", params(("id" = i64, Path)), security(("bearer" = [])), responses((status = 200, body = ThreadDetail), (status = 404, body = Problem)))]
async fn thread(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<i64>,
) -> Result<Json<ThreadDetail>> {
    Ok(Json(state.dialogue.thread(&who, id).await?))
}

/// Write in a thread (a caseworker may close it with the message).
#[utoipa::path(post, path = "/threads/{id}/messages", tag = "dialogue", params(("id" = i64, Path)), request_body = NewMessage, security(("bearer" = [])),
    responses((status = 200, body = ThreadDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn write(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<i64>,
    Body(m): Body<NewMessage>,
) -> Result<Json<ThreadDetail>> {
    Ok(Json(state.dialogue.write(&who, id, m).await?))
}
