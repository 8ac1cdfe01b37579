//! The demo, and every demo constant: the municipalities, citizens, profile and job
//! postings ([`data`]), the Danish ESCO labels, the monitored citizen's history
//! ([`monitoring`]) and the seed that publishes the example blocks through the real
//! pipeline and installs them ([`seed`]). Nothing below this crate knows the demo; the
//! binary calls it when `--demo` is given.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod data;
pub mod monitoring;
pub mod seed;

pub use data::*;

use jobunivers_store::db::Db;
use jobunivers_store::import::{import_esco_labels, ImportError};
use jobunivers_store::{DbError, DbProvider};

/// The demo's Danish labels (`host/demo/data/esco-da.csv`): real ESCO occupations and
/// skills of jobs within reach of job-ready unemployed people (warehouse, retail,
/// cleaning, transport, care, kitchen, construction, office, IT support, customer
/// service), in the labels format of [`jobunivers_store::import`].
pub const DEMO_LABELS: &str = include_str!("../data/esco-da.csv");

/// Load the demo's Danish labels ([`DEMO_LABELS`]). Idempotent: loading them again
/// rewrites the same labels. Returns how many concepts they label.
pub async fn seed_demo_concepts(db: &Db) -> Result<usize, ImportError> {
    import_esco_labels(db, DEMO_LABELS).await
}

/// The demo's citizens and postings: [`CITIZEN`] in [`MUNICIPALITY`] with [`profile`],
/// one citizen `citizen-<code>` (without a profile) in each other demo municipality
/// (the subjects of the development login), and [`jobs`]. Idempotent: citizens and
/// profiles already there are left as they are; the postings are refreshed.
pub async fn seed_citizens(provider: &DbProvider) -> Result<(), DbError> {
    let profile = profile();
    for code in seed::DEMO_MUNICIPALITIES {
        if *code == MUNICIPALITY {
            provider
                .ensure_citizen(CITIZEN, code, Some(&profile))
                .await?;
        } else {
            provider
                .ensure_citizen(&format!("citizen-{code}"), code, None)
                .await?;
        }
    }
    provider.import_jobs(&jobs()).await?;
    Ok(())
}
