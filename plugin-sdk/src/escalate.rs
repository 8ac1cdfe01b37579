//! Hand over to the citizen's jobcentre: a chat with a person, or a personal
//! conversation. Request [`Capability::Escalate`](crate::Capability::Escalate).
//!
//! ```no_run
//! use jobunivers_sdk::{escalate, ui::{ChatMessage, ChatRole}};
//! let transcript = [ChatMessage { role: ChatRole::Citizen, text: "Må jeg holde ferie?".into(), at_ms: None }];
//! let thread = escalate::hand_over_chat(&transcript, "Spørgsmål om ferie")?;
//! let status = escalate::status(&thread)?;
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::escalate as raw;
use crate::ui::ChatMessage;
use crate::CapabilityError;

pub use raw::{MeetingKind, State, Thread, ThreadMessage, TimeWindow};

/// Hand a chat over to a caseworker with its transcript; returns the thread id.
pub fn hand_over_chat(
    transcript: &[ChatMessage],
    summary: &str,
) -> Result<String, CapabilityError> {
    open(&raw::Request::ChatHandover(raw::ChatHandover {
        transcript: transcript
            .iter()
            .map(crate::convert::chat_message)
            .collect(),
        summary: summary.to_owned(),
    }))
}

/// Ask for a personal conversation; returns the thread id.
pub fn request_booking(
    kind: MeetingKind,
    preferred: &[TimeWindow],
    topic: &str,
) -> Result<String, CapabilityError> {
    open(&raw::Request::Booking(raw::BookingRequest {
        kind,
        preferred: preferred.to_vec(),
        topic: topic.to_owned(),
    }))
}

fn open(request: &raw::Request) -> Result<String, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.escalate_open(request)) {
        return r;
    }
    raw::open(request)
}

/// The status of a thread this block opened.
pub fn status(id: &str) -> Result<Thread, CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.escalate_status(id)) {
        return r;
    }
    raw::status(id)
}

/// Cancel a thread this block opened.
pub fn cancel(id: &str) -> Result<(), CapabilityError> {
    #[cfg(feature = "native-host")]
    if let Some(r) = crate::native::host(|h| h.escalate_cancel(id)) {
        return r;
    }
    raw::cancel(id)
}
