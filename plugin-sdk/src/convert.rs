//! The bridge between the SDK's plain-Rust types and the generated bindings of the
//! chosen contract version. Written once against `crate::bindings`, which the cargo
//! feature points at one version.

use crate::bindings::exports::jobunivers::block::block as wblock;
use crate::bindings::jobunivers::block::{types as wtypes, ui as wui};
use crate::bindings::Exported;
use crate::ui::{
    AlertLevel, ButtonStyle, ChatMessage, ChatRole, Element, FieldKind, LinkTarget, Page, TextStyle,
};
use crate::{Action, Block, BlockError, CapabilityError, Context, Locale, Manifest};

/// A human-readable text for a refused capability call.
pub(crate) fn capability_error_text(e: &CapabilityError) -> String {
    let (kind, msg) = match e {
        CapabilityError::NotRequested(m) => ("not requested", m),
        CapabilityError::NotGranted(m) => ("not granted", m),
        CapabilityError::NoConsent(m) => ("no consent", m),
        CapabilityError::QuotaExceeded(m) => ("quota exceeded", m),
        CapabilityError::RateLimited(m) => ("rate limited", m),
        CapabilityError::Invalid(m) => ("invalid", m),
        CapabilityError::Unavailable(m) => ("unavailable", m),
    };
    format!("{kind}: {msg}")
}

fn context(ctx: wtypes::Context) -> Context {
    Context {
        citizen: ctx.citizen,
        municipality: ctx.municipality,
        locale: match ctx.locale {
            wtypes::Locale::Da => Locale::Da,
            wtypes::Locale::En => Locale::En,
        },
        view: ctx.view,
        config_json: ctx.config,
        now_ms: ctx.now_ms,
    }
}

fn block_error(e: BlockError) -> wblock::BlockError {
    match e {
        BlockError::BadRequest(m) => wblock::BlockError::BadRequest(m),
        BlockError::Failed(m) => wblock::BlockError::Failed(m),
    }
}

fn manifest(m: Manifest) -> wtypes::Manifest {
    let localized = |(da, en): (String, String)| wtypes::Localized { da, en };
    wtypes::Manifest {
        id: m.id,
        name: localized(m.name),
        description: localized(m.description),
        version: m.version,
        category: m.category.as_str().to_owned(),
        capabilities: m
            .capabilities
            .into_iter()
            .map(|c| wtypes::CapabilityRequest {
                name: c.capability.as_str().to_owned(),
                reason: wtypes::Localized {
                    da: c.reason_da,
                    en: c.reason_en,
                },
            })
            .collect(),
        config_schema: m.config_schema.to_string(),
        default_config: m.default_config.to_string(),
    }
}

pub(crate) fn chat_message(m: &ChatMessage) -> wui::ChatMessage {
    wui::ChatMessage {
        role: match m.role {
            ChatRole::Citizen => wui::ChatRole::Citizen,
            ChatRole::Bot => wui::ChatRole::Bot,
            ChatRole::Caseworker => wui::ChatRole::Caseworker,
        },
        text: m.text.clone(),
        at_ms: m.at_ms,
    }
}

fn choices(c: Vec<crate::ui::Choice>) -> Vec<wui::Choice> {
    c.into_iter()
        .map(|c| wui::Choice {
            value: c.value,
            label: c.label,
        })
        .collect()
}

/// Flatten the element tree into the contract's list, where a card's children are
/// indexes greater than the card's own. Returns the element's index.
fn emit(element: Element, out: &mut Vec<wui::Element>) -> u32 {
    let index = out.len();
    let flat = match element {
        Element::Card(card) => {
            // Reserve the card's slot so that its children come after it.
            out.push(wui::Element::Paragraph(wui::Paragraph {
                text: String::new(),
                style: wui::TextStyle::Normal,
            }));
            let children = card.children.into_iter().map(|c| emit(c, out)).collect();
            out[index] = wui::Element::Card(wui::Card {
                title: card.title,
                subtitle: card.subtitle,
                children,
            });
            return index as u32;
        }
        Element::Heading(h) => wui::Element::Heading(wui::Heading {
            text: h.text,
            level: h.level,
        }),
        Element::Paragraph(p) => wui::Element::Paragraph(wui::Paragraph {
            text: p.text,
            style: match p.style {
                TextStyle::Normal => wui::TextStyle::Normal,
                TextStyle::Lead => wui::TextStyle::Lead,
                TextStyle::Muted => wui::TextStyle::Muted,
            },
        }),
        Element::List(l) => wui::Element::BulletList(wui::BulletList {
            items: l.items,
            ordered: l.ordered,
        }),
        Element::Link(l) => wui::Element::Link(wui::Link {
            label: l.label,
            target: match l.target {
                LinkTarget::View(v) => wui::LinkTarget::View(v),
                LinkTarget::External(u) => wui::LinkTarget::External(u),
            },
        }),
        Element::Button(b) => wui::Element::Button(wui::Button {
            label: b.label,
            action: b.action,
            payload: b.payload,
            style: match b.style {
                ButtonStyle::Primary => wui::ButtonStyle::Primary,
                ButtonStyle::Secondary => wui::ButtonStyle::Secondary,
            },
        }),
        Element::Form(f) => wui::Element::Form(wui::Form {
            action: f.action,
            submit_label: f.submit_label,
            fields: f
                .fields
                .into_iter()
                .map(|f| wui::Field {
                    name: f.name,
                    label: f.label,
                    kind: match f.kind {
                        FieldKind::Text => wui::FieldKind::Text,
                        FieldKind::Multiline => wui::FieldKind::Multiline,
                        FieldKind::Number => wui::FieldKind::Number,
                        FieldKind::Date => wui::FieldKind::Date,
                        FieldKind::Email => wui::FieldKind::Email,
                        FieldKind::Phone => wui::FieldKind::Phone,
                        FieldKind::Select(c) => wui::FieldKind::Select(choices(c)),
                        FieldKind::Radio(c) => wui::FieldKind::Radio(choices(c)),
                        FieldKind::Checkbox => wui::FieldKind::Checkbox,
                        FieldKind::Checkboxes(c) => wui::FieldKind::Checkboxes(choices(c)),
                    },
                    required: f.required,
                    value: f.value,
                    hint: f.hint,
                    error: f.error,
                    max_length: f.max_length,
                })
                .collect(),
        }),
        Element::Progress(p) => wui::Element::Progress(wui::Progress {
            label: p.label,
            value: p.value,
            max: p.max,
        }),
        Element::Alert(a) => wui::Element::Alert(wui::Alert {
            level: match a.level {
                AlertLevel::Info => wui::AlertLevel::Info,
                AlertLevel::Success => wui::AlertLevel::Success,
                AlertLevel::Warning => wui::AlertLevel::Warning,
                AlertLevel::Error => wui::AlertLevel::Error,
            },
            title: a.title,
            text: a.text,
        }),
        Element::Chat(c) => wui::Element::Chat(wui::Chat {
            messages: c.messages.iter().map(chat_message).collect(),
            input_action: c.input_action,
            placeholder: c.placeholder,
        }),
    };
    out.push(flat);
    index as u32
}

pub(crate) fn page(p: Page) -> wui::Page {
    let mut elements = Vec::with_capacity(p.elements.len());
    for element in p.elements {
        emit(element, &mut elements);
    }
    wui::Page {
        title: p.title,
        elements,
    }
}

impl<T: Block> wblock::Guest for Exported<T> {
    fn describe() -> wtypes::Manifest {
        manifest(T::manifest())
    }

    fn render(ctx: wtypes::Context) -> Result<wui::Page, wblock::BlockError> {
        T::render(&context(ctx)).map(page).map_err(block_error)
    }

    fn handle_action(
        ctx: wtypes::Context,
        action: wblock::Action,
    ) -> Result<wui::Page, wblock::BlockError> {
        let action = Action {
            id: action.id,
            payload: action.payload,
            fields: action.fields,
        };
        T::handle_action(&context(ctx), &action)
            .map(page)
            .map_err(block_error)
    }

    #[cfg(any(feature = "contract-1-1", feature = "contract-1-2"))]
    fn on_event(ctx: wtypes::Context, event: wblock::Event) -> Result<(), wblock::BlockError> {
        let event = match event {
            wblock::Event::Tick => crate::Event::Tick,
            wblock::Event::NewJobPostings(ids) => crate::Event::NewJobPostings(ids),
            wblock::Event::ProfileChanged => crate::Event::ProfileChanged,
        };
        T::on_event(&context(ctx), &event).map_err(block_error)
    }
}
