//! The OpenAPI document as it is served: what utoipa generates from the handlers'
//! annotations, completed by one pass that gives every operation the credentials it
//! accepts and every problem it can answer with. The handlers document their successes
//! and the problems particular to them (a 409, a 404 with no path parameter); the
//! problems every operation of a kind shares are added here, so none is forgotten:
//!
//! | status | when |
//! |---|---|
//! | 400 | the operation reads path or query parameters or a body |
//! | 401, 403 | the operation takes a credential |
//! | 404 | the operation has path parameters |
//! | 413, 422 | the operation reads a body |
//! | 429 | a change by a signed-in caller (the per-identity write rate) |
//! | 500, 503 | always |
//!
//! Every one is `application/problem+json` with the `Problem` schema; a 429 carries
//! `Retry-After`.

use serde_json::{json, Map, Value};

/// The security schemes: a JWT from the login broker (or the development login), a
/// vendor's API token (also a bearer token, told apart by its prefix), and the web UI's
/// session cookie (accepted for reads only).
const BEARER: &str = "bearer";
const API_TOKEN: &str = "apiToken";
const SESSION: &str = "session";

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// The served document: `doc` with the security schemes and the problem responses.
pub(crate) fn document(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_else(|e| {
        // A document utoipa built always serializes; refuse to serve half of one.
        panic!("the OpenAPI document does not serialize: {e}")
    });
    complete(&mut doc);
    doc
}

fn complete(doc: &mut Value) {
    let components = object(&mut doc["components"]);
    let schemes = object(components.entry("securitySchemes").or_insert(json!({})));
    schemes.clear();
    schemes.insert(
        BEARER.into(),
        json!({
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": "A token from the municipality's login broker (in the demo, from POST /api/v1/dev/login)."
        }),
    );
    schemes.insert(
        API_TOKEN.into(),
        json!({
            "type": "http", "scheme": "bearer", "bearerFormat": "jbt_...",
            "description": "A vendor's API token (`Authorization: Bearer jbt_...`), with the scopes it was created with."
        }),
    );
    schemes.insert(
        SESSION.into(),
        json!({
            "type": "apiKey", "in": "cookie", "name": crate::session::SESSION_COOKIE,
            "description": "The web UI's session cookie; the API accepts it for reads only."
        }),
    );
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                complete_operation(path, method, op);
            }
        }
    }
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let in_path = path.contains('{');
    let in_query = params.iter().any(|p| p["in"] == "query");
    let body = op.get("requestBody").is_some();
    // A handler that takes a caller documents `security`; an optional caller lists the
    // empty requirement first.
    let security = op.get("security").and_then(Value::as_array).cloned();
    let auth = security.is_some();
    let optional = security
        .iter()
        .flatten()
        .any(|r| r.as_object().is_some_and(Map::is_empty));
    if auth {
        let mut alternatives = Vec::new();
        if optional {
            alternatives.push(json!({}));
        }
        alternatives.push(json!({ BEARER: [] }));
        alternatives.push(json!({ API_TOKEN: [] }));
        if method == "get" {
            alternatives.push(json!({ SESSION: [] }));
        }
        op["security"] = Value::Array(alternatives);
    }
    let mut statuses = vec![500, 503];
    if in_path || in_query || body {
        statuses.push(400);
    }
    if auth {
        statuses.extend([401, 403]);
    }
    if in_path {
        statuses.push(404);
    }
    if body {
        statuses.extend([413, 422]);
    }
    if auth && !optional && method != "get" {
        statuses.push(429);
    }
    let responses = object(&mut op["responses"]);
    for status in statuses {
        responses.entry(status.to_string()).or_insert(json!({}));
    }
    for (status, response) in responses.iter_mut() {
        match status.parse::<u16>() {
            Ok(status @ 400..=599) => *response = problem_response(status, response),
            // Every response has a description (OpenAPI requires one); a success the
            // handler did not describe is described by its status.
            Ok(status) if response["description"].as_str().is_none_or(str::is_empty) => {
                let reason = axum::http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Success");
                object(response).insert("description".into(), reason.into());
            }
            _ => {}
        }
    }
}

/// A problem response: its description (the handler's, if it wrote one), the Problem
/// schema as `application/problem+json`, and `Retry-After` on a 429 (always) or a 503
/// (when the host knows when to try again).
fn problem_response(status: u16, documented: &Value) -> Value {
    let description = documented["description"]
        .as_str()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| describe(status));
    let mut response = json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    });
    if status == 429 || status == 503 {
        response["headers"] = json!({
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "required": status == 429,
                "schema": { "type": "integer", "minimum": 1 }
            }
        });
    }
    response
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "Bad request: a path or query parameter, or the body, cannot be read (`invalid-path`, `invalid-query`, `invalid-body`)",
        401 => "Not authenticated: no credential, or one that is invalid, expired or revoked",
        403 => "Not allowed: the caller's role, tenant or token scope does not permit this",
        404 => "Not found, or not visible to the caller",
        409 => "Conflicts with the current state",
        413 => "Too large: the body is over the limit (`too-large`)",
        422 => "Understood, but invalid; `pointer` and `errors` name the fields",
        429 => "Too many requests in a short time; try again after `Retry-After` seconds",
        500 => "Something went wrong on the server; it has been logged",
        503 => "The database did not answer in time; try again shortly",
        _ => "A problem",
    }
}

fn object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = json!({});
    }
    value.as_object_mut().expect("just made an object")
}
