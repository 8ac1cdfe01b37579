//! Courses: short lessons for job-ready unemployed citizens, e.g. "Den gode ansøgning"
//! and "Jobsamtalen". Each lesson is a few short paragraphs and its key points, and ends
//! with a quiz of two to four multiple-choice questions with an explanation for every
//! answer. Passing the quiz completes the lesson: the progress is kept in storage and the
//! completed lesson is recorded as an activity the caseworker sees.
//!
//! The content is the installation's configuration (see `model.rs` and `schema.rs`), so
//! a municipality can edit the courses or write its own in an admin form; the block
//! ships two courses in Danish and English as the default.

pub mod model;
pub mod progress;
pub mod quiz;
pub mod route;
pub mod schema;
pub mod views;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{activity, log, storage};
use serde_json::json;

use model::{Config, Course};
use progress::{CourseProgress, Recorded};
use quiz::{Graded, Submission};
use route::{parse_answer_action, Route, CONTINUE};
use views::Outcome;

/// The kind of activity a completed lesson is recorded as.
pub const ACTIVITY_KIND: &str = "course-lesson";

/// The course block.
pub struct CourseBlock;

/// The courses that can be shown. Broken ones are left out and named in the vendor's log.
fn usable(config: &Config) -> Vec<&Course> {
    let (courses, problems) = model::usable_courses(config);
    for problem in problems.iter().take(20) {
        log::warn(&format!("left out of the course list: {problem}"));
    }
    courses
}

fn find<'a>(courses: &[&'a Course], id: &str) -> Option<&'a Course> {
    courses.iter().copied().find(|c| c.id == id)
}

/// The citizen's progress in a course; `Err` if storage is refused or unavailable. Data
/// that no longer parses counts as no progress (and is replaced on the next save).
fn load(course_id: &str) -> Result<CourseProgress, CapabilityError> {
    let key = progress::key(course_id);
    Ok(match storage::get(&key)? {
        None => CourseProgress::default(),
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            log::warn(&format!(
                "stored progress under '{key}' does not parse: {e}"
            ));
            CourseProgress::default()
        }),
    })
}

/// The progress, or none with a warning on the page when it cannot be loaded.
fn load_or_warn(ctx: &Context, course_id: &str) -> (CourseProgress, Option<Alert>) {
    match load(course_id) {
        Ok(p) => (p, None),
        Err(_) => (
            CourseProgress::default(),
            Some(views::progress_unavailable(ctx)),
        ),
    }
}

fn with_warning(mut page: Page, warning: Option<Alert>) -> Page {
    if let Some(alert) = warning {
        page.elements.insert(0, Element::Alert(alert));
    }
    page
}

fn render_route(ctx: &Context, config: &Config, route: Route) -> Page {
    let courses = usable(config);
    match route {
        Route::Courses => {
            let loaded: Vec<_> = courses.iter().map(|c| (*c, load(&c.id))).collect();
            let available = loaded.iter().all(|(_, p)| p.is_ok());
            let list: Vec<_> = loaded
                .into_iter()
                .map(|(c, p)| (c, p.unwrap_or_default()))
                .collect();
            views::course_list(ctx, &list, available)
        }
        Route::Course(c) => match find(&courses, &c) {
            Some(course) => {
                let (p, warning) = load_or_warn(ctx, &course.id);
                with_warning(views::course_overview(ctx, course, &p), warning)
            }
            None => views::not_found(ctx),
        },
        Route::Lesson(c, l) => match find(&courses, &c).and_then(|c| Some((c, c.lesson(&l)?))) {
            Some((course, (index, _))) => {
                let (p, warning) = load_or_warn(ctx, &course.id);
                let pct = model::pass_percent(config, course);
                with_warning(views::lesson_page(ctx, course, index, &p, pct), warning)
            }
            None => views::not_found(ctx),
        },
        Route::Quiz(c, l) => match find(&courses, &c).and_then(|c| Some((c, c.lesson(&l)?))) {
            Some((course, (_, lesson))) => {
                let pct = model::pass_percent(config, course);
                views::quiz_page(ctx, course, lesson, pct, &Default::default(), &[])
            }
            None => views::not_found(ctx),
        },
    }
}

/// "Continue": the first lesson not yet passed, or the overview when all are.
fn continue_course(ctx: &Context, config: &Config, course: &Course) -> Page {
    let (p, warning) = load_or_warn(ctx, &course.id);
    let page = match p.next(course) {
        Some((index, _)) => {
            let pct = model::pass_percent(config, course);
            views::lesson_page(ctx, course, index, &p, pct)
        }
        None => views::course_overview(ctx, course, &p),
    };
    with_warning(page, warning)
}

/// The summary of a completed lesson in the citizen's activities.
pub fn activity_summary(
    ctx: &Context,
    course: &Course,
    lesson: &model::Lesson,
    g: &Graded,
) -> String {
    let (course, lesson, c, t) = (
        course.title.get(ctx),
        lesson.title.get(ctx),
        g.correct,
        g.total,
    );
    ctx.t(
        &format!("Kursuslektion gennemført: {course} – {lesson} ({c} af {t} rigtige)"),
        &format!("Course lesson completed: {course} – {lesson} ({c} of {t} right)"),
    )
    .to_owned()
}

/// The structured details of a completed lesson, for the caseworker's systems.
pub fn activity_details(
    course: &Course,
    lesson: &model::Lesson,
    g: &Graded,
    pass_percent: u32,
    p: &CourseProgress,
) -> serde_json::Value {
    json!({
        "course": course.id,
        "lesson": lesson.id,
        "score": g.correct,
        "total": g.total,
        "pass_percent": pass_percent,
        "attempts": p.lessons.get(&lesson.id).map_or(1, |l| l.attempts),
        "course_title": course.title.da,
        "lesson_title": lesson.title.da,
        "course_completed": p.complete(course),
    })
}

/// Hand in a completed quiz: save the attempt, record a newly completed lesson as an
/// activity, and show the result.
fn hand_in(
    ctx: &Context,
    course: &Course,
    lesson: &model::Lesson,
    graded: &Graded,
    pct: u32,
) -> Page {
    let mut outcome = Outcome {
        recorded: Recorded {
            newly_passed: false,
            course_completed: false,
        },
        saved: false,
        activity_recorded: false,
    };
    let progress = match load(&course.id) {
        Ok(mut p) => {
            outcome.recorded = p.record(course, &lesson.id, graded, ctx.now_ms);
            outcome.saved = storage::set_json(&progress::key(&course.id), &p)
                .inspect_err(|e| log::warn(&format!("saving progress failed: {e}")))
                .is_ok();
            if outcome.recorded.newly_passed {
                // Best effort: the citizen keeps the result if the municipality has not
                // granted activity recording.
                outcome.activity_recorded = activity::record(
                    ACTIVITY_KIND,
                    &activity_summary(ctx, course, lesson, graded),
                    &activity_details(course, lesson, graded, pct, &p),
                    None,
                )
                .is_ok();
            }
            p
        }
        // Without the stored progress nothing is saved: a save could overwrite progress
        // that is only out of reach for the moment. The result is still shown.
        Err(_) => {
            let mut p = CourseProgress::default();
            p.record(course, &lesson.id, graded, ctx.now_ms);
            p
        }
    };
    views::result_page(ctx, course, lesson, graded, pct, &progress, outcome)
}

impl Block for CourseBlock {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.course", "1.0.0", Category::Course)
            .name("Kurser", "Courses")
            .description(
                "Korte kurser om jobsøgning, fx »Den gode ansøgning« og »Jobsamtalen«: lektioner i et letlæst sprog, hver med en lille quiz og forklaringer.",
                "Short courses on job seeking, e.g. “The good application” and “The job interview”: lessons in plain language, each with a short quiz and explanations.",
            )
            .capability(
                Capability::Storage,
                "Husker, hvilke lektioner du har gennemført, så du kan fortsætte, hvor du slap.",
                "Remembers which lessons you have completed, so you can continue where you left off.",
            )
            .capability(
                Capability::Activity,
                "Skriver de lektioner, du gennemfører, på din oversigt over aktiviteter, så din jobkonsulent kan se dem.",
                "Adds the lessons you complete to your activities, so your caseworker can see them.",
            )
            .config_schema(schema::config_schema())
            .default_config(model::default_config())
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        let route = Route::parse(&ctx.view).ok_or_else(|| BlockError::unknown_view(&ctx.view))?;
        Ok(render_route(ctx, &config, route))
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        let courses = usable(&config);
        if action.id == CONTINUE {
            let id = action
                .payload
                .as_deref()
                .ok_or_else(|| BlockError::BadRequest("continue needs the course id".into()))?;
            return Ok(match find(&courses, id) {
                Some(course) => continue_course(ctx, &config, course),
                None => views::not_found(ctx),
            });
        }
        let (c, l) = parse_answer_action(&action.id)
            .ok_or_else(|| BlockError::unknown_action(&action.id))?;
        let Some((course, (_, lesson))) = find(&courses, c).and_then(|c| Some((c, c.lesson(l)?)))
        else {
            return Ok(views::not_found(ctx));
        };
        let pct = model::pass_percent(&config, course);
        Ok(match quiz::grade(lesson, |id| action.field(id), pct) {
            Submission::Incomplete { chosen, missing } => {
                views::quiz_page(ctx, course, lesson, pct, &chosen, &missing)
            }
            Submission::Complete(graded) => hand_in(ctx, course, lesson, &graded, pct),
        })
    }
}

jobunivers_sdk::export_block!(CourseBlock);

#[cfg(test)]
mod tests;
