//! The citizen's face: the universe dashboard, a block's own views and its actions
//! (buttons, forms, chat), the inbox, the dialogue with the jobcentre and "my data"
//! (consents, the access log, export and erasure). Every page calls the same library
//! functions as the JSON API, scoped to the signed-in citizen.

use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::blocks;
use super::session::{set_cookie, Ctx, Post, Signed, CSRF_FIELD, SESSION_COOKIE};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::model::Action;
use jobunivers_core::problem::Problem;
use jobunivers_universe::citizen::Citizens;
use jobunivers_universe::dialogue::NewMessage;
use jobunivers_web::Result;

/// Form fields the host adds to a block's forms and buttons (a block's own field names
/// cannot contain a colon).
const ACTION_FIELD: &str = "jbu:action";
const PAYLOAD_FIELD: &str = "jbu:payload";
const VIEW_FIELD: &str = "jbu:view";

/// The longest message to the jobcentre (as the dialogue accepts).
const MAX_MESSAGE_CHARS: usize = 4000;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/universe", get(universe))
        .route("/universe/blocks/{installation}", get(block).post(action))
        .route("/inbox", get(inbox))
        .route("/inbox/{id}/read", post(mark_read))
        .route("/threads", get(threads))
        .route("/threads/{id}", get(thread).post(write))
        .route("/my-data", get(my_data))
        .route("/my-data/consents/{installation}", post(consent))
        .route("/my-data/export", get(export))
        .route("/my-data/erase", get(erase_page).post(erase))
}

fn citizen(ctx: &Ctx) -> Result<Identity> {
    Ok(ctx.require(Role::Citizen).cloned()?)
}

fn citizens(state: &UiState) -> Citizens {
    Citizens::new(state.universe.provider().clone())
}

async fn universe(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = citizen(&ctx)?;
    let page = state.universe.page(&who, ctx.lang).await?;
    let prepared: Vec<_> = page
        .blocks
        .iter()
        .map(|b| blocks::prepare(b, None, 2, ""))
        .collect();
    Ok(ctx.ok(
        "citizen/universe.html",
        context! { municipality => page.municipality, blocks => Serde(prepared), nav => "universe" },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct ViewQuery {
    #[serde(default)]
    view: Option<String>,
}

async fn block(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(installation): Path<i64>,
    Query(q): Query<ViewQuery>,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let view = q.view.unwrap_or_default();
    let b = state
        .universe
        .block_view(&who, installation, ctx.lang, &view, None)
        .await?;
    let prepared = blocks::prepare(&b, None, 1, &view);
    Ok(ctx.ok(
        "citizen/block.html",
        context! { block => Serde(prepared), nav => "universe" },
    ))
}

/// A button, form or chat message sent to a block. The block's answer is the page it
/// shows next, so it is shown at once (a redirect would lose it); a form the block did
/// not accept comes back with 422 and its field errors.
async fn action(
    State(state): State<UiState>,
    Path(installation): Path<i64>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let id = form.get(ACTION_FIELD).unwrap_or("").to_owned();
    if id.is_empty() {
        return Err(Problem::bad_request(
            "missing-action",
            "the form did not say which action to run; go back and use the block's own buttons",
        )
        .into());
    }
    let view = form.get(VIEW_FIELD).unwrap_or("").to_owned();
    let action = Action {
        id,
        payload: form
            .get(PAYLOAD_FIELD)
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        fields: form
            .0
            .iter()
            .filter(|(k, _)| !k.starts_with("jbu:") && k != CSRF_FIELD)
            .cloned()
            .collect(),
    };
    let b = state
        .universe
        .block_view(&who, installation, ctx.lang, &view, Some(&action))
        .await?;
    let status = if blocks::has_errors(&b) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let prepared = blocks::prepare(&b, None, 1, &view);
    Ok(ctx.render(
        status,
        "citizen/block.html",
        context! { block => Serde(prepared), nav => "universe" },
    ))
}

async fn inbox(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = citizen(&ctx)?;
    let notes = citizens(&state).notifications(&who).await?;
    let unread = notes.iter().filter(|n| !n.read).count();
    let notes: Vec<_> = notes
        .into_iter()
        .map(|n| {
            let href = n
                .view
                .as_deref()
                .map(|v| blocks::view_href(n.installation, v));
            context! { n => Serde(n), href => href }
        })
        .collect();
    Ok(ctx.ok(
        "citizen/inbox.html",
        context! { notifications => notes, unread => unread, nav => "inbox" },
    ))
}

async fn mark_read(
    State(state): State<UiState>,
    Path(id): Path<String>,
    Post { ctx, .. }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    citizens(&state).mark_read(&who, &id).await?;
    Ok(ctx
        .flash("success", "flash.marked_read")
        .redirect(&format!("/inbox#note-{id}")))
}

async fn threads(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = citizen(&ctx)?;
    let list = state.dialogue.threads(&who, false).await?;
    Ok(ctx.ok(
        "citizen/threads.html",
        context! { threads => Serde(list), nav => "threads" },
    ))
}

async fn thread_page(
    state: &UiState,
    ctx: Ctx,
    who: &Identity,
    id: i64,
    error: Option<&str>,
    text: &str,
) -> Result<Response> {
    let detail = state.dialogue.thread(who, id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(ctx.render(
        status,
        "citizen/thread.html",
        context! { thread => Serde(detail), error => error, text => text, nav => "threads" },
    ))
}

async fn thread(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(id): Path<i64>,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    thread_page(&state, ctx, &who, id, None, "").await
}

async fn write(
    State(state): State<UiState>,
    Path(id): Path<i64>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let text = form.get("text").unwrap_or("").trim().to_owned();
    let error = if text.is_empty() {
        Some("thread.error.empty")
    } else if text.chars().count() > MAX_MESSAGE_CHARS {
        Some("thread.error.long")
    } else {
        None
    };
    if let Some(key) = error {
        return thread_page(&state, ctx, &who, id, Some(key), &text).await;
    }
    state
        .dialogue
        .write(&who, id, NewMessage { text, close: false })
        .await?;
    Ok(ctx
        .flash("success", "flash.message_sent")
        .redirect(&format!("/threads/{id}")))
}

async fn my_data(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = citizen(&ctx)?;
    let consents = state.universe.consents(&who).await?;
    let log = citizens(&state).access_log(&who).await?;
    Ok(ctx.ok(
        "citizen/my-data.html",
        context! { consents => Serde(consents), access_log => Serde(log), nav => "my-data" },
    ))
}

async fn consent(
    State(state): State<UiState>,
    Path(installation): Path<i64>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = citizen(&ctx)?;
    let capability = form.get("capability").unwrap_or("");
    let allow = form.get("allow") == Some("1");
    state
        .universe
        .set_consent(&who, installation, capability, allow)
        .await?;
    let key = if allow {
        "flash.consent_given"
    } else {
        "flash.consent_withdrawn"
    };
    Ok(ctx
        .flash("success", key)
        .redirect(&format!("/my-data#block-{installation}")))
}

async fn export(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = citizen(&ctx)?;
    let export = citizens(&state).export(&who).await?;
    let body = serde_json::to_vec_pretty(&export).map_err(Problem::internal)?;
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"jobunivers-mine-data.json\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

async fn erase_page(Signed(ctx, _): Signed) -> Result<Response> {
    citizen(&ctx)?;
    Ok(ctx.ok(
        "citizen/erase.html",
        context! { error => false, nav => "my-data" },
    ))
}

async fn erase(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let who = citizen(&ctx)?;
    if form.get("confirm") != Some("yes") {
        return Ok(ctx.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "citizen/erase.html",
            context! { error => true, nav => "my-data" },
        ));
    }
    citizens(&state).erase(&who).await?;
    let mut ctx = ctx.flash("success", "flash.erased");
    ctx.set_cookies
        .push(set_cookie(SESSION_COOKIE, "", Some(0)));
    Ok(ctx.redirect("/login"))
}
