//! The scoring: each answer's weight is added up, and the sum is read against the
//! thresholds. Every factor is kept so the citizen (and the caseworker) can see exactly
//! what the suggestion rests on. Pure functions, tested natively.

use std::collections::BTreeMap;

use jobunivers_sdk::screening::{Answer, Localized, ScreeningResult, Track};

use crate::config::{Config, Question, Thresholds};

/// The track a score points to.
pub fn track_for(score: i32, t: Thresholds) -> Track {
    if score >= t.personal_effort {
        Track::PersonalEffort
    } else if score >= t.mixed {
        Track::Mixed
    } else {
        Track::SelfService
    }
}

/// Why an answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    /// The question was not answered.
    Missing,
    /// The value is not one of the question's options.
    Unknown(String),
}

/// Check one question's answer; the option's index.
pub fn check_answer(q: &Question, value: Option<&str>) -> Result<usize, AnswerProblem> {
    let value = value.map(str::trim).filter(|v| !v.is_empty());
    let Some(value) = value else {
        return Err(AnswerProblem::Missing);
    };
    q.options
        .iter()
        .position(|o| o.value == value)
        .ok_or_else(|| AnswerProblem::Unknown(value.to_owned()))
}

/// Score a complete set of answers (question id → value). `Err` names every question
/// that is unanswered or answered with an unknown value.
pub fn score(
    config: &Config,
    answers: &BTreeMap<String, String>,
) -> Result<ScreeningResult, Vec<(String, AnswerProblem)>> {
    let mut problems = Vec::new();
    let mut factors: Vec<Answer> = Vec::new();
    let mut reasons_by_weight: Vec<(i32, usize, Localized)> = Vec::new();
    for q in config.questions() {
        match check_answer(q, answers.get(&q.id).map(String::as_str)) {
            Err(p) => problems.push((q.id.clone(), p)),
            Ok(i) => {
                let o = &q.options[i];
                if o.weight > 0 {
                    let reason = match &o.reason {
                        Some(r) => r.localized(),
                        None => Localized::new(
                            format!("Du svarede »{}« til »{}«.", o.label.da, q.text.da),
                            format!("You answered “{}” to “{}”.", o.label.en, q.text.en),
                        ),
                    };
                    reasons_by_weight.push((o.weight, factors.len(), reason));
                }
                factors.push(Answer {
                    question_id: q.id.clone(),
                    question: q.text.localized(),
                    answer: o.label.localized(),
                    value: o.value.clone(),
                    contribution: o.weight,
                });
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let total: i32 = factors.iter().map(|f| f.contribution).sum();
    let t = config.thresholds;
    let suggested = track_for(total, t);
    let summary = Localized::new(
        format!(
            "Dine svar giver {total} point. Under {} point foreslås selvbetjening, fra {} point blandet og fra {} point personlig indsats, så forslaget er {}.",
            t.mixed,
            t.mixed,
            t.personal_effort,
            suggested.label().da.to_lowercase()
        ),
        format!(
            "Your answers give {total} points. Below {} points self-service is suggested, from {} points mixed and from {} points personal effort, so the suggestion is {}.",
            t.mixed,
            t.mixed,
            t.personal_effort,
            suggested.label().en.to_lowercase()
        ),
    );
    // The weightiest answers first; equal weights in the order asked.
    reasons_by_weight.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut reasons = vec![summary];
    if reasons_by_weight.is_empty() {
        reasons.push(Localized::new(
            "Ingen af dine svar peger på, at du har brug for mere hjælp end de digitale tilbud.",
            "None of your answers points to a need for more help than the digital offers.",
        ));
    }
    reasons.extend(reasons_by_weight.into_iter().map(|(_, _, r)| r));
    Ok(ScreeningResult {
        suggested,
        score: total,
        reasons,
        answers: factors,
    })
}

/// What a track means, in plain words.
pub fn track_meaning(track: Track) -> Localized {
    match track {
        Track::SelfService => Localized::new(
            "Du klarer din jobsøgning med de digitale tilbud og kan altid bede om en samtale, når du har brug for det.",
            "You manage your job search with the digital offers and can always ask for a conversation when you need one.",
        ),
        Track::Mixed => Localized::new(
            "Digitale tilbud kombineret med samtaler med en jobkonsulent, når der er behov.",
            "Digital offers combined with conversations with a job consultant when needed.",
        ),
        Track::PersonalEffort => Localized::new(
            "Et personligt forløb med faste samtaler i jobcentret.",
            "A personal course with regular conversations at the jobcentre.",
        ),
    }
}
