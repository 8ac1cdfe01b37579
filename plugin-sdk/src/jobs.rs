//! Search the job postings the platform holds. Request [`Capability::Jobs`](crate::Capability::Jobs).
//!
//! ```no_run
//! use jobunivers_sdk::jobs;
//! let postings = jobs::search(&jobs::JobQuery {
//!     text: "lager".into(),
//!     occupations: vec![],
//!     postal_code: Some("8000".into()),
//!     limit: 10,
//! })?;
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::jobs as raw;
use crate::CapabilityError;

pub use raw::{JobPosting, JobQuery};

/// Postings matching the query, best first.
pub fn search(query: &JobQuery) -> Result<Vec<JobPosting>, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.jobs_search(query)) {
        return r;
    }
    raw::search(query)
}

/// One posting by id.
pub fn get(id: &str) -> Result<Option<JobPosting>, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.jobs_get(id)) {
        return r;
    }
    raw::get(id)
}
