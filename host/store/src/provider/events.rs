//! The event queue of the blocks (`block_events`, `event_deliveries`): the daily ticks,
//! the new postings of an import, the fan-out of an event to the (installation,
//! citizen) pairs it concerns, and the claiming and closing of each delivery. What to
//! deliver and how is decided above the store (the universe's dispatcher); here is
//! only what must hold across processes: an event is planned once, a delivery is
//! claimed by one dispatcher at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the
//! write lock on SQLite), and a delivery that is done stays done.

use super::*;

/// The kind of the event an import with new postings raises.
pub const NEW_JOB_POSTINGS: &str = "new-job-postings";
/// The kind of the daily event.
pub const TICK: &str = "tick";

/// Rows written per `INSERT` when an event is fanned out.
const PLAN_CHUNK: usize = 200;

/// An event that waits to be fanned out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingEvent {
    /// Its id.
    pub id: i64,
    /// `tick`, `new-job-postings` or `profile-changed`.
    pub kind: String,
    /// The municipality whose blocks it goes to.
    pub municipality: String,
    /// The one citizen it concerns, or `None` for every citizen of the municipality.
    pub citizen: Option<String>,
    /// Its data as JSON (`{"ids": [...]}` for new postings).
    pub payload: String,
}

/// Which delivery: one event to one installation for one citizen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    /// The event.
    pub event: i64,
    /// The installation.
    pub installation: i64,
    /// The citizen.
    pub citizen: String,
}

/// A delivery a dispatcher has claimed: no other dispatcher takes it until its lease
/// ends or it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// Which.
    pub key: DeliveryKey,
    /// The event's kind.
    pub kind: String,
    /// The event's municipality.
    pub municipality: String,
    /// The event's data as JSON.
    pub payload: String,
    /// Calls begun, this one included.
    pub attempts: i64,
}

/// How a claimed delivery ends for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryEnd {
    /// Done for good: `delivered`, `given-up`, `no-consent` or `gone`, with the last
    /// error when there was one.
    Done {
        /// The outcome.
        outcome: &'static str,
        /// The last failure's kind, if any.
        error: Option<String>,
    },
    /// The call failed; try again at `at_ms`.
    Retry {
        /// The failure's kind.
        error: String,
        /// When.
        at_ms: i64,
    },
    /// Not called (the block's breaker is open); try at `at_ms`, and this claim does
    /// not count as an attempt.
    Later {
        /// Why.
        reason: String,
        /// When.
        at_ms: i64,
    },
}

/// `FOR UPDATE SKIP LOCKED` on PostgreSQL, where several hosts share the work; nothing
/// on SQLite, where the transaction already holds the database's write lock.
fn skip_locked(db: &Db, what: &str) -> String {
    match db.backend() {
        Backend::Postgres => format!(" FOR UPDATE{what} SKIP LOCKED"),
        Backend::Sqlite => String::new(),
    }
}

/// Today's date in UTC, `YYYY-MM-DD`, from Unix milliseconds.
pub fn utc_date(ms: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Record a `new-job-postings` event with `ids` for every municipality that has
/// citizens, in the import's transaction.
pub(super) async fn record_new_postings(
    tx: &mut Transaction<'static, Any>,
    ids: &[&str],
    now: i64,
) -> Result<(), DbError> {
    if ids.is_empty() {
        return Ok(());
    }
    let payload = serde_json::json!({ "ids": ids }).to_string();
    sqlx::query(
        "INSERT INTO block_events (kind, municipality_code, citizen_id, payload, created_ms) \
         SELECT $1, m.code, NULL, $2, $3 FROM municipalities m \
         WHERE EXISTS (SELECT 1 FROM citizens c WHERE c.municipality_code = m.code)",
    )
    .bind(NEW_JOB_POSTINGS)
    .bind(payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl DbProvider {
    /// Record today's `tick` for every municipality that has citizens, unless it is
    /// recorded already (a unique key per municipality and UTC day): safe to run from
    /// several processes and after a restart. Returns how many were recorded now.
    pub async fn record_ticks(&self, now: i64) -> Result<u64, DbError> {
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO block_events (kind, municipality_code, citizen_id, payload, created_ms, once_key) \
             SELECT $1, m.code, NULL, '{}', $2, $3 || m.code || ':' || $4 FROM municipalities m \
             WHERE EXISTS (SELECT 1 FROM citizens c WHERE c.municipality_code = m.code) \
             ON CONFLICT DO NOTHING",
        )
        .bind(TICK)
        .bind(now)
        .bind("tick:")
        .bind(utc_date(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    /// The oldest event after `after` that is not fanned out yet.
    pub async fn next_unplanned_event(&self, after: i64) -> Result<Option<WaitingEvent>, DbError> {
        let row = sqlx::query(
            "SELECT id, kind, municipality_code, citizen_id, payload FROM block_events \
             WHERE planned_ms IS NULL AND delivered_ms IS NULL AND id > $1 ORDER BY id LIMIT 1",
        )
        .bind(after)
        .fetch_optional(self.db.pool())
        .await?;
        row.map(|r| {
            Ok(WaitingEvent {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                municipality: r.try_get("municipality_code")?,
                citizen: r.try_get("citizen_id")?,
                payload: r.try_get("payload")?,
            })
        })
        .transpose()
    }

    /// The citizens of a municipality (or the one named, if they live there), by id.
    pub async fn citizens_of(
        &self,
        municipality: &str,
        only: Option<&str>,
    ) -> Result<Vec<Citizen>, DbError> {
        let rows = sqlx::query(
            "SELECT id, groups FROM citizens WHERE municipality_code = $1 \
             AND ($2 IS NULL OR id = $2) ORDER BY id",
        )
        .bind(municipality)
        .bind(only)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let groups: String = r.try_get("groups")?;
                Ok(Citizen {
                    id: r.try_get("id")?,
                    municipality: municipality.to_owned(),
                    groups: serde_json::from_str(&groups).map_err(decode_error)?,
                })
            })
            .collect()
    }

    /// Fan an event out: write its deliveries (installation, citizen) and mark it
    /// planned, in one transaction; an event without deliveries is delivered at once.
    /// Returns `false` (and writes nothing) when another dispatcher planned it or is
    /// planning it.
    pub async fn plan_event(
        &self,
        event: i64,
        deliveries: &[(i64, String)],
        now: i64,
    ) -> Result<bool, DbError> {
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let mine = sqlx::query(&format!(
            "SELECT id FROM block_events WHERE id = $1 AND planned_ms IS NULL{}",
            skip_locked(&self.db, "")
        ))
        .bind(event)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !mine {
            tx.rollback().await?;
            return Ok(false);
        }
        for chunk in deliveries.chunks(PLAN_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, ${}, ${}, 0, $2)", 3 + 2 * i, 4 + 2 * i))
                .collect();
            let sql = format!(
                "INSERT INTO event_deliveries (event_id, installation_id, citizen_id, attempts, next_try_ms) \
                 VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(event).bind(now);
            for (installation, citizen) in chunk {
                q = q.bind(*installation).bind(citizen.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        sqlx::query(
            "UPDATE block_events SET planned_ms = $2, \
             delivered_ms = CASE WHEN $3 THEN $2 ELSE NULL END WHERE id = $1",
        )
        .bind(event)
        .bind(now)
        .bind(deliveries.is_empty())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether a delivery is due now (a read, so an idle dispatcher does not take the
    /// write lock to find nothing).
    pub async fn delivery_due(&self, now: i64) -> Result<bool, DbError> {
        Ok(sqlx::query(
            "SELECT 1 AS due FROM event_deliveries WHERE done_ms IS NULL AND next_try_ms <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.db.pool())
        .await?
        .is_some())
    }

    /// Claim up to `limit` due deliveries, oldest first: each counts an attempt and is
    /// leased until `now + lease_ms`, so no other dispatcher takes it meanwhile, and a
    /// dispatcher that dies with it leaves it to be taken again when the lease ends.
    pub async fn claim_deliveries(
        &self,
        now: i64,
        limit: usize,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedDelivery>, DbError> {
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let rows = sqlx::query(&format!(
            "SELECT d.event_id, d.installation_id, d.citizen_id, d.attempts, e.kind, e.municipality_code, e.payload \
             FROM event_deliveries d JOIN block_events e ON e.id = d.event_id \
             WHERE d.done_ms IS NULL AND d.next_try_ms <= $1 \
             ORDER BY d.next_try_ms, d.event_id, d.installation_id, d.citizen_id LIMIT $2{}",
            skip_locked(&self.db, " OF d")
        ))
        .bind(now)
        .bind(limit as i64)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let claimed = ClaimedDelivery {
                key: DeliveryKey {
                    event: r.try_get("event_id")?,
                    installation: r.try_get("installation_id")?,
                    citizen: r.try_get("citizen_id")?,
                },
                kind: r.try_get("kind")?,
                municipality: r.try_get("municipality_code")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get::<i64, _>("attempts")? + 1,
            };
            sqlx::query(
                "UPDATE event_deliveries SET attempts = $4, next_try_ms = $5 \
                 WHERE event_id = $1 AND installation_id = $2 AND citizen_id = $3",
            )
            .bind(claimed.key.event)
            .bind(claimed.key.installation)
            .bind(&claimed.key.citizen)
            .bind(claimed.attempts)
            .bind(now + lease_ms)
            .execute(&mut *tx)
            .await?;
            out.push(claimed);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Close a claimed delivery for now or for good.
    pub async fn end_delivery(
        &self,
        key: &DeliveryKey,
        end: &DeliveryEnd,
        now: i64,
    ) -> Result<(), DbError> {
        let _turn = self.write_turn().await;
        let q = match end {
            DeliveryEnd::Done { outcome, error } => sqlx::query(
                "UPDATE event_deliveries SET done_ms = $4, outcome = $5, last_error = COALESCE($6, last_error) \
                 WHERE event_id = $1 AND installation_id = $2 AND citizen_id = $3",
            )
            .bind(key.event)
            .bind(key.installation)
            .bind(&key.citizen)
            .bind(now)
            .bind(*outcome)
            .bind(error.clone()),
            DeliveryEnd::Retry { error, at_ms } => sqlx::query(
                "UPDATE event_deliveries SET next_try_ms = $4, last_error = $5 \
                 WHERE event_id = $1 AND installation_id = $2 AND citizen_id = $3",
            )
            .bind(key.event)
            .bind(key.installation)
            .bind(&key.citizen)
            .bind(*at_ms)
            .bind(error.as_str()),
            DeliveryEnd::Later { reason, at_ms } => sqlx::query(
                "UPDATE event_deliveries SET next_try_ms = $4, last_error = $5, attempts = attempts - 1 \
                 WHERE event_id = $1 AND installation_id = $2 AND citizen_id = $3",
            )
            .bind(key.event)
            .bind(key.installation)
            .bind(&key.citizen)
            .bind(*at_ms)
            .bind(reason.as_str()),
        };
        q.execute(self.db.pool()).await?;
        Ok(())
    }

    /// Mark delivered every planned event none of whose deliveries is still open;
    /// returns how many.
    pub async fn finish_events(&self, now: i64) -> Result<u64, DbError> {
        let _turn = self.write_turn().await;
        Ok(sqlx::query(
            "UPDATE block_events SET delivered_ms = $1 \
             WHERE planned_ms IS NOT NULL AND delivered_ms IS NULL AND NOT EXISTS \
             (SELECT 1 FROM event_deliveries d WHERE d.event_id = block_events.id AND d.done_ms IS NULL)",
        )
        .bind(now)
        .execute(self.db.pool())
        .await?
        .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::utc_date;

    #[test]
    fn utc_dates_follow_the_calendar() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400_000), "2000-02-29");
        assert_eq!(utc_date(1_798_761_600_000 - 1), "2026-12-31");
        assert_eq!(utc_date(1_798_761_600_000), "2027-01-01");
    }
}
