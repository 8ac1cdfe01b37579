//! Installations: a municipality's use of a block, with a version requirement or pin,
//! a configuration validated against the block's schema, granted capabilities, an
//! audience and an order. Every change is one transaction with its audit entry.

use std::collections::{BTreeSet, HashMap};

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::resolve::{self, Candidate, Resolution};
use super::{audit, json_col, now_ms, opt_str, valid_name, Market};
use crate::auth::{Identity, Role};
use crate::caps::Capability;
use crate::problem::{FieldError, Problem, Result};
use crate::runtime::model::RawManifest;
use crate::runtime::{validate, SUPPORTED_CONTRACTS};

/// Which citizens see an installation: everyone in the municipality (no groups), or
/// the citizens in any of the named groups; and, when tracks are named, only citizens
/// whose caseworker-decided track is one of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Audience {
    /// Group names; empty means every citizen of the municipality.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Tracks (`self-service`, `mixed`, `personal-effort`); empty means every citizen.
    /// A citizen without a caseworker's decision sees only installations without tracks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<String>,
}

/// The legal basis of an installation's grants of personal data (GDPR art. 6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "basis", rename_all = "kebab-case")]
pub enum GrantBasis {
    /// Each citizen decides, per block and capability (art. 6(1)(a)).
    #[default]
    Consent,
    /// The jobcentre's statutory work (art. 6(1)(e)): the block gets the granted personal
    /// data without asking, and the citizen is told so, with the provision.
    PublicTask {
        /// The provision the processing rests on, as the citizen sees it, e.g.
        /// "Lov om en aktiv beskæftigelsesindsats § 8".
        reference: String,
    },
}

impl GrantBasis {
    /// Whether citizens' consent is needed for personal data.
    pub fn needs_consent(&self) -> bool {
        matches!(self, Self::Consent)
    }
}

const MAX_REFERENCE_CHARS: usize = 300;

fn check_basis(basis: &GrantBasis) -> Result<GrantBasis> {
    match basis {
        GrantBasis::Consent => Ok(GrantBasis::Consent),
        GrantBasis::PublicTask { reference } => {
            let reference = reference.trim();
            if reference.is_empty() || reference.chars().count() > MAX_REFERENCE_CHARS {
                return Err(Problem::invalid(
                    "invalid-legal-basis",
                    format!(
                        "a public-task basis needs the provision it rests on (1 to {MAX_REFERENCE_CHARS} characters), e.g. \"Lov om en aktiv beskæftigelsesindsats § 8\""
                    ),
                )
                .at("/legal_basis/reference"));
            }
            Ok(GrantBasis::PublicTask {
                reference: reference.to_owned(),
            })
        }
    }
}

/// A request to install a block.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewInstallation {
    /// `vendor.block`.
    pub block: String,
    /// A semver requirement; default `^` of the latest approved version.
    #[serde(default)]
    pub requirement: Option<String>,
    /// The configuration; default the block's default configuration.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    /// The capabilities granted (names as in the manifest); default none.
    #[serde(default)]
    pub granted: Vec<String>,
    /// Who sees it; default everyone.
    #[serde(default)]
    pub audience: Audience,
    /// Its place on the page (ascending); default last.
    #[serde(default)]
    pub position: Option<i64>,
    /// Whether citizens see it; default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The legal basis of the personal data granted; default the citizen's consent.
    #[serde(default)]
    pub legal_basis: GrantBasis,
}

/// A change to an installation: only the fields given change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InstallationChange {
    /// A new requirement (upgrading across majors, e.g. `^2`).
    #[serde(default)]
    pub requirement: Option<String>,
    /// Pin to exactly this version.
    #[serde(default)]
    pub pin: Option<String>,
    /// Remove the pin.
    #[serde(default)]
    pub unpin: bool,
    /// A new configuration.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    /// The new set of grants.
    #[serde(default)]
    pub granted: Option<Vec<String>>,
    /// The new audience.
    #[serde(default)]
    pub audience: Option<Audience>,
    /// The new position.
    #[serde(default)]
    pub position: Option<i64>,
    /// Enable or disable.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// A new legal basis for the personal data granted.
    #[serde(default)]
    pub legal_basis: Option<GrantBasis>,
}

/// An installation as the admin sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Installation {
    /// Its id.
    pub id: i64,
    /// The municipality.
    pub municipality: String,
    /// `vendor.block`.
    pub block: String,
    /// The requirement.
    pub requirement: String,
    /// The pinned version, if pinned.
    pub pinned_version: Option<String>,
    /// The configuration.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// Granted capabilities.
    pub granted: Vec<String>,
    /// Audience.
    pub audience: Audience,
    /// Position.
    pub position: i64,
    /// Enabled.
    pub enabled: bool,
    /// The legal basis of the personal data granted.
    pub legal_basis: GrantBasis,
    /// Which version runs, or why none does.
    pub resolution: Resolution,
    /// The vendor's deprecation message, if the block is deprecated.
    pub deprecated: Option<String>,
    /// The block the vendor suggests instead.
    pub replacement: Option<String>,
    /// Created (Unix ms).
    pub created_ms: i64,
    /// Last changed (Unix ms).
    pub updated_ms: i64,
}

/// An enabled installation and the version it runs: what the universe renders.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resolved {
    /// Installation id.
    pub installation: i64,
    /// `vendor.block`.
    pub block: String,
    /// The version that runs.
    pub version: String,
    /// The component's sha256.
    pub sha256: String,
    /// Position.
    pub position: i64,
    /// Audience.
    pub audience: Audience,
    /// Granted capabilities.
    pub granted: Vec<String>,
    /// The installation's configuration.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// The legal basis of the personal data granted.
    pub legal_basis: GrantBasis,
}

pub(crate) fn contract_supported(contract: &str) -> bool {
    Version::parse(contract).is_ok_and(|v| {
        v.pre.is_empty()
            && SUPPORTED_CONTRACTS
                .iter()
                .any(|&(maj, min)| v.major == maj && v.minor <= min)
    })
}

fn candidate(row: &AnyRow) -> Result<Candidate> {
    let version: String = row.try_get("version")?;
    let contract: String = row.try_get("contract_version")?;
    let status: String = row.try_get("status")?;
    let capabilities: Vec<String> = json_col(row, "capabilities")?;
    Ok(Candidate {
        version: Version::parse(&version).map_err(Problem::internal)?,
        approved: status == "approved",
        suspended: row.try_get::<Option<i64>, _>("suspended_ms")?.is_some(),
        yanked: row.try_get::<Option<i64>, _>("yanked_ms")?.is_some(),
        supported: contract_supported(&contract),
        capabilities: capabilities.into_iter().collect(),
    })
}

fn parse_requirement(text: &str, pointer: &str) -> Result<VersionReq> {
    VersionReq::parse(text).map_err(|e| {
        Problem::invalid(
            "invalid-requirement",
            format!("'{text}' is not a version requirement ({e}); write e.g. ^1.2 or =1.2.3"),
        )
        .at(pointer)
    })
}

fn check_grants(granted: &[String]) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for (i, g) in granted.iter().enumerate() {
        if Capability::parse(g).is_none() {
            let known: Vec<_> = Capability::all().map(|c| c.name()).collect();
            return Err(Problem::invalid(
                "unknown-capability",
                format!("'{g}' is not a capability; known: {}", known.join(", ")),
            )
            .at(format!("/granted/{i}")));
        }
        out.insert(g.clone());
    }
    Ok(out)
}

fn check_audience(a: &Audience) -> Result<()> {
    for (i, g) in a.groups.iter().enumerate() {
        if !valid_name(g, 64) {
            return Err(Problem::invalid(
                "invalid-audience",
                format!("the group '{g}' must be lowercase letters, digits and dashes"),
            )
            .at(format!("/audience/groups/{i}")));
        }
    }
    for (i, t) in a.tracks.iter().enumerate() {
        if crate::caps::Track::parse(t).is_none() {
            return Err(Problem::invalid(
                "invalid-audience",
                format!(
                    "'{t}' is not a track; use one of: {}",
                    crate::caps::Track::names()
                ),
            )
            .at(format!("/audience/tracks/{i}")));
        }
    }
    Ok(())
}

const INSTALLATION_COLS: &str = "i.id, i.municipality_code, i.block_ref, i.requirement, i.pinned_version, i.config, \
     i.granted, i.audience, i.position, CAST(CASE WHEN i.enabled THEN 1 ELSE 0 END AS BIGINT) AS enabled, i.legal_basis, i.created_ms, i.updated_ms, b.block_id, b.deprecated_message, b.replacement";

struct Row0 {
    inst: Installation,
    block_ref: i64,
}

fn installation(row: &AnyRow) -> Result<Row0> {
    Ok(Row0 {
        block_ref: row.try_get("block_ref")?,
        inst: Installation {
            id: row.try_get("id")?,
            municipality: row.try_get("municipality_code")?,
            block: row.try_get("block_id")?,
            requirement: row.try_get("requirement")?,
            pinned_version: opt_str(row, "pinned_version")?,
            config: json_col(row, "config")?,
            granted: json_col(row, "granted")?,
            audience: json_col(row, "audience")?,
            position: row.try_get("position")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            legal_basis: json_col(row, "legal_basis")?,
            resolution: Resolution {
                version: None,
                reason: None,
                awaiting_grant: None,
            },
            deprecated: opt_str(row, "deprecated_message")?,
            replacement: opt_str(row, "replacement")?,
            created_ms: row.try_get("created_ms")?,
            updated_ms: row.try_get("updated_ms")?,
        },
    })
}

/// The installation with its resolution among `candidates` (its block's versions).
fn resolved(mut r: Row0, candidates: &[Candidate]) -> Result<Installation> {
    let req = VersionReq::parse(&r.inst.requirement).map_err(Problem::internal)?;
    let pinned = r
        .inst
        .pinned_version
        .as_deref()
        .map(Version::parse)
        .transpose()
        .map_err(Problem::internal)?;
    let granted: BTreeSet<String> = r.inst.granted.iter().cloned().collect();
    r.inst.resolution = resolve::resolve(candidates, &req, pinned.as_ref(), &granted);
    Ok(r.inst)
}

impl Market {
    async fn candidates(&self, block_ref: i64) -> Result<Vec<Candidate>> {
        let rows = sqlx::query(
            "SELECT version, status, suspended_ms, yanked_ms, contract_version, capabilities FROM block_versions WHERE block_ref = $1",
        )
        .bind(block_ref)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(candidate).collect()
    }

    async fn manifest_of(&self, block_ref: i64, version: &str) -> Result<validate::Manifest> {
        let row = sqlx::query("SELECT manifest, contract_version FROM block_versions WHERE block_ref = $1 AND version = $2")
            .bind(block_ref)
            .bind(version)
            .fetch_one(self.db.pool())
            .await?;
        let raw: RawManifest = json_col(&row, "manifest")?;
        let contract = Version::parse(&row.try_get::<String, _>("contract_version")?)
            .map_err(Problem::internal)?;
        validate::manifest(raw, contract.minor).map_err(Problem::internal)
    }

    /// Validate a configuration against the schema of the version the installation
    /// would run (or wait for).
    async fn check_config(
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
                .map(|(p, d)| FieldError {
                    pointer: format!("/config{}", if p == "/" { "" } else { p.as_str() }),
                    detail: d,
                })
                .collect(),
        ))
    }

    /// The block's row id if it has an approved version (else 404: unapproved blocks
    /// are invisible to municipalities).
    async fn installable_block(&self, block: &str) -> Result<i64> {
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
        let mut tx = self.db.pool().begin().await?;
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

    async fn installation_row(&self, code: &str, id: i64) -> Result<Row0> {
        let row = sqlx::query(&format!(
            "SELECT {INSTALLATION_COLS} FROM installations i JOIN blocks b ON b.id = i.block_ref WHERE i.id = $1 AND i.municipality_code = $2"
        ))
        .bind(id)
        .bind(code)
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| Problem::not_found("unknown-installation", format!("municipality {code} has no installation {id}")))?;
        installation(&row)
    }

    async fn with_resolution(&self, r: Row0) -> Result<Installation> {
        let candidates = self.candidates(r.block_ref).await?;
        resolved(r, &candidates)
    }

    /// One installation of municipality `code`.
    pub async fn installation(&self, who: &Identity, code: &str, id: i64) -> Result<Installation> {
        who.require_admin_of(code)?;
        let r = self.installation_row(code, id).await?;
        self.with_resolution(r).await
    }

    /// Every installation of municipality `code`, in order.
    pub async fn installations(&self, who: &Identity, code: &str) -> Result<Vec<Installation>> {
        who.require_admin_of(code)?;
        self.known_municipality(code).await?;
        let rows = sqlx::query(&format!(
            "SELECT {INSTALLATION_COLS} FROM installations i JOIN blocks b ON b.id = i.block_ref \
             WHERE i.municipality_code = $1 ORDER BY i.position, i.id"
        ))
        .bind(code)
        .fetch_all(self.db.pool())
        .await?;
        // Every version of every block the municipality has installed, in one query.
        let versions = sqlx::query(
            "SELECT v.block_ref, v.version, v.status, v.suspended_ms, v.yanked_ms, v.contract_version, v.capabilities \
             FROM installations i JOIN block_versions v ON v.block_ref = i.block_ref WHERE i.municipality_code = $1",
        )
        .bind(code)
        .fetch_all(self.db.pool())
        .await?;
        let mut candidates: HashMap<i64, Vec<Candidate>> = HashMap::new();
        for v in &versions {
            candidates
                .entry(v.try_get("block_ref")?)
                .or_default()
                .push(candidate(v)?);
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let r = installation(row)?;
            out.push(match candidates.get(&r.block_ref) {
                Some(c) => resolved(r, c)?,
                // Installed between the two queries.
                None => self.with_resolution(r).await?,
            });
        }
        Ok(out)
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
        let mut tx = self.db.pool().begin().await?;
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

    async fn write_installation(
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
        let mut tx = self.db.pool().begin().await?;
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

    /// What runs for municipality `code`: its enabled installations with a resolvable
    /// version, in order. One query; resolution in memory.
    pub async fn resolve_municipality(&self, who: &Identity, code: &str) -> Result<Vec<Resolved>> {
        let allowed = who.role == Role::Operator
            || (matches!(who.role, Role::Admin | Role::Caseworker | Role::Citizen)
                && who.tenant.as_deref() == Some(code));
        if !allowed {
            return Err(Problem::forbidden(
                "other-tenant",
                format!("you cannot see what runs in municipality {code}"),
            ));
        }
        let rows = sqlx::query(
            "SELECT i.id, i.requirement, i.pinned_version, i.granted, i.audience, i.position, i.config, i.legal_basis, b.block_id, \
             v.version, v.status, v.suspended_ms, v.yanked_ms, v.contract_version, v.capabilities, v.sha256 \
             FROM installations i JOIN blocks b ON b.id = i.block_ref \
             JOIN block_versions v ON v.block_ref = i.block_ref AND v.status = 'approved' AND v.suspended_ms IS NULL \
             WHERE i.municipality_code = $1 AND i.enabled = $2 ORDER BY i.position, i.id",
        )
        .bind(code)
        .bind(true)
        .fetch_all(self.db.pool())
        .await?;
        let mut out = Vec::new();
        let mut i = 0;
        while i < rows.len() {
            let id: i64 = rows[i].try_get("id")?;
            let mut j = i;
            let mut cands = Vec::new();
            let mut shas = Vec::new();
            while j < rows.len() && rows[j].try_get::<i64, _>("id")? == id {
                cands.push(candidate(&rows[j])?);
                shas.push(rows[j].try_get::<String, _>("sha256")?);
                j += 1;
            }
            let row = &rows[i];
            let req = VersionReq::parse(&row.try_get::<String, _>("requirement")?)
                .map_err(Problem::internal)?;
            let pinned = opt_str(row, "pinned_version")?
                .map(|p| Version::parse(&p))
                .transpose()
                .map_err(Problem::internal)?;
            let granted: Vec<String> = json_col(row, "granted")?;
            let set: BTreeSet<String> = granted.iter().cloned().collect();
            if let Some(v) = resolve::resolve(&cands, &req, pinned.as_ref(), &set).version {
                let k = cands
                    .iter()
                    .position(|c| c.version.to_string() == v)
                    .unwrap_or(0);
                out.push(Resolved {
                    installation: id,
                    block: row.try_get("block_id")?,
                    version: v,
                    sha256: shas[k].clone(),
                    position: row.try_get("position")?,
                    audience: json_col(row, "audience")?,
                    granted,
                    config: json_col(row, "config")?,
                    legal_basis: json_col(row, "legal_basis")?,
                });
            }
            i = j;
        }
        Ok(out)
    }
}
