//! The caseworker's side of monitoring, for the citizens of their own municipality only:
//! the list of citizens (filtered by flags), a citizen's timeline, the flags and the
//! decision on each, exemptions, prior notices, and recording a missed meeting. Every
//! read of one citizen's data is written to that citizen's access log before the data
//! leaves. A citizen or flag of another municipality is "not found", as one that does
//! not exist.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{check_text, RuleKind, JOBCENTRE, MISSED_MEETING, NO_INSTALLATION};
use crate::auth::{Identity, Role};
use crate::caps::db::DbProvider;
use crate::citizen::{ActivityRecord, ConsentRecord};
use crate::db::Db;
use crate::market::now_ms;
use crate::problem::{Problem, Result};

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
    sqlx::query("INSERT INTO data_access_log (citizen_id, actor, what, why, at_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(citizen)
        .bind(who.actor())
        .bind(what)
        .bind(why)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// Which citizens the caseworker lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CitizenFilter {
    /// By flags: `open`, `acknowledged`, `resolved`, `unresolved` (open or
    /// acknowledged), `any` (ever flagged) or `none` (nothing unresolved).
    #[serde(default)]
    pub flag: Option<String>,
    /// By the decided track: `self-service`, `mixed`, `personal-effort`, or `none` (no
    /// decision yet).
    #[serde(default)]
    pub track: Option<String>,
    /// At most this many (1 to 500, default 100).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Skip this many.
    #[serde(default)]
    pub offset: Option<i64>,
}

/// A citizen on the caseworker's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitizenSummary {
    /// The pseudonymous id.
    pub id: String,
    /// Their groups.
    pub groups: Vec<String>,
    /// Registered (Unix ms).
    pub registered_ms: i64,
    /// Flags waiting for a decision.
    pub open_flags: i64,
    /// Flags open or acknowledged.
    pub unresolved_flags: i64,
    /// The last job application in the job log (Unix ms).
    pub last_application_ms: Option<i64>,
    /// The last visit to the universe (Unix ms).
    pub last_visit_ms: Option<i64>,
    /// Exemptions that hold now.
    pub active_exemptions: i64,
    /// The track the caseworker decided (`self-service`, `mixed`, `personal-effort`),
    /// if any.
    pub track: Option<String>,
}

fn flag_condition(flag: Option<&str>) -> Result<&'static str> {
    Ok(match flag {
        None => "",
        Some("open") => " AND EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state = 'open')",
        Some("acknowledged") => " AND EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state = 'acknowledged')",
        Some("resolved") => " AND EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state = 'resolved')",
        Some("unresolved") => " AND EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state IN ('open', 'acknowledged'))",
        Some("any") => " AND EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state IS NOT NULL)",
        Some("none") => " AND NOT EXISTS (SELECT 1 FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state IN ('open', 'acknowledged'))",
        Some(other) => {
            return Err(Problem::bad_request(
                "invalid-filter",
                format!("'{other}' is not a flag filter; use open, acknowledged, resolved, unresolved, any or none"),
            )
            .at("/flag"));
        }
    })
}

/// The citizen's track: the latest caseworker decision in the municipality they live in
/// (a screening's suggestion is not a track).
const TRACK_OF: &str = "(SELECT d.track FROM track_decisions d \
     WHERE d.citizen_id = c.id AND d.municipality_code = c.municipality_code \
     ORDER BY d.decided_ms DESC, d.id DESC LIMIT 1)";

/// The condition of the `track` filter: a track name, or `none` for citizens without a
/// decision.
fn track_condition(track: Option<&str>) -> Result<String> {
    match track {
        None => Ok(String::new()),
        Some("none") => Ok(format!(" AND {TRACK_OF} IS NULL")),
        Some(name) => match crate::caps::Track::parse(name) {
            // A known name, so the literal is one of three fixed strings.
            Some(t) => Ok(format!(" AND {TRACK_OF} = '{}'", t.as_str())),
            None => Err(Problem::bad_request(
                "invalid-filter",
                format!(
                    "'{name}' is not a track; use {} or none",
                    crate::caps::Track::names()
                ),
            )
            .at("/track")),
        },
    }
}

/// The citizens of the caseworker's municipality, those with unresolved flags first.
pub async fn citizens(
    db: &Db,
    who: &Identity,
    filter: &CitizenFilter,
) -> Result<Vec<CitizenSummary>> {
    let code = municipality(who)?;
    let flags = flag_condition(filter.flag.as_deref())?;
    let track = track_condition(filter.track.as_deref())?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(
            Problem::bad_request("invalid-limit", "give a limit from 1 to 500").at("/limit"),
        );
    }
    let offset = filter.offset.unwrap_or(0);
    if offset < 0 {
        return Err(
            Problem::bad_request("invalid-offset", "give an offset of 0 or more").at("/offset"),
        );
    }
    let rows = sqlx::query(&format!(
        "SELECT c.id, c.groups, c.created_ms, \
         (SELECT COUNT(*) FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state = 'open') AS open_flags, \
         (SELECT COUNT(*) FROM monitor_firings f WHERE f.citizen_id = c.id AND f.flag_state IN ('open', 'acknowledged')) AS unresolved_flags, \
         (SELECT MAX(a.occurred_ms) FROM activities a WHERE a.citizen_id = c.id AND a.kind = 'job-application') AS last_application, \
         (SELECT MAX(v.at_ms) FROM monitor_visits v WHERE v.citizen_id = c.id) AS last_visit, \
         (SELECT COUNT(*) FROM monitor_exemptions e WHERE e.citizen_id = c.id AND e.until_ms > $2) AS exemptions, \
         {TRACK_OF} AS track \
         FROM citizens c WHERE c.municipality_code = $1{flags}{track} \
         ORDER BY unresolved_flags DESC, c.id LIMIT $3 OFFSET $4"
    ))
    .bind(code)
    .bind(now_ms())
    .bind(limit)
    .bind(offset)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let groups: String = r.try_get("groups")?;
            Ok(CitizenSummary {
                id: r.try_get("id")?,
                groups: serde_json::from_str(&groups).unwrap_or_default(),
                registered_ms: r.try_get("created_ms")?,
                open_flags: r.try_get("open_flags")?,
                unresolved_flags: r.try_get("unresolved_flags")?,
                last_application_ms: r.try_get("last_application")?,
                last_visit_ms: r.try_get("last_visit")?,
                active_exemptions: r.try_get("exemptions")?,
                track: r.try_get("track")?,
            })
        })
        .collect()
}

/// A thread with the jobcentre, as the timeline lists it (open it at
/// `/api/v1/threads/{id}` to read the messages).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThreadLine {
    /// Id.
    pub id: i64,
    /// The block that opened it.
    pub block: String,
    /// `chat-handover` or `booking`.
    pub kind: String,
    /// `open`, `closed` or `cancelled`.
    pub state: String,
    /// `jobcentre`, `citizen` or `none`.
    pub waiting_for: String,
    /// Opened (Unix ms).
    pub created_ms: i64,
    /// Last change (Unix ms).
    pub updated_ms: i64,
}

/// One line of a citizen's timeline.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEvent {
    /// When (Unix ms).
    pub at_ms: i64,
    /// `activity`, `rule-fired`, `flagged`, `flag-decided`, `prior-notice`,
    /// `prior-notice-read`, `exemption`, `thread`, `consent`, `screening` or `decision`.
    pub kind: String,
    /// The id of the thing in its own list.
    pub id: String,
    /// In a line.
    pub summary: String,
}

/// The citizen as the caseworker sees them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitizenCard {
    /// The pseudonymous id.
    pub id: String,
    /// The municipality.
    pub municipality: String,
    /// Their groups.
    pub groups: Vec<String>,
    /// Registered (Unix ms).
    pub registered_ms: i64,
}

/// Everything the caseworker sees of one citizen, with the events merged newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    /// The citizen.
    pub citizen: CitizenCard,
    /// Everything below as one list, newest first.
    pub events: Vec<TimelineEvent>,
    /// Activities (the job log and missed meetings), oldest first.
    pub activities: Vec<ActivityRecord>,
    /// Rules that fired, with their flags, newest first.
    pub firings: Vec<Firing>,
    /// Prior notices, newest first.
    pub prior_notices: Vec<PriorNotice>,
    /// Exemptions, newest first.
    pub exemptions: Vec<Exemption>,
    /// Threads with the jobcentre (escalations), newest first.
    pub threads: Vec<ThreadLine>,
    /// Consents, given and withdrawn.
    pub consents: Vec<ConsentRecord>,
    /// Screenings and the caseworkers' track decisions on them, newest first.
    pub screening: Vec<crate::screening::TimelineEntry>,
}

async fn threads_of(conn: &mut AnyConnection, citizen: &str) -> Result<Vec<ThreadLine>> {
    let rows = sqlx::query(
        "SELECT id, block_id, request, state, waiting_for, created_ms, updated_ms FROM threads \
         WHERE citizen_id = $1 ORDER BY updated_ms DESC, id DESC",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let request: String = r.try_get("request")?;
            let kind = serde_json::from_str::<serde_json::Value>(&request)
                .ok()
                .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
                .unwrap_or_else(|| "unknown".into());
            Ok(ThreadLine {
                id: r.try_get("id")?,
                block: r.try_get("block_id")?,
                kind,
                state: r.try_get("state")?,
                waiting_for: r.try_get("waiting_for")?,
                created_ms: r.try_get("created_ms")?,
                updated_ms: r.try_get("updated_ms")?,
            })
        })
        .collect()
}

fn event(at_ms: i64, kind: &str, id: impl ToString, summary: impl Into<String>) -> TimelineEvent {
    TimelineEvent {
        at_ms,
        kind: kind.into(),
        id: id.to_string(),
        summary: summary.into(),
    }
}

/// One citizen's timeline; the read is on their access log.
pub async fn timeline(db: &Db, who: &Identity, id: &str) -> Result<Timeline> {
    let code = municipality(who)?;
    let mut tx = db.pool().begin().await?;
    let (groups, registered_ms) = citizen_in(&mut tx, code, id).await?;
    let now = now_ms();
    let activities = crate::citizen::activities_of(&mut tx, id).await?;
    let firings = firings_of(&mut tx, id).await?;
    let prior_notices = notices_of(&mut tx, id).await?;
    let exemptions = exemptions_of(&mut tx, id, now).await?;
    let threads = threads_of(&mut tx, id).await?;
    let consents = crate::citizen::consents_of(&mut tx, id).await?;
    log_read(
        &mut tx,
        id,
        who,
        "timeline",
        "caseworker reviews the citizen's case",
    )
    .await?;
    tx.commit().await?;
    let screening = crate::screening::screening_timeline(db, id).await?;

    let mut events = Vec::new();
    for s in &screening {
        events.push(event(s.at_ms, &s.kind, s.id, s.summary.clone()));
    }
    for a in &activities {
        events.push(event(
            a.occurred_ms,
            "activity",
            a.id,
            format!("{}: {}", a.kind, a.summary),
        ));
    }
    for f in &firings {
        events.push(event(
            f.fired_ms,
            "rule-fired",
            f.id,
            format!("{} fired; the citizen was nudged", f.kind.as_str()),
        ));
        if let Some(flag) = &f.flag {
            events.push(event(
                flag.flagged_ms,
                "flagged",
                f.id,
                format!("{}: no new facts after the grace period", f.kind.as_str()),
            ));
            if let (Some(at), Some(by)) = (flag.decided_ms, &flag.decided_by) {
                events.push(event(
                    at,
                    "flag-decided",
                    f.id,
                    format!("{} by {by}", flag.state),
                ));
            }
        }
    }
    for n in &prior_notices {
        events.push(event(
            n.sent_ms,
            "prior-notice",
            n.id,
            format!("sent by {}", n.sent_by),
        ));
        if let Some(at) = n.read_ms {
            events.push(event(at, "prior-notice-read", n.id, "read by the citizen"));
        }
    }
    for e in &exemptions {
        events.push(event(
            e.created_ms,
            "exemption",
            e.id,
            format!("{} until {}: {}", e.kind.as_str(), e.until_ms, e.reason),
        ));
    }
    for t in &threads {
        events.push(event(
            t.created_ms,
            "thread",
            t.id,
            format!("{} from {} ({})", t.kind, t.block, t.state),
        ));
    }
    for c in &consents {
        let what = if c.withdrawn_ms.is_some() {
            "withdrawn"
        } else {
            "given"
        };
        events.push(event(
            c.granted_ms,
            "consent",
            c.installation,
            format!(
                "{} for installation {} ({what})",
                c.capability, c.installation
            ),
        ));
    }
    events.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| a.kind.cmp(&b.kind)));
    Ok(Timeline {
        citizen: CitizenCard {
            id: id.to_owned(),
            municipality: code.to_owned(),
            groups,
            registered_ms,
        },
        events,
        activities,
        firings,
        prior_notices,
        exemptions,
        threads,
        consents,
        screening,
    })
}

/// Which flags the caseworker lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct FlagFilter {
    /// `open` (default), `acknowledged`, `resolved`, `unresolved` or `any`.
    #[serde(default)]
    pub state: Option<String>,
}

/// The flags of the caseworker's municipality, newest first.
pub async fn flags(db: &Db, who: &Identity, filter: &FlagFilter) -> Result<Vec<Firing>> {
    let code = municipality(who)?;
    let state = match filter.state.as_deref().unwrap_or("open") {
        "open" => "f.flag_state = 'open'",
        "acknowledged" => "f.flag_state = 'acknowledged'",
        "resolved" => "f.flag_state = 'resolved'",
        "unresolved" => "f.flag_state IN ('open', 'acknowledged')",
        "any" => "f.flag_state IS NOT NULL",
        other => {
            return Err(Problem::bad_request(
                "invalid-filter",
                format!("'{other}' is not a flag state; use open, acknowledged, resolved, unresolved or any"),
            )
            .at("/state"))
        }
    };
    let rows = sqlx::query(&format!(
        "SELECT {FIRING_COLUMNS} FROM monitor_firings f JOIN citizens c ON c.id = f.citizen_id \
         WHERE c.municipality_code = $1 AND {state} ORDER BY f.flagged_ms DESC, f.id DESC LIMIT 500"
    ))
    .bind(code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(firing).collect()
}

async fn flag_in(conn: &mut AnyConnection, code: &str, id: i64) -> Result<Firing> {
    let row = sqlx::query(&format!(
        "SELECT {FIRING_COLUMNS} FROM monitor_firings f JOIN citizens c ON c.id = f.citizen_id \
         WHERE f.id = $1 AND c.municipality_code = $2 AND f.flagged_ms IS NOT NULL"
    ))
    .bind(id)
    .bind(code)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| unknown_flag(id))?;
    firing(&row)
}

/// One flag of the caseworker's municipality; the read is on the citizen's access log.
pub async fn flag(db: &Db, who: &Identity, id: i64) -> Result<Firing> {
    let code = municipality(who)?;
    let mut tx = db.pool().begin().await?;
    let f = flag_in(&mut tx, code, id).await?;
    log_read(
        &mut tx,
        &f.citizen,
        who,
        &format!("flag {id}"),
        "caseworker reviews a monitoring flag",
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// The caseworker's decision on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FlagDecision {
    /// Seen; the caseworker follows up (e.g. books the proposed meeting).
    Acknowledge,
    /// Done; the note says what was decided.
    Resolve,
}

/// A decision with its note.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `acknowledge` or `resolve`.
    pub decision: FlagDecision,
    /// What was decided and why (required to resolve; 1 to 2,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Decide on a flag of the caseworker's municipality. A resolved flag stays resolved.
pub async fn decide(db: &Db, who: &Identity, id: i64, decision: Decision) -> Result<Firing> {
    let code = municipality(who)?;
    let note = match (&decision.note, decision.decision) {
        (Some(n), _) => Some(check_text(n, "/note", 2000)?),
        (None, FlagDecision::Resolve) => {
            return Err(
                Problem::invalid("missing-note", "say in a note what was decided and why")
                    .at("/note"),
            )
        }
        (None, FlagDecision::Acknowledge) => None,
    };
    let state = match decision.decision {
        FlagDecision::Acknowledge => "acknowledged",
        FlagDecision::Resolve => "resolved",
    };
    let mut tx = db.pool().begin().await?;
    let current = flag_in(&mut tx, code, id).await?;
    if current.flag.as_ref().is_some_and(|f| f.state == "resolved") {
        return Err(Problem::conflict(
            "flag-resolved",
            format!("flag {id} is resolved already; a new firing makes a new flag"),
        ));
    }
    let done = sqlx::query(
        "UPDATE monitor_firings SET flag_state = $1, decision_note = COALESCE($2, decision_note), decided_by = $3, decided_ms = $4 \
         WHERE id = $5 AND flag_state IN ('open', 'acknowledged')",
    )
    .bind(state)
    .bind(note)
    .bind(who.actor())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Problem::conflict(
            "flag-resolved",
            format!("flag {id} was resolved meanwhile"),
        ));
    }
    let f = flag_in(&mut tx, code, id).await?;
    tx.commit().await?;
    Ok(f)
}

/// A new exemption.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExemption {
    /// The rule (of the citizen's municipality).
    pub rule: i64,
    /// Why (1 to 1,000 characters), e.g. illness or a course.
    pub reason: String,
    /// Until when (Unix ms, in the future).
    pub until_ms: i64,
}

/// Exempt a citizen of the caseworker's municipality from a rule until a time.
pub async fn exempt(
    db: &Db,
    who: &Identity,
    citizen: &str,
    new: NewExemption,
) -> Result<Exemption> {
    let code = municipality(who)?;
    let reason = check_text(&new.reason, "/reason", 1000)?;
    let now = now_ms();
    if new.until_ms <= now {
        return Err(Problem::invalid(
            "invalid-until",
            "an exemption ends in the future; give until_ms after now",
        )
        .at("/until_ms"));
    }
    let mut tx = db.pool().begin().await?;
    citizen_in(&mut tx, code, citizen).await?;
    let kind_row =
        sqlx::query("SELECT kind FROM monitoring_rules WHERE id = $1 AND municipality_code = $2")
            .bind(new.rule)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                Problem::invalid(
                    "unknown-rule",
                    format!("municipality {code} has no monitoring rule {}", new.rule),
                )
                .at("/rule")
            })?;
    let kind_name: String = kind_row.try_get("kind")?;
    let row = sqlx::query(
        "INSERT INTO monitor_exemptions (citizen_id, municipality_code, rule_id, reason, until_ms, created_by, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, rule_id, reason, until_ms, created_by, created_ms",
    )
    .bind(citizen)
    .bind(code)
    .bind(new.rule)
    .bind(&reason)
    .bind(new.until_ms)
    .bind(who.actor())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Exemption {
        id: row.try_get("id")?,
        rule: row.try_get("rule_id")?,
        kind: kind(&kind_name)?,
        reason: row.try_get("reason")?,
        until_ms: row.try_get("until_ms")?,
        created_by: row.try_get("created_by")?,
        created_ms: row.try_get("created_ms")?,
        active: true,
    })
}

/// A new prior notice.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriorNotice {
    /// The text the citizen must read (1 to 4,000 characters).
    pub text: String,
    /// The firing (flag) it is about, if any.
    #[serde(default)]
    pub firing: Option<i64>,
}

/// Send a prior notice to a citizen of the caseworker's municipality; it lands in
/// their inbox too, and their reading is recorded when they confirm it.
pub async fn send_notice(
    provider: &DbProvider,
    who: &Identity,
    citizen: &str,
    new: NewPriorNotice,
) -> Result<PriorNotice> {
    let code = municipality(who)?;
    let text = check_text(&new.text, "/text", 4000)?;
    let now = now_ms();
    let mut tx = provider.db().pool().begin().await?;
    citizen_in(&mut tx, code, citizen).await?;
    if let Some(firing) = new.firing {
        let mine =
            sqlx::query("SELECT 1 AS one FROM monitor_firings WHERE id = $1 AND citizen_id = $2")
                .bind(firing)
                .bind(citizen)
                .fetch_optional(&mut *tx)
                .await?;
        if mine.is_none() {
            return Err(Problem::invalid(
                "unknown-firing",
                format!("the citizen has no firing {firing}"),
            )
            .at("/firing"));
        }
    }
    let row = sqlx::query(&format!(
        "INSERT INTO prior_notices (citizen_id, municipality_code, firing_id, text, sent_by, sent_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {NOTICE_COLUMNS}"
    ))
    .bind(citizen)
    .bind(code)
    .bind(new.firing)
    .bind(&text)
    .bind(who.actor())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let sent = notice(&row)?;
    let title = "Forhåndsorientering fra jobcentret / Prior notice from the jobcentre";
    let body = "Jobcentret har sendt dig en forhåndsorientering, som du skal læse. Du finder den under \"Hvad følges der med i\", hvor du også bekræfter, at du har læst den.\n\nThe jobcentre has sent you a prior notice that you must read. You find it under \"What is monitored\", where you also confirm that you have read it.";
    let message = super::JobcentreMessage {
        citizen,
        municipality: code,
        title,
        body,
        now_ms: now,
    };
    let notification = message.insert(provider, &mut tx).await?;
    tx.commit().await?;
    message.publish(provider, notification);
    Ok(sent)
}

/// A meeting the citizen did not come to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MissedMeeting {
    /// The booking thread it was agreed in, if any.
    #[serde(default)]
    pub thread: Option<i64>,
    /// When the meeting was (Unix ms; not in the future; default now).
    #[serde(default)]
    pub missed_ms: Option<i64>,
    /// A note (up to 1,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Record that a citizen of the caseworker's municipality missed a booked meeting: an
/// activity of kind `missed-meeting` in their record, which the rules then evaluate.
pub async fn missed_meeting(
    provider: &DbProvider,
    who: &Identity,
    citizen: &str,
    missed: MissedMeeting,
) -> Result<ActivityRecord> {
    let code = municipality(who)?;
    let now = now_ms();
    let at = missed.missed_ms.unwrap_or(now);
    if at > now {
        return Err(Problem::invalid(
            "invalid-time",
            "a meeting cannot be missed before it happens; give missed_ms up to now",
        )
        .at("/missed_ms"));
    }
    let note = missed
        .note
        .as_deref()
        .map(|n| check_text(n, "/note", 1000))
        .transpose()?;
    let mut tx = provider.db().pool().begin().await?;
    citizen_in(&mut tx, code, citizen).await?;
    if let Some(thread) = missed.thread {
        let row = sqlx::query("SELECT request FROM threads WHERE id = $1 AND citizen_id = $2 AND municipality_code = $3")
            .bind(thread)
            .bind(citizen)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Problem::invalid("unknown-thread", format!("the citizen has no thread {thread} with your jobcentre")).at("/thread"))?;
        let request: serde_json::Value =
            serde_json::from_str(&row.try_get::<String, _>("request")?).unwrap_or_default();
        if request.get("type").and_then(|t| t.as_str()) != Some("booking") {
            return Err(Problem::invalid(
                "not-a-booking",
                format!("thread {thread} is not a booked conversation"),
            )
            .at("/thread"));
        }
    }
    let details =
        serde_json::json!({ "thread": missed.thread, "note": note, "recorded_by": who.actor() });
    let summary = "Udeblev fra en aftalt samtale / Missed a booked conversation";
    let row = sqlx::query(
        "INSERT INTO activities (citizen_id, municipality_code, installation_id, block_id, kind, summary, details, occurred_ms, recorded_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(citizen)
    .bind(code)
    .bind(NO_INSTALLATION)
    .bind(JOBCENTRE)
    .bind(MISSED_MEETING)
    .bind(summary)
    .bind(details.to_string())
    .bind(at)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    tx.commit().await?;
    super::after_activity(provider, citizen, now).await;
    Ok(ActivityRecord {
        id,
        installation: NO_INSTALLATION,
        block: JOBCENTRE.into(),
        municipality: code.to_owned(),
        kind: MISSED_MEETING.into(),
        summary: summary.into(),
        details: details.to_string(),
        occurred_ms: at,
        recorded_ms: now,
    })
}
