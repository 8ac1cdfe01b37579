//! What the vendor portal lists: a vendor's own blocks with their versions (every review
//! status) and how many municipalities have each installed.

use serde::Serialize;
use sqlx::Row;

use super::{opt_str, Market, VersionInfo};
use jobunivers_core::auth::Identity;
use jobunivers_core::problem::Result;

/// One of a vendor's blocks, with every version (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct VendorBlock {
    /// `vendor.block`.
    pub block: String,
    /// Category.
    pub category: String,
    /// The deprecation message, if deprecated.
    pub deprecated: Option<String>,
    /// The suggested replacement.
    pub replacement: Option<String>,
    /// Municipalities that have it installed.
    pub municipalities: i64,
    /// Its versions, newest first.
    pub versions: Vec<VersionInfo>,
}

impl Market {
    /// The blocks of vendor `namespace`, for the vendor itself (or the operator).
    pub async fn vendor_blocks(&self, who: &Identity, namespace: &str) -> Result<Vec<VendorBlock>> {
        who.require_vendor(namespace, None).or_else(|e| {
            if who.role == jobunivers_core::auth::Role::Operator {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        let rows = sqlx::query(
            "SELECT b.block_id, b.category, b.deprecated_message, b.replacement, \
             (SELECT COUNT(*) FROM installations i WHERE i.block_ref = b.id) AS municipalities \
             FROM blocks b JOIN vendors v ON v.id = b.vendor_id WHERE v.namespace = $1 ORDER BY b.block_id",
        )
        .bind(namespace)
        .fetch_all(self.db().pool())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let block: String = r.try_get("block_id")?;
            let mut versions = self.versions(Some(who), &block).await?;
            versions.sort_by(|a, b| {
                let va = semver::Version::parse(&a.version).ok();
                let vb = semver::Version::parse(&b.version).ok();
                vb.cmp(&va)
            });
            out.push(VendorBlock {
                block,
                category: r.try_get("category")?,
                deprecated: opt_str(r, "deprecated_message")?,
                replacement: opt_str(r, "replacement")?,
                municipalities: r.try_get("municipalities")?,
                versions,
            });
        }
        Ok(out)
    }
}
