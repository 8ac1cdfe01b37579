//! The sandboxed runtime for building blocks. Only this crate knows wasmtime.
//!
//! One [`Runtime`] per process holds the engine, one linker per supported contract
//! version and the artifact cache. [`Runtime::load`] turns component bytes into a
//! [`LoadedBlock`] (checked, precompiled, pre-instantiated); every call then gets a fresh
//! store and instance, its own deadline, memory limit and capability budget, so no state
//! leaks between citizens and a hostile block fails alone.

mod adapt;
mod bindings;
pub mod cache;
mod engine;
mod errors;
mod inspect;
pub mod memory;
#[cfg(feature = "native-blocks")]
pub mod native;
mod state;

pub use jobunivers_core::{model, validate};

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use semver::Version;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, Trap};

pub use cache::{ArtifactCache, CacheOutcome};
pub(crate) use errors::BlockFault;
pub use errors::{CallError, LoadError};
use jobunivers_core::caps::{Capability, CapabilityProvider, Scope};
use model::{Action, CallContext, Event, Page};
use state::StateConfig;
pub use state::{HostLimit, HostState, Permissions};
pub use validate::Manifest;

/// The contract versions this host runs, as (major, minor).
pub const SUPPORTED_CONTRACTS: &[(u64, u64)] = &[(1, 0), (1, 1), (1, 2)];

/// Limits and settings of the runtime.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Instances that may exist at once; sizes every pool.
    pub max_concurrent_instances: u32,
    /// Linear memory one block may use.
    pub max_memory_bytes: usize,
    /// Wasm stack one block may use.
    pub max_stack_bytes: usize,
    /// How long one call may take.
    pub call_timeout: Duration,
    /// Capability calls one call may make.
    pub max_capability_calls: u32,
    /// Size of a rendered page as JSON.
    pub max_output_bytes: usize,
    /// Log and stderr output of one call.
    pub max_log_bytes: usize,
    /// Largest component accepted.
    pub max_component_bytes: usize,
    /// Where precompiled artifacts are kept; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            max_concurrent_instances: 64,
            max_memory_bytes: 64 * 1024 * 1024,
            max_stack_bytes: 512 * 1024,
            call_timeout: Duration::from_millis(1_000),
            max_capability_calls: 1_000,
            max_output_bytes: 512 * 1024,
            max_log_bytes: 64 * 1024,
            max_component_bytes: 10 * 1024 * 1024,
            cache_dir: None,
        }
    }
}

/// Instantiate a fresh instance of whichever contract version the block speaks, and
/// evaluate `$body` with `$guest` bound to its `block` export and `$adapt` to that
/// version's adapter module. New contract versions add one arm here.
macro_rules! with_instance {
    ($pre:expr, $store:expr, |$guest:ident, $adapt:ident| $body:expr) => {
        match $pre {
            Pre::V1_0(p) => {
                let instance = p.instantiate_async(&mut *$store).await?;
                let $guest = instance.jobunivers_block_block();
                use adapt::adapt_v1_0 as $adapt;
                $body
            }
            Pre::V1_1(p) => {
                let instance = p.instantiate_async(&mut *$store).await?;
                let $guest = instance.jobunivers_block_block();
                use adapt::adapt_v1_1 as $adapt;
                $body
            }
            Pre::V1_2(p) => {
                let instance = p.instantiate_async(&mut *$store).await?;
                let $guest = instance.jobunivers_block_block();
                use adapt::adapt_v1_2 as $adapt;
                $body
            }
        }
    };
}

mod call;
mod load;

enum Pre {
    V1_0(bindings::v1_0::BuildingBlockPre<HostState>),
    V1_1(bindings::v1_1::BuildingBlockPre<HostState>),
    V1_2(bindings::v1_2::BuildingBlockPre<HostState>),
}

/// A block version ready to run: checked, compiled and pre-instantiated.
pub struct LoadedBlock {
    pre: Pre,
    /// The validated manifest.
    pub manifest: Manifest,
    /// The contract version it targets.
    pub contract: Version,
    /// The sha256 of the component, hex.
    pub sha256: String,
    /// The component's size in bytes.
    pub size: usize,
    /// Every import of the component.
    pub imports: Vec<String>,
    /// Capabilities requested in the manifest that the component never imports.
    pub unused_capabilities: Vec<Capability>,
    /// Whether the artifact came from the cache.
    pub cache: CacheOutcome,
    requested: Arc<BTreeSet<Capability>>,
}

impl std::fmt::Debug for LoadedBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedBlock")
            .field("id", &self.manifest.raw.id)
            .field("version", &self.manifest.raw.version)
            .field("contract", &self.contract.to_string())
            .finish()
    }
}

/// Everything one call needs besides the block.
#[derive(Clone)]
pub struct Call {
    /// What the block is told.
    pub ctx: CallContext,
    /// The installation the call belongs to.
    pub installation: String,
    /// What the block may do.
    pub permissions: Permissions,
    /// Who does the work behind the capabilities.
    pub provider: Arc<dyn CapabilityProvider>,
}

/// The runtime: one engine, one linker per contract version, the artifact cache.
pub struct Runtime {
    engine: Engine,
    linker_v1_0: Linker<HostState>,
    linker_v1_1: Linker<HostState>,
    linker_v1_2: Linker<HostState>,
    config: RuntimeConfig,
    cache: Option<ArtifactCache>,
    /// One permit per instance slot of the pool: a call waits for a slot instead of
    /// failing when the pool is full.
    slots: tokio::sync::Semaphore,
    /// One compilation at a time (see `Runtime::compiling`).
    compiles: tokio::sync::Semaphore,
    _ticker: engine::EpochTicker,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.config)
            .finish()
    }
}

type HasSelf = wasmtime::component::HasSelf<HostState>;

impl Runtime {
    /// Build the engine, linkers and cache.
    pub fn new(config: RuntimeConfig) -> anyhow::Result<Self> {
        let engine = engine::engine(&config)?;
        let mut linker_v1_0 = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker_v1_0)?;
        bindings::v1_0::BuildingBlock::add_to_linker::<_, HasSelf>(&mut linker_v1_0, |s| s)?;
        let mut linker_v1_1 = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker_v1_1)?;
        bindings::v1_1::BuildingBlock::add_to_linker::<_, HasSelf>(&mut linker_v1_1, |s| s)?;
        let mut linker_v1_2 = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker_v1_2)?;
        bindings::v1_2::BuildingBlock::add_to_linker::<_, HasSelf>(&mut linker_v1_2, |s| s)?;
        let cache = match &config.cache_dir {
            Some(dir) => Some(ArtifactCache::new(dir, &engine)?),
            None => None,
        };
        let ticker = engine::EpochTicker::start(engine.clone());
        let slots = tokio::sync::Semaphore::new(config.max_concurrent_instances as usize);
        Ok(Self {
            engine,
            linker_v1_0,
            linker_v1_1,
            linker_v1_2,
            config,
            cache,
            slots,
            compiles: tokio::sync::Semaphore::new(1),
            _ticker: ticker,
        })
    }

    /// The runtime's settings.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// The engine (for benchmarks and diagnostics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
