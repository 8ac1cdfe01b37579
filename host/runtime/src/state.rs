//! The per-call store data: the sandbox's WASI view (no files, network, environment or
//! real clock), resource limits, and the capability gate every host call passes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxView, WasiView};

use jobunivers_core::caps::*;

/// A host-side limit a block ran into; raised as a trap so the call stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostLimit {
    /// The block made more capability calls in one call than allowed.
    #[error("the block made more than {0} capability calls in one call")]
    TooManyCapabilityCalls(u32),
    /// The block wrote more log output than allowed.
    #[error("the block wrote more than {0} bytes of log in one call")]
    TooMuchLog(usize),
}

/// Limits memory and tables of one store and remembers whether it refused a growth, so
/// that the trap that usually follows can be named for what it is.
#[derive(Debug)]
pub(crate) struct Limiter {
    pub(crate) max_memory_bytes: usize,
    pub(crate) max_table_elements: usize,
    pub(crate) memory_refused: bool,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.max_memory_bytes;
        self.memory_refused |= !ok;
        Ok(ok)
    }
    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table_elements)
    }
}

/// A wall clock that always says the time the host handed the block: blocks have no
/// ambient clock, so what they render depends only on their inputs.
struct FrozenClock(Duration);

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        self.0
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// What one call may do: the capabilities the manifest requested, the municipality
/// granted and (for personal data) the citizen consented to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Granted to the installation by the municipality.
    pub granted: BTreeSet<Capability>,
    /// Consented to by the citizen (only personal-data capabilities need it).
    pub consented: BTreeSet<Capability>,
}

impl Permissions {
    /// Everything granted and consented: for the CLI's local runs.
    pub fn everything() -> Self {
        let all: BTreeSet<_> = Capability::all().collect();
        Self {
            granted: all.clone(),
            consented: all,
        }
    }
}

/// The data of one store: one call of one block for one citizen.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) scope: Scope,
    requested: Arc<BTreeSet<Capability>>,
    permissions: Permissions,
    provider: Arc<dyn CapabilityProvider>,
    calls: u32,
    max_calls: u32,
    log_bytes: usize,
    max_log_bytes: usize,
    pub(crate) stderr: MemoryOutputPipe,
}

/// How the store of a call is set up.
pub(crate) struct StateConfig {
    pub(crate) scope: Scope,
    pub(crate) requested: Arc<BTreeSet<Capability>>,
    pub(crate) permissions: Permissions,
    pub(crate) provider: Arc<dyn CapabilityProvider>,
    pub(crate) max_memory_bytes: usize,
    pub(crate) max_calls: u32,
    pub(crate) max_log_bytes: usize,
}

impl HostState {
    pub(crate) fn new(c: StateConfig) -> Self {
        let stderr = MemoryOutputPipe::new(c.max_log_bytes);
        let now = Duration::from_millis(u64::try_from(c.scope.now_ms).unwrap_or(0));
        let wasi = WasiCtx::builder()
            .stderr(stderr.clone())
            .stdout(stderr.clone())
            .wall_clock(FrozenClock(now))
            .monotonic_clock(FrozenClock(now))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter {
                max_memory_bytes: c.max_memory_bytes,
                max_table_elements: 20_000,
                memory_refused: false,
            },
            scope: c.scope,
            requested: c.requested,
            permissions: c.permissions,
            provider: c.provider,
            calls: 0,
            max_calls: c.max_calls,
            log_bytes: 0,
            max_log_bytes: c.max_log_bytes,
            stderr,
        }
    }

    /// Count a capability call; too many stops the block.
    fn count(&mut self) -> wasmtime::Result<()> {
        self.calls += 1;
        if self.calls > self.max_calls {
            return Err(wasmtime::Error::new(HostLimit::TooManyCapabilityCalls(
                self.max_calls,
            )));
        }
        Ok(())
    }

    /// Whether the block may use `cap` in this call.
    fn check(&self, cap: Capability) -> Result<(), CapError> {
        if !self.requested.contains(&cap) {
            return Err(CapError::NotRequested(format!(
                "the block's manifest does not request the '{cap}' capability"
            )));
        }
        if !self.permissions.granted.contains(&cap) {
            return Err(CapError::NotGranted(format!(
                "the municipality has not granted the '{cap}' capability to this block"
            )));
        }
        if cap.personal_data() && !self.permissions.consented.contains(&cap) {
            return Err(CapError::NoConsent(format!(
                "the citizen has not consented to this block using '{cap}'"
            )));
        }
        Ok(())
    }

    fn gate(&mut self, cap: Capability) -> wasmtime::Result<Result<(), CapError>> {
        self.count()?;
        Ok(self.check(cap))
    }

    pub(crate) fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        self.count()?;
        self.log_bytes += message.len();
        if self.log_bytes > self.max_log_bytes {
            return Err(wasmtime::Error::new(HostLimit::TooMuchLog(
                self.max_log_bytes,
            )));
        }
        self.provider.log(&self.scope, level, &message);
        Ok(())
    }

    pub(crate) async fn storage_get(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, CapError>> {
        if let Err(e) = self.gate(Capability::Storage)? {
            return Ok(Err(e));
        }
        Ok(self.provider.storage_get(&self.scope, &key).await)
    }

    pub(crate) async fn storage_set(
        &mut self,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), CapError>> {
        if let Err(e) = self.gate(Capability::Storage)? {
            return Ok(Err(e));
        }
        Ok(self.provider.storage_set(&self.scope, &key, value).await)
    }

    pub(crate) async fn storage_delete(
        &mut self,
        key: String,
    ) -> wasmtime::Result<Result<(), CapError>> {
        if let Err(e) = self.gate(Capability::Storage)? {
            return Ok(Err(e));
        }
        Ok(self.provider.storage_delete(&self.scope, &key).await)
    }

    pub(crate) async fn storage_list(
        &mut self,
        prefix: String,
    ) -> wasmtime::Result<Result<Vec<String>, CapError>> {
        if let Err(e) = self.gate(Capability::Storage)? {
            return Ok(Err(e));
        }
        Ok(self.provider.storage_list(&self.scope, &prefix).await)
    }

    /// The profile with only the field groups this block may see. Refused only when it
    /// may see none at all, with the reason of the closest group.
    pub(crate) async fn profile_get(&mut self) -> wasmtime::Result<Result<Profile, CapError>> {
        self.count()?;
        let checks: Vec<(ProfileField, Result<(), CapError>)> = ProfileField::ALL
            .iter()
            .map(|f| (*f, self.check(Capability::Profile(*f))))
            .collect();
        let allowed: BTreeSet<ProfileField> = checks
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(f, _)| *f)
            .collect();
        if allowed.is_empty() {
            // Report the most useful refusal: consent before grant before request.
            let mut errors: Vec<CapError> =
                checks.into_iter().filter_map(|(_, r)| r.err()).collect();
            errors.sort_by_key(|e| match e {
                CapError::NoConsent(_) => 0,
                CapError::NotGranted(_) => 1,
                _ => 2,
            });
            return Ok(Err(errors.remove(0)));
        }
        let mut p = match self.provider.profile(&self.scope).await {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let keep = |f: ProfileField| allowed.contains(&f);
        if !keep(ProfileField::Occupations) {
            p.desired_occupations = None;
        }
        if !keep(ProfileField::Skills) {
            p.skills = None;
        }
        if !keep(ProfileField::Education) {
            p.education = None;
        }
        if !keep(ProfileField::Experience) {
            p.experience = None;
        }
        if !keep(ProfileField::Cv) {
            p.cv_text = None;
        }
        if !keep(ProfileField::Area) {
            p.preferred_area = None;
        }
        if !keep(ProfileField::Availability) {
            p.available_from = None;
        }
        Ok(Ok(p))
    }

    pub(crate) async fn jobs_search(
        &mut self,
        q: JobQuery,
    ) -> wasmtime::Result<Result<Vec<JobPosting>, CapError>> {
        if let Err(e) = self.gate(Capability::Jobs)? {
            return Ok(Err(e));
        }
        Ok(self.provider.jobs_search(&self.scope, q).await)
    }

    pub(crate) async fn job_get(
        &mut self,
        id: String,
    ) -> wasmtime::Result<Result<Option<JobPosting>, CapError>> {
        if let Err(e) = self.gate(Capability::Jobs)? {
            return Ok(Err(e));
        }
        Ok(self.provider.job_get(&self.scope, &id).await)
    }

    pub(crate) async fn activity_add(
        &mut self,
        e: NewActivity,
    ) -> wasmtime::Result<Result<String, CapError>> {
        if let Err(err) = self.gate(Capability::Activity)? {
            return Ok(Err(err));
        }
        if serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&e.details).is_err() {
            return Ok(Err(CapError::Invalid(
                "an activity's details must be a JSON object".into(),
            )));
        }
        Ok(self.provider.activity_add(&self.scope, e).await)
    }

    pub(crate) async fn activity_recent(
        &mut self,
        kind: Option<String>,
        limit: u32,
    ) -> wasmtime::Result<Result<Vec<RecordedActivity>, CapError>> {
        if let Err(e) = self.gate(Capability::Activity)? {
            return Ok(Err(e));
        }
        Ok(self
            .provider
            .activity_recent(&self.scope, kind, limit.min(500))
            .await)
    }

    pub(crate) async fn escalate_open(
        &mut self,
        r: EscalationRequest,
    ) -> wasmtime::Result<Result<String, CapError>> {
        if let Err(e) = self.gate(Capability::Escalate)? {
            return Ok(Err(e));
        }
        Ok(self.provider.escalate_open(&self.scope, r).await)
    }

    pub(crate) async fn escalate_status(
        &mut self,
        id: String,
    ) -> wasmtime::Result<Result<Thread, CapError>> {
        if let Err(e) = self.gate(Capability::Escalate)? {
            return Ok(Err(e));
        }
        Ok(self.provider.escalate_status(&self.scope, &id).await)
    }

    pub(crate) async fn escalate_cancel(
        &mut self,
        id: String,
    ) -> wasmtime::Result<Result<(), CapError>> {
        if let Err(e) = self.gate(Capability::Escalate)? {
            return Ok(Err(e));
        }
        Ok(self.provider.escalate_cancel(&self.scope, &id).await)
    }

    pub(crate) async fn notify(
        &mut self,
        n: Notification,
    ) -> wasmtime::Result<Result<String, CapError>> {
        if let Err(e) = self.gate(Capability::Notify)? {
            return Ok(Err(e));
        }
        Ok(self.provider.notify(&self.scope, n).await)
    }

    pub(crate) async fn screening_report(
        &mut self,
        report: ScreeningReport,
    ) -> wasmtime::Result<Result<String, CapError>> {
        if let Err(e) = self.gate(Capability::Screening)? {
            return Ok(Err(e));
        }
        if let Err(e) = report.check() {
            return Ok(Err(e));
        }
        Ok(self.provider.screening_report(&self.scope, report).await)
    }

    pub(crate) async fn screening_status(
        &mut self,
    ) -> wasmtime::Result<Result<ScreeningStatus, CapError>> {
        if let Err(e) = self.gate(Capability::Screening)? {
            return Ok(Err(e));
        }
        Ok(self.provider.screening_status(&self.scope).await)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
