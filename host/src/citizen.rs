//! The citizen's own view of their data and their GDPR rights: everything the platform
//! holds about them as one document (art. 15 and 20), erasure of all of it (art. 17),
//! the log of who read their personal data, and their inbox, listed, marked read and
//! delivered live while a page is open.
//!
//! Every function takes the caller's [`Identity`], requires the citizen role, and works
//! only on the rows of the caller's own subject: no query here takes a citizen id from
//! anywhere else, so one citizen can never reach another's data.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

use base64::Engine as _;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tokio::sync::broadcast;

use crate::auth::{Identity, Role};
use crate::caps::db::{Citizen, DbProvider, NotificationEvent};
use crate::db::Backend;
use crate::market::now_ms;
use crate::problem::{Problem, Result};

/// A table that holds data about citizens, and how to pick one citizen's rows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitizenTable {
    /// The table.
    pub name: &'static str,
    /// The condition that selects the citizen's rows, with the citizen's id as `$1`.
    pub rows: &'static str,
}

/// Every table with data about a citizen, in the order erasure deletes from them:
/// children before their parents, and `block_usage` first, because every capability
/// call that checks a quota or a rate limit locks its row first, so erasure waits for
/// such a call in flight to commit and then deletes what it wrote. A new table with
/// citizen data belongs here; the erasure test fails until it is.
pub const CITIZEN_TABLES: &[CitizenTable] = &[
    CitizenTable {
        name: "block_usage",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "block_storage",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "consents",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "thread_messages",
        rows: "thread_id IN (SELECT id FROM threads WHERE citizen_id = $1)",
    },
    CitizenTable {
        name: "threads",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "notifications",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "activities",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "track_decisions",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "screenings",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "data_access_log",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "prior_notices",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "monitor_firings",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "monitor_exemptions",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "monitor_visits",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "profiles",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "citizens",
        rows: "id = $1",
    },
];

/// The citizen as registered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitizenRecord {
    /// The pseudonymous id.
    pub id: String,
    /// The municipality's code.
    pub municipality: String,
    /// The groups the citizen belongs to.
    pub groups: Vec<String>,
    /// When the citizen was registered (Unix ms).
    pub created_ms: i64,
}

/// The citizen's profile.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfileRecord {
    /// The whole profile, as stored.
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    /// When it last changed (Unix ms).
    pub updated_ms: i64,
}

/// An activity a block recorded (the joblog the jobcentre sees).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityRecord {
    /// Its id.
    pub id: i64,
    /// The installation that recorded it.
    pub installation: i64,
    /// The block that recorded it, `vendor.block`.
    pub block: String,
    /// The municipality it was recorded in.
    pub municipality: String,
    /// What kind of activity.
    pub kind: String,
    /// In a line.
    pub summary: String,
    /// The block's details, as it wrote them.
    pub details: String,
    /// When it happened (Unix ms).
    pub occurred_ms: i64,
    /// When it was recorded (Unix ms).
    pub recorded_ms: i64,
}

/// A message in the citizen's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InboxNotification {
    /// Its id (for marking it read).
    pub id: i64,
    /// The installation that sent it.
    pub installation: i64,
    /// The block that sent it, `vendor.block`.
    pub block: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// The block's view it links to.
    pub view: Option<String>,
    /// When it was sent (Unix ms).
    pub created_ms: i64,
    /// When the citizen read it (Unix ms), if they have.
    pub read_ms: Option<i64>,
    /// Whether the citizen has read it.
    #[serde(default)]
    pub read: bool,
}

/// A message of a thread with the jobcentre.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadMessageRecord {
    /// Its id.
    pub id: i64,
    /// `citizen`, `jobcentre` or `block`.
    pub author: String,
    /// Text.
    pub text: String,
    /// Whether it is part of a chat handed over with the thread.
    pub transcript: bool,
    /// When it was written (Unix ms).
    pub at_ms: i64,
    /// When the citizen read it (Unix ms).
    pub read_by_citizen_ms: Option<i64>,
    /// When the jobcentre read it (Unix ms).
    pub read_by_jobcentre_ms: Option<i64>,
}

/// A thread between the citizen and the jobcentre, with its messages.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadRecord {
    /// Its id.
    pub id: i64,
    /// The installation that opened it.
    pub installation: i64,
    /// The block that opened it, `vendor.block`.
    pub block: String,
    /// The municipality whose jobcentre it went to.
    pub municipality: String,
    /// What was asked for (a chat handover or a booking), as stored.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// `open`, `closed` or `cancelled`.
    pub state: String,
    /// `jobcentre`, `citizen` or `none`.
    pub waiting_for: String,
    /// When it was opened (Unix ms).
    pub created_ms: i64,
    /// When it last changed (Unix ms).
    pub updated_ms: i64,
    /// Its messages, oldest first.
    pub messages: Vec<ThreadMessageRecord>,
}

/// What the citizen allowed an installation to do with their personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentRecord {
    /// The installation.
    pub installation: i64,
    /// Its block, `vendor.block`.
    pub block: Option<String>,
    /// The capability, e.g. `profile.occupations`.
    pub capability: String,
    /// `consent` or `public-task`.
    pub legal_basis: String,
    /// When it was given (Unix ms).
    pub granted_ms: i64,
    /// When it was withdrawn (Unix ms), if it was.
    pub withdrawn_ms: Option<i64>,
}

/// How a stored value is written in the export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ValueEncoding {
    /// The bytes are UTF-8 text, given as is.
    #[serde(rename = "utf-8")]
    Utf8,
    /// The bytes are not text; standard base64 with padding.
    Base64,
}

/// One value a block stored for the citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StorageEntry {
    /// The key.
    pub key: String,
    /// How `value` is written.
    pub encoding: ValueEncoding,
    /// The value.
    pub value: String,
    /// Key and value in bytes, as counted against the quota.
    pub size_bytes: i64,
}

/// What one installation stores for the citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockStorage {
    /// The installation.
    pub installation: i64,
    /// Its block, `vendor.block`.
    pub block: Option<String>,
    /// The bytes in use, as counted against the quota.
    pub bytes_used: i64,
    /// The values, by key in byte order.
    pub entries: Vec<StorageEntry>,
}

/// One reading of the citizen's personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    /// Its id.
    pub id: i64,
    /// Who read it, e.g. `block:jobunivers.job-feed@1.0.0`.
    pub actor: String,
    /// What was read, e.g. `profile`.
    pub what: String,
    /// Why, e.g. `block-call` (a block asked while serving the citizen).
    pub why: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// Everything the platform holds about a citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// When this export was made (Unix ms).
    pub exported_ms: i64,
    /// The citizen.
    pub citizen: CitizenRecord,
    /// The profile, if there is one.
    pub profile: Option<ProfileRecord>,
    /// Activities, oldest first.
    pub activities: Vec<ActivityRecord>,
    /// The inbox, newest first.
    pub notifications: Vec<InboxNotification>,
    /// Threads with the jobcentre, oldest first.
    pub threads: Vec<ThreadRecord>,
    /// Consents, given and withdrawn.
    pub consents: Vec<ConsentRecord>,
    /// What each installation stores, by installation.
    pub storage: Vec<BlockStorage>,
    /// Who read the citizen's personal data, newest first.
    pub access_log: Vec<AccessEntry>,
    /// Screening results and caseworkers' decisions on them, oldest first.
    pub screening: crate::screening::ScreeningExport,
    /// Availability monitoring: visits, firings and flags, exemptions, prior notices.
    pub monitoring: crate::monitor::citizen::MonitoringExport,
}

/// The citizens' side of the platform; cheap to create per request.
#[derive(Debug, Clone)]
pub struct Citizens {
    provider: Arc<DbProvider>,
}

/// Stored JSON as a value; text that is not JSON is still the citizen's data, so it is
/// handed out as a string rather than left out.
fn json_or_text(raw: String) -> serde_json::Value {
    serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw))
}

fn notification(row: &AnyRow) -> std::result::Result<InboxNotification, sqlx::Error> {
    let read_ms: Option<i64> = row.try_get("read_ms")?;
    Ok(InboxNotification {
        id: row.try_get("id")?,
        installation: row.try_get("installation_id")?,
        block: row.try_get("block_id")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        view: row.try_get("view")?,
        created_ms: row.try_get("created_ms")?,
        read_ms,
        read: read_ms.is_some(),
    })
}

const NOTIFICATION_COLUMNS: &str =
    "id, installation_id, block_id, title, body, view, created_ms, read_ms";

async fn notifications_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Vec<InboxNotification>> {
    let rows = sqlx::query(&format!(
        "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE citizen_id = $1 \
         ORDER BY created_ms DESC, id DESC"
    ))
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(notification)
        .collect::<std::result::Result<_, _>>()?)
}

async fn access_log_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<AccessEntry>> {
    let rows = sqlx::query(
        "SELECT id, actor, what, why, at_ms FROM data_access_log WHERE citizen_id = $1 \
         ORDER BY at_ms DESC, id DESC",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessEntry {
                id: r.try_get("id")?,
                actor: r.try_get("actor")?,
                what: r.try_get("what")?,
                why: r.try_get("why")?,
                at_ms: r.try_get("at_ms")?,
            })
        })
        .collect()
}

async fn citizen_of(conn: &mut AnyConnection, citizen: &str) -> Result<CitizenRecord> {
    let row =
        sqlx::query("SELECT id, municipality_code, groups, created_ms FROM citizens WHERE id = $1")
            .bind(citizen)
            .fetch_optional(conn)
            .await?
            .ok_or_else(unknown_citizen)?;
    let groups: String = row.try_get("groups")?;
    Ok(CitizenRecord {
        id: row.try_get("id")?,
        municipality: row.try_get("municipality_code")?,
        groups: serde_json::from_str(&groups).map_err(Problem::internal)?,
        created_ms: row.try_get("created_ms")?,
    })
}

async fn profile_of(conn: &mut AnyConnection, citizen: &str) -> Result<Option<ProfileRecord>> {
    let row = sqlx::query("SELECT profile, updated_ms FROM profiles WHERE citizen_id = $1")
        .bind(citizen)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(ProfileRecord {
            profile: json_or_text(r.try_get("profile")?),
            updated_ms: r.try_get("updated_ms")?,
        })
    })
    .transpose()
}

pub(crate) async fn activities_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Vec<ActivityRecord>> {
    let rows = sqlx::query(
        "SELECT id, installation_id, block_id, municipality_code, kind, summary, details, occurred_ms, recorded_ms \
         FROM activities WHERE citizen_id = $1 ORDER BY occurred_ms, id",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActivityRecord {
                id: r.try_get("id")?,
                installation: r.try_get("installation_id")?,
                block: r.try_get("block_id")?,
                municipality: r.try_get("municipality_code")?,
                kind: r.try_get("kind")?,
                summary: r.try_get("summary")?,
                details: r.try_get("details")?,
                occurred_ms: r.try_get("occurred_ms")?,
                recorded_ms: r.try_get("recorded_ms")?,
            })
        })
        .collect()
}

async fn threads_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<ThreadRecord>> {
    let rows = sqlx::query(
        "SELECT id, installation_id, block_id, municipality_code, request, state, waiting_for, created_ms, updated_ms \
         FROM threads WHERE citizen_id = $1 ORDER BY id",
    )
    .bind(citizen)
    .fetch_all(&mut *conn)
    .await?;
    let mut threads = rows
        .iter()
        .map(|r| {
            Ok(ThreadRecord {
                id: r.try_get("id")?,
                installation: r.try_get("installation_id")?,
                block: r.try_get("block_id")?,
                municipality: r.try_get("municipality_code")?,
                request: json_or_text(r.try_get("request")?),
                state: r.try_get("state")?,
                waiting_for: r.try_get("waiting_for")?,
                created_ms: r.try_get("created_ms")?,
                updated_ms: r.try_get("updated_ms")?,
                messages: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // All messages in one query, through the thread's owner: messages have no citizen
    // column of their own.
    let rows = sqlx::query(
        "SELECT m.id, m.thread_id, m.author, m.text, m.transcript, m.at_ms, m.read_by_citizen_ms, m.read_by_jobcentre_ms \
         FROM thread_messages m JOIN threads t ON t.id = m.thread_id \
         WHERE t.citizen_id = $1 ORDER BY m.thread_id, m.id",
    )
    .bind(citizen)
    .fetch_all(&mut *conn)
    .await?;
    let index: BTreeMap<i64, usize> = threads.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for r in rows {
        let thread: i64 = r.try_get("thread_id")?;
        let message = ThreadMessageRecord {
            id: r.try_get("id")?,
            author: r.try_get("author")?,
            text: r.try_get("text")?,
            transcript: r.try_get::<i64, _>("transcript")? != 0,
            at_ms: r.try_get("at_ms")?,
            read_by_citizen_ms: r.try_get("read_by_citizen_ms")?,
            read_by_jobcentre_ms: r.try_get("read_by_jobcentre_ms")?,
        };
        // Both queries ran in one snapshot, so every message's thread is there.
        if let Some(&i) = index.get(&thread) {
            threads[i].messages.push(message);
        }
    }
    Ok(threads)
}

pub(crate) async fn consents_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Vec<ConsentRecord>> {
    let rows = sqlx::query(
        "SELECT c.installation_id, b.block_id, c.capability, c.legal_basis, c.granted_ms, c.withdrawn_ms \
         FROM consents c LEFT JOIN installations i ON i.id = c.installation_id LEFT JOIN blocks b ON b.id = i.block_ref \
         WHERE c.citizen_id = $1 ORDER BY c.installation_id, c.capability",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ConsentRecord {
                installation: r.try_get("installation_id")?,
                block: r.try_get("block_id")?,
                capability: r.try_get("capability")?,
                legal_basis: r.try_get("legal_basis")?,
                granted_ms: r.try_get("granted_ms")?,
                withdrawn_ms: r.try_get("withdrawn_ms")?,
            })
        })
        .collect()
}

/// A stored value as text when it is UTF-8, else as base64.
fn encode_value(value: Vec<u8>) -> (ValueEncoding, String) {
    match String::from_utf8(value) {
        Ok(text) => (ValueEncoding::Utf8, text),
        Err(e) => (
            ValueEncoding::Base64,
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
        ),
    }
}

async fn storage_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<BlockStorage>> {
    const BLOCK: &str = "LEFT JOIN installations i ON i.id = x.installation_id LEFT JOIN blocks b ON b.id = i.block_ref";
    let mut by_installation: BTreeMap<i64, BlockStorage> = BTreeMap::new();
    // The usage rows first: an installation may count a citizen (a message sent) without
    // storing anything for them, and that it does is data about them as well.
    let rows = sqlx::query(&format!(
        "SELECT x.installation_id, b.block_id, x.storage_bytes FROM block_usage x {BLOCK} WHERE x.citizen_id = $1"
    ))
    .bind(citizen)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let installation: i64 = r.try_get("installation_id")?;
        by_installation.insert(
            installation,
            BlockStorage {
                installation,
                block: r.try_get("block_id")?,
                bytes_used: r.try_get("storage_bytes")?,
                entries: Vec::new(),
            },
        );
    }
    let rows = sqlx::query(&format!(
        "SELECT x.installation_id, b.block_id, x.key, x.value, x.size_bytes FROM block_storage x {BLOCK} WHERE x.citizen_id = $1"
    ))
    .bind(citizen)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let installation: i64 = r.try_get("installation_id")?;
        let (encoding, value) = encode_value(r.try_get("value")?);
        let entry = StorageEntry {
            key: r.try_get("key")?,
            encoding,
            value,
            size_bytes: r.try_get("size_bytes")?,
        };
        let block: Option<String> = r.try_get("block_id")?;
        by_installation
            .entry(installation)
            .or_insert_with(|| BlockStorage {
                installation,
                block,
                bytes_used: 0,
                entries: Vec::new(),
            })
            .entries
            .push(entry);
    }
    let mut out: Vec<BlockStorage> = by_installation.into_values().collect();
    for s in &mut out {
        // Byte order, as blocks list their keys: PostgreSQL's ORDER BY would follow the
        // database's locale.
        s.entries.sort_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(out)
}

fn unknown_citizen() -> Problem {
    Problem::not_found(
        "unknown-citizen",
        "you are not registered as a citizen of this municipality (or your data has been erased)",
    )
}

fn unknown_notification(id: &str) -> Problem {
    Problem::not_found(
        "unknown-notification",
        format!("there is no message '{id}' in your inbox"),
    )
}

impl Citizens {
    /// The citizens' side over the provider that owns their tables.
    pub fn new(provider: Arc<DbProvider>) -> Self {
        Self { provider }
    }

    /// The caller, as a registered citizen of the municipality their token names.
    async fn registered(&self, who: &Identity) -> Result<Citizen> {
        who.require(Role::Citizen)?;
        let citizen = self
            .provider
            .citizen(&who.subject)
            .await?
            .ok_or_else(unknown_citizen)?;
        if citizen.municipality != who.tenant_str() {
            return Err(Problem::forbidden(
                "other-tenant",
                format!(
                    "you live in municipality {}, not {}; sign in there",
                    citizen.municipality,
                    who.tenant_str()
                ),
            ));
        }
        Ok(citizen)
    }

    async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.provider.db().pool().acquire().await?)
    }

    /// Everything the platform holds about the caller, as one document.
    pub async fn export(&self, who: &Identity) -> Result<Export> {
        let citizen = self.registered(who).await?;
        let id = citizen.id.as_str();
        let mut tx = self.provider.db().pool().begin().await?;
        // One snapshot for the whole document, so it never shows a message without its
        // thread or a half-applied change. SQLite's transaction is one already;
        // PostgreSQL's default takes a snapshot per statement.
        if self.provider.db().backend() == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let export = Export {
            exported_ms: now_ms(),
            citizen: citizen_of(&mut tx, id).await?,
            profile: profile_of(&mut tx, id).await?,
            activities: activities_of(&mut tx, id).await?,
            notifications: notifications_of(&mut tx, id).await?,
            threads: threads_of(&mut tx, id).await?,
            consents: consents_of(&mut tx, id).await?,
            storage: storage_of(&mut tx, id).await?,
            access_log: access_log_of(&mut tx, id).await?,
            screening: crate::screening::export_of(&mut tx, id).await?,
            monitoring: crate::monitor::citizen::export_of(&mut tx, id).await?,
        };
        tx.commit().await?;
        Ok(export)
    }

    /// Erase everything about the caller, from every table in [`CITIZEN_TABLES`], in
    /// one transaction: all of it goes, or (on any failure) nothing.
    ///
    /// A block call already running for the citizen when erasure commits may still
    /// write afterwards (activities and threads take no lock erasure could wait for);
    /// the citizen is then no longer registered, so no new call starts for them.
    pub async fn erase(&self, who: &Identity) -> Result<()> {
        let citizen = self.registered(who).await?;
        let mut tx = self.provider.db().pool().begin().await?;
        let mut rows = 0;
        for table in CITIZEN_TABLES {
            rows += sqlx::query(&format!("DELETE FROM {} WHERE {}", table.name, table.rows))
                .bind(&citizen.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        // Without the citizen's id: keeping it in the log would keep what was erased.
        tracing::info!(rows, "a citizen's data was erased at their request");
        Ok(())
    }

    /// Who read the caller's personal data, what and why, newest first.
    pub async fn access_log(&self, who: &Identity) -> Result<Vec<AccessEntry>> {
        let citizen = self.registered(who).await?;
        access_log_of(&mut *self.connection().await?, &citizen.id).await
    }

    /// The caller's inbox, newest first.
    pub async fn notifications(&self, who: &Identity) -> Result<Vec<InboxNotification>> {
        let citizen = self.registered(who).await?;
        notifications_of(&mut *self.connection().await?, &citizen.id).await
    }

    /// Mark one of the caller's messages read (again is no change); another citizen's
    /// message, like one that does not exist, is not found.
    pub async fn mark_read(&self, who: &Identity, id: &str) -> Result<InboxNotification> {
        let citizen = self.registered(who).await?;
        let number: i64 = id.parse().map_err(|_| unknown_notification(id))?;
        let row = sqlx::query(&format!(
            "UPDATE notifications SET read_ms = COALESCE(read_ms, $3) \
             WHERE id = $1 AND citizen_id = $2 RETURNING {NOTIFICATION_COLUMNS}"
        ))
        .bind(number)
        .bind(&citizen.id)
        .bind(now_ms())
        .fetch_optional(self.provider.db().pool())
        .await?
        .ok_or_else(|| unknown_notification(id))?;
        Ok(notification(&row)?)
    }

    async fn unread(&self, citizen: &str) -> Result<Vec<InboxNotification>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
             WHERE citizen_id = $1 AND read_ms IS NULL ORDER BY created_ms, id"
        ))
        .bind(citizen)
        .fetch_all(self.provider.db().pool())
        .await?;
        Ok(rows
            .iter()
            .map(notification)
            .collect::<std::result::Result<_, _>>()?)
    }

    /// The caller's messages as they come: first the unread ones already there (oldest
    /// first), then each new one as soon as it is committed. Each message comes once.
    pub async fn notification_stream(
        &self,
        who: &Identity,
    ) -> Result<impl Stream<Item = InboxNotification> + Send + 'static> {
        let citizen = self.registered(who).await?;
        // Subscribed before the inbox is read: a message committed in between is then
        // both in the inbox and published (and sent once), never in neither.
        let live = self.provider.subscribe();
        let pending = self.unread(&citizen.id).await?.into();
        let stream = LiveInbox {
            citizens: self.clone(),
            citizen: citizen.id,
            live,
            pending,
            sent: HashSet::new(),
        };
        Ok(futures_util::stream::unfold(stream, LiveInbox::next))
    }
}

/// One open inbox stream.
struct LiveInbox {
    citizens: Citizens,
    citizen: String,
    live: broadcast::Receiver<NotificationEvent>,
    /// Messages to send before waiting for more.
    pending: VecDeque<InboxNotification>,
    /// Ids sent so far, so a message both read from the inbox and published goes once.
    sent: HashSet<i64>,
}

impl LiveInbox {
    async fn next(mut self) -> Option<(InboxNotification, Self)> {
        loop {
            if let Some(n) = self.pending.pop_front() {
                if self.sent.insert(n.id) {
                    return Some((n, self));
                }
                continue;
            }
            match self.live.recv().await {
                Ok((citizen, json)) => {
                    if citizen != self.citizen {
                        continue;
                    }
                    match serde_json::from_value::<InboxNotification>(json) {
                        Ok(mut n) => {
                            n.read = n.read_ms.is_some();
                            self.pending.push_back(n);
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "a published notification does not have the inbox's shape")
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    // Some messages went past unseen (they may be anyone's): what is
                    // unread in the inbox and not yet sent covers the caller's.
                    tracing::warn!(
                        missed,
                        "an inbox stream fell behind; reading the inbox again"
                    );
                    match self.citizens.unread(&self.citizen).await {
                        Ok(unread) => self.pending.extend(unread),
                        Err(p) => {
                            tracing::error!(problem = %p, "re-reading an inbox after falling behind")
                        }
                    }
                }
                // The provider is gone: the server is shutting down.
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// What a caseworker sees of a citizen of their own municipality: the citizen, the
/// activities blocks recorded (the job log) and the consents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseworkerOverview {
    /// The citizen.
    pub citizen: CitizenRecord,
    /// Activities, oldest first.
    pub activities: Vec<ActivityRecord>,
    /// Consents given and withdrawn.
    pub consents: Vec<ConsentRecord>,
}

impl Citizens {
    /// A citizen's overview for a caseworker of the citizen's own municipality; a
    /// citizen of another municipality is as unknown as one that does not exist. The
    /// reading is written to the citizen's access log in the same transaction.
    pub async fn overview(&self, who: &Identity, citizen: &str) -> Result<CaseworkerOverview> {
        who.require(Role::Caseworker)?;
        let found = self
            .provider
            .citizen(citizen)
            .await?
            .filter(|c| c.municipality == who.tenant_str())
            .ok_or_else(|| {
                Problem::not_found(
                    "unknown-citizen",
                    "there is no such citizen in your municipality; open the citizen from a thread",
                )
            })?;
        let mut tx = self.provider.db().pool().begin().await?;
        let out = CaseworkerOverview {
            citizen: citizen_of(&mut tx, &found.id).await?,
            activities: activities_of(&mut tx, &found.id).await?,
            consents: consents_of(&mut tx, &found.id).await?,
        };
        sqlx::query(
            "INSERT INTO data_access_log (citizen_id, actor, what, why, at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&found.id)
        .bind(format!("caseworker:{}", who.subject))
        .bind("activities, consents")
        .bind("the jobcentre's overview of the citizen")
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
