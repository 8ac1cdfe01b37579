//! Times as Danes read them: Danish local time (CET, CEST from the last Sunday of March
//! to the last Sunday of October, changing at 01:00 UTC as in the whole EU).

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day (days since 1970) of the last Sunday of a month.
fn last_sunday(y: i64, m: u32) -> i64 {
    let first_next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let last = first_next - 1;
    // 1970-01-01 was a Thursday: weekday 0 = Monday .. 6 = Sunday.
    let weekday = (last + 3).rem_euclid(7);
    last - (weekday - 6).rem_euclid(7)
}

/// The offset of Danish local time from UTC at `ms`, in hours.
fn offset_hours(ms: i64) -> i64 {
    let (y, _, _) = civil(ms.div_euclid(86_400_000));
    let start = last_sunday(y, 3) * 86_400_000 + 3_600_000;
    let end = last_sunday(y, 10) * 86_400_000 + 3_600_000;
    if (start..end).contains(&ms) {
        2
    } else {
        1
    }
}

/// `23.11.2026 18:09` in Danish local time (the same numbers in both languages; English
/// readers get `23 Nov 2026, 18:09`).
pub fn format_ms(ms: i64, lang: &str) -> String {
    let local = ms + offset_hours(ms) * 3_600_000;
    let days = local.div_euclid(86_400_000);
    let secs = local.rem_euclid(86_400_000) / 1000;
    let (y, m, d) = civil(days);
    let (hh, mm) = (secs / 3600, secs % 3600 / 60);
    if lang == "en" {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!("{d} {} {y}, {hh:02}:{mm:02}", MONTHS[(m - 1) as usize])
    } else {
        format!("{d:02}.{m:02}.{y} kl. {hh:02}:{mm:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_local_time_follows_summer_time() {
        // 2026-11-23 17:09 UTC is 18:09 in Copenhagen (CET).
        assert_eq!(format_ms(1_795_453_740_000, "da"), "23.11.2026 kl. 18:09");
        // 2026-07-01 12:00 UTC is 14:00 (CEST).
        assert_eq!(format_ms(1_782_907_200_000, "en"), "1 Jul 2026, 14:00");
        // Summer time 2026 began on 29 March at 01:00 UTC.
        assert_eq!(
            format_ms(1_774_746_000_000 - 1, "da"),
            "29.03.2026 kl. 01:59"
        );
        assert_eq!(format_ms(1_774_746_000_000, "da"), "29.03.2026 kl. 03:00");
    }
}
