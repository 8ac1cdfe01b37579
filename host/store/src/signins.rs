//! Sign-ins under way through an OpenID provider (see `migrations/*/0013_signins.sql`):
//! kept between the redirect to the provider and the callback, keyed by the sha256 of
//! the `state` the browser carries, and taken exactly once.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::Db;
use jobunivers_core::clock::now_ms;

/// How long a sign-in may take at the provider.
pub const PENDING_FOR: Duration = Duration::from_secs(10 * 60);

/// The most sign-ins under way at once (all clients together): a flood of started and
/// never finished sign-ins fills no more than this many rows.
pub const MAX_PENDING: i64 = 50_000;

/// What the host sent with an authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The provider's name.
    pub provider: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier the token request proves the code with.
    pub pkce_verifier: String,
    /// Where the browser goes after signing in (a path on this site).
    pub return_to: Option<String>,
}

/// The sign-ins under way.
#[derive(Debug, Clone)]
pub struct Signins {
    db: Db,
}

fn key(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

impl Signins {
    /// Sign-ins kept in `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Remember a sign-in under `state`; sign-ins left unfinished are swept. `false`
    /// (and nothing written) when [`MAX_PENDING`] sign-ins are under way.
    pub async fn put(&self, state: &str, pending: &Pending) -> Result<bool, sqlx::Error> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM signins WHERE expires_ms <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let under_way: i64 = sqlx::query("SELECT COUNT(*) FROM signins")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if under_way >= MAX_PENDING {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO signins (state_sha256, provider, nonce, pkce_verifier, return_to, expires_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key(state))
        .bind(&pending.provider)
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(pending.return_to.as_deref())
        .bind(now.saturating_add(i64::try_from(PENDING_FOR.as_millis()).unwrap_or(i64::MAX)))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Take the sign-in of `state`: it is gone afterwards, so of two callbacks with the
    /// same state (a replay) only the first gets it. `None` if unknown, taken or expired.
    pub async fn take(&self, state: &str) -> Result<Option<Pending>, sqlx::Error> {
        let row = sqlx::query(
            "DELETE FROM signins WHERE state_sha256 = $1 \
             RETURNING provider, nonce, pkce_verifier, return_to, expires_ms",
        )
        .bind(key(state))
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires: i64 = row.try_get("expires_ms")?;
        if expires <= now_ms() {
            return Ok(None);
        }
        Ok(Some(Pending {
            provider: row.try_get("provider")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            return_to: row.try_get("return_to")?,
        }))
    }
}
