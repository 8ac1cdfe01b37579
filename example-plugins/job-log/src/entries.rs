//! The job log itself: the applications the citizen registered, as stored.
//!
//! The whole log is one JSON value under one storage key: rendering it then costs one
//! capability call instead of one per entry (a call has a budget of capability calls),
//! and every change is atomic. Field names are one letter because 500 entries must fit
//! in the citizen's 256 KiB quota with room to spare.

use jobunivers_sdk::Context;
use serde::{Deserialize, Serialize};

/// The storage key of the log.
pub const KEY: &str = "joblog";

/// The most applications one log holds; keeps the log well inside the storage quota and
/// the pages quick.
pub const MAX_ENTRIES: usize = 500;

/// How the citizen applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// By e-mail.
    Email,
    /// An online form or job portal.
    Online,
    /// In person.
    InPerson,
    /// By phone.
    Phone,
    /// Unsolicited (uopfordret) application.
    Unsolicited,
}

impl Channel {
    /// Every channel, in the order the form offers them.
    pub const ALL: [Channel; 5] = [
        Self::Email,
        Self::Online,
        Self::InPerson,
        Self::Phone,
        Self::Unsolicited,
    ];

    /// The value in forms, storage and activity details.
    pub fn value(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Online => "online",
            Self::InPerson => "in-person",
            Self::Phone => "phone",
            Self::Unsolicited => "unsolicited",
        }
    }

    /// The channel with this value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.value() == value)
    }

    /// What the citizen reads.
    pub fn label(self, ctx: &Context) -> &'static str {
        match self {
            Self::Email => ctx.t("E-mail", "E-mail"),
            Self::Online => ctx.t(
                "Online-formular eller jobportal",
                "Online form or job portal",
            ),
            Self::InPerson => ctx.t("Personligt fremmøde", "In person"),
            Self::Phone => ctx.t("Telefon", "Phone"),
            Self::Unsolicited => ctx.t("Uopfordret ansøgning", "Unsolicited application"),
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Sent, no answer yet.
    Sent,
    /// Called to an interview.
    Interview,
    /// Rejected.
    Rejected,
    /// Offered the job.
    Offer,
}

impl Status {
    /// Every status, in the order the form offers them.
    pub const ALL: [Status; 4] = [Self::Sent, Self::Interview, Self::Rejected, Self::Offer];

    /// The value in forms, storage and activity details.
    pub fn value(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Interview => "interview",
            Self::Rejected => "rejected",
            Self::Offer => "offer",
        }
    }

    /// The status with this value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.value() == value)
    }

    /// What the citizen reads.
    pub fn label(self, ctx: &Context) -> &'static str {
        match self {
            Self::Sent => ctx.t("Sendt", "Sent"),
            Self::Interview => ctx.t("Kaldt til samtale", "Called to interview"),
            Self::Rejected => ctx.t("Afslag", "Rejected"),
            Self::Offer => ctx.t("Tilbudt jobbet", "Offered the job"),
        }
    }

    /// Whether a change to this status is news for the caseworker.
    pub fn is_progress(self) -> bool {
        matches!(self, Self::Interview | Self::Offer)
    }
}

/// The occupation (ESCO concept) an application belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occupation {
    /// The ESCO concept URI.
    #[serde(rename = "u")]
    pub uri: String,
    /// Its label when the application was registered.
    #[serde(rename = "l")]
    pub label: String,
}

/// A registered application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable id within the log.
    #[serde(rename = "i")]
    pub id: u32,
    /// The employer.
    #[serde(rename = "e")]
    pub employer: String,
    /// The job title.
    #[serde(rename = "t")]
    pub title: String,
    /// One of the citizen's desired occupations; `None` is "other".
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<Occupation>,
    /// The day applied (days since 1970-01-01).
    #[serde(rename = "d")]
    pub applied: i64,
    /// How.
    #[serde(rename = "c")]
    pub channel: Channel,
    /// Where it stands.
    #[serde(rename = "s")]
    pub status: Status,
    /// When it was registered (Unix ms).
    #[serde(rename = "r")]
    pub registered_ms: i64,
    /// Whether the caseworker has it as an activity; false when recording failed, so the
    /// citizen can send it again.
    #[serde(rename = "x", default = "yes", skip_serializing_if = "is_true")]
    pub shared: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// A validated new application, before it gets an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The employer.
    pub employer: String,
    /// The job title.
    pub title: String,
    /// The occupation, `None` for "other".
    pub occupation: Option<Occupation>,
    /// The day applied.
    pub applied: i64,
    /// How.
    pub channel: Channel,
    /// Where it stands.
    pub status: Status,
}

/// The log is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// The citizen's job log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLog {
    /// The id the next entry gets; ids are never reused, so a stale link can't reach a
    /// different application.
    #[serde(rename = "n")]
    pub next_id: u32,
    /// The entries, in no particular order.
    #[serde(rename = "l")]
    pub entries: Vec<Entry>,
}

impl JobLog {
    /// The entries, newest application first (ties: the last registered first).
    pub fn newest_first(&self) -> Vec<&Entry> {
        let mut list: Vec<&Entry> = self.entries.iter().collect();
        list.sort_by_key(|e| std::cmp::Reverse((e.applied, e.id)));
        list
    }

    /// Whether no more entries fit.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= MAX_ENTRIES
    }

    /// The entry with this id.
    pub fn get(&self, id: u32) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Add an application; returns its id.
    pub fn add(&mut self, draft: Draft, now_ms: i64) -> Result<u32, Full> {
        if self.is_full() {
            return Err(Full);
        }
        let id = self.next_id.max(1);
        self.next_id = id + 1;
        self.entries.push(Entry {
            id,
            employer: draft.employer,
            title: draft.title,
            occupation: draft.occupation,
            applied: draft.applied,
            channel: draft.channel,
            status: draft.status,
            registered_ms: now_ms,
            shared: true,
        });
        Ok(id)
    }

    /// Change an entry's status; returns the previous status.
    pub fn set_status(&mut self, id: u32, status: Status) -> Option<Status> {
        let entry = self.entries.iter_mut().find(|e| e.id == id)?;
        Some(std::mem::replace(&mut entry.status, status))
    }

    /// Mark whether the caseworker has an entry.
    pub fn set_shared(&mut self, id: u32, shared: bool) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.shared = shared;
        }
    }

    /// Remove an entry; returns it.
    pub fn remove(&mut self, id: u32) -> Option<Entry> {
        let at = self.entries.iter().position(|e| e.id == id)?;
        Some(self.entries.remove(at))
    }

    /// How many entries were applied for before `day`.
    pub fn count_before(&self, day: i64) -> usize {
        self.entries.iter().filter(|e| e.applied < day).count()
    }

    /// Remove the entries applied for before `day`; returns how many.
    pub fn remove_before(&mut self, day: i64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| e.applied >= day);
        before - self.entries.len()
    }

    /// The ids of entries the caseworker does not have yet.
    pub fn unshared(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = self
            .entries
            .iter()
            .filter(|e| !e.shared)
            .map(|e| e.id)
            .collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobunivers_sdk::Locale;

    fn draft(employer: &str, applied: i64) -> Draft {
        Draft {
            employer: employer.into(),
            title: "Lagermedarbejder".into(),
            occupation: Some(Occupation {
                uri: "http://data.europa.eu/esco/isco/C9333".into(),
                label: "Lagermedarbejder".into(),
            }),
            applied,
            channel: Channel::Email,
            status: Status::Sent,
        }
    }

    #[test]
    fn entries_are_listed_newest_application_first() {
        let mut log = JobLog::default();
        let a = log.add(draft("Netto", 20_450), 1).unwrap();
        let b = log.add(draft("Bilka", 20_459), 2).unwrap();
        let c = log.add(draft("Føtex", 20_450), 3).unwrap();
        assert_eq!((a, b, c), (1, 2, 3));
        let order: Vec<&str> = log
            .newest_first()
            .iter()
            .map(|e| e.employer.as_str())
            .collect();
        assert_eq!(order, ["Bilka", "Føtex", "Netto"]);
    }

    #[test]
    fn status_changes_removal_and_ids_that_are_never_reused() {
        let mut log = JobLog::default();
        let a = log.add(draft("Netto", 20_450), 1).unwrap();
        assert_eq!(log.set_status(a, Status::Interview), Some(Status::Sent));
        assert_eq!(log.get(a).unwrap().status, Status::Interview);
        assert_eq!(log.set_status(99, Status::Offer), None);
        assert!(log.remove(a).is_some());
        assert!(log.remove(a).is_none());
        assert_eq!(log.add(draft("Bilka", 20_450), 2).unwrap(), 2);
    }

    #[test]
    fn the_log_stops_at_its_limit_and_can_drop_old_entries() {
        let mut log = JobLog::default();
        for i in 0..MAX_ENTRIES {
            log.add(draft("Netto", 20_000 + i as i64), 0).unwrap();
        }
        assert!(log.is_full());
        assert_eq!(log.add(draft("Bilka", 20_459), 0), Err(Full));
        assert_eq!(log.count_before(20_010), 10);
        assert_eq!(log.remove_before(20_010), 10);
        assert!(!log.is_full());
        assert!(log.add(draft("Bilka", 20_459), 0).is_ok());
    }

    #[test]
    fn a_full_log_of_realistic_entries_fits_well_inside_the_quota() {
        let mut log = JobLog::default();
        for i in 0..MAX_ENTRIES {
            let mut d = draft("Salling Group A/S, Centrallager Årslev", 20_000 + i as i64);
            d.title = "Lagermedarbejder til dagholdet med truckcertifikat".into();
            d.channel = Channel::Unsolicited;
            d.status = Status::Interview;
            log.add(d, 1_767_603_600_000).unwrap();
        }
        let bytes = serde_json::to_vec(&log).unwrap().len();
        assert!(bytes < 256 * 1024 * 7 / 10, "{bytes} bytes");
    }

    #[test]
    fn unshared_entries_are_remembered_and_stored_compactly() {
        let mut log = JobLog::default();
        let a = log.add(draft("Netto", 20_450), 1).unwrap();
        let b = log.add(draft("Bilka", 20_451), 2).unwrap();
        log.set_shared(b, false);
        assert_eq!(log.unshared(), [b]);
        let json = serde_json::to_string(&log).unwrap();
        assert_eq!(json.matches("\"x\":false").count(), 1, "{json}");
        let back: JobLog = serde_json::from_str(&json).unwrap();
        assert_eq!(back, log);
        assert!(back.get(a).unwrap().shared);
    }

    #[test]
    fn values_round_trip_and_labels_exist_in_both_languages() {
        let da = Context::for_test(Locale::Da, "{}");
        let en = Context::for_test(Locale::En, "{}");
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.value()), Some(c));
            assert!(!c.label(&da).is_empty() && !c.label(&en).is_empty());
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.value()), Some(s));
            assert!(!s.label(&da).is_empty() && !s.label(&en).is_empty());
        }
        assert_eq!(Channel::parse("fax"), None);
        assert_eq!(Status::parse("Sent"), None);
        assert!(Status::Interview.is_progress() && Status::Offer.is_progress());
        assert!(!Status::Sent.is_progress() && !Status::Rejected.is_progress());
    }
}
