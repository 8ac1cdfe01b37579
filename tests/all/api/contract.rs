//! The API's contract as a client reads it: the OpenAPI document says where each
//! parameter goes, and the generic rejections use the same problem types as the rest.

use serde_json::{json, Value};

use super::spawn_apps;

/// Every parameter the document places in the path is a `{name}` of its path, and the
/// catalog's filters are query parameters.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_puts_each_parameter_where_it_is_read() {
    let app = spawn_apps().await.into_iter().next().unwrap();
    let doc = app.get_anon("/api/v1/openapi.json").await.expect(200);
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            for p in operation["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                if p["in"] == "path" {
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: '{name}' is said to be in the path"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "{checked} parameters");
    let catalog: Vec<&Value> = doc["paths"]["/api/v1/catalog"]["get"]["parameters"]
        .as_array()
        .or(doc["paths"]["/catalog"]["get"]["parameters"].as_array())
        .expect("the catalog's parameters")
        .iter()
        .collect();
    assert!(!catalog.is_empty());
    assert!(catalog.iter().all(|p| p["in"] == "query"), "{catalog:#?}");
}

/// A JSON body over the limit is a 413 titled as one, with the problem type every
/// other size refusal has.
#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_too_large() {
    for app in spawn_apps().await {
        let admin = app.login("admin", Some("0751")).await;
        let huge = "x".repeat(3 * 1024 * 1024);
        let p = app
            .post(
                "/api/v1/municipalities/0751/installations",
                &admin,
                json!({ "block": huge }),
            )
            .await
            .expect_problem(413, "too-large");
        assert_eq!(p["title"], "Too large", "{}", app.backend);
    }
}

/// A citizen holds at most five live inbox streams at once; the sixth is a 429 that says
/// when to try again, and the open ones keep streaming.
#[tokio::test(flavor = "multi_thread")]
async fn live_streams_per_citizen_are_capped() {
    for app in spawn_apps().await {
        let anna = app.citizen("anna", "0101", &[]).await;
        let client = reqwest::Client::new();
        let open = || {
            client
                .get(format!("{}/api/v1/me/notifications/stream", app.url))
                .bearer_auth(&anna)
                .send()
        };
        let mut streams = Vec::new();
        for _ in 0..5 {
            let res = open().await.unwrap();
            assert_eq!(res.status(), 200, "{}", app.backend);
            streams.push(res);
        }
        let refused = open().await.unwrap();
        assert_eq!(refused.status(), 429, "{}", app.backend);
        assert_eq!(refused.headers()["retry-after"], "15");
        let p: Value = refused.json().await.unwrap();
        assert_eq!(p["type"], "urn:jobunivers:problem:too-many-streams");
        // Another citizen is not affected.
        let bo = app.citizen("bo", "0101", &[]).await;
        let res = client
            .get(format!("{}/api/v1/me/notifications/stream", app.url))
            .bearer_auth(&bo)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        drop(streams);
    }
}

/// A client that sends its request's head or body too slowly is cut off; the host keeps
/// serving everyone else meanwhile.
#[tokio::test(flavor = "multi_thread")]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = jobunivers_host::server::EdgeLimits {
        header_timeout: std::time::Duration::from_secs(1),
        body_timeout: std::time::Duration::from_secs(1),
    };
    let app = super::spawn_apps_with(|c| c.edge = limits)
        .await
        .into_iter()
        .next()
        .unwrap();
    let addr = app.url.trim_start_matches("http://").to_owned();
    // Wait for the server's answer (or its closing the connection) for at most 10 s.
    let ended = |mut stream: tokio::net::TcpStream| async move {
        let mut buf = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut buf),
        )
        .await
        .map(|_| String::from_utf8_lossy(&buf).into_owned())
    };

    // Half a request head, then silence.
    let mut slow_head = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // A head announcing 100 bytes of body, then 10.
    let mut slow_body = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /api/v1/dev/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"user\": ",
        )
        .await
        .unwrap();
    // Others are served meanwhile.
    app.get_anon("/healthz").await.expect(200);

    let head = ended(slow_head).await;
    assert!(head.is_ok(), "a slow request head kept its connection open");
    let body = ended(slow_body)
        .await
        .expect("a slow body kept its connection open");
    assert!(
        body.is_empty() || body.starts_with("HTTP/1.1 4"),
        "a slow body got: {body}"
    );
    app.get_anon("/healthz").await.expect(200);
}

/// Each identity has its own budget of changes, each vendor of packages and each
/// development user of sign-ins; over it is a 429 that says when to try again, while
/// reads and everyone else go on.
#[tokio::test(flavor = "multi_thread")]
async fn changes_publishes_and_sign_ins_are_rate_limited_per_identity() {
    let rates = jobunivers_host::server::RateConfig {
        writes_per_minute: 3,
        publishes_per_minute: 2,
        logins_per_minute: 4,
        ..Default::default()
    };
    for app in super::spawn_apps_with(|c| c.rates = rates).await {
        let backend = app.backend;
        let admin = app.login("admin", Some("0751")).await;
        let rules = app
            .get("/api/v1/municipalities/0751/monitoring/rules", &admin)
            .await
            .expect(200);
        let rule = rules[0]["id"].as_i64().unwrap();
        let path = format!("/api/v1/municipalities/0751/monitoring/rules/{rule}");
        for days in 20..23 {
            app.patch(&path, &admin, json!({ "days": days }))
                .await
                .expect(200);
        }
        let over = app.patch(&path, &admin, json!({ "days": 30 })).await;
        assert_eq!(over.status, 429, "{backend}: {:#}", over.body);
        assert_eq!(over.problem(), "rate-limited");
        assert!(over.body["retry_after_s"].as_u64().unwrap() >= 1);
        // Reads go on; another admin's changes too.
        app.get(&path.replace(&format!("/{rule}"), ""), &admin)
            .await
            .expect(200);
        let other = app.login("admin", Some("0101")).await;
        let theirs = app
            .get("/api/v1/municipalities/0101/monitoring/rules", &other)
            .await
            .expect(200)[0]["id"]
            .as_i64()
            .unwrap();
        app.patch(
            &format!("/api/v1/municipalities/0101/monitoring/rules/{theirs}"),
            &other,
            json!({ "days": 20 }),
        )
        .await
        .expect(200);

        // Sign-ins of one development user: one above, three more, then no more.
        for _ in 0..3 {
            app.login("admin", Some("0751")).await;
        }
        let refused = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "role": "admin", "tenant": "0751", "subject": "admin-user" })),
                None,
            )
            .await;
        assert_eq!(refused.status, 429, "{backend}: {:#}", refused.body);
    }
}

/// Packages are costly to check, so a vendor has a budget of uploads of its own.
#[tokio::test(flavor = "multi_thread")]
async fn publishes_are_rate_limited_per_vendor() {
    let rates = jobunivers_host::server::RateConfig {
        publishes_per_minute: 2,
        ..Default::default()
    };
    for app in super::spawn_apps_with(|c| c.rates = rates).await {
        let (acme, _) = app.vendor("acme").await;
        for _ in 0..2 {
            app.upload(&acme, b"not a package".to_vec())
                .await
                .expect_problem(400, "package-invalid");
        }
        let over = app.upload(&acme, b"not a package".to_vec()).await;
        assert_eq!(over.status, 429, "{}: {:#}", app.backend, over.body);
        assert_eq!(over.problem(), "rate-limited");
        // Another vendor is not held back.
        let (other, _) = app.vendor("other").await;
        app.upload(&other, b"not a package".to_vec())
            .await
            .expect_problem(400, "package-invalid");
    }
}
