//! The pages the chatbot shows: the chat, the handover form and "about". Built from the
//! conversation and the configuration only, so they are tested natively.

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::ui::Chat;

use crate::config::Config;
use crate::conversation::{Conversation, Phase};
use crate::dialogue::MAX_MESSAGE_CHARS;

/// What the page should tell the citizen about the handed-over thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadView {
    /// No thread.
    None,
    /// The thread's phase, as just checked.
    Known(Phase),
    /// The status could not be fetched; shown with the phase last seen.
    Unknown(Phase),
}

/// Extra things to say on the page.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    /// An alert at the top (e.g. "sent to the jobcentre", "message too long").
    pub alert: Option<Alert>,
    /// The conversation could not be stored: say it will not be remembered.
    pub not_saved: bool,
}

fn title(ctx: &Context) -> &'static str {
    ctx.t("Spørg om ledighed", "Ask about unemployment")
}

fn disclaimer(ctx: &Context) -> &'static str {
    ctx.t(
        "Svarene er generel vejledning. Det er din a-kasse og dit jobcenter, der træffer afgørelser i din sag.",
        "The answers are general guidance. Your a-kasse and your jobcentre make the decisions in your case.",
    )
}

fn thread_alert(ctx: &Context, view: ThreadView) -> Option<Card> {
    let (phase, known) = match view {
        ThreadView::None => return None,
        ThreadView::Known(p) => (p, true),
        ThreadView::Unknown(p) => (p, false),
    };
    let mut card = Card::new(ctx.t("Din besked til jobcentret", "Your message to the jobcentre"));
    card = match phase {
        Phase::WaitingForJobcentre => card
            .alert(Alert::info(ctx.t(
                "Sendt. En medarbejder svarer dig her i chatten, så snart de kan. Du kan roligt lukke siden imens.",
                "Sent. A caseworker will answer you here in the chat as soon as they can. You can close the page in the meantime.",
            )).title(ctx.t("Venter på svar fra jobcentret", "Waiting for the jobcentre")))
            .push(Button::new(ctx.t("Se om der er svar", "Check for an answer"), "refresh").secondary())
            .push(Button::new(ctx.t("Træk min besked tilbage", "Withdraw my message"), "cancel-handover").secondary()),
        Phase::WaitingForCitizen => card
            .alert(Alert::warning(ctx.t(
                "Jobcentret har svaret dig i chatten og venter på dig. Vil du svare, så send en ny besked til jobcentret.",
                "The jobcentre has answered you in the chat and is waiting for you. If you want to reply, send a new message to the jobcentre.",
            )).title(ctx.t("Jobcentret har svaret", "The jobcentre has answered")))
            .push(Button::new(ctx.t("Svar jobcentret", "Reply to the jobcentre"), "handover")),
        Phase::Closed => card.text(ctx.t(
            "Jobcentret har afsluttet din henvendelse. Har du flere spørgsmål, kan du altid skrive igen.",
            "The jobcentre has closed your request. If you have more questions, you can always write again.",
        )),
        Phase::Cancelled => card.text(ctx.t(
            "Du har trukket din besked til jobcentret tilbage.",
            "You have withdrawn your message to the jobcentre.",
        )),
    };
    if !known {
        card = card.muted(ctx.t(
            "Vi kan ikke hente status fra jobcentret lige nu. Prøv igen om lidt.",
            "We cannot get the status from the jobcentre right now. Please try again shortly.",
        ));
    }
    Some(card)
}

fn topic_buttons<'a>(
    ctx: &Context,
    config: &'a Config,
    ids: impl Iterator<Item = &'a str>,
) -> Vec<Button> {
    ids.filter_map(|id| config.intent(id))
        .filter_map(|i| {
            let (da, en) = i.title()?;
            Some(
                Button::new(ctx.t(da, en), "topic")
                    .payload(&i.id)
                    .secondary(),
            )
        })
        .collect()
}

/// The main page: the chat and what goes with it.
pub fn chat_page(
    ctx: &Context,
    config: &Config,
    c: &Conversation,
    thread: ThreadView,
    notes: Notes,
) -> Page {
    let mut page = Page::new().title(title(ctx)).muted(disclaimer(ctx));
    if let Some(alert) = notes.alert {
        page = page.alert(alert);
    }
    if let Some(card) = thread_alert(ctx, thread) {
        page = page.card(card);
    }
    let mut chat = Chat::new().message(
        ChatRole::Bot,
        ctx.t(&config.greeting_da, &config.greeting_en),
        None,
    );
    chat.messages.extend(c.transcript());
    page = page.chat(chat.input(
        "send",
        ctx.t(
            "Skriv dit spørgsmål, fx: Må jeg holde ferie?",
            "Write your question, e.g.: May I take a holiday?",
        ),
    ));
    if notes.not_saved {
        page = page.muted(ctx.t(
            "Samtalen kan ikke gemmes lige nu, så den er væk, når du forlader siden.",
            "The conversation cannot be saved right now, so it will be gone when you leave the page.",
        ));
    }
    if let Some(intent) = c.last_intent().and_then(|id| config.intent(id)) {
        if let Some(link) = &intent.link {
            let label = ctx.t(
                intent.link_label_da.as_deref().unwrap_or("Læs mere"),
                intent.link_label_en.as_deref().unwrap_or("Read more"),
            );
            page = page.link_external(label, link);
        }
    }
    // While a thread is open, its card holds the way to the jobcentre; no second button.
    let open = c.handover.as_ref().is_some_and(|h| h.phase.is_open());
    if c.offer_handover && !open {
        page = page.card(
            Card::new(ctx.t("Vil du have svar fra en medarbejder?", "Would you like an answer from a caseworker?"))
                .text(ctx.t(
                    "Jeg sender vores samtale til jobcentret, og en medarbejder svarer dig her i chatten.",
                    "I will send our conversation to the jobcentre, and a caseworker will answer you here in the chat.",
                ))
                .push(Button::new(ctx.t("Skriv med en medarbejder", "Write to a caseworker"), "handover"))
                .text(ctx.t(&config.contact_da, &config.contact_en)),
        );
    }
    let all_topics = c.messages.is_empty() || c.show_topics;
    let buttons = if all_topics {
        topic_buttons(ctx, config, config.intents.iter().map(|i| i.id.as_str()))
    } else {
        topic_buttons(ctx, config, c.related.iter().map(String::as_str))
    };
    if !buttons.is_empty() {
        let heading = if all_topics {
            ctx.t("Vælg et emne", "Pick a topic")
        } else {
            ctx.t(
                "Måske vil du også læse om",
                "You may also want to read about",
            )
        };
        let card = buttons
            .into_iter()
            .fold(Card::new(heading), |card, b| card.push(b));
        page = page.card(card);
    }
    if !c.offer_handover && !open {
        page = page.push(
            Button::new(
                ctx.t("Skriv med en medarbejder", "Write to a caseworker"),
                "handover",
            )
            .secondary(),
        );
    }
    if !c.messages.is_empty() {
        page = page.push(Button::new(ctx.t("Start forfra", "Start over"), "clear").secondary());
    }
    page.link_view(ctx.t("Om chatbotten", "About the chatbot"), "about")
}

/// The form that hands the chat over, with the citizen's values and field errors.
pub fn handover_page(
    ctx: &Context,
    config: &Config,
    c: &Conversation,
    values: &Action,
    errors: &[(&str, String)],
    alert: Option<Alert>,
) -> Page {
    let has_question = c.citizen_messages() > 0;
    let mut note = Field::multiline(
        "note",
        ctx.t("Hvad vil du gerne have hjælp til?", "What would you like help with?"),
    )
    .max_length(MAX_MESSAGE_CHARS as u32)
    .hint(ctx.t(
        "Skriv kort dit spørgsmål. Skriv ikke dit CPR-nummer eller oplysninger om dit helbred, som ikke er nødvendige.",
        "Write your question briefly. Do not write your CPR number or health details that are not needed.",
    ));
    if !has_question {
        note = note.required();
    }
    if let Some(v) = values.field("note") {
        note = note.value(v);
    }
    let contact = Field::radio(
        "contact",
        ctx.t("Hvordan vil du have svar?", "How would you like an answer?"),
        vec![
            Choice::new("chat", ctx.t("Her i chatten", "Here in the chat")),
            Choice::new("phone", ctx.t("Ring til mig", "Call me")),
        ],
    )
    .required()
    .value(values.field("contact").unwrap_or("chat"));
    let mut phone = Field::phone(
        "phone",
        ctx.t("Telefonnummer (valgfrit)", "Phone number (optional)"),
    )
    .max_length(20)
    .hint(ctx.t(
        "Kun hvis du vil ringes op på et andet nummer end det, jobcentret har.",
        "Only if you want to be called on a different number from the one the jobcentre has.",
    ));
    if let Some(v) = values.field("phone") {
        phone = phone.value(v);
    }
    let mut form = Form::new(
        "handover-send",
        ctx.t("Send til jobcentret", "Send to the jobcentre"),
    )
    .field(note)
    .field(contact)
    .field(phone);
    for (field, message) in errors {
        form.set_error(field, message.clone());
    }
    let explain = if has_question {
        ctx.t(
            "Vi sender din samtale med chatbotten til en medarbejder i jobcentret, så du ikke skal forklare det hele igen. Svaret kommer her i chatten.",
            "We send your conversation with the chatbot to a caseworker at the jobcentre, so you do not have to explain it all again. The answer will appear here in the chat.",
        )
    } else {
        ctx.t(
            "Skriv dit spørgsmål, så sender vi det til en medarbejder i jobcentret. Svaret kommer her i chatten.",
            "Write your question and we will send it to a caseworker at the jobcentre. The answer will appear here in the chat.",
        )
    };
    let mut page = Page::new().title(ctx.t("Skriv med en medarbejder", "Write to a caseworker"));
    if let Some(alert) = alert {
        page = page.alert(alert);
    }
    page.lead(explain)
        .form(form)
        .muted(ctx.t(&config.contact_da, &config.contact_en))
        .push(Button::new(ctx.t("Tilbage til chatten", "Back to the chat"), "back").secondary())
}

/// What the chatbot is and what it keeps.
pub fn about_page(ctx: &Context, config: &Config) -> Page {
    let topics: Vec<&str> = config
        .intents
        .iter()
        .filter_map(|i| i.title().map(|(da, en)| ctx.t(da, en)))
        .collect();
    Page::new()
        .title(ctx.t("Om chatbotten", "About the chatbot"))
        .lead(ctx.t(
            "Chatbotten svarer døgnet rundt på almindelige spørgsmål, når du er ledig. Du kan skrive med dine egne ord – den forstår også stavefejl og ae/oe/aa i stedet for æ/ø/å.",
            "The chatbot answers common questions about being unemployed, around the clock. You can write in your own words – it also understands typos and ae/oe/aa instead of æ/ø/å.",
        ))
        .card(Card::new(ctx.t("Den kan svare på", "It can answer about")).list(topics))
        .card(
            Card::new(ctx.t("Det skal du vide", "Good to know"))
                .list([
                    disclaimer(ctx),
                    ctx.t(
                        "Chatbotten husker dine seneste 50 beskeder, så du kan fortsætte, hvor du slap. \"Start forfra\" sletter samtalen.",
                        "The chatbot remembers your latest 50 messages so you can continue where you left off. \"Start over\" deletes the conversation.",
                    ),
                    ctx.t(
                        "Samtalen sendes kun til jobcentret, hvis du selv vælger \"Skriv med en medarbejder\".",
                        "The conversation is only sent to the jobcentre if you choose \"Write to a caseworker\" yourself.",
                    ),
                ]),
        )
        .text(ctx.t(&config.contact_da, &config.contact_en))
        .link_view(ctx.t("Tilbage til chatten", "Back to the chat"), "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::{Handover, Role};

    fn ctx(locale: Locale) -> Context {
        Context::for_test(locale, "{}")
    }

    /// Every button on the page, in cards too, as (label, action, payload, primary?).
    fn buttons(elements: &[Element]) -> Vec<(String, String, Option<String>, bool)> {
        let mut out = Vec::new();
        for e in elements {
            match e {
                Element::Button(b) => out.push((
                    b.label.clone(),
                    b.action.clone(),
                    b.payload.clone(),
                    b.style == ButtonStyle::Primary,
                )),
                Element::Card(c) => out.extend(buttons(&c.children)),
                _ => {}
            }
        }
        out
    }

    fn chat(page: &Page) -> &Chat {
        page.elements
            .iter()
            .find_map(|e| match e {
                Element::Chat(c) => Some(c),
                _ => None,
            })
            .expect("a chat")
    }

    fn page(c: &Conversation, thread: ThreadView) -> Page {
        chat_page(
            &ctx(Locale::Da),
            &Config::default_config(),
            c,
            thread,
            Notes::default(),
        )
    }

    #[test]
    fn a_new_chat_greets_and_offers_every_topic() {
        let config = Config::default_config();
        let p = page(&Conversation::default(), ThreadView::None);
        let chat = chat(&p);
        assert_eq!(chat.messages.len(), 1);
        assert_eq!(chat.messages[0].text, config.greeting_da);
        assert_eq!(chat.input_action.as_deref(), Some("send"));
        let b = buttons(&p.elements);
        let topics: Vec<_> = b.iter().filter(|b| b.1 == "topic").collect();
        assert_eq!(topics.len(), config.intents.len());
        assert_eq!(topics[0].2.as_deref(), Some("dagpenge"));
        assert!(b.iter().any(|b| b.1 == "handover" && !b.3));
        assert!(!b.iter().any(|b| b.1 == "clear"));
        assert!(p.elements.iter().any(
            |e| matches!(e, Element::Link(l) if l.target == LinkTarget::View("about".into()))
        ));
    }

    #[test]
    fn an_answer_shows_its_link_and_related_topic() {
        let mut c = Conversation::default();
        c.push(Role::Citizen, "ferie?", 1, None);
        c.push(Role::Bot, "Om ferie", 2, Some("ferie"));
        c.related = vec!["sygdom".into()];
        let p = page(&c, ThreadView::None);
        assert_eq!(chat(&p).messages.len(), 3);
        assert!(p.elements.iter().any(|e| matches!(e, Element::Link(l)
            if l.label == "Meld ferie på Jobnet" && l.target == LinkTarget::External("https://www.jobnet.dk".into()))));
        let b = buttons(&p.elements);
        let topics: Vec<_> = b.iter().filter(|b| b.1 == "topic").collect();
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0].0, "Sygdom");
        assert!(b.iter().any(|b| b.1 == "clear" && b.0 == "Start forfra"));
    }

    #[test]
    fn an_offered_handover_is_the_primary_button_once() {
        let mut c = Conversation::default();
        c.push(Role::Citizen, "barsel", 1, None);
        c.offer_handover = true;
        let b = buttons(&page(&c, ThreadView::None).elements);
        let handovers: Vec<_> = b.iter().filter(|b| b.1 == "handover").collect();
        assert_eq!(handovers.len(), 1);
        assert!(handovers[0].3, "primary");
    }

    #[test]
    fn while_the_jobcentre_works_the_citizen_sees_the_status_and_can_withdraw() {
        let mut c = Conversation::default();
        c.push(Role::Citizen, "hjælp", 1, None);
        c.offer_handover = true;
        c.handover = Some(Handover {
            id: "thread-1".into(),
            opened_ms: 1,
            seen: 0,
            phase: Phase::WaitingForJobcentre,
        });
        let p = page(&c, ThreadView::Known(Phase::WaitingForJobcentre));
        let b = buttons(&p.elements);
        assert!(!b.iter().any(|b| b.1 == "handover"));
        assert!(b.iter().any(|b| b.1 == "refresh"));
        assert!(b.iter().any(|b| b.1 == "cancel-handover"));
        let text = format!("{p:?}");
        assert!(text.contains("Venter på svar fra jobcentret"));

        c.handover.as_mut().unwrap().phase = Phase::WaitingForCitizen;
        let answered = page(&c, ThreadView::Known(Phase::WaitingForCitizen));
        let handovers: Vec<_> = buttons(&answered.elements)
            .into_iter()
            .filter(|b| b.1 == "handover")
            .collect();
        assert_eq!(handovers.len(), 1);
        assert_eq!(handovers[0].0, "Svar jobcentret");
        let unknown = format!(
            "{:?}",
            page(&c, ThreadView::Unknown(Phase::WaitingForJobcentre))
        );
        assert!(unknown.contains("kan ikke hente status"));
    }

    fn form(page: &Page) -> &Form {
        page.elements
            .iter()
            .find_map(|e| match e {
                Element::Form(f) => Some(f),
                _ => None,
            })
            .expect("a form")
    }

    #[test]
    fn the_handover_form_keeps_values_and_shows_errors() {
        let config = Config::default_config();
        let values = Action::new("handover-send")
            .with_field("contact", "phone")
            .with_field("phone", "1234");
        let errors = [(
            "phone",
            "Skriv et dansk telefonnummer med 8 cifre, fx 12 34 56 78.".to_owned(),
        )];
        let p = handover_page(
            &ctx(Locale::Da),
            &config,
            &Conversation::default(),
            &values,
            &errors,
            None,
        );
        let f = form(&p);
        assert_eq!(f.action, "handover-send");
        let field = |n: &str| f.fields.iter().find(|x| x.name == n).unwrap();
        assert!(
            field("note").required,
            "no question yet: the note is needed"
        );
        assert_eq!(field("contact").value.as_deref(), Some("phone"));
        assert_eq!(field("phone").value.as_deref(), Some("1234"));
        assert!(field("phone").error.as_deref().unwrap().contains("8 cifre"));

        let mut asked = Conversation::default();
        asked.push(Role::Citizen, "ferie?", 1, None);
        let p = handover_page(
            &ctx(Locale::En),
            &config,
            &asked,
            &Action::default(),
            &[],
            Some(Alert::error("x")),
        );
        let f = form(&p);
        assert!(!f.fields[0].required);
        assert_eq!(f.submit_label, "Send to the jobcentre");
        assert!(matches!(p.elements[0], Element::Alert(_)));
    }

    #[test]
    fn the_about_page_lists_the_topics_in_the_citizens_language() {
        let p = about_page(&ctx(Locale::En), &Config::default_config());
        let text = format!("{p:?}");
        assert!(text.contains("Unemployment benefit"));
        assert!(text.contains("Holidays"));
        assert!(text.contains("latest 50 messages"));
    }
}
