//! The course content and settings, as the installation's configuration holds them:
//! courses → lessons → quiz questions → answer choices, every text in Danish and English.
//!
//! The JSON Schema (see `schema.rs`) checks shapes and sizes; what a schema cannot say
//! (ids unique, the correct answer being one of the choices) is checked here, so a
//! broken course is left out instead of confusing the citizen.

use std::collections::BTreeSet;

use jobunivers_sdk::Context;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The longest id of a course, lesson, question or choice. Course and lesson ids go into
/// view names and action ids ("quiz/<course>/<lesson>"), which the host caps at 64.
pub const MAX_ID_LEN: usize = 24;

/// The pass mark when the configuration does not set one: every answer right.
pub const DEFAULT_PASS_PERCENT: u32 = 100;

/// The lowest pass mark accepted: below half right a quiz proves nothing.
pub const MIN_PASS_PERCENT: u32 = 50;

const DEFAULT_COURSES: [&str; 2] = [
    include_str!("courses/den-gode-ansoegning.json"),
    include_str!("courses/jobsamtalen.json"),
];

/// A text in Danish and English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    /// Danish.
    pub da: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in the citizen's language.
    pub fn get<'a>(&'a self, ctx: &Context) -> &'a str {
        ctx.t(&self.da, &self.en)
    }
}

/// The installation's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Share of right answers (percent) needed to pass a quiz.
    #[serde(default = "default_pass_percent")]
    pub pass_percent: u32,
    /// The courses offered. Without any, the two built-in courses are used, so an
    /// installation that only changes the pass mark keeps its content.
    #[serde(default = "default_courses")]
    pub courses: Vec<Course>,
}

fn default_pass_percent() -> u32 {
    DEFAULT_PASS_PERCENT
}

/// A course: a few lessons on one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Course {
    /// Stable id; progress is stored under it.
    pub id: String,
    /// The course's name.
    pub title: Text,
    /// One or two sentences on what the citizen gets out of it.
    pub summary: Text,
    /// About how long the whole course takes, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// A pass mark for this course's quizzes, overriding the installation's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_percent: Option<u32>,
    /// The lessons, in order.
    pub lessons: Vec<Lesson>,
}

impl Course {
    /// The lesson with `id` and its index.
    pub fn lesson(&self, id: &str) -> Option<(usize, &Lesson)> {
        self.lessons.iter().enumerate().find(|(_, l)| l.id == id)
    }
}

/// A lesson: short paragraphs, the key points, and a quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lesson {
    /// Stable id within the course.
    pub id: String,
    /// The lesson's title.
    pub title: Text,
    /// The lesson's text, one short paragraph each.
    pub paragraphs: Vec<Text>,
    /// What to remember, as a list.
    pub key_points: Vec<Text>,
    /// The quiz that completes the lesson.
    pub quiz: Vec<Question>,
}

/// A multiple-choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id within the lesson; the form field's name.
    pub id: String,
    /// The question.
    pub text: Text,
    /// The possible answers.
    pub choices: Vec<AnswerChoice>,
    /// The id of the right answer.
    pub correct: String,
}

impl Question {
    /// The choice with `id`.
    pub fn choice(&self, id: &str) -> Option<&AnswerChoice> {
        self.choices.iter().find(|c| c.id == id)
    }
}

/// One possible answer, with the feedback the citizen gets for choosing it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerChoice {
    /// Stable id within the question; the submitted value.
    pub id: String,
    /// The answer.
    pub label: Text,
    /// Why this answer is right or wrong.
    pub feedback: Text,
}

/// The two built-in courses, "Den gode ansøgning" and "Jobsamtalen".
pub fn default_courses() -> Vec<Course> {
    DEFAULT_COURSES
        .iter()
        // The files are part of the crate and checked by its tests.
        .map(|json| serde_json::from_str(json).expect("a built-in course is valid"))
        .collect()
}

/// The default configuration: the built-in courses, all answers right to pass.
pub fn default_config() -> Value {
    json!({
        "pass_percent": DEFAULT_PASS_PERCENT,
        "courses": default_courses(),
    })
}

/// Whether `id` may name a course, lesson, question or choice: lowercase letters, digits
/// and dashes, starting with a letter or digit (so it is a valid view, action and field
/// name).
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('a'..='z' | '0'..='9'))
        && id.len() <= MAX_ID_LEN
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
}

fn check_text(what: &str, text: &Text, problems: &mut Vec<String>) {
    if text.da.trim().is_empty() || text.en.trim().is_empty() {
        problems.push(format!("{what} needs a text in both Danish and English"));
    }
}

fn check_ids<'a>(what: &str, ids: impl Iterator<Item = &'a str>, problems: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !valid_id(id) {
            problems.push(format!(
                "{what} id '{id}' must be 1-{MAX_ID_LEN} lowercase letters, digits or dashes"
            ));
        }
        if !seen.insert(id) {
            problems.push(format!("{what} id '{id}' is used twice"));
        }
    }
}

/// What is wrong with one course, in words for the vendor's log; empty if nothing.
pub fn course_problems(course: &Course) -> Vec<String> {
    let mut p = Vec::new();
    let c = format!("course '{}'", course.id);
    check_ids("course", [course.id.as_str()].into_iter(), &mut p);
    check_text(&c, &course.title, &mut p);
    check_text(&c, &course.summary, &mut p);
    if let Some(pct) = course.pass_percent {
        if !(MIN_PASS_PERCENT..=100).contains(&pct) {
            p.push(format!(
                "{c}: pass_percent {pct} is outside {MIN_PASS_PERCENT}-100"
            ));
        }
    }
    if course.lessons.is_empty() {
        p.push(format!("{c} has no lessons"));
    }
    check_ids(
        "lesson",
        course.lessons.iter().map(|l| l.id.as_str()),
        &mut p,
    );
    for lesson in &course.lessons {
        let l = format!("{c}, lesson '{}'", lesson.id);
        check_text(&l, &lesson.title, &mut p);
        if lesson.paragraphs.is_empty() {
            p.push(format!("{l} has no text"));
        }
        for t in lesson.paragraphs.iter().chain(&lesson.key_points) {
            check_text(&l, t, &mut p);
        }
        if lesson.quiz.is_empty() {
            p.push(format!("{l} has no quiz questions"));
        }
        check_ids(
            "question",
            lesson.quiz.iter().map(|q| q.id.as_str()),
            &mut p,
        );
        for q in &lesson.quiz {
            let qw = format!("{l}, question '{}'", q.id);
            check_text(&qw, &q.text, &mut p);
            if q.choices.len() < 2 {
                p.push(format!("{qw} needs at least two choices"));
            }
            check_ids("choice", q.choices.iter().map(|c| c.id.as_str()), &mut p);
            for choice in &q.choices {
                check_text(&qw, &choice.label, &mut p);
                check_text(&qw, &choice.feedback, &mut p);
            }
            if q.choice(&q.correct).is_none() {
                p.push(format!(
                    "{qw}: the correct answer '{}' is not one of its choices",
                    q.correct
                ));
            }
        }
    }
    p
}

/// The courses that can be shown, and the problems of those that cannot. A course id
/// used twice keeps its first course, so stored progress stays with it.
pub fn usable_courses(config: &Config) -> (Vec<&Course>, Vec<String>) {
    let mut usable: Vec<&Course> = Vec::new();
    let mut problems = Vec::new();
    for course in &config.courses {
        let mut p = course_problems(course);
        if usable.iter().any(|u| u.id == course.id) {
            p.push(format!("course id '{}' is used twice", course.id));
        }
        if p.is_empty() {
            usable.push(course);
        } else {
            problems.extend(p);
        }
    }
    (usable, problems)
}

/// The pass mark that applies to `course`.
pub fn pass_percent(config: &Config, course: &Course) -> u32 {
    course
        .pass_percent
        .unwrap_or(config.pass_percent)
        .clamp(MIN_PASS_PERCENT, 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_courses_are_complete_and_consistent() {
        let courses = default_courses();
        let ids: Vec<&str> = courses.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["den-gode-ansoegning", "jobsamtalen"]);
        for course in &courses {
            assert_eq!(course_problems(course), Vec::<String>::new());
            assert!((3..=4).contains(&course.lessons.len()), "{}", course.id);
            for lesson in &course.lessons {
                assert!((2..=4).contains(&lesson.quiz.len()), "{}", lesson.id);
                assert!(!lesson.key_points.is_empty(), "{}", lesson.id);
                for q in &lesson.quiz {
                    // Every answer explains itself, and the right one is not always
                    // in the same place.
                    assert!(q.choices.iter().all(|c| c.feedback.da.len() > 20));
                }
            }
            let positions: BTreeSet<usize> = course
                .lessons
                .iter()
                .flat_map(|l| &l.quiz)
                .map(|q| q.choices.iter().position(|c| c.id == q.correct).unwrap())
                .collect();
            assert!(positions.len() >= 2, "{}", course.id);
        }
    }

    #[test]
    fn ids_are_checked() {
        for (id, ok) in [
            ("lesson-1", true),
            ("a", true),
            ("9", true),
            ("", false),
            ("-a", false),
            ("Lesson", false),
            ("a/b", false),
            ("æble", false),
            ("abcdefghijklmnopqrstuvwx", true),
            ("abcdefghijklmnopqrstuvwxy", false),
        ] {
            assert_eq!(valid_id(id), ok, "{id:?}");
        }
    }

    #[test]
    fn broken_courses_are_left_out_with_a_reason() {
        let good = default_courses().remove(0);
        let mut wrong_answer = good.clone();
        wrong_answer.id = "wrong-answer".into();
        wrong_answer.lessons[0].quiz[0].correct = "nope".into();
        let mut no_english = good.clone();
        no_english.id = "no-english".into();
        no_english.lessons[1].paragraphs[0].en = " ".into();
        let mut twice = good.clone();
        twice.lessons[0].quiz[0].choices[1].id = twice.lessons[0].quiz[0].choices[0].id.clone();
        let config = Config {
            pass_percent: 100,
            courses: vec![good.clone(), wrong_answer, no_english, twice],
        };
        let (usable, problems) = usable_courses(&config);
        assert_eq!(usable, vec![&good]);
        let all = problems.join("\n");
        assert!(all.contains("'nope' is not one of its choices"), "{all}");
        assert!(all.contains("both Danish and English"), "{all}");
        assert!(all.contains("is used twice"), "{all}");
    }

    #[test]
    fn the_pass_mark_comes_from_the_course_or_the_installation() {
        let mut course = default_courses().remove(0);
        let config = Config {
            pass_percent: 66,
            courses: vec![],
        };
        assert_eq!(pass_percent(&config, &course), 66);
        course.pass_percent = Some(100);
        assert_eq!(pass_percent(&config, &course), 100);
    }

    #[test]
    fn an_empty_configuration_gets_the_built_in_courses() {
        let config: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(config.pass_percent, DEFAULT_PASS_PERCENT);
        assert_eq!(config.courses, default_courses());
        let round: Config = serde_json::from_value(default_config()).unwrap();
        assert_eq!(round, config);
    }
}
