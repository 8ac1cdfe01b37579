//! The web UI's session cookie, read in this one place: the pages sign a citizen or
//! staff member in with it, and the API accepts it for reads (the live inbox's
//! EventSource cannot send an `Authorization` header). The cookie holds a random token
//! of a server-side session ([`jobunivers_store::sessions`]), never a credential that
//! outlives signing out.

use std::collections::HashMap;

use axum::http::{header, HeaderMap};

/// The cookie holding the signed-in user's session token.
pub const SESSION_COOKIE: &str = "ju_session";

/// The cookies of a request.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=') {
                out.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
    }
    out
}

/// The web UI's session token in a request's cookies.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookies(headers)
        .remove(SESSION_COOKIE)
        .filter(|t| !t.is_empty())
}
