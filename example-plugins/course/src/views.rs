//! The pages: the course list, a course's overview, a lesson, its quiz and the quiz's
//! result. Plain functions of the content and the progress, so they are tested natively.

use std::collections::BTreeMap;

use jobunivers_sdk::prelude::*;

use crate::model::{Course, Lesson};
use crate::progress::{CourseProgress, Recorded};
use crate::quiz::{needed, Graded};
use crate::route::{answer_action, Route, CONTINUE};

/// A text in the citizen's language with values filled in: `tf!(ctx, "da {x}", "en {x}")`.
macro_rules! tf {
    ($ctx:expr, $da:literal, $en:literal $(, $arg:expr)* $(,)?) => {
        $ctx.t(&format!($da $(, $arg)*), &format!($en $(, $arg)*)).to_owned()
    };
}

/// What happened when a completed quiz was handed in, besides the grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// What the attempt changed in the progress.
    pub recorded: Recorded,
    /// Whether the progress could be saved.
    pub saved: bool,
    /// Whether the completed lesson was recorded as an activity the caseworker sees.
    pub activity_recorded: bool,
}

fn course_view(course: &Course) -> String {
    Route::Course(course.id.clone()).view()
}

fn lesson_view(course: &Course, lesson: &Lesson) -> String {
    Route::Lesson(course.id.clone(), lesson.id.clone()).view()
}

fn quiz_view(course: &Course, lesson: &Lesson) -> String {
    Route::Quiz(course.id.clone(), lesson.id.clone()).view()
}

fn continue_button(label: &str, course: &Course) -> Button {
    Button::new(label, CONTINUE).payload(course.id.clone())
}

/// "4 lektioner · ca. 30 minutter".
fn course_facts(ctx: &Context, course: &Course) -> String {
    let n = course.lessons.len();
    let lessons = if n == 1 {
        ctx.t("1 lektion", "1 lesson").to_owned()
    } else {
        tf!(ctx, "{n} lektioner", "{n} lessons")
    };
    match course.minutes {
        Some(m) => tf!(
            ctx,
            "{lessons} · ca. {m} minutter",
            "{lessons} · about {m} minutes"
        ),
        None => lessons,
    }
}

fn lessons_done(ctx: &Context, done: usize, n: usize) -> String {
    tf!(
        ctx,
        "{done} af {n} lektioner gennemført",
        "{done} of {n} lessons completed"
    )
}

/// What the pass mark means for a quiz of `total` questions.
fn pass_rule(ctx: &Context, total: usize, pass_percent: u32) -> String {
    let need = needed(total as u32, pass_percent);
    if need as usize >= total {
        tf!(
            ctx,
            "Quizzen har {total} spørgsmål. Du skal have dem alle rigtige for at gennemføre lektionen.",
            "The quiz has {total} questions. Get them all right to complete the lesson."
        )
    } else {
        tf!(
            ctx,
            "Quizzen har {total} spørgsmål. Du skal have mindst {need} rigtige for at gennemføre lektionen.",
            "The quiz has {total} questions. Get at least {need} right to complete the lesson."
        )
    }
}

/// Shown when storage is refused or unavailable: the course still works, unsaved.
pub fn progress_unavailable(ctx: &Context) -> Alert {
    Alert::warning(ctx.t(
        "Vi kan ikke hente eller gemme, hvor langt du er nået, lige nu. Du kan stadig læse lektionerne og tage quizzerne.",
        "We cannot load or save how far you have come right now. You can still read the lessons and take the quizzes.",
    ))
}

/// The main view: every course with the citizen's progress in it.
pub fn course_list(
    ctx: &Context,
    courses: &[(&Course, CourseProgress)],
    progress_available: bool,
) -> Page {
    let mut page = Page::new().title(ctx.t("Kurser", "Courses")).lead(ctx.t(
        "Korte kurser, der gør dig klar til næste skridt i din jobsøgning. Hver lektion tager få minutter og slutter med en lille quiz. Vi husker, hvor langt du er nået, så du kan holde pause, når du vil.",
        "Short courses that get you ready for the next step in your job search. Each lesson takes a few minutes and ends with a short quiz. We remember how far you have come, so you can take a break whenever you like.",
    ));
    if !progress_available {
        page = page.alert(progress_unavailable(ctx));
    }
    if courses.is_empty() {
        return page.alert(Alert::info(ctx.t(
            "Der er ingen kurser lige nu. Kig forbi igen senere.",
            "There are no courses right now. Please come back later.",
        )));
    }
    for (course, p) in courses {
        let (done, n) = (p.done(course), course.lessons.len());
        let mut card = Card::new(course.title.get(ctx))
            .subtitle(course_facts(ctx, course))
            .text(course.summary.get(ctx))
            .progress(lessons_done(ctx, done, n), done as u32, n as u32);
        card = match p.next(course) {
            None => card
                .alert(Alert::success(ctx.t(
                    "Du har gennemført kurset. Godt gået!",
                    "You have completed the course. Well done!",
                )))
                .link_view(
                    ctx.t("Se kurset igen", "See the course again"),
                    course_view(course),
                ),
            Some((i, lesson)) => {
                let (next, label) = if p.started(course) {
                    (
                        ctx.t("Næste", "Next"),
                        ctx.t("Fortsæt kurset", "Continue the course"),
                    )
                } else {
                    (
                        ctx.t("Første", "First"),
                        ctx.t("Start kurset", "Start the course"),
                    )
                };
                let title = lesson.title.get(ctx);
                card.muted(tf!(
                    ctx,
                    "{next}: lektion {} – {title}",
                    "{next}: lesson {} – {title}",
                    i + 1
                ))
                .push(continue_button(label, course))
                .link_view(
                    ctx.t("Se alle lektioner", "See all lessons"),
                    course_view(course),
                )
            }
        };
        page = page.card(card);
    }
    page
}

/// A course's overview: its lessons, done or not, and where to continue.
pub fn course_overview(ctx: &Context, course: &Course, p: &CourseProgress) -> Page {
    let (done, n) = (p.done(course), course.lessons.len());
    let mut page = Page::new()
        .title(course.title.get(ctx))
        .lead(course.summary.get(ctx))
        .muted(course_facts(ctx, course))
        .progress(lessons_done(ctx, done, n), done as u32, n as u32);
    for (i, lesson) in course.lessons.iter().enumerate() {
        let status = match p.lessons.get(&lesson.id) {
            Some(l) if l.passed => {
                let (best, total) = (l.best, l.total);
                tf!(
                    ctx,
                    "✓ Gennemført – {best} af {total} rigtige",
                    "✓ Completed – {best} of {total} right"
                )
            }
            Some(_) => ctx
                .t(
                    "Quizzen er ikke bestået endnu",
                    "The quiz is not passed yet",
                )
                .to_owned(),
            None => ctx.t("Ikke gennemført", "Not completed").to_owned(),
        };
        let read = if p.passed(&lesson.id) {
            ctx.t("Læs lektionen igen", "Read the lesson again")
        } else {
            ctx.t("Læs lektionen", "Read the lesson")
        };
        page = page.card(
            Card::new(format!("{}. {}", i + 1, lesson.title.get(ctx)))
                .subtitle(status)
                .link_view(read, lesson_view(course, lesson)),
        );
    }
    page = match p.next(course) {
        None => page.alert(
            Alert::success(ctx.t(
                "Du har gennemført alle lektioner i kurset. Du kan altid læse dem igen.",
                "You have completed every lesson of the course. You can read them again at any time.",
            ))
            .title(ctx.t("Kurset er gennemført", "Course completed")),
        ),
        Some((i, _)) if p.started(course) => {
            let label = tf!(ctx, "Fortsæt med lektion {}", "Continue with lesson {}", i + 1);
            page.push(continue_button(&label, course))
        }
        Some(_) => page.push(continue_button(ctx.t("Start kurset", "Start the course"), course)),
    };
    page.link_view(ctx.t("Alle kurser", "All courses"), Route::Courses.view())
}

/// A lesson: its text, the key points and the way to its quiz.
pub fn lesson_page(
    ctx: &Context,
    course: &Course,
    index: usize,
    p: &CourseProgress,
    pass_percent: u32,
) -> Page {
    let lesson = &course.lessons[index];
    let n = course.lessons.len();
    let mut page = Page::new()
        .title(course.title.get(ctx))
        .muted(tf!(ctx, "Lektion {} af {n}", "Lesson {} of {n}", index + 1))
        .heading(1, lesson.title.get(ctx));
    for paragraph in &lesson.paragraphs {
        page = page.text(paragraph.get(ctx));
    }
    page = page.card(
        Card::new(ctx.t("Det vigtigste", "Key points")).list(
            lesson
                .key_points
                .iter()
                .map(|k| k.get(ctx))
                .collect::<Vec<_>>(),
        ),
    );
    page = page.heading(2, ctx.t("Quiz", "Quiz")).text(pass_rule(
        ctx,
        lesson.quiz.len(),
        pass_percent,
    ));
    if p.passed(&lesson.id) {
        page = page.alert(Alert::success(ctx.t(
            "Du har allerede bestået quizzen til denne lektion. Du er velkommen til at tage den igen.",
            "You have already passed this lesson's quiz. You are welcome to take it again.",
        )));
    }
    page.link_view(
        ctx.t("Tag quizzen", "Take the quiz"),
        quiz_view(course, lesson),
    )
    .link_view(
        ctx.t("Tilbage til kurset", "Back to the course"),
        course_view(course),
    )
}

/// A lesson's quiz. `chosen` (question id → choice id) refills a form sent back;
/// `missing` are the questions to put an error next to.
pub fn quiz_page(
    ctx: &Context,
    course: &Course,
    lesson: &Lesson,
    pass_percent: u32,
    chosen: &BTreeMap<String, String>,
    missing: &[String],
) -> Page {
    let mut page = Page::new()
        .title(course.title.get(ctx))
        .heading(1, tf!(ctx, "Quiz: {}", "Quiz: {}", lesson.title.get(ctx)))
        .text(pass_rule(ctx, lesson.quiz.len(), pass_percent))
        .muted(ctx.t(
            "Du kan tage quizzen så mange gange, du vil. Efter hvert svar får du en forklaring.",
            "You can take the quiz as many times as you like. You get an explanation for every answer.",
        ));
    if !missing.is_empty() {
        let m = missing.len();
        let text = if m == 1 {
            ctx.t(
                "Du mangler at svare på 1 spørgsmål. Vælg et svar, og send quizzen igen.",
                "You have 1 question left to answer. Choose an answer and send the quiz again.",
            )
            .to_owned()
        } else {
            tf!(
                ctx,
                "Du mangler at svare på {m} spørgsmål. Vælg et svar ved hvert af dem, og send quizzen igen.",
                "You have {m} questions left to answer. Choose an answer for each of them and send the quiz again."
            )
        };
        page = page.alert(Alert::error(text));
    }
    let mut form = Form::new(
        answer_action(&course.id, &lesson.id),
        ctx.t("Se mit resultat", "See my result"),
    );
    for (i, q) in lesson.quiz.iter().enumerate() {
        let choices = q
            .choices
            .iter()
            .map(|c| Choice::new(c.id.clone(), c.label.get(ctx)))
            .collect();
        let mut field = Field::radio(
            q.id.clone(),
            format!("{}. {}", i + 1, q.text.get(ctx)),
            choices,
        )
        .required();
        if let Some(value) = chosen.get(&q.id) {
            field = field.value(value.clone());
        }
        form = form.field(field);
    }
    for id in missing {
        form.set_error(id, ctx.t("Vælg et svar.", "Choose an answer."));
    }
    page.form(form).link_view(
        ctx.t("Tilbage til lektionen", "Back to the lesson"),
        lesson_view(course, lesson),
    )
}

/// The result of a handed-in quiz: score, feedback per answer, and what to do next.
/// `p` is the progress after the attempt.
pub fn result_page(
    ctx: &Context,
    course: &Course,
    lesson: &Lesson,
    graded: &Graded,
    pass_percent: u32,
    p: &CourseProgress,
    outcome: Outcome,
) -> Page {
    let (c, t) = (graded.correct, graded.total);
    let mut page = Page::new()
        .title(course.title.get(ctx))
        .heading(
            1,
            tf!(ctx, "Resultat: {}", "Result: {}", lesson.title.get(ctx)),
        )
        .progress(tf!(ctx, "{c} af {t} rigtige", "{c} of {t} right"), c, t);
    if graded.passed {
        page = page.alert(
            Alert::success(tf!(
                ctx,
                "Du havde {c} af {t} rigtige, og lektionen er gennemført.",
                "You got {c} of {t} right, and the lesson is completed."
            ))
            .title(ctx.t("Bestået!", "Passed!")),
        );
    } else {
        let need = needed(t, pass_percent);
        let mut text = tf!(
            ctx,
            "Du havde {c} af {t} rigtige, og der skal {need} til. Læs forklaringerne herunder, og prøv igen, når du er klar.",
            "You got {c} of {t} right, and {need} are needed. Read the explanations below and try again when you are ready."
        );
        if p.passed(&lesson.id) {
            text.push(' ');
            text.push_str(ctx.t(
                "Lektionen står stadig som gennemført fra tidligere.",
                "The lesson still counts as completed from before.",
            ));
        }
        page =
            page.alert(Alert::warning(text).title(ctx.t("Ikke bestået endnu", "Not passed yet")));
    }
    if outcome.recorded.course_completed {
        let title = course.title.get(ctx);
        page = page.alert(
            Alert::success(tf!(
                ctx,
                "Flot arbejde! Du har gennemført alle lektioner i »{title}«.",
                "Great work! You have completed every lesson of “{title}”."
            ))
            .title(ctx.t("Kurset er gennemført", "Course completed")),
        );
    }
    if !outcome.saved {
        page = page.alert(Alert::warning(ctx.t(
            "Vi kunne ikke gemme dit resultat lige nu, så det tæller ikke med i din oversigt. Prøv gerne igen senere.",
            "We could not save your result right now, so it does not count in your overview. Please try again later.",
        )));
    }
    for a in &graded.answers {
        let q = &lesson.quiz[a.question];
        let (Some(chosen), Some(right)) = (q.choice(&a.chosen), q.choice(&q.correct)) else {
            continue;
        };
        let mut card = Card::new(format!("{}. {}", a.question + 1, q.text.get(ctx)))
            .subtitle(if a.correct {
                ctx.t("✓ Rigtigt", "✓ Right")
            } else {
                ctx.t("✗ Ikke rigtigt", "✗ Not right")
            })
            .text(tf!(
                ctx,
                "Dit svar: {}",
                "Your answer: {}",
                chosen.label.get(ctx)
            ))
            .text(chosen.feedback.get(ctx));
        // The right answer is only revealed once the quiz is passed: until then the
        // explanation of the wrong choice points the way without giving it away.
        if !a.correct && graded.passed {
            card = card
                .text(tf!(
                    ctx,
                    "Det rigtige svar: {}",
                    "The right answer: {}",
                    right.label.get(ctx)
                ))
                .muted(right.feedback.get(ctx));
        }
        page = page.card(card);
    }
    if outcome.recorded.newly_passed && outcome.activity_recorded {
        page = page.muted(ctx.t(
            "Lektionen er skrevet på din oversigt over aktiviteter, så din jobkonsulent kan se den.",
            "The lesson has been added to your activities, so your caseworker can see it.",
        ));
    }
    if graded.passed {
        page = match p.next(course) {
            Some((i, _)) => page.push(continue_button(
                &tf!(
                    ctx,
                    "Fortsæt med lektion {}",
                    "Continue with lesson {}",
                    i + 1
                ),
                course,
            )),
            None => page.link_view(
                ctx.t("Se alle kurser", "See all courses"),
                Route::Courses.view(),
            ),
        };
    } else {
        page = page
            .link_view(
                ctx.t("Prøv quizzen igen", "Try the quiz again"),
                quiz_view(course, lesson),
            )
            .link_view(
                ctx.t("Læs lektionen igen", "Read the lesson again"),
                lesson_view(course, lesson),
            );
    }
    page.link_view(
        ctx.t("Tilbage til kurset", "Back to the course"),
        course_view(course),
    )
}

/// A course or lesson that is not (or no longer) offered, e.g. an old link.
pub fn not_found(ctx: &Context) -> Page {
    Page::new()
        .title(ctx.t("Kurser", "Courses"))
        .alert(Alert::info(ctx.t(
            "Vi kan ikke finde kurset eller lektionen. Måske er den blevet ændret eller fjernet.",
            "We cannot find the course or lesson. It may have been changed or removed.",
        )))
        .link_view(
            ctx.t("Se alle kurser", "See all courses"),
            Route::Courses.view(),
        )
}
