//! What the citizen says about themselves beyond the profile blocks read: how they want
//! to be reached, and the record of every change to their profile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use jobunivers_core::problem::{Problem, Result};

/// The kinds of message a citizen can also have sent outside the page.
pub const MESSAGE_KINDS: &[&str] = &["jobs", "messages", "casework", "bookings"];
/// The channels outside the page a message kind can go to (the inbox always gets it).
pub const CHANNELS: &[&str] = &["email", "sms"];

/// How the citizen wants to be reached outside the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPreferences {
    /// Their e-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Their mobile number, `+45` and eight digits.
    #[serde(default)]
    pub mobile: Option<String>,
    /// For each kind of message (`jobs`: new jobs that match; `messages`: answers from
    /// the jobcentre; `casework`: prior notices, flags, screening invitations;
    /// `bookings`: meetings), the channels (`email`, `sms`) it also goes to. A kind
    /// that is not named goes only to the inbox.
    #[serde(default)]
    pub channels: BTreeMap<String, Vec<String>>,
}

/// One change to the citizen's profile or contact preferences.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfileChangeRecord {
    /// Who made it.
    pub changed_by: String,
    /// The parts that changed.
    pub parts: Vec<String>,
    /// When (Unix ms).
    pub changed_ms: i64,
}

/// The citizen's contact preferences, if they have given any.
pub async fn contact_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Option<ContactPreferences>> {
    let row = sqlx::query(
        "SELECT email, mobile, channels FROM contact_preferences WHERE citizen_id = $1",
    )
    .bind(citizen)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let channels: String = r.try_get("channels")?;
        Ok(ContactPreferences {
            email: r.try_get("email")?,
            mobile: r.try_get("mobile")?,
            channels: serde_json::from_str(&channels).map_err(Problem::internal)?,
        })
    })
    .transpose()
}

/// Every change to the citizen's profile, newest first.
pub async fn profile_changes_of(
    conn: &mut AnyConnection,
    citizen: &str,
) -> Result<Vec<ProfileChangeRecord>> {
    let rows = sqlx::query(
        "SELECT changed_by, parts, changed_ms FROM profile_changes WHERE citizen_id = $1 ORDER BY id DESC",
    )
    .bind(citizen)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let parts: String = r.try_get("parts")?;
            Ok(ProfileChangeRecord {
                changed_by: r.try_get("changed_by")?,
                parts: serde_json::from_str(&parts).map_err(Problem::internal)?,
                changed_ms: r.try_get("changed_ms")?,
            })
        })
        .collect()
}
