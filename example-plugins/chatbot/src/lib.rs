//! Chatbot: answers, around the clock, the questions job-ready unemployed citizens ask
//! about dagpenge, rådighed, the job log, meetings, holidays, sickness, courses and
//! booking, in Danish and English. Intents and answers come from the installation's
//! configuration; matching tolerates typos, inflections and ae/oe/aa. When it cannot
//! answer, or the citizen asks for a person, it hands the chat over to a caseworker
//! and shows the jobcentre's answers in the same chat.
//!
//! The logic lives in plain modules (`matcher`, `dialogue`, `conversation`, `view`,
//! `config`) tested natively; this file is the block around them and the only place
//! that calls capabilities.

pub mod config;
pub mod conversation;
pub mod dialogue;
pub mod matcher;
pub mod view;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{escalate, log, storage};

use config::{Config, Matcher};
use conversation::{Conversation, Handover, Phase, Role, KEY};
use dialogue::{apply, classify, handover_summary, validate_handover, validate_message, Reply};
use view::{Notes, ThreadView};

/// The chatbot block.
pub struct Chatbot;

/// The conversation, whether storage works for this call, and whether the latest
/// state is stored.
struct Loaded {
    conversation: Conversation,
    storage_ok: bool,
    saved: bool,
}

fn load() -> Loaded {
    match storage::get(KEY) {
        Ok(bytes) => Loaded {
            // A conversation that no longer parses (e.g. written by a future version)
            // is not worth failing over: start a fresh one.
            conversation: bytes
                .and_then(|b| {
                    serde_json::from_slice(&b)
                        .map_err(|e| log::warn(&format!("stored conversation unreadable: {e}")))
                        .ok()
                })
                .unwrap_or_default(),
            storage_ok: true,
            saved: true,
        },
        Err(e) => {
            // Without storage the bot still answers; it just cannot remember.
            log::warn(&format!("storage unavailable: {e:?}"));
            Loaded {
                conversation: Conversation::default(),
                storage_ok: false,
                saved: false,
            }
        }
    }
}

/// Store the conversation; `loaded.saved` says whether it worked.
fn save(loaded: &mut Loaded) {
    loaded.saved = loaded.storage_ok
        && match storage::set_json(KEY, &loaded.conversation) {
            Ok(()) => true,
            Err(e) => {
                log::warn(&format!("could not store the conversation: {e}"));
                false
            }
        };
}

fn phase(state: escalate::State) -> Phase {
    match state {
        escalate::State::WaitingForJobcentre => Phase::WaitingForJobcentre,
        escalate::State::WaitingForCitizen => Phase::WaitingForCitizen,
        escalate::State::Closed => Phase::Closed,
        escalate::State::Cancelled => Phase::Cancelled,
    }
}

/// Check an open thread with the jobcentre and copy the caseworker's new answers into
/// the transcript; returns what to show and whether the conversation changed.
fn check_thread(c: &mut Conversation) -> (ThreadView, bool) {
    let Some(h) = &c.handover else {
        return (ThreadView::None, false);
    };
    if !h.phase.is_open() {
        return (ThreadView::Known(h.phase), false);
    }
    match escalate::status(&h.id) {
        Ok(thread) => {
            let now = phase(thread.state);
            let changed = c.sync_thread(
                now,
                thread
                    .messages
                    .iter()
                    .map(|m| (m.from_caseworker, m.text.as_str(), m.at_ms)),
            );
            (ThreadView::Known(now), changed)
        }
        Err(e) => {
            log::warn(&format!("thread status unavailable: {e:?}"));
            (ThreadView::Unknown(h.phase), false)
        }
    }
}

/// The chat page, after taking in news from the jobcentre.
fn show(ctx: &Context, config: &Config, mut loaded: Loaded, alert: Option<Alert>) -> Page {
    let (thread, changed) = check_thread(&mut loaded.conversation);
    if changed {
        save(&mut loaded);
    }
    view::chat_page(
        ctx,
        config,
        &loaded.conversation,
        thread,
        Notes {
            alert,
            not_saved: !loaded.saved,
        },
    )
}

fn already_sent(ctx: &Context) -> Alert {
    Alert::info(ctx.t(
        "Du har allerede sendt en besked til jobcentret. En medarbejder svarer dig her i chatten, så snart de kan.",
        "You have already sent a message to the jobcentre. A caseworker will answer you here in the chat as soon as they can.",
    ))
}

fn send_message(ctx: &Context, config: &Config, mut loaded: Loaded, action: &Action) -> Page {
    let message = match validate_message(ctx, action.field("message")) {
        Ok(m) => m,
        Err(problem) => return show(ctx, config, loaded, Some(Alert::warning(problem))),
    };
    let matcher = Matcher::new(config);
    let c = &mut loaded.conversation;
    let reply = classify(config, &matcher, &message, c.offer_handover);
    c.push(Role::Citizen, &message, ctx.now_ms, None);
    apply(ctx, config, c, &reply);
    save(&mut loaded);
    if reply == Reply::Confirm {
        return view::handover_page(
            ctx,
            config,
            &loaded.conversation,
            &Action::default(),
            &[],
            None,
        );
    }
    show(ctx, config, loaded, None)
}

fn choose_topic(
    ctx: &Context,
    config: &Config,
    mut loaded: Loaded,
    id: Option<&str>,
) -> Result<Page, BlockError> {
    let (index, intent) = config
        .intents
        .iter()
        .enumerate()
        .find(|(_, i)| Some(i.id.as_str()) == id)
        .ok_or_else(|| BlockError::BadRequest(format!("unknown topic {id:?}")))?;
    let (da, en) = intent.title().unwrap_or((&intent.id, &intent.id));
    let c = &mut loaded.conversation;
    c.push(Role::Citizen, ctx.t(da, en), ctx.now_ms, None);
    apply(
        ctx,
        config,
        c,
        &Reply::Answer {
            intent: index,
            related: None,
        },
    );
    save(&mut loaded);
    Ok(show(ctx, config, loaded, None))
}

fn hand_over(ctx: &Context, config: &Config, mut loaded: Loaded, action: &Action) -> Page {
    if loaded.conversation.waiting_for_jobcentre() {
        return show(ctx, config, loaded, Some(already_sent(ctx)));
    }
    let request = match validate_handover(ctx, &loaded.conversation, action) {
        Ok(r) => r,
        Err(errors) => {
            return view::handover_page(ctx, config, &loaded.conversation, action, &errors, None)
        }
    };
    let c = &mut loaded.conversation;
    let previous = c.handover.as_ref().map(|h| h.id.clone());
    let summary = handover_summary(config, c, &request, ctx.locale, previous.as_deref());
    let mut transcript = c.transcript();
    if let Some(note) = &request.note {
        transcript.push(ChatMessage {
            role: ChatRole::Citizen,
            text: note.clone(),
            at_ms: Some(ctx.now_ms),
        });
    }
    match escalate::hand_over_chat(&transcript, &summary) {
        Ok(id) => {
            if let Some(note) = &request.note {
                c.push(Role::Citizen, note, ctx.now_ms, None);
            }
            c.push(
                Role::Bot,
                ctx.t(
                    "Tak. Jeg har sendt vores samtale til jobcentret. En medarbejder svarer dig her i chatten, så snart de kan.",
                    "Thank you. I have sent our conversation to the jobcentre. A caseworker will answer you here in the chat as soon as they can.",
                ),
                ctx.now_ms,
                None,
            );
            c.handover = Some(Handover {
                id,
                opened_ms: ctx.now_ms,
                seen: 0,
                phase: Phase::WaitingForJobcentre,
            });
            c.offer_handover = false;
            c.show_topics = false;
            c.related.clear();
            save(&mut loaded);
            show(
                ctx,
                config,
                loaded,
                Some(Alert::success(ctx.t(
                    "Din besked er sendt til jobcentret.",
                    "Your message has been sent to the jobcentre.",
                ))),
            )
        }
        Err(e) => {
            log::warn(&format!("hand-over refused: {e:?}"));
            let alert = Alert::error(format!(
                "{} {}",
                ctx.t(
                    "Vi kunne ikke sende din besked til jobcentret lige nu. Prøv igen senere.",
                    "We could not send your message to the jobcentre right now. Please try again later.",
                ),
                ctx.t(&config.contact_da, &config.contact_en)
            ))
            .title(ctx.t("Beskeden blev ikke sendt", "The message was not sent"));
            view::handover_page(ctx, config, &loaded.conversation, action, &[], Some(alert))
        }
    }
}

fn withdraw(ctx: &Context, config: &Config, mut loaded: Loaded) -> Page {
    let Some(h) = loaded
        .conversation
        .handover
        .as_mut()
        .filter(|h| h.phase.is_open())
    else {
        return show(ctx, config, loaded, None);
    };
    match escalate::cancel(&h.id) {
        Ok(()) => {
            h.phase = Phase::Cancelled;
            loaded.conversation.push(
                Role::Bot,
                ctx.t(
                    "Din besked til jobcentret er trukket tilbage. Du er velkommen til at spørge mig om noget andet.",
                    "Your message to the jobcentre has been withdrawn. You are welcome to ask me something else.",
                ),
                ctx.now_ms,
                None,
            );
            save(&mut loaded);
            show(ctx, config, loaded, None)
        }
        Err(e) => {
            log::warn(&format!("cancel refused: {e:?}"));
            show(
                ctx,
                config,
                loaded,
                Some(Alert::error(ctx.t(
                    "Vi kunne ikke trække beskeden tilbage lige nu. Prøv igen om lidt.",
                    "We could not withdraw the message right now. Please try again shortly.",
                ))),
            )
        }
    }
}

impl Block for Chatbot {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.chatbot", "1.0.0", Category::Chat)
            .name("Spørg chatbotten", "Ask the chatbot")
            .description(
                "Svarer døgnet rundt på spørgsmål om dagpenge, rådighed, joblog, samtaler, ferie, sygdom og kurser – og sender samtalen videre til en medarbejder i jobcentret, når der er brug for et menneske.",
                "Answers questions about unemployment benefit, availability, the job log, meetings, holidays, sickness and courses around the clock – and passes the conversation to a caseworker at the jobcentre when a person is needed.",
            )
            .capability(
                Capability::Storage,
                "Husker din samtale med chatbotten (de seneste 50 beskeder), så du kan fortsætte, hvor du slap.",
                "Remembers your conversation with the chatbot (the latest 50 messages) so you can continue where you left off.",
            )
            .capability(
                Capability::Escalate,
                "Sender samtalen til en medarbejder i jobcentret, når du beder om det, og viser svaret her i chatten.",
                "Sends the conversation to a caseworker at the jobcentre when you ask for it, and shows the answer here in the chat.",
            )
            .config_schema(config::schema())
            .default_config(
                serde_json::from_str(config::DEFAULT_CONFIG)
                    .expect("the default configuration is JSON"),
            )
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let config = Config::from_json(&ctx.config_json)?;
        match ctx.view.as_str() {
            "" => Ok(show(ctx, &config, load(), None)),
            "about" => Ok(view::about_page(ctx, &config)),
            other => Err(BlockError::unknown_view(other)),
        }
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let config = Config::from_json(&ctx.config_json)?;
        let loaded = load();
        match action.id.as_str() {
            "send" => Ok(send_message(ctx, &config, loaded, action)),
            "topic" => choose_topic(ctx, &config, loaded, action.payload.as_deref()),
            "handover" => Ok(if loaded.conversation.waiting_for_jobcentre() {
                show(ctx, &config, loaded, Some(already_sent(ctx)))
            } else {
                view::handover_page(
                    ctx,
                    &config,
                    &loaded.conversation,
                    &Action::default(),
                    &[],
                    None,
                )
            }),
            "handover-send" => Ok(hand_over(ctx, &config, loaded, action)),
            "cancel-handover" => Ok(withdraw(ctx, &config, loaded)),
            "clear" => {
                let mut loaded = loaded;
                loaded.conversation.clear();
                save(&mut loaded);
                Ok(show(ctx, &config, loaded, None))
            }
            "refresh" | "back" => Ok(show(ctx, &config, loaded, None)),
            other => Err(BlockError::unknown_action(other)),
        }
    }
}

jobunivers_sdk::export_block!(Chatbot);
