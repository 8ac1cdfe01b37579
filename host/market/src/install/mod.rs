//! Installations: a municipality's use of a block, with a version requirement or pin,
//! a configuration validated against the block's schema, granted capabilities, an
//! audience and an order. Every change is one transaction with its audit entry.

mod change;

use std::collections::{BTreeSet, HashMap};

use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::resolve::{self, Candidate, Resolution};
use super::{audit, json_col, now_ms, opt_str, valid_name, Market};
use jobunivers_core::auth::{Identity, Role};
use jobunivers_core::caps::Capability;
use jobunivers_core::model::RawManifest;
use jobunivers_core::problem::{FieldError, Problem, Result};
use jobunivers_runtime::{validate, SUPPORTED_CONTRACTS};

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
        if jobunivers_core::caps::Track::parse(t).is_none() {
            return Err(Problem::invalid(
                "invalid-audience",
                format!(
                    "'{t}' is not a track; use one of: {}",
                    jobunivers_core::caps::Track::names()
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

    /// [`Market::resolve_municipality`] for the municipality's staff and the operator:
    /// what runs, with every installation's audience. A citizen sees what runs for them
    /// on their own page, never the rules that hide blocks from them.
    pub async fn resolved_for_staff(&self, who: &Identity, code: &str) -> Result<Vec<Resolved>> {
        if who.role == Role::Citizen {
            return Err(Problem::forbidden(
                "wrong-role",
                "what runs in a municipality is for its staff; your own page is GET /api/v1/universe",
            ));
        }
        self.resolve_municipality(who, code).await
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
