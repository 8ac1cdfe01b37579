//! Calendar arithmetic on day numbers (days since 1970-01-01), built on the SDK's
//! `civil_from_days`/`days_from_civil`.
//!
//! The host only hands us `now_ms` (UTC). A Danish citizen's "today" and "this week"
//! follow Danish local time, so the date is taken in CET/CEST: otherwise an application
//! registered at 00:30 on a Monday would land in the previous week, or be refused as
//! "in the future".

use jobunivers_sdk::time::{month_name, weekday_name};
use jobunivers_sdk::{civil_from_days, days_from_civil, Context, Locale};

pub use jobunivers_sdk::time::{
    danish_today as danish_day, iso_date as iso, iso_week, monday_of, weekday, DAY_MS,
};

/// Days in a month.
fn days_in_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (days_from_civil(next_year, next_month, 1) - days_from_civil(year, month, 1)) as u32
}

/// The same date one year earlier (29 February becomes 28 February).
pub fn one_year_before(day: i64) -> i64 {
    let (y, m, d) = civil_from_days(day);
    days_from_civil(y - 1, m, d.min(days_in_month(y - 1, m)))
}

/// Parse an exact "YYYY-MM-DD" date into a day number; `None` if it is not a real date
/// (or before 1900, which no job application is).
pub fn parse_iso(text: &str) -> Option<i64> {
    jobunivers_sdk::time::parse_date(text).filter(|&day| civil_from_days(day).0 >= 1900)
}

/// "5. januar 2026" / "5 January 2026".
pub fn long(ctx: &Context, day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    let month = month_name(m, ctx.locale);
    format!("{d}{} {month} {y}", ctx.t(".", ""))
}

/// "søndag d. 11. januar" / "Sunday 11 January".
pub fn weekday_and_date(ctx: &Context, day: i64) -> String {
    let (_, m, d) = civil_from_days(day);
    format!(
        "{}{} {d}{} {}",
        weekday_name(day, ctx.locale),
        ctx.t(" d.", ""),
        ctx.t(".", ""),
        month_name(m, ctx.locale)
    )
}

/// "5.-11. jan." / "5-11 Jan": the span of a week, short.
pub fn week_span(ctx: &Context, monday: i64) -> String {
    let short = |day: i64| {
        let (_, m, d) = civil_from_days(day);
        (d, &month_name(m, ctx.locale)[..3])
    };
    let (d1, m1) = short(monday);
    let (d2, m2) = short(monday + 6);
    match (m1 == m2, ctx.locale) {
        (true, Locale::Da) => format!("{d1}.-{d2}. {m2}."),
        (true, Locale::En) => format!("{d1}-{d2} {m2}"),
        (false, Locale::Da) => format!("{d1}. {m1}.-{d2}. {m2}."),
        (false, Locale::En) => format!("{d1} {m1}-{d2} {m2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobunivers_sdk::Locale;

    fn day(s: &str) -> i64 {
        parse_iso(s).unwrap()
    }

    #[test]
    fn iso_weeks_follow_the_standard_at_year_boundaries() {
        // (date, weekday, iso year, iso week)
        let table = [
            ("2026-01-05", 0, 2026, 2),
            ("2026-01-01", 3, 2026, 1),
            ("2025-12-29", 0, 2026, 1),
            ("2025-12-28", 6, 2025, 52),
            ("2021-01-03", 6, 2020, 53),
            ("2021-01-04", 0, 2021, 1),
            ("2024-12-30", 0, 2025, 1),
            ("2027-01-01", 4, 2026, 53),
            ("1970-01-01", 3, 1970, 1),
        ];
        for (date, wd, y, w) in table {
            assert_eq!(weekday(day(date)), wd, "{date}");
            assert_eq!(iso_week(day(date)), (y, w), "{date}");
            assert_eq!(weekday(monday_of(day(date))), 0, "{date}");
        }
    }

    #[test]
    fn the_danish_date_follows_cet_and_cest() {
        // (UTC instant as day + ms into the day, expected Danish date)
        let at = |date: &str, h: i64, m: i64| day(date) * DAY_MS + h * 3_600_000 + m * 60_000;
        let table = [
            // Winter: UTC+1.
            (at("2026-01-04", 23, 30), "2026-01-05"),
            (at("2026-01-04", 22, 59), "2026-01-04"),
            (at("2025-12-31", 23, 0), "2026-01-01"),
            // Summer: UTC+2.
            (at("2026-06-14", 22, 0), "2026-06-15"),
            (at("2026-06-14", 21, 59), "2026-06-14"),
            // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
            (at("2026-03-29", 0, 59), "2026-03-29"),
            (at("2026-03-28", 22, 30), "2026-03-28"),
            (at("2026-03-29", 22, 30), "2026-03-30"),
            (at("2026-10-24", 22, 30), "2026-10-25"),
            (at("2026-10-25", 22, 30), "2026-10-25"),
            (at("2026-10-25", 23, 0), "2026-10-26"),
        ];
        for (ms, expected) in table {
            assert_eq!(iso(danish_day(ms)), expected, "{ms}");
        }
        // The SDK's test context: 2026-01-05 09:00 UTC is a Monday morning in Denmark.
        let ctx = Context::for_test(Locale::Da, "{}");
        assert_eq!(iso(danish_day(ctx.now_ms)), "2026-01-05");
    }

    #[test]
    fn only_real_dates_in_the_exact_form_parse() {
        let good = ["2026-01-05", "2024-02-29", "2025-12-31", "1999-07-01"];
        for s in good {
            assert_eq!(iso(parse_iso(s).unwrap()), s);
        }
        let bad = [
            "",
            "2026-1-5",
            "05-01-2026",
            "2026/01/05",
            "2026-13-01",
            "2026-00-10",
            "2025-02-29",
            "2026-04-31",
            "2026-01-00",
            "20260105",
            "2026-01-05x",
            "+026-01-05",
            "0999-01-01",
            "2026-01-5 ",
            "２０２６-01-05",
        ];
        for s in bad {
            assert_eq!(parse_iso(s), None, "{s:?}");
        }
    }

    #[test]
    fn a_year_back_keeps_the_date_and_handles_leap_days() {
        assert_eq!(iso(one_year_before(day("2026-01-05"))), "2025-01-05");
        assert_eq!(iso(one_year_before(day("2024-02-29"))), "2023-02-28");
        assert_eq!(iso(one_year_before(day("2025-03-01"))), "2024-03-01");
    }

    #[test]
    fn dates_read_naturally_in_both_languages() {
        let da = Context::for_test(Locale::Da, "{}");
        let en = Context::for_test(Locale::En, "{}");
        let d = day("2026-01-11");
        assert_eq!(long(&da, d), "11. januar 2026");
        assert_eq!(long(&en, d), "11 January 2026");
        assert_eq!(weekday_and_date(&da, d), "søndag d. 11. januar");
        assert_eq!(weekday_and_date(&en, d), "Sunday 11 January");
        assert_eq!(week_span(&da, day("2026-01-05")), "5.-11. jan.");
        assert_eq!(week_span(&en, day("2026-01-05")), "5-11 Jan");
        assert_eq!(week_span(&da, day("2025-12-29")), "29. dec.-4. jan.");
        assert_eq!(week_span(&en, day("2025-12-29")), "29 Dec-4 Jan");
    }
}
