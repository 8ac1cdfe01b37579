//! Each block version's health: calls and failures counted, and the circuit breaker that stops calling a version that keeps failing.

use super::*;

/// How one block version has fared in this process.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `vendor.block`.
    pub block: String,
    /// The version.
    pub version: String,
    /// Calls made.
    pub calls: u64,
    /// Calls that failed (trap, timeout, limit, invalid UI, ...).
    pub failures: u64,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// The kind of the last failure.
    pub last_failure: Option<String>,
    /// Until when (Unix ms) the breaker is open; calls are not made before then.
    pub open_until_ms: Option<i64>,
    /// `closed`, `open` or `half-open`.
    pub breaker: String,
}

/// One municipality's calls of one block version.
#[derive(Debug, Clone, Default)]
pub(super) struct Counts {
    calls: u64,
    failures: u64,
    last_failure: Option<String>,
}

impl Universe {
    /// Whether the breaker lets a call through now (half-open lets one trial through).
    pub(crate) fn admit(&self, block: &str, version: &str, now: i64) -> bool {
        let mut health = self.health.lock().expect("lock");
        let h = health
            .entry((block.to_owned(), version.to_owned()))
            .or_insert_with(|| Health {
                block: block.to_owned(),
                version: version.to_owned(),
                breaker: "closed".into(),
                ..Default::default()
            });
        match h.open_until_ms {
            Some(until) if until > now => false,
            Some(_) => {
                // Half-open: let this call try; another failure re-opens at once.
                h.breaker = "half-open".into();
                h.open_until_ms = None;
                h.consecutive_failures = BREAKER_THRESHOLD - 1;
                true
            }
            None => true,
        }
    }

    pub(crate) fn record(
        &self,
        municipality: &str,
        block: &str,
        version: &str,
        failure: Option<&str>,
        now: i64,
    ) {
        {
            let mut counts = self.counts.lock().expect("lock");
            let c = counts
                .entry((
                    municipality.to_owned(),
                    block.to_owned(),
                    version.to_owned(),
                ))
                .or_default();
            c.calls += 1;
            if let Some(kind) = failure {
                c.failures += 1;
                c.last_failure = Some(kind.to_owned());
            }
        }
        let mut health = self.health.lock().expect("lock");
        let Some(h) = health.get_mut(&(block.to_owned(), version.to_owned())) else {
            return;
        };
        h.calls += 1;
        match failure {
            None => {
                h.consecutive_failures = 0;
                h.breaker = "closed".into();
            }
            Some(kind) => {
                h.failures += 1;
                h.consecutive_failures += 1;
                h.last_failure = Some(kind.to_owned());
                if h.consecutive_failures >= BREAKER_THRESHOLD {
                    h.open_until_ms = Some(now + BREAKER_COOL_DOWN_MS);
                    h.breaker = "open".into();
                    tracing::warn!(block, version, kind, "circuit breaker opened");
                }
            }
        }
    }

    /// Health of every block version called in this process; the operator sees all
    /// calls, an admin the versions installed in their municipality with their own
    /// citizens' calls and failures (the breaker's state is the version's, everywhere).
    pub async fn health(&self, who: &Identity) -> Result<Vec<Health>> {
        let allowed: Option<BTreeSet<String>> = match who.role {
            Role::Operator => None,
            Role::Admin => {
                let code = who.tenant_str().to_owned();
                Some(
                    self.market
                        .resolve_municipality(who, &code)
                        .await?
                        .into_iter()
                        .map(|r| r.block)
                        .collect(),
                )
            }
            _ => {
                return Err(Problem::forbidden(
                    "wrong-role",
                    "block health is for the operator and municipality admins",
                ))
            }
        };
        let now = now_ms();
        let counts = self.counts.lock().expect("lock");
        let mut out: Vec<Health> = self
            .health
            .lock()
            .expect("lock")
            .values()
            .filter(|h| allowed.as_ref().is_none_or(|a| a.contains(&h.block)))
            .cloned()
            .map(|mut h| {
                if who.role == Role::Admin {
                    let key = (
                        who.tenant_str().to_owned(),
                        h.block.clone(),
                        h.version.clone(),
                    );
                    let own = counts.get(&key).cloned().unwrap_or_default();
                    h.calls = own.calls;
                    h.failures = own.failures;
                    h.last_failure = own.last_failure;
                }
                if h.open_until_ms.is_some_and(|u| u <= now) {
                    h.breaker = "half-open".into();
                }
                h
            })
            .collect();
        out.sort_by(|a, b| (&a.block, &a.version).cmp(&(&b.block, &b.version)));
        Ok(out)
    }

    /// Health of the versions of vendor `namespace`'s blocks (for that vendor).
    pub fn vendor_health(&self, who: &Identity, namespace: &str) -> Result<Vec<Health>> {
        who.require_vendor(namespace, None)?;
        let prefix = format!("{namespace}.");
        let mut out: Vec<Health> = self
            .health
            .lock()
            .expect("lock")
            .values()
            .filter(|h| h.block.starts_with(&prefix))
            .cloned()
            .collect();
        out.sort_by(|a, b| (&a.block, &a.version).cmp(&(&b.block, &b.version)));
        Ok(out)
    }
}
