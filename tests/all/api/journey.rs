//! The whole journey: a vendor registers and publishes, the operator approves, a
//! municipality installs, configures and grants, and a new version waits for its grant.

use serde_json::json;

use super::{spawn_apps, widget_package};

#[tokio::test(flavor = "multi_thread")]
async fn vendor_to_operator_to_municipality() {
    for app in spawn_apps().await {
        let operator = app.login("operator", None).await;
        // A vendor registers and waits for approval.
        let v = app
            .send(reqwest::Method::POST, "/api/v1/vendors", None, Some(json!({ "namespace": "acme", "name": "Acme ApS", "contact_email": "kontakt@acme.dk" })), None)
            .await
            .expect(201);
        assert_eq!(v["status"], "pending", "{}", app.backend);
        let vendor = app.login("vendor", Some("acme")).await;
        let key = jobunivers_host::package::generate_key().unwrap();
        let public = jobunivers_host::package::encode_key(key.verifying_key().as_bytes());
        app.post(
            "/api/v1/vendors/acme/keys",
            &vendor,
            json!({ "label": "laptop", "public_key": public }),
        )
        .await
        .expect_problem(403, "vendor-not-approved");
        let pending = app
            .get("/api/v1/vendors?status=pending", &operator)
            .await
            .expect(200);
        assert_eq!(pending.as_array().unwrap().len(), 1);
        // A status that is none (here with a NUL, which PostgreSQL cannot store) is
        // the caller's mistake, named.
        app.get("/api/v1/vendors?status=%00pending", &operator)
            .await
            .expect_problem(400, "invalid-query");
        app.post("/api/v1/vendors/acme/approve", &operator, json!({}))
            .await
            .expect(200);

        // Keys and a CLI token.
        app.post(
            "/api/v1/vendors/acme/keys",
            &vendor,
            json!({ "label": "laptop", "public_key": public }),
        )
        .await
        .expect(201);
        let token = app
            .post(
                "/api/v1/vendors/acme/tokens",
                &vendor,
                json!({ "label": "CI", "scopes": ["publish"] }),
            )
            .await
            .expect(201);
        let secret = token["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("jbt_"));
        let listed = app
            .get("/api/v1/vendors/acme/tokens", &vendor)
            .await
            .expect(200);
        assert!(listed[0].get("secret").is_none(), "secrets are shown once");

        // Publish with the CLI's client and the API token.
        let published = jobunivers_host::client::publish(
            &app.url,
            &secret,
            widget_package("v1_0_0", &key).await,
        )
        .await
        .unwrap();
        assert_eq!(published["status"], "submitted");
        assert_eq!(published["capabilities"], json!(["storage"]));

        // Not in the catalog, not installable, until approved.
        let catalog = app.get_anon("/api/v1/catalog").await.expect(200);
        assert_eq!(catalog["total"], 0);
        let admin = app.login("admin", Some("0101")).await;
        app.post(
            "/api/v1/municipalities/0101/installations",
            &admin,
            json!({ "block": "acme.widget", "granted": ["storage"] }),
        )
        .await
        .expect_problem(404, "unknown-block");

        // Review: the operator sees the capabilities and approves.
        let queue = app.get("/api/v1/review", &operator).await.expect(200);
        assert_eq!(queue[0]["block"], "acme.widget");
        assert_eq!(
            queue[0]["diff"],
            json!({ "previous_version": null, "added": ["storage"], "removed": [], "unchanged": [] })
        );
        assert_eq!(queue[0]["contract_version"], "1.1.0");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/approve",
            &operator,
            json!({}),
        )
        .await
        .expect(200);

        // The catalog, searchable in Danish and English.
        for q in ["tæller", "COUNTER", "besøg jobuniverset"] {
            let found = app
                .get_anon(&format!("/api/v1/catalog?q={q}"))
                .await
                .expect(200);
            assert_eq!(found["total"], 1, "{q} on {}", app.backend);
        }
        let found = app
            .get_anon("/api/v1/catalog?capability=storage&category=other&vendor=acme")
            .await
            .expect(200);
        assert_eq!(
            found["blocks"][0]["capabilities"][0]["reason"]["da"],
            "Husker, hvor mange gange du har været her."
        );
        assert_eq!(found["blocks"][0]["municipalities"], 0);
        assert_eq!(
            app.get_anon("/api/v1/catalog?capability=profile.cv")
                .await
                .expect(200)["total"],
            0
        );
        assert_eq!(
            app.get_anon("/api/v1/catalog?q=nothing-like-this")
                .await
                .expect(200)["total"],
            0
        );

        // Install: a config that breaks the schema names the field.
        let bad = app
            .post("/api/v1/municipalities/0101/installations", &admin, json!({ "block": "acme.widget", "granted": ["storage"], "config": { "greeting": 5 } }))
            .await
            .expect_problem(422, "invalid-config");
        assert_eq!(bad["pointer"], "/config/greeting");
        let inst = app
            .post("/api/v1/municipalities/0101/installations", &admin, json!({ "block": "acme.widget", "granted": ["storage"], "config": { "greeting": "Goddag" } }))
            .await
            .expect(201);
        assert_eq!(inst["requirement"], "^1.0.0");
        assert_eq!(inst["resolution"]["version"], "1.0.0");
        let id = inst["id"].as_i64().unwrap();
        app.post(
            "/api/v1/municipalities/0101/installations",
            &admin,
            json!({ "block": "acme.widget" }),
        )
        .await
        .expect_problem(409, "already-installed");
        let catalog = app
            .get_anon("/api/v1/catalog/acme.widget")
            .await
            .expect(200);
        assert_eq!(catalog["municipalities"], 1);

        // A new version asking for more waits for the admin's grant.
        let v11 = app
            .upload(&vendor, widget_package("v1_1_0", &key).await)
            .await
            .expect(201);
        assert_eq!(v11["capabilities"], json!(["activity", "storage"]));
        let queue = app.get("/api/v1/review", &operator).await.expect(200);
        assert_eq!(queue[0]["diff"]["previous_version"], "1.0.0");
        assert_eq!(queue[0]["diff"]["added"], json!(["activity"]));
        assert_eq!(queue[0]["diff"]["unchanged"], json!(["storage"]));
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.1.0/approve",
            &operator,
            json!({}),
        )
        .await
        .expect(200);
        let notices = app
            .get("/api/v1/municipalities/0101/notices", &admin)
            .await
            .expect(200);
        assert_eq!(notices[0]["kind"], "grant-needed");
        let inst = app
            .get(
                &format!("/api/v1/municipalities/0101/installations/{id}"),
                &admin,
            )
            .await
            .expect(200);
        assert_eq!(inst["resolution"]["version"], "1.0.0");
        assert_eq!(
            inst["resolution"]["awaiting_grant"],
            json!({ "version": "1.1.0", "missing": ["activity"] })
        );
        let inst = app
            .patch(
                &format!("/api/v1/municipalities/0101/installations/{id}"),
                &admin,
                json!({ "granted": ["storage", "activity"] }),
            )
            .await
            .expect(200);
        assert_eq!(inst["resolution"]["version"], "1.1.0");
        let resolved = app
            .get("/api/v1/municipalities/0101/resolved", &admin)
            .await
            .expect(200);
        assert_eq!(resolved[0]["version"], "1.1.0");

        // Every change is in the audit log, with who did it.
        let audit = app.get("/api/v1/audit/0101", &admin).await.expect(200);
        let actions: Vec<&str> = audit
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["installation.change", "installation.create"]);
        assert_eq!(audit[0]["actor"], "admin:admin-user@0101");
        let audit = app.get("/api/v1/audit/acme", &operator).await.expect(200);
        assert!(audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "version.approve"));

        // The service describes itself.
        let doc = app.get_anon("/api/v1/openapi.json").await.expect(200);
        assert!(doc["paths"]["/api/v1/packages"]["post"].is_object());
        assert!(doc["components"]["schemas"]["Problem"].is_object());
        assert_eq!(app.get_anon("/healthz").await.expect(200)["status"], "ok");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_and_review_refuse_bad_input() {
    for app in spawn_apps().await {
        let register = |body| {
            app.send(
                reqwest::Method::POST,
                "/api/v1/vendors",
                None,
                Some(body),
                None,
            )
        };
        register(json!({ "namespace": "Acme!", "name": "A", "contact_email": "a@b.dk" }))
            .await
            .expect_problem(422, "invalid-namespace");
        register(json!({ "namespace": "acme", "name": "A", "contact_email": "nope" }))
            .await
            .expect_problem(422, "invalid-email");
        let p = register(json!({ "namespace": "acme", "name": "A" }))
            .await
            .expect_problem(400, "invalid-body");
        assert!(p["detail"].as_str().unwrap().contains("contact_email"));
        register(json!({ "namespace": "acme", "name": "A", "contact_email": "a@b.dk" }))
            .await
            .expect(201);
        register(json!({ "namespace": "acme", "name": "B", "contact_email": "a@b.dk" }))
            .await
            .expect_problem(409, "namespace-taken");
        let operator = app.login("operator", None).await;
        app.post("/api/v1/vendors/acme/reject", &operator, json!({}))
            .await
            .expect_problem(422, "reason-required");
        app.post("/api/v1/vendors/nobody/approve", &operator, json!({}))
            .await
            .expect_problem(404, "unknown-vendor");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/approve",
            &operator,
            json!({}),
        )
        .await
        .expect_problem(404, "unknown-version");
        app.get_anon("/api/v1/no/such/thing")
            .await
            .expect_problem(404, "no-route");
        let anon = app
            .send(
                reqwest::Method::POST,
                "/api/v1/dev/login",
                None,
                Some(json!({ "user": "nobody" })),
                None,
            )
            .await;
        anon.expect_problem(422, "unknown-user");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_development_login_is_off_unless_enabled() {
    for app in super::spawn_apps_with(|c| c.dev_login = false).await {
        app.send(
            reqwest::Method::POST,
            "/api/v1/dev/login",
            None,
            Some(json!({ "role": "operator" })),
            None,
        )
        .await
        .expect_problem(404, "dev-login-disabled");
    }
}
