//! The citizen's side of the host: the page of blocks ([`universe`]: resolution of the
//! municipality's installations, the audience, concurrent sandboxed calls, the breaker,
//! consents), the dialogue between citizen and jobcentre ([`dialogue`]) and the
//! citizen's GDPR rights and inbox ([`citizen`]), and the event loop that delivers
//! events to blocks in the background ([`events`]). Knows neither wasmtime nor HTTP: it
//! calls the runtime's API and returns model types and problems.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod citizen;
pub mod dialogue;
pub mod events;
pub mod profile;
pub mod universe;

pub use universe::Universe;
