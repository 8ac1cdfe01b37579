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
//! limiter). `SOAK_CITIZENS` (default 400) citizens of Aarhus, each with a thread to the
//! jobcentre, and the demo's blocks plus `acme.widget`. The mix, by weight:
//!
//! - 60 pages: a citizen's universe (`GET /api/v1/universe`, 8 blocks run);
//! - 14 actions: a citizen saves an application in the job log (a sandboxed call that
//!   writes);
//! - 14 messages: a citizen or the caseworker writes in a thread;
//! - 6 installs: the admin installs `fixtures.hello` and uninstalls it again;
//! - 6 publishes: the vendor uploads a signed package (the first is published, the
//!   rest are refused with 409 at the version check, before anything is compiled); one
//!   in 60 of them (0.1% of all requests) is a signed package whose manifest claims
//!   another version than the component: compiled in full, then refused with 422
//!   (`manifest-mismatch`). A vendor's publish limit (30 a minute by default, raised
//!   here) bounds that work in production; at 0.1% it is a few compiles a minute.
//!
//! First `SOAK_CAPACITY_SECONDS` (default 20) of the mix as fast as `SOAK_CLIENTS`
//! (default 4) clients go measure capacity: the requests served whole per second (a
//! page on which a block ran out of time does not count); then the soak sends the mix open-loop at `SOAK_LOAD` (default 0.8)
//! of it for `SOAK_SECONDS` (default 600). Every `SOAK_SAMPLE_SECONDS` (default 30) a row:
//! requests, errors, p50/p99, resident memory, open descriptors and threads of this
//! process. Any answer other than the expected statuses, or a transport error, is an
//! error; the run fails if there is one. A block that fails alone on a page that
//! answered (a block over its time budget on a busy machine, say) is what the page is
//! built for, not an error: those are counted and shown beside the errors.

#[path = "../support/mod.rs"]
mod support;
mod traffic;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jobunivers_host::server::{self, ServerConfig};
use jobunivers_host::web::limits::RateConfig;
use support::{blocks_dir, psql};
use traffic::{env_or, one, picker, setup, World};

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
                // Only what was served whole counts: a page whose blocks ran out of time
                // is cheap, and counting it would overstate what the host can do.
                if r.as_ref().is_ok_and(Vec::is_empty) {
                    done.fetch_add(1, Ordering::Relaxed);
                }
                tally.record(started, r);
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
    let failed = tally.blocks_failed.load(Ordering::Relaxed);
    if failed > 0 {
        println!("while measuring capacity {failed} blocks failed alone (those pages not counted)");
    }
    done.load(Ordering::Relaxed) as f64 / seconds
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
    let citizens = env_or("SOAK_CITIZENS", 400.0) as usize;
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
    // The traffic is the API's; the web UI's static files are not needed.
    config.static_dir = None;
    config.rates = RateConfig {
        writes_per_minute: 1_000_000,
        publishes_per_minute: 1_000_000,
        logins_per_minute: 1_000_000,
        signin_starts_per_minute: 1_000_000,
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
    let clients = env_or("SOAK_CLIENTS", 4.0) as u64;
    let capacity = runtime.block_on(capacity(world.clone(), clients, capacity_seconds));
    let rate = capacity * load;
    println!(
        "{backend}: capacity {capacity:.0} requests/s served whole with {clients} clients; soak at {rate:.0}/s ({:.0}%) for {seconds:.0} s",
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
