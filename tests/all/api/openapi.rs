//! The OpenAPI document against the server it describes: each path serves exactly the
//! methods the document lists, every problem an operation can answer with is documented
//! as `application/problem+json`, and the refusals of malformed requests (path and query
//! parameters, bodies) are problems like every other. `cargo xtask contract` checks the
//! same at scale with a property-based tester.

use reqwest::Method;
use serde_json::{json, Value};

use super::{spawn_apps, TestApp};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    app.get_anon("/api/v1/openapi.json").await.expect(200)
}

/// A path of the document with each `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { "1" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

/// A method the document does not list for a path is not served there (405): the
/// development login's two routes once answered each other's method.
#[tokio::test(flavor = "multi_thread")]
async fn each_path_serves_only_the_methods_the_document_lists() {
    let app = spawn_apps().await.into_iter().next().unwrap();
    let doc = document(&app).await;
    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = app.send(m, &concrete(path), None, None, None).await;
            checked.push((method, path.clone(), answer.status));
        }
    }
    let served: Vec<_> = checked.iter().filter(|(_, _, s)| *s != 405).collect();
    assert!(
        served.is_empty(),
        "undocumented methods answered: {served:?}"
    );
    assert!(checked.len() > 100, "{} checked", checked.len());
    assert!(checked
        .iter()
        .any(|(m, p, _)| *m == "get" && p == "/api/v1/dev/login"));
}

/// Every problem an operation documents is `application/problem+json` with the Problem
/// schema; an operation with a credential can answer 401 and 403, one with path
/// parameters 404, one with a body 400, 413 and 422, and a 429 says when to retry.
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_documents_its_problems() {
    let app = spawn_apps().await.into_iter().next().unwrap();
    let doc = document(&app).await;
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for scheme in ["bearer", "apiToken", "session"] {
        assert!(schemes.contains_key(scheme), "{scheme}: {schemes:#?}");
    }
    assert_eq!(schemes["session"]["in"], "cookie");
    let problem = &doc["components"]["schemas"]["Problem"];
    let required: Vec<&str> = problem["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        required,
        ["type", "title", "status", "detail"],
        "{problem:#}"
    );
    for field in ["pointer", "errors", "retry_after_s"] {
        assert!(problem["properties"].get(field).is_some(), "{field}");
    }
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            operations += 1;
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let mut expected = vec!["500", "503"];
            if op.get("security").is_some() {
                expected.extend(["401", "403"]);
                let alternatives = op["security"].as_array().unwrap();
                assert!(
                    alternatives.iter().any(|r| r.get("bearer").is_some())
                        && alternatives.iter().any(|r| r.get("apiToken").is_some()),
                    "{at}: {alternatives:?}"
                );
                let session = alternatives.iter().any(|r| r.get("session").is_some());
                assert_eq!(session, method == "get", "{at}: the cookie is for reads");
            }
            if path.contains('{') {
                expected.extend(["400", "404"]);
            }
            if op.get("requestBody").is_some() {
                expected.extend(["400", "413", "422"]);
            }
            for status in expected {
                assert!(responses.contains_key(status), "{at} lacks {status}");
            }
            for (status, response) in responses {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{at} {status}: no description"
                );
                if status.as_str() < "400" {
                    continue;
                }
                assert_eq!(
                    response["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{at} {status}: {response:#}"
                );
                assert!(response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()));
                if status == "429" {
                    assert_eq!(response["headers"]["Retry-After"]["required"], true);
                }
            }
        }
    }
    assert!(operations > 60, "{operations} operations");
    // The development login says when a user signs in too often.
    assert!(doc["paths"]["/api/v1/dev/login"]["post"]["responses"]
        .get("429")
        .is_some());
}

/// A path parameter that does not fit its type, or a query parameter that does not, is
/// a 400 problem naming the part of the address, not axum's plain-text rejection.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_path_and_query_parameters_are_problems() {
    for app in spawn_apps().await {
        let anna = app.citizen("anna", "0101", &[]).await;
        app.get("/api/v1/threads/not-a-number", &anna)
            .await
            .expect_problem(400, "invalid-path");
        app.get("/api/v1/universe/blocks/1.5", &anna)
            .await
            .expect_problem(400, "invalid-path");
        app.get("/api/v1/threads?waiting=perhaps", &anna)
            .await
            .expect_problem(400, "invalid-query");
        app.get_anon("/api/v1/catalog?limit=many")
            .await
            .expect_problem(400, "invalid-query");
        let caseworker = app.login("caseworker", Some("0101")).await;
        app.get("/api/v1/caseworker/citizens?offset=x", &caseworker)
            .await
            .expect_problem(400, "invalid-query");
        let admin = app.login("admin", Some("0101")).await;
        app.delete("/api/v1/municipalities/0101/installations/x", &admin)
            .await
            .expect_problem(400, "invalid-path");
    }
}

/// Every body is a JSON object: an array whose items would fill the fields in order is
/// refused, as are other values.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_is_not_an_object_is_refused() {
    for app in spawn_apps().await {
        for body in [json!([null, "operator"]), json!("operator"), json!(1)] {
            app.send(
                Method::POST,
                "/api/v1/dev/login",
                None,
                Some(body.clone()),
                None,
            )
            .await
            .expect_problem(400, "invalid-body");
        }
        let operator = app.login("operator", None).await;
        app.post(
            "/api/v1/vendors",
            &operator,
            json!(["acme", "Acme ApS", "kontakt@acme.dk"]),
        )
        .await
        .expect_problem(400, "invalid-body");
        assert_eq!(app.count("vendors").await, 0, "{}", app.backend);
        // An object still works, and so does a body left out where one is optional.
        app.send(
            Method::POST,
            "/api/v1/dev/login",
            None,
            Some(json!({ "role": "operator" })),
            None,
        )
        .await
        .expect(200);
    }
}

/// A citizen the platform holds nothing about (never registered, or erased) gets only
/// answers the document lists from every read of their own data.
#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_without_a_record_gets_documented_answers() {
    for app in spawn_apps().await {
        let doc = document(&app).await;
        let nobody = app.citizen_token("nobody", "0101").await;
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            let own = path.starts_with("/api/v1/me") || path.starts_with("/api/v1/universe");
            if !own || path.contains('{') || path.ends_with("/stream") {
                continue;
            }
            let Some(get) = item.get("get") else { continue };
            let answer = app.get(path, &nobody).await;
            let status = answer.status.to_string();
            assert!(
                get["responses"].get(&status).is_some(),
                "{} GET {path}: {status} is not documented: {:#}",
                app.backend,
                answer.body
            );
            checked += 1;
        }
        assert!(checked >= 8, "{checked} operations");
    }
}

/// An operation that reads an optional body says so, and takes a request without one.
#[tokio::test(flavor = "multi_thread")]
async fn optional_bodies_are_documented_as_optional() {
    for app in spawn_apps().await {
        let doc = document(&app).await;
        for (path, method) in [
            ("/api/v1/vendors/{namespace}/approve", "post"),
            ("/api/v1/blocks/{block}/versions/{version}/{action}", "post"),
            ("/api/v1/caseworker/citizens/{id}/missed-meetings", "post"),
        ] {
            let body = &doc["paths"][path][method]["requestBody"];
            assert!(body.is_object(), "{path}: {body}");
            assert_ne!(body["required"], true, "{path}: {body:#}");
        }
        // Left out, or `null`, as the document allows.
        app.send(
            Method::POST,
            "/api/v1/vendors",
            None,
            Some(json!({ "namespace": "acme", "name": "Acme ApS", "contact_email": "kontakt@acme.dk" })),
            None,
        )
        .await
        .expect(201);
        let operator = app.login("operator", None).await;
        let approved = app
            .send(
                Method::POST,
                "/api/v1/vendors/acme/approve",
                Some(&operator),
                None,
                None,
            )
            .await
            .expect(200);
        assert_eq!(approved["status"], "approved", "{}", app.backend);
        app.post("/api/v1/vendors/acme/reject", &operator, Value::Null)
            .await
            .expect_problem(400, "invalid-body");
        app.post("/api/v1/vendors/acme/approve", &operator, Value::Null)
            .await
            .expect_problem(409, "not-pending");
    }
}
