//! Evaluating the rules at a given time: which episode each (rule, citizen) is in, and
//! whether it is time to nudge, to flag, or to close a firing whose facts have changed.
//! Every write is guarded by the database (a unique key for firing, a conditional
//! update for flagging), so evaluators in several processes never act twice.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Rule, RuleKind, DAY_MS};
use jobunivers_store::db::DbError;
use jobunivers_store::provider::DbProvider;

/// What one evaluation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    /// Citizens looked at.
    pub citizens: usize,
    /// Rules that fired (nudges sent).
    pub fired: usize,
    /// Firings that became flags on the caseworker's list.
    pub flagged: usize,
    /// Firings whose episode new facts ended.
    pub closed: usize,
}

/// The facts about one citizen as of the evaluation's time (later facts are not yet
/// known then).
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub citizen: String,
    pub municipality: String,
    pub registered_ms: i64,
    pub last_application_ms: Option<i64>,
    pub last_visit_ms: Option<i64>,
    pub last_missed_ms: Option<i64>,
    pub last_booking_ms: Option<i64>,
}

/// Where a (rule, citizen) stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Standing {
    /// An episode is running: silence since `last_fact_ms`; the nudge is due at `due_ms`.
    Episode {
        key: String,
        last_fact_ms: i64,
        due_ms: i64,
        facts: serde_json::Value,
    },
    /// Nothing to watch; the latest fact (if any) settled what came before.
    Settled { at_ms: Option<i64> },
}

impl Standing {
    /// The time of the newest fact this standing rests on.
    fn newest_fact(&self) -> Option<i64> {
        match self {
            Standing::Episode { last_fact_ms, .. } => Some(*last_fact_ms),
            Standing::Settled { at_ms } => *at_ms,
        }
    }
}

/// The SELECT of [`Facts`]: `$1` is the evaluation's time. The activity kinds are
/// [`super::JOB_APPLICATION`] and [`super::MISSED_MEETING`].
pub(crate) const FACTS: &str = "SELECT c.id, c.municipality_code, c.created_ms, \
     (SELECT MAX(a.occurred_ms) FROM activities a WHERE a.citizen_id = c.id AND a.kind = 'job-application' AND a.occurred_ms <= $1) AS last_application, \
     (SELECT MAX(v.at_ms) FROM monitor_visits v WHERE v.citizen_id = c.id AND v.at_ms <= $1) AS last_visit, \
     (SELECT MAX(a.occurred_ms) FROM activities a WHERE a.citizen_id = c.id AND a.kind = 'missed-meeting' AND a.occurred_ms <= $1) AS last_missed, \
     (SELECT MAX(t.created_ms) FROM threads t WHERE t.citizen_id = c.id AND t.request LIKE '%\"type\":\"booking\"%' AND t.created_ms <= $1) AS last_booking \
     FROM citizens c";

pub(crate) fn facts(row: &AnyRow) -> Result<Facts, sqlx::Error> {
    Ok(Facts {
        citizen: row.try_get("id")?,
        municipality: row.try_get("municipality_code")?,
        registered_ms: row.try_get("created_ms")?,
        last_application_ms: row.try_get("last_application")?,
        last_visit_ms: row.try_get("last_visit")?,
        last_missed_ms: row.try_get("last_missed")?,
        last_booking_ms: row.try_get("last_booking")?,
    })
}

/// Where `rule` stands for the citizen with `facts`.
pub(crate) fn standing(rule: &Rule, f: &Facts) -> Standing {
    let days = rule.days;
    let silence = |what: &str, last: Option<i64>| {
        let (basis, at) = match last {
            Some(at) => (what, at),
            None => ("registered", f.registered_ms),
        };
        Standing::Episode {
            key: format!("{basis}:{at}"),
            last_fact_ms: at,
            due_ms: at + days * DAY_MS,
            facts: serde_json::json!({
                "rule": rule.kind.as_str(),
                "days": days,
                "since": basis,
                "last_fact_ms": at,
            }),
        }
    };
    match rule.kind {
        RuleKind::NoJobApplication => silence("job-application", f.last_application_ms),
        RuleKind::NoLogin => silence("visit", f.last_visit_ms),
        RuleKind::MissedMeeting => match (f.last_missed_ms, f.last_booking_ms) {
            (Some(missed), booked) if booked.is_none_or(|b| b <= missed) => Standing::Episode {
                key: format!("missed-meeting:{missed}"),
                last_fact_ms: missed,
                due_ms: missed + days * DAY_MS,
                facts: serde_json::json!({
                    "rule": rule.kind.as_str(),
                    "days": days,
                    "since": "missed-meeting",
                    "last_fact_ms": missed,
                    "booked_since": false,
                }),
            },
            (missed, booked) => Standing::Settled {
                at_ms: booked.max(missed),
            },
        },
    }
}

/// A firing not yet closed.
#[derive(Debug, Clone)]
struct OpenFiring {
    id: i64,
    episode: String,
    last_fact_ms: i64,
    fired_ms: i64,
    flagged: bool,
}

/// Evaluate every enabled rule for every citizen at `now_ms`.
pub async fn evaluate(provider: &DbProvider, now_ms: i64) -> Result<Evaluation, DbError> {
    run(provider, now_ms, None).await
}

/// Evaluate the enabled rules of one citizen's municipality for them at `now_ms`.
pub async fn evaluate_citizen(
    provider: &DbProvider,
    citizen: &str,
    now_ms: i64,
) -> Result<Evaluation, DbError> {
    run(provider, now_ms, Some(citizen)).await
}

/// After an activity was recorded for a citizen: evaluate them at its time. A failure
/// is logged; it never fails the block's call that recorded the activity.
pub async fn after_activity(provider: &DbProvider, citizen: &str, now_ms: i64) {
    if let Err(e) = evaluate_citizen(provider, citizen, now_ms).await {
        tracing::error!(error = %e, "monitoring after an activity failed");
    }
}

fn rule_row(row: &AnyRow) -> Result<Rule, DbError> {
    super::rule(row).map_err(|p| DbError::Query(sqlx::Error::Protocol(p.to_string())))
}

async fn run(
    provider: &DbProvider,
    now_ms: i64,
    citizen: Option<&str>,
) -> Result<Evaluation, DbError> {
    let pool = provider.db().pool();
    let mut rules: HashMap<String, Vec<Rule>> = HashMap::new();
    for row in sqlx::query(&format!(
        "SELECT {} FROM monitoring_rules WHERE enabled = 1 ORDER BY id",
        super::RULE_COLUMNS
    ))
    .fetch_all(pool)
    .await?
    {
        let r = rule_row(&row)?;
        rules.entry(r.municipality.clone()).or_default().push(r);
    }
    let (filter, firing_filter, exemption_filter) = match citizen {
        Some(_) => (
            " WHERE c.id = $2",
            " AND citizen_id = $1",
            " AND citizen_id = $2",
        ),
        None => ("", "", ""),
    };
    let bind_citizen = citizen.unwrap_or("");
    let facts_rows = {
        let sql = format!("{FACTS}{filter}");
        let q = sqlx::query(&sql).bind(now_ms);
        let q = if citizen.is_some() {
            q.bind(bind_citizen)
        } else {
            q
        };
        q.fetch_all(pool).await?
    };
    let mut open: HashMap<(i64, String), Vec<OpenFiring>> = HashMap::new();
    {
        let sql = format!(
            "SELECT id, rule_id, citizen_id, episode, last_fact_ms, fired_ms, flagged_ms FROM monitor_firings \
             WHERE closed_ms IS NULL{firing_filter}"
        );
        let q = sqlx::query(&sql);
        let q = if citizen.is_some() {
            q.bind(bind_citizen)
        } else {
            q
        };
        for r in q.fetch_all(pool).await? {
            let flagged: Option<i64> = r.try_get("flagged_ms")?;
            open.entry((r.try_get("rule_id")?, r.try_get("citizen_id")?))
                .or_default()
                .push(OpenFiring {
                    id: r.try_get("id")?,
                    episode: r.try_get("episode")?,
                    last_fact_ms: r.try_get("last_fact_ms")?,
                    fired_ms: r.try_get("fired_ms")?,
                    flagged: flagged.is_some(),
                });
        }
    }
    let mut exempt: HashMap<(i64, String), i64> = HashMap::new();
    {
        let sql = format!(
            "SELECT rule_id, citizen_id, MAX(until_ms) AS until_ms FROM monitor_exemptions \
             WHERE until_ms > $1{exemption_filter} GROUP BY rule_id, citizen_id"
        );
        let q = sqlx::query(&sql).bind(now_ms);
        let q = if citizen.is_some() {
            q.bind(bind_citizen)
        } else {
            q
        };
        for r in q.fetch_all(pool).await? {
            exempt.insert(
                (r.try_get("rule_id")?, r.try_get("citizen_id")?),
                r.try_get("until_ms")?,
            );
        }
    }

    let mut done = Evaluation::default();
    for row in &facts_rows {
        let f = facts(row)?;
        let Some(rules) = rules.get(&f.municipality) else {
            continue;
        };
        done.citizens += 1;
        for rule in rules {
            let key = (rule.id, f.citizen.clone());
            let state = standing(rule, &f);
            let firings = open.remove(&key).unwrap_or_default();
            let mut current = None;
            for firing in firings {
                let same =
                    matches!(&state, Standing::Episode { key, .. } if *key == firing.episode);
                if same {
                    current = Some(firing);
                } else if state
                    .newest_fact()
                    .is_some_and(|at| at > firing.last_fact_ms)
                {
                    // Newer facts ended the episode.
                    done.closed += close(provider, firing.id, now_ms).await? as usize;
                }
            }
            if exempt.contains_key(&key) {
                continue;
            }
            let Standing::Episode {
                key: episode,
                last_fact_ms,
                due_ms,
                facts,
            } = state
            else {
                continue;
            };
            if now_ms < due_ms {
                continue;
            }
            let firing = match current {
                Some(f) => Some(f),
                None => {
                    let fired =
                        fire(provider, rule, &f, &episode, last_fact_ms, &facts, now_ms).await?;
                    done.fired += fired.is_some() as usize;
                    fired.map(|id| OpenFiring {
                        id,
                        episode: episode.clone(),
                        last_fact_ms,
                        fired_ms: now_ms,
                        flagged: false,
                    })
                }
            };
            if let Some(firing) = firing {
                if !firing.flagged && now_ms >= firing.fired_ms + rule.grace_days * DAY_MS {
                    done.flagged += flag(provider, firing.id, now_ms).await? as usize;
                }
            }
        }
    }
    Ok(done)
}

async fn close(provider: &DbProvider, id: i64, now_ms: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE monitor_firings SET closed_ms = $1 WHERE id = $2 AND closed_ms IS NULL",
    )
    .bind(now_ms)
    .bind(id)
    .execute(provider.db().pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Fire once for the episode: the firing and the citizen's nudge in one transaction;
/// `None` when another evaluator fired for it first.
async fn fire(
    provider: &DbProvider,
    rule: &Rule,
    f: &Facts,
    episode: &str,
    last_fact_ms: i64,
    facts: &serde_json::Value,
    now_ms: i64,
) -> Result<Option<i64>, DbError> {
    let mut tx = provider.db().begin_write().await?;
    let id: Option<i64> = sqlx::query(
        "INSERT INTO monitor_firings (rule_id, citizen_id, municipality_code, kind, episode, last_fact_ms, facts, fired_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (rule_id, citizen_id, episode) DO NOTHING RETURNING id",
    )
    .bind(rule.id)
    .bind(&f.citizen)
    .bind(&f.municipality)
    .bind(rule.kind.as_str())
    .bind(episode)
    .bind(last_fact_ms)
    .bind(facts.to_string())
    .bind(now_ms)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| r.try_get("id"))
    .transpose()?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(None);
    };
    let days = rule.days.to_string();
    let title = "En venlig påmindelse fra jobcentret / A friendly reminder from the jobcentre";
    let body = format!(
        "{}\n\n{}",
        rule.nudge_da.replace("{days}", &days),
        rule.nudge_en.replace("{days}", &days)
    );
    let message = super::JobcentreMessage {
        citizen: &f.citizen,
        municipality: &f.municipality,
        title,
        body: &body,
        now_ms,
    };
    let notification = message.insert(provider, &mut tx).await?;
    sqlx::query("UPDATE monitor_firings SET notification_id = $1 WHERE id = $2")
        .bind(notification)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    message.publish(provider, notification);
    tracing::info!(
        rule = rule.id,
        kind = rule.kind.as_str(),
        "a monitoring rule fired"
    );
    Ok(Some(id))
}

/// The meeting a flag proposes: 09:00 to 12:00 (UTC) of the first weekday at least two
/// days after `now_ms`. A suggestion only; the caseworker books.
pub(crate) fn proposed_meeting(now_ms: i64) -> (i64, i64) {
    let mut day = now_ms.div_euclid(DAY_MS) + 2;
    // 1970-01-01 was a Thursday: day % 7 == 2 is a Saturday, 3 a Sunday.
    while matches!(day.rem_euclid(7), 2 | 3) {
        day += 1;
    }
    let start = day * DAY_MS + 9 * 3_600_000;
    (start, start + 3 * 3_600_000)
}

/// Put the firing on the caseworker's list, once.
async fn flag(provider: &DbProvider, id: i64, now_ms: i64) -> Result<bool, DbError> {
    let (from, to) = proposed_meeting(now_ms);
    let done = sqlx::query(
        "UPDATE monitor_firings SET flagged_ms = $1, flag_state = 'open', proposed_from_ms = $2, proposed_to_ms = $3 \
         WHERE id = $4 AND flagged_ms IS NULL AND closed_ms IS NULL",
    )
    .bind(now_ms)
    .bind(from)
    .bind(to)
    .bind(id)
    .execute(provider.db().pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proposed_meeting_is_on_a_weekday_two_days_on() {
        // 2026-11-20 (day 20777) is a Friday: two days on is Sunday, so Monday the 23rd.
        let friday = 20_777 * DAY_MS + 15 * 3_600_000;
        let (from, to) = proposed_meeting(friday);
        assert_eq!(from, 20_780 * DAY_MS + 9 * 3_600_000);
        assert_eq!(to - from, 3 * 3_600_000);
        // A Monday: Wednesday.
        let (from, _) = proposed_meeting(20_780 * DAY_MS);
        assert_eq!(from, 20_782 * DAY_MS + 9 * 3_600_000);
    }
}
