//! The admin's "Tilmeldte borgere" (enrolled citizens): the municipality's enrolment
//! list (how many, and a page of entries: the first digits of each CPR number's keyed
//! hash, the note, who added it and when), a CSV upload (a multipart form with a file
//! input, so it works without JavaScript) whose bad lines are listed in an error
//! summary, and a form to remove one citizen by CPR number. The admin's own
//! municipality only (the library checks it again).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::multipart;
use super::session::{Ctx, Post, Signed};
use crate::UiState;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::Problem;
use jobunivers_web::Result;

/// Entries per page.
const PAGE: i64 = 50;
/// The largest upload form: the file's limit and room for the form around it.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024 + 64 * 1024;

/// The line problems the page words itself (`enrolments.error.<code>` in the texts);
/// any other is shown as the server wrote it.
const WORDED: &[&str] = &[
    "cpr-missing",
    "cpr-hyphen",
    "cpr-characters",
    "cpr-length",
    "cpr-date",
    "cpr-duplicate",
    "cpr-elsewhere",
    "note-long",
    "note-control",
    "note-cpr",
    "file-utf8",
    "file-csv",
    "file-empty",
    "file-header",
    "file-fields",
];

pub(super) fn routes() -> Router<UiState> {
    Router::new()
        .route("/admin/enrolments", get(page))
        .route(
            "/admin/enrolments/upload",
            post(upload).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/admin/enrolments/remove", post(remove))
}

fn admin(ctx: &Ctx) -> Result<(Identity, String)> {
    let who = ctx.require(Role::Admin)?.clone();
    let code = who.tenant_str().to_owned();
    who.require_admin_of(&code)?;
    Ok((who, code))
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    offset: Option<i64>,
    /// After an upload (Post/Redirect/Get): what it did.
    #[serde(default)]
    added: Option<u64>,
    #[serde(default)]
    unchanged: Option<u64>,
}

async fn page(
    State(state): State<UiState>,
    Signed(ctx, _): Signed,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let done = q
        .added
        .zip(q.unchanged)
        .map(|(added, unchanged)| context! { added => added, unchanged => unchanged });
    let offset = q.offset.unwrap_or(0).max(0);
    render(
        &state,
        ctx,
        StatusCode::OK,
        offset,
        context! { done => done },
    )
    .await
}

/// The page with `extra` in its context.
async fn render(
    state: &UiState,
    ctx: Ctx,
    status: StatusCode,
    offset: i64,
    extra: minijinja::Value,
) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let list = state.enrolments.list(&who, &code, PAGE, offset).await?;
    let link = |offset: i64| format!("/admin/enrolments?offset={offset}");
    let next = (offset + PAGE < list.total).then(|| link(offset + PAGE));
    let previous = (offset > 0).then(|| link((offset - PAGE).max(0)));
    Ok(ctx.render(
        status,
        "admin/enrolments.html",
        context! {
            code => code,
            list => Serde(list),
            next => next,
            previous => previous,
            nav => "enrolments",
            ..extra
        },
    ))
}

/// An upload's problem as the page shows it: a summary of every bad line, or one
/// message for the whole file.
fn upload_errors(p: &Problem) -> minijinja::Value {
    let lines: Vec<_> = p
        .errors
        .iter()
        .map(|e| {
            let key = e
                .code
                .as_deref()
                .filter(|c| WORDED.contains(c))
                .map(|c| format!("enrolments.error.{c}"));
            let field = match e.field.as_deref() {
                Some(f @ ("cpr" | "note" | "file")) => Some(format!("enrolments.field.{f}")),
                _ => None,
            };
            context! { line => e.line, field => field, key => key, detail => e.detail.clone() }
        })
        .collect();
    let message = match (p.status, p.slug()) {
        (_, "enrolments-invalid") => None,
        (413, _) => Some("enrolments.error.too_large"),
        (_, "enrolments-empty") => Some("enrolments.error.no_citizens"),
        (409, _) => Some("enrolments.error.busy"),
        _ => Some("enrolments.error.other"),
    };
    context! { lines => lines, message => message }
}

/// A CSV file from the upload form (multipart, with the CSRF token as a field).
async fn upload(
    State(state): State<UiState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response> {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            // Too large to read the CSRF token: nothing is written either way.
            admin(&ctx)?;
            let p = Problem::too_large("the file is too large");
            let extra = context! { upload => upload_errors(&p) };
            return render(&state, ctx, StatusCode::PAYLOAD_TOO_LARGE, 0, extra).await;
        }
        Err(e) => return Err(Problem::bad_request("body-unreadable", e.body_text()).into()),
    };
    let parts = multipart::checked_parts(&ctx, &headers, &body)?;
    let (who, code) = admin(&ctx)?;
    let file = parts
        .into_iter()
        .find(|(n, _)| n == "file")
        .map(|(_, v)| v)
        .unwrap_or_default();
    if file.is_empty() {
        let extra = context! { upload => context! { lines => Vec::<()>::new(), message => "enrolments.error.no_file" } };
        return render(&state, ctx, StatusCode::UNPROCESSABLE_ENTITY, 0, extra).await;
    }
    match state.enrolments.add_csv(&who, &code, &file).await {
        Ok(done) => Ok(ctx.redirect(&format!(
            "/admin/enrolments?added={}&unchanged={}",
            done.added, done.unchanged
        ))),
        Err(p) if matches!(p.status, 409 | 413 | 422) => {
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let extra = context! { upload => upload_errors(&p) };
            render(&state, ctx, status, 0, extra).await
        }
        Err(p) => Err(p.into()),
    }
}

/// Remove one citizen, by the CPR number typed in.
async fn remove(State(state): State<UiState>, Post { ctx, form }: Post) -> Result<Response> {
    let (who, code) = admin(&ctx)?;
    let cpr = form.get("cpr").unwrap_or("");
    match state.enrolments.remove(&who, &code, cpr).await {
        Ok(()) => Ok(ctx
            .flash("success", "enrolments.flash.removed")
            .redirect("/admin/enrolments")),
        Err(p) if matches!(p.status, 404 | 422) => {
            let key = if p.status == 404 {
                "enrolments.remove.not_found"
            } else {
                "enrolments.remove.invalid"
            };
            let extra = context! { remove_error => key };
            render(
                &state,
                ctx,
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
                0,
                extra,
            )
            .await
        }
        Err(p) => Err(p.into()),
    }
}
