//! Diagnostic logging for the vendor and the operator; citizens never see it.
//! Needs no capability request.
//!
//! ```no_run
//! jobunivers_sdk::log::info("rendered the main view");
//! ```

use crate::bindings::jobunivers::block::log as raw;

/// Detail for debugging.
pub fn debug(message: &str) {
    write(raw::Level::Debug, message);
}
/// Normal operation.
pub fn info(message: &str) {
    write(raw::Level::Info, message);
}
/// Something unexpected that the block handled.
pub fn warn(message: &str) {
    write(raw::Level::Warn, message);
}
/// Something failed.
pub fn error(message: &str) {
    write(raw::Level::Error, message);
}

fn write(level: raw::Level, message: &str) {
    #[cfg(feature = "native-host")]
    if crate::native::host(|h| h.log(level, message)).is_some() {
        return;
    }
    raw::write(level, message);
}
