//! The dialogue between a citizen and their jobcentre. A block opens a thread through
//! the `escalate` capability (a chat handover with its transcript, or a request for a
//! conversation); a caseworker of the citizen's municipality picks it up. Messages go
//! both ways, each side has its own read state, and the thread says whom it is waiting
//! for (as NAV's citizen–caseworker dialogue does). A caseworker reading a thread is a
//! read of personal data and is written to the citizen's access log.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::access::{self, Access};
use jobunivers_store::db::Db;
use jobunivers_store::outbox;

/// A thread as a list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadSummary {
    /// Id.
    pub id: i64,
    /// The citizen's pseudonymous id.
    pub citizen: String,
    /// The block that opened it.
    pub block: String,
    /// `chat-handover` or `booking`.
    pub kind: String,
    /// `open`, `closed` or `cancelled`.
    pub state: String,
    /// `jobcentre`, `citizen` or `none`.
    pub waiting_for: String,
    /// Messages the viewer has not read.
    pub unread: i64,
    /// Opened (Unix ms).
    pub created_ms: i64,
    /// Last change (Unix ms).
    pub updated_ms: i64,
}

/// One message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DialogueMessage {
    /// Id.
    pub id: i64,
    /// `citizen`, `jobcentre` or `block`.
    pub author: String,
    /// The text.
    pub text: String,
    /// Part of a chat transcript handed over with the thread.
    pub transcript: bool,
    /// When (Unix ms).
    pub at_ms: i64,
    /// Read by the citizen (Unix ms).
    pub read_by_citizen_ms: Option<i64>,
    /// Read by the jobcentre (Unix ms).
    pub read_by_jobcentre_ms: Option<i64>,
}

/// A thread with its messages and what was asked for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadDetail {
    /// The summary.
    #[serde(flatten)]
    pub summary: ThreadSummary,
    /// The request as the block made it (transcript and summary, or meeting kind,
    /// preferred times and topic).
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    /// The messages, oldest first.
    pub messages: Vec<DialogueMessage>,
}

/// A new message.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewMessage {
    /// The text (1 to 4,000 characters).
    pub text: String,
    /// For the jobcentre: close the thread with this message.
    #[serde(default)]
    pub close: bool,
}

/// Which side is looking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Citizen,
    Jobcentre,
}

/// The dialogue service.
#[derive(Debug, Clone)]
pub struct Dialogue {
    db: Db,
}

const SUMMARY: &str = "SELECT t.id, t.citizen_id, t.block_id, t.request, t.state, t.waiting_for, t.created_ms, t.updated_ms, \
     (SELECT COUNT(*) FROM thread_messages m WHERE m.thread_id = t.id AND CASE WHEN $1 = 'citizen' \
        THEN m.author = 'jobcentre' AND m.read_by_citizen_ms IS NULL \
        ELSE m.author <> 'jobcentre' AND m.read_by_jobcentre_ms IS NULL END) AS unread \
     FROM threads t";

fn summary(row: &AnyRow) -> Result<ThreadSummary> {
    let request: serde_json::Value =
        serde_json::from_str(&row.try_get::<String, _>("request")?).map_err(Problem::internal)?;
    Ok(ThreadSummary {
        id: row.try_get("id")?,
        citizen: row.try_get("citizen_id")?,
        block: row.try_get("block_id")?,
        kind: request
            .get("type")
            .and_then(|k| k.as_str())
            .unwrap_or("unknown")
            .to_owned(),
        state: row.try_get("state")?,
        waiting_for: row.try_get("waiting_for")?,
        unread: row.try_get("unread")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

impl Dialogue {
    /// Over a database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    fn side(who: &Identity) -> Result<Side> {
        match who.role {
            Role::Citizen => Ok(Side::Citizen),
            Role::Caseworker => Ok(Side::Jobcentre),
            _ => Err(Problem::forbidden(
                "wrong-role",
                "the dialogue is between citizens and their jobcentre's caseworkers",
            )),
        }
    }

    /// The threads the caller may see: a citizen's own, or (for a caseworker) every
    /// thread of their municipality, optionally only those waiting for the jobcentre.
    pub async fn threads(
        &self,
        who: &Identity,
        waiting_for_jobcentre: bool,
    ) -> Result<Vec<ThreadSummary>> {
        let side = Self::side(who)?;
        let (author, filter) = match side {
            Side::Citizen => ("citizen", "t.citizen_id = $2 AND t.municipality_code = $3"),
            Side::Jobcentre => ("jobcentre", "$2 = $2 AND t.municipality_code = $3"),
        };
        let waiting = if waiting_for_jobcentre {
            " AND t.waiting_for = 'jobcentre'"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "{SUMMARY} WHERE {filter}{waiting} ORDER BY t.updated_ms DESC, t.id DESC LIMIT 500"
        ))
        .bind(author)
        .bind(&who.subject)
        .bind(who.tenant_str())
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(summary).collect()
    }

    async fn visible(
        &self,
        who: &Identity,
        id: i64,
    ) -> Result<(Side, ThreadSummary, serde_json::Value)> {
        let side = Self::side(who)?;
        let author = if side == Side::Citizen {
            "citizen"
        } else {
            "jobcentre"
        };
        let row = sqlx::query(&format!(
            "{SUMMARY} WHERE t.id = $2 AND t.municipality_code = $3"
        ))
        .bind(author)
        .bind(id)
        .bind(who.tenant_str())
        .fetch_optional(self.db.pool())
        .await?;
        let not_found = || {
            Problem::not_found(
                "unknown-thread",
                format!("there is no thread {id} you can see"),
            )
        };
        let row = row.ok_or_else(not_found)?;
        let s = summary(&row)?;
        if side == Side::Citizen && s.citizen != who.subject {
            return Err(not_found());
        }
        let request = serde_json::from_str(&row.try_get::<String, _>("request")?)
            .map_err(Problem::internal)?;
        Ok((side, s, request))
    }

    /// One thread with its messages; what the caller had not read is now read. A
    /// caseworker's read is recorded in the citizen's access log.
    pub async fn thread(&self, who: &Identity, id: i64) -> Result<ThreadDetail> {
        let (side, _, request) = self.visible(who, id).await?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        // The citizen reads what the jobcentre wrote; the jobcentre reads the rest (the
        // citizen's messages and what the block handed over).
        let sql = match side {
            Side::Citizen => "UPDATE thread_messages SET read_by_citizen_ms = $1 WHERE thread_id = $2 AND author = 'jobcentre' AND read_by_citizen_ms IS NULL",
            Side::Jobcentre => "UPDATE thread_messages SET read_by_jobcentre_ms = $1 WHERE thread_id = $2 AND author <> 'jobcentre' AND read_by_jobcentre_ms IS NULL",
        };
        sqlx::query(sql)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if side == Side::Jobcentre {
            let citizen: String = sqlx::query("SELECT citizen_id FROM threads WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("citizen_id")?;
            let read = Access {
                citizen: &citizen,
                actor: &who.actor(),
                what: &format!("thread {id}"),
                why: "caseworker reads the dialogue",
                at_ms: now,
            };
            access::record(&mut *tx, &[read]).await?;
        }
        tx.commit().await?;
        let (_, summary, _) = self.visible(who, id).await?;
        let rows = sqlx::query(
            "SELECT id, author, text, transcript, at_ms, read_by_citizen_ms, read_by_jobcentre_ms FROM thread_messages WHERE thread_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.db.pool())
        .await?;
        let messages = rows
            .iter()
            .map(|r| {
                Ok(DialogueMessage {
                    id: r.try_get("id")?,
                    author: r.try_get("author")?,
                    text: r.try_get("text")?,
                    transcript: r.try_get::<i64, _>("transcript")? != 0,
                    at_ms: r.try_get("at_ms")?,
                    read_by_citizen_ms: r.try_get("read_by_citizen_ms")?,
                    read_by_jobcentre_ms: r.try_get("read_by_jobcentre_ms")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ThreadDetail {
            summary,
            request,
            messages,
        })
    }

    /// Write into a thread: the thread then waits for the other side (or, when the
    /// jobcentre closes it, for no one).
    pub async fn write(
        &self,
        who: &Identity,
        id: i64,
        message: NewMessage,
    ) -> Result<ThreadDetail> {
        let text = message.text.trim();
        if text.is_empty() || text.chars().count() > 4000 {
            return Err(Problem::invalid(
                "invalid-text",
                "write a message of 1 to 4,000 characters",
            )
            .at("/text"));
        }
        let (side, summary, _) = self.visible(who, id).await?;
        if summary.state != "open" {
            return Err(Problem::conflict(
                "thread-closed",
                format!(
                    "the thread is {}; open a new one from the block",
                    summary.state
                ),
            ));
        }
        if message.close && side == Side::Citizen {
            return Err(Problem::forbidden(
                "wrong-role",
                "only the jobcentre closes a thread; a citizen cancels it from the block",
            )
            .at("/close"));
        }
        let (author, state, waiting) = match (side, message.close) {
            (Side::Citizen, _) => ("citizen", "open", "jobcentre"),
            (Side::Jobcentre, false) => ("jobcentre", "open", "citizen"),
            (Side::Jobcentre, true) => ("jobcentre", "closed", "none"),
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let read_column = if side == Side::Citizen {
            "read_by_citizen_ms"
        } else {
            "read_by_jobcentre_ms"
        };
        let message_id: i64 = sqlx::query(&format!("INSERT INTO thread_messages (thread_id, author, text, transcript, at_ms, {read_column}) VALUES ($1, $2, $3, 0, $4, $4) RETURNING id"))
            .bind(id)
            .bind(author)
            .bind(text)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        let done = sqlx::query("UPDATE threads SET state = $1, waiting_for = $2, updated_ms = $3 WHERE id = $4 AND state = 'open'")
            .bind(state)
            .bind(waiting)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Problem::conflict(
                "thread-closed",
                "the thread was closed meanwhile",
            ));
        }
        if side == Side::Jobcentre {
            // The citizen hears of the answer outside the page too, if they chose
            // e-mail for messages: that there is one, never its text.
            let link = format!("/threads/{id}");
            outbox::enqueue(
                &mut tx,
                &outbox::Message {
                    citizen: &summary.citizen,
                    municipality: who.tenant_str(),
                    kind: "messages",
                    official: false,
                    subject: outbox::Text {
                        da: "Du har fået svar fra jobcentret",
                        en: "The jobcentre has answered you",
                    },
                    body: outbox::Text {
                        da: "Jobcentret har skrevet til dig i en samtale. Log ind for at læse svaret.",
                        en: "The jobcentre has written to you in a conversation. Sign in to read the answer.",
                    },
                    link: Some(&link),
                    key: &format!("thread-message-{message_id}"),
                    now_ms: now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.thread(who, id).await
    }
}
