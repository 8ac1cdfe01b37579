//! A configuration form generated from a block's JSON Schema: strings, numbers and
//! integers, booleans, enums, arrays of strings (one per line in a textarea) and nested
//! objects (fieldsets). Each field's form name is `cfg` followed by its JSON pointer
//! within the configuration, so the server's errors (pointers under `/config`) land next
//! to the right field. Values that do not parse as their type are sent as text, so the
//! schema validation reports them.

use serde::Serialize;
use serde_json::{Map, Value};

use super::session::Form;
use jobunivers_core::problem::Problem;

/// The prefix of every configuration field's form name.
pub const PREFIX: &str = "cfg";

/// One entry of the generated form, in order: a field, or the start or end of a
/// fieldset.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Field {
    /// `string`, `number`, `integer`, `boolean`, `enum`, `lines`, `json`, or `open` /
    /// `close` for a fieldset.
    pub kind: String,
    /// The form name (`cfg` + JSON pointer).
    pub name: String,
    /// An HTML id derived from the pointer.
    pub id: String,
    /// The label (the schema's title, else the property name).
    pub label: String,
    /// The schema's description.
    pub hint: Option<String>,
    /// The current value as text.
    pub value: String,
    /// For booleans: checked.
    pub checked: bool,
    /// For enums: the choices.
    pub options: Vec<String>,
    /// Required by the schema.
    pub required: bool,
    /// The server's error for this field.
    pub error: Option<String>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn html_id(pointer: &str) -> String {
    let mut id = String::from("cfg");
    for c in pointer.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn kind_of(schema: &Value) -> &'static str {
    if schema.get("enum").and_then(Value::as_array).is_some() {
        return "enum";
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => "string",
        Some("number") => "number",
        Some("integer") => "integer",
        Some("boolean") => "boolean",
        Some("object") if schema.get("properties").is_some() => "object",
        Some("array")
            if schema
                .pointer("/items/type")
                .and_then(Value::as_str)
                .is_some_and(|t| t == "string") =>
        {
            "lines"
        }
        _ => "json",
    }
}

fn properties(schema: &Value) -> Vec<(&String, &Value)> {
    let mut props: Vec<(&String, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    // Keep the schema's order when it gives one (`x-order`), else by name.
    props.sort_by_key(|(k, s)| {
        (
            s.get("x-order").and_then(Value::as_i64).unwrap_or(0),
            (*k).clone(),
        )
    });
    props
}

/// The fields for `schema`, filled from `config`, with `errors` (pointers under
/// `/config`, and their messages) attached.
pub fn fields(schema: &Value, config: &Value, errors: &[(String, String)]) -> Vec<Field> {
    let mut out = Vec::new();
    walk(schema, config, "", errors, &mut out);
    out
}

fn walk(
    schema: &Value,
    value: &Value,
    pointer: &str,
    errors: &[(String, String)],
    out: &mut Vec<Field>,
) {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (key, prop) in properties(schema) {
        let p = format!("{pointer}/{}", escape(key));
        let current = value.get(key.as_str()).or_else(|| prop.get("default"));
        let label = prop
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(key)
            .to_owned();
        let hint = prop
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let error = errors
            .iter()
            .find(|(ep, _)| ep == &format!("/config{p}"))
            .map(|(_, d)| d.clone());
        let base = Field {
            name: format!("{PREFIX}{p}"),
            id: html_id(&p),
            label,
            hint,
            required: required.contains(&key.as_str()),
            error,
            ..Default::default()
        };
        match kind_of(prop) {
            "object" => {
                out.push(Field {
                    kind: "open".into(),
                    ..base
                });
                let empty = Value::Object(Map::new());
                walk(prop, current.unwrap_or(&empty), &p, errors, out);
                out.push(Field {
                    kind: "close".into(),
                    ..Default::default()
                });
            }
            "boolean" => out.push(Field {
                kind: "boolean".into(),
                checked: current.and_then(Value::as_bool).unwrap_or(false),
                ..base
            }),
            "enum" => out.push(Field {
                kind: "enum".into(),
                value: text_of(current),
                options: prop["enum"]
                    .as_array()
                    .map(|a| a.iter().map(|v| text_of(Some(v))).collect())
                    .unwrap_or_default(),
                ..base
            }),
            "lines" => out.push(Field {
                kind: "lines".into(),
                value: current
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|v| text_of(Some(v)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default(),
                ..base
            }),
            "json" => out.push(Field {
                kind: "json".into(),
                value: current.map(|v| v.to_string()).unwrap_or_default(),
                ..base
            }),
            kind => out.push(Field {
                kind: kind.into(),
                value: text_of(current),
                ..base
            }),
        }
    }
}

/// The configuration a submitted form describes. Empty optional fields are left out;
/// text that is not a number where one is expected is kept as text for the schema
/// validation to report at its pointer.
pub fn read(schema: &Value, form: &Form) -> Result<Value, Problem> {
    Ok(read_object(schema, form, ""))
}

fn read_object(schema: &Value, form: &Form, pointer: &str) -> Value {
    let mut obj = Map::new();
    for (key, prop) in properties(schema) {
        let p = format!("{pointer}/{}", escape(key));
        let name = format!("{PREFIX}{p}");
        let raw = form.get(&name);
        let value = match kind_of(prop) {
            "object" => Some(read_object(prop, form, &p)),
            "boolean" => Some(Value::Bool(raw.is_some_and(|v| v == "true" || v == "on"))),
            "lines" => raw.map(|r| {
                Value::Array(
                    r.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(|l| Value::String(l.to_owned()))
                        .collect(),
                )
            }),
            kind => raw.filter(|r| !r.trim().is_empty()).map(|r| {
                let r = r.trim();
                match kind {
                    "integer" => r
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(r.to_owned())),
                    "number" => r
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or_else(|| Value::String(r.to_owned())),
                    "json" => {
                        serde_json::from_str(r).unwrap_or_else(|_| Value::String(r.to_owned()))
                    }
                    "enum" => prop["enum"]
                        .as_array()
                        .and_then(|a| a.iter().find(|v| text_of(Some(v)) == r).cloned())
                        .unwrap_or_else(|| Value::String(r.to_owned())),
                    _ => Value::String(r.to_owned()),
                }
            }),
        };
        if let Some(v) = value {
            obj.insert(key.clone(), v);
        }
    }
    Value::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["title"],
            "properties": {
                "title": {"type": "string", "title": "Titel", "description": "Shown on top"},
                "max": {"type": "integer"},
                "ratio": {"type": "number"},
                "show": {"type": "boolean"},
                "mode": {"enum": ["a", "b"]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "contact": {"type": "object", "properties": {"a/b": {"type": "string"}}}
            }
        })
    }

    #[test]
    fn fields_follow_the_schema_with_values_and_errors() {
        let f = fields(
            &schema(),
            &json!({"title": "Hej", "tags": ["x", "y"], "show": true, "contact": {"a/b": "z"}}),
            &[("/config/max".into(), "must be an integer".into())],
        );
        let kinds: Vec<&str> = f.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "open", "string", "close", "integer", "enum", "number", "boolean", "lines",
                "string"
            ]
        );
        assert_eq!(f[1].name, "cfg/contact/a~1b");
        assert_eq!(f[1].value, "z");
        assert_eq!(f[3].error.as_deref(), Some("must be an integer"));
        assert!(f[6].checked);
        assert_eq!(f[7].value, "x\ny");
        assert_eq!(f[8].label, "Titel");
        assert!(f[8].required);
        assert_eq!(f[4].options, ["a", "b"]);
    }

    #[test]
    fn a_form_reads_back_into_typed_configuration() {
        let form = Form(vec![
            ("cfg/title".into(), " Hej ".into()),
            ("cfg/max".into(), "12".into()),
            ("cfg/ratio".into(), "abc".into()),
            ("cfg/show".into(), "true".into()),
            ("cfg/mode".into(), "b".into()),
            ("cfg/tags".into(), "x\r\n\n y \n".into()),
            ("cfg/contact/a~1b".into(), "".into()),
        ]);
        let v = read(&schema(), &form).unwrap();
        assert_eq!(
            v,
            json!({"title": "Hej", "max": 12, "ratio": "abc", "show": true, "mode": "b", "tags": ["x", "y"], "contact": {}})
        );
    }
}
