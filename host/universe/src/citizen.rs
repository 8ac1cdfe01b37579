//! The citizen's own view of their data and their GDPR rights: everything the platform
//! holds about them as one document (art. 15 and 20), erasure of all of it (art. 17),
//! the log of who read their personal data, and their inbox, listed, marked read and
//! delivered live while a page is open.
//!
//! Every function takes the caller's [`Identity`], requires the citizen role, and works
//! only on the rows of the caller's own subject: no query here takes a citizen id from
//! anywhere else, so one citizen can never reach another's data.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use futures_util::Stream;
use serde::Serialize;
use tokio::sync::broadcast;

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::access::{self, Access};
use jobunivers_store::db::Backend;
use jobunivers_store::provider::{
    Citizen, DbProvider, NotificationEvent, StreamSlot, MAX_STREAMS_PER_CITIZEN,
};
pub use jobunivers_store::records::*;

/// Everything the platform holds about a citizen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// When this export was made (Unix ms).
    pub exported_ms: i64,
    /// The citizen.
    pub citizen: CitizenRecord,
    /// The profile, if there is one.
    pub profile: Option<ProfileRecord>,
    /// How the citizen wants to be reached, if they said.
    pub contact: Option<ContactPreferences>,
    /// Every change to the profile and contact preferences, newest first.
    pub profile_changes: Vec<ProfileChangeRecord>,
    /// Activities, oldest first.
    pub activities: Vec<ActivityRecord>,
    /// The inbox, newest first.
    pub notifications: Vec<InboxNotification>,
    /// The messages that left (or are to leave) the page by e-mail or Digital Post,
    /// oldest first.
    pub outbox: Vec<OutboxRecord>,
    /// Threads with the jobcentre, oldest first.
    pub threads: Vec<ThreadRecord>,
    /// Consents, given and withdrawn.
    pub consents: Vec<ConsentRecord>,
    /// What each installation stores, by installation.
    pub storage: Vec<BlockStorage>,
    /// Who read the citizen's personal data, newest first.
    pub access_log: Vec<AccessEntry>,
    /// Screening results and caseworkers' decisions on them, oldest first.
    pub screening: jobunivers_casework::screening::ScreeningExport,
    /// Availability monitoring: visits, firings and flags, exemptions, prior notices.
    pub monitoring: jobunivers_casework::monitor::citizen::MonitoringExport,
}

/// The citizens' side of the platform; cheap to create per request.
#[derive(Debug, Clone)]
pub struct Citizens {
    provider: Arc<DbProvider>,
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

    /// The provider that owns the citizens' tables.
    pub(crate) fn provider(&self) -> &Arc<DbProvider> {
        &self.provider
    }

    /// The caller, as a registered citizen of the municipality their token names.
    pub(crate) async fn registered(&self, who: &Identity) -> Result<Citizen> {
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
        let mut tx = self.provider.db().begin_write().await?;
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
            contact: contact_of(&mut tx, id).await?,
            profile_changes: profile_changes_of(&mut tx, id).await?,
            activities: activities_of(&mut tx, id).await?,
            notifications: notifications_of(&mut tx, id).await?,
            outbox: outbox_of(&mut tx, id).await?,
            threads: threads_of(&mut tx, id).await?,
            consents: consents_of(&mut tx, id).await?,
            storage: storage_of(&mut tx, id).await?,
            access_log: access_log_of(&mut tx, id).await?,
            screening: jobunivers_casework::screening::export_of(&mut tx, id).await?,
            monitoring: jobunivers_casework::monitor::citizen::export_of(&mut tx, id).await?,
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
        let mut tx = self.provider.db().begin_write().await?;
        let mut rows = 0;
        for table in CITIZEN_TABLES {
            rows += sqlx::query(&format!("DELETE FROM {} WHERE {}", table.name, table.rows))
                .bind(&citizen.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        match self.provider.db().forget_deleted().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("the write-ahead log was in use; a later checkpoint empties it")
            }
            Err(e) => {
                tracing::error!(error = %e, "the write-ahead log could not be emptied after an erasure")
            }
        }
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
        let slot = self.provider.open_stream(&citizen.id).ok_or_else(|| {
            Problem::too_many(
                "too-many-streams",
                format!(
                    "you already have {MAX_STREAMS_PER_CITIZEN} live inboxes open; close a tab or window and try again"
                ),
                15,
            )
        })?;
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
            _slot: slot,
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
    /// This stream's place among the citizen's open ones.
    _slot: StreamSlot,
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
        let mut tx = self.provider.db().begin_write().await?;
        let out = CaseworkerOverview {
            citizen: citizen_of(&mut tx, &found.id).await?,
            activities: activities_of(&mut tx, &found.id).await?,
            consents: consents_of(&mut tx, &found.id).await?,
        };
        let read = Access {
            citizen: &found.id,
            actor: &format!("caseworker:{}", who.subject),
            what: "activities, consents",
            why: "the jobcentre's overview of the citizen",
            at_ms: now_ms(),
        };
        access::record(&mut *tx, &[read]).await?;
        tx.commit().await?;
        Ok(out)
    }
}
