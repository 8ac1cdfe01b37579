//! The checks on what a block renders (`validate::page`: child indexes, nesting,
//! headings, https links, ids, progress, forms), on pages built from arbitrary JSON.
//!
//! Input: JSON of either shape.
//! - A page as `block render` prints it (`{"title": .., "elements": [..]}`, cards
//!   nested): it is flattened as the contract sends it (a card lists the indexes of its
//!   children) and checked; what passes must nest back into the very same page.
//! - A flat page as the contract sends it (`{"title": .., "flat": [..]}`, each item an
//!   element or `{"card": {"title": .., "subtitle": .., "children": [indexes]}}`), with
//!   any indexes at all.
//!
//! Whatever passes holds only valid elements, each element of the input exactly once,
//! no deeper than the nesting limit, and re-serializes to JSON that reads back the same.
#![no_main]

use jobunivers_core::model::{Element, FieldKind, FlatElement, LinkTarget, Page};
use jobunivers_core::validate;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// A page in the contract's flat shape.
#[derive(Deserialize)]
struct FlatPage {
    title: Option<String>,
    flat: Vec<FlatItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum FlatItem {
    Card {
        title: String,
        subtitle: Option<String>,
        children: Vec<u32>,
    },
    #[serde(untagged)]
    Leaf(Element),
}

/// How deep cards may nest (validate.rs's limit): a card at depth 8 is the deepest.
const MAX_DEPTH: usize = 8;

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = serde_json::from_slice::<Page>(data) {
        let mut flat = Vec::new();
        for element in &page.elements {
            flatten(element, &mut flat);
        }
        let count = flat.len();
        if let Ok(checked) = validate::page(page.title.clone(), flat) {
            assert_eq!(checked, page, "nesting the flat page gives the page back");
            check_page(&checked, count);
        }
    } else if let Ok(input) = serde_json::from_slice::<FlatPage>(data) {
        let flat: Vec<FlatElement> = input
            .flat
            .into_iter()
            .map(|item| match item {
                FlatItem::Card {
                    title,
                    subtitle,
                    children,
                } => FlatElement::Card {
                    title,
                    subtitle,
                    children,
                },
                FlatItem::Leaf(element) => FlatElement::Leaf(element),
            })
            .collect();
        let count = flat.len();
        if let Ok(checked) = validate::page(input.title, flat) {
            check_page(&checked, count);
        }
    }
});

/// The contract's shape of a page: cards list the indexes of their children, which
/// follow them.
fn flatten(element: &Element, flat: &mut Vec<FlatElement>) -> u32 {
    let at = flat.len();
    match element {
        Element::Card {
            title,
            subtitle,
            children,
        } => {
            flat.push(FlatElement::Card {
                title: title.clone(),
                subtitle: subtitle.clone(),
                children: Vec::new(),
            });
            let indexes: Vec<u32> = children.iter().map(|c| flatten(c, flat)).collect();
            if let FlatElement::Card { children, .. } = &mut flat[at] {
                *children = indexes;
            }
        }
        other => flat.push(FlatElement::Leaf(other.clone())),
    }
    at as u32
}

/// What every checked page holds.
fn check_page(page: &Page, flat_len: usize) {
    let mut count = 0;
    for element in &page.elements {
        check_element(element, 0, &mut count);
    }
    assert_eq!(count, flat_len, "every flat element is used exactly once");
    assert!(count <= validate::MAX_ELEMENTS);
    let json = serde_json::to_vec(page).expect("a page serializes");
    assert_eq!(validate::weight(page), json.len());
    let back: Page = serde_json::from_slice(&json).expect("a page reads back");
    assert_eq!(&back, page);
}

fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
}

fn check_element(element: &Element, depth: usize, count: &mut usize) {
    *count += 1;
    assert!(depth <= MAX_DEPTH, "nested {depth} deep: {element:?}");
    match element {
        Element::Heading { level, .. } => assert!((1..=3).contains(level), "{element:?}"),
        Element::Link { target, .. } => match target {
            LinkTarget::External(url) => assert!(url.starts_with("https://"), "{url}"),
            LinkTarget::View(view) => assert!(view.is_empty() || valid_id(view), "{view}"),
        },
        Element::Button { action, .. } => assert!(valid_id(action), "{action}"),
        Element::Chat {
            input_action: Some(action),
            ..
        } => assert!(valid_id(action), "{action}"),
        Element::Progress { value, max, .. } => assert!(*max > 0 && value <= max),
        Element::Form { action, fields, .. } => {
            assert!(valid_id(action), "{action}");
            let mut names = std::collections::BTreeSet::new();
            for field in fields {
                assert!(valid_id(&field.name) && names.insert(&field.name));
                if let FieldKind::Select(c) | FieldKind::Radio(c) | FieldKind::Checkboxes(c) =
                    &field.kind
                {
                    assert!(!c.is_empty());
                }
            }
        }
        Element::Card { children, .. } => {
            for child in children {
                check_element(child, depth + 1, count);
            }
        }
        _ => {}
    }
}
