//! What the block remembers per citizen, as plain data: saved jobs, dismissed postings
//! and the notifications sent. Each lives under its own storage key so one change
//! rewrites only what changed; all lists are bounded so the citizen's 256 KiB quota
//! holds even for long-time users (with 36-character ids: about 150 KiB at most).

use jobunivers_sdk::jobs::JobPosting;
use serde::{Deserialize, Serialize};

/// Storage key of the saved jobs.
pub const SAVED_KEY: &str = "saved";
/// Storage key of the dismissed postings' ids.
pub const DISMISSED_KEY: &str = "dismissed";
/// Storage key of the notification log.
pub const NOTIFIED_KEY: &str = "notified";
/// Storage key of the citizen's last own search.
pub const SEARCH_KEY: &str = "search";

/// Most jobs a citizen can save; more is refused with a kind message, never dropped.
pub const MAX_SAVED: usize = 100;
/// Most dismissed ids kept. The oldest go first: postings that old have long closed.
pub const MAX_DISMISSED: usize = 1_500;
/// Most notified ids kept, oldest dropped first (events announce new postings only).
pub const MAX_NOTIFIED: usize = 1_000;

/// A saved job, copied from the posting so it stays visible after the posting closes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedJob {
    /// The posting's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The employer.
    pub employer: String,
    /// The town.
    pub city: String,
    /// The postal code.
    pub postal_code: String,
    /// The posting's address.
    pub url: String,
    /// "YYYY-MM-DD".
    pub published: String,
    /// "YYYY-MM-DD", if any.
    pub deadline: Option<String>,
    /// When the citizen saved it (Unix ms).
    pub saved_at_ms: i64,
}

impl SavedJob {
    /// Keep what the saved list shows of a posting.
    pub fn from_posting(p: &JobPosting, now_ms: i64) -> Self {
        Self {
            id: p.id.clone(),
            title: p.title.clone(),
            employer: p.employer.clone(),
            city: p.city.clone(),
            postal_code: p.postal_code.clone(),
            url: p.url.clone(),
            published: p.published.clone(),
            deadline: p.deadline.clone(),
            saved_at_ms: now_ms,
        }
    }
}

/// Why a job could not be saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveRefused {
    /// It is saved already.
    AlreadySaved,
    /// The list is full.
    Full,
}

/// Save a job, newest first.
pub fn save(saved: &mut Vec<SavedJob>, job: SavedJob) -> Result<(), SaveRefused> {
    if saved.iter().any(|s| s.id == job.id) {
        return Err(SaveRefused::AlreadySaved);
    }
    if saved.len() >= MAX_SAVED {
        return Err(SaveRefused::Full);
    }
    saved.insert(0, job);
    Ok(())
}

/// Remove a saved job; returns it if it was there.
pub fn unsave(saved: &mut Vec<SavedJob>, id: &str) -> Option<SavedJob> {
    let i = saved.iter().position(|s| s.id == id)?;
    Some(saved.remove(i))
}

/// Saved jobs in the order to act on them: open deadlines soonest first, then jobs
/// without a deadline (newest saved first), then those whose deadline has passed.
pub fn by_urgency(saved: &[SavedJob], today: i64) -> Vec<&SavedJob> {
    let mut list: Vec<&SavedJob> = saved.iter().collect();
    list.sort_by_key(|s| {
        let deadline = s.deadline.as_deref().and_then(crate::dates::parse);
        match deadline {
            Some(d) if d >= today => (0, d, -s.saved_at_ms),
            None => (1, 0, -s.saved_at_ms),
            Some(d) => (2, -d, -s.saved_at_ms),
        }
    });
    list
}

/// Remember a dismissed posting (newest last); returns false if it already was.
pub fn dismiss(dismissed: &mut Vec<String>, id: &str) -> bool {
    if dismissed.iter().any(|d| d == id) {
        return false;
    }
    dismissed.push(id.to_owned());
    let over = dismissed.len().saturating_sub(MAX_DISMISSED);
    dismissed.drain(..over);
    true
}

/// Forget a dismissal (the citizen's "undo"); returns false if there was none.
pub fn undismiss(dismissed: &mut Vec<String>, id: &str) -> bool {
    let before = dismissed.len();
    dismissed.retain(|d| d != id);
    dismissed.len() != before
}

/// The notifications sent: to which postings, and how many on the last day one was sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NotifyLog {
    /// Postings the citizen was told about, oldest first.
    pub ids: Vec<String>,
    /// The day (since 1970-01-01, UTC) of `sent_that_day`.
    pub day: i64,
    /// How many were sent on `day`.
    pub sent_that_day: u32,
}

impl NotifyLog {
    /// How many were sent on `day`.
    pub fn sent_on(&self, day: i64) -> u32 {
        if self.day == day {
            self.sent_that_day
        } else {
            0
        }
    }

    /// Whether the citizen was told about this posting before.
    pub fn told(&self, id: &str) -> bool {
        self.ids.iter().any(|i| i == id)
    }

    /// Note a notification sent on `day`.
    pub fn record(&mut self, id: &str, day: i64) {
        self.sent_that_day = self.sent_on(day) + 1;
        self.day = day;
        if !self.told(id) {
            self.ids.push(id.to_owned());
        }
        let over = self.ids.len().saturating_sub(MAX_NOTIFIED);
        self.ids.drain(..over);
    }
}

/// The citizen's own search, kept so the results come back after saving a job from them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Search {
    /// Words to look for.
    pub text: String,
    /// A postal code to look near, if any.
    pub postal_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn saved(id: &str, deadline: Option<&str>, at: i64) -> SavedJob {
        let mut p = posting(id, id, None, "Aarhus C", "8000", "", "2026-01-01", deadline);
        p.id = id.into();
        SavedJob::from_posting(&p, at)
    }

    #[test]
    fn saving_twice_or_beyond_the_limit_is_refused() {
        let mut list = Vec::new();
        assert_eq!(save(&mut list, saved("a", None, 1)), Ok(()));
        assert_eq!(save(&mut list, saved("b", None, 2)), Ok(()));
        assert_eq!(
            save(&mut list, saved("a", None, 3)),
            Err(SaveRefused::AlreadySaved)
        );
        assert_eq!(list[0].id, "b", "newest first");
        for i in list.len()..MAX_SAVED {
            save(&mut list, saved(&format!("job-{i}"), None, 4)).unwrap();
        }
        assert_eq!(save(&mut list, saved("z", None, 5)), Err(SaveRefused::Full));
        assert_eq!(unsave(&mut list, "a").map(|s| s.id), Some("a".into()));
        assert_eq!(unsave(&mut list, "a"), None);
        assert_eq!(save(&mut list, saved("z", None, 5)), Ok(()));
    }

    #[test]
    fn saved_jobs_come_in_the_order_to_apply() {
        let list = vec![
            saved("no-deadline-old", None, 1),
            saved("passed", Some("2026-01-02"), 1),
            saved("late", Some("2026-02-01"), 1),
            saved("no-deadline-new", None, 2),
            saved("soon", Some("2026-01-07"), 1),
            saved("today", Some("2026-01-05"), 1),
        ];
        let order: Vec<&str> = by_urgency(&list, TODAY)
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(
            order,
            [
                "today",
                "soon",
                "late",
                "no-deadline-new",
                "no-deadline-old",
                "passed"
            ]
        );
    }

    #[test]
    fn dismissals_are_remembered_bounded_and_can_be_undone() {
        let mut d = Vec::new();
        assert!(dismiss(&mut d, "a"));
        assert!(!dismiss(&mut d, "a"));
        assert!(undismiss(&mut d, "a"));
        assert!(!undismiss(&mut d, "a"));
        for i in 0..MAX_DISMISSED + 10 {
            dismiss(&mut d, &format!("job-{i}"));
        }
        assert_eq!(d.len(), MAX_DISMISSED);
        assert_eq!(d[0], "job-10", "the oldest go first");
    }

    #[test]
    fn the_notification_log_counts_per_day() {
        let mut log = NotifyLog::default();
        assert_eq!(log.sent_on(TODAY), 0);
        log.record("a", TODAY);
        log.record("b", TODAY);
        assert_eq!(log.sent_on(TODAY), 2);
        assert_eq!(log.sent_on(TODAY + 1), 0);
        log.record("c", TODAY + 1);
        assert_eq!((log.day, log.sent_that_day), (TODAY + 1, 1));
        assert!(log.told("a") && log.told("c") && !log.told("d"));
        for i in 0..MAX_NOTIFIED {
            log.record(&format!("job-{i}"), TODAY + 2);
        }
        assert_eq!(log.ids.len(), MAX_NOTIFIED);
        assert!(!log.told("a"));
    }
}
