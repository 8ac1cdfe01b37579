//! The soak test: mixed traffic for a long time at about 80% of measured capacity,
//! recording errors, latency, memory and open file descriptors over time.
//!
//! Run with `cargo xtask soak`, or after `cargo xtask blocks`:
//!
//! ```sh
//! cargo bench -p jobunivers-host --bench soak             # SQLite, 10 minutes
//! cargo bench -p jobunivers-host --bench soak -- postgres # a throwaway PostgreSQL database
//! SOAK_SECONDS=60 cargo bench -p jobunivers-host --bench soak
//! ```
//!
//! The server is the one `jobunivers serve --demo` starts (`server::start`), in this
//! process, with the per-identity rate limits raised (this measures the host, not its
//! limiter). `SOAK_CITIZENS` (default 40) citizens of Aarhus, each with a thread to the
//! jobcentre, and the demo's blocks plus `acme.widget`. The mix, by weight:
//!
//! - 60 pages: a citizen's universe (`GET /api/v1/universe`, 8 blocks run);
//! - 14 actions: a citizen saves an application in the job log (a sandboxed call that
//!   writes);
//! - 14 messages: a citizen or the caseworker writes in a thread;
//! - 6 installs: the admin installs `fixtures.hello` and uninstalls it again;
//! - 6 publishes: the vendor uploads a signed package (the first is published, the
//!   rest run the whole pipeline to the version check and are refused with 409).
//!
//! First `SOAK_CAPACITY_SECONDS` (default 20) of the mix as fast as 16 clients go
//! measure capacity; then the soak sends the mix open-loop at `SOAK_LOAD` (default 0.8)
//! of it for `SOAK_SECONDS` (default 600). Every `SOAK_SAMPLE_SECONDS` (default 30) a row:
//! requests, errors, p50/p99, resident memory, open descriptors and threads of this
//! process. Any answer other than the expected statuses, or a transport error, is an
//! error; the run fails if there is one. A block that fails alone on a page that
//! answered (a block over its time budget on a busy machine, say) is what the page is
//! built for, not an error: those are counted and shown beside the errors.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::caps::{CapabilityProvider, EscalationRequest, Scope};
use jobunivers_host::market::{Decision, Market, VendorRegistration};
use jobunivers_host::runtime::model::{ChatMessage, ChatRole};
use jobunivers_host::server::{self, ServerConfig};
use jobunivers_host::web::limits::RateConfig;
use serde_json::json;

const MUNICIPALITY: &str = "0751";

fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn blocks_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("wasm32-wasip2/release")
}

fn who(role: Role, subject: &str, tenant: Option<&str>) -> Identity {
    Identity {
        subject: subject.into(),
        role,
        tenant: tenant.map(str::to_owned),
        scopes: None,
    }
}

/// What the traffic needs: tokens, ids and the package to upload.
struct World {
    base: String,
    client: reqwest::Client,
    citizens: Vec<(String, i64)>,
    caseworker: String,
    admin: String,
    vendor: String,
    job_log: i64,
    package: Vec<u8>,
    installing: tokio::sync::Mutex<()>,
}

/// Register the vendor `acme` with a key; its signed package of `acme.widget` 1.0.0.
async fn vendor_package(market: &Market) -> Vec<u8> {
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
    let (pkg, _) = jobunivers_host::package::package_component(market.runtime(), &bytes, &key)
        .await
        .expect("package");
    pkg
}

async fn setup(server: &server::RunningServer, citizens: usize) -> World {
    let market = &server.market;
    let package = vendor_package(market).await;
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
        installing: tokio::sync::Mutex::new(()),
    }
}

/// The body of an answer with one of the `ok` statuses; otherwise what went wrong.
async fn expect(
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
async fn one(world: &World, pick: u64) -> Result<Vec<String>, String> {
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
        _ => {
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
    }
}

/// A number that spreads picks over the mix and the citizens.
fn picker(seed: u64) -> impl FnMut() -> u64 {
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

/// What one window of the run saw.
#[derive(Default)]
struct Window {
    latencies_us: Vec<u64>,
    errors: u64,
    blocks_failed: u64,
}

#[derive(Default)]
struct Tally {
    window: Mutex<Window>,
    errors: AtomicU64,
    blocks_failed: AtomicU64,
    shed: AtomicU64,
    first_errors: Mutex<Vec<String>>,
    first_block_failures: Mutex<Vec<String>>,
}

impl Tally {
    fn record(&self, started: Instant, result: Result<Vec<String>, String>) {
        let mut w = self.window.lock().expect("tally");
        w.latencies_us.push(started.elapsed().as_micros() as u64);
        if let Ok(failed) = &result {
            w.blocks_failed += failed.len() as u64;
            self.blocks_failed
                .fetch_add(failed.len() as u64, Ordering::Relaxed);
            let mut first = self.first_block_failures.lock().expect("failures");
            for f in failed.iter().take(10 - first.len().min(10)) {
                first.push(f.clone());
            }
        }
        if let Err(e) = result {
            w.errors += 1;
            self.errors.fetch_add(1, Ordering::Relaxed);
            let mut first = self.first_errors.lock().expect("errors");
            if first.len() < 10 {
                first.push(e);
            }
        }
    }

    fn take(&self) -> Window {
        std::mem::take(&mut *self.window.lock().expect("tally"))
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// This process: resident memory (MiB), open descriptors, threads.
fn process() -> (f64, usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0)
    };
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count());
    (field("VmRSS:") / 1024.0, fds, field("Threads:") as usize)
}

/// The mix as fast as `clients` go for `seconds`: requests per second.
async fn capacity(world: Arc<World>, clients: u64, seconds: f64) -> f64 {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let done = Arc::new(AtomicU64::new(0));
    let tally = Arc::new(Tally::default());
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (world, done, tally) = (world.clone(), done.clone(), tally.clone());
        tasks.push(tokio::spawn(async move {
            let mut next = picker(c + 1);
            while Instant::now() < until {
                let started = Instant::now();
                let r = one(&world, next()).await;
                tally.record(started, r);
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
    let errors = tally.errors.load(Ordering::Relaxed);
    assert_eq!(
        errors,
        0,
        "errors while measuring capacity: {:?}",
        tally.first_errors.lock().expect("errors")
    );
    done.load(Ordering::Relaxed) as f64 / seconds
}

fn psql(url: &str, sql: &str) {
    let ok = Command::new("psql")
        .args([&format!("{url}/postgres"), "-q", "-c", sql])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "psql failed: {sql}");
}

fn main() {
    let backend = if std::env::args().skip(1).any(|a| a == "postgres") {
        "postgres"
    } else {
        "sqlite"
    };
    let seconds = env_or("SOAK_SECONDS", 600.0);
    let sample = env_or("SOAK_SAMPLE_SECONDS", 30.0);
    let load = env_or("SOAK_LOAD", 0.8);
    let citizens = env_or("SOAK_CITIZENS", 40.0) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let data = tempfile::tempdir().expect("temp dir");
    let postgres = std::env::var("JOBUNIVERS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let db_name = format!("jobunivers_soak_{}", std::process::id());
    let mut config = ServerConfig::new(data.path().to_path_buf());
    config.addr = "127.0.0.1:0".parse().expect("addr");
    config.demo = true;
    config.blocks_dir = Some(blocks_dir());
    config.rates = RateConfig {
        writes_per_minute: 1_000_000,
        publishes_per_minute: 1_000_000,
        logins_per_minute: 1_000_000,
    };
    if backend == "postgres" {
        psql(&postgres, &format!("CREATE DATABASE {db_name}"));
        config.database_url = Some(format!("{postgres}/{db_name}"));
    }
    let (server, world) = runtime.block_on(async {
        let server = server::start(config).await.expect("server");
        let world = Arc::new(setup(&server, citizens).await);
        (server, world)
    });
    let capacity_seconds = env_or("SOAK_CAPACITY_SECONDS", 20.0);
    let capacity = runtime.block_on(capacity(world.clone(), 16, capacity_seconds));
    let rate = capacity * load;
    println!(
        "{backend}: capacity {capacity:.0} requests/s with 16 clients; soak at {rate:.0}/s ({:.0}%) for {seconds:.0} s",
        load * 100.0
    );
    println!(
        "\n| minute | requests/s | errors | blocks failed alone | p50 | p99 | memory (MiB) | descriptors | threads |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let tally = Arc::new(Tally::default());
    let rows = runtime.block_on(async {
        let start = Instant::now();
        let in_flight = Arc::new(tokio::sync::Semaphore::new(256));
        let sender = {
            let (world, tally, in_flight) = (world.clone(), tally.clone(), in_flight.clone());
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let mut next = picker(7);
                while start.elapsed().as_secs_f64() < seconds {
                    ticks.tick().await;
                    let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                        tally.shed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    let (world, tally, pick) = (world.clone(), tally.clone(), next());
                    tokio::spawn(async move {
                        let started = Instant::now();
                        let r = one(&world, pick).await;
                        tally.record(started, r);
                        drop(permit);
                    });
                }
            })
        };
        let mut rows = Vec::new();
        let mut last = Instant::now();
        while !sender.is_finished() {
            tokio::time::sleep(Duration::from_secs_f64(sample)).await;
            let mut w = tally.take();
            w.latencies_us.sort_unstable();
            let (rss, fds, threads) = process();
            let row = (
                start.elapsed().as_secs_f64() / 60.0,
                w.latencies_us.len() as f64 / last.elapsed().as_secs_f64(),
                w.errors,
                w.blocks_failed,
                percentile(&w.latencies_us, 0.5),
                percentile(&w.latencies_us, 0.99),
                rss,
                fds,
                threads,
            );
            last = Instant::now();
            println!(
                "| {:.1} | {:.0} | {} | {} | {:.1} ms | {:.1} ms | {:.0} | {} | {} |",
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8
            );
            rows.push(row);
        }
        // Let what is in flight finish.
        let _ = in_flight.acquire_many(256).await;
        rows
    });
    let errors = tally.errors.load(Ordering::Relaxed);
    let shed = tally.shed.load(Ordering::Relaxed);
    let blocks_failed = tally.blocks_failed.load(Ordering::Relaxed);
    let rss: Vec<f64> = rows.iter().map(|r| r.6).collect();
    let fds: Vec<usize> = rows.iter().map(|r| r.7).collect();
    let second_half = &rss[rss.len() / 2..];
    let growth =
        second_half.last().copied().unwrap_or(0.0) - second_half.first().copied().unwrap_or(0.0);
    println!(
        "\n{backend}: {errors} errors, {blocks_failed} blocks failed alone on a page that answered, {shed} requests not sent (256 in flight); memory {:.0} → {:.0} MiB (max {:.0}; second half {growth:+.0} MiB); descriptors {} → {} (max {})",
        rss.first().copied().unwrap_or(0.0),
        rss.last().copied().unwrap_or(0.0),
        rss.iter().copied().fold(0.0, f64::max),
        fds.first().copied().unwrap_or(0),
        fds.last().copied().unwrap_or(0),
        fds.iter().copied().max().unwrap_or(0),
    );
    for e in tally.first_errors.lock().expect("errors").iter() {
        println!("error: {e}");
    }
    for f in tally.first_block_failures.lock().expect("failures").iter() {
        println!("block failed alone: {f}");
    }
    server.stop();
    drop(server);
    if backend == "postgres" {
        std::thread::sleep(Duration::from_millis(200));
        psql(
            &postgres,
            &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
        );
    }
    assert_eq!(errors, 0, "the soak saw errors");
}
