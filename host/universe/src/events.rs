//! The event loop: events recorded in the store (`block_events`: a citizen's profile
//! changed, an import brought new job postings, the daily tick) delivered to the
//! municipality's blocks in the background, never in a request.
//!
//! The [`Dispatcher`] fans each waiting event out once into deliveries (one per
//! installation and citizen, written in one transaction with the event marked planned),
//! then claims due deliveries one per free worker (a semaphore of `workers` permits)
//! and makes each as one sandboxed `on-event` call, built as the citizen's page builds
//! its calls ([`Universe::deliver`]). A failed call is retried after 30 s, 2 min, 10 min
//! and 1 h, then given up; an open breaker defers the delivery. Everything a
//! dispatcher knows is in the database, so another process, or this one restarted,
//! continues where it stopped: a delivery done is never made again, and one claimed by
//! a dispatcher that died is taken again when its lease ends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
use jobunivers_store::provider::{DbProvider, DeliveryEnd};
use tokio::sync::Semaphore;

use crate::Universe;

pub use crate::universe::{backoff_ms, MAX_ATTEMPTS};

/// How long a claimed delivery is kept from other dispatchers: far longer than any call
/// may run (the runtime's deadlines are seconds), so only a dispatcher that died leaves
/// one to be taken again.
pub const LEASE_MS: i64 = 5 * 60_000;

/// What one [`Dispatcher::run_until_idle`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Dispatched {
    /// Events fanned out.
    pub planned: usize,
    /// Deliveries made (the block's `on-event` returned).
    pub delivered: usize,
    /// Calls that failed (to be retried, or given up).
    pub failed: usize,
    /// Deliveries given up after their last attempt.
    pub given_up: usize,
    /// Deliveries not made: no consent, or the installation no longer runs.
    pub skipped: usize,
    /// Deliveries put off because the block's breaker is open.
    pub deferred: usize,
}

impl Dispatched {
    fn add(&mut self, end: &DeliveryEnd) {
        match end {
            DeliveryEnd::Done {
                outcome: "delivered",
                ..
            } => self.delivered += 1,
            DeliveryEnd::Done {
                outcome: "given-up",
                ..
            } => {
                self.failed += 1;
                self.given_up += 1;
            }
            DeliveryEnd::Done { .. } => self.skipped += 1,
            DeliveryEnd::Retry { .. } => self.failed += 1,
            DeliveryEnd::Later { .. } => self.deferred += 1,
        }
    }
}

/// Delivers waiting events to blocks with a bounded number of concurrent calls.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    universe: Arc<Universe>,
    workers: usize,
    budget: Option<usize>,
}

impl Dispatcher {
    /// A dispatcher making at most `workers` (at least 1) calls at a time.
    pub fn new(universe: Arc<Universe>, workers: usize) -> Self {
        Self {
            universe,
            workers: workers.max(1),
            budget: None,
        }
    }

    /// Claim at most `deliveries` deliveries in each run, then stop as if the process
    /// ended there (what it finished is done; the rest waits for the next dispatcher).
    pub fn stop_after(mut self, deliveries: usize) -> Self {
        self.budget = Some(deliveries);
        self
    }

    fn provider(&self) -> &Arc<DbProvider> {
        self.universe.provider()
    }

    /// Fan out every waiting event; returns how many this dispatcher planned.
    pub async fn plan(&self) -> Result<usize> {
        let mut after = 0;
        let mut planned = 0;
        while let Some(event) = self
            .provider()
            .next_unplanned_event(after)
            .await
            .map_err(Problem::internal)?
        {
            after = event.id;
            let targets = self.universe.event_targets(&event).await?;
            if self
                .provider()
                .plan_event(event.id, &targets, now_ms())
                .await
                .map_err(Problem::internal)?
            {
                planned += 1;
            }
        }
        Ok(planned)
    }

    /// Plan and deliver until nothing is due now (retries wait for their time), with
    /// at most `workers` calls at once; then mark the events whose deliveries are all
    /// done as delivered.
    pub async fn run_until_idle(&self) -> Result<Dispatched> {
        let stats = Arc::new(Mutex::new(Dispatched::default()));
        let permits = Arc::new(Semaphore::new(self.workers));
        let mut claimed = 0usize;
        loop {
            let planned = self.plan().await?;
            stats.lock().expect("lock").planned += planned;
            let mut calls = tokio::task::JoinSet::new();
            let mut any = false;
            while self.budget.is_none_or(|b| claimed < b) {
                let permit = permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(Problem::internal)?;
                let now = now_ms();
                if !self
                    .provider()
                    .delivery_due(now)
                    .await
                    .map_err(Problem::internal)?
                {
                    break;
                }
                let Some(delivery) = self
                    .provider()
                    .claim_deliveries(now, 1, LEASE_MS)
                    .await
                    .map_err(Problem::internal)?
                    .pop()
                else {
                    break;
                };
                claimed += 1;
                any = true;
                let universe = self.universe.clone();
                let stats = stats.clone();
                calls.spawn(async move {
                    let end = universe.deliver(&delivery).await;
                    if let Err(e) = universe
                        .provider()
                        .end_delivery(&delivery.key, &end, now_ms())
                        .await
                    {
                        // Left claimed: taken again when its lease ends.
                        tracing::error!(error = %e, event = delivery.key.event, "a delivery's end could not be recorded");
                    }
                    stats.lock().expect("lock").add(&end);
                    drop(permit);
                });
            }
            while let Some(done) = calls.join_next().await {
                done.map_err(Problem::internal)?;
            }
            self.provider()
                .finish_events(now_ms())
                .await
                .map_err(Problem::internal)?;
            if !any || self.budget.is_some_and(|b| claimed >= b) {
                break;
            }
        }
        let out = *stats.lock().expect("lock");
        Ok(out)
    }

    /// Run forever: deliver until idle, then look again every `poll`.
    pub async fn run(self, poll: Duration) {
        loop {
            if let Err(p) = self.run_until_idle().await {
                tracing::warn!(error = %p.detail, "the event dispatcher stopped a round; it tries again");
            }
            tokio::time::sleep(poll).await;
        }
    }
}

/// Record the daily tick of every municipality with citizens, now and then every
/// `every`: a tick already recorded for the day is not recorded again, by this process
/// or any other.
pub async fn schedule_ticks(provider: Arc<DbProvider>, every: Duration) {
    loop {
        match provider.record_ticks(now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(municipalities = n, "daily tick recorded"),
            Err(e) => tracing::warn!(error = %e, "the daily tick could not be recorded"),
        }
        tokio::time::sleep(every).await;
    }
}
