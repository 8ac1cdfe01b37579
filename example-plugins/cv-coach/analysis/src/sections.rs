//! Expected CV sections and heading detection.
//!
//! A line counts as a section heading when it is short (at most
//! [`MAX_HEADING_WORDS`] words / [`MAX_HEADING_BYTES`] bytes before an optional
//! colon) and every part of it is a known heading. Parts are separated by
//! `og`/`and`, `&`, `/`, `,`, `+` or `|`, so "Sprog og IT-kompetencer" marks
//! both [`Section::Languages`] and [`Section::ItSkills`]. Surrounding
//! punctuation and markup (`## Profil`, `**Profil**`, `PROFIL:`) is ignored,
//! hyphens count as spaces and anything in parentheses is dropped.
//! A "label" line such as `Sprog: dansk, engelsk` also counts; its content
//! after the colon is analysed like any other text.

use crate::text::{lexicon, word_hash};
use crate::Locale;

/// Longest heading (before an optional colon) in bytes.
const MAX_HEADING_BYTES: usize = 60;
/// Most words a heading may have.
const MAX_HEADING_WORDS: usize = 5;

/// A section a Danish CV is expected to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Short personal profile ("Profil", "Om mig", "Profile", "Summary").
    Profile,
    /// Work experience ("Erhvervserfaring", "Arbejdserfaring", "Experience").
    Experience,
    /// Education and courses ("Uddannelse", "Kurser", "Education").
    Education,
    /// Professional and personal skills ("Kompetencer", "Skills").
    Skills,
    /// Languages and proficiency ("Sprog", "Languages").
    Languages,
    /// IT skills ("IT-kompetencer", "IT", "Computer skills").
    ItSkills,
    /// Contact details ("Kontakt", "Kontaktoplysninger", "Contact"); also
    /// counted as found when an e-mail address or phone number is present.
    Contact,
}

impl Section {
    /// All sections in the order they are reported in [`crate::Analysis::sections`].
    pub const ALL: [Section; 7] = [
        Section::Profile,
        Section::Experience,
        Section::Education,
        Section::Skills,
        Section::Languages,
        Section::ItSkills,
        Section::Contact,
    ];

    /// Human-readable heading for the section, as recommended to citizens.
    pub fn label(&self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Section::Profile, Locale::Da) => "Profil",
            (Section::Profile, Locale::En) => "Profile",
            (Section::Experience, Locale::Da) => "Erhvervserfaring",
            (Section::Experience, Locale::En) => "Work experience",
            (Section::Education, Locale::Da) => "Uddannelse",
            (Section::Education, Locale::En) => "Education",
            (Section::Skills, Locale::Da) => "Kompetencer",
            (Section::Skills, Locale::En) => "Skills",
            (Section::Languages, Locale::Da) => "Sprog",
            (Section::Languages, Locale::En) => "Languages",
            (Section::ItSkills, Locale::Da) => "IT-kompetencer",
            (Section::ItSkills, Locale::En) => "IT skills",
            (Section::Contact, Locale::Da) => "Kontaktoplysninger",
            (Section::Contact, Locale::En) => "Contact details",
        }
    }

    /// Stable machine-readable name, e.g. `"it-skills"`; used in finding
    /// codes such as `missing-section-it-skills`.
    pub fn code(&self) -> &'static str {
        match self {
            Section::Profile => "profile",
            Section::Experience => "experience",
            Section::Education => "education",
            Section::Skills => "skills",
            Section::Languages => "languages",
            Section::ItSkills => "it-skills",
            Section::Contact => "contact",
        }
    }

    /// Bit of this section in a section mask.
    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// Known headings in canonical form (lower case, single spaces, no hyphens),
/// sorted by byte order for binary search. `None` marks neutral headings
/// ("Fritid", "Referencer") that may be combined with real ones.
const HEADINGS: &[(&str, Option<Section>)] = &[
    ("abilities", Some(Section::Skills)),
    ("about me", Some(Section::Profile)),
    ("academic background", Some(Section::Education)),
    ("achievements", None),
    ("andet", None),
    ("andre oplysninger", None),
    ("ansættelser", Some(Section::Experience)),
    ("ansættelseshistorik", Some(Section::Experience)),
    ("arbejdserfaring", Some(Section::Experience)),
    ("arbejdsliv", Some(Section::Experience)),
    ("beskæftigelse", Some(Section::Experience)),
    ("beskæftigelseshistorik", Some(Section::Experience)),
    ("career", Some(Section::Experience)),
    ("career history", Some(Section::Experience)),
    ("career objective", Some(Section::Profile)),
    ("certificates", Some(Section::Education)),
    ("certifications", Some(Section::Education)),
    ("certificeringer", Some(Section::Education)),
    ("certifikater", Some(Section::Education)),
    ("competences", Some(Section::Skills)),
    ("competencies", Some(Section::Skills)),
    ("computer skills", Some(Section::ItSkills)),
    ("contact", Some(Section::Contact)),
    ("contact details", Some(Section::Contact)),
    ("contact info", Some(Section::Contact)),
    ("contact information", Some(Section::Contact)),
    ("core competencies", Some(Section::Skills)),
    ("core skills", Some(Section::Skills)),
    ("courses", Some(Section::Education)),
    ("digital skills", Some(Section::ItSkills)),
    ("digitale færdigheder", Some(Section::ItSkills)),
    ("digitale kompetencer", Some(Section::ItSkills)),
    ("driving licence", None),
    ("driving license", None),
    ("edb", Some(Section::ItSkills)),
    ("edb kompetencer", Some(Section::ItSkills)),
    ("edb kundskaber", Some(Section::ItSkills)),
    ("education", Some(Section::Education)),
    ("educational background", Some(Section::Education)),
    ("efteruddannelse", Some(Section::Education)),
    ("egenskaber", Some(Section::Skills)),
    ("employment", Some(Section::Experience)),
    ("employment history", Some(Section::Experience)),
    ("erfaring", Some(Section::Experience)),
    ("erhvervserfaring", Some(Section::Experience)),
    ("erhvervserfaringer", Some(Section::Experience)),
    ("erhvervsforløb", Some(Section::Experience)),
    ("evner", Some(Section::Skills)),
    ("experience", Some(Section::Experience)),
    ("faglig profil", Some(Section::Profile)),
    ("faglige kompetencer", Some(Section::Skills)),
    ("faglige kvalifikationer", Some(Section::Skills)),
    ("fritid", None),
    ("fritidsinteresser", None),
    ("frivilligt arbejde", None),
    ("færdigheder", Some(Section::Skills)),
    ("hard skills", Some(Section::Skills)),
    ("hobbies", None),
    ("hobbyer", None),
    ("interesser", None),
    ("interests", None),
    ("internship", None),
    ("it", Some(Section::ItSkills)),
    ("it erfaring", Some(Section::ItSkills)),
    ("it færdigheder", Some(Section::ItSkills)),
    ("it kendskab", Some(Section::ItSkills)),
    ("it kompetencer", Some(Section::ItSkills)),
    ("it kundskaber", Some(Section::ItSkills)),
    ("it skills", Some(Section::ItSkills)),
    ("it systemer", Some(Section::ItSkills)),
    ("it viden", Some(Section::ItSkills)),
    ("job history", Some(Section::Experience)),
    ("joberfaring", Some(Section::Experience)),
    ("jobhistorik", Some(Section::Experience)),
    ("karriere", Some(Section::Experience)),
    ("karriereforløb", Some(Section::Experience)),
    ("kernekompetencer", Some(Section::Skills)),
    ("key skills", Some(Section::Skills)),
    ("kompetenceprofil", Some(Section::Skills)),
    ("kompetencer", Some(Section::Skills)),
    ("kontakt", Some(Section::Contact)),
    ("kontakt info", Some(Section::Contact)),
    ("kontaktinfo", Some(Section::Contact)),
    ("kontaktinformation", Some(Section::Contact)),
    ("kontaktinformationer", Some(Section::Contact)),
    ("kontaktoplysninger", Some(Section::Contact)),
    ("kort om mig", Some(Section::Profile)),
    ("kort profil", Some(Section::Profile)),
    ("kurser", Some(Section::Education)),
    ("kursus", Some(Section::Education)),
    ("kvalifikationer", Some(Section::Skills)),
    ("kørekort", None),
    ("language", Some(Section::Languages)),
    ("language skills", Some(Section::Languages)),
    ("languages", Some(Section::Languages)),
    ("lidt om mig", Some(Section::Profile)),
    ("min profil", Some(Section::Profile)),
    ("mine kompetencer", Some(Section::Skills)),
    ("mine styrker", Some(Section::Skills)),
    ("mål", None),
    ("nøglekompetencer", Some(Section::Skills)),
    ("objective", Some(Section::Profile)),
    ("om mig", Some(Section::Profile)),
    ("other", None),
    ("personal data", Some(Section::Contact)),
    ("personal details", Some(Section::Contact)),
    ("personal information", Some(Section::Contact)),
    ("personal profile", Some(Section::Profile)),
    ("personal skills", Some(Section::Skills)),
    ("personal statement", Some(Section::Profile)),
    ("personlig profil", Some(Section::Profile)),
    ("personlige data", Some(Section::Contact)),
    ("personlige egenskaber", Some(Section::Skills)),
    ("personlige kompetencer", Some(Section::Skills)),
    ("personlige kvalifikationer", Some(Section::Skills)),
    ("personlige oplysninger", Some(Section::Contact)),
    ("praktik", None),
    ("praktisk erfaring", Some(Section::Experience)),
    ("professional experience", Some(Section::Experience)),
    ("professional profile", Some(Section::Profile)),
    ("professional skills", Some(Section::Skills)),
    ("professional summary", Some(Section::Profile)),
    ("profil", Some(Section::Profile)),
    ("profile", Some(Section::Profile)),
    ("profile summary", Some(Section::Profile)),
    ("profiltekst", Some(Section::Profile)),
    ("præsentation", Some(Section::Profile)),
    ("qualifications", Some(Section::Skills)),
    ("reference", None),
    ("referencer", None),
    ("references", None),
    ("relevant erfaring", Some(Section::Experience)),
    ("relevant experience", Some(Section::Experience)),
    ("resultater", None),
    ("resume", Some(Section::Profile)),
    ("resumé", Some(Section::Profile)),
    ("sammendrag", Some(Section::Profile)),
    ("sammenfatning", Some(Section::Profile)),
    ("skills", Some(Section::Skills)),
    ("skolegang", Some(Section::Education)),
    ("soft skills", Some(Section::Skills)),
    ("software", Some(Section::ItSkills)),
    ("sprog", Some(Section::Languages)),
    ("sprogfærdigheder", Some(Section::Languages)),
    ("sprogkendskab", Some(Section::Languages)),
    ("sprogkompetencer", Some(Section::Languages)),
    ("sprogkundskaber", Some(Section::Languages)),
    ("stamdata", Some(Section::Contact)),
    ("strengths", Some(Section::Skills)),
    ("styrker", Some(Section::Skills)),
    ("summary", Some(Section::Profile)),
    ("systemer", Some(Section::ItSkills)),
    ("tidligere ansættelser", Some(Section::Experience)),
    ("tidligere job", Some(Section::Experience)),
    ("training", Some(Section::Education)),
    ("uddannelse", Some(Section::Education)),
    ("uddannelser", Some(Section::Education)),
    ("uddannelsesbaggrund", Some(Section::Education)),
    ("videreuddannelse", Some(Section::Education)),
    ("volunteer work", None),
    ("volunteering", None),
    ("work experience", Some(Section::Experience)),
    ("work history", Some(Section::Experience)),
    ("øvrigt", None),
];

lexicon!(
    /// The distinct first words of [`HEADINGS`]: a cheap pre-filter that
    /// rejects most content lines with one hash look-up.
    HEADING_FIRST_WORDS = [
        "abilities", "about", "academic", "achievements", "andet", "andre", "ansættelser",
        "ansættelseshistorik", "arbejdserfaring", "arbejdsliv", "beskæftigelse",
        "beskæftigelseshistorik", "career", "certificates", "certifications", "certificeringer",
        "certifikater", "competences", "competencies", "computer", "contact", "core", "courses",
        "digital", "digitale", "driving", "edb", "education", "educational", "efteruddannelse",
        "egenskaber", "employment", "erfaring", "erhvervserfaring", "erhvervserfaringer",
        "erhvervsforløb", "evner", "experience", "faglig", "faglige", "fritid",
        "fritidsinteresser", "frivilligt", "færdigheder", "hard", "hobbies", "hobbyer",
        "interesser", "interests", "internship", "it", "job", "joberfaring", "jobhistorik",
        "karriere", "karriereforløb", "kernekompetencer", "key", "kompetenceprofil",
        "kompetencer", "kontakt", "kontaktinfo", "kontaktinformation", "kontaktinformationer",
        "kontaktoplysninger", "kort", "kurser", "kursus", "kvalifikationer", "kørekort",
        "language", "languages", "lidt", "min", "mine", "mål", "nøglekompetencer", "objective",
        "om", "other", "personal", "personlig", "personlige", "praktik", "praktisk",
        "professional", "profil", "profile", "profiltekst", "præsentation", "qualifications",
        "reference", "referencer", "references", "relevant", "resultater", "resume", "resumé",
        "sammendrag", "sammenfatning", "skills", "skolegang", "soft", "software", "sprog",
        "sprogfærdigheder", "sprogkendskab", "sprogkompetencer", "sprogkundskaber", "stamdata",
        "strengths", "styrker", "summary", "systemer", "tidligere", "training", "uddannelse",
        "uddannelser", "uddannelsesbaggrund", "videreuddannelse", "volunteer", "volunteering",
        "work", "øvrigt",
    ]
);

/// Result of [`detect_heading`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeadingMatch<'a> {
    /// Bit mask of the sections named by the heading (never 0).
    pub(crate) mask: u8,
    /// Content after a `Heading: content` colon, trimmed; empty for a
    /// heading on its own line.
    pub(crate) rest: &'a str,
}

/// Detects whether a trimmed, lower-cased line is a section heading.
/// `buf` is a scratch buffer reused between calls.
pub(crate) fn detect_heading<'a>(line: &'a str, buf: &mut String) -> Option<HeadingMatch<'a>> {
    let window = &line.as_bytes()[..line.len().min(MAX_HEADING_BYTES + 1)];
    let (head, rest) = match window.iter().position(|&b| b == b':') {
        Some(i) => (&line[..i], line[i + 1..].trim()),
        None if line.len() <= MAX_HEADING_BYTES => (line, ""),
        None => return None,
    };
    let first_word = head.trim_start_matches(|c: char| !c.is_alphanumeric());
    let first_word = match first_word.find(|c: char| !c.is_alphanumeric()) {
        Some(end) => &first_word[..end],
        None => first_word,
    };
    if !HEADING_FIRST_WORDS.contains_hash(word_hash(first_word.as_bytes()), first_word) {
        return None;
    }
    let head = match head.find('(') {
        Some(i) => &head[..i],
        None => head,
    };
    if head.split_whitespace().count() > MAX_HEADING_WORDS {
        return None;
    }
    let mut mask = 0u8;
    for part in head.split(['&', '/', ',', '+', '|']) {
        for sub in part.split(" og ") {
            for piece in sub.split(" and ") {
                canonicalize(piece, buf);
                if buf.is_empty() {
                    continue;
                }
                match HEADINGS.binary_search_by(|(h, _)| (*h).cmp(buf.as_str())) {
                    Ok(i) => {
                        if let Some(section) = HEADINGS[i].1 {
                            mask |= section.bit();
                        }
                    }
                    Err(_) => return None,
                }
            }
        }
    }
    (mask != 0).then_some(HeadingMatch { mask, rest })
}

/// Writes the canonical form of a heading part into `buf`: surrounding
/// punctuation trimmed, hyphens/underscores/whitespace runs as one space.
fn canonicalize(piece: &str, buf: &mut String) {
    buf.clear();
    let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
    let mut pending_space = false;
    for c in piece.chars() {
        if c.is_whitespace() || matches!(c, '-' | '–' | '—' | '_') {
            pending_space = true;
        } else {
            if pending_space && !buf.is_empty() {
                buf.push(' ');
            }
            pending_space = false;
            buf.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_sorted_and_canonical() {
        let names: Vec<&str> = HEADINGS.iter().map(|(h, _)| *h).collect();
        crate::text::assert_sorted_unique("HEADINGS", &names);
        let mut buf = String::new();
        for name in names {
            canonicalize(name, &mut buf);
            assert_eq!(buf, name, "heading entry must be canonical");
            assert!(name.len() <= MAX_HEADING_BYTES);
        }
    }

    #[test]
    fn first_words_match_headings() {
        let mut firsts: Vec<&str> = HEADINGS
            .iter()
            .map(|(h, _)| h.split(' ').next().unwrap_or(h))
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        let mut lexicon = HEADING_FIRST_WORDS.words().to_vec();
        lexicon.sort_unstable();
        assert_eq!(firsts, lexicon);
    }

    #[test]
    fn every_section_has_headings() {
        for s in Section::ALL {
            assert!(HEADINGS.iter().any(|(_, h)| *h == Some(s)), "{s:?}");
        }
    }

    #[test]
    fn detect_cases() {
        let mut buf = String::new();
        let cases: &[(&str, Option<(u8, &str)>)] = &[
            ("profil", Some((Section::Profile.bit(), ""))),
            (
                "## erhvervserfaring ##",
                Some((Section::Experience.bit(), "")),
            ),
            ("it-kompetencer:", Some((Section::ItSkills.bit(), ""))),
            ("it – kompetencer", Some((Section::ItSkills.bit(), ""))),
            (
                "sprog og it-kompetencer",
                Some((Section::Languages.bit() | Section::ItSkills.bit(), "")),
            ),
            (
                "sprog: dansk, engelsk",
                Some((Section::Languages.bit(), "dansk, engelsk")),
            ),
            ("uddannelse (udvalgt)", Some((Section::Education.bit(), ""))),
            ("fritid og interesser", None),
            ("kompetencer & fritid", Some((Section::Skills.bit(), ""))),
            ("erfaring med truck og lager", None),
            ("jeg har erfaring", None),
            ("", None),
        ];
        for (line, expected) in cases {
            let got = detect_heading(line, &mut buf).map(|h| (h.mask, h.rest));
            assert_eq!(got, *expected, "line {line:?}");
        }
    }
}
