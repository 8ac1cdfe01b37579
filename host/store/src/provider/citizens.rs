//! Citizens as the host knows them: enrolment, their municipality and groups, and their profile.

use super::*;

impl DbProvider {
    /// Register a citizen, or move them to another municipality and replace their groups.
    /// The municipality must exist.
    pub async fn upsert_citizen(
        &self,
        id: &str,
        municipality: &str,
        groups: &[String],
    ) -> Result<(), DbError> {
        let groups = serde_json::to_string(groups).map_err(encode_error)?;
        sqlx::query(
            "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET municipality_code = excluded.municipality_code, groups = excluded.groups",
        )
        .bind(id)
        .bind(municipality)
        .bind(groups)
        .bind(now_ms())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Enrol a citizen signing in through an OpenID provider: new citizens are added
    /// with no groups; a known citizen keeps their groups and moves to `municipality`
    /// (the provider's word on where they live). Safe to run concurrently for the same
    /// citizen. Returns whether the citizen was new.
    pub async fn enrol_citizen(&self, id: &str, municipality: &str) -> Result<bool, DbError> {
        let now = now_ms();
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let added = insert_new(&mut tx, id, municipality, now).await?;
        if !added {
            sqlx::query("UPDATE citizens SET municipality_code = $2 WHERE id = $1 AND municipality_code <> $2")
                .bind(id)
                .bind(municipality)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// A registered citizen, or `None`.
    pub async fn citizen(&self, id: &str) -> Result<Option<Citizen>, DbError> {
        let row = sqlx::query("SELECT municipality_code, groups FROM citizens WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let groups: String = row.try_get("groups")?;
        Ok(Some(Citizen {
            id: id.to_owned(),
            municipality: row.try_get("municipality_code")?,
            groups: serde_json::from_str(&groups).map_err(decode_error)?,
        }))
    }

    /// Replace a registered citizen's profile (a citizen not registered is an error).
    pub async fn set_profile(&self, id: &str, profile: &Profile) -> Result<(), DbError> {
        let json = serde_json::to_string(profile).map_err(encode_error)?;
        sqlx::query(
            "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (citizen_id) DO UPDATE SET profile = excluded.profile, updated_ms = excluded.updated_ms",
        )
        .bind(id)
        .bind(json)
        .bind(now_ms())
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Enrol `citizen` in `municipality` with `profile` if they are not enrolled yet.
    /// Idempotent: a citizen or profile already there is left as it is. Returns whether
    /// the citizen was new.
    pub async fn ensure_citizen(
        &self,
        citizen: &str,
        municipality: &str,
        profile: Option<&Profile>,
    ) -> Result<bool, DbError> {
        let now = now_ms();
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        let added = insert_new(&mut tx, citizen, municipality, now).await?;
        if let Some(profile) = profile {
            let profile = serde_json::to_string(profile).map_err(encode_error)?;
            sqlx::query(
                "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES ($1, $2, $3) \
                 ON CONFLICT (citizen_id) DO NOTHING",
            )
            .bind(citizen)
            .bind(profile)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The citizen's whole profile (empty when none is stored), without putting the
    /// read on the access log: the caller must log it with [`DbProvider::log_reads`]
    /// before the data leaves the host (the universe logs all reads of a page in one
    /// insert).
    pub async fn profile_unlogged(&self, citizen: &str) -> Result<Profile, CapError> {
        let fail = |e| unavailable("the profile", e);
        let row = sqlx::query("SELECT profile FROM profiles WHERE citizen_id = $1")
            .bind(citizen)
            .fetch_optional(self.db.pool())
            .await
            .map_err(fail)?;
        match row {
            Some(row) => {
                let json: String = row.try_get("profile").map_err(fail)?;
                serde_json::from_str(&json).map_err(|e| {
                    tracing::error!(error = %e, citizen, "a stored profile is not valid JSON");
                    CapError::Unavailable("the profile cannot be reached right now".into())
                })
            }
            None => Ok(Profile::default()),
        }
    }
}

/// Add a citizen with no groups unless they are there already; whether they were new.
async fn insert_new(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    municipality: &str,
    now: i64,
) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "INSERT INTO citizens (id, municipality_code, groups, created_ms) VALUES ($1, $2, '[]', $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(municipality)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0)
}
