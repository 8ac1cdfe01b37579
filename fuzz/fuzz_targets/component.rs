//! A component as the publish pipeline loads it (`Runtime::load_uncached`): what the
//! bytes are, parsing and validation, compilation, the contract it speaks and its
//! imports, and, for a component that gets that far, its `describe` export run in the
//! sandbox and the manifest it returns checked. Arbitrary bytes are refused with a
//! `LoadError`, never a panic; what loads is a block the host can run.
//!
//! Built only with the `component` feature (it pulls in wasmtime).
#![no_main]

use std::sync::LazyLock;

use jobunivers_runtime::{LoadError, Runtime, RuntimeConfig};
use libfuzzer_sys::fuzz_target;

/// The runtime with the production limits, except a small instance pool: the fuzzer
/// loads one component at a time.
static RUNTIME: LazyLock<(tokio::runtime::Runtime, Runtime)> = LazyLock::new(|| {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let runtime = Runtime::new(RuntimeConfig {
        max_concurrent_instances: 2,
        ..RuntimeConfig::default()
    })
    .expect("a runtime");
    (tokio, runtime)
});

fuzz_target!(|data: &[u8]| {
    let (tokio, runtime) = &*RUNTIME;
    match tokio.block_on(runtime.load_uncached(data)) {
        Ok((block, artifact)) => {
            assert!(!artifact.is_empty());
            assert_eq!(block.size, data.len());
            assert!(data.starts_with(b"\0asm"));
            let manifest = &block.manifest;
            assert_eq!(manifest.validate_config(&manifest.default_config), Ok(()));
            assert_eq!(block.contract.major, 1);
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            match e {
                LoadError::Empty => assert!(data.is_empty()),
                LoadError::NotWasm => assert!(!data.starts_with(b"\0asm") || data.len() < 8),
                _ => {}
            }
        }
    }
});
