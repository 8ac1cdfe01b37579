//! "Dine log ind" (where am I signed in): every signed-in person sees their live
//! sessions (when each started, its last request, the browser, how it was signed in,
//! which one is this) and ends one, or all the others, without JavaScript. The same as
//! `GET` and `DELETE /api/v1/me/sessions`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;

use super::session::{set_cookie, Ctx, Post, SESSION_COOKIE};
use crate::UiState;
use jobunivers_core::problem::Problem;
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/sessions", get(page))
        .route("/sessions/end-others", post(end_others))
        .route("/sessions/{id}/end", post(end_one))
}

async fn page(State(state): State<UiState>, headers: HeaderMap, ctx: Ctx) -> Result<Response> {
    let who = ctx.identity()?.clone();
    let token = jobunivers_web::session::session_token(&headers);
    let sessions = state.sessions.list(&who, token.as_deref()).await?;
    let providers: Vec<(String, String, String)> = ctx
        .ui
        .signin
        .as_ref()
        .map(|s| {
            s.buttons()
                .into_iter()
                .map(|b| (b.name, b.display_da, b.display_en))
                .collect()
        })
        .unwrap_or_default();
    let others = sessions.iter().filter(|s| !s.current).count();
    Ok(ctx.ok(
        "sessions.html",
        context! { sessions => Serde(&sessions), providers => Serde(&providers), others => others },
    ))
}

/// End one session; ending this browser's own is signing out.
async fn end_one(
    State(state): State<UiState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Post { ctx, .. }: Post,
) -> Result<Response> {
    let who = ctx.identity()?.clone();
    let token = jobunivers_web::session::session_token(&headers);
    let mine = state.sessions.list(&who, token.as_deref()).await?;
    let current = mine.iter().any(|s| s.current && s.id == id);
    if !state.sessions.end_one(&who, &id).await? {
        return Err(Problem::not_found(
            "unknown-session",
            "you have no live session with that id; it may have ended already",
        )
        .into());
    }
    if current {
        let mut ctx = ctx.flash("info", "flash.signed_out");
        ctx.set_cookies
            .push(set_cookie(SESSION_COOKIE, "", Some(0)));
        return Ok(ctx.redirect("/login"));
    }
    Ok(ctx
        .flash("success", "sessions.ended_one")
        .redirect("/sessions"))
}

/// End every session but this browser's.
async fn end_others(
    State(state): State<UiState>,
    headers: HeaderMap,
    Post { ctx, .. }: Post,
) -> Result<Response> {
    let who = ctx.identity()?.clone();
    let token = jobunivers_web::session::session_token(&headers);
    state.sessions.end_all(&who, token.as_deref()).await?;
    Ok(ctx
        .flash("success", "sessions.ended_others")
        .redirect("/sessions"))
}
