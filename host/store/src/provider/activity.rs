//! Activities a block records (the job log the jobcentre sees), scoped to the installation and citizen.

use super::*;

pub(super) async fn add(
    p: &DbProvider,
    scope: &Scope,
    entry: NewActivity,
) -> Result<String, CapError> {
    let inst = installation(scope)?;
    plain_text([
        entry.kind.as_str(),
        entry.summary.as_str(),
        entry.details.as_str(),
    ])?;
    let _turn = p.write_turn().await;
    let id: i64 = sqlx::query(
        "INSERT INTO activities (citizen_id, municipality_code, installation_id, block_id, kind, summary, details, occurred_ms, recorded_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(&scope.citizen)
    .bind(&scope.municipality)
    .bind(inst)
    .bind(&scope.block_id)
    .bind(entry.kind)
    .bind(entry.summary)
    .bind(entry.details)
    .bind(entry.occurred_ms.unwrap_or(scope.now_ms))
    .bind(scope.now_ms)
    .fetch_one(p.db.pool())
    .await
    .and_then(|r| r.try_get("id"))
    .map_err(|e| unavailable("the activity log", e))?;
    p.hooks
        .after_activity(p, &scope.citizen, scope.now_ms)
        .await;
    Ok(format!("act-{id}"))
}

pub(super) async fn recent(
    p: &DbProvider,
    scope: &Scope,
    kind: Option<String>,
    limit: u32,
) -> Result<Vec<RecordedActivity>, CapError> {
    let inst = installation(scope)?;
    if kind.as_deref().is_some_and(|k| k.contains('\0')) {
        return Ok(Vec::new());
    }
    // Newest first; among equal times the older entry first, as the memory
    // provider's stable sort leaves them.
    let rows = sqlx::query(
        "SELECT id, kind, summary, details, occurred_ms FROM activities \
         WHERE installation_id = $1 AND citizen_id = $2 AND ($3 IS NULL OR kind = $3) \
         ORDER BY occurred_ms DESC, id ASC LIMIT $4",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(kind)
    .bind(i64::from(limit))
    .fetch_all(p.db.pool())
    .await
    .map_err(|e| unavailable("the activity log", e))?;
    rows.iter()
        .map(|r| {
            Ok(RecordedActivity {
                id: format!("act-{}", r.try_get::<i64, _>("id")?),
                kind: r.try_get("kind")?,
                summary: r.try_get("summary")?,
                details: r.try_get("details")?,
                occurred_ms: r.try_get("occurred_ms")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|e| unavailable("the activity log", e))
}
