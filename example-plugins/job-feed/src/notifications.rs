//! Which new postings to tell the citizen about, and what the message says. Only good
//! matches, a few a day, never twice about the same posting: a message that arrives
//! every time anything is posted is a message nobody reads.

use jobunivers_sdk::jobs::JobPosting;
use jobunivers_sdk::Context;

use crate::matching::Match;
use crate::store::NotifyLog;

/// The postings to notify about now, best first: from `ranked` (already filtered and
/// ranked for the feed), those scoring at least `min_score` that the citizen has not
/// been told about, as many as today's allowance leaves room for.
pub fn plan(
    ranked: Vec<(JobPosting, Match)>,
    log: &NotifyLog,
    day: i64,
    min_score: u8,
    max_per_day: u32,
) -> Vec<(JobPosting, Match)> {
    let room = max_per_day.saturating_sub(log.sent_on(day)) as usize;
    ranked
        .into_iter()
        .filter(|(p, m)| m.score >= min_score && !log.told(&p.id))
        .take(room)
        .collect()
}

/// Whether a text can be a view name (1-64 of letters, digits, '-', '_', '/', '.').
pub fn valid_view(view: &str) -> bool {
    !view.is_empty()
        && view.len() <= 64
        && view
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'))
}

/// The view showing one posting, if its id fits in a view name.
pub fn job_view(id: &str) -> Option<String> {
    let view = format!("job/{id}");
    valid_view(&view).then_some(view)
}

/// A message is this long at most, so it reads well in an inbox.
const MAX_BODY_CHARS: usize = 400;

/// The message about one posting: (title, body, view it links to).
pub fn message(ctx: &Context, job: &JobPosting, m: &Match) -> (String, String, String) {
    let title = format!(
        "{} {}",
        ctx.t("Nyt job til dig:", "A new job for you:"),
        job.title
    );
    let mut body = format!("{}, {}.", job.employer.trim(), job.city.trim());
    for r in m.reasons.iter().filter(|r| r.good) {
        body.push(' ');
        body.push_str(ctx.t(&r.da, &r.en));
        body.push('.');
    }
    body.push_str(&format!(
        " {} {} {}",
        ctx.t("Match:", "Match:"),
        m.score,
        ctx.t("af 100.", "out of 100.")
    ));
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS - 1).collect::<String>() + "…";
    }
    // The feed is the fallback when the id cannot name a view.
    let view = job_view(&job.id).unwrap_or_default();
    (title, body, view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::matching::rank;
    use jobunivers_sdk::Locale;

    fn ids(plan: &[(JobPosting, Match)]) -> Vec<&str> {
        plan.iter().map(|(p, _)| p.id.as_str()).collect()
    }

    #[test]
    fn only_good_matches_not_told_before_within_the_days_allowance() {
        let ranked = || rank(&anna(), demo_jobs(), &[], TODAY, true, 50);
        let mut log = NotifyLog::default();
        // (min score, max per day, expected)
        let cases: [(u8, u32, &[&str]); 5] = [
            (65, 3, &["demo-1003", "demo-1002"]),
            (60, 3, &["demo-1003", "demo-1002", "demo-1001"]),
            (60, 2, &["demo-1003", "demo-1002"]),
            (95, 3, &[]),
            (65, 0, &[]),
        ];
        for (min, max, expected) in cases {
            assert_eq!(
                ids(&plan(ranked(), &log, TODAY, min, max)),
                expected,
                "min {min}, max {max}"
            );
        }
        log.record("demo-1003", TODAY);
        log.record("demo-1004", TODAY);
        assert_eq!(ids(&plan(ranked(), &log, TODAY, 60, 3)), ["demo-1002"]);
        log.record("demo-1002", TODAY);
        assert!(plan(ranked(), &log, TODAY, 60, 3).is_empty(), "3 today");
        assert_eq!(
            ids(&plan(ranked(), &log, TODAY + 1, 60, 3)),
            ["demo-1001"],
            "a new day, but never twice"
        );
    }

    #[test]
    fn the_message_names_the_job_and_why_it_fits() {
        let anna = anna();
        let job = &demo_jobs()[2];
        let m = crate::matching::score(&anna, job);
        let (title, body, view) = message(&Context::for_test(Locale::Da, "{}"), job, &m);
        assert_eq!(title, "Nyt job til dig: Truckfører til havnen");
        assert_eq!(
            body,
            "Arbejdsgiver A/S, Aarhus C. Matcher dit jobønske Lagermedarbejder. \
             I dit område, 8000 Aarhus C. Nævner din kompetence Truckkørsel (certifikat B). \
             Match: 90 af 100."
        );
        assert_eq!(view, "job/demo-1003");
        let (title, body, _) = message(&Context::for_test(Locale::En, "{}"), job, &m);
        assert!(title.starts_with("A new job for you:"));
        assert!(body.ends_with("Match: 90 out of 100."));
    }

    #[test]
    fn ids_that_cannot_name_a_view_link_to_the_feed() {
        let cases = [
            ("demo-1003", Some("job/demo-1003")),
            ("a b", None),
            ("ø", None),
            ("", Some("job/")),
        ];
        for (id, expected) in cases {
            assert_eq!(job_view(id).as_deref(), expected, "{id:?}");
        }
        assert_eq!(job_view(&"x".repeat(61)), None);
    }
}
