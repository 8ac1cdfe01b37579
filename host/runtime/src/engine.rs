//! The one audited engine configuration: component model, Cranelift, pooling allocator
//! with copy-on-write memory images, epoch interruption for deadlines, and every pool
//! limit derived from the number of instances that may run at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::RuntimeConfig;

/// How often the epoch advances; a call's deadline is counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Core instances, memories and tables a Rust `wasm32-wasip2` component needs: the
/// block's module, the WASI adapter and the small shim modules the linker adds.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 8;
/// Memory kept resident per slot between calls (see `linear_memory_keep_resident`).
const KEEP_RESIDENT_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn engine(config: &RuntimeConfig) -> wasmtime::Result<Engine> {
    let n = config.max_concurrent_instances;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(n)
        .total_core_instances(n * CORE_INSTANCES_PER_COMPONENT)
        .total_memories(n * MEMORIES_PER_COMPONENT)
        .total_tables(n * TABLES_PER_COMPONENT)
        .total_stacks(n)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .max_memory_size(config.max_memory_bytes)
        .table_elements(20_000)
        // A slot's memory is reset for the next call. With PAGEMAP_SCAN (Linux 6.7+)
        // only the pages a call dirtied are reset, by memset, and stay resident, so the
        // next instance does not page-fault its heap in again; elsewhere this falls back
        // to madvise.
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(64 * 1024)
        .pagemap_scan(Enabled::Auto);

    let mut c = Config::new();
    c.wasm_component_model(true)
        .epoch_interruption(true)
        // A compilation uses one core: on a small server, a publish must not take every
        // core from the blocks whose wall-clock deadlines run meanwhile.
        .parallel_compilation(false)
        .max_wasm_stack(config.max_stack_bytes)
        // The host's own frames (capability calls, lifting results) run on the same
        // fiber stack, so it is larger than what wasm may use.
        .async_stack_size(config.max_stack_bytes + 1024 * 1024)
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&c)
}

/// Advances the engine's epoch on a thread of its own until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("jobunivers-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
