//! Who has signed in as staff through an OpenID provider, and with which role (see
//! `migrations/*/0015_staff_sessions.sql`): one row per provider account, written at
//! each sign-in (the role follows the provider's groups, so a moved or removed person
//! is current after their next sign-in) and shown to the tenant's administrators.

use sqlx::Row;

use crate::Db;
use jobunivers_core::auth::Role;
use jobunivers_core::clock::now_ms;

/// A member of staff as the administrators see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    /// The OpenID provider they sign in through.
    pub provider: String,
    /// Their subject at that provider.
    pub subject: String,
    /// The role the mapping gave them at their last sign-in.
    pub role: Role,
    /// The municipality code or vendor namespace (none for the operator).
    pub tenant: Option<String>,
    /// Their name, if the provider sends one.
    pub name: Option<String>,
    /// Their e-mail address, if the provider sends one.
    pub email: Option<String>,
    /// The claim value that gave them the role (e.g. the group).
    pub matched: String,
    /// Their first sign-in (ms since the epoch).
    pub first_ms: i64,
    /// Their last sign-in.
    pub last_ms: i64,
}

/// The staff directory.
#[derive(Debug, Clone)]
pub struct Staff {
    db: Db,
}

impl Staff {
    /// The directory in `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Record a sign-in of `member` (its `first_ms` and `last_ms` are set here).
    pub async fn record(&self, member: &StaffMember) -> Result<(), sqlx::Error> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO staff_members (provider, subject, role, tenant, name, email, matched, first_ms, last_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (provider, subject) DO UPDATE SET role = excluded.role, tenant = excluded.tenant, \
             name = excluded.name, email = excluded.email, matched = excluded.matched, last_ms = excluded.last_ms",
        )
        .bind(&member.provider)
        .bind(&member.subject)
        .bind(member.role.as_str())
        .bind(member.tenant.as_deref())
        .bind(member.name.as_deref())
        .bind(member.email.as_deref())
        .bind(&member.matched)
        .bind(now)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The account no longer has a role: off the list.
    pub async fn forget(&self, provider: &str, subject: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM staff_members WHERE provider = $1 AND subject = $2")
            .bind(provider)
            .bind(subject)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// The staff of `tenant` (a municipality code or a vendor namespace), by role then
    /// name; `None` lists the operator's people.
    pub async fn of_tenant(&self, tenant: Option<&str>) -> Result<Vec<StaffMember>, sqlx::Error> {
        let rows = match tenant {
            Some(t) => {
                sqlx::query(
                    "SELECT * FROM staff_members WHERE tenant = $1 ORDER BY role, name, subject LIMIT 1000",
                )
                .bind(t)
                .fetch_all(self.db.pool())
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT * FROM staff_members WHERE tenant IS NULL ORDER BY role, name, subject LIMIT 1000",
                )
                .fetch_all(self.db.pool())
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok(StaffMember {
                    provider: r.try_get("provider")?,
                    subject: r.try_get("subject")?,
                    role: role
                        .parse()
                        .map_err(|_| sqlx::Error::Decode(format!("role '{role}'").into()))?,
                    tenant: r.try_get("tenant")?,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    matched: r.try_get("matched")?,
                    first_ms: r.try_get("first_ms")?,
                    last_ms: r.try_get("last_ms")?,
                })
            })
            .collect()
    }
}
