//! Host capabilities: what a block may do beyond drawing UI, each behind a permission.
//!
//! The runtime checks *whether* a call is allowed (requested by the manifest, granted by
//! the municipality, consented to by the citizen) and counts calls; a
//! [`CapabilityProvider`] does the work. The runtime's in-memory provider serves the CLI and
//! the tests; the store's database-backed one serves the universe.

mod types;

pub use types::*;

use async_trait::async_trait;
use serde::Serialize;

/// A capability a block can request. Configuration and logging need no request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Capability {
    /// Key-value storage per (installation, citizen).
    Storage,
    /// Search the job postings.
    Jobs,
    /// Record activities.
    Activity,
    /// Hand over to the jobcentre.
    Escalate,
    /// Messages to the citizen's inbox (contract 1.1).
    Notify,
    /// Screening results and status (contract 1.2; blocks of category screening).
    Screening,
    /// A group of profile fields.
    Profile(ProfileField),
}

/// A group of fields of the citizen's profile, granted and consented to one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ProfileField {
    /// Desired occupations (ESCO).
    Occupations,
    /// Skills (ESCO).
    Skills,
    /// Education.
    Education,
    /// Work experience.
    Experience,
    /// CV text.
    Cv,
    /// Preferred area.
    Area,
    /// Available from.
    Availability,
}

impl ProfileField {
    /// Every profile field group.
    pub const ALL: [ProfileField; 7] = [
        Self::Occupations,
        Self::Skills,
        Self::Education,
        Self::Experience,
        Self::Cv,
        Self::Area,
        Self::Availability,
    ];
}

impl Capability {
    /// Every capability, in a stable order.
    pub fn all() -> impl Iterator<Item = Capability> {
        [
            Self::Storage,
            Self::Jobs,
            Self::Activity,
            Self::Escalate,
            Self::Notify,
            Self::Screening,
        ]
        .into_iter()
        .chain(ProfileField::ALL.into_iter().map(Self::Profile))
    }

    /// The contract name, e.g. "profile.cv".
    pub fn name(self) -> &'static str {
        match self {
            Self::Storage => "storage",
            Self::Jobs => "jobs",
            Self::Activity => "activity",
            Self::Escalate => "escalate",
            Self::Notify => "notify",
            Self::Screening => "screening",
            Self::Profile(ProfileField::Occupations) => "profile.occupations",
            Self::Profile(ProfileField::Skills) => "profile.skills",
            Self::Profile(ProfileField::Education) => "profile.education",
            Self::Profile(ProfileField::Experience) => "profile.experience",
            Self::Profile(ProfileField::Cv) => "profile.cv",
            Self::Profile(ProfileField::Area) => "profile.area",
            Self::Profile(ProfileField::Availability) => "profile.availability",
        }
    }

    /// Parse a contract name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::all().find(|c| c.name() == name)
    }

    /// The contract minor version (of major 1) that introduced it.
    pub fn since_minor(self) -> u64 {
        match self {
            Self::Notify => 1,
            Self::Screening => 2,
            _ => 0,
        }
    }

    /// Whether it touches the citizen's personal data, so the citizen must consent.
    pub fn personal_data(self) -> bool {
        matches!(self, Self::Profile(_) | Self::Screening)
    }

    /// The contract interface whose import means the block uses this capability.
    pub fn interface(self) -> &'static str {
        match self {
            Self::Storage => "storage",
            Self::Jobs => "jobs",
            Self::Activity => "activity",
            Self::Escalate => "escalate",
            Self::Notify => "notify",
            Self::Screening => "screening",
            Self::Profile(_) => "profile",
        }
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a capability call was refused; handed to the block as a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    /// The manifest does not request it.
    #[error("not requested: {0}")]
    NotRequested(String),
    /// The municipality has not granted it.
    #[error("not granted: {0}")]
    NotGranted(String),
    /// The citizen has not consented.
    #[error("no consent: {0}")]
    NoConsent(String),
    /// A quota would be exceeded.
    #[error("quota exceeded: {0}")]
    QuotaExceeded(String),
    /// Too many calls.
    #[error("rate limited: {0}")]
    RateLimited(String),
    /// The request was wrong.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The host could not serve it.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

/// Who a capability call is for: every provider method is scoped by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Scope {
    /// The installation (municipality × block) making the call.
    pub installation: String,
    /// The block's id, e.g. "jobunivers.cv-coach".
    pub block_id: String,
    /// The block's version.
    pub block_version: String,
    /// The citizen's pseudonymous id.
    pub citizen: String,
    /// The municipality's code.
    pub municipality: String,
    /// The host's time for this call (Unix ms).
    pub now_ms: i64,
}

/// Log level of a block's log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warn.
    Warn,
    /// Error.
    Error,
}

/// Does the work behind the capabilities. The runtime has already checked permission;
/// implementations enforce quotas and rate limits and keep every query inside `scope`.
#[async_trait]
pub trait CapabilityProvider: Send + Sync {
    /// Read a stored value.
    async fn storage_get(&self, scope: &Scope, key: &str) -> Result<Option<Vec<u8>>, CapError>;
    /// Store a value.
    async fn storage_set(&self, scope: &Scope, key: &str, value: Vec<u8>) -> Result<(), CapError>;
    /// Remove a value.
    async fn storage_delete(&self, scope: &Scope, key: &str) -> Result<(), CapError>;
    /// List keys with a prefix.
    async fn storage_list(&self, scope: &Scope, prefix: &str) -> Result<Vec<String>, CapError>;
    /// The citizen's whole profile; the runtime removes what the block may not see.
    async fn profile(&self, scope: &Scope) -> Result<Profile, CapError>;
    /// Search job postings.
    async fn jobs_search(
        &self,
        scope: &Scope,
        query: JobQuery,
    ) -> Result<Vec<JobPosting>, CapError>;
    /// One job posting.
    async fn job_get(&self, scope: &Scope, id: &str) -> Result<Option<JobPosting>, CapError>;
    /// Record an activity.
    async fn activity_add(&self, scope: &Scope, entry: NewActivity) -> Result<String, CapError>;
    /// Activities this installation recorded for the citizen, newest first.
    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> Result<Vec<RecordedActivity>, CapError>;
    /// Open a thread with the jobcentre.
    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> Result<String, CapError>;
    /// The status of a thread this installation opened for the citizen.
    async fn escalate_status(&self, scope: &Scope, id: &str) -> Result<Thread, CapError>;
    /// Cancel a thread this installation opened for the citizen.
    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> Result<(), CapError>;
    /// Put a message in the citizen's inbox.
    async fn notify(&self, scope: &Scope, message: Notification) -> Result<String, CapError>;
    /// Keep a screening result for the citizen (already checked by
    /// [`ScreeningReport::check`]); its id.
    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> Result<String, CapError>;
    /// The citizen's screening status: last result, next due, the caseworker's decision.
    async fn screening_status(&self, scope: &Scope) -> Result<ScreeningStatus, CapError>;
    /// A block's log line.
    fn log(&self, scope: &Scope, level: LogLevel, message: &str) {
        match level {
            LogLevel::Debug => tracing::debug!(block = %scope.block_id, "{message}"),
            LogLevel::Info => tracing::info!(block = %scope.block_id, "{message}"),
            LogLevel::Warn => tracing::warn!(block = %scope.block_id, "{message}"),
            LogLevel::Error => tracing::error!(block = %scope.block_id, "{message}"),
        }
    }
}

/// The quotas every provider enforces per (installation, citizen): the in-memory one
/// and the database-backed one alike.
#[derive(Debug, Clone)]
pub struct MemoryLimits {
    /// Bytes of keys and values per (installation, citizen).
    pub storage_quota_bytes: usize,
    /// Longest key.
    pub max_key_len: usize,
    /// Notifications per (installation, citizen) per day.
    pub notifications_per_day: usize,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        Self {
            storage_quota_bytes: 256 * 1024,
            max_key_len: 256,
            notifications_per_day: 5,
        }
    }
}
