//! What the host tells a block about a call, and what the citizen did.

use serde::de::DeserializeOwned;

use crate::BlockError;

/// The language the citizen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    /// Danish, the default.
    Da,
    /// English.
    En,
}

/// What the host tells a block about one call.
///
/// ```
/// use jobunivers_sdk::{Context, Locale};
/// let ctx = Context::for_test(Locale::En, r#"{"goal": 2}"#);
/// assert_eq!(ctx.t("Hej", "Hello"), "Hello");
/// #[derive(serde::Deserialize)]
/// struct Config { goal: u32 }
/// assert_eq!(ctx.config::<Config>().unwrap().goal, 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// The citizen's pseudonymous id, stable within one municipality.
    pub citizen: String,
    /// The four-digit code of the citizen's municipality, e.g. "0751".
    pub municipality: String,
    /// The citizen's language.
    pub locale: Locale,
    /// The view inside the block; "" is the main view.
    pub view: String,
    /// The installation's configuration as JSON.
    pub config_json: String,
    /// The current time in Unix milliseconds, handed in by the host.
    pub now_ms: i64,
}

impl Context {
    /// A context for native unit tests of a block's logic: citizen "test-citizen" in
    /// Aarhus (0751), main view, 2026-01-05 09:00 UTC.
    pub fn for_test(locale: Locale, config_json: &str) -> Self {
        Self {
            citizen: "test-citizen".into(),
            municipality: "0751".into(),
            locale,
            view: String::new(),
            config_json: config_json.into(),
            now_ms: 1_767_603_600_000,
        }
    }

    /// Pick the text for the citizen's language.
    pub fn t<'a>(&self, da: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Da => da,
            Locale::En => en,
        }
    }

    /// The installation's configuration, parsed into the block's own type.
    ///
    /// The host has validated it against the manifest's schema, so an error here means
    /// the type and the schema disagree.
    pub fn config<T: DeserializeOwned>(&self) -> Result<T, BlockError> {
        serde_json::from_str(&self.config_json).map_err(|e| {
            BlockError::Failed(format!("the configuration does not fit the block: {e}"))
        })
    }

    /// Today's date (UTC) as (year, month, day).
    ///
    /// ```
    /// let ctx = jobunivers_sdk::Context::for_test(jobunivers_sdk::Locale::Da, "{}");
    /// assert_eq!(ctx.today(), (2026, 1, 5));
    /// ```
    pub fn today(&self) -> (i32, u32, u32) {
        civil_from_days(self.now_ms.div_euclid(86_400_000))
    }
}

/// The (year, month, day) of a count of days since 1970-01-01.
///
/// ```
/// assert_eq!(jobunivers_sdk::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(jobunivers_sdk::civil_from_days(20_459), (2026, 1, 6));
/// ```
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    // Howard Hinnant's algorithm: exact for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// The count of days since 1970-01-01 of a date.
///
/// ```
/// assert_eq!(jobunivers_sdk::days_from_civil(2026, 1, 6), 20_459);
/// ```
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An action from the citizen: a button, a submitted form or a chat message.
///
/// ```
/// let action = jobunivers_sdk::Action::new("save")
///     .with_field("employer", "Netto")
///     .with_field("channel", "email");
/// assert_eq!(action.field("employer"), Some("Netto"));
/// assert_eq!(action.field("missing"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Action {
    /// The action id given on the button or form.
    pub id: String,
    /// The button's payload.
    pub payload: Option<String>,
    /// Submitted form fields as (name, value); a name may repeat.
    pub fields: Vec<(String, String)>,
}

impl Action {
    /// An action with no payload and no fields (useful in tests).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
    /// Add a submitted field (useful in tests).
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }
    /// The first value submitted under `name`, trimmed; `None` if absent or blank.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
    /// Every value submitted under `name` (checkbox groups).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Something that happened which a block may react to (contract 1.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The daily schedule tick.
    Tick,
    /// New job postings arrived; their ids.
    NewJobPostings(Vec<String>),
    /// The citizen changed their profile.
    ProfileChanged,
}
