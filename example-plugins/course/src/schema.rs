//! The JSON Schema of the configuration. Every object and property has a title and a
//! description in Danish (admins are Danish municipalities), so an admin form can be
//! generated from it. Sub-schemas are written out in place rather than referenced with
//! `$ref`, so a simple form renderer needs nothing beyond properties, items and types.

use serde_json::{json, Value};

use crate::model::{MAX_ID_LEN, MIN_PASS_PERCENT};

/// Longest paragraph, key point, question, answer or feedback, in characters.
pub const MAX_TEXT: u32 = 1_200;

fn id(title: &str, description: &str) -> Value {
    json!({
        "type": "string",
        "title": title,
        "description": description,
        "pattern": format!("^[a-z0-9][a-z0-9-]{{0,{}}}$", MAX_ID_LEN - 1),
    })
}

fn localized(title: &str, description: &str, max: u32) -> Value {
    json!({
        "type": "object",
        "title": title,
        "description": description,
        "additionalProperties": false,
        "required": ["da", "en"],
        "properties": {
            "da": {"type": "string", "title": "Dansk", "description": "Teksten på dansk.", "minLength": 1, "maxLength": max},
            "en": {"type": "string", "title": "Engelsk", "description": "Teksten på engelsk.", "minLength": 1, "maxLength": max},
        }
    })
}

fn list(title: &str, description: &str, items: Value, min: u32, max: u32) -> Value {
    json!({
        "type": "array",
        "title": title,
        "description": description,
        "items": items,
        "minItems": min,
        "maxItems": max,
    })
}

fn pass_percent(title: &str, description: &str) -> Value {
    json!({
        "type": "integer",
        "title": title,
        "description": description,
        "minimum": MIN_PASS_PERCENT,
        "maximum": 100,
    })
}

fn choice() -> Value {
    json!({
        "type": "object",
        "title": "Svarmulighed",
        "description": "Et muligt svar og den forklaring, borgeren får, hvis hun eller han vælger det.",
        "additionalProperties": false,
        "required": ["id", "label", "feedback"],
        "properties": {
            "id": id("Id", "Kort, fast id for svaret, fx \"a\". Små bogstaver, tal og bindestreg."),
            "label": localized("Svar", "Svarmuligheden, som borgeren læser den.", 300),
            "feedback": localized("Forklaring", "Hvorfor svaret er rigtigt eller forkert. Skriv venligt og konkret.", MAX_TEXT),
        }
    })
}

fn question() -> Value {
    json!({
        "type": "object",
        "title": "Spørgsmål",
        "description": "Et multiple choice-spørgsmål med ét rigtigt svar.",
        "additionalProperties": false,
        "required": ["id", "text", "choices", "correct"],
        "properties": {
            "id": id("Id", "Kort, fast id for spørgsmålet, fx \"q1\"."),
            "text": localized("Spørgsmål", "Spørgsmålet, som borgeren læser det.", 400),
            "choices": list("Svarmuligheder", "To til fem svarmuligheder.", choice(), 2, 5),
            "correct": id("Rigtigt svar", "Id'et på den svarmulighed, der er rigtig."),
        }
    })
}

fn lesson() -> Value {
    json!({
        "type": "object",
        "title": "Lektion",
        "description": "En lektion: kort tekst, de vigtigste pointer og en quiz, der afslutter lektionen.",
        "additionalProperties": false,
        "required": ["id", "title", "paragraphs", "key_points", "quiz"],
        "properties": {
            "id": id("Id", "Kort, fast id for lektionen. Borgerens fremskridt gemmes under det, så ændr det ikke bagefter."),
            "title": localized("Titel", "Lektionens titel.", 120),
            "paragraphs": list("Tekst", "Lektionens tekst i korte afsnit, ét afsnit pr. punkt.", localized("Afsnit", "Et kort afsnit.", MAX_TEXT), 1, 12),
            "key_points": list("Det vigtigste", "De vigtigste pointer, vist som en punktliste.", localized("Pointe", "En kort pointe.", 300), 1, 8),
            "quiz": list("Quiz", "To til fire spørgsmål, der afslutter lektionen.", question(), 2, 4),
        }
    })
}

fn course() -> Value {
    json!({
        "type": "object",
        "title": "Kursus",
        "description": "Et kursus: et emne delt op i lektioner.",
        "additionalProperties": false,
        "required": ["id", "title", "summary", "lessons"],
        "properties": {
            "id": id("Id", "Kort, fast id for kurset, fx \"jobsamtalen\". Borgerens fremskridt gemmes under det, så ændr det ikke bagefter."),
            "title": localized("Titel", "Kursets navn.", 120),
            "summary": localized("Kort beskrivelse", "En eller to sætninger om, hvad borgeren får ud af kurset.", 400),
            "minutes": {"type": "integer", "title": "Varighed (minutter)", "description": "Omtrent hvor mange minutter hele kurset tager.", "minimum": 1, "maximum": 600},
            "pass_percent": pass_percent("Beståelseskrav for dette kursus (%)", "Hvis udfyldt, gælder det i stedet for det generelle beståelseskrav."),
            "lessons": list("Lektioner", "Kursets lektioner i rækkefølge.", lesson(), 1, 12),
        }
    })
}

/// The configuration's JSON Schema.
pub fn config_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Kurser",
        "description": "Kurserne, borgerne kan tage, og hvor mange rigtige svar en quiz kræver.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "pass_percent": pass_percent(
                "Beståelseskrav (%)",
                "Hvor stor en del af svarene i en quiz, der skal være rigtige, for at lektionen er gennemført. 100 = alle rigtige; 66 = fx 2 ud af 3."
            ),
            "courses": list(
                "Kurser",
                "Kurserne i den rækkefølge, borgeren ser dem. Udelades feltet, bruges de to indbyggede kurser.",
                course(),
                1,
                20
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every object in the schema has a title and a description, and closes itself.
    fn check(schema: &Value, at: &str) {
        assert!(schema["title"].is_string(), "{at} has no title");
        assert!(schema["description"].is_string(), "{at} has no description");
        if schema["type"] == "object" {
            assert_eq!(schema["additionalProperties"], json!(false), "{at}");
            for (name, sub) in schema["properties"].as_object().unwrap() {
                check(sub, &format!("{at}/{name}"));
            }
        }
        if schema["type"] == "array" {
            check(&schema["items"], &format!("{at}/items"));
        }
    }

    #[test]
    fn every_part_of_the_schema_is_titled_described_and_closed() {
        check(&config_schema(), "");
    }

    /// A validator for the part of JSON Schema this schema uses, so the default content
    /// is checked natively (the host checks it again with a full validator at load).
    fn validate(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let fits = match schema["type"].as_str() {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_u64() || value.is_i64(),
            other => panic!("{at}: type {other:?} is not handled"),
        };
        if !fits {
            errors.push(format!("{at}: not a {}", schema["type"]));
            return;
        }
        let limit = |key: &str| schema[key].as_u64();
        match value {
            Value::Object(map) => {
                for name in schema["required"].as_array().into_iter().flatten() {
                    if !map.contains_key(name.as_str().unwrap()) {
                        errors.push(format!("{at}: {name} is missing"));
                    }
                }
                for (name, v) in map {
                    match schema["properties"].get(name) {
                        Some(sub) => validate(sub, v, &format!("{at}/{name}"), errors),
                        None => errors.push(format!("{at}: {name} is not allowed")),
                    }
                }
            }
            Value::Array(items) => {
                let n = items.len() as u64;
                if limit("minItems").is_some_and(|m| n < m)
                    || limit("maxItems").is_some_and(|m| n > m)
                {
                    errors.push(format!("{at}: {n} items"));
                }
                for (i, item) in items.iter().enumerate() {
                    validate(&schema["items"], item, &format!("{at}/{i}"), errors);
                }
            }
            Value::String(s) => {
                let n = s.chars().count() as u64;
                if limit("minLength").is_some_and(|m| n < m)
                    || limit("maxLength").is_some_and(|m| n > m)
                {
                    errors.push(format!("{at}: {n} characters"));
                }
                if schema.get("pattern").is_some() && !crate::model::valid_id(s) {
                    errors.push(format!("{at}: '{s}' is not an id"));
                }
            }
            Value::Number(n) => {
                let n = n.as_u64().unwrap_or(0);
                if limit("minimum").is_some_and(|m| n < m)
                    || limit("maximum").is_some_and(|m| n > m)
                {
                    errors.push(format!("{at}: {n} is out of range"));
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_default_configuration_fits_the_schema_and_broken_ones_do_not() {
        let schema = config_schema();
        let mut errors = Vec::new();
        validate(&schema, &crate::model::default_config(), "", &mut errors);
        assert_eq!(errors, Vec::<String>::new());

        let mut broken = crate::model::default_config();
        broken["pass_percent"] = json!(20);
        broken["courses"][0]["lessons"][0]["quiz"][0]["choices"] = json!([]);
        broken["courses"][1]["title"] = json!({"da": "Jobsamtalen"});
        broken["courses"][1]["colour"] = json!("red");
        let mut errors = Vec::new();
        validate(&schema, &broken, "", &mut errors);
        assert_eq!(
            errors,
            [
                "/courses/0/lessons/0/quiz/0/choices: 0 items",
                "/courses/1: colour is not allowed",
                "/courses/1/title: \"en\" is missing",
                "/pass_percent: 20 is out of range",
            ]
        );
    }

    #[test]
    fn the_id_pattern_matches_the_id_rule() {
        let pattern = config_schema()["properties"]["courses"]["items"]["properties"]["id"]
            ["pattern"]
            .clone();
        assert_eq!(pattern, json!("^[a-z0-9][a-z0-9-]{0,23}$"));
    }
}
