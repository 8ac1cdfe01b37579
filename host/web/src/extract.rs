//! Who is calling, from the `Authorization: Bearer` header: a vendor API token
//! (`jbt_...`, checked against the stored hashes), an OpenID provider's access token
//! (checked against its published keys by the sign-in crate), or the host's own JWT
//! (checked by [`AuthConfig`](jobunivers_core::auth::AuthConfig)).
//! Also the extractors of the request's other parts (JSON body, path and query
//! parameters), whose rejections are problem details rather than axum's plain text.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::{ApiError, AppState};
use jobunivers_core::auth::Identity;
use jobunivers_core::problem::Problem;

/// An authenticated caller (401 if there is none).
#[derive(Debug, Clone)]
pub struct Caller(pub Identity);

/// A caller if there is a credential (an invalid one is still refused).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Identity>);

async fn identify(parts: &Parts, state: &AppState) -> Result<Option<Identity>, Problem> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
        // The web UI's scripts (the live inbox's EventSource cannot send headers) read
        // the API with the UI's session cookie; only for GET, so a cookie never
        // authorises a change.
        if parts.method == axum::http::Method::GET {
            if let Some(token) = crate::session::session_token(&parts.headers) {
                return match state.sessions.identify(&token).await? {
                    Some(who) => Ok(Some(who)),
                    None => Err(Problem::unauthorized(
                        "session-ended",
                        "the session has ended (signed out, idle or expired); sign in again",
                    )),
                };
            }
        }
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        Problem::unauthorized("invalid-token", "the Authorization header is not text")
    })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            Problem::unauthorized("invalid-token", "use 'Authorization: Bearer <token>'")
        })?
        .trim();
    if token.starts_with(jobunivers_market::TOKEN_PREFIX) {
        return state.market.authenticate_token(token).await.map(Some);
    }
    if let Some(signin) = &state.signin {
        if let Some(who) = signin.verify_bearer(token).await {
            return who.map(Some);
        }
    }
    state.auth.verify(token).map(Some)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match identify(parts, state).await? {
            Some(id) => {
                // Every change counts against its author's rate.
                if !matches!(
                    parts.method,
                    axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
                ) {
                    state.limits.write(&id)?;
                }
                Ok(Caller(id))
            }
            None => Err(Problem::unauthorized(
                "missing-token",
                "sign in first: send 'Authorization: Bearer <token>' (in the demo, get one from POST /api/v1/dev/login)",
            ).into()),
        }
    }
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        identify(parts, state)
            .await
            .map(MaybeCaller)
            .map_err(ApiError)
    }
}

/// A JSON body; a body that is not JSON or does not fit gets a problem naming where.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        parse(&read(req, state).await?).map(Body)
    }
}

async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                return Problem::too_large(e.body_text()).into();
            }
            Problem::new(
                e.status().as_u16(),
                "body-unreadable",
                "Bad request",
                e.body_text(),
            )
            .into()
        })
}

/// Whether a percent-encoded part of an address decodes to a NUL character.
fn has_encoded_nul(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| w == b"%00")
}

/// No field of this API takes a NUL character (PostgreSQL's text cannot hold one).
fn nul_refused(slug: &str, what: &str) -> ApiError {
    Problem::bad_request(
        slug,
        format!("the {what} holds a NUL character (\\u0000), which no field accepts"),
    )
    .into()
}

/// A JSON object body read into `T`, or the problem naming where it does not fit.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde reads a struct from a JSON array too (its fields in order); every body of
    // this API is an object, so anything else is refused before it is read.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Problem::bad_request(
            "invalid-body",
            "the request body must be a JSON object ({...})",
        )
        .into());
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let pointer = if path == "." {
            String::new()
        } else {
            format!("/{}", path.replace('.', "/").replace(['[', ']'], ""))
        };
        let p = Problem::bad_request(
            "invalid-body",
            format!("the request body is not valid: {}", e.inner()),
        );
        ApiError(if pointer.is_empty() { p } else { p.at(pointer) })
    })
}

/// A JSON body that may be left out, or be `null` (then `T::default()`).
#[derive(Debug, Clone)]
pub struct OptionalBody<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .is_some_and(|v| v == "0")
            || (req
                .headers()
                .get(axum::http::header::CONTENT_TYPE)
                .is_none()
                && req
                    .headers()
                    .get(axum::http::header::CONTENT_LENGTH)
                    .is_none());
        if empty {
            return Ok(OptionalBody(T::default()));
        }
        // As the document says (`null` or an object): `null` is a body left out.
        let bytes = read(req, state).await?;
        if bytes.trim_ascii().is_empty() || bytes.trim_ascii() == b"null" {
            return Ok(OptionalBody(T::default()));
        }
        parse(&bytes).map(OptionalBody)
    }
}

/// Path parameters; one that does not fit its type (an id that is not a number) is a
/// 400 `invalid-path` problem.
#[derive(Debug, Clone)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(nul_refused("invalid-path", "address"));
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(Path(t)),
            // A route whose parameters do not match its handler is our fault.
            Err(e) if e.status() == StatusCode::INTERNAL_SERVER_ERROR => {
                Err(Problem::internal(e.body_text()).into())
            }
            Err(e) => Err(Problem::bad_request(
                "invalid-path",
                format!("a parameter of the address is not valid: {}", e.body_text()),
            )
            .into()),
        }
    }
}

/// Query parameters; one that does not fit its type is a 400 `invalid-query` problem.
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(has_encoded_nul) {
            return Err(nul_refused("invalid-query", "query"));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(t)| Query(t))
            .map_err(|e| {
                Problem::bad_request(
                    "invalid-query",
                    format!("a query parameter is not valid: {}", e.body_text()),
                )
                .into()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_in_addresses() {
        assert!(has_encoded_nul("status=%00h"));
        assert!(!has_encoded_nul("status=%2500"));
    }
}
