//! Compile once: a restart deserializes the artifact instead of recompiling, and a
//! damaged artifact is replaced rather than trusted.

use jobunivers_host::runtime::model::Locale;
use jobunivers_host::runtime::{CacheOutcome, Runtime, RuntimeConfig};

use crate::helpers::*;

fn cached_runtime(dir: &std::path::Path) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.to_owned()),
        ..RuntimeConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn a_restart_loads_from_the_artifact_cache() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = wasm("fixture_hello");
    let first = cached_runtime(dir.path()).load(&bytes).await.unwrap();
    assert_eq!(first.cache, CacheOutcome::Compiled);
    let artifacts: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        artifacts.len(),
        1,
        "one artifact, no temporary files: {artifacts:?}"
    );
    assert!(artifacts[0].to_string_lossy().starts_with(&first.sha256));

    // A new runtime stands for a restarted process.
    let restarted = cached_runtime(dir.path());
    let second = restarted.load(&bytes).await.unwrap();
    assert_eq!(second.cache, CacheOutcome::Hit);
    let page = restarted
        .render(&second, &call("", Locale::En))
        .await
        .unwrap();
    assert_eq!(page.elements.len(), 1);
}

#[tokio::test]
async fn a_damaged_artifact_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = wasm("fixture_hello");
    let block = cached_runtime(dir.path()).load(&bytes).await.unwrap();
    let artifact = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&artifact, b"not an artifact").unwrap();
    let again = cached_runtime(dir.path()).load(&bytes).await.unwrap();
    assert_eq!(again.cache, CacheOutcome::Compiled);
    assert_eq!(again.sha256, block.sha256);
    let page = cached_runtime(dir.path()).load(&bytes).await.unwrap();
    assert_eq!(page.cache, CacheOutcome::Hit);
}
