//! # jobunivers-sdk: write building blocks for Jobunivers
//!
//! A building block is a WebAssembly component that a municipality installs in its
//! citizens' job universe. You write it in plain Rust: implement [`Block`] for a type and
//! call [`export_block!`] once. The SDK turns your block into a component that speaks the
//! versioned contract `jobunivers:block` (see `plugin-sdk/wit/`).
//!
//! ```no_run
//! use jobunivers_sdk::prelude::*;
//!
//! struct Hello;
//!
//! impl Block for Hello {
//!     fn manifest() -> Manifest {
//!         Manifest::new("demo.hello", "1.0.0", Category::Other)
//!             .name("Hej", "Hello")
//!             .description("Siger hej", "Says hello")
//!     }
//!
//!     fn render(ctx: &Context) -> Result<Page, BlockError> {
//!         Ok(Page::new().heading(1, ctx.t("Hej!", "Hello!")))
//!     }
//! }
//!
//! jobunivers_sdk::export_block!(Hello);
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release` and check it with
//! `jobunivers block check target/wasm32-wasip2/release/hello.wasm`.
//!
//! ## Contract versions
//!
//! The cargo feature chooses the contract version the block targets: `contract-1-2`
//! (the default, adds [`screening`]), `contract-1-1` (adds `notify` and
//! [`Block::on_event`]) or `contract-1-0`
//! (`default-features = false, features = ["contract-1-0"]`). A block keeps running on
//! every host that supports its major version.
//!
//! ## Capabilities
//!
//! What a block may do beyond drawing UI is a capability: [`storage`], [`profile`],
//! [`jobs`], [`activity`], [`escalate`], `notify` (1.1), `screening` (1.2), plus the always-available
//! configuration ([`Context::config`]) and [`log`]. Request each one in the manifest with
//! a reason; the municipality grants it and, for personal data, the citizen consents.
//! A capability that was not requested, granted or consented to returns a
//! [`CapabilityError`], never a crash.
#![warn(missing_docs)]

extern crate self as jobunivers_sdk;

#[cfg(all(
    target_arch = "wasm32",
    any(
        all(feature = "contract-1-0", feature = "contract-1-1"),
        all(feature = "contract-1-0", feature = "contract-1-2"),
        all(feature = "contract-1-1", feature = "contract-1-2")
    )
))]
compile_error!(
    "jobunivers-sdk: enable exactly one contract feature (contract-1-0, contract-1-1 or contract-1-2); \
     build blocks that target different contract versions in separate cargo invocations"
);

#[cfg(not(any(
    feature = "contract-1-0",
    feature = "contract-1-1",
    feature = "contract-1-2"
)))]
compile_error!(
    "jobunivers-sdk: enable one contract feature: contract-1-0, contract-1-1 or contract-1-2"
);

#[doc(hidden)]
pub mod bindings;
mod block;
mod context;
mod convert;
mod manifest;
pub mod ui;

pub mod activity;
pub mod escalate;
pub mod jobs;
pub mod log;
#[cfg(feature = "native-host")]
pub mod native;
#[cfg(any(feature = "contract-1-1", feature = "contract-1-2"))]
pub mod notify;
pub mod profile;
#[cfg(feature = "contract-1-2")]
pub mod screening;
pub mod storage;
pub mod time;

pub use block::{Block, BlockError};
pub use context::{civil_from_days, days_from_civil, Action, Context, Event, Locale};
pub use manifest::{Capability, CapabilityRequest, Category, Manifest};

/// The error a capability call returns when the host refuses it.
pub use bindings::jobunivers::block::types::CapabilityError;

/// The contract version this build of the SDK targets, e.g. `"1.1.0"`.
///
/// ```
/// assert!(jobunivers_sdk::CONTRACT_VERSION.starts_with("1."));
/// ```
pub const CONTRACT_VERSION: &str = bindings::CONTRACT_VERSION;

/// Everything a block usually needs, in one import.
///
/// ```
/// use jobunivers_sdk::prelude::*;
/// let page = Page::new().text("Hej");
/// assert_eq!(page.elements.len(), 1);
/// ```
pub mod prelude {
    pub use crate::ui::{
        Alert, AlertLevel, Button, ButtonStyle, Card, Chat, ChatMessage, ChatRole, Choice, Element,
        Elements, Field, FieldKind, Form, LinkTarget, Page, TextStyle,
    };
    pub use crate::{
        Action, Block, BlockError, Capability, CapabilityError, Category, Context, Event, Locale,
        Manifest,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::Exported;
    pub use wit_bindgen;
}

/// Export a type that implements [`Block`] as this component's building block.
///
/// Call it once, at the top level of the block's crate (a `cdylib`).
///
/// ```no_run
/// # use jobunivers_sdk::prelude::*;
/// struct MyBlock;
/// impl Block for MyBlock {
///     fn manifest() -> Manifest { Manifest::new("demo.my-block", "0.1.0", Category::Other) }
///     fn render(_: &Context) -> Result<Page, BlockError> { Ok(Page::new()) }
/// }
/// jobunivers_sdk::export_block!(MyBlock);
/// ```
#[macro_export]
macro_rules! export_block {
    ($block:ty) => {
        // Only a wasm build is a component; a native build (unit tests of the block's
        // logic) exports nothing.
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            type __JobuniversExported = $crate::__private::Exported<$block>;
            $crate::bindings::__export_building_block!(
                __JobuniversExported with_types_in $crate::__bindings_root
            );
        };
    };
}

#[doc(hidden)]
pub use bindings as __bindings_root;
