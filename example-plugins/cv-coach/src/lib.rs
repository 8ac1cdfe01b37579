//! CV-coach: the citizen pastes their CV (or uses the one in their profile) and gets a
//! score with concrete, kind advice on what a Danish employer expects. The analysis is
//! the plain-Rust library `cv-coach-analysis`; this crate is only the block around it,
//! written against `jobunivers-sdk` alone.

use cv_coach_analysis::{analyse, Analysis, AnalysisInput, Severity};
use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{activity, profile, storage};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The longest CV accepted, in characters (about 20 pages).
pub const MAX_CV_CHARS: usize = 50_000;

const LAST_KEY: &str = "last-analysis";

/// The installation's configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// Show the score (some jobcentres prefer advice only).
    #[serde(default = "yes")]
    pub show_score: bool,
    /// Keywords the jobcentre wants every CV checked for, besides the citizen's desired jobs.
    #[serde(default)]
    pub extra_keywords: Vec<String>,
}

fn yes() -> bool {
    true
}

/// What the block remembers about the last analysis.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Remembered {
    /// When (Unix ms).
    pub at_ms: i64,
    /// Score 0-100.
    pub score: u8,
    /// Words in the CV.
    pub words: usize,
    /// Advice (da, en, important?).
    pub advice: Vec<(String, String, bool)>,
    /// What was good (da, en).
    pub good: Vec<(String, String)>,
    /// Sections (label da, label en, found).
    pub sections: Vec<(String, String, bool)>,
    /// Keywords found.
    pub matched: Vec<String>,
    /// Keywords missing.
    pub missing: Vec<String>,
}

impl Remembered {
    /// Keep what the citizen needs to see again from an analysis.
    pub fn from_analysis(a: &Analysis, at_ms: i64) -> Self {
        use cv_coach_analysis::Locale as L;
        Self {
            at_ms,
            score: a.score,
            words: a.word_count,
            advice: a
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Good)
                .map(|f| {
                    (
                        f.da.clone(),
                        f.en.clone(),
                        f.severity == Severity::Important,
                    )
                })
                .collect(),
            good: a
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Good)
                .map(|f| (f.da.clone(), f.en.clone()))
                .collect(),
            sections: a
                .sections
                .iter()
                .map(|s| {
                    (
                        s.section.label(L::Da).to_owned(),
                        s.section.label(L::En).to_owned(),
                        s.found,
                    )
                })
                .collect(),
            matched: a.matched_keywords.clone(),
            missing: a.missing_keywords.clone(),
        }
    }
}

/// The CV-coach block.
pub struct CvCoach;

fn pick<'a>(ctx: &Context, pair: &'a (String, String)) -> &'a str {
    ctx.t(&pair.0, &pair.1)
}

/// The form to paste a CV into; `error` goes next to the field.
fn cv_form(ctx: &Context, value: Option<&str>, error: Option<String>) -> Form {
    let mut field = Field::multiline("cv", ctx.t("Dit CV", "Your CV"))
        .required()
        .max_length(MAX_CV_CHARS as u32)
        .hint(ctx.t(
            "Kopiér teksten fra dit CV og sæt den ind her. Vi gemmer kun resultatet.",
            "Copy the text of your CV and paste it here. We only keep the result.",
        ));
    if let Some(v) = value {
        field = field.value(v);
    }
    if let Some(e) = error {
        field = field.error(e);
    }
    Form::new("analyse", ctx.t("Analysér mit CV", "Analyse my CV")).field(field)
}

/// The page showing an analysis.
pub fn result_page(ctx: &Context, config: &Config, r: &Remembered) -> Page {
    let mut page = Page::new().title(ctx.t("CV-coach", "CV coach"));
    if config.show_score {
        page = page.progress(
            ctx.t("Dit CV's point", "Your CV's score"),
            u32::from(r.score),
            100,
        );
    }
    let sections = r
        .sections
        .iter()
        .map(|(da, en, found)| format!("{} {}", if *found { "✓" } else { "✗" }, ctx.t(da, en)));
    page = page.card(
        Card::new(ctx.t("Afsnit i dit CV", "Sections of your CV"))
            .list(sections.collect::<Vec<_>>()),
    );
    if !r.advice.is_empty() {
        let mut card = Card::new(ctx.t("Gode råd", "Advice"));
        for (da, en, important) in &r.advice {
            card = if *important {
                card.alert(Alert::warning(ctx.t(da, en)))
            } else {
                card.text(ctx.t(da, en))
            };
        }
        page = page.card(card);
    }
    if !r.good.is_empty() {
        let good: Vec<&str> = r.good.iter().map(|g| pick(ctx, g)).collect();
        page = page.card(Card::new(ctx.t("Det gør du godt", "What you do well")).list(good));
    }
    if !r.missing.is_empty() {
        page = page.alert(
            Alert::info(format!(
                "{} {}",
                ctx.t("Overvej at nævne:", "Consider mentioning:"),
                r.missing.join(", ")
            ))
            .title(ctx.t("Ord fra dine jobønsker", "Words from your job wishes")),
        );
    }
    page.muted(format!("{} {}", r.words, ctx.t("ord", "words")))
        .form(cv_form(ctx, None, None))
        .push(Button::new(ctx.t("Glem min analyse", "Forget my analysis"), "forget").secondary())
}

fn desired_keywords(config: &Config, profile: Option<&profile::CitizenProfile>) -> Vec<String> {
    let mut words = config.extra_keywords.clone();
    if let Some(occupations) = profile.and_then(|p| p.desired_occupations.as_ref()) {
        words.extend(occupations.iter().map(|o| o.label.to_lowercase()));
    }
    words.sort();
    words.dedup();
    words
}

fn run_analysis(ctx: &Context, config: &Config, cv: &str) -> Result<Page, BlockError> {
    // The profile is optional: without consent the analysis just skips job keywords.
    let profile = profile::get().ok();
    let keywords = desired_keywords(config, profile.as_ref());
    let analysis = analyse(&AnalysisInput {
        cv_text: cv,
        desired_keywords: &keywords,
    });
    let remembered = Remembered::from_analysis(&analysis, ctx.now_ms);
    storage::set_json(LAST_KEY, &remembered)?;
    // Recording the review is best effort: the citizen still gets the advice if the
    // municipality has not granted activity recording.
    let _ = activity::record(
        "cv-review",
        &format!(
            "{} {}",
            ctx.t("CV gennemgået:", "CV reviewed:"),
            analysis.score
        ),
        &json!({"score": analysis.score, "words": analysis.word_count, "advice": remembered.advice.len()}),
        None,
    );
    Ok(result_page(ctx, config, &remembered))
}

/// Check the pasted CV; `Err` is the message for the field.
pub fn validate_cv(ctx: &Context, cv: Option<&str>) -> Result<String, String> {
    match cv {
        None => Err(ctx
            .t(
                "Indsæt teksten fra dit CV for at få en analyse.",
                "Paste the text of your CV to get an analysis.",
            )
            .to_owned()),
        Some(cv) if cv.chars().count() > MAX_CV_CHARS => Err(format!(
            "{} {MAX_CV_CHARS} {}",
            ctx.t(
                "Dit CV er for langt. Der er plads til",
                "Your CV is too long. There is room for"
            ),
            ctx.t("tegn.", "characters.")
        )),
        Some(cv) => Ok(cv.to_owned()),
    }
}

impl Block for CvCoach {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.cv-coach", "1.0.0", Category::Cv)
            .name("CV-coach", "CV coach")
            .description(
                "Få konkrete råd om dit CV: afsnit, længde, resultater, aktive verber, kontaktoplysninger og ord fra dine jobønsker.",
                "Get concrete advice on your CV: sections, length, results, active verbs, contact details and words from your job wishes.",
            )
            .capability(Capability::Storage, "Husker din seneste analyse, så du kan se den igen.", "Remembers your latest analysis so you can see it again.")
            .capability(Capability::ProfileCv, "Kan analysere det CV, der ligger i din profil, hvis du vil.", "Can analyse the CV in your profile if you want it to.")
            .capability(Capability::ProfileOccupations, "Tjekker, om dit CV nævner de job, du søger.", "Checks whether your CV mentions the jobs you are looking for.")
            .capability(Capability::Activity, "Viser din jobkonsulent, at du har fået dit CV gennemgået.", "Shows your caseworker that you have had your CV reviewed.")
            .config_schema(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "show_score": {"type": "boolean", "title": "Vis point", "description": "Vis borgeren et samlet pointtal (0-100)."},
                    "extra_keywords": {
                        "type": "array",
                        "title": "Ekstra nøgleord",
                        "description": "Ord som jobcentret vil have, at alle CV'er tjekkes for.",
                        "items": {"type": "string", "minLength": 1, "maxLength": 60},
                        "maxItems": 30
                    }
                }
            }))
            .default_config(json!({"show_score": true, "extra_keywords": []}))
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        if !ctx.view.is_empty() {
            return Err(BlockError::unknown_view(&ctx.view));
        }
        if let Some(last) = storage::get_json::<Remembered>(LAST_KEY)? {
            return Ok(result_page(ctx, &config, &last));
        }
        let mut page = Page::new()
            .title(ctx.t("CV-coach", "CV coach"))
            .lead(ctx.t(
                "Et godt CV er kort, konkret og viser, hvad du kan. Sæt dit CV ind, så får du råd om, hvad du kan gøre bedre.",
                "A good CV is short, concrete and shows what you can do. Paste your CV and get advice on what to improve.",
            ));
        if profile::get().ok().and_then(|p| p.cv_text).is_some() {
            page = page.push(Button::new(
                ctx.t("Brug CV'et fra min profil", "Use the CV from my profile"),
                "analyse-profile",
            ));
        }
        Ok(page.form(cv_form(ctx, None, None)))
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let config: Config = ctx.config()?;
        match action.id.as_str() {
            "analyse" => match validate_cv(ctx, action.field("cv")) {
                Ok(cv) => run_analysis(ctx, &config, &cv),
                Err(message) => Ok(Page::new()
                    .title(ctx.t("CV-coach", "CV coach"))
                    .form(cv_form(ctx, action.field("cv"), Some(message)))),
            },
            "analyse-profile" => {
                let cv = profile::get()?.cv_text.ok_or_else(|| {
                    BlockError::Failed("the profile has no CV text this block may read".into())
                })?;
                run_analysis(ctx, &config, &cv)
            }
            "forget" => {
                storage::delete(LAST_KEY)?;
                Self::render(ctx)
            }
            other => Err(BlockError::unknown_action(other)),
        }
    }
}

jobunivers_sdk::export_block!(CvCoach);

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(locale: Locale) -> Context {
        Context::for_test(locale, r#"{"show_score": true}"#)
    }

    #[test]
    fn empty_and_oversized_cvs_get_a_field_message_in_the_citizens_language() {
        assert!(validate_cv(&ctx(Locale::Da), None)
            .unwrap_err()
            .starts_with("Indsæt"));
        assert!(validate_cv(&ctx(Locale::En), None)
            .unwrap_err()
            .starts_with("Paste"));
        let long = "a".repeat(MAX_CV_CHARS + 1);
        assert!(validate_cv(&ctx(Locale::Da), Some(&long))
            .unwrap_err()
            .contains("for langt"));
        assert_eq!(
            validate_cv(&ctx(Locale::Da), Some("Profil")).unwrap(),
            "Profil"
        );
    }

    #[test]
    fn the_result_page_shows_score_sections_and_advice() {
        let analysis = analyse(&AnalysisInput {
            cv_text: cv_coach_analysis::SAMPLE_CV_DA,
            desired_keywords: &["lagerkoordinator".to_owned(), "kranfører".to_owned()],
        });
        let r = Remembered::from_analysis(&analysis, 0);
        let config = Config {
            show_score: true,
            extra_keywords: vec![],
        };
        let page = result_page(&ctx(Locale::Da), &config, &r);
        assert!(page
            .elements
            .iter()
            .any(|e| matches!(e, Element::Progress(p) if p.value == u32::from(r.score))));
        assert!(r.missing.contains(&"kranfører".to_owned()));
        let hidden = result_page(
            &ctx(Locale::Da),
            &Config {
                show_score: false,
                extra_keywords: vec![],
            },
            &r,
        );
        assert!(!hidden
            .elements
            .iter()
            .any(|e| matches!(e, Element::Progress(_))));
    }

    #[test]
    fn the_config_schema_accepts_the_default_config() {
        let m = CvCoach::manifest();
        let config: Config = serde_json::from_value(m.default_config).unwrap();
        assert!(config.show_score);
        assert_eq!(m.config_schema["additionalProperties"], json!(false));
    }
}
