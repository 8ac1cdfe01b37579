//! What the chatbot remembers for a citizen between calls (in block storage): the
//! transcript, bounded, and the thread with the jobcentre if the chat was handed over.

use jobunivers_sdk::ui::{ChatMessage, ChatRole};
use serde::{Deserialize, Serialize};

/// The storage key of the conversation.
pub const KEY: &str = "conversation";
/// Messages kept; older ones are dropped first.
pub const MAX_MESSAGES: usize = 50;
/// The most bytes the stored conversation may take, well inside the 256 KiB quota per
/// citizen even with long answers.
pub const MAX_BYTES: usize = 96 * 1024;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The citizen.
    Citizen,
    /// The chatbot.
    Bot,
    /// A caseworker at the jobcentre, copied from the thread.
    Caseworker,
}

/// One message of the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What was written.
    pub text: String,
    /// When (Unix ms).
    pub at_ms: i64,
    /// The intent a bot answer came from, for its link and the caseworker's summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// Where a thread with the jobcentre stands, as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// The jobcentre has not answered yet.
    WaitingForJobcentre,
    /// The jobcentre answered and waits for the citizen.
    WaitingForCitizen,
    /// The jobcentre closed it.
    Closed,
    /// The citizen withdrew it.
    Cancelled,
}

impl Phase {
    /// Whether the jobcentre still works on it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::WaitingForJobcentre | Self::WaitingForCitizen)
    }
}

/// The thread opened by handing the chat over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Handover {
    /// The thread's id.
    pub id: String,
    /// When it was opened (Unix ms).
    pub opened_ms: i64,
    /// How many of the caseworker's messages are already in the transcript.
    #[serde(default)]
    pub seen: usize,
    /// Its phase when last checked.
    pub phase: Phase,
}

/// The conversation as stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// The transcript, oldest first.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// The bot offered to hand the chat over (it could not answer, or was asked to).
    #[serde(default)]
    pub offer_handover: bool,
    /// Questions in a row the bot could not answer.
    #[serde(default)]
    pub misses: u8,
    /// Show every topic as a button (after a greeting or a question not understood).
    #[serde(default)]
    pub show_topics: bool,
    /// Intents related to the last answer, shown as buttons.
    #[serde(default)]
    pub related: Vec<String>,
    /// The thread with the jobcentre, if the chat was handed over.
    #[serde(default)]
    pub handover: Option<Handover>,
}

impl Conversation {
    /// Add a message, then drop the oldest until the transcript fits its bounds.
    pub fn push(&mut self, role: Role, text: &str, at_ms: i64, intent: Option<&str>) {
        self.messages.push(Message {
            role,
            text: text.to_owned(),
            at_ms,
            intent: intent.map(str::to_owned),
        });
        let excess = self.messages.len().saturating_sub(MAX_MESSAGES);
        self.messages.drain(..excess);
        while self.messages.len() > 1 && self.stored_size() > MAX_BYTES {
            self.messages.remove(0);
        }
    }

    /// The size of the conversation as stored.
    pub fn stored_size(&self) -> usize {
        serde_json::to_vec(self).map_or(usize::MAX, |v| v.len())
    }

    /// How many messages the citizen wrote.
    pub fn citizen_messages(&self) -> usize {
        self.messages
            .iter()
            .filter(|m| m.role == Role::Citizen)
            .count()
    }

    /// The intent of the latest bot answer, if the latest bot message was one.
    pub fn last_intent(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::Bot)
            .and_then(|m| m.intent.as_deref())
    }

    /// The intents answered in this conversation, in order, once each.
    pub fn topics(&self) -> Vec<&str> {
        let mut topics: Vec<&str> = Vec::new();
        for id in self.messages.iter().filter_map(|m| m.intent.as_deref()) {
            if !topics.contains(&id) {
                topics.push(id);
            }
        }
        topics
    }

    /// Whether a handed-over chat still waits for the jobcentre.
    pub fn waiting_for_jobcentre(&self) -> bool {
        self.handover
            .as_ref()
            .is_some_and(|h| h.phase == Phase::WaitingForJobcentre)
    }

    /// Take in the thread's latest state: its phase, and the caseworker's messages
    /// (`(from_caseworker, text, at_ms)`, oldest first) not yet in the transcript.
    /// Returns whether anything changed, so the caller knows to store it.
    pub fn sync_thread<'a>(
        &mut self,
        phase: Phase,
        messages: impl IntoIterator<Item = (bool, &'a str, i64)>,
    ) -> bool {
        let Some(handover) = self.handover.as_mut() else {
            return false;
        };
        let mut changed = handover.phase != phase;
        handover.phase = phase;
        let seen = handover.seen;
        let new: Vec<(&str, i64)> = messages
            .into_iter()
            .filter(|(from_caseworker, _, _)| *from_caseworker)
            .skip(seen)
            .map(|(_, text, at)| (text, at))
            .collect();
        handover.seen += new.len();
        for (text, at) in &new {
            self.push(Role::Caseworker, text, *at, None);
            changed = true;
        }
        if !new.is_empty() {
            self.offer_handover = false;
        }
        changed
    }

    /// Start over: forget the transcript. A thread the jobcentre still works on is kept,
    /// and its answers are copied in again at the next sync: they are the jobcentre's
    /// word to the citizen, not chatter with the bot.
    pub fn clear(&mut self) {
        let handover = self
            .handover
            .take()
            .filter(|h| h.phase.is_open())
            .map(|h| Handover { seen: 0, ..h });
        *self = Self {
            handover,
            ..Self::default()
        };
    }

    /// The transcript as chat messages for the UI and the jobcentre.
    pub fn transcript(&self) -> Vec<ChatMessage> {
        self.messages
            .iter()
            .map(|m| ChatMessage {
                role: match m.role {
                    Role::Citizen => ChatRole::Citizen,
                    Role::Bot => ChatRole::Bot,
                    Role::Caseworker => ChatRole::Caseworker,
                },
                text: m.text.clone(),
                at_ms: Some(m.at_ms),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_keeps_the_last_fifty_messages() {
        let mut c = Conversation::default();
        for i in 0..120 {
            c.push(Role::Citizen, &format!("besked {i}"), i, None);
        }
        assert_eq!(c.messages.len(), MAX_MESSAGES);
        assert_eq!(c.messages[0].text, "besked 70");
        assert_eq!(c.messages.last().unwrap().text, "besked 119");
    }

    #[test]
    fn the_transcript_stays_within_its_byte_budget() {
        let mut c = Conversation::default();
        let long = "æ".repeat(4000);
        for i in 0..MAX_MESSAGES {
            c.push(Role::Bot, &long, i as i64, Some("ferie"));
        }
        assert!(c.stored_size() <= MAX_BYTES, "{}", c.stored_size());
        assert!(c.messages.len() < MAX_MESSAGES);
        assert_eq!(c.messages.last().unwrap().at_ms, MAX_MESSAGES as i64 - 1);
    }

    fn handed_over() -> Conversation {
        let mut c = Conversation::default();
        c.push(Role::Citizen, "Må jeg holde ferie?", 1, None);
        c.handover = Some(Handover {
            id: "thread-1".into(),
            opened_ms: 2,
            seen: 0,
            phase: Phase::WaitingForJobcentre,
        });
        c
    }

    #[test]
    fn caseworker_answers_are_copied_once() {
        let mut c = handed_over();
        let thread = [
            (false, "Borgeren spørger om ferie", 2),
            (true, "Hej, ja det må du gerne.", 3),
        ];
        assert!(c.sync_thread(Phase::WaitingForCitizen, thread));
        assert_eq!(c.messages.len(), 2);
        assert_eq!(c.messages[1].role, Role::Caseworker);
        assert_eq!(c.messages[1].at_ms, 3);
        // Nothing new: nothing changes.
        assert!(!c.sync_thread(Phase::WaitingForCitizen, thread));
        assert_eq!(c.messages.len(), 2);
        // A second answer and a new phase.
        let more = [
            thread[0],
            thread[1],
            (true, "Husk at melde den på Jobnet.", 4),
        ];
        assert!(c.sync_thread(Phase::Closed, more));
        assert_eq!(c.messages.len(), 3);
        assert_eq!(c.handover.as_ref().unwrap().seen, 2);
        assert_eq!(c.handover.as_ref().unwrap().phase, Phase::Closed);
    }

    #[test]
    fn without_a_thread_there_is_nothing_to_sync() {
        let mut c = Conversation::default();
        assert!(!c.sync_thread(Phase::Closed, [(true, "Hej", 1)]));
        assert!(c.messages.is_empty());
    }

    #[test]
    fn starting_over_keeps_an_open_thread_only() {
        let mut c = handed_over();
        c.offer_handover = true;
        c.clear();
        assert!(c.messages.is_empty());
        assert!(!c.offer_handover);
        assert!(c.handover.is_some());
        assert!(c.sync_thread(Phase::WaitingForCitizen, [(true, "Svar", 5)]));
        c.clear();
        assert_eq!(c.handover.as_ref().unwrap().seen, 0, "answers come back");
        assert!(c.sync_thread(Phase::WaitingForCitizen, [(true, "Svar", 5)]));
        assert_eq!(c.messages.len(), 1);
        c.handover.as_mut().unwrap().phase = Phase::Closed;
        c.clear();
        assert_eq!(c, Conversation::default());
    }

    #[test]
    fn topics_and_the_last_answer_come_from_bot_messages() {
        let mut c = Conversation::default();
        c.push(Role::Citizen, "ferie?", 1, None);
        c.push(Role::Bot, "Om ferie ...", 2, Some("ferie"));
        c.push(Role::Citizen, "og syg?", 3, None);
        c.push(Role::Bot, "Om sygdom ...", 4, Some("sygdom"));
        c.push(Role::Bot, "Om ferie igen", 5, Some("ferie"));
        assert_eq!(c.topics(), ["ferie", "sygdom"]);
        assert_eq!(c.last_intent(), Some("ferie"));
        assert_eq!(c.citizen_messages(), 2);
        assert_eq!(c.transcript()[0].role, ChatRole::Citizen);
        c.push(Role::Bot, "Det forstod jeg ikke", 6, None);
        assert_eq!(c.last_intent(), None);
    }

    #[test]
    fn an_old_stored_conversation_without_new_fields_still_loads() {
        let c: Conversation =
            serde_json::from_str(r#"{"messages":[{"role":"bot","text":"Hej","at_ms":1}]}"#)
                .unwrap();
        assert_eq!(c.messages.len(), 1);
        assert!(c.handover.is_none());
    }
}
