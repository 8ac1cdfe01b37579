//! Diagnostic logging for the vendor and the operator; citizens never see it.
//! Needs no capability request.
//!
//! ```no_run
//! jobunivers_sdk::log::info("rendered the main view");
//! ```

use crate::bindings::jobunivers::block::log as raw;

/// Detail for debugging.
pub fn debug(message: &str) {
    raw::write(raw::Level::Debug, message);
}
/// Normal operation.
pub fn info(message: &str) {
    raw::write(raw::Level::Info, message);
}
/// Something unexpected that the block handled.
pub fn warn(message: &str) {
    raw::write(raw::Level::Warn, message);
}
/// Something failed.
pub fn error(message: &str) {
    raw::write(raw::Level::Error, message);
}
