//! What the block remembers per citizen and course: which lessons are passed, the best
//! score and the number of attempts. One storage key per course, so a course's progress
//! stays small and a removed course simply leaves its key unused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Course, Lesson};
use crate::quiz::Graded;

/// The storage key of a course's progress.
pub fn key(course_id: &str) -> String {
    format!("progress/{course_id}")
}

/// The citizen's progress in one course.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseProgress {
    /// Per lesson id. Lessons an admin has since removed are kept but not counted.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

/// The citizen's progress in one lesson. Missing fields read as their defaults, so
/// progress stored by an older version of the block still loads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LessonProgress {
    /// Whether the quiz has been passed (once passed, always passed).
    pub passed: bool,
    /// The most right answers in one attempt.
    pub best: u32,
    /// Questions in the quiz at the time of the best attempt.
    pub total: u32,
    /// How many times the quiz was submitted.
    pub attempts: u32,
    /// When it was first passed (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed_ms: Option<i64>,
}

/// What recording an attempt changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The lesson was passed for the first time now.
    pub newly_passed: bool,
    /// That completed the whole course.
    pub course_completed: bool,
}

impl CourseProgress {
    /// Whether the lesson is passed.
    pub fn passed(&self, lesson_id: &str) -> bool {
        self.lessons.get(lesson_id).is_some_and(|l| l.passed)
    }

    /// How many of the course's current lessons are passed.
    pub fn done(&self, course: &Course) -> usize {
        course.lessons.iter().filter(|l| self.passed(&l.id)).count()
    }

    /// Whether every lesson of the course is passed.
    pub fn complete(&self, course: &Course) -> bool {
        self.done(course) == course.lessons.len()
    }

    /// Whether the citizen has done anything in the course yet.
    pub fn started(&self, course: &Course) -> bool {
        course
            .lessons
            .iter()
            .any(|l| self.lessons.contains_key(&l.id))
    }

    /// The first lesson not yet passed, with its index: where "continue" leads.
    pub fn next<'a>(&self, course: &'a Course) -> Option<(usize, &'a Lesson)> {
        course
            .lessons
            .iter()
            .enumerate()
            .find(|(_, l)| !self.passed(&l.id))
    }

    /// Record a graded attempt at a lesson's quiz.
    pub fn record(
        &mut self,
        course: &Course,
        lesson_id: &str,
        graded: &Graded,
        now_ms: i64,
    ) -> Recorded {
        let was_complete = self.complete(course);
        let entry = self.lessons.entry(lesson_id.to_owned()).or_default();
        entry.attempts += 1;
        if graded.correct >= entry.best || entry.total != graded.total {
            // A changed quiz makes an old best score meaningless; start over from this one.
            entry.best = graded.correct;
            entry.total = graded.total;
        }
        let newly_passed = graded.passed && !entry.passed;
        if newly_passed {
            entry.passed = true;
            entry.passed_ms = Some(now_ms);
        }
        Recorded {
            newly_passed,
            course_completed: newly_passed && !was_complete && self.complete(course),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::default_courses;

    fn graded(correct: u32, total: u32, passed: bool) -> Graded {
        Graded {
            answers: vec![],
            correct,
            total,
            passed,
        }
    }

    #[test]
    fn passing_every_lesson_completes_the_course_once() {
        let course = default_courses().remove(1);
        let mut p = CourseProgress::default();
        assert!(!p.started(&course));
        assert_eq!(p.next(&course).unwrap().0, 0);
        let ids: Vec<String> = course.lessons.iter().map(|l| l.id.clone()).collect();
        for (i, id) in ids.iter().enumerate() {
            let r = p.record(&course, id, &graded(3, 3, true), 1_000 + i as i64);
            assert!(r.newly_passed);
            assert_eq!(r.course_completed, i == ids.len() - 1, "lesson {i}");
            assert_eq!(p.done(&course), i + 1);
        }
        assert!(p.complete(&course));
        assert_eq!(p.next(&course), None);
        // Taking a quiz again neither passes it anew nor completes the course again.
        let again = p.record(&course, &ids[0], &graded(3, 3, true), 9_000);
        assert_eq!(
            again,
            Recorded {
                newly_passed: false,
                course_completed: false
            }
        );
        assert_eq!(p.lessons[&ids[0]].passed_ms, Some(1_000));
        assert_eq!(p.lessons[&ids[0]].attempts, 2);
    }

    #[test]
    fn attempts_keep_the_best_score_and_a_pass_is_never_lost() {
        let course = default_courses().remove(0);
        let id = course.lessons[1].id.clone();
        let mut p = CourseProgress::default();
        // (right answers, passed, expected best, expected passed)
        for (correct, passed, best, still_passed) in [
            (1, false, 1, false),
            (0, false, 1, false),
            (3, true, 3, true),
            (1, false, 3, true),
        ] {
            p.record(&course, &id, &graded(correct, 3, passed), 5);
            let l = &p.lessons[&id];
            assert_eq!((l.best, l.passed), (best, still_passed));
        }
        assert_eq!(p.lessons[&id].attempts, 4);
        assert!(p.started(&course));
        // The next lesson to take is the first one, which is not passed.
        assert_eq!(p.next(&course).unwrap().0, 0);
    }

    #[test]
    fn removed_lessons_do_not_count() {
        let course = default_courses().remove(0);
        let mut p = CourseProgress::default();
        p.lessons.insert(
            "removed-lesson".into(),
            LessonProgress {
                passed: true,
                ..Default::default()
            },
        );
        assert_eq!(p.done(&course), 0);
        assert!(!p.started(&course));
    }

    #[test]
    fn progress_survives_a_round_trip_and_old_shapes() {
        let mut p = CourseProgress::default();
        let course = default_courses().remove(0);
        p.record(&course, &course.lessons[0].id, &graded(2, 3, false), 7);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<CourseProgress>(&json).unwrap(), p);
        assert_eq!(
            serde_json::from_str::<CourseProgress>("{}").unwrap(),
            CourseProgress::default()
        );
        let partial: CourseProgress =
            serde_json::from_str(r#"{"lessons": {"opbygning": {"passed": true}}}"#).unwrap();
        assert!(partial.passed("opbygning"));
        assert_eq!(key("jobsamtalen"), "progress/jobsamtalen");
    }
}
