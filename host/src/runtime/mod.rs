//! The sandboxed runtime for building blocks. Only this module knows wasmtime.
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
pub mod model;
#[cfg(feature = "native-blocks")]
pub mod native;
mod state;
pub mod validate;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use semver::Version;
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, Trap};

use crate::caps::{Capability, CapabilityProvider, Scope};
pub use cache::{ArtifactCache, CacheOutcome};
pub(crate) use errors::BlockFault;
pub use errors::{CallError, LoadError};
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

    /// Check, compile (or load from the cache) and pre-instantiate a component, then
    /// ask it for its manifest and check that too.
    pub async fn load(&self, bytes: &[u8]) -> Result<LoadedBlock, LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                limit: self.config.max_component_bytes,
            });
        }
        inspect::classify_bytes(bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let (component, cache) = match &self.cache {
            Some(cache) => cache.load_or_compile(&self.engine, &sha256, bytes),
            None => Component::new(&self.engine, bytes).map(|c| (c, CacheOutcome::Uncached)),
        }
        .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        self.prepare(component, sha256, bytes.len(), cache).await
    }

    /// Like [`Runtime::load`], but never touches the artifact cache: the publish
    /// pipeline checks a component fully and only stores its artifact (returned here)
    /// once the version is committed, so a refused upload leaves nothing behind.
    pub async fn load_uncached(&self, bytes: &[u8]) -> Result<(LoadedBlock, Vec<u8>), LoadError> {
        if bytes.len() > self.config.max_component_bytes {
            return Err(LoadError::TooLarge {
                size: bytes.len(),
                limit: self.config.max_component_bytes,
            });
        }
        inspect::classify_bytes(bytes)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let artifact = self
            .engine
            .precompile_component(bytes)
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        // SAFETY: `artifact` was produced just now by this engine.
        #[allow(unsafe_code)]
        let component = unsafe { Component::deserialize(&self.engine, &artifact) }
            .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;
        let block = self
            .prepare(component, sha256, bytes.len(), CacheOutcome::Uncached)
            .await?;
        Ok((block, artifact))
    }

    /// Keep a precompiled artifact (from [`Runtime::load_uncached`]) in the cache, so
    /// the next [`Runtime::load`] of the component deserializes it.
    pub fn keep_artifact(&self, sha256: &str, artifact: &[u8]) -> std::io::Result<()> {
        match &self.cache {
            Some(cache) => cache.store(sha256, artifact),
            None => Ok(()),
        }
    }

    async fn prepare(
        &self,
        component: Component,
        sha256: String,
        size: usize,
        cache: CacheOutcome,
    ) -> Result<LoadedBlock, LoadError> {
        let shape = inspect::shape(&self.engine, &component)?;
        let prepare = |e: wasmtime::Error| LoadError::Prepare(format!("{e:#}"));
        let pre = match shape.contract.minor {
            0 => Pre::V1_0(
                bindings::v1_0::BuildingBlockPre::new(
                    self.linker_v1_0
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
            1 => Pre::V1_1(
                bindings::v1_1::BuildingBlockPre::new(
                    self.linker_v1_1
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
            _ => Pre::V1_2(
                bindings::v1_2::BuildingBlockPre::new(
                    self.linker_v1_2
                        .instantiate_pre(&component)
                        .map_err(prepare)?,
                )
                .map_err(prepare)?,
            ),
        };
        let mut block = LoadedBlock {
            pre,
            manifest: Manifest {
                raw: model::RawManifest {
                    id: String::new(),
                    name: model::Localized {
                        da: String::new(),
                        en: String::new(),
                    },
                    description: model::Localized {
                        da: String::new(),
                        en: String::new(),
                    },
                    version: String::new(),
                    category: String::new(),
                    capabilities: Vec::new(),
                    config_schema: String::new(),
                    default_config: String::new(),
                },
                version: Version::new(0, 0, 0),
                requested: BTreeSet::new(),
                config_schema: serde_json::Value::Null,
                default_config: serde_json::Value::Null,
            },
            contract: shape.contract.clone(),
            sha256,
            size,
            imports: shape.imports,
            unused_capabilities: Vec::new(),
            cache,
            requested: Arc::new(BTreeSet::new()),
        };
        let raw = self
            .describe(&block)
            .await
            .map_err(|e| LoadError::Describe(Box::new(e)))?;
        let manifest =
            validate::manifest(raw, shape.contract.minor).map_err(LoadError::Manifest)?;

        // A component's imports are its capabilities: each contract interface it imports
        // must be covered by a request in the manifest, so the declared permissions can
        // be trusted.
        // (Interfaces no capability lives in, such as `log`, need no request.)
        for iface in &shape.contract_imports {
            let caps: Vec<Capability> = Capability::all()
                .filter(|c| c.interface() == iface)
                .collect();
            if !caps.is_empty() && !caps.iter().any(|c| manifest.requested.contains(c)) {
                let expected = caps.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
                return Err(LoadError::UndeclaredCapability {
                    interface: iface.clone(),
                    expected,
                });
            }
        }
        block.unused_capabilities = manifest
            .requested
            .iter()
            .filter(|c| !shape.contract_imports.contains(c.interface()))
            .copied()
            .collect();
        block.requested = Arc::new(manifest.requested.clone());
        block.manifest = manifest;
        Ok(block)
    }

    fn store(&self, block: &LoadedBlock, call: &Call) -> Store<HostState> {
        let mut store = Store::new(&self.engine, self.state(block, call));
        store.limiter(|s| &mut s.limiter);
        let ticks = self
            .config
            .call_timeout
            .as_millis()
            .div_ceil(engine::EPOCH_TICK.as_millis())
            .max(1);
        store.set_epoch_deadline(ticks as u64);
        store.epoch_deadline_trap();
        store
    }

    /// The capability gate and sandbox data of one call.
    fn state(&self, block: &LoadedBlock, call: &Call) -> HostState {
        let scope = Scope {
            installation: call.installation.clone(),
            block_id: block.manifest.raw.id.clone(),
            block_version: block.manifest.raw.version.clone(),
            citizen: call.ctx.citizen.clone(),
            municipality: call.ctx.municipality.clone(),
            now_ms: call.ctx.now_ms,
        };
        HostState::new(StateConfig {
            scope,
            requested: block.requested.clone(),
            permissions: call.permissions.clone(),
            provider: call.provider.clone(),
            max_memory_bytes: self.config.max_memory_bytes,
            max_calls: self.config.max_capability_calls,
            max_log_bytes: self.config.max_log_bytes,
        })
    }

    /// Name a failed call for what it was.
    fn classify(&self, store: &Store<HostState>, error: wasmtime::Error) -> CallError {
        if let Some(limit) = error.downcast_ref::<HostLimit>() {
            return CallError::Limit(limit.clone());
        }
        let state = store.data();
        // A full stdout/stderr pipe makes Rust's `print!` panic; name the cause instead.
        if state.stderr.contents().len() >= self.config.max_log_bytes {
            return CallError::Limit(HostLimit::TooMuchLog(self.config.max_log_bytes));
        }
        let memory = CallError::MemoryLimit {
            limit_mib: self.config.max_memory_bytes / (1024 * 1024),
        };
        match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => CallError::Timeout {
                limit_ms: self.config.call_timeout.as_millis() as u64,
            },
            Some(Trap::StackOverflow) => CallError::StackOverflow,
            Some(_) if state.limiter.memory_refused => memory,
            Some(Trap::UnreachableCodeReached) => {
                let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
                // Rust prints "thread '..' panicked at FILE:LINE:COL:" and the message on
                // the next line.
                let mut lines = stderr.lines();
                let message = lines
                    .by_ref()
                    .find_map(|l| {
                        l.split_once("panicked at ")
                            .map(|(_, at)| at.trim_end_matches(':').to_owned())
                    })
                    .map(|at| match lines.next() {
                        Some(m) if !m.trim().is_empty() => format!("{} (at {at})", m.trim()),
                        _ => at,
                    })
                    .or_else(|| {
                        stderr
                            .lines()
                            .rev()
                            .find(|l| !l.trim().is_empty())
                            .map(str::to_owned)
                    })
                    .unwrap_or_else(|| "no message".into());
                CallError::Panic {
                    message: truncate(&message, 500),
                }
            }
            Some(trap) => CallError::Trap {
                message: trap.to_string(),
            },
            None if state.limiter.memory_refused => memory,
            None => CallError::Trap {
                message: truncate(&format!("{error:#}"), 500),
            },
        }
    }

    /// Run `f` on a fresh instance with a deadline, and classify any failure.
    async fn run<T>(
        &self,
        block: &LoadedBlock,
        call: &Call,
        f: impl AsyncFnOnce(&Pre, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, CallError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| CallError::Host(e.to_string()))?;
        let mut store = self.store(block, call);
        let started = Instant::now();
        // The epoch deadline stops guest code; this timeout also bounds time spent in
        // host calls (a slow database), with a little slack so the epoch fires first.
        let limit =
            self.config.call_timeout + self.config.call_timeout / 2 + Duration::from_millis(50);
        let outcome = tokio::time::timeout(limit, f(&block.pre, &mut store)).await;
        let result = match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.classify(&store, e)),
            Err(_) => Err(CallError::Timeout {
                limit_ms: self.config.call_timeout.as_millis() as u64,
            }),
        };
        if tracing::enabled!(tracing::Level::DEBUG) {
            let output = store.data().stderr.contents();
            if !output.is_empty() {
                tracing::debug!(block = %block.manifest.raw.id, output = %String::from_utf8_lossy(&output), "block output");
            }
        }
        tracing::debug!(
            block = %block.manifest.raw.id,
            municipality = %call.ctx.municipality,
            outcome = result.as_ref().err().map_or("ok", CallError::kind),
            version = %block.manifest.raw.version,
            elapsed_us = started.elapsed().as_micros() as u64,
            "block call"
        );
        result
    }

    async fn describe(&self, block: &LoadedBlock) -> Result<model::RawManifest, CallError> {
        let call = Call {
            ctx: CallContext {
                citizen: String::new(),
                municipality: String::new(),
                locale: model::Locale::Da,
                view: String::new(),
                config: "{}".into(),
                now_ms: 0,
            },
            installation: String::new(),
            permissions: Permissions::default(),
            provider: Arc::new(crate::caps::memory::MemoryProvider::new(Default::default())),
        };
        self.run(block, &call, async |pre, store| {
            with_instance!(pre, store, |guest, v| Ok(v::manifest(
                guest.call_describe(&mut *store).await?
            )))
        })
        .await
    }

    fn finish(
        &self,
        outcome: Result<(Option<String>, Vec<model::FlatElement>), BlockFault>,
    ) -> Result<Page, CallError> {
        let (title, flat) = outcome?;
        let page = validate::page(title, flat).map_err(CallError::InvalidUi)?;
        let size = validate::weight(&page);
        if size > self.config.max_output_bytes {
            return Err(CallError::OutputTooLarge {
                size,
                limit: self.config.max_output_bytes,
            });
        }
        Ok(page)
    }

    /// Render the view named in the call's context.
    pub async fn render(&self, block: &LoadedBlock, call: &Call) -> Result<Page, CallError> {
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| {
                with_instance!(pre, store, |guest, v| {
                    let r = guest.call_render(&mut *store, &v::context(ctx)).await?;
                    Ok(r.map(v::page).map_err(v::block_error))
                })
            })
            .await?;
        self.finish(outcome)
    }

    /// Send an action to the block and return the page it shows next.
    pub async fn handle_action(
        &self,
        block: &LoadedBlock,
        call: &Call,
        action: &Action,
    ) -> Result<Page, CallError> {
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| {
                with_instance!(pre, store, |guest, v| {
                    let r = guest
                        .call_handle_action(&mut *store, &v::context(ctx), &v::action(action))
                        .await?;
                    Ok(r.map(v::page).map_err(v::block_error))
                })
            })
            .await?;
        self.finish(outcome)
    }

    /// Tell the block about an event. Blocks for contract 1.0 have no events; for them
    /// this is [`CallError::Unsupported`], which callers treat as "not interested".
    pub async fn on_event(
        &self,
        block: &LoadedBlock,
        call: &Call,
        event: &Event,
    ) -> Result<(), CallError> {
        if let Pre::V1_0(_) = block.pre {
            return Err(CallError::Unsupported(format!(
                "the block targets contract {}, which has no events (they came in 1.1)",
                block.contract
            )));
        }
        let ctx = &call.ctx;
        let outcome = self
            .run(block, call, async |pre, store| match pre {
                Pre::V1_0(_) => unreachable!("checked above"),
                Pre::V1_1(p) => {
                    let b = p.instantiate_async(&mut *store).await?;
                    let r = b
                        .jobunivers_block_block()
                        .call_on_event(
                            &mut *store,
                            &adapt::adapt_v1_1::context(ctx),
                            &adapt::event_v1_1(event),
                        )
                        .await?;
                    Ok(r.map_err(adapt::adapt_v1_1::block_error))
                }
                Pre::V1_2(p) => {
                    let b = p.instantiate_async(&mut *store).await?;
                    let r = b
                        .jobunivers_block_block()
                        .call_on_event(
                            &mut *store,
                            &adapt::adapt_v1_2::context(ctx),
                            &adapt::event_v1_2(event),
                        )
                        .await?;
                    Ok(r.map_err(adapt::adapt_v1_2::block_error))
                }
            })
            .await?;
        outcome.map_err(Into::into)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}
