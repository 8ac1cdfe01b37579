//! The web pages' sign-ins, kept server-side. The browser holds a random token in a
//! cookie; the database holds only its sha256 with who signed in. Signing out deletes
//! the row, so the cookie is dead at once, in every process sharing the database. A
//! session ends after [`IDLE`] without a request and at [`LIFETIME`] after sign-in,
//! whichever comes first; ended sessions are swept at each new sign-in.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::Db;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::clock::now_ms;

/// How long a session lives without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// How long a session lives at most.
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// How often a session's last request is written (not on every page).
const SEEN_EVERY_MS: i64 = 60_000;
/// Random bytes in a token (written as hex).
const TOKEN_BYTES: usize = 32;

/// The sessions of the web pages.
#[derive(Debug, Clone)]
pub struct Sessions {
    db: Db,
    idle_ms: i64,
    lifetime_ms: i64,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The stored form of a token; `None` for what no sign-in ever handed out.
fn digest(token: &str) -> Option<String> {
    let well_formed =
        token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then(|| hex::encode(Sha256::digest(token.as_bytes())))
}

impl Sessions {
    /// Sessions in `db`, with the default [`IDLE`] and [`LIFETIME`].
    pub fn new(db: Db) -> Self {
        Self {
            db,
            idle_ms: ms(IDLE),
            lifetime_ms: ms(LIFETIME),
        }
    }

    /// Other limits: without a request for `idle`, and at most `lifetime`.
    pub fn with_limits(mut self, idle: Duration, lifetime: Duration) -> Self {
        self.idle_ms = ms(idle);
        self.lifetime_ms = ms(lifetime);
        self
    }

    /// How long a session lives at most (the cookie's `Max-Age`).
    pub fn lifetime(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.lifetime_ms).unwrap_or(0))
    }

    /// Sign `who` in: the token for the cookie. Sessions that have ended are swept.
    pub async fn start(&self, who: &Identity) -> Result<String, sqlx::Error> {
        self.start_via(who, None).await
    }

    /// Sign `who` in through the OpenID provider named `provider` (remembered, so that
    /// signing out can end the sign-in there too).
    pub async fn start_via(
        &self,
        who: &Identity,
        provider: Option<&str>,
    ) -> Result<String, sqlx::Error> {
        let mut raw = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut raw).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let token = hex::encode(raw);
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1 OR seen_ms <= $2")
            .bind(now)
            .bind(now - self.idle_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, subject, role, tenant, created_ms, seen_ms, expires_ms, provider) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
        )
        .bind(digest(&token).expect("a fresh token is well formed"))
        .bind(&who.subject)
        .bind(who.role.as_str())
        .bind(who.tenant.as_deref())
        .bind(now)
        .bind(now.saturating_add(self.lifetime_ms))
        .bind(provider)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Who a cookie's token signs in, if its session is live; the request counts as
    /// activity.
    pub async fn identify(&self, token: &str) -> Result<Option<Identity>, sqlx::Error> {
        let Some(key) = digest(token) else {
            return Ok(None);
        };
        let now = now_ms();
        let Some(row) = sqlx::query(
            "SELECT subject, role, tenant, seen_ms FROM sessions \
             WHERE token_sha256 = $1 AND expires_ms > $2 AND seen_ms > $3",
        )
        .bind(&key)
        .bind(now)
        .bind(now - self.idle_ms)
        .fetch_optional(self.db.pool())
        .await?
        else {
            return Ok(None);
        };
        let role: String = row.try_get("role")?;
        let Ok(role) = role.parse::<Role>() else {
            return Ok(None);
        };
        let seen: i64 = row.try_get("seen_ms")?;
        if now - seen >= SEEN_EVERY_MS {
            sqlx::query("UPDATE sessions SET seen_ms = $2 WHERE token_sha256 = $1")
                .bind(&key)
                .bind(now)
                .execute(self.db.pool())
                .await?;
        }
        Ok(Some(Identity {
            subject: row.try_get("subject")?,
            role,
            tenant: row.try_get("tenant")?,
            scopes: None,
        }))
    }

    /// Sign out: the token signs nobody in from now on. Whether it was live.
    pub async fn end(&self, token: &str) -> Result<bool, sqlx::Error> {
        Ok(self.end_signed_in(token).await?.is_some())
    }

    /// Sign out, and say through which OpenID provider the session was signed in:
    /// `None` if the token was not live, `Some(None)` for the development login.
    pub async fn end_signed_in(&self, token: &str) -> Result<Option<Option<String>>, sqlx::Error> {
        let Some(key) = digest(token) else {
            return Ok(None);
        };
        let row = sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1 RETURNING provider")
            .bind(key)
            .fetch_optional(self.db.pool())
            .await?;
        match row {
            Some(row) => Ok(Some(row.try_get("provider")?)),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_a_sign_in_hands_out_are_looked_up() {
        assert!(digest(&"a".repeat(64)).is_some());
        assert!(digest(&"a".repeat(63)).is_none());
        assert!(digest(&"g".repeat(64)).is_none());
        assert!(digest("").is_none());
        // The stored form is not the token.
        assert_ne!(digest(&"a".repeat(64)).unwrap(), "a".repeat(64));
    }
}
