//! Per-block storage per (installation, citizen), with the quota checked under the pair's turn.

use super::*;

pub(super) async fn get(
    p: &DbProvider,
    scope: &Scope,
    key: &str,
) -> Result<Option<Vec<u8>>, CapError> {
    let inst = installation(scope)?;
    if key.contains('\0') {
        // No key with NUL can have been stored.
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT value FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(key)
    .fetch_optional(p.db.pool())
    .await
    .map_err(|e| unavailable("storage", e))?;
    row.map(|r| r.try_get::<Vec<u8>, _>("value"))
        .transpose()
        .map_err(|e| unavailable("storage", e))
}

pub(super) async fn set(
    p: &DbProvider,
    scope: &Scope,
    key: &str,
    value: Vec<u8>,
) -> Result<(), CapError> {
    let inst = installation(scope)?;
    if key.is_empty() || key.len() > p.limits.max_key_len {
        return Err(CapError::Invalid(format!(
            "a storage key must be 1 to {} bytes long",
            p.limits.max_key_len
        )));
    }
    plain_text([key])?;
    let fail = |e| installation_error("storage", inst, e);
    let (_turn, mut tx) = p.begin().await?;
    let used: i64 = sqlx::query(TAKE_TURN)
        .bind(inst)
        .bind(&scope.citizen)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("storage_bytes"))
        .map_err(fail)?;
    let replaced: i64 = sqlx::query(
        "SELECT size_bytes FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await
    .and_then(|r| r.map(|r| r.try_get("size_bytes")).transpose())
    .map_err(fail)?
    .unwrap_or(0);
    let size = (key.len() + value.len()) as i64;
    let needed = used - replaced + size;
    if needed > p.limits.storage_quota_bytes as i64 {
        // Ending the transaction now releases SQLite's write lock at once.
        let _ = tx.rollback().await;
        return Err(CapError::QuotaExceeded(format!(
            "storing {} bytes under '{key}' would use {needed} of {} bytes allowed per citizen",
            value.len(),
            p.limits.storage_quota_bytes
        )));
    }
    sqlx::query(
        "INSERT INTO block_storage (installation_id, citizen_id, key, value, size_bytes) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (installation_id, citizen_id, key) DO UPDATE SET value = excluded.value, size_bytes = excluded.size_bytes",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(key)
    .bind(value)
    .bind(size)
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    sqlx::query(
        "UPDATE block_usage SET storage_bytes = $3 WHERE installation_id = $1 AND citizen_id = $2",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(needed)
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    tx.commit().await.map_err(fail)
}

pub(super) async fn delete(p: &DbProvider, scope: &Scope, key: &str) -> Result<(), CapError> {
    let inst = installation(scope)?;
    if key.contains('\0') {
        return Ok(());
    }
    let fail = |e| unavailable("storage", e);
    let (_turn, mut tx) = p.begin().await?;
    // The pair's turn, as in `storage_set` (an update, so a pair that never stored
    // anything is not created); without a usage row there is nothing to delete.
    let locked = sqlx::query(
        "UPDATE block_usage SET storage_bytes = storage_bytes WHERE installation_id = $1 AND citizen_id = $2",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .execute(&mut *tx)
    .await
    .map_err(fail)?;
    if locked.rows_affected() == 0 {
        let _ = tx.rollback().await;
        return Ok(());
    }
    let deleted = sqlx::query(
        "DELETE FROM block_storage WHERE installation_id = $1 AND citizen_id = $2 AND key = $3 RETURNING size_bytes",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await
    .map_err(fail)?;
    if let Some(row) = deleted {
        let size: i64 = row.try_get("size_bytes").map_err(fail)?;
        sqlx::query(
            "UPDATE block_usage SET storage_bytes = storage_bytes - $3 WHERE installation_id = $1 AND citizen_id = $2",
        )
        .bind(inst)
        .bind(&scope.citizen)
        .bind(size)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)
}

pub(super) async fn list(
    p: &DbProvider,
    scope: &Scope,
    prefix: &str,
) -> Result<Vec<String>, CapError> {
    let inst = installation(scope)?;
    if prefix.contains('\0') {
        return Ok(Vec::new());
    }
    // SUBSTR rather than LIKE: SQLite's LIKE ignores ASCII case, and a prefix match
    // is case-sensitive. Both backends count characters here; PostgreSQL's SUBSTR
    // takes an INTEGER length, not the BIGINT the parameter is sent as.
    let rows = sqlx::query(
        "SELECT key FROM block_storage \
         WHERE installation_id = $1 AND citizen_id = $2 AND SUBSTR(key, 1, CAST($3 AS INTEGER)) = $4",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(prefix.chars().count() as i64)
    .bind(prefix)
    .fetch_all(p.db.pool())
    .await
    .map_err(|e| unavailable("storage", e))?;
    let mut keys = rows
        .iter()
        .map(|r| r.try_get::<String, _>("key"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unavailable("storage", e))?;
    // Byte order, as the memory provider's map: PostgreSQL's ORDER BY would follow
    // the database's locale.
    keys.sort_unstable();
    Ok(keys)
}
