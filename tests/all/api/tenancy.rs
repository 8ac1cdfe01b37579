//! Tenant boundaries and token checks: every cross-tenant call is refused, and so is
//! every bad token.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use super::{spawn_apps, SECRET};

fn forge(claims: serde_json::Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread")]
async fn municipalities_vendors_and_citizens_stay_in_their_lanes() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("acme").await;
        app.publish_approved(&vendor, &key, "v1_0_0").await;
        let admin_0101 = app.login("admin", Some("0101")).await;
        let admin_0147 = app.login("admin", Some("0147")).await;
        let inst = app
            .post(
                "/api/v1/municipalities/0147/installations",
                &admin_0147,
                json!({ "block": "acme.widget", "granted": ["storage"] }),
            )
            .await
            .expect(201);
        let id = inst["id"].as_i64().unwrap();
        let theirs = format!("/api/v1/municipalities/0147/installations/{id}");

        // 0101's admin can neither read nor change 0147's installations ...
        app.get("/api/v1/municipalities/0147/installations", &admin_0101)
            .await
            .expect_problem(403, "other-tenant");
        app.get(&theirs, &admin_0101)
            .await
            .expect_problem(403, "other-tenant");
        app.patch(&theirs, &admin_0101, json!({ "enabled": false }))
            .await
            .expect_problem(403, "other-tenant");
        app.delete(&theirs, &admin_0101)
            .await
            .expect_problem(403, "other-tenant");
        app.post(&format!("{theirs}/rollback"), &admin_0101, json!({}))
            .await
            .expect_problem(403, "other-tenant");
        app.post(
            "/api/v1/municipalities/0147/installations",
            &admin_0101,
            json!({ "block": "acme.widget" }),
        )
        .await
        .expect_problem(403, "other-tenant");
        app.get("/api/v1/municipalities/0147/notices", &admin_0101)
            .await
            .expect_problem(403, "other-tenant");
        app.get("/api/v1/audit/0147", &admin_0101)
            .await
            .expect_problem(403, "other-tenant");
        // ... nor reach it through their own municipality's path.
        app.get(
            &format!("/api/v1/municipalities/0101/installations/{id}"),
            &admin_0101,
        )
        .await
        .expect_problem(404, "unknown-installation");
        app.patch(
            &format!("/api/v1/municipalities/0101/installations/{id}"),
            &admin_0101,
            json!({ "enabled": false }),
        )
        .await
        .expect_problem(404, "unknown-installation");
        let untouched = app.get(&theirs, &admin_0147).await.expect(200);
        assert_eq!(untouched["enabled"], true);

        // A citizen or caseworker token cannot call admin, operator or vendor endpoints.
        let citizen = app.login("citizen", Some("0147")).await;
        let caseworker = app.login("caseworker", Some("0147")).await;
        for token in [&citizen, &caseworker] {
            app.get("/api/v1/municipalities/0147/installations", token)
                .await
                .expect_problem(403, "wrong-role");
            app.post(
                "/api/v1/municipalities/0147/installations",
                token,
                json!({ "block": "acme.widget" }),
            )
            .await
            .expect_problem(403, "wrong-role");
            app.get("/api/v1/review", token)
                .await
                .expect_problem(403, "wrong-role");
            app.get("/api/v1/vendors", token)
                .await
                .expect_problem(403, "wrong-role");
            app.post(
                "/api/v1/blocks/acme.widget/versions/1.0.0/suspend",
                token,
                json!({ "reason": "x" }),
            )
            .await
            .expect_problem(403, "wrong-role");
        }
        // What runs in a municipality is for its staff, not even a citizen's own
        // municipality's: the audiences would say what is hidden from them.
        app.get("/api/v1/municipalities/0101/resolved", &citizen)
            .await
            .expect_problem(403, "wrong-role");
        app.get("/api/v1/municipalities/0147/resolved", &citizen)
            .await
            .expect_problem(403, "wrong-role");

        // A vendor cannot act for another vendor.
        let (other, _) = app.vendor("other").await;
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/yank",
            &other,
            json!({ "reason": "mine now" }),
        )
        .await
        .expect_problem(403, "other-tenant");
        app.post(
            "/api/v1/blocks/acme.widget/deprecate",
            &other,
            json!({ "message": "x" }),
        )
        .await
        .expect_problem(403, "other-tenant");
        app.get("/api/v1/vendors/acme/keys", &other)
            .await
            .expect_problem(403, "other-tenant");
        app.post(
            "/api/v1/vendors/acme/tokens",
            &other,
            json!({ "label": "x", "scopes": ["publish"] }),
        )
        .await
        .expect_problem(403, "other-tenant");
        app.post("/api/v1/vendors/other/approve", &other, json!({}))
            .await
            .expect_problem(403, "wrong-role");
        // An admin cannot review.
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/suspend",
            &admin_0147,
            json!({ "reason": "x" }),
        )
        .await
        .expect_problem(403, "wrong-role");
        // Unknown municipalities are not found, not created.
        let admin_9999 = app.login("admin", Some("9999")).await;
        app.get("/api/v1/municipalities/9999/installations", &admin_9999)
            .await
            .expect_problem(404, "unknown-municipality");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_are_refused() {
    for app in spawn_apps().await {
        let path = "/api/v1/review";
        let good = json!({ "sub": "op", "role": "operator", "iss": "jobunivers", "aud": "jobunivers-api", "exp": now() + 600, "iat": now() });
        app.get(path, &forge(good.clone(), SECRET))
            .await
            .expect(200);

        let mut expired = good.clone();
        expired["exp"] = json!(now() - 3600);
        let p = app
            .get(path, &forge(expired, SECRET))
            .await
            .expect_problem(401, "invalid-token");
        assert!(p["detail"].as_str().unwrap().contains("expired"));
        let p = app
            .get(
                path,
                &forge(good.clone(), "another-secret-that-is-also-32-bytes-long"),
            )
            .await
            .expect_problem(401, "invalid-token");
        assert!(p["detail"].as_str().unwrap().contains("signature"));
        let mut wrong_iss = good.clone();
        wrong_iss["iss"] = json!("someone-else");
        app.get(path, &forge(wrong_iss, SECRET))
            .await
            .expect_problem(401, "invalid-token");
        let mut wrong_aud = good.clone();
        wrong_aud["aud"] = json!("another-api");
        app.get(path, &forge(wrong_aud, SECRET))
            .await
            .expect_problem(401, "invalid-token");
        let mut no_exp = good.clone();
        no_exp.as_object_mut().unwrap().remove("exp");
        app.get(path, &forge(no_exp, SECRET))
            .await
            .expect_problem(401, "invalid-token");
        // Time claims: valid only from tomorrow, issued next year, living for centuries.
        for (claim, value) in [
            ("nbf", now() + 86_400),
            ("iat", now() + 365 * 86_400),
            ("exp", 32_503_680_000), // the year 3000
        ] {
            let mut odd = good.clone();
            odd[claim] = json!(value);
            app.get(path, &forge(odd, SECRET))
                .await
                .expect_problem(401, "invalid-token");
        }
        let mut long_lived = good.clone();
        long_lived["exp"] = json!(now() + 3 * 86_400);
        app.get(path, &forge(long_lived, SECRET))
            .await
            .expect_problem(401, "invalid-token");
        let mut admin_without_code = good.clone();
        admin_without_code["role"] = json!("admin");
        app.get(path, &forge(admin_without_code, SECRET))
            .await
            .expect_problem(401, "invalid-token");

        // `alg: none`, unsigned.
        use base64::Engine as _;
        let b64 = |v: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let none = format!(
            "{}.{}.",
            b64(&json!({ "alg": "none", "typ": "JWT" })),
            b64(&good)
        );
        app.get(path, &none)
            .await
            .expect_problem(401, "invalid-token");
        // Another algorithm than the pinned one (HS512 with the right secret).
        let hs512 = encode(
            &Header::new(jsonwebtoken::Algorithm::HS512),
            &good,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        app.get(path, &hs512)
            .await
            .expect_problem(401, "invalid-token");
        app.get(path, "garbage")
            .await
            .expect_problem(401, "invalid-token");
        let basic = app.send(reqwest::Method::GET, path, None, None, None).await;
        basic.expect_problem(401, "missing-token");

        // A revoked API token is refused.
        let (vendor, _) = app.vendor("acme").await;
        let t = app
            .post(
                "/api/v1/vendors/acme/tokens",
                &vendor,
                json!({ "label": "ci", "scopes": ["publish", "yank"] }),
            )
            .await
            .expect(201);
        let secret = t["secret"].as_str().unwrap();
        app.upload(secret, b"x".to_vec())
            .await
            .expect_problem(400, "package-invalid");
        assert_eq!(
            app.delete(&format!("/api/v1/vendors/acme/tokens/{}", t["id"]), &vendor)
                .await
                .status,
            204
        );
        let p = app
            .upload(secret, b"x".to_vec())
            .await
            .expect_problem(401, "invalid-token");
        assert!(p["detail"].as_str().unwrap().contains("revoked"));
        // An API token cannot manage keys or tokens.
        app.get("/api/v1/vendors/acme/keys", secret)
            .await
            .expect_problem(401, "invalid-token");
    }
}

/// A role is tied to its kind of tenant: a vendor's tenant is a vendor namespace, never
/// a municipality code, so a correctly signed vendor token for "0751" is refused and
/// cannot read Aarhus' audit log; an API token may publish, yank and deprecate, and
/// read nothing, not even its own vendor's audit log.
#[tokio::test(flavor = "multi_thread")]
async fn roles_are_tied_to_their_kind_of_tenant() {
    for app in spawn_apps().await {
        let admin = app.login("admin", Some("0751")).await;
        app.get("/api/v1/audit/0751", &admin).await.expect(200);
        let claims = |role: &str, tenant: &str| {
            json!({
                "sub": "mallory", "role": role, "tenant": tenant,
                "iss": "jobunivers", "aud": "jobunivers-api",
                "exp": now() + 600, "iat": now(),
            })
        };
        for tenant in [
            "0751",
            "Acme",
            "acme-",
            "-acme",
            "ac me",
            "x".repeat(33).as_str(),
        ] {
            let p = app
                .get(
                    "/api/v1/audit/0751",
                    &forge(claims("vendor", tenant), SECRET),
                )
                .await
                .expect_problem(401, "invalid-token");
            assert!(
                p["detail"].as_str().unwrap().contains("namespace"),
                "{tenant}: {p:#}"
            );
        }
        // A vendor namespace on a municipal role is refused as before.
        app.get(
            "/api/v1/audit/0751",
            &forge(claims("admin", "acme"), SECRET),
        )
        .await
        .expect_problem(401, "invalid-token");

        let (vendor, _) = app.vendor("acme").await;
        app.get("/api/v1/audit/acme", &vendor).await.expect(200);
        let token = app
            .post(
                "/api/v1/vendors/acme/tokens",
                &vendor,
                json!({ "label": "ci", "scopes": ["publish"] }),
            )
            .await
            .expect(201);
        app.get("/api/v1/audit/acme", token["secret"].as_str().unwrap())
            .await
            .expect_problem(403, "token-scope");
    }
}
