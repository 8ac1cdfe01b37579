//! Record activities the citizen and their caseworker both see.
//! Request [`Capability::Activity`](crate::Capability::Activity).
//!
//! ```no_run
//! use serde_json::json;
//! let id = jobunivers_sdk::activity::record(
//!     "cv-review",
//!     "CV gennemgået: 72 point",
//!     &json!({"score": 72}),
//!     None,
//! )?;
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::activity as raw;
use crate::CapabilityError;

pub use raw::RecordedActivity;

/// Record an activity of `kind` (job-application, course-lesson, cv-review, meeting,
/// other) with a summary in the citizen's language and structured details; returns its id.
/// `occurred_ms` defaults to now.
pub fn record(
    kind: &str,
    summary: &str,
    details: &serde_json::Value,
    occurred_ms: Option<i64>,
) -> Result<String, CapabilityError> {
    let entry = raw::NewActivity {
        kind: kind.to_owned(),
        summary: summary.to_owned(),
        details: details.to_string(),
        occurred_ms,
    };
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.activity_add(&entry)) {
        return r;
    }
    raw::add(&entry)
}

/// The activities this block recorded for the citizen, newest first, optionally only of
/// one kind.
pub fn recent(kind: Option<&str>, limit: u32) -> Result<Vec<RecordedActivity>, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.activity_recent(kind, limit)) {
        return r;
    }
    raw::recent(kind, limit)
}
