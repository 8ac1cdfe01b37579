//! The citizen's universe over HTTP, and block health for the operator and admins.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_core::model::{Action, Locale};
use jobunivers_core::problem::Problem;
use jobunivers_universe::universe::{BlockConsents, BlockView, Health, UniversePage};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(universe))
        .routes(routes!(block_view))
        .routes(routes!(block_action))
        .routes(routes!(health))
        .routes(routes!(consents))
        .routes(routes!(set_consent))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ViewQuery {
    /// `da` (default) or `en`.
    #[serde(default)]
    #[param(pattern = "^(da|en)$")]
    locale: Option<String>,
    /// The view inside the block ("" is its main view).
    #[serde(default)]
    view: Option<String>,
}

fn locale(text: Option<&str>) -> Result<Locale> {
    match text.unwrap_or("da") {
        "da" => Ok(Locale::Da),
        "en" => Ok(Locale::En),
        other => Err(Problem::bad_request(
            "invalid-locale",
            format!("the locale '{other}' is not supported; use da or en"),
        )
        .at("/locale")
        .into()),
    }
}

/// The signed-in citizen's universe: their municipality's blocks for them, in order.
#[utoipa::path(get, path = "/universe", tag = "universe", params(ViewQuery), security(("bearer" = [])),
    responses((status = 200, body = UniversePage), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn universe(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(q): Query<ViewQuery>,
) -> Result<Json<UniversePage>> {
    let page = state
        .universe
        .page(&who, locale(q.locale.as_deref())?)
        .await?;
    Ok(Json(page))
}

/// One block of the universe, in one of its views.
#[utoipa::path(get, path = "/universe/blocks/{installation}", tag = "universe", params(("installation" = i64, Path), ViewQuery), security(("bearer" = [])),
    responses((status = 200, body = BlockView), (status = 404, body = Problem)))]
async fn block_view(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(installation): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> Result<Json<BlockView>> {
    let view = q.view.unwrap_or_default();
    Ok(Json(
        state
            .universe
            .block_view(
                &who,
                installation,
                locale(q.locale.as_deref())?,
                &view,
                None,
            )
            .await?,
    ))
}

/// A citizen's action in a block: a button, a form, a chat message.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ActionRequest {
    /// The action id the block gave its button or form.
    action: String,
    /// A button's payload.
    #[serde(default)]
    payload: Option<String>,
    /// Form fields as an object; an array value repeats the field.
    #[serde(default)]
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, serde_json::Value>,
    /// The view the action came from.
    #[serde(default)]
    view: Option<String>,
    /// `da` or `en`.
    #[serde(default)]
    #[schema(pattern = "^(da|en)$")]
    locale: Option<String>,
}

/// Send an action to a block; the answer is the page it shows next (with field errors
/// next to the fields when a form was not accepted).
#[utoipa::path(post, path = "/universe/blocks/{installation}/actions", tag = "universe", params(("installation" = i64, Path)), request_body = ActionRequest, security(("bearer" = [])),
    responses((status = 200, body = BlockView), (status = 400, body = Problem), (status = 404, body = Problem)))]
async fn block_action(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(installation): Path<i64>,
    Body(req): Body<ActionRequest>,
) -> Result<Json<BlockView>> {
    let mut fields = Vec::new();
    for (name, value) in req.fields {
        let values = match value {
            serde_json::Value::Array(items) => items,
            other => vec![other],
        };
        for v in values {
            fields.push((
                name.clone(),
                match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                },
            ));
        }
    }
    let action = Action {
        id: req.action,
        payload: req.payload,
        fields,
    };
    let view = req.view.unwrap_or_default();
    Ok(Json(
        state
            .universe
            .block_view(
                &who,
                installation,
                locale(req.locale.as_deref())?,
                &view,
                Some(&action),
            )
            .await?,
    ))
}

/// Calls, failures and breaker state per block version (operator: all; admin: the
/// blocks of their municipality).
#[utoipa::path(get, path = "/health/blocks", tag = "universe", security(("bearer" = [])), responses((status = 200, body = Vec<Health>), (status = 403, body = Problem)))]
async fn health(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<Vec<Health>>> {
    Ok(Json(state.universe.health(&who).await?))
}

/// The personal data each block on the citizen's page asks for, why, and whether they
/// allow it.
#[utoipa::path(get, path = "/me/consents", tag = "universe", security(("bearer" = [])), responses((status = 200, body = Vec<BlockConsents>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn consents(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<BlockConsents>>> {
    Ok(Json(state.universe.consents(&who).await?))
}

/// Allow or withdraw one capability.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ConsentChange {
    /// The capability, e.g. `profile.cv`.
    capability: String,
    /// Allow (true) or withdraw (false).
    allow: bool,
}

/// Allow or withdraw a block's use of one kind of personal data; it takes effect on the
/// block's very next call.
#[utoipa::path(post, path = "/me/consents/{installation}", tag = "universe", params(("installation" = i64, Path)), request_body = ConsentChange, security(("bearer" = [])),
    responses((status = 200, body = BlockConsents), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_consent(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(installation): Path<i64>,
    Body(c): Body<ConsentChange>,
) -> Result<Json<BlockConsents>> {
    Ok(Json(
        state
            .universe
            .set_consent(&who, installation, &c.capability, c.allow)
            .await?,
    ))
}
