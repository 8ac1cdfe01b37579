//! Per-identity rate limits at the edge: changes (every request that is not a read),
//! publishes per vendor, development-login sign-ins per user, and OpenID sign-ins started
//! per client address. Each is a token bucket
//! (GCRA, by the `governor` crate) that refills evenly over a minute; a caller over it
//! gets a 429 that says when to try again.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use jobunivers_core::auth::Identity;
use jobunivers_core::problem::Problem;

/// How many of each a caller may do per minute (also the burst).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateConfig {
    /// Changes (POST, PUT, PATCH, DELETE) per identity.
    pub writes_per_minute: u32,
    /// Package uploads per vendor.
    pub publishes_per_minute: u32,
    /// Development-login sign-ins per user.
    pub logins_per_minute: u32,
    /// OpenID sign-ins started per client address (each writes a pending sign-in).
    pub signin_starts_per_minute: u32,
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            writes_per_minute: 600,
            publishes_per_minute: 30,
            logins_per_minute: 120,
            signin_starts_per_minute: 30,
        }
    }
}

/// The limiters of one host process.
pub struct RateLimits {
    writes: DefaultKeyedRateLimiter<String>,
    publishes: DefaultKeyedRateLimiter<String>,
    logins: DefaultKeyedRateLimiter<String>,
    signin_starts: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl RateLimits {
    /// Limiters with these rates.
    pub fn new(config: RateConfig) -> Self {
        Self {
            writes: DefaultKeyedRateLimiter::keyed(per_minute(config.writes_per_minute)),
            publishes: DefaultKeyedRateLimiter::keyed(per_minute(config.publishes_per_minute)),
            logins: DefaultKeyedRateLimiter::keyed(per_minute(config.logins_per_minute)),
            signin_starts: DefaultKeyedRateLimiter::keyed(per_minute(
                config.signin_starts_per_minute,
            )),
            clock: DefaultClock::default(),
        }
    }

    fn check(
        &self,
        limiter: &DefaultKeyedRateLimiter<String>,
        key: String,
        what: &str,
    ) -> Result<(), Problem> {
        // Forget callers whose buckets are full again, so the map stays small.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let seconds = wait.max(Duration::from_secs(1)).as_secs_f64().ceil() as u64;
            Problem::too_many(
                "rate-limited",
                format!("too many {what} in a short time; try again in {seconds} s"),
                seconds,
            )
        })
    }

    /// One more change by `who`.
    pub fn write(&self, who: &Identity) -> Result<(), Problem> {
        self.check(&self.writes, who.actor(), "changes")
    }

    /// One more package from vendor `namespace`.
    pub fn publish(&self, namespace: &str) -> Result<(), Problem> {
        self.check(&self.publishes, namespace.to_owned(), "packages")
    }

    /// One more development-login sign-in as `user`.
    pub fn login(&self, user: &str) -> Result<(), Problem> {
        self.check(&self.logins, user.to_owned(), "sign-ins")
    }

    /// One more OpenID sign-in started from the client address `client`.
    pub fn signin_start(&self, client: &str) -> Result<(), Problem> {
        self.check(&self.signin_starts, client.to_owned(), "sign-ins started")
    }
}
