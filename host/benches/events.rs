//! The event loop's fan-out: an import of 500 new job postings to the job feed of every
//! citizen of one municipality, on SQLite and on PostgreSQL.
//!
//! Run after `cargo xtask blocks` with
//!
//! ```sh
//! cargo bench -p jobunivers-host --bench events
//! EVENTS_BENCH_CITIZENS=500 cargo bench -p jobunivers-host --bench events -- sqlite
//! ```
//!
//! PostgreSQL must be running with trust auth at `JOBUNIVERS_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432`); a throwaway database is created and dropped.
//! `EVENTS_BENCH_CITIZENS` (default 2,000) sets the citizens, `EVENTS_BENCH_WORKERS`
//! (default 2, the server's default) the dispatcher's workers.
//!
//! The server is the one `jobunivers serve` starts (`server::start`), with its own
//! dispatcher off: the benchmark runs one `Dispatcher` until it is idle, exactly what
//! the background task runs. The job feed is published through the marketplace and
//! installed for Aarhus with every capability it asks for; the citizens, each with the
//! demo citizen's profile and consenting to the feed's profile data, are written with
//! SQL in one transaction. Measured from the start of the import (`import_job_postings`,
//! which records the event) until the dispatcher is idle: deliveries per second, and the
//! time until the last notification was written (from the notifications' own times).
//! Each delivery is one sandboxed `on-event` call in which the feed reads the
//! profile, fetches up to 200 of the new postings, ranks them and sends its best
//! matches (at most its daily limit).

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use jobunivers_host::auth::{Identity, Role};
use jobunivers_host::events::Dispatcher;
use jobunivers_host::market::{Decision, Market, NewInstallation, VendorRegistration};
use jobunivers_host::server::{self, JwtKeys, Secret, ServerConfig};
use sqlx::Row;
use support::{blocks_dir, psql};

const MUNICIPALITY: &str = "0751";
const POSTINGS: usize = 500;

fn env_or(name: &str, default: usize) -> usize {
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

/// Publish, approve and install the job feed for Aarhus with everything it asks for;
/// its installation.
async fn install_job_feed(market: &Market) -> i64 {
    let operator = who(Role::Operator, "operator", None);
    let vendor = who(Role::Vendor, "vendor-jobunivers", Some("jobunivers"));
    let admin = who(
        Role::Admin,
        &format!("admin-{MUNICIPALITY}"),
        Some(MUNICIPALITY),
    );
    market
        .register_vendor(
            None,
            VendorRegistration {
                namespace: "jobunivers".into(),
                name: "Jobunivers (benchmark)".into(),
                contact_email: "bench@jobunivers.example".into(),
            },
        )
        .await
        .expect("register vendor");
    market
        .decide_vendor(&operator, "jobunivers", true, Some("benchmark"))
        .await
        .expect("approve vendor");
    let key = jobunivers_host::package::generate_key().expect("key");
    market
        .add_key(
            &vendor,
            "jobunivers",
            "bench",
            &jobunivers_host::package::encode_key(key.verifying_key().as_bytes()),
        )
        .await
        .expect("add key");
    let bytes = std::fs::read(blocks_dir().join("job_feed.wasm"))
        .unwrap_or_else(|e| panic!("job_feed.wasm: {e}; run `cargo xtask blocks` first"));
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
                position: Some(1),
                enabled: Some(true),
                legal_basis: Default::default(),
            },
        )
        .await
        .expect("install")
        .id
}

/// `n` citizens of Aarhus with the demo profile, each allowing the feed its profile
/// data, in one transaction.
async fn seed_citizens(db: &jobunivers_host::db::Db, feed: i64, n: usize) {
    let profile = serde_json::to_string(&jobunivers_host::demo::profile()).expect("profile");
    let now = jobunivers_host::clock::now_ms();
    let mut tx = db.begin_write().await.expect("tx");
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let ids: Vec<String> = chunk.iter().map(|i| format!("bench-{i:06}")).collect();
        let rows = |per: usize| {
            (0..ids.len())
                .map(|i| {
                    let marks: Vec<String> =
                        (1..=per).map(|k| format!("${}", per * i + k)).collect();
                    format!("({})", marks.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let sql = format!(
            "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES {}",
            rows(4)
        );
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id.as_str()).bind(MUNICIPALITY).bind("[]").bind(now);
        }
        q.execute(&mut *tx).await.expect("citizens");
        let sql = format!(
            "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES {}",
            rows(3)
        );
        let mut q = sqlx::query(&sql);
        for id in &ids {
            q = q.bind(id.as_str()).bind(profile.as_str()).bind(now);
        }
        q.execute(&mut *tx).await.expect("profiles");
        for capability in ["profile.occupations", "profile.skills", "profile.area"] {
            let sql = format!(
                "INSERT INTO consents (citizen_id, installation_id, capability, legal_basis, granted_ms) VALUES {}",
                rows(5)
            );
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q
                    .bind(id.as_str())
                    .bind(feed)
                    .bind(capability)
                    .bind("consent")
                    .bind(now);
            }
            q.execute(&mut *tx).await.expect("consents");
        }
    }
    tx.commit().await.expect("commit");
}

/// 500 new postings: the demo's five, over and over under new ids, without deadlines.
fn postings() -> String {
    let demo = jobunivers_host::demo::jobs();
    let all: Vec<_> = (0..POSTINGS)
        .map(|i| {
            let mut p = demo[i % demo.len()].clone();
            p.id = format!("bench-job-{i:04}");
            p.deadline = None;
            p
        })
        .collect();
    serde_json::to_string(&all).expect("postings")
}

/// What one backend measured.
struct Measured {
    deliveries: usize,
    seconds: f64,
    last_notification_s: f64,
    notifications: i64,
}

fn measure(runtime: &tokio::runtime::Runtime, backend: &str, citizens: usize) -> Measured {
    let workers = env_or("EVENTS_BENCH_WORKERS", server::DEFAULT_EVENT_WORKERS);
    let data = tempfile::tempdir().expect("temp dir");
    let postgres = std::env::var("JOBUNIVERS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let db_name = format!("jobunivers_events_bench_{}", std::process::id());
    let mut config = ServerConfig::new(data.path().to_path_buf());
    config.addr = "127.0.0.1:0".parse().expect("addr");
    config.jwt = JwtKeys::Secret(Secret("events-bench-secret-at-least-32-bytes".into()));
    config.dev_login = true;
    config.static_dir = None;
    config.monitor_interval = None;
    config.event_workers = 0;
    if backend == "postgres" {
        psql(&postgres, &format!("CREATE DATABASE {db_name}"));
        config.database_url = Some(format!("{postgres}/{db_name}"));
    }
    let measured = runtime.block_on(async {
        let server = server::start(config).await.expect("server");
        let feed = install_job_feed(&server.market).await;
        seed_citizens(server.market.db(), feed, citizens).await;
        let dispatcher = Dispatcher::new(server.universe.clone(), workers);
        let file = postings();
        let start_ms = jobunivers_host::clock::now_ms();
        let start = Instant::now();
        let imported =
            jobunivers_host::import::import_job_postings(server.universe.provider(), &file)
                .await
                .expect("import");
        assert_eq!(imported, POSTINGS);
        let done = dispatcher.run_until_idle().await.expect("dispatch");
        let seconds = start.elapsed().as_secs_f64();
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(created_ms) AS last FROM notifications")
            .fetch_one(server.market.db().pool())
            .await
            .expect("notifications");
        let notifications: i64 = row.try_get("n").expect("n");
        let last: Option<i64> = row.try_get("last").expect("last");
        assert_eq!(done.delivered, citizens, "{done:?}");
        server.stop();
        Measured {
            deliveries: done.delivered,
            seconds,
            last_notification_s: last.map_or(f64::NAN, |l| (l - start_ms) as f64 / 1000.0),
            notifications,
        }
    });
    if backend == "postgres" {
        std::thread::sleep(std::time::Duration::from_millis(200));
        psql(
            &postgres,
            &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
        );
    }
    println!(
        "{backend}: {citizens} citizens, {workers} workers: {} deliveries in {:.1} s = {:.0} deliveries/s; last notification after {:.1} s; {} notifications",
        measured.deliveries,
        measured.seconds,
        measured.deliveries as f64 / measured.seconds,
        measured.last_notification_s,
        measured.notifications
    );
    measured
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let citizens = env_or("EVENTS_BENCH_CITIZENS", 2_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let mut results = Vec::new();
    for backend in ["sqlite", "postgres"] {
        if !filter.is_empty() && !filter.iter().any(|f| backend.contains(f.as_str())) {
            continue;
        }
        results.push((backend, measure(&runtime, backend, citizens)));
    }
    if let [(_, s), (_, p)] = results.as_slice() {
        println!(
            "summary: {citizens} citizens; deliveries/s sqlite {:.0}, postgres {:.0} (postgres/sqlite {:.2}x); last notification sqlite {:.1} s, postgres {:.1} s",
            s.deliveries as f64 / s.seconds,
            p.deliveries as f64 / p.seconds,
            (p.deliveries as f64 / p.seconds) / (s.deliveries as f64 / s.seconds),
            s.last_notification_s,
            p.last_notification_s
        );
    }
}
