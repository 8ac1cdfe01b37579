//! The example blocks compiled natively and linked into the host (cargo feature
//! `native-blocks`): the baseline the load test measures the WebAssembly sandbox
//! against. A native call goes through the same capability gate ([`HostState`]: what
//! was requested, granted and consented, the call count, the profile's narrowing), the
//! same provider and the same validation of the page as a component call; what it
//! leaves out is the sandbox itself (instantiation, the component boundary, the
//! compiled code's bounds). Native code has no sandbox: this is for measuring only, and
//! no production path uses it.

use std::sync::{Arc, Mutex};

use jobunivers_sdk::native as sdk;
use jobunivers_sdk::{Block, BlockError};

use super::state::HostState;
use super::{BlockFault, Call, CallError, LoadedBlock, Page, Runtime};
use jobunivers_core::caps::{self, CapError, LogLevel};

mod conv {
    use super::super::model::{self, Element, FlatElement};
    use jobunivers_core::caps::{self, CapError, LogLevel};

    crate::adapt::convert!(jobunivers_sdk::bindings::jobunivers::block);
}

type RenderFn = fn(Arc<dyn sdk::Host>, &sdk::types::Context) -> Result<sdk::ui::Page, BlockError>;

/// One block linked natively.
#[derive(Debug, Clone)]
pub struct NativeBlock {
    /// `vendor.block`, from the block's own manifest.
    pub id: String,
    /// The version this build is.
    pub version: String,
    render: RenderFn,
}

fn native<B: Block>() -> NativeBlock {
    let manifest = B::manifest();
    NativeBlock {
        id: manifest.id,
        version: manifest.version,
        render: sdk::render::<B>,
    }
}

/// The six example blocks and the two fixtures of the load test's page, natively.
pub fn examples() -> Vec<NativeBlock> {
    vec![
        native::<job_log::JobLogBlock>(),
        native::<job_feed::JobFeed>(),
        native::<cv_coach::CvCoach>(),
        native::<chatbot::Chatbot>(),
        native::<course::CourseBlock>(),
        native::<booking::Booking>(),
        native::<fixture_widget::Widget>(),
        native::<fixture_hello::Hello>(),
    ]
}

/// Serves a native block's capability calls through the call's [`HostState`], on the
/// blocking thread the block runs on.
struct NativeHost {
    state: Mutex<HostState>,
    runtime: tokio::runtime::Handle,
    /// What stopped the call (a host limit), as a trap would stop a component.
    stopped: Mutex<Option<wasmtime::Error>>,
}

impl NativeHost {
    fn call<T>(
        &self,
        f: impl AsyncFnOnce(&mut HostState) -> wasmtime::Result<Result<T, CapError>>,
    ) -> Result<T, sdk::types::CapabilityError> {
        let mut state = self.state.lock().expect("lock");
        match self.runtime.block_on(f(&mut state)) {
            Ok(r) => r.map_err(conv::capability_error),
            Err(e) => {
                self.stopped.lock().expect("lock").get_or_insert(e);
                Err(sdk::types::CapabilityError::Unavailable(
                    "the call was stopped".into(),
                ))
            }
        }
    }
}

impl sdk::Host for NativeHost {
    fn storage_get(&self, key: &str) -> Result<Option<Vec<u8>>, sdk::types::CapabilityError> {
        let key = key.to_owned();
        self.call(async |s| s.storage_get(key).await)
    }
    fn storage_set(&self, key: &str, value: &[u8]) -> Result<(), sdk::types::CapabilityError> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.call(async |s| s.storage_set(key, value).await)
    }
    fn storage_delete(&self, key: &str) -> Result<(), sdk::types::CapabilityError> {
        let key = key.to_owned();
        self.call(async |s| s.storage_delete(key).await)
    }
    fn storage_list(&self, prefix: &str) -> Result<Vec<String>, sdk::types::CapabilityError> {
        let prefix = prefix.to_owned();
        self.call(async |s| s.storage_list(prefix).await)
    }
    fn profile(&self) -> Result<sdk::CitizenProfile, sdk::types::CapabilityError> {
        self.call(async |s| s.profile_get().await)
            .map(conv::citizen_profile)
    }
    fn jobs_search(
        &self,
        query: &sdk::JobQuery,
    ) -> Result<Vec<sdk::JobPosting>, sdk::types::CapabilityError> {
        let query = conv::job_query(query.clone());
        self.call(async |s| s.jobs_search(query).await)
            .map(|v: Vec<caps::JobPosting>| v.into_iter().map(conv::job_posting).collect())
    }
    fn jobs_get(&self, id: &str) -> Result<Option<sdk::JobPosting>, sdk::types::CapabilityError> {
        let id = id.to_owned();
        self.call(async |s| s.job_get(id).await)
            .map(|v: Option<caps::JobPosting>| v.map(conv::job_posting))
    }
    fn activity_add(
        &self,
        entry: &sdk::NewActivity,
    ) -> Result<String, sdk::types::CapabilityError> {
        let entry = conv::new_activity(entry.clone());
        self.call(async |s| s.activity_add(entry).await)
    }
    fn activity_recent(
        &self,
        kind: Option<&str>,
        limit: u32,
    ) -> Result<Vec<sdk::RecordedActivity>, sdk::types::CapabilityError> {
        let kind = kind.map(str::to_owned);
        self.call(async |s| s.activity_recent(kind, limit).await)
            .map(|v: Vec<caps::RecordedActivity>| {
                v.into_iter().map(conv::recorded_activity).collect()
            })
    }
    fn escalate_open(&self, request: &sdk::Request) -> Result<String, sdk::types::CapabilityError> {
        let request = conv::escalation_request(request.clone());
        self.call(async |s| s.escalate_open(request).await)
    }
    fn escalate_status(&self, id: &str) -> Result<sdk::Thread, sdk::types::CapabilityError> {
        let id = id.to_owned();
        self.call(async |s| s.escalate_status(id).await)
            .map(conv::thread)
    }
    fn escalate_cancel(&self, id: &str) -> Result<(), sdk::types::CapabilityError> {
        let id = id.to_owned();
        self.call(async |s| s.escalate_cancel(id).await)
    }
    fn notify(&self, message: &sdk::Notification) -> Result<String, sdk::types::CapabilityError> {
        let message = caps::Notification {
            title: message.title.clone(),
            body: message.body.clone(),
            view: message.view.clone(),
        };
        self.call(async |s| s.notify(message).await)
    }
    fn log(&self, level: sdk::Level, message: &str) {
        let level: LogLevel = conv::log_level(level);
        if let Err(e) = self
            .state
            .lock()
            .expect("lock")
            .log(level, message.to_owned())
        {
            self.stopped.lock().expect("lock").get_or_insert(e);
        }
    }
}

impl Runtime {
    /// Render the call's view with `native`, the natively linked build of `block` (the
    /// same version: its manifest decides what may be called), through the same gate,
    /// provider and page validation as [`Runtime::render`].
    pub async fn render_native(
        &self,
        block: &LoadedBlock,
        native: &NativeBlock,
        call: &Call,
    ) -> Result<Page, CallError> {
        if native.id != block.manifest.raw.id || native.version != block.manifest.raw.version {
            return Err(CallError::Unsupported(format!(
                "the native build is {}@{}, the installation runs {}@{}",
                native.id, native.version, block.manifest.raw.id, block.manifest.raw.version
            )));
        }
        let host = Arc::new(NativeHost {
            state: Mutex::new(self.state(block, call)),
            runtime: tokio::runtime::Handle::current(),
            stopped: Mutex::new(None),
        });
        let ctx = conv::context(&call.ctx);
        let render = native.render;
        let for_block = host.clone();
        let task = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(for_block, &ctx)))
        });
        let outcome = tokio::time::timeout(self.config.call_timeout, task)
            .await
            .map_err(|_| CallError::Timeout {
                limit_ms: self.config.call_timeout.as_millis() as u64,
            })?
            .map_err(|e| CallError::Host(e.to_string()))?
            .map_err(|_| CallError::Panic {
                message: "the native block panicked".into(),
            })?;
        if let Some(e) = host.stopped.lock().expect("lock").take() {
            return Err(match e.downcast::<super::HostLimit>() {
                Ok(limit) => CallError::Limit(limit),
                Err(e) => CallError::Host(format!("{e:#}")),
            });
        }
        let outcome = outcome.map(conv::page).map_err(|e| match e {
            BlockError::BadRequest(m) => BlockFault::BadRequest(m),
            BlockError::Failed(m) => BlockFault::Failed(m),
        });
        self.finish(outcome)
    }
}
