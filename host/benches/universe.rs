//! The citizen's universe under load: the demo citizen's page of 8 blocks, loaded over
//! HTTP on loopback by `wrk`, on SQLite and on PostgreSQL, each time once with the
//! blocks in their WebAssembly sandboxes (`GET /api/v1/universe`, the production path)
//! and once with the same blocks compiled natively (`GET /api/v1/bench/universe-native`,
//! the baseline), in the same server process, on the same data.
//!
//! Run with `cargo xtask loadtest`, or after `cargo xtask blocks`:
//!
//! ```sh
//! cargo bench -p jobunivers-host --features native-blocks --bench universe
//! cargo bench -p jobunivers-host --features native-blocks --bench universe -- sqlite
//! ```
//!
//! Needs `wrk` (Debian: `apt-get install wrk`) and, for PostgreSQL, a server with trust
//! auth at `JOBUNIVERS_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`; a
//! throwaway database is created and dropped). `UNIVERSE_BENCH_SECONDS` (default 15),
//! `UNIVERSE_BENCH_CONNECTIONS` (default 32) and `UNIVERSE_BENCH_THREADS` (default 2)
//! shape the load; each measured run follows a 3 s warm-up of the same path.
//!
//! The server is the one `jobunivers serve --demo` starts (`server::start`, with the
//! same multi-threaded tokio runtime), in this process. The page: the demo's six
//! example blocks of Aarhus (job-log, job-feed, cv-coach, chatbot, course, booking) and
//! two more installations this benchmark publishes and installs through the
//! marketplace: `acme.widget` 1.0.0 (a visit counter: one storage read and one storage
//! write per render) and `fixtures.hello` (draws a greeting, no capability calls).
//! The demo citizen consents to every personal-data capability the blocks ask for, so
//! job-log, job-feed and cv-coach read the profile on every page.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;
use std::time::Duration;

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::market::{Decision, Market, NewInstallation, VendorRegistration};
use jobunivers_host::server::{self, ServerConfig};
use support::{blocks_dir, psql};

const MUNICIPALITY: &str = "0751";

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn who(role: Role, subject: &str, tenant: Option<&str>) -> Identity {
    Identity {
        subject: subject.into(),
        role,
        tenant: tenant.map(str::to_owned),
        scopes: None,
    }
}

/// Publish, approve and install one more block for Aarhus, by its own vendor.
async fn add_block(market: &Market, namespace: &str, file: &str, position: i64) {
    let operator = who(Role::Operator, "operator", None);
    let vendor = who(
        Role::Vendor,
        &format!("vendor-{namespace}"),
        Some(namespace),
    );
    let admin = who(
        Role::Admin,
        &format!("admin-{MUNICIPALITY}"),
        Some(MUNICIPALITY),
    );
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: namespace.into(),
                name: format!("{namespace} (benchmark)"),
                contact_email: format!("bench@{namespace}.example"),
            },
        )
        .await
        .expect("register vendor");
    market
        .decide_vendor(&operator, namespace, true, Some("benchmark"))
        .await
        .expect("approve vendor");
    let key = jobunivers_host::package::generate_key().expect("key");
    market
        .add_key(
            &vendor,
            namespace,
            "bench",
            &jobunivers_host::package::encode_key(key.verifying_key().as_bytes()),
        )
        .await
        .expect("add key");
    let bytes = std::fs::read(blocks_dir().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}; run `cargo xtask blocks` first"));
    let (pkg, block) = jobunivers_host::package::package_component(market.runtime(), &bytes, &key)
        .await
        .expect("package");
    let v = market.publish(&vendor, &pkg).await.expect("publish");
    market
        .decide(
            &operator,
            &v.block,
            &v.version,
            Decision::Approve,
            Some("benchmark"),
        )
        .await
        .expect("approve");
    market
        .install(
            &admin,
            MUNICIPALITY,
            NewInstallation {
                block: v.block.clone(),
                requirement: None,
                config: None,
                granted: block
                    .manifest
                    .requested
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect(),
                audience: Default::default(),
                position: Some(position),
                enabled: Some(true),
                legal_basis: Default::default(),
            },
        )
        .await
        .expect("install");
}

/// What wrk measured.
#[derive(Debug, Clone, Copy)]
struct Load {
    rps: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    errors: u64,
}

fn ms(text: &str) -> f64 {
    let text = text.trim();
    let (n, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    n.parse::<f64>().expect("a wrk latency") * scale
}

fn wrk(url: &str, token: &str, seconds: u64) -> Load {
    let threads = env_or("UNIVERSE_BENCH_THREADS", 2);
    let connections = env_or("UNIVERSE_BENCH_CONNECTIONS", 32);
    let out = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url)
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
    };
    let errors = text
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("Non-2xx or 3xx responses:"))
        .map(|n| n.trim().parse::<u64>().unwrap_or(0))
        .sum::<u64>()
        + text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("Socket errors:"))
            .count() as u64;
    let load = Load {
        rps: field("Requests/sec:")
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}")),
        p50_ms: ms(&field("50%").expect("p50")),
        p90_ms: ms(&field("90%").expect("p90")),
        p99_ms: ms(&field("99%").expect("p99")),
        errors,
    };
    if load.errors > 0 {
        eprintln!("wrk reported errors:\n{text}");
    }
    load
}

/// One server with the given optimisations switched off, its page loaded on `paths`.
fn measure(
    runtime: &tokio::runtime::Runtime,
    backend: &str,
    switches_off: &[&str],
    paths: &[&str],
) -> Vec<Load> {
    for name in [
        "UNIVERSE_BENCH_NO_CACHE",
        "UNIVERSE_BENCH_LOG_EACH_READ",
        "UNIVERSE_BENCH_NO_WRITE_TURN",
    ] {
        // Read by the universe when the server starts.
        if switches_off.contains(&name) {
            std::env::set_var(name, "1");
        } else {
            std::env::remove_var(name);
        }
    }
    let seconds = env_or("UNIVERSE_BENCH_SECONDS", 15);
    let data = tempfile::tempdir().expect("temp dir");
    let postgres = std::env::var("JOBUNIVERS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let db_name = format!("jobunivers_universe_bench_{}", std::process::id());
    let mut config = ServerConfig::new(data.path().to_path_buf());
    config.addr = "127.0.0.1:0".parse().expect("addr");
    config.demo = true;
    config.blocks_dir = Some(blocks_dir());
    if backend == "postgres" {
        psql(&postgres, &format!("CREATE DATABASE {db_name}"));
        config.database_url = Some(format!("{postgres}/{db_name}"));
    }
    let (server, token) = runtime.block_on(async {
        let server = server::start(config).await.expect("server");
        add_block(&server.market, "acme", "fixture_widget_v1_0_0.wasm", 7).await;
        add_block(&server.market, "fixtures", "fixture_hello.wasm", 8).await;
        // The citizen allows every block the personal data it asks for, so the blocks
        // read the profile (and each read goes on the access log), as for a citizen
        // who uses them.
        let citizen = who(
            Role::Citizen,
            jobunivers_host::demo::CITIZEN,
            Some(MUNICIPALITY),
        );
        for block in server.universe.consents(&citizen).await.expect("consents") {
            for c in block.capabilities {
                server
                    .universe
                    .set_consent(&citizen, block.installation, &c.name, true)
                    .await
                    .expect("consent");
            }
        }
        let token = server
            .auth
            .issue(
                jobunivers_host::demo::CITIZEN,
                Role::Citizen,
                Some(MUNICIPALITY),
            )
            .expect("token");
        (server, token)
    });
    let base = format!("http://{}", server.addr);
    // Both paths must show the same eight blocks, all rendered.
    for path in ["/api/v1/universe", "/api/v1/bench/universe-native"] {
        let page: serde_json::Value = runtime.block_on(async {
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("GET")
                .json()
                .await
                .expect("JSON")
        });
        let blocks = page["blocks"].as_array().expect("blocks");
        let summary: Vec<String> = blocks
            .iter()
            .map(|b| format!("{} {}", b["block"], b["status"]))
            .collect();
        assert_eq!(blocks.len(), 8, "{path}: {summary:?}");
        assert!(
            blocks.iter().all(|b| b["status"] == "ok"),
            "{path}: {page:#}"
        );
        println!("{backend} {path}: {}", summary.join(", "));
    }
    let mut out = Vec::new();
    for path in paths {
        let url = format!("{base}{path}");
        wrk(&url, &token, 3);
        std::thread::sleep(Duration::from_millis(500));
        let load = wrk(&url, &token, seconds);
        println!(
            "{backend} {switches_off:?} off, {path}: {:.0} pages/s, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, errors {}",
            load.rps, load.p50_ms, load.p90_ms, load.p99_ms, load.errors
        );
        out.push(load);
    }
    server.stop();
    drop(server);
    if backend == "postgres" {
        // Let the pool's connections go before dropping the database.
        std::thread::sleep(Duration::from_millis(200));
        psql(
            &postgres,
            &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
        );
    }
    out
}

const WASM: &str = "/api/v1/universe";
const NATIVE: &str = "/api/v1/bench/universe-native";

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    // `UNIVERSE_BENCH_STEPS=1` also measures the page with the optimisations switched
    // off one after the other (what each bought).
    let steps = std::env::var("UNIVERSE_BENCH_STEPS").is_ok_and(|v| v == "1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut rows: Vec<(&str, Load, Load)> = Vec::new();
    let mut step_rows: Vec<(&str, &str, Load)> = Vec::new();
    for backend in ["sqlite", "postgres"] {
        if !filter.is_empty() && !filter.iter().any(|f| backend.contains(f.as_str())) {
            continue;
        }
        if steps {
            let mut off = vec![
                "UNIVERSE_BENCH_NO_CACHE",
                "UNIVERSE_BENCH_LOG_EACH_READ",
                "UNIVERSE_BENCH_NO_WRITE_TURN",
            ];
            let names = [
                "no resolution cache, profile read and logged per call, no write turns",
                "+ resolution cache",
                "+ page provider (one profile read, one access-log insert per page)",
            ];
            // The write turns exist on SQLite only.
            let n = if backend == "sqlite" { 3 } else { 2 };
            for name in names.iter().take(n) {
                let l = measure(&runtime, backend, &off, &[WASM]);
                step_rows.push((backend, name, l[0]));
                off.remove(0);
            }
        }
        let l = measure(&runtime, backend, &[], &[WASM, NATIVE]);
        if steps {
            step_rows.push((
                backend,
                if backend == "sqlite" {
                    "+ SQLite writers take turns in the process (all on)"
                } else {
                    "+ page provider (all on)"
                },
                l[0],
            ));
        }
        rows.push((backend, l[0], l[1]));
    }
    if steps {
        println!("\n| backend | wasm page | pages/s | p50 | p99 |");
        println!("|---|---|---:|---:|---:|");
        for (backend, step, l) in step_rows {
            println!(
                "| {backend} | {step} | {:.0} | {:.1} ms | {:.1} ms |",
                l.rps, l.p50_ms, l.p99_ms
            );
        }
    }
    println!("\n| backend | blocks run as | pages/s | p50 | p90 | p99 |");
    println!("|---|---|---:|---:|---:|---:|");
    for (backend, w, n) in &rows {
        for (how, l) in [("wasm (sandboxed)", w), ("native (baseline)", n)] {
            println!(
                "| {backend} | {how} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms |",
                l.rps, l.p50_ms, l.p90_ms, l.p99_ms
            );
        }
    }
    println!();
    for (backend, w, n) in &rows {
        println!(
            "{backend}: native/wasm = {:.2}x pages/s, wasm/native p99 = {:.2}x (target: within 2x)",
            n.rps / w.rps,
            w.p99_ms / n.p99_ms
        );
    }
}
