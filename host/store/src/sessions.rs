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
        self.start_with(who, &NewSession::default()).await
    }

    /// Sign `who` in with what the session list shows and signing out needs.
    pub async fn start_with(
        &self,
        who: &Identity,
        new: &NewSession<'_>,
    ) -> Result<String, sqlx::Error> {
        let mut raw = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut raw).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let token = hex::encode(raw);
        let mut id = [0u8; 12];
        getrandom::fill(&mut id).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_ms <= $1 OR seen_ms <= $2")
            .bind(now)
            .bind(now - self.idle_ms)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_sha256, subject, role, tenant, created_ms, seen_ms, expires_ms, provider, public_id, agent, id_token) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10)",
        )
        .bind(digest(&token).expect("a fresh token is well formed"))
        .bind(&who.subject)
        .bind(who.role.as_str())
        .bind(who.tenant.as_deref())
        .bind(now)
        .bind(now.saturating_add(self.lifetime_ms))
        .bind(new.provider)
        .bind(hex::encode(id))
        .bind(new.agent)
        .bind(new.id_token)
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

    /// Sign out, and say how the session was signed in: `None` if the token was not
    /// live.
    pub async fn end_signed_in(&self, token: &str) -> Result<Option<Ended>, sqlx::Error> {
        let Some(key) = digest(token) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "DELETE FROM sessions WHERE token_sha256 = $1 RETURNING provider, id_token",
        )
        .bind(key)
        .fetch_optional(self.db.pool())
        .await?;
        match row {
            Some(row) => Ok(Some(Ended {
                provider: row.try_get("provider")?,
                id_token: row.try_get("id_token")?,
            })),
            None => Ok(None),
        }
    }

    /// The live sessions of `who` (the person, whichever browser), newest first; the
    /// one of `current` (the caller's own cookie token, if any) is marked.
    pub async fn list(
        &self,
        who: &Identity,
        current: Option<&str>,
    ) -> Result<Vec<SessionInfo>, sqlx::Error> {
        let now = now_ms();
        let current = current.and_then(digest);
        let rows = sqlx::query(
            "SELECT token_sha256, public_id, provider, agent, created_ms, seen_ms, expires_ms FROM sessions \
             WHERE role = $1 AND subject = $2 AND expires_ms > $3 AND seen_ms > $4 \
             ORDER BY created_ms DESC, public_id LIMIT 100",
        )
        .bind(who.role.as_str())
        .bind(&who.subject)
        .bind(now)
        .bind(now - self.idle_ms)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let seen: i64 = r.try_get("seen_ms")?;
                let expires: i64 = r.try_get("expires_ms")?;
                let key: String = r.try_get("token_sha256")?;
                Ok(SessionInfo {
                    id: r.try_get("public_id")?,
                    provider: r.try_get("provider")?,
                    agent: r.try_get("agent")?,
                    created_ms: r.try_get("created_ms")?,
                    seen_ms: seen,
                    ends_ms: expires.min(seen.saturating_add(self.idle_ms)),
                    current: current.as_deref() == Some(key.as_str()),
                })
            })
            .collect()
    }

    /// End `who`'s session `id` (only their own): whether there was one.
    pub async fn end_one(&self, who: &Identity, id: &str) -> Result<bool, sqlx::Error> {
        if id.is_empty() {
            return Ok(false);
        }
        let done =
            sqlx::query("DELETE FROM sessions WHERE role = $1 AND subject = $2 AND public_id = $3")
                .bind(who.role.as_str())
                .bind(&who.subject)
                .bind(id)
                .execute(self.db.pool())
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// End every session of `who` except the one of `keep` (a cookie token), if
    /// given: how many ended.
    pub async fn end_all(&self, who: &Identity, keep: Option<&str>) -> Result<u64, sqlx::Error> {
        let keep = keep.and_then(digest).unwrap_or_default();
        let done = sqlx::query(
            "DELETE FROM sessions WHERE role = $1 AND subject = $2 AND token_sha256 <> $3",
        )
        .bind(who.role.as_str())
        .bind(&who.subject)
        .bind(keep)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected())
    }
}

/// What a new session records besides who.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewSession<'a> {
    /// The OpenID provider it was signed in through (`None`: the development login).
    pub provider: Option<&'a str>,
    /// The provider's ID token (the hint when signing out there).
    pub id_token: Option<&'a str>,
    /// The browser and system in a few words.
    pub agent: Option<&'a str>,
}

/// How an ended session was signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The OpenID provider (`None`: the development login).
    pub provider: Option<String>,
    /// The provider's ID token, if it gave one.
    pub id_token: Option<String>,
}

/// A live session as its person sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// Its id (for ending it).
    pub id: String,
    /// The OpenID provider it was signed in through (`null`: the development login).
    pub provider: Option<String>,
    /// The browser and system, in a few words.
    pub agent: Option<String>,
    /// When it started (ms since the epoch).
    pub created_ms: i64,
    /// Its last request, to the minute.
    pub seen_ms: i64,
    /// When it ends without further requests.
    pub ends_ms: i64,
    /// Whether it is the session asking.
    pub current: bool,
}

/// The browser and system of a `User-Agent` in a few words ("Firefox, Linux"), so the
/// session list says something recognisable without keeping the whole header.
pub fn describe_agent(user_agent: &str) -> Option<String> {
    let ua = user_agent;
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Chromium/", "Chromium"),
        ("HeadlessChrome/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| ua.contains(marker))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b}, {s}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
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

    #[test]
    fn a_user_agent_is_told_in_a_few_words() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_agent(firefox).as_deref(), Some("Firefox, Linux"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_agent(iphone).as_deref(), Some("Safari, iPhone"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(describe_agent(edge).as_deref(), Some("Edge, Windows"));
        assert_eq!(describe_agent("something else"), None);
    }
}
