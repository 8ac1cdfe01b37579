//! Resolution rules over HTTP: requirement, re-grant, yank, pin, suspend and lift,
//! upgrade and rollback, deprecation; and what the admins are told.

use serde_json::json;

use super::spawn_apps;

#[tokio::test(flavor = "multi_thread")]
async fn yank_suspend_pin_regrant_upgrade_and_rollback() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("acme").await;
        for v in ["v1_0_0", "v1_1_0", "v2_0_0"] {
            app.publish_approved(&vendor, &key, v).await;
        }
        let operator = app.login("operator", None).await;
        let admin = app.login("admin", Some("0751")).await;
        let inst = app
            .post(
                "/api/v1/municipalities/0751/installations",
                &admin,
                json!({ "block": "acme.widget", "requirement": "^1", "granted": ["storage"] }),
            )
            .await
            .expect(201);
        let path = format!("/api/v1/municipalities/0751/installations/{}", inst["id"]);
        let version = |v: &serde_json::Value| v["resolution"]["version"].clone();
        // 1.1.0 asks for activity: 1.0.0 runs until it is granted.
        assert_eq!(version(&inst), "1.0.0", "{}", app.backend);
        assert_eq!(inst["resolution"]["awaiting_grant"]["version"], "1.1.0");
        let inst = app
            .patch(&path, &admin, json!({ "granted": ["storage", "activity"] }))
            .await
            .expect(200);
        assert_eq!(version(&inst), "1.1.0");

        // Yanked: no longer picked by a requirement ...
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.1.0/yank",
            &vendor,
            json!({}),
        )
        .await
        .expect_problem(422, "reason-required");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.1.0/yank",
            &vendor,
            json!({ "reason": "counts twice" }),
        )
        .await
        .expect(200);
        assert_eq!(version(&app.get(&path, &admin).await.expect(200)), "1.0.0");
        let notices = app
            .get("/api/v1/municipalities/0751/notices", &admin)
            .await
            .expect(200);
        assert_eq!(notices[0]["kind"], "yanked");
        assert!(notices[0]["message"]
            .as_str()
            .unwrap()
            .contains("counts twice"));
        // ... but a pin to it keeps working.
        let pinned = app
            .patch(&path, &admin, json!({ "pin": "1.1.0" }))
            .await
            .expect(200);
        assert_eq!(version(&pinned), "1.1.0");
        assert_eq!(pinned["pinned_version"], "1.1.0");
        app.patch(&path, &admin, json!({ "pin": "1.9.0" }))
            .await
            .expect_problem(422, "no-such-version");
        let inst = app
            .patch(&path, &admin, json!({ "unpin": true }))
            .await
            .expect(200);
        assert_eq!(version(&inst), "1.0.0");

        // Suspended: the kill switch stops it on the next request, everywhere.
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/suspend",
            &operator,
            json!({}),
        )
        .await
        .expect_problem(422, "reason-required");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/suspend",
            &operator,
            json!({ "reason": "leaks data" }),
        )
        .await
        .expect(200);
        let inst = app.get(&path, &admin).await.expect(200);
        assert_eq!(inst["resolution"]["version"], json!(null));
        assert!(inst["resolution"]["reason"]
            .as_str()
            .unwrap()
            .contains("^1"));
        let resolved = app
            .get("/api/v1/municipalities/0751/resolved", &admin)
            .await
            .expect(200);
        assert_eq!(resolved, json!([]));
        assert_eq!(
            app.get("/api/v1/municipalities/0751/notices", &admin)
                .await
                .expect(200)[0]["kind"],
            "suspended"
        );
        let versions = app
            .get("/api/v1/blocks/acme.widget/versions", &vendor)
            .await
            .expect(200);
        assert_eq!(versions[2]["status"], "suspended");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/suspend",
            &operator,
            json!({ "reason": "again" }),
        )
        .await
        .expect_problem(409, "wrong-state");
        app.post(
            "/api/v1/blocks/acme.widget/versions/1.0.0/lift",
            &operator,
            json!({}),
        )
        .await
        .expect(200);
        assert_eq!(version(&app.get(&path, &admin).await.expect(200)), "1.0.0");

        // Upgrade across the major, then roll back past the yanked version.
        let inst = app
            .post(&format!("{path}/upgrade"), &admin, json!({}))
            .await
            .expect(200);
        assert_eq!(
            (inst["requirement"].clone(), version(&inst)),
            (json!("^2.0.0"), json!("2.0.0"))
        );
        let inst = app
            .post(&format!("{path}/rollback"), &admin, json!({}))
            .await
            .expect(200);
        assert_eq!(
            (inst["pinned_version"].clone(), version(&inst)),
            (json!("1.0.0"), json!("1.0.0"))
        );
        app.post(&format!("{path}/rollback"), &admin, json!({}))
            .await
            .expect_problem(409, "no-earlier-version");

        // Disabled installations do not run; order is the admin's.
        app.patch(&path, &admin, json!({ "enabled": false }))
            .await
            .expect(200);
        assert_eq!(
            app.get("/api/v1/municipalities/0751/resolved", &admin)
                .await
                .expect(200),
            json!([])
        );
        let inst = app
            .patch(
                &path,
                &admin,
                json!({ "enabled": true, "position": 7, "audience": { "groups": ["unge"] } }),
            )
            .await
            .expect(200);
        assert_eq!(inst["position"], 7);
        let resolved = app
            .get("/api/v1/municipalities/0751/resolved", &admin)
            .await
            .expect(200);
        assert_eq!(resolved[0]["audience"], json!({ "groups": ["unge"] }));
        app.patch(
            &path,
            &admin,
            json!({ "audience": { "groups": ["Not Valid"] } }),
        )
        .await
        .expect_problem(422, "invalid-audience");
        app.patch(&path, &admin, json!({ "granted": ["telepathy"] }))
            .await
            .expect_problem(422, "unknown-capability");
        app.patch(&path, &admin, json!({ "requirement": "not semver" }))
            .await
            .expect_problem(422, "invalid-requirement");
        app.patch(&path, &admin, json!({ "requirement": "^3" }))
            .await
            .expect_problem(422, "no-matching-version");
        let p = app
            .patch(
                &path,
                &admin,
                json!({ "config": { "greeting": "Hej", "limit": 1000, "extra": true } }),
            )
            .await
            .expect_problem(422, "invalid-config");
        assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");

        // Deprecation reaches the admins and the catalog.
        app.post(
            "/api/v1/blocks/acme.widget/deprecate",
            &vendor,
            json!({ "message": "Brug den nye", "replacement": "acme.nothing" }),
        )
        .await
        .expect_problem(422, "invalid-replacement");
        assert_eq!(
            app.post(
                "/api/v1/blocks/acme.widget/deprecate",
                &vendor,
                json!({ "message": "Brug den nye" })
            )
            .await
            .status,
            204
        );
        assert_eq!(
            app.get("/api/v1/municipalities/0751/notices", &admin)
                .await
                .expect(200)[0]["kind"],
            "deprecated"
        );
        assert_eq!(
            app.get_anon("/api/v1/catalog/acme.widget")
                .await
                .expect(200)["deprecated"],
            "Brug den nye"
        );

        // Uninstall removes it, and the audit log has it all.
        assert_eq!(app.delete(&path, &admin).await.status, 204);
        app.get(&path, &admin)
            .await
            .expect_problem(404, "unknown-installation");
        let audit = app.get("/api/v1/audit/0751", &admin).await.expect(200);
        assert_eq!(audit[0]["action"], "installation.delete");
        // create, grant, pin, unpin, upgrade, rollback, disable, enable, delete: refused
        // changes leave no entry.
        assert_eq!(audit.as_array().unwrap().len(), 9);
    }
}
