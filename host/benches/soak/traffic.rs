//! The traffic: the world it runs in (citizens, tokens, a package) and one request of
//! the mix.

use std::time::Duration;

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::caps::{CapabilityProvider, EscalationRequest, Scope};
use jobunivers_host::market::{Decision, Market, VendorRegistration};
use jobunivers_host::runtime::model::{ChatMessage, ChatRole};
use jobunivers_host::server;
use serde_json::json;

use crate::support::blocks_dir;

pub(crate) const MUNICIPALITY: &str = "0751";

pub(crate) fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub(crate) fn who(role: Role, subject: &str, tenant: Option<&str>) -> Identity {
    Identity {
        subject: subject.into(),
        role,
        tenant: tenant.map(str::to_owned),
        scopes: None,
    }
}

/// What the traffic needs: tokens, ids and the package to upload.
pub(crate) struct World {
    base: String,
    client: reqwest::Client,
    citizens: Vec<(String, i64)>,
    caseworker: String,
    admin: String,
    vendor: String,
    job_log: i64,
    package: Vec<u8>,
    mismatched: Vec<u8>,
    installing: tokio::sync::Mutex<()>,
}

/// Register the vendor `acme` with a key; its signed package of `acme.widget` 1.0.0,
/// and a signed package of the same component whose manifest claims 1.0.1: it passes
/// every check up to the compilation, then is refused as `manifest-mismatch`, so each
/// upload of it costs the server a full compile of the component.
pub(crate) async fn vendor_packages(market: &Market) -> (Vec<u8>, Vec<u8>) {
    let operator = who(Role::Operator, "operator", None);
    let vendor = who(Role::Vendor, "vendor-acme", Some("acme"));
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: "acme".into(),
                name: "Acme (soak)".into(),
                contact_email: "soak@acme.example".into(),
            },
        )
        .await
        .expect("register vendor");
    market
        .decide_vendor(&operator, "acme", true, Some("soak"))
        .await
        .expect("approve vendor");
    let key = jobunivers_host::package::generate_key().expect("key");
    market
        .add_key(
            &vendor,
            "acme",
            "soak",
            &jobunivers_host::package::encode_key(key.verifying_key().as_bytes()),
        )
        .await
        .expect("add key");
    let bytes = std::fs::read(blocks_dir().join("fixture_widget_v1_0_0.wasm"))
        .expect("fixture_widget_v1_0_0.wasm; run `cargo xtask blocks` first");
    let (pkg, block) = jobunivers_host::package::package_component(market.runtime(), &bytes, &key)
        .await
        .expect("package");
    let mut claimed = block.manifest.raw.clone();
    claimed.version = "1.0.1".into();
    let claimed = serde_json::to_vec_pretty(&claimed).expect("manifest");
    let mismatched = jobunivers_host::package::build(&bytes, &claimed, &key).expect("package");
    (pkg, mismatched)
}

pub(crate) async fn setup(server: &server::RunningServer, citizens: usize) -> World {
    let market = &server.market;
    let (package, mismatched) = vendor_packages(market).await;
    // `fixtures.hello` from its own vendor, approved, for the install/uninstall cycle.
    {
        let operator = who(Role::Operator, "operator", None);
        let vendor = who(Role::Vendor, "vendor-fixtures", Some("fixtures"));
        market
            .register_vendor(
                None,
                VendorRegistration {
                    namespace: "fixtures".into(),
                    name: "Fixtures (soak)".into(),
                    contact_email: "soak@fixtures.example".into(),
                },
            )
            .await
            .expect("register vendor");
        market
            .decide_vendor(&operator, "fixtures", true, Some("soak"))
            .await
            .expect("approve");
        let key = jobunivers_host::package::generate_key().expect("key");
        market
            .add_key(
                &vendor,
                "fixtures",
                "soak",
                &jobunivers_host::package::encode_key(key.verifying_key().as_bytes()),
            )
            .await
            .expect("add key");
        let bytes = std::fs::read(blocks_dir().join("fixture_hello.wasm")).expect("hello");
        let (pkg, _) = jobunivers_host::package::package_component(market.runtime(), &bytes, &key)
            .await
            .expect("package");
        let v = market.publish(&vendor, &pkg).await.expect("publish");
        market
            .decide(
                &operator,
                &v.block,
                &v.version,
                Decision::Approve,
                Some("soak"),
            )
            .await
            .expect("approve");
    }
    let issue = |role, subject: &str| {
        server
            .auth
            .issue(subject, role, Some(MUNICIPALITY))
            .expect("token")
    };
    let admin = issue(Role::Admin, "admin-0751");
    let caseworker = issue(Role::Caseworker, "caseworker-0751");
    let vendor = server
        .auth
        .issue("vendor-acme", Role::Vendor, Some("acme"))
        .expect("token");
    let base = format!("http://{}", server.addr);
    // Idle connections are dropped before the server's header timeout (10 s) closes
    // them, so a request never goes out on a connection the server is closing.
    let client = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let resolved: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/municipalities/{MUNICIPALITY}/resolved"
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("resolved")
        .json()
        .await
        .expect("JSON");
    let job_log = resolved
        .as_array()
        .expect("a list")
        .iter()
        .find(|r| r["block"] == "jobunivers.job-log")
        .and_then(|r| r["installation"].as_i64())
        .expect("the demo installs the job log");
    let provider = server.universe.provider();
    let profile = jobunivers_host::demo::profile();
    let mut out = Vec::new();
    for n in 0..citizens {
        let id = format!("soak-citizen-{n}");
        provider
            .ensure_citizen(&id, MUNICIPALITY, Some(&profile))
            .await
            .expect("citizen");
        let scope = Scope {
            installation: job_log.to_string(),
            block_id: "jobunivers.job-log".into(),
            block_version: "1.0.0".into(),
            citizen: id.clone(),
            municipality: MUNICIPALITY.into(),
            now_ms: jobunivers_host::clock::now_ms(),
        };
        let thread: i64 = provider
            .escalate_open(
                &scope,
                EscalationRequest::ChatHandover {
                    transcript: vec![ChatMessage {
                        role: ChatRole::Citizen,
                        text: "Jeg vil gerne tale med en medarbejder".into(),
                        at_ms: None,
                    }],
                    summary: "Soak".into(),
                },
            )
            .await
            .expect("thread")
            .trim_start_matches("thread-")
            .parse()
            .expect("a thread id");
        // The job log reads the profile only with consent.
        let me = who(Role::Citizen, &id, Some(MUNICIPALITY));
        for block in server.universe.consents(&me).await.expect("consents") {
            for c in block.capabilities {
                // Blocks on a public-task basis need no consent and refuse one.
                let _ = server
                    .universe
                    .set_consent(&me, block.installation, &c.name, true)
                    .await;
            }
        }
        out.push((issue(Role::Citizen, &id), thread));
    }
    World {
        base,
        client,
        citizens: out,
        caseworker,
        admin,
        vendor,
        job_log,
        package,
        mismatched,
        installing: tokio::sync::Mutex::new(()),
    }
}

/// The body of an answer with one of the `ok` statuses; otherwise what went wrong.
pub(crate) async fn expect(
    res: reqwest::Result<reqwest::Response>,
    ok: &[u16],
    what: &str,
) -> Result<Vec<u8>, String> {
    let res = res.map_err(|e| format!("{what}: {e}"))?;
    let status = res.status().as_u16();
    let body = res
        .bytes()
        .await
        .map_err(|e| format!("{what}: {e}"))?
        .to_vec();
    if ok.contains(&status) {
        Ok(body)
    } else {
        Err(format!(
            "{what}: {status} {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ))
    }
}

/// One request of the mix: how many blocks on a page failed alone (the page itself
/// answered), or what went wrong.
pub(crate) async fn one(world: &World, pick: u64) -> Result<Vec<String>, String> {
    let w = world;
    let (citizen, thread) = &w.citizens[(pick / 100) as usize % w.citizens.len()];
    match pick % 100 {
        0..=59 => {
            let page = w
                .client
                .get(format!("{}/api/v1/universe", w.base))
                .bearer_auth(citizen)
                .send()
                .await;
            let body = expect(page, &[200], "page").await?;
            let page: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| format!("page: {e}"))?;
            let blocks = page["blocks"].as_array().map(Vec::len).unwrap_or(0);
            let failed: Vec<String> = page["blocks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b["status"] != "ok")
                .map(|b| format!("{} {} ({})", b["block"], b["status"], b["failure"]))
                .collect();
            if blocks == 0 || failed.len() == blocks {
                return Err(format!(
                    "page: {} of {blocks} blocks failed: {}",
                    failed.len(),
                    failed.join(", ")
                ));
            }
            Ok(failed)
        }
        60..=73 => {
            let res = w
                .client
                .post(format!(
                    "{}/api/v1/universe/blocks/{}/actions",
                    w.base, w.job_log
                ))
                .bearer_auth(citizen)
                .json(&json!({
                    "action": "add",
                    "fields": {
                        "employer": "Salling Group",
                        "title": "Lagermedarbejder",
                        "occupation": "http://data.europa.eu/esco/isco/C9333",
                        "applied": "2026-12-01",
                        "channel": "online",
                        "status": "sent"
                    }
                }))
                .send()
                .await;
            expect(res, &[200], "action").await.map(|_| Vec::new())
        }
        74..=87 => {
            let token = if pick.is_multiple_of(2) {
                citizen
            } else {
                &w.caseworker
            };
            let res = w
                .client
                .post(format!("{}/api/v1/threads/{thread}/messages", w.base))
                .bearer_auth(token)
                .json(&json!({ "text": "Tak for svaret. Jeg kommer gerne til en samtale." }))
                .send()
                .await;
            expect(res, &[200, 201], "message")
                .await
                .map(|_| Vec::new())
        }
        88..=93 => {
            // One install cycle at a time: two would race for the same block.
            let _turn = w.installing.lock().await;
            let url = format!(
                "{}/api/v1/municipalities/{MUNICIPALITY}/installations",
                w.base
            );
            let res = w
                .client
                .post(&url)
                .bearer_auth(&w.admin)
                .json(&json!({ "block": "fixtures.hello", "position": 20 }))
                .send()
                .await;
            let body = expect(res, &[201], "install").await?;
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_i64())
                .ok_or("install: no id")?;
            let res = w
                .client
                .delete(format!("{url}/{id}"))
                .bearer_auth(&w.admin)
                .send()
                .await;
            expect(res, &[204], "uninstall").await.map(|_| Vec::new())
        }
        // One pick in a thousand is the broken upload; the rest of the slot publishes.
        94..=99 if pick % 100 != 99 || !(pick / 100).is_multiple_of(10) => {
            let res = w
                .client
                .post(format!("{}/api/v1/packages", w.base))
                .bearer_auth(&w.vendor)
                .header("content-type", "application/octet-stream")
                .body(w.package.clone())
                .send()
                .await;
            expect(res, &[201, 409], "publish")
                .await
                .map(|_| Vec::new())
        }
        _ => {
            // Compiled in full, then refused: the costly upload a broken build makes.
            let res = w
                .client
                .post(format!("{}/api/v1/packages", w.base))
                .bearer_auth(&w.vendor)
                .header("content-type", "application/octet-stream")
                .body(w.mismatched.clone())
                .send()
                .await;
            expect(res, &[422], "publish (mismatch)")
                .await
                .map(|_| Vec::new())
        }
    }
}

/// A number that spreads picks over the mix and the citizens.
pub(crate) fn picker(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
