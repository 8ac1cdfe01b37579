//! `multipart/form-data` bodies, as a form with a file input sends them (a vendor's
//! package, an admin's enrolment list): split into named parts, the CSRF token among
//! them.

use axum::http::{header, HeaderMap};

use super::session::{Ctx, CSRF_FIELD};
use jobunivers_core::problem::Problem;

/// The parts of a form sent as `multipart/form-data` with `headers`, once its CSRF
/// token (a part like any other) is checked against the session's.
pub(crate) fn checked_parts(
    ctx: &Ctx,
    headers: &HeaderMap,
    body: &[u8],
) -> std::result::Result<Vec<(String, Vec<u8>)>, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = parts(content_type, body)?;
    let csrf = parts
        .iter()
        .find(|(n, _)| n == CSRF_FIELD)
        .map(|(_, v)| String::from_utf8_lossy(v).to_string())
        .unwrap_or_default();
    if !ctx.ui.csrf_matches(&ctx.csrf, &csrf) {
        return Err(Problem::forbidden(
            "csrf-failed",
            "the form was not sent from this site or has expired; go back, reload the page and send it again",
        ));
    }
    Ok(parts)
}

/// The parts of a `multipart/form-data` body: (name, bytes).
pub(crate) fn parts(
    content_type: &str,
    body: &[u8],
) -> std::result::Result<Vec<(String, Vec<u8>)>, Problem> {
    let bad = || {
        Problem::bad_request(
            "form-unreadable",
            "the form could not be read; choose the file again and send the form",
        )
    };
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or_else(bad)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0).ok_or_else(bad)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            break;
        }
        at += 2; // CRLF after the delimiter
        let head_end = find(body, b"\r\n\r\n", at).ok_or_else(bad)?;
        let head = String::from_utf8_lossy(&body[at..head_end]).to_string();
        let data_start = head_end + 4;
        let mut next_delim = delimiter.clone();
        next_delim.splice(0..0, b"\r\n".iter().copied());
        let data_end = find(body, &next_delim, data_start).ok_or_else(bad)?;
        let name = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .and_then(|l| {
                l.split(';')
                    .map(str::trim)
                    .find_map(|p| p.strip_prefix("name="))
            })
            .map(|n| n.trim_matches('"').to_owned())
            .unwrap_or_default();
        parts.push((name, body[data_start..data_end].to_vec()));
        at = data_end + next_delim.len();
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_split_into_named_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"jbu:csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"package\"; filename=\"p.tar\"\r\nContent-Type: application/x-tar\r\n\r\n\x00\x01\r\n--X\x02\r\n--XyZ--\r\n";
        let got = parts("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ("jbu:csrf".to_owned(), b"abc".to_vec()));
        assert_eq!(
            got[1],
            ("package".to_owned(), b"\x00\x01\r\n--X\x02".to_vec())
        );
        assert!(parts("multipart/form-data", body).is_err());
        assert!(parts("multipart/form-data; boundary=Q", body).is_err());
    }
}
