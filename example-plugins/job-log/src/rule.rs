//! The municipality's rule for how often a citizen applies, and how the citizen stands
//! against it today.
//!
//! The period is the current ISO week (Monday to Sunday, Danish date) and the weeks
//! before it, `weeks_in_period` in all. It starts no earlier than the week of the first
//! registered application: the block can't know about weeks before the citizen began
//! using the log, and counting them as empty would scold a newcomer for nothing.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::dates;

/// The installation's configuration: the municipality's rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many weeks the average is taken over.
    #[serde(default = "default_weeks")]
    pub weeks_in_period: u32,
    /// Applications per week on average over the period.
    #[serde(default = "default_average")]
    pub min_average_per_week: f64,
    /// Whether at least one application is expected every week.
    #[serde(default = "yes")]
    pub require_every_week: bool,
}

fn default_weeks() -> u32 {
    4
}

fn default_average() -> f64 {
    1.5
}

fn yes() -> bool {
    true
}

impl Default for Config {
    fn default() -> Self {
        Self {
            weeks_in_period: default_weeks(),
            min_average_per_week: default_average(),
            require_every_week: true,
        }
    }
}

/// The longest period a municipality can set, in weeks (a quarter).
pub const MAX_WEEKS: u32 = 13;

/// JSON Schema of [`Config`].
pub fn schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "weeks_in_period": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_WEEKS,
                "title": "Uger i perioden",
                "description": "Antal uger (inkl. den aktuelle uge) som gennemsnittet beregnes over. Almindelig praksis er 4."
            },
            "min_average_per_week": {
                "type": "number",
                "minimum": 0,
                "maximum": 10,
                "title": "Mindste gennemsnit pr. uge",
                "description": "Hvor mange ansøgninger borgeren i gennemsnit skal sende om ugen i perioden, fx 1,5. 0 slår kravet om gennemsnit fra."
            },
            "require_every_week": {
                "type": "boolean",
                "title": "Søg hver uge",
                "description": "Borgeren forventes at søge mindst ét job hver uge, og bliver mindet om det, hvis ugen endnu er uden ansøgninger."
            }
        }
    })
}

/// The default configuration: the common practice of applying every week and at least
/// 1.5 applications a week on average over 4 weeks.
pub fn default_config() -> Value {
    json!({
        "weeks_in_period": default_weeks(),
        "min_average_per_week": default_average(),
        "require_every_week": true
    })
}

/// One ISO week of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// Its Monday (day number).
    pub monday: i64,
    /// ISO week number.
    pub number: u32,
    /// Applications made that week.
    pub count: u32,
}

/// How the citizen stands against the rule today.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The weeks of the period, oldest first; the last is the current week.
    pub weeks: Vec<Week>,
    /// Whether the period was shortened to start at the first registered application.
    pub shortened: bool,
    /// Applications in the period.
    pub total: u32,
    /// Applications the average asks for over the period (0 if no average is required).
    pub required: u32,
    /// Days left of the current week, today included (Sunday: 1).
    pub days_left: u32,
    /// The Sunday that ends the current week.
    pub sunday: i64,
    /// Whether the rule asks for an application every week.
    pub every_week: bool,
}

impl Standing {
    /// Applications this week.
    pub fn this_week(&self) -> u32 {
        self.weeks.last().map_or(0, |w| w.count)
    }

    /// How many more applications the average needs by Sunday.
    pub fn missing(&self) -> u32 {
        self.required.saturating_sub(self.total)
    }

    /// Whether the week still lacks the application the rule asks for.
    pub fn needs_one_this_week(&self) -> bool {
        self.every_week && self.this_week() == 0
    }

    /// Past weeks of the period without applications, when the rule asks for every week.
    pub fn empty_past_weeks(&self) -> Vec<Week> {
        if !self.every_week {
            return Vec::new();
        }
        let past = &self.weeks[..self.weeks.len().saturating_sub(1)];
        past.iter().filter(|w| w.count == 0).copied().collect()
    }

    /// Whether the citizen meets the rule so far.
    pub fn on_track(&self) -> bool {
        !self.needs_one_this_week() && self.missing() == 0
    }
}

/// Applications the average asks for over `weeks` weeks, rounded up.
pub fn required(config: &Config, weeks: u32) -> u32 {
    let exact = config.min_average_per_week.max(0.0) * f64::from(weeks);
    // A hair of tolerance so 1.5 × 4 is 6, not 7, whatever the float rounding.
    (exact - 1e-9).ceil().max(0.0) as u32
}

/// How the citizen stands today, given the days of their applications.
pub fn standing(config: &Config, applied: &[i64], today: i64) -> Standing {
    let weeks_in_period = config.weeks_in_period.clamp(1, MAX_WEEKS);
    let this_monday = dates::monday_of(today);
    let period_start = this_monday - 7 * i64::from(weeks_in_period - 1);
    let first = applied.iter().copied().filter(|d| *d <= today).min();
    let start = match first {
        Some(first) => period_start.max(dates::monday_of(first)),
        None => this_monday,
    };
    let weeks: Vec<Week> = (0..)
        .map(|i| start + 7 * i)
        .take_while(|monday| *monday <= this_monday)
        .map(|monday| Week {
            monday,
            number: dates::iso_week(monday).1,
            count: applied
                .iter()
                .filter(|d| (monday..monday + 7).contains(*d) && **d <= today)
                .count() as u32,
        })
        .collect();
    let total = weeks.iter().map(|w| w.count).sum();
    Standing {
        shortened: first.is_some() && start > period_start,
        required: required(config, weeks.len() as u32),
        weeks,
        total,
        days_left: 7 - dates::weekday(today),
        sunday: this_monday + 6,
        every_week: config.require_every_week,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        dates::parse_iso(s).unwrap()
    }

    fn days(list: &[&str]) -> Vec<i64> {
        list.iter().map(|s| day(s)).collect()
    }

    #[test]
    fn the_default_config_is_the_common_rule_and_matches_the_type() {
        let config: Config = serde_json::from_value(default_config()).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(serde_json::from_str::<Config>("{}").unwrap(), config);
        assert!(serde_json::from_str::<Config>(r#"{"weeks": 4}"#).is_err());
        for key in schema()["properties"].as_object().unwrap().keys() {
            assert!(default_config().get(key).is_some(), "{key}");
        }
        assert_eq!(required(&config, 4), 6);
        assert_eq!(required(&config, 1), 2);
        assert_eq!(required(&config, 3), 5);
        let exact = Config {
            min_average_per_week: 0.1,
            ..config.clone()
        };
        assert_eq!(required(&exact, 10), 1);
        let none = Config {
            min_average_per_week: 0.0,
            ..config
        };
        assert_eq!(required(&none, 4), 0);
    }

    #[test]
    fn standing_against_the_default_rule() {
        // Today is Wednesday 7 January 2026 (week 2). The full period is weeks 51-2.
        let today = day("2026-01-07");
        // (applications, total, required, this week, on track, empty past weeks, shortened)
        type Row = (
            &'static [&'static str],
            u32,
            u32,
            u32,
            bool,
            &'static [u32],
            bool,
        );
        let table: &[Row] = &[
            (&[], 0, 2, 0, false, &[], false),
            // Started this week: one week counts, 2 are needed.
            (&["2026-01-05"], 1, 2, 1, false, &[], true),
            (&["2026-01-05", "2026-01-06"], 2, 2, 2, true, &[], true),
            // Started in week 1: two weeks, 3 needed.
            (
                &["2025-12-30", "2026-01-02", "2026-01-07"],
                3,
                3,
                1,
                true,
                &[],
                true,
            ),
            // The full period, 6 spread over it: on track.
            (
                &[
                    "2025-12-15",
                    "2025-12-17",
                    "2025-12-22",
                    "2025-12-30",
                    "2026-01-02",
                    "2026-01-06",
                ],
                6,
                6,
                1,
                true,
                &[],
                false,
            ),
            // Enough in total but nothing yet this week, and week 52 was empty.
            (
                &[
                    "2025-12-15",
                    "2025-12-16",
                    "2025-12-17",
                    "2025-12-30",
                    "2026-01-01",
                    "2026-01-02",
                ],
                6,
                6,
                0,
                false,
                &[52],
                false,
            ),
            // Applications before the period don't count, but the period is not shortened.
            (
                &["2025-11-03", "2026-01-05"],
                1,
                6,
                1,
                false,
                &[51, 52, 1],
                false,
            ),
            // A date after today (clock skew) doesn't count.
            (&["2026-01-05", "2026-01-08"], 1, 2, 1, false, &[], true),
        ];
        for (applied, total, required, this_week, on_track, empty, shortened) in table {
            let s = standing(&Config::default(), &days(applied), today);
            let label = format!("{applied:?}");
            assert_eq!(s.total, *total, "{label}");
            assert_eq!(s.required, *required, "{label}");
            assert_eq!(s.this_week(), *this_week, "{label}");
            assert_eq!(s.on_track(), *on_track, "{label}");
            let numbers: Vec<u32> = s.empty_past_weeks().iter().map(|w| w.number).collect();
            assert_eq!(numbers, *empty, "{label}");
            assert_eq!(s.shortened, *shortened, "{label}");
            assert_eq!(s.days_left, 5, "{label}");
            assert_eq!(s.sunday, day("2026-01-11"));
            assert_eq!(s.weeks.last().unwrap().number, 2);
        }
    }

    #[test]
    fn a_municipality_can_change_the_rule() {
        let today = day("2026-01-11"); // Sunday
        let applied = days(&["2025-12-08", "2025-12-09", "2026-01-05"]);
        let loose = Config {
            weeks_in_period: 6,
            min_average_per_week: 0.5,
            require_every_week: false,
        };
        // The period of 6 weeks would start in week 49; it starts at the first
        // application in week 50 instead.
        let s = standing(&loose, &applied, today);
        assert_eq!(s.weeks.len(), 5);
        assert_eq!(s.weeks[0].number, 50);
        assert!(s.shortened);
        assert_eq!((s.total, s.required, s.days_left), (3, 3, 1));
        assert!(s.empty_past_weeks().is_empty(), "weekly rule is off");
        assert!(s.on_track());
        let no_average = Config {
            min_average_per_week: 0.0,
            ..loose
        };
        let s = standing(&no_average, &[], today);
        assert!(s.on_track());
        // Out-of-range weeks (the schema forbids them) are clamped, not a crash.
        let odd = Config {
            weeks_in_period: 0,
            ..Config::default()
        };
        assert_eq!(standing(&odd, &applied, today).weeks.len(), 1);
    }
}
