//! Shared helpers: where the built components are, a runtime, calls, the CLI.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
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
