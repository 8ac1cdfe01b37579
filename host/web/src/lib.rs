//! The HTTP face of the host: the JSON API under `/api/v1` (axum), its OpenAPI
//! document, `/healthz`, and the development login. With the pages (`jobunivers-ui`,
//! which builds on this crate's state and session cookie) the only crate that knows
//! HTTP: it authenticates the caller, calls the domain crates and turns their answers
//! and [`Problem`]s into responses.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

mod accounts;
mod api;
#[cfg(feature = "native-blocks")]
mod bench;
mod caseworker;
mod dialogue;
mod enrolments;
mod extract;
pub mod limits;
mod me;
mod monitor;
mod openapi;
mod outbox;
mod screening;
pub mod session;
mod universe;

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use jobunivers_core::auth::{AuthConfig, DevUser};
use jobunivers_core::problem::Problem;
use jobunivers_market::Market;

pub use extract::{Caller, MaybeCaller};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The marketplace.
    pub market: Market,
    /// Token checking (and issuing, for the development login).
    pub auth: Arc<AuthConfig>,
    /// The development login's users; `None` when it is off.
    pub dev_users: Option<Arc<Vec<DevUser>>>,
    /// The citizens' universe.
    pub universe: Arc<jobunivers_universe::universe::Universe>,
    /// The dialogue between citizens and jobcentres.
    pub dialogue: jobunivers_universe::dialogue::Dialogue,
    /// Per-identity rate limits.
    pub limits: Arc<limits::RateLimits>,
    /// The web pages' sign-ins (the session cookie's tokens).
    pub sessions: jobunivers_store::sessions::Sessions,
    /// The OpenID providers, whose access tokens the API also accepts; `None` without
    /// `--oidc-config`.
    pub signin: Option<Arc<jobunivers_signin::Signin>>,
    /// The municipalities' enrolment lists.
    pub enrolments: jobunivers_store::enrolments::Enrolments,
}

/// A [`Problem`] as an HTTP response: its status, `application/problem+json`. Every
/// error converts into one with `?` (see [`Problem`]'s conversions).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(pub Problem);

impl<E: Into<Problem>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// A handler's result.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.0;
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(&problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = problem.retry_after_s {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        res
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::routes(&state)
        .nest("/api/v1", universe::routes())
        .nest("/api/v1", me::routes())
        .nest("/api/v1", accounts::routes())
        .nest("/api/v1", dialogue::routes())
        .nest("/api/v1", screening::routes())
        .nest("/api/v1", monitor::routes())
        .nest("/api/v1", caseworker::routes())
        .nest("/api/v1", enrolments::routes())
        .nest("/api/v1", outbox::routes())
        .split_for_parts();
    #[cfg(feature = "native-blocks")]
    let api = api.merge(bench::routes());
    let openapi = Arc::new(openapi::document(openapi));
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(api)
        .with_state(state);
    app
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.market.db().ping().await {
        Ok(_) => Json(serde_json::json!({ "status": "ok", "database": state.market.db().backend().to_string() })).into_response(),
        Err(e) => ApiError(Problem::new(503, "database-unavailable", "Service unavailable", format!("the database does not answer: {e}"))).into_response(),
    }
}
