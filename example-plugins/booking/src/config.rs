//! The installation's configuration: its JSON Schema, its default, the checks the schema
//! cannot express, and what it means for the times a citizen can choose.

use jobunivers_sdk::{Context, Locale};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::calendar::{self, clock, parse_clock, weekday, weekday_name, Day};

/// How a personal conversation takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// At the jobcentre.
    Physical,
    /// A video meeting.
    Video,
    /// A phone call.
    Phone,
}

impl Kind {
    /// Every kind, in the order the form shows them.
    pub const ALL: [Kind; 3] = [Kind::Physical, Kind::Video, Kind::Phone];

    /// The value of the form field.
    pub fn value(self) -> &'static str {
        match self {
            Kind::Physical => "physical",
            Kind::Video => "video",
            Kind::Phone => "phone",
        }
    }

    /// Parse a form field value.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.value() == s)
    }

    /// What the citizen reads.
    pub fn label(self, ctx: &Context) -> &'static str {
        match self {
            Kind::Physical => ctx.t("Møde på jobcentret", "Meeting at the jobcentre"),
            Kind::Video => ctx.t("Videomøde", "Video meeting"),
            Kind::Phone => ctx.t("Telefonsamtale", "Phone call"),
        }
    }
}

/// How the citizen picks a time on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeChoice {
    /// Broad parts of the day, e.g. 09-12 and 12-15.
    #[default]
    Periods,
    /// Half-hour slots within the opening hours.
    HalfHours,
}

/// A span of the day, "HH:MM" to "HH:MM".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Span {
    /// Start, "HH:MM".
    pub from: String,
    /// End, "HH:MM".
    pub to: String,
}

impl Span {
    /// Start and end in minutes after midnight, if both parse and start comes first.
    pub fn minutes(&self) -> Option<(u32, u32)> {
        let (from, to) = (parse_clock(&self.from)?, parse_clock(&self.to)?);
        (from < to).then_some((from, to))
    }
}

/// Opening hours on weekdays; a day left out is closed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OpeningHours {
    /// Monday.
    pub monday: Option<Span>,
    /// Tuesday.
    pub tuesday: Option<Span>,
    /// Wednesday.
    pub wednesday: Option<Span>,
    /// Thursday.
    pub thursday: Option<Span>,
    /// Friday.
    pub friday: Option<Span>,
}

/// A common topic for a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Topic {
    /// In Danish.
    pub da: String,
    /// In English.
    pub en: String,
}

/// The installation's configuration. Every field has the default of [`default_config`],
/// so a configuration that leaves something out still works.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Days of notice the jobcentre needs (calendar days).
    #[serde(default = "default_notice")]
    pub min_notice_days: u32,
    /// How far ahead a citizen may ask for a time (calendar days).
    #[serde(default = "default_days_ahead")]
    pub max_days_ahead: u32,
    /// The kinds of conversation offered.
    #[serde(default = "default_kinds")]
    pub kinds: Vec<Kind>,
    /// How the citizen picks a time.
    #[serde(default)]
    pub time_choice: TimeChoice,
    /// Opening hours.
    #[serde(default = "default_opening_hours")]
    pub opening_hours: OpeningHours,
    /// The parts of the day offered when `time_choice` is periods.
    #[serde(default = "default_periods")]
    pub periods: Vec<Span>,
    /// Common topics.
    #[serde(default = "default_topics")]
    pub topics: Vec<Topic>,
    /// The jobcentre's address, shown for meetings at the jobcentre.
    #[serde(default)]
    pub address: String,
}

fn default_notice() -> u32 {
    8
}
fn default_days_ahead() -> u32 {
    90
}
fn default_kinds() -> Vec<Kind> {
    Kind::ALL.to_vec()
}
fn default_opening_hours() -> OpeningHours {
    serde_json::from_value(default_config()["opening_hours"].clone())
        .expect("the default opening hours fit the type")
}
fn default_periods() -> Vec<Span> {
    serde_json::from_value(default_config()["periods"].clone())
        .expect("the default periods fit the type")
}
fn default_topics() -> Vec<Topic> {
    serde_json::from_value(default_config()["topics"].clone())
        .expect("the default topics fit the type")
}

/// The default configuration.
pub fn default_config() -> Value {
    let day = json!({"from": "09:00", "to": "15:00"});
    json!({
        "min_notice_days": 8,
        "max_days_ahead": 90,
        "kinds": ["physical", "video", "phone"],
        "time_choice": "periods",
        "opening_hours": {
            "monday": day, "tuesday": day, "wednesday": day, "thursday": day,
            "friday": {"from": "09:00", "to": "13:00"}
        },
        "periods": [{"from": "09:00", "to": "12:00"}, {"from": "12:00", "to": "15:00"}],
        "topics": [
            {"da": "Jobsøgning og ansøgninger", "en": "Job search and applications"},
            {"da": "Mit CV", "en": "My CV"},
            {"da": "Uddannelse og kurser", "en": "Education and courses"},
            {"da": "Praktik eller løntilskud", "en": "Work placement or wage subsidy job"},
            {"da": "Helbred og hensyn i jobsøgningen", "en": "Health and special needs in my job search"},
            {"da": "Min plan og mine aftaler", "en": "My plan and my agreements"}
        ],
        "address": ""
    })
}

/// The JSON Schema of the configuration.
pub fn schema() -> Value {
    // Half-hour steps keep periods and slots aligned with each other.
    let clock = json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):(00|30)$"});
    let span = |title: &str, description: &str| {
        json!({
            "type": "object",
            "title": title,
            "description": description,
            "additionalProperties": false,
            "required": ["from", "to"],
            "properties": {
                "from": {"title": "Fra", "description": "Klokkeslæt som TT:MM, hele eller halve timer, fx 09:00.", "allOf": [clock]},
                "to": {"title": "Til", "description": "Klokkeslæt som TT:MM, hele eller halve timer, fx 15:00.", "allOf": [clock]}
            }
        })
    };
    let day = |name: &str| {
        span(
            name,
            "Åbningstid for samtaler. Fjern dagen, hvis jobcentret ikke holder samtaler den dag.",
        )
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "min_notice_days": {
                "type": "integer", "minimum": 0, "maximum": 60,
                "title": "Mindste varsel (dage)",
                "description": "Hvor mange kalenderdage før samtalen borgeren senest kan bede om den. Selvbooking bruger normalt 8 dage."
            },
            "max_days_ahead": {
                "type": "integer", "minimum": 7, "maximum": 365,
                "title": "Længst frem (dage)",
                "description": "Hvor mange kalenderdage frem borgeren højst kan foreslå en tid."
            },
            "kinds": {
                "type": "array", "minItems": 1, "uniqueItems": true,
                "items": {"type": "string", "enum": ["physical", "video", "phone"]},
                "title": "Samtaleformer",
                "description": "Hvilke former for samtale borgeren kan vælge: physical (fremmøde på jobcentret), video eller phone (telefon)."
            },
            "time_choice": {
                "type": "string", "enum": ["periods", "half-hours"],
                "title": "Valg af tidspunkt",
                "description": "periods: borgeren vælger et tidsrum på dagen (fx 09-12). half-hours: borgeren vælger en halv time inden for åbningstiden."
            },
            "opening_hours": {
                "type": "object", "additionalProperties": false,
                "title": "Åbningstider",
                "description": "Hvornår jobcentret holder samtaler på hverdage. En dag, der ikke står her, kan ikke vælges. Weekender og helligdage kan aldrig vælges.",
                "properties": {
                    "monday": day("Mandag"), "tuesday": day("Tirsdag"), "wednesday": day("Onsdag"),
                    "thursday": day("Torsdag"), "friday": day("Fredag")
                }
            },
            "periods": {
                "type": "array", "minItems": 1, "maxItems": 8,
                "items": span("Tidsrum", "Et tidsrum på dagen, som borgeren kan vælge."),
                "title": "Tidsrum på dagen",
                "description": "Bruges når valg af tidspunkt er periods. Et tidsrum skæres til dagens åbningstid."
            },
            "topics": {
                "type": "array", "maxItems": 20,
                "title": "Emner",
                "description": "Almindelige emner, borgeren kan vælge imellem. \"Andet\" kommer altid med.",
                "items": {
                    "type": "object", "additionalProperties": false, "required": ["da", "en"],
                    "title": "Emne", "description": "Et emne på dansk og engelsk.",
                    "properties": {
                        "da": {"type": "string", "minLength": 1, "maxLength": 80, "title": "Dansk", "description": "Emnet på dansk."},
                        "en": {"type": "string", "minLength": 1, "maxLength": 80, "title": "Engelsk", "description": "Emnet på engelsk."}
                    }
                }
            },
            "address": {
                "type": "string", "maxLength": 300,
                "title": "Jobcentrets adresse",
                "description": "Vises ved møder på jobcentret, fx \"Jobcenter Aarhus, Værkmestergade 25, 8000 Aarhus C\". Lad feltet være tomt, hvis jobcentret sender adressen i sit svar."
            }
        }
    })
}

impl Config {
    /// Read and check the installation's configuration.
    pub fn load(ctx: &Context) -> Result<Config, jobunivers_sdk::BlockError> {
        let config: Config = ctx.config()?;
        config.check().map_err(|e| {
            jobunivers_sdk::BlockError::Failed(format!("the configuration is not usable: {e}"))
        })?;
        Ok(config)
    }

    /// What the schema cannot say: spans that end after they start, at least one open
    /// day, room between the notice and the last day, and at least one kind.
    pub fn check(&self) -> Result<(), String> {
        for (i, day) in self.days().iter().enumerate() {
            if let Some(span) = day {
                if span.minutes().is_none() {
                    return Err(format!(
                        "the opening hours on {} must be HH:MM and end after they start",
                        day_name(i, Locale::En)
                    ));
                }
            }
        }
        if self.days().iter().all(|d| d.is_none()) {
            return Err("no weekday has opening hours".into());
        }
        if self.periods.iter().any(|p| p.minutes().is_none()) {
            return Err("every period must be HH:MM and end after it starts".into());
        }
        if self.max_days_ahead <= self.min_notice_days {
            return Err("max_days_ahead must be larger than min_notice_days".into());
        }
        if self.kinds.is_empty() {
            return Err("at least one kind of conversation must be offered".into());
        }
        Ok(())
    }

    fn days(&self) -> [&Option<Span>; 5] {
        let h = &self.opening_hours;
        [&h.monday, &h.tuesday, &h.wednesday, &h.thursday, &h.friday]
    }

    /// The opening hours of a day in minutes, `None` if closed (weekends always are).
    pub fn hours_on(&self, day: Day) -> Option<(u32, u32)> {
        let index = weekday(day) as usize;
        self.days()
            .get(index)
            .and_then(|span| span.as_ref())
            .and_then(Span::minutes)
    }

    /// The kinds offered, without repeats, in the form's order.
    pub fn kinds(&self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| self.kinds.contains(k))
            .collect()
    }

    /// The times one can pick on a day, as (field value, label); the same list for
    /// every day, checked against the chosen day's hours on submit.
    pub fn time_options(&self, ctx: &Context) -> Vec<(String, String)> {
        match self.time_choice {
            TimeChoice::Periods => self
                .periods
                .iter()
                .filter_map(Span::minutes)
                .map(|(from, to)| {
                    let part = if to <= 12 * 60 {
                        ctx.t("Formiddag", "Morning")
                    } else if from >= 12 * 60 {
                        ctx.t("Eftermiddag", "Afternoon")
                    } else {
                        ctx.t("Midt på dagen", "Midday")
                    };
                    let label = format!(
                        "{part}, {}{}-{}",
                        ctx.t("kl. ", ""),
                        clock(from, ctx.locale),
                        clock(to, ctx.locale)
                    );
                    (period_value(from, to), label)
                })
                .collect(),
            TimeChoice::HalfHours => {
                let days = self.days();
                let open = days.iter().filter_map(|d| d.as_ref()?.minutes());
                let (first, last) =
                    open.fold((24 * 60, 0), |(a, b), (from, to)| (a.min(from), b.max(to)));
                (first..last)
                    .step_by(30)
                    .filter(|m| m + 30 <= last)
                    .map(|m| {
                        let label = format!("{}{}", ctx.t("kl. ", ""), clock(m, ctx.locale));
                        (calendar::hhmm(m), label)
                    })
                    .collect()
            }
        }
    }

    /// The window (start, end in minutes) a time field value means on `day`.
    pub fn resolve_time(&self, day: Day, value: &str) -> Result<(u32, u32), TimeProblem> {
        let (open, close) = self.hours_on(day).ok_or(TimeProblem::Closed)?;
        let (from, to) = match self.time_choice {
            TimeChoice::Periods => {
                let (from, to) = value.split_once('-').ok_or(TimeProblem::Unknown)?;
                let span = (
                    parse_clock(from).ok_or(TimeProblem::Unknown)?,
                    parse_clock(to).ok_or(TimeProblem::Unknown)?,
                );
                if !self.periods.iter().any(|p| p.minutes() == Some(span)) {
                    return Err(TimeProblem::Unknown);
                }
                // A period reaching past the day's hours is cut to them (e.g. a short Friday).
                (span.0.max(open), span.1.min(close))
            }
            TimeChoice::HalfHours => {
                let start = parse_clock(value).ok_or(TimeProblem::Unknown)?;
                if start % 30 != 0 {
                    return Err(TimeProblem::Unknown);
                }
                if start < open || start + 30 > close {
                    return Err(TimeProblem::OutsideHours(open, close));
                }
                (start, start + 30)
            }
        };
        if from >= to {
            return Err(TimeProblem::OutsideHours(open, close));
        }
        Ok((from, to))
    }

    /// The opening hours in words, days with the same hours together:
    /// "mandag-torsdag kl. 09.00-15.00, fredag kl. 09.00-13.00".
    pub fn hours_text(&self, ctx: &Context) -> String {
        let days = self.days().map(|d| d.as_ref().and_then(Span::minutes));
        let mut groups: Vec<(usize, usize, (u32, u32))> = Vec::new();
        for (i, hours) in days.iter().enumerate() {
            let Some(hours) = *hours else { continue };
            match groups.last_mut() {
                Some((_, end, h)) if *end + 1 == i && *h == hours => *end = i,
                _ => groups.push((i, i, hours)),
            }
        }
        let name = |i: usize| day_name(i, ctx.locale);
        groups
            .iter()
            .map(|&(start, end, (from, to))| {
                let days = if start == end {
                    name(start).to_owned()
                } else {
                    format!("{}-{}", name(start), name(end))
                };
                format!(
                    "{days} {}{}-{}",
                    ctx.t("kl. ", ""),
                    clock(from, ctx.locale),
                    clock(to, ctx.locale)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The name of weekday `i` (0 is Monday): day -3, 1969-12-29, was a Monday.
fn day_name(i: usize, locale: Locale) -> &'static str {
    weekday_name(i as Day - 3, locale)
}

/// The field value of a period, "09:00-12:00".
pub fn period_value(from: u32, to: u32) -> String {
    format!("{}-{}", calendar::hhmm(from), calendar::hhmm(to))
}

/// Why a time field value does not fit the chosen day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeProblem {
    /// The value is not one of the offered times.
    Unknown,
    /// The jobcentre holds no conversations that weekday.
    Closed,
    /// The time lies outside that day's opening hours (open, close).
    OutsideHours(u32, u32),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    fn config(extra: Value) -> Config {
        let mut value = default_config();
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value(value).unwrap()
    }

    fn ctx(locale: Locale) -> Context {
        Context::for_test(locale, "{}")
    }

    #[test]
    fn the_default_config_fits_the_type_and_an_empty_one_means_the_same() {
        let full: Config = serde_json::from_value(default_config()).unwrap();
        let empty: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(full.min_notice_days, 8);
        assert_eq!(empty.min_notice_days, 8);
        assert_eq!(full.opening_hours, empty.opening_hours);
        assert_eq!(full.topics, empty.topics);
        assert!(full.check().is_ok());
    }

    #[test]
    fn config_mistakes_the_schema_cannot_see_are_caught() {
        let cases = [
            (
                json!({"opening_hours": {"monday": {"from": "15:00", "to": "09:00"}}}),
                "Monday",
            ),
            (json!({"opening_hours": {}}), "no weekday"),
            (
                json!({"periods": [{"from": "12:00", "to": "12:00"}]}),
                "period",
            ),
            (
                json!({"min_notice_days": 30, "max_days_ahead": 30}),
                "max_days_ahead",
            ),
            (json!({"kinds": []}), "kind"),
        ];
        for (extra, expected) in cases {
            let err = config(extra.clone()).check().unwrap_err();
            assert!(err.contains(expected), "{extra}: {err}");
        }
    }

    #[test]
    fn times_resolve_against_the_days_hours() {
        let monday = parse_date("2026-01-19").unwrap();
        let friday = parse_date("2026-01-23").unwrap();
        let saturday = parse_date("2026-01-24").unwrap();
        let periods = config(json!({}));
        let halves = config(json!({"time_choice": "half-hours"}));
        type Case<'a> = (&'a Config, Day, &'a str, Result<(u32, u32), TimeProblem>);
        let cases: [Case; 9] = [
            (&periods, monday, "09:00-12:00", Ok((540, 720))),
            (&periods, monday, "12:00-15:00", Ok((720, 900))),
            (&periods, friday, "12:00-15:00", Ok((720, 780))), // cut to Friday's 13:00
            (&periods, monday, "08:00-12:00", Err(TimeProblem::Unknown)),
            (&periods, saturday, "09:00-12:00", Err(TimeProblem::Closed)),
            (&halves, monday, "14:30", Ok((870, 900))),
            (
                &halves,
                friday,
                "13:00",
                Err(TimeProblem::OutsideHours(540, 780)),
            ),
            (&halves, monday, "09:15", Err(TimeProblem::Unknown)),
            (&halves, monday, "nonsense", Err(TimeProblem::Unknown)),
        ];
        for (config, day, value, expected) in cases {
            assert_eq!(config.resolve_time(day, value), expected, "{value}");
        }
        let late = config(json!({"periods": [{"from": "13:00", "to": "15:00"}]}));
        assert_eq!(
            late.resolve_time(friday, "13:00-15:00"),
            Err(TimeProblem::OutsideHours(540, 780))
        );
    }

    #[test]
    fn time_options_follow_the_config() {
        let da = ctx(Locale::Da);
        let periods = config(json!({})).time_options(&da);
        assert_eq!(
            periods,
            vec![
                ("09:00-12:00".into(), "Formiddag, kl. 09.00-12.00".into()),
                ("12:00-15:00".into(), "Eftermiddag, kl. 12.00-15.00".into())
            ]
        );
        let halves = config(json!({"time_choice": "half-hours"})).time_options(&da);
        assert_eq!(halves.len(), 12); // 09:00 .. 14:30
        assert_eq!(halves[0], ("09:00".into(), "kl. 09.00".into()));
        assert_eq!(halves[11].0, "14:30");
    }

    #[test]
    fn opening_hours_read_as_words() {
        assert_eq!(
            config(json!({})).hours_text(&ctx(Locale::Da)),
            "mandag-torsdag kl. 09.00-15.00, fredag kl. 09.00-13.00"
        );
        let odd = config(json!({"opening_hours": {
            "monday": {"from": "08:00", "to": "12:00"},
            "wednesday": {"from": "08:00", "to": "12:00"}
        }}));
        assert_eq!(
            odd.hours_text(&ctx(Locale::En)),
            "Monday 08:00-12:00, Wednesday 08:00-12:00"
        );
    }

    #[test]
    fn kinds_keep_the_form_order_without_repeats() {
        let c = config(json!({"kinds": ["phone", "physical"]}));
        assert_eq!(c.kinds(), vec![Kind::Physical, Kind::Phone]);
        assert_eq!(Kind::parse("video"), Some(Kind::Video));
        assert_eq!(Kind::parse("fax"), None);
    }
}
