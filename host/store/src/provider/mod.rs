//! The database-backed [`CapabilityProvider`]: what blocks store, record, open and send
//! is kept in SQLite or PostgreSQL (through [`Db`]), together with the citizens, their
//! profiles, the job postings, the citizens' consents and the log of who read their
//! personal data (tables of `migrations/*/0005_universe.sql`).
//!
//! It has exactly the semantics of the runtime's in-memory provider: storage per
//! (installation, citizen) with the same quota and errors, activities and threads
//! visible only to the installation and citizen that made them, the same daily limit on
//! messages, the same job matching. What the database adds is that quota and rate-limit
//! checks hold across concurrent calls and processes, and that every profile read leaves
//! a row in `data_access_log`.
//!
//! Ids handed to blocks keep the memory provider's shape (`act-7`, `thread-3`, `msg-9`)
//! over the tables' numeric ids.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use tokio::sync::broadcast;

use std::sync::Arc;

use tokio::sync::OwnedMutexGuard;

use crate::access::{self, Access};
use crate::db::{Backend, Db, DbError};
use jobunivers_core::caps::*;
use jobunivers_core::clock::now_ms;
use jobunivers_core::model::ChatRole;

mod activity;
mod citizens;
mod consents;
mod events;
mod jobs;
mod notify;
mod profile;
mod screening;
mod storage;
mod threads;

pub use events::{
    utc_date, ClaimedDelivery, DeliveryEnd, DeliveryKey, WaitingEvent, NEW_JOB_POSTINGS, TICK,
};
pub use profile::{ProfileChange, PROFILE_CHANGED};

const DAY_MS: i64 = 86_400_000;

/// What a profile read is logged as. The runtime narrows the profile to the field groups
/// the block was granted and the citizen consented to; the provider hands it the whole.
const PROFILE_WHAT: &str = "profile";
/// Why a block read personal data: it asked while serving the citizen.
const PROFILE_WHY: &str = "block-call";

/// Takes the (installation, citizen) pair's turn: the first statement of every
/// transaction that checks a quota or a rate limit. It writes, so on SQLite the
/// transaction holds the database's write lock from its first statement (a transaction
/// that read first could not upgrade under a concurrent writer); on PostgreSQL the upsert
/// locks the pair's row until commit, so a concurrent call for the same pair waits here
/// and, under READ COMMITTED, its later statements see what the first one committed.
/// `SELECT ... FOR UPDATE` would do the latter only on PostgreSQL; this is the same SQL
/// on both. It returns the storage in use, which the lock makes current.
const TAKE_TURN: &str = "INSERT INTO block_usage (installation_id, citizen_id, storage_bytes) \
     VALUES ($1, $2, 0) \
     ON CONFLICT (installation_id, citizen_id) DO UPDATE SET storage_bytes = block_usage.storage_bytes \
     RETURNING storage_bytes";

/// A citizen as the host knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Citizen {
    /// The pseudonymous subject.
    pub id: String,
    /// The municipality's code.
    pub municipality: String,
    /// The groups the citizen belongs to (matched against installations' audiences).
    pub groups: Vec<String>,
}

/// One read of a citizen's profile by a block, as the access log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRead {
    /// Whose profile.
    pub citizen: String,
    /// `vendor.block` that read it.
    pub block_id: String,
    /// Its version.
    pub block_version: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

impl BlockRead {
    /// The read a call in `scope` makes.
    pub fn of(scope: &Scope) -> Self {
        Self {
            citizen: scope.citizen.clone(),
            block_id: scope.block_id.clone(),
            block_version: scope.block_version.clone(),
            at_ms: scope.now_ms,
        }
    }
}

/// Why the host may let an installation use a capability on a citizen's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    /// The citizen consented (GDPR art. 6(1)(a)).
    Consent,
    /// The jobcentre's task in the public interest (GDPR art. 6(1)(e)).
    PublicTask,
}

impl LegalBasis {
    /// The name stored in `consents.legal_basis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::PublicTask => "public-task",
        }
    }
}

/// A notification as [`DbProvider::subscribe`] delivers it, once its insert has
/// committed: the citizen's id, and the notification as JSON (`id`, `installation`,
/// `block`, `title`, `body`, `view`, `created_ms`, `read_ms`), the shape the inbox lists.
pub type NotificationEvent = (String, serde_json::Value);

/// How many published notifications a slow subscriber may fall behind before it misses
/// some (it is told, and can read the inbox again).
const NOTIFICATION_BACKLOG: usize = 1024;

/// Capabilities served from the database.
#[derive(Debug, Clone)]
pub struct DbProvider {
    db: Db,
    limits: MemoryLimits,
    /// On SQLite, the writers of this process take turns here before they ask SQLite
    /// for its write lock: a writer that finds the lock taken would otherwise sleep in
    /// SQLite's busy handler (1, 2, 5, 10 ... ms) instead of starting the moment the
    /// lock is free. Other processes are still kept out by the lock itself.
    write_turn: Option<Arc<tokio::sync::Mutex<()>>>,
    /// New notifications, for open inbox pages of this process.
    notifications: broadcast::Sender<NotificationEvent>,
    /// This process among those sharing the database (see [`crate::live`]).
    origin: std::sync::Arc<str>,
    /// What the layers above want done after the provider's own writes.
    hooks: Arc<dyn StoreHooks>,
    /// Open live inbox streams of this process, per citizen.
    streams: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

/// The most live inbox streams one citizen may hold open in one process (tabs and
/// devices); one more is refused until one closes.
pub const MAX_STREAMS_PER_CITIZEN: usize = 5;

/// One citizen's open live stream; the slot is given back when this is dropped.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    citizen: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = streams.get_mut(&self.citizen) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&self.citizen);
            }
        }
    }
}

/// What the layers above the store want done after some of the provider's writes (as
/// Spin's `ExecutorHooks`): whoever assembles the host passes them in with
/// [`DbProvider::with_hooks`], so the store never calls up. Every method does nothing
/// by default.
#[async_trait]
pub trait StoreHooks: Send + Sync + 'static {
    /// A block recorded an activity for `citizen` (committed); availability monitoring
    /// re-evaluates the citizen's rules here.
    async fn after_activity(&self, provider: &DbProvider, citizen: &str, now_ms: i64) {
        let _ = (provider, citizen, now_ms);
    }
}

/// The hooks that do nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHooks;

impl StoreHooks for NoHooks {}

impl std::fmt::Debug for dyn StoreHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreHooks")
    }
}

/// Whether SQLite writers take turns in the process (always, except when the load test
/// measures what it buys: `UNIVERSE_BENCH_NO_WRITE_TURN=1` with the feature
/// `native-blocks`).
fn serialize_sqlite_writes() -> bool {
    !(cfg!(feature = "native-blocks")
        && std::env::var("UNIVERSE_BENCH_NO_WRITE_TURN").is_ok_and(|v| v == "1"))
}

fn decode_error(e: serde_json::Error) -> DbError {
    DbError::Query(sqlx::Error::Decode(Box::new(e)))
}

fn encode_error(e: serde_json::Error) -> DbError {
    DbError::Query(sqlx::Error::Encode(Box::new(e)))
}

impl DbProvider {
    /// A provider over `db` (migrated) with the memory provider's limits.
    pub fn new(db: Db, limits: MemoryLimits) -> Self {
        let (notifications, _) = broadcast::channel(NOTIFICATION_BACKLOG);
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).expect("the operating system's random source");
        let write_turn = (db.backend() == Backend::Sqlite && serialize_sqlite_writes())
            .then(|| Arc::new(tokio::sync::Mutex::new(())));
        Self {
            db,
            limits,
            write_turn,
            notifications,
            origin: hex::encode(seed).into(),
            hooks: Arc::new(NoHooks),
            streams: Arc::default(),
        }
    }

    /// A slot for one more live stream of `citizen`, or `None` when they already hold
    /// [`MAX_STREAMS_PER_CITIZEN`] open.
    pub fn open_stream(&self, citizen: &str) -> Option<StreamSlot> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        let n = streams.entry(citizen.to_owned()).or_default();
        if *n >= MAX_STREAMS_PER_CITIZEN {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            streams: self.streams.clone(),
            citizen: citizen.to_owned(),
        })
    }

    /// The same provider, calling `hooks` after its writes.
    pub fn with_hooks(mut self, hooks: Arc<dyn StoreHooks>) -> Self {
        self.hooks = hooks;
        self
    }

    /// This process's mark on the inbox announcements it makes.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// Every notification committed from now on, for every citizen (the subscriber
    /// filters): lets an open page show new messages without asking again.
    pub fn subscribe(&self) -> broadcast::Receiver<NotificationEvent> {
        self.notifications.subscribe()
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Publish a notification the host itself committed (a monitoring nudge, a prior
    /// notice) to the open inbox pages, as [`Self::notify`] does for blocks.
    pub fn publish(&self, citizen: String, notification: serde_json::Value) {
        let _ = self.notifications.send((citizen, notification));
    }

    /// This process's turn to write (SQLite only; see `write_turn`), held until the
    /// write has committed.
    async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.write_turn {
            Some(turn) => Some(turn.clone().lock_owned().await),
            None => None,
        }
    }

    /// A write transaction, with this process's turn to write.
    async fn begin(
        &self,
    ) -> Result<(Option<OwnedMutexGuard<()>>, Transaction<'static, Any>), CapError> {
        let turn = self.write_turn().await;
        let tx = self
            .db
            .pool()
            .begin()
            .await
            .map_err(|e| unavailable("the database", e))?;
        Ok((turn, tx))
    }
}

/// The installation a scope names; its id in decimal.
fn installation(scope: &Scope) -> Result<i64, CapError> {
    scope.installation.parse().map_err(|_| {
        CapError::Invalid(format!(
            "'{}' is not an installation id",
            scope.installation
        ))
    })
}

/// A database failure as the block sees it: a short message; the cause goes to the log.
fn unavailable(what: &str, e: sqlx::Error) -> CapError {
    tracing::error!(error = %e, capability = what, "a capability's query failed");
    CapError::Unavailable(format!("{what} cannot be reached right now"))
}

/// Like [`unavailable`], except that a foreign key violation in the tables tied to an
/// installation means the scope names an installation that does not exist.
fn installation_error(what: &str, installation: i64, e: sqlx::Error) -> CapError {
    let foreign_key = e
        .as_database_error()
        .is_some_and(|d| d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation);
    if foreign_key {
        CapError::Invalid(format!("there is no installation {installation}"))
    } else {
        unavailable(what, e)
    }
}

/// PostgreSQL refuses NUL characters in text; refusing them on both backends keeps the
/// two alike (and a block gets `invalid`, not `unavailable`).
fn plain_text<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<(), CapError> {
    if fields.into_iter().any(|f| f.contains('\0')) {
        return Err(CapError::Invalid(
            "text cannot contain NUL characters".into(),
        ));
    }
    Ok(())
}

/// A numeric id from the prefixed one handed to blocks.
fn parse_id(id: &str, prefix: &str) -> Option<i64> {
    id.strip_prefix(prefix)?.parse().ok()
}

#[async_trait]
impl CapabilityProvider for DbProvider {
    async fn storage_get(&self, scope: &Scope, key: &str) -> Result<Option<Vec<u8>>, CapError> {
        storage::get(self, scope, key).await
    }

    async fn storage_set(&self, scope: &Scope, key: &str, value: Vec<u8>) -> Result<(), CapError> {
        storage::set(self, scope, key, value).await
    }

    async fn storage_delete(&self, scope: &Scope, key: &str) -> Result<(), CapError> {
        storage::delete(self, scope, key).await
    }

    async fn storage_list(&self, scope: &Scope, prefix: &str) -> Result<Vec<String>, CapError> {
        storage::list(self, scope, prefix).await
    }

    async fn profile(&self, scope: &Scope) -> Result<Profile, CapError> {
        let profile = self.profile_unlogged(&scope.citizen).await?;
        // The profile leaves the provider only once its reading is on record.
        self.log_reads(&[BlockRead::of(scope)])
            .await
            .map_err(|e| unavailable("the profile", e))?;
        Ok(profile)
    }

    async fn jobs_search(
        &self,
        _scope: &Scope,
        query: JobQuery,
    ) -> Result<Vec<JobPosting>, CapError> {
        jobs::search(self, _scope, query).await
    }

    async fn job_get(&self, _scope: &Scope, id: &str) -> Result<Option<JobPosting>, CapError> {
        jobs::get(self, _scope, id).await
    }

    async fn activity_add(&self, scope: &Scope, entry: NewActivity) -> Result<String, CapError> {
        activity::add(self, scope, entry).await
    }

    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> Result<Vec<RecordedActivity>, CapError> {
        activity::recent(self, scope, kind, limit).await
    }

    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> Result<String, CapError> {
        threads::open(self, scope, request).await
    }

    async fn escalate_status(&self, scope: &Scope, id: &str) -> Result<Thread, CapError> {
        threads::status(self, scope, id).await
    }

    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> Result<(), CapError> {
        threads::cancel(self, scope, id).await
    }

    async fn notify(&self, scope: &Scope, message: Notification) -> Result<String, CapError> {
        notify::send(self, scope, message).await
    }

    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> Result<String, CapError> {
        screening::report(self, scope, report).await
    }

    async fn screening_status(&self, scope: &Scope) -> Result<ScreeningStatus, CapError> {
        screening::status(self, scope).await
    }
}
