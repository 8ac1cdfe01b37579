//! E-mail over SMTP with lettre (tokio, rustls): plain SMTP (on loopback, for tests and
//! a local relay), STARTTLS (`smtp://...?tls=required`) or implicit TLS (`smtps://`),
//! with credentials in the URL.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use jobunivers_store::outbox::Claimed;

use crate::SetupError;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP server and the sender.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    /// The server at `url`, sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, SetupError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SetupError::SmtpUrl(e.to_string()))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|_| SetupError::MailFrom(from.to_owned()))?;
        Ok(Self { transport, from })
    }

    /// Send the claimed e-mail; why not, in a line.
    pub async fn send(&self, c: &Claimed, public_url: &str) -> Result<(), String> {
        let message = compose(c, &self.from, public_url)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// The e-mail: the message in plain language, the link to the page, and why the citizen
/// gets it with where to change that. Its Message-ID is made of the idempotency key, so
/// a repeat after a lapsed claim is recognisably the same message.
pub fn compose(c: &Claimed, from: &Mailbox, public_url: &str) -> Result<Message, String> {
    let to: Mailbox = c
        .recipient
        .as_deref()
        .ok_or("the e-mail has no recipient")?
        .parse()
        .map_err(|e| format!("the recipient's address is not usable: {e}"))?;
    let link = format!("{public_url}{}", c.link.as_deref().unwrap_or("/inbox"));
    let preferences = format!("{public_url}/profile");
    let text = if c.lang == "en" {
        format!(
            "{}\n\nRead more on your page: {link}\n\n--\nYou get this e-mail because you chose to hear from the jobcentre by e-mail. \
             You can change that under \"My profile\": {preferences}\n",
            c.body
        )
    } else {
        format!(
            "{}\n\nLæs mere på din side: {link}\n\n--\nDu får denne e-mail, fordi du har valgt at få besked fra jobcentret på e-mail. \
             Du kan ændre det under \"Min profil\": {preferences}\n",
            c.body
        )
    };
    let domain = from.email.domain().to_owned();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(c.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", c.key)))
        .header(ContentType::TEXT_PLAIN)
        .body(text)
        .map_err(|e| format!("the e-mail could not be written: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(lang: &str, recipient: Option<&str>) -> Claimed {
        Claimed {
            id: 7,
            channel: "email".into(),
            citizen: "c".into(),
            municipality: "0101".into(),
            kind: "messages".into(),
            recipient: recipient.map(str::to_owned),
            lang: lang.into(),
            subject: "The jobcentre has answered you".into(),
            body: "Sign in to read the answer.".into(),
            link: Some("/threads/3".into()),
            key: "thread-message-9-email".into(),
            attempt: 1,
        }
    }

    #[test]
    fn an_english_reader_gets_the_frame_in_english() {
        let from: Mailbox = "Jobcentret <jobcenter@kk.example.dk>".parse().unwrap();
        let message = compose(
            &claimed("en", Some("anna@example.dk")),
            &from,
            "https://j.example",
        )
        .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("To: anna@example.dk"), "{text}");
        assert!(
            text.contains("Message-ID: <thread-message-9-email@kk.example.dk>"),
            "{text}"
        );
        assert!(
            text.contains("Read more on your page: https://j.example/threads/3"),
            "{text}"
        );
        assert!(text.contains("https://j.example/profile"), "{text}");
        assert!(!text.contains("Min profil"), "{text}");
    }

    #[test]
    fn an_email_without_a_usable_address_is_refused_with_a_reason() {
        let from: Mailbox = "x@example.dk".parse().unwrap();
        let e = compose(&claimed("da", None), &from, "https://j.example").unwrap_err();
        assert!(e.contains("no recipient"), "{e}");
        let e = compose(
            &claimed("da", Some("not an address")),
            &from,
            "https://j.example",
        )
        .unwrap_err();
        assert!(e.contains("not usable"), "{e}");
    }
}
