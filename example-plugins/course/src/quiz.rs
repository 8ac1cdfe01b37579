//! Grading a quiz: which questions are unanswered, which answers are right, and whether
//! the citizen passed.

use std::collections::BTreeMap;

use crate::model::Lesson;

/// One graded answer.
#[derive(Debug, Clone, PartialEq)]
pub struct GradedAnswer {
    /// The question's index in the lesson's quiz.
    pub question: usize,
    /// The id of the choice the citizen picked.
    pub chosen: String,
    /// Whether it was the right one.
    pub correct: bool,
}

/// A quiz with every question answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Graded {
    /// One per question, in order.
    pub answers: Vec<GradedAnswer>,
    /// How many were right.
    pub correct: u32,
    /// How many questions there were.
    pub total: u32,
    /// Whether that meets the pass mark.
    pub passed: bool,
}

/// What a submitted quiz form amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    /// Some questions have no (valid) answer; nothing is graded yet. `chosen` keeps the
    /// valid answers (question id → choice id) so the form can show them again.
    Incomplete {
        /// The answers given so far.
        chosen: BTreeMap<String, String>,
        /// The ids of the questions still to answer, in order.
        missing: Vec<String>,
    },
    /// Every question answered.
    Complete(Graded),
}

/// How many right answers out of `total` meet `pass_percent`.
///
/// Rounds up, so 66 % of 3 needs 2 and 100 % needs all.
pub fn needed(total: u32, pass_percent: u32) -> u32 {
    (total * pass_percent).div_ceil(100)
}

/// Grade the answers to `lesson`'s quiz; `answer(question id)` is the submitted choice
/// id. A value that is not one of the question's choices counts as unanswered: it can
/// only come from a tampered or outdated form, and the citizen should just pick again.
pub fn grade<'a>(
    lesson: &Lesson,
    answer: impl Fn(&str) -> Option<&'a str>,
    pass_percent: u32,
) -> Submission {
    let mut chosen = BTreeMap::new();
    let mut missing = Vec::new();
    let mut answers = Vec::new();
    for (i, q) in lesson.quiz.iter().enumerate() {
        match answer(&q.id).filter(|a| q.choice(a).is_some()) {
            Some(a) => {
                chosen.insert(q.id.clone(), a.to_owned());
                answers.push(GradedAnswer {
                    question: i,
                    chosen: a.to_owned(),
                    correct: a == q.correct,
                });
            }
            None => missing.push(q.id.clone()),
        }
    }
    if !missing.is_empty() {
        return Submission::Incomplete { chosen, missing };
    }
    let total = answers.len() as u32;
    let correct = answers.iter().filter(|a| a.correct).count() as u32;
    Submission::Complete(Graded {
        answers,
        correct,
        total,
        passed: correct >= needed(total, pass_percent),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::default_courses;

    #[test]
    fn the_pass_mark_rounds_up() {
        for (total, pct, need) in [
            (3, 100, 3),
            (3, 66, 2),
            (3, 67, 3),
            (3, 50, 2),
            (4, 75, 3),
            (4, 50, 2),
            (2, 100, 2),
            (2, 50, 1),
        ] {
            assert_eq!(needed(total, pct), need, "{total} at {pct}%");
        }
    }

    /// The first lesson of the first built-in course, with its right and a wrong answer
    /// per question.
    fn lesson() -> (Lesson, Vec<String>, Vec<String>) {
        let lesson = default_courses().remove(0).lessons.remove(0);
        let right = lesson.quiz.iter().map(|q| q.correct.clone()).collect();
        let wrong = lesson
            .quiz
            .iter()
            .map(|q| {
                q.choices
                    .iter()
                    .find(|c| c.id != q.correct)
                    .unwrap()
                    .id
                    .clone()
            })
            .collect();
        (lesson, right, wrong)
    }

    #[test]
    fn answers_are_graded_against_the_pass_mark() {
        let (lesson, right, wrong) = lesson();
        assert_eq!(lesson.quiz.len(), 3);
        // (which answers are right, pass mark, expected right count, passed)
        for (pattern, pct, correct, passed) in [
            ([true, true, true], 100, 3, true),
            ([true, true, false], 100, 2, false),
            ([true, true, false], 66, 2, true),
            ([false, true, false], 66, 1, false),
            ([false, false, false], 50, 0, false),
        ] {
            let given: Vec<&str> = pattern
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    if *r {
                        right[i].as_str()
                    } else {
                        wrong[i].as_str()
                    }
                })
                .collect();
            let qids: Vec<&str> = lesson.quiz.iter().map(|q| q.id.as_str()).collect();
            let submission = grade(
                &lesson,
                |id| qids.iter().position(|q| *q == id).map(|i| given[i]),
                pct,
            );
            let Submission::Complete(g) = submission else {
                panic!("{pattern:?} should be complete");
            };
            assert_eq!(
                (g.correct, g.total, g.passed),
                (correct, 3, passed),
                "{pattern:?} at {pct}%"
            );
            let flags: Vec<bool> = g.answers.iter().map(|a| a.correct).collect();
            assert_eq!(flags, pattern);
        }
    }

    #[test]
    fn unanswered_and_unknown_answers_are_missing_and_the_rest_is_kept() {
        let (lesson, right, _) = lesson();
        let first = lesson.quiz[0].id.clone();
        let second = lesson.quiz[1].id.clone();
        let submission = grade(
            &lesson,
            |id| {
                if id == first {
                    Some(right[0].as_str())
                } else if id == second {
                    Some("not-a-choice")
                } else {
                    None
                }
            },
            100,
        );
        let Submission::Incomplete { chosen, missing } = submission else {
            panic!("should be incomplete");
        };
        assert_eq!(chosen.get(&first), Some(&right[0]));
        assert_eq!(missing, vec![second, lesson.quiz[2].id.clone()]);
    }
}
