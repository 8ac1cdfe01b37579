//! The course block end to end: the real component in the real runtime, with storage
//! and activities served by the memory provider.

use std::collections::BTreeSet;

use jobunivers_host::caps::Capability;
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{Action, Element, Field, Locale, Page};
use jobunivers_host::runtime::{Call, CallError, LoadedBlock, Permissions, Runtime};
use serde_json::Value;

use crate::helpers::*;

/// Every element of a page, cards flattened.
fn flat(elements: &[Element]) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in elements {
        out.push(e);
        if let Element::Card { children, .. } = e {
            out.extend(flat(children));
        }
    }
    out
}

/// The (value, max) of every progress bar.
fn progress(page: &Page) -> Vec<(u32, u32)> {
    flat(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Progress { value, max, .. } => Some((*value, *max)),
            _ => None,
        })
        .collect()
}

fn form_fields(page: &Page) -> Vec<Field> {
    flat(&page.elements)
        .into_iter()
        .find_map(|e| match e {
            Element::Form { fields, .. } => Some(fields.clone()),
            _ => None,
        })
        .expect("the page has a form")
}

/// A call with the block's default configuration (`call_for` passes "{}").
fn with_default_config(block: &LoadedBlock, mut call: Call) -> Call {
    call.ctx.config = block.manifest.default_config.to_string();
    call
}

fn permissions(granted: &[Capability]) -> Permissions {
    Permissions {
        granted: granted.iter().copied().collect::<BTreeSet<_>>(),
        consented: BTreeSet::new(),
    }
}

/// The form fields answering a lesson's quiz from the configuration: the right answer to
/// the questions where `right` says so, a wrong one to the others.
fn answers(config: &Value, course: usize, lesson: usize, right: &[bool]) -> Vec<(String, String)> {
    let quiz = config["courses"][course]["lessons"][lesson]["quiz"]
        .as_array()
        .unwrap();
    quiz.iter()
        .zip(right)
        .map(|(q, r)| {
            let correct = q["correct"].as_str().unwrap();
            let choice = if *r {
                correct
            } else {
                q["choices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap())
                    .find(|c| *c != correct)
                    .unwrap()
            };
            (q["id"].as_str().unwrap().to_owned(), choice.to_owned())
        })
        .collect()
}

fn submit(lesson: &str, fields: Vec<(String, String)>) -> Action {
    Action {
        id: format!("answer/den-gode-ansoegning/{lesson}"),
        payload: None,
        fields,
    }
}

async fn act(runtime: &Runtime, block: &LoadedBlock, call: &Call, action: &Action) -> Page {
    runtime.handle_action(block, call, action).await.unwrap()
}

#[tokio::test]
async fn the_course_list_offers_both_courses_in_danish_and_english() {
    let runtime = runtime();
    let block = load(&runtime, "course").await;
    assert_eq!(block.manifest.raw.id, "jobunivers.course");
    assert_eq!(block.manifest.raw.category, "course");
    assert!(block.unused_capabilities.is_empty());

    let da = with_default_config(&block, call("", Locale::Da));
    let page = runtime.render(&block, &da).await.unwrap();
    assert_eq!(page.title.as_deref(), Some("Kurser"));
    let text = text_of(&page);
    assert!(text.contains("Den gode ansøgning") && text.contains("Jobsamtalen"));
    assert_eq!(progress(&page), [(0, 4), (0, 4)]);

    // An installation that set nothing still gets the built-in courses.
    let en = call("", Locale::En);
    let page = runtime.render(&block, &en).await.unwrap();
    let text = text_of(&page);
    assert!(text.contains("The good application") && text.contains("The job interview"));
    assert!(text.contains("Start the course"));
}

#[tokio::test]
async fn passing_a_quiz_completes_the_lesson_once_and_tells_the_caseworker() {
    let runtime = runtime();
    let block = load(&runtime, "course").await;
    let config = block.manifest.default_config.clone();
    let provider = provider();
    let call = with_default_config(
        &block,
        call_for(
            demo::CITIZEN,
            "",
            Locale::Da,
            Permissions::everything(),
            provider.clone(),
        ),
    );
    let lesson = "stillingsopslaget";

    // The quiz view: three required radio questions.
    let mut quiz = call.clone();
    quiz.ctx.view = format!("quiz/den-gode-ansoegning/{lesson}");
    let fields = form_fields(&runtime.render(&block, &quiz).await.unwrap());
    assert_eq!(fields.len(), 3);
    assert!(fields.iter().all(|f| f.required && f.error.is_none()));

    // One answer only: errors next to the two others, the given answer kept, nothing stored.
    let mut partial = answers(&config, 0, 0, &[true, true, true]);
    partial.truncate(1);
    let page = act(&runtime, &block, &call, &submit(lesson, partial.clone())).await;
    let fields = form_fields(&page);
    assert_eq!(fields[0].value.as_deref(), Some(partial[0].1.as_str()));
    assert_eq!(fields[0].error, None);
    assert_eq!(fields[1].error.as_deref(), Some("Vælg et svar."));
    assert_eq!(fields[2].error.as_deref(), Some("Vælg et svar."));
    assert!(text_of(&page).contains("Du mangler at svare på 2 spørgsmål"));

    // Two of three right: not passed at the default pass mark, feedback for each answer.
    let page = act(
        &runtime,
        &block,
        &call,
        &submit(lesson, answers(&config, 0, 0, &[true, false, true])),
    )
    .await;
    assert_eq!(progress(&page), [(2, 3)]);
    let text = text_of(&page);
    assert!(
        text.contains("Ikke bestået endnu") && text.contains("✗ Ikke rigtigt"),
        "{text}"
    );
    assert!(provider.activities(demo::CITIZEN).is_empty());

    // All right: passed, and recorded as an activity with course, lesson and score.
    let page = act(
        &runtime,
        &block,
        &call,
        &submit(lesson, answers(&config, 0, 0, &[true; 3])),
    )
    .await;
    assert!(text_of(&page).contains("Bestået!"));
    let activities = provider.activities(demo::CITIZEN);
    assert_eq!(activities.len(), 1);
    assert_eq!(activities[0].kind, "course-lesson");
    assert_eq!(activities[0].occurred_ms, NOW_MS);
    assert!(
        activities[0].summary.contains("Den gode ansøgning"),
        "{}",
        activities[0].summary
    );
    let details: Value = serde_json::from_str(&activities[0].details).unwrap();
    assert_eq!(details["course"], "den-gode-ansoegning");
    assert_eq!(details["lesson"], lesson);
    assert_eq!(details["score"], 3);
    assert_eq!(details["attempts"], 2);

    // The progress shows on the list and the overview, and "continue" opens lesson 2.
    let page = runtime.render(&block, &call).await.unwrap();
    assert_eq!(progress(&page), [(1, 4), (0, 4)]);
    let mut overview = call.clone();
    overview.ctx.view = "course/den-gode-ansoegning".into();
    let text = text_of(&runtime.render(&block, &overview).await.unwrap());
    assert!(text.contains("✓ Gennemført – 3 af 3 rigtige"), "{text}");
    let next = Action {
        id: "continue".into(),
        payload: Some("den-gode-ansoegning".into()),
        fields: vec![],
    };
    let text = text_of(&act(&runtime, &block, &call, &next).await);
    assert!(text.contains("Lektion 2 af 4") && text.contains("Sådan bygger du ansøgningen op"));

    // Passing again records nothing new.
    act(
        &runtime,
        &block,
        &call,
        &submit(lesson, answers(&config, 0, 0, &[true; 3])),
    )
    .await;
    assert_eq!(provider.activities(demo::CITIZEN).len(), 1);

    // Another citizen starts from scratch.
    let other = with_default_config(
        &block,
        call_for(
            "anna",
            "",
            Locale::Da,
            Permissions::everything(),
            provider.clone(),
        ),
    );
    assert_eq!(
        progress(&runtime.render(&block, &other).await.unwrap()),
        [(0, 4), (0, 4)]
    );
}

#[tokio::test]
async fn the_last_lesson_completes_the_course_and_the_pass_mark_is_configurable() {
    let runtime = runtime();
    let block = load(&runtime, "course").await;
    let mut config = block.manifest.default_config.clone();
    config["pass_percent"] = 66.into();
    let provider = provider();
    let mut call = call_for(
        "bo",
        "",
        Locale::En,
        Permissions::everything(),
        provider.clone(),
    );
    call.ctx.config = config.to_string();
    let lessons = [
        "stillingsopslaget",
        "opbygning",
        "eksempler",
        "foer-du-sender",
    ];
    for (i, lesson) in lessons.iter().enumerate() {
        // Two of three right pass at 66 %.
        let page = act(
            &runtime,
            &block,
            &call,
            &submit(lesson, answers(&config, 0, i, &[false, true, true])),
        )
        .await;
        let text = text_of(&page);
        assert!(text.contains("Passed!"), "{lesson}: {text}");
        assert!(text.contains("The right answer:"), "{lesson}: {text}");
        assert_eq!(
            text.contains("Course completed"),
            i == lessons.len() - 1,
            "{lesson}"
        );
    }
    let activities = provider.activities("bo");
    assert_eq!(activities.len(), 4);
    // Every call happens at NOW_MS, so find the last lesson's activity by its details.
    let details: Vec<Value> = activities
        .iter()
        .map(|a| serde_json::from_str(&a.details).unwrap())
        .collect();
    let last = details
        .iter()
        .find(|d| d["lesson"] == "foer-du-sender")
        .unwrap();
    assert_eq!(
        details
            .iter()
            .filter(|d| d["course_completed"] == true)
            .count(),
        1
    );
    assert_eq!(
        (
            last["course_completed"].as_bool(),
            last["pass_percent"].as_u64()
        ),
        (Some(true), Some(66))
    );
    let page = runtime.render(&block, &call).await.unwrap();
    assert_eq!(progress(&page), [(4, 4), (0, 4)]);
    assert!(text_of(&page).contains("You have completed the course"));
}

#[tokio::test]
async fn without_storage_or_activity_grants_the_course_still_works() {
    let runtime = runtime();
    let block = load(&runtime, "course").await;
    let config = block.manifest.default_config.clone();

    // No storage: a warning, the lesson still readable, the result shown but not saved.
    let no_storage = provider();
    let call = with_default_config(
        &block,
        call_for(
            "cai",
            "",
            Locale::Da,
            permissions(&[Capability::Activity]),
            no_storage.clone(),
        ),
    );
    let text = text_of(&runtime.render(&block, &call).await.unwrap());
    assert!(text.contains("Vi kan ikke hente eller gemme"), "{text}");
    let page = act(
        &runtime,
        &block,
        &call,
        &submit("opbygning", answers(&config, 0, 1, &[true; 3])),
    )
    .await;
    let text = text_of(&page);
    assert!(
        text.contains("Bestået!") && text.contains("Vi kunne ikke gemme dit resultat"),
        "{text}"
    );
    assert!(no_storage.activities("cai").is_empty());

    // No activity grant: progress is saved, the citizen is not told the caseworker sees it.
    let no_activity = provider();
    let call = with_default_config(
        &block,
        call_for(
            "dea",
            "",
            Locale::Da,
            permissions(&[Capability::Storage]),
            no_activity.clone(),
        ),
    );
    let page = act(
        &runtime,
        &block,
        &call,
        &submit("opbygning", answers(&config, 0, 1, &[true; 3])),
    )
    .await;
    let text = text_of(&page);
    assert!(
        text.contains("Bestået!") && !text.contains("jobkonsulent"),
        "{text}"
    );
    assert!(no_activity.activities("dea").is_empty());
    assert_eq!(
        progress(&runtime.render(&block, &call).await.unwrap()),
        [(1, 4), (0, 4)]
    );
}

#[tokio::test]
async fn unknown_views_and_actions_are_refused_and_old_links_explained() {
    let runtime = runtime();
    let block = load(&runtime, "course").await;
    let mut call = with_default_config(&block, call("settings", Locale::Da));
    assert!(
        matches!(runtime.render(&block, &call).await, Err(CallError::BadRequest(m)) if m.contains("unknown view"))
    );
    call.ctx.view = "lesson/den-gode-ansoegning/removed-lesson".into();
    let text = text_of(&runtime.render(&block, &call).await.unwrap());
    assert!(
        text.contains("Vi kan ikke finde kurset eller lektionen"),
        "{text}"
    );
    let nope = Action {
        id: "nope".into(),
        ..Default::default()
    };
    assert!(matches!(
        runtime.handle_action(&block, &call, &nope).await,
        Err(CallError::BadRequest(m)) if m.contains("unknown action")
    ));
}
