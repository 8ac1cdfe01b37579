//! Every way a publish can fail, each with its own problem, and none leaving a row or a
//! blob behind; and the race of two identical publishes.

use ed25519_dalek::Signer;
use jobunivers_host::package::{self, SignatureFile};
use serde_json::json;

use super::{spawn_apps, widget, widget_manifest, widget_package, TestApp};

/// Sign arbitrary bytes as component and manifest.
fn sign(component: &[u8], manifest: &[u8], key: &ed25519_dalek::SigningKey) -> Vec<u8> {
    package::build(component, manifest, key).unwrap()
}

fn signature_file(
    component: &[u8],
    manifest: &[u8],
    key_id: &str,
    signer: &ed25519_dalek::SigningKey,
) -> Vec<u8> {
    let (c, m) = (
        package::sha256_hex(component),
        package::sha256_hex(manifest),
    );
    let sig = signer.sign(&package::signed_message(&c, &m));
    serde_json::to_vec(&SignatureFile {
        algorithm: "ed25519".into(),
        key_id: key_id.into(),
        component_sha256: c,
        manifest_sha256: m,
        signature: base64_encode(&sig.to_bytes()),
    })
    .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A manifest.json for a component that cannot describe itself.
fn manifest_for(id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id, "name": { "da": "X", "en": "X" }, "description": { "da": "X", "en": "X" },
        "version": "1.0.0", "category": "other", "capabilities": [],
        "config_schema": "{}", "default_config": "{}"
    }))
    .unwrap()
}

async fn nothing_left_behind(app: &TestApp, versions: i64) {
    assert_eq!(
        app.count("block_versions").await,
        versions,
        "versions on {}",
        app.backend
    );
    let blobs = app.server.market.blobs().files();
    assert_eq!(
        blobs.len() as i64,
        versions,
        "blobs on {}: {blobs:?}",
        app.backend
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_publish_failure_has_its_own_problem_and_leaves_nothing() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("acme").await;
        let good = widget_package("v1_0_0", &key).await;

        // Who.
        let anon = app
            .send(
                reqwest::Method::POST,
                "/api/v1/packages",
                None,
                None,
                Some(good.clone()),
            )
            .await;
        anon.expect_problem(401, "missing-token");
        let citizen = app.login("citizen", Some("0101")).await;
        app.upload(&citizen, good.clone())
            .await
            .expect_problem(403, "wrong-role");
        let yank_only = app
            .post(
                "/api/v1/vendors/acme/tokens",
                &vendor,
                json!({ "label": "yank", "scopes": ["yank"] }),
            )
            .await
            .expect(201);
        app.upload(yank_only["secret"].as_str().unwrap(), good.clone())
            .await
            .expect_problem(403, "token-scope");
        app.upload("jbt_0000", good.clone())
            .await
            .expect_problem(401, "invalid-token");

        // Another vendor's namespace.
        let (other, other_key) = app.vendor("other").await;
        app.upload(&other, widget_package("v1_0_0", &other_key).await)
            .await
            .expect_problem(403, "namespace");

        // Size and shape.
        app.upload(&vendor, vec![0u8; 10 * 1024 * 1024 + 1])
            .await
            .expect_problem(413, "too-large");
        app.upload(&vendor, b"this is not a package".to_vec())
            .await
            .expect_problem(400, "package-invalid");
        let component = widget("v1_0_0");
        let manifest = widget_manifest("v1_0_0").await;
        let p = app
            .upload(
                &vendor,
                package::build_raw(
                    &component,
                    b"{\"id\": \"acme.widget\"}",
                    &signature_file(&component, b"{}", "x", &key),
                )
                .unwrap(),
            )
            .await
            .expect_problem(400, "manifest-invalid");
        assert_eq!(p["pointer"], "/manifest.json");

        // Digests and signatures.
        let key_id = package::key_id(&key.verifying_key());
        let mut changed = manifest.clone();
        changed.extend_from_slice(b"\n");
        let tampered = package::build_raw(
            &component,
            &changed,
            &signature_file(&component, &manifest, &key_id, &key),
        )
        .unwrap();
        let p = app
            .upload(&vendor, tampered)
            .await
            .expect_problem(400, "digest-mismatch");
        assert_eq!(p["pointer"], "/signature.json/manifest_sha256");
        let stranger = package::generate_key().unwrap();
        app.upload(&vendor, sign(&component, &manifest, &stranger))
            .await
            .expect_problem(400, "unknown-key");
        let forged = package::build_raw(
            &component,
            &manifest,
            &signature_file(&component, &manifest, &key_id, &stranger),
        )
        .unwrap();
        app.upload(&vendor, forged)
            .await
            .expect_problem(400, "signature-invalid");

        // The component itself.
        let text = b"not wasm at all".to_vec();
        let m = manifest_for("acme.text");
        app.upload(&vendor, sign(&text, &m, &key))
            .await
            .expect_problem(422, "component-invalid");
        let core = wat_core_module();
        app.upload(&vendor, sign(&core, &m, &key))
            .await
            .expect_problem(422, "component-invalid");
        let future = crate::helpers::wasm("fixture_future_contract");
        app.upload(&vendor, sign(&future, &manifest_for("acme.future"), &key))
            .await
            .expect_problem(422, "contract-unsupported");
        let undeclared = crate::helpers::wasm("fixture_undeclared");
        let p = app
            .upload(
                &vendor,
                sign(&undeclared, &manifest_for("acme.undeclared"), &key),
            )
            .await
            .expect_problem(422, "undeclared-capability");
        assert!(p["detail"].as_str().unwrap().contains("`jobs`"), "{p}");
        let mut other_manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
        other_manifest["name"]["da"] = json!("Noget andet");
        let other_manifest = serde_json::to_vec(&other_manifest).unwrap();
        app.upload(&vendor, sign(&component, &other_manifest, &key))
            .await
            .expect_problem(422, "manifest-mismatch");
        let p = app
            .upload(&vendor, widget_package("v1_2_0_overask", &key).await)
            .await
            .expect_problem(422, "capability-unused");
        assert!(p["detail"].as_str().unwrap().contains("profile.cv"), "{p}");
        let badconfig = widget("v1_3_0_badconfig");
        let p = app
            .upload(
                &vendor,
                sign(&badconfig, &manifest_for("acme.widget"), &key),
            )
            .await
            .expect_problem(422, "manifest-invalid");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("default configuration"),
            "{p}"
        );
        nothing_left_behind(&app, 0).await;

        // Revoked keys sign nothing more.
        let second = package::generate_key().unwrap();
        app.post("/api/v1/vendors/acme/keys", &vendor, json!({ "label": "old", "public_key": package::encode_key(second.verifying_key().as_bytes()) }))
            .await
            .expect(201);
        let second_id = package::key_id(&second.verifying_key());
        assert_eq!(
            app.delete(&format!("/api/v1/vendors/acme/keys/{second_id}"), &vendor)
                .await
                .status,
            204
        );
        app.upload(&vendor, widget_package("v1_0_0", &second).await)
            .await
            .expect_problem(403, "key-revoked");

        // Versions are immutable and only grow.
        app.upload(&vendor, good.clone()).await.expect(201);
        app.upload(&vendor, good.clone())
            .await
            .expect_problem(409, "version-exists");
        app.upload(&vendor, widget_package("v2_0_0", &key).await)
            .await
            .expect(201);
        let p = app
            .upload(&vendor, widget_package("v1_1_0", &key).await)
            .await
            .expect_problem(409, "version-not-greater");
        assert!(p["detail"].as_str().unwrap().contains("2.0.0"));
        nothing_left_behind(&app, 2).await;

        // The host kept serving throughout.
        assert_eq!(app.get_anon("/healthz").await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_smaller_package_limit_is_configurable() {
    for app in super::spawn_apps_with(|c| c.max_package_bytes = 1024).await {
        let (vendor, key) = app.vendor("acme").await;
        let p = app
            .upload(&vendor, widget_package("v1_0_0", &key).await)
            .await
            .expect_problem(413, "too-large");
        assert!(p["detail"].as_str().unwrap().contains("1024"), "{p}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_concurrent_publishes_of_one_version_exactly_one_succeeds() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("acme").await;
        let package = widget_package("v1_0_0", &key).await;
        let (a, b) = tokio::join!(
            app.upload(&vendor, package.clone()),
            app.upload(&vendor, package.clone())
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{a:?} {b:?} on {}", app.backend);
        let loser = if a.status == 409 { a } else { b };
        assert_eq!(loser.problem(), "version-exists");
        nothing_left_behind(&app, 1).await;
    }
}

/// The smallest core module: `(module)`.
fn wat_core_module() -> Vec<u8> {
    vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]
}

/// A tar entry with a raw header, as a hostile archive would write it.
fn raw_entry(a: &mut tar::Builder<Vec<u8>>, h: &mut tar::Header, name: &str, data: &[u8]) {
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    a.append_data(h, name, data).unwrap();
}

/// Archives that claim more than they hold, or hold what a package must not: a sparse
/// `block.wasm` of 1 GiB in about 2 KiB, a link, the same file twice (a garbage
/// `block.wasm` before the signed one). Each is a 400 from its headers, the server keeps
/// serving, and nothing is written.
#[tokio::test(flavor = "multi_thread")]
async fn crafted_archives_are_refused_from_their_headers() {
    for app in spawn_apps().await {
        let (vendor, key) = app.vendor("acme").await;
        let good = widget_package("v1_0_0", &key).await;

        // The sparse bomb: a well-formed GNU sparse entry of 1 GiB whose one data region
        // (512 bytes) lies at its end.
        let mut bomb = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::GNUSparse);
        {
            let gnu = h.as_gnu_mut().unwrap();
            gnu.set_real_size(1 << 30);
            gnu.sparse[0].set_offset((1 << 30) - 512);
            gnu.sparse[0].set_length(512);
        }
        raw_entry(&mut bomb, &mut h, "block.wasm", &[7u8; 512]);
        let bomb = bomb.into_inner().unwrap();
        assert!(bomb.len() <= 4096, "{}", bomb.len());
        let p = app
            .upload(&vendor, bomb)
            .await
            .expect_problem(400, "package-invalid");
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("'block.wasm' is a sparse file entry"),
            "{p:#}"
        );

        // A symbolic link in place of the component.
        let mut link = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_link_name("/etc/passwd").unwrap();
        raw_entry(&mut link, &mut h, "block.wasm", &[]);
        app.upload(&vendor, link.into_inner().unwrap())
            .await
            .expect_problem(400, "package-invalid");

        // Garbage first, then the signed package's own files: refused, not "last wins".
        let mut twice = tar::Builder::new(Vec::new());
        raw_entry(
            &mut twice,
            &mut tar::Header::new_gnu(),
            "block.wasm",
            b"garbage",
        );
        let mut signed = tar::Archive::new(&good[..]);
        for entry in signed.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            raw_entry(&mut twice, &mut tar::Header::new_gnu(), &name, &data);
        }
        let p = app
            .upload(&vendor, twice.into_inner().unwrap())
            .await
            .expect_problem(400, "package-invalid");
        assert!(
            p["detail"].as_str().unwrap().contains("more than once"),
            "{p:#}"
        );

        nothing_left_behind(&app, 0).await;
        // Still serving, and the good package still goes through.
        app.get_anon("/healthz").await.expect(200);
        app.upload(&vendor, good).await.expect(201);
    }
}
