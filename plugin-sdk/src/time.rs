//! Danish calendar arithmetic for blocks: dates as day numbers (days since
//! 1970-01-01), weekdays, ISO weeks, Danish local time, and month and weekday names.
//!
//! Blocks have no clock: the host hands them `Context::now_ms` (UTC). A citizen's
//! "today" and "this week" follow Danish local time, which these functions derive with
//! the EU summer-time rule Denmark follows: UTC+2 (CEST) from the last Sunday of March
//! 01:00 UTC until the last Sunday of October 01:00 UTC, otherwise UTC+1 (CET).
//!
//! ```
//! use jobunivers_sdk::time;
//! let monday = time::parse_date("2026-01-05").unwrap();
//! assert_eq!(time::weekday(monday), 0);
//! assert_eq!(time::iso_week(monday), (2026, 2));
//! // 23:30 UTC on 4 January is already 5 January in Denmark.
//! assert_eq!(time::danish_today(monday * time::DAY_MS - 30 * 60_000), monday);
//! ```

use crate::{civil_from_days, days_from_civil, Locale};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// The weekday of a day number: Monday 0 ... Sunday 6.
///
/// ```
/// assert_eq!(jobunivers_sdk::time::weekday(0), 3); // 1970-01-01 was a Thursday
/// ```
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// The Monday of the ISO week a day is in.
///
/// ```
/// use jobunivers_sdk::time::{monday_of, parse_date};
/// assert_eq!(monday_of(parse_date("2026-01-11").unwrap()), parse_date("2026-01-05").unwrap());
/// ```
pub fn monday_of(day: i64) -> i64 {
    day - i64::from(weekday(day))
}

/// The ISO 8601 week of a day: (week-based year, week 1-53).
///
/// ```
/// use jobunivers_sdk::time::{iso_week, parse_date};
/// assert_eq!(iso_week(parse_date("2025-12-29").unwrap()), (2026, 1));
/// ```
pub fn iso_week(day: i64) -> (i32, u32) {
    // A week belongs to the year its Thursday is in.
    let thursday = monday_of(day) + 3;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week as u32)
}

/// The last Sunday of March or October (the summer-time switch days).
fn last_sunday(year: i32, month: u32) -> i64 {
    let last = days_from_civil(year, month, 31);
    last - i64::from((weekday(last) + 1) % 7)
}

/// Denmark's offset from UTC at an instant, in ms (one or two hours).
///
/// ```
/// use jobunivers_sdk::time::{danish_offset_ms, parse_date, DAY_MS};
/// assert_eq!(danish_offset_ms(parse_date("2026-01-05").unwrap() * DAY_MS), 3_600_000);
/// assert_eq!(danish_offset_ms(parse_date("2026-07-01").unwrap() * DAY_MS), 7_200_000);
/// ```
pub fn danish_offset_ms(utc_ms: i64) -> i64 {
    let (year, _, _) = civil_from_days(utc_ms.div_euclid(DAY_MS));
    let start = last_sunday(year, 3) * DAY_MS + HOUR_MS;
    let end = last_sunday(year, 10) * DAY_MS + HOUR_MS;
    if (start..end).contains(&utc_ms) {
        2 * HOUR_MS
    } else {
        HOUR_MS
    }
}

/// The date in Denmark at an instant, as a day number.
pub fn danish_today(utc_ms: i64) -> i64 {
    (utc_ms + danish_offset_ms(utc_ms)).div_euclid(DAY_MS)
}

/// Whether a Danish date is in summer time, deciding by the date alone (summer on the
/// March switch day, winter on the October one): only local times between 00:00 and
/// 03:00 on those two Sundays come out an hour off.
pub fn danish_summer_date(day: i64) -> bool {
    let (year, _, _) = civil_from_days(day);
    day >= last_sunday(year, 3) && day < last_sunday(year, 10)
}

/// The UTC instant of a Danish local date and time of day (minutes after midnight).
///
/// ```
/// use jobunivers_sdk::time::{danish_local_to_utc_ms, parse_date, DAY_MS};
/// let day = parse_date("2026-01-05").unwrap();
/// assert_eq!(danish_local_to_utc_ms(day, 9 * 60), day * DAY_MS + 8 * 3_600_000);
/// ```
pub fn danish_local_to_utc_ms(day: i64, minutes: u32) -> i64 {
    let offset = if danish_summer_date(day) { 2 } else { 1 } * HOUR_MS;
    day * DAY_MS + i64::from(minutes) * 60_000 - offset
}

/// The Danish local date and time of a UTC instant: (day, minutes after midnight).
pub fn danish_local(utc_ms: i64) -> (i64, u32) {
    let local = utc_ms + danish_offset_ms(utc_ms);
    (
        local.div_euclid(DAY_MS),
        (local.rem_euclid(DAY_MS) / 60_000) as u32,
    )
}

/// Parse a "YYYY-MM-DD" date (a date field's value) into a day number; `None` unless it
/// is exactly that shape and a real date.
///
/// ```
/// use jobunivers_sdk::time::parse_date;
/// assert_eq!(parse_date("2026-01-06"), Some(20_459));
/// assert_eq!(parse_date("2026-02-30"), None);
/// assert_eq!(parse_date("6/1/2026"), None);
/// ```
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let (year, month, day): (i32, u32, u32) = (
        text[0..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    );
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // A day past the end of the month rolls over; the round trip catches it.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// A day number as "YYYY-MM-DD".
///
/// ```
/// assert_eq!(jobunivers_sdk::time::iso_date(20_459), "2026-01-06");
/// ```
pub fn iso_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

const MONTHS_DA: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS_DA: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];
const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A month's name (1-12), lowercase in Danish as Danes write it.
///
/// ```
/// use jobunivers_sdk::{time::month_name, Locale};
/// assert_eq!(month_name(3, Locale::Da), "marts");
/// assert_eq!(month_name(3, Locale::En), "March");
/// ```
pub fn month_name(month: u32, locale: Locale) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    match locale {
        Locale::Da => MONTHS_DA[i],
        Locale::En => MONTHS_EN[i],
    }
}

/// A day's weekday name, lowercase in Danish as Danes write it.
///
/// ```
/// use jobunivers_sdk::{time::weekday_name, Locale};
/// assert_eq!(weekday_name(20_458, Locale::Da), "mandag");
/// ```
pub fn weekday_name(day: i64, locale: Locale) -> &'static str {
    let i = weekday(day) as usize;
    match locale {
        Locale::Da => WEEKDAYS_DA[i],
        Locale::En => WEEKDAYS_EN[i],
    }
}

/// A date for reading: "5. januar 2026" / "5 January 2026".
///
/// ```
/// use jobunivers_sdk::{time::date_text, Locale};
/// assert_eq!(date_text(20_458, Locale::Da), "5. januar 2026");
/// assert_eq!(date_text(20_458, Locale::En), "5 January 2026");
/// ```
pub fn date_text(day: i64, locale: Locale) -> String {
    let (y, m, d) = civil_from_days(day);
    match locale {
        Locale::Da => format!("{d}. {} {y}", month_name(m, locale)),
        Locale::En => format!("{d} {} {y}", month_name(m, locale)),
    }
}
