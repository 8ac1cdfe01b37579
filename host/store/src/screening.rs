//! What screening keeps and how it is read: each result a screening block reported (the
//! suggested track, its reasons and the answers behind it) and each caseworker's decision,
//! per citizen and municipality; where a citizen stands for a screening block; the
//! timeline and export rows. Casework's visitation writes decisions through
//! `jobunivers-casework`; the capability provider reads the status from here.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::db::{Db, DbError};
use jobunivers_core::caps::{
    ScreeningAnswer, ScreeningStatus, Track, TrackDecision, DEFAULT_RESCREEN_DAYS,
};
use jobunivers_core::model::Localized;

const DAY_MS: i64 = 86_400_000;
/// One kept screening result.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ScreeningRecord {
    /// Its id (what a decision answers).
    pub id: i64,
    /// The installation whose block reported it.
    pub installation: i64,
    /// The block, `vendor.block`.
    pub block: String,
    /// The block's version.
    pub block_version: String,
    /// The track the answers point to (a suggestion).
    pub suggested: Track,
    /// The score the suggestion was read from.
    pub score: i64,
    /// Why, in plain words.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<Localized>,
    /// Every answer behind it, with what it added to the score.
    pub answers: Vec<ScreeningAnswer>,
    /// When it was reported (Unix ms).
    pub created_ms: i64,
}

/// A caseworker's decision on a screening.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DecisionRecord {
    /// Its id.
    pub id: i64,
    /// The screening it answers.
    pub screening: i64,
    /// The track decided: the citizen's track.
    pub track: Track,
    /// What the screening suggested.
    pub suggested: Track,
    /// Whether the caseworker chose another track than the suggestion.
    pub overrides: bool,
    /// The caseworker's reason, as written.
    pub reason: String,
    /// Who decided, e.g. `caseworker:mette@0751`.
    pub caseworker: String,
    /// When (Unix ms).
    pub decided_ms: i64,
}

/// An entry of a citizen's timeline: a screening or a decision.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When (Unix ms).
    pub at_ms: i64,
    /// `screening` or `decision`.
    pub kind: String,
    /// The screening's or decision's id.
    pub id: i64,
    /// In a line, in Danish.
    pub summary: String,
    /// The track suggested (screening) or decided (decision).
    pub track: Track,
}

/// What the GDPR export holds about screening.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreeningExport {
    /// Every screening, oldest first.
    pub screenings: Vec<ScreeningRecord>,
    /// Every decision, oldest first.
    pub decisions: Vec<DecisionRecord>,
}

/// A track column as a [`Track`].
pub fn track_col(row: &AnyRow, col: &str) -> std::result::Result<Track, sqlx::Error> {
    let name: String = row.try_get(col)?;
    Track::parse(&name)
        .ok_or_else(|| sqlx::Error::Decode(format!("'{name}' in {col} is not a track").into()))
}

fn json_col<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    col: &str,
) -> std::result::Result<T, sqlx::Error> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// The columns [`screening`] reads.
pub const SCREENING_COLUMNS: &str = "id, installation_id, block_id, block_version, suggested_track, score, reasons, answers, created_ms";
/// The columns [`decision`] reads.
pub const DECISION_COLUMNS: &str =
    "id, screening_id, track, suggested_track, overrides, reason, caseworker, decided_ms";

/// A screening result from its row.
pub fn screening(row: &AnyRow) -> std::result::Result<ScreeningRecord, sqlx::Error> {
    Ok(ScreeningRecord {
        id: row.try_get("id")?,
        installation: row.try_get("installation_id")?,
        block: row.try_get("block_id")?,
        block_version: row.try_get("block_version")?,
        suggested: track_col(row, "suggested_track")?,
        score: row.try_get("score")?,
        reasons: json_col(row, "reasons")?,
        answers: json_col(row, "answers")?,
        created_ms: row.try_get("created_ms")?,
    })
}

/// A caseworker's decision from its row.
pub fn decision(row: &AnyRow) -> std::result::Result<DecisionRecord, sqlx::Error> {
    Ok(DecisionRecord {
        id: row.try_get("id")?,
        screening: row.try_get("screening_id")?,
        track: track_col(row, "track")?,
        suggested: track_col(row, "suggested_track")?,
        overrides: row.try_get::<i64, _>("overrides")? != 0,
        reason: row.try_get("reason")?,
        caseworker: row.try_get("caseworker")?,
        decided_ms: row.try_get("decided_ms")?,
    })
}

/// The citizen's screenings in a municipality (or all, with `None`), newest first.
pub async fn screenings_of(
    conn: &mut AnyConnection,
    citizen: &str,
    municipality: Option<&str>,
    newest_first: bool,
) -> std::result::Result<Vec<ScreeningRecord>, sqlx::Error> {
    let order = if newest_first { "DESC" } else { "ASC" };
    let rows = sqlx::query(&format!(
        "SELECT {SCREENING_COLUMNS} FROM screenings WHERE citizen_id = $1 AND ($2 = '' OR municipality_code = $2) \
         ORDER BY created_ms {order}, id {order}"
    ))
    .bind(citizen)
    .bind(municipality.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    rows.iter().map(screening).collect()
}

/// The citizen's decisions (in one municipality, or all), in the order asked.
pub async fn decisions_of(
    conn: &mut AnyConnection,
    citizen: &str,
    municipality: Option<&str>,
    newest_first: bool,
) -> std::result::Result<Vec<DecisionRecord>, sqlx::Error> {
    let order = if newest_first { "DESC" } else { "ASC" };
    let rows = sqlx::query(&format!(
        "SELECT {DECISION_COLUMNS} FROM track_decisions WHERE citizen_id = $1 AND ($2 = '' OR municipality_code = $2) \
         ORDER BY decided_ms {order}, id {order}"
    ))
    .bind(citizen)
    .bind(municipality.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decision).collect()
}

/// Everything about the citizen's screening, for the GDPR export, oldest first.
pub async fn export_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> std::result::Result<ScreeningExport, sqlx::Error> {
    Ok(ScreeningExport {
        screenings: screenings_of(&mut *conn, citizen, None, false).await?,
        decisions: decisions_of(&mut *conn, citizen, None, false).await?,
    })
}

/// The municipality's interval in days (the default when it has not set one).
pub async fn rescreen_days_of(
    conn: &mut AnyConnection,
    municipality: &str,
) -> std::result::Result<i64, sqlx::Error> {
    Ok(
        sqlx::query("SELECT rescreen_days FROM screening_settings WHERE municipality_code = $1")
            .bind(municipality)
            .fetch_optional(conn)
            .await?
            .map(|r| r.try_get("rescreen_days"))
            .transpose()?
            .unwrap_or(DEFAULT_RESCREEN_DAYS),
    )
}

/// Where the citizen stands in a municipality, as a screening block sees it.
pub async fn status_of(
    conn: &mut AnyConnection,
    citizen: &str,
    municipality: &str,
) -> std::result::Result<ScreeningStatus, sqlx::Error> {
    let days = rescreen_days_of(&mut *conn, municipality).await?;
    let last = sqlx::query(
        "SELECT suggested_track, created_ms FROM screenings WHERE citizen_id = $1 AND municipality_code = $2 \
         ORDER BY created_ms DESC, id DESC LIMIT 1",
    )
    .bind(citizen)
    .bind(municipality)
    .fetch_optional(&mut *conn)
    .await?;
    let decision = sqlx::query(&format!(
        "SELECT {DECISION_COLUMNS} FROM track_decisions WHERE citizen_id = $1 AND municipality_code = $2 \
         ORDER BY decided_ms DESC, id DESC LIMIT 1"
    ))
    .bind(citizen)
    .bind(municipality)
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| decision(&r))
    .transpose()?;
    let (last_ms, last_suggested) = match last {
        Some(r) => (
            Some(r.try_get::<i64, _>("created_ms")?),
            Some(track_col(&r, "suggested_track")?),
        ),
        None => (None, None),
    };
    Ok(ScreeningStatus {
        last_ms,
        last_suggested,
        next_due_ms: last_ms.map(|t| t + days * DAY_MS),
        decision: decision.map(|d| TrackDecision {
            track: d.track,
            reason: d.reason,
            decided_ms: d.decided_ms,
            overrides: d.overrides,
        }),
    })
}

/// The citizen's track: the newest caseworker decision in the municipality they live in
/// now, or `None` if no caseworker has decided. A suggestion is never a track.
pub async fn latest_decision(
    db: &Db,
    citizen: &str,
) -> std::result::Result<Option<Track>, DbError> {
    let row = sqlx::query(
        "SELECT d.track FROM track_decisions d JOIN citizens c ON c.id = d.citizen_id AND c.municipality_code = d.municipality_code \
         WHERE d.citizen_id = $1 ORDER BY d.decided_ms DESC, d.id DESC LIMIT 1",
    )
    .bind(citizen)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|r| track_col(&r, "track")).transpose()?)
}

/// The citizen's screenings and decisions in the municipality they live in now, newest
/// first, for a caseworker's timeline. The caller checks that the caseworker may see
/// the citizen and logs the read.
pub async fn screening_timeline(
    db: &Db,
    citizen: &str,
) -> std::result::Result<Vec<TimelineEntry>, DbError> {
    let mut conn = db.pool().acquire().await?;
    let municipality: Option<String> =
        sqlx::query("SELECT municipality_code FROM citizens WHERE id = $1")
            .bind(citizen)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("municipality_code"))
            .transpose()?;
    let Some(municipality) = municipality else {
        return Ok(Vec::new());
    };
    let mut out: Vec<TimelineEntry> = Vec::new();
    for s in screenings_of(&mut conn, citizen, Some(&municipality), true).await? {
        out.push(TimelineEntry {
            at_ms: s.created_ms,
            kind: "screening".into(),
            id: s.id,
            summary: format!(
                "Screening: forslag {} (point {})",
                s.suggested.danish().to_lowercase(),
                s.score
            ),
            track: s.suggested,
        });
    }
    for d in decisions_of(&mut conn, citizen, Some(&municipality), true).await? {
        out.push(TimelineEntry {
            at_ms: d.decided_ms,
            kind: "decision".into(),
            id: d.id,
            summary: format!(
                "Visitation: {} {} ({})",
                d.track.danish().to_lowercase(),
                if d.overrides {
                    "i stedet for forslaget"
                } else {
                    "som foreslået"
                },
                d.reason
            ),
            track: d.track,
        });
    }
    out.sort_by(|a, b| (b.at_ms, &b.kind, b.id).cmp(&(a.at_ms, &a.kind, a.id)));
    Ok(out)
}
