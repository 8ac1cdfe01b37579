//! The host's version-independent model of what blocks say and show. Every supported
//! contract version is adapted into these types (see `adapt.rs`); nothing outside the
//! runtime knows which version a block speaks.

use serde::{Deserialize, Serialize};

/// A text in Danish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    /// Danish.
    pub da: String,
    /// English.
    pub en: String,
}

/// The citizen's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Danish (the default).
    #[default]
    Da,
    /// English.
    En,
}

impl std::str::FromStr for Locale {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "da" => Ok(Self::Da),
            "en" => Ok(Self::En),
            other => Err(format!("unknown locale '{other}': use 'da' or 'en'")),
        }
    }
}

/// What the host tells a block about one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallContext {
    /// The citizen's pseudonymous id.
    pub citizen: String,
    /// The municipality's four-digit code.
    pub municipality: String,
    /// The citizen's language.
    pub locale: Locale,
    /// The view inside the block.
    pub view: String,
    /// The installation's configuration (JSON).
    pub config: String,
    /// The current time in Unix ms.
    pub now_ms: i64,
}

/// An action from the citizen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Action {
    /// The action id.
    pub id: String,
    /// A button's payload.
    pub payload: Option<String>,
    /// Submitted fields (name, value).
    pub fields: Vec<(String, String)>,
}

/// Something a block may react to (contract 1.1 and later).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// The daily schedule tick.
    Tick,
    /// New job postings arrived.
    NewJobPostings {
        /// Their ids.
        ids: Vec<String>,
    },
    /// The citizen changed their profile.
    ProfileChanged,
}

/// A capability request from a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityRequest {
    /// The capability's contract name, e.g. "profile.cv".
    pub name: String,
    /// Why the block needs it.
    pub reason: Localized,
}

/// What a block says about itself, as returned by its `describe` export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawManifest {
    /// `vendor.block`.
    pub id: String,
    /// Name.
    pub name: Localized,
    /// Description.
    pub description: Localized,
    /// Semantic version of the block.
    pub version: String,
    /// Category.
    pub category: String,
    /// Requested capabilities.
    pub capabilities: Vec<CapabilityRequest>,
    /// JSON Schema of the configuration (as text).
    pub config_schema: String,
    /// Default configuration (as text).
    pub default_config: String,
}

/// What a block shows, validated: card children are nested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Page {
    /// Title.
    pub title: Option<String>,
    /// Top-level elements in order.
    pub elements: Vec<Element>,
}

/// One UI element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Element {
    /// Heading, level 1-3 relative to the block.
    Heading {
        /// Text.
        text: String,
        /// Level.
        level: u8,
    },
    /// Paragraph.
    Paragraph {
        /// Text.
        text: String,
        /// normal, lead or muted.
        style: TextStyle,
    },
    /// List.
    List {
        /// Items.
        items: Vec<String>,
        /// Numbered.
        ordered: bool,
    },
    /// Card with nested elements.
    Card {
        /// Title.
        title: String,
        /// Subtitle.
        subtitle: Option<String>,
        /// Nested elements.
        children: Vec<Element>,
    },
    /// Link.
    Link {
        /// Label.
        label: String,
        /// Target.
        target: LinkTarget,
    },
    /// Button.
    Button {
        /// Label.
        label: String,
        /// Action id.
        action: String,
        /// Payload.
        payload: Option<String>,
        /// primary or secondary.
        style: ButtonStyle,
    },
    /// Form.
    Form {
        /// Action id.
        action: String,
        /// Submit label.
        submit_label: String,
        /// Fields.
        fields: Vec<Field>,
    },
    /// Progress.
    Progress {
        /// Label.
        label: String,
        /// Value.
        value: u32,
        /// Goal.
        max: u32,
    },
    /// Alert.
    Alert {
        /// Level.
        level: AlertLevel,
        /// Title.
        title: Option<String>,
        /// Text.
        text: String,
    },
    /// Chat transcript.
    Chat {
        /// Messages.
        messages: Vec<ChatMessage>,
        /// Action receiving the citizen's message.
        input_action: Option<String>,
        /// Placeholder.
        placeholder: Option<String>,
    },
}

/// Paragraph style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextStyle {
    /// Normal.
    Normal,
    /// Lead.
    Lead,
    /// Muted.
    Muted,
}

/// Link target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "to", rename_all = "lowercase")]
pub enum LinkTarget {
    /// A view of the same block.
    View(String),
    /// An https address.
    External(String),
}

/// Button style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    /// Primary.
    Primary,
    /// Secondary.
    Secondary,
}

/// A choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
}

/// Field kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "choices", rename_all = "lowercase")]
pub enum FieldKind {
    /// One line.
    Text,
    /// Several lines.
    Multiline,
    /// Number.
    Number,
    /// Date.
    Date,
    /// E-mail.
    Email,
    /// Phone.
    Phone,
    /// Select one.
    Select(Vec<Choice>),
    /// Radio group.
    Radio(Vec<Choice>),
    /// Checkbox.
    Checkbox,
    /// Checkbox group.
    Checkboxes(Vec<Choice>),
}

/// A form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Kind.
    pub kind: FieldKind,
    /// Required.
    pub required: bool,
    /// Value.
    pub value: Option<String>,
    /// Hint.
    pub hint: Option<String>,
    /// Validation message.
    pub error: Option<String>,
    /// Maximum length.
    pub max_length: Option<u32>,
}

/// Alert level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertLevel {
    /// Info.
    Info,
    /// Success.
    Success,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

/// Chat role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// Citizen.
    Citizen,
    /// Bot.
    Bot,
    /// Caseworker.
    Caseworker,
}

/// A chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who.
    pub role: ChatRole,
    /// What.
    pub text: String,
    /// When (Unix ms).
    pub at_ms: Option<i64>,
}

/// A flat element as the contract sends it, before validation nests the cards.
#[derive(Debug, Clone, PartialEq)]
pub enum FlatElement {
    /// Any element but a card.
    Leaf(Element),
    /// A card whose children are indexes into the flat list.
    Card {
        /// Title.
        title: String,
        /// Subtitle.
        subtitle: Option<String>,
        /// Child indexes.
        children: Vec<u32>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of every element kind, as JSON and back: the shape `block render` prints
    /// is the shape the page reads (the fuzz target `page` builds pages this way).
    #[test]
    fn a_page_round_trips_through_json() {
        let choices = vec![Choice {
            value: "a".into(),
            label: "A".into(),
        }];
        let field = |name: &str, kind: FieldKind| Field {
            name: name.into(),
            label: name.to_uppercase(),
            kind,
            required: true,
            value: Some("v".into()),
            hint: None,
            error: Some("e".into()),
            max_length: Some(10),
        };
        let page = Page {
            title: Some("T".into()),
            elements: vec![
                Element::Heading {
                    text: "H".into(),
                    level: 2,
                },
                Element::Card {
                    title: "C".into(),
                    subtitle: None,
                    children: vec![
                        Element::Paragraph {
                            text: "P".into(),
                            style: TextStyle::Lead,
                        },
                        Element::List {
                            items: vec!["i".into()],
                            ordered: true,
                        },
                    ],
                },
                Element::Link {
                    label: "L".into(),
                    target: LinkTarget::External("https://example.org".into()),
                },
                Element::Link {
                    label: "V".into(),
                    target: LinkTarget::View("next".into()),
                },
                Element::Button {
                    label: "B".into(),
                    action: "go".into(),
                    payload: Some("p".into()),
                    style: ButtonStyle::Secondary,
                },
                Element::Form {
                    action: "save".into(),
                    submit_label: "S".into(),
                    fields: vec![
                        field("t", FieldKind::Text),
                        field("s", FieldKind::Select(choices.clone())),
                        field("r", FieldKind::Radio(choices.clone())),
                        field("c", FieldKind::Checkboxes(choices)),
                        field("x", FieldKind::Checkbox),
                    ],
                },
                Element::Progress {
                    label: "G".into(),
                    value: 1,
                    max: 3,
                },
                Element::Alert {
                    level: AlertLevel::Warning,
                    title: None,
                    text: "A".into(),
                },
                Element::Chat {
                    messages: vec![ChatMessage {
                        role: ChatRole::Bot,
                        text: "hi".into(),
                        at_ms: Some(1),
                    }],
                    input_action: Some("say".into()),
                    placeholder: None,
                },
            ],
        };
        let json = serde_json::to_string(&page).unwrap();
        assert!(json.contains(r#""type":"card""#), "{json}");
        assert!(json.contains(r#""kind":"select","choices":[{"#), "{json}");
        let back: Page = serde_json::from_str(&json).unwrap();
        assert_eq!(back, page);
    }
}
