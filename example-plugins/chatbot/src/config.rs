//! The installation's configuration: the intents (keywords and answers in Danish and
//! English) and what the chatbot says around them. A municipality edits the list in the
//! admin form to correct, remove or add answers; the default ships careful general
//! guidance on the topics job-ready unemployed citizens ask about most.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::matcher::{common_mask, words, Hit, KeywordSet};

/// The default configuration, kept as JSON so it reads like what an admin edits.
pub const DEFAULT_CONFIG: &str = include_str!("default_config.json");

/// The longest answer an intent may give, in characters.
pub const MAX_ANSWER_CHARS: u64 = 2000;

/// One thing citizens ask about, and the answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Intent {
    /// A short, stable id, e.g. "ferie".
    pub id: String,
    /// The topic's name on its button, in Danish; without it the topic has no button.
    #[serde(default)]
    pub title_da: Option<String>,
    /// The topic's name on its button, in English.
    #[serde(default)]
    pub title_en: Option<String>,
    /// Danish words and phrases that point to this intent.
    pub keywords_da: Vec<String>,
    /// English words and phrases that point to this intent.
    #[serde(default)]
    pub keywords_en: Vec<String>,
    /// The answer in Danish.
    pub answer_da: String,
    /// The answer in English.
    pub answer_en: String,
    /// An https page to read more.
    #[serde(default)]
    pub link: Option<String>,
    /// The link's text in Danish.
    #[serde(default)]
    pub link_label_da: Option<String>,
    /// The link's text in English.
    #[serde(default)]
    pub link_label_en: Option<String>,
}

impl Intent {
    /// The button title, if the intent has one, in Danish and English.
    pub fn title(&self) -> Option<(&str, &str)> {
        let da = self.title_da.as_deref()?;
        Some((da, self.title_en.as_deref().unwrap_or(da)))
    }
}

/// The installation's configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Config {
    /// The bot's first message, in Danish.
    pub greeting_da: String,
    /// The bot's first message, in English.
    pub greeting_en: String,
    /// How to reach the jobcentre besides the chat, in Danish.
    pub contact_da: String,
    /// How to reach the jobcentre besides the chat, in English.
    pub contact_en: String,
    /// The least score an intent needs to be answered.
    pub min_score: f32,
    /// Danish words and phrases that mean "I want a person".
    pub handover_keywords_da: Vec<String>,
    /// English words and phrases that mean "I want a person".
    pub handover_keywords_en: Vec<String>,
    /// Words nearly every question holds ("dagpenge", "ledig"): they count half when
    /// choosing the topic, so "ferie på dagpenge" is about holidays.
    #[serde(default)]
    pub common_words: Vec<String>,
    /// What the chatbot knows.
    pub intents: Vec<Intent>,
}

impl Config {
    /// The default configuration.
    pub fn default_config() -> Self {
        serde_json::from_str(DEFAULT_CONFIG).expect("the default configuration fits the type")
    }

    /// The configuration from the installation's JSON. Top-level settings left out
    /// take the default's value, so "{}" is the default configuration.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        let mut merged: Value = serde_json::from_str(DEFAULT_CONFIG)?;
        let given: Value = serde_json::from_str(json)?;
        if let (Some(base), Value::Object(given)) = (merged.as_object_mut(), given) {
            base.extend(given);
        }
        serde_json::from_value(merged)
    }

    /// The intent with this id.
    pub fn intent(&self, id: &str) -> Option<&Intent> {
        self.intents.iter().find(|i| i.id == id)
    }
}

/// The configuration's keywords, compiled once per call.
#[derive(Debug, Clone)]
pub struct Matcher {
    intents: Vec<KeywordSet>,
    handover: KeywordSet,
    common: KeywordSet,
}

impl Matcher {
    /// Compile every intent's Danish and English keywords (citizens mix languages, so
    /// both are always matched) and the words for asking for a person.
    pub fn new(config: &Config) -> Self {
        Self {
            intents: config
                .intents
                .iter()
                .map(|i| {
                    KeywordSet::new(
                        i.keywords_da
                            .iter()
                            .chain(&i.keywords_en)
                            .map(String::as_str),
                    )
                })
                .collect(),
            handover: KeywordSet::new(
                config
                    .handover_keywords_da
                    .iter()
                    .chain(&config.handover_keywords_en)
                    .map(String::as_str),
            ),
            common: KeywordSet::new(config.common_words.iter().map(String::as_str)),
        }
    }

    /// The intents that match the message, best first: (index into the config's
    /// intents, hit). The topic is chosen with common words counting half; a tie goes
    /// to the full score, the more specific keyword, then the earlier intent. Intents below `min_score` are left out.
    pub fn rank(&self, message: &str, min_score: f32) -> Vec<(usize, Hit)> {
        let words = words(message);
        let common = common_mask(&words, &self.common);
        let mut ranked: Vec<(usize, Hit)> = self
            .intents
            .iter()
            .map(|set| set.score(&words, &common, true))
            .enumerate()
            .filter(|(_, hit)| hit.score >= min_score && hit.score > 0.0)
            .collect();
        ranked.sort_by(|(ia, a), (ib, b)| {
            b.weighted
                .total_cmp(&a.weighted)
                .then(b.score.total_cmp(&a.score))
                .then(b.longest.cmp(&a.longest))
                .then(ia.cmp(ib))
        });
        ranked
    }

    /// How strongly the message asks for a person. Compounds are off: "lagermedarbejder"
    /// is a job the citizen looks for, not a "medarbejder" they ask for.
    pub fn asks_for_person(&self, message: &str) -> f32 {
        self.handover.score(&words(message), &[], false).score
    }
}

fn localized_text(title: &str, description: &str, min: u64, max: u64) -> Value {
    json!({"type": "string", "title": title, "description": description, "minLength": min, "maxLength": max})
}

fn keyword_list(title: &str, description: &str, min_items: u64) -> Value {
    json!({
        "type": "array",
        "title": title,
        "description": description,
        "items": {"type": "string", "minLength": 1, "maxLength": 80},
        "minItems": min_items,
        "maxItems": 80
    })
}

/// The JSON Schema of the configuration (draft 2020-12), with a title and description
/// on every property so the admin form can explain it.
pub fn schema() -> Value {
    let intent = json!({
        "type": "object",
        "title": "Emne",
        "description": "Et emne, chatbotten kan svare på: ord, der peger på emnet, og svaret.",
        "additionalProperties": false,
        "required": ["id", "keywords_da", "answer_da", "answer_en"],
        "properties": {
            "id": {"type": "string", "title": "Id", "description": "Et kort, fast navn med små bogstaver, tal og bindestreg, fx \"ferie\".", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
            "title_da": localized_text("Knaptekst (dansk)", "Emnets navn på knappen. Uden knaptekst vises emnet ikke som knap, men kan stadig findes ved at skrive.", 1, 60),
            "title_en": localized_text("Knaptekst (engelsk)", "Emnets navn på knappen på engelsk.", 1, 60),
            "keywords_da": keyword_list("Nøgleord (dansk)", "Ord og vendinger, borgere bruger om emnet. Bøjninger, sammensatte ord og små stavefejl genkendes selv.", 1),
            "keywords_en": keyword_list("Nøgleord (engelsk)", "Ord og vendinger på engelsk.", 0),
            "answer_da": localized_text("Svar (dansk)", "Svaret i et enkelt og venligt sprog. Giv generel vejledning og henvis til a-kassen eller jobcentret for afgørelser.", 1, MAX_ANSWER_CHARS),
            "answer_en": localized_text("Svar (engelsk)", "Svaret på engelsk.", 1, MAX_ANSWER_CHARS),
            "link": {"type": "string", "title": "Link", "description": "En side med mere at læse (skal begynde med https://).", "pattern": "^https://[^\\s]+$", "maxLength": 300},
            "link_label_da": localized_text("Linktekst (dansk)", "Linkets tekst, fx \"Læs mere på Jobnet\".", 1, 80),
            "link_label_en": localized_text("Linktekst (engelsk)", "Linkets tekst på engelsk.", 1, 80)
        }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "required": ["greeting_da", "greeting_en", "contact_da", "contact_en", "min_score", "handover_keywords_da", "handover_keywords_en", "intents"],
        "properties": {
            "greeting_da": localized_text("Velkomst (dansk)", "Chatbottens første besked til borgeren.", 1, 500),
            "greeting_en": localized_text("Velkomst (engelsk)", "Chatbottens første besked på engelsk.", 1, 500),
            "contact_da": localized_text("Kontakt til jobcentret (dansk)", "Hvordan borgeren ellers kan kontakte jobcentret, fx telefonnummer og åbningstider.", 1, 500),
            "contact_en": localized_text("Kontakt til jobcentret (engelsk)", "Det samme på engelsk.", 1, 500),
            "min_score": {"type": "number", "title": "Mindste træfsikkerhed", "description": "Hvor sikkert et emne skal genkendes, før chatbotten svarer (0,5-3). Højere tal giver færre, men sikrere svar; ellers tilbydes en medarbejder.", "minimum": 0.5, "maximum": 3},
            "handover_keywords_da": keyword_list("Ønske om en medarbejder (dansk)", "Ord og vendinger, der betyder, at borgeren vil tale med et menneske, fx \"sagsbehandler\" eller \"ring til mig\".", 1),
            "handover_keywords_en": keyword_list("Ønske om en medarbejder (engelsk)", "Det samme på engelsk.", 0),
            "common_words": keyword_list("Almindelige ord", "Ord, som næsten alle spørgsmål indeholder, fx \"dagpenge\" og \"ledig\". De tæller mindre, når emnet vælges, så \"ferie på dagpenge\" handler om ferie.", 0),
            "intents": {"type": "array", "title": "Emner", "description": "Det, chatbotten kan svare på. Tilføj kommunens egne emner, eller ret svarene.", "items": intent, "minItems": 1, "maxItems": 60}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_configuration_fits_the_type_and_the_schemas_limits() {
        let config = Config::default_config();
        let default: Value = serde_json::from_str(DEFAULT_CONFIG).unwrap();
        let schema = schema();
        // Every property the default uses is in the schema, at both levels.
        let top = schema["properties"].as_object().unwrap();
        for key in default.as_object().unwrap().keys() {
            assert!(top.contains_key(key), "{key} is not in the schema");
        }
        let intent_props = top["intents"]["items"]["properties"].as_object().unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for intent in default["intents"].as_array().unwrap() {
            for key in intent.as_object().unwrap().keys() {
                assert!(intent_props.contains_key(key), "{key} is not in the schema");
            }
        }
        for i in &config.intents {
            assert!(ids.insert(i.id.clone()), "{} twice", i.id);
            assert!(
                i.answer_da.chars().count() as u64 <= MAX_ANSWER_CHARS,
                "{}",
                i.id
            );
            assert!(
                i.answer_en.chars().count() as u64 <= MAX_ANSWER_CHARS,
                "{}",
                i.id
            );
            assert!(i.link.as_deref().is_none_or(|l| l.starts_with("https://")));
            assert!(i.title().is_some(), "{} has no button", i.id);
            assert!(i.keywords_da.len() <= 80 && i.keywords_en.len() <= 80);
        }
        assert!((0.5..=3.0).contains(&config.min_score));
    }

    #[test]
    fn settings_left_out_take_the_defaults() {
        let empty = Config::from_json("{}").unwrap();
        assert_eq!(empty, Config::default_config());
        let own = Config::from_json(
            r#"{"min_score": 1.5, "intents": [{"id": "parkering", "keywords_da": ["parkering"], "answer_da": "Du kan parkere bag jobcentret.", "answer_en": "You can park behind the jobcentre."}]}"#,
        )
        .unwrap();
        assert_eq!(own.min_score, 1.5);
        assert_eq!(own.intents.len(), 1);
        assert_eq!(own.intents[0].title(), None);
        assert_eq!(own.greeting_da, empty.greeting_da);
        assert!(Config::from_json(r#"{"min_score": "høj"}"#).is_err());
    }

    #[test]
    fn every_property_is_explained_for_the_admin_form() {
        let schema = schema();
        let top = schema["properties"].as_object().unwrap();
        let nested = top["intents"]["items"]["properties"].as_object().unwrap();
        for (name, prop) in top.iter().chain(nested) {
            assert!(prop["title"].is_string(), "{name} has no title");
            assert!(prop["description"].is_string(), "{name} has no description");
        }
        assert_eq!(schema["additionalProperties"], json!(false));
        assert_eq!(
            top["intents"]["items"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn every_default_answer_points_to_who_decides() {
        // Careful answers: general guidance that sends the citizen to the a-kasse or the
        // jobcentre for their own case, never a promise.
        for i in Config::default_config().intents {
            let da = i.answer_da.to_lowercase();
            let en = i.answer_en.to_lowercase();
            assert!(
                da.contains("a-kasse") || da.contains("jobcent"),
                "{} (da) names neither",
                i.id
            );
            assert!(
                en.contains("a-kasse") || en.contains("jobcent"),
                "{} (en) names neither",
                i.id
            );
        }
    }
}
