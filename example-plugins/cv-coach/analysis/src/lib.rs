//! # cv-coach-analysis
//!
//! The analysis engine of the Danish **CV-coach**, used by job-ready
//! unemployed citizens to improve their CV. It checks a CV (Danish or
//! English) against Danish CV conventions and returns a score from 0 to 100
//! with concrete, kind advice in both Danish and English.
//!
//! The crate is plain Rust with no dependencies, no I/O, clock, randomness
//! or threads, so it behaves identically natively and on
//! `wasm32-wasip2`, and the same input always gives the same output.
//!
//! What is checked:
//! * expected **sections**, found by headings ([`Section`]);
//! * **length** (too short below 150 words, good at about 1-2 pages,
//!   too long above 800 words ≈ 2 pages);
//! * **quantified results** (numbers with %, kr., units, "øgede", "reduced" ...);
//! * **active verbs** versus **weak/passive phrases**;
//! * **contact details**: e-mail and Danish phone numbers;
//! * the citizen's **desired keywords**, tolerating simple inflection.
//!
//! The [`score`] module documents the weights.
//!
//! ```
//! use cv_coach_analysis::{analyse, AnalysisInput, Locale, SAMPLE_CV_DA};
//!
//! let keywords = vec!["lagerkoordinator".to_string(), "truckcertifikat".to_string()];
//! let analysis = analyse(&AnalysisInput { cv_text: SAMPLE_CV_DA, desired_keywords: &keywords });
//! assert!(analysis.score > 70);
//! assert!(analysis.has_email && analysis.has_phone);
//! for finding in &analysis.findings {
//!     println!("[{}] {}", finding.code, finding.text(Locale::Da));
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod contact;
mod findings;
mod keywords;
mod language;
mod sample;
pub mod score;
mod sections;
mod text;

pub use sample::SAMPLE_CV_DA;
pub use score::ScoreBreakdown;
pub use sections::Section;

/// Language of texts shown to the citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Danish.
    Da,
    /// English.
    En,
}

/// Input to [`analyse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisInput<'a> {
    /// The plain text of the CV (Danish or English), one heading or entry per line.
    pub cv_text: &'a str,
    /// Keywords/titles of the citizen's desired occupations and skills (may be empty), e.g. ["lagermedarbejder", "truckcertifikat"].
    pub desired_keywords: &'a [String],
}

/// Result of [`analyse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Overall score, 0..=100; see [`Analysis::score_breakdown`] and [`score`].
    pub score: u8,
    /// Number of words (whitespace-separated chunks containing a letter or digit).
    pub word_count: usize,
    /// Estimated number of pages, about 400 words per page.
    pub estimated_pages: f32,
    /// One check per expected section (in [`Section::ALL`] order), found or not.
    pub sections: Vec<SectionCheck>,
    /// Concrete, kind advice, ordered most important first.
    pub findings: Vec<Finding>,
    /// Number of sentences/lines with concrete, quantified results.
    pub quantified_results: usize,
    /// Number of active verbs ("ledede", "udviklede", "led", "built" ...).
    pub active_verbs: usize,
    /// Number of weak or passive phrases ("var med til", "diverse opgaver",
    /// "responsible for", "blev bedt om" ...).
    pub passive_or_weak_phrases: usize,
    /// An e-mail address was found.
    pub has_email: bool,
    /// A Danish phone number was found.
    pub has_phone: bool,
    /// Desired keywords found in the CV (as given, trimmed, in input order).
    pub matched_keywords: Vec<String>,
    /// Desired keywords not found in the CV (as given, trimmed, in input order).
    pub missing_keywords: Vec<String>,
}

/// Whether one expected section was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SectionCheck {
    /// The section.
    pub section: Section,
    /// `true` when a heading for it was found (for [`Section::Contact`] also
    /// when an e-mail address or phone number is present).
    pub found: bool,
}

/// One piece of advice, in Danish and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    /// How important the advice is.
    pub severity: Severity,
    /// Stable machine-readable code, e.g. `"missing-section-experience"`,
    /// `"too-long"`, `"no-quantified-results"`, `"missing-keyword"`.
    pub code: &'static str,
    /// Danish text, prefixed with the severity ("Godt:", "Tip:", "Vigtigt:").
    pub da: String,
    /// English text, prefixed with the severity ("Good:", "Tip:", "Important:").
    pub en: String,
}

impl Finding {
    /// The text in the given locale.
    pub fn text(&self, locale: Locale) -> &str {
        match locale {
            Locale::Da => &self.da,
            Locale::En => &self.en,
        }
    }
}

/// Importance of a [`Finding`]; ordered `Good < Tip < Important`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Something the CV already does well.
    Good,
    /// A suggestion for improvement.
    Tip,
    /// An important improvement.
    Important,
}

impl Severity {
    /// Short label used as the prefix of finding texts.
    pub fn label(&self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Severity::Good, Locale::Da) => "Godt",
            (Severity::Good, Locale::En) => "Good",
            (Severity::Tip, _) => "Tip",
            (Severity::Important, Locale::Da) => "Vigtigt",
            (Severity::Important, Locale::En) => "Important",
        }
    }
}

/// Analyses a CV. Deterministic, never panics, linear in the text length.
///
/// The text is lower-cased once and processed line by line in a single
/// pass; see the crate docs for what is checked.
pub fn analyse(input: &AnalysisInput<'_>) -> Analysis {
    let lower = text::to_lower(input.cv_text);
    let mut matcher = keywords::KeywordMatcher::new(input.desired_keywords);
    let mut style = language::LanguageStats::default();
    let mut heading_mask = 0u8;
    let mut word_count = 0usize;
    let (mut has_email, mut has_phone) = (false, false);
    let mut tokens: Vec<text::Token<'_>> = Vec::with_capacity(64);
    let mut heading_buf = String::with_capacity(64);

    for raw in lower.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let scan = text::scan_line(line);
        word_count += scan.words;
        let line_email = scan.has_at && contact::line_has_email(line);
        let line_phone = scan.digits >= 8 && contact::line_has_phone(line);
        has_email |= line_email;
        has_phone |= line_phone;
        let body = match sections::detect_heading(line, &mut heading_buf) {
            Some(h) => {
                heading_mask |= h.mask;
                h.rest
            }
            None => line,
        };
        if body.is_empty() {
            continue;
        }
        tokens.clear();
        text::tokenize(body, &mut tokens);
        style.add_line(&tokens, !(line_email || line_phone));
        matcher.scan(&tokens);
    }

    let sections = Section::ALL
        .iter()
        .map(|&section| SectionCheck {
            section,
            found: heading_mask & section.bit() != 0
                || (section == Section::Contact && (has_email || has_phone)),
        })
        .collect();
    let (matched_keywords, missing_keywords) = matcher.into_lists();
    let mut analysis = Analysis {
        score: 0,
        word_count,
        estimated_pages: word_count as f32 / score::WORDS_PER_PAGE,
        sections,
        findings: Vec::new(),
        quantified_results: style.quantified,
        active_verbs: style.active_verbs,
        passive_or_weak_phrases: style.weak_phrases,
        has_email,
        has_phone,
        matched_keywords,
        missing_keywords,
    };
    analysis.score = score::breakdown(&analysis).total;
    analysis.findings = findings::build(&analysis, style.first_weak);
    analysis
}
