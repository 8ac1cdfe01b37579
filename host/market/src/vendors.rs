//! Vendors: registration and the operator's approval, signing keys (several, revocable)
//! and scoped API tokens for the CLI, of which only a hash is kept.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, now_ms, opt_i64, opt_str, valid_name, Market};
use crate::package;
use jobunivers_core::auth::{Identity, Role, TokenScope};
use jobunivers_core::problem::{Problem, Result};

/// Prefix of every API token secret, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "jbt_";

/// A registration request.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct VendorRegistration {
    /// The namespace its blocks live in, e.g. `schultz`: lowercase letters, digits,
    /// dashes, starting with a letter, at most 32 long.
    pub namespace: String,
    /// The organisation's name.
    pub name: String,
    /// Whom the operator and municipalities can write to.
    pub contact_email: String,
}

/// A vendor.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Vendor {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Contact.
    pub contact_email: String,
    /// pending, approved or rejected.
    pub status: String,
    /// The operator's reason for a rejection.
    pub status_reason: Option<String>,
    /// Registered (Unix ms).
    pub created_ms: i64,
}

/// A signing key.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VendorKey {
    /// Its id (first 16 hex digits of the sha256 of the public key).
    pub key_id: String,
    /// What the vendor calls it.
    pub label: String,
    /// The public key, base64.
    pub public_key: String,
    /// Added (Unix ms).
    pub created_ms: i64,
    /// Revoked (Unix ms); packages signed with it are refused from then on.
    pub revoked_ms: Option<i64>,
}

/// A request for an API token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// What it is for, e.g. "CI".
    pub label: String,
    /// What it may do.
    pub scopes: Vec<TokenScope>,
    /// Days until it expires (default 90, at most 365).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// An API token (the secret only once, when created).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// Label.
    pub label: String,
    /// Scopes.
    pub scopes: Vec<TokenScope>,
    /// Created (Unix ms).
    pub created_ms: i64,
    /// Expires (Unix ms).
    pub expires_ms: Option<i64>,
    /// Revoked (Unix ms).
    pub revoked_ms: Option<i64>,
    /// The secret, shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn vendor(row: &AnyRow) -> Result<Vendor> {
    Ok(Vendor {
        namespace: row.try_get("namespace")?,
        name: row.try_get("name")?,
        contact_email: row.try_get("contact_email")?,
        status: row.try_get("status")?,
        status_reason: opt_str(row, "status_reason")?,
        created_ms: row.try_get("created_ms")?,
    })
}

const VENDOR_COLS: &str = "id, namespace, name, contact_email, status, status_reason, created_ms";

fn token_hash(secret: &str) -> String {
    package::sha256_hex(secret.as_bytes())
}

impl Market {
    /// Register a vendor; it waits for the operator's approval.
    pub async fn register_vendor(
        &self,
        who: Option<&Identity>,
        reg: VendorRegistration,
    ) -> Result<Vendor> {
        if !valid_name(&reg.namespace, 32) {
            return Err(Problem::invalid(
                "invalid-namespace",
                "the namespace must be lowercase letters, digits and dashes, start with a letter and be at most 32 long, e.g. 'schultz'",
            )
            .at("/namespace"));
        }
        if reg.name.trim().is_empty() || reg.name.len() > 200 {
            return Err(Problem::invalid(
                "invalid-name",
                "give the organisation's name (at most 200 characters)",
            )
            .at("/name"));
        }
        let email = reg.contact_email.trim();
        if email.len() > 254
            || !email
                .split_once('@')
                .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
        {
            return Err(Problem::invalid(
                "invalid-email",
                "give a contact e-mail address such as kontakt@firma.dk",
            )
            .at("/contact_email"));
        }
        let mut tx = self.db.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO vendors (namespace, name, contact_email, status, created_ms) \
             VALUES ($1, $2, $3, 'pending', $4) ON CONFLICT (namespace) DO NOTHING",
        )
        .bind(&reg.namespace)
        .bind(reg.name.trim())
        .bind(email)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Problem::conflict(
                "namespace-taken",
                format!("the namespace '{}' is taken; choose another", reg.namespace),
            )
            .at("/namespace"));
        }
        let anonymous = Identity {
            subject: "registration".into(),
            role: Role::Vendor,
            tenant: Some(reg.namespace.clone()),
            scopes: None,
        };
        audit::record(
            &mut tx,
            who.unwrap_or(&anonymous),
            &reg.namespace,
            "vendor.register",
            &reg.namespace,
            serde_json::json!({ "name": reg.name.trim(), "contact_email": email }),
        )
        .await?;
        tx.commit().await?;
        self.vendor_row(&reg.namespace).await.map(|(_, v)| v)
    }

    /// (id, vendor) by namespace, or 404.
    pub(crate) async fn vendor_row(&self, namespace: &str) -> Result<(i64, Vendor)> {
        let row = sqlx::query(&format!(
            "SELECT {VENDOR_COLS} FROM vendors WHERE namespace = $1"
        ))
        .bind(namespace)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| {
            Problem::not_found(
                "unknown-vendor",
                format!("there is no vendor '{namespace}'"),
            )
        })?;
        Ok((row.try_get("id")?, vendor(&row)?))
    }

    /// The vendor's id if the caller may act for it (with `scope` for API tokens) and it
    /// is approved.
    pub(crate) async fn acting_vendor(
        &self,
        who: &Identity,
        namespace: &str,
        scope: Option<TokenScope>,
    ) -> Result<i64> {
        who.require_vendor(namespace, scope)?;
        let (id, v) = self.vendor_row(namespace).await?;
        if v.status != "approved" {
            return Err(Problem::forbidden(
                "vendor-not-approved",
                format!(
                    "the vendor '{namespace}' is {}; the operator must approve it first",
                    v.status
                ),
            ));
        }
        Ok(id)
    }

    /// A vendor, as its own members or the operator see it.
    pub async fn vendor(&self, who: &Identity, namespace: &str) -> Result<Vendor> {
        if who.role != Role::Operator {
            who.require_vendor(namespace, None)?;
        }
        self.vendor_row(namespace).await.map(|(_, v)| v)
    }

    /// Every vendor, optionally of one status (operator only).
    pub async fn vendors(&self, who: &Identity, status: Option<&str>) -> Result<Vec<Vendor>> {
        who.require(Role::Operator)?;
        // Checked before the query: PostgreSQL refuses text it cannot store (a NUL).
        const STATUSES: &[&str] = &["pending", "approved", "rejected", "suspended"];
        if let Some(s) = status.filter(|s| !s.is_empty() && !STATUSES.contains(s)) {
            return Err(Problem::bad_request(
                "invalid-query",
                format!(
                    "'{}' is not a vendor status; use one of: {}",
                    s.escape_debug(),
                    STATUSES.join(", ")
                ),
            ));
        }
        let rows = sqlx::query(&format!(
            "SELECT {VENDOR_COLS} FROM vendors WHERE ($1 = '' OR status = $1) ORDER BY namespace"
        ))
        .bind(status.unwrap_or(""))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(vendor).collect()
    }

    /// Approve or reject a pending vendor (operator only).
    pub async fn decide_vendor(
        &self,
        who: &Identity,
        namespace: &str,
        approve: bool,
        reason: Option<&str>,
    ) -> Result<Vendor> {
        who.require(Role::Operator)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if !approve && reason.is_none() {
            return Err(Problem::invalid(
                "reason-required",
                "say why the vendor is rejected; the vendor sees the reason",
            )
            .at("/reason"));
        }
        let (id, v) = self.vendor_row(namespace).await?;
        if v.status != "pending" {
            return Err(Problem::conflict(
                "not-pending",
                format!("the vendor '{namespace}' is already {}", v.status),
            ));
        }
        let status = if approve { "approved" } else { "rejected" };
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE vendors SET status = $1, status_reason = $2, decided_ms = $3 WHERE id = $4 AND status = 'pending'")
            .bind(status)
            .bind(reason)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            who,
            namespace,
            &format!("vendor.{}", if approve { "approve" } else { "reject" }),
            namespace,
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        self.vendor_row(namespace).await.map(|(_, v)| v)
    }

    /// Register a public signing key (base64 of the 32 bytes).
    pub async fn add_key(
        &self,
        who: &Identity,
        namespace: &str,
        label: &str,
        public_key: &str,
    ) -> Result<VendorKey> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        let key = package::decode_public_key(public_key)
            .map_err(|e| Problem::invalid("invalid-key", format!("the public key is not usable: {e}; give the base64 of a 32-byte ed25519 public key, as `jobunivers keygen` prints")).at("/public_key"))?;
        if label.trim().is_empty() {
            return Err(Problem::invalid(
                "invalid-label",
                "give the key a label, e.g. 'laptop' or 'CI'",
            )
            .at("/label"));
        }
        let key_id = package::key_id(&key);
        let mut tx = self.db.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO vendor_keys (vendor_id, key_id, public_key, label, created_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(vendor_id)
        .bind(&key_id)
        .bind(key.as_bytes().to_vec())
        .bind(label.trim())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Problem::conflict(
                "key-exists",
                format!("the key {key_id} is already registered"),
            )
            .at("/public_key"));
        }
        audit::record(
            &mut tx,
            who,
            namespace,
            "key.add",
            &key_id,
            serde_json::json!({ "label": label.trim() }),
        )
        .await?;
        tx.commit().await?;
        let keys = self.keys(who, namespace).await?;
        keys.into_iter()
            .find(|k| k.key_id == key_id)
            .ok_or_else(|| Problem::internal("a key vanished after insert"))
    }

    /// The vendor's keys, revoked ones included.
    pub async fn keys(&self, who: &Identity, namespace: &str) -> Result<Vec<VendorKey>> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        let rows = sqlx::query("SELECT key_id, label, public_key, created_ms, revoked_ms FROM vendor_keys WHERE vendor_id = $1 ORDER BY id")
            .bind(vendor_id)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let bytes: Vec<u8> = r.try_get("public_key")?;
                let bytes: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| Problem::internal("stored key is not 32 bytes"))?;
                Ok(VendorKey {
                    key_id: r.try_get("key_id")?,
                    label: r.try_get("label")?,
                    public_key: package::encode_key(&bytes),
                    created_ms: r.try_get("created_ms")?,
                    revoked_ms: opt_i64(r, "revoked_ms")?,
                })
            })
            .collect()
    }

    /// Revoke a key: packages signed with it are refused from now on.
    pub async fn revoke_key(&self, who: &Identity, namespace: &str, key_id: &str) -> Result<()> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query("UPDATE vendor_keys SET revoked_ms = $1 WHERE vendor_id = $2 AND key_id = $3 AND revoked_ms IS NULL")
            .bind(now_ms())
            .bind(vendor_id)
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Problem::not_found(
                "unknown-key",
                format!("the vendor '{namespace}' has no active key '{key_id}'"),
            ));
        }
        audit::record(
            &mut tx,
            who,
            namespace,
            "key.revoke",
            key_id,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Create an API token; its secret is in the answer and nowhere else.
    pub async fn create_token(
        &self,
        who: &Identity,
        namespace: &str,
        req: NewToken,
    ) -> Result<ApiToken> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        if req.scopes.is_empty() {
            return Err(Problem::invalid(
                "invalid-scopes",
                "give at least one scope: publish, yank",
            )
            .at("/scopes"));
        }
        if req.label.trim().is_empty() {
            return Err(
                Problem::invalid("invalid-label", "give the token a label, e.g. 'CI'").at("/label"),
            );
        }
        let days = req.expires_in_days.unwrap_or(90);
        if !(1..=365).contains(&days) {
            return Err(
                Problem::invalid("invalid-expiry", "a token lives 1 to 365 days")
                    .at("/expires_in_days"),
            );
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).map_err(Problem::internal)?;
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
        let scopes: BTreeSet<TokenScope> = req.scopes.iter().copied().collect();
        let scopes_text = scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let now = now_ms();
        let expires = now + i64::from(days) * 86_400_000;
        let mut tx = self.db.begin_write().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (vendor_id, token_hash, scopes, label, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(vendor_id)
        .bind(token_hash(&secret))
        .bind(&scopes_text)
        .bind(req.label.trim())
        .bind(now)
        .bind(expires)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        audit::record(
            &mut tx,
            who,
            namespace,
            "token.create",
            &id.to_string(),
            serde_json::json!({ "label": req.label.trim(), "scopes": scopes_text }),
        )
        .await?;
        tx.commit().await?;
        Ok(ApiToken {
            id,
            label: req.label.trim().into(),
            scopes: scopes.into_iter().collect(),
            created_ms: now,
            expires_ms: Some(expires),
            revoked_ms: None,
            secret: Some(secret),
        })
    }

    /// The vendor's tokens (without secrets).
    pub async fn tokens(&self, who: &Identity, namespace: &str) -> Result<Vec<ApiToken>> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        let rows = sqlx::query("SELECT id, label, scopes, created_ms, expires_ms, revoked_ms FROM api_tokens WHERE vendor_id = $1 ORDER BY id")
            .bind(vendor_id)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    label: r.try_get("label")?,
                    scopes: parse_scopes(&r.try_get::<String, _>("scopes")?),
                    created_ms: r.try_get("created_ms")?,
                    expires_ms: opt_i64(r, "expires_ms")?,
                    revoked_ms: opt_i64(r, "revoked_ms")?,
                    secret: None,
                })
            })
            .collect()
    }

    /// Revoke a token.
    pub async fn revoke_token(&self, who: &Identity, namespace: &str, id: i64) -> Result<()> {
        let vendor_id = self.acting_vendor(who, namespace, None).await?;
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE vendor_id = $2 AND id = $3 AND revoked_ms IS NULL")
            .bind(now_ms())
            .bind(vendor_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Problem::not_found(
                "unknown-token",
                format!("the vendor '{namespace}' has no active token {id}"),
            ));
        }
        audit::record(
            &mut tx,
            who,
            namespace,
            "token.revoke",
            &id.to_string(),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who an API token secret belongs to, if it is valid, unexpired and unrevoked and
    /// its vendor is approved.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Identity> {
        let row = sqlx::query(
            "SELECT t.id, t.scopes, t.expires_ms, t.revoked_ms, v.namespace, v.status FROM api_tokens t \
             JOIN vendors v ON v.id = t.vendor_id WHERE t.token_hash = $1",
        )
        .bind(token_hash(secret))
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| Problem::unauthorized("invalid-token", "this API token is not known; create one in the vendor portal"))?;
        if opt_i64(&row, "revoked_ms")?.is_some() {
            return Err(Problem::unauthorized(
                "invalid-token",
                "this API token has been revoked; create a new one",
            ));
        }
        if opt_i64(&row, "expires_ms")?.is_some_and(|e| e <= now_ms()) {
            return Err(Problem::unauthorized(
                "invalid-token",
                "this API token has expired; create a new one",
            ));
        }
        let id: i64 = row.try_get("id")?;
        Ok(Identity {
            subject: format!("token-{id}"),
            role: Role::Vendor,
            tenant: Some(row.try_get("namespace")?),
            scopes: Some(
                parse_scopes(&row.try_get::<String, _>("scopes")?)
                    .into_iter()
                    .collect(),
            ),
        })
    }
}

fn parse_scopes(text: &str) -> Vec<TokenScope> {
    text.split(',')
        .filter_map(|s| match s {
            "publish" => Some(TokenScope::Publish),
            "yank" => Some(TokenScope::Yank),
            _ => None,
        })
        .collect()
}
