//! The publish pipeline. Every check runs before anything is written; the version row,
//! its audit entry and its blob are then written in one transaction, so a refused or
//! failed publish leaves no row and no blob behind, and of two concurrent publishes of
//! the same version exactly one succeeds (the other meets the unique constraint).

use serde::Serialize;
use sqlx::Row;

use super::{audit, now_ms, Market};
use crate::package::{self, Package};
use jobunivers_core::auth::{Identity, TokenScope};
use jobunivers_core::model::RawManifest;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_runtime::{LoadError, LoadedBlock};

/// What a successful publish created.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublishedVersion {
    /// `vendor.block`.
    pub block: String,
    /// The version.
    pub version: String,
    /// sha256 of the component.
    pub sha256: String,
    /// Size of the component in bytes.
    pub size_bytes: i64,
    /// The contract version it targets.
    pub contract_version: String,
    /// The capabilities it requests.
    pub capabilities: Vec<String>,
    /// Always `submitted`: the operator reviews it next.
    pub status: String,
}

fn load_problem(e: LoadError) -> Problem {
    let slug = match &e {
        LoadError::Empty | LoadError::NotWasm | LoadError::CoreModule | LoadError::Invalid(_) => {
            "component-invalid"
        }
        LoadError::TooLarge { .. } => return Problem::too_large(e.to_string()).at("/block.wasm"),
        LoadError::NoContract
        | LoadError::UnsupportedContract { .. }
        | LoadError::NewerContract { .. }
        | LoadError::MixedContract { .. } => "contract-unsupported",
        LoadError::ForeignImport(_) => "foreign-import",
        LoadError::UndeclaredCapability { .. } => "undeclared-capability",
        LoadError::Manifest(_) => "manifest-invalid",
        _ => "component-invalid",
    };
    Problem::invalid(slug, e.to_string()).at("/block.wasm")
}

impl Market {
    /// Check and store a package. See the module documentation for the guarantees.
    pub async fn publish(&self, who: &Identity, bytes: &[u8]) -> Result<PublishedVersion> {
        // 1. Who: a vendor (an API token needs the publish scope).
        let namespace = who.tenant.clone().unwrap_or_default();
        who.require_vendor(&namespace, Some(TokenScope::Publish))?;
        // 2. Size.
        if bytes.len() > self.config.max_package_bytes {
            return Err(Problem::too_large(format!(
                "the package is {} bytes; the limit is {} bytes",
                bytes.len(),
                self.config.max_package_bytes
            )));
        }
        let vendor_id = self
            .acting_vendor(who, &namespace, Some(TokenScope::Publish))
            .await?;
        // 3. Take it apart.
        let Package {
            component,
            manifest,
            signature,
        } = package::parse(bytes)
            .map_err(|e| Problem::bad_request("package-invalid", e.to_string()))?;
        let declared: RawManifest = serde_json::from_slice(&manifest).map_err(|e| {
            Problem::bad_request(
                "manifest-invalid",
                format!("manifest.json is not a complete manifest: {e}"),
            )
            .at("/manifest.json")
        })?;
        // 4. Namespace.
        let (block_ns, _) = declared.id.split_once('.').unwrap_or(("", ""));
        if block_ns != namespace {
            return Err(Problem::forbidden(
                "namespace",
                format!("the block '{}' is not in your namespace '{namespace}'; its id must start with '{namespace}.'", declared.id),
            )
            .at("/manifest.json/id"));
        }
        // 5. Digests, then the signature against a registered, unrevoked key.
        let component_sha256 = package::sha256_hex(&component);
        let manifest_sha256 = package::sha256_hex(&manifest);
        if signature.component_sha256 != component_sha256 {
            return Err(Problem::bad_request(
                "digest-mismatch",
                format!("signature.json gives sha256 {} for block.wasm, but it is {component_sha256}; the package was changed after signing, sign it again", signature.component_sha256),
            )
            .at("/signature.json/component_sha256"));
        }
        if signature.manifest_sha256 != manifest_sha256 {
            return Err(Problem::bad_request(
                "digest-mismatch",
                format!("signature.json gives sha256 {} for manifest.json, but it is {manifest_sha256}; the package was changed after signing, sign it again", signature.manifest_sha256),
            )
            .at("/signature.json/manifest_sha256"));
        }
        if signature.algorithm != package::ALGORITHM {
            return Err(Problem::bad_request(
                "signature-invalid",
                format!(
                    "the signature algorithm is '{}'; only ed25519 is accepted",
                    signature.algorithm
                ),
            )
            .at("/signature.json/algorithm"));
        }
        let key = sqlx::query("SELECT public_key, revoked_ms FROM vendor_keys WHERE vendor_id = $1 AND key_id = $2")
            .bind(vendor_id)
            .bind(&signature.key_id)
            .fetch_optional(self.db.pool())
            .await?
            .ok_or_else(|| {
                Problem::bad_request(
                    "unknown-key",
                    format!("the package is signed with key {}, which is not registered for '{namespace}'; register its public key first", signature.key_id),
                )
                .at("/signature.json/key_id")
            })?;
        if key.try_get::<Option<i64>, _>("revoked_ms")?.is_some() {
            return Err(Problem::forbidden(
                "key-revoked",
                format!(
                    "the key {} has been revoked; sign with an active key",
                    signature.key_id
                ),
            )
            .at("/signature.json/key_id"));
        }
        let public: Vec<u8> = key.try_get("public_key")?;
        let public = public
            .try_into()
            .ok()
            .and_then(|b: [u8; 32]| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| Problem::internal("a stored public key is unusable"))?;
        if !package::verify(
            &public,
            &package::signed_message(&component_sha256, &manifest_sha256),
            &signature.signature,
        ) {
            return Err(Problem::bad_request(
                "signature-invalid",
                format!("the signature does not verify with key {}; sign the package with the matching private key", signature.key_id),
            )
            .at("/signature.json/signature"));
        }
        // 6. A version that could never be stored is refused before the costly part.
        if let Ok(version) = semver::Version::parse(&declared.version) {
            let existing: Vec<String> = sqlx::query_scalar(
                "SELECT v.version FROM block_versions v JOIN blocks b ON b.id = v.block_ref \
                 WHERE b.block_id = $1 AND b.vendor_id = $2",
            )
            .bind(&declared.id)
            .bind(vendor_id)
            .fetch_all(self.db.pool())
            .await?;
            if let Some(conflict) = version_conflict(&declared.id, &version, &existing)? {
                return Err(conflict);
            }
        }
        // 7. The component: contract, imports against declared capabilities, manifest,
        // schema and default config, precompilation.
        let (loaded, artifact) = self
            .runtime
            .load_uncached(&component)
            .await
            .map_err(load_problem)?;
        if loaded.manifest.raw != declared {
            return Err(Problem::invalid(
                "manifest-mismatch",
                "manifest.json differs from the manifest the component describes; build the package with `jobunivers package`",
            )
            .at("/manifest.json"));
        }
        if let Some(unused) = loaded.unused_capabilities.first() {
            return Err(Problem::invalid(
                "capability-unused",
                format!(
                    "the manifest requests '{}', but the component never imports the `{}` interface; remove the request so admins are not asked to grant it",
                    unused.name(),
                    unused.interface()
                ),
            )
            .at("/manifest.json/capabilities"));
        }
        self.store_version(
            who, vendor_id, &namespace, &component, &loaded, &artifact, &signature,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn store_version(
        &self,
        who: &Identity,
        vendor_id: i64,
        namespace: &str,
        component: &[u8],
        loaded: &LoadedBlock,
        artifact: &[u8],
        signature: &package::SignatureFile,
    ) -> Result<PublishedVersion> {
        let m = &loaded.manifest;
        let block_id = m.raw.id.clone();
        let version = m.version.clone();
        let mut capabilities: Vec<String> =
            m.requested.iter().map(|c| c.name().to_owned()).collect();
        capabilities.sort();
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        // The first statement writes, so on SQLite this transaction holds the write lock
        // from here on and a concurrent publish waits instead of failing to upgrade.
        sqlx::query(
            "INSERT INTO blocks (vendor_id, block_id, category, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (block_id) DO NOTHING",
        )
        .bind(vendor_id)
        .bind(&block_id)
        .bind(&m.raw.category)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Lock the block's row (PostgreSQL) so versions are compared and inserted one
        // publish at a time.
        let row = sqlx::query(
            "UPDATE blocks SET category = $1 WHERE block_id = $2 RETURNING id, vendor_id",
        )
        .bind(&m.raw.category)
        .bind(&block_id)
        .fetch_one(&mut *tx)
        .await?;
        let block_ref: i64 = row.try_get("id")?;
        if row.try_get::<i64, _>("vendor_id")? != vendor_id {
            return Err(Problem::forbidden(
                "namespace",
                format!("the block '{block_id}' belongs to another vendor"),
            ));
        }
        let existing = sqlx::query("SELECT version FROM block_versions WHERE block_ref = $1")
            .bind(block_ref)
            .fetch_all(&mut *tx)
            .await?;
        let existing = existing
            .iter()
            .map(|r| r.try_get::<String, _>("version"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if let Some(conflict) = version_conflict(&block_id, &version, &existing)? {
            return Err(conflict);
        }
        let search_text = format!(
            "{} {} {} {} {}",
            block_id, m.raw.name.da, m.raw.name.en, m.raw.description.da, m.raw.description.en
        )
        .to_lowercase();
        let manifest_json = serde_json::to_string(&m.raw).map_err(Problem::internal)?;
        let insert = sqlx::query(
            "INSERT INTO block_versions (block_ref, version, sha256, size_bytes, contract_version, manifest, \
             capabilities, key_id, signature, status, created_ms, search_text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10, $11)",
        )
        .bind(block_ref)
        .bind(version.to_string())
        .bind(&loaded.sha256)
        .bind(component.len() as i64)
        .bind(loaded.contract.to_string())
        .bind(&manifest_json)
        .bind(serde_json::to_string(&capabilities).map_err(Problem::internal)?)
        .bind(&signature.key_id)
        .bind(&signature.signature)
        .bind(now)
        .bind(&search_text)
        .execute(&mut *tx)
        .await;
        if let Err(e) = insert {
            if let Some(db) = e.as_database_error() {
                if db.is_unique_violation() {
                    return Err(Problem::conflict(
                        "version-exists",
                        format!("{block_id}@{version} was published just now by another upload; versions are immutable"),
                    ));
                }
            }
            return Err(e.into());
        }
        audit::record(
            &mut tx,
            who,
            namespace,
            "version.publish",
            &format!("{block_id}@{version}"),
            serde_json::json!({ "sha256": loaded.sha256, "key_id": signature.key_id, "capabilities": capabilities }),
        )
        .await?;
        let created = self
            .blobs
            .put(&loaded.sha256, component)
            .map_err(Problem::internal)?;
        if let Err(e) = tx.commit().await {
            if created {
                self.blobs.remove(&loaded.sha256);
            }
            return Err(e.into());
        }
        if let Err(e) = self.runtime.keep_artifact(&loaded.sha256, artifact) {
            tracing::warn!(error = %e, "could not keep the precompiled artifact; it will be compiled on first use");
        }
        tracing::info!(block = %block_id, %version, "version published");
        Ok(PublishedVersion {
            block: block_id,
            version: version.to_string(),
            sha256: loaded.sha256.clone(),
            size_bytes: component.len() as i64,
            contract_version: loaded.contract.to_string(),
            capabilities,
            status: "submitted".into(),
        })
    }
}

/// Why `version` of `block_id` cannot be published beside the `existing` versions:
/// versions are immutable and each new one must be greater than all before it.
fn version_conflict(
    block_id: &str,
    version: &semver::Version,
    existing: &[String],
) -> Result<Option<Problem>> {
    for v in existing {
        let v = semver::Version::parse(v).map_err(Problem::internal)?;
        if v == *version {
            return Ok(Some(Problem::conflict(
                "version-exists",
                format!("{block_id}@{version} is already published; versions are immutable, publish a higher version"),
            )
            .at("/manifest.json/version")));
        }
        if v > *version {
            return Ok(Some(Problem::conflict(
                "version-not-greater",
                format!("{block_id}@{version} is not greater than the published {v}; a new version must be greater than every existing one"),
            )
            .at("/manifest.json/version")));
        }
    }
    Ok(None)
}
