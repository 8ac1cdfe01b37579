//! What can go wrong loading or calling a block. Every message is one line that says
//! what happened and, where it helps, what to do.

use semver::Version;

use super::HostLimit;

/// Why a component could not be loaded. Each message is one line that says what is
/// wrong and, where it helps, what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// No wasm header.
    #[error("not a WebAssembly file (it does not start with the \\0asm header)")]
    NotWasm,
    /// A core module.
    #[error("this is a core WebAssembly module, not a component; build the block with `cargo build --target wasm32-wasip2`")]
    CoreModule,
    /// Too large.
    #[error("the component is {size} bytes; the limit is {limit} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Does not parse or validate.
    #[error("not a valid WebAssembly component: {0}")]
    Invalid(String),
    /// No contract export.
    #[error("the component does not export the `jobunivers:block/block` interface; build it with jobunivers-sdk and `export_block!`")]
    NoContract,
    /// Unsupported contract (another major, or a pre-release).
    #[error("the block targets contract {found}, which this host does not support (supported: {supported})")]
    UnsupportedContract {
        /// What it targets.
        found: Version,
        /// What the host supports.
        supported: String,
    },
    /// A newer minor than the host knows.
    #[error("the block targets contract {found}, newer than this host supports (supported: {supported}); upgrade the host or build the block for an older contract")]
    NewerContract {
        /// What it targets.
        found: Version,
        /// What the host supports.
        supported: String,
    },
    /// Imports another contract version than it exports.
    #[error("the component imports `{import}` but exports contract {contract}; all contract interfaces must have one version")]
    MixedContract {
        /// The import.
        import: String,
        /// The exported contract.
        contract: Version,
    },
    /// Imports something the host does not provide.
    #[error("the component imports `{0}`, which this host does not provide")]
    ForeignImport(String),
    /// Uses a capability it does not declare.
    #[error("the component uses the `{interface}` capability interface, but its manifest requests none of: {expected}")]
    UndeclaredCapability {
        /// The interface.
        interface: String,
        /// What would have declared it.
        expected: String,
    },
    /// Bad manifest.
    #[error("invalid manifest: {0}")]
    Manifest(String),
    /// Compiling or instantiating failed.
    #[error("the component could not be prepared: {0}")]
    Prepare(String),
    /// Its describe export failed.
    #[error("the block failed while describing itself: {0}")]
    Describe(Box<CallError>),
}

/// Why a call of a block failed. The block is stopped; the host carries on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// Ran past its deadline.
    #[error("the block ran past its deadline of {limit_ms} ms and was stopped")]
    Timeout {
        /// The deadline.
        limit_ms: u64,
    },
    /// Tried to use too much memory.
    #[error("the block tried to use more than its {limit_mib} MiB of memory and was stopped")]
    MemoryLimit {
        /// The limit in MiB.
        limit_mib: usize,
    },
    /// Overflowed its stack.
    #[error("the block overflowed its stack (unbounded recursion?) and was stopped")]
    StackOverflow,
    /// Panicked.
    #[error("the block panicked: {message}")]
    Panic {
        /// The panic message from its stderr, if any.
        message: String,
    },
    /// Another trap.
    #[error("the block trapped: {message}")]
    Trap {
        /// What happened.
        message: String,
    },
    /// A host limit.
    #[error("{0}; the block was stopped")]
    Limit(HostLimit),
    /// Returned too much.
    #[error("the block returned {size} bytes of UI; the limit is {limit} bytes")]
    OutputTooLarge {
        /// What it returned.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Returned invalid UI.
    #[error("the block returned invalid UI: {0}")]
    InvalidUi(String),
    /// The block said the request was bad.
    #[error("the block refused the request: {0}")]
    BadRequest(String),
    /// The block said it failed.
    #[error("the block reported a failure: {0}")]
    Failed(String),
    /// The block's contract has no such export.
    #[error("{0}")]
    Unsupported(String),
    /// The host could not run the call (e.g. every instance slot is busy).
    #[error("the host could not run the block: {0}")]
    Host(String),
}

impl CallError {
    /// A short stable name of the failure, for metrics and the circuit breaker.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "timeout",
            Self::MemoryLimit { .. } => "memory",
            Self::StackOverflow => "stack",
            Self::Panic { .. } => "panic",
            Self::Trap { .. } => "trap",
            Self::Limit(HostLimit::TooManyCapabilityCalls(_)) => "capability-flood",
            Self::Limit(HostLimit::TooMuchLog(_)) => "log-flood",
            Self::OutputTooLarge { .. } => "output-too-large",
            Self::InvalidUi(_) => "invalid-ui",
            Self::BadRequest(_) => "bad-request",
            Self::Failed(_) => "failed",
            Self::Unsupported(_) => "unsupported",
            Self::Host(_) => "host",
        }
    }
}

/// What a block said went wrong, before it becomes a [`CallError`].
pub(crate) enum BlockFault {
    BadRequest(String),
    Failed(String),
}

impl From<BlockFault> for CallError {
    fn from(f: BlockFault) -> Self {
        match f {
            BlockFault::BadRequest(m) => Self::BadRequest(m),
            BlockFault::Failed(m) => Self::Failed(m),
        }
    }
}
