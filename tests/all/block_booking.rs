//! The booking block, loaded as a real component: the form and its field errors, the
//! escalation it opens with Danish local times, the caseworker's answer, rebooking and
//! cancelling. Calls happen on Monday 2026-01-05 at 10:00 Danish time, so with the
//! default 8 days' notice the first possible date is Tuesday 2026-01-13.

use std::collections::BTreeSet;
use std::sync::Arc;

use jobunivers_host::caps::memory::{MemoryLimits, MemoryProvider};
use jobunivers_host::caps::{
    Capability, EscalationRequest, MeetingKind, ThreadMessage, ThreadState, TimeWindow,
};
use jobunivers_host::demo;
use jobunivers_host::runtime::model::{Action, AlertLevel, Element, Field, Locale, Page};
use jobunivers_host::runtime::{Call, LoadedBlock, Permissions, Runtime};

use crate::helpers::*;

const HOUR: i64 = 3_600_000;
/// 2026-01-13 00:00 UTC.
const TUESDAY: i64 = 20_466 * 86_400_000;

/// A call for the demo citizen with the block's default configuration.
fn booking_call(block: &LoadedBlock, view: &str, locale: Locale, p: Arc<MemoryProvider>) -> Call {
    let mut call = call_for(demo::CITIZEN, view, locale, Permissions::everything(), p);
    call.ctx.config = block.manifest.default_config.to_string();
    call
}

fn action(id: &str, payload: Option<&str>, fields: &[(&str, &str)]) -> Action {
    Action {
        id: id.into(),
        payload: payload.map(Into::into),
        fields: fields
            .iter()
            .map(|(n, v)| ((*n).into(), (*v).into()))
            .collect(),
    }
}

fn good_request(id: &str) -> Action {
    action(
        id,
        None,
        &[
            ("kind", "video"),
            ("date1", "2026-01-13"),
            ("time1", "09:00-12:00"),
            ("date2", "2026-01-16"),
            ("time2", "12:00-15:00"),
            ("date3", ""),
            ("time3", ""),
            ("topic", "t1"),
            (
                "note",
                "Jeg vil gerne have hjælp til at gøre mit CV kortere",
            ),
        ],
    )
}

/// Every form field on the page, at any depth.
fn fields(page: &Page) -> Vec<Field> {
    fn walk(elements: &[Element], out: &mut Vec<Field>) {
        for e in elements {
            match e {
                Element::Form { fields, .. } => out.extend(fields.iter().cloned()),
                Element::Card { children, .. } => walk(children, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&page.elements, &mut out);
    out
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name} in {fields:?}"))
}

/// The (level, text) of every alert on the page, at any depth.
fn alerts(page: &Page) -> Vec<(AlertLevel, String)> {
    fn walk(elements: &[Element], out: &mut Vec<(AlertLevel, String)>) {
        for e in elements {
            match e {
                Element::Alert { level, text, .. } => out.push((*level, text.clone())),
                Element::Card { children, .. } => walk(children, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(&page.elements, &mut out);
    out
}

/// The jobcentre answers thread number `index`: a provider continuing from `p` where
/// the thread has the new state and the caseworker's message.
fn caseworker_answers(
    p: &MemoryProvider,
    index: usize,
    state: ThreadState,
    text: &str,
) -> Arc<MemoryProvider> {
    let mut snapshot = p.snapshot();
    let thread = &mut snapshot.threads[index].2;
    thread.state = state;
    thread.messages.push(ThreadMessage {
        from_caseworker: true,
        text: text.into(),
        at_ms: NOW_MS + HOUR,
    });
    Arc::new(MemoryProvider::new(MemoryLimits::default()).with_snapshot(snapshot))
}

async fn act(runtime: &Runtime, block: &LoadedBlock, call: &Call, a: Action) -> Page {
    runtime
        .handle_action(block, call, &a)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", a.id))
}

#[tokio::test]
async fn the_booking_block_asks_only_for_escalate_and_storage_and_offers_the_form() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    assert_eq!(block.manifest.raw.id, "jobunivers.booking");
    assert_eq!(block.manifest.raw.category, "booking");
    assert_eq!(
        block.manifest.requested,
        BTreeSet::from([Capability::Escalate, Capability::Storage])
    );
    let page = runtime
        .render(&block, &booking_call(&block, "", Locale::Da, provider()))
        .await
        .unwrap();
    assert_eq!(page.title.as_deref(), Some("Samtale med jobcentret"));
    let f = fields(&page);
    let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["kind", "date1", "time1", "date2", "time2", "date3", "time3", "topic", "note"]
    );
    assert!(field(&f, "date1")
        .hint
        .as_deref()
        .unwrap()
        .contains("tirsdag den 13. januar 2026"));
    let page = runtime
        .render(&block, &booking_call(&block, "", Locale::En, provider()))
        .await
        .unwrap();
    assert!(text_of(&page).contains("Ask for a conversation"));
    assert!(text_of(&page).contains("No earlier than Tuesday 13 January 2026"));
}

#[tokio::test]
async fn a_date_inside_the_notice_gets_a_field_error_with_the_first_possible_date() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let p = provider();
    let call = booking_call(&block, "", Locale::Da, p.clone());
    let mut too_early = good_request("request");
    too_early.fields[1].1 = "2026-01-12".into();
    too_early.fields[3].1 = "2026-01-17".into(); // a Saturday
    let page = act(&runtime, &block, &call, too_early).await;
    let f = fields(&page);
    assert_eq!(
        field(&f, "date1").error.as_deref(),
        Some("Den første dato, du kan vælge, er tirsdag den 13. januar 2026. Jobcentret skal have mindst 8 dages varsel.")
    );
    assert!(field(&f, "date2")
        .error
        .as_deref()
        .unwrap()
        .contains("weekenden"));
    assert_eq!(
        field(&f, "date1").value.as_deref(),
        Some("2026-01-12"),
        "the input stays"
    );
    assert!(p.threads(demo::CITIZEN).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_request_reaches_the_jobcentre_in_danish_local_time_and_shows_its_status() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let p = provider();
    let call = booking_call(&block, "", Locale::Da, p.clone());
    let page = act(&runtime, &block, &call, good_request("request")).await;
    assert_eq!(
        alerts(&page)[0],
        (
            AlertLevel::Success,
            "Tak! Din anmodning er sendt til jobcentret. Du får svar her.".into()
        )
    );

    let threads = p.threads(demo::CITIZEN);
    assert_eq!(threads.len(), 1);
    let (request, thread) = &threads[0];
    assert_eq!(thread.state, ThreadState::WaitingForJobcentre);
    let friday = TUESDAY + 3 * 24 * HOUR;
    assert_eq!(
        request,
        &EscalationRequest::Booking {
            kind: MeetingKind::Video,
            // 09-12 and 12-13 (Friday closes at 13) in CET, UTC+1.
            preferred: vec![
                TimeWindow {
                    start_ms: TUESDAY + 8 * HOUR,
                    end_ms: TUESDAY + 11 * HOUR
                },
                TimeWindow {
                    start_ms: friday + 11 * HOUR,
                    end_ms: friday + 12 * HOUR
                },
            ],
            topic: "Mit CV: Jeg vil gerne have hjælp til at gøre mit CV kortere".into(),
        }
    );

    // The next visit shows the request instead of the form, with the times as chosen.
    let page = runtime.render(&block, &call).await.unwrap();
    let text = text_of(&page);
    assert!(text.contains("Venter på jobcentret"), "{text}");
    assert!(text.contains("tirsdag den 13. januar 2026 kl. 09.00-12.00"));
    assert!(text.contains("fredag den 16. januar 2026 kl. 12.00-13.00"));
    assert!(
        fields(&page).is_empty(),
        "no second request while one is open"
    );

    // Sending the form again does not open a second thread.
    let page = act(&runtime, &block, &call, good_request("request")).await;
    assert_eq!(alerts(&page)[0].0, AlertLevel::Warning);
    assert_eq!(p.threads(demo::CITIZEN).len(), 1);
}

#[tokio::test]
async fn the_citizen_reads_the_answer_suggests_other_times_and_cancels() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let first = provider();
    let call = booking_call(&block, "", Locale::Da, first.clone());
    act(&runtime, &block, &call, good_request("request")).await;

    // The jobcentre asks for other times.
    let p = caseworker_answers(
        &first,
        0,
        ThreadState::WaitingForCitizen,
        "Vi har ikke tider de dage. Kan du foreslå nogle andre?",
    );
    let mut call = call;
    call.provider = p.clone();
    let page = runtime.render(&block, &call).await.unwrap();
    let text = text_of(&page);
    assert!(text.contains("Jobcentret venter på dig"), "{text}");
    assert!(text.contains("Kan du foreslå nogle andre?"));
    assert!(text.contains("\"caseworker\""));

    // "Suggest other times" fills the form with what is still possible.
    let page = act(&runtime, &block, &call, action("rebook", Some("0"), &[])).await;
    let f = fields(&page);
    assert_eq!(field(&f, "kind").value.as_deref(), Some("video"));
    assert_eq!(field(&f, "topic").value.as_deref(), Some("t1"));
    assert_eq!(field(&f, "date1").value.as_deref(), Some("2026-01-13"));
    assert!(text_of(&page).contains("\"action\":\"rebook/0\""));

    let mut new_times = good_request("rebook/0");
    new_times.fields[0].1 = "phone".into();
    new_times.fields[1].1 = "2026-01-20".into();
    new_times.fields[3].1 = "2026-01-21".into();
    let page = act(&runtime, &block, &call, new_times).await;
    assert_eq!(alerts(&page)[0].0, AlertLevel::Success);
    let threads = p.threads(demo::CITIZEN);
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].1.state, ThreadState::Cancelled);
    assert_eq!(threads[1].1.state, ThreadState::WaitingForJobcentre);
    assert!(matches!(
        &threads[1].0,
        EscalationRequest::Booking { kind: MeetingKind::Phone, preferred, .. }
            if preferred[0].start_ms == TUESDAY + 7 * 24 * HOUR + 8 * HOUR
    ));

    // Cancelling asks first, then cancels the open thread.
    let page = act(&runtime, &block, &call, action("cancel", Some("1"), &[])).await;
    assert!(text_of(&page).contains("Vil du aflyse din anmodning?"));
    assert_eq!(
        p.threads(demo::CITIZEN)[1].1.state,
        ThreadState::WaitingForJobcentre
    );
    let page = act(
        &runtime,
        &block,
        &call,
        action("cancel-confirm", Some("1"), &[]),
    )
    .await;
    assert_eq!(
        alerts(&page)[0],
        (
            AlertLevel::Success,
            "Din anmodning er aflyst. Du kan bede om en ny samtale, når du vil.".into()
        )
    );
    assert_eq!(p.threads(demo::CITIZEN)[1].1.state, ThreadState::Cancelled);
    assert!(!fields(&page).is_empty(), "the form is back");

    // The history shows both requests; an unknown request number is refused.
    let mut history = call.clone();
    history.ctx.view = "history".into();
    let page = runtime.render(&block, &history).await.unwrap();
    let cards = page
        .elements
        .iter()
        .filter(|e| matches!(e, Element::Card { .. }))
        .count();
    assert_eq!(cards, 2);
    assert!(runtime
        .handle_action(&block, &call, &action("cancel", Some("7"), &[]))
        .await
        .is_err());
}

#[tokio::test]
async fn an_answered_request_is_never_cancelled_by_a_late_rebook() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let first = provider();
    let call = booking_call(&block, "", Locale::En, first.clone());
    act(&runtime, &block, &call, good_request("request")).await;
    let p = caseworker_answers(
        &first,
        0,
        ThreadState::Closed,
        "Du har fået en tid tirsdag den 13. januar kl. 10.00 hos Mette.",
    );
    let mut call = call;
    call.provider = p.clone();
    let page = act(&runtime, &block, &call, good_request("rebook/0")).await;
    assert_eq!(alerts(&page)[0].0, AlertLevel::Warning);
    let threads = p.threads(demo::CITIZEN);
    assert_eq!(threads.len(), 1, "no new request");
    assert_eq!(threads[0].1.state, ThreadState::Closed);
    let text = text_of(&page);
    assert!(
        text.contains("hos Mette"),
        "the answer stays visible: {text}"
    );
    assert!(text.contains("Dealt with"));
    assert!(!fields(&page).is_empty(), "a new request can be made");
}

#[tokio::test]
async fn without_escalate_the_citizen_keeps_the_input_and_is_told_kindly() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let p = provider();
    let mut call = booking_call(&block, "", Locale::Da, p.clone());
    call.permissions = Permissions {
        granted: BTreeSet::from([Capability::Storage]),
        consented: BTreeSet::new(),
    };
    let page = act(&runtime, &block, &call, good_request("request")).await;
    let (level, text) = &alerts(&page)[0];
    assert_eq!(*level, AlertLevel::Error);
    assert!(
        text.starts_with("Vi kunne ikke sende din anmodning"),
        "{text}"
    );
    assert_eq!(
        field(&fields(&page), "date1").value.as_deref(),
        Some("2026-01-13")
    );
    assert!(p.threads(demo::CITIZEN).is_empty());
}

#[tokio::test]
async fn the_config_decides_kinds_times_and_notice() {
    let runtime = runtime();
    let block = load(&runtime, "booking").await;
    let p = provider();
    let mut call = booking_call(&block, "", Locale::Da, p.clone());
    call.ctx.config = serde_json::json!({
        "min_notice_days": 3,
        "kinds": ["phone"],
        "time_choice": "half-hours"
    })
    .to_string();
    let page = runtime.render(&block, &call).await.unwrap();
    let f = fields(&page);
    assert!(
        f.iter().all(|f| f.name != "kind"),
        "one kind needs no choice"
    );
    assert!(field(&f, "date1")
        .hint
        .as_deref()
        .unwrap()
        .contains("torsdag den 8. januar 2026"));
    let page = act(
        &runtime,
        &block,
        &call,
        action(
            "request",
            None,
            &[
                ("date1", "2026-01-08"),
                ("time1", "14:30"),
                ("date2", "2026-01-09"),
                ("time2", "13:00"),
                ("topic", "other"),
                ("note", "Spørgsmål om min plan"),
            ],
        ),
    )
    .await;
    assert_eq!(
        field(&fields(&page), "time2").error.as_deref(),
        Some("Om fredagen holder jobcentret samtaler kl. 09.00-13.00. Vælg et tidspunkt inden for det.")
    );
    assert!(p.threads(demo::CITIZEN).is_empty());
}
