//! The citizen's own profile, kept by the citizen: job wishes (ESCO occupations, found by
//! their Danish label), CV text, education, where and from when they can work, and how
//! they want to be reached outside the page. Blocks read the profile (the parts they were
//! granted and the citizen consented to); only the citizen changes it.
//!
//! A change is checked field by field (every problem is named, with a JSON pointer to
//! its field) and written whole or not at all, together with the record of who changed
//! which parts and the `profile-changed` event that waits for the municipality's blocks.
//! A change that changes nothing writes nothing.

use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer, Serialize};

use jobunivers_core::auth::Identity;
use jobunivers_core::caps::{Area, Concept, Education, Profile};
use jobunivers_core::model::Locale;
use jobunivers_core::problem::{FieldError, Problem, Result};
use jobunivers_store::import::{self, ConceptKind};
use jobunivers_store::provider::ProfileChange;
use jobunivers_store::records::{ContactPreferences, CHANNELS, MESSAGE_KINDS};

use crate::citizen::Citizens;

/// Most desired occupations.
pub const MAX_OCCUPATIONS: usize = 10;
/// Most educations.
pub const MAX_EDUCATIONS: usize = 20;
/// Longest CV text, in characters.
pub const MAX_CV_CHARS: usize = 10_000;
/// Longest short text (a title, an institution, a city), in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest commute a citizen can state, in km.
pub const MAX_COMMUTE_KM: u32 = 300;

/// The citizen's profile as they see and edit it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MyProfile {
    /// The occupations they want, with their Danish label (English where ESCO has no
    /// Danish one).
    #[schema(value_type = Vec<Object>)]
    pub desired_occupations: Vec<Concept>,
    /// Their education.
    #[schema(value_type = Vec<EducationInput>)]
    pub education: Vec<Education>,
    /// Their CV, as text.
    pub cv_text: String,
    /// Where they look for work.
    #[schema(value_type = Option<AreaInput>)]
    pub preferred_area: Option<Area>,
    /// From when they can start, `YYYY-MM-DD`.
    pub available_from: Option<String>,
    /// How they want to be reached.
    pub contact: ContactPreferences,
    /// When the profile or the preferences last changed (Unix ms), if ever.
    pub updated_ms: Option<i64>,
}

/// An ESCO occupation a citizen can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Occupation {
    /// Its ESCO URI.
    pub uri: String,
    /// Its Danish label (English where ESCO has no Danish one).
    pub label: String,
}

/// Longest search text for occupations, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// An education, as the citizen writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EducationInput {
    /// The title, e.g. "Social- og sundhedshjælper".
    pub title: String,
    /// Where, e.g. "SOSU Østjylland".
    pub institution: String,
    /// The year completed (none while under way).
    #[serde(default)]
    pub year: Option<u16>,
}

/// Where the citizen looks for work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaInput {
    /// A Danish postal code, four digits.
    pub postal_code: String,
    /// The city.
    pub city: String,
    /// The longest commute they accept, in km (0 to 300).
    pub max_commute_km: u32,
}

/// A change: each part that is present replaces that part; `null` clears the parts
/// that can be empty. Parts left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// ESCO occupation URIs, at most 10, each once.
    #[serde(default)]
    pub desired_occupations: Option<Vec<String>>,
    /// At most 20 educations.
    #[serde(default, deserialize_with = "objects")]
    pub education: Option<Vec<EducationInput>>,
    /// At most 10,000 characters.
    #[serde(default)]
    pub cv_text: Option<String>,
    /// Where they look for work; `null` clears it.
    #[serde(default, deserialize_with = "present_object")]
    #[schema(value_type = Option<AreaInput>)]
    pub preferred_area: Option<Option<AreaInput>>,
    /// `YYYY-MM-DD`; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub available_from: Option<Option<String>>,
    /// How they want to be reached (replaced whole).
    #[serde(default, deserialize_with = "object")]
    pub contact: Option<ContactPreferences>,
}

/// A field that is present, even as `null` (`Some(None)`), as opposed to left out.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `T` from a JSON object, never from an array: serde reads a struct from an array too
/// (its fields in order), which no client of this API means.
fn from_object<T: DeserializeOwned, E: de::Error>(
    value: serde_json::Value,
) -> std::result::Result<T, E> {
    if !value.is_object() {
        return Err(E::invalid_type(unexpected(&value), &"a JSON object"));
    }
    serde_json::from_value(value).map_err(E::custom)
}

fn unexpected(value: &serde_json::Value) -> de::Unexpected<'_> {
    match value {
        serde_json::Value::Null => de::Unexpected::Unit,
        serde_json::Value::Bool(b) => de::Unexpected::Bool(*b),
        serde_json::Value::Number(_) => de::Unexpected::Other("a number"),
        serde_json::Value::String(s) => de::Unexpected::Str(s),
        serde_json::Value::Array(_) => de::Unexpected::Seq,
        serde_json::Value::Object(_) => de::Unexpected::Map,
    }
}

/// An object, or `null` (as left out).
fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        value => from_object(value).map(Some),
    }
}

/// An object, or `null` to clear (`Some(None)`), as opposed to left out.
fn present_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    object(d).map(Some)
}

/// An array of objects, or `null` (as left out).
fn objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> std::result::Result<Option<Vec<T>>, D::Error> {
    match Option::<Vec<serde_json::Value>>::deserialize(d)? {
        None => Ok(None),
        Some(list) => list
            .into_iter()
            .map(from_object)
            .collect::<std::result::Result<_, _>>()
            .map(Some),
    }
}

/// The problems of one change, each at its field.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        self.0.push(FieldError::at(pointer, detail));
    }

    /// A text that must be there (unless `optional`), at most `max` characters, without
    /// control characters other than line breaks; returned trimmed.
    fn text(&mut self, pointer: &str, value: &str, max: usize, optional: bool) -> String {
        let value = value.trim();
        if value.is_empty() && !optional {
            self.add(pointer, "must not be empty");
        } else if value.chars().count() > max {
            self.add(pointer, format!("is longer than {max} characters"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            self.add(pointer, "contains control characters");
        }
        value.to_owned()
    }
}

/// A Danish mobile number as `+45` and eight digits, from what the citizen wrote
/// (spaces allowed, `+45` or `0045` optional).
pub fn normalize_mobile(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = compact
        .strip_prefix("+45")
        .or_else(|| compact.strip_prefix("0045"))
        .unwrap_or(&compact);
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'))
        .then(|| format!("+45{digits}"))
}

/// Whether `text` looks like an e-mail address: one `@`, something before it, a domain
/// with a dot after it, no spaces, at most 254 characters.
pub fn plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_contact(problems: &mut Problems, contact: ContactPreferences) -> ContactPreferences {
    let email = contact
        .email
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    if let Some(e) = &email {
        if !plausible_email(e) {
            problems.add("/contact/email", "is not an e-mail address");
        }
    }
    let mobile = match contact
        .mobile
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
    {
        None => None,
        Some(m) => match normalize_mobile(&m) {
            Some(m) => Some(m),
            None => {
                problems.add(
                    "/contact/mobile",
                    "is not a Danish mobile number (eight digits, +45 optional)",
                );
                None
            }
        },
    };
    let mut channels = std::collections::BTreeMap::new();
    for (kind, list) in contact.channels {
        let at = format!(
            "/contact/channels/{}",
            kind.replace('~', "~0").replace('/', "~1")
        );
        if !MESSAGE_KINDS.contains(&kind.as_str()) {
            problems.add(
                &at,
                format!(
                    "is not a kind of message; the kinds are {}",
                    MESSAGE_KINDS.join(", ")
                ),
            );
            continue;
        }
        let mut chosen: Vec<String> = Vec::new();
        for (i, channel) in list.into_iter().enumerate() {
            if !CHANNELS.contains(&channel.as_str()) {
                problems.add(
                    format!("{at}/{i}"),
                    format!("is not a channel; the channels are {}", CHANNELS.join(", ")),
                );
            } else if channel == "email" && email.is_none() {
                problems.add(format!("{at}/{i}"), "needs an e-mail address");
            } else if channel == "sms" && mobile.is_none() {
                problems.add(format!("{at}/{i}"), "needs a mobile number");
            } else if !chosen.contains(&channel) {
                chosen.push(channel);
            }
        }
        if !chosen.is_empty() {
            chosen.sort();
            channels.insert(kind, chosen);
        }
    }
    ContactPreferences {
        email,
        mobile,
        channels,
    }
}

impl Citizens {
    /// ESCO occupations whose label contains every word of `text`, the best 20 first.
    pub async fn occupations(&self, who: &Identity, text: &str) -> Result<Vec<Occupation>> {
        self.registered(who).await?;
        if text.chars().count() > MAX_SEARCH_CHARS {
            return Err(Problem::bad_request(
                "search-too-long",
                format!("the search text is longer than {MAX_SEARCH_CHARS} characters"),
            )
            .at("q"));
        }
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let found = import::search_concepts(
            self.provider().db(),
            text,
            Some(ConceptKind::Occupation),
            20,
        )
        .await?;
        Ok(found
            .into_iter()
            .map(|c| Occupation {
                label: c.label(Locale::Da).unwrap_or(&c.uri).to_owned(),
                uri: c.uri,
            })
            .collect())
    }

    /// The caller's profile and contact preferences.
    pub async fn profile(&self, who: &Identity) -> Result<MyProfile> {
        let citizen = self.registered(who).await?;
        self.my_profile(&citizen.id).await
    }

    async fn my_profile(&self, citizen: &str) -> Result<MyProfile> {
        let provider = self.provider();
        let mut conn = provider.db().pool().acquire().await?;
        let stored = jobunivers_store::records::profile_of(&mut conn, citizen).await?;
        let contact = provider.contact_preferences(citizen).await?;
        let profile: Profile = match &stored {
            Some(record) => {
                serde_json::from_value(record.profile.clone()).map_err(Problem::internal)?
            }
            None => Profile::default(),
        };
        let updated_ms = [stored.map(|s| s.updated_ms), contact.as_ref().map(|c| c.1)]
            .into_iter()
            .flatten()
            .max();
        Ok(MyProfile {
            desired_occupations: profile.desired_occupations.unwrap_or_default(),
            education: profile.education.unwrap_or_default(),
            cv_text: profile.cv_text.unwrap_or_default(),
            preferred_area: profile.preferred_area,
            available_from: profile.available_from,
            contact: contact.map(|c| c.0).unwrap_or_default(),
            updated_ms,
        })
    }

    /// Check and apply the caller's change; see the module documentation. A change
    /// with any problem is refused whole (422 `profile-invalid`, every problem at its
    /// field) and writes nothing.
    pub async fn update_profile(&self, who: &Identity, update: ProfileUpdate) -> Result<MyProfile> {
        let citizen = self.registered(who).await?;
        let provider = self.provider();
        let mut conn = provider.db().pool().acquire().await?;
        let stored = jobunivers_store::records::profile_of(&mut conn, &citizen.id).await?;
        drop(conn);
        let mut profile: Profile = match &stored {
            Some(record) => {
                serde_json::from_value(record.profile.clone()).map_err(Problem::internal)?
            }
            None => Profile::default(),
        };
        let before = profile.clone();
        let mut problems = Problems::default();
        let mut parts: Vec<String> = Vec::new();

        if let Some(uris) = update.desired_occupations {
            if uris.len() > MAX_OCCUPATIONS {
                problems.add(
                    "/desired_occupations",
                    format!("at most {MAX_OCCUPATIONS} occupations"),
                );
            }
            let mut concepts: Vec<Concept> = Vec::new();
            for (i, uri) in uris.iter().take(MAX_OCCUPATIONS).enumerate() {
                let at = format!("/desired_occupations/{i}");
                if concepts.iter().any(|c| &c.uri == uri) {
                    problems.add(at, "is named twice");
                    continue;
                }
                // One the profile holds already stays as it is, even if the imported
                // concepts do not name it (an ISCO group a case system set, say).
                let kept = before
                    .desired_occupations
                    .iter()
                    .flatten()
                    .find(|c| &c.uri == uri);
                if let Some(kept) = kept {
                    concepts.push(kept.clone());
                    continue;
                }
                match import::concept(provider.db(), uri).await? {
                    Some(c) if c.kind == ConceptKind::Occupation => concepts.push(Concept {
                        label: c.label(Locale::Da).unwrap_or(&c.uri).to_owned(),
                        uri: c.uri,
                    }),
                    _ => problems.add(at, "is not an ESCO occupation"),
                }
            }
            profile.desired_occupations = Some(concepts);
        }
        if let Some(list) = update.education {
            if list.len() > MAX_EDUCATIONS {
                problems.add("/education", format!("at most {MAX_EDUCATIONS} educations"));
            }
            let this_year = 1970 + (jobunivers_core::clock::now_ms() / 31_556_952_000) as u16;
            let mut educations = Vec::new();
            for (i, e) in list.into_iter().take(MAX_EDUCATIONS).enumerate() {
                let title = problems.text(
                    &format!("/education/{i}/title"),
                    &e.title,
                    MAX_SHORT_CHARS,
                    false,
                );
                let institution = problems.text(
                    &format!("/education/{i}/institution"),
                    &e.institution,
                    MAX_SHORT_CHARS,
                    false,
                );
                if let Some(year) = e.year {
                    if !(1940..=this_year + 6).contains(&year) {
                        problems.add(
                            format!("/education/{i}/year"),
                            format!("must be between 1940 and {}", this_year + 6),
                        );
                    }
                }
                educations.push(Education {
                    title,
                    institution,
                    year: e.year,
                });
            }
            profile.education = Some(educations);
        }
        if let Some(text) = update.cv_text {
            let text = problems.text("/cv_text", &text, MAX_CV_CHARS, true);
            profile.cv_text = (!text.is_empty()).then_some(text);
        }
        if let Some(area) = update.preferred_area {
            profile.preferred_area = area.map(|a| {
                let postal_code = a.postal_code.trim().to_owned();
                if !(postal_code.len() == 4
                    && postal_code.bytes().all(|b| b.is_ascii_digit())
                    && !postal_code.starts_with('0'))
                {
                    problems.add(
                        "/preferred_area/postal_code",
                        "is not a Danish postal code (four digits)",
                    );
                }
                let city = problems.text("/preferred_area/city", &a.city, MAX_SHORT_CHARS, false);
                if a.max_commute_km > MAX_COMMUTE_KM {
                    problems.add(
                        "/preferred_area/max_commute_km",
                        format!("must be between 0 and {MAX_COMMUTE_KM} km"),
                    );
                }
                Area {
                    postal_code,
                    city,
                    max_commute_km: a.max_commute_km,
                }
            });
        }
        if let Some(date) = update.available_from {
            let date = date.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
            if let Some(problem) = date.as_deref().and_then(import::date_problem) {
                problems.add("/available_from", problem);
            }
            profile.available_from = date;
        }
        let contact = update.contact.map(|c| check_contact(&mut problems, c));

        if !problems.0.is_empty() {
            return Err(Problem::invalid(
                "profile-invalid",
                format!(
                    "the profile was not changed: {} field(s) need correcting",
                    problems.0.len()
                ),
            )
            .with_errors(problems.0));
        }
        for (part, changed) in [
            (
                "desired_occupations",
                profile.desired_occupations != before.desired_occupations,
            ),
            ("education", profile.education != before.education),
            ("cv_text", profile.cv_text != before.cv_text),
            (
                "preferred_area",
                profile.preferred_area != before.preferred_area,
            ),
            (
                "available_from",
                profile.available_from != before.available_from,
            ),
        ] {
            if changed {
                parts.push(part.to_owned());
            }
        }
        let profile_changed = !parts.is_empty();
        let contact = match contact {
            Some(c) => {
                let current = provider
                    .contact_preferences(&citizen.id)
                    .await?
                    .map(|c| c.0)
                    .unwrap_or_default();
                (current != c).then_some(c)
            }
            None => None,
        };
        if contact.is_some() {
            parts.push("contact".into());
        }
        if !parts.is_empty() {
            provider
                .change_profile(&ProfileChange {
                    citizen: &citizen.id,
                    municipality: &citizen.municipality,
                    by: &who.subject,
                    profile: profile_changed.then_some(&profile),
                    contact: contact.as_ref(),
                    parts: &parts,
                })
                .await?;
            tracing::info!(parts = ?parts, "a citizen changed their profile");
        }
        self.my_profile(&citizen.id).await
    }
}
