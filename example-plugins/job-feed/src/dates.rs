//! Dates as job postings carry them ("YYYY-MM-DD"), counted in days since 1970-01-01 so
//! deadlines can be compared with the host's time, and written out for citizens.

use jobunivers_sdk::{civil_from_days, days_from_civil, Context, Locale};

/// The day (since 1970-01-01, UTC) of a moment in Unix milliseconds.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(jobunivers_sdk::time::DAY_MS)
}

/// The day of a "YYYY-MM-DD" date; `None` if it is not a real calendar date. Postings
/// come from outside, so unpadded dates ("2026-1-5") are read too, unlike date fields.
pub fn parse(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    // A date like 2026-02-31 parses but lands on another day: refuse it.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// A day written out, e.g. "2. januar 2026" or "2 January 2026".
pub fn format(locale: Locale, days: i64) -> String {
    jobunivers_sdk::time::date_text(days, locale)
}

/// A "YYYY-MM-DD" date written out; shown as given if it cannot be read.
pub fn format_str(locale: Locale, date: &str) -> String {
    parse(date).map_or_else(|| date.to_owned(), |d| format(locale, d))
}

/// Whether a posting's deadline has passed (the deadline day itself still counts).
/// A deadline that cannot be read is treated as open, so no posting is hidden by a typo.
pub fn expired(deadline: Option<&str>, today: i64) -> bool {
    deadline.and_then(parse).is_some_and(|d| d < today)
}

/// How long until a deadline, e.g. "om 3 dage", "i morgen", "fristen er overskredet".
pub fn until(ctx: &Context, deadline: i64, today: i64) -> String {
    match deadline - today {
        n if n < 0 => ctx
            .t("fristen er overskredet", "the deadline has passed")
            .to_owned(),
        0 => ctx.t("i dag", "today").to_owned(),
        1 => ctx.t("i morgen", "tomorrow").to_owned(),
        n => format!("{} {n} {}", ctx.t("om", "in"), ctx.t("dage", "days")),
    }
}

/// The line under a job: when it was published and when to apply by.
pub fn posting_line(ctx: &Context, published: &str, deadline: Option<&str>, today: i64) -> String {
    let mut line = format!(
        "{} {}",
        ctx.t("Slået op", "Published"),
        format_str(ctx.locale, published)
    );
    match deadline {
        Some(d) => {
            line.push_str(&format!(
                " · {} {}",
                ctx.t("Ansøgningsfrist", "Apply by"),
                format_str(ctx.locale, d)
            ));
            if let Some(days) = parse(d) {
                line.push_str(&format!(" ({})", until(ctx, days, today)));
            }
        }
        None => line.push_str(&format!(
            " · {}",
            ctx.t(
                "Ingen fast frist: søg hellere i dag end i morgen",
                "No fixed deadline: better apply soon"
            )
        )),
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_when_they_are_real() {
        let cases = [
            ("2026-01-05", Some(20_458)),
            ("1970-01-01", Some(0)),
            ("2024-02-29", Some(19_782)),
            ("2026-02-29", None),
            ("2026-13-01", None),
            ("2026-1-5", Some(20_458)),
            ("5. januar", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), expected, "{input}");
        }
    }

    #[test]
    fn dates_are_written_in_the_citizens_language() {
        let day = parse("2026-01-31").unwrap();
        assert_eq!(format(Locale::Da, day), "31. januar 2026");
        assert_eq!(format(Locale::En, day), "31 January 2026");
        assert_eq!(format_str(Locale::Da, "snart"), "snart");
    }

    #[test]
    fn a_deadline_expires_the_day_after() {
        let today = parse("2026-01-05").unwrap();
        assert!(!expired(Some("2026-01-05"), today));
        assert!(expired(Some("2026-01-04"), today));
        assert!(!expired(None, today));
        assert!(!expired(Some("hurtigst muligt"), today));
    }

    #[test]
    fn time_left_reads_naturally() {
        let da = Context::for_test(Locale::Da, "{}");
        let en = Context::for_test(Locale::En, "{}");
        let today = day_of(da.now_ms);
        let cases = [
            (-1, "fristen er overskredet", "the deadline has passed"),
            (0, "i dag", "today"),
            (1, "i morgen", "tomorrow"),
            (26, "om 26 dage", "in 26 days"),
        ];
        for (offset, in_da, in_en) in cases {
            assert_eq!(until(&da, today + offset, today), in_da);
            assert_eq!(until(&en, today + offset, today), in_en);
        }
        assert_eq!(
            posting_line(&da, "2026-01-02", Some("2026-01-31"), today),
            "Slået op 2. januar 2026 · Ansøgningsfrist 31. januar 2026 (om 26 dage)"
        );
        assert!(posting_line(&en, "2026-01-02", None, today).contains("No fixed deadline"));
    }
}
