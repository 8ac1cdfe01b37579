//! Checks on what a block returns: the manifest it describes itself with and the UI it
//! renders. A block that returns something invalid fails alone, with a message saying
//! what was wrong.

use std::collections::BTreeSet;
use std::io::Write;

use semver::Version;

use crate::caps::Capability;
use crate::model::{Element, FieldKind, FlatElement, LinkTarget, Page, RawManifest};

/// Categories a block may have.
pub const CATEGORIES: &[&str] = &[
    "cv",
    "chat",
    "course",
    "jobs",
    "job-log",
    "booking",
    "screening",
    "other",
];

/// A manifest that passed validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Manifest {
    /// What the block said.
    #[serde(flatten)]
    pub raw: RawManifest,
    /// Its version, parsed.
    #[serde(skip)]
    pub version: Version,
    /// Its requested capabilities, parsed.
    #[serde(skip)]
    pub requested: BTreeSet<Capability>,
    /// The configuration schema, parsed.
    #[serde(skip)]
    pub config_schema: serde_json::Value,
    /// The default configuration, parsed.
    #[serde(skip)]
    pub default_config: serde_json::Value,
}

fn valid_name(s: &str, max: usize) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.len() <= max
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
        && !s.ends_with('-')
}

/// Validate a manifest for a block targeting contract minor version `minor` (major 1).
pub fn manifest(raw: RawManifest, minor: u64) -> Result<Manifest, String> {
    let (vendor, name) = raw.id.split_once('.').ok_or_else(|| {
        format!(
            "the id '{}' must be 'vendor.block', e.g. 'schultz.job-log'",
            raw.id
        )
    })?;
    if !valid_name(vendor, 32) || !valid_name(name, 64) {
        return Err(format!(
            "the id '{}' must be 'vendor.block' in lowercase letters, digits and dashes, each part starting with a letter",
            raw.id
        ));
    }
    let version = Version::parse(&raw.version).map_err(|e| {
        format!(
            "the version '{}' is not a semantic version (e.g. 1.2.0): {e}",
            raw.version
        )
    })?;
    if !CATEGORIES.contains(&raw.category.as_str()) {
        return Err(format!(
            "the category '{}' is unknown; use one of: {}",
            raw.category,
            CATEGORIES.join(", ")
        ));
    }
    for (what, l) in [("name", &raw.name), ("description", &raw.description)] {
        if l.da.trim().is_empty() || l.en.trim().is_empty() {
            return Err(format!(
                "the {what} must be given in both Danish and English"
            ));
        }
    }
    let mut requested = BTreeSet::new();
    for c in &raw.capabilities {
        let cap = Capability::parse(&c.name).ok_or_else(|| {
            let known: Vec<_> = Capability::all()
                .filter(|c| c.since_minor() <= minor)
                .map(|c| c.name())
                .collect();
            format!(
                "the capability '{}' is unknown; known capabilities: {}",
                c.name,
                known.join(", ")
            )
        })?;
        if cap.since_minor() > minor {
            return Err(format!(
                "the capability '{}' needs contract 1.{} or later, but the block targets 1.{minor}",
                c.name,
                cap.since_minor()
            ));
        }
        if c.reason.da.trim().is_empty() || c.reason.en.trim().is_empty() {
            return Err(format!(
                "the capability '{}' needs a reason in both Danish and English",
                c.name
            ));
        }
        if !requested.insert(cap) {
            return Err(format!("the capability '{}' is requested twice", c.name));
        }
        if cap == Capability::Screening && raw.category != "screening" {
            return Err(format!(
                "the capability 'screening' is only for blocks of category 'screening', not '{}'",
                raw.category
            ));
        }
    }
    let config_schema: serde_json::Value = serde_json::from_str(&raw.config_schema)
        .map_err(|e| format!("the configuration schema is not valid JSON: {e}"))?;
    if !config_schema.is_object() {
        return Err("the configuration schema must be a JSON object (a JSON Schema)".into());
    }
    schema_validator(&config_schema)?;
    let default_config: serde_json::Value = serde_json::from_str(&raw.default_config)
        .map_err(|e| format!("the default configuration is not valid JSON: {e}"))?;
    let manifest = Manifest {
        raw,
        version,
        requested,
        config_schema,
        default_config,
    };
    manifest
        .validate_config(&manifest.default_config)
        .map_err(|e| format!("the default configuration {e}"))?;
    Ok(manifest)
}

impl Manifest {
    /// Check a configuration against the manifest's JSON Schema. The error names every
    /// problem with its place in the document, e.g. "does not fit the block's schema:
    /// /show_score: "yes" is not of type "boolean"".
    pub fn validate_config(&self, config: &serde_json::Value) -> Result<(), String> {
        let problems: Vec<String> = self
            .config_errors(config)?
            .into_iter()
            .map(|(at, e)| format!("{at}: {e}"))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "does not fit the block's schema: {}",
                problems.join("; ")
            ))
        }
    }

    /// Each way `config` breaks the block's schema (at most ten), as (JSON pointer,
    /// message); the pointer of the whole document is "/". Err if the schema itself is
    /// unusable.
    pub fn config_errors(
        &self,
        config: &serde_json::Value,
    ) -> Result<Vec<(String, String)>, String> {
        let validator = schema_validator(&self.config_schema)?;
        Ok(validator
            .iter_errors(config)
            .take(10)
            .map(|e| {
                let at = e.instance_path().to_string();
                (
                    if at.is_empty() { "/".to_owned() } else { at },
                    e.to_string(),
                )
            })
            .collect())
    }
}

/// The validator of a configuration schema, refusing schemas that are not valid JSON
/// Schema (only the bundled drafts are known: nothing is fetched from the network).
fn schema_validator(schema: &serde_json::Value) -> Result<jsonschema::Validator, String> {
    const DRAFTS: &[&str] = &[
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-04/schema#",
    ];
    if let Some(declared) = schema.get("$schema") {
        if !declared.as_str().is_some_and(|d| DRAFTS.contains(&d)) {
            return Err(format!(
                "the configuration schema declares $schema {declared}; use one of: {}",
                DRAFTS.join(", ")
            ));
        }
    }
    jsonschema::validator_for(schema)
        .map_err(|e| format!("the configuration schema is not a valid JSON Schema: {e}"))
}

/// Longest nesting of cards.
const MAX_DEPTH: usize = 8;
/// Most elements on one page.
pub const MAX_ELEMENTS: usize = 2_000;

/// Nest the contract's flat element list into a tree and check every element.
pub fn page(title: Option<String>, flat: Vec<FlatElement>) -> Result<Page, String> {
    if flat.len() > MAX_ELEMENTS {
        return Err(format!(
            "the page has {} elements; at most {MAX_ELEMENTS} are allowed",
            flat.len()
        ));
    }
    let len = flat.len();
    let mut is_child = vec![false; len];
    for (i, e) in flat.iter().enumerate() {
        if let FlatElement::Card { children, .. } = e {
            for &c in children {
                let c = c as usize;
                if c <= i || c >= len {
                    return Err(format!(
                        "card {i} lists child {c}; a child must come after its card and within the page's {len} elements"
                    ));
                }
                if std::mem::replace(&mut is_child[c], true) {
                    return Err(format!("element {c} is the child of more than one card"));
                }
            }
        }
    }
    let mut slots: Vec<Option<FlatElement>> = flat.into_iter().map(Some).collect();
    let mut elements = Vec::new();
    for (i, child) in is_child.iter().enumerate() {
        if !child {
            elements.push(build(&mut slots, i, 0)?);
        }
    }
    Ok(Page { title, elements })
}

fn build(slots: &mut [Option<FlatElement>], i: usize, depth: usize) -> Result<Element, String> {
    if depth > MAX_DEPTH {
        return Err(format!("cards are nested deeper than {MAX_DEPTH} levels"));
    }
    let element = slots[i]
        .take()
        .ok_or_else(|| format!("element {i} is used twice"))?;
    match element {
        // The contract lists a card's children by index; a card given whole would carry
        // elements that no check has seen.
        FlatElement::Leaf(Element::Card { .. }) => Err(format!(
            "element {i} is a card with nested children; a card lists its children by index"
        )),
        FlatElement::Leaf(e) => {
            check(&e).map_err(|m| format!("element {i}: {m}"))?;
            Ok(e)
        }
        FlatElement::Card {
            title,
            subtitle,
            children,
        } => {
            let children = children
                .into_iter()
                .map(|c| build(slots, c as usize, depth + 1))
                .collect::<Result<_, _>>()?;
            Ok(Element::Card {
                title,
                subtitle,
                children,
            })
        }
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
}

fn check(e: &Element) -> Result<(), String> {
    match e {
        Element::Heading { level, .. } if !(1..=3).contains(level) => Err(format!(
            "heading level {level} is not allowed; use 1, 2 or 3"
        )),
        Element::Link {
            target: LinkTarget::External(url),
            ..
        } if !url.starts_with("https://") => Err(format!(
            "the external link '{url}' must start with https://"
        )),
        Element::Link {
            target: LinkTarget::View(v),
            ..
        } if !v.is_empty() && !valid_id(v) => Err(format!(
            "the view name '{v}' may only hold letters, digits, '-', '_', '/' and '.'"
        )),
        Element::Button { action, .. } | Element::Form { action, .. } if !valid_id(action) => {
            Err(format!(
                "the action id '{action}' must be 1 to 64 letters, digits, '-', '_', '/' or '.'"
            ))
        }
        Element::Chat {
            input_action: Some(action),
            ..
        } if !valid_id(action) => Err(format!(
            "the chat's action id '{action}' must be 1 to 64 letters, digits, '-', '_', '/' or '.'"
        )),
        Element::Progress { value, max, .. } if *max == 0 || value > max => {
            Err(format!("progress {value} of {max} is not possible"))
        }
        Element::Form { fields, .. } => {
            let mut names = BTreeSet::new();
            for f in fields {
                if !valid_id(&f.name) {
                    return Err(format!("the field name '{}' is not valid", f.name));
                }
                if !names.insert(&f.name) {
                    return Err(format!(
                        "the field name '{}' is used twice in one form",
                        f.name
                    ));
                }
                if let FieldKind::Select(c) | FieldKind::Radio(c) | FieldKind::Checkboxes(c) =
                    &f.kind
                {
                    if c.is_empty() {
                        return Err(format!("the field '{}' has no choices", f.name));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Counts bytes without keeping them.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of a page as JSON, the measure of the output limit.
pub fn weight(page: &Page) -> usize {
    let mut counter = Counter(0);
    // Writing to a counter cannot fail, and a `Page` always serializes.
    let _ = serde_json::to_writer(&mut counter, page);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading(level: u8) -> Element {
        Element::Heading {
            text: "H".into(),
            level,
        }
    }

    /// Found by the fuzz target `page` (fuzz/corpus/page/finding-leaf-card.json): a card
    /// passed as a leaf carried its nested children past every check.
    #[test]
    fn a_card_with_nested_children_is_refused() {
        let card = Element::Card {
            title: "C".into(),
            subtitle: None,
            children: vec![heading(7)],
        };
        let err = page(None, vec![FlatElement::Leaf(card)]).unwrap_err();
        assert!(err.contains("lists its children by index"), "{err}");
        // The contract's shape still nests, and checks what it nests.
        let flat = vec![
            FlatElement::Card {
                title: "C".into(),
                subtitle: None,
                children: vec![1],
            },
            FlatElement::Leaf(heading(2)),
        ];
        let nested = page(None, flat).unwrap();
        assert!(
            matches!(&nested.elements[..], [Element::Card { children, .. }] if children == &[heading(2)])
        );
        let flat = vec![
            FlatElement::Card {
                title: "C".into(),
                subtitle: None,
                children: vec![1],
            },
            FlatElement::Leaf(heading(7)),
        ];
        assert!(page(None, flat).unwrap_err().contains("heading level 7"));
    }
}
