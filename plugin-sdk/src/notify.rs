//! Messages in the citizen's inbox, delivered live and kept until read (contract 1.1).
//! Request [`Capability::Notify`](crate::Capability::Notify). Rate-limited per block.
//!
//! ```no_run
//! jobunivers_sdk::notify::send("Nyt job til dig", "Lagermedarbejder hos Salling Group", Some("jobs"))?;
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::notify as raw;
use crate::CapabilityError;

/// Put a message in the citizen's inbox, optionally linking to a view of this block;
/// returns its id.
pub fn send(title: &str, body: &str, view: Option<&str>) -> Result<String, CapabilityError> {
    let message = raw::Notification {
        title: title.to_owned(),
        body: body.to_owned(),
        view: view.map(str::to_owned),
    };
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.notify(&message)) {
        return r;
    }
    raw::send(&message)
}
