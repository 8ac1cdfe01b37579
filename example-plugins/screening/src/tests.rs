//! Native tests of the scoring, the form reading and the pages.

use std::collections::BTreeMap;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::screening::{Decision, Status, Track};
use serde_json::json;

use crate::config::{config_schema, default_config, Config, Thresholds};
use crate::pages::{self, Known};
use crate::scoring::{score, track_for, AnswerProblem};
use crate::{first_open_step, read_step, Draft, ScreeningBlock};

fn config() -> Config {
    serde_json::from_value(default_config()).unwrap()
}

/// The answer with the given weight's position for every question: 0 = the first
/// option of each question.
fn answers(pick: impl Fn(&crate::config::Question) -> usize) -> BTreeMap<String, String> {
    config()
        .questions()
        .map(|q| (q.id.clone(), q.options[pick(q)].value.clone()))
        .collect()
}

fn page_text(p: &Page) -> String {
    format!("{p:?}")
}

#[test]
fn the_default_config_is_usable_and_fits_its_schema() {
    let c = config();
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    assert_eq!(c.steps.len(), 4);
    assert_eq!(c.questions().count(), 10);
    let max: i32 = c
        .questions()
        .map(|q| q.options.iter().map(|o| o.weight).max().unwrap())
        .sum();
    assert_eq!(max, 31);
    // The manifest's default passes the manifest's own schema (the host checks it too).
    let schema = config_schema();
    assert_eq!(schema["required"], json!(["steps", "thresholds"]));
    let m = <ScreeningBlock as Block>::manifest();
    assert_eq!(m.id, "jobunivers.screening");
}

#[test]
fn thresholds_split_the_score_into_tracks() {
    let t = Thresholds {
        mixed: 6,
        personal_effort: 13,
    };
    assert_eq!(track_for(-3, t), Track::SelfService);
    assert_eq!(track_for(5, t), Track::SelfService);
    assert_eq!(track_for(6, t), Track::Mixed);
    assert_eq!(track_for(12, t), Track::Mixed);
    assert_eq!(track_for(13, t), Track::PersonalEffort);
    assert_eq!(track_for(31, t), Track::PersonalEffort);
}

#[test]
fn the_lightest_answers_suggest_self_service_and_say_why() {
    let r = score(&config(), &answers(|_| 0)).unwrap();
    assert_eq!(r.score, 0);
    assert_eq!(r.suggested, Track::SelfService);
    assert_eq!(r.answers.len(), 10);
    assert!(r.answers.iter().all(|a| a.contribution == 0));
    assert_eq!(r.reasons.len(), 2);
    assert!(r.reasons[0].da.contains("0 point"), "{:?}", r.reasons[0]);
    assert!(r.reasons[0].da.contains("selvbetjening"));
    assert!(r.reasons[1].da.contains("Ingen af dine svar"));
}

#[test]
fn the_heaviest_answers_suggest_a_personal_effort_with_every_factor() {
    let r = score(&config(), &answers(|q| q.options.len() - 1)).unwrap();
    assert_eq!(r.score, 31);
    assert_eq!(r.suggested, Track::PersonalEffort);
    // The summary, then one reason per answer that added points, weightiest first.
    assert_eq!(r.reasons.len(), 11);
    assert!(r.reasons[1].da.contains("helbred"), "{:?}", r.reasons[1]);
    assert!(
        r.reasons[2].da.contains("faste samtaler"),
        "{:?}",
        r.reasons[2]
    );
    let sum: i32 = r.answers.iter().map(|a| a.contribution).sum();
    assert_eq!(sum, r.score);
    let health = r
        .answers
        .iter()
        .find(|a| a.question_id == "helbred")
        .unwrap();
    assert_eq!((health.value.as_str(), health.contribution), ("meget", 5));
    assert_eq!(health.answer.da, "Ja, meget");
    assert_eq!(
        health.question.en,
        "Does your health affect your job search?"
    );
}

#[test]
fn a_middle_set_of_answers_suggests_mixed() {
    let mut a = answers(|_| 0);
    a.insert("samtaler".into(), "fast".into()); // 4
    a.insert("tryghed".into(), "nogenlunde".into()); // 1
    a.insert("cv".into(), "gammelt".into()); // 1
    let r = score(&config(), &a).unwrap();
    assert_eq!((r.score, r.suggested), (6, Track::Mixed));
    // An answer without a written reason is explained by what was answered.
    assert!(
        r.reasons
            .iter()
            .any(|x| x.da == "Du svarede »Nogenlunde tryg« til »Hvor tryg er du ved at bruge computer og internet, fx Jobnet og MitID?«."),
        "{:?}",
        r.reasons
    );
    assert_eq!(
        r.reasons[1].da,
        "Du ønsker faste samtaler med en jobkonsulent."
    );
}

#[test]
fn weights_and_thresholds_come_from_the_config() {
    let mut c = config();
    c.thresholds = Thresholds {
        mixed: 1,
        personal_effort: 2,
    };
    c.steps[0].questions[0].options[0].weight = -4;
    let r = score(&c, &answers(|_| 0)).unwrap();
    assert_eq!((r.score, r.suggested), (-4, Track::SelfService));
    let mut a = answers(|_| 0);
    a.insert("helbred".into(), "lidt".into());
    a.insert("soegning".into(), "af-og-til".into());
    let r = score(&c, &a).unwrap();
    assert_eq!((r.score, r.suggested), (3, Track::PersonalEffort));
}

#[test]
fn missing_and_unknown_answers_are_named() {
    let mut a = answers(|_| 0);
    a.remove("sprog");
    a.insert("cv".into(), "maaske".into());
    let e = score(&config(), &a).unwrap_err();
    assert_eq!(
        e,
        vec![
            ("cv".to_owned(), AnswerProblem::Unknown("maaske".into())),
            ("sprog".to_owned(), AnswerProblem::Missing),
        ]
    );
}

#[test]
fn a_broken_config_is_named() {
    let mut c = config();
    c.thresholds = Thresholds {
        mixed: 9,
        personal_effort: 9,
    };
    c.steps[1].questions[0].id = "soegning".into();
    let p = c.problems();
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("thresholds.mixed (9)"));
    assert!(p[1].contains("'soegning' is used twice"));
}

#[test]
fn a_step_is_read_from_its_form_and_errors_go_next_to_the_fields() {
    let c = config();
    let action = Action::new("answer/0")
        .with_field("soegning", "ugentligt")
        .with_field("maal", "nope");
    let (values, errors) = read_step(&c, 0, &action);
    assert_eq!(
        values.get("soegning").map(String::as_str),
        Some("ugentligt")
    );
    assert_eq!(
        errors,
        vec![
            ("maal".to_owned(), AnswerProblem::Unknown("nope".into())),
            ("cv".to_owned(), AnswerProblem::Missing),
        ]
    );
    let ctx = Context::for_test(Locale::Da, "{}");
    let page = pages::step(&ctx, &c, 0, &values, &errors);
    let form = page
        .elements
        .iter()
        .find_map(|e| match e {
            Element::Form(f) => Some(f),
            _ => None,
        })
        .unwrap();
    assert_eq!(form.action, "answer/0");
    let field = |n: &str| form.fields.iter().find(|f| f.name == n).unwrap();
    assert_eq!(field("soegning").value.as_deref(), Some("ugentligt"));
    assert_eq!(
        field("maal").error.as_deref(),
        Some("Vælg et af svarene på listen.")
    );
    assert_eq!(field("cv").error.as_deref(), Some("Vælg et svar."));
    assert!(page_text(&page).contains("Trin 1 af 4"));
}

#[test]
fn the_first_open_step_follows_the_draft() {
    let c = config();
    let mut d = Draft::default();
    assert_eq!(first_open_step(&c, &d), Some(0));
    d.answers = answers(|_| 0);
    assert_eq!(first_open_step(&c, &d), None);
    d.answers.remove("udstyr");
    assert_eq!(first_open_step(&c, &d), Some(1));
}

#[test]
fn the_result_page_shows_every_factor_and_says_it_is_advice() {
    let ctx = Context::for_test(Locale::Da, "{}");
    let c = config();
    let r = score(&c, &answers(|q| q.options.len() - 1)).unwrap();
    let page = pages::result(&ctx, &r, &c, Ok(()));
    let text = page_text(&page);
    assert!(text.contains("Forslag: Personlig indsats"), "{text}");
    assert!(text.contains("Påvirker dit helbred din jobsøgning? – Ja, meget (+5 point)"));
    assert!(text.contains("I alt 31 point"));
    assert!(text.contains("ikke en afgørelse"));
    assert!(text.contains("Din sagsbehandler"));
    let en = Context::for_test(Locale::En, "{}");
    let text = page_text(&pages::result(&en, &r, &c, Err("not kept")));
    assert!(text.contains("Suggestion: Personal effort"), "{text}");
    assert!(text.contains("not a decision"));
    assert!(text.contains("not kept"));
}

#[test]
fn the_overview_shows_the_decision_and_when_the_next_screening_is_due() {
    let ctx = Context::for_test(Locale::Da, "{}");
    let day = 86_400_000;
    let status = Status {
        last_ms: Some(ctx.now_ms - 10 * day),
        last_suggested: Some(Track::SelfService),
        next_due_ms: Some(ctx.now_ms + 80 * day),
        decision: Some(Decision {
            track: Track::Mixed,
            reason: "Vi aftalte samtaler hver måned".into(),
            decided_ms: ctx.now_ms - day,
            overrides: true,
        }),
    };
    let text = page_text(&pages::overview(
        &ctx,
        &Known::Status(status.clone()),
        false,
    ));
    assert!(text.contains("Indsats: Blandet"), "{text}");
    assert!(text.contains("Begrundelse: Vi aftalte samtaler hver måned"));
    assert!(text.contains("anden indsats end screeningens forslag"));
    assert!(text.contains("Forslag: Selvbetjening"));
    assert!(text.contains("Din næste screening er 26.03.2026"), "{text}");
    assert!(!text.contains("Start screening"));
    // Due: invited, with a primary button.
    let due = Status {
        next_due_ms: Some(ctx.now_ms - 1),
        decision: None,
        ..status
    };
    let text = page_text(&pages::overview(&ctx, &Known::Status(due), true));
    assert!(text.contains("Det er tid til en ny screening"));
    assert!(text.contains("Start screening"));
    assert!(text.contains("endnu ikke taget stilling"));
    assert!(text.contains("Fortsæt, hvor du slap"));
    // Never screened; and without consent the citizen is told how to give it.
    let text = page_text(&pages::overview(
        &ctx,
        &Known::Status(Status::default()),
        false,
    ));
    assert!(text.contains("din første screening"));
    let text = page_text(&pages::overview(&ctx, &Known::NoConsent, false));
    assert!(text.contains("samtykke"));
    assert!(!text.contains("Start screening"));
}
