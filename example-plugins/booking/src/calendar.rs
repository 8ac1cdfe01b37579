//! Danish calendar arithmetic: local time, weekdays, public holidays and how dates and
//! times are written for the citizen.
//!
//! Blocks get only `now_ms` (UTC), so the block derives Danish local time itself. It
//! uses the EU summer-time rule that Denmark follows: UTC+2 (CEST) from the last Sunday
//! of March 01:00 UTC until the last Sunday of October 01:00 UTC, otherwise UTC+1 (CET).
//! When turning a local date and time into UTC, the block decides by the *date* whether
//! summer time applies (summer on the March switch day, winter on the October switch
//! day). That is only wrong for local times between 00:00 and 03:00 on the two switch
//! days, which are Sundays and outside every opening hour, so bookable times are exact.

use jobunivers_sdk::{civil_from_days, days_from_civil, Locale};

pub use jobunivers_sdk::time::{
    danish_local as utc_to_local, danish_local_to_utc_ms as local_to_utc_ms,
    danish_offset_ms as offset_at_utc, danish_summer_date as is_summer_date,
    danish_today as local_today, iso_date, parse_date, weekday, weekday_name, DAY_MS,
};

/// A calendar date as days since 1970-01-01.
pub type Day = i64;

/// Saturday or Sunday.
pub fn is_weekend(day: Day) -> bool {
    weekday(day) >= 5
}

/// Easter Sunday of a year (the anonymous Gregorian algorithm).
fn easter(year: i32) -> Day {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    days_from_civil(year, month as u32, day as u32)
}

/// The name (da, en) of the day if the jobcentre is closed for a holiday.
///
/// These are the Danish public holidays plus the days jobcentres keep closed like the
/// rest of the public sector (Constitution Day, Christmas Eve, New Year's Eve). Great
/// Prayer Day is left out: it stopped being a holiday in 2024. Holidays that are always
/// Sundays are left out too, weekends are closed anyway.
pub fn holiday(day: Day) -> Option<(&'static str, &'static str)> {
    let (year, month, date) = civil_from_days(day);
    let fixed = match (month, date) {
        (1, 1) => Some(("nytårsdag", "New Year's Day")),
        (6, 5) => Some(("grundlovsdag", "Constitution Day")),
        (12, 24) => Some(("juleaften", "Christmas Eve")),
        (12, 25) => Some(("juledag", "Christmas Day")),
        (12, 26) => Some(("2. juledag", "Boxing Day")),
        (12, 31) => Some(("nytårsaften", "New Year's Eve")),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    match day - easter(year) {
        -3 => Some(("skærtorsdag", "Maundy Thursday")),
        -2 => Some(("langfredag", "Good Friday")),
        1 => Some(("2. påskedag", "Easter Monday")),
        39 => Some(("Kristi himmelfartsdag", "Ascension Day")),
        50 => Some(("2. pinsedag", "Whit Monday")),
        _ => None,
    }
}

/// A date for reading: "mandag den 19. januar 2026" / "Monday 19 January 2026".
pub fn long_date(day: Day, locale: Locale) -> String {
    let (y, m, d) = civil_from_days(day);
    let name = weekday_name(day, locale);
    let month = jobunivers_sdk::time::month_name(m, locale);
    match locale {
        Locale::Da => format!("{name} den {d}. {month} {y}"),
        Locale::En => format!("{name} {d} {month} {y}"),
    }
}

/// A time of day for reading: "09.30" in Danish, "09:30" in English.
pub fn clock(minutes: u32, locale: Locale) -> String {
    let sep = match locale {
        Locale::Da => '.',
        Locale::En => ':',
    };
    format!("{:02}{sep}{:02}", minutes / 60, minutes % 60)
}

/// Parse "HH:MM" into minutes after midnight.
pub fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Minutes after midnight as "HH:MM", the form of config values and field values.
pub fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_MS: i64 = 3_600_000;

    fn d(s: &str) -> Day {
        parse_date(s).unwrap()
    }

    #[test]
    fn weekdays_are_right() {
        for (date, wd) in [
            ("1970-01-01", 3),
            ("2026-01-05", 0),
            ("2026-01-10", 5),
            ("2026-01-11", 6),
            ("2024-02-29", 3),
        ] {
            assert_eq!(weekday(d(date)), wd, "{date}");
        }
        assert!(is_weekend(d("2026-01-10")) && !is_weekend(d("2026-01-09")));
    }

    #[test]
    fn dates_parse_only_when_real() {
        for bad in [
            "",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-5",
            "26-01-05",
            "x",
            "2026-01-00",
            "2026-04-31",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(iso_date(d("2028-02-29")), "2028-02-29");
        assert_eq!(iso_date(d(" 2026-01-19 ")), "2026-01-19");
    }

    #[test]
    fn summer_time_follows_the_eu_rule() {
        // (UTC instant as local date + hour, expected offset in hours)
        let cases = [
            ("2026-01-05", 9, 1),
            ("2026-03-29", 0, 1), // 00:00 UTC on the switch day: still winter
            ("2026-03-29", 1, 2), // 01:00 UTC: summer begins
            ("2026-07-01", 12, 2),
            ("2026-10-25", 0, 2), // still summer
            ("2026-10-25", 1, 1), // winter again
            ("2027-03-28", 2, 2),
        ];
        for (date, hour, offset) in cases {
            let utc = d(date) * DAY_MS + hour * HOUR_MS;
            assert_eq!(offset_at_utc(utc), offset * HOUR_MS, "{date} {hour}:00 UTC");
        }
        // The switch Sundays: 2026-03-29, 2026-10-25 and 2027-10-31.
        assert!(!is_summer_date(d("2026-03-28")) && is_summer_date(d("2026-03-29")));
        assert!(is_summer_date(d("2026-10-24")) && !is_summer_date(d("2026-10-25")));
        assert!(is_summer_date(d("2027-10-30")) && !is_summer_date(d("2027-10-31")));
    }

    #[test]
    fn local_times_convert_both_ways() {
        // 09:00 in Copenhagen is 08:00 UTC in winter and 07:00 UTC in summer.
        let winter = local_to_utc_ms(d("2026-01-19"), 9 * 60);
        assert_eq!(winter, d("2026-01-19") * DAY_MS + 8 * HOUR_MS);
        let summer = local_to_utc_ms(d("2026-06-15"), 9 * 60);
        assert_eq!(summer, d("2026-06-15") * DAY_MS + 7 * HOUR_MS);
        for (day, minutes) in [(d("2026-01-19"), 540), (d("2026-06-15"), 870)] {
            assert_eq!(utc_to_local(local_to_utc_ms(day, minutes)), (day, minutes));
        }
        // 23:30 UTC on 4 January is already 5 January in Denmark.
        assert_eq!(
            local_today(d("2026-01-04") * DAY_MS + 23 * HOUR_MS + 30 * 60_000),
            d("2026-01-05")
        );
    }

    #[test]
    fn holidays_are_found() {
        let cases = [
            ("2026-01-01", Some("nytårsdag")),
            ("2026-04-02", Some("skærtorsdag")),
            ("2026-04-03", Some("langfredag")),
            ("2026-04-06", Some("2. påskedag")),
            ("2026-05-14", Some("Kristi himmelfartsdag")),
            ("2026-05-25", Some("2. pinsedag")),
            ("2026-06-05", Some("grundlovsdag")),
            ("2026-12-24", Some("juleaften")),
            ("2027-03-29", Some("2. påskedag")),
            ("2026-05-01", None),
            ("2026-01-19", None),
            ("2026-05-08", None), // once Great Prayer Day; a working day since 2024
        ];
        for (date, name) in cases {
            assert_eq!(holiday(d(date)).map(|h| h.0), name, "{date}");
        }
    }

    #[test]
    fn dates_and_times_read_naturally() {
        assert_eq!(
            long_date(d("2026-01-19"), Locale::Da),
            "mandag den 19. januar 2026"
        );
        assert_eq!(
            long_date(d("2026-01-19"), Locale::En),
            "Monday 19 January 2026"
        );
        assert_eq!(clock(570, Locale::Da), "09.30");
        assert_eq!(clock(570, Locale::En), "09:30");
        assert_eq!(parse_clock("09:30"), Some(570));
        assert_eq!(parse_clock("24:00"), None);
        assert_eq!(parse_clock("9:30"), None);
        assert_eq!(hhmm(900), "15:00");
    }
}
