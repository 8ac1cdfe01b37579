//! The marketplace: vendors and their keys and tokens, the publish pipeline, review,
//! the catalog, and municipalities' installations with version resolution. Every
//! function takes the caller's [`Identity`] and checks it first; every multi-row change
//! is one transaction and is written to the audit log inside it.
//!
//! Knows SQL (through the store's [`Db`]) and the runtime (publishing loads a block to
//! check it), never HTTP.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

mod audit;
mod blobs;
mod catalog;
mod install;
pub mod package;
mod portal;
mod publish;
pub mod resolve;
mod review;
mod vendors;

use std::path::Path;
use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::Row;

pub use audit::AuditEntry;
pub use blobs::BlobStore;
pub use catalog::{CatalogBlock, CatalogPage, CatalogQuery, CatalogVersion};
pub use install::{
    Audience, GrantBasis, Installation, InstallationChange, NewInstallation, Resolved,
};
pub use portal::VendorBlock;
pub use publish::PublishedVersion;
pub use review::{CapabilityDiff, Decision, Notice, ReviewItem, VersionInfo};
pub use vendors::{ApiToken, NewToken, Vendor, VendorKey, VendorRegistration, TOKEN_PREFIX};

use jobunivers_core::{auth, problem};
use jobunivers_runtime as runtime;
use jobunivers_store::db;

use auth::Identity;
use db::Db;
use jobunivers_core::clock::now_ms;
use problem::{Problem, Result};
use runtime::Runtime;

pub use jobunivers_package::DEFAULT_MAX_PACKAGE_BYTES;

/// The marketplace's settings.
#[derive(Debug, Clone)]
pub struct MarketConfig {
    /// Largest package accepted, in bytes.
    pub max_package_bytes: usize,
}

impl Default for MarketConfig {
    fn default() -> Self {
        Self {
            max_package_bytes: DEFAULT_MAX_PACKAGE_BYTES,
        }
    }
}

/// The marketplace over one database, one blob store and one runtime.
#[derive(Clone)]
pub struct Market {
    db: Db,
    blobs: BlobStore,
    runtime: Arc<Runtime>,
    config: MarketConfig,
}

impl std::fmt::Debug for Market {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Market")
            .field("backend", &self.db.backend())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Market {
    /// A marketplace keeping component blobs under `blob_dir`.
    pub fn new(
        db: Db,
        blob_dir: &Path,
        runtime: Arc<Runtime>,
        config: MarketConfig,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            blobs: BlobStore::new(blob_dir)?,
            runtime,
            config,
        })
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The runtime.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// The blob store.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    /// The settings.
    pub fn config(&self) -> &MarketConfig {
        &self.config
    }

    /// The municipality's code if it exists, else 404.
    pub(crate) async fn known_municipality(&self, code: &str) -> Result<()> {
        let found = sqlx::query("SELECT 1 FROM municipalities WHERE code = $1")
            .bind(code)
            .fetch_optional(self.db.pool())
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(Problem::not_found(
                "unknown-municipality",
                format!("there is no municipality with code '{code}'"),
            )),
        }
    }
}

pub(crate) use jobunivers_core::auth::valid_name;

/// Read an optional text column.
pub(crate) fn opt_str(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

/// Read an optional number column.
pub(crate) fn opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

/// Parse a JSON text column.
pub(crate) fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| Problem::internal(format!("column {col}: {e}")))
}

/// Who may see an unapproved version: the operator and the vendor itself.
pub(crate) fn sees_unreleased(who: Option<&Identity>, namespace: &str) -> bool {
    who.is_some_and(|w| {
        w.role == jobunivers_core::auth::Role::Operator
            || (w.role == jobunivers_core::auth::Role::Vendor
                && w.tenant.as_deref() == Some(namespace))
    })
}
