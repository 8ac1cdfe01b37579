//! The chatbot block end to end: it answers in both languages, remembers a bounded
//! transcript, hands the chat over to a caseworker with the transcript, shows the
//! caseworker's answer, checks its handover form, and copes without its capabilities.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::caps::{Capability, EscalationRequest, ThreadMessage, ThreadState};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{
    Action, ButtonStyle, ChatMessage, ChatRole, Element, LinkTarget, Locale, Page,
};
use jobunivers_host::runtime::{Call, CallError, LoadedBlock, Permissions, Runtime};

use crate::helpers::*;

/// A call for `citizen` with the block's default configuration.
fn chat_call(
    block: &LoadedBlock,
    citizen: &str,
    locale: Locale,
    permissions: Permissions,
    provider: Arc<MemoryProvider>,
) -> Call {
    let mut call = call_for(citizen, "", locale, permissions, provider);
    call.ctx.config = block.manifest.default_config.to_string();
    call
}

fn send(message: &str) -> Action {
    Action {
        id: "send".into(),
        payload: None,
        fields: vec![("message".into(), message.into())],
    }
}

fn act(id: &str, fields: &[(&str, &str)]) -> Action {
    Action {
        id: id.into(),
        payload: None,
        fields: fields
            .iter()
            .map(|(n, v)| ((*n).into(), (*v).into()))
            .collect(),
    }
}

async fn run(runtime: &Runtime, block: &LoadedBlock, call: &Call, action: &Action) -> Page {
    runtime
        .handle_action(block, call, action)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", action.id))
}

/// Every element, cards flattened.
fn flat(elements: &[Element]) -> Vec<&Element> {
    let mut out = Vec::new();
    for e in elements {
        out.push(e);
        if let Element::Card { children, .. } = e {
            out.extend(flat(children));
        }
    }
    out
}

fn chat(page: &Page) -> (Vec<ChatMessage>, Option<String>) {
    flat(&page.elements)
        .into_iter()
        .find_map(|e| match e {
            Element::Chat {
                messages,
                input_action,
                ..
            } => Some((messages.clone(), input_action.clone())),
            _ => None,
        })
        .expect("the page has a chat")
}

fn buttons(page: &Page) -> Vec<(String, String, ButtonStyle)> {
    flat(&page.elements)
        .into_iter()
        .filter_map(|e| match e {
            Element::Button {
                label,
                action,
                style,
                ..
            } => Some((label.clone(), action.clone(), *style)),
            _ => None,
        })
        .collect()
}

fn field_error(page: &Page, name: &str) -> Option<String> {
    flat(&page.elements).into_iter().find_map(|e| match e {
        Element::Form { fields, .. } => fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.error.clone()),
        _ => None,
    })
}

fn only(caps: &[Capability]) -> Permissions {
    let set: BTreeSet<Capability> = caps.iter().copied().collect();
    Permissions {
        granted: set.clone(),
        consented: set,
    }
}

#[tokio::test]
async fn the_chatbot_greets_and_answers_in_danish_and_english() {
    let runtime = runtime();
    let block = load(&runtime, "chatbot").await;
    assert_eq!(block.manifest.raw.id, "jobunivers.chatbot");
    assert_eq!(block.contract.to_string(), "1.1.0");
    let provider = provider();
    let da = chat_call(
        &block,
        "anna",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );

    let page = runtime.render(&block, &da).await.unwrap();
    let (messages, input) = chat(&page);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].role, ChatRole::Bot);
    assert!(messages[0].text.starts_with("Hej!"));
    assert_eq!(input.as_deref(), Some("send"));
    assert!(buttons(&page)
        .iter()
        .any(|b| b.1 == "topic" && b.0 == "Ferie"));

    // Typed without æøå and with a typo, the question still finds its answer and link.
    let page = run(
        &runtime,
        &block,
        &da,
        &send("maa jeg holde fereie paa dagpenge?"),
    )
    .await;
    let (messages, _) = chat(&page);
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1].role, ChatRole::Citizen);
    assert_eq!(messages[1].at_ms, Some(NOW_MS));
    assert!(
        messages[2].text.contains("senest 14 dage før"),
        "{}",
        messages[2].text
    );
    assert!(
        flat(&page.elements).iter().any(|e| matches!(e,
        Element::Link { target: LinkTarget::External(url), .. } if url == "https://www.jobnet.dk"))
    );

    // A topic button answers too; English for an English reader.
    let en = chat_call(
        &block,
        "bo",
        Locale::En,
        Permissions::everything(),
        provider.clone(),
    );
    let topic = Action {
        id: "topic".into(),
        payload: Some("sygdom".into()),
        fields: vec![],
    };
    let page = run(&runtime, &block, &en, &topic).await;
    let (messages, _) = chat(&page);
    assert_eq!(messages[1].text, "Sickness");
    assert!(messages[2].text.starts_with("If you fall ill"));

    // The about view, and views and topics that do not exist.
    let mut about = chat_call(
        &block,
        "bo",
        Locale::Da,
        Permissions::everything(),
        provider,
    );
    about.ctx.view = "about".into();
    let page = runtime.render(&block, &about).await.unwrap();
    assert_eq!(page.title.as_deref(), Some("Om chatbotten"));
    about.ctx.view = "settings".into();
    assert!(matches!(
        runtime.render(&block, &about).await,
        Err(CallError::BadRequest(_))
    ));
    let unknown = Action {
        id: "topic".into(),
        payload: Some("lotto".into()),
        fields: vec![],
    };
    assert!(matches!(
        runtime.handle_action(&block, &en, &unknown).await,
        Err(CallError::BadRequest(_))
    ));
}

#[tokio::test]
async fn the_transcript_is_remembered_bounded_and_can_be_cleared() {
    let runtime = runtime();
    let block = load(&runtime, "chatbot").await;
    let provider = provider();
    let call = chat_call(
        &block,
        "anna",
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );
    for i in 0..30 {
        run(
            &runtime,
            &block,
            &call,
            &send(&format!("spørgsmål {i} om joblog")),
        )
        .await;
    }
    // A later visit shows the greeting and the last 50 messages.
    let page = runtime.render(&block, &call).await.unwrap();
    let (messages, _) = chat(&page);
    assert_eq!(messages.len(), 1 + 50);
    assert_eq!(messages[1].text, "spørgsmål 5 om joblog");
    let stored = provider.snapshot().storage;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].key, "conversation");

    // An empty message is refused with a message, not stored.
    let page = run(&runtime, &block, &call, &send("   ")).await;
    assert!(text_of(&page).contains("Skriv dit spørgsmål i feltet"));
    assert_eq!(chat(&page).0.len(), 51);

    // Start over.
    let page = run(&runtime, &block, &call, &act("clear", &[])).await;
    assert_eq!(chat(&page).0.len(), 1);
    assert!(!buttons(&page).iter().any(|b| b.1 == "clear"));
}

#[tokio::test]
async fn asking_for_a_person_hands_the_transcript_over_and_shows_the_answer() {
    let runtime = runtime();
    let block = load(&runtime, "chatbot").await;
    let provider = provider();
    let call = chat_call(
        &block,
        demo::CITIZEN,
        Locale::Da,
        Permissions::everything(),
        provider.clone(),
    );

    run(
        &runtime,
        &block,
        &call,
        &send("Må jeg holde ferie i Spanien?"),
    )
    .await;
    let page = run(
        &runtime,
        &block,
        &call,
        &send("jeg vil hellere tale med min sagsbehandler"),
    )
    .await;
    let handover: Vec<_> = buttons(&page)
        .into_iter()
        .filter(|b| b.1 == "handover")
        .collect();
    assert_eq!(handover.len(), 1);
    assert_eq!(handover[0].2, ButtonStyle::Primary);

    // "ja" opens the form; a bad phone number is refused next to its field.
    let page = run(&runtime, &block, &call, &send("ja tak")).await;
    assert!(text_of(&page).contains("handover-send"));
    let bad = act("handover-send", &[("contact", "phone"), ("phone", "12 34")]);
    let page = run(&runtime, &block, &call, &bad).await;
    assert!(field_error(&page, "phone").unwrap().contains("8 cifre"));
    assert!(provider.threads(demo::CITIZEN).is_empty());

    let ok = act(
        "handover-send",
        &[
            ("note", "Jeg skal af sted om 10 dage"),
            ("contact", "phone"),
            ("phone", "+45 12 34 56 78"),
        ],
    );
    let page = run(&runtime, &block, &call, &ok).await;
    assert!(text_of(&page).contains("Venter på svar fra jobcentret"));
    let threads = provider.threads(demo::CITIZEN);
    assert_eq!(threads.len(), 1);
    let EscalationRequest::ChatHandover {
        transcript,
        summary,
    } = &threads[0].0
    else {
        panic!("expected a chat handover, got {:?}", threads[0].0);
    };
    assert_eq!(transcript[0].text, "Må jeg holde ferie i Spanien?");
    assert_eq!(
        transcript.last().unwrap().text,
        "Jeg skal af sted om 10 dage"
    );
    assert!(transcript.iter().any(|m| m.role == ChatRole::Bot));
    assert!(summary.contains("Emner i samtalen: Ferie."), "{summary}");
    assert!(summary.contains("ringes op på 12345678"), "{summary}");

    // Asking again while the jobcentre works on it opens no second thread.
    let page = run(
        &runtime,
        &block,
        &call,
        &act("handover-send", &[("note", "Hallo?")]),
    )
    .await;
    assert!(text_of(&page).contains("allerede sendt"));
    assert_eq!(provider.threads(demo::CITIZEN).len(), 1);

    // The caseworker answers (written into the provider as the jobcentre's system would).
    let mut snapshot = provider.snapshot();
    let thread = &mut snapshot.threads[0].2;
    thread.state = ThreadState::WaitingForCitizen;
    thread.messages.push(ThreadMessage {
        from_caseworker: true,
        text: "Hej Anna, husk at melde ferien på Jobnet i dag. Mvh. Mette".into(),
        at_ms: NOW_MS + 3_600_000,
    });
    let answered = Arc::new(
        MemoryProvider::new(MemoryLimits::default())
            .with_profile(demo::CITIZEN, demo::profile())
            .with_snapshot(snapshot),
    );
    let later = chat_call(
        &block,
        demo::CITIZEN,
        Locale::Da,
        Permissions::everything(),
        answered.clone(),
    );
    let page = runtime.render(&block, &later).await.unwrap();
    let (messages, _) = chat(&page);
    let last = messages.last().unwrap();
    assert_eq!(last.role, ChatRole::Caseworker);
    assert!(last.text.starts_with("Hej Anna"));
    assert_eq!(last.at_ms, Some(NOW_MS + 3_600_000));
    assert!(buttons(&page).iter().any(|b| b.0 == "Svar jobcentret"));
    // Seen once, kept once.
    let page = runtime.render(&block, &later).await.unwrap();
    let copies = chat(&page)
        .0
        .iter()
        .filter(|m| m.role == ChatRole::Caseworker)
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn the_citizen_can_withdraw_a_message_to_the_jobcentre() {
    let runtime = runtime();
    let block = load(&runtime, "chatbot").await;
    let provider = provider();
    let call = chat_call(
        &block,
        "anna",
        Locale::En,
        Permissions::everything(),
        provider.clone(),
    );

    // With nothing asked yet, the form needs a question.
    let page = run(&runtime, &block, &call, &act("handover", &[])).await;
    assert!(text_of(&page).contains("What would you like help with?"));
    let page = run(&runtime, &block, &call, &act("handover-send", &[])).await;
    assert_eq!(
        field_error(&page, "note").as_deref(),
        Some("Write briefly what you would like help with, so the caseworker can answer you.")
    );
    assert!(provider.threads("anna").is_empty());

    run(
        &runtime,
        &block,
        &call,
        &act("handover-send", &[("note", "Can I get help with my CV?")]),
    )
    .await;
    let page = run(&runtime, &block, &call, &act("cancel-handover", &[])).await;
    assert_eq!(provider.threads("anna")[0].1.state, ThreadState::Cancelled);
    assert!(text_of(&page).contains("You have withdrawn your message"));
    // Withdrawn: the way to a caseworker is open again.
    assert!(buttons(&page).iter().any(|b| b.1 == "handover"));
}

#[tokio::test]
async fn without_its_capabilities_the_chatbot_still_helps() {
    let runtime = runtime();
    let block = load(&runtime, "chatbot").await;

    // No storage: it answers, and says the chat will not be remembered.
    let call = chat_call(
        &block,
        "anna",
        Locale::Da,
        Permissions::default(),
        provider(),
    );
    let page = run(&runtime, &block, &call, &send("hvordan sygemelder jeg mig")).await;
    assert!(chat(&page).0[2].text.starts_with("Bliver du syg"));
    assert!(text_of(&page).contains("Samtalen kan ikke gemmes"));

    // Storage but no escalate: the handover fails politely with the contact details.
    let provider = provider();
    let call = chat_call(
        &block,
        "bo",
        Locale::Da,
        only(&[Capability::Storage]),
        provider.clone(),
    );
    run(&runtime, &block, &call, &send("noget helt andet")).await;
    let page = run(&runtime, &block, &call, &act("handover-send", &[])).await;
    let text = text_of(&page);
    assert!(text.contains("Beskeden blev ikke sendt"), "{text}");
    assert!(text.contains("kommunens hjemmeside"), "{text}");
    assert!(provider.threads("bo").is_empty());
}
