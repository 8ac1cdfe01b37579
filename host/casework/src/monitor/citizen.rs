//! The citizen's side of monitoring: what is monitored and why (the active rules of
//! their municipality in plain words, their own status against each, their exemptions
//! and every firing), the prior notices they must read and the confirmation that they
//! have, and the monitoring part of their GDPR export.

use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::casework::{
    exemptions_of, firings_of, notice, notices_of, Exemption, Firing, PriorNotice,
};
use super::evaluate::{standing, Standing, FACTS};
use super::{registered_citizen, rules_of, RuleKind, DAY_MS};
use jobunivers_core::auth::Identity;
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::db::Db;

/// Where the citizen stands against one rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleStatus {
    /// `ok` (nothing due), `nudged` (a reminder was sent), `flagged` (the caseworker
    /// was asked to look), `exempt`, or `nothing-to-watch` (e.g. no missed meeting).
    pub state: String,
    /// The fact the days are counted from (Unix ms): the last job application, visit,
    /// missed meeting, or the registration.
    pub last_fact_ms: Option<i64>,
    /// What that fact is: `job-application`, `visit`, `missed-meeting` or `registered`.
    pub last_fact: Option<String>,
    /// Whole days since that fact.
    pub days_since_last_fact: Option<i64>,
    /// Whole days until a reminder would be sent (0: due now or sent).
    pub days_until_nudge: Option<i64>,
    /// An exemption holds until then (Unix ms).
    pub exempt_until_ms: Option<i64>,
}

/// One rule as the citizen sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonitoredRule {
    /// The rule's id.
    pub id: i64,
    /// What it watches.
    pub kind: RuleKind,
    /// Its name.
    pub title: String,
    /// What it watches and what happens, in plain words.
    pub explanation: String,
    /// Days before a reminder.
    pub days: i64,
    /// Days after the reminder before the caseworker is asked.
    pub grace_days: i64,
    /// The citizen's own status.
    pub status: RuleStatus,
}

/// What is monitored about the citizen and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Transparency {
    /// The municipality.
    pub municipality: String,
    /// `da` or `en`.
    pub locale: String,
    /// Why there is monitoring and what it is not.
    pub why: String,
    /// The active rules.
    pub rules: Vec<MonitoredRule>,
    /// Exemptions from rules, newest first.
    pub exemptions: Vec<Exemption>,
    /// Every time a rule fired, newest first.
    pub firings: Vec<Firing>,
    /// Prior notices, newest first.
    pub prior_notices: Vec<PriorNotice>,
}

const WHY_DA: &str = "Som ledig skal du stå til rådighed for arbejdsmarkedet. Jobcentret følger derfor med i nogle få ting i din joblog og dit jobunivers. Formålet er at opdage i tide, hvis du kan have brug for hjælp, så de tilbud, du får, passer til dig. Systemet sender kun venlige påmindelser og beder din sagsbehandler om at se på din sag; det træffer aldrig selv afgørelser og giver aldrig sanktioner. Du kan altid se her, hvad der følges med i, og hvornår en regel er slået til.";
const WHY_EN: &str = "As an unemployed person you must be available for work. The jobcentre therefore follows a few things in your job log and your job universe. The purpose is to notice in time if you may need help, so the offers you get suit you. The system only sends friendly reminders and asks your caseworker to look at your case; it never decides anything itself and never sanctions. You can always see here what is followed and when a rule fired.";

fn whole_days(ms: i64) -> i64 {
    ms.max(0) / DAY_MS
}

/// What is monitored about the caller and why, in `da` or `en`.
pub async fn transparency(db: &Db, who: &Identity, english: bool) -> Result<Transparency> {
    let code = registered_citizen(db, who).await?;
    let now = now_ms();
    let rules = rules_of(db, &code, true).await?;
    let mut conn = db.pool().acquire().await?;
    let row = sqlx::query(&format!("{FACTS} WHERE c.id = $2"))
        .bind(now)
        .bind(&who.subject)
        .fetch_one(&mut *conn)
        .await?;
    let facts = super::evaluate::facts(&row)?;
    let exemptions = exemptions_of(&mut conn, &who.subject, now).await?;
    let firings = firings_of(&mut conn, &who.subject).await?;
    let prior_notices = notices_of(&mut conn, &who.subject).await?;
    let monitored = rules
        .iter()
        .map(|rule| {
            let exempt_until_ms = exemptions
                .iter()
                .filter(|e| e.rule == rule.id && e.active)
                .map(|e| e.until_ms)
                .max();
            let status = match standing(rule, &facts) {
                Standing::Settled { .. } => RuleStatus {
                    state: if exempt_until_ms.is_some() {
                        "exempt"
                    } else {
                        "nothing-to-watch"
                    }
                    .into(),
                    last_fact_ms: None,
                    last_fact: None,
                    days_since_last_fact: None,
                    days_until_nudge: None,
                    exempt_until_ms,
                },
                Standing::Episode {
                    key,
                    last_fact_ms,
                    due_ms,
                    ..
                } => {
                    let current = firings.iter().find(|f| {
                        f.rule == rule.id
                            && f.closed_ms.is_none()
                            && f.facts["last_fact_ms"] == last_fact_ms
                    });
                    let state = match (exempt_until_ms, current) {
                        (Some(_), _) => "exempt",
                        (None, Some(f)) if f.flag.is_some() => "flagged",
                        (None, Some(_)) => "nudged",
                        (None, None) => "ok",
                    };
                    RuleStatus {
                        state: state.into(),
                        last_fact_ms: Some(last_fact_ms),
                        last_fact: key.split(':').next().map(str::to_owned),
                        days_since_last_fact: Some(whole_days(now - last_fact_ms)),
                        days_until_nudge: Some(((due_ms - now).max(0) + DAY_MS - 1) / DAY_MS),
                        exempt_until_ms,
                    }
                }
            };
            MonitoredRule {
                id: rule.id,
                kind: rule.kind,
                title: rule.kind.title(english).into(),
                explanation: rule.kind.explain(rule.days, rule.grace_days, english),
                days: rule.days,
                grace_days: rule.grace_days,
                status,
            }
        })
        .collect();
    Ok(Transparency {
        municipality: code,
        locale: if english { "en" } else { "da" }.into(),
        why: if english { WHY_EN } else { WHY_DA }.into(),
        rules: monitored,
        exemptions,
        firings,
        prior_notices,
    })
}

/// The caller's prior notices, newest first.
pub async fn prior_notices(db: &Db, who: &Identity) -> Result<Vec<PriorNotice>> {
    registered_citizen(db, who).await?;
    notices_of(&mut *db.pool().acquire().await?, &who.subject).await
}

/// Confirm that the caller has read one of their prior notices; the first confirmation's
/// time is kept.
pub async fn confirm_read(db: &Db, who: &Identity, id: &str) -> Result<PriorNotice> {
    registered_citizen(db, who).await?;
    let unknown = || {
        Problem::not_found(
            "unknown-prior-notice",
            format!("you have no prior notice '{id}'; see GET /api/v1/me/prior-notices"),
        )
    };
    let number: i64 = id.parse().map_err(|_| unknown())?;
    let row = sqlx::query(
        "UPDATE prior_notices SET read_ms = COALESCE(read_ms, $1) WHERE id = $2 AND citizen_id = $3 \
         RETURNING id, firing_id, text, sent_by, sent_ms, read_ms",
    )
    .bind(now_ms())
    .bind(number)
    .bind(&who.subject)
    .fetch_optional(db.pool())
    .await?
    .ok_or_else(unknown)?;
    notice(&row)
}

/// Everything monitoring holds about a citizen, for their export.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonitoringExport {
    /// The recorded visits (the first of each day, Unix ms), oldest first.
    pub visits: Vec<i64>,
    /// Every firing with its flag and the caseworker's decision, newest first.
    pub firings: Vec<Firing>,
    /// Exemptions, newest first.
    pub exemptions: Vec<Exemption>,
    /// Prior notices, newest first.
    pub prior_notices: Vec<PriorNotice>,
}

/// The monitoring part of a citizen's export, read on `conn` (the export's snapshot).
pub async fn export_of(conn: &mut AnyConnection, citizen: &str) -> Result<MonitoringExport> {
    let visits =
        sqlx::query("SELECT at_ms FROM monitor_visits WHERE citizen_id = $1 ORDER BY at_ms")
            .bind(citizen)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("at_ms"))
            .collect::<std::result::Result<_, _>>()?;
    Ok(MonitoringExport {
        visits,
        firings: firings_of(conn, citizen).await?,
        exemptions: exemptions_of(conn, citizen, now_ms()).await?,
        prior_notices: notices_of(conn, citizen).await?,
    })
}
