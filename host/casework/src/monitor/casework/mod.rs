//! The caseworker's side of monitoring, for the citizens of their own municipality only:
//! the list of citizens (filtered by flags), a citizen's timeline, the flags and the
//! decision on each, exemptions, prior notices, and recording a missed meeting. Every
//! read of one citizen's data is written to that citizen's access log before the data
//! leaves. A citizen or flag of another municipality is "not found", as one that does
//! not exist.

mod flags;
mod timeline;

pub use flags::*;
pub use timeline::*;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{check_text, RuleKind, JOBCENTRE, MISSED_MEETING, NO_INSTALLATION};
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::access::{self, Access};
use jobunivers_store::db::Db;
use jobunivers_store::outbox;
use jobunivers_store::provider::DbProvider;
use jobunivers_store::records::{ActivityRecord, ConsentRecord};

/// The caseworker's flag on a firing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    /// When the grace period ran out and the flag was raised (Unix ms).
    pub flagged_ms: i64,
    /// `open`, `acknowledged` or `resolved`.
    pub state: String,
    /// The proposed meeting window: start (Unix ms).
    pub proposed_from_ms: Option<i64>,
    /// The proposed meeting window: end (Unix ms).
    pub proposed_to_ms: Option<i64>,
    /// The caseworker's note with the decision.
    pub note: Option<String>,
    /// Who decided, e.g. `caseworker:mette@0751`.
    pub decided_by: Option<String>,
    /// When (Unix ms).
    pub decided_ms: Option<i64>,
}

/// A rule that fired for a citizen (once per episode), with its flag if it got one.
/// A flag's id is its firing's id.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Firing {
    /// Id (also the flag's).
    pub id: i64,
    /// The rule.
    pub rule: i64,
    /// What the rule watches.
    pub kind: RuleKind,
    /// The citizen.
    pub citizen: String,
    /// The facts that made it fire (the rule, its days, what the silence is counted from
    /// and the time of that fact).
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    /// When it fired and the citizen was nudged (Unix ms).
    pub fired_ms: i64,
    /// When new facts ended the episode (Unix ms).
    pub closed_ms: Option<i64>,
    /// The flag on the caseworker's list, once the grace period passed.
    pub flag: Option<FlagView>,
}

/// An exemption of a citizen from a rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Exemption {
    /// Id.
    pub id: i64,
    /// The rule.
    pub rule: i64,
    /// What the rule watches.
    pub kind: RuleKind,
    /// Why.
    pub reason: String,
    /// Until when (Unix ms).
    pub until_ms: i64,
    /// Who granted it.
    pub created_by: String,
    /// When (Unix ms).
    pub created_ms: i64,
    /// Whether it still holds.
    pub active: bool,
}

/// A prior notice (forhåndsorientering).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriorNotice {
    /// Id.
    pub id: i64,
    /// The firing it is about, if any.
    pub firing: Option<i64>,
    /// The text the citizen must read.
    pub text: String,
    /// Who sent it.
    pub sent_by: String,
    /// When (Unix ms).
    pub sent_ms: i64,
    /// When the citizen confirmed reading it (Unix ms).
    pub read_ms: Option<i64>,
    /// Whether they have.
    pub read: bool,
}

const FIRING_COLUMNS: &str = "f.id, f.rule_id, f.kind, f.citizen_id, f.facts, f.fired_ms, f.closed_ms, f.flagged_ms, f.flag_state, \
     f.proposed_from_ms, f.proposed_to_ms, f.decision_note, f.decided_by, f.decided_ms";

fn kind(name: &str) -> Result<RuleKind> {
    RuleKind::parse(name).ok_or_else(|| Problem::internal(format!("unknown rule kind '{name}'")))
}

pub(crate) fn firing(row: &AnyRow) -> Result<Firing> {
    let flagged: Option<i64> = row.try_get("flagged_ms")?;
    let facts: String = row.try_get("facts")?;
    Ok(Firing {
        id: row.try_get("id")?,
        rule: row.try_get("rule_id")?,
        kind: kind(&row.try_get::<String, _>("kind")?)?,
        citizen: row.try_get("citizen_id")?,
        facts: serde_json::from_str(&facts).unwrap_or(serde_json::Value::String(facts)),
        fired_ms: row.try_get("fired_ms")?,
        closed_ms: row.try_get("closed_ms")?,
        flag: match flagged {
            None => None,
            Some(flagged_ms) => Some(FlagView {
                flagged_ms,
                state: row.try_get("flag_state")?,
                proposed_from_ms: row.try_get("proposed_from_ms")?,
                proposed_to_ms: row.try_get("proposed_to_ms")?,
                note: row.try_get("decision_note")?,
                decided_by: row.try_get("decided_by")?,
                decided_ms: row.try_get("decided_ms")?,
            }),
        },
    })
}

/// A citizen's firings, newest first.
pub(crate) async fn firings_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<Firing>> {
    let rows = sqlx::query(&format!(
        "SELECT {FIRING_COLUMNS} FROM monitor_firings f WHERE f.citizen_id = $1 ORDER BY f.fired_ms DESC, f.id DESC"
    ))
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter().map(firing).collect()
}

/// A citizen's exemptions, newest first; `active` as of `now_ms`.
pub(crate) async fn exemptions_of(
    conn: &mut AnyConnection,
    citizen: &str,
    now_ms: i64,
) -> Result<Vec<Exemption>> {
    let rows = sqlx::query(
        "SELECT e.id, e.rule_id, r.kind, e.reason, e.until_ms, e.created_by, e.created_ms \
         FROM monitor_exemptions e JOIN monitoring_rules r ON r.id = e.rule_id \
         WHERE e.citizen_id = $1 ORDER BY e.created_ms DESC, e.id DESC",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| exemption(r, now_ms)).collect()
}

fn exemption(r: &AnyRow, now_ms: i64) -> Result<Exemption> {
    let until_ms: i64 = r.try_get("until_ms")?;
    Ok(Exemption {
        id: r.try_get("id")?,
        rule: r.try_get("rule_id")?,
        kind: kind(&r.try_get::<String, _>("kind")?)?,
        reason: r.try_get("reason")?,
        until_ms,
        created_by: r.try_get("created_by")?,
        created_ms: r.try_get("created_ms")?,
        active: until_ms > now_ms,
    })
}

const NOTICE_COLUMNS: &str = "id, firing_id, text, sent_by, sent_ms, read_ms";

pub(crate) fn notice(r: &AnyRow) -> Result<PriorNotice> {
    let read_ms: Option<i64> = r.try_get("read_ms")?;
    Ok(PriorNotice {
        id: r.try_get("id")?,
        firing: r.try_get("firing_id")?,
        text: r.try_get("text")?,
        sent_by: r.try_get("sent_by")?,
        sent_ms: r.try_get("sent_ms")?,
        read_ms,
        read: read_ms.is_some(),
    })
}

/// A citizen's prior notices, newest first.
pub(crate) async fn notices_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Vec<PriorNotice>> {
    let rows = sqlx::query(&format!(
        "SELECT {NOTICE_COLUMNS} FROM prior_notices WHERE citizen_id = $1 ORDER BY sent_ms DESC, id DESC"
    ))
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter().map(notice).collect()
}

/// The caller's municipality, if they are a caseworker.
fn municipality(who: &Identity) -> Result<&str> {
    who.require(Role::Caseworker)?;
    who.tenant.as_deref().ok_or_else(|| {
        Problem::forbidden(
            "other-tenant",
            "a caseworker works for a municipality; sign in with one",
        )
    })
}

fn unknown_citizen(id: &str) -> Problem {
    Problem::not_found(
        "unknown-citizen",
        format!(
            "there is no citizen '{id}' in your municipality; see GET /api/v1/caseworker/citizens"
        ),
    )
}

fn unknown_flag(id: i64) -> Problem {
    Problem::not_found(
        "unknown-flag",
        format!("there is no flag {id} in your municipality; see GET /api/v1/caseworker/flags"),
    )
}

/// A citizen of the caseworker's municipality: (groups, registered).
async fn citizen_in(conn: &mut AnyConnection, code: &str, id: &str) -> Result<(Vec<String>, i64)> {
    let row = sqlx::query(
        "SELECT groups, created_ms FROM citizens WHERE id = $1 AND municipality_code = $2",
    )
    .bind(id)
    .bind(code)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| unknown_citizen(id))?;
    let groups: String = row.try_get("groups")?;
    Ok((
        serde_json::from_str(&groups).unwrap_or_default(),
        row.try_get("created_ms")?,
    ))
}

/// Write a staff read of a citizen's data to their access log.
async fn log_read(
    conn: &mut AnyConnection,
    citizen: &str,
    who: &Identity,
    what: &str,
    why: &str,
) -> Result<()> {
    let actor = who.actor();
    let read = Access {
        citizen,
        actor: &actor,
        what,
        why,
        at_ms: now_ms(),
    };
    access::record(conn, &[read]).await?;
    Ok(())
}
