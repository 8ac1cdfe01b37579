//! The catalog: approved blocks, searchable by text (Danish and English), category,
//! capability and vendor, each with its versions, requested capabilities and their
//! reasons, contract version, and how many municipalities use it.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{json_col, opt_str, Market};
use jobunivers_core::model::{CapabilityRequest, Localized, RawManifest};
use jobunivers_core::problem::{Problem, Result};

/// A search.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words that must all occur in the id, name or description (either language).
    #[serde(default)]
    pub q: Option<String>,
    /// Only this category.
    #[serde(default)]
    pub category: Option<String>,
    /// Only blocks whose latest version requests this capability.
    #[serde(default)]
    pub capability: Option<String>,
    /// Only this vendor's blocks.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Page size (default 20, at most 100).
    #[serde(default)]
    pub limit: Option<i64>,
    /// Skip this many.
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One approved version in the catalog.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogVersion {
    /// The version.
    pub version: String,
    /// The contract it targets.
    pub contract_version: String,
    /// Yanked by the vendor (existing pins keep it; new installs do not get it).
    pub yanked: bool,
    /// Published (Unix ms).
    pub created_ms: i64,
}

/// A block in the catalog, described by its latest approved version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogBlock {
    /// `vendor.block`.
    pub id: String,
    /// The vendor's namespace.
    pub vendor: String,
    /// The vendor's name.
    pub vendor_name: String,
    /// Category.
    pub category: String,
    /// Name.
    #[schema(value_type = Object)]
    pub name: Localized,
    /// Description.
    #[schema(value_type = Object)]
    pub description: Localized,
    /// The latest approved version.
    pub latest_version: String,
    /// Its contract version.
    pub contract_version: String,
    /// What it asks for, and why.
    #[schema(value_type = Vec<Object>)]
    pub capabilities: Vec<CapabilityRequest>,
    /// Its configuration schema.
    #[schema(value_type = Object)]
    pub config_schema: serde_json::Value,
    /// Every approved version, newest first.
    pub versions: Vec<CatalogVersion>,
    /// How many municipalities have it installed.
    pub municipalities: i64,
    /// The deprecation message, if deprecated.
    pub deprecated: Option<String>,
    /// The suggested replacement.
    pub replacement: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CatalogPage {
    /// How many blocks match in all.
    pub total: i64,
    /// This page.
    pub blocks: Vec<CatalogBlock>,
}

// The latest approved, unsuspended version of each block. Versions only ever grow, so
// the latest by id is the highest.
const LATEST: &str = "v.id = (SELECT MAX(l.id) FROM block_versions l WHERE l.block_ref = b.id \
     AND l.status = 'approved' AND l.suspended_ms IS NULL AND l.yanked_ms IS NULL)";

// The latest version's search text. Read through a scalar subquery rather than as
// `v.search_text`, so the words are matched against the one latest version of each block:
// PostgreSQL estimates a rare word as very selective and would otherwise scan and match
// every version of every block before joining (30 ms instead of 10 ms at 10,000 versions).
const SEARCH_TEXT: &str = "(SELECT s.search_text FROM block_versions s WHERE s.id = v.id)";

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl Market {
    /// Search the catalog (anyone may).
    pub async fn catalog(&self, query: &CatalogQuery) -> Result<CatalogPage> {
        let limit = query.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(
                Problem::bad_request("invalid-limit", "limit must be between 1 and 100")
                    .at("/limit"),
            );
        }
        let offset = query.offset.unwrap_or(0).max(0);
        let words: Vec<String> = query
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .take(8)
            .map(|w| format!("%{}%", like_escape(&w.to_lowercase())))
            .collect();
        let mut filter = String::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        for _ in &words {
            filter += &format!(" AND {SEARCH_TEXT} LIKE ${} ESCAPE '\\'", next());
        }
        if query.category.is_some() {
            filter += &format!(" AND b.category = ${}", next());
        }
        if query.capability.is_some() {
            filter += &format!(" AND v.capabilities LIKE ${} ESCAPE '\\'", next());
        }
        if query.vendor.is_some() {
            filter += &format!(" AND ve.namespace = ${}", next());
        }
        let base = format!(
            "FROM blocks b JOIN vendors ve ON ve.id = b.vendor_id JOIN block_versions v ON {LATEST} WHERE 1 = 1{filter}"
        );
        macro_rules! bind_all {
            ($q:expr) => {{
                let mut q = $q;
                for w in &words {
                    q = q.bind(w.clone());
                }
                if let Some(c) = &query.category {
                    q = q.bind(c.clone());
                }
                if let Some(c) = &query.capability {
                    q = q.bind(format!("%\"{}\"%", like_escape(c)));
                }
                if let Some(v) = &query.vendor {
                    q = q.bind(v.clone());
                }
                q
            }};
        }
        // One pass over the matching blocks gives the page and, through the window
        // function, the total; the page's details are fetched for its rows only.
        let page_sql = format!(
            "SELECT b.id AS block_ref, b.block_id, b.category, b.deprecated_message, b.replacement, ve.namespace, ve.name AS vendor_name, \
             v.version, v.contract_version, v.manifest, p.total, \
             (SELECT COUNT(DISTINCT i.municipality_code) FROM installations i WHERE i.block_ref = b.id) AS municipalities \
             FROM (SELECT b.id AS block_ref, v.id AS version_ref, b.block_id, COUNT(*) OVER () AS total \
             {base} ORDER BY b.block_id LIMIT {limit} OFFSET {offset}) p \
             JOIN blocks b ON b.id = p.block_ref JOIN vendors ve ON ve.id = b.vendor_id JOIN block_versions v ON v.id = p.version_ref \
             ORDER BY p.block_id"
        );
        let rows = bind_all!(sqlx::query(&page_sql))
            .fetch_all(self.db.pool())
            .await?;
        let total: i64 = match rows.first() {
            Some(r) => r.try_get("total")?,
            // An empty page says nothing about the total unless it is the first.
            None if offset == 0 => 0,
            None => {
                let total_sql = format!("SELECT COUNT(*) AS n {base}");
                bind_all!(sqlx::query(&total_sql))
                    .fetch_one(self.db.pool())
                    .await?
                    .try_get("n")?
            }
        };
        // Every listed block's versions in one query (the ids are numbers this query
        // produced, so they are safe to inline).
        let refs: Vec<i64> = rows
            .iter()
            .map(|r| r.try_get::<i64, _>("block_ref"))
            .collect::<Result<_, _>>()?;
        let mut versions: std::collections::HashMap<i64, Vec<CatalogVersion>> = Default::default();
        if !refs.is_empty() {
            let list = refs
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let rows = sqlx::query(&format!(
                "SELECT block_ref, version, contract_version, yanked_ms, created_ms FROM block_versions \
                 WHERE block_ref IN ({list}) AND status = 'approved' AND suspended_ms IS NULL ORDER BY id DESC"
            ))
            .fetch_all(self.db.pool())
            .await?;
            for v in &rows {
                versions
                    .entry(v.try_get("block_ref")?)
                    .or_default()
                    .push(CatalogVersion {
                        version: v.try_get("version")?,
                        contract_version: v.try_get("contract_version")?,
                        yanked: v.try_get::<Option<i64>, _>("yanked_ms")?.is_some(),
                        created_ms: v.try_get("created_ms")?,
                    });
            }
        }
        let mut blocks = Vec::with_capacity(rows.len());
        for r in &rows {
            let manifest: RawManifest = json_col(r, "manifest")?;
            let block_ref: i64 = r.try_get("block_ref")?;
            let versions = versions.remove(&block_ref).unwrap_or_default();
            blocks.push(CatalogBlock {
                id: r.try_get("block_id")?,
                vendor: r.try_get("namespace")?,
                vendor_name: r.try_get("vendor_name")?,
                category: r.try_get("category")?,
                config_schema: serde_json::from_str(&manifest.config_schema)
                    .unwrap_or(serde_json::Value::Null),
                name: manifest.name,
                description: manifest.description,
                latest_version: r.try_get("version")?,
                contract_version: r.try_get("contract_version")?,
                capabilities: manifest.capabilities,
                versions,
                municipalities: r.try_get("municipalities")?,
                deprecated: opt_str(r, "deprecated_message")?,
                replacement: opt_str(r, "replacement")?,
            });
        }
        Ok(CatalogPage { total, blocks })
    }

    /// One block of the catalog.
    pub async fn catalog_block(&self, id: &str) -> Result<CatalogBlock> {
        let (vendor, _) = id.split_once('.').unwrap_or(("", ""));
        let page = self
            .catalog(&CatalogQuery {
                vendor: Some(vendor.to_owned()),
                limit: Some(100),
                q: Some(id.to_owned()),
                ..Default::default()
            })
            .await?;
        page.blocks.into_iter().find(|b| b.id == id).ok_or_else(|| {
            Problem::not_found(
                "unknown-block",
                format!("there is no approved block '{id}' in the catalog"),
            )
        })
    }
}
