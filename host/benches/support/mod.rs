//! What the HTTP benchmarks (`universe`, `soak`) share: where the blocks are and a
//! throwaway PostgreSQL database's statements.

use std::path::PathBuf;
use std::process::Command;

/// The blocks `cargo xtask blocks` built.
pub fn blocks_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("wasm32-wasip2/release")
}

/// Run `sql` against the server's `postgres` database (creating or dropping a
/// benchmark's own database); panics if it fails.
pub fn psql(url: &str, sql: &str) {
    let ok = Command::new("psql")
        .args([&format!("{url}/postgres"), "-q", "-c", sql])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "psql failed: {sql}");
}
