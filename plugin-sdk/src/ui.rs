//! Declarative UI: the elements a block returns instead of HTML.
//!
//! The host renders these into accessible markup of the Danish public-sector design
//! system, so every block looks and behaves the same for the citizen, whoever wrote it,
//! and nothing a block sends is ever interpreted as HTML.
//!
//! ```
//! use jobunivers_sdk::prelude::*;
//!
//! let page = Page::new()
//!     .title("CV-coach")
//!     .heading(1, "Dit CV")
//!     .text("Indsæt dit CV, så giver vi dig gode råd.")
//!     .card(Card::new("Sådan går det").progress("Point", 72, 100))
//!     .form(
//!         Form::new("analyse", "Analysér mit CV")
//!             .field(Field::multiline("cv", "Dit CV").required()),
//!     );
//! assert_eq!(page.elements.len(), 4);
//! ```

/// Methods that add elements, shared by [`Page`] and [`Card`].
///
/// ```
/// use jobunivers_sdk::prelude::*;
/// let card = Card::new("Tips").text("Skriv kort.").list(["Brug tal", "Brug aktive verber"]);
/// assert_eq!(card.children.len(), 2);
/// ```
pub trait Elements: Sized {
    /// Add any element.
    fn push(self, element: impl Into<Element>) -> Self;

    /// Add a heading; levels 1 to 3 are relative to the block's place on the page.
    fn heading(self, level: u8, text: impl Into<String>) -> Self {
        self.push(Element::Heading(Heading {
            level,
            text: text.into(),
        }))
    }
    /// Add a paragraph.
    fn text(self, text: impl Into<String>) -> Self {
        self.push(Element::Paragraph(Paragraph {
            text: text.into(),
            style: TextStyle::Normal,
        }))
    }
    /// Add an introductory paragraph, shown larger.
    fn lead(self, text: impl Into<String>) -> Self {
        self.push(Element::Paragraph(Paragraph {
            text: text.into(),
            style: TextStyle::Lead,
        }))
    }
    /// Add a paragraph of secondary importance.
    fn muted(self, text: impl Into<String>) -> Self {
        self.push(Element::Paragraph(Paragraph {
            text: text.into(),
            style: TextStyle::Muted,
        }))
    }
    /// Add a bullet list.
    fn list<I, S>(self, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.push(Element::List(BulletList {
            items: items.into_iter().map(Into::into).collect(),
            ordered: false,
        }))
    }
    /// Add a numbered list.
    fn ordered_list<I, S>(self, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.push(Element::List(BulletList {
            items: items.into_iter().map(Into::into).collect(),
            ordered: true,
        }))
    }
    /// Add a card.
    fn card(self, card: Card) -> Self {
        self.push(Element::Card(card))
    }
    /// Add a link to another view of this block.
    fn link_view(self, label: impl Into<String>, view: impl Into<String>) -> Self {
        self.push(Element::Link(Link {
            label: label.into(),
            target: LinkTarget::View(view.into()),
        }))
    }
    /// Add a link to an https address outside the platform.
    fn link_external(self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.push(Element::Link(Link {
            label: label.into(),
            target: LinkTarget::External(url.into()),
        }))
    }
    /// Add a primary button that sends `action` to the block.
    fn button(self, label: impl Into<String>, action: impl Into<String>) -> Self {
        self.push(Button::new(label, action))
    }
    /// Add a form.
    fn form(self, form: Form) -> Self {
        self.push(Element::Form(form))
    }
    /// Add a progress bar.
    fn progress(self, label: impl Into<String>, value: u32, max: u32) -> Self {
        self.push(Element::Progress(Progress {
            label: label.into(),
            value,
            max,
        }))
    }
    /// Add an alert.
    fn alert(self, alert: Alert) -> Self {
        self.push(Element::Alert(alert))
    }
    /// Add a chat transcript.
    fn chat(self, chat: Chat) -> Self {
        self.push(Element::Chat(chat))
    }
}

/// What a block shows: an optional title and elements in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The page's title, shown as the block's heading.
    pub title: Option<String>,
    /// The elements, top to bottom.
    pub elements: Vec<Element>,
}

impl Page {
    /// An empty page.
    ///
    /// ```
    /// let page = jobunivers_sdk::ui::Page::new();
    /// assert!(page.elements.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the title.
    ///
    /// ```
    /// let page = jobunivers_sdk::ui::Page::new().title("Joblog");
    /// assert_eq!(page.title.as_deref(), Some("Joblog"));
    /// ```
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

impl Elements for Page {
    fn push(mut self, element: impl Into<Element>) -> Self {
        self.elements.push(element.into());
        self
    }
}

/// One element of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A heading.
    Heading(Heading),
    /// A paragraph.
    Paragraph(Paragraph),
    /// A bullet or numbered list.
    List(BulletList),
    /// A card grouping other elements.
    Card(Card),
    /// A link.
    Link(Link),
    /// A button.
    Button(Button),
    /// A form.
    Form(Form),
    /// A progress bar.
    Progress(Progress),
    /// An alert.
    Alert(Alert),
    /// A chat transcript.
    Chat(Chat),
}

macro_rules! into_element {
    ($($ty:ident => $variant:ident),* $(,)?) => {
        $(impl From<$ty> for Element {
            fn from(value: $ty) -> Self {
                Element::$variant(value)
            }
        })*
    };
}

into_element!(
    Heading => Heading, Paragraph => Paragraph, BulletList => List, Card => Card,
    Link => Link, Button => Button, Form => Form, Progress => Progress, Alert => Alert,
    Chat => Chat,
);

/// A heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// 1 to 3, relative to the block's place on the page.
    pub level: u8,
    /// The text.
    pub text: String,
}

/// How a paragraph is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    /// Ordinary text.
    Normal,
    /// An introduction, shown larger.
    Lead,
    /// Secondary text.
    Muted,
}

/// A paragraph of plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// The text; line breaks are kept.
    pub text: String,
    /// How it is shown.
    pub style: TextStyle,
}

/// A list of short texts.
#[derive(Debug, Clone, PartialEq)]
pub struct BulletList {
    /// The items.
    pub items: Vec<String>,
    /// Numbered instead of bullets.
    pub ordered: bool,
}

/// A box with a title that groups other elements.
///
/// ```
/// use jobunivers_sdk::prelude::*;
/// let card = Card::new("Næste skridt").subtitle("Om 2 dage").button("Åbn", "open");
/// assert_eq!(card.subtitle.as_deref(), Some("Om 2 dage"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// The title.
    pub title: String,
    /// A line under the title.
    pub subtitle: Option<String>,
    /// The elements inside the card.
    pub children: Vec<Element>,
}

impl Card {
    /// A card with a title and nothing in it yet.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            subtitle: None,
            children: Vec::new(),
        }
    }
    /// Set the line under the title.
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }
}

impl Elements for Card {
    fn push(mut self, element: impl Into<Element>) -> Self {
        self.children.push(element.into());
        self
    }
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    /// Another view of the same block.
    View(String),
    /// An https address outside the platform.
    External(String),
}

/// A link.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// What the citizen reads.
    pub label: String,
    /// Where it goes.
    pub target: LinkTarget,
}

/// How prominent a button is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ButtonStyle {
    /// The main thing to do.
    Primary,
    /// Something else one can do.
    Secondary,
}

/// A button that sends an action to the block.
///
/// ```
/// use jobunivers_sdk::ui::{Button, ButtonStyle};
/// let b = Button::new("Gem", "save").payload("job-17").secondary();
/// assert_eq!(b.style, ButtonStyle::Secondary);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    /// What the citizen reads.
    pub label: String,
    /// The action id the block receives.
    pub action: String,
    /// A value sent along, e.g. the id of the item the button belongs to.
    pub payload: Option<String>,
    /// How prominent it is.
    pub style: ButtonStyle,
}

impl Button {
    /// A primary button.
    pub fn new(label: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            action: action.into(),
            payload: None,
            style: ButtonStyle::Primary,
        }
    }
    /// Send a value along with the action.
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = Some(payload.into());
        self
    }
    /// Make it a secondary button.
    pub fn secondary(mut self) -> Self {
        self.style = ButtonStyle::Secondary;
        self
    }
}

/// A choice in a select, radio group or checkbox group.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The value submitted.
    pub value: String,
    /// What the citizen reads.
    pub label: String,
}

impl Choice {
    /// A choice.
    ///
    /// ```
    /// let c = jobunivers_sdk::ui::Choice::new("video", "Video");
    /// assert_eq!(c.value, "video");
    /// ```
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// The kind of a form field, which decides its input and its validation in the browser.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Multiline,
    /// A number.
    Number,
    /// A date, "YYYY-MM-DD".
    Date,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// Pick one from a list.
    Select(Vec<Choice>),
    /// Pick one, all choices visible.
    Radio(Vec<Choice>),
    /// Yes or no.
    Checkbox,
    /// Pick any number.
    Checkboxes(Vec<Choice>),
}

/// One field of a form.
///
/// ```
/// use jobunivers_sdk::ui::Field;
/// let f = Field::text("employer", "Arbejdsgiver").required().error("Skriv arbejdsgiverens navn");
/// assert!(f.required);
/// assert!(f.error.is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The name the value is submitted under.
    pub name: String,
    /// The label the citizen reads.
    pub label: String,
    /// The kind of input.
    pub kind: FieldKind,
    /// Whether the field must be filled in.
    pub required: bool,
    /// The current value.
    pub value: Option<String>,
    /// Help shown under the label.
    pub hint: Option<String>,
    /// A validation message shown next to the field and in the error summary.
    pub error: Option<String>,
    /// The longest value accepted.
    pub max_length: Option<u32>,
}

macro_rules! field_constructors {
    ($($(#[$doc:meta])* $fn:ident => $kind:ident),* $(,)?) => {
        $($(#[$doc])*
        pub fn $fn(name: impl Into<String>, label: impl Into<String>) -> Self {
            Self::new(name, label, FieldKind::$kind)
        })*
    };
}

impl Field {
    /// A field of any kind.
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            kind,
            required: false,
            value: None,
            hint: None,
            error: None,
            max_length: None,
        }
    }

    field_constructors!(
        /// One line of text.
        text => Text,
        /// Several lines of text.
        multiline => Multiline,
        /// A number.
        number => Number,
        /// A date.
        date => Date,
        /// An e-mail address.
        email => Email,
        /// A phone number.
        phone => Phone,
        /// Yes or no.
        checkbox => Checkbox,
    );

    /// Pick one from a list.
    pub fn select(name: impl Into<String>, label: impl Into<String>, choices: Vec<Choice>) -> Self {
        Self::new(name, label, FieldKind::Select(choices))
    }
    /// Pick one, all choices visible.
    pub fn radio(name: impl Into<String>, label: impl Into<String>, choices: Vec<Choice>) -> Self {
        Self::new(name, label, FieldKind::Radio(choices))
    }
    /// Pick any number of choices.
    pub fn checkboxes(
        name: impl Into<String>,
        label: impl Into<String>,
        choices: Vec<Choice>,
    ) -> Self {
        Self::new(name, label, FieldKind::Checkboxes(choices))
    }
    /// The field must be filled in.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Set the current value.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
    /// Set help text.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Set a validation message.
    pub fn error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }
    /// Limit the length.
    pub fn max_length(mut self, max: u32) -> Self {
        self.max_length = Some(max);
        self
    }
}

/// A form whose submission is sent to the block as an action.
///
/// ```
/// use jobunivers_sdk::ui::{Field, Form};
/// let mut form = Form::new("save", "Gem").field(Field::text("title", "Stilling"));
/// form.set_error("title", "Skriv stillingens titel");
/// assert!(form.has_errors());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// The action id the block receives on submit.
    pub action: String,
    /// The submit button's label.
    pub submit_label: String,
    /// The fields, in order.
    pub fields: Vec<Field>,
}

impl Form {
    /// A form with no fields yet.
    pub fn new(action: impl Into<String>, submit_label: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            submit_label: submit_label.into(),
            fields: Vec::new(),
        }
    }
    /// Add a field.
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }
    /// Put a validation message on the field named `name` (ignored if there is none).
    pub fn set_error(&mut self, name: &str, error: impl Into<String>) {
        if let Some(field) = self.fields.iter_mut().find(|f| f.name == name) {
            field.error = Some(error.into());
        }
    }
    /// Whether any field has a validation message.
    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }
}

/// Progress towards a goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// What is measured.
    pub label: String,
    /// How far.
    pub value: u32,
    /// The goal.
    pub max: u32,
}

/// How serious an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    /// Good to know.
    Info,
    /// Something went well.
    Success,
    /// Needs attention.
    Warning,
    /// Something went wrong.
    Error,
}

/// A message that stands out.
///
/// ```
/// use jobunivers_sdk::ui::{Alert, AlertLevel};
/// let a = Alert::warning("Du mangler at søge job i denne uge").title("Husk det");
/// assert_eq!(a.level, AlertLevel::Warning);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// How serious.
    pub level: AlertLevel,
    /// A short title.
    pub title: Option<String>,
    /// The message.
    pub text: String,
}

impl Alert {
    fn with(level: AlertLevel, text: impl Into<String>) -> Self {
        Self {
            level,
            title: None,
            text: text.into(),
        }
    }
    /// Good to know.
    pub fn info(text: impl Into<String>) -> Self {
        Self::with(AlertLevel::Info, text)
    }
    /// Something went well.
    pub fn success(text: impl Into<String>) -> Self {
        Self::with(AlertLevel::Success, text)
    }
    /// Needs attention.
    pub fn warning(text: impl Into<String>) -> Self {
        Self::with(AlertLevel::Warning, text)
    }
    /// Something went wrong.
    pub fn error(text: impl Into<String>) -> Self {
        Self::with(AlertLevel::Error, text)
    }
    /// Set a short title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }
}

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRole {
    /// The citizen.
    Citizen,
    /// The block.
    Bot,
    /// A caseworker at the jobcentre.
    Caseworker,
}

/// One message of a chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: ChatRole,
    /// What was written.
    pub text: String,
    /// When (Unix ms).
    pub at_ms: Option<i64>,
}

/// A chat transcript, optionally with an input for the citizen's next message.
///
/// ```
/// use jobunivers_sdk::ui::{Chat, ChatRole};
/// let chat = Chat::new()
///     .message(ChatRole::Bot, "Hej! Hvad vil du vide?", None)
///     .input("send", "Skriv dit spørgsmål");
/// assert_eq!(chat.input_action.as_deref(), Some("send"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Chat {
    /// The messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The action that receives the citizen's message in the field `message`.
    pub input_action: Option<String>,
    /// Placeholder text of the input.
    pub placeholder: Option<String>,
}

impl Chat {
    /// An empty chat.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a message.
    pub fn message(mut self, role: ChatRole, text: impl Into<String>, at_ms: Option<i64>) -> Self {
        self.messages.push(ChatMessage {
            role,
            text: text.into(),
            at_ms,
        });
        self
    }
    /// Let the citizen write; their message is sent as `action` with the field `message`.
    pub fn input(mut self, action: impl Into<String>, placeholder: impl Into<String>) -> Self {
        self.input_action = Some(action.into());
        self.placeholder = Some(placeholder.into());
        self
    }
}
