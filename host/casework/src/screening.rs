//! Screening and visitation. A block of category `screening` asks the citizen about job
//! readiness, digital confidence, wishes for support and barriers, and reports through
//! the `screening` capability a suggested track with its reasons and the answers behind
//! it. Every result is kept with its time. A screening only advises (the Danish
//! profiling tool switched off in 2022 is the lesson): a caseworker of the citizen's
//! municipality confirms or overrides the suggestion with a reason, and that decision is
//! the citizen's track, which installations' audiences can target. The municipality sets
//! how often citizens are invited to screen again.
//!
//! A caseworker's read of a citizen's screenings is a read of personal data and goes on
//! the citizen's access log, in the same transaction as the read.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::caps::{Track, DEFAULT_RESCREEN_DAYS};
use jobunivers_core::clock::now_ms;
use jobunivers_core::model::Localized;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::access::{self, Access};
use jobunivers_store::db::{Backend, Db};
use jobunivers_store::screening::{decisions_of, rescreen_days_of, screenings_of, track_col};
pub use jobunivers_store::screening::{
    export_of, latest_decision, screening_timeline, status_of, DecisionRecord, ScreeningExport,
    ScreeningRecord, TimelineEntry,
};

const DAY_MS: i64 = 86_400_000;

/// The longest interval a municipality may set.
pub const MAX_RESCREEN_DAYS: i64 = 730;
/// The longest reason a caseworker may give (characters).
pub const MAX_REASON_CHARS: usize = 2_000;

/// A citizen's screenings and decisions, as the citizen and their caseworker see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreeningOverview {
    /// The citizen.
    pub citizen: String,
    /// Their municipality.
    pub municipality: String,
    /// The decision that counts now (the newest), if any: the citizen's track.
    pub decision: Option<DecisionRecord>,
    /// The newest screening, if any.
    pub latest: Option<ScreeningRecord>,
    /// Every screening, newest first.
    pub history: Vec<ScreeningRecord>,
    /// Every decision, newest first.
    pub decisions: Vec<DecisionRecord>,
    /// How often the municipality invites citizens to screen again (days).
    pub rescreen_days: i64,
    /// When the next screening is due (Unix ms); `None` if never screened (due now).
    pub next_due_ms: Option<i64>,
    /// Whether the citizen is invited to screen now.
    pub due: bool,
    /// That a screening only advises and a caseworker decides.
    #[schema(value_type = Object)]
    pub note: Localized,
}

/// A municipality's screening settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScreeningSettings {
    /// The municipality.
    pub municipality: String,
    /// How often citizens are invited to screen again (days).
    pub rescreen_days: i64,
    /// Whether this is the host's default (the municipality has not set it).
    pub default: bool,
    /// Who set it last.
    pub updated_by: Option<String>,
    /// When (Unix ms).
    pub updated_ms: Option<i64>,
}

/// A change of the settings.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SettingsChange {
    /// How often citizens are invited to screen again: 1 to 730 days.
    pub rescreen_days: i64,
}

/// A caseworker's decision on a citizen's latest screening.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewDecision {
    /// The screening it answers: the citizen's latest.
    pub screening: i64,
    /// `self-service`, `mixed` or `personal-effort`; the suggestion confirms it.
    pub track: String,
    /// Why, in words the citizen reads (1 to 2,000 characters).
    pub reason: String,
}

/// What the citizen is told about every screening, in Danish and English.
pub fn advice_note() -> Localized {
    Localized {
        da: "En screening er et forslag, ikke en afgørelse. Din sagsbehandler i jobcentret ser dine svar og begrundelserne, taler med dig og beslutter, hvilken indsats du får. Du kan altid se beslutningen og begrundelsen her.".into(),
        en: "A screening is a suggestion, not a decision. Your caseworker at the jobcentre sees your answers and the reasons, talks with you and decides which support you get. You can always see the decision and its reason here.".into(),
    }
}

async fn overview(
    conn: &mut AnyConnection,
    citizen: &str,
    municipality: &str,
    now: i64,
) -> Result<ScreeningOverview> {
    let history = screenings_of(&mut *conn, citizen, Some(municipality), true).await?;
    let decisions = decisions_of(&mut *conn, citizen, Some(municipality), true).await?;
    let rescreen_days = rescreen_days_of(&mut *conn, municipality).await?;
    let next_due_ms = history
        .first()
        .map(|s| s.created_ms + rescreen_days * DAY_MS);
    Ok(ScreeningOverview {
        citizen: citizen.to_owned(),
        municipality: municipality.to_owned(),
        decision: decisions.first().cloned(),
        latest: history.first().cloned(),
        due: next_due_ms.is_none_or(|d| d <= now),
        history,
        decisions,
        rescreen_days,
        next_due_ms,
        note: advice_note(),
    })
}

fn unknown_citizen(citizen: &str) -> Problem {
    Problem::not_found(
        "unknown-citizen",
        format!("there is no citizen '{citizen}' in your municipality"),
    )
}

/// Screening and visitation over the database; cheap to create per request.
#[derive(Debug, Clone)]
pub struct Screening {
    db: Db,
}

impl Screening {
    /// Over a database.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The signed-in citizen's own screenings, decisions and when the next is due.
    pub async fn mine(&self, who: &Identity) -> Result<ScreeningOverview> {
        who.require(Role::Citizen)?;
        let mut conn = self.db.pool().acquire().await?;
        let municipality: String =
            sqlx::query("SELECT municipality_code FROM citizens WHERE id = $1")
                .bind(&who.subject)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| {
                    Problem::not_found(
                        "unknown-citizen",
                        "you are not registered as a citizen of this municipality (or your data has been erased)",
                    )
                })?
                .try_get("municipality_code")?;
        if municipality != who.tenant_str() {
            return Err(Problem::forbidden(
                "other-tenant",
                format!(
                    "you live in municipality {municipality}, not {}; sign in there",
                    who.tenant_str()
                ),
            ));
        }
        overview(&mut conn, &who.subject, &municipality, now_ms()).await
    }

    /// Check that the caller is a caseworker and the citizen lives in their
    /// municipality; anything else is "no such citizen", so another municipality's
    /// caseworker learns nothing.
    async fn caseworker_citizen(
        &self,
        who: &Identity,
        conn: &mut AnyConnection,
        citizen: &str,
    ) -> Result<String> {
        who.require(Role::Caseworker)?;
        let municipality: Option<String> =
            sqlx::query("SELECT municipality_code FROM citizens WHERE id = $1")
                .bind(citizen)
                .fetch_optional(conn)
                .await?
                .map(|r| r.try_get("municipality_code"))
                .transpose()?;
        match municipality {
            Some(m) if m == who.tenant_str() => Ok(m),
            _ => Err(unknown_citizen(citizen)),
        }
    }

    async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.db.begin_write().await?;
        if self.db.backend() == Backend::Postgres {
            // One snapshot for the whole answer.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// A citizen's screenings and decisions for a caseworker of their municipality; the
    /// read goes on the citizen's access log.
    pub async fn visitation(&self, who: &Identity, citizen: &str) -> Result<ScreeningOverview> {
        let mut tx = self.begin().await?;
        let municipality = self.caseworker_citizen(who, &mut tx, citizen).await?;
        let now = now_ms();
        access::record(
            &mut *tx,
            &[Access {
                citizen,
                actor: &who.actor(),
                what: "screenings",
                why: "caseworker visitation",
                at_ms: now,
            }],
        )
        .await?;
        let out = overview(&mut tx, citizen, &municipality, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// A caseworker confirms or overrides the suggestion of the citizen's latest
    /// screening with a reason; the decision is the citizen's track from now on.
    pub async fn decide(
        &self,
        who: &Identity,
        citizen: &str,
        d: NewDecision,
    ) -> Result<DecisionRecord> {
        let track = Track::parse(d.track.trim()).ok_or_else(|| {
            Problem::invalid(
                "invalid-track",
                format!(
                    "'{}' is not a track; use one of: {}",
                    d.track,
                    Track::names()
                ),
            )
            .at("/track")
        })?;
        let reason = d.reason.trim();
        if reason.is_empty() {
            return Err(Problem::invalid(
                "invalid-reason",
                "give a reason the citizen can read: why this track fits them",
            )
            .at("/reason"));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(Problem::invalid(
                "invalid-reason",
                format!("the reason is longer than {MAX_REASON_CHARS} characters; shorten it"),
            )
            .at("/reason"));
        }
        if reason.contains('\0') {
            return Err(Problem::invalid(
                "invalid-reason",
                "the reason contains a NUL character; remove it",
            )
            .at("/reason"));
        }
        let mut tx = self.db.begin_write().await?;
        let municipality = self.caseworker_citizen(who, &mut tx, citizen).await?;
        let latest = sqlx::query(
            "SELECT id, suggested_track FROM screenings WHERE citizen_id = $1 AND municipality_code = $2 \
             ORDER BY created_ms DESC, id DESC LIMIT 1",
        )
        .bind(citizen)
        .bind(&municipality)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(latest) = latest else {
            return Err(Problem::conflict(
                "not-screened",
                format!("citizen '{citizen}' has no screening to decide on; invite them to screen first"),
            ));
        };
        let latest_id: i64 = latest.try_get("id")?;
        if latest_id != d.screening {
            let exists: bool = sqlx::query(
                "SELECT id FROM screenings WHERE id = $1 AND citizen_id = $2 AND municipality_code = $3",
            )
            .bind(d.screening)
            .bind(citizen)
            .bind(&municipality)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            return Err(if exists {
                Problem::conflict(
                    "stale-screening",
                    format!(
                        "screening {} is not the citizen's latest; decide on screening {latest_id}",
                        d.screening
                    ),
                )
                .at("/screening")
            } else {
                Problem::invalid(
                    "unknown-screening",
                    format!(
                        "citizen '{citizen}' has no screening {}; their latest is {latest_id}",
                        d.screening
                    ),
                )
                .at("/screening")
            });
        }
        let suggested = track_col(&latest, "suggested_track")?;
        let now = now_ms();
        let id: i64 = sqlx::query(
            "INSERT INTO track_decisions (citizen_id, municipality_code, screening_id, track, suggested_track, overrides, reason, caseworker, decided_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(citizen)
        .bind(&municipality)
        .bind(latest_id)
        .bind(track.as_str())
        .bind(suggested.as_str())
        .bind(i64::from(track != suggested))
        .bind(reason)
        .bind(who.actor())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        access::record(
            &mut *tx,
            &[Access {
                citizen,
                actor: &who.actor(),
                what: &format!("screening {latest_id}"),
                why: "caseworker decides the track",
                at_ms: now,
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(DecisionRecord {
            id,
            screening: latest_id,
            track,
            suggested,
            overrides: track != suggested,
            reason: reason.to_owned(),
            caseworker: who.actor(),
            decided_ms: now,
        })
    }

    /// The municipality's settings (its admin, or its caseworkers).
    pub async fn settings(&self, who: &Identity, code: &str) -> Result<ScreeningSettings> {
        if who.role != Role::Caseworker || who.tenant_str() != code {
            who.require_admin_of(code)?;
        }
        let row = sqlx::query(
            "SELECT rescreen_days, updated_by, updated_ms FROM screening_settings WHERE municipality_code = $1",
        )
        .bind(code)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(match row {
            Some(r) => ScreeningSettings {
                municipality: code.to_owned(),
                rescreen_days: r.try_get("rescreen_days")?,
                default: false,
                updated_by: Some(r.try_get("updated_by")?),
                updated_ms: Some(r.try_get("updated_ms")?),
            },
            None => ScreeningSettings {
                municipality: code.to_owned(),
                rescreen_days: DEFAULT_RESCREEN_DAYS,
                default: true,
                updated_by: None,
                updated_ms: None,
            },
        })
    }

    /// The municipality's admin sets how often citizens are invited to screen again.
    pub async fn set_settings(
        &self,
        who: &Identity,
        code: &str,
        change: SettingsChange,
    ) -> Result<ScreeningSettings> {
        who.require_admin_of(code)?;
        if !(1..=MAX_RESCREEN_DAYS).contains(&change.rescreen_days) {
            return Err(Problem::invalid(
                "invalid-rescreen-days",
                format!(
                    "rescreen_days must be a whole number of days from 1 to {MAX_RESCREEN_DAYS}, not {}",
                    change.rescreen_days
                ),
            )
            .at("/rescreen_days"));
        }
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO screening_settings (municipality_code, rescreen_days, updated_by, updated_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (municipality_code) DO UPDATE SET rescreen_days = excluded.rescreen_days, \
             updated_by = excluded.updated_by, updated_ms = excluded.updated_ms",
        )
        .bind(code)
        .bind(change.rescreen_days)
        .bind(who.actor())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // The audit entry, in the change's transaction (as the marketplace writes its).
        sqlx::query(
            "INSERT INTO audit_log (at_ms, actor, tenant, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(now)
        .bind(who.actor())
        .bind(code)
        .bind("screening.settings")
        .bind(code)
        .bind(serde_json::json!({ "rescreen_days": change.rescreen_days }).to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.settings(who, code).await
    }
}
