//! The citizen's own changes to their profile and contact preferences: written in one
//! transaction together with the record of the change (`profile_changes`) and the
//! `profile-changed` event that waits for the blocks (`block_events`).

use super::*;
use crate::records::ContactPreferences;

/// One change a citizen makes: the parts of the profile that change (`None` keeps the
/// part), the contact preferences if they change, and the names of the changed parts.
#[derive(Debug, Clone)]
pub struct ProfileChange<'a> {
    /// The citizen.
    pub citizen: &'a str,
    /// Their municipality (the event goes to its blocks).
    pub municipality: &'a str,
    /// Who makes the change.
    pub by: &'a str,
    /// The whole new profile, when a part of it changed.
    pub profile: Option<&'a Profile>,
    /// The new contact preferences, when they changed.
    pub contact: Option<&'a ContactPreferences>,
    /// What changed, e.g. `["desired_occupations", "contact"]`; never empty.
    pub parts: &'a [String],
}

/// The kind of the event a profile change raises.
pub const PROFILE_CHANGED: &str = "profile-changed";

impl DbProvider {
    /// The citizen's contact preferences, and when they last changed.
    pub async fn contact_preferences(
        &self,
        citizen: &str,
    ) -> Result<Option<(ContactPreferences, i64)>, DbError> {
        let row = sqlx::query(
            "SELECT email, mobile, channels, updated_ms FROM contact_preferences WHERE citizen_id = $1",
        )
        .bind(citizen)
        .fetch_optional(self.db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let channels: String = row.try_get("channels")?;
        Ok(Some((
            ContactPreferences {
                email: row.try_get("email")?,
                mobile: row.try_get("mobile")?,
                channels: serde_json::from_str(&channels).map_err(decode_error)?,
            },
            row.try_get("updated_ms")?,
        )))
    }

    /// Write a change all at once: the profile, the contact preferences, the record of
    /// the change and its event, or (on any failure) nothing.
    pub async fn change_profile(&self, change: &ProfileChange<'_>) -> Result<(), DbError> {
        let now = now_ms();
        let parts = serde_json::to_string(change.parts).map_err(encode_error)?;
        let _turn = self.write_turn().await;
        let mut tx = self.db.begin_write().await?;
        // The record first: the first statement writes, so on SQLite the transaction
        // holds the write lock from its start.
        sqlx::query(
            "INSERT INTO profile_changes (citizen_id, changed_by, parts, changed_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(change.citizen)
        .bind(change.by)
        .bind(&parts)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(profile) = change.profile {
            // Only the changed parts are written over what is stored now, read under
            // the write lock (SQLite) or the row's lock (PostgreSQL): two changes of
            // different parts at once both hold.
            sqlx::query(
                "INSERT INTO profiles (citizen_id, profile, updated_ms) VALUES ($1, '{}', $2) \
                 ON CONFLICT (citizen_id) DO NOTHING",
            )
            .bind(change.citizen)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let lock = match self.db.backend() {
                crate::db::Backend::Postgres => " FOR UPDATE",
                crate::db::Backend::Sqlite => "",
            };
            let stored: String = sqlx::query(&format!(
                "SELECT profile FROM profiles WHERE citizen_id = $1{lock}"
            ))
            .bind(change.citizen)
            .fetch_one(&mut *tx)
            .await?
            .try_get("profile")?;
            let mut merged = match serde_json::from_str::<serde_json::Value>(&stored) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            let new = match serde_json::to_value(profile).map_err(encode_error)? {
                serde_json::Value::Object(map) => map,
                _ => serde_json::Map::new(),
            };
            for part in change.parts.iter().filter(|p| p.as_str() != "contact") {
                merged.insert(
                    part.clone(),
                    new.get(part).cloned().unwrap_or(serde_json::Value::Null),
                );
            }
            sqlx::query("UPDATE profiles SET profile = $2, updated_ms = $3 WHERE citizen_id = $1")
                .bind(change.citizen)
                .bind(serde_json::Value::Object(merged).to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(contact) = change.contact {
            sqlx::query(
                "INSERT INTO contact_preferences (citizen_id, email, mobile, channels, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (citizen_id) DO UPDATE SET \
                 email = excluded.email, mobile = excluded.mobile, channels = excluded.channels, \
                 updated_ms = excluded.updated_ms",
            )
            .bind(change.citizen)
            .bind(&contact.email)
            .bind(&contact.mobile)
            .bind(serde_json::to_string(&contact.channels).map_err(encode_error)?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO block_events (kind, municipality_code, citizen_id, payload, created_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(PROFILE_CHANGED)
        .bind(change.municipality)
        .bind(change.citizen)
        .bind(serde_json::json!({ "parts": change.parts }).to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
