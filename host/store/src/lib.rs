//! The store: everything the host keeps in its database, and the only crate below the
//! domain that knows SQL. The database itself ([`db`]: SQLite or PostgreSQL, chosen by
//! the URL, migrated at start-up), the citizen's access log ([`access`]), the database-backed capabilities of blocks
//! ([`provider`]: storage, profile, jobs, activities, threads, notifications,
//! screening reports, consents and the access log), the live bus that carries
//! notifications between processes ([`live`]), the messages that leave the page
//! ([`outbox`]), a citizen's records ([`records`]),
//! screening's records ([`screening`]), the web pages' sign-ins ([`sessions`]), the
//! municipalities' enrolment lists and the pseudonym key ([`enrolments`]) and the
//! importers ([`import`]).
//!
//! The store calls nothing above it: what the domain wants done after a write is a
//! [`provider::StoreHooks`] passed in by whoever assembles the host.
#![warn(missing_docs)]
#![allow(clippy::result_large_err)]

pub mod access;
pub mod db;
pub mod enrolments;
pub mod import;
mod live;
pub mod outbox;
pub mod provider;
pub mod records;
pub mod screening;
pub mod sessions;
pub mod signins;
pub mod staff;

pub use db::{Backend, Db, DbError, Municipality};
pub use provider::{DbProvider, NoHooks, StoreHooks};

/// A `LIKE` pattern's special characters (`\`, `%`, `_`) escaped with `\`, so a search
/// word is matched literally (the queries say `ESCAPE '\'`).
pub(crate) fn like_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
