//! Matching the citizen's desired keywords (job titles, skills) against
//! the CV text.
//!
//! Matching is case-insensitive and word-based: a keyword matches whole
//! words only, tolerating simple inflection. Two words are considered equal
//! when they are identical, or when the shorter one (at least three bytes)
//! is a prefix of the longer and the rest is a common Danish/English ending
//! (see [`SUFFIXES`]): `truckcertifikat` matches `truckcertifikatet`,
//! `truckcertifikater` and `truckcertifikaterne`; `lagermedarbejder`
//! matches `lagermedarbejdere`/`lagermedarbejderen`/`lagermedarbejderne`.
//!
//! Compounds are tolerated in both directions: a multi-word keyword
//! (`truck certifikat`, `B-kørekort`) also matches the closed compound
//! (`truckcertifikat`), and a one-word keyword also matches two adjacent
//! words or a hyphenated form (`truck-certifikat`). Keywords are trimmed,
//! de-duplicated, and blank keywords are ignored.

use crate::text::{in_sorted, tokenize, Token};

/// Endings accepted as inflection (sorted by byte order).
const SUFFIXES: &[&str] = &[
    "d", "e", "ed", "en", "ene", "ens", "er", "ere", "erne", "ernes", "ers", "es", "et", "ets",
    "ing", "n", "ne", "nes", "r", "rne", "s", "t",
];

/// Shortest word that may be inflected (shorter words must match exactly).
const MIN_STEM_BYTES: usize = 3;

/// `true` when two lower-cased words are equal up to a simple inflection.
pub(crate) fn inflected_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.len() >= MIN_STEM_BYTES
        && long.starts_with(short)
        && in_sorted(SUFFIXES, &long[short.len()..])
}

/// One prepared keyword.
#[derive(Debug, Clone)]
struct Keyword {
    /// As given by the caller (trimmed); reported back in the result lists.
    original: String,
    /// Lower-cased word/number tokens.
    words: Vec<String>,
    /// All tokens concatenated (closed compound form).
    joined: String,
    found: bool,
}

impl Keyword {
    fn occurs_in(&self, line: &[Token<'_>]) -> bool {
        let m = self.words.len();
        // Every kind of match starts with the same first byte.
        let first = self.joined.as_bytes()[0];
        for (i, t) in line.iter().enumerate() {
            if !t.is_term() || t.text.as_bytes()[0] != first {
                continue;
            }
            let rest = &line[i..];
            if rest.len() >= m
                && self
                    .words
                    .iter()
                    .zip(rest)
                    .all(|(w, t)| t.is_term() && inflected_eq(t.text, w))
            {
                return true;
            }
            if m > 1 && inflected_eq(t.text, &self.joined) {
                return true;
            }
            if m == 1 {
                if let Some(next) = rest.get(1).filter(|n| n.is_term()) {
                    let kw = &self.joined;
                    if t.text.len() < kw.len()
                        && kw.starts_with(t.text)
                        && inflected_eq(next.text, &kw[t.text.len()..])
                    {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// Tracks which desired keywords occur in the CV while its lines are scanned.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeywordMatcher {
    items: Vec<Keyword>,
    remaining: usize,
}

impl KeywordMatcher {
    /// Prepares (lower-cases, tokenizes, de-duplicates) the desired keywords.
    pub(crate) fn new(desired: &[String]) -> Self {
        let mut items: Vec<Keyword> = Vec::with_capacity(desired.len());
        for raw in desired {
            let original = raw.trim();
            if original.is_empty() {
                continue;
            }
            let lower = original.to_lowercase();
            let mut toks = Vec::new();
            tokenize(&lower, &mut toks);
            let words: Vec<String> = toks
                .iter()
                .filter(|t| t.is_term())
                .map(|t| t.text.to_owned())
                .collect();
            if words.is_empty() || items.iter().any(|k| k.words == words) {
                continue;
            }
            let joined = words.concat();
            items.push(Keyword {
                original: original.to_owned(),
                words,
                joined,
                found: false,
            });
        }
        let remaining = items.len();
        KeywordMatcher { items, remaining }
    }

    /// Marks keywords occurring in the tokens of one line as found.
    pub(crate) fn scan(&mut self, line: &[Token<'_>]) {
        if self.remaining == 0 {
            return;
        }
        for kw in self.items.iter_mut().filter(|k| !k.found) {
            if kw.occurs_in(line) {
                kw.found = true;
                self.remaining -= 1;
            }
        }
    }

    /// Splits the keywords into `(matched, missing)`, each in input order.
    pub(crate) fn into_lists(self) -> (Vec<String>, Vec<String>) {
        let mut matched = Vec::with_capacity(self.items.len() - self.remaining);
        let mut missing = Vec::with_capacity(self.remaining);
        for k in self.items {
            if k.found {
                matched.push(k.original);
            } else {
                missing.push(k.original);
            }
        }
        (matched, missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_sorted() {
        crate::text::assert_sorted_unique("SUFFIXES", SUFFIXES);
    }

    #[test]
    fn inflection_pairs() {
        let cases = [
            ("truckcertifikat", "truckcertifikatet", true),
            ("lagermedarbejder", "lagermedarbejderne", true),
            ("pakke", "pakker", true),
            ("forklift", "forklifts", true),
            ("planlægning", "planlægningen", true),
            ("it", "its", false),
            ("lager", "lagerchef", false),
            ("truck", "trucker", true),
            ("sap", "sap", true),
        ];
        for (a, b, expected) in cases {
            assert_eq!(inflected_eq(a, b), expected, "{a} ~ {b}");
            assert_eq!(inflected_eq(b, a), expected, "{b} ~ {a}");
        }
    }

    #[test]
    fn dedupes_and_skips_blank() {
        let kws: Vec<String> = ["SAP", " sap ", "", "  ", "!!", "Truck"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = KeywordMatcher::new(&kws);
        let (matched, missing) = m.into_lists();
        assert!(matched.is_empty());
        assert_eq!(missing, vec!["SAP".to_string(), "Truck".to_string()]);
    }
}
