//! Native tests of the pages and the manifest. Capability calls panic natively, so these
//! test everything around them; the black-box test in `tests/all/block_course.rs` runs
//! the component with storage and activities.

use std::collections::BTreeMap;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::ui::{Button, Field, Form, Link, LinkTarget, Progress};

use crate::model::{default_courses, Course};
use crate::progress::{CourseProgress, Recorded};
use crate::quiz::{grade, Graded, Submission};
use crate::views::{self, Outcome};
use crate::{activity_details, activity_summary, CourseBlock};

fn ctx(locale: Locale) -> Context {
    Context::for_test(locale, "{}")
}

/// Every element of a page, cards flattened.
fn all(elements: &[Element]) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in elements {
        out.push(e);
        if let Element::Card(c) = e {
            out.extend(all(&c.children));
        }
    }
    out
}

fn texts(page: &Page) -> String {
    format!("{page:?}")
}

fn progress_bars(page: &Page) -> Vec<&Progress> {
    all(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Progress(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn buttons(page: &Page) -> Vec<&Button> {
    all(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Button(b) => Some(b),
            _ => None,
        })
        .collect()
}

fn views_linked(page: &Page) -> Vec<&str> {
    all(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Link(Link {
                target: LinkTarget::View(v),
                ..
            }) => Some(v.as_str()),
            _ => None,
        })
        .collect()
}

fn form(page: &Page) -> &Form {
    all(&page.elements)
        .into_iter()
        .find_map(|e| match e {
            Element::Form(f) => Some(f),
            _ => None,
        })
        .expect("a form")
}

fn alerts(page: &Page) -> Vec<&Alert> {
    all(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Alert(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// Progress with the first `n` lessons of `course` passed.
fn passed_first(course: &Course, n: usize) -> CourseProgress {
    let mut p = CourseProgress::default();
    for lesson in &course.lessons[..n] {
        let all_right = Graded {
            answers: vec![],
            correct: 3,
            total: 3,
            passed: true,
        };
        p.record(course, &lesson.id, &all_right, 0);
    }
    p
}

/// Answer a lesson's quiz: `right[i]` says whether question i gets the right answer.
fn answer(course: &Course, lesson: usize, right: &[bool], pct: u32) -> Graded {
    let lesson = &course.lessons[lesson];
    let given: BTreeMap<&str, &str> = lesson
        .quiz
        .iter()
        .zip(right)
        .map(|(q, r)| {
            let choice = if *r {
                q.correct.as_str()
            } else {
                q.choices
                    .iter()
                    .find(|c| c.id != q.correct)
                    .unwrap()
                    .id
                    .as_str()
            };
            (q.id.as_str(), choice)
        })
        .collect();
    match grade(lesson, |id| given.get(id).copied(), pct) {
        Submission::Complete(g) => g,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_manifest_requests_what_the_block_uses_and_ships_the_courses() {
    let m = CourseBlock::manifest();
    assert_eq!(m.id, "jobunivers.course");
    assert_eq!(m.version, "1.0.0");
    assert_eq!(m.category, Category::Course);
    let caps: Vec<_> = m.capabilities.iter().map(|c| c.capability).collect();
    assert_eq!(caps, [Capability::Storage, Capability::Activity]);
    assert!(m
        .capabilities
        .iter()
        .all(|c| !c.reason_da.is_empty() && !c.reason_en.is_empty()));
    let config: crate::model::Config = serde_json::from_value(m.default_config).unwrap();
    assert_eq!(config.courses, default_courses());
    assert_eq!(config.pass_percent, 100);
}

#[test]
fn the_course_list_shows_progress_and_the_next_step_per_course() {
    let courses = default_courses();
    let (application, interview) = (&courses[0], &courses[1]);
    let n = interview.lessons.len();
    // (progress in the interview course, bar value, button label, next lesson shown)
    for (done, label, next) in [
        (
            0,
            Some("Start kurset"),
            Some("Første: lektion 1 – Forbered dig godt"),
        ),
        (
            1,
            Some("Fortsæt kurset"),
            Some("Næste: lektion 2 – Under samtalen"),
        ),
        (n, None, None),
    ] {
        let list = [
            (application, CourseProgress::default()),
            (interview, passed_first(interview, done)),
        ];
        let page = views::course_list(&ctx(Locale::Da), &list, true);
        let bars = progress_bars(&page);
        assert_eq!(bars.len(), 2);
        assert_eq!((bars[1].value, bars[1].max), (done as u32, n as u32));
        assert_eq!(bars[1].label, format!("{done} af {n} lektioner gennemført"));
        let b = buttons(&page);
        assert_eq!(b[0].label, "Start kurset");
        assert_eq!(b[0].payload.as_deref(), Some("den-gode-ansoegning"));
        assert_eq!(b.get(1).map(|b| b.label.as_str()), label, "{done} done");
        let text = texts(&page);
        match next {
            Some(next) => assert!(text.contains(next), "{text}"),
            None => assert!(text.contains("Du har gennemført kurset"), "{text}"),
        }
        assert!(views_linked(&page).contains(&"course/jobsamtalen"));
        assert!(alerts(&page).iter().all(|a| a.level != AlertLevel::Warning));
    }
    let page = views::course_list(&ctx(Locale::En), &[], false);
    let text = texts(&page);
    assert!(text.contains("We cannot load or save"), "{text}");
    assert!(text.contains("There are no courses right now"), "{text}");
}

#[test]
fn the_overview_marks_lessons_done_and_offers_to_continue() {
    let course = &default_courses()[0];
    let mut p = passed_first(course, 1);
    p.record(
        course,
        &course.lessons[1].id,
        &answer(course, 1, &[true, false, false], 100),
        5,
    );
    let page = views::course_overview(&ctx(Locale::Da), course, &p);
    let subtitles: Vec<_> = all(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Card(c) => c.subtitle.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(
        subtitles,
        [
            "✓ Gennemført – 3 af 3 rigtige",
            "Quizzen er ikke bestået endnu",
            "Ikke gennemført",
            "Ikke gennemført"
        ]
    );
    assert_eq!(progress_bars(&page)[0].value, 1);
    let b = buttons(&page);
    assert_eq!(b[0].label, "Fortsæt med lektion 2");
    assert_eq!(b[0].action, "continue");
    assert!(views_linked(&page).contains(&"lesson/den-gode-ansoegning/opbygning"));
    assert!(views_linked(&page).contains(&""));

    let done = passed_first(course, course.lessons.len());
    let page = views::course_overview(&ctx(Locale::En), course, &done);
    assert!(buttons(&page).is_empty());
    assert!(texts(&page).contains("Course completed"));
}

#[test]
fn a_lesson_shows_its_text_key_points_and_the_way_to_the_quiz() {
    let course = &default_courses()[1];
    let lesson = &course.lessons[2];
    for (locale, pct, rule) in [
        (Locale::Da, 100, "Du skal have dem alle rigtige"),
        (Locale::Da, 66, "Du skal have mindst 2 rigtige"),
        (Locale::En, 100, "Get them all right"),
    ] {
        let page = views::lesson_page(&ctx(locale), course, 2, &CourseProgress::default(), pct);
        let text = texts(&page);
        let c = ctx(locale);
        assert!(text.contains(lesson.title.get(&c)));
        assert!(lesson.paragraphs.iter().all(|p| text.contains(p.get(&c))));
        assert!(lesson.key_points.iter().all(|k| text.contains(k.get(&c))));
        assert!(text.contains(rule), "{text}");
        assert!(text.contains(if locale == Locale::Da {
            "Lektion 3 af 4"
        } else {
            "Lesson 3 of 4"
        }));
        assert_eq!(
            views_linked(&page),
            ["quiz/jobsamtalen/svaere-spoergsmaal", "course/jobsamtalen"]
        );
    }
}

#[test]
fn the_quiz_is_radio_questions_with_errors_next_to_the_unanswered() {
    let course = &default_courses()[0];
    let lesson = &course.lessons[0];
    let page = views::quiz_page(&ctx(Locale::Da), course, lesson, 100, &BTreeMap::new(), &[]);
    let f = form(&page);
    assert_eq!(f.action, "answer/den-gode-ansoegning/stillingsopslaget");
    assert_eq!(f.fields.len(), 3);
    for (field, q) in f.fields.iter().zip(&lesson.quiz) {
        assert!(field.required);
        assert_eq!(field.name, q.id);
        let FieldKind::Radio(choices) = &field.kind else {
            panic!("{field:?} is not a radio group")
        };
        assert_eq!(choices.len(), q.choices.len());
    }
    assert!(!f.has_errors());
    assert!(alerts(&page).is_empty());

    let chosen = BTreeMap::from([("q1".to_owned(), "a".to_owned())]);
    let missing = ["q2".to_owned(), "q3".to_owned()];
    let page = views::quiz_page(&ctx(Locale::En), course, lesson, 100, &chosen, &missing);
    let f = form(&page);
    let by_name = |n: &str| f.fields.iter().find(|x| x.name == n).unwrap();
    assert_eq!(by_name("q1").value.as_deref(), Some("a"));
    assert_eq!(by_name("q1").error, None);
    assert_eq!(by_name("q2").error.as_deref(), Some("Choose an answer."));
    assert_eq!(by_name("q3").error.as_deref(), Some("Choose an answer."));
    let a = alerts(&page);
    assert_eq!(a[0].level, AlertLevel::Error);
    assert!(a[0].text.contains("2 questions left"), "{}", a[0].text);
}

fn outcome(newly_passed: bool, course_completed: bool, saved: bool) -> Outcome {
    Outcome {
        recorded: Recorded {
            newly_passed,
            course_completed,
        },
        saved,
        activity_recorded: newly_passed,
    }
}

fn feedback_cards(page: &Page) -> Vec<&Card> {
    page.elements
        .iter()
        .filter_map(|e| match e {
            Element::Card(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn a_failed_quiz_explains_each_answer_without_giving_the_right_one_away() {
    let course = &default_courses()[0];
    let lesson = &course.lessons[0];
    let g = answer(course, 0, &[true, false, true], 100);
    let mut p = CourseProgress::default();
    p.record(course, &lesson.id, &g, 5);
    let page = views::result_page(
        &ctx(Locale::Da),
        course,
        lesson,
        &g,
        100,
        &p,
        outcome(false, false, true),
    );
    assert_eq!(
        (progress_bars(&page)[0].value, progress_bars(&page)[0].max),
        (2, 3)
    );
    assert_eq!(
        alerts(&page)[0].title.as_deref(),
        Some("Ikke bestået endnu")
    );
    assert!(alerts(&page)[0].text.contains("der skal 3 til"));
    let cards = feedback_cards(&page);
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[1].subtitle.as_deref(), Some("✗ Ikke rigtigt"));
    let text = format!("{:?}", cards[1]);
    let q = &lesson.quiz[1];
    let wrong = q.choices.iter().find(|c| c.id != q.correct).unwrap();
    assert!(text.contains(&wrong.feedback.da));
    assert!(!text.contains(&q.choice(&q.correct).unwrap().label.da));
    assert_eq!(
        views_linked(&page),
        [
            "quiz/den-gode-ansoegning/stillingsopslaget",
            "lesson/den-gode-ansoegning/stillingsopslaget",
            "course/den-gode-ansoegning"
        ]
    );
    assert!(!texts(&page).contains("jobkonsulent"));
}

#[test]
fn a_passed_quiz_shows_the_right_answers_and_leads_on() {
    let course = &default_courses()[0];
    let lesson = &course.lessons[0];
    // Two of three at a 66 % pass mark: passed, and the missed answer is shown.
    let g = answer(course, 0, &[false, true, true], 66);
    assert!(g.passed);
    let mut p = CourseProgress::default();
    let r = p.record(course, &lesson.id, &g, 5);
    let o = Outcome {
        recorded: r,
        saved: true,
        activity_recorded: true,
    };
    let page = views::result_page(&ctx(Locale::Da), course, lesson, &g, 66, &p, o);
    assert_eq!(alerts(&page)[0].title.as_deref(), Some("Bestået!"));
    let first = format!("{:?}", feedback_cards(&page)[0]);
    let q = &lesson.quiz[0];
    assert!(first.contains(&format!(
        "Det rigtige svar: {}",
        q.choice(&q.correct).unwrap().label.da
    )));
    assert!(texts(&page).contains("din jobkonsulent kan se den"));
    let b = buttons(&page);
    assert_eq!(
        (b[0].label.as_str(), b[0].payload.as_deref()),
        ("Fortsæt med lektion 2", Some("den-gode-ansoegning"))
    );

    // The last lesson completes the course; an unsaved result says so.
    let last = course.lessons.len() - 1;
    let g = answer(course, last, &[true, true, true], 100);
    let p = passed_first(course, course.lessons.len());
    let page = views::result_page(
        &ctx(Locale::En),
        course,
        &course.lessons[last],
        &g,
        100,
        &p,
        outcome(true, true, false),
    );
    let text = texts(&page);
    assert!(text.contains("Course completed"), "{text}");
    assert!(text.contains("We could not save your result"), "{text}");
    assert!(buttons(&page).is_empty());
    assert_eq!(views_linked(&page), ["", "course/den-gode-ansoegning"]);
}

#[test]
fn a_retaken_quiz_that_fails_keeps_the_lesson_completed() {
    let course = &default_courses()[1];
    let lesson = &course.lessons[0];
    let p = passed_first(course, 1);
    let g = answer(course, 0, &[false, false, true], 100);
    let page = views::result_page(
        &ctx(Locale::Da),
        course,
        lesson,
        &g,
        100,
        &p,
        outcome(false, false, true),
    );
    assert!(alerts(&page)[0].text.contains("står stadig som gennemført"));
}

#[test]
fn the_activity_names_course_lesson_and_score() {
    let course = &default_courses()[1];
    let lesson = &course.lessons[1];
    let g = answer(course, 1, &[true, true, false], 66);
    let mut p = CourseProgress::default();
    p.record(course, &lesson.id, &g, 5);
    assert_eq!(
        activity_summary(&ctx(Locale::Da), course, lesson, &g),
        "Kursuslektion gennemført: Jobsamtalen – Under samtalen (2 af 3 rigtige)"
    );
    assert_eq!(
        activity_summary(&ctx(Locale::En), course, lesson, &g),
        "Course lesson completed: The job interview – During the interview (2 of 3 right)"
    );
    let d = activity_details(course, lesson, &g, 66, &p);
    assert_eq!(d["course"], "jobsamtalen");
    assert_eq!(d["lesson"], "under-samtalen");
    assert_eq!(
        (d["score"].as_u64(), d["total"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(d["attempts"], 1);
    assert_eq!(d["course_completed"], false);
}

#[test]
fn every_action_and_view_name_fits_the_hosts_rules() {
    let valid = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))
    };
    let courses = default_courses();
    for course in &courses {
        let p = CourseProgress::default();
        let mut pages = vec![views::course_overview(&ctx(Locale::Da), course, &p)];
        for (i, lesson) in course.lessons.iter().enumerate() {
            pages.push(views::lesson_page(&ctx(Locale::Da), course, i, &p, 100));
            pages.push(views::quiz_page(
                &ctx(Locale::Da),
                course,
                lesson,
                100,
                &BTreeMap::new(),
                &[],
            ));
            let f: &Field = &form(pages.last().unwrap()).fields[0];
            assert!(valid(&f.name));
        }
        for page in &pages {
            assert!(views_linked(page).iter().all(|v| v.is_empty() || valid(v)));
            assert!(buttons(page).iter().all(|b| valid(&b.action)));
        }
    }
    assert_eq!(
        views::not_found(&ctx(Locale::Da)).title.as_deref(),
        Some("Kurser")
    );
}
