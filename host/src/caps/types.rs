//! The data that flows through capabilities, independent of contract version.

use serde::{Deserialize, Serialize};

use crate::runtime::model::ChatMessage;

/// An ESCO concept (occupation or skill) with a label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concept {
    /// ESCO concept URI.
    pub uri: String,
    /// Label in the citizen's language.
    pub label: String,
}

/// An education.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    /// Title.
    pub title: String,
    /// Institution.
    pub institution: String,
    /// Year completed.
    pub year: Option<u16>,
}

/// A job held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Experience {
    /// Title.
    pub title: String,
    /// Employer.
    pub employer: String,
    /// "YYYY-MM".
    pub start: String,
    /// "YYYY-MM".
    pub end: Option<String>,
    /// What the citizen did.
    pub description: String,
}

/// Where the citizen looks for work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    /// Postal code.
    pub postal_code: String,
    /// City.
    pub city: String,
    /// Longest commute in km.
    pub max_commute_km: u32,
}

/// The citizen's profile; `None` groups are not visible to the block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Profile {
    /// Desired occupations.
    pub desired_occupations: Option<Vec<Concept>>,
    /// Skills.
    pub skills: Option<Vec<Concept>>,
    /// Education.
    pub education: Option<Vec<Education>>,
    /// Experience.
    pub experience: Option<Vec<Experience>>,
    /// CV text.
    pub cv_text: Option<String>,
    /// Preferred area.
    pub preferred_area: Option<Area>,
    /// "YYYY-MM-DD".
    pub available_from: Option<String>,
}

/// A job search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct JobQuery {
    /// Free text.
    pub text: String,
    /// ESCO occupation URIs.
    pub occupations: Vec<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Most results.
    pub limit: u32,
}

/// A job posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPosting {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Employer.
    pub employer: String,
    /// ESCO occupation URI.
    pub occupation_uri: Option<String>,
    /// ESCO occupation label.
    pub occupation_label: Option<String>,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Description.
    pub description: String,
    /// Where to apply.
    pub url: String,
    /// "YYYY-MM-DD".
    pub published: String,
    /// "YYYY-MM-DD".
    pub deadline: Option<String>,
    /// Full time.
    pub full_time: bool,
}

/// An activity to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewActivity {
    /// job-application, course-lesson, cv-review, meeting, other.
    pub kind: String,
    /// Summary.
    pub summary: String,
    /// JSON object.
    pub details: String,
    /// When (Unix ms).
    pub occurred_ms: Option<i64>,
}

/// A recorded activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedActivity {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Summary.
    pub summary: String,
    /// JSON object.
    pub details: String,
    /// When (Unix ms).
    pub occurred_ms: i64,
}

/// How a personal conversation takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingKind {
    /// At the jobcentre.
    Physical,
    /// Video.
    Video,
    /// Phone.
    Phone,
}

/// A preferred time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// Start (Unix ms).
    pub start_ms: i64,
    /// End (Unix ms).
    pub end_ms: i64,
}

/// What the citizen asks the jobcentre for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EscalationRequest {
    /// A chat handed over with its transcript.
    ChatHandover {
        /// Transcript.
        transcript: Vec<ChatMessage>,
        /// Summary.
        summary: String,
    },
    /// A personal conversation.
    Booking {
        /// How.
        kind: MeetingKind,
        /// When.
        preferred: Vec<TimeWindow>,
        /// About what.
        topic: String,
    },
}

/// Where a thread stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreadState {
    /// The jobcentre must act.
    WaitingForJobcentre,
    /// The citizen must act.
    WaitingForCitizen,
    /// Done.
    Closed,
    /// Cancelled by the citizen.
    Cancelled,
}

/// A message in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    /// From the jobcentre.
    pub from_caseworker: bool,
    /// Text.
    pub text: String,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// A thread between citizen and jobcentre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Id.
    pub id: String,
    /// State.
    pub state: ThreadState,
    /// Messages.
    pub messages: Vec<ThreadMessage>,
}

/// A message for the citizen's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// View of the block to link to.
    pub view: Option<String>,
}
