//! Review and the life of a version after it: the operator approves or rejects each
//! submitted version, seeing the capability diff from the previous version; suspends a
//! version (the kill switch) and lifts it; the vendor yanks its own versions and
//! deprecates its blocks. Admins of municipalities using the block are told.

use std::collections::BTreeSet;

use semver::Version;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{audit, json_col, now_ms, opt_i64, opt_str, sees_unreleased, Market};
use jobunivers_core::auth::{Identity, Role, TokenScope};
use jobunivers_core::model::RawManifest;
use jobunivers_core::problem::{Problem, Result};

/// One version as the vendor and operator see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionInfo {
    /// `vendor.block`.
    pub block: String,
    /// The version.
    pub version: String,
    /// submitted, approved, rejected, suspended or yanked (suspension and yanking
    /// show over the review status).
    pub status: String,
    /// The review decision: submitted, approved or rejected.
    pub review: String,
    /// The reason given for the review decision.
    pub review_reason: Option<String>,
    /// Suspended (Unix ms) and why.
    pub suspended_ms: Option<i64>,
    /// Why it was suspended.
    pub suspend_reason: Option<String>,
    /// Yanked (Unix ms).
    pub yanked_ms: Option<i64>,
    /// Why it was yanked.
    pub yank_reason: Option<String>,
    /// sha256 of the component.
    pub sha256: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// Contract version.
    pub contract_version: String,
    /// Requested capabilities.
    pub capabilities: Vec<String>,
    /// Published (Unix ms).
    pub created_ms: i64,
}

/// How a version's requested capabilities differ from the previous version's.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CapabilityDiff {
    /// The version compared with (the closest lower approved version, else the closest
    /// lower one), if any.
    pub previous_version: Option<String>,
    /// Requested now, not before.
    pub added: Vec<String>,
    /// Requested before, not now.
    pub removed: Vec<String>,
    /// Requested by both.
    pub unchanged: Vec<String>,
}

/// A submitted version waiting for review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewItem {
    /// The version.
    #[serde(flatten)]
    pub version: VersionInfo,
    /// The vendor's namespace.
    pub vendor: String,
    /// The full manifest.
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// What changed in the capabilities.
    pub diff: CapabilityDiff,
}

/// A message to a municipality's admins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// Id.
    pub id: i64,
    /// When (Unix ms).
    pub at_ms: i64,
    /// suspended, lifted, yanked, deprecated or grant-needed.
    pub kind: String,
    /// What it is about, e.g. `schultz.job-log@1.2.0`.
    pub subject: String,
    /// The message.
    pub message: String,
}

const VERSION_COLS: &str = "b.block_id, v.version, v.status, v.status_reason, v.suspended_ms, v.suspend_reason, \
     v.yanked_ms, v.yank_reason, v.sha256, v.size_bytes, v.contract_version, v.capabilities, v.created_ms";

fn version_info(row: &AnyRow) -> Result<VersionInfo> {
    let review: String = row.try_get("status")?;
    let suspended_ms = opt_i64(row, "suspended_ms")?;
    let yanked_ms = opt_i64(row, "yanked_ms")?;
    let status = if suspended_ms.is_some() {
        "suspended".to_owned()
    } else if yanked_ms.is_some() {
        "yanked".to_owned()
    } else {
        review.clone()
    };
    Ok(VersionInfo {
        block: row.try_get("block_id")?,
        version: row.try_get("version")?,
        status,
        review,
        review_reason: opt_str(row, "status_reason")?,
        suspended_ms,
        suspend_reason: opt_str(row, "suspend_reason")?,
        yanked_ms,
        yank_reason: opt_str(row, "yank_reason")?,
        sha256: row.try_get("sha256")?,
        size_bytes: row.try_get("size_bytes")?,
        contract_version: row.try_get("contract_version")?,
        capabilities: json_col(row, "capabilities")?,
        created_ms: row.try_get("created_ms")?,
    })
}

/// The capability diff of `this` against the other versions of its block.
pub(crate) fn diff(this: &VersionInfo, all: &[VersionInfo]) -> CapabilityDiff {
    let v = Version::parse(&this.version).ok();
    let lower = |approved_only: bool| {
        all.iter()
            .filter(|o| !approved_only || o.review == "approved")
            .filter_map(|o| Version::parse(&o.version).ok().map(|ov| (ov, o)))
            .filter(|(ov, _)| v.as_ref().is_some_and(|v| ov < v))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, o)| o)
    };
    let prev = lower(true).or_else(|| lower(false));
    let now: BTreeSet<&String> = this.capabilities.iter().collect();
    let before: BTreeSet<&String> = prev
        .map(|p| p.capabilities.iter().collect())
        .unwrap_or_default();
    CapabilityDiff {
        previous_version: prev.map(|p| p.version.clone()),
        added: now.difference(&before).map(|s| s.to_string()).collect(),
        removed: before.difference(&now).map(|s| s.to_string()).collect(),
        unchanged: now.intersection(&before).map(|s| s.to_string()).collect(),
    }
}

/// What the operator can do to a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// submitted → approved.
    Approve,
    /// submitted → rejected (reason required).
    Reject,
    /// Kill switch (reason required).
    Suspend,
    /// Undo a suspension.
    Lift,
}

impl Market {
    /// Every version of a block the caller may see, newest first. Municipalities and
    /// citizens see approved ones; the vendor and the operator see all.
    pub async fn versions(&self, who: Option<&Identity>, block: &str) -> Result<Vec<VersionInfo>> {
        let namespace = block.split_once('.').map(|(n, _)| n).unwrap_or("");
        let all = sees_unreleased(who, namespace);
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM block_versions v JOIN blocks b ON b.id = v.block_ref \
             WHERE b.block_id = $1 AND ($2 OR v.status = 'approved') ORDER BY v.id DESC"
        ))
        .bind(block)
        .bind(all)
        .fetch_all(self.db.pool())
        .await?;
        if rows.is_empty() {
            return Err(Problem::not_found(
                "unknown-block",
                format!("there is no block '{block}' you can see"),
            ));
        }
        rows.iter().map(version_info).collect()
    }

    /// The review queue: submitted versions, oldest first, each with its manifest and
    /// capability diff (operator only).
    pub async fn review_queue(&self, who: &Identity) -> Result<Vec<ReviewItem>> {
        who.require(Role::Operator)?;
        let rows = sqlx::query(&format!(
            "SELECT {VERSION_COLS}, v.manifest, v.block_ref FROM block_versions v JOIN blocks b ON b.id = v.block_ref \
             WHERE v.status = 'submitted' ORDER BY v.id"
        ))
        .fetch_all(self.db.pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let info = version_info(row)?;
            let others = self.versions(Some(who), &info.block).await?;
            let manifest: RawManifest = json_col(row, "manifest")?;
            out.push(ReviewItem {
                diff: diff(&info, &others),
                vendor: info
                    .block
                    .split_once('.')
                    .map(|(n, _)| n.to_owned())
                    .unwrap_or_default(),
                manifest: serde_json::to_value(&manifest).map_err(Problem::internal)?,
                version: info,
            });
        }
        Ok(out)
    }

    /// The operator's decision on a version.
    pub async fn decide(
        &self,
        who: &Identity,
        block: &str,
        version: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<VersionInfo> {
        who.require(Role::Operator)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if matches!(decision, Decision::Reject | Decision::Suspend) && reason.is_none() {
            return Err(Problem::invalid(
                "reason-required",
                "give a reason; the vendor and the affected municipalities see it",
            )
            .at("/reason"));
        }
        let info = self.version_info(block, version).await?;
        let (sql, ok, action) = match decision {
            Decision::Approve => ("UPDATE block_versions SET status = 'approved', status_reason = $1, decided_ms = $2 WHERE id = $3 AND status = 'submitted'", info.review == "submitted", "version.approve"),
            Decision::Reject => ("UPDATE block_versions SET status = 'rejected', status_reason = $1, decided_ms = $2 WHERE id = $3 AND status = 'submitted'", info.review == "submitted", "version.reject"),
            Decision::Suspend => ("UPDATE block_versions SET suspend_reason = $1, suspended_ms = $2 WHERE id = $3 AND suspended_ms IS NULL AND status = 'approved'", info.review == "approved" && info.suspended_ms.is_none(), "version.suspend"),
            Decision::Lift => ("UPDATE block_versions SET suspend_reason = $1, suspended_ms = NULL WHERE id = $3 AND suspended_ms IS NOT NULL AND $2 > 0", info.suspended_ms.is_some(), "version.lift"),
        };
        if !ok {
            return Err(Problem::conflict(
                "wrong-state",
                format!(
                    "{block}@{version} is {}; it cannot be {}",
                    info.status,
                    match decision {
                        Decision::Approve => "approved",
                        Decision::Reject => "rejected",
                        Decision::Suspend => "suspended",
                        Decision::Lift => "lifted",
                    }
                ),
            ));
        }
        let id = self.version_id(block, version).await?;
        let mut tx = self.db.begin_write().await?;
        let done = sqlx::query(sql)
            .bind(reason)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Problem::conflict(
                "wrong-state",
                format!("{block}@{version} changed meanwhile; reload and try again"),
            ));
        }
        let subject = format!("{block}@{version}");
        audit::record(
            &mut tx,
            who,
            block.split_once('.').map(|(n, _)| n).unwrap_or(""),
            action,
            &subject,
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        match decision {
            Decision::Suspend => {
                notify_admins(&mut tx, block, "suspended", &subject, &format!(
                    "Driftsoperatøren har stoppet {subject}: {}. Borgerne ser ikke blokken, indtil stoppet ophæves. / The operator suspended {subject}: {}. Citizens do not see the block until the suspension is lifted.",
                    reason.unwrap_or(""), reason.unwrap_or("")
                )).await?;
            }
            Decision::Lift => {
                notify_admins(&mut tx, block, "lifted", &subject, &format!(
                    "Stoppet af {subject} er ophævet. / The suspension of {subject} has been lifted."
                )).await?;
            }
            Decision::Approve => self.tell_about_grants(&mut tx, block, &info).await?,
            Decision::Reject => {}
        }
        tx.commit().await?;
        self.version_info(block, version).await
    }

    /// Tell the admins whose installations would pick up a newly approved version but
    /// have not granted all it asks for.
    async fn tell_about_grants(
        &self,
        tx: &mut Transaction<'_, Any>,
        block: &str,
        info: &VersionInfo,
    ) -> Result<()> {
        let v = Version::parse(&info.version).map_err(Problem::internal)?;
        let rows = sqlx::query(
            "SELECT i.municipality_code, i.requirement, i.pinned_version, i.granted FROM installations i \
             JOIN blocks b ON b.id = i.block_ref WHERE b.block_id = $1",
        )
        .bind(block)
        .fetch_all(&mut **tx)
        .await?;
        for r in &rows {
            if opt_str(r, "pinned_version")?.is_some() {
                continue;
            }
            let req = semver::VersionReq::parse(&r.try_get::<String, _>("requirement")?)
                .map_err(Problem::internal)?;
            let granted: BTreeSet<String> =
                json_col::<Vec<String>>(r, "granted")?.into_iter().collect();
            let missing: Vec<&String> = info
                .capabilities
                .iter()
                .filter(|c| !granted.contains(*c))
                .collect();
            if req.matches(&v) && !missing.is_empty() {
                let list = missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let subject = format!("{block}@{}", info.version);
                insert_notice(tx, &r.try_get::<String, _>("municipality_code")?, "grant-needed", &subject, &format!(
                    "{subject} beder om mere: {list}. Den tages i brug, når I giver adgang. / {subject} asks for more: {list}. It is used once you grant it."
                )).await?;
            }
        }
        Ok(())
    }

    async fn version_id(&self, block: &str, version: &str) -> Result<i64> {
        let row = sqlx::query("SELECT v.id FROM block_versions v JOIN blocks b ON b.id = v.block_ref WHERE b.block_id = $1 AND v.version = $2")
            .bind(block)
            .bind(version)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| Problem::not_found("unknown-version", format!("there is no version {block}@{version}")))?;
        Ok(row.try_get("id")?)
    }

    async fn version_info(&self, block: &str, version: &str) -> Result<VersionInfo> {
        let row = sqlx::query(&format!(
            "SELECT {VERSION_COLS} FROM block_versions v JOIN blocks b ON b.id = v.block_ref WHERE b.block_id = $1 AND v.version = $2"
        ))
        .bind(block)
        .bind(version)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| Problem::not_found("unknown-version", format!("there is no version {block}@{version}")))?;
        version_info(&row)
    }

    /// The vendor yanks (or, with `yank = false`, un-yanks) its own version.
    pub async fn yank(
        &self,
        who: &Identity,
        block: &str,
        version: &str,
        yank: bool,
        reason: Option<&str>,
    ) -> Result<VersionInfo> {
        let namespace = block.split_once('.').map(|(n, _)| n).unwrap_or("");
        self.acting_vendor(who, namespace, Some(TokenScope::Yank))
            .await?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if yank && reason.is_none() {
            return Err(Problem::invalid(
                "reason-required",
                "say why the version is yanked; municipalities using it see the reason",
            )
            .at("/reason"));
        }
        let info = self.version_info(block, version).await?;
        if info.yanked_ms.is_some() == yank {
            return Err(Problem::conflict(
                "wrong-state",
                format!(
                    "{block}@{version} is {}already yanked",
                    if yank { "" } else { "not " }
                ),
            ));
        }
        let id = self.version_id(block, version).await?;
        let subject = format!("{block}@{version}");
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE block_versions SET yanked_ms = $1, yank_reason = $2 WHERE id = $3")
            .bind(if yank { Some(now_ms()) } else { None })
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            who,
            namespace,
            if yank {
                "version.yank"
            } else {
                "version.unyank"
            },
            &subject,
            serde_json::json!({ "reason": reason }),
        )
        .await?;
        if yank {
            notify_admins(&mut tx, block, "yanked", &subject, &format!(
                "Leverandøren har trukket {subject} tilbage: {}. Nye installationer bruger den ikke; fastlåste installationer kører videre. / The vendor yanked {subject}: {}. New installations will not use it; pinned ones keep running.",
                reason.unwrap_or(""), reason.unwrap_or("")
            )).await?;
        }
        tx.commit().await?;
        self.version_info(block, version).await
    }

    /// The vendor deprecates its block, with a message and an optional replacement
    /// block; `message = None` un-deprecates it.
    pub async fn deprecate(
        &self,
        who: &Identity,
        block: &str,
        message: Option<&str>,
        replacement: Option<&str>,
    ) -> Result<()> {
        let namespace = block.split_once('.').map(|(n, _)| n).unwrap_or("");
        self.acting_vendor(who, namespace, Some(TokenScope::Yank))
            .await?;
        self.version_id_any(block).await?;
        let message = message.map(str::trim).filter(|m| !m.is_empty());
        if let Some(r) = replacement {
            if r == block {
                return Err(Problem::invalid(
                    "invalid-replacement",
                    "a block cannot replace itself",
                )
                .at("/replacement"));
            }
            self.version_id_any(r).await.map_err(|_| {
                Problem::invalid("invalid-replacement", format!("there is no block '{r}'"))
                    .at("/replacement")
            })?;
        }
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE blocks SET deprecated_message = $1, replacement = $2, deprecated_ms = $3 WHERE block_id = $4")
            .bind(message)
            .bind(if message.is_some() { replacement } else { None })
            .bind(message.map(|_| now_ms()))
            .bind(block)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            who,
            namespace,
            if message.is_some() {
                "block.deprecate"
            } else {
                "block.undeprecate"
            },
            block,
            serde_json::json!({ "message": message, "replacement": replacement }),
        )
        .await?;
        if let Some(m) = message {
            let instead = replacement.map(|r| format!(" ({r})")).unwrap_or_default();
            notify_admins(&mut tx, block, "deprecated", block, &format!(
                "Leverandøren udfaser {block}: {m}{instead}. / The vendor deprecated {block}: {m}{instead}."
            )).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn version_id_any(&self, block: &str) -> Result<i64> {
        let row = sqlx::query("SELECT id FROM blocks WHERE block_id = $1")
            .bind(block)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| {
                Problem::not_found("unknown-block", format!("there is no block '{block}'"))
            })?;
        Ok(row.try_get("id")?)
    }

    /// Messages for municipality `code`'s admins, newest first.
    pub async fn notices(&self, who: &Identity, code: &str) -> Result<Vec<Notice>> {
        who.require_admin_of(code)?;
        let rows = sqlx::query("SELECT id, at_ms, kind, subject, message FROM admin_notices WHERE municipality_code = $1 ORDER BY id DESC LIMIT 200")
            .bind(code)
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Notice {
                    id: r.try_get("id")?,
                    at_ms: r.try_get("at_ms")?,
                    kind: r.try_get("kind")?,
                    subject: r.try_get("subject")?,
                    message: r.try_get("message")?,
                })
            })
            .collect()
    }
}

async fn insert_notice(
    tx: &mut Transaction<'_, Any>,
    code: &str,
    kind: &str,
    subject: &str,
    message: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO admin_notices (municipality_code, at_ms, kind, subject, message) VALUES ($1, $2, $3, $4, $5)")
        .bind(code)
        .bind(now_ms())
        .bind(kind)
        .bind(subject)
        .bind(message)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Tell the admins of every municipality with an installation of `block`.
async fn notify_admins(
    tx: &mut Transaction<'_, Any>,
    block: &str,
    kind: &str,
    subject: &str,
    message: &str,
) -> Result<()> {
    let rows = sqlx::query("SELECT DISTINCT i.municipality_code FROM installations i JOIN blocks b ON b.id = i.block_ref WHERE b.block_id = $1")
        .bind(block)
        .fetch_all(&mut **tx)
        .await?;
    for r in &rows {
        insert_notice(
            tx,
            &r.try_get::<String, _>("municipality_code")?,
            kind,
            subject,
            message,
        )
        .await?;
    }
    Ok(())
}
