//! The demo's monitored citizen, seeded with a history that makes availability
//! monitoring show what it does: a fired rule, a nudge in the inbox and a flag on the
//! caseworker's list.

use sqlx::Row;

use jobunivers_casework::monitor::{
    evaluate_citizen, record_visit, DAY_MS, JOB_APPLICATION, NO_INSTALLATION,
};
use jobunivers_core::clock::now_ms;
use jobunivers_store::{DbError, DbProvider};

/// The demo's monitored citizen: in the demo municipality, registered 60 days ago, the
/// last job application 40 days ago, visits 12 and 3 days ago. The job-application rule
/// fired 10 days ago (the nudge is in their inbox) and, the grace period having passed,
/// is a flag on the caseworker's list.
pub const DEMO_MONITORED_CITIZEN: &str = "demo-citizen-quiet";

/// Seed [`DEMO_MONITORED_CITIZEN`] with its history, once (an existing citizen is left
/// as it is).
pub async fn seed_demo(provider: &DbProvider) -> std::result::Result<(), DbError> {
    let db = provider.db();
    let now = now_ms();
    let code = crate::MUNICIPALITY;
    let created = sqlx::query(
        "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES ($1, $2, '[]', $3) \
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(DEMO_MONITORED_CITIZEN)
    .bind(code)
    .bind(now - 60 * DAY_MS)
    .fetch_optional(db.pool())
    .await?;
    if created.is_none() {
        return Ok(());
    }
    // The job log of the demo municipality recorded the application.
    let job_log: i64 = sqlx::query(
        "SELECT i.id FROM installations i JOIN blocks b ON b.id = i.block_ref \
         WHERE i.municipality_code = $1 AND b.block_id = $2",
    )
    .bind(code)
    .bind(format!("{}.job-log", crate::seed::DEMO_VENDOR))
    .fetch_optional(db.pool())
    .await?
    .map(|r| r.try_get("id"))
    .transpose()?
    .unwrap_or(NO_INSTALLATION);
    let applied = now - 40 * DAY_MS;
    sqlx::query(
        "INSERT INTO activities (citizen_id, municipality_code, installation_id, block_id, kind, summary, details, occurred_ms, recorded_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(DEMO_MONITORED_CITIZEN)
    .bind(code)
    .bind(job_log)
    .bind(format!("{}.job-log", crate::seed::DEMO_VENDOR))
    .bind(JOB_APPLICATION)
    .bind("Søgt job: Lagermedarbejder hos Aarhus Havn (e-mail)")
    .bind(r#"{"event":"registered","title":"Lagermedarbejder","employer":"Aarhus Havn","channel":"email","status":"sent"}"#)
    .bind(applied)
    .execute(db.pool())
    .await?;
    for days_ago in [12, 3] {
        record_visit(db, DEMO_MONITORED_CITIZEN, now - days_ago * DAY_MS).await?;
    }
    evaluate_citizen(provider, DEMO_MONITORED_CITIZEN, now - 10 * DAY_MS).await?;
    evaluate_citizen(provider, DEMO_MONITORED_CITIZEN, now).await?;
    Ok(())
}
