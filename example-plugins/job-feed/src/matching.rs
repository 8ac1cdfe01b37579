//! How well a job posting fits the citizen, as a score from 0 to 100 built only from
//! reasons the citizen is shown. No hidden weights: the score is the sum of the points
//! next to the reasons.
//!
//! - Job wishes (up to 50): the posting's ESCO occupation is one the citizen wants (50),
//!   the title names a wished-for job (40), or the occupation is in the same ISCO minor
//!   group as a wish (25).
//! - Skills (up to 20): the posting's text mentions one of the citizen's skills (10) or
//!   several (20).
//! - Area (up to 30): there is no geo data, so closeness comes from the postal code's
//!   first digits: the same code (30), the same first two digits (25), the same part of
//!   the country (15). A job far away gets nothing, and the citizen is told so.
//!
//! Area weighs more than skills so a wished-for job an hour's drive away ranks above
//! the same job across the country that happens to name a skill.

use jobunivers_sdk::jobs::JobPosting;
use jobunivers_sdk::profile::CitizenProfile;

/// Points for a posting whose occupation is one of the citizen's job wishes.
pub const OCCUPATION_EXACT: u8 = 50;
/// Points for a posting whose title names one of the citizen's job wishes.
pub const OCCUPATION_IN_TITLE: u8 = 40;
/// Points for an occupation in the same ISCO minor group as a job wish.
pub const OCCUPATION_RELATED: u8 = 25;
/// Points for mentioning one of the citizen's skills.
pub const SKILL_ONE: u8 = 10;
/// Points for mentioning two or more of the citizen's skills.
pub const SKILLS_MANY: u8 = 20;
/// Points for the citizen's own postal code.
pub const AREA_SAME: u8 = 30;
/// Points for the same first two digits of the postal code.
pub const AREA_NEAR: u8 = 25;
/// Points for the same part of the country.
pub const AREA_REGION: u8 = 15;

/// An ESCO concept the citizen named: a job wish or a skill.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// The ESCO concept URI.
    pub uri: String,
    /// Its label in the citizen's profile.
    pub label: String,
}

/// Where the citizen looks for work.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// A Danish four-digit postal code.
    pub postal_code: String,
    /// The town.
    pub city: String,
}

/// What the block knows about what the citizen wants. `None` means the citizen has not
/// shared that part of their profile with this block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wishes {
    /// Desired occupations.
    pub occupations: Option<Vec<Named>>,
    /// Skills.
    pub skills: Option<Vec<Named>>,
    /// Preferred area.
    pub area: Option<Place>,
}

impl Wishes {
    /// The wishes in a profile; a refused profile is one with nothing shared.
    pub fn from_profile(profile: Option<&CitizenProfile>) -> Self {
        let Some(p) = profile else {
            return Self::default();
        };
        let named = |uri: &str, label: &str| Named {
            uri: uri.to_owned(),
            label: label.trim().to_owned(),
        };
        Self {
            occupations: p
                .desired_occupations
                .as_ref()
                .map(|list| list.iter().map(|o| named(&o.uri, &o.label)).collect()),
            skills: p
                .skills
                .as_ref()
                .map(|list| list.iter().map(|s| named(&s.uri, &s.label)).collect()),
            area: p.preferred_area.as_ref().map(|a| Place {
                postal_code: a.postal_code.trim().to_owned(),
                city: a.city.trim().to_owned(),
            }),
        }
    }

    /// Whether the citizen has any job wishes the block can match on.
    pub fn has_occupations(&self) -> bool {
        self.occupations.as_ref().is_some_and(|o| !o.is_empty())
    }

    /// Whether anything at all is known to match on.
    pub fn knows_anything(&self) -> bool {
        self.has_occupations()
            || self.skills.as_ref().is_some_and(|s| !s.is_empty())
            || self.area.as_ref().is_some_and(|a| postal(&a.postal_code))
    }
}

/// One reason behind a score, in both languages.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// Whether it speaks for the job (shown with a tick) or against it.
    pub good: bool,
    /// The points it adds.
    pub points: u8,
    /// In Danish.
    pub da: String,
    /// In English.
    pub en: String,
}

impl Reason {
    fn good(points: u8, da: String, en: String) -> Self {
        Self {
            good: true,
            points,
            da,
            en,
        }
    }
    fn bad(da: String, en: String) -> Self {
        Self {
            good: false,
            points: 0,
            da,
            en,
        }
    }
}

/// How well one posting fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// 0 to 100: the sum of the reasons' points.
    pub score: u8,
    /// Whether the posting matches a job wish in any way.
    pub occupation_match: bool,
    /// Why, best first.
    pub reasons: Vec<Reason>,
}

/// How close two postal codes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proximity {
    /// The same postal code.
    Same,
    /// The same first two digits: the same town or its neighbours.
    Near,
    /// The same part of the country.
    Region,
    /// Further away.
    Far,
}

/// Whether a text is a Danish postal code: four digits, 1000 to 9999.
pub fn postal(code: &str) -> bool {
    code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0')
}

/// The part of the country a postal code belongs to. Mostly its first digit, but the
/// first digit alone would put Copenhagen (1xxx) and its suburbs (2xxx) apart and
/// Bornholm (37xx) and Greenland (39xx) with North Zealand (3xxx).
fn region(code: &str) -> u8 {
    match code.as_bytes() {
        [b'1' | b'2', ..] => 2,
        [b'3', b'7', ..] => 37,
        [b'3', b'9', ..] => 39,
        [first, ..] => first - b'0',
        [] => 0,
    }
}

/// How close a posting's postal code is to the citizen's; `None` if either is not a
/// Danish postal code.
pub fn proximity(citizen: &str, posting: &str) -> Option<Proximity> {
    if !postal(citizen) || !postal(posting) {
        return None;
    }
    Some(if citizen == posting {
        Proximity::Same
    } else if citizen[..2] == posting[..2] {
        Proximity::Near
    } else if region(citizen) == region(posting) {
        Proximity::Region
    } else {
        Proximity::Far
    })
}

/// The ISCO code in an ESCO ISCO-group URI, e.g. "4321" in ".../esco/isco/C4321".
fn isco_code(uri: &str) -> Option<&str> {
    let (base, last) = uri.trim_end_matches('/').rsplit_once('/')?;
    let code = last.strip_prefix('C')?;
    (base.ends_with("/isco") && code.len() >= 3 && code.bytes().all(|b| b.is_ascii_digit()))
        .then_some(code)
}

/// Whether two occupations are in the same ISCO minor group (first three digits).
fn related(a: &str, b: &str) -> bool {
    match (isco_code(a), isco_code(b)) {
        (Some(x), Some(y)) => x != y && x.len() >= 4 && y.len() >= 4 && x[..3] == y[..3],
        _ => false,
    }
}

/// Common words that say nothing about a skill.
const STOPWORDS: &[&str] = &[
    "and", "are", "den", "der", "det", "eller", "for", "fra", "from", "har", "kan", "med", "også",
    "our", "samt", "som", "the", "til", "ved", "with", "you",
];

/// The lowercase words of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a word of a skill and a word of a posting are the same word. Danish glues
/// words together ("truckcertifikat"), so a word of five letters or more inside a
/// longer one counts. Two forms of one word ("svejsning", "svejser") count when they
/// share at least five first letters making up 60% of the shorter; a shared first part
/// of a compound alone ("lagerstyring", "lageroptælling") does not.
fn same_word(skill: &str, word: &str) -> bool {
    let len = |w: &str| w.chars().count();
    let shared = skill
        .chars()
        .zip(word.chars())
        .take_while(|(a, b)| a == b)
        .count();
    skill == word
        || (len(skill) >= 5 && word.contains(skill))
        || (len(word) >= 5 && skill.contains(word))
        || (shared >= 5 && shared * 5 >= len(skill).min(len(word)) * 3)
}

/// Whether a posting's words mention a skill (any of its telling words: three letters
/// or more, so "SAP" counts and the "B" of "certifikat B" does not).
fn mentions(posting_words: &[String], skill_label: &str) -> bool {
    words(skill_label)
        .iter()
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .any(|s| posting_words.iter().any(|w| same_word(s, w)))
}

/// "A", "A og B", "A, B og C".
fn join(items: &[&str], and: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

fn occupation_reason(wishes: &[Named], job: &JobPosting) -> Option<Reason> {
    let uri = job.occupation_uri.as_deref().unwrap_or("");
    let title = job.title.to_lowercase();
    let exact = wishes.iter().find(|w| !uri.is_empty() && w.uri == uri);
    if let Some(w) = exact {
        return Some(Reason::good(
            OCCUPATION_EXACT,
            format!("Matcher dit jobønske {}", w.label),
            format!("Matches your job wish {}", w.label),
        ));
    }
    let in_title = wishes
        .iter()
        .find(|w| w.label.chars().count() >= 4 && title.contains(&w.label.to_lowercase()));
    if let Some(w) = in_title {
        return Some(Reason::good(
            OCCUPATION_IN_TITLE,
            format!("Titlen nævner dit jobønske {}", w.label),
            format!("The title names your job wish {}", w.label),
        ));
    }
    let close = wishes.iter().find(|w| related(&w.uri, uri));
    close.map(|w| {
        Reason::good(
            OCCUPATION_RELATED,
            format!("Beslægtet med dit jobønske {}", w.label),
            format!("Related to your job wish {}", w.label),
        )
    })
}

fn not_a_wish(job: &JobPosting) -> Reason {
    match job.occupation_label.as_deref().map(str::trim) {
        Some(label) if !label.is_empty() => Reason::bad(
            format!("{label} er ikke et af dine jobønsker"),
            format!("{label} is not one of your job wishes"),
        ),
        _ => Reason::bad(
            "Ikke et af dine jobønsker".into(),
            "Not one of your job wishes".into(),
        ),
    }
}

fn skills_reason(skills: &[Named], job: &JobPosting) -> Option<Reason> {
    let text = words(&format!("{} {}", job.title, job.description));
    let mut found: Vec<&str> = Vec::new();
    for s in skills {
        if !found.contains(&s.label.as_str()) && mentions(&text, &s.label) {
            found.push(&s.label);
        }
    }
    // Name at most three, so the reason stays one line.
    let named = &found[..found.len().min(3)];
    match found.len() {
        0 => None,
        1 => Some(Reason::good(
            SKILL_ONE,
            format!("Nævner din kompetence {}", named[0]),
            format!("Mentions your skill {}", named[0]),
        )),
        _ => Some(Reason::good(
            SKILLS_MANY,
            format!("Nævner dine kompetencer {}", join(named, "og")),
            format!("Mentions your skills {}", join(named, "and")),
        )),
    }
}

fn area_reason(area: &Place, job: &JobPosting) -> Option<Reason> {
    let code = &area.postal_code;
    let place = format!("{} {}", job.postal_code.trim(), job.city.trim());
    Some(match proximity(code, job.postal_code.trim())? {
        Proximity::Same => Reason::good(
            AREA_SAME,
            format!("I dit område, {place}"),
            format!("In your area, {place}"),
        ),
        Proximity::Near => Reason::good(
            AREA_NEAR,
            format!("Tæt på dit område {code}"),
            format!("Close to your area {code}"),
        ),
        Proximity::Region => Reason::good(
            AREA_REGION,
            format!("I samme landsdel som dit område {code}"),
            format!("In the same part of the country as your area {code}"),
        ),
        Proximity::Far => Reason::bad(
            format!("Langt fra dit område {code} ({place})"),
            format!("Far from your area {code} ({place})"),
        ),
    })
}

/// Score one posting against the citizen's wishes.
pub fn score(wishes: &Wishes, job: &JobPosting) -> Match {
    let mut reasons = Vec::new();
    let mut occupation_match = false;
    if let Some(occupations) = wishes.occupations.as_deref().filter(|o| !o.is_empty()) {
        match occupation_reason(occupations, job) {
            Some(r) => {
                occupation_match = true;
                reasons.push(r);
            }
            None => reasons.push(not_a_wish(job)),
        }
    }
    if let Some(r) = wishes.skills.as_deref().and_then(|s| skills_reason(s, job)) {
        reasons.push(r);
    }
    if let Some(r) = wishes.area.as_ref().and_then(|a| area_reason(a, job)) {
        reasons.push(r);
    }
    // Good reasons first, most points first; the sort is stable, so ties keep the
    // order wishes, skills, area.
    reasons.sort_by_key(|r| (!r.good, std::cmp::Reverse(r.points)));
    let total: u32 = reasons.iter().map(|r| u32::from(r.points)).sum();
    Match {
        score: total.min(100) as u8,
        occupation_match,
        reasons,
    }
}

/// Whether a scored posting belongs in the citizen's feed. Without anything to match
/// on every posting is shown (newest first); otherwise a posting needs at least one
/// good reason, and, when the installation asks for it, a match with a job wish.
pub fn belongs(wishes: &Wishes, m: &Match, include_without_occupation_match: bool) -> bool {
    if !wishes.knows_anything() {
        return true;
    }
    if wishes.has_occupations() && !include_without_occupation_match && !m.occupation_match {
        return false;
    }
    m.score > 0
}

/// The postings to show in the feed, best first: each once, none the citizen
/// dismissed, none past its deadline, only those that [`belongs`], at most `limit`.
pub fn rank(
    wishes: &Wishes,
    postings: Vec<JobPosting>,
    dismissed: &[String],
    today: i64,
    include_without_occupation_match: bool,
    limit: usize,
) -> Vec<(JobPosting, Match)> {
    rank_where(wishes, postings, dismissed, today, limit, |m| {
        belongs(wishes, m, include_without_occupation_match)
    })
}

/// The results of the citizen's own search, best first: like [`rank`], but every
/// open posting found is shown, since the citizen asked for exactly these.
pub fn rank_search(
    wishes: &Wishes,
    postings: Vec<JobPosting>,
    dismissed: &[String],
    today: i64,
    limit: usize,
) -> Vec<(JobPosting, Match)> {
    rank_where(wishes, postings, dismissed, today, limit, |_| true)
}

fn rank_where(
    wishes: &Wishes,
    postings: Vec<JobPosting>,
    dismissed: &[String],
    today: i64,
    limit: usize,
    keep: impl Fn(&Match) -> bool,
) -> Vec<(JobPosting, Match)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut ranked: Vec<(JobPosting, Match)> = postings
        .into_iter()
        .filter(|p| seen.insert(p.id.clone()))
        .filter(|p| !dismissed.contains(&p.id))
        .filter(|p| !crate::dates::expired(p.deadline.as_deref(), today))
        .map(|p| {
            let m = score(wishes, &p);
            (p, m)
        })
        .filter(|(_, m)| keep(m))
        .collect();
    // Best first; among equals the newest, then by id so the order is stable.
    ranked.sort_by(|(a, ma), (b, mb)| {
        mb.score
            .cmp(&ma.score)
            .then_with(|| b.published.cmp(&a.published))
            .then_with(|| a.id.cmp(&b.id))
    });
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
