//! Blocks linked natively into a host process (the `native-host` cargo feature), for
//! measuring the WebAssembly sandbox against the same code compiled for the machine.
//!
//! A block crate that also builds as an `rlib` can be called directly:
//! [`render`] and [`handle_action`] run its [`Block`] methods on the calling thread and
//! return the page in the contract's flat form, exactly as the component export would.
//! The capability functions of this SDK ([`crate::storage`], [`crate::profile`],
//! [`crate::jobs`], [`crate::activity`], [`crate::escalate`], `notify`, [`crate::log`])
//! then call the [`Host`] installed for that call instead of the contract's imports.
//! This is not a way to run untrusted blocks: native code has no sandbox.

use std::cell::RefCell;
use std::sync::Arc;

use crate::bindings::jobunivers::block as w;
use crate::{Action, Block, BlockError, CapabilityError, Context};

pub use w::activity::{NewActivity, RecordedActivity};
pub use w::escalate::{Request, Thread};
pub use w::jobs::{JobPosting, JobQuery};
pub use w::log::Level;
#[cfg(feature = "contract-1-1")]
pub use w::notify::Notification;
pub use w::profile::CitizenProfile;
/// The contract's types (manifest, context, capability errors).
pub use w::types;
/// The contract's UI types: the flat page a call returns.
pub use w::ui;

/// What serves a natively linked block's capability calls (the host side of the
/// contract's imports).
pub trait Host: Send + Sync {
    /// `storage.get`.
    fn storage_get(&self, key: &str) -> Result<Option<Vec<u8>>, CapabilityError>;
    /// `storage.set`.
    fn storage_set(&self, key: &str, value: &[u8]) -> Result<(), CapabilityError>;
    /// `storage.delete`.
    fn storage_delete(&self, key: &str) -> Result<(), CapabilityError>;
    /// `storage.list-keys`.
    fn storage_list(&self, prefix: &str) -> Result<Vec<String>, CapabilityError>;
    /// `profile.get`.
    fn profile(&self) -> Result<CitizenProfile, CapabilityError>;
    /// `jobs.search`.
    fn jobs_search(&self, query: &JobQuery) -> Result<Vec<JobPosting>, CapabilityError>;
    /// `jobs.get`.
    fn jobs_get(&self, id: &str) -> Result<Option<JobPosting>, CapabilityError>;
    /// `activity.add`.
    fn activity_add(&self, entry: &NewActivity) -> Result<String, CapabilityError>;
    /// `activity.recent`.
    fn activity_recent(
        &self,
        kind: Option<&str>,
        limit: u32,
    ) -> Result<Vec<RecordedActivity>, CapabilityError>;
    /// `escalate.open`.
    fn escalate_open(&self, request: &Request) -> Result<String, CapabilityError>;
    /// `escalate.status`.
    fn escalate_status(&self, id: &str) -> Result<Thread, CapabilityError>;
    /// `escalate.cancel`.
    fn escalate_cancel(&self, id: &str) -> Result<(), CapabilityError>;
    /// `notify.send` (contract 1.1).
    #[cfg(feature = "contract-1-1")]
    fn notify(&self, message: &Notification) -> Result<String, CapabilityError>;
    /// `log.write`.
    fn log(&self, level: Level, message: &str);
}

thread_local! {
    static HOST: RefCell<Option<Arc<dyn Host>>> = const { RefCell::new(None) };
}

/// Puts the previous host back when a call ends, also when the block panics.
struct Installed(Option<Arc<dyn Host>>);

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.0.take();
        HOST.with(|h| *h.borrow_mut() = previous);
    }
}

fn with_host<R>(host: Arc<dyn Host>, f: impl FnOnce() -> R) -> R {
    let previous = HOST.with(|h| h.borrow_mut().replace(host));
    let _installed = Installed(previous);
    f()
}

/// Calls `f` with the host installed on this thread, if any.
pub(crate) fn host<R>(f: impl FnOnce(&dyn Host) -> R) -> Option<R> {
    let host = HOST.with(|h| h.borrow().clone())?;
    Some(f(&*host))
}

fn context(ctx: &types::Context) -> Context {
    Context {
        citizen: ctx.citizen.clone(),
        municipality: ctx.municipality.clone(),
        locale: match ctx.locale {
            types::Locale::Da => crate::Locale::Da,
            types::Locale::En => crate::Locale::En,
        },
        view: ctx.view.clone(),
        config_json: ctx.config.clone(),
        now_ms: ctx.now_ms,
    }
}

/// `B::render` with `host` serving its capability calls, the page flattened as the
/// component export returns it.
pub fn render<B: Block>(host: Arc<dyn Host>, ctx: &types::Context) -> Result<ui::Page, BlockError> {
    with_host(host, || B::render(&context(ctx)).map(crate::convert::page))
}

/// `B::handle_action` with `host` serving its capability calls.
pub fn handle_action<B: Block>(
    host: Arc<dyn Host>,
    ctx: &types::Context,
    action: &Action,
) -> Result<ui::Page, BlockError> {
    with_host(host, || {
        B::handle_action(&context(ctx), action).map(crate::convert::page)
    })
}
