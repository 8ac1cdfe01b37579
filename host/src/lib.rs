//! The `jobunivers` command and the assembly of the host: [`server`] puts the crates
//! together (the store's hooks, the runtime, the marketplace, the universe, the API and
//! the pages), [`client`] is the vendor's side of publishing, [`template`] makes a new
//! block. The other modules are a facade over the host's crates (see ARCHITECTURE.md),
//! so the black-box tests and the benchmarks name one crate.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod client;
pub mod server;
pub mod template;

pub use jobunivers_casework::{monitor, screening};
pub use jobunivers_core::{auth, clock, problem};
pub use jobunivers_demo as demo;
pub use jobunivers_market::package;
pub use jobunivers_messages as messages;
pub use jobunivers_store::{db, outbox, sessions};
pub use jobunivers_ui as ui;
pub use jobunivers_universe::{citizen, dialogue, events, universe};
pub use jobunivers_web as web;

/// The sandboxed runtime ([`jobunivers_runtime`]), with the model it speaks.
pub mod runtime {
    pub use jobunivers_runtime::*;
}

/// Capability types and providers: the types and trait ([`jobunivers_core::caps`]),
/// the in-memory provider (`memory`) and the database-backed one (`db`).
pub mod caps {
    pub use jobunivers_core::caps::*;
    pub use jobunivers_runtime::memory;
    pub use jobunivers_store::provider as db;
}

/// The marketplace ([`jobunivers_market`]).
pub mod market {
    pub use jobunivers_market::*;
}

/// The importers ([`jobunivers_store::import`]) and the demo's labels.
pub mod import {
    pub use jobunivers_demo::{seed_demo_concepts, DEMO_LABELS};
    pub use jobunivers_store::import::*;
}
