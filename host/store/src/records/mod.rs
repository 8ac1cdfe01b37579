//! A citizen's rows, and how to read them: which tables hold data about citizens (the
//! list GDPR export and erasure walk), the records of a citizen's data as the export and
//! the caseworker's timeline show them, and one reader per table that takes the
//! citizen's id from its caller. The callers (the citizen's own rights in
//! `jobunivers-universe`, the caseworker's timeline in `jobunivers-casework`) decide who
//! may read whom.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use jobunivers_core::problem::{Problem, Result};

mod profile;
pub use profile::*;

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
        name: "outbox",
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
        name: "sessions",
        rows: "role = 'citizen' AND subject = $1",
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
        name: "event_deliveries",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "block_events",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "profile_changes",
        rows: "citizen_id = $1",
    },
    CitizenTable {
        name: "contact_preferences",
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

/// Stored JSON as a value; text that is not JSON is still the citizen's data, so it is
/// handed out as a string rather than left out.
pub fn json_or_text(raw: String) -> serde_json::Value {
    serde_json::from_str(&raw).unwrap_or(serde_json::Value::String(raw))
}

/// An inbox notification from its row (columns [`NOTIFICATION_COLUMNS`]).
pub fn notification(row: &AnyRow) -> std::result::Result<InboxNotification, sqlx::Error> {
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

/// The columns [`notification`] reads.
pub const NOTIFICATION_COLUMNS: &str =
    "id, installation_id, block_id, title, body, view, created_ms, read_ms";

/// The citizen's inbox, newest first.
pub async fn notifications_of(
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

/// A message that left (or is to leave) the page for the citizen, as their export shows
/// it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxRecord {
    /// `email` or `digital-post`.
    pub channel: String,
    /// The message kind (`jobs`, `messages`, `casework`, `bookings`).
    pub kind: String,
    /// The e-mail address it went to (e-mail only).
    pub recipient: Option<String>,
    /// The subject.
    pub subject: String,
    /// The text.
    pub body: String,
    /// `queued`, `sent`, `dead` or `capped` (over the daily e-mail cap: inbox only).
    pub state: String,
    /// When it was written (Unix ms).
    pub created_ms: i64,
    /// When it was sent (Unix ms).
    pub sent_ms: Option<i64>,
}

/// The messages written for the citizen to leave the page, oldest first.
pub async fn outbox_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<OutboxRecord>> {
    let rows = sqlx::query(
        "SELECT channel, kind, recipient, subject, body, state, created_ms, sent_ms FROM outbox \
         WHERE citizen_id = $1 ORDER BY id",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxRecord {
                channel: r.try_get("channel")?,
                kind: r.try_get("kind")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                state: r.try_get("state")?,
                created_ms: r.try_get("created_ms")?,
                sent_ms: r.try_get("sent_ms")?,
            })
        })
        .collect()
}

/// Who read the citizen's personal data, newest first.
pub async fn access_log_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<AccessEntry>> {
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

/// The citizen's own row ([`unknown_citizen`] if there is none).
pub async fn citizen_of(conn: &mut AnyConnection, citizen: &str) -> Result<CitizenRecord> {
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

/// The citizen's profile, if one is stored.
pub async fn profile_of(conn: &mut AnyConnection, citizen: &str) -> Result<Option<ProfileRecord>> {
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

/// The activities blocks recorded for the citizen, oldest first.
pub async fn activities_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<ActivityRecord>> {
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

/// The citizen's threads with the jobcentre and their messages, oldest first.
pub async fn threads_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<ThreadRecord>> {
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

/// The citizen's consents, given and withdrawn, by installation and capability.
pub async fn consents_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<ConsentRecord>> {
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
pub fn encode_value(value: Vec<u8>) -> (ValueEncoding, String) {
    match String::from_utf8(value) {
        Ok(text) => (ValueEncoding::Utf8, text),
        Err(e) => (
            ValueEncoding::Base64,
            base64::engine::general_purpose::STANDARD.encode(e.into_bytes()),
        ),
    }
}

/// What each installation stores for the citizen, by installation.
pub async fn storage_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<BlockStorage>> {
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

/// The caller is not (or no longer) a registered citizen.
pub fn unknown_citizen() -> Problem {
    Problem::not_found(
        "unknown-citizen",
        "you are not registered as a citizen of this municipality (or your data has been erased)",
    )
}
