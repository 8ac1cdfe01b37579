//! View names and action ids. Course and lesson ids are part of them, so the host's
//! address for a view is enough to show it again (a reload, a link in a message).

/// A view of the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// "": the list of courses.
    Courses,
    /// "course/<course>": a course's lessons.
    Course(String),
    /// "lesson/<course>/<lesson>": a lesson's text.
    Lesson(String, String),
    /// "quiz/<course>/<lesson>": a lesson's quiz.
    Quiz(String, String),
}

/// The action a button sends to continue a course; the payload is the course id.
pub const CONTINUE: &str = "continue";

/// The prefix of the action a quiz form sends: "answer/<course>/<lesson>".
const ANSWER: &str = "answer/";

impl Route {
    /// The route a view name stands for; `None` if it is not one of ours.
    pub fn parse(view: &str) -> Option<Self> {
        let parts: Vec<&str> = view.split('/').collect();
        let id = |s: &str| crate::model::valid_id(s).then(|| s.to_owned());
        match parts.as_slice() {
            [""] => Some(Self::Courses),
            ["course", c] => Some(Self::Course(id(c)?)),
            ["lesson", c, l] => Some(Self::Lesson(id(c)?, id(l)?)),
            ["quiz", c, l] => Some(Self::Quiz(id(c)?, id(l)?)),
            _ => None,
        }
    }

    /// The view name.
    pub fn view(&self) -> String {
        match self {
            Self::Courses => String::new(),
            Self::Course(c) => format!("course/{c}"),
            Self::Lesson(c, l) => format!("lesson/{c}/{l}"),
            Self::Quiz(c, l) => format!("quiz/{c}/{l}"),
        }
    }
}

/// The action id of the quiz form of a lesson.
pub fn answer_action(course: &str, lesson: &str) -> String {
    format!("{ANSWER}{course}/{lesson}")
}

/// The (course, lesson) a quiz form's action id names.
pub fn parse_answer_action(action: &str) -> Option<(&str, &str)> {
    let (c, l) = action.strip_prefix(ANSWER)?.split_once('/')?;
    (crate::model::valid_id(c) && crate::model::valid_id(l)).then_some((c, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_parse_and_print() {
        let c = || "jobsamtalen".to_owned();
        let l = || "forberedelse".to_owned();
        for (view, route) in [
            ("", Some(Route::Courses)),
            ("course/jobsamtalen", Some(Route::Course(c()))),
            (
                "lesson/jobsamtalen/forberedelse",
                Some(Route::Lesson(c(), l())),
            ),
            ("quiz/jobsamtalen/forberedelse", Some(Route::Quiz(c(), l()))),
            ("course/", None),
            ("course/Jobsamtalen", None),
            ("lesson/jobsamtalen", None),
            ("quiz/jobsamtalen/forberedelse/extra", None),
            ("settings", None),
            ("/", None),
        ] {
            assert_eq!(Route::parse(view), route, "{view:?}");
            if let Some(r) = route {
                assert_eq!(r.view(), view);
            }
        }
    }

    #[test]
    fn answer_actions_name_their_lesson_and_fit_the_hosts_limit() {
        let longest = "a".repeat(crate::model::MAX_ID_LEN);
        let action = answer_action(&longest, &longest);
        assert!(action.len() <= 64, "{action}");
        assert_eq!(parse_answer_action(&action), Some((&*longest, &*longest)));
        assert_eq!(
            parse_answer_action("answer/jobsamtalen/efter-samtalen"),
            Some(("jobsamtalen", "efter-samtalen"))
        );
        for bad in ["answer/", "answer/x", "answer/x/", "answer/X/y", "quiz/x/y"] {
            assert_eq!(parse_answer_action(bad), None, "{bad}");
        }
        // View names have the same limit.
        assert!(Route::Quiz(longest.clone(), longest).view().len() <= 64);
    }
}
