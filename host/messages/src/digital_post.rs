//! Digital Post: official letters to the citizen. [`DigitalPost`] is what the drainer
//! needs; [`HttpDigitalPost`] posts each letter as JSON to the configured endpoint (the
//! municipality's integration, which hands it on to the national Digital Post), with
//! a bearer token and the letter's idempotency key as `Idempotency-Key`. The endpoint
//! is plain HTTP (a gateway beside the host): the workspace's HTTP client has no TLS.

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use jobunivers_store::outbox::Claimed;

use crate::SetupError;

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A letter as it is posted.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    /// The same for a repeat of the same letter.
    pub idempotency_key: String,
    /// The citizen (their pseudonym here; the endpoint knows whom it stands for).
    pub citizen: String,
    /// The municipality's code (the sender).
    pub municipality: String,
    /// The kind of message (`casework` for a prior notice).
    pub kind: String,
    /// `da` or `en`.
    pub language: String,
    /// The subject.
    pub subject: String,
    /// The letter, plain text.
    pub body: String,
    /// Where on the citizen's page it is about.
    pub link: Option<String>,
}

impl Letter {
    /// The letter of a claimed outbox row.
    pub fn of(c: &Claimed, public_url: &str) -> Self {
        Self {
            idempotency_key: c.key.clone(),
            citizen: c.citizen.clone(),
            municipality: c.municipality.clone(),
            kind: c.kind.clone(),
            language: c.lang.clone(),
            subject: c.subject.clone(),
            body: c.body.clone(),
            link: c.link.as_ref().map(|l| format!("{public_url}{l}")),
        }
    }
}

/// Where official letters go.
#[async_trait]
pub trait DigitalPost: Send + Sync {
    /// Deliver one letter; why not, in a line.
    async fn send(&self, letter: &Letter) -> Result<(), String>;
}

/// Digital Post through an HTTP endpoint that takes a letter as JSON.
#[derive(Debug)]
pub struct HttpDigitalPost {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl HttpDigitalPost {
    /// The endpoint at `url`, with `token` as bearer if given.
    pub fn new(url: &str, token: Option<String>) -> Result<Self, SetupError> {
        // The workspace's HTTP client has no TLS: an https address would fail every
        // letter, so it is refused at start.
        if !url.starts_with("http://") {
            return Err(SetupError::DigitalPostUrl(url.to_owned()));
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SetupError::Client(e.to_string()))?;
        Ok(Self {
            client,
            url: url.to_owned(),
            token,
        })
    }
}

#[async_trait]
impl DigitalPost for HttpDigitalPost {
    async fn send(&self, letter: &Letter) -> Result<(), String> {
        let mut request = self
            .client
            .post(&self.url)
            .header("Idempotency-Key", &letter.idempotency_key)
            .json(letter);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("Digital Post: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("Digital Post answered {status}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_endpoint_is_taken() {
        assert!(HttpDigitalPost::new("http://127.0.0.1:9000/letters", None).is_ok());
        for url in [
            "https://post.example.dk/letters",
            "ftp://x",
            "127.0.0.1:9000",
        ] {
            let e = HttpDigitalPost::new(url, None).unwrap_err().to_string();
            assert!(e.contains("--digital-post-url") && e.contains(url), "{e}");
        }
    }
}
