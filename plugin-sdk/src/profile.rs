//! The citizen's profile, as far as this block may see it.
//!
//! Request the field groups you need (e.g. [`Capability::ProfileCv`](crate::Capability::ProfileCv));
//! groups the municipality did not grant or the citizen did not consent to come back as
//! `None`.
//!
//! ```no_run
//! let profile = jobunivers_sdk::profile::get()?;
//! if let Some(cv) = profile.cv_text {
//!     // analyse it
//! }
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::profile as raw;
use crate::CapabilityError;

pub use raw::{Area, CitizenProfile, Education, Experience, Occupation, Skill};

/// The profile with the field groups this block may see.
pub fn get() -> Result<CitizenProfile, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.profile()) {
        return r;
    }
    raw::get()
}
