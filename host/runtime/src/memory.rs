//! An in-memory [`CapabilityProvider`] for the CLI and the tests. It enforces the same
//! scoping, quotas and rate limits a real provider must: storage per (installation,
//! citizen), threads and activities visible only to the installation and citizen that
//! made them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

/// The quotas this provider enforces (the same as every provider's).
pub use jobunivers_core::caps::MemoryLimits;
use jobunivers_core::caps::*;

#[derive(Default)]
struct State {
    storage: HashMap<(String, String), BTreeMap<String, Vec<u8>>>,
    activities: Vec<(Scope, RecordedActivity)>,
    threads: Vec<(Scope, EscalationRequest, Thread)>,
    notifications: Vec<(Scope, Notification)>,
    screenings: Vec<(Scope, ScreeningReport)>,
    next_id: u64,
}

/// One stored value, as kept in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredValue {
    /// The installation.
    pub installation: String,
    /// The citizen.
    pub citizen: String,
    /// The key.
    pub key: String,
    /// The value, as text when it is UTF-8 (what blocks usually store).
    pub value: String,
}

/// Everything blocks wrote to a [`MemoryProvider`], so a local run can continue where
/// the last one stopped (`jobunivers block render --state FILE`) and show its effects.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Block storage.
    pub storage: Vec<StoredValue>,
    /// Recorded activities, with who recorded them.
    pub activities: Vec<(Scope, RecordedActivity)>,
    /// Threads with the jobcentre.
    pub threads: Vec<(Scope, EscalationRequest, Thread)>,
    /// Messages in citizens' inboxes.
    pub notifications: Vec<(Scope, Notification)>,
    /// Screening results, oldest first (contract 1.2).
    #[serde(default)]
    pub screenings: Vec<(Scope, ScreeningReport)>,
    /// The last id handed out.
    pub next_id: u64,
}

/// Capabilities held in memory: profiles per citizen, job postings, and everything
/// blocks write.
pub struct MemoryProvider {
    limits: MemoryLimits,
    profiles: HashMap<String, Profile>,
    jobs: Vec<JobPosting>,
    state: Mutex<State>,
}

impl MemoryProvider {
    /// An empty provider.
    pub fn new(limits: MemoryLimits) -> Self {
        Self {
            limits,
            profiles: HashMap::new(),
            jobs: Vec::new(),
            state: Mutex::default(),
        }
    }

    /// Set a citizen's profile.
    pub fn with_profile(mut self, citizen: &str, profile: Profile) -> Self {
        self.profiles.insert(citizen.to_owned(), profile);
        self
    }

    /// Add job postings.
    pub fn with_jobs(mut self, jobs: Vec<JobPosting>) -> Self {
        self.jobs.extend(jobs);
        self
    }

    /// The notifications sent to a citizen, oldest first.
    pub fn notifications(&self, citizen: &str) -> Vec<Notification> {
        let state = self.state.lock().expect("memory provider lock");
        state
            .notifications
            .iter()
            .filter(|(s, _)| s.citizen == citizen)
            .map(|(_, n)| n.clone())
            .collect()
    }

    /// Threads opened for a citizen, with their requests.
    pub fn threads(&self, citizen: &str) -> Vec<(EscalationRequest, Thread)> {
        let state = self.state.lock().expect("memory provider lock");
        state
            .threads
            .iter()
            .filter(|(s, _, _)| s.citizen == citizen)
            .map(|(_, r, t)| (r.clone(), t.clone()))
            .collect()
    }

    /// Every activity recorded for a citizen by any installation, newest first.
    pub fn activities(&self, citizen: &str) -> Vec<RecordedActivity> {
        let state = self.state.lock().expect("memory provider lock");
        let mut list: Vec<_> = state
            .activities
            .iter()
            .filter(|(s, _)| s.citizen == citizen)
            .map(|(_, a)| a.clone())
            .collect();
        list.sort_by_key(|a| std::cmp::Reverse(a.occurred_ms));
        list
    }

    /// Continue from a snapshot. Values that are not UTF-8 text cannot be in one.
    pub fn with_snapshot(self, snapshot: Snapshot) -> Self {
        {
            let mut state = self.lock();
            for v in snapshot.storage {
                state
                    .storage
                    .entry((v.installation, v.citizen))
                    .or_default()
                    .insert(v.key, v.value.into_bytes());
            }
            state.activities = snapshot.activities;
            state.threads = snapshot.threads;
            state.notifications = snapshot.notifications;
            state.screenings = snapshot.screenings;
            state.next_id = snapshot.next_id;
        }
        self
    }

    /// Everything blocks wrote so far.
    pub fn snapshot(&self) -> Snapshot {
        let state = self.lock();
        let mut storage: Vec<StoredValue> = state
            .storage
            .iter()
            .flat_map(|((installation, citizen), values)| {
                values.iter().map(move |(key, value)| StoredValue {
                    installation: installation.clone(),
                    citizen: citizen.clone(),
                    key: key.clone(),
                    value: String::from_utf8_lossy(value).into_owned(),
                })
            })
            .collect();
        storage.sort_by(|a, b| {
            (&a.installation, &a.citizen, &a.key).cmp(&(&b.installation, &b.citizen, &b.key))
        });
        Snapshot {
            storage,
            activities: state.activities.clone(),
            threads: state.threads.clone(),
            notifications: state.notifications.clone(),
            screenings: state.screenings.clone(),
            next_id: state.next_id,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another call panicked mid-way; the maps stay usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn same_owner(a: &Scope, b: &Scope) -> bool {
    a.installation == b.installation && a.citizen == b.citizen
}

fn matches_query(job: &JobPosting, query: &JobQuery) -> bool {
    let text = query.text.trim().to_lowercase();
    let text_ok = text.is_empty()
        || text.split_whitespace().all(|w| {
            job.title.to_lowercase().contains(w)
                || job.description.to_lowercase().contains(w)
                || job.employer.to_lowercase().contains(w)
        });
    let occ_ok = query.occupations.is_empty()
        || job
            .occupation_uri
            .as_ref()
            .is_some_and(|u| query.occupations.contains(u));
    let area_ok = query.postal_code.as_ref().is_none_or(|p| {
        // Same first two digits: the same part of the country.
        job.postal_code.get(..2) == p.get(..2)
    });
    text_ok && occ_ok && area_ok
}

#[async_trait]
impl CapabilityProvider for MemoryProvider {
    async fn storage_get(&self, scope: &Scope, key: &str) -> Result<Option<Vec<u8>>, CapError> {
        let state = self.lock();
        let bucket = state
            .storage
            .get(&(scope.installation.clone(), scope.citizen.clone()));
        Ok(bucket.and_then(|b| b.get(key).cloned()))
    }

    async fn storage_set(&self, scope: &Scope, key: &str, value: Vec<u8>) -> Result<(), CapError> {
        if key.is_empty() || key.len() > self.limits.max_key_len {
            return Err(CapError::Invalid(format!(
                "a storage key must be 1 to {} bytes long",
                self.limits.max_key_len
            )));
        }
        let mut state = self.lock();
        let bucket = state
            .storage
            .entry((scope.installation.clone(), scope.citizen.clone()))
            .or_default();
        let used: usize = bucket
            .iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| k.len() + v.len())
            .sum();
        let needed = used + key.len() + value.len();
        if needed > self.limits.storage_quota_bytes {
            return Err(CapError::QuotaExceeded(format!(
                "storing {} bytes under '{key}' would use {needed} of {} bytes allowed per citizen",
                value.len(),
                self.limits.storage_quota_bytes
            )));
        }
        bucket.insert(key.to_owned(), value);
        Ok(())
    }

    async fn storage_delete(&self, scope: &Scope, key: &str) -> Result<(), CapError> {
        let mut state = self.lock();
        if let Some(bucket) = state
            .storage
            .get_mut(&(scope.installation.clone(), scope.citizen.clone()))
        {
            bucket.remove(key);
        }
        Ok(())
    }

    async fn storage_list(&self, scope: &Scope, prefix: &str) -> Result<Vec<String>, CapError> {
        let state = self.lock();
        let bucket = state
            .storage
            .get(&(scope.installation.clone(), scope.citizen.clone()));
        Ok(bucket
            .map(|b| {
                b.keys()
                    .filter(|k| k.starts_with(prefix))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn profile(&self, scope: &Scope) -> Result<Profile, CapError> {
        Ok(self
            .profiles
            .get(&scope.citizen)
            .cloned()
            .unwrap_or_default())
    }

    async fn jobs_search(
        &self,
        _scope: &Scope,
        query: JobQuery,
    ) -> Result<Vec<JobPosting>, CapError> {
        let limit = query.limit.clamp(1, 100) as usize;
        Ok(self
            .jobs
            .iter()
            .filter(|j| matches_query(j, &query))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn job_get(&self, _scope: &Scope, id: &str) -> Result<Option<JobPosting>, CapError> {
        Ok(self.jobs.iter().find(|j| j.id == id).cloned())
    }

    async fn activity_add(&self, scope: &Scope, entry: NewActivity) -> Result<String, CapError> {
        let mut state = self.lock();
        state.next_id += 1;
        let id = format!("act-{}", state.next_id);
        state.activities.push((
            scope.clone(),
            RecordedActivity {
                id: id.clone(),
                kind: entry.kind,
                summary: entry.summary,
                details: entry.details,
                occurred_ms: entry.occurred_ms.unwrap_or(scope.now_ms),
            },
        ));
        Ok(id)
    }

    async fn activity_recent(
        &self,
        scope: &Scope,
        kind: Option<String>,
        limit: u32,
    ) -> Result<Vec<RecordedActivity>, CapError> {
        let state = self.lock();
        let mut list: Vec<_> = state
            .activities
            .iter()
            .filter(|(s, a)| same_owner(s, scope) && kind.as_ref().is_none_or(|k| &a.kind == k))
            .map(|(_, a)| a.clone())
            .collect();
        list.sort_by_key(|a| std::cmp::Reverse(a.occurred_ms));
        list.truncate(limit as usize);
        Ok(list)
    }

    async fn escalate_open(
        &self,
        scope: &Scope,
        request: EscalationRequest,
    ) -> Result<String, CapError> {
        let mut state = self.lock();
        state.next_id += 1;
        let id = format!("thread-{}", state.next_id);
        let first = match &request {
            EscalationRequest::ChatHandover { summary, .. } => summary.clone(),
            EscalationRequest::Booking { topic, .. } => topic.clone(),
        };
        let thread = Thread {
            id: id.clone(),
            state: ThreadState::WaitingForJobcentre,
            messages: vec![ThreadMessage {
                from_caseworker: false,
                text: first,
                at_ms: scope.now_ms,
            }],
        };
        state.threads.push((scope.clone(), request, thread));
        Ok(id)
    }

    async fn escalate_status(&self, scope: &Scope, id: &str) -> Result<Thread, CapError> {
        let state = self.lock();
        state
            .threads
            .iter()
            .find(|(s, _, t)| t.id == id && same_owner(s, scope))
            .map(|(_, _, t)| t.clone())
            .ok_or_else(|| {
                CapError::Invalid(format!("no thread '{id}' for this citizen and block"))
            })
    }

    async fn escalate_cancel(&self, scope: &Scope, id: &str) -> Result<(), CapError> {
        let mut state = self.lock();
        let thread = state
            .threads
            .iter_mut()
            .find(|(s, _, t)| t.id == id && same_owner(s, scope))
            .ok_or_else(|| {
                CapError::Invalid(format!("no thread '{id}' for this citizen and block"))
            })?;
        thread.2.state = ThreadState::Cancelled;
        Ok(())
    }

    async fn notify(&self, scope: &Scope, message: Notification) -> Result<String, CapError> {
        let mut state = self.lock();
        let day = scope.now_ms.div_euclid(86_400_000);
        let today = state
            .notifications
            .iter()
            .filter(|(s, _)| same_owner(s, scope) && s.now_ms.div_euclid(86_400_000) == day)
            .count();
        if today >= self.limits.notifications_per_day {
            return Err(CapError::RateLimited(format!(
                "this block has sent {today} messages to the citizen today; the limit is {}",
                self.limits.notifications_per_day
            )));
        }
        state.next_id += 1;
        let id = format!("msg-{}", state.next_id);
        state.notifications.push((scope.clone(), message));
        Ok(id)
    }

    async fn screening_report(
        &self,
        scope: &Scope,
        report: ScreeningReport,
    ) -> Result<String, CapError> {
        let mut state = self.lock();
        let day = scope.now_ms.div_euclid(86_400_000);
        let today = state
            .screenings
            .iter()
            .filter(|(s, _)| same_owner(s, scope) && s.now_ms.div_euclid(86_400_000) == day)
            .count();
        if today >= jobunivers_core::caps::MAX_REPORTS_PER_DAY {
            return Err(CapError::RateLimited(format!(
                "this block has reported {today} screenings for the citizen today; the limit is {}",
                jobunivers_core::caps::MAX_REPORTS_PER_DAY
            )));
        }
        state.next_id += 1;
        let id = format!("screening-{}", state.next_id);
        state.screenings.push((scope.clone(), report));
        Ok(id)
    }

    /// The last result of the citizen in the municipality; no caseworker decides here,
    /// and the municipality's interval is the default one.
    async fn screening_status(&self, scope: &Scope) -> Result<ScreeningStatus, CapError> {
        let state = self.lock();
        let last = state
            .screenings
            .iter()
            .filter(|(s, _)| s.citizen == scope.citizen && s.municipality == scope.municipality)
            .max_by_key(|(s, _)| s.now_ms);
        Ok(match last {
            None => ScreeningStatus::default(),
            Some((s, r)) => ScreeningStatus {
                last_ms: Some(s.now_ms),
                last_suggested: Some(r.suggested),
                next_due_ms: Some(
                    s.now_ms + jobunivers_core::caps::DEFAULT_RESCREEN_DAYS * 86_400_000,
                ),
                decision: None,
            },
        })
    }
}
