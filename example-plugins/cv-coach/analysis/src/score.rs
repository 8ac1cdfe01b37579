//! The overall score: a weighted, explainable sum of simple components.
//!
//! | Component     | Max | Rule                                                                 |
//! |---------------|----:|----------------------------------------------------------------------|
//! | Sections      |  35 | Profile 6, Experience 8, Education 6, Skills 5, Languages 3, IT skills 3, Contact 4 |
//! | Contact       |  10 | e-mail 5, phone 5                                                    |
//! | Length        |  15 | `15 * min(words, 300) / 300` up to 800 words; above 800 words −1 per full 100 words beyond 800, at most −10 |
//! | Quantified    |  15 | 5 per sentence with a concrete, quantified result, at most 3         |
//! | Language      |  10 | 1 per active verb (max 10) − 1 per weak phrase (max 5), not below 0   |
//! | Keywords      |  15 | `round(15 * matched / desired)`; only when keywords were given       |
//!
//! With desired keywords the total is the plain sum (max 100). Without
//! keywords that component does not apply and the other 85 points are
//! scaled to 100: `total = sum * 100 / 85` (rounded down).
//!
//! **Monotonicity.** Every component except length only grows when text is
//! added without weak phrases. Length loses at most one point per 100 added
//! words beyond 800, while every section is worth at least 3 points and
//! every contact detail 5 (plus the contact section when it was missing),
//! so adding a missing section (heading plus up to ~200 words of content
//! without weak phrases) or a contact detail never lowers the score.

use crate::{Analysis, Section};

/// Points for a found section.
pub const fn section_points(section: Section) -> u8 {
    match section {
        Section::Profile => 6,
        Section::Experience => 8,
        Section::Education => 6,
        Section::Skills => 5,
        Section::Languages => 3,
        Section::ItSkills => 3,
        Section::Contact => 4,
    }
}

/// Maximum points from sections (sum of [`section_points`]).
pub const SECTIONS_MAX: u8 = 35;
/// Points for an e-mail address.
pub const EMAIL_POINTS: u8 = 5;
/// Points for a phone number.
pub const PHONE_POINTS: u8 = 5;
/// Maximum points for length.
pub const LENGTH_MAX: u8 = 15;
/// Word count from which the full length points are given.
pub const FULL_LENGTH_WORDS: usize = 300;
/// Words per estimated page.
pub const WORDS_PER_PAGE: f32 = 400.0;
/// Below this many words the CV is "too short".
pub const TOO_SHORT_WORDS: usize = 150;
/// Above this many words (about 2 pages) the CV is "too long".
pub const MAX_GOOD_WORDS: usize = 800;
/// Above this many words (about 3 pages) "too long" becomes important.
pub const VERY_LONG_WORDS: usize = 1200;
/// Words beyond [`MAX_GOOD_WORDS`] per lost length point.
pub const WORDS_PER_LENGTH_PENALTY: usize = 100;
/// Most length points lost for being too long.
pub const MAX_LENGTH_PENALTY: u8 = 10;
/// Points per quantified result.
pub const POINTS_PER_QUANTIFIED: u8 = 5;
/// Maximum points for quantified results.
pub const QUANTIFIED_MAX: u8 = 15;
/// Maximum points for active verbs (one per occurrence).
pub const ACTIVE_VERBS_MAX: u8 = 10;
/// Maximum deduction for weak phrases (one per occurrence).
pub const WEAK_PHRASES_MAX_PENALTY: u8 = 5;
/// Maximum points for desired keywords.
pub const KEYWORDS_MAX: u8 = 15;

/// The score split into its components; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScoreBreakdown {
    /// Points for found sections (0..=35).
    pub sections: u8,
    /// Points for e-mail and phone (0..=10).
    pub contact: u8,
    /// Points for length (0..=15).
    pub length: u8,
    /// Points for quantified results (0..=15).
    pub quantified: u8,
    /// Points for active verbs minus weak phrases (0..=10).
    pub language: u8,
    /// Points for desired keywords (0..=15), `None` when none were given.
    pub keywords: Option<u8>,
    /// Overall score (0..=100).
    pub total: u8,
}

/// Length points for a word count (see the module docs).
pub fn length_points(words: usize) -> u8 {
    if words <= MAX_GOOD_WORDS {
        (usize::from(LENGTH_MAX) * words.min(FULL_LENGTH_WORDS) / FULL_LENGTH_WORDS) as u8
    } else {
        let penalty = ((words - MAX_GOOD_WORDS) / WORDS_PER_LENGTH_PENALTY)
            .min(usize::from(MAX_LENGTH_PENALTY)) as u8;
        LENGTH_MAX - penalty
    }
}

/// Computes the breakdown from the metrics of an analysis.
pub(crate) fn breakdown(a: &Analysis) -> ScoreBreakdown {
    let sections: u8 = a
        .sections
        .iter()
        .filter(|c| c.found)
        .map(|c| section_points(c.section))
        .sum();
    let contact =
        if a.has_email { EMAIL_POINTS } else { 0 } + if a.has_phone { PHONE_POINTS } else { 0 };
    let length = length_points(a.word_count);
    let quantified = (a
        .quantified_results
        .min(usize::from(QUANTIFIED_MAX / POINTS_PER_QUANTIFIED)) as u8)
        * POINTS_PER_QUANTIFIED;
    let active = a.active_verbs.min(usize::from(ACTIVE_VERBS_MAX)) as u8;
    let weak = a
        .passive_or_weak_phrases
        .min(usize::from(WEAK_PHRASES_MAX_PENALTY)) as u8;
    let language = active.saturating_sub(weak);
    let desired = a.matched_keywords.len() + a.missing_keywords.len();
    let keywords = (desired > 0).then(|| {
        ((usize::from(KEYWORDS_MAX) * a.matched_keywords.len() + desired / 2) / desired) as u8
    });
    let sum = u32::from(sections)
        + u32::from(contact)
        + u32::from(length)
        + u32::from(quantified)
        + u32::from(language);
    let total = match keywords {
        Some(k) => sum + u32::from(k),
        None => sum * 100 / (100 - u32::from(KEYWORDS_MAX)),
    };
    ScoreBreakdown {
        sections,
        contact,
        length,
        quantified,
        language,
        keywords,
        total: total.min(100) as u8,
    }
}

impl Analysis {
    /// The score split into its weighted components. Recomputed from the
    /// public metrics, so `self.score_breakdown().total == self.score`.
    pub fn score_breakdown(&self) -> ScoreBreakdown {
        breakdown(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_add_up() {
        let s: u8 = Section::ALL.iter().map(|&s| section_points(s)).sum();
        assert_eq!(s, SECTIONS_MAX);
        assert_eq!(
            SECTIONS_MAX
                + EMAIL_POINTS
                + PHONE_POINTS
                + LENGTH_MAX
                + QUANTIFIED_MAX
                + ACTIVE_VERBS_MAX
                + KEYWORDS_MAX,
            100
        );
        assert!(Section::ALL.iter().all(|&s| section_points(s) >= 3));
    }

    #[test]
    fn length_curve() {
        let cases = [
            (0, 0),
            (150, 7),
            (300, 15),
            (800, 15),
            (899, 15),
            (900, 14),
            (1200, 11),
            (5000, 5),
        ];
        for (words, points) in cases {
            assert_eq!(length_points(words), points, "{words} words");
        }
        // Never drops more than one point per 100 added words.
        for w in 0..3000 {
            assert!(length_points(w + 100) + 1 >= length_points(w), "{w}");
        }
    }
}
