//! The Jobunivers model, shared by every other crate of the host and depending on none
//! of them: what blocks say and show ([`model`]) and the checks on it ([`validate`]),
//! the capability types and the [`caps::CapabilityProvider`] trait that the runtime
//! calls and the store implements, identity ([`auth`]), errors as problem details
//! ([`problem`]) and the one clock ([`clock`]).
//!
//! Knows nothing of wasmtime, SQL or HTTP.
#![warn(missing_docs)]
// A `Problem` carries its whole user-facing message (about 130 bytes); errors are the cold
// path of every request, so boxing them would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod caps;
pub mod clock;
pub mod model;
pub mod problem;
pub mod secrets;
pub mod validate;
