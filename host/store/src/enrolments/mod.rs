//! Enrolment lists: the citizens a municipality's jobcentre knows from its case system,
//! by CPR number, so that a citizen whose sign-in says who they are (a CPR claim) but
//! not where they live is a citizen of the municipality that enrolled them.
//!
//! Only a keyed hash of each CPR number is kept (HMAC-SHA256 under the host's
//! [`PseudonymKey`], with its own prefix), unique over all municipalities: a CPR number
//! is enrolled in one municipality at most, and is never moved by an upload. Every
//! function takes the caller and refuses anyone but the municipality's admin; every
//! change is one transaction (`Db::begin_write`) that writes its audit entry.
//!
//! - [`cpr`]: CPR numbers and notes, checked. [`key`]: the pseudonym key.
//! - [`upload`]: a CSV file or JSON list read into entries, with their lines.

pub mod cpr;
pub mod key;
pub mod upload;

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::db::{Db, DbError};
pub use cpr::{check_note, Cpr, MAX_NOTE_CHARS};
use jobunivers_core::auth::Identity;
use jobunivers_core::clock::now_ms;
use jobunivers_core::problem::{Problem, Result};
pub use key::{PseudonymKey, PSEUDONYM_KEY_FILE};
use upload::{check, invalid, Checked, Entry};

/// How many hex digits of a hash the list shows: enough to tell entries apart, and
/// nothing a person could be found by without the key.
pub const HASH_PREFIX_DIGITS: usize = 12;
/// The most entries one page of the list holds.
pub const MAX_PAGE: i64 = 1000;

/// Hashes per lookup, and rows per insert (five parameters each): far below the
/// parameter limits of SQLite (32,766) and PostgreSQL (65,535).
const LOOKUP_BATCH: usize = 500;
const INSERT_BATCH: usize = 100;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Added {
    /// Citizens enrolled now.
    pub added: u64,
    /// Citizens the municipality had enrolled already (left as they were).
    pub unchanged: u64,
}

/// One enrolled citizen, as the list shows them (never the CPR number).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The first digits of the CPR number's keyed hash.
    pub hash_prefix: String,
    /// The note from the case system, if any.
    pub note: Option<String>,
    /// Who enrolled them, e.g. `admin:lars@0751`.
    pub added_by: String,
    /// When (Unix ms).
    pub added_ms: i64,
}

/// A page of a municipality's enrolment list, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolmentList {
    /// How many citizens the municipality has enrolled.
    pub total: i64,
    /// This page's first entry's position.
    pub offset: i64,
    /// The page's size.
    pub limit: i64,
    /// The entries.
    pub enrolments: Vec<Enrolment>,
}

/// The enrolment lists of every municipality.
#[derive(Debug, Clone)]
pub struct Enrolments {
    db: Db,
    key: PseudonymKey,
}

fn other_municipality() -> &'static str {
    "this CPR number is enrolled by another municipality; it can be enrolled here once that municipality removes it"
}

impl Enrolments {
    /// The lists in `db`, hashed under `key`.
    pub fn new(db: Db, key: PseudonymKey) -> Self {
        Self { db, key }
    }

    /// The key CPR numbers are hashed under.
    pub fn key(&self) -> &PseudonymKey {
        &self.key
    }

    /// Refuse unless `who` is the admin of municipality `code`, which exists.
    async fn admin_of(&self, who: &Identity, code: &str) -> Result<()> {
        who.require_admin_of(code)?;
        if self.db.municipality(code).await?.is_none() {
            return Err(Problem::not_found(
                "unknown-municipality",
                format!("there is no municipality '{code}'"),
            ));
        }
        Ok(())
    }

    /// Enrol the citizens of an upload in municipality `code`, all or none: a CPR
    /// number already enrolled here is left as it is (counted as unchanged); one
    /// enrolled by another municipality, or any entry [`upload::check`] refuses, refuses
    /// the whole upload (422, every bad entry listed). Sending the same upload again
    /// changes nothing.
    pub async fn add(&self, who: &Identity, code: &str, entries: Vec<Entry>) -> Result<Added> {
        self.admin_of(who, code).await?;
        if entries.is_empty() {
            return Err(Problem::invalid(
                "enrolments-empty",
                "the upload holds no citizens; give at least one CPR number",
            ));
        }
        let (checked, errors) = check(entries);
        let hashed: Vec<(Checked, String)> = checked
            .into_iter()
            .map(|c| {
                let hash = self.key.cpr_hash(&c.cpr);
                (c, hash)
            })
            .collect();
        // On PostgreSQL two uploads may enrol one CPR number at once: the unique hash
        // lets one commit, and the other looks again.
        for _ in 0..3 {
            match self.try_add(who, code, &hashed, errors.clone()).await {
                Err(Retry::Again) => continue,
                Err(Retry::Refused(p)) => return Err(p),
                Ok(added) => return Ok(added),
            }
        }
        Err(Problem::conflict(
            "enrolments-busy",
            "other uploads enrolled the same citizens at the same time; send the upload again",
        ))
    }

    /// [`Enrolments::add`] of the citizens of a CSV file (see [`upload::from_csv`]); the
    /// caller is checked before the file is read.
    pub async fn add_csv(&self, who: &Identity, code: &str, file: &[u8]) -> Result<Added> {
        self.admin_of(who, code).await?;
        let entries = upload::from_csv(file)?;
        self.add(who, code, entries).await
    }

    async fn try_add(
        &self,
        who: &Identity,
        code: &str,
        hashed: &[(Checked, String)],
        mut errors: Vec<upload::EntryError>,
    ) -> std::result::Result<Added, Retry> {
        let mut tx = self.db.begin_write().await.map_err(refused)?;
        let hashes: Vec<&str> = hashed.iter().map(|(_, h)| h.as_str()).collect();
        let existing = lookup(&mut tx, &hashes).await.map_err(refused)?;
        let mut new = Vec::new();
        let mut unchanged = 0;
        for (c, hash) in hashed {
            match existing.get(hash) {
                Some(m) if m == code => unchanged += 1,
                Some(_) => errors.push(c.place.error("cpr", "cpr-elsewhere", other_municipality())),
                None => new.push((c, hash)),
            }
        }
        if !errors.is_empty() {
            return Err(Retry::Refused(invalid(errors)));
        }
        let now = now_ms();
        let actor = who.actor();
        for chunk in new.chunks(INSERT_BATCH) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let b = i * 5;
                    format!(
                        "(${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO enrolments (cpr_hash, municipality_code, note, added_by, added_ms) VALUES {}",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (c, hash) in chunk {
                q = q
                    .bind(hash.as_str())
                    .bind(code)
                    .bind(c.note.clone())
                    .bind(actor.as_str())
                    .bind(now);
            }
            if let Err(e) = q.execute(&mut *tx).await {
                return match &e {
                    sqlx::Error::Database(d) if d.is_unique_violation() => Err(Retry::Again),
                    _ => Err(refused(e)),
                };
            }
        }
        let added = Added {
            added: new.len() as u64,
            unchanged,
        };
        if added.added > 0 {
            audit(
                &mut tx,
                who,
                code,
                "enrolments.add",
                "enrolments",
                serde_json::json!({ "added": added.added, "unchanged": added.unchanged }),
            )
            .await
            .map_err(Retry::Refused)?;
        }
        tx.commit().await.map_err(refused)?;
        Ok(added)
    }

    /// A page of municipality `code`'s list, newest first, and how many there are;
    /// `limit` is 1 to [`MAX_PAGE`], `offset` 0 or more.
    pub async fn list(
        &self,
        who: &Identity,
        code: &str,
        limit: i64,
        offset: i64,
    ) -> Result<EnrolmentList> {
        self.admin_of(who, code).await?;
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Problem::bad_request(
                "invalid-limit",
                format!("limit must be between 1 and {MAX_PAGE}"),
            )
            .at("/limit"));
        }
        if offset < 0 {
            return Err(
                Problem::bad_request("invalid-offset", "offset must be 0 or more").at("/offset"),
            );
        }
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM enrolments WHERE municipality_code = $1")
                .bind(code)
                .fetch_one(self.db.pool())
                .await?
                .try_get("n")?;
        let rows = sqlx::query(
            "SELECT cpr_hash, note, added_by, added_ms FROM enrolments WHERE municipality_code = $1 \
             ORDER BY added_ms DESC, cpr_hash LIMIT $2 OFFSET $3",
        )
        .bind(code)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.db.pool())
        .await?;
        let enrolments = rows
            .iter()
            .map(|r| {
                let hash: String = r.try_get("cpr_hash")?;
                Ok(Enrolment {
                    hash_prefix: hash[..HASH_PREFIX_DIGITS.min(hash.len())].to_owned(),
                    note: r.try_get("note")?,
                    added_by: r.try_get("added_by")?,
                    added_ms: r.try_get("added_ms")?,
                })
            })
            .collect::<std::result::Result<_, sqlx::Error>>()?;
        Ok(EnrolmentList {
            total,
            offset,
            limit,
            enrolments,
        })
    }

    /// Remove the citizen with CPR number `cpr` from municipality `code`'s list. A
    /// number the municipality has not enrolled is not found (whether or not another
    /// municipality has). A citizen who signed in already stays a citizen.
    pub async fn remove(&self, who: &Identity, code: &str, cpr: &str) -> Result<()> {
        self.admin_of(who, code).await?;
        let cpr = Cpr::parse(cpr)
            .map_err(|d| Problem::invalid("invalid-cpr", d.to_string()).at("/cpr"))?;
        let hash = self.key.cpr_hash(&cpr);
        let mut tx = self.db.begin_write().await?;
        let gone =
            sqlx::query("DELETE FROM enrolments WHERE cpr_hash = $1 AND municipality_code = $2")
                .bind(&hash)
                .bind(code)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if gone == 0 {
            return Err(Problem::not_found(
                "enrolment-not-found",
                format!("municipality {code} has not enrolled this CPR number; check the number"),
            )
            .at("/cpr"));
        }
        audit(
            &mut tx,
            who,
            code,
            "enrolments.remove",
            &hash[..HASH_PREFIX_DIGITS],
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The municipality that enrolled CPR number `cpr`, if one did (for the sign-in;
    /// no caller: the sign-in itself is the question).
    pub async fn municipality_of(&self, cpr: &Cpr) -> std::result::Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT municipality_code FROM enrolments WHERE cpr_hash = $1")
            .bind(self.key.cpr_hash(cpr))
            .fetch_optional(self.db.pool())
            .await?;
        Ok(row.map(|r| r.try_get("municipality_code")).transpose()?)
    }
}

/// Why an attempt to add ended without its answer.
enum Retry {
    /// A concurrent upload enrolled one of the numbers: look again.
    Again,
    /// The answer: refused.
    Refused(Problem),
}

fn refused(e: impl Into<Problem>) -> Retry {
    Retry::Refused(e.into())
}

/// Which of `hashes` are enrolled, and where.
async fn lookup(
    tx: &mut Transaction<'static, Any>,
    hashes: &[&str],
) -> std::result::Result<HashMap<String, String>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in hashes.chunks(LOOKUP_BATCH) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT cpr_hash, municipality_code FROM enrolments WHERE cpr_hash IN ({})",
            params.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for h in chunk {
            q = q.bind(*h);
        }
        for row in q.fetch_all(&mut **tx).await? {
            found.insert(row.try_get("cpr_hash")?, row.try_get("municipality_code")?);
        }
    }
    Ok(found)
}

/// Record a change of the list in the municipality's audit log, within `tx`.
async fn audit(
    tx: &mut Transaction<'static, Any>,
    who: &Identity,
    code: &str,
    action: &str,
    subject: &str,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, tenant, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(who.actor())
    .bind(code)
    .bind(action)
    .bind(subject)
    .bind(details.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
