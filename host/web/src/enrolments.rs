//! A municipality's enrolment list over HTTP (its admin only): upload citizens by CPR
//! number as JSON or CSV, all or none; read the list (never a CPR number, only the
//! first digits of each one's keyed hash); remove one, by a CPR number sent in the body
//! (never in the address, which lands in logs).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{parse, Body, Caller, Path, Query};
use super::AppState;
use crate::Result;
use jobunivers_core::problem::Problem;
use jobunivers_store::enrolments::upload::{self, MAX_UPLOAD_BYTES};
use jobunivers_store::enrolments::{Added, EnrolmentList};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add, remove))
        // The upload reads its body itself, so one over the limit gets a problem that
        // says so.
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// The citizens to enrol, as JSON. (The pattern is the shape of a CPR number; the
/// host also checks that its first six digits are a date.)
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Upload {
    /// At most 20,000.
    citizens: Vec<UploadCitizen>,
}

/// One citizen to enrol.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UploadCitizen {
    /// The CPR number, `DDMMYY-SSSS` or `DDMMYYSSSS`.
    #[schema(example = "010190-1234", pattern = r"^\s*[0-9]{6}-?[0-9]{4}\s*$")]
    cpr: String,
    /// A short reference from the case system (at most 200 characters, no CPR number).
    #[serde(default)]
    note: Option<String>,
}

/// The citizen to remove from the list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Removal {
    /// The CPR number, `DDMMYY-SSSS` or `DDMMYYSSSS`.
    #[schema(example = "010190-1234", pattern = r"^\s*[0-9]{6}-?[0-9]{4}\s*$")]
    cpr: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// Entries per page, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// How many entries to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<i64>,
}

/// The municipality's enrolment list, newest first (its admin).
#[utoipa::path(get, path = "/municipalities/{code}/enrolments", tag = "enrolments", params(("code" = String, Path), Page), security(("bearer" = [])),
    responses((status = 200, body = EnrolmentList), (status = 403, body = Problem)))]
async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<EnrolmentList>> {
    let list = state
        .enrolments
        .list(
            &who,
            &code,
            page.limit.unwrap_or(100),
            page.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(list))
}

/// Enrol citizens by CPR number (the municipality's admin), all or none: JSON
/// (`{"citizens": [{"cpr": "...", "note": "..."}]}`) or CSV (the header `cpr,note` or
/// `cpr`, then one citizen a line; `,` or `;`; UTF-8, with or without a byte order
/// mark). A CPR number the municipality has enrolled already is counted as unchanged;
/// one enrolled by another municipality, a number that is not a CPR number, a note
/// with a CPR number in it and a number that comes twice refuse the upload with every
/// bad line listed (`errors`: `line` and `field` for CSV, `pointer` for JSON). At most
/// 2 MiB and 20,000 citizens.
#[utoipa::path(post, path = "/municipalities/{code}/enrolments", tag = "enrolments", params(("code" = String, Path)),
    request_body(content((Upload = "application/json"), (String = "text/csv"))), security(("bearer" = [])),
    responses((status = 200, body = Added), (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn add(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Added>> {
    // Who may upload is settled before the upload is looked at.
    who.require_admin_of(&code)?;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::too_large(format!(
                "an upload is at most {} MiB; split the file and send the parts one after the other",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ))
        } else {
            Problem::bad_request("body-unreadable", e.body_text())
        }
    })?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let entries = match media.as_str() {
        "application/json" => {
            let up: Upload = parse(&bytes)?;
            upload::from_json(up.citizens.into_iter().map(|c| (c.cpr, c.note)).collect())?
        }
        "text/csv" => return Ok(Json(state.enrolments.add_csv(&who, &code, &bytes).await?)),
        _ => {
            return Err(Problem::new(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "send the citizens as application/json ({\"citizens\": [{\"cpr\": \"...\"}]}) or as text/csv (the header cpr,note, then one citizen a line)",
            )
            .into())
        }
    };
    Ok(Json(state.enrolments.add(&who, &code, entries).await?))
}

/// Remove a citizen from the list by CPR number (the municipality's admin); a number
/// the municipality has not enrolled is not found. A citizen who has signed in stays
/// a citizen.
#[utoipa::path(delete, path = "/municipalities/{code}/enrolments", tag = "enrolments", params(("code" = String, Path)), request_body = Removal, security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(code): Path<String>,
    Body(r): Body<Removal>,
) -> Result<StatusCode> {
    state.enrolments.remove(&who, &code, &r.cpr).await?;
    Ok(StatusCode::NO_CONTENT)
}
