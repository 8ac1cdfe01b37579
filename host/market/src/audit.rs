//! The audit log: who did what, when, to what. Entries are written inside the
//! transaction of the change they record, so there is never a change without its entry.

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::Market;
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::problem::{Problem, Result};

/// One entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When (Unix ms).
    pub at_ms: i64,
    /// Who, e.g. `admin:jens@0101`.
    pub actor: String,
    /// Whose data: a municipality code, a vendor namespace, or "platform".
    pub tenant: String,
    /// What, e.g. `installation.create`.
    pub action: String,
    /// To what, e.g. `schultz.job-log`.
    pub subject: String,
    /// The details of the change.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// Record an entry within `tx`.
pub(crate) async fn record(
    tx: &mut Transaction<'_, Any>,
    who: &Identity,
    tenant: &str,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, tenant, action, subject, details) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(super::now_ms())
    .bind(who.actor())
    .bind(tenant)
    .bind(action)
    .bind(subject)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Market {
    /// The audit log of one tenant (a municipality code or vendor namespace), newest
    /// first; the operator may read any tenant's, including "platform".
    pub async fn audit_log(
        &self,
        who: &Identity,
        tenant: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        match who.role {
            Role::Operator => {}
            // A login only: an API token may publish, yank and deprecate, nothing more.
            Role::Vendor => who.require_vendor(tenant, None)?,
            Role::Admin => who.require_admin_of(tenant)?,
            Role::Caseworker | Role::Citizen => {
                return Err(Problem::forbidden(
                    "other-tenant",
                    format!("you cannot read the audit log of '{tenant}'"),
                ))
            }
        }
        let rows = sqlx::query(
            "SELECT at_ms, actor, tenant, action, subject, details FROM audit_log \
             WHERE tenant = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant)
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.db.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at_ms: r.try_get("at_ms")?,
                    actor: r.try_get("actor")?,
                    tenant: r.try_get("tenant")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    details: super::json_col(r, "details")?,
                })
            })
            .collect()
    }
}
