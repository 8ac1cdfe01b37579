//! Screening results (contract 1.2): a block of category
//! [`Screening`](crate::Category::Screening) reports what the citizen's answers point to,
//! and reads where the citizen stands. Request
//! [`Capability::Screening`](crate::Capability::Screening); the answers are personal
//! data, so the citizen's consent (or the municipality's public task) is needed.
//!
//! A result is advice. The host keeps every result with its time; a caseworker confirms
//! or overrides the suggested track with a reason, and that decision is the citizen's
//! track. A block never sets a track.
//!
//! ```no_run
//! use jobunivers_sdk::screening::{self, Answer, Localized, ScreeningResult, Track};
//! let result = ScreeningResult {
//!     suggested: Track::Mixed,
//!     score: 5,
//!     reasons: vec![Localized::new("Du ønsker en samtale", "You want a conversation")],
//!     answers: vec![Answer {
//!         question_id: "samtale".into(),
//!         question: Localized::new("Ønsker du en samtale?", "Do you want a conversation?"),
//!         answer: Localized::new("Ja", "Yes"),
//!         value: "ja".into(),
//!         contribution: 5,
//!     }],
//! };
//! let id = screening::report(&result)?;
//! # Ok::<(), jobunivers_sdk::CapabilityError>(())
//! ```

use crate::bindings::jobunivers::block::screening as raw;
use crate::bindings::jobunivers::block::types as wtypes;
use crate::CapabilityError;

/// The kind of effort a screening suggests and a caseworker decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

    /// The name used in the contract and the API, e.g. "personal-effort".
    ///
    /// ```
    /// assert_eq!(jobunivers_sdk::screening::Track::PersonalEffort.as_str(), "personal-effort");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SelfService => "self-service",
            Self::Mixed => "mixed",
            Self::PersonalEffort => "personal-effort",
        }
    }

    /// The track's name in Danish and English.
    ///
    /// ```
    /// assert_eq!(jobunivers_sdk::screening::Track::Mixed.label().da, "Blandet");
    /// ```
    pub fn label(self) -> Localized {
        match self {
            Self::SelfService => Localized::new("Selvbetjening", "Self-service"),
            Self::Mixed => Localized::new("Blandet", "Mixed"),
            Self::PersonalEffort => Localized::new("Personlig indsats", "Personal effort"),
        }
    }
}

/// A text in Danish and English.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized {
    /// Danish.
    pub da: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// A text in both languages.
    pub fn new(da: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            da: da.into(),
            en: en.into(),
        }
    }

    /// The text in the citizen's language.
    pub fn get(&self, locale: crate::Locale) -> &str {
        match locale {
            crate::Locale::Da => &self.da,
            crate::Locale::En => &self.en,
        }
    }
}

/// One answer behind a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The question's id in the block's configuration.
    pub question_id: String,
    /// The question as the citizen read it.
    pub question: Localized,
    /// The answer as the citizen chose it.
    pub answer: Localized,
    /// The answer's value in the configuration.
    pub value: String,
    /// What this answer added to the score.
    pub contribution: i32,
}

/// A screening's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningResult {
    /// The track the answers point to.
    pub suggested: Track,
    /// The score the suggestion was read from.
    pub score: i32,
    /// Why, in plain words (at least one).
    pub reasons: Vec<Localized>,
    /// Every answer behind it (at least one).
    pub answers: Vec<Answer>,
}

/// A caseworker's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The track decided.
    pub track: Track,
    /// The caseworker's reason.
    pub reason: String,
    /// When (Unix ms).
    pub decided_ms: i64,
    /// Whether it differs from the suggestion.
    pub overrides: bool,
}

/// Where the citizen stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// When the last result was reported (Unix ms), if ever.
    pub last_ms: Option<i64>,
    /// The track the last result suggested.
    pub last_suggested: Option<Track>,
    /// When the municipality invites the citizen to screen again (Unix ms); `None` if
    /// never screened.
    pub next_due_ms: Option<i64>,
    /// The caseworker's current decision, if any.
    pub decision: Option<Decision>,
}

impl Status {
    /// Whether the citizen is invited to screen now.
    pub fn due(&self, now_ms: i64) -> bool {
        self.next_due_ms.is_none_or(|due| due <= now_ms)
    }
}

fn to_raw_track(t: Track) -> raw::Track {
    match t {
        Track::SelfService => raw::Track::SelfService,
        Track::Mixed => raw::Track::Mixed,
        Track::PersonalEffort => raw::Track::PersonalEffort,
    }
}

fn from_raw_track(t: raw::Track) -> Track {
    match t {
        raw::Track::SelfService => Track::SelfService,
        raw::Track::Mixed => Track::Mixed,
        raw::Track::PersonalEffort => Track::PersonalEffort,
    }
}

fn to_raw_text(l: &Localized) -> wtypes::Localized {
    wtypes::Localized {
        da: l.da.clone(),
        en: l.en.clone(),
    }
}

/// Keep a result for the citizen; returns its id. The host refuses an empty or
/// oversized result with [`CapabilityError::Invalid`].
pub fn report(result: &ScreeningResult) -> Result<String, CapabilityError> {
    raw::report(&raw::ScreeningResult {
        suggested: to_raw_track(result.suggested),
        score: result.score,
        reasons: result.reasons.iter().map(to_raw_text).collect(),
        answers: result
            .answers
            .iter()
            .map(|a| raw::Answer {
                question_id: a.question_id.clone(),
                question: to_raw_text(&a.question),
                answer: to_raw_text(&a.answer),
                value: a.value.clone(),
                contribution: a.contribution,
            })
            .collect(),
    })
}

/// The citizen's screening status: the last result, when the next screening is due and
/// the caseworker's decision.
pub fn status() -> Result<Status, CapabilityError> {
    let s = raw::status()?;
    Ok(Status {
        last_ms: s.last_ms,
        last_suggested: s.last_suggested.map(from_raw_track),
        next_due_ms: s.next_due_ms,
        decision: s.decision.map(|d| Decision {
            track: from_raw_track(d.track),
            reason: d.reason,
            decided_ms: d.decided_ms,
            overrides: d.overrides,
        }),
    })
}
