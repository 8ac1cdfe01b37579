//! Changing a municipality's installations: install (the configuration checked against the schema of the version that would run), change, upgrade, pin, roll back and uninstall, each one transaction with its audit entry.

use super::*;

impl Market {
    /// Validate a configuration against the schema of the version the installation
    /// would run (or wait for).
    pub(crate) async fn check_config(
        &self,
        block_ref: i64,
        res: &Resolution,
        config: &serde_json::Value,
    ) -> Result<()> {
        let Some(version) = res
            .version
            .as_ref()
            .or(res.awaiting_grant.as_ref().map(|a| &a.version))
        else {
            return Ok(());
        };
        let manifest = self.manifest_of(block_ref, version).await?;
        let errors = manifest.config_errors(config).map_err(Problem::internal)?;
        if errors.is_empty() {
            return Ok(());
        }
        let first = errors[0].clone();
        Err(Problem::invalid(
            "invalid-config",
            format!(
                "the configuration does not fit the schema of {}@{version}: {} ({})",
                manifest.raw.id, first.1, first.0
            ),
        )
        .at(format!(
            "/config{}",
            if first.0 == "/" { "" } else { first.0.as_str() }
        ))
        .with_errors(
            errors
                .into_iter()
                .map(|(p, d)| {
                    FieldError::at(
                        format!("/config{}", if p == "/" { "" } else { p.as_str() }),
                        d,
                    )
                })
                .collect(),
        ))
    }

    /// The block's row id if it has an approved version (else 404: unapproved blocks
    /// are invisible to municipalities).
    pub(crate) async fn installable_block(&self, block: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT b.id FROM blocks b WHERE b.block_id = $1 AND EXISTS \
             (SELECT 1 FROM block_versions v WHERE v.block_ref = b.id AND v.status = 'approved')",
        )
        .bind(block)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| {
            Problem::not_found(
                "unknown-block",
                format!("there is no approved block '{block}' in the catalog"),
            )
            .at("/block")
        })?;
        Ok(row.try_get("id")?)
    }

    /// Install a block for municipality `code`.
    pub async fn install(
        &self,
        who: &Identity,
        code: &str,
        req: NewInstallation,
    ) -> Result<Installation> {
        who.require_admin_of(code)?;
        self.known_municipality(code).await?;
        let block_ref = self.installable_block(&req.block).await?;
        let candidates = self.candidates(block_ref).await?;
        let requirement = match &req.requirement {
            Some(r) => r.clone(),
            None => {
                let latest = candidates
                    .iter()
                    .filter(|c| c.approved && !c.suspended && !c.yanked && c.supported)
                    .map(|c| &c.version)
                    .max()
                    .ok_or_else(|| {
                        Problem::invalid(
                            "no-installable-version",
                            format!("'{}' has no version that can be installed now", req.block),
                        )
                    })?;
                format!("^{latest}")
            }
        };
        let parsed = parse_requirement(&requirement, "/requirement")?;
        let granted = check_grants(&req.granted)?;
        check_audience(&req.audience)?;
        let legal_basis = check_basis(&req.legal_basis)?;
        let res = resolve::resolve(&candidates, &parsed, None, &granted);
        if res.version.is_none() && res.awaiting_grant.is_none() {
            return Err(
                Problem::invalid("no-matching-version", res.reason.unwrap_or_default())
                    .at("/requirement"),
            );
        }
        let config = match req.config {
            Some(c) => c,
            None => {
                let v = res
                    .version
                    .as_ref()
                    .or(res.awaiting_grant.as_ref().map(|a| &a.version))
                    .cloned()
                    .unwrap_or_default();
                self.manifest_of(block_ref, &v).await?.default_config
            }
        };
        self.check_config(block_ref, &res, &config).await?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let position = match req.position {
            Some(p) => p,
            None => {
                let row = sqlx::query("SELECT COALESCE(MAX(position), 0) + 1 AS next FROM installations WHERE municipality_code = $1")
                    .bind(code)
                    .fetch_one(&mut *tx)
                    .await?;
                row.try_get::<i64, _>("next")?
            }
        };
        let granted_json = serde_json::to_string(&granted).map_err(Problem::internal)?;
        let inserted = sqlx::query(
            "INSERT INTO installations (municipality_code, block_ref, requirement, config, granted, audience, position, enabled, created_ms, updated_ms, legal_basis) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) ON CONFLICT (municipality_code, block_ref) DO NOTHING RETURNING id",
        )
        .bind(code)
        .bind(block_ref)
        .bind(&requirement)
        .bind(config.to_string())
        .bind(&granted_json)
        .bind(serde_json::to_string(&req.audience).map_err(Problem::internal)?)
        .bind(position)
        .bind(req.enabled.unwrap_or(true))
        .bind(now)
        .bind(serde_json::to_string(&legal_basis).map_err(Problem::internal)?)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            return Err(Problem::conflict(
                "already-installed",
                format!(
                    "'{}' is already installed in {code}; change that installation instead",
                    req.block
                ),
            )
            .at("/block"));
        };
        let id: i64 = row.try_get("id")?;
        audit::record(
            &mut tx,
            who,
            code,
            "installation.create",
            &req.block,
            serde_json::json!({ "id": id, "requirement": requirement, "granted": granted, "audience": req.audience, "position": position, "config": config, "legal_basis": legal_basis }),
        )
        .await?;
        tx.commit().await?;
        self.installation(who, code, id).await
    }

    /// Change an installation.
    pub async fn change_installation(
        &self,
        who: &Identity,
        code: &str,
        id: i64,
        change: InstallationChange,
    ) -> Result<Installation> {
        who.require_admin_of(code)?;
        let current = self.installation_row(code, id).await?;
        let block_ref = current.block_ref;
        let mut next = current.inst.clone();
        if let Some(r) = &change.requirement {
            parse_requirement(r, "/requirement")?;
            next.requirement = r.clone();
        }
        if change.pin.is_some() && change.unpin {
            return Err(
                Problem::invalid("pin-conflict", "give either pin or unpin, not both").at("/pin"),
            );
        }
        if let Some(p) = &change.pin {
            let v = Version::parse(p).map_err(|e| {
                Problem::invalid("invalid-version", format!("'{p}' is not a version: {e}"))
                    .at("/pin")
            })?;
            next.pinned_version = Some(v.to_string());
        }
        if change.unpin {
            next.pinned_version = None;
        }
        if let Some(g) = &change.granted {
            next.granted = check_grants(g)?.into_iter().collect();
        }
        if let Some(a) = &change.audience {
            check_audience(a)?;
            next.audience = a.clone();
        }
        if let Some(p) = change.position {
            next.position = p;
        }
        if let Some(e) = change.enabled {
            next.enabled = e;
        }
        if let Some(b) = &change.legal_basis {
            next.legal_basis = check_basis(b)?;
        }
        if let Some(c) = &change.config {
            next.config = c.clone();
        }
        let candidates = self.candidates(block_ref).await?;
        let req = VersionReq::parse(&next.requirement).map_err(Problem::internal)?;
        let pinned = next
            .pinned_version
            .as_deref()
            .map(Version::parse)
            .transpose()
            .map_err(Problem::internal)?;
        let granted: BTreeSet<String> = next.granted.iter().cloned().collect();
        let res = resolve::resolve(&candidates, &req, pinned.as_ref(), &granted);
        if let Some(p) = &pinned {
            if !candidates.iter().any(|c| &c.version == p && c.approved) {
                return Err(Problem::invalid(
                    "no-such-version",
                    format!("{}@{p} is not an approved version", next.block),
                )
                .at("/pin"));
            }
        }
        if change.requirement.is_some() {
            // Checked without the pin: the requirement applies as soon as it is removed.
            let unpinned = resolve::resolve(&candidates, &req, None, &granted);
            if unpinned.version.is_none() && unpinned.awaiting_grant.is_none() {
                return Err(Problem::invalid(
                    "no-matching-version",
                    unpinned.reason.unwrap_or_default(),
                )
                .at("/requirement"));
            }
        }
        self.check_config(block_ref, &res, &next.config).await?;
        let mut tx = self.db.begin_write().await?;
        self.write_installation(&mut tx, &next).await?;
        audit::record(
            &mut tx,
            who,
            code,
            "installation.change",
            &next.block,
            serde_json::json!({
                "id": id,
                "before": { "requirement": current.inst.requirement, "pinned_version": current.inst.pinned_version, "granted": current.inst.granted, "audience": current.inst.audience, "position": current.inst.position, "enabled": current.inst.enabled, "config": current.inst.config, "legal_basis": current.inst.legal_basis },
                "after": { "requirement": next.requirement, "pinned_version": next.pinned_version, "granted": next.granted, "audience": next.audience, "position": next.position, "enabled": next.enabled, "config": next.config, "legal_basis": next.legal_basis },
            }),
        )
        .await?;
        tx.commit().await?;
        self.installation(who, code, id).await
    }

    pub(crate) async fn write_installation(
        &self,
        tx: &mut Transaction<'_, Any>,
        i: &Installation,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE installations SET requirement = $1, pinned_version = $2, config = $3, granted = $4, audience = $5, \
             position = $6, enabled = $7, updated_ms = $8, legal_basis = $11 WHERE id = $9 AND municipality_code = $10",
        )
        .bind(&i.requirement)
        .bind(&i.pinned_version)
        .bind(i.config.to_string())
        .bind(serde_json::to_string(&i.granted).map_err(Problem::internal)?)
        .bind(serde_json::to_string(&i.audience).map_err(Problem::internal)?)
        .bind(i.position)
        .bind(i.enabled)
        .bind(now_ms())
        .bind(i.id)
        .bind(&i.municipality)
        .bind(serde_json::to_string(&i.legal_basis).map_err(Problem::internal)?)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Roll back: pin the installation to the highest usable version below the one it
    /// runs now.
    pub async fn rollback(&self, who: &Identity, code: &str, id: i64) -> Result<Installation> {
        who.require_admin_of(code)?;
        let current = self.installation(who, code, id).await?;
        let Some(running) = current
            .resolution
            .version
            .as_deref()
            .and_then(|v| Version::parse(v).ok())
        else {
            return Err(Problem::conflict(
                "nothing-running",
                "no version runs now, so there is nothing to roll back from",
            ));
        };
        let block_ref = self.installation_row(code, id).await?.block_ref;
        let granted: BTreeSet<String> = current.granted.iter().cloned().collect();
        let target = self
            .candidates(block_ref)
            .await?
            .into_iter()
            .filter(|c| {
                c.approved && !c.suspended && !c.yanked && c.supported && c.version < running
            })
            .filter(|c| c.capabilities.is_subset(&granted))
            .map(|c| c.version)
            .max()
            .ok_or_else(|| {
                Problem::conflict(
                    "no-earlier-version",
                    format!(
                        "there is no usable version of {} below {running}",
                        current.block
                    ),
                )
            })?;
        self.change_installation(
            who,
            code,
            id,
            InstallationChange {
                pin: Some(target.to_string()),
                ..Default::default()
            },
        )
        .await
    }

    /// Upgrade: unpin and require `^` of the latest usable version.
    pub async fn upgrade(&self, who: &Identity, code: &str, id: i64) -> Result<Installation> {
        who.require_admin_of(code)?;
        let block_ref = self.installation_row(code, id).await?.block_ref;
        let latest = self
            .candidates(block_ref)
            .await?
            .into_iter()
            .filter(|c| c.approved && !c.suspended && !c.yanked && c.supported)
            .map(|c| c.version)
            .max()
            .ok_or_else(|| {
                Problem::conflict(
                    "no-installable-version",
                    "the block has no version that can run now",
                )
            })?;
        self.change_installation(
            who,
            code,
            id,
            InstallationChange {
                requirement: Some(format!("^{latest}")),
                unpin: true,
                ..Default::default()
            },
        )
        .await
    }

    /// Uninstall.
    pub async fn uninstall(&self, who: &Identity, code: &str, id: i64) -> Result<()> {
        who.require_admin_of(code)?;
        let current = self.installation_row(code, id).await?;
        let mut tx = self.db.begin_write().await?;
        sqlx::query("DELETE FROM installations WHERE id = $1 AND municipality_code = $2")
            .bind(id)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            who,
            code,
            "installation.delete",
            &current.inst.block,
            serde_json::json!({ "id": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
