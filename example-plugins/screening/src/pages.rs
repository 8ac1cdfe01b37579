//! The pages the citizen sees: the overview (decision, last screening, when the next is
//! due), one step of the questionnaire, and the result with every factor behind it.
//! Pure functions of their inputs, tested natively.

use std::collections::BTreeMap;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::screening::{ScreeningResult, Status, Track};

use crate::config::{Config, Step};
use crate::scoring::{track_meaning, AnswerProblem};

/// The main view's action that starts a new screening.
pub const START: &str = "start";
/// Continue a screening left half-way.
pub const RESUME: &str = "resume";
/// Back to the overview.
pub const HOME: &str = "home";
/// Prefix of a step's form action: `answer/<step index>`.
pub const ANSWER: &str = "answer/";
/// Prefix of a step's back button: `back/<step index>`.
pub const BACK: &str = "back/";

/// That a screening only advises.
pub fn advice(ctx: &Context) -> &'static str {
    ctx.t(
        "Screeningen er et forslag, ikke en afgørelse. Din sagsbehandler i jobcentret ser dine svar og begrundelserne, taler med dig og beslutter, hvilken indsats du får. Du kan altid booke en personlig samtale.",
        "The screening is a suggestion, not a decision. Your caseworker at the jobcentre sees your answers and the reasons, talks with you and decides which support you get. You can always book a personal conversation.",
    )
}

/// A date as the citizen reads it: 05.01.2026.
pub fn date(ms: i64) -> String {
    let (y, m, d) = jobunivers_sdk::civil_from_days(ms.div_euclid(86_400_000));
    format!("{d:02}.{m:02}.{y}")
}

fn track_name(ctx: &Context, t: Track) -> String {
    t.label().get(ctx.locale).to_owned()
}

/// Where the citizen's status stands, as the overview shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// Read.
    Status(Status),
    /// The citizen has not allowed the block to keep screenings.
    NoConsent,
    /// The municipality has not granted the block the screening capability.
    Off,
    /// The host could not answer (the citizen may still screen).
    Unavailable,
}

/// The overview.
pub fn overview(ctx: &Context, known: &Known, has_draft: bool) -> Page {
    let mut page = Page::new()
        .title(ctx.t(
            "Screening: hvilken hjælp passer til dig?",
            "Screening: which help suits you?",
        ))
        .lead(ctx.t(
            "Svar på nogle korte spørgsmål om din jobsøgning, digitale værktøjer, hvilken hjælp du ønsker, og hvad der kan gøre det svært. Du ser bagefter forslaget og alt, hvad det bygger på.",
            "Answer a few short questions about your job search, digital tools, what help you want and what can make it hard. Afterwards you see the suggestion and everything it rests on.",
        ));
    let status = match known {
        Known::NoConsent => {
            return page
                .alert(
                    Alert::info(ctx.t(
                        "For at gemme din screening, så din sagsbehandler kan se den, skal du give samtykke til »screening« under Mine data. Du kan trække samtykket tilbage igen.",
                        "To keep your screening so your caseworker can see it, consent to “screening” under My data. You can withdraw the consent again.",
                    ))
                    .title(ctx.t("Samtykke mangler", "Consent needed")),
                )
                .muted(advice(ctx));
        }
        Known::Off => {
            return page
                .alert(Alert::info(ctx.t(
                    "Screeningen er ikke slået til i din kommune endnu. Kontakt dit jobcenter, hvis du vil tale om, hvilken hjælp der passer til dig.",
                    "The screening is not switched on in your municipality yet. Contact your jobcentre if you want to talk about which help suits you.",
                )))
                .muted(advice(ctx));
        }
        Known::Unavailable => {
            page = page.alert(Alert::warning(ctx.t(
                "Vi kan ikke hente dine tidligere screeninger lige nu. Du kan stadig tage en ny.",
                "Your earlier screenings cannot be fetched right now. You can still take a new one.",
            )));
            Status::default()
        }
        Known::Status(s) => s.clone(),
    };
    if let Some(d) = &status.decision {
        let mut card = Card::new(ctx.t(
            "Din sagsbehandlers beslutning",
            "Your caseworker's decision",
        ))
        .subtitle(format!(
            "{} {}",
            ctx.t("Besluttet", "Decided"),
            date(d.decided_ms)
        ))
        .text(format!(
            "{}: {}",
            ctx.t("Indsats", "Support"),
            track_name(ctx, d.track)
        ))
        .text(track_meaning(d.track).get(ctx.locale).to_owned())
        .text(format!("{}: {}", ctx.t("Begrundelse", "Reason"), d.reason));
        if d.overrides {
            card = card.muted(ctx.t(
                "Din sagsbehandler har valgt en anden indsats end screeningens forslag.",
                "Your caseworker chose another support than the screening suggested.",
            ));
        }
        page = page.card(card);
    } else if status.last_ms.is_some() {
        page = page.alert(Alert::info(ctx.t(
            "Din sagsbehandler har endnu ikke taget stilling til din screening.",
            "Your caseworker has not yet decided on your screening.",
        )));
    }
    if let (Some(at), Some(t)) = (status.last_ms, status.last_suggested) {
        page = page.card(
            Card::new(ctx.t("Din seneste screening", "Your latest screening"))
                .subtitle(date(at))
                .text(format!(
                    "{}: {}",
                    ctx.t("Forslag", "Suggestion"),
                    track_name(ctx, t)
                )),
        );
    }
    if status.due(ctx.now_ms) {
        let text = if status.last_ms.is_some() {
            ctx.t(
                "Det er tid til en ny screening.",
                "It is time for a new screening.",
            )
        } else {
            ctx.t(
                "Du er inviteret til din første screening.",
                "You are invited to your first screening.",
            )
        };
        page = page
            .alert(Alert::info(text))
            .button(ctx.t("Start screening", "Start screening"), START);
    } else {
        let due = status.next_due_ms.map(date).unwrap_or_default();
        page = page
            .text(format!(
                "{} {due}. {}",
                ctx.t("Din næste screening er", "Your next screening is on"),
                ctx.t(
                    "Du kan også tage den nu, hvis din situation har ændret sig.",
                    "You can also take it now if your situation has changed.",
                )
            ))
            .push(
                Button::new(ctx.t("Tag screeningen nu", "Take the screening now"), START)
                    .secondary(),
            );
    }
    if has_draft {
        page = page.push(
            Button::new(
                ctx.t("Fortsæt, hvor du slap", "Continue where you left off"),
                RESUME,
            )
            .secondary(),
        );
    }
    page.muted(advice(ctx))
}

/// One step of the questionnaire, with what was answered before and any errors.
pub fn step(
    ctx: &Context,
    config: &Config,
    index: usize,
    answers: &BTreeMap<String, String>,
    errors: &[(String, AnswerProblem)],
) -> Page {
    let steps = config.steps.len();
    let s: &Step = &config.steps[index];
    let mut page = Page::new()
        .title(ctx.t("Screening", "Screening"))
        .progress(
            format!(
                "{} {} {} {steps}",
                ctx.t("Trin", "Step"),
                index + 1,
                ctx.t("af", "of")
            ),
            index as u32 + 1,
            steps as u32,
        )
        .heading(2, s.title.get(ctx.locale));
    if let Some(intro) = &s.intro {
        page = page.text(intro.get(ctx.locale));
    }
    if !errors.is_empty() {
        page = page.alert(Alert::error(ctx.t(
            "Svar på alle spørgsmålene for at gå videre.",
            "Answer every question to go on.",
        )));
    }
    let submit = if index + 1 == steps {
        ctx.t("Se forslaget", "See the suggestion")
    } else {
        ctx.t("Næste", "Next")
    };
    let mut form = Form::new(format!("{ANSWER}{index}"), submit);
    for q in &s.questions {
        let choices = q
            .options
            .iter()
            .map(|o| Choice::new(&o.value, o.label.get(ctx.locale)))
            .collect();
        let mut field = Field::radio(&q.id, q.text.get(ctx.locale), choices).required();
        if let Some(v) = answers.get(&q.id) {
            if q.options.iter().any(|o| &o.value == v) {
                field = field.value(v);
            }
        }
        if let Some(h) = &q.hint {
            field = field.hint(h.get(ctx.locale));
        }
        if let Some((_, p)) = errors.iter().find(|(id, _)| id == &q.id) {
            field = field.error(match p {
                AnswerProblem::Missing => ctx.t("Vælg et svar.", "Choose an answer."),
                AnswerProblem::Unknown(_) => ctx.t(
                    "Vælg et af svarene på listen.",
                    "Choose one of the answers listed.",
                ),
            });
        }
        form = form.field(field);
    }
    page = page.form(form);
    if index > 0 {
        page =
            page.push(Button::new(ctx.t("Tilbage", "Back"), format!("{BACK}{index}")).secondary());
    }
    page.muted(ctx.t(
        "Dine svar gemmes undervejs, så du kan fortsætte senere.",
        "Your answers are kept as you go, so you can continue later.",
    ))
}

/// The result: the suggestion, what it rests on, every answer, and that it is advice.
/// `kept` says whether the host kept it (else the citizen is told it was not saved).
pub fn result(ctx: &Context, r: &ScreeningResult, config: &Config, kept: Result<(), &str>) -> Page {
    let mut page = Page::new().title(ctx.t("Dit forslag", "Your suggestion"));
    page = match kept {
        Ok(()) => page.alert(Alert::success(ctx.t(
            "Tak. Dine svar er gemt, og din sagsbehandler kan se dem.",
            "Thank you. Your answers are saved, and your caseworker can see them.",
        ))),
        Err(why) => page.alert(
            Alert::warning(why.to_owned())
                .title(ctx.t("Dine svar blev ikke gemt", "Your answers were not saved")),
        ),
    };
    let t = config.thresholds;
    page.heading(
        2,
        format!(
            "{}: {}",
            ctx.t("Forslag", "Suggestion"),
            track_name(ctx, r.suggested)
        ),
    )
    .lead(track_meaning(r.suggested).get(ctx.locale))
    .heading(
        3,
        ctx.t("Det bygger forslaget på", "What the suggestion rests on"),
    )
    .list(r.reasons.iter().map(|x| x.get(ctx.locale).to_owned()))
    .heading(3, ctx.t("Alle dine svar", "All your answers"))
    .list(r.answers.iter().map(|a| {
        format!(
            "{} – {} ({:+} {})",
            a.question.get(ctx.locale),
            a.answer.get(ctx.locale),
            a.contribution,
            ctx.t("point", "points")
        )
    }))
    .text(format!(
        "{} {} {}. {} {}, {} {}.",
        ctx.t("I alt", "In total"),
        r.score,
        ctx.t("point", "points"),
        ctx.t("Blandet fra", "Mixed from"),
        t.mixed,
        ctx.t("personlig indsats fra", "personal effort from"),
        t.personal_effort
    ))
    .alert(Alert::info(advice(ctx)).title(ctx.t(
        "Et forslag, ikke en afgørelse",
        "A suggestion, not a decision",
    )))
    .button(
        ctx.t("Tilbage til oversigten", "Back to the overview"),
        HOME,
    )
}

/// The configuration cannot be used; the vendor's log names why.
pub fn misconfigured(ctx: &Context) -> Page {
    Page::new()
        .title(ctx.t("Screening", "Screening"))
        .alert(Alert::warning(ctx.t(
            "Screeningen er ikke sat rigtigt op af kommunen endnu. Prøv igen senere, eller kontakt dit jobcenter.",
            "The municipality has not set up the screening correctly yet. Try again later, or contact your jobcentre.",
        )))
}
