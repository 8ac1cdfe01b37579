//! Intent matching that tolerates how people really type: Danish letters written as
//! ae/oe/aa, inflections and compounds ("ferien", "sommerferie"), words split or joined
//! ("job log", "joblog") and small typos ("dagpegne", "raadihed").
//!
//! Everything is plain Rust with no capability calls, so it is tested natively.

/// Quality of a keyword hit on one word of the citizen's message.
const EXACT: f32 = 1.0;
/// The word starts with the keyword: an inflection ("dagpengene") or compound ("feriedage").
const PREFIX: f32 = 0.9;
/// The word ends with the keyword: a compound ("sommerferie", "truckkursus").
const COMPOUND: f32 = 0.8;
/// One typo (a letter wrong, missing, extra or two letters swapped).
const TYPO_1: f32 = 0.85;
/// Two typos, only for long keywords.
const TYPO_2: f32 = 0.75;
/// A typo in an inflected word ("sygemeldnig" for "sygemelding" + ending).
const TYPO_PREFIX: f32 = 0.7;
/// A keyword of several words that matched as a whole is worth more than its words
/// alone: "stå til rådighed" says more than "stå".
const PHRASE_BONUS: f32 = 1.2;
/// Only the first words of a long message are matched; questions come early, and it
/// bounds the work per message.
const MAX_TOKENS: usize = 80;

/// Little words dropped before matching, so that "booke en samtale" matches "booker
/// samtale" and "ring til mig" matches "ringe mig". None of them is a keyword on its own.
const STOPWORDS: &[&str] = &[
    "en", "et", "jeg", "min", "mit", "mine", "din", "dit", "dine", "den", "det", "til", "og", "at",
    "a", "an", "the", "my", "your", "to", "and",
];

/// Lowercase, Danish letters spelled out (æ→ae, ø→oe, å→aa, as people without a Danish
/// keyboard write them), accents dropped, hyphens and apostrophes joined ("a-kasse" →
/// "akasse", "CV'et" → "cvet"), everything else that is not a letter or digit a space.
///
/// ```
/// assert_eq!(chatbot::matcher::normalize("Må jeg holde FERIE på a-kassen?"), "maa jeg holde ferie paa akassen ");
/// ```
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'æ' | 'ä' => out.push_str("ae"),
            'ø' | 'ö' => out.push_str("oe"),
            'å' => out.push_str("aa"),
            'ß' => out.push_str("ss"),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'á' | 'à' | 'â' => out.push('a'),
            'ó' | 'ò' | 'ô' => out.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => out.push('u'),
            'í' | 'ì' | 'î' | 'ï' => out.push('i'),
            '-' | '\'' | '’' | '´' => {}
            c if c.is_alphanumeric() => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// The words of a text, normalised, without stopwords.
///
/// ```
/// assert_eq!(chatbot::matcher::tokens("Kan I ringe til mig?"), ["kan", "i", "ringe", "mig"]);
/// assert_eq!(chatbot::matcher::tokens("Må jeg holde ferie?"), ["maa", "holde", "ferie"]);
/// ```
pub fn tokens(text: &str) -> Vec<String> {
    normalize(text)
        .split_whitespace()
        .filter(|w| !STOPWORDS.contains(w))
        .take(MAX_TOKENS)
        .map(str::to_owned)
        .collect()
}

/// A normalised word with its letters, so comparing it with hundreds of keywords needs
/// no allocation per comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    text: String,
    chars: Vec<char>,
}

impl Word {
    /// A word, already normalised.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            chars: text.chars().collect(),
        }
    }
}

/// The words of a message, ready for [`KeywordSet::score`].
pub fn words(text: &str) -> Vec<Word> {
    tokens(text).iter().map(|t| Word::new(t)).collect()
}

/// The edit distance between two words, counting a swap of two neighbouring letters as
/// one edit (optimal string alignment), because "dagpegne" is one slip, not two.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    bounded_distance(&a, &b, usize::MAX - 1)
}

/// The edit distance if it is at most `max`, otherwise some number above `max`: it
/// stops as soon as a whole row exceeds `max`, and keeps its rows on the stack for
/// words of ordinary length. This is what keeps a long message fast.
fn bounded_distance(a: &[char], b: &[char], max: usize) -> usize {
    const STACK: usize = 64;
    let n = b.len() + 1;
    let (mut s0, mut s1, mut s2) = ([0usize; STACK], [0usize; STACK], [0usize; STACK]);
    let (mut v0, mut v1, mut v2);
    let (mut prev2, mut prev, mut cur): (&mut [usize], &mut [usize], &mut [usize]) = if n <= STACK {
        (&mut s0[..n], &mut s1[..n], &mut s2[..n])
    } else {
        v0 = vec![0; n];
        v1 = vec![0; n];
        v2 = vec![0; n];
        (&mut v0, &mut v1, &mut v2)
    };
    for (j, p) in prev.iter_mut().enumerate() {
        *p = j;
    }
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[n - 1]
}

/// How many typos a keyword of `len` letters tolerates: none for short words (too many
/// short words are one letter apart), one from five letters, two from eight.
pub fn allowed_typos(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// How well the word `token` matches the one-word keyword `keyword` (both normalised):
/// 0 for no match, up to 1 for the same word. `compounds` allows a keyword at the end
/// of a longer word ("sommerferie"); it is off where that misleads ("lagermedarbejder"
/// is a job, not a request for a "medarbejder").
pub fn token_match(token: &str, keyword: &str, compounds: bool) -> f32 {
    match_word(&Word::new(token), &Word::new(keyword), compounds)
}

fn match_word(token: &Word, keyword: &Word, compounds: bool) -> f32 {
    if token.text == keyword.text {
        return EXACT;
    }
    let tl = token.chars.len();
    let kl = keyword.chars.len();
    if kl >= 4 && token.text.starts_with(&keyword.text) {
        return PREFIX;
    }
    if compounds && kl >= 5 && tl > kl && token.text.ends_with(&keyword.text) {
        return COMPOUND;
    }
    let allowed = allowed_typos(kl);
    if allowed == 0 || tl < 4 {
        return 0.0;
    }
    if tl.abs_diff(kl) <= allowed {
        match bounded_distance(&token.chars, &keyword.chars, allowed) {
            1 => return TYPO_1,
            2 if allowed >= 2 => return TYPO_2,
            _ => {}
        }
    }
    // A typo in the stem plus an ending: compare the keyword with the word's start.
    // The first letter must be right, which is how people misspell and keeps it cheap.
    if kl >= 6 && tl > kl + 1 && token.chars[0] == keyword.chars[0] {
        for k in kl - 1..=kl + 1 {
            if bounded_distance(&token.chars[..k], &keyword.chars, 1) <= 1 {
                return TYPO_PREFIX;
            }
        }
    }
    0.0
}

/// `first` + `second` written together is `keyword` or an inflection of it ("job" +
/// "log" = "joblog", "syge" + "meldt" = "sygemeldt"). Exact or inflected only, never a
/// typo: "i dagpenge" is not "idagpenge" misspelt.
fn split_match(first: &str, second: &str, keyword: &str) -> f32 {
    match keyword.strip_prefix(first) {
        Some(rest) if !first.is_empty() && !rest.is_empty() => {
            if second == rest {
                EXACT
            } else if second.starts_with(rest) {
                PREFIX
            } else {
                0.0
            }
        }
        _ => 0.0,
    }
}

/// One keyword or phrase, normalised.
#[derive(Debug, Clone, PartialEq)]
struct Keyword {
    /// Its words without stopwords.
    parts: Vec<Word>,
    /// Its words written together, for "joblog" against "job log".
    joined: Word,
}

/// How much a common word counts towards which topic a message is about: in "må jeg
/// holde ferie på dagpenge?" the topic is "ferie", "dagpenge" is only the setting.
const COMMON_WEIGHT: f32 = 0.5;

/// Which of the message's words are common words of the domain ("dagpenge", "ledig",
/// "a-kasse"), given as keywords (compiled with [`KeywordSet::new`]).
pub fn common_mask(words: &[Word], common: &KeywordSet) -> Vec<bool> {
    words
        .iter()
        .map(|w| {
            common
                .keywords
                .iter()
                .any(|k| match_word(w, &k.joined, false) > 0.0)
        })
        .collect()
}

/// How well a message matches a set of keywords.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Hit {
    /// The sum over the message's words of their best keyword match; a word counts
    /// once, however many synonyms it matches. This decides whether the bot answers.
    pub score: f32,
    /// The same with common words counting half. This decides which topic wins.
    pub weighted: f32,
    /// The length of the longest keyword that matched: the more specific intent wins a
    /// tie ("sygedagpenge" is about sickness before it is about dagpenge).
    pub longest: usize,
}

/// Match a phrase at the start of `words`, allowing one extra word between its parts
/// ("booke en ny samtale", "ring venligst til mig"). Returns the weakest part's quality
/// and the positions matched. A part never matches the end of a compound: in "ret til
/// feriedagpenge" the phrase "ret til dagpenge" is not what was asked.
fn match_phrase(parts: &[Word], words: &[Word]) -> Option<(f32, Vec<usize>)> {
    let first = match_word(words.first()?, &parts[0], false);
    if first == 0.0 {
        return None;
    }
    let mut quality = first;
    let mut at = vec![0];
    for part in &parts[1..] {
        let last = *at.last()?;
        let (q, pos) = (last + 1..=last + 2)
            .filter(|&p| p < words.len())
            .map(|p| (match_word(&words[p], part, false), p))
            .find(|(q, _)| *q > 0.0)?;
        quality = quality.min(q);
        at.push(pos);
    }
    Some((quality, at))
}

/// The keywords and phrases of one intent (or of asking for a person).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeywordSet {
    keywords: Vec<Keyword>,
}

impl KeywordSet {
    /// Compile keywords; one that is empty after normalisation is skipped.
    pub fn new<'a>(keywords: impl IntoIterator<Item = &'a str>) -> Self {
        let keywords = keywords
            .into_iter()
            .filter_map(|k| {
                let parts = tokens(k);
                (!parts.is_empty()).then(|| Keyword {
                    joined: Word::new(&parts.concat()),
                    parts: parts.iter().map(|p| Word::new(p)).collect(),
                })
            })
            .collect();
        Self { keywords }
    }

    /// Score the message's words (from [`words`]); `common` marks common words (from
    /// [`common_mask`]; shorter than `words` means "not common").
    pub fn score(&self, words: &[Word], common: &[bool], compounds: bool) -> Hit {
        let n = words.len();
        let mut best = vec![0f32; n];
        let mut longest = 0;
        for kw in &self.keywords {
            let mut matched = false;
            if let [single] = kw.parts.as_slice() {
                for i in 0..n {
                    let mut q = match_word(&words[i], single, compounds);
                    // A compound split in two: "job log", "syge meldt".
                    if q == 0.0 && i + 1 < n && single.chars.len() >= 6 {
                        q = split_match(&words[i].text, &words[i + 1].text, &single.text);
                    }
                    if q > 0.0 {
                        best[i] = best[i].max(q);
                        matched = true;
                    }
                }
            } else {
                for i in 0..n {
                    if let Some((q, at)) = match_phrase(&kw.parts, &words[i..]) {
                        for j in at {
                            best[i + j] = best[i + j].max(q * PHRASE_BONUS);
                        }
                        matched = true;
                    }
                }
                // The phrase written as one word: "joblog", "raskmeldt".
                for i in 0..n {
                    let q = match_word(&words[i], &kw.joined, false);
                    if q > 0.0 {
                        best[i] = best[i].max(q * PHRASE_BONUS);
                        matched = true;
                    }
                }
            }
            if matched {
                longest = longest.max(kw.joined.chars.len());
            }
        }
        let weighted = best
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if common.get(i).copied().unwrap_or(false) {
                    b * COMMON_WEIGHT
                } else {
                    *b
                }
            })
            .sum();
        Hit {
            score: best.iter().sum(),
            weighted,
            longest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_spells_out_danish_letters_and_joins_hyphens() {
        for (input, expected) in [
            ("Rådighed", "raadighed"),
            ("SYGEMELDING!", "sygemelding "),
            ("a-kasse", "akasse"),
            ("CV'et", "cvet"),
            ("Ærø & Øster", "aeroe   oester"),
            ("café", "cafe"),
        ] {
            assert_eq!(normalize(input), expected, "{input}");
        }
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        for (a, b, d) in [
            ("dagpenge", "dagpenge", 0),
            ("dagpegne", "dagpenge", 1),
            ("dagpnge", "dagpenge", 1),
            ("raadihed", "raadighed", 1),
            ("radighed", "raadighed", 1),
            ("ferie", "fejre", 2),
            ("", "abc", 3),
            ("kursus", "kurser", 2),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a} / {b}");
        }
        // Bounded: anything above the bound is reported as just above it.
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(
            bounded_distance(&chars("abcdefgh"), &chars("stuvwxyz"), 2),
            3
        );
        assert_eq!(
            bounded_distance(&chars("dagpegne"), &chars("dagpenge"), 2),
            1
        );
        let long = "a".repeat(100);
        assert_eq!(edit_distance(&long, &format!("{long}b")), 1);
    }

    #[test]
    fn words_match_keywords_by_form_and_typo() {
        // (word, keyword, compounds, expected quality)
        let table: &[(&str, &str, bool, f32)] = &[
            ("ferie", "ferie", true, EXACT),
            ("ferien", "ferie", true, PREFIX),
            ("sommerferie", "ferie", true, COMPOUND),
            ("sommerferie", "ferie", false, 0.0),
            ("lagermedarbejder", "medarbejder", false, 0.0),
            ("dagpegne", "dagpenge", true, TYPO_1),
            ("dagpnege", "dagpenge", true, TYPO_1),
            ("radihed", "raadighed", true, TYPO_2),
            ("sygemeldnig", "sygemelding", true, TYPO_1),
            ("ansoegnigerne", "ansoegning", true, TYPO_PREFIX),
            ("syg", "syg", true, EXACT),
            ("sig", "syg", true, 0.0),
            ("cv", "cv", true, EXACT),
            ("job", "joblog", true, 0.0),
            ("hvordan", "ferie", true, 0.0),
        ];
        for &(word, keyword, compounds, expected) in table {
            assert_eq!(
                token_match(word, keyword, compounds),
                expected,
                "{word} / {keyword} / {compounds}"
            );
        }
    }

    fn score(keywords: &[&str], message: &str) -> f32 {
        KeywordSet::new(keywords.iter().copied())
            .score(&words(message), &[], true)
            .score
    }

    #[test]
    fn phrases_match_across_little_words_and_when_joined_or_split() {
        assert!(score(&["booke en samtale"], "Hvordan booker jeg samtale?") > 2.0);
        assert!(score(&["ring til mig"], "kan i ringe til mig") > 2.0);
        assert!(score(&["job log"], "hvad er en joblog") > 1.1);
        assert!(score(&["joblog"], "hvordan bruger jeg job log") > 0.9);
        assert_eq!(score(&["ring til mig"], "ringer du"), 0.0);
        // A little word next to a keyword is not a typo of it.
        assert_eq!(score(&["dagpenge"], "hvor meget får jeg i dagpenge"), 1.0);
    }

    #[test]
    fn a_word_counts_once_however_many_synonyms_it_matches() {
        let one = score(&["dagpenge"], "dagpenge");
        let many = score(&["dagpenge", "dagpengene", "dagpeng"], "dagpenge");
        assert_eq!(one, many);
        assert_eq!(score(&["dagpenge"], "dagpenge og dagpenge"), 2.0);
    }

    #[test]
    fn the_longest_matching_keyword_is_reported() {
        let set = KeywordSet::new(["syg", "sygedagpenge"]);
        let hit = set.score(&words("får jeg sygedagpenge"), &[], true);
        assert_eq!(hit.longest, "sygedagpenge".len());
    }

    #[test]
    fn common_words_count_half_for_the_topic_but_fully_for_answering() {
        let words = words("må jeg holde ferie på dagpengene");
        let mask = common_mask(&words, &KeywordSet::new(["dagpenge", "a-kasse"]));
        assert_eq!(mask, [false, false, false, false, true]);
        let hit = KeywordSet::new(["dagpenge"]).score(&words, &mask, true);
        assert_eq!(hit.score, PREFIX);
        assert_eq!(hit.weighted, PREFIX * COMMON_WEIGHT);
    }

    #[test]
    fn long_messages_are_cut_and_empty_keywords_skipped() {
        let long = "ord ".repeat(500);
        assert_eq!(tokens(&long).len(), MAX_TOKENS);
        let set = KeywordSet::new(["", "en", "  "]);
        assert_eq!(set, KeywordSet::default());
    }
}
