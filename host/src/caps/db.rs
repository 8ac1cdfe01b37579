//! The database-backed [`CapabilityProvider`]: what blocks store, record, open and send
//! is kept in SQLite or PostgreSQL (through [`Db`]), together with the citizens, their
//! profiles, the job postings, the citizens' consents and the log of who read their
//! personal data (tables of `migrations/*/0005_universe.sql`).
//!
//! It has exactly the semantics of [`super::memory::MemoryProvider`]: storage per
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

use super::memory::MemoryLimits;
use super::*;
use crate::db::{Backend, Db, DbError};
use crate::runtime::model::ChatRole;

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
    /// This process among those sharing the database (see [`super::live`]).
    origin: std::sync::Arc<str>,
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

/// The columns `job_postings` is searched by, derived from the posting the way the
/// memory provider matches it.
struct JobColumns {
    posting: String,
    area_prefix: Option<String>,
    search_text: String,
}

impl JobColumns {
    fn of(job: &JobPosting) -> Result<Self, DbError> {
        Ok(Self {
            posting: serde_json::to_string(job).map_err(encode_error)?,
            area_prefix: job.postal_code.get(..2).map(str::to_owned),
            // One field per line: a query word has no whitespace, so it can only match
            // inside one field, as in the memory provider.
            search_text: format!(
                "{}\n{}\n{}",
                job.title.to_lowercase(),
                job.description.to_lowercase(),
                job.employer.to_lowercase()
            ),
        })
    }
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
        }
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

    /// Register a citizen, or move them to another municipality and replace their groups.
    /// The municipality must exist.
    pub async fn upsert_citizen(
        &self,
        id: &str,
        municipality: &str,
        groups: &[String],
    ) -> Result<(), DbError> {
        let groups = serde_json::to_string(groups).map_err(encode_error)?;
        sqlx::query(
            "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET municipality_code = excluded.municipality_code, groups = excluded.groups",
        )
        .bind(id)
        .bind(municipality)
        .bind(groups)
        .bind(crate::market::now_ms())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// A registered citizen, or `None`.
    pub async fn citizen(&self, id: &str) -> Result<Option<Citizen>, DbError> {
        let row = sqlx::query("SELECT municipality_code, groups FROM citizens WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let groups: String = row.try_get("groups")?;
        Ok(Some(Citizen {
            id: id.to_owned(),
            municipality: row.try_get("municipality_code")?,
            groups: serde_json::from_str(&groups).map_err(decode_error)?,
        }))
    }

    /// Replace a registered citizen's profile (a citizen not registered is an error).
    pub async fn set_profile(&self, id: &str, profile: &Profile) -> Result<(), DbError> {
        let json = serde_json::to_string(profile).map_err(encode_error)?;
        sqlx::query(
            "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (citizen_id) DO UPDATE SET profile = excluded.profile, updated_ms = excluded.updated_ms",
        )
        .bind(id)
        .bind(json)
        .bind(crate::market::now_ms())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Insert or replace job postings by id, all or none; returns how many were written.
    pub async fn import_jobs(&self, jobs: &[JobPosting]) -> Result<usize, DbError> {
        let now = crate::market::now_ms();
        let mut tx = self.db.pool().begin().await?;
        for job in jobs {
            let columns = JobColumns::of(job)?;
            sqlx::query(
                "INSERT INTO job_postings (id, posting, occupation_uri, area_prefix, search_text, published, imported_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET posting = excluded.posting, occupation_uri = excluded.occupation_uri, \
                 area_prefix = excluded.area_prefix, search_text = excluded.search_text, \
                 published = excluded.published, imported_ms = excluded.imported_ms",
            )
            .bind(&job.id)
            .bind(columns.posting)
            .bind(job.occupation_uri.clone())
            .bind(columns.area_prefix)
            .bind(columns.search_text)
            .bind(&job.published)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(jobs.len())
    }

    /// The capabilities a citizen currently allows an installation (granted and not
    /// withdrawn, on either legal basis): the `consented` half of the runtime's
    /// `Permissions`.
    pub async fn consented(
        &self,
        citizen: &str,
        installation_id: i64,
    ) -> Result<BTreeSet<Capability>, DbError> {
        let rows = sqlx::query(
            "SELECT capability FROM consents \
             WHERE citizen_id = $1 AND installation_id = $2 AND withdrawn_ms IS NULL",
        )
        .bind(citizen)
        .bind(installation_id)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = BTreeSet::new();
        for row in rows {
            let name: String = row.try_get("capability")?;
            match Capability::parse(&name) {
                Some(c) => {
                    out.insert(c);
                }
                // A capability this host no longer knows allows nothing.
                None => {
                    tracing::warn!(capability = %name, citizen, installation_id, "unknown capability in consents")
                }
            }
        }
        Ok(out)
    }

    /// Record that a registered citizen allows (`granted`) or no longer allows an
    /// installation a capability. Granting again keeps the original time unless it was
    /// withdrawn in between, and replaces the legal basis; withdrawing keeps the row with
    /// its withdrawal time (the basis is then not used) and does nothing when there is
    /// nothing to withdraw.
    pub async fn set_consent(
        &self,
        citizen: &str,
        installation_id: i64,
        capability: Capability,
        legal_basis: LegalBasis,
        granted: bool,
    ) -> Result<(), DbError> {
        let now = crate::market::now_ms();
        let query = if granted {
            sqlx::query(
                "INSERT INTO consents (citizen_id, installation_id, capability, legal_basis, granted_ms, withdrawn_ms) \
                 VALUES ($1, $2, $3, $4, $5, NULL) \
                 ON CONFLICT (citizen_id, installation_id, capability) DO UPDATE SET \
                 legal_basis = excluded.legal_basis, \
                 granted_ms = CASE WHEN consents.withdrawn_ms IS NULL THEN consents.granted_ms ELSE excluded.granted_ms END, \
                 withdrawn_ms = NULL",
            )
            .bind(citizen)
            .bind(installation_id)
            .bind(capability.name())
            .bind(legal_basis.as_str())
            .bind(now)
        } else {
            sqlx::query(
                "UPDATE consents SET withdrawn_ms = $4 \
                 WHERE citizen_id = $1 AND installation_id = $2 AND capability = $3 AND withdrawn_ms IS NULL",
            )
            .bind(citizen)
            .bind(installation_id)
            .bind(capability.name())
            .bind(now)
        };
        query.execute(self.db.pool()).await?;
        Ok(())
    }

    /// The demo's citizens and postings: [`crate::demo::CITIZEN`] in
    /// [`crate::demo::MUNICIPALITY`] with [`crate::demo::profile`], one citizen
    /// `citizen-<code>` (without a profile) in each other demo municipality (the subjects
    /// of the development login), and [`crate::demo::jobs`]. Idempotent: citizens and
    /// profiles already there are left as they are; the postings are refreshed.
    pub async fn seed_demo(&self) -> Result<(), DbError> {
        let now = crate::market::now_ms();
        for code in crate::seed::DEMO_MUNICIPALITIES {
            let id = if *code == crate::demo::MUNICIPALITY {
                crate::demo::CITIZEN.to_owned()
            } else {
                format!("citizen-{code}")
            };
            sqlx::query(
                "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES ($1, $2, '[]', $3) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(*code)
            .bind(now)
            .execute(self.db.pool())
            .await?;
        }
        let profile = serde_json::to_string(&crate::demo::profile()).map_err(encode_error)?;
        sqlx::query(
            "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (citizen_id) DO NOTHING",
        )
        .bind(crate::demo::CITIZEN)
        .bind(profile)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        self.import_jobs(&crate::demo::jobs()).await?;
        Ok(())
    }

    /// The citizen's whole profile (empty when none is stored), without putting the
    /// read on the access log: the caller must log it with [`DbProvider::log_reads`]
    /// before the data leaves the host (the universe logs all reads of a page in one
    /// insert).
    pub async fn profile_unlogged(&self, citizen: &str) -> Result<Profile, CapError> {
        let fail = |e| unavailable("the profile", e);
        let row = sqlx::query("SELECT profile FROM profiles WHERE citizen_id = $1")
            .bind(citizen)
            .fetch_optional(self.db.pool())
            .await
            .map_err(fail)?;
        match row {
            Some(row) => {
                let json: String = row.try_get("profile").map_err(fail)?;
                serde_json::from_str(&json).map_err(|e| {
                    tracing::error!(error = %e, citizen, "a stored profile is not valid JSON");
                    CapError::Unavailable("the profile cannot be reached right now".into())
                })
            }
            None => Ok(Profile::default()),
        }
    }

    /// Put blocks' reads of personal data on the citizens' access log, all in one
    /// statement (so all or none).
    pub async fn log_reads(&self, reads: &[BlockRead]) -> Result<(), sqlx::Error> {
        if reads.is_empty() {
            return Ok(());
        }
        let mut sql = String::from(
            "INSERT INTO data_access_log (citizen_id, actor, what, why, at_ms) VALUES ",
        );
        for i in 0..reads.len() {
            let b = i * 5;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            ));
        }
        let _turn = self.write_turn().await;
        let mut q = sqlx::query(&sql);
        for r in reads {
            q = q
                .bind(r.citizen.as_str())
                .bind(format!("block:{}@{}", r.block_id, r.block_version))
                .bind(PROFILE_WHAT)
                .bind(PROFILE_WHY)
                .bind(r.at_ms);
        }
        q.execute(self.db.pool()).await?;
        Ok(())
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

/// `%` and `_` in a LIKE pattern are meant literally.
fn like_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A numeric id from the prefixed one handed to blocks.
fn parse_id(id: &str, prefix: &str) -> Option<i64> {
    id.strip_prefix(prefix)?.parse().ok()
}

fn no_thread(id: &str) -> CapError {
    CapError::Invalid(format!("no thread '{id}' for this citizen and block"))
}

fn posting(row: &AnyRow) -> Result<JobPosting, CapError> {
    let json: String = row
        .try_get("posting")
        .map_err(|e| unavailable("the job postings", e))?;
    serde_json::from_str(&json).map_err(|e| {
        tracing::error!(error = %e, "a stored job posting is not valid JSON");
        CapError::Unavailable("the job postings cannot be reached right now".into())
    })
}

fn thread_state(state: &str, waiting_for: &str) -> Option<ThreadState> {
    match (state, waiting_for) {
        ("open", "jobcentre") => Some(ThreadState::WaitingForJobcentre),
        ("open", "citizen") => Some(ThreadState::WaitingForCitizen),
        ("closed", _) => Some(ThreadState::Closed),
        ("cancelled", _) => Some(ThreadState::Cancelled),
        _ => None,
    }
}

#[async_trait]
impl CapabilityProvider for DbProvider {
    async fn storage_get(&self, scope: &Scope, key: &str) -> Result<Option<Vec<u8>>, CapError> {
        let inst = installation(scope)?;
        if key.contains('\0') {
            // No key with NUL can have been stored.
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT value FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(key)
        .fetch_optional(self.db.pool())
        .await
        .map_err(|e| unavailable("storage", e))?;
        row.map(|r| r.try_get::<Vec<u8>, _>("value"))
            .transpose()
            .map_err(|e| unavailable("storage", e))
    }

    async fn storage_set(&self, scope: &Scope, key: &str, value: Vec<u8>) -> Result<(), CapError> {
        let inst = installation(scope)?;
        if key.is_empty() || key.len() > self.limits.max_key_len {
            return Err(CapError::Invalid(format!(
                "a storage key must be 1 to {} bytes long",
                self.limits.max_key_len
            )));
        }
        plain_text([key])?;
        let fail = |e| installation_error("storage", inst, e);
        let (_turn, mut tx) = self.begin().await?;
        let used: i64 = sqlx::query(TAKE_TURN)
            .bind(inst)
            .bind(&scope.citizen)
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get("storage_bytes"))
            .map_err(fail)?;
        let replaced: i64 = sqlx::query(
            "SELECT size_bytes FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|r| r.map(|r| r.try_get("size_bytes")).transpose())
        .map_err(fail)?
        .unwrap_or(0);
        let size = (key.len() + value.len()) as i64;
        let needed = used - replaced + size;
        if needed > self.limits.storage_quota_bytes as i64 {
            // Ending the transaction now releases SQLite's write lock at once.
            let _ = tx.rollback().await;
            return Err(CapError::QuotaExceeded(format!(
                "storing {} bytes under '{key}' would use {needed} of {} bytes allowed per citizen",
                value.len(),
                self.limits.storage_quota_bytes
            )));
        }
        sqlx::query(
            "INSERT INTO block_storage (installation_id, citizen_id, key, value, size_bytes) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (installation_id, citizen_id, key) DO UPDATE SET value = excluded.value, size_bytes = excluded.size_bytes",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(key)
        .bind(value)
        .bind(size)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        sqlx::query(
            "UPDATE block_usage SET storage_bytes = $3 WHERE installation_id = $1 AND citizen_id = $2",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(needed)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)
    }

    async fn storage_delete(&self, scope: &Scope, key: &str) -> Result<(), CapError> {
        let inst = installation(scope)?;
        if key.contains('\0') {
            return Ok(());
        }
        let fail = |e| unavailable("storage", e);
        let (_turn, mut tx) = self.begin().await?;
        // The pair's turn, as in `storage_set` (an update, so a pair that never stored
        // anything is not created); without a usage row there is nothing to delete.
        let locked = sqlx::query(
            "UPDATE block_usage SET storage_bytes = storage_bytes WHERE installation_id = $1 AND citizen_id = $2",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        if locked.rows_affected() == 0 {
            let _ = tx.rollback().await;
            return Ok(());
        }
        let deleted = sqlx::query(
            "DELETE FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3 RETURNING size_bytes",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(fail)?;
        if let Some(row) = deleted {
            let size: i64 = row.try_get("size_bytes").map_err(fail)?;
            sqlx::query(
                "UPDATE block_usage SET storage_bytes = storage_bytes - $3 WHERE installation_id = $1 AND citizen_id = $2",
            )
            .bind(inst)
            .bind(&scope.citizen)
            .bind(size)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    async fn storage_list(&self, scope: &Scope, prefix: &str) -> Result<Vec<String>, CapError> {
        let inst = installation(scope)?;
        if prefix.contains('\0') {
            return Ok(Vec::new());
        }
        // SUBSTR rather than LIKE: SQLite's LIKE ignores ASCII case, and a prefix match
        // is case-sensitive. Both backends count characters here; PostgreSQL's SUBSTR
        // takes an INTEGER length, not the BIGINT the parameter is sent as.
        let rows = sqlx::query(
            "SELECT key FROM block_storage \
             WHERE installation_id = $1 AND citizen_id = $2 AND SUBSTR(key, 1, CAST($3 AS INTEGER)) = $4",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(prefix.chars().count() as i64)
        .bind(prefix)
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| unavailable("storage", e))?;
        let mut keys = rows
            .iter()
            .map(|r| r.try_get::<String, _>("key"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unavailable("storage", e))?;
        // Byte order, as the memory provider's map: PostgreSQL's ORDER BY would follow
        // the database's locale.
        keys.sort_unstable();
        Ok(keys)
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
        let text = query.text.trim().to_lowercase();
        let words: Vec<&str> = text.split_whitespace().collect();
        // Nothing stored contains NUL (PostgreSQL refuses it in text): a word or an area
        // with one matches nothing, and an occupation with one is no alternative. Binding
        // them would fail on PostgreSQL only.
        let occupations: Vec<&String> = query
            .occupations
            .iter()
            .filter(|o| !o.contains('\0'))
            .collect();
        let area = query.postal_code.as_deref().map(|p| p.get(..2));
        if words.iter().any(|w| w.contains('\0'))
            || (occupations.is_empty() && !query.occupations.is_empty())
            || area.flatten().is_some_and(|a| a.contains('\0'))
        {
            return Ok(Vec::new());
        }
        let mut sql = String::from("SELECT posting FROM job_postings WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        for word in &words {
            binds.push(format!("%{}%", like_escape(word)));
            sql.push_str(&format!(
                " AND search_text LIKE ${} ESCAPE '\\'",
                binds.len()
            ));
        }
        if !occupations.is_empty() {
            let mut placeholders = Vec::new();
            for uri in occupations {
                binds.push(uri.clone());
                placeholders.push(format!("${}", binds.len()));
            }
            sql.push_str(&format!(
                " AND occupation_uri IN ({})",
                placeholders.join(", ")
            ));
        }
        if let Some(area) = area {
            // Same first two digits: the same part of the country. A code too short to
            // have them matches the postings whose codes are too short as well.
            match area {
                Some(prefix) => {
                    binds.push(prefix.to_owned());
                    sql.push_str(&format!(" AND area_prefix = ${}", binds.len()));
                }
                None => sql.push_str(" AND area_prefix IS NULL"),
            }
        }
        sql.push_str(&format!(
            " ORDER BY published DESC, id LIMIT ${}",
            binds.len() + 1
        ));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q
            .bind(i64::from(query.limit.clamp(1, 100)))
            .fetch_all(self.db.pool())
            .await
            .map_err(|e| unavailable("job search", e))?;
        rows.iter().map(posting).collect()
    }

    async fn job_get(&self, _scope: &Scope, id: &str) -> Result<Option<JobPosting>, CapError> {
        if id.contains('\0') {
            return Ok(None);
        }
        let row = sqlx::query("SELECT posting FROM job_postings WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(|e| unavailable("the job postings", e))?;
        row.as_ref().map(posting).transpose()
    }

    async fn activity_add(&self, scope: &Scope, entry: NewActivity) -> Result<String, CapError> {
        let inst = installation(scope)?;
        plain_text([
            entry.kind.as_str(),
            entry.summary.as_str(),
            entry.details.as_str(),
        ])?;
        let _turn = self.write_turn().await;
        let id: i64 = sqlx::query(
            "INSERT INTO activities (citizen_id, municipality_code, installation_id, block_id, kind, summary, details, occurred_ms, recorded_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&scope.citizen)
        .bind(&scope.municipality)
        .bind(inst)
        .bind(&scope.block_id)
        .bind(entry.kind)
        .bind(entry.summary)
        .bind(entry.details)
        .bind(entry.occurred_ms.unwrap_or(scope.now_ms))
        .bind(scope.now_ms)
        .fetch_one(self.db.pool())
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(|e| unavailable("the activity log", e))?;
        crate::monitor::after_activity(self, &scope.citizen, scope.now_ms).await;
        Ok(format!("act-{id}"))
    }

    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> Result<Vec<RecordedActivity>, CapError> {
        let inst = installation(scope)?;
        if kind.as_deref().is_some_and(|k| k.contains('\0')) {
            return Ok(Vec::new());
        }
        // Newest first; among equal times the older entry first, as the memory
        // provider's stable sort leaves them.
        let rows = sqlx::query(
            "SELECT id, kind, summary, details, occurred_ms FROM activities \
             WHERE installation_id = $1 AND citizen_id = $2 AND ($3 IS NULL OR kind = $3) \
             ORDER BY occurred_ms DESC, id ASC LIMIT $4",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(kind)
        .bind(i64::from(limit))
        .fetch_all(self.db.pool())
        .await
        .map_err(|e| unavailable("the activity log", e))?;
        rows.iter()
            .map(|r| {
                Ok(RecordedActivity {
                    id: format!("act-{}", r.try_get::<i64, _>("id")?),
                    kind: r.try_get("kind")?,
                    summary: r.try_get("summary")?,
                    details: r.try_get("details")?,
                    occurred_ms: r.try_get("occurred_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|e| unavailable("the activity log", e))
    }

    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> Result<String, CapError> {
        let inst = installation(scope)?;
        let (transcript, first): (&[crate::runtime::model::ChatMessage], &str) = match &request {
            EscalationRequest::ChatHandover {
                transcript,
                summary,
            } => (transcript, summary),
            EscalationRequest::Booking { topic, .. } => (&[], topic),
        };
        plain_text(transcript.iter().map(|m| m.text.as_str()).chain([first]))?;
        let json = serde_json::to_string(&request).map_err(|e| {
            tracing::error!(error = %e, "an escalation request does not serialize");
            CapError::Invalid("the request cannot be stored".into())
        })?;
        let fail = |e| unavailable("the jobcentre", e);
        let (_turn, mut tx) = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO threads (citizen_id, municipality_code, installation_id, block_id, request, state, waiting_for, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, 'open', 'jobcentre', $6, $6) RETURNING id",
        )
        .bind(&scope.citizen)
        .bind(&scope.municipality)
        .bind(inst)
        .bind(&scope.block_id)
        .bind(json)
        .bind(scope.now_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(fail)?;
        // The caseworker reads the handed-over chat first; it is marked as transcript
        // because the block has it already and sees only the thread from its opening
        // message on, as with the memory provider (a caseworker's answer copied into an
        // earlier transcript must not come back to the block as a new one).
        let messages = transcript
            .iter()
            .map(|m| {
                let author = match m.role {
                    ChatRole::Citizen => "citizen",
                    ChatRole::Bot => "block",
                    ChatRole::Caseworker => "jobcentre",
                };
                (
                    author,
                    m.text.as_str(),
                    1_i64,
                    m.at_ms.unwrap_or(scope.now_ms),
                )
            })
            .chain([("citizen", first, 0, scope.now_ms)]);
        for (author, text, in_transcript, at_ms) in messages {
            sqlx::query(
                "INSERT INTO thread_messages (thread_id, author, text, transcript, at_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(author)
            .bind(text)
            .bind(in_transcript)
            .bind(at_ms)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
        Ok(format!("thread-{id}"))
    }

    async fn escalate_status(&self, scope: &Scope, id: &str) -> Result<Thread, CapError> {
        let inst = installation(scope)?;
        let thread_id = parse_id(id, "thread-").ok_or_else(|| no_thread(id))?;
        let fail = |e| unavailable("the jobcentre", e);
        let row = sqlx::query(
            "SELECT state, waiting_for FROM threads WHERE id = $1 AND installation_id = $2 AND citizen_id = $3",
        )
        .bind(thread_id)
        .bind(inst)
        .bind(&scope.citizen)
        .fetch_optional(self.db.pool())
        .await
        .map_err(fail)?
        .ok_or_else(|| no_thread(id))?;
        let state: String = row.try_get("state").map_err(fail)?;
        let waiting_for: String = row.try_get("waiting_for").map_err(fail)?;
        let state = thread_state(&state, &waiting_for).ok_or_else(|| {
            tracing::error!(
                thread = thread_id,
                state,
                waiting_for,
                "a thread in an unknown state"
            );
            CapError::Unavailable("the jobcentre cannot be reached right now".into())
        })?;
        let rows = sqlx::query(
            "SELECT author, text, at_ms FROM thread_messages WHERE thread_id = $1 AND transcript = 0 ORDER BY id",
        )
        .bind(thread_id)
        .fetch_all(self.db.pool())
        .await
        .map_err(fail)?;
        let messages = rows
            .iter()
            .map(|r| {
                Ok(ThreadMessage {
                    from_caseworker: r.try_get::<String, _>("author")? == "jobcentre",
                    text: r.try_get("text")?,
                    at_ms: r.try_get("at_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fail)?;
        Ok(Thread {
            id: id.to_owned(),
            state,
            messages,
        })
    }

    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> Result<(), CapError> {
        let inst = installation(scope)?;
        let thread_id = parse_id(id, "thread-").ok_or_else(|| no_thread(id))?;
        let _turn = self.write_turn().await;
        let done = sqlx::query(
            "UPDATE threads SET state = 'cancelled', waiting_for = 'none', updated_ms = $4 \
             WHERE id = $1 AND installation_id = $2 AND citizen_id = $3",
        )
        .bind(thread_id)
        .bind(inst)
        .bind(&scope.citizen)
        .bind(scope.now_ms)
        .execute(self.db.pool())
        .await
        .map_err(|e| unavailable("the jobcentre", e))?;
        if done.rows_affected() == 0 {
            return Err(no_thread(id));
        }
        Ok(())
    }

    async fn notify(&self, scope: &Scope, message: Notification) -> Result<String, CapError> {
        let inst = installation(scope)?;
        plain_text(
            [message.title.as_str(), message.body.as_str()]
                .into_iter()
                .chain(message.view.as_deref()),
        )?;
        let fail = |e| installation_error("the inbox", inst, e);
        let (_turn, mut tx) = self.begin().await?;
        // Counting and inserting in the pair's turn: two concurrent messages cannot both
        // be the last one allowed.
        sqlx::query(TAKE_TURN)
            .bind(inst)
            .bind(&scope.citizen)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        let day = scope.now_ms.div_euclid(DAY_MS);
        let today: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications \
             WHERE installation_id = $1 AND citizen_id = $2 AND created_ms >= $3 AND created_ms < $4",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("n"))
        .map_err(fail)?;
        if today >= self.limits.notifications_per_day as i64 {
            let _ = tx.rollback().await;
            return Err(CapError::RateLimited(format!(
                "this block has sent {today} messages to the citizen today; the limit is {}",
                self.limits.notifications_per_day
            )));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO notifications (citizen_id, municipality_code, installation_id, block_id, title, body, view, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&scope.citizen)
        .bind(&scope.municipality)
        .bind(inst)
        .bind(&scope.block_id)
        .bind(message.title.as_str())
        .bind(message.body.as_str())
        .bind(message.view.as_deref())
        .bind(scope.now_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(fail)?;
        // Delivered to the other processes' listeners when (and only if) this commits.
        self.announce(&mut tx, &scope.citizen, id)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        // Published only once committed, so a subscriber never shows a message that a
        // failed commit took back.
        self.publish(
            scope.citizen.clone(),
            super::live::Event {
                id,
                installation: inst,
                block: &scope.block_id,
                title: &message.title,
                body: &message.body,
                view: message.view.as_deref(),
                created_ms: scope.now_ms,
                read_ms: None,
            }
            .json(),
        );
        Ok(format!("msg-{id}"))
    }

    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> Result<String, CapError> {
        let inst = installation(scope)?;
        let reasons = serde_json::to_string(&report.reasons)
            .map_err(|e| CapError::Invalid(format!("the reasons cannot be kept: {e}")))?;
        let answers = serde_json::to_string(&report.answers)
            .map_err(|e| CapError::Invalid(format!("the answers cannot be kept: {e}")))?;
        let fail = |e| installation_error("screening", inst, e);
        let (_turn, mut tx) = self.begin().await?;
        // Counting and inserting in the pair's turn, as for messages.
        sqlx::query(TAKE_TURN)
            .bind(inst)
            .bind(&scope.citizen)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        let day = scope.now_ms.div_euclid(DAY_MS);
        let today: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM screenings \
             WHERE installation_id = $1 AND citizen_id = $2 AND created_ms >= $3 AND created_ms < $4",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("n"))
        .map_err(fail)?;
        let limit = crate::screening::MAX_REPORTS_PER_DAY;
        if today >= limit as i64 {
            let _ = tx.rollback().await;
            return Err(CapError::RateLimited(format!(
                "this block has reported {today} screenings for the citizen today; the limit is {limit}"
            )));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO screenings (citizen_id, municipality_code, installation_id, block_id, block_version, \
             suggested_track, score, reasons, answers, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&scope.citizen)
        .bind(&scope.municipality)
        .bind(inst)
        .bind(&scope.block_id)
        .bind(&scope.block_version)
        .bind(report.suggested.as_str())
        .bind(i64::from(report.score))
        .bind(reasons)
        .bind(answers)
        .bind(scope.now_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(format!("screening-{id}"))
    }

    /// Reading the status is a read of the citizen's personal data by the block, so it
    /// is logged like a profile read.
    async fn screening_status(&self, scope: &Scope) -> Result<ScreeningStatus, CapError> {
        let fail = |e| unavailable("screening", e);
        let (_turn, mut tx) = self.begin().await?;
        let status = crate::screening::status_of(&mut tx, &scope.citizen, &scope.municipality)
            .await
            .map_err(fail)?;
        sqlx::query(
            "INSERT INTO data_access_log (citizen_id, actor, what, why, at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&scope.citizen)
        .bind(format!("block:{}@{}", scope.block_id, scope.block_version))
        .bind("screening status")
        .bind(PROFILE_WHY)
        .bind(scope.now_ms)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(status)
    }
}
