//! The outbox: the messages that leave the page (e-mail, Digital Post), each written
//! by [`enqueue`] in the same transaction as the inbox message or casework change that
//! causes it, so a message goes out if and only if its cause committed. The drainers
//! (`jobunivers-messages`) [`claim`] due rows, send them and record the outcome
//! ([`sent`], [`failed`]); what failed too often is dead until an operator retries it
//! ([`dead_letters`], [`retry`]).
//!
//! Which channels a message takes is the citizen's choice per message kind (their
//! contact preferences); an official letter (a prior notice) always goes by Digital
//! Post. No e-mail is sent in the quiet hours (22:00 to 07:00 Danish time), and at most
//! [`Policy::daily_email_cap`] e-mails a Danish day per citizen: beyond that a message
//! stays in the inbox only, and its row says so (`capped`).

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::{Problem, Result};

use crate::db::{Backend, Db, DbError};

/// The e-mail channel.
pub const EMAIL: &str = "email";
/// The Digital Post channel (official letters).
pub const DIGITAL_POST: &str = "digital-post";

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// No e-mail from this hour (Danish time) ...
const QUIET_FROM_HOUR: i64 = 22;
/// ... until this one.
const QUIET_UNTIL_HOUR: i64 = 7;

/// A text in both languages; the citizen's language picks one.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// Danish.
    pub da: &'a str,
    /// English.
    pub en: &'a str,
}

impl<'a> Text<'a> {
    /// The same text in both languages (a block's own words, in the language it wrote).
    pub fn same(text: &'a str) -> Self {
        Self { da: text, en: text }
    }

    fn pick(&self, lang: &str) -> &'a str {
        if lang == "en" {
            self.en
        } else {
            self.da
        }
    }
}

/// A message to a citizen that may leave the page.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The citizen.
    pub citizen: &'a str,
    /// Their municipality's code.
    pub municipality: &'a str,
    /// The kind of message, as the contact preferences name it (`jobs`, `messages`,
    /// `casework`, `bookings`).
    pub kind: &'a str,
    /// An official letter: it goes by Digital Post whatever the preferences say.
    pub official: bool,
    /// The subject.
    pub subject: Text<'a>,
    /// The body, plain text.
    pub body: Text<'a>,
    /// The page's path it is about (e.g. `/inbox`), linked from the message.
    pub link: Option<&'a str>,
    /// What makes it unique (e.g. `notification-17`); the channel is added to it.
    pub key: &'a str,
    /// Now (Unix ms).
    pub now_ms: i64,
}

/// Danish time's offset from UTC at `utc_ms`: CEST (+2 h) from the last Sunday of March
/// 01:00 UTC to the last Sunday of October 01:00 UTC, else CET (+1 h).
pub fn danish_offset_ms(utc_ms: i64) -> i64 {
    let days = utc_ms.div_euclid(DAY_MS);
    let (year, _, _) = civil_from_days(days);
    let starts = last_sunday(year, 3) * DAY_MS + HOUR_MS;
    let ends = last_sunday(year, 10) * DAY_MS + HOUR_MS;
    if utc_ms >= starts && utc_ms < ends {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// Whether `utc_ms` is in the quiet hours (22:00 to 07:00 Danish time).
pub fn in_quiet_hours(utc_ms: i64) -> bool {
    let hour = (utc_ms + danish_offset_ms(utc_ms)).rem_euclid(DAY_MS) / HOUR_MS;
    !(QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour)
}

/// When an e-mail written at `utc_ms` may go: then, or at the end of the quiet hours.
pub fn email_due(utc_ms: i64) -> i64 {
    if !in_quiet_hours(utc_ms) {
        return utc_ms;
    }
    let local = utc_ms + danish_offset_ms(utc_ms);
    let mut morning = local.div_euclid(DAY_MS) * DAY_MS + QUIET_UNTIL_HOUR * HOUR_MS;
    if morning <= local {
        morning += DAY_MS;
    }
    // The offset at 07:00 (the night may have changed it); a change happens at 01:00
    // UTC, so the offset an hour before 07:00 local is the one at 07:00.
    morning - danish_offset_ms(morning - 3 * HOUR_MS)
}

/// The Danish calendar day `utc_ms` falls in, as [start, end) in UTC ms.
pub fn danish_day(utc_ms: i64) -> (i64, i64) {
    let local = utc_ms + danish_offset_ms(utc_ms);
    let midnight = local.div_euclid(DAY_MS) * DAY_MS;
    let start = midnight - danish_offset_ms(midnight - 2 * HOUR_MS);
    let next = midnight + DAY_MS;
    (start, next - danish_offset_ms(next - 2 * HOUR_MS))
}

/// Year, month, day of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The day number of a date (the inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day number of the last Sunday of a month with 31 days (March, October).
fn last_sunday(year: i64, month: i64) -> i64 {
    let last = days_from_civil(year, month, 31);
    // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) mod 7.
    last - (last + 4).rem_euclid(7)
}

/// The language messages are written in: the citizen's profile has no choice of
/// language, so Danish, the jobcentre's. (A `lang` column keeps it per row for when it
/// has.)
const LANGUAGE: &str = "da";

/// Write the messages that leave the page for `m`, in the caller's transaction: a
/// Digital Post letter when it is official, else an e-mail when the citizen has an
/// address and chose e-mail for the kind. How many rows were written (a repeat of a
/// key writes none).
pub async fn enqueue(
    conn: &mut AnyConnection,
    m: &Message<'_>,
) -> std::result::Result<usize, sqlx::Error> {
    let preferences =
        sqlx::query("SELECT email, channels FROM contact_preferences WHERE citizen_id = $1")
            .bind(m.citizen)
            .fetch_optional(&mut *conn)
            .await?;
    let lang = LANGUAGE;
    let mut rows = Vec::new();
    if m.official {
        rows.push((DIGITAL_POST, None, m.now_ms));
    }
    // An official letter goes by Digital Post alone: its text is not for e-mail.
    if let (false, Some(p)) = (m.official, &preferences) {
        let address: Option<String> = p.try_get("email")?;
        let channels: String = p.try_get("channels")?;
        let channels: BTreeMap<String, Vec<String>> =
            serde_json::from_str(&channels).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let chose_email = channels
            .get(m.kind)
            .is_some_and(|c| c.iter().any(|c| c == EMAIL));
        if let (true, Some(address)) = (chose_email, address) {
            rows.push((EMAIL, Some(address), email_due(m.now_ms)));
        }
    }
    let mut written = 0;
    for (channel, recipient, due) in rows {
        written += sqlx::query(
            "INSERT INTO outbox (channel, citizen_id, municipality_code, kind, recipient, lang, subject, body, link, \
             idempotency_key, attempts, next_try_ms, state, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, 'queued', $12, $12) \
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(channel)
        .bind(m.citizen)
        .bind(m.municipality)
        .bind(m.kind)
        .bind(recipient)
        .bind(lang)
        .bind(m.subject.pick(lang))
        .bind(m.body.pick(lang))
        .bind(m.link)
        .bind(format!("{}-{channel}", m.key))
        .bind(due)
        .bind(m.now_ms)
        .execute(&mut *conn)
        .await?
        .rows_affected() as usize;
    }
    Ok(written)
}

/// What the drainers may do.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The channels this drainer can send on (one without an SMTP server leaves the
    /// e-mails queued).
    pub email: bool,
    /// See `email`.
    pub digital_post: bool,
    /// How long a claim holds a row: a drainer that dies while sending leaves it to
    /// another after this.
    pub lease_ms: i64,
    /// E-mails a citizen gets a Danish day at most; beyond, a message stays in the inbox.
    pub daily_email_cap: i64,
    /// Attempts before a message is dead.
    pub max_attempts: i64,
    /// The wait after the first failure; it doubles with each further one.
    pub backoff_ms: i64,
    /// The longest wait between attempts.
    pub max_backoff_ms: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            email: true,
            digital_post: true,
            lease_ms: 5 * 60_000,
            daily_email_cap: 10,
            max_attempts: 8,
            backoff_ms: 60_000,
            max_backoff_ms: 6 * HOUR_MS,
        }
    }
}

/// A message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The row.
    pub id: i64,
    /// `email` or `digital-post`.
    pub channel: String,
    /// The citizen.
    pub citizen: String,
    /// Their municipality.
    pub municipality: String,
    /// The message kind.
    pub kind: String,
    /// The e-mail address (e-mail only).
    pub recipient: Option<String>,
    /// `da` or `en`.
    pub lang: String,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// The page's path it links to.
    pub link: Option<String>,
    /// The idempotency key.
    pub key: String,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
}

/// Claim up to `limit` due messages at `now_ms` for sending: each counts an attempt and
/// is held for [`Policy::lease_ms`]. On PostgreSQL the rows are picked with
/// `FOR UPDATE SKIP LOCKED`, so concurrent drainers (in this process or another) never
/// claim one row twice; on SQLite the transaction holds the write lock. E-mails are not
/// claimed in the quiet hours, and one over the citizen's daily cap is marked `capped`.
pub async fn claim(
    db: &Db,
    policy: &Policy,
    now_ms: i64,
    limit: i64,
) -> std::result::Result<Claims, DbError> {
    let mut channels = Vec::new();
    if policy.email && !in_quiet_hours(now_ms) {
        channels.push(EMAIL);
    }
    if policy.digital_post {
        channels.push(DIGITAL_POST);
    }
    if channels.is_empty() {
        return Ok(Claims::default());
    }
    // Our own constants, never input.
    let among = channels
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let mut tx = db.begin_write().await?;
    let rows = sqlx::query(&format!(
        "SELECT id, channel, citizen_id, municipality_code, kind, recipient, lang, subject, body, link, \
         idempotency_key, attempts FROM outbox \
         WHERE state = 'queued' AND next_try_ms <= $1 AND channel IN ({among}) \
         ORDER BY next_try_ms, id LIMIT $2{lock}"
    ))
    .bind(now_ms)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let rows = rows
        .iter()
        .map(claimed_row)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if db.backend() == Backend::Postgres {
        // One citizen's e-mails are counted in turn, so two drainers cannot both send
        // the last one the cap allows; the citizens are locked in one order, so two
        // drainers never wait for each other in a circle.
        let mut citizens: Vec<&str> = rows
            .iter()
            .filter(|c| c.channel == EMAIL)
            .map(|c| c.citizen.as_str())
            .collect();
        citizens.sort_unstable();
        citizens.dedup();
        for citizen in citizens {
            sqlx::query("SELECT id FROM citizens WHERE id = $1 FOR UPDATE")
                .bind(citizen)
                .fetch_optional(&mut *tx)
                .await?;
        }
    }
    let (day_start, day_end) = danish_day(now_ms);
    let mut claims = Claims::default();
    for mut c in rows {
        if c.channel == EMAIL {
            let today: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM outbox WHERE citizen_id = $1 AND channel = 'email' \
                 AND state <> 'capped' AND first_try_ms >= $2 AND first_try_ms < $3 AND id <> $4",
            )
            .bind(&c.citizen)
            .bind(day_start)
            .bind(day_end)
            .bind(c.id)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if today >= policy.daily_email_cap {
                sqlx::query(
                    "UPDATE outbox SET state = 'capped', last_error = $2, updated_ms = $3 WHERE id = $1",
                )
                .bind(c.id)
                .bind(format!(
                    "the citizen has had {today} e-mails today, the most a day; the message stays in the inbox"
                ))
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                claims.capped += 1;
                continue;
            }
        }
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, next_try_ms = $2, \
             first_try_ms = COALESCE(first_try_ms, $3), updated_ms = $3 WHERE id = $1",
        )
        .bind(c.id)
        .bind(now_ms + policy.lease_ms)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        c.attempt += 1;
        claims.messages.push(c);
    }
    tx.commit().await?;
    Ok(claims)
}

/// What one [`claim`] took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// The messages to send.
    pub messages: Vec<Claimed>,
    /// E-mails over their citizen's daily cap, marked `capped` (inbox only).
    pub capped: usize,
}

fn claimed_row(row: &AnyRow) -> std::result::Result<Claimed, sqlx::Error> {
    Ok(Claimed {
        id: row.try_get("id")?,
        channel: row.try_get("channel")?,
        citizen: row.try_get("citizen_id")?,
        municipality: row.try_get("municipality_code")?,
        kind: row.try_get("kind")?,
        recipient: row.try_get("recipient")?,
        lang: row.try_get("lang")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        key: row.try_get("idempotency_key")?,
        attempt: row.try_get("attempts")?,
    })
}

/// Record that the claimed message was sent. False when the claim had lapsed and
/// another drainer took the row over (it was sent twice, then; the receiver sees the
/// same idempotency key).
pub async fn sent(db: &Db, c: &Claimed, now_ms: i64) -> std::result::Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE outbox SET state = 'sent', sent_ms = $3, last_error = NULL, updated_ms = $3 \
         WHERE id = $1 AND attempts = $2 AND state = 'queued'",
    )
    .bind(c.id)
    .bind(c.attempt)
    .bind(now_ms)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Record that sending the claimed message failed: it is tried again after the
/// backoff, or is dead after [`Policy::max_attempts`]. Whether it is dead now.
pub async fn failed(
    db: &Db,
    policy: &Policy,
    c: &Claimed,
    error: &str,
    now_ms: i64,
) -> std::result::Result<bool, DbError> {
    let dead = c.attempt >= policy.max_attempts;
    let shift = (c.attempt - 1).clamp(0, 30) as u32;
    let wait = policy
        .backoff_ms
        .saturating_mul(1_i64 << shift)
        .min(policy.max_backoff_ms);
    let error: String = error.chars().take(1000).collect();
    sqlx::query(
        "UPDATE outbox SET state = $3, last_error = $4, next_try_ms = $5, updated_ms = $6 \
         WHERE id = $1 AND attempts = $2 AND state = 'queued'",
    )
    .bind(c.id)
    .bind(c.attempt)
    .bind(if dead { "dead" } else { "queued" })
    .bind(error)
    .bind(now_ms + wait)
    .bind(now_ms)
    .execute(db.pool())
    .await?;
    Ok(dead)
}

/// A message that could not be sent, as the operator sees it: never its recipient,
/// subject or body (personal data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    /// The row's id (for retrying it).
    pub id: i64,
    /// `email` or `digital-post`.
    pub channel: String,
    /// The message kind (`jobs`, `messages`, `casework`, `bookings`).
    pub kind: String,
    /// The municipality's code.
    pub municipality: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was written (Unix ms).
    pub created_ms: i64,
    /// When it was last tried (Unix ms).
    pub updated_ms: i64,
}

const DEAD_COLUMNS: &str =
    "id, channel, kind, municipality_code, attempts, last_error, created_ms, updated_ms";

fn dead_letter(row: &AnyRow) -> std::result::Result<DeadLetter, sqlx::Error> {
    Ok(DeadLetter {
        id: row.try_get("id")?,
        channel: row.try_get("channel")?,
        kind: row.try_get("kind")?,
        municipality: row.try_get("municipality_code")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

/// The dead letters, newest first (at most 500): the operator's only.
pub async fn dead_letters(db: &Db, who: &Identity) -> Result<Vec<DeadLetter>> {
    who.require(Role::Operator)?;
    let rows = sqlx::query(&format!(
        "SELECT {DEAD_COLUMNS} FROM outbox WHERE state = 'dead' ORDER BY updated_ms DESC, id DESC LIMIT 500"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .iter()
        .map(dead_letter)
        .collect::<std::result::Result<_, _>>()?)
}

/// Queue a dead letter again, due at once with its attempts counted from zero: the
/// operator's only. One that is not dead (or does not exist) is not found.
pub async fn retry(db: &Db, who: &Identity, id: i64, now_ms: i64) -> Result<DeadLetter> {
    who.require(Role::Operator)?;
    let row = sqlx::query(&format!(
        "UPDATE outbox SET state = 'queued', attempts = 0, next_try_ms = $2, updated_ms = $2 \
         WHERE id = $1 AND state = 'dead' RETURNING {DEAD_COLUMNS}"
    ))
    .bind(id)
    .bind(now_ms)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(|| {
        Problem::not_found(
            "unknown-dead-letter",
            format!("there is no dead letter {id}; list them with GET /api/v1/outbox/dead"),
        )
    })?;
    Ok(dead_letter(&row)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of a UTC date and time.
    fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * DAY_MS + h * HOUR_MS + mi * 60_000
    }

    #[test]
    fn danish_time_follows_summer_time() {
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(danish_offset_ms(utc(2026, 1, 15, 12, 0)), HOUR_MS);
        assert_eq!(danish_offset_ms(utc(2026, 3, 29, 0, 59)), HOUR_MS);
        assert_eq!(danish_offset_ms(utc(2026, 3, 29, 1, 0)), 2 * HOUR_MS);
        assert_eq!(danish_offset_ms(utc(2026, 7, 1, 12, 0)), 2 * HOUR_MS);
        assert_eq!(danish_offset_ms(utc(2026, 10, 25, 0, 59)), 2 * HOUR_MS);
        assert_eq!(danish_offset_ms(utc(2026, 10, 25, 1, 0)), HOUR_MS);
    }

    #[test]
    fn quiet_hours_are_danish_evening_and_night() {
        // Winter: 21:59 UTC is 22:59 in Denmark; 06:00 UTC is 07:00.
        assert!(!in_quiet_hours(utc(2026, 12, 7, 20, 59)));
        assert!(in_quiet_hours(utc(2026, 12, 7, 21, 0)));
        assert!(in_quiet_hours(utc(2026, 12, 8, 5, 59)));
        assert!(!in_quiet_hours(utc(2026, 12, 8, 6, 0)));
        // Summer: 20:00 UTC is 22:00.
        assert!(in_quiet_hours(utc(2026, 7, 1, 20, 0)));
        assert!(!in_quiet_hours(utc(2026, 7, 1, 19, 59)));
    }

    #[test]
    fn an_email_in_the_quiet_hours_waits_for_seven() {
        let noon = utc(2026, 12, 7, 11, 0);
        assert_eq!(email_due(noon), noon);
        assert_eq!(email_due(utc(2026, 12, 7, 22, 30)), utc(2026, 12, 8, 6, 0));
        assert_eq!(email_due(utc(2026, 12, 8, 2, 0)), utc(2026, 12, 8, 6, 0));
        assert_eq!(email_due(utc(2026, 7, 1, 23, 0)), utc(2026, 7, 2, 5, 0));
        // The night summer time ends: 07:00 is CET again.
        assert_eq!(email_due(utc(2026, 10, 24, 21, 0)), utc(2026, 10, 25, 6, 0));
    }

    #[test]
    fn a_danish_day_starts_at_danish_midnight() {
        assert_eq!(
            danish_day(utc(2026, 12, 7, 12, 0)),
            (utc(2026, 12, 6, 23, 0), utc(2026, 12, 7, 23, 0))
        );
        assert_eq!(
            danish_day(utc(2026, 12, 7, 23, 30)),
            (utc(2026, 12, 7, 23, 0), utc(2026, 12, 8, 23, 0))
        );
        assert_eq!(
            danish_day(utc(2026, 7, 1, 12, 0)),
            (utc(2026, 6, 30, 22, 0), utc(2026, 7, 1, 22, 0))
        );
    }
}
