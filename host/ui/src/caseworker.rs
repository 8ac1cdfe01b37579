//! The caseworker's face: the escalation inbox (threads of their own municipality
//! waiting for the jobcentre: chat handovers with their transcript, booking requests),
//! a thread with answer and close, and a citizen's overview (activities, job log,
//! consents). Monitoring flags and screening decisions get their own entries in the
//! navigation when they exist.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::session::{Ctx, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_universe::citizen::Citizens;
use jobunivers_universe::dialogue::NewMessage;
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/caseworker", get(inbox))
        .route("/caseworker/threads/{id}", get(thread).post(answer))
        .route("/caseworker/citizens/{citizen}", get(overview))
}

fn caseworker(ctx: &Ctx) -> Result<Identity> {
    Ok(ctx.require(Role::Caseworker).cloned()?)
}

#[derive(Debug, Default, Deserialize)]
struct Filter {
    #[serde(default)]
    all: Option<String>,
}

async fn inbox(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Query(f): Query<Filter>,
) -> Result<Response> {
    let who = caseworker(&ctx)?;
    let all = f.all.is_some();
    let threads = state.dialogue.threads(&who, !all).await?;
    Ok(ctx.ok(
        "caseworker/inbox.html",
        context! { threads => Serde(threads), all => all, nav => "inbox" },
    ))
}

async fn show(
    state: &UiState,
    ctx: Ctx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    text: &str,
) -> Result<Response> {
    let who = caseworker(&ctx)?;
    let t = state.dialogue.thread(&who, id).await?;
    let request = serde_json::to_string_pretty(&t.request).unwrap_or_default();
    Ok(ctx.render(
        status,
        "caseworker/thread.html",
        context! { thread => Serde(t), request => request, error => error, text => text, nav => "inbox" },
    ))
}

async fn thread(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(id): Path<i64>,
) -> Result<Response> {
    show(&state, ctx, id, StatusCode::OK, None, "").await
}

async fn answer(
    State(state): State<UiState>,
    Path(id): Path<i64>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = caseworker(&ctx)?;
    let text = form.get("text").unwrap_or("").to_owned();
    let close = form.get("close") == Some("yes");
    match state
        .dialogue
        .write(
            &who,
            id,
            NewMessage {
                text: text.clone(),
                close,
            },
        )
        .await
    {
        Ok(_) => {
            let key = if close {
                "caseworker.flash.closed"
            } else {
                "caseworker.flash.answered"
            };
            Ok(ctx
                .flash("success", key)
                .redirect(&format!("/caseworker/threads/{id}")))
        }
        Err(p) if p.status == 422 => {
            show(
                &state,
                ctx,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(p.detail.clone()),
                &text,
            )
            .await
        }
        Err(p) => Err(p.into()),
    }
}

async fn overview(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(citizen): Path<String>,
) -> Result<Response> {
    let who = caseworker(&ctx)?;
    let o = Citizens::new(state.universe.provider().clone())
        .overview(&who, &citizen)
        .await?;
    let threads: Vec<_> = state
        .dialogue
        .threads(&who, false)
        .await?
        .into_iter()
        .filter(|t| t.citizen == o.citizen.id)
        .collect();
    Ok(ctx.ok(
        "caseworker/citizen.html",
        context! { overview => Serde(o), threads => Serde(threads), nav => "inbox" },
    ))
}
