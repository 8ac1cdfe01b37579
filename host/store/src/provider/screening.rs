//! Screening results a block reports, with the daily limit, and the status a screening block reads.

use super::*;

pub(super) async fn report(
    p: &DbProvider,
    scope: &Scope,
    report: ScreeningReport,
) -> Result<String, CapError> {
    let inst = installation(scope)?;
    let reasons = serde_json::to_string(&report.reasons)
        .map_err(|e| CapError::Invalid(format!("the reasons cannot be kept: {e}")))?;
    let answers = serde_json::to_string(&report.answers)
        .map_err(|e| CapError::Invalid(format!("the answers cannot be kept: {e}")))?;
    let fail = |e| installation_error("screening", inst, e);
    let (_turn, mut tx) = p.begin().await?;
    // Counting and inserting in the pair's turn, as for messages.
    sqlx::query(TAKE_TURN)
        .bind(inst)
        .bind(&scope.citizen)
        .fetch_one(&mut *tx)
        .await
        .map_err(fail)?;
    let day = scope.now_ms.div_euclid(DAY_MS);
    let today: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM screenings \
         WHERE installation_id = $1 AND citizen_id = $2 AND created_ms >= $3 AND created_ms < $4",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(day * DAY_MS)
    .bind((day + 1) * DAY_MS)
    .fetch_one(&mut *tx)
    .await
    .and_then(|r| r.try_get("n"))
    .map_err(fail)?;
    let limit = MAX_REPORTS_PER_DAY;
    if today >= limit as i64 {
        let _ = tx.rollback().await;
        return Err(CapError::RateLimited(format!(
            "this block has reported {today} screenings for the citizen today; the limit is {limit}"
        )));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO screenings (citizen_id, municipality_code, installation_id, block_id, block_version, \
         suggested_track, score, reasons, answers, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&scope.citizen)
    .bind(&scope.municipality)
    .bind(inst)
    .bind(&scope.block_id)
    .bind(&scope.block_version)
    .bind(report.suggested.as_str())
    .bind(i64::from(report.score))
    .bind(reasons)
    .bind(answers)
    .bind(scope.now_ms)
    .fetch_one(&mut *tx)
    .await
    .and_then(|r| r.try_get("id"))
    .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    Ok(format!("screening-{id}"))
}

/// Reading the status is a read of the citizen's personal data by the block, so it
/// is logged like a profile read.
pub(super) async fn status(p: &DbProvider, scope: &Scope) -> Result<ScreeningStatus, CapError> {
    let fail = |e| unavailable("screening", e);
    let (_turn, mut tx) = p.begin().await?;
    let status = crate::screening::status_of(&mut tx, &scope.citizen, &scope.municipality)
        .await
        .map_err(fail)?;
    let actor = format!("block:{}@{}", scope.block_id, scope.block_version);
    access::record(
        &mut *tx,
        &[Access {
            citizen: &scope.citizen,
            actor: &actor,
            what: "screening status",
            why: PROFILE_WHY,
            at_ms: scope.now_ms,
        }],
    )
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    Ok(status)
}
