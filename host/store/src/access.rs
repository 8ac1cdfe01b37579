//! The citizen's access log (`data_access_log`): who read which of a citizen's personal
//! data, why and when. Every read the host makes or lets a block make is written here,
//! in the same transaction as the read where there is one; this module is the one place
//! that writes the log.

use sqlx::{Any, Executor};

/// One read of a citizen's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access<'a> {
    /// Whose data.
    pub citizen: &'a str,
    /// Who read it: `caseworker:<subject>`, `block:<id>@<version>`, ...
    pub actor: &'a str,
    /// What was read, e.g. `screenings` or `thread 7`.
    pub what: &'a str,
    /// Why, in words the citizen is shown.
    pub why: &'a str,
    /// When (Unix ms).
    pub at_ms: i64,
}

/// Write `reads` to the access log in one statement (so all or none).
pub async fn record<'e, E>(executor: E, reads: &[Access<'_>]) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    if reads.is_empty() {
        return Ok(());
    }
    let mut sql =
        String::from("INSERT INTO data_access_log (citizen_id, actor, what, why, at_ms) VALUES ");
    for i in 0..reads.len() {
        let b = i * 5;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
    }
    let mut q = sqlx::query(&sql);
    for r in reads {
        q = q
            .bind(r.citizen)
            .bind(r.actor)
            .bind(r.what)
            .bind(r.why)
            .bind(r.at_ms);
    }
    executor.execute(q).await?;
    Ok(())
}
