//! The messages that leave the page: the drainers of the store's outbox and the
//! channels they send on, e-mail over SMTP ([`email`]) and Digital Post
//! ([`digital_post`]).
//!
//! What goes out is decided where it happens: the store's `outbox::enqueue` writes a
//! row in the same transaction as the inbox message or casework change that causes it.
//! A [`Drainer`] claims due rows (`outbox::claim`: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so several host processes never claim one row twice; on
//! SQLite under the write lock), sends them outside any transaction, and marks them
//! sent or reschedules them with exponential backoff, dead after the most attempts.
//! Time is a parameter of [`Drainer::drain`], so quiet hours and the daily cap are
//! tested by the clock they are given, not by waiting.
#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use jobunivers_store::db::{Db, DbError};
use jobunivers_store::outbox::{self, Claimed, Policy, DIGITAL_POST, EMAIL};

pub mod digital_post;
pub mod email;

pub use digital_post::{DigitalPost, HttpDigitalPost, Letter};
pub use email::Smtp;
pub use jobunivers_store::outbox::Policy as OutboxPolicy;

/// Why the channels could not be set up. The message names the setting.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// `--smtp-url` is not a usable SMTP URL.
    #[error("--smtp-url is not a usable SMTP address ({0}); use smtp://HOST:PORT, smtp://USER:PASS@HOST:587?tls=required or smtps://USER:PASS@HOST")]
    SmtpUrl(String),
    /// `--mail-from` is not an address.
    #[error("--mail-from '{0}' is not an e-mail address; give one such as \"Jobcentret <jobcenter@example.dk>\"")]
    MailFrom(String),
    /// `--digital-post-url` is not an http URL.
    #[error("--digital-post-url '{0}' is not usable: give the http:// address of the municipality's Digital Post integration (HTTPS to it is not supported yet: put a TLS-terminating gateway on the same host or network)")]
    DigitalPostUrl(String),
    /// The HTTP client could not be built.
    #[error("the Digital Post client could not be built: {0}")]
    Client(String),
}

/// How the messages go out.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SMTP server (`smtp://`, `smtps://`, with credentials and `?tls=required` for
    /// STARTTLS); without one, e-mails stay queued.
    pub smtp_url: Option<String>,
    /// The sender of e-mails.
    pub mail_from: String,
    /// The Digital Post endpoint letters are posted to as JSON; without one, letters
    /// stay queued.
    pub digital_post_url: Option<String>,
    /// The bearer token for the Digital Post endpoint.
    pub digital_post_token: Option<String>,
    /// The pages' public address, for the links in messages.
    pub public_url: String,
    /// Quiet hours aside: cap, attempts, backoff, lease.
    pub policy: Policy,
    /// Rows a drainer claims at a time.
    pub batch: i64,
}

impl Settings {
    /// Nothing configured: no channel, the default policy.
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            smtp_url: None,
            mail_from: "Jobunivers <no-reply@jobunivers.invalid>".into(),
            digital_post_url: None,
            digital_post_token: None,
            public_url: public_url.into(),
            policy: Policy::default(),
            batch: 20,
        }
    }
}

/// What one pass of a drainer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Sent.
    pub sent: usize,
    /// Failed and rescheduled.
    pub retrying: usize,
    /// Failed for the last time: dead.
    pub dead: usize,
    /// Over the citizen's daily e-mail cap: left in the inbox only.
    pub capped: usize,
}

/// Sends what the outbox holds.
pub struct Drainer {
    db: Db,
    email: Option<Smtp>,
    digital_post: Option<Arc<dyn DigitalPost>>,
    policy: Policy,
    public_url: String,
    batch: i64,
}

impl std::fmt::Debug for Drainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Drainer")
            .field("email", &self.email.is_some())
            .field("digital_post", &self.digital_post.is_some())
            .field("policy", &self.policy)
            .finish()
    }
}

impl Drainer {
    /// A drainer with the channels `settings` configures. A channel without its setting
    /// is not drained: its rows stay queued (said once in the log).
    pub fn new(db: Db, settings: &Settings) -> Result<Self, SetupError> {
        let email = match &settings.smtp_url {
            Some(url) => Some(Smtp::new(url, &settings.mail_from)?),
            None => {
                tracing::warn!("no --smtp-url: e-mails are not sent and stay queued in the outbox");
                None
            }
        };
        let digital_post: Option<Arc<dyn DigitalPost>> = match &settings.digital_post_url {
            Some(url) => Some(Arc::new(HttpDigitalPost::new(
                url,
                settings.digital_post_token.clone(),
            )?)),
            None => {
                tracing::warn!(
                    "no --digital-post-url: official letters are not sent and stay queued in the outbox"
                );
                None
            }
        };
        Ok(Self {
            db,
            email,
            digital_post,
            policy: settings.policy,
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            batch: settings.batch.max(1),
        })
    }

    /// Send letters through `post` instead of the configured endpoint.
    pub fn with_digital_post(mut self, post: Arc<dyn DigitalPost>) -> Self {
        self.digital_post = Some(post);
        self
    }

    fn policy(&self) -> Policy {
        Policy {
            email: self.email.is_some(),
            digital_post: self.digital_post.is_some(),
            ..self.policy
        }
    }

    /// One pass at `now_ms`: claim what is due (one batch), send it, record each outcome.
    pub async fn drain(&self, now_ms: i64) -> Result<Drained, DbError> {
        let policy = self.policy();
        let claims = outbox::claim(&self.db, &policy, now_ms, self.batch).await?;
        let mut done = Drained {
            capped: claims.capped,
            ..Drained::default()
        };
        for c in &claims.messages {
            match self.send(c).await {
                Ok(()) => {
                    if !outbox::sent(&self.db, c, now_ms).await? {
                        tracing::warn!(
                            id = c.id,
                            "an outbox message was sent after its claim lapsed"
                        );
                    }
                    done.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(id = c.id, channel = %c.channel, attempt = c.attempt, %error, "an outbox message could not be sent");
                    if outbox::failed(&self.db, &policy, c, &error, now_ms).await? {
                        tracing::error!(id = c.id, channel = %c.channel, "an outbox message is dead after its last attempt; an operator can retry it");
                        done.dead += 1;
                    } else {
                        done.retrying += 1;
                    }
                }
            }
        }
        Ok(done)
    }

    async fn send(&self, c: &Claimed) -> Result<(), String> {
        match c.channel.as_str() {
            EMAIL => match &self.email {
                Some(smtp) => smtp.send(c, &self.public_url).await,
                None => Err("no SMTP server is configured".into()),
            },
            DIGITAL_POST => match &self.digital_post {
                Some(post) => post.send(&Letter::of(c, &self.public_url)).await,
                None => Err("no Digital Post endpoint is configured".into()),
            },
            other => Err(format!("unknown channel '{other}'")),
        }
    }

    /// Drain every `every`, by the host's clock, until the task is dropped; a pass that
    /// filled its batch is followed by another at once.
    pub async fn run(self: Arc<Self>, every: Duration) {
        loop {
            match self.drain(jobunivers_core::clock::now_ms()).await {
                Ok(d) if d.sent + d.retrying + d.dead + d.capped >= self.batch as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "the outbox could not be drained"),
            }
            tokio::time::sleep(every).await;
        }
    }
}
