//! The signed-in citizen's own data over HTTP: the export of everything held about them,
//! erasure, the log of who read their personal data, and their inbox (listed, marked
//! read, and streamed live as server-sent events). The work is done by
//! [`jobunivers_universe::citizen::Citizens`]; every route is for the caller's own data only.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::{Stream, StreamExt};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Body, Caller, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_core::problem::Problem;
use jobunivers_universe::citizen::{AccessEntry, Citizens, Export, InboxNotification};
use jobunivers_universe::profile::{MyProfile, Occupation, ProfileUpdate};

/// How often an open stream sends a comment when there is nothing to say, so proxies
/// and browsers do not close a quiet connection.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
        .routes(routes!(access_log))
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(notification_stream))
        .routes(routes!(profile, change_profile))
        .routes(routes!(occupations))
}

fn citizens(state: &AppState) -> Citizens {
    Citizens::new(state.universe.provider().clone())
}

/// Everything the platform holds about the signed-in citizen, as one JSON document:
/// registration, profile, activities, inbox, threads with the jobcentre, consents, what
/// each block stores (text as is, other bytes as base64) and who read their data.
#[utoipa::path(get, path = "/me/export", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Export), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn export(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<Export>> {
    Ok(Json(citizens(&state).export(&who).await?))
}

/// Erase everything about the signed-in citizen, all at once. Afterwards their token
/// finds no citizen (404).
#[utoipa::path(delete, path = "/me", tag = "me", security(("bearer" = [])),
    responses((status = 204, description = "Everything about the citizen is erased"), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn erase(State(state): State<AppState>, Caller(who): Caller) -> Result<StatusCode> {
    citizens(&state).erase(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who read the signed-in citizen's personal data, what and why, newest first.
#[utoipa::path(get, path = "/me/access-log", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Vec<AccessEntry>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn access_log(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<AccessEntry>>> {
    Ok(Json(citizens(&state).access_log(&who).await?))
}

/// The signed-in citizen's inbox, newest first, each message with its read state.
#[utoipa::path(get, path = "/me/notifications", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Vec<InboxNotification>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn notifications(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Vec<InboxNotification>>> {
    Ok(Json(citizens(&state).notifications(&who).await?))
}

/// Mark a message of the signed-in citizen's inbox read; the answer is the message.
#[utoipa::path(post, path = "/me/notifications/{id}/read", tag = "me", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = InboxNotification), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn mark_read(
    State(state): State<AppState>,
    Caller(who): Caller,
    // Text, not a number: an id that is not one is "not found" as a problem, rather than
    // axum's plain-text rejection.
    Path(id): Path<String>,
) -> Result<Json<InboxNotification>> {
    Ok(Json(citizens(&state).mark_read(&who, &id).await?))
}

/// The signed-in citizen's messages as server-sent events: first the unread ones (oldest
/// first), then each new one as it arrives; each is an event `notification` with the
/// message's id and the message as JSON data. A comment every 15 s keeps the connection
/// open.
#[utoipa::path(get, path = "/me/notifications/stream", tag = "me", security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = String, description = "`event: notification`, `id: <id>`, `data: <InboxNotification as JSON>`"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 429, body = Problem, description = "Too many live streams open for this citizen (`too-many-streams`)")))]
async fn notification_stream(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, axum::Error>>>> {
    let inbox = citizens(&state).notification_stream(&who).await?;
    let events = inbox.map(|n| {
        Event::default()
            .event("notification")
            .id(n.id.to_string())
            .json_data(&n)
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")))
}

/// The signed-in citizen's profile as they keep it: job wishes, education, CV text,
/// where and from when they can work, and how they want to be reached.
#[utoipa::path(get, path = "/me/profile", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = MyProfile), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn profile(State(state): State<AppState>, Caller(who): Caller) -> Result<Json<MyProfile>> {
    Ok(Json(citizens(&state).profile(&who).await?))
}

/// Change parts of the signed-in citizen's profile: each part present replaces that
/// part. Checked field by field; with any problem nothing is written (422
/// `profile-invalid`, each problem in `errors` with a JSON pointer to its field). A
/// change is recorded (who, when, which parts) and announced to the municipality's
/// blocks as a `profile-changed` event.
#[utoipa::path(patch, path = "/me/profile", tag = "me", request_body = ProfileUpdate, security(("bearer" = [])),
    responses((status = 200, body = MyProfile), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn change_profile(
    State(state): State<AppState>,
    Caller(who): Caller,
    Body(update): Body<ProfileUpdate>,
) -> Result<Json<MyProfile>> {
    Ok(Json(citizens(&state).update_profile(&who, update).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct OccupationQuery {
    /// Words of the occupation's Danish or English label, e.g. `sosu` or `lager`.
    #[param(max_length = 200)]
    q: String,
}

/// ESCO occupations whose label contains every word of `q`, the best 20 first, with
/// their Danish label: what a citizen picks their job wishes from.
#[utoipa::path(get, path = "/me/profile/occupations", tag = "me", params(OccupationQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Occupation>), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn occupations(
    State(state): State<AppState>,
    Caller(who): Caller,
    Query(query): Query<OccupationQuery>,
) -> Result<Json<Vec<Occupation>>> {
    Ok(Json(citizens(&state).occupations(&who, &query.q).await?))
}
