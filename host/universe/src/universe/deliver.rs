//! Events for the citizens' blocks: which (installation, citizen) pairs an event goes to,
//! and one delivery: an `on-event` call built exactly as a page's calls are (the
//! installation's grants and configuration, what the citizen allows, the page's
//! provider, the breaker and the health counts).

use super::*;
use jobunivers_core::model::Event;
use jobunivers_store::provider::{ClaimedDelivery, DeliveryEnd, WaitingEvent};

/// Calls of one delivery before it is given up.
pub const MAX_ATTEMPTS: i64 = 5;

/// How long to wait after the `attempts`th failed call: 30 s, 2 min, 10 min, 1 h.
pub fn backoff_ms(attempts: i64) -> i64 {
    const STEPS: [i64; 4] = [30_000, 120_000, 600_000, 3_600_000];
    STEPS[(attempts.max(1) as usize - 1).min(STEPS.len() - 1)]
}

/// Who the dispatcher resolves municipalities as: it serves every municipality.
fn dispatcher() -> Identity {
    Identity {
        subject: "event-dispatcher".into(),
        role: Role::Operator,
        tenant: None,
        scopes: None,
    }
}

/// The event a queued row describes, or `None` for a kind this host does not know.
fn event_of(kind: &str, payload: &str) -> Option<Event> {
    match kind {
        jobunivers_store::provider::TICK => Some(Event::Tick),
        jobunivers_store::provider::PROFILE_CHANGED => Some(Event::ProfileChanged),
        jobunivers_store::provider::NEW_JOB_POSTINGS => {
            let value: serde_json::Value = serde_json::from_str(payload).ok()?;
            let ids = value["ids"]
                .as_array()?
                .iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect();
            Some(Event::NewJobPostings { ids })
        }
        _ => None,
    }
}

impl Universe {
    /// What runs in a municipality now (through the same cache as the pages).
    async fn resolved_now(&self, code: &str) -> Result<Arc<Vec<Resolved>>> {
        let stamp: i64 = sqlx::query("SELECT version AS stamp FROM market_version WHERE id = 1")
            .fetch_one(self.market.db().pool())
            .await?
            .try_get("stamp")?;
        self.resolved(&dispatcher(), code, stamp).await
    }

    /// The deliveries an event makes: for each citizen it concerns (the one it names, or
    /// every citizen of the municipality), each of the municipality's enabled
    /// installations whose block has events (contract 1.1 or later) and whose audience
    /// includes the citizen, as on their page.
    pub async fn event_targets(&self, event: &WaitingEvent) -> Result<Vec<(i64, String)>> {
        let resolved = self.resolved_now(&event.municipality).await?;
        let mut targets = Vec::new();
        for r in resolved.iter() {
            // A block that cannot be loaded stops the planning (the event waits and is
            // planned again on the next round) rather than losing its deliveries.
            let block = self.block(&r.sha256).await?;
            if (block.contract.major, block.contract.minor) >= (1, 1) {
                targets.push(r);
            }
        }
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let citizens = self
            .provider
            .citizens_of(&event.municipality, event.citizen.as_deref())
            .await
            .map_err(Problem::internal)?;
        let tracks_matter = targets.iter().any(|r| !r.audience.tracks.is_empty());
        let mut out = Vec::new();
        for c in &citizens {
            let track = if tracks_matter {
                jobunivers_casework::screening::latest_decision(self.market.db(), &c.id).await?
            } else {
                None
            };
            out.extend(
                targets
                    .iter()
                    .filter(|r| in_audience(r, &c.groups, track))
                    .map(|r| (r.installation, c.id.clone())),
            );
        }
        Ok(out)
    }

    /// Make one claimed delivery: how it ends, for the queue. A failure of the host
    /// itself (the database) is retried like a failed call.
    pub async fn deliver(&self, d: &ClaimedDelivery) -> DeliveryEnd {
        match self.try_deliver(d).await {
            Ok(end) => end,
            Err(p) => {
                tracing::warn!(event = d.key.event, installation = d.key.installation, error = %p.detail, "an event could not be delivered");
                failed(d, "host-error".into())
            }
        }
    }

    async fn try_deliver(&self, d: &ClaimedDelivery) -> Result<DeliveryEnd> {
        let now = now_ms();
        let Some(event) = event_of(&d.kind, &d.payload) else {
            return Ok(DeliveryEnd::Done {
                outcome: "gone",
                error: Some(format!("unknown event kind '{}'", d.kind)),
            });
        };
        let resolved = self.resolved_now(&d.municipality).await?;
        let Some(r) = resolved
            .iter()
            .find(|r| r.installation == d.key.installation)
        else {
            // Disabled, uninstalled or with no version left to run.
            return Ok(DeliveryEnd::Done {
                outcome: "gone",
                error: None,
            });
        };
        let consented = allowed(
            r,
            self.consented_all(&d.key.citizen)
                .await?
                .remove(&r.installation)
                .unwrap_or_default(),
        );
        // A block granted personal data is woken about a citizen only if the citizen
        // lets it see some of it (or it runs on the jobcentre's public task): the page
        // renders such a block without it, but in the background there is nothing for
        // it to do on the citizen's behalf.
        let personal: Vec<Capability> = r
            .granted
            .iter()
            .filter_map(|g| Capability::parse(g))
            .filter(|c| c.personal_data())
            .collect();
        if !personal.is_empty() && !personal.iter().any(|c| consented.contains(c)) {
            return Ok(DeliveryEnd::Done {
                outcome: "no-consent",
                error: None,
            });
        }
        if !self.admit(&r.block, &r.version, now) {
            let until = self
                .health
                .lock()
                .expect("lock")
                .get(&(r.block.clone(), r.version.clone()))
                .and_then(|h| h.open_until_ms)
                .unwrap_or(now + BREAKER_COOL_DOWN_MS);
            return Ok(DeliveryEnd::Later {
                reason: "breaker-open".into(),
                at_ms: until.max(now + 1),
            });
        }
        let block = match self.block(&r.sha256).await {
            Ok(b) => b,
            Err(p) => {
                tracing::warn!(block = %r.block, version = %r.version, error = %p.detail, "block could not be loaded for an event");
                self.record(&d.municipality, &r.block, &r.version, Some("load"), now);
                return Ok(failed(d, "load".into()));
            }
        };
        let provider = Arc::new(PageProvider::new(
            self.provider.clone(),
            &d.key.citizen,
            self.bench.log_each_read,
        ));
        let call = citizen_call(
            &d.key.citizen,
            &d.municipality,
            r,
            Locale::Da,
            "",
            consented,
            provider.clone(),
            now,
        );
        let outcome = self.market.runtime().on_event(&block, &call, &event).await;
        provider.log_reads().await?;
        Ok(match outcome {
            Ok(()) => {
                self.record(&d.municipality, &r.block, &r.version, None, now);
                DeliveryEnd::Done {
                    outcome: "delivered",
                    error: None,
                }
            }
            // Not a failure: the block has no events (planning leaves such out).
            Err(CallError::Unsupported(_)) => DeliveryEnd::Done {
                outcome: "gone",
                error: Some("unsupported".into()),
            },
            Err(e) => {
                tracing::warn!(block = %r.block, version = %r.version, kind = e.kind(), error = %e, "block failed on an event");
                self.record(&d.municipality, &r.block, &r.version, Some(e.kind()), now);
                failed(d, e.kind().to_owned())
            }
        })
    }
}

/// A failed attempt: retried after the backoff, or given up after [`MAX_ATTEMPTS`].
fn failed(d: &ClaimedDelivery, error: String) -> DeliveryEnd {
    if d.attempts >= MAX_ATTEMPTS {
        DeliveryEnd::Done {
            outcome: "given-up",
            error: Some(error),
        }
    } else {
        DeliveryEnd::Retry {
            error,
            at_ms: now_ms() + backoff_ms(d.attempts),
        }
    }
}
