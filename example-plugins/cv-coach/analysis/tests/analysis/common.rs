//! Helpers shared by the integration tests.
#![allow(dead_code)]

use cv_coach_analysis::{analyse, Analysis, AnalysisInput, Section};

/// Analyses `text` with the given desired keywords.
pub fn run(text: &str, keywords: &[&str]) -> Analysis {
    let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
    analyse(&AnalysisInput {
        cv_text: text,
        desired_keywords: &keywords,
    })
}

/// The finding codes of an analysis, in order.
pub fn codes(a: &Analysis) -> Vec<&'static str> {
    a.findings.iter().map(|f| f.code).collect()
}

/// Whether a section was found.
pub fn found(a: &Analysis, section: Section) -> bool {
    a.sections
        .iter()
        .find(|c| c.section == section)
        .map(|c| c.found)
        .expect("every section is reported")
}

/// `n` neutral filler words (no headings, numbers, verbs or weak phrases),
/// ten words per line.
pub fn filler(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "jeg", "holder", "af", "en", "travl", "hverdag", "sammen", "med", "gode", "kolleger",
    ];
    let mut s = String::new();
    for i in 0..n {
        s.push_str(WORDS[i % WORDS.len()]);
        s.push(if i % 10 == 9 { '\n' } else { ' ' });
    }
    s.push('\n');
    s
}

/// Every finding code the crate may emit.
pub const KNOWN_CODES: &[&str] = &[
    "empty-cv",
    "missing-section-profile",
    "missing-section-experience",
    "missing-section-education",
    "missing-section-skills",
    "missing-section-languages",
    "missing-section-it-skills",
    "missing-section-contact",
    "all-sections",
    "sections-found",
    "missing-email",
    "missing-phone",
    "contact-ok",
    "too-short",
    "rather-short",
    "length-good",
    "too-long",
    "no-quantified-results",
    "few-quantified-results",
    "quantified-results-good",
    "no-active-verbs",
    "few-active-verbs",
    "active-verbs-good",
    "weak-phrases",
    "missing-keyword",
    "keywords-matched",
    "keywords-good",
];
