//! Screening: the citizen answers a short questionnaire in steps (job readiness, digital
//! confidence, wishes for support, barriers), and sees the track the answers suggest
//! (self-service, mixed or personal effort) with every factor behind it. The result is
//! reported to the host through the `screening` capability (contract 1.2), which keeps
//! it with its time for the citizen's caseworker. The block only advises: it says so
//! plainly, and it never sets a track; the caseworker decides, and the overview shows
//! the decision and its reason.
//!
//! The questions, answer options, weights and thresholds are the installation's
//! configuration (see `config.rs`); the scoring and the pages are plain functions tested
//! natively. Answers given so far are kept in storage, so a citizen can stop half-way.

#![recursion_limit = "256"]

pub mod config;
pub mod pages;
pub mod scoring;

use std::collections::BTreeMap;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{log, screening, storage};
use serde::{Deserialize, Serialize};

use config::Config;
use pages::{Known, ANSWER, BACK, HOME, RESUME, START};

/// The storage key of the answers given so far.
pub const DRAFT: &str = "draft";

/// The screening block.
pub struct ScreeningBlock;

/// Answers given so far, by question id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Question id → the chosen value.
    pub answers: BTreeMap<String, String>,
}

/// The configuration, or `None` (logged) when it cannot be used.
fn usable_config(ctx: &Context) -> Result<Option<Config>, BlockError> {
    let config: Config = ctx.config()?;
    let problems = config.problems();
    if problems.is_empty() {
        Ok(Some(config))
    } else {
        for p in problems.iter().take(20) {
            log::warn(&format!("the configuration cannot be used: {p}"));
        }
        Ok(None)
    }
}

fn load_draft() -> Option<Draft> {
    match storage::get(DRAFT) {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).ok(),
        _ => None,
    }
}

fn save_draft(d: &Draft) {
    if let Ok(bytes) = serde_json::to_vec(d) {
        if let Err(e) = storage::set(DRAFT, &bytes) {
            log::warn(&format!("the answers so far could not be kept: {e:?}"));
        }
    }
}

fn clear_draft() {
    let _ = storage::delete(DRAFT);
}

fn known() -> Known {
    match screening::status() {
        Ok(s) => Known::Status(s),
        Err(CapabilityError::NoConsent(_)) => Known::NoConsent,
        Err(CapabilityError::NotGranted(_) | CapabilityError::NotRequested(_)) => Known::Off,
        Err(e) => {
            log::warn(&format!("the screening status could not be read: {e:?}"));
            Known::Unavailable
        }
    }
}

/// The answers of one step from a submitted form: the values, and what is wrong.
pub fn read_step(
    config: &Config,
    index: usize,
    action: &Action,
) -> (
    BTreeMap<String, String>,
    Vec<(String, scoring::AnswerProblem)>,
) {
    let mut values = BTreeMap::new();
    let mut errors = Vec::new();
    for q in &config.steps[index].questions {
        let value = action.field(&q.id);
        match scoring::check_answer(q, value) {
            Ok(i) => {
                values.insert(q.id.clone(), q.options[i].value.clone());
            }
            Err(p) => errors.push((q.id.clone(), p)),
        }
    }
    (values, errors)
}

/// The first step with a question not answered in `draft`, if any.
pub fn first_open_step(config: &Config, draft: &Draft) -> Option<usize> {
    config.steps.iter().position(|s| {
        s.questions.iter().any(|q| {
            scoring::check_answer(q, draft.answers.get(&q.id).map(String::as_str)).is_err()
        })
    })
}

fn step_index(config: &Config, text: &str) -> Result<usize, BlockError> {
    text.parse::<usize>()
        .ok()
        .filter(|i| *i < config.steps.len())
        .ok_or_else(|| BlockError::BadRequest(format!("there is no step '{text}'")))
}

/// Score the complete answers, report them, and show the result.
fn finish(ctx: &Context, config: &Config, draft: &Draft) -> Page {
    match scoring::score(config, &draft.answers) {
        Err(_) => {
            // Answers were lost on the way (e.g. storage was cleared): ask again.
            let open = first_open_step(config, draft).unwrap_or(0);
            pages::step(ctx, config, open, &draft.answers, &[])
        }
        Ok(result) => {
            let kept = match screening::report(&result) {
                Ok(_) => {
                    clear_draft();
                    Ok(())
                }
                Err(CapabilityError::NoConsent(_)) => Err(ctx.t(
                    "Du har ikke givet samtykke til, at screeningen må gemmes. Giv samtykke under Mine data, og tag screeningen igen.",
                    "You have not consented to the screening being kept. Consent under My data, and take the screening again.",
                )),
                Err(e) => {
                    log::warn(&format!("the screening could not be reported: {e:?}"));
                    Err(ctx.t(
                        "Dine svar kunne ikke gemmes lige nu. Prøv igen om lidt; dine svar er husket.",
                        "Your answers could not be saved right now. Try again in a moment; your answers are remembered.",
                    ))
                }
            };
            pages::result(ctx, &result, config, kept)
        }
    }
}

impl Block for ScreeningBlock {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.screening", "1.0.0", Category::Screening)
            .name("Screening", "Screening")
            .description(
                "En kort screening af jobparathed, digitale færdigheder, ønsker til hjælp og barrierer. Borgeren ser forslaget til indsats (selvbetjening, blandet eller personlig indsats) og alt, hvad det bygger på; sagsbehandleren beslutter.",
                "A short screening of job readiness, digital skills, wishes for help and barriers. The citizen sees the suggested support (self-service, mixed or personal effort) and everything it rests on; the caseworker decides.",
            )
            .capability(
                Capability::Screening,
                "Gemmer dine svar og forslaget, så din sagsbehandler kan se dem og beslutte, hvilken indsats du får, og viser dig beslutningen og begrundelsen.",
                "Keeps your answers and the suggestion so your caseworker can see them and decide which support you get, and shows you the decision and its reason.",
            )
            .capability(
                Capability::Storage,
                "Husker dine svar undervejs, så du kan stoppe og fortsætte senere.",
                "Remembers your answers as you go, so you can stop and continue later.",
            )
            .config_schema(config::config_schema())
            .default_config(config::default_config())
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        if !ctx.view.is_empty() {
            return Err(BlockError::unknown_view(&ctx.view));
        }
        if usable_config(ctx)?.is_none() {
            return Ok(pages::misconfigured(ctx));
        }
        Ok(pages::overview(ctx, &known(), load_draft().is_some()))
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let Some(config) = usable_config(ctx)? else {
            return Ok(pages::misconfigured(ctx));
        };
        let id = action.id.as_str();
        if id == START {
            clear_draft();
            return Ok(pages::step(ctx, &config, 0, &BTreeMap::new(), &[]));
        }
        if id == RESUME {
            let draft = load_draft().unwrap_or_default();
            return Ok(match first_open_step(&config, &draft) {
                Some(i) => pages::step(ctx, &config, i, &draft.answers, &[]),
                None => finish(ctx, &config, &draft),
            });
        }
        if id == HOME {
            return Ok(pages::overview(ctx, &known(), load_draft().is_some()));
        }
        if let Some(n) = id.strip_prefix(BACK) {
            let i = step_index(&config, n)?;
            let draft = load_draft().unwrap_or_default();
            return Ok(pages::step(
                ctx,
                &config,
                i.saturating_sub(1),
                &draft.answers,
                &[],
            ));
        }
        if let Some(n) = id.strip_prefix(ANSWER) {
            let i = step_index(&config, n)?;
            let (values, errors) = read_step(&config, i, action);
            let mut draft = load_draft().unwrap_or_default();
            if !errors.is_empty() {
                // Keep what was chosen on the page, show what is missing.
                let mut shown = draft.answers.clone();
                shown.extend(values);
                return Ok(pages::step(ctx, &config, i, &shown, &errors));
            }
            draft.answers.extend(values);
            if i + 1 < config.steps.len() {
                save_draft(&draft);
                return Ok(pages::step(ctx, &config, i + 1, &draft.answers, &[]));
            }
            save_draft(&draft);
            return Ok(finish(ctx, &config, &draft));
        }
        Err(BlockError::unknown_action(id))
    }
}

jobunivers_sdk::export_block!(ScreeningBlock);

#[cfg(test)]
mod tests;
