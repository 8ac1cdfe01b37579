//! What the chatbot replies: classify the citizen's message, add the reply to the
//! conversation, and check the form that hands the chat over to a caseworker. Plain
//! functions with no capability calls, tested natively.

use jobunivers_sdk::{Action, Context, Locale};

use crate::config::{Config, Matcher};
use crate::conversation::{Conversation, Role};
use crate::matcher::tokens;

/// The longest message the citizen may write, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// What the citizen's message calls for.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Answer an intent (index into the config's intents), maybe pointing to a related one.
    Answer {
        /// The intent answered.
        intent: usize,
        /// The runner-up, offered as a button.
        related: Option<usize>,
    },
    /// The citizen asks for a person; answer the topic too if there is one.
    Handover {
        /// A topic the message also matched.
        topic: Option<usize>,
    },
    /// "Ja" to the offer of a caseworker: show the handover form.
    Confirm,
    /// "Nej tak" to the offer.
    Decline,
    /// A greeting with no question.
    Greeting,
    /// Thanks with no question.
    Thanks,
    /// "Kan du hjælpe mig?", "hvad kan du?": say what the bot can do.
    Help,
    /// Nothing the bot knows.
    NotUnderstood,
}

const YES: &[&str] = &["ja", "jo", "gerne", "ok", "okay", "yes", "yep", "sure"];
const NO: &[&str] = &["nej", "no", "nope", "nah"];
const POLITE: &[&str] = &["tak", "please", "thanks", "gerne", "tusind"];
const GREETINGS: &[&str] = &[
    "hej",
    "hejsa",
    "hey",
    "hi",
    "hello",
    "hallo",
    "goddag",
    "godmorgen",
    "godaften",
    "dav",
    "davs",
];
const THANKS: &[&str] = &["tak", "takker", "thanks", "thank", "thx", "tusind"];
const HELP: &[&str] = &[
    "hjaelp",
    "hjaelpe",
    "help",
    "spoergsmaal",
    "question",
    "questions",
];
const WHAT_CAN_YOU: &[[&str; 3]] = &[["hvad", "kan", "du"], ["what", "can", "you"]];

/// Whether every word is a yes (or politeness) and one is a yes.
fn only(words: &[String], core: &[&str]) -> bool {
    !words.is_empty()
        && words
            .iter()
            .all(|w| core.contains(&w.as_str()) || POLITE.contains(&w.as_str()))
        && words.iter().any(|w| core.contains(&w.as_str()))
}

/// Decide what a message calls for. A request for a person always wins: nobody should
/// have to argue with a bot to reach a human.
pub fn classify(config: &Config, matcher: &Matcher, message: &str, offered: bool) -> Reply {
    let words = tokens(message);
    if offered && only(&words, YES) {
        return Reply::Confirm;
    }
    if offered && only(&words, NO) {
        return Reply::Decline;
    }
    let ranked = matcher.rank(message, config.min_score);
    if matcher.asks_for_person(message) >= config.min_score {
        return Reply::Handover {
            topic: ranked.first().map(|(i, _)| *i),
        };
    }
    if let Some(&(intent, best)) = ranked.first() {
        // Offer the runner-up when it is nearly as strong: the question may be about both.
        let related = ranked
            .get(1)
            .filter(|(_, hit)| hit.weighted >= best.weighted * 0.6)
            .map(|(i, _)| *i);
        return Reply::Answer { intent, related };
    }
    if words.iter().any(|w| GREETINGS.contains(&w.as_str())) {
        return Reply::Greeting;
    }
    if words.iter().any(|w| HELP.contains(&w.as_str()))
        || words
            .windows(3)
            .any(|w| WHAT_CAN_YOU.iter().any(|q| w == q.as_slice()))
    {
        return Reply::Help;
    }
    if words.iter().any(|w| THANKS.contains(&w.as_str())) {
        return Reply::Thanks;
    }
    Reply::NotUnderstood
}

fn answer(ctx: &Context, config: &Config, c: &mut Conversation, intent: usize) {
    let i = &config.intents[intent];
    c.push(
        Role::Bot,
        ctx.t(&i.answer_da, &i.answer_en),
        ctx.now_ms,
        Some(&i.id),
    );
}

/// Add the reply to the conversation. `Confirm` adds nothing: the caller shows the
/// handover form.
pub fn apply(ctx: &Context, config: &Config, c: &mut Conversation, reply: &Reply) {
    c.show_topics = false;
    c.related.clear();
    let now = ctx.now_ms;
    match reply {
        Reply::Answer { intent, related } => {
            answer(ctx, config, c, *intent);
            c.related = related
                .map(|r| config.intents[r].id.clone())
                .into_iter()
                .collect();
            c.misses = 0;
            c.offer_handover = false;
        }
        Reply::Handover { topic } => {
            if let Some(t) = topic {
                answer(ctx, config, c, *t);
            }
            let text = if c.waiting_for_jobcentre() {
                ctx.t(
                    "Du har allerede sendt vores samtale til jobcentret. En medarbejder svarer dig her i chatten, så snart de kan.",
                    "You have already sent our conversation to the jobcentre. A caseworker will answer you here in the chat as soon as they can.",
                )
            } else {
                c.offer_handover = true;
                ctx.t(
                    "Jeg kan sende vores samtale til en medarbejder i jobcentret, som svarer dig her i chatten. Tryk på \"Skriv med en medarbejder\" herunder, eller skriv \"ja\".",
                    "I can send our conversation to a caseworker at the jobcentre, who will answer you here in the chat. Press \"Write to a caseworker\" below, or write \"yes\".",
                )
            };
            c.push(Role::Bot, text, now, None);
        }
        Reply::Confirm => {}
        Reply::Decline => {
            c.offer_handover = false;
            c.push(
                Role::Bot,
                ctx.t(
                    "Helt i orden. Du er velkommen til at spørge om noget andet.",
                    "That is fine. You are welcome to ask about something else.",
                ),
                now,
                None,
            );
        }
        Reply::Greeting => {
            c.show_topics = true;
            c.push(
                Role::Bot,
                ctx.t(
                    "Hej! Hvad vil du gerne vide? Skriv dit spørgsmål, eller vælg et emne herunder.",
                    "Hi! What would you like to know? Write your question, or pick a topic below.",
                ),
                now,
                None,
            );
        }
        Reply::Help => {
            c.show_topics = true;
            c.push(
                Role::Bot,
                ctx.t(
                    "Jeg svarer på almindelige spørgsmål, når du er ledig – fx om dagpenge, joblog, samtaler, ferie og sygdom. Skriv dit spørgsmål med dine egne ord, eller vælg et emne herunder. Har du brug for en medarbejder, så skriv det bare.",
                    "I answer common questions about being unemployed – for example about dagpenge, the job log, meetings, holidays and sickness. Write your question in your own words, or pick a topic below. If you need a caseworker, just say so.",
                ),
                now,
                None,
            );
        }
        Reply::Thanks => c.push(
            Role::Bot,
            ctx.t(
                "Det var så lidt. Skriv endelig, hvis du har flere spørgsmål.",
                "You are welcome. Just write if you have more questions.",
            ),
            now,
            None,
        ),
        Reply::NotUnderstood => {
            c.misses = c.misses.saturating_add(1);
            c.show_topics = true;
            c.offer_handover = !c.waiting_for_jobcentre();
            let text = if c.misses >= 2 {
                ctx.t(
                    "Det kan jeg desværre heller ikke svare på. Det er nok bedst, at en medarbejder i jobcentret hjælper dig: tryk på \"Skriv med en medarbejder\", så sender jeg vores samtale til dem.",
                    "I am sorry, I cannot answer that either. It is probably best that a caseworker at the jobcentre helps you: press \"Write to a caseworker\" and I will send our conversation to them.",
                )
            } else {
                ctx.t(
                    "Det er jeg desværre ikke sikker på, at jeg kan svare på. Prøv at skrive dit spørgsmål med andre ord, eller vælg et emne herunder. Du kan også få svar fra en medarbejder i jobcentret.",
                    "I am sorry, I am not sure I can answer that. Try writing your question in other words, or pick a topic below. You can also get an answer from a caseworker at the jobcentre.",
                )
            };
            c.push(Role::Bot, text, now, None);
        }
    }
}

/// Check a message from the chat input; `Err` is what to tell the citizen.
pub fn validate_message(ctx: &Context, message: Option<&str>) -> Result<String, String> {
    match message {
        None => Err(ctx
            .t(
                "Skriv dit spørgsmål i feltet, før du sender det.",
                "Write your question in the field before you send it.",
            )
            .to_owned()),
        Some(m) if m.chars().count() > MAX_MESSAGE_CHARS => Err(format!(
            "{} {MAX_MESSAGE_CHARS} {}",
            ctx.t(
                "Din besked er for lang. Skriv den kortere – der er plads til",
                "Your message is too long. Please shorten it – there is room for"
            ),
            ctx.t("tegn.", "characters.")
        )),
        Some(m) => Ok(m.to_owned()),
    }
}

/// How the citizen wants the jobcentre to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// Here in the chat.
    Chat,
    /// By phone.
    Phone,
}

/// A checked request to hand the chat over.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRequest {
    /// What the citizen wants help with, if they wrote it.
    pub note: Option<String>,
    /// How they want to be answered.
    pub contact: Contact,
    /// A Danish phone number, as 8 digits, if given.
    pub phone: Option<String>,
}

/// The 8 digits of a Danish phone number written any common way ("12 34 56 78",
/// "+45 12345678", "0045-12-34-56-78").
pub fn danish_phone(input: &str) -> Option<String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact
        .strip_prefix("+45")
        .or_else(|| compact.strip_prefix("0045"))
        .unwrap_or(&compact);
    (digits.len() == 8 && digits.chars().all(|c| c.is_ascii_digit())).then(|| digits.to_owned())
}

/// Check the handover form. Errors are (field, message) for the form. A note is needed
/// only when the caseworker would otherwise have no question to read.
pub fn validate_handover(
    ctx: &Context,
    c: &Conversation,
    action: &Action,
) -> Result<HandoverRequest, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let note = action.field("note").map(str::to_owned);
    match &note {
        None if c.citizen_messages() == 0 => errors.push((
            "note",
            ctx.t(
                "Skriv kort, hvad du gerne vil have hjælp til, så medarbejderen kan svare dig.",
                "Write briefly what you would like help with, so the caseworker can answer you.",
            )
            .to_owned(),
        )),
        Some(n) if n.chars().count() > MAX_MESSAGE_CHARS => errors.push((
            "note",
            format!(
                "{} {MAX_MESSAGE_CHARS} {}",
                ctx.t("Skriv højst", "Please write at most"),
                ctx.t("tegn.", "characters.")
            ),
        )),
        _ => {}
    }
    let contact = match action.field("contact") {
        Some("phone") => Contact::Phone,
        _ => Contact::Chat,
    };
    let phone = match action.field("phone") {
        None => None,
        Some(p) => match danish_phone(p) {
            Some(digits) => Some(digits),
            None => {
                errors.push((
                    "phone",
                    ctx.t(
                        "Skriv et dansk telefonnummer med 8 cifre, fx 12 34 56 78.",
                        "Write a Danish phone number with 8 digits, e.g. 12 34 56 78.",
                    )
                    .to_owned(),
                ));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(HandoverRequest {
            note,
            contact,
            phone,
        })
    } else {
        Err(errors)
    }
}

/// The summary the caseworker reads first. It is in Danish whatever the citizen's
/// language, because it is written for the jobcentre's staff.
pub fn handover_summary(
    config: &Config,
    c: &Conversation,
    request: &HandoverRequest,
    locale: Locale,
    previous: Option<&str>,
) -> String {
    let mut summary = String::from("Borgeren beder om hjælp fra en medarbejder via chatbotten.");
    if let Some(id) = previous {
        summary.push_str(&format!(
            " Det er et svar i forlængelse af henvendelse {id}."
        ));
    }
    let topics: Vec<&str> = c
        .topics()
        .into_iter()
        .map(|id| {
            config
                .intent(id)
                .and_then(|i| i.title_da.as_deref())
                .unwrap_or(id)
        })
        .collect();
    if !topics.is_empty() {
        summary.push_str(&format!(" Emner i samtalen: {}.", topics.join(", ")));
    }
    if let Some(note) = &request.note {
        summary.push_str(&format!(" Borgerens besked: \"{note}\"."));
    }
    match (request.contact, &request.phone) {
        (Contact::Phone, Some(p)) => {
            summary.push_str(&format!(" Borgeren vil gerne ringes op på {p}."))
        }
        (Contact::Phone, None) => {
            summary.push_str(" Borgeren vil gerne ringes op på det telefonnummer, jobcentret har.")
        }
        (Contact::Chat, Some(p)) => summary.push_str(&format!(
            " Borgeren vil helst have svar i chatten (telefon: {p})."
        )),
        (Contact::Chat, None) => summary.push_str(" Borgeren vil helst have svar i chatten."),
    }
    if locale == Locale::En {
        summary.push_str(" Borgeren bruger Jobunivers på engelsk.");
    }
    summary
}

#[cfg(test)]
#[path = "dialogue_tests.rs"]
mod tests;
