//! The caseworker's citizens: the list with its filters and one citizen's shared timeline.

use super::*;

/// Which citizens the caseworker lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
        Some(name) => match jobunivers_core::caps::Track::parse(name) {
            // A known name, so the literal is one of three fixed strings.
            Some(t) => Ok(format!(" AND {TRACK_OF} = '{}'", t.as_str())),
            None => Err(Problem::bad_request(
                "invalid-filter",
                format!(
                    "'{name}' is not a track; use {} or none",
                    jobunivers_core::caps::Track::names()
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
    let mut tx = db.begin_write().await?;
    let (groups, registered_ms) = citizen_in(&mut tx, code, id).await?;
    let now = now_ms();
    let activities = jobunivers_store::records::activities_of(&mut tx, id).await?;
    let firings = firings_of(&mut tx, id).await?;
    let prior_notices = notices_of(&mut tx, id).await?;
    let exemptions = exemptions_of(&mut tx, id, now).await?;
    let threads = threads_of(&mut tx, id).await?;
    let consents = jobunivers_store::records::consents_of(&mut tx, id).await?;
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
