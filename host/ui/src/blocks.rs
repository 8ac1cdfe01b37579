//! A block's declarative UI made ready for the templates (marketplace-ui/templates/
//! macros/blocks.html): heading levels nested under the block's own heading, unique ids
//! for every field, each form's error summary, the addresses of links. Only structure is
//! added here; every text stays text and is escaped by the templates.

use serde_json::{json, Map, Value};

use jobunivers_core::model::{Element, FieldKind, LinkTarget};
use jobunivers_universe::universe::BlockView;

/// The address of one of a block's views.
pub fn view_href(installation: i64, view: &str) -> String {
    if view.is_empty() {
        format!("/universe/blocks/{installation}")
    } else {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("view", view);
        format!("/universe/blocks/{installation}?{}", q.finish())
    }
}

struct Walk {
    installation: i64,
    /// Fields and forms numbered in order, for unique ids.
    counter: usize,
    /// Whether an error summary on this page already takes the focus.
    focused: bool,
}

impl Walk {
    fn next_id(&mut self, what: &str, name: &str) -> String {
        self.counter += 1;
        let clean: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("b{}-{what}{}-{clean}", self.installation, self.counter)
    }

    fn elements(&mut self, elements: &[Element], base: u8) -> Vec<Value> {
        elements.iter().map(|e| self.element(e, base)).collect()
    }

    fn element(&mut self, e: &Element, base: u8) -> Value {
        let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
        let Some(obj) = v.as_object_mut() else {
            return v;
        };
        match e {
            Element::Heading { level, .. } => {
                obj.insert("h".into(), json!((base + level).min(6)));
            }
            Element::Card { children, .. } => {
                let h = (base + 1).min(6);
                obj.insert("h".into(), json!(h));
                obj.insert("children".into(), Value::Array(self.elements(children, h)));
            }
            Element::Link { target, .. } => {
                let (href, external) = match target {
                    LinkTarget::View(view) => (view_href(self.installation, view), false),
                    LinkTarget::External(url) => (url.clone(), true),
                };
                obj.insert("href".into(), json!(href));
                obj.insert("external".into(), json!(external));
            }
            Element::Progress { value, max, .. } => {
                let percent = if *max == 0 {
                    0
                } else {
                    (u64::from(*value) * 100 / u64::from(*max)).min(100)
                };
                obj.insert("percent".into(), json!(percent));
            }
            Element::Form { fields, action, .. } => {
                let form_id = self.next_id("form", action);
                let mut prepared = Vec::new();
                let mut errors = Vec::new();
                for f in fields {
                    let id = self.next_id("field", &f.name);
                    let mut fv = serde_json::to_value(f).unwrap_or(Value::Null);
                    if let Some(fo) = fv.as_object_mut() {
                        fo.insert("id".into(), json!(id));
                        let value = f.value.clone().unwrap_or_default();
                        match &f.kind {
                            FieldKind::Checkbox => {
                                fo.insert(
                                    "checked".into(),
                                    json!(matches!(value.as_str(), "true" | "on" | "1" | "yes")),
                                );
                            }
                            FieldKind::Checkboxes(_) => {
                                let chosen: Vec<&str> = value
                                    .split(',')
                                    .map(str::trim)
                                    .filter(|s| !s.is_empty())
                                    .collect();
                                fo.insert("chosen".into(), json!(chosen));
                            }
                            _ => {}
                        }
                        // The first input of a group receives the summary's link.
                        let target = match &f.kind {
                            FieldKind::Radio(_) | FieldKind::Checkboxes(_) => format!("{id}-1"),
                            _ => id.clone(),
                        };
                        if let Some(error) = &f.error {
                            errors
                                .push(json!({ "target": target, "label": f.label, "text": error }));
                        }
                    }
                    prepared.push(fv);
                }
                obj.insert("id".into(), json!(form_id));
                obj.insert("fields".into(), Value::Array(prepared));
                let focus = !errors.is_empty() && !self.focused;
                self.focused |= focus;
                obj.insert("errors".into(), Value::Array(errors));
                obj.insert("focus".into(), json!(focus));
            }
            Element::Chat { .. } => {
                let id = self.next_id("chat", "message");
                obj.insert("id".into(), json!(id));
            }
            _ => {}
        }
        v
    }
}

/// Whether any form of a block carries field errors.
pub fn has_errors(view: &BlockView) -> bool {
    fn any(elements: &[Element]) -> bool {
        elements.iter().any(|e| match e {
            Element::Form { fields, .. } => fields.iter().any(|f| f.error.is_some()),
            Element::Card { children, .. } => any(children),
            _ => false,
        })
    }
    view.page.as_ref().is_some_and(|p| any(&p.elements))
}

/// A block ready for `render_block`: its title at heading level `level`, its elements
/// nested below it, the view it shows.
pub fn prepare(view: &BlockView, name: Option<&str>, level: u8, current_view: &str) -> Value {
    let mut walk = Walk {
        installation: view.installation,
        counter: 0,
        focused: false,
    };
    let title = view
        .page
        .as_ref()
        .and_then(|p| p.title.clone())
        .or_else(|| name.map(str::to_owned))
        .unwrap_or_else(|| view.block.clone());
    let elements = view
        .page
        .as_ref()
        .map(|p| walk.elements(&p.elements, level))
        .unwrap_or_default();
    let mut out = Map::new();
    out.insert("installation".into(), json!(view.installation));
    out.insert("block".into(), json!(view.block));
    out.insert("version".into(), json!(view.version));
    out.insert("status".into(), json!(view.status));
    out.insert("placeholder".into(), json!(view.placeholder));
    out.insert("title".into(), json!(title));
    out.insert("h".into(), json!(level));
    out.insert("view".into(), json!(current_view));
    out.insert("href".into(), json!(view_href(view.installation, "")));
    out.insert("elements".into(), Value::Array(elements));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobunivers_core::model::{Field, Page};

    fn view(elements: Vec<Element>) -> BlockView {
        BlockView {
            installation: 7,
            block: "v.b".into(),
            version: "1.0.0".into(),
            status: "ok".into(),
            page: Some(Page {
                title: Some("Blok".into()),
                elements,
            }),
            placeholder: None,
            failure: None,
        }
    }

    #[test]
    fn headings_nest_below_the_block_and_errors_get_a_summary() {
        let field = |name: &str, error: Option<&str>| Field {
            name: name.into(),
            label: format!("Label {name}"),
            kind: FieldKind::Text,
            required: true,
            value: None,
            hint: None,
            error: error.map(str::to_owned),
            max_length: None,
        };
        let v = view(vec![
            Element::Heading {
                text: "A".into(),
                level: 1,
            },
            Element::Card {
                title: "C".into(),
                subtitle: None,
                children: vec![Element::Heading {
                    text: "B".into(),
                    level: 2,
                }],
            },
            Element::Form {
                action: "save".into(),
                submit_label: "Gem".into(),
                fields: vec![field("employer", Some("Skriv navnet")), field("x/y", None)],
            },
        ]);
        assert!(has_errors(&v));
        let p = prepare(&v, None, 2, "");
        let els = p["elements"].as_array().unwrap();
        assert_eq!(els[0]["h"], 3);
        assert_eq!(els[1]["h"], 3);
        assert_eq!(els[1]["children"][0]["h"], 5);
        let form = &els[2];
        assert_eq!(form["errors"][0]["text"], "Skriv navnet");
        assert_eq!(form["errors"][0]["target"], form["fields"][0]["id"]);
        assert_eq!(form["focus"], true);
        assert_ne!(form["fields"][0]["id"], form["fields"][1]["id"]);
        assert!(form["fields"][1]["id"].as_str().unwrap().ends_with("x-y"));
    }
}
