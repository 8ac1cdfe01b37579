//! Only with the cargo feature `native-blocks` (the load test's build): the citizen's
//! page with the example blocks linked natively, the baseline `cargo xtask loadtest`
//! measures the sandboxed page against. Not part of the API description.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::extract::Caller;
use super::AppState;
use crate::Result;
use jobunivers_core::model::Locale;
use jobunivers_universe::universe::UniversePage;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/bench/universe-native", get(universe_native))
}

async fn universe_native(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<UniversePage>> {
    Ok(Json(state.universe.page_native(&who, Locale::Da).await?))
}
