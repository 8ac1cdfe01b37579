//! The trait a block implements.

use core::fmt;

use crate::{ui::Page, Action, CapabilityError, Context, Event, Manifest};

/// A building block. Implement it for a type and export it with
/// [`export_block!`](crate::export_block).
///
/// Every call gets a fresh instance of the block: keep nothing in statics between calls;
/// what must be remembered goes into [`storage`](crate::storage).
///
/// ```
/// use jobunivers_sdk::prelude::*;
///
/// struct Counter;
/// impl Block for Counter {
///     fn manifest() -> Manifest {
///         Manifest::new("demo.counter", "1.0.0", Category::Other)
///     }
///     fn render(ctx: &Context) -> Result<Page, BlockError> {
///         Ok(Page::new().text(ctx.t("Tæl til tre", "Count to three")).button("+1", "inc"))
///     }
///     fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
///         match action.id.as_str() {
///             "inc" => Self::render(ctx),
///             other => Err(BlockError::unknown_action(other)),
///         }
///     }
/// }
/// let ctx = Context::for_test(Locale::Da, "{}");
/// assert!(Counter::handle_action(&ctx, &Action::new("inc")).is_ok());
/// assert!(Counter::handle_action(&ctx, &Action::new("dec")).is_err());
/// ```
pub trait Block: 'static {
    /// What the block says about itself: id, names, version, capabilities, config schema.
    fn manifest() -> Manifest;

    /// Render the view named in `ctx.view` ("" is the main view).
    fn render(ctx: &Context) -> Result<Page, BlockError>;

    /// Handle a button, a submitted form or a chat message, and return the page to show.
    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let _ = ctx;
        Err(BlockError::unknown_action(&action.id))
    }

    /// React to an event (contract 1.1; never called for a block built for 1.0).
    fn on_event(ctx: &Context, event: &Event) -> Result<(), BlockError> {
        let _ = (ctx, event);
        Ok(())
    }
}

/// Why a block could not answer. The citizen sees a polite message; the text goes to
/// the vendor's and the operator's logs.
///
/// ```
/// use jobunivers_sdk::BlockError;
/// let e = BlockError::unknown_view("settings");
/// assert_eq!(e.to_string(), "bad request: unknown view 'settings'");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum BlockError {
    /// The request was not valid for this block (unknown view or action).
    BadRequest(String),
    /// Something failed inside the block.
    Failed(String),
}

impl BlockError {
    /// The view does not exist.
    pub fn unknown_view(view: &str) -> Self {
        Self::BadRequest(format!("unknown view '{view}'"))
    }
    /// The action does not exist.
    pub fn unknown_action(action: &str) -> Self {
        Self::BadRequest(format!("unknown action '{action}'"))
    }
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadRequest(m) => write!(f, "bad request: {m}"),
            Self::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

impl std::error::Error for BlockError {}

impl From<CapabilityError> for BlockError {
    fn from(e: CapabilityError) -> Self {
        Self::Failed(format!(
            "capability refused: {}",
            crate::convert::capability_error_text(&e)
        ))
    }
}

impl From<serde_json::Error> for BlockError {
    fn from(e: serde_json::Error) -> Self {
        Self::Failed(format!("invalid JSON: {e}"))
    }
}
