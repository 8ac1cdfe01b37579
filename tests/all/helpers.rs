//! Shared helpers: where the built components are, a runtime, calls, the CLI.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::db::Db;
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{CallContext, Locale};
use jobunivers_host::runtime::{Call, LoadedBlock, Permissions, Runtime, RuntimeConfig};

/// 2026-01-05 09:00 UTC, the time every test call happens at.
pub const NOW_MS: i64 = 1_767_603_600_000;

/// The path of a built component, e.g. `wasm_path("cv_coach")`.
pub fn wasm_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target
        .join("wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask blocks` (or `cargo xtask test`) first",
        path.display()
    );
    path
}

/// The bytes of a built component.
pub fn wasm(name: &str) -> Vec<u8> {
    std::fs::read(wasm_path(name)).expect("reading a built component")
}

/// A runtime with a short deadline so hostile tests finish quickly.
pub fn runtime() -> Runtime {
    Runtime::new(RuntimeConfig {
        call_timeout: Duration::from_millis(300),
        ..RuntimeConfig::default()
    })
    .expect("starting the runtime")
}

/// Load a built component.
pub async fn load(runtime: &Runtime, name: &str) -> LoadedBlock {
    runtime
        .load(&wasm(name))
        .await
        .unwrap_or_else(|e| panic!("loading {name}: {e}"))
}

/// A provider with the demo citizen's profile and jobs.
pub fn provider() -> Arc<MemoryProvider> {
    Arc::new(
        MemoryProvider::new(MemoryLimits::default())
            .with_profile(demo::CITIZEN, demo::profile())
            .with_jobs(demo::jobs()),
    )
}

/// A call for `citizen` in Aarhus.
pub fn call_for(
    citizen: &str,
    view: &str,
    locale: Locale,
    permissions: Permissions,
    provider: Arc<MemoryProvider>,
) -> Call {
    Call {
        ctx: CallContext {
            citizen: citizen.into(),
            municipality: demo::MUNICIPALITY.into(),
            locale,
            view: view.into(),
            config: "{}".into(),
            now_ms: NOW_MS,
        },
        installation: "0751:test".into(),
        permissions,
        provider,
    }
}

/// A call for the demo citizen with everything granted.
pub fn call(view: &str, locale: Locale) -> Call {
    call_for(
        demo::CITIZEN,
        view,
        locale,
        Permissions::everything(),
        provider(),
    )
}

/// Run the `jobunivers` command with a private artifact cache.
pub fn jobunivers(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_jobunivers"))
        .args(args)
        .env("JOBUNIVERS_CACHE_DIR", cache.path())
        .output()
        .expect("running jobunivers")
}

/// All the text a page shows, for assertions.
pub fn text_of(page: &jobunivers_host::runtime::model::Page) -> String {
    serde_json::to_string(page).expect("a page serializes")
}

/// Drops a throwaway PostgreSQL database when the test is done.
pub struct DbGuard {
    admin_url: Option<String>,
    name: String,
    dir: tempfile::TempDir,
}

impl DbGuard {
    /// A temporary directory that lives as long as the database (SQLite's home).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        let Some(admin_url) = self.admin_url.take() else {
            return;
        };
        let name = self.name.clone();
        // The test's runtime is going away; drop the database from a runtime of our own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = Db::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(admin.pool())
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// Where the test PostgreSQL server is (a URL without a database name).
pub fn postgres_base() -> String {
    std::env::var("JOBUNIVERS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A fresh, migrated database on each backend: a SQLite file in a temporary directory
/// and a throwaway PostgreSQL database. PostgreSQL must be running (`bash .ci/run`
/// starts it); set JOBUNIVERS_TEST_POSTGRES to use another server.
pub async fn fresh_databases() -> Vec<(Db, DbGuard)> {
    let mut out = Vec::new();
    for (url, guard) in fresh_backends().await {
        let db = match &url {
            Some(url) => Db::connect(url)
                .await
                .expect("connecting to the test database"),
            None => Db::open_data_dir(guard.dir())
                .await
                .expect("opening SQLite"),
        };
        db.migrate().await.expect("migrating");
        out.push((db, guard));
    }
    out
}

/// A fresh place for each backend, unmigrated: `None` with a temporary directory for
/// SQLite (the database goes in it), and the URL of a throwaway PostgreSQL database.
pub async fn fresh_backends() -> Vec<(Option<String>, DbGuard)> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);

    let base = postgres_base();
    let admin_url = format!("{base}/postgres");
    let admin = Db::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL is needed for the storage tests ({e}); start it or set JOBUNIVERS_TEST_POSTGRES"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "jobunivers_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(admin.pool())
        .await
        .expect("creating a test database");
    vec![
        (
            None,
            DbGuard {
                admin_url: None,
                name: String::new(),
                dir: tempfile::tempdir().unwrap(),
            },
        ),
        (
            Some(format!("{base}/{name}")),
            DbGuard {
                admin_url: Some(admin_url),
                name,
                dir: tempfile::tempdir().unwrap(),
            },
        ),
    ]
}
