//! The vendor portal: registering the namespace, signing keys, API tokens (the secret
//! shown once), the blocks with every version's review status and reasons, the upload
//! of a signed package (a multipart form, the pipeline's problem shown plainly), usage
//! and failure statistics, yanking and deprecating. Every page acts for the signed-in
//! vendor's own namespace only.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;

use super::multipart;
use super::session::{Ctx, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role, TokenScope};
use jobunivers_core::problem::Problem;
use jobunivers_market::{NewToken, VendorRegistration};
use jobunivers_web::Result;

pub(super) fn routes(state: &UiState) -> Router<UiState> {
    let limit = state.market.config().max_package_bytes;
    Router::new()
        .route("/vendor", get(home))
        .route("/vendor/register", post(register))
        .route("/vendor/keys", post(add_key))
        .route("/vendor/keys/{key}/revoke", post(revoke_key))
        .route("/vendor/tokens", post(create_token))
        .route("/vendor/tokens/{id}/revoke", post(revoke_token))
        .route("/vendor/blocks/{block}/deprecate", post(deprecate))
        .route(
            "/vendor/blocks/{block}/versions/{version}/{action}",
            post(yank),
        )
        .route(
            "/vendor/upload",
            post(upload).layer(DefaultBodyLimit::max(limit + 64 * 1024)),
        )
}

fn vendor(ctx: &Ctx) -> Result<(Identity, String)> {
    let who = ctx.require(Role::Vendor)?.clone();
    let ns = who.tenant_str().to_owned();
    Ok((who, ns))
}

/// The portal's one page; `extra` carries a form's errors, a new token's secret or an
/// upload's problem.
async fn page(
    state: &UiState,
    ctx: Ctx,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    let registered = match state.market.vendor(&who, &ns).await {
        Ok(v) => Some(v),
        Err(p) if p.status == 404 => None,
        Err(p) => return Err(p.into()),
    };
    let Some(v) = registered else {
        return Ok(ctx.render(
            status,
            "vendor/register.html",
            context! { namespace => ns, ..extra },
        ));
    };
    let approved = v.status == "approved";
    let keys = state.market.keys(&who, &ns).await?;
    let tokens = state.market.tokens(&who, &ns).await?;
    let blocks = state.market.vendor_blocks(&who, &ns).await?;
    let health = state.universe.vendor_health(&who, &ns)?;
    Ok(ctx.render(
        status,
        "vendor/home.html",
        context! {
            vendor => Serde(v), approved => approved,
            keys => Serde(keys), tokens => Serde(tokens),
            blocks => Serde(blocks), health => Serde(health),
            ..extra
        },
    ))
}

async fn home(State(state): State<UiState>, Signed(ctx, _): Signed) -> Result<Response> {
    page(&state, ctx, StatusCode::OK, context! {}).await
}

/// A refused form comes back on the page with the problem; anything else is an error
/// page.
async fn refused(state: &UiState, ctx: Ctx, form: &str, p: Problem) -> Result<Response> {
    if !matches!(p.status, 400 | 409 | 413 | 422) {
        return Err(p.into());
    }
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    let problem = context! {
        form => form, title => p.title.clone(), detail => p.detail.clone(),
        pointer => p.pointer.clone(), slug => p.slug().to_owned(),
        errors => p.errors.iter().map(|e| context! { pointer => e.place(), detail => e.detail.clone() }).collect::<Vec<_>>(),
    };
    page(state, ctx, status, context! { problem => problem }).await
}

async fn register(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    let reg = VendorRegistration {
        namespace: ns,
        name: form.get("name").unwrap_or("").trim().to_owned(),
        contact_email: form.get("contact_email").unwrap_or("").trim().to_owned(),
    };
    match state.market.register_vendor(Some(&who), reg).await {
        Ok(_) => Ok(ctx
            .flash("success", "vendor.flash.registered")
            .redirect("/vendor")),
        Err(p) => refused(&state, ctx, "register", p).await,
    }
}

async fn add_key(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    let label = form.get("label").unwrap_or("").trim().to_owned();
    let key = form.get("public_key").unwrap_or("").trim().to_owned();
    match state.market.add_key(&who, &ns, &label, &key).await {
        Ok(_) => Ok(ctx
            .flash("success", "vendor.flash.key_added")
            .redirect("/vendor#keys")),
        Err(p) => refused(&state, ctx, "key", p).await,
    }
}

async fn revoke_key(
    State(state): State<UiState>,
    Path(key): Path<String>,
    Post { ctx, .. }: Post,
) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    state.market.revoke_key(&who, &ns, &key).await?;
    Ok(ctx
        .flash("success", "vendor.flash.key_revoked")
        .redirect("/vendor#keys"))
}

async fn create_token(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    let scopes: Vec<TokenScope> = form
        .0
        .iter()
        .filter(|(k, _)| k == "scope")
        .filter_map(|(_, v)| match v.as_str() {
            "publish" => Some(TokenScope::Publish),
            "yank" => Some(TokenScope::Yank),
            _ => None,
        })
        .collect();
    let days = match form.get("days").map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match d.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                let p = Problem::invalid(
                    "invalid-expiry",
                    "give the number of days as a whole number from 1 to 365",
                )
                .at("/expires_in_days");
                return refused(&state, ctx, "token", p).await;
            }
        },
    };
    let req = NewToken {
        label: form.get("label").unwrap_or("").trim().to_owned(),
        scopes,
        expires_in_days: days,
    };
    match state.market.create_token(&who, &ns, req).await {
        // The secret is shown on this response only (never stored, never redirected).
        Ok(t) => {
            page(
                &state,
                ctx,
                StatusCode::CREATED,
                context! { new_token => Serde(t) },
            )
            .await
        }
        Err(p) => refused(&state, ctx, "token", p).await,
    }
}

async fn revoke_token(
    State(state): State<UiState>,
    Path(id): Path<i64>,
    Post { ctx, .. }: Post,
) -> Result<Response> {
    let (who, ns) = vendor(&ctx)?;
    state.market.revoke_token(&who, &ns, id).await?;
    Ok(ctx
        .flash("success", "vendor.flash.token_revoked")
        .redirect("/vendor#tokens"))
}

async fn deprecate(
    State(state): State<UiState>,
    Path(block): Path<String>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let (who, _) = vendor(&ctx)?;
    let message = form.get("message").map(str::trim).filter(|m| !m.is_empty());
    let replacement = form
        .get("replacement")
        .map(str::trim)
        .filter(|m| !m.is_empty());
    match state
        .market
        .deprecate(&who, &block, message, replacement)
        .await
    {
        Ok(()) => Ok(ctx
            .flash(
                "success",
                if message.is_some() {
                    "vendor.flash.deprecated"
                } else {
                    "vendor.flash.undeprecated"
                },
            )
            .redirect("/vendor#blocks")),
        Err(p) => refused(&state, ctx, "deprecate", p).await,
    }
}

async fn yank(
    State(state): State<UiState>,
    Path((block, version, action)): Path<(String, String, String)>,
    Post { ctx, form }: Post,
) -> Result<Response> {
    let (who, _) = vendor(&ctx)?;
    let yank = match action.as_str() {
        "yank" => true,
        "unyank" => false,
        other => {
            return Err(Problem::not_found(
                "unknown-action",
                format!("'{other}' is not an action; use yank or unyank"),
            )
            .into())
        }
    };
    let reason = form.get("reason").map(str::trim).filter(|r| !r.is_empty());
    match state
        .market
        .yank(&who, &block, &version, yank, reason)
        .await
    {
        Ok(_) => Ok(ctx
            .flash(
                "success",
                if yank {
                    "vendor.flash.yanked"
                } else {
                    "vendor.flash.unyanked"
                },
            )
            .redirect("/vendor#blocks")),
        Err(p) => refused(&state, ctx, "yank", p).await,
    }
}

/// A signed package from the upload form (multipart, with the CSRF token as a field).
async fn upload(
    State(state): State<UiState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    let limit = state.market.config().max_package_bytes;
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let p = Problem::too_large(format!(
                "the package is larger than the limit of {limit} bytes"
            ))
            .at("/package");
            return refused(&state, ctx, "upload", p).await;
        }
        Err(e) => return Err(Problem::bad_request("body-unreadable", e.body_text()).into()),
    };
    let parts = multipart::checked_parts(&ctx, &headers, &body)?;
    vendor(&ctx)?;
    let who = ctx.identity()?.clone();
    let package = parts
        .into_iter()
        .find(|(n, _)| n == "package")
        .map(|(_, v)| v)
        .unwrap_or_default();
    if package.is_empty() {
        let p = Problem::invalid(
            "missing-package",
            "choose the package file (made with `jobunivers package`) and send the form again",
        )
        .at("/package");
        return refused(&state, ctx, "upload", p).await;
    }
    match state.market.publish(&who, &package).await {
        Ok(v) => {
            page(
                &state,
                ctx,
                StatusCode::CREATED,
                context! { published => Serde(v) },
            )
            .await
        }
        Err(p) => refused(&state, ctx, "upload", p).await,
    }
}
