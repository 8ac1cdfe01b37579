//! Seeds written by hand: the shapes the example blocks do not produce (every element
//! kind, the contract's flat page with broken indexes, schema keywords, the smallest
//! components).

use serde_json::{json, Value};

use crate::{json, Corpus};

/// The smallest component: the preamble alone (magic, version 0x0d, layer 1).
pub(crate) const TINY_COMPONENT: &[u8] = b"\0asm\x0d\x00\x01\x00";

pub(crate) fn components(out: &mut Corpus) -> Result<(), String> {
    out.write("component", "empty-component.wasm", TINY_COMPONENT.to_vec())?;
    out.write(
        "component",
        "core-module.wasm",
        b"\0asm\x01\x00\x00\x00".to_vec(),
    )?;
    out.write("component", "not-wasm.wasm", b"hello, world".to_vec())?;
    Ok(())
}

/// One of every element kind, cards nested, as `block render` prints a page.
fn every_element() -> Value {
    let choices = json!([{ "value": "a", "label": "A" }, { "value": "b", "label": "B" }]);
    let field = |name: &str, kind: Value| {
        json!({
            "name": name, "label": name, "kind": kind, "required": false,
            "value": null, "hint": "hint", "error": null, "max_length": 40
        })
    };
    json!({
        "title": "Every element",
        "elements": [
            { "type": "heading", "text": "Heading", "level": 1 },
            { "type": "paragraph", "text": "Lead", "style": "lead" },
            { "type": "list", "items": ["one", "two"], "ordered": false },
            { "type": "card", "title": "Card", "subtitle": "sub", "children": [
                { "type": "paragraph", "text": "Muted", "style": "muted" },
                { "type": "card", "title": "Inner", "subtitle": null, "children": [
                    { "type": "link", "label": "View", "target": { "kind": "view", "to": "details/1" } }
                ] }
            ] },
            { "type": "link", "label": "Out", "target": { "kind": "external", "to": "https://example.org/a" } },
            { "type": "button", "label": "Go", "action": "go", "payload": "{\"id\":1}", "style": "primary" },
            { "type": "form", "action": "save", "submit_label": "Save", "fields": [
                field("name", json!({ "kind": "text" })),
                field("notes", json!({ "kind": "multiline" })),
                field("age", json!({ "kind": "number" })),
                field("day", json!({ "kind": "date" })),
                field("mail", json!({ "kind": "email" })),
                field("phone", json!({ "kind": "phone" })),
                field("pick", json!({ "kind": "select", "choices": choices })),
                field("one", json!({ "kind": "radio", "choices": choices })),
                field("ok", json!({ "kind": "checkbox" })),
                field("many", json!({ "kind": "checkboxes", "choices": choices }))
            ] },
            { "type": "progress", "label": "Done", "value": 2, "max": 5 },
            { "type": "alert", "level": "warning", "title": null, "text": "Careful" },
            { "type": "chat", "messages": [
                { "role": "bot", "text": "Hi", "at_ms": 1 },
                { "role": "citizen", "text": "Hello", "at_ms": null },
                { "role": "caseworker", "text": "Welcome", "at_ms": 2 }
            ], "input_action": "say", "placeholder": "Write" }
        ]
    })
}

/// Cards nested `depth` deep.
fn nested(depth: usize) -> Value {
    let mut element = json!({ "type": "heading", "text": "Deep", "level": 3 });
    for i in 0..depth {
        element = json!({ "type": "card", "title": format!("level {i}"), "subtitle": null, "children": [element] });
    }
    json!({ "title": null, "elements": [element] })
}

/// A page in the contract's flat shape.
fn flat(items: Value) -> Value {
    json!({ "title": "Flat", "flat": items })
}

pub(crate) fn pages(out: &mut Corpus) -> Result<(), String> {
    let heading = json!({ "type": "heading", "text": "H", "level": 2 });
    let card = |children: Value| json!({ "card": { "title": "C", "subtitle": null, "children": children } });
    let seeds = [
        ("every-element.json", every_element()),
        ("nested-8.json", nested(8)),
        ("nested-9.json", nested(9)),
        ("empty.json", json!({ "title": null, "elements": [] })),
        (
            "invalid-elements.json",
            json!({ "title": "Invalid", "elements": [
                { "type": "heading", "text": "H", "level": 4 },
                { "type": "link", "label": "L", "target": { "kind": "external", "to": "http://example.org" } },
                { "type": "button", "label": "B", "action": "", "payload": null, "style": "secondary" },
                { "type": "progress", "label": "P", "value": 3, "max": 0 },
                { "type": "form", "action": "f", "submit_label": "S", "fields": [] }
            ] }),
        ),
        (
            "flat-cards.json",
            flat(json!([
                card(json!([1, 2])),
                heading,
                card(json!([3])),
                heading
            ])),
        ),
        (
            "flat-child-before-card.json",
            flat(json!([heading, card(json!([0]))])),
        ),
        (
            "flat-child-out-of-range.json",
            flat(json!([card(json!([7]))])),
        ),
        (
            "flat-shared-child.json",
            flat(json!([card(json!([2])), card(json!([2])), heading])),
        ),
        ("flat-self-child.json", flat(json!([card(json!([0]))]))),
    ];
    for (name, value) in seeds {
        out.write("page", name, json(&value)?)?;
    }
    Ok(())
}

/// Manifests whose configuration schemas use the keywords the example blocks do not.
pub(crate) fn manifests(out: &mut Corpus) -> Result<(), String> {
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": { "slot": { "type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$" } },
        "properties": {
            "greeting": { "type": "string", "minLength": 1, "maxLength": 80 },
            "mode": { "enum": ["short", "long"] },
            "limit": { "type": "integer", "minimum": 1, "maximum": 50 },
            "slots": { "type": "array", "items": { "$ref": "#/$defs/slot" }, "uniqueItems": true },
            "contact": { "oneOf": [
                { "type": "string", "format": "email" },
                { "type": "null" }
            ] }
        },
        "required": ["greeting"],
        "additionalProperties": false
    });
    let manifest = |minor: u8, capabilities: Value, category: &str, config: Value| {
        let raw = json!({
            "id": "seed.schema-keywords",
            "name": { "da": "Nøgleord", "en": "Keywords" },
            "description": { "da": "Et skema med mange nøgleord", "en": "A schema of many keywords" },
            "version": "1.2.3-beta.1+build.5",
            "category": category,
            "capabilities": capabilities,
            "config_schema": schema.to_string(),
            "default_config": json!({ "greeting": "Hej", "slots": ["09:00"] }).to_string()
        });
        let mut bytes = vec![minor];
        bytes.extend(raw.to_string().into_bytes());
        bytes.push(0);
        bytes.extend(config.to_string().into_bytes());
        bytes
    };
    let reason = json!({ "da": "Fordi", "en": "Because" });
    let seeds = [
        (
            "keywords-valid.bin",
            manifest(
                2,
                json!([{ "name": "storage", "reason": reason }]),
                "other",
                json!({ "greeting": "Hi", "mode": "long", "limit": 5, "contact": "a@example.org" }),
            ),
        ),
        (
            "keywords-invalid-config.bin",
            manifest(
                2,
                json!([]),
                "other",
                json!({ "greeting": "", "limit": 99, "slots": ["9", "9"], "extra": 1 }),
            ),
        ),
        (
            "screening-capability.bin",
            manifest(
                2,
                json!([{ "name": "screening", "reason": reason }]),
                "screening",
                json!({ "greeting": "Hej" }),
            ),
        ),
        (
            "capability-too-new.bin",
            manifest(
                0,
                json!([{ "name": "notify", "reason": reason }]),
                "other",
                json!(null),
            ),
        ),
    ];
    for (name, bytes) in seeds {
        out.write("manifest", name, bytes)?;
    }
    Ok(())
}
