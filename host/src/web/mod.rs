//! The HTTP face of the host: the JSON API under `/api/v1` (axum), its OpenAPI
//! document, `/healthz`, and the development login. Only this module knows HTTP: it
//! authenticates the caller, calls the marketplace and turns its answers and
//! [`Problem`]s into responses.

mod api;
#[cfg(feature = "native-blocks")]
mod bench;
mod caseworker;
mod dialogue;
mod extract;
mod me;
mod monitor;
mod screening;
mod universe;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

use crate::auth::{AuthConfig, Role};
use crate::market::Market;
use crate::problem::Problem;

pub use extract::{Caller, MaybeCaller};

/// A user the development login can sign in as.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DevUser {
    /// The name to sign in with, e.g. `admin-0101`.
    pub user: String,
    /// Role.
    pub role: Role,
    /// Tenant (vendor namespace or municipality code).
    pub tenant: Option<String>,
    /// What this user is, in words.
    pub description: String,
}

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
    pub universe: Arc<crate::universe::Universe>,
    /// The dialogue between citizens and jobcentres.
    pub dialogue: crate::dialogue::Dialogue,
    /// The web UI's templates and keys.
    pub ui: Arc<crate::ui::Ui>,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(&self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        res
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::routes(&state)
        .nest("/api/v1", universe::routes())
        .nest("/api/v1", me::routes())
        .nest("/api/v1", dialogue::routes())
        .nest("/api/v1", screening::routes())
        .nest("/api/v1", monitor::routes())
        .nest("/api/v1", caseworker::routes())
        .split_for_parts();
    #[cfg(feature = "native-blocks")]
    let api = api.merge(bench::routes());
    let openapi = Arc::new(openapi);
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
        .merge(crate::ui::routes(&state))
        .fallback(
            |axum::extract::State(state): axum::extract::State<AppState>,
             uri: axum::http::Uri,
             headers: axum::http::HeaderMap| async move {
                crate::ui::not_found(&state, &uri, &headers)
            },
        )
        .with_state(state);
    crate::ui::secure(app).layer(tower_http::trace::TraceLayer::new_for_http())
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(state.market.db().pool()).await {
        Ok(_) => Json(serde_json::json!({ "status": "ok", "database": state.market.db().backend().to_string() })).into_response(),
        Err(e) => Problem::new(503, "database-unavailable", "Service unavailable", format!("the database does not answer: {e}")).into_response(),
    }
}

/// Serve on `listener` until the process ends.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
