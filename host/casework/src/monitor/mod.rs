//! Availability monitoring (rådighed). A municipality sets rules over the citizen's
//! activity record: no job application registered in the job log for N days, a booked
//! conversation missed, no visit to the universe for N days. The host evaluates them on
//! a schedule and after each new activity ([`evaluate`], [`after_activity`]), with the
//! time as a parameter so the evaluation can be replayed at any moment.
//!
//! A rule fires once per *episode*: the facts it is about (the time of the last job
//! application, of the last visit, of the missed meeting). Firing sends the citizen a
//! friendly nudge; when the grace period passes without new facts, the firing becomes a
//! flag on the caseworker's list with the facts and a proposed meeting, and the
//! caseworker decides. New facts end the episode; the rule fires again only after a new
//! gap. A unique key on (rule, citizen, episode) makes firing idempotent across
//! processes and restarts. The platform never sanctions anything.
//!
//! The caseworker can exempt a citizen from a rule until a date, send a prior notice
//! (forhåndsorientering) whose reading is recorded, and mark a booked meeting as missed.
//! The citizen sees the rules of their municipality, their own status against each,
//! their exemptions and every firing ([`citizen`]).

pub mod casework;
pub mod citizen;
mod evaluate;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::db::{Db, DbError};
use jobunivers_store::provider::DbProvider;

pub use evaluate::{after_activity, evaluate, evaluate_citizen, Evaluation};

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
/// The activity kind the job log records applications with.
pub const JOB_APPLICATION: &str = "job-application";
/// The activity kind a caseworker records a missed meeting with.
pub const MISSED_MEETING: &str = "missed-meeting";
/// The sender (`block_id`) of rows the jobcentre itself writes: nudges, prior notices,
/// missed meetings. They belong to no installation.
pub const JOBCENTRE: &str = "jobcentre";
/// The installation id of rows the jobcentre itself writes (no installation has it).
pub const NO_INSTALLATION: i64 = 0;

/// What a rule watches.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// No job application registered in the job log for `days` days.
    NoJobApplication,
    /// A booked conversation was missed (the caseworker records it); `days` after it.
    MissedMeeting,
    /// No visit to the universe for `days` days.
    NoLogin,
}

impl RuleKind {
    /// Every kind, in the order the citizen sees them.
    pub const ALL: [RuleKind; 3] = [
        RuleKind::NoJobApplication,
        RuleKind::MissedMeeting,
        RuleKind::NoLogin,
    ];

    /// Its name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::NoJobApplication => "no-job-application",
            RuleKind::MissedMeeting => "missed-meeting",
            RuleKind::NoLogin => "no-login",
        }
    }

    /// The kind a name stands for.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The default `days`: 30 for job applications (as the national job log alerts
    /// today), at once after a missed meeting, 45 days without a visit.
    pub fn default_days(self) -> i64 {
        match self {
            RuleKind::NoJobApplication => 30,
            RuleKind::MissedMeeting => 0,
            RuleKind::NoLogin => 45,
        }
    }

    /// The default grace period after the nudge, in days.
    pub fn default_grace_days(self) -> i64 {
        match self {
            RuleKind::NoJobApplication => 7,
            RuleKind::MissedMeeting => 7,
            RuleKind::NoLogin => 14,
        }
    }

    /// The default nudge, Danish and English; `{days}` is replaced by the rule's days.
    pub fn default_nudge(self) -> (&'static str, &'static str) {
        match self {
            RuleKind::NoJobApplication => (
                "Hej! Vi kan se, at du ikke har registreret et søgt job i din joblog i {days} dage. Husk at registrere de job, du søger, så kan vi bedre hjælpe dig. Har du spørgsmål, er du altid velkommen til at skrive til jobcentret.",
                "Hi! We can see that you have not registered a job application in your job log for {days} days. Remember to register the jobs you apply for, so we can help you better. If you have questions, you are always welcome to write to the jobcentre.",
            ),
            RuleKind::MissedMeeting => (
                "Hej! Vi savnede dig til en aftalt samtale. Det kan ske for alle. Book en ny tid, når det passer dig, eller skriv til jobcentret, hvis noget er i vejen.",
                "Hi! We missed you at a booked conversation. It can happen to anyone. Book a new time that suits you, or write to the jobcentre if something is wrong.",
            ),
            RuleKind::NoLogin => (
                "Hej! Du har ikke været inde i dit jobunivers i {days} dage. Kig forbi og se nye job og tilbud, der passer til dig.",
                "Hi! You have not visited your job universe for {days} days. Drop by to see new jobs and offers that suit you.",
            ),
        }
    }

    /// The rule's name for the citizen.
    pub fn title(self, english: bool) -> &'static str {
        match (self, english) {
            (RuleKind::NoJobApplication, false) => "Søgte job i joblogen",
            (RuleKind::NoJobApplication, true) => "Job applications in the job log",
            (RuleKind::MissedMeeting, false) => "Aftalte samtaler",
            (RuleKind::MissedMeeting, true) => "Booked conversations",
            (RuleKind::NoLogin, false) => "Besøg i dit jobunivers",
            (RuleKind::NoLogin, true) => "Visits to your job universe",
        }
    }

    /// What the rule watches and what happens, in plain words for the citizen.
    pub fn explain(self, days: i64, grace: i64, english: bool) -> String {
        match (self, english) {
            (RuleKind::NoJobApplication, false) => format!(
                "Jobcentret ser, hvornår du sidst har registreret et søgt job i din joblog. Har du ikke registreret et søgt job i {days} dage, får du en venlig påmindelse. Sker der stadig ikke noget i de følgende {grace} dage, bliver din sagsbehandler bedt om at se på din sag og foreslå en samtale. Det er altid en sagsbehandler, der beslutter, hvad der skal ske."
            ),
            (RuleKind::NoJobApplication, true) => format!(
                "The jobcentre sees when you last registered a job application in your job log. If you have not registered one for {days} days, you get a friendly reminder. If nothing happens in the following {grace} days, your caseworker is asked to look at your case and suggest a conversation. A caseworker always decides what happens."
            ),
            (RuleKind::MissedMeeting, false) => format!(
                "Hvis du ikke kommer til en aftalt samtale, noterer din sagsbehandler det. {} får du en venlig påmindelse om at booke en ny tid. Booker du ikke en ny tid inden for {grace} dage, bliver din sagsbehandler bedt om at kontakte dig. Det er altid en sagsbehandler, der beslutter, hvad der skal ske.",
                if days == 0 { "Samme dag".to_owned() } else { format!("Efter {days} dage") }
            ),
            (RuleKind::MissedMeeting, true) => format!(
                "If you miss a booked conversation, your caseworker notes it. {} you get a friendly reminder to book a new time. If you do not book a new time within {grace} days, your caseworker is asked to contact you. A caseworker always decides what happens.",
                if days == 0 { "The same day".to_owned() } else { format!("After {days} days") }
            ),
            (RuleKind::NoLogin, false) => format!(
                "Jobcentret ser, hvilke dage du har været inde i dit jobunivers (højst én registrering om dagen). Har du ikke været inde i {days} dage, får du en venlig påmindelse. Har du heller ikke været inde i de følgende {grace} dage, bliver din sagsbehandler bedt om at kontakte dig. Det er altid en sagsbehandler, der beslutter, hvad der skal ske."
            ),
            (RuleKind::NoLogin, true) => format!(
                "The jobcentre sees on which days you visited your job universe (at most one record a day). If you have not visited for {days} days, you get a friendly reminder. If you do not visit in the following {grace} days either, your caseworker is asked to contact you. A caseworker always decides what happens."
            ),
        }
    }
}

/// A municipality's monitoring rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rule {
    /// Id.
    pub id: i64,
    /// The municipality's code.
    pub municipality: String,
    /// What it watches.
    pub kind: RuleKind,
    /// Days of silence before the nudge (for `missed-meeting`: days after the meeting).
    pub days: i64,
    /// Days after the nudge before the caseworker is asked to look.
    pub grace_days: i64,
    /// The nudge in Danish (`{days}` is replaced by the days).
    pub nudge_da: String,
    /// The nudge in English.
    pub nudge_en: String,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// Created (Unix ms).
    pub created_ms: i64,
    /// Last changed (Unix ms).
    pub updated_ms: i64,
}

/// A new rule; what is left out takes the kind's default.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// `no-job-application`, `missed-meeting` or `no-login`.
    pub kind: RuleKind,
    /// Days of silence before the nudge (0 to 365; at least 1 except for `missed-meeting`).
    #[serde(default)]
    pub days: Option<i64>,
    /// Days after the nudge before the caseworker is asked (0 to 365).
    #[serde(default)]
    pub grace_days: Option<i64>,
    /// The nudge in Danish (1 to 1,000 characters).
    #[serde(default)]
    pub nudge_da: Option<String>,
    /// The nudge in English (1 to 1,000 characters).
    #[serde(default)]
    pub nudge_en: Option<String>,
    /// Evaluated (default true).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A change to a rule; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleChange {
    /// Days of silence before the nudge.
    #[serde(default)]
    pub days: Option<i64>,
    /// Days after the nudge before the caseworker is asked.
    #[serde(default)]
    pub grace_days: Option<i64>,
    /// The nudge in Danish.
    #[serde(default)]
    pub nudge_da: Option<String>,
    /// The nudge in English.
    #[serde(default)]
    pub nudge_en: Option<String>,
    /// Evaluated or not (false disables the rule; its history stays).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A message from the jobcentre itself (a nudge, a prior notice), not from a block, in a
/// citizen's inbox.
pub(crate) struct JobcentreMessage<'a> {
    pub citizen: &'a str,
    pub municipality: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub now_ms: i64,
}

impl JobcentreMessage<'_> {
    /// Write it in `tx`; other host processes hear of it when `tx` commits. Its id.
    pub(crate) async fn insert(
        &self,
        provider: &DbProvider,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> std::result::Result<i64, sqlx::Error> {
        let id: i64 = sqlx::query(
            "INSERT INTO notifications (citizen_id, municipality_code, installation_id, block_id, title, body, view, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) RETURNING id",
        )
        .bind(self.citizen)
        .bind(self.municipality)
        .bind(NO_INSTALLATION)
        .bind(JOBCENTRE)
        .bind(self.title)
        .bind(self.body)
        .bind(self.now_ms)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        provider.announce(tx, self.citizen, id).await?;
        Ok(id)
    }

    /// Show message `id` on this process's open inbox pages, once committed.
    pub(crate) fn publish(&self, provider: &DbProvider, id: i64) {
        provider.publish(
            self.citizen.to_owned(),
            serde_json::json!({
                "id": id,
                "installation": NO_INSTALLATION,
                "block": JOBCENTRE,
                "title": self.title,
                "body": self.body,
                "view": null,
                "created_ms": self.now_ms,
                "read_ms": null,
            }),
        );
    }
}

const RULE_COLUMNS: &str =
    "id, municipality_code, kind, days, grace_days, nudge_da, nudge_en, enabled, created_ms, updated_ms";

fn rule(row: &AnyRow) -> Result<Rule> {
    let kind: String = row.try_get("kind")?;
    Ok(Rule {
        id: row.try_get("id")?,
        municipality: row.try_get("municipality_code")?,
        kind: RuleKind::parse(&kind)
            .ok_or_else(|| Problem::internal(format!("unknown rule kind '{kind}'")))?,
        days: row.try_get("days")?,
        grace_days: row.try_get("grace_days")?,
        nudge_da: row.try_get("nudge_da")?,
        nudge_en: row.try_get("nudge_en")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
    })
}

/// Seed the default rules (one of each kind) for every municipality that has never had
/// them; a municipality seeded before is left as its admin keeps it. Safe to run from
/// several processes at once: the marker row of each municipality is taken first.
pub async fn ensure_default_rules(db: &Db) -> std::result::Result<usize, DbError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    // `WHERE 1 = 1`: SQLite needs a WHERE before ON CONFLICT after a SELECT.
    let codes: Vec<String> = sqlx::query(
        "INSERT INTO monitoring_defaults (municipality_code, seeded_ms) \
         SELECT code, $1 FROM municipalities WHERE 1 = 1 \
         ON CONFLICT (municipality_code) DO NOTHING RETURNING municipality_code",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get("municipality_code"))
    .collect::<std::result::Result<_, _>>()?;
    for code in &codes {
        for kind in RuleKind::ALL {
            let (da, en) = kind.default_nudge();
            sqlx::query(
                "INSERT INTO monitoring_rules (municipality_code, kind, days, grace_days, nudge_da, nudge_en, enabled, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
            )
            .bind(code)
            .bind(kind.as_str())
            .bind(kind.default_days())
            .bind(kind.default_grace_days())
            .bind(da)
            .bind(en)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    if !codes.is_empty() {
        tracing::info!(
            municipalities = codes.len(),
            "default monitoring rules seeded"
        );
    }
    Ok(codes.len())
}

/// Refuse unless the caller is the admin (or, to read, a caseworker) of `code`.
fn require_staff_of(who: &Identity, code: &str, write: bool) -> Result<()> {
    let allowed_role = who.role == Role::Admin || (!write && who.role == Role::Caseworker);
    if !allowed_role {
        return Err(Problem::forbidden(
            "wrong-role",
            if write {
                "a municipality's monitoring rules are set by its admin"
            } else {
                "a municipality's monitoring rules are read by its admin and caseworkers; citizens see theirs at /api/v1/me/monitoring"
            },
        ));
    }
    if who.tenant.as_deref() != Some(code) {
        return Err(Problem::forbidden(
            "other-tenant",
            format!("you work for municipality {}, not {code}", who.tenant_str()),
        ));
    }
    Ok(())
}

fn check_days(days: i64, kind: RuleKind, pointer: &str) -> Result<()> {
    let min = if kind == RuleKind::MissedMeeting {
        0
    } else {
        1
    };
    if !(min..=365).contains(&days) {
        return Err(Problem::invalid(
            "invalid-days",
            format!("give a number of days from {min} to 365"),
        )
        .at(pointer));
    }
    Ok(())
}

fn check_grace(days: i64) -> Result<()> {
    if !(0..=365).contains(&days) {
        return Err(
            Problem::invalid("invalid-days", "give a grace period of 0 to 365 days")
                .at("/grace_days"),
        );
    }
    Ok(())
}

fn check_text(text: &str, pointer: &str, max: usize) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.contains('\0') {
        return Err(Problem::invalid(
            "invalid-text",
            format!("write a text of 1 to {max} characters"),
        )
        .at(pointer));
    }
    Ok(text.to_owned())
}

/// Record a change of rules in the municipality's audit log, within `tx`.
async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    who: &Identity,
    code: &str,
    action: &str,
    rule: &Rule,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, tenant, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(who.actor())
    .bind(code)
    .bind(action)
    .bind(format!("monitoring-rule {}", rule.id))
    .bind(serde_json::to_string(rule).map_err(Problem::internal)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A municipality's rules, enabled or not, by id.
pub async fn rules(db: &Db, who: &Identity, code: &str) -> Result<Vec<Rule>> {
    require_staff_of(who, code, false)?;
    rules_of(db, code, false).await
}

/// The rules of a municipality (only the enabled ones if asked), by id.
pub(crate) async fn rules_of(db: &Db, code: &str, enabled_only: bool) -> Result<Vec<Rule>> {
    let filter = if enabled_only { " AND enabled = 1" } else { "" };
    let rows = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM monitoring_rules WHERE municipality_code = $1{filter} ORDER BY id"
    ))
    .bind(code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(rule).collect()
}

/// Create a rule for the admin's municipality.
pub async fn create_rule(db: &Db, who: &Identity, code: &str, new: NewRule) -> Result<Rule> {
    require_staff_of(who, code, true)?;
    let kind = new.kind;
    let days = new.days.unwrap_or(kind.default_days());
    check_days(days, kind, "/days")?;
    let grace = new.grace_days.unwrap_or(kind.default_grace_days());
    check_grace(grace)?;
    let (da, en) = kind.default_nudge();
    let nudge_da = check_text(new.nudge_da.as_deref().unwrap_or(da), "/nudge_da", 1000)?;
    let nudge_en = check_text(new.nudge_en.as_deref().unwrap_or(en), "/nudge_en", 1000)?;
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO monitoring_rules (municipality_code, kind, days, grace_days, nudge_da, nudge_en, enabled, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {RULE_COLUMNS}"
    ))
    .bind(code)
    .bind(kind.as_str())
    .bind(days)
    .bind(grace)
    .bind(nudge_da)
    .bind(nudge_en)
    .bind(i64::from(new.enabled.unwrap_or(true)))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let created = rule(&row)?;
    audit(&mut tx, who, code, "monitoring-rule.create", &created).await?;
    tx.commit().await?;
    Ok(created)
}

/// Change (or disable, or enable) one of the admin's municipality's rules.
pub async fn change_rule(
    db: &Db,
    who: &Identity,
    code: &str,
    id: i64,
    change: RuleChange,
) -> Result<Rule> {
    require_staff_of(who, code, true)?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(&format!(
        "SELECT {RULE_COLUMNS} FROM monitoring_rules WHERE id = $1 AND municipality_code = $2"
    ))
    .bind(id)
    .bind(code)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        Problem::not_found(
            "unknown-rule",
            format!("municipality {code} has no monitoring rule {id}; list them at /api/v1/municipalities/{code}/monitoring/rules"),
        )
    })?;
    let mut r = rule(&row)?;
    if let Some(days) = change.days {
        check_days(days, r.kind, "/days")?;
        r.days = days;
    }
    if let Some(grace) = change.grace_days {
        check_grace(grace)?;
        r.grace_days = grace;
    }
    if let Some(text) = &change.nudge_da {
        r.nudge_da = check_text(text, "/nudge_da", 1000)?;
    }
    if let Some(text) = &change.nudge_en {
        r.nudge_en = check_text(text, "/nudge_en", 1000)?;
    }
    if let Some(enabled) = change.enabled {
        r.enabled = enabled;
    }
    r.updated_ms = now_ms();
    sqlx::query(
        "UPDATE monitoring_rules SET days = $1, grace_days = $2, nudge_da = $3, nudge_en = $4, enabled = $5, updated_ms = $6 WHERE id = $7",
    )
    .bind(r.days)
    .bind(r.grace_days)
    .bind(&r.nudge_da)
    .bind(&r.nudge_en)
    .bind(i64::from(r.enabled))
    .bind(r.updated_ms)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, who, code, "monitoring-rule.change", &r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Record the citizen's visit at `at_ms` (the first of its UTC day; later ones that day
/// change nothing).
pub async fn record_visit(db: &Db, citizen: &str, at_ms: i64) -> std::result::Result<(), DbError> {
    sqlx::query(
        "INSERT INTO monitor_visits (citizen_id, day, at_ms) VALUES ($1, $2, $3) \
         ON CONFLICT (citizen_id, day) DO NOTHING",
    )
    .bind(citizen)
    .bind(at_ms.div_euclid(DAY_MS))
    .bind(at_ms)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Record that the citizen visits now; a failure is logged, never shown to them.
pub async fn note_visit(db: &Db, citizen: &str) {
    if let Err(e) = record_visit(db, citizen, now_ms()).await {
        tracing::error!(error = %e, "a visit could not be recorded");
    }
}

/// The caller as a citizen registered in the municipality of their token.
pub(crate) async fn registered_citizen(db: &Db, who: &Identity) -> Result<String> {
    who.require(Role::Citizen)?;
    let row = sqlx::query("SELECT municipality_code FROM citizens WHERE id = $1")
        .bind(&who.subject)
        .fetch_optional(db.pool())
        .await?
        .ok_or_else(|| {
            Problem::not_found(
                "unknown-citizen",
                "you are not registered as a citizen of this municipality (or your data has been erased)",
            )
        })?;
    let code: String = row.try_get("municipality_code")?;
    if code != who.tenant_str() {
        return Err(Problem::forbidden(
            "other-tenant",
            format!(
                "you live in municipality {code}, not {}; sign in there",
                who.tenant_str()
            ),
        ));
    }
    Ok(code)
}

/// Evaluate every rule now, then every `every`, until the task is aborted.
pub async fn schedule(provider: std::sync::Arc<DbProvider>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every.max(std::time::Duration::from_secs(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match evaluate(&provider, now_ms()).await {
            Ok(done) => tracing::info!(
                citizens = done.citizens,
                fired = done.fired,
                flagged = done.flagged,
                closed = done.closed,
                "monitoring rules evaluated"
            ),
            Err(e) => tracing::error!(error = %e, "evaluating the monitoring rules failed"),
        }
    }
}
