//! The requests a citizen has sent, as the block remembers them in storage, and how a
//! request and the jobcentre's answer are shown.

use jobunivers_sdk::escalate::{State, Thread};
use jobunivers_sdk::prelude::*;
use jobunivers_sdk::ui::Chat;
use serde::{Deserialize, Serialize};

use crate::calendar::{clock, long_date, utc_to_local};
use crate::config::{Config, Kind};
use crate::form::Valid;

/// The storage key of the [`Book`].
pub const KEY: &str = "requests";
/// How many requests are remembered; the oldest finished ones are forgotten first.
pub const KEEP: usize = 20;

/// One preferred time as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentTime {
    /// The local date, "YYYY-MM-DD".
    pub date: String,
    /// The time field's value, to refill the form.
    pub value: String,
    /// Start (Unix ms).
    pub start_ms: i64,
    /// End (Unix ms).
    pub end_ms: i64,
}

/// How a request ended, once it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Finished {
    /// The jobcentre closed it.
    Closed,
    /// The citizen cancelled it.
    Cancelled,
}

/// A request sent to the jobcentre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    /// The block's own number for it, used in buttons and action ids.
    pub no: u32,
    /// The escalation thread's id.
    pub thread: String,
    /// When it was sent (Unix ms).
    pub sent_ms: i64,
    /// How.
    pub kind: Kind,
    /// When, in order of preference.
    pub times: Vec<SentTime>,
    /// The topic's field value.
    pub topic: String,
    /// The topic in Danish.
    pub topic_da: String,
    /// The topic in English.
    pub topic_en: String,
    /// The citizen's own words.
    pub note: String,
    /// How it ended, once known; finished requests need no more status calls.
    #[serde(default)]
    pub finished: Option<Finished>,
}

impl Sent {
    /// A request made from a checked form.
    pub fn new(no: u32, thread: String, sent_ms: i64, valid: &Valid) -> Sent {
        Sent {
            no,
            thread,
            sent_ms,
            kind: valid.kind,
            times: valid
                .times
                .iter()
                .map(|t| SentTime {
                    date: crate::calendar::iso_date(t.day),
                    value: t.value.clone(),
                    start_ms: t.start_ms,
                    end_ms: t.end_ms,
                })
                .collect(),
            topic: valid.topic.clone(),
            topic_da: valid.topic_label.0.clone(),
            topic_en: valid.topic_label.1.clone(),
            note: valid.note.clone(),
            finished: None,
        }
    }

    /// The times as (date, field value), to refill the form.
    pub fn time_values(&self) -> Vec<(String, String)> {
        self.times
            .iter()
            .map(|t| (t.date.clone(), t.value.clone()))
            .collect()
    }
}

/// Everything the block remembers for a citizen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Book {
    /// The number the next request gets.
    pub next_no: u32,
    /// The requests, oldest first.
    pub sent: Vec<Sent>,
}

impl Book {
    /// Remember a new request and return its number. Beyond [`KEEP`] requests the oldest
    /// finished ones are forgotten; open ones never are.
    pub fn add(&mut self, thread: String, sent_ms: i64, valid: &Valid) -> u32 {
        let no = self.next_no;
        self.next_no += 1;
        self.sent.push(Sent::new(no, thread, sent_ms, valid));
        while self.sent.len() > KEEP {
            match self.sent.iter().position(|s| s.finished.is_some()) {
                Some(i) => {
                    self.sent.remove(i);
                }
                None => break,
            }
        }
        no
    }

    /// The request with the block's number `no`.
    pub fn get(&self, no: u32) -> Option<&Sent> {
        self.sent.iter().find(|s| s.no == no)
    }

    /// Note how a request ended; returns whether anything changed.
    pub fn finish(&mut self, no: u32, how: Finished) -> bool {
        match self.sent.iter_mut().find(|s| s.no == no) {
            Some(s) if s.finished != Some(how) => {
                s.finished = Some(how);
                true
            }
            _ => false,
        }
    }

    /// Requests not known to be finished, oldest first.
    pub fn unfinished(&self) -> impl Iterator<Item = &Sent> {
        self.sent.iter().filter(|s| s.finished.is_none())
    }
}

/// How a thread's state ended, if it has.
pub fn finished(state: State) -> Option<Finished> {
    match state {
        State::Closed => Some(Finished::Closed),
        State::Cancelled => Some(Finished::Cancelled),
        State::WaitingForJobcentre | State::WaitingForCitizen => None,
    }
}

/// A preferred time for reading: "mandag den 19. januar 2026 kl. 09.00-12.00".
pub fn time_text(ctx: &Context, t: &SentTime) -> String {
    let (day, from) = utc_to_local(t.start_ms);
    let (_, to) = utc_to_local(t.end_ms);
    format!(
        "{} {}{}-{}",
        long_date(day, ctx.locale),
        ctx.t("kl. ", ""),
        clock(from, ctx.locale),
        clock(to, ctx.locale)
    )
}

/// The alert that says where a request stands.
pub fn state_alert(ctx: &Context, state: State) -> Alert {
    match state {
        State::WaitingForJobcentre => Alert::info(ctx.t(
            "Jobcentret har fået din anmodning og finder en tid, der passer. Svaret kommer her.",
            "The jobcentre has your request and is finding a time that suits. The answer will appear here.",
        ))
        .title(ctx.t("Venter på jobcentret", "Waiting for the jobcentre")),
        State::WaitingForCitizen => Alert::warning(ctx.t(
            "Jobcentret har brug for noget fra dig. Læs beskeden fra jobcentret nedenfor. Skal du foreslå andre tider, kan du ændre din anmodning.",
            "The jobcentre needs something from you. Read the jobcentre's message below. If you need to suggest other times, you can change your request.",
        ))
        .title(ctx.t("Jobcentret venter på dig", "The jobcentre is waiting for you")),
        State::Closed => Alert::success(ctx.t(
            "Jobcentret har behandlet din anmodning. Læs beskeden fra jobcentret for at se, hvad der er aftalt. Skal en aftalt samtale flyttes eller aflyses, så kontakt jobcentret.",
            "The jobcentre has dealt with your request. Read the jobcentre's message to see what has been agreed. To move or cancel an agreed conversation, contact the jobcentre.",
        ))
        .title(ctx.t("Behandlet", "Dealt with")),
        State::Cancelled => Alert::info(ctx.t(
            "Anmodningen er aflyst.",
            "The request has been cancelled.",
        ))
        .title(ctx.t("Aflyst", "Cancelled")),
    }
}

/// What was asked: kind, topic, the citizen's words, the place and the times.
pub fn add_facts(ctx: &Context, config: &Config, sent: &Sent, card: Card) -> Card {
    let mut facts = vec![
        format!(
            "{} {}",
            ctx.t("Samtaleform:", "Type of conversation:"),
            sent.kind.label(ctx)
        ),
        format!(
            "{} {}",
            ctx.t("Emne:", "Topic:"),
            ctx.t(&sent.topic_da, &sent.topic_en)
        ),
    ];
    if !sent.note.is_empty() {
        facts.push(format!(
            "{} {}",
            ctx.t("Din besked:", "Your message:"),
            sent.note
        ));
    }
    if sent.kind == Kind::Physical && !config.address.trim().is_empty() {
        facts.push(format!(
            "{} {}",
            ctx.t("Sted:", "Place:"),
            config.address.trim()
        ));
    }
    card.list(facts)
        .text(ctx.t("Dine ønskede tider:", "The times you asked for:"))
        .ordered_list(
            sent.times
                .iter()
                .map(|t| time_text(ctx, t))
                .collect::<Vec<_>>(),
        )
}

/// A card titled for a request, with the day it was sent.
pub fn titled_card(ctx: &Context, sent: &Sent) -> Card {
    let (sent_day, _) = utc_to_local(sent.sent_ms);
    Card::new(ctx.t(
        "Din anmodning om en samtale",
        "Your request for a conversation",
    ))
    .subtitle(format!(
        "{} {}",
        ctx.t("Sendt", "Sent"),
        long_date(sent_day, ctx.locale)
    ))
}

/// The card of one request: where it stands, what was asked, the messages and, while it
/// is open, the buttons to change or cancel it. `thread` is `None` when the status could
/// not be fetched.
pub fn request_card(ctx: &Context, config: &Config, sent: &Sent, thread: Option<&Thread>) -> Card {
    let mut card = titled_card(ctx, sent);
    let state = match thread {
        Some(t) => Some(t.state),
        None => match sent.finished {
            Some(Finished::Closed) => Some(State::Closed),
            Some(Finished::Cancelled) => Some(State::Cancelled),
            None => None,
        },
    };
    card = match state {
        Some(state) => card.alert(state_alert(ctx, state)),
        None => card.alert(Alert::warning(ctx.t(
            "Vi kan ikke hente status for din anmodning lige nu. Prøv igen lidt senere.",
            "We cannot fetch the status of your request right now. Please try again a little later.",
        ))),
    };
    card = add_facts(ctx, config, sent, card);

    if let Some(thread) = thread {
        // The first message is the request itself; show the conversation only once the
        // jobcentre has written.
        if thread.messages.iter().any(|m| m.from_caseworker) {
            let chat = thread.messages.iter().fold(Chat::new(), |chat, m| {
                let role = if m.from_caseworker {
                    ChatRole::Caseworker
                } else {
                    ChatRole::Citizen
                };
                chat.message(role, m.text.clone(), Some(m.at_ms))
            });
            card = card
                .heading(
                    3,
                    ctx.t("Beskeder fra jobcentret", "Messages from the jobcentre"),
                )
                .chat(chat);
        }
    }
    if state.is_none_or(|s| finished(s).is_none()) {
        let no = sent.no.to_string();
        card = card
            .push(
                Button::new(
                    ctx.t("Foreslå andre tider", "Suggest other times"),
                    "rebook",
                )
                .payload(no.clone())
                .secondary(),
            )
            .push(
                Button::new(ctx.t("Aflys anmodningen", "Cancel the request"), "cancel")
                    .payload(no)
                    .secondary(),
            );
    }
    card
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Chosen;
    use jobunivers_sdk::escalate::ThreadMessage;

    fn valid() -> Valid {
        Valid {
            kind: Kind::Video,
            times: vec![Chosen {
                day: crate::calendar::parse_date("2026-01-19").unwrap(),
                minutes: (540, 720),
                value: "09:00-12:00".into(),
                start_ms: 1_768_809_600_000,
                end_ms: 1_768_820_400_000,
            }],
            topic: "t1".into(),
            topic_label: ("Mit CV".into(), "My CV".into()),
            note: String::new(),
        }
    }

    fn config() -> Config {
        serde_json::from_str("{}").unwrap()
    }

    #[test]
    fn the_book_numbers_requests_and_forgets_only_finished_ones() {
        let mut book = Book::default();
        for i in 0..KEEP {
            let no = book.add(format!("thread-{i}"), 0, &valid());
            assert_eq!(no, i as u32);
        }
        assert!(book.finish(3, Finished::Closed));
        assert!(
            !book.finish(3, Finished::Closed),
            "no change the second time"
        );
        book.add("thread-new".into(), 0, &valid());
        assert_eq!(book.sent.len(), KEEP);
        assert!(book.get(3).is_none(), "the finished one went first");
        // With every request open, none is forgotten.
        book.add("thread-newer".into(), 0, &valid());
        assert_eq!(book.sent.len(), KEEP + 1);
        assert_eq!(book.unfinished().count(), KEEP + 1);
        let json = serde_json::to_vec(&book).unwrap();
        assert!(json.len() < 16 * 1024, "well within the storage quota");
    }

    #[test]
    fn times_read_in_danish_local_time() {
        let mut book = Book::default();
        book.add("thread-1".into(), 0, &valid());
        let t = &book.sent[0].times[0];
        let da = Context::for_test(Locale::Da, "{}");
        assert_eq!(
            time_text(&da, t),
            "mandag den 19. januar 2026 kl. 09.00-12.00"
        );
        let en = Context::for_test(Locale::En, "{}");
        assert_eq!(time_text(&en, t), "Monday 19 January 2026 09:00-12:00");
    }

    fn buttons(card: &Card) -> Vec<String> {
        card.children
            .iter()
            .filter_map(|e| match e {
                Element::Button(b) => Some(b.action.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn open_requests_can_be_changed_and_finished_ones_cannot() {
        let ctx = Context::for_test(Locale::Da, "{}");
        let mut book = Book::default();
        book.add("thread-1".into(), 0, &valid());
        let sent = &book.sent[0];
        let mut thread = Thread {
            id: "thread-1".into(),
            state: State::WaitingForCitizen,
            messages: vec![
                ThreadMessage {
                    from_caseworker: false,
                    text: "Mit CV".into(),
                    at_ms: 1,
                },
                ThreadMessage {
                    from_caseworker: true,
                    text: "Passer tirsdag kl. 10?".into(),
                    at_ms: 2,
                },
            ],
        };
        let card = request_card(&ctx, &config(), sent, Some(&thread));
        assert_eq!(buttons(&card), ["rebook", "cancel"]);
        assert!(card.children.iter().any(|e| matches!(e, Element::Chat(c)
            if c.messages[1].role == ChatRole::Caseworker && c.input_action.is_none())));
        thread.state = State::Closed;
        let card = request_card(&ctx, &config(), sent, Some(&thread));
        assert!(buttons(&card).is_empty());
        // Without a status the citizen may still act on it.
        let card = request_card(&ctx, &config(), sent, None);
        assert_eq!(buttons(&card), ["rebook", "cancel"]);
        assert_eq!(finished(State::WaitingForJobcentre), None);
        assert_eq!(finished(State::Cancelled), Some(Finished::Cancelled));
    }
}
