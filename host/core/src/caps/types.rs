//! The data that flows through capabilities, independent of contract version.

use serde::{Deserialize, Serialize};

use crate::model::ChatMessage;

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

/// The kind of effort a screening suggests and a caseworker decides: selvbetjening,
/// blandet or personlig indsats.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Track {
    /// Selvbetjening: the citizen manages with the digital offers.
    SelfService,
    /// Blandet: digital offers with personal conversations as needed.
    Mixed,
    /// Personlig indsats: a personal effort with the jobcentre.
    PersonalEffort,
}

impl Track {
    /// Every track, from the least to the most support.
    pub const ALL: [Track; 3] = [Self::SelfService, Self::Mixed, Self::PersonalEffort];

    /// The name in the contract, the API and the database, e.g. `personal-effort`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfService => "self-service",
            Self::Mixed => "mixed",
            Self::PersonalEffort => "personal-effort",
        }
    }

    /// Parse a name as [`Track::as_str`] writes it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The names of every track, for messages: "self-service, mixed, personal-effort".
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// The Danish name, e.g. "Personlig indsats".
    pub fn danish(self) -> &'static str {
        match self {
            Self::SelfService => "Selvbetjening",
            Self::Mixed => "Blandet",
            Self::PersonalEffort => "Personlig indsats",
        }
    }
}

impl std::fmt::Display for Track {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One answer behind a screening result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScreeningAnswer {
    /// The question's id in the block's configuration.
    pub question_id: String,
    /// The question as the citizen read it.
    #[schema(value_type = Object)]
    pub question: crate::model::Localized,
    /// The answer as the citizen chose it.
    #[schema(value_type = Object)]
    pub answer: crate::model::Localized,
    /// The answer's value in the configuration.
    pub value: String,
    /// What this answer added to the score.
    pub contribution: i32,
}

/// A screening result a block reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningReport {
    /// The track the answers point to.
    pub suggested: Track,
    /// The score the suggestion was read from.
    pub score: i32,
    /// Why, in plain words.
    pub reasons: Vec<crate::model::Localized>,
    /// The answers behind it.
    pub answers: Vec<ScreeningAnswer>,
}

/// Results one installation may report for one citizen per day.
pub const MAX_REPORTS_PER_DAY: usize = 10;
/// How often citizens are invited to screen again when the municipality has not said.
pub const DEFAULT_RESCREEN_DAYS: i64 = 90;
/// Most reasons one result may give.
pub const MAX_SCREENING_REASONS: usize = 50;
/// Most answers one result may hold.
pub const MAX_SCREENING_ANSWERS: usize = 100;
/// Longest text (in characters) in a result.
pub const MAX_SCREENING_TEXT: usize = 2_000;

impl ScreeningReport {
    /// Whether the result can be kept: at least one reason and one answer, within the
    /// limits, every text in both languages and without NUL, question ids unique.
    pub fn check(&self) -> Result<(), crate::caps::CapError> {
        use crate::caps::CapError::Invalid;
        if self.reasons.is_empty() {
            return Err(Invalid(
                "a screening result needs at least one reason".into(),
            ));
        }
        if self.answers.is_empty() {
            return Err(Invalid(
                "a screening result needs at least one answer".into(),
            ));
        }
        if self.reasons.len() > MAX_SCREENING_REASONS {
            return Err(Invalid(format!(
                "a screening result may give at most {MAX_SCREENING_REASONS} reasons, not {}",
                self.reasons.len()
            )));
        }
        if self.answers.len() > MAX_SCREENING_ANSWERS {
            return Err(Invalid(format!(
                "a screening result may hold at most {MAX_SCREENING_ANSWERS} answers, not {}",
                self.answers.len()
            )));
        }
        let text = |what: &str, s: &str, required: bool| {
            if required && s.trim().is_empty() {
                return Err(Invalid(format!("{what} is empty")));
            }
            if s.contains('\0') {
                return Err(Invalid(format!("{what} contains a NUL character")));
            }
            if s.chars().count() > MAX_SCREENING_TEXT {
                return Err(Invalid(format!(
                    "{what} is longer than {MAX_SCREENING_TEXT} characters"
                )));
            }
            Ok(())
        };
        for (i, r) in self.reasons.iter().enumerate() {
            text(&format!("reason {} in Danish", i + 1), &r.da, true)?;
            text(&format!("reason {} in English", i + 1), &r.en, true)?;
        }
        let mut ids = std::collections::BTreeSet::new();
        for a in &self.answers {
            text("a question id", &a.question_id, true)?;
            if a.question_id.len() > 100 {
                return Err(Invalid(format!(
                    "the question id '{}…' is longer than 100 bytes",
                    a.question_id.chars().take(20).collect::<String>()
                )));
            }
            if !ids.insert(a.question_id.as_str()) {
                return Err(Invalid(format!(
                    "the question '{}' is answered twice",
                    a.question_id
                )));
            }
            let q = &a.question_id;
            text(
                &format!("the text of question '{q}' in Danish"),
                &a.question.da,
                true,
            )?;
            text(
                &format!("the text of question '{q}' in English"),
                &a.question.en,
                true,
            )?;
            text(
                &format!("the answer to '{q}' in Danish"),
                &a.answer.da,
                true,
            )?;
            text(
                &format!("the answer to '{q}' in English"),
                &a.answer.en,
                true,
            )?;
            text(
                &format!("the value of the answer to '{q}'"),
                &a.value,
                false,
            )?;
        }
        Ok(())
    }
}

/// A caseworker's decision on a screening, as the block sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackDecision {
    /// The track decided.
    pub track: Track,
    /// The caseworker's reason.
    pub reason: String,
    /// When (Unix ms).
    pub decided_ms: i64,
    /// Whether it differs from the suggestion.
    pub overrides: bool,
}

/// Where a citizen stands with screening.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningStatus {
    /// When the last result was reported (Unix ms).
    pub last_ms: Option<i64>,
    /// The track it suggested.
    pub last_suggested: Option<Track>,
    /// When the citizen is invited to screen again (Unix ms); `None` if never screened.
    pub next_due_ms: Option<i64>,
    /// The caseworker's current decision.
    pub decision: Option<TrackDecision>,
}
