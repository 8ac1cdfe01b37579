//! What blocks describe themselves with and what they render is checked before anyone
//! sees it.

use jobunivers_host::runtime::model::{
    CapabilityRequest, Element, FlatElement, Localized, RawManifest, TextStyle,
};
use jobunivers_host::runtime::validate;

fn loc(da: &str, en: &str) -> Localized {
    Localized {
        da: da.into(),
        en: en.into(),
    }
}

fn manifest() -> RawManifest {
    RawManifest {
        id: "schultz.job-log".into(),
        name: loc("Joblog", "Job log"),
        description: loc("Registrér ansøgninger", "Register applications"),
        version: "1.2.0".into(),
        category: "job-log".into(),
        capabilities: vec![CapabilityRequest {
            name: "storage".into(),
            reason: loc("Husker", "Remembers"),
        }],
        config_schema: r#"{"type": "object"}"#.into(),
        default_config: "{}".into(),
    }
}

#[test]
fn manifests_are_checked_with_a_message_per_problem() {
    type Edit = fn(&mut RawManifest);
    let cases: Vec<(Edit, u64, &str)> = vec![
        (|m| m.id = "joblog".into(), 0, "must be 'vendor.block'"),
        (|m| m.id = "Schultz.Job Log".into(), 0, "lowercase letters"),
        (|m| m.version = "1.2".into(), 0, "not a semantic version"),
        (
            |m| m.category = "games".into(),
            0,
            "the category 'games' is unknown",
        ),
        (
            |m| m.name.en = " ".into(),
            0,
            "name must be given in both Danish and English",
        ),
        (
            |m| m.capabilities[0].name = "camera".into(),
            0,
            "the capability 'camera' is unknown",
        ),
        (
            |m| m.capabilities[0].name = "notify".into(),
            0,
            "needs contract 1.1 or later, but the block targets 1.0",
        ),
        (
            |m| m.capabilities[0].reason.da = String::new(),
            0,
            "needs a reason in both Danish and English",
        ),
        (
            |m| m.capabilities.push(m.capabilities[0].clone()),
            0,
            "requested twice",
        ),
        (
            |m| m.config_schema = "{".into(),
            0,
            "schema is not valid JSON",
        ),
        (
            |m| m.config_schema = "[]".into(),
            0,
            "must be a JSON object",
        ),
        (
            |m| m.default_config = "nope".into(),
            0,
            "default configuration is not valid JSON",
        ),
        (|m| m.config_schema = r#"{"type": "banana"}"#.into(), 0, "not a valid JSON Schema"),
        (|m| m.config_schema = r#"{"$schema": "https://example.com/mine"}"#.into(), 0, "declares $schema"),
        (
            |m| {
                m.config_schema =
                    r#"{"type": "object", "properties": {"weeks": {"type": "integer", "minimum": 1}}}"#.into();
                m.default_config = r#"{"weeks": 0}"#.into();
            },
            0,
            "the default configuration does not fit the block's schema: /weeks: 0 is less than the minimum of 1",
        ),
    ];
    for (edit, minor, expected) in cases {
        let mut m = manifest();
        edit(&mut m);
        let err = validate::manifest(m, minor).expect_err(expected);
        assert!(err.contains(expected), "expected '{expected}' in '{err}'");
    }
    assert!(validate::manifest(manifest(), 0).is_ok());
    let mut notify = manifest();
    notify.capabilities[0].name = "notify".into();
    assert!(
        validate::manifest(notify, 1).is_ok(),
        "notify is fine for a 1.1 block"
    );
}

fn text(t: &str) -> FlatElement {
    FlatElement::Leaf(Element::Paragraph {
        text: t.into(),
        style: TextStyle::Normal,
    })
}

fn card(children: &[u32]) -> FlatElement {
    FlatElement::Card {
        title: "Kort".into(),
        subtitle: None,
        children: children.to_vec(),
    }
}

#[test]
fn cards_nest_their_children_and_bad_indexes_are_refused() {
    let page = validate::page(None, vec![card(&[1, 2]), text("a"), text("b"), text("c")]).unwrap();
    assert_eq!(page.elements.len(), 2);
    match &page.elements[0] {
        Element::Card { children, .. } => assert_eq!(children.len(), 2),
        other => panic!("expected a card, got {other:?}"),
    }
    let cases: Vec<(Vec<FlatElement>, &str)> = vec![
        (
            vec![text("a"), card(&[0])],
            "a child must come after its card",
        ),
        (vec![card(&[5]), text("a")], "within the page's 2 elements"),
        (
            vec![card(&[2]), card(&[2]), text("a")],
            "child of more than one card",
        ),
        (
            vec![card(&[1]), card(&[1])],
            "a child must come after its card",
        ),
        (
            (0..10)
                .map(|i| card(&[i + 1]))
                .chain([text("deep")])
                .collect(),
            "nested deeper than 8",
        ),
    ];
    for (flat, expected) in cases {
        let err = validate::page(None, flat).expect_err(expected);
        assert!(err.contains(expected), "expected '{expected}' in '{err}'");
    }
    let many: Vec<FlatElement> = (0..=validate::MAX_ELEMENTS).map(|_| text("x")).collect();
    assert!(validate::page(None, many)
        .unwrap_err()
        .contains("at most 2000"));
}
