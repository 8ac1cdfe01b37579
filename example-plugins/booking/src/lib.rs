//! Booking: the citizen asks for a personal conversation with the jobcentre (the right
//! to a personal job conversation). They choose how (at the jobcentre, video, phone),
//! suggest two or three times on weekdays within the opening hours and with the
//! jobcentre's notice, and say what they want to talk about. The request goes to the
//! caseworker as an escalation; the block remembers it, shows where it stands and the
//! caseworker's messages, and lets the citizen cancel it or suggest other times.
//!
//! Times are Danish local time; see [`calendar`] for how the block derives it from UTC.

pub mod calendar;
pub mod config;
pub mod form;
pub mod requests;

use jobunivers_sdk::prelude::*;
use jobunivers_sdk::{escalate, log, storage};

use config::{Config, Kind};
use form::{Draft, Errors, Valid};
use requests::{finished, request_card, Book, Finished, Sent, KEY};

/// The view listing every remembered request.
pub const HISTORY_VIEW: &str = "history";
/// The prefix of the action that replaces request number N: "rebook/N".
pub const REBOOK_PREFIX: &str = "rebook/";

/// The booking block.
pub struct Booking;

fn title(ctx: &Context) -> &'static str {
    ctx.t("Samtale med jobcentret", "Conversation with the jobcentre")
}

fn load_book() -> Result<Book, BlockError> {
    Ok(storage::get_json::<Book>(KEY)?.unwrap_or_default())
}

/// The request number a button or action refers to, if the block knows it.
fn parse_no(book: &Book, text: Option<&str>) -> Result<u32, BlockError> {
    text.and_then(|t| t.parse::<u32>().ok())
        .filter(|no| book.get(*no).is_some())
        .ok_or_else(|| {
            BlockError::BadRequest(format!(
                "no request '{}' for this citizen",
                text.unwrap_or_default()
            ))
        })
}

/// The status of a thread; `None` (and a log line) when the host cannot give it.
fn fetch(sent: &Sent) -> Option<escalate::Thread> {
    match escalate::status(&sent.thread) {
        Ok(thread) => Some(thread),
        Err(e) => {
            log::warn(&format!("status of {} unavailable: {e:?}", sent.thread));
            None
        }
    }
}

/// The open requests with their threads, noting in the book those that have ended.
fn open_requests(book: &mut Book) -> (Vec<(Sent, Option<escalate::Thread>)>, bool) {
    let mut open = Vec::new();
    let mut changed = false;
    for sent in book.unfinished().cloned().collect::<Vec<_>>() {
        let thread = fetch(&sent);
        match thread.as_ref().and_then(|t| finished(t.state)) {
            Some(how) => changed |= book.finish(sent.no, how),
            None => open.push((sent, thread)),
        }
    }
    (open, changed)
}

/// The main view: open requests with their status, or else the form for a new one
/// (below the latest answer from the jobcentre, if any).
fn main_page(ctx: &Context, config: &Config, notice: Option<Alert>) -> Result<Page, BlockError> {
    let mut book = load_book()?;
    let (open, changed) = open_requests(&mut book);
    if changed {
        storage::set_json(KEY, &book)?;
    }
    let mut page = Page::new().title(title(ctx));
    if let Some(alert) = notice {
        page = page.alert(alert);
    }
    if !open.is_empty() {
        page = page.lead(ctx.t(
            "Her kan du følge din anmodning om en samtale med jobcentret.",
            "Here you can follow your request for a conversation with the jobcentre.",
        ));
        for (sent, thread) in &open {
            page = page.card(request_card(ctx, config, sent, thread.as_ref()));
        }
    } else {
        page = page.lead(ctx.t(
            "Du har ret til en personlig samtale med jobcentret. Foreslå nogle tider, der passer dig, så finder jobcentret en tid og svarer dig her.",
            "You have the right to a personal conversation with the jobcentre. Suggest some times that suit you, and the jobcentre will find a time and answer you here.",
        ));
        // The jobcentre's answer to the latest request (e.g. the agreed time) stays
        // visible until the citizen asks for a new conversation.
        if let Some(latest) = book.sent.last() {
            if latest.finished == Some(Finished::Closed) {
                page = page.card(request_card(ctx, config, latest, fetch(latest).as_ref()));
            }
        }
        page = page
            .heading(2, ctx.t("Bed om en samtale", "Ask for a conversation"))
            .text(notice_text(ctx, config))
            .form(form::request_form(
                ctx,
                config,
                "request",
                ctx.t("Send anmodningen", "Send the request"),
                &Draft::default(),
                &Errors::new(),
            ));
    }
    if book.sent.iter().any(|s| s.finished.is_some()) {
        page = page.link_view(
            ctx.t("Se dine tidligere anmodninger", "See your earlier requests"),
            HISTORY_VIEW,
        );
    }
    Ok(page)
}

fn notice_text(ctx: &Context, config: &Config) -> String {
    let n = config.min_notice_days;
    let notice = if n > 0 {
        match ctx.locale {
            Locale::Da => format!("Jobcentret skal have mindst {n} dages varsel. "),
            Locale::En => format!("The jobcentre needs at least {n} days' notice. "),
        }
    } else {
        String::new()
    };
    format!(
        "{notice}{}",
        ctx.t(
            "Foreslå 2 eller 3 tider på forskellige dage, så er det lettere at finde en, der passer.",
            "Suggest 2 or 3 times on different days; that makes it easier to find one that suits.",
        )
    )
}

/// The form again, with the citizen's input, the problems at their fields and
/// possibly an alert above.
fn form_page(
    ctx: &Context,
    config: &Config,
    action: &str,
    draft: &Draft,
    errors: &Errors,
    alert: Option<Alert>,
) -> Page {
    let mut page = Page::new().title(title(ctx));
    if let Some(alert) = alert {
        page = page.alert(alert);
    }
    let submit = if action == "request" {
        ctx.t("Send anmodningen", "Send the request")
    } else {
        ctx.t("Send de nye ønsker", "Send the new times")
    };
    page.text(notice_text(ctx, config))
        .form(form::request_form(
            ctx, config, action, submit, draft, errors,
        ))
        .link_view(ctx.t("Tilbage", "Back"), "")
}

fn send_failed(ctx: &Context) -> Alert {
    Alert::error(ctx.t(
        "Vi kunne ikke sende din anmodning til jobcentret lige nu. Prøv igen lidt senere, eller kontakt jobcentret.",
        "We could not send your request to the jobcentre right now. Please try again a little later, or contact the jobcentre.",
    ))
}

/// Send a checked request; on success remember it in `book` and return its number.
/// `None` when the host refused (already logged).
fn send(ctx: &Context, valid: &Valid, book: &mut Book) -> Option<u32> {
    let windows: Vec<escalate::TimeWindow> = valid
        .times
        .iter()
        .map(|t| escalate::TimeWindow {
            start_ms: t.start_ms,
            end_ms: t.end_ms,
        })
        .collect();
    let kind = match valid.kind {
        Kind::Physical => escalate::MeetingKind::Physical,
        Kind::Video => escalate::MeetingKind::Video,
        Kind::Phone => escalate::MeetingKind::Phone,
    };
    let topic = form::caseworker_topic(ctx, valid);
    match escalate::request_booking(kind, &windows, &topic) {
        Ok(thread) => Some(book.add(thread, ctx.now_ms, valid)),
        Err(e) => {
            log::error(&format!("request_booking refused: {e:?}"));
            None
        }
    }
}

/// Remember the book after a request was sent. The request reached the jobcentre even
/// if this fails, so the citizen is told that instead of seeing an error page.
fn remember(ctx: &Context, book: &Book) -> Option<Alert> {
    match storage::set_json(KEY, book) {
        Ok(()) => None,
        Err(e) => {
            log::error(&format!("could not store the requests: {e}"));
            Some(Alert::warning(ctx.t(
                "Jobcentret har fået din anmodning, men vi kunne ikke gemme den her. Jobcentret svarer dig på anden vis.",
                "The jobcentre has your request, but we could not save it here. The jobcentre will answer you another way.",
            )))
        }
    }
}

fn handle_request(ctx: &Context, config: &Config, action: &Action) -> Result<Page, BlockError> {
    let draft = Draft::from_action(action);
    let valid = match form::validate(ctx, config, &draft) {
        Ok(valid) => valid,
        Err(errors) => return Ok(form_page(ctx, config, "request", &draft, &errors, None)),
    };
    let mut book = load_book()?;
    let (open, changed) = open_requests(&mut book);
    if changed {
        storage::set_json(KEY, &book)?;
    }
    if !open.is_empty() {
        // E.g. the form was sent twice: one open request at a time keeps it clear.
        return main_page(
            ctx,
            config,
            Some(Alert::warning(ctx.t(
                "Du har allerede en anmodning, som jobcentret ikke har svaret på. Vil du foreslå andre tider, så ændr den i stedet.",
                "You already have a request the jobcentre has not answered. To suggest other times, change that one instead.",
            ))),
        );
    }
    if send(ctx, &valid, &mut book).is_none() {
        return Ok(form_page(
            ctx,
            config,
            "request",
            &draft,
            &Errors::new(),
            Some(send_failed(ctx)),
        ));
    }
    let problem = remember(ctx, &book);
    let sent = Alert::success(ctx.t(
        "Tak! Din anmodning er sendt til jobcentret. Du får svar her.",
        "Thank you! Your request has been sent to the jobcentre. You will get the answer here.",
    ));
    let mut page = main_page(ctx, config, Some(sent))?;
    if let Some(alert) = problem {
        page = page.alert(alert);
    }
    Ok(page)
}

fn handle_rebook_form(ctx: &Context, config: &Config, action: &Action) -> Result<Page, BlockError> {
    let book = load_book()?;
    let no = parse_no(&book, action.payload.as_deref())?;
    let sent = book.get(no).expect("parse_no checked it");
    let draft = form::draft_from(
        config,
        ctx.now_ms,
        sent.kind,
        &sent.time_values(),
        &sent.topic,
        &sent.note,
    );
    let info = Alert::info(ctx.t(
        "Vælg de tider, der passer dig nu. Når du sender, aflyser vi din nuværende anmodning og sender en ny. Tider, der ikke længere kan vælges, er taget ud.",
        "Choose the times that suit you now. When you send, we cancel your current request and send a new one. Times that can no longer be chosen have been left out.",
    ));
    Ok(form_page(
        ctx,
        config,
        &format!("{REBOOK_PREFIX}{no}"),
        &draft,
        &Errors::new(),
        Some(info),
    ))
}

fn handle_rebook_send(
    ctx: &Context,
    config: &Config,
    action: &Action,
    no: &str,
) -> Result<Page, BlockError> {
    let mut book = load_book()?;
    let no = parse_no(&book, Some(no))?;
    let draft = Draft::from_action(action);
    let valid = match form::validate(ctx, config, &draft) {
        Ok(valid) => valid,
        Err(errors) => return Ok(form_page(ctx, config, &action.id, &draft, &errors, None)),
    };
    let old = book.get(no).cloned().expect("parse_no checked it");
    let state = if old.finished.is_some() {
        old.finished
    } else {
        fetch(&old).and_then(|t| finished(t.state))
    };
    if state == Some(Finished::Closed) {
        // The jobcentre answered meanwhile; a time may already be agreed, so nothing is
        // cancelled behind the citizen's back.
        book.finish(no, Finished::Closed);
        storage::set_json(KEY, &book)?;
        return main_page(ctx, config, Some(Alert::warning(ctx.t(
            "Jobcentret nåede at behandle din anmodning, før du ændrede den. Læs svaret nedenfor. Vil du stadig foreslå andre tider, kan du sende en ny anmodning.",
            "The jobcentre dealt with your request before you changed it. Read the answer below. If you still want to suggest other times, you can send a new request.",
        ))));
    }
    // The new request goes first, so the citizen is never left without one.
    if send(ctx, &valid, &mut book).is_none() {
        return Ok(form_page(
            ctx,
            config,
            &action.id,
            &draft,
            &Errors::new(),
            Some(send_failed(ctx)),
        ));
    }
    let mut notice = Alert::success(ctx.t(
        "Dine nye ønsker er sendt til jobcentret, og den gamle anmodning er aflyst.",
        "Your new times have been sent to the jobcentre and the old request has been cancelled.",
    ));
    if state.is_none() {
        match escalate::cancel(&old.thread) {
            Ok(()) => {
                book.finish(no, Finished::Cancelled);
            }
            Err(e) => {
                log::error(&format!("cancel of {} refused: {e:?}", old.thread));
                notice = Alert::warning(ctx.t(
                    "Dine nye ønsker er sendt, men vi kunne ikke aflyse den gamle anmodning. Prøv at aflyse den herunder.",
                    "Your new times have been sent, but we could not cancel the old request. Try cancelling it below.",
                ));
            }
        }
    }
    let problem = remember(ctx, &book);
    let mut page = main_page(ctx, config, Some(notice))?;
    if let Some(alert) = problem {
        page = page.alert(alert);
    }
    Ok(page)
}

fn confirm_cancel(ctx: &Context, config: &Config, action: &Action) -> Result<Page, BlockError> {
    let book = load_book()?;
    let no = parse_no(&book, action.payload.as_deref())?;
    let sent = book.get(no).expect("parse_no checked it");
    Ok(Page::new()
        .title(title(ctx))
        .heading(2, ctx.t("Vil du aflyse din anmodning?", "Do you want to cancel your request?"))
        .text(ctx.t(
            "Jobcentret får besked om, at du ikke længere ønsker en samtale på de tider, du har foreslået. Du kan altid bede om en ny samtale.",
            "The jobcentre is told that you no longer want a conversation at the times you suggested. You can always ask for a new conversation.",
        ))
        .card(requests::add_facts(ctx, config, sent, requests::titled_card(ctx, sent)))
        .push(Button::new(ctx.t("Ja, aflys anmodningen", "Yes, cancel the request"), "cancel-confirm").payload(no.to_string()))
        .link_view(ctx.t("Nej, behold den", "No, keep it"), ""))
}

fn cancel(ctx: &Context, config: &Config, action: &Action) -> Result<Page, BlockError> {
    let mut book = load_book()?;
    let no = parse_no(&book, action.payload.as_deref())?;
    let thread = book.get(no).expect("parse_no checked it").thread.clone();
    let notice = match escalate::cancel(&thread) {
        Ok(()) => {
            book.finish(no, Finished::Cancelled);
            storage::set_json(KEY, &book)?;
            Alert::success(ctx.t(
                "Din anmodning er aflyst. Du kan bede om en ny samtale, når du vil.",
                "Your request has been cancelled. You can ask for a new conversation whenever you like.",
            ))
        }
        Err(e) => {
            log::error(&format!("cancel of {thread} refused: {e:?}"));
            Alert::error(ctx.t(
                "Vi kunne ikke aflyse din anmodning lige nu. Prøv igen lidt senere, eller kontakt jobcentret.",
                "We could not cancel your request right now. Please try again a little later, or contact the jobcentre.",
            ))
        }
    };
    main_page(ctx, config, Some(notice))
}

fn history_page(ctx: &Context, config: &Config) -> Result<Page, BlockError> {
    let mut book = load_book()?;
    let mut page = Page::new()
        .title(ctx.t("Dine anmodninger", "Your requests"))
        .link_view(ctx.t("Tilbage", "Back"), "");
    if book.sent.is_empty() {
        return Ok(page.text(ctx.t(
            "Du har ikke bedt om en samtale endnu.",
            "You have not asked for a conversation yet.",
        )));
    }
    let mut changed = false;
    let newest_first: Vec<Sent> = book.sent.iter().rev().cloned().collect();
    for sent in &newest_first {
        let thread = fetch(sent);
        if let Some(how) = thread.as_ref().and_then(|t| finished(t.state)) {
            changed |= book.finish(sent.no, how);
        }
        page = page.card(request_card(ctx, config, sent, thread.as_ref()));
    }
    if changed {
        storage::set_json(KEY, &book)?;
    }
    Ok(page)
}

impl Block for Booking {
    fn manifest() -> Manifest {
        Manifest::new("jobunivers.booking", "1.0.0", Category::Booking)
            .name("Book en samtale", "Book a conversation")
            .description(
                "Bed om en personlig samtale med jobcentret: vælg fremmøde, video eller telefon, foreslå tider og fortæl, hvad du vil tale om. Følg svaret, og aflys eller foreslå andre tider.",
                "Ask for a personal conversation with the jobcentre: choose meeting in person, video or phone, suggest times and say what you want to talk about. Follow the answer, and cancel or suggest other times.",
            )
            .capability(
                Capability::Escalate,
                "Sender din anmodning om en samtale til jobcentret, viser jobcentrets svar og aflyser anmodningen, hvis du beder om det.",
                "Sends your request for a conversation to the jobcentre, shows the jobcentre's answer and cancels the request if you ask.",
            )
            .capability(
                Capability::Storage,
                "Husker dine anmodninger, så du kan følge, ændre og aflyse dem.",
                "Remembers your requests so you can follow, change and cancel them.",
            )
            .config_schema(config::schema())
            .default_config(config::default_config())
    }

    fn render(ctx: &Context) -> Result<Page, BlockError> {
        let config = Config::load(ctx)?;
        match ctx.view.as_str() {
            "" => main_page(ctx, &config, None),
            HISTORY_VIEW => history_page(ctx, &config),
            other => Err(BlockError::unknown_view(other)),
        }
    }

    fn handle_action(ctx: &Context, action: &Action) -> Result<Page, BlockError> {
        let config = Config::load(ctx)?;
        match action.id.as_str() {
            "request" => handle_request(ctx, &config, action),
            "rebook" => handle_rebook_form(ctx, &config, action),
            "cancel" => confirm_cancel(ctx, &config, action),
            "cancel-confirm" => cancel(ctx, &config, action),
            id => match id.strip_prefix(REBOOK_PREFIX) {
                Some(no) => handle_rebook_send(ctx, &config, action, no),
                None => Err(BlockError::unknown_action(id)),
            },
        }
    }
}

jobunivers_sdk::export_block!(Booking);

#[cfg(test)]
mod tests;
