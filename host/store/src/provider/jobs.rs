//! Job postings: their import and the search blocks run over them, matched as the memory provider matches.

use super::*;
use crate::like_escape;

fn posting(row: &AnyRow) -> Result<JobPosting, CapError> {
    let json: String = row
        .try_get("posting")
        .map_err(|e| unavailable("the job postings", e))?;
    serde_json::from_str(&json).map_err(|e| {
        tracing::error!(error = %e, "a stored job posting is not valid JSON");
        CapError::Unavailable("the job postings cannot be reached right now".into())
    })
}

/// The columns `job_postings` is searched by, derived from the posting the way the
/// memory provider matches it.
struct JobColumns {
    posting: String,
    area_prefix: Option<String>,
    search_text: String,
}

impl JobColumns {
    fn of(job: &JobPosting) -> Result<Self, DbError> {
        Ok(Self {
            posting: serde_json::to_string(job).map_err(encode_error)?,
            area_prefix: job.postal_code.get(..2).map(str::to_owned),
            // One field per line: a query word has no whitespace, so it can only match
            // inside one field, as in the memory provider.
            search_text: format!(
                "{}\n{}\n{}",
                job.title.to_lowercase(),
                job.description.to_lowercase(),
                job.employer.to_lowercase()
            ),
        })
    }
}

pub(super) async fn search(
    p: &DbProvider,
    _scope: &Scope,
    query: JobQuery,
) -> Result<Vec<JobPosting>, CapError> {
    let text = query.text.trim().to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    // Nothing stored contains NUL (PostgreSQL refuses it in text): a word or an area
    // with one matches nothing, and an occupation with one is no alternative. Binding
    // them would fail on PostgreSQL only.
    let occupations: Vec<&String> = query
        .occupations
        .iter()
        .filter(|o| !o.contains('\0'))
        .collect();
    let area = query.postal_code.as_deref().map(|p| p.get(..2));
    if words.iter().any(|w| w.contains('\0'))
        || (occupations.is_empty() && !query.occupations.is_empty())
        || area.flatten().is_some_and(|a| a.contains('\0'))
    {
        return Ok(Vec::new());
    }
    let mut sql = String::from("SELECT posting FROM job_postings WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    for word in &words {
        binds.push(format!("%{}%", like_escape(word)));
        sql.push_str(&format!(
            " AND search_text LIKE ${} ESCAPE '\\'",
            binds.len()
        ));
    }
    if !occupations.is_empty() {
        let mut placeholders = Vec::new();
        for uri in occupations {
            binds.push(uri.clone());
            placeholders.push(format!("${}", binds.len()));
        }
        sql.push_str(&format!(
            " AND occupation_uri IN ({})",
            placeholders.join(", ")
        ));
    }
    if let Some(area) = area {
        // Same first two digits: the same part of the country. A code too short to
        // have them matches the postings whose codes are too short as well.
        match area {
            Some(prefix) => {
                binds.push(prefix.to_owned());
                sql.push_str(&format!(" AND area_prefix = ${}", binds.len()));
            }
            None => sql.push_str(" AND area_prefix IS NULL"),
        }
    }
    sql.push_str(&format!(
        " ORDER BY published DESC, id LIMIT ${}",
        binds.len() + 1
    ));
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.as_str());
    }
    let rows = q
        .bind(i64::from(query.limit.clamp(1, 100)))
        .fetch_all(p.db.pool())
        .await
        .map_err(|e| unavailable("job search", e))?;
    rows.iter().map(posting).collect()
}

pub(super) async fn get(
    p: &DbProvider,
    _scope: &Scope,
    id: &str,
) -> Result<Option<JobPosting>, CapError> {
    if id.contains('\0') {
        return Ok(None);
    }
    let row = sqlx::query("SELECT posting FROM job_postings WHERE id = $1")
        .bind(id)
        .fetch_optional(p.db.pool())
        .await
        .map_err(|e| unavailable("the job postings", e))?;
    row.as_ref().map(posting).transpose()
}

impl DbProvider {
    /// Insert or replace job postings by id, all or none; returns how many were written.
    /// The postings that are new (not replacing one by id) are announced to the blocks
    /// of every municipality with citizens as one `new-job-postings` event each,
    /// recorded in the same transaction.
    pub async fn import_jobs(&self, jobs: &[JobPosting]) -> Result<usize, DbError> {
        let now = now_ms();
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        // Read under the write lock (SQLite) or before this import's own inserts
        // (PostgreSQL), so an id is new exactly when no posting has it yet.
        let mut known = std::collections::HashSet::new();
        for chunk in jobs.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id FROM job_postings WHERE id IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for job in chunk {
                q = q.bind(job.id.as_str());
            }
            for row in q.fetch_all(&mut *tx).await? {
                known.insert(row.try_get::<String, _>("id")?);
            }
        }
        let mut new_ids: Vec<&str> = Vec::new();
        for job in jobs {
            if known.insert(job.id.clone()) {
                new_ids.push(&job.id);
            }
        }
        for job in jobs {
            let columns = JobColumns::of(job)?;
            sqlx::query(
                "INSERT INTO job_postings (id, posting, occupation_uri, area_prefix, search_text, published, imported_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET posting = excluded.posting, occupation_uri = excluded.occupation_uri, \
                 area_prefix = excluded.area_prefix, search_text = excluded.search_text, \
                 published = excluded.published, imported_ms = excluded.imported_ms",
            )
            .bind(&job.id)
            .bind(columns.posting)
            .bind(job.occupation_uri.clone())
            .bind(columns.area_prefix)
            .bind(columns.search_text)
            .bind(&job.published)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        super::events::record_new_postings(&mut tx, &new_ids, now).await?;
        tx.commit().await?;
        Ok(jobs.len())
    }
}
