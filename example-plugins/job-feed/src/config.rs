//! The installation's configuration and its JSON Schema, which the municipality's admin
//! form is drawn from.

use serde::Deserialize;
use serde_json::{json, Value};

/// What a municipality can adjust.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Notify about new postings scoring at least this (0-100).
    pub min_score_to_notify: u8,
    /// At most this many messages a day; 0 turns them off.
    pub max_notifications_per_day: u32,
    /// Postings in the feed and in search results.
    pub max_results: u32,
    /// Also show postings outside the citizen's job wishes (nearby, or using their skills).
    pub include_without_occupation_match: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            min_score_to_notify: 65,
            max_notifications_per_day: 3,
            max_results: 20,
            include_without_occupation_match: true,
        }
    }
}

/// The JSON Schema of [`Config`].
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "min_score_to_notify": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100,
                "title": "Mindste match for en besked",
                "description": "Borgeren får kun besked om nye job, der matcher mindst så godt (0-100). Et job, der matcher et jobønske og ligger i samme landsdel som borgeren, får 65 eller mere."
            },
            "max_notifications_per_day": {
                "type": "integer",
                "minimum": 0,
                "maximum": 10,
                "title": "Højst antal beskeder om dagen",
                "description": "Så mange beskeder om nye job kan borgeren højst få på en dag. 0 slår beskederne fra."
            },
            "max_results": {
                "type": "integer",
                "minimum": 1,
                "maximum": 50,
                "title": "Antal job i feedet",
                "description": "Så mange job vises højst i feedet og i borgerens egne søgninger, de bedste først."
            },
            "include_without_occupation_match": {
                "type": "boolean",
                "title": "Vis også job uden for jobønskerne",
                "description": "Vis også job, der ikke matcher borgerens jobønsker, men fx ligger tæt på eller bruger borgerens kompetencer. Slået fra vises kun job inden for jobønskerne."
            }
        }
    })
}

/// The configuration used until a municipality changes it.
pub fn default_json() -> Value {
    let d = Config::default();
    json!({
        "min_score_to_notify": d.min_score_to_notify,
        "max_notifications_per_day": d.max_notifications_per_day,
        "max_results": d.max_results,
        "include_without_occupation_match": d.include_without_occupation_match,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_round_trips_and_every_property_has_a_title() {
        let parsed: Config = serde_json::from_value(default_json()).unwrap();
        assert_eq!(parsed, Config::default());
        let empty: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Config::default());
        let schema = schema();
        let props = schema["properties"].as_object().unwrap();
        let defaults = default_json();
        assert_eq!(props.len(), defaults.as_object().unwrap().len());
        for (name, p) in props {
            assert!(defaults.get(name).is_some(), "{name} has a default");
            assert!(
                p["title"].is_string() && p["description"].is_string(),
                "{name}"
            );
        }
        assert!(serde_json::from_str::<Config>(r#"{"max_result": 5}"#).is_err());
    }
}
