//! Low-level text helpers shared by the analysers: a small tokenizer over
//! already lower-cased lines, word counting and sorted-list look-ups.
//!
//! Everything here works on borrowed slices of the (once) lower-cased CV
//! text; the tokenizer writes into a caller-owned, reused `Vec` so the hot
//! loop does not allocate.

/// Kind of a [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A run of letters/digits starting with a letter, e.g. `ledede`, `m2`.
    Word,
    /// A run of ASCII digits with optional inner `.`/`,` separators, e.g. `1.200`.
    Number,
    /// A `%` sign.
    Percent,
    /// A currency sign: `€`, `$` or `£`.
    Currency,
    /// End of a sentence (`.`, `!`, `?`, `;` before whitespace) or an
    /// inline bullet (`•`, `|`, ...). Splits a line into segments.
    Boundary,
}

/// One token of a lower-cased line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: TokenKind,
    pub(crate) text: &'a str,
    /// [`word_hash`] hash of `text` for words (for [`Lexicon`] look-ups), else 0.
    pub(crate) hash: u64,
}

impl Token<'_> {
    /// `true` for words and numbers (the tokens keywords are made of).
    pub(crate) fn is_term(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::Number)
    }

    /// `true` for a word token equal to `w`.
    pub(crate) fn is_word(&self, w: &str) -> bool {
        self.kind == TokenKind::Word && self.text == w
    }
}

/// Binary search in a list that must be sorted by byte order (checked by
/// unit tests for every list in the crate).
pub(crate) fn in_sorted(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

/// Fast 64-bit hash of a word, processing eight bytes at a time; `const` so
/// word lists can be hashed at compile time.
#[inline]
pub(crate) const fn word_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = (bytes.len() as u64).wrapping_mul(K);
    let mut i = 0;
    while i < bytes.len() {
        let mut chunk = 0u64;
        let mut k = 0;
        while k < 8 && i + k < bytes.len() {
            chunk |= (bytes[i + k] as u64) << (8 * k);
            k += 1;
        }
        hash = (hash ^ chunk).wrapping_mul(K);
        hash ^= hash >> 29;
        i += 8;
    }
    hash ^= hash >> 32;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^ (hash >> 33)
}

/// A fixed word list for fast membership tests of word [`Token`]s.
///
/// Words are hashed and sorted by hash at compile time, so a look-up is a
/// binary search over integers (using the token's precomputed hash) plus
/// one string comparison on a hit. Duplicate words or hash collisions fail
/// compilation. Build with the [`lexicon!`] macro.
pub(crate) struct Lexicon<const N: usize> {
    /// 1024-bit pre-filter indexed by the top 10 bits of the hash.
    filter: [u64; 16],
    hashes: [u64; N],
    words: [&'static str; N],
}

/// Bit of a hash in a [`Lexicon`] filter: (word index, bit mask).
const fn filter_bit(hash: u64) -> (usize, u64) {
    let bit = (hash >> 54) as usize; // 0..1024
    (bit / 64, 1 << (bit % 64))
}

impl<const N: usize> Lexicon<N> {
    /// Hashes and sorts `words` (at compile time when used in a `const`).
    pub(crate) const fn new(mut words: [&'static str; N]) -> Self {
        let mut hashes = [0u64; N];
        let mut i = 0;
        while i < N {
            hashes[i] = word_hash(words[i].as_bytes());
            i += 1;
        }
        let mut i = 1;
        while i < N {
            let mut j = i;
            while j > 0 && hashes[j - 1] > hashes[j] {
                let h = hashes[j - 1];
                hashes[j - 1] = hashes[j];
                hashes[j] = h;
                let w = words[j - 1];
                words[j - 1] = words[j];
                words[j] = w;
                j -= 1;
            }
            i += 1;
        }
        let mut filter = [0u64; 16];
        let mut i = 0;
        while i < N {
            assert!(
                i == 0 || hashes[i - 1] != hashes[i],
                "duplicate word or hash collision"
            );
            let (word, mask) = filter_bit(hashes[i]);
            filter[word] |= mask;
            i += 1;
        }
        Lexicon {
            filter,
            hashes,
            words,
        }
    }

    /// `true` when the token is a word in this list.
    pub(crate) fn contains(&self, token: &Token<'_>) -> bool {
        token.kind == TokenKind::Word && self.contains_hash(token.hash, token.text)
    }

    /// `true` when `word` (whose [`word_hash`] hash is `hash`) is in this list.
    pub(crate) fn contains_hash(&self, hash: u64, word: &str) -> bool {
        let (slot, mask) = filter_bit(hash);
        self.filter[slot] & mask != 0
            && match self.hashes.binary_search(&hash) {
                Ok(i) => self.words[i] == word,
                Err(_) => false,
            }
    }

    /// All words, in hash order.
    #[cfg(test)]
    pub(crate) fn words(&self) -> &[&'static str] {
        &self.words
    }
}

/// Defines a `const` [`Lexicon`] from a list of word literals:
/// `lexicon!(/** doc */ NAME = ["a", "b"]);`
macro_rules! lexicon {
    ($(#[$meta:meta])* $name:ident = [$($word:literal),* $(,)?]) => {
        $(#[$meta])*
        const $name: $crate::text::Lexicon<{ [$($word),*].len() }> =
            $crate::text::Lexicon::new([$($word),*]);
    };
}
pub(crate) use lexicon;

lexicon!(
    /// Abbreviations whose trailing period does not end a sentence.
    ABBREVIATIONS = [
    "a", "adr", "bl", "ca", "cand", "div", "dvs", "e", "eks", "ekskl", "etc", "evt", "fx", "g",
    "hhv", "inkl", "jf", "kl", "kr", "mht", "mia", "mio", "mv", "nr", "osv", "pct", "pga", "pr",
    "stk", "th", "tlf", "tv", "vs",
]
);

/// ASCII byte classes for the hot loops.
const SPACE: u8 = 1;
const ALNUM: u8 = 2;
const DIGIT: u8 = 4;
const ASCII_CLASS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        table[i] = if b.is_ascii_digit() {
            ALNUM | DIGIT
        } else if b.is_ascii_alphabetic() {
            ALNUM
        } else if (b as char).is_whitespace() {
            SPACE
        } else {
            0
        };
        i += 1;
    }
    table
};

/// Cheap facts about one line, gathered in a single pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineScan {
    /// Words the way a reader counts them: whitespace-separated chunks with
    /// at least one letter or digit (bullets and dashes do not count).
    pub(crate) words: usize,
    /// Number of ASCII digits.
    pub(crate) digits: usize,
    /// The line contains an `@`.
    pub(crate) has_at: bool,
}

/// Scans a line once for its [`LineScan`] facts.
pub(crate) fn scan_line(line: &str) -> LineScan {
    let bytes = line.as_bytes();
    let mut scan = LineScan::default();
    let (mut in_word, mut has_alnum) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let class = if b.is_ascii() {
            i += 1;
            ASCII_CLASS[usize::from(b)]
        } else {
            let c = char_at(line, i);
            i += c.len_utf8();
            if c.is_whitespace() {
                SPACE
            } else if is_letter(c) {
                ALNUM
            } else {
                0
            }
        };
        if class & SPACE != 0 {
            scan.words += usize::from(in_word && has_alnum);
            in_word = false;
            has_alnum = false;
        } else {
            in_word = true;
            has_alnum |= class & ALNUM != 0;
            scan.digits += usize::from(class & DIGIT != 0);
            scan.has_at |= b == b'@';
        }
    }
    scan.words += usize::from(in_word && has_alnum);
    scan
}

/// Counts words (see [`LineScan::words`]).
#[cfg(test)]
pub(crate) fn count_words(text: &str) -> usize {
    scan_line(text).words
}

/// `char::is_alphanumeric` with a fast path for Danish letters.
fn is_letter(c: char) -> bool {
    matches!(c, 'æ' | 'ø' | 'å' | 'é' | 'ä' | 'ö' | 'ü') || c.is_alphanumeric()
}

/// Lower-cases a text: like [`str::to_lowercase`] but with a fast path for
/// runs of ASCII (the bulk of a Danish or English CV).
pub(crate) fn to_lower(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i + 8 <= bytes.len() {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(&bytes[i..i + 8]);
            if u64::from_le_bytes(chunk) & 0x8080_8080_8080_8080 != 0 {
                break;
            }
            i += 8;
        }
        while i < bytes.len() && bytes[i].is_ascii() {
            i += 1;
        }
        if i > start {
            let from = out.len();
            out.push_str(&text[start..i]);
            out[from..].make_ascii_lowercase();
        }
        if i < bytes.len() {
            let c = char_at(text, i);
            i += c.len_utf8();
            if matches!(c, 'æ' | 'ø' | 'å' | 'é') || !c.is_uppercase() {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
    out
}

/// Decodes the char starting at byte `i` (which must be a char boundary).
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or(' ')
}

/// Tokenizes one lower-cased line, appending to `out` (not cleared).
///
/// Hyphens, apostrophes and other punctuation separate words, so
/// `it-kompetencer` yields `it` and `kompetencer`.
pub(crate) fn tokenize<'a>(line: &'a str, out: &mut Vec<Token<'a>>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            let start = i;
            i += 1;
            loop {
                match bytes.get(i) {
                    Some(d) if d.is_ascii_digit() => i += 1,
                    Some(b'.' | b',') if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => i += 2,
                    _ => break,
                }
            }
            out.push(Token {
                kind: TokenKind::Number,
                text: &line[start..i],
                hash: 0,
            });
            continue;
        }
        let c = if b.is_ascii() {
            b as char
        } else {
            char_at(line, i)
        };
        if is_letter(c) && !c.is_numeric() {
            let start = i;
            i += c.len_utf8();
            while i < bytes.len() {
                let nb = bytes[i];
                if nb.is_ascii() {
                    if ASCII_CLASS[usize::from(nb)] & ALNUM != 0 {
                        i += 1;
                    } else {
                        break;
                    }
                } else {
                    let nc = char_at(line, i);
                    if is_letter(nc) {
                        i += nc.len_utf8();
                    } else {
                        break;
                    }
                }
            }
            let word = &line[start..i];
            let hash = word_hash(word.as_bytes());
            if bytes.get(i) == Some(&b'.') && ABBREVIATIONS.contains_hash(hash, word) {
                i += 1; // swallow the abbreviation's period
            }
            out.push(Token {
                kind: TokenKind::Word,
                text: word,
                hash,
            });
            continue;
        }
        let start = i;
        i += c.len_utf8();
        match c {
            '%' => out.push(Token {
                kind: TokenKind::Percent,
                text: &line[start..i],
                hash: 0,
            }),
            '€' | '$' | '£' => out.push(Token {
                kind: TokenKind::Currency,
                text: &line[start..i],
                hash: 0,
            }),
            '.' | '!' | '?' | ';' if bytes.get(i).is_none_or(u8::is_ascii_whitespace) => {
                push_boundary(out, &line[start..i]);
            }
            '•' | '·' | '|' | '▪' | '●' | '◦' | '►' => {
                push_boundary(out, &line[start..i])
            }
            _ => {}
        }
    }
}

fn push_boundary<'a>(out: &mut Vec<Token<'a>>, text: &'a str) {
    if out.last().is_some_and(|t| t.kind != TokenKind::Boundary) {
        out.push(Token {
            kind: TokenKind::Boundary,
            text,
            hash: 0,
        });
    }
}

/// `true` for a plain four-digit number between 1950 and 2099 (a year).
pub(crate) fn is_year_like(number: &str) -> bool {
    number.len() == 4
        && number.bytes().all(|b| b.is_ascii_digit())
        && matches!(number.parse::<u16>(), Ok(1950..=2099))
}

/// Test helper: asserts a look-up list is strictly sorted (byte order).
#[cfg(test)]
pub(crate) fn assert_sorted_unique<T: Ord + std::fmt::Debug>(name: &str, list: &[T]) {
    for w in list.windows(2) {
        assert!(
            w[0] < w[1],
            "{name}: {:?} must sort before {:?}",
            w[0],
            w[1]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(line: &str) -> Vec<(TokenKind, &str)> {
        let mut v = Vec::new();
        tokenize(line, &mut v);
        v.into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn tokenizer_cases() {
        use TokenKind::*;
        let cases: &[(&str, &[(TokenKind, &str)])] = &[
            (
                "øgede salget med 15%.",
                &[
                    (Word, "øgede"),
                    (Word, "salget"),
                    (Word, "med"),
                    (Number, "15"),
                    (Percent, "%"),
                    (Boundary, "."),
                ],
            ),
            (
                "ca. 1.200 kr. om året",
                &[
                    (Word, "ca"),
                    (Number, "1.200"),
                    (Word, "kr"),
                    (Word, "om"),
                    (Word, "året"),
                ],
            ),
            (
                "it-kompetencer: excel",
                &[(Word, "it"), (Word, "kompetencer"), (Word, "excel")],
            ),
            (
                "• truck • lager",
                &[(Word, "truck"), (Boundary, "•"), (Word, "lager")],
            ),
            (
                "m2 og 2,5 €",
                &[(Word, "m2"), (Word, "og"), (Number, "2,5"), (Currency, "€")],
            ),
            (
                "www.eksempel.dk er fint",
                &[
                    (Word, "www"),
                    (Word, "eksempel"),
                    (Word, "dk"),
                    (Word, "er"),
                    (Word, "fint"),
                ],
            ),
            ("", &[]),
        ];
        for (line, expected) in cases {
            assert_eq!(kinds_and_texts(line), expected.to_vec(), "line {line:?}");
        }
    }

    #[test]
    fn word_counting() {
        for (line, n) in [
            ("", 0),
            ("- • –", 0),
            ("Lager og logistik", 3),
            ("2019 - 2021: Job", 3),
            ("  Æble\u{a0}og\tøl ", 3),
        ] {
            assert_eq!(count_words(line), n, "{line:?}");
            let reference = line
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphanumeric))
                .count();
            assert_eq!(n, reference, "{line:?}");
        }
        let scan = scan_line("mail: a@b.dk, tlf 12 34 56 78");
        assert_eq!((scan.words, scan.digits, scan.has_at), (7, 8, true));
    }

    #[test]
    fn lowercasing_matches_std() {
        for text in [
            "ÆBLE Øl Året",
            "Hello WORLD",
            "ÉCOLE İstanbul",
            "",
            "mixed ÅÅ aa ÄÖÜ ß •–",
        ] {
            assert_eq!(to_lower(text), text.to_lowercase(), "{text:?}");
        }
    }

    #[test]
    fn years() {
        for (s, y) in [
            ("2019", true),
            ("1950", true),
            ("2100", false),
            ("8000", false),
            ("201", false),
        ] {
            assert_eq!(is_year_like(s), y, "{s}");
        }
    }
}
