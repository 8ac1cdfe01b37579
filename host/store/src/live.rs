//! Live inbox delivery across host processes.
//!
//! Each process publishes a notification to its own open inbox streams once the insert
//! has committed ([`DbProvider::subscribe`]). Several processes sharing one PostgreSQL
//! also tell each other: the insert's transaction runs `pg_notify` with the citizen and
//! the notification's id (delivered by PostgreSQL only if the transaction commits), and
//! every process listens ([`DbProvider::spawn_listener`]), reads the row and publishes it
//! to its own streams. A stream drops a message it already sent, so a message that
//! arrives both ways is shown once. SQLite has one process by design: nothing to do.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::Row;
use tokio::task::JoinHandle;

use crate::db::{Backend, DbError};
use crate::provider::DbProvider;

/// The PostgreSQL channel new notifications are announced on.
pub(crate) const CHANNEL: &str = "jobunivers_inbox";

/// What goes over the channel: enough to read the row (payloads are limited to 8000
/// bytes, a message's text is not).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Announcement {
    /// The citizen the message is for.
    pub citizen: String,
    /// `notifications.id`.
    pub id: i64,
    /// The announcing process, which has published the message already.
    pub origin: String,
}

/// A notification as inbox streams receive it.
#[derive(Debug, Serialize)]
pub(crate) struct Event<'a> {
    pub id: i64,
    pub installation: i64,
    pub block: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub view: Option<&'a str>,
    pub created_ms: i64,
    pub read_ms: Option<i64>,
}

impl Event<'_> {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an event is plain data")
    }
}

impl DbProvider {
    /// Within the transaction that inserts notification `id` for `citizen`: on
    /// PostgreSQL, tell the other processes once it commits (nothing on SQLite). Publish
    /// it to this process's streams with [`DbProvider::publish`] after the commit.
    pub async fn announce(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        citizen: &str,
        id: i64,
    ) -> Result<(), sqlx::Error> {
        if self.db().backend() != Backend::Postgres {
            return Ok(());
        }
        let announced = serde_json::to_string(&Announcement {
            citizen: citizen.to_owned(),
            id,
            origin: self.origin().to_owned(),
        })
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(announced)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// On PostgreSQL, a task that publishes to this process's inbox streams the
    /// notifications other processes commit; `None` on SQLite. The listener reconnects
    /// by itself when the connection drops (messages committed meanwhile reach an open
    /// page when it next reads the inbox).
    pub fn spawn_listener(&self) -> Option<JoinHandle<()>> {
        if self.db().backend() != Backend::Postgres {
            return None;
        }
        let provider = self.clone();
        Some(tokio::spawn(async move {
            loop {
                match provider.listen().await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "the inbox listener lost PostgreSQL; listening again in 1 s");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        }))
    }

    async fn listen(&self) -> Result<(), DbError> {
        let mut listener = PgListener::connect(self.db().url()).await?;
        listener.listen(CHANNEL).await?;
        loop {
            let note = listener.recv().await?;
            let announced: Announcement = match serde_json::from_str(note.payload()) {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, payload = note.payload(), "an inbox announcement that is not ours");
                    continue;
                }
            };
            if announced.origin == self.origin() {
                continue;
            }
            let row = sqlx::query(
                "SELECT installation_id, block_id, title, body, view, created_ms, read_ms \
                 FROM notifications WHERE id = $1 AND citizen_id = $2",
            )
            .bind(announced.id)
            .bind(&announced.citizen)
            .fetch_optional(self.db().pool())
            .await?;
            // Erased (or read and gone) in the meantime: nothing to show.
            let Some(row) = row else { continue };
            let block: String = row.try_get("block_id")?;
            let title: String = row.try_get("title")?;
            let body: String = row.try_get("body")?;
            let view: Option<String> = row.try_get("view")?;
            let event = Event {
                id: announced.id,
                installation: row.try_get("installation_id")?,
                block: &block,
                title: &title,
                body: &body,
                view: view.as_deref(),
                created_ms: row.try_get("created_ms")?,
                read_ms: row.try_get("read_ms")?,
            }
            .json();
            self.publish(announced.citizen, event);
        }
    }
}
