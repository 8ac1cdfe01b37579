//! Writing-style checks: concrete/quantified results, active verbs and
//! weak or passive phrases. Works on the tokens of one line at a time.
//!
//! * A **quantified result** is a sentence (line segment) with a number that
//!   carries meaning: followed by `%`, a currency or a unit/countable noun
//!   (`40 butikker`, `220 ordrer`, `12 employees`), preceded by a currency or
//!   an approximating word (`kr. 5.000`, `ca. 40`, `team på 12`), or any
//!   non-year number in a sentence with a result word (`øgede`, `reduced`).
//!   Years, dates, postal codes and phone numbers do not count on their own;
//!   lines with contact details are skipped entirely.
//! * **Active verbs** are counted per occurrence from a fixed list.
//! * **Weak phrases** ("var med til", "diverse opgaver", "responsible for",
//!   "helped with", "blev bedt om") are counted per occurrence; overlapping
//!   matches are counted once. "Ansvarlig for"/"responsible for" counts as
//!   weak because it describes a duty, not what was achieved.

use crate::text::{is_year_like, lexicon, Token, TokenKind};

lexicon!(
    /// Active verbs (Danish past/present tense, English past tense).
    ACTIVE_VERBS = [
    "achieved", "administrerede", "analysed", "analyserede", "analyserer", "analyzed",
    "automated", "automatiserede", "boosted", "built", "byggede", "coached", "coordinated",
    "created", "delivered", "designed", "designede", "developed", "doubled", "drev", "drove",
    "effektiviserede", "effektiviserer", "established", "etablerede", "expanded", "forbedrede",
    "forbedrer", "fordoblede", "forenklede", "forhandlede", "fornyede", "gennemfører",
    "gennemførte", "grew", "halved", "halverede", "handled", "håndterede", "håndterer",
    "igangsatte", "implemented", "implementerede", "implementerer", "improved", "increased",
    "indførte", "initiated", "introduced", "introducerede", "koordinerede", "koordinerer",
    "kortlagde", "lancerede", "launched", "led", "ledede", "leverede", "løste", "managed",
    "mentored", "moderniserede", "nedbragte", "negotiated", "omstrukturerede", "opbyggede",
    "oplærer", "oplærte", "opnåede", "optimerede", "optimerer", "optimised", "optimized",
    "organised", "organiserede", "organiserer", "organized", "oversaw", "planlagde",
    "planlægger", "planned", "produced", "realiserede", "reduced", "reducerede", "resolved",
    "restructured", "rådgav", "samordnede", "saved", "sikrede", "sikrer", "simplified",
    "skabte", "sold", "solgte", "sparede", "spearheaded", "startede", "streamlined",
    "strukturerede", "strukturerer", "styrede", "styrer", "supervised", "tilrettelagde",
    "tilrettelægger", "trained", "trænede", "udarbejdede", "udarbejder", "uddannede",
    "udviklede", "vandt", "vejledte", "won", "øgede",
]
);

lexicon!(
    /// Words describing a measurable change; count with any non-year number.
    RESULT_WORDS = [
    "besparelse", "besparelser", "boosted", "cut", "decreased", "doubled", "faldt",
    "forbedrede", "forbedret", "forbedring", "fordoblede", "forkortede", "forøgede", "grew",
    "growth", "halved", "halverede", "improved", "improvement", "increase", "increased",
    "lowered", "mindskede", "nedbragte", "omsætning", "raised", "reduced", "reducerede",
    "reduceret", "reduction", "reduktion", "saved", "savings", "sparede", "steg", "stigning",
    "sænkede", "tredoblede", "tripled", "turnover", "vækst", "øgede", "øget",
]
);

lexicon!(
    /// Units/countable nouns that make a preceding number a concrete result.
    UNITS = [
    "afdelinger", "ansatte", "biler", "borgere", "brugere", "butikker", "børn", "calls",
    "clients", "colleagues", "containere", "customers", "deltagere", "dkk", "elever",
    "employees", "eur", "euro", "forsendelser", "frivillige", "guests", "gæster", "items", "kg",
    "km", "kollegaer", "kolleger", "kolli", "kr", "kroner", "kunder", "kvm", "lastbiler",
    "leverancer", "lokationer", "lærlinge", "m2", "mand", "medarbejdere", "mia", "mill",
    "million", "millioner", "millions", "mio", "opkald", "orders", "ordrer", "packages",
    "pakker", "paller", "pallets", "parcels", "participants", "patienter", "patients", "pct",
    "people", "percent", "personer", "praktikanter", "procent", "projects", "projekter",
    "sager", "shipments", "staff", "stk", "stores", "students", "thousand", "tickets", "ton",
    "tonnes", "tons", "trucks", "tusind", "units", "usd", "users", "varer", "vogne",
    "volunteers",
]
);

lexicon!(
    /// Currency words that make a following number concrete (`kr. 5.000`).
    CURRENCY_WORDS = [
    "dkk", "eur", "euro", "kr", "kroner", "usd",
]
);

lexicon!(
    /// Words that make a following non-year number concrete (`ca. 40`, `team på 12`).
    LEAD_WORDS = [
    "about", "approx", "approximately", "ca", "cirka", "end", "hold", "more", "of", "omkring",
    "over", "på", "team", "than",
]
);

/// Weak or passive phrases as word sequences, sorted by words (byte order),
/// with the display text (the words joined by spaces).
const WEAK_PHRASES: &[(&[&str], &str)] = &[
    (&["andre", "opgaver"], "andre opgaver"),
    (&["ansvar", "for"], "ansvar for"),
    (&["ansvarlig", "for"], "ansvarlig for"),
    (&["assisted", "with"], "assisted with"),
    (&["blev", "bedt", "om"], "blev bedt om"),
    (&["blev", "sat", "til"], "blev sat til"),
    (&["div", "opgaver"], "div opgaver"),
    (&["diverse", "opgaver"], "diverse opgaver"),
    (&["duties", "included"], "duties included"),
    (&["fik", "lov", "til"], "fik lov til"),
    (&["forefaldende", "arbejde"], "forefaldende arbejde"),
    (&["forefaldende", "opgaver"], "forefaldende opgaver"),
    (&["forskellige", "opgaver"], "forskellige opgaver"),
    (&["forsøgte", "at"], "forsøgte at"),
    (&["har", "været", "med", "til"], "har været med til"),
    (&["helped", "to"], "helped to"),
    (&["helped", "with"], "helped with"),
    (&["hjalp", "med"], "hjalp med"),
    (&["hjalp", "til"], "hjalp til"),
    (&["involved", "in"], "involved in"),
    (&["other", "duties"], "other duties"),
    (&["prøvede", "at"], "prøvede at"),
    (&["responsible", "for"], "responsible for"),
    (&["tasks", "included"], "tasks included"),
    (&["tried", "to"], "tried to"),
    (&["var", "med", "til"], "var med til"),
    (&["various", "duties"], "various duties"),
    (&["various", "tasks"], "various tasks"),
    (&["været", "med", "til"], "været med til"),
    (&["was", "asked", "to"], "was asked to"),
    (&["was", "given"], "was given"),
];

lexicon!(
    /// The distinct first words of [`WEAK_PHRASES`] (a fast pre-filter).
    WEAK_FIRST_WORDS = [
        "andre", "ansvar", "ansvarlig", "assisted", "blev", "div", "diverse", "duties", "fik",
        "forefaldende", "forskellige", "forsøgte", "har", "helped", "hjalp", "involved", "other",
        "prøvede", "responsible", "tasks", "tried", "var", "various", "været", "was",
    ]
);

/// Style statistics accumulated over all lines of a CV.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LanguageStats {
    /// Segments (sentences/lines) with a concrete, quantified result.
    pub(crate) quantified: usize,
    /// Occurrences of active verbs.
    pub(crate) active_verbs: usize,
    /// Occurrences of weak or passive phrases.
    pub(crate) weak_phrases: usize,
    /// The first weak phrase found, quoted back to the citizen.
    pub(crate) first_weak: Option<&'static str>,
}

impl LanguageStats {
    /// Adds the tokens of one line. `count_results` is `false` for lines
    /// with contact details, whose numbers are not results.
    pub(crate) fn add_line(&mut self, tokens: &[Token<'_>], count_results: bool) {
        if count_results {
            self.quantified += tokens
                .split(|t| t.kind == TokenKind::Boundary)
                .filter(|seg| is_quantified(seg))
                .count();
        }
        let mut i = 0;
        while i < tokens.len() {
            let t = tokens[i];
            if t.kind == TokenKind::Word {
                if let Some((len, display)) = WEAK_FIRST_WORDS
                    .contains(&t)
                    .then(|| weak_phrase_at(&tokens[i..]))
                    .flatten()
                {
                    self.weak_phrases += 1;
                    self.first_weak.get_or_insert(display);
                    i += len;
                    continue;
                }
                if ACTIVE_VERBS.contains(&t) {
                    self.active_verbs += 1;
                }
            }
            i += 1;
        }
    }
}

/// Returns `(word count, display text)` of a weak phrase starting at
/// `tokens[0]`, if any.
fn weak_phrase_at(tokens: &[Token<'_>]) -> Option<(usize, &'static str)> {
    let first = tokens.first()?.text;
    let start = WEAK_PHRASES.partition_point(|(words, _)| words[0] < first);
    WEAK_PHRASES[start..]
        .iter()
        .take_while(|(words, _)| words[0] == first)
        .find(|(words, _)| {
            tokens.len() >= words.len() && words.iter().zip(tokens).all(|(w, t)| t.is_word(w))
        })
        .map(|(words, display)| (words.len(), *display))
}

/// `true` when a sentence segment contains a concrete, quantified result.
fn is_quantified(seg: &[Token<'_>]) -> bool {
    let mut result_word = false;
    let mut plain_number = false;
    for (i, t) in seg.iter().enumerate() {
        match t.kind {
            TokenKind::Number => {
                let prev = i.checked_sub(1).map(|p| seg[p]);
                if let Some(next) = seg.get(i + 1) {
                    match next.kind {
                        TokenKind::Percent | TokenKind::Currency => return true,
                        // `40 butikker`, or with one word in between: `18 nye medarbejdere`.
                        TokenKind::Word
                            if UNITS.contains(next)
                                || seg.get(i + 2).is_some_and(|u| UNITS.contains(u)) =>
                        {
                            return true
                        }
                        _ => {}
                    }
                }
                if let Some(p) = prev {
                    match p.kind {
                        TokenKind::Currency => return true,
                        TokenKind::Word if CURRENCY_WORDS.contains(&p) => return true,
                        _ => {}
                    }
                }
                if !is_year_like(t.text) {
                    plain_number = true;
                    if prev.is_some_and(|p| LEAD_WORDS.contains(&p)) {
                        return true;
                    }
                }
            }
            TokenKind::Word if !result_word && RESULT_WORDS.contains(t) => result_word = true,
            _ => {}
        }
    }
    result_word && plain_number
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{assert_sorted_unique, tokenize};

    fn stats(text: &str) -> LanguageStats {
        let lower = text.to_lowercase();
        let mut s = LanguageStats::default();
        let mut toks = Vec::new();
        for line in lower.lines() {
            toks.clear();
            tokenize(line, &mut toks);
            s.add_line(&toks, true);
        }
        s
    }

    #[test]
    fn lists_sorted() {
        let words: Vec<&[&str]> = WEAK_PHRASES.iter().map(|(w, _)| *w).collect();
        assert_sorted_unique("WEAK_PHRASES", &words);
        for (w, display) in WEAK_PHRASES {
            assert_eq!(w.join(" "), *display);
        }
        let mut firsts: Vec<&str> = WEAK_PHRASES.iter().map(|(w, _)| w[0]).collect();
        firsts.dedup();
        let mut lexicon = WEAK_FIRST_WORDS.words().to_vec();
        lexicon.sort_unstable();
        assert_eq!(
            firsts, lexicon,
            "WEAK_FIRST_WORDS must list the first words"
        );
        // Lists are lower case (tokens are) and single words.
        for list in [
            ACTIVE_VERBS.words(),
            RESULT_WORDS.words(),
            UNITS.words(),
            CURRENCY_WORDS.words(),
            LEAD_WORDS.words(),
        ] {
            for w in list {
                assert_eq!(w.to_lowercase(), *w);
                assert!(w.chars().all(char::is_alphanumeric), "{w}");
            }
        }
    }

    #[test]
    fn quantified_cases() {
        let cases: &[(&str, usize)] = &[
            ("Øgede salget med 15 %", 1),
            ("Reducerede spild med 20 procent", 1),
            ("Plukkede ca. 220 ordrer om dagen", 1),
            ("Oplærte 18 nye medarbejdere", 1),
            ("Trained 6 new employees", 1),
            ("Budget på kr. 2.500.000", 1),
            ("Ledede et team på 12", 1),
            ("Increased sales by 30%. Managed 8 employees.", 2),
            ("Saved €40,000 a year", 1),
            ("Reduced waiting time from 40 to 25 minutes", 1),
            ("2015 - 2019: Lagermedarbejder, Aarhus", 0),
            ("Vestergade 12, 8000 Aarhus C", 0),
            ("01.05.2019 - 31.12.2020", 0),
            ("Reducerede fejl i 2019", 0),
            ("Ingen tal her", 0),
        ];
        for (text, n) in cases {
            assert_eq!(stats(text).quantified, *n, "{text:?}");
        }
    }

    #[test]
    fn verbs_and_weak_phrases() {
        let cases: &[(&str, usize, usize, Option<&str>)] = &[
            (
                "Ledede og udviklede teamet, opbyggede nye rutiner",
                3,
                0,
                None,
            ),
            ("Led the team and built a new process", 2, 0, None),
            (
                "Har været med til at løse diverse opgaver",
                0,
                2,
                Some("har været med til"),
            ),
            ("Jeg har været med til det", 0, 1, Some("har været med til")),
            ("Var med til at pakke", 0, 1, Some("var med til")),
            (
                "Var ansvarlig for forskellige opgaver",
                0,
                2,
                Some("ansvarlig for"),
            ),
            (
                "Responsible for shipping; helped with various tasks",
                0,
                3,
                Some("responsible for"),
            ),
            ("Blev bedt om at hjælpe", 0, 1, Some("blev bedt om")),
            ("", 0, 0, None),
        ];
        for (text, active, weak, first) in cases {
            let s = stats(text);
            assert_eq!(
                (s.active_verbs, s.weak_phrases, s.first_weak),
                (*active, *weak, *first),
                "{text:?}"
            );
        }
    }
}
