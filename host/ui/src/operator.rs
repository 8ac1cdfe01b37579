//! The operator's face: vendors waiting for approval (approve, or reject with a reason),
//! the review queue (manifest, capabilities, size, contract version and the capability
//! diff from the previous version) with approve / reject, and each block's versions with
//! suspend / lift (the kill switch); the outbox's dead letters with a retry each.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::session::{Ctx, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::Problem;
use jobunivers_market::{CatalogQuery, Decision};
use jobunivers_web::Result;

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/review", get(home))
        .route("/review/vendors/{namespace}/{action}", post(decide_vendor))
        .route("/review/blocks", get(blocks))
        .route("/review/blocks/{block}", get(block))
        .route(
            "/review/blocks/{block}/versions/{version}/{action}",
            post(decide),
        )
        .route("/review/outbox", get(outbox))
        .route("/review/outbox/{id}/retry", post(retry))
}

/// The dead letters: what could not be sent after every attempt, with a retry button
/// each. Never a recipient, subject or body (the citizen's personal data).
async fn outbox(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    let who = operator(&ctx)?;
    let dead = jobunivers_store::outbox::dead_letters(state.market.db(), &who).await?;
    Ok(ctx.ok(
        "operator/outbox.html",
        context! { dead => Serde(dead), nav => "outbox" },
    ))
}

async fn retry(
    State(state): State<UiState>,
    Path(id): Path<i64>,
    Post { ctx, form: _ }: Post,
) -> Result<Response> {
    let who = operator(&ctx)?;
    jobunivers_store::outbox::retry(
        state.market.db(),
        &who,
        id,
        jobunivers_core::clock::now_ms(),
    )
    .await?;
    Ok(ctx
        .flash("success", "operator.flash.outbox_retry")
        .redirect("/review/outbox"))
}

fn operator(ctx: &Ctx) -> Result<Identity> {
    Ok(ctx.require(Role::Operator).cloned()?)
}

async fn queue(
    state: &UiState,
    ctx: Ctx,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response> {
    let who = operator(&ctx)?;
    let vendors = state.market.vendors(&who, Some("pending")).await?;
    let items = state.market.review_queue(&who).await?;
    let items: Vec<_> = items
        .into_iter()
        .map(|i| {
            let manifest = serde_json::to_string_pretty(&i.manifest).unwrap_or_default();
            context! { item => Serde(i), manifest_text => manifest }
        })
        .collect();
    Ok(ctx.render(
        status,
        "operator/home.html",
        context! { vendors => Serde(vendors), items => items, nav => "review", ..extra },
    ))
}

async fn home(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    queue(&state, ctx, StatusCode::OK, context! {}).await
}

fn refusal(p: &Problem, target: &str) -> minijinja::Value {
    context! { target => target, detail => p.detail.clone(), title => p.title.clone() }
}

async fn decide_vendor(
    State(state): State<UiState>,
    Path((ns, action)): Path<(String, String)>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = operator(&ctx)?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        other => {
            return Err(Problem::not_found(
                "unknown-action",
                format!("'{other}' is not an action; use approve or reject"),
            )
            .into())
        }
    };
    let reason = form.get("reason").map(str::trim).filter(|r| !r.is_empty());
    match state.market.decide_vendor(&who, &ns, approve, reason).await {
        Ok(_) => Ok(ctx
            .flash(
                "success",
                if approve {
                    "operator.flash.vendor_approved"
                } else {
                    "operator.flash.vendor_rejected"
                },
            )
            .redirect("/review")),
        Err(p) if p.status == 422 || p.status == 409 => {
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            queue(
                &state,
                ctx,
                status,
                context! { refused => refusal(&p, &format!("vendor-{ns}")) },
            )
            .await
        }
        Err(p) => Err(p.into()),
    }
}

fn decision(action: &str) -> Result<Decision> {
    Ok(match action {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        "suspend" => Decision::Suspend,
        "lift" => Decision::Lift,
        other => {
            return Err(Problem::not_found(
                "unknown-action",
                format!("'{other}' is not an action; use approve, reject, suspend or lift"),
            )
            .into())
        }
    })
}

async fn decide(
    State(state): State<UiState>,
    Path((block_id, version, action)): Path<(String, String, String)>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let who = operator(&ctx)?;
    let d = decision(&action)?;
    let reason = form.get("reason").map(str::trim).filter(|r| !r.is_empty());
    let back = form.get("back").filter(|b| *b == "block");
    match state
        .market
        .decide(&who, &block_id, &version, d, reason)
        .await
    {
        Ok(_) => {
            let to = if back.is_some() {
                format!("/review/blocks/{block_id}")
            } else {
                "/review".to_owned()
            };
            Ok(ctx
                .flash("success", &format!("operator.flash.{action}"))
                .redirect(&to))
        }
        Err(p) if p.status == 422 || p.status == 409 => {
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let refused = refusal(&p, &format!("{block_id}@{version}"));
            if back.is_some() {
                block_page(
                    &state,
                    ctx,
                    &block_id,
                    status,
                    context! { refused => refused },
                )
                .await
            } else {
                queue(&state, ctx, status, context! { refused => refused }).await
            }
        }
        Err(p) => Err(p.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
struct Search {
    #[serde(default)]
    q: Option<String>,
}

/// Approved blocks, to find one to suspend.
async fn blocks(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Query(s): Query<Search>,
) -> Result<Response> {
    operator(&ctx)?;
    let q = s.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let page = state
        .market
        .catalog(&CatalogQuery {
            q: q.clone(),
            limit: Some(100),
            ..Default::default()
        })
        .await?;
    Ok(ctx.ok(
        "operator/blocks.html",
        context! { q => q, blocks => Serde(page.blocks), total => page.total, nav => "blocks" },
    ))
}

async fn block_page(
    state: &UiState,
    ctx: Ctx,
    block_id: &str,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response> {
    let who = operator(&ctx)?;
    let mut versions = state.market.versions(Some(&who), block_id).await?;
    versions.sort_by(|a, b| {
        semver::Version::parse(&b.version)
            .ok()
            .cmp(&semver::Version::parse(&a.version).ok())
    });
    Ok(ctx.render(
        status,
        "operator/block.html",
        context! { block => block_id, versions => Serde(versions), nav => "blocks", ..extra },
    ))
}

async fn block(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Path(b): Path<String>,
) -> Result<Response> {
    block_page(&state, ctx, &b, StatusCode::OK, context! {}).await
}
