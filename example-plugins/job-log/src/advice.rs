//! What the citizen is told about their standing: kind, plain words, a warning before a
//! gap becomes a problem, praise when they are on track.

use jobunivers_sdk::prelude::*;

use crate::dates;
use crate::rule::{Config, Standing, Week};

/// A number as the citizen's language writes it: "1,5" / "1.5", "2" without decimals.
pub fn number(ctx: &Context, x: f64) -> String {
    let text = format!("{x:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replace('.', ctx.t(",", "."))
}

/// "1 ansøgning", "2 ansøgninger" / "1 application", "2 applications".
pub fn applications(ctx: &Context, n: u32) -> String {
    let word = match n {
        1 => ctx.t("ansøgning", "application"),
        _ => ctx.t("ansøgninger", "applications"),
    };
    format!("{n} {word}")
}

/// "1 job", "2 job" / "1 job", "2 jobs".
pub fn jobs(ctx: &Context, n: u32) -> String {
    let word = match n {
        1 => "job",
        _ => ctx.t("job", "jobs"),
    };
    format!("{n} {word}")
}

/// "uge 2" / "week 2".
pub fn week_name(ctx: &Context, week: &Week) -> String {
    format!("{} {}", ctx.t("uge", "week"), week.number)
}

/// "i uge 51-2" / "in weeks 51-2", or "i denne uge" / "this week" for a one-week period.
pub fn period_name(ctx: &Context, s: &Standing) -> String {
    match (s.weeks.first(), s.weeks.last()) {
        (Some(first), Some(last)) if s.weeks.len() > 1 => format!(
            "{} {}-{}",
            ctx.t("i uge", "in weeks"),
            first.number,
            last.number
        ),
        _ => ctx.t("i denne uge", "this week").into(),
    }
}

/// "uge 51 og 52" / "week 51 and 52", "uge 50, 51 og 52".
fn week_list(ctx: &Context, weeks: &[Week]) -> String {
    let numbers: Vec<String> = weeks.iter().map(|w| w.number.to_string()).collect();
    let joined = match numbers.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} {} {last}", rest.join(", "), ctx.t("og", "and"))
        }
        _ => numbers.join(""),
    };
    let word = if weeks.len() == 1 {
        ctx.t("uge", "week")
    } else {
        ctx.t("uge", "weeks")
    };
    format!("{word} {joined}")
}

/// The municipality's rule in one sentence.
pub fn rule_sentence(ctx: &Context, config: &Config) -> String {
    let average = config.min_average_per_week > 0.0;
    let avg = number(ctx, config.min_average_per_week);
    let over = if config.weeks_in_period > 1 {
        format!(
            " {} {} {}",
            ctx.t("over", "over"),
            config.weeks_in_period,
            ctx.t("uger", "weeks")
        )
    } else {
        String::new()
    };
    match (config.require_every_week, average) {
        (true, true) => format!(
            "{} {avg} {}{over}.",
            ctx.t(
                "Jobcentret forventer, at du søger job hver uge og i gennemsnit mindst",
                "The jobcentre expects you to apply for jobs every week and on average at least"
            ),
            ctx.t("job om ugen", "a week")
        ),
        (true, false) => ctx
            .t(
                "Jobcentret forventer, at du søger mindst ét job hver uge.",
                "The jobcentre expects you to apply for at least one job every week.",
            )
            .into(),
        (false, true) => format!(
            "{} {avg} {}{over}.",
            ctx.t(
                "Jobcentret forventer, at du i gennemsnit søger mindst",
                "The jobcentre expects you to apply on average for at least"
            ),
            ctx.t("job om ugen", "jobs a week")
        ),
        (false, false) => ctx
            .t(
                "Skriv alle dine ansøgninger ind, så din jobkonsulent kan følge med.",
                "Register all your applications so your caseworker can follow along.",
            )
            .into(),
    }
}

/// The alerts about the citizen's standing, most important first.
pub fn alerts(ctx: &Context, config: &Config, s: &Standing, has_entries: bool) -> Vec<Alert> {
    if !has_entries {
        return vec![Alert::info(format!(
            "{} {}",
            ctx.t(
                "Skriv de job ind, du søger, så kan både du og din jobkonsulent følge med.",
                "Register the jobs you apply for, so both you and your caseworker can follow along."
            ),
            rule_sentence(ctx, config)
        ))
        .title(ctx.t("Velkommen til din joblog", "Welcome to your job log"))];
    }
    let mut alerts = Vec::new();
    let sunday = dates::weekday_and_date(ctx, s.sunday);
    if !s.on_track() {
        let mut parts = Vec::new();
        if s.needs_one_this_week() {
            parts.push(if s.days_left == 1 {
                ctx.t(
                    "I dag er sidste dag i ugen, og du har ikke registreret en ansøgning i denne uge. Har du allerede søgt, så skriv det ind. Ellers kan du nå at sende en i dag.",
                    "Today is the last day of the week, and you have not registered an application this week. If you have already applied, register it. Otherwise there is still time to send one today.",
                )
                .to_owned()
            } else {
                format!(
                    "{} {sunday}. {}",
                    ctx.t(
                        "Du har ikke registreret en ansøgning i denne uge endnu. Du har tid til og med",
                        "You have not registered an application this week yet. You have until"
                    ),
                    ctx.t(
                        "Har du allerede søgt, så skriv det ind her.",
                        "If you have already applied, register it here."
                    )
                )
            });
        }
        if s.missing() > 0 {
            let n = s.missing();
            let need = match ctx.locale {
                Locale::Da => format!("mangler du {n} job mere senest {sunday}"),
                Locale::En => format!(
                    "you need {n} more {} by {sunday}",
                    if n == 1 { "job" } else { "jobs" }
                ),
            };
            parts.push(format!(
                "{} {} {}. {} {} {}, {need}. {}",
                ctx.t("Du har søgt", "You have applied for"),
                jobs(ctx, s.total),
                period_name(ctx, s),
                ctx.t("For at nå et gennemsnit på", "To reach an average of"),
                number(ctx, config.min_average_per_week),
                ctx.t("om ugen", "a week"),
                ctx.t("Du kan godt nå det.", "You can do it.")
            ));
        }
        let title = if s.needs_one_this_week() {
            ctx.t("Husk ugens ansøgning", "Remember this week's application")
        } else {
            ctx.t("Lidt flere ansøgninger", "A few more applications")
        };
        alerts.push(Alert::warning(parts.join(" ")).title(title));
    } else {
        let text = if s.every_week || s.required > 0 {
            format!(
                "{} {} {} {} {}. {}",
                ctx.t("Du har søgt", "You have applied for"),
                jobs(ctx, s.this_week()),
                ctx.t("i denne uge og", "this week and"),
                jobs(ctx, s.total),
                period_name(ctx, s),
                ctx.t(
                    "Du følger jobcentrets krav. Godt gået, bliv ved!",
                    "You meet the jobcentre's requirement. Well done, keep going!"
                )
            )
        } else {
            format!(
                "{} {} {}.",
                ctx.t("Du har registreret", "You have registered"),
                applications(ctx, s.total),
                period_name(ctx, s)
            )
        };
        alerts.push(Alert::success(text).title(ctx.t("Du er godt med", "You are on track")));
    }
    let empty = s.empty_past_weeks();
    if !empty.is_empty() {
        alerts.push(Alert::info(format!(
            "{} {}. {}",
            ctx.t(
                "Der er ingen ansøgninger registreret i",
                "There are no applications registered in"
            ),
            week_list(ctx, &empty),
            ctx.t(
                "Har du søgt job i den periode, kan du stadig skrive det ind med den rigtige dato.",
                "If you applied for jobs then, you can still register them with the right date."
            )
        )));
    }
    alerts
}

/// The week-by-week overview, newest week first.
pub fn week_lines(ctx: &Context, s: &Standing) -> Vec<String> {
    let current = s.weeks.len().saturating_sub(1);
    s.weeks
        .iter()
        .enumerate()
        .rev()
        .map(|(i, w)| {
            let mut line = format!(
                "{} ({}): {}",
                capitalise(&week_name(ctx, w)),
                dates::week_span(ctx, w.monday),
                applications(ctx, w.count)
            );
            if i == current {
                line.push_str(ctx.t(" (denne uge)", " (this week)"));
            }
            line
        })
        .collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::standing;

    fn day(s: &str) -> i64 {
        dates::parse_iso(s).unwrap()
    }

    fn da() -> Context {
        Context::for_test(Locale::Da, "{}")
    }

    fn en() -> Context {
        Context::for_test(Locale::En, "{}")
    }

    fn texts(alerts: &[Alert]) -> Vec<(AlertLevel, String)> {
        alerts.iter().map(|a| (a.level, a.text.clone())).collect()
    }

    #[test]
    fn numbers_and_plurals_read_naturally() {
        assert_eq!(number(&da(), 1.5), "1,5");
        assert_eq!(number(&en(), 1.5), "1.5");
        assert_eq!(number(&da(), 2.0), "2");
        assert_eq!(number(&da(), 1.25), "1,25");
        assert_eq!(number(&da(), 0.0), "0");
        assert_eq!(applications(&da(), 1), "1 ansøgning");
        assert_eq!(applications(&en(), 3), "3 applications");
        assert_eq!(jobs(&da(), 3), "3 job");
        assert_eq!(jobs(&en(), 1), "1 job");
        assert_eq!(jobs(&en(), 0), "0 jobs");
    }

    #[test]
    fn the_rule_is_explained_in_one_sentence() {
        let c = Config::default();
        assert_eq!(
            rule_sentence(&da(), &c),
            "Jobcentret forventer, at du søger job hver uge og i gennemsnit mindst 1,5 job om ugen over 4 uger."
        );
        assert_eq!(
            rule_sentence(&en(), &c),
            "The jobcentre expects you to apply for jobs every week and on average at least 1.5 a week over 4 weeks."
        );
        let weekly = Config {
            min_average_per_week: 0.0,
            ..Config::default()
        };
        assert!(rule_sentence(&da(), &weekly).contains("mindst ét job hver uge"));
        let one_week = Config {
            weeks_in_period: 1,
            require_every_week: false,
            min_average_per_week: 2.0,
        };
        assert_eq!(
            rule_sentence(&da(), &one_week),
            "Jobcentret forventer, at du i gennemsnit søger mindst 2 job om ugen."
        );
    }

    #[test]
    fn the_citizen_is_warned_kindly_and_praised_when_on_track() {
        let c = Config::default();
        let wednesday = day("2026-01-07");
        let sunday = day("2026-01-11");
        // (today, applications, expected alerts: level and a piece of the text)
        type Row = (
            i64,
            &'static [&'static str],
            &'static [(AlertLevel, &'static str)],
        );
        let table: &[Row] = &[
            (wednesday, &[], &[(AlertLevel::Info, "Skriv de job ind, du søger")]),
            (
                wednesday,
                &["2025-12-30", "2026-01-02"],
                &[(
                    AlertLevel::Warning,
                    "Du har ikke registreret en ansøgning i denne uge endnu. Du har tid til og med søndag d. 11. januar. Har du allerede søgt, så skriv det ind her. Du har søgt 2 job i uge 1-2. For at nå et gennemsnit på 1,5 om ugen, mangler du 1 job mere senest søndag d. 11. januar. Du kan godt nå det.",
                )],
            ),
            (
                sunday,
                &["2025-12-30"],
                &[(AlertLevel::Warning, "I dag er sidste dag i ugen")],
            ),
            (
                wednesday,
                &["2026-01-05"],
                &[(AlertLevel::Warning, "mangler du 1 job mere senest søndag")],
            ),
            (
                wednesday,
                &["2025-12-22", "2025-12-23", "2025-12-24", "2025-12-26", "2026-01-05"],
                &[
                    (AlertLevel::Success, "Du har søgt 1 job i denne uge og 5 job i uge 52-2. Du følger jobcentrets krav."),
                    (AlertLevel::Info, "Der er ingen ansøgninger registreret i uge 1."),
                ],
            ),
            (
                wednesday,
                &["2025-11-03", "2026-01-05"],
                &[
                    (AlertLevel::Warning, "mangler du 5 job mere"),
                    (AlertLevel::Info, "registreret i uge 51, 52 og 1."),
                ],
            ),
        ];
        for (today, applied, expected) in table {
            let applied: Vec<i64> = applied.iter().map(|d| day(d)).collect();
            let s = standing(&c, &applied, *today);
            let got = texts(&alerts(&da(), &c, &s, !applied.is_empty()));
            assert_eq!(got.len(), expected.len(), "{applied:?}: {got:?}");
            for ((level, text), (want_level, piece)) in got.iter().zip(expected.iter()) {
                assert_eq!(level, want_level, "{applied:?}: {text}");
                assert!(text.contains(piece), "{applied:?}: {text}");
            }
        }
    }

    #[test]
    fn english_alerts_and_the_week_overview() {
        let c = Config::default();
        let s = standing(
            &c,
            &[day("2025-12-30"), day("2026-01-05")],
            day("2026-01-07"),
        );
        let got = alerts(&en(), &c, &s, true);
        assert_eq!(got[0].level, AlertLevel::Warning);
        assert_eq!(got[0].title.as_deref(), Some("A few more applications"));
        assert!(got[0]
            .text
            .contains("You have applied for 2 jobs in weeks 1-2."));
        assert!(got[0]
            .text
            .contains("you need 1 more job by Sunday 11 January."));
        assert_eq!(
            week_lines(&da(), &s),
            [
                "Uge 2 (5.-11. jan.): 1 ansøgning (denne uge)",
                "Uge 1 (29. dec.-4. jan.): 1 ansøgning"
            ]
        );
        assert_eq!(
            week_lines(&en(), &s)[0],
            "Week 2 (5-11 Jan): 1 application (this week)"
        );
    }

    #[test]
    fn without_any_rule_the_citizen_just_sees_the_count() {
        let c = Config {
            weeks_in_period: 4,
            min_average_per_week: 0.0,
            require_every_week: false,
        };
        let s = standing(&c, &[day("2025-12-30")], day("2026-01-07"));
        let got = alerts(&da(), &c, &s, true);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].level, AlertLevel::Success);
        assert_eq!(got[0].text, "Du har registreret 1 ansøgning i uge 1-2.");
    }
}
