//! What a caseworker does about a citizen's availability: flags acknowledged or resolved, exemptions, prior notices, missed meetings.

use super::*;

/// Which flags the caseworker lists.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagFilter {
    /// `open` (default), `acknowledged`, `resolved`, `unresolved` or `any`.
    #[serde(default)]
    pub state: Option<String>,
}

/// The flags of the caseworker's municipality, newest first.
pub async fn flags(db: &Db, who: &Identity, filter: &FlagFilter) -> Result<Vec<Firing>> {
    let code = municipality(who)?;
    let state = match filter.state.as_deref().unwrap_or("open") {
        "open" => "f.flag_state = 'open'",
        "acknowledged" => "f.flag_state = 'acknowledged'",
        "resolved" => "f.flag_state = 'resolved'",
        "unresolved" => "f.flag_state IN ('open', 'acknowledged')",
        "any" => "f.flag_state IS NOT NULL",
        other => {
            return Err(Problem::bad_request(
                "invalid-filter",
                format!("'{other}' is not a flag state; use open, acknowledged, resolved, unresolved or any"),
            )
            .at("/state"))
        }
    };
    let rows = sqlx::query(&format!(
        "SELECT {FIRING_COLUMNS} FROM monitor_firings f JOIN citizens c ON c.id = f.citizen_id \
         WHERE c.municipality_code = $1 AND {state} ORDER BY f.flagged_ms DESC, f.id DESC LIMIT 500"
    ))
    .bind(code)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(firing).collect()
}

async fn flag_in(conn: &mut AnyConnection, code: &str, id: i64) -> Result<Firing> {
    let row = sqlx::query(&format!(
        "SELECT {FIRING_COLUMNS} FROM monitor_firings f JOIN citizens c ON c.id = f.citizen_id \
         WHERE f.id = $1 AND c.municipality_code = $2 AND f.flagged_ms IS NOT NULL"
    ))
    .bind(id)
    .bind(code)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| unknown_flag(id))?;
    firing(&row)
}

/// One flag of the caseworker's municipality; the read is on the citizen's access log.
pub async fn flag(db: &Db, who: &Identity, id: i64) -> Result<Firing> {
    let code = municipality(who)?;
    let mut tx = db.begin_write().await?;
    let f = flag_in(&mut tx, code, id).await?;
    log_read(
        &mut tx,
        &f.citizen,
        who,
        &format!("flag {id}"),
        "caseworker reviews a monitoring flag",
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// The caseworker's decision on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FlagDecision {
    /// Seen; the caseworker follows up (e.g. books the proposed meeting).
    Acknowledge,
    /// Done; the note says what was decided.
    Resolve,
}

/// A decision with its note.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `acknowledge` or `resolve`.
    pub decision: FlagDecision,
    /// What was decided and why (required to resolve; 1 to 2,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Decide on a flag of the caseworker's municipality. A resolved flag stays resolved.
/// A resolved flag is told to the citizen (inbox, and e-mail if they chose it for
/// casework), in the same transaction.
pub async fn decide(
    provider: &DbProvider,
    who: &Identity,
    id: i64,
    decision: Decision,
) -> Result<Firing> {
    let db = provider.db();
    let code = municipality(who)?;
    let note = match (&decision.note, decision.decision) {
        (Some(n), _) => Some(check_text(n, "/note", 2000)?),
        (None, FlagDecision::Resolve) => {
            return Err(
                Problem::invalid("missing-note", "say in a note what was decided and why")
                    .at("/note"),
            )
        }
        (None, FlagDecision::Acknowledge) => None,
    };
    let state = match decision.decision {
        FlagDecision::Acknowledge => "acknowledged",
        FlagDecision::Resolve => "resolved",
    };
    let mut tx = db.begin_write().await?;
    let current = flag_in(&mut tx, code, id).await?;
    if current.flag.as_ref().is_some_and(|f| f.state == "resolved") {
        return Err(Problem::conflict(
            "flag-resolved",
            format!("flag {id} is resolved already; a new firing makes a new flag"),
        ));
    }
    let done = sqlx::query(
        "UPDATE monitor_firings SET flag_state = $1, decision_note = COALESCE($2, decision_note), decided_by = $3, decided_ms = $4 \
         WHERE id = $5 AND flag_state IN ('open', 'acknowledged')",
    )
    .bind(state)
    .bind(note)
    .bind(who.actor())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Problem::conflict(
            "flag-resolved",
            format!("flag {id} was resolved meanwhile"),
        ));
    }
    let f = flag_in(&mut tx, code, id).await?;
    let mut told = None;
    if decision.decision == FlagDecision::Resolve {
        let now = now_ms();
        let message = crate::monitor::JobcentreMessage {
            citizen: &f.citizen,
            municipality: code,
            title: RESOLVED_TITLE,
            body: RESOLVED_BODY,
            now_ms: now,
        };
        let notification = message.insert(provider, &mut tx).await?;
        outbox::enqueue(
            &mut tx,
            &outbox::Message {
                citizen: &f.citizen,
                municipality: code,
                kind: "casework",
                official: false,
                subject: outbox::Text {
                    da: "Jobcentret har afsluttet en sag om din tilgængelighed",
                    en: "The jobcentre has closed a matter about your availability",
                },
                body: outbox::Text {
                    da: "Jobcentret har set på en sag om, hvorvidt du står til rådighed, og har afsluttet den. Du kan se mere på din side.",
                    en: "The jobcentre has looked at a matter about your availability for work and has closed it. You can see more on your page.",
                },
                link: Some("/inbox"),
                key: &format!("flag-resolved-{id}"),
                now_ms: now,
            },
        )
        .await?;
        told = Some((message, notification));
    }
    tx.commit().await?;
    if let Some((message, notification)) = told {
        message.publish(provider, notification);
    }
    Ok(f)
}

const RESOLVED_TITLE: &str = "Jobcentret har afsluttet en sag / The jobcentre has closed a matter";
const RESOLVED_BODY: &str = "Jobcentret har set på en sag om, hvorvidt du står til rådighed, og har afsluttet den.\n\nThe jobcentre has looked at a matter about your availability for work and has closed it.";

/// A new exemption.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExemption {
    /// The rule (of the citizen's municipality).
    pub rule: i64,
    /// Why (1 to 1,000 characters), e.g. illness or a course.
    pub reason: String,
    /// Until when (Unix ms, in the future).
    pub until_ms: i64,
}

/// Exempt a citizen of the caseworker's municipality from a rule until a time.
pub async fn exempt(
    db: &Db,
    who: &Identity,
    citizen: &str,
    new: NewExemption,
) -> Result<Exemption> {
    let code = municipality(who)?;
    let reason = check_text(&new.reason, "/reason", 1000)?;
    let now = now_ms();
    if new.until_ms <= now {
        return Err(Problem::invalid(
            "invalid-until",
            "an exemption ends in the future; give until_ms after now",
        )
        .at("/until_ms"));
    }
    let mut tx = db.begin_write().await?;
    citizen_in(&mut tx, code, citizen).await?;
    let kind_row =
        sqlx::query("SELECT kind FROM monitoring_rules WHERE id = $1 AND municipality_code = $2")
            .bind(new.rule)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                Problem::invalid(
                    "unknown-rule",
                    format!("municipality {code} has no monitoring rule {}", new.rule),
                )
                .at("/rule")
            })?;
    let kind_name: String = kind_row.try_get("kind")?;
    let row = sqlx::query(
        "INSERT INTO monitor_exemptions (citizen_id, municipality_code, rule_id, reason, until_ms, created_by, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, rule_id, reason, until_ms, created_by, created_ms",
    )
    .bind(citizen)
    .bind(code)
    .bind(new.rule)
    .bind(&reason)
    .bind(new.until_ms)
    .bind(who.actor())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Exemption {
        id: row.try_get("id")?,
        rule: row.try_get("rule_id")?,
        kind: kind(&kind_name)?,
        reason: row.try_get("reason")?,
        until_ms: row.try_get("until_ms")?,
        created_by: row.try_get("created_by")?,
        created_ms: row.try_get("created_ms")?,
        active: true,
    })
}

/// A new prior notice.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriorNotice {
    /// The text the citizen must read (1 to 4,000 characters).
    pub text: String,
    /// The firing (flag) it is about, if any.
    #[serde(default)]
    pub firing: Option<i64>,
}

/// Send a prior notice to a citizen of the caseworker's municipality; it lands in
/// their inbox too, and their reading is recorded when they confirm it.
pub async fn send_notice(
    provider: &DbProvider,
    who: &Identity,
    citizen: &str,
    new: NewPriorNotice,
) -> Result<PriorNotice> {
    let code = municipality(who)?;
    let text = check_text(&new.text, "/text", 4000)?;
    let now = now_ms();
    let mut tx = provider.db().begin_write().await?;
    citizen_in(&mut tx, code, citizen).await?;
    if let Some(firing) = new.firing {
        let mine =
            sqlx::query("SELECT 1 AS one FROM monitor_firings WHERE id = $1 AND citizen_id = $2")
                .bind(firing)
                .bind(citizen)
                .fetch_optional(&mut *tx)
                .await?;
        if mine.is_none() {
            return Err(Problem::invalid(
                "unknown-firing",
                format!("the citizen has no firing {firing}"),
            )
            .at("/firing"));
        }
    }
    let row = sqlx::query(&format!(
        "INSERT INTO prior_notices (citizen_id, municipality_code, firing_id, text, sent_by, sent_ms) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {NOTICE_COLUMNS}"
    ))
    .bind(citizen)
    .bind(code)
    .bind(new.firing)
    .bind(&text)
    .bind(who.actor())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let sent = notice(&row)?;
    let title = "Forhåndsorientering fra jobcentret / Prior notice from the jobcentre";
    let body = "Jobcentret har sendt dig en forhåndsorientering, som du skal læse. Du finder den under \"Hvad følges der med i\", hvor du også bekræfter, at du har læst den.\n\nThe jobcentre has sent you a prior notice that you must read. You find it under \"What is monitored\", where you also confirm that you have read it.";
    let message = crate::monitor::JobcentreMessage {
        citizen,
        municipality: code,
        title,
        body,
        now_ms: now,
    };
    let notification = message.insert(provider, &mut tx).await?;
    // An official letter: by Digital Post, written with the notice.
    outbox::enqueue(
        &mut tx,
        &outbox::Message {
            citizen,
            municipality: code,
            kind: "casework",
            official: true,
            subject: outbox::Text {
                da: "Forhåndsorientering fra jobcentret",
                en: "Prior notice from the jobcentre",
            },
            body: outbox::Text {
                da: &format!("Jobcentret har sendt dig en forhåndsorientering. Læs den, og bekræft på din side, at du har læst den.\n\n{text}"),
                en: &format!("The jobcentre has sent you a prior notice. Read it, and confirm on your page that you have read it.\n\n{text}"),
            },
            link: Some("/inbox"),
            key: &format!("prior-notice-{}", sent.id),
            now_ms: now,
        },
    )
    .await?;
    tx.commit().await?;
    message.publish(provider, notification);
    Ok(sent)
}

/// A meeting the citizen did not come to.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MissedMeeting {
    /// The booking thread it was agreed in, if any.
    #[serde(default)]
    pub thread: Option<i64>,
    /// When the meeting was (Unix ms; not in the future; default now).
    #[serde(default)]
    pub missed_ms: Option<i64>,
    /// A note (up to 1,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Record that a citizen of the caseworker's municipality missed a booked meeting: an
/// activity of kind `missed-meeting` in their record, which the rules then evaluate.
pub async fn missed_meeting(
    provider: &DbProvider,
    who: &Identity,
    citizen: &str,
    missed: MissedMeeting,
) -> Result<ActivityRecord> {
    let code = municipality(who)?;
    let now = now_ms();
    let at = missed.missed_ms.unwrap_or(now);
    if at > now {
        return Err(Problem::invalid(
            "invalid-time",
            "a meeting cannot be missed before it happens; give missed_ms up to now",
        )
        .at("/missed_ms"));
    }
    let note = missed
        .note
        .as_deref()
        .map(|n| check_text(n, "/note", 1000))
        .transpose()?;
    let mut tx = provider.db().begin_write().await?;
    citizen_in(&mut tx, code, citizen).await?;
    if let Some(thread) = missed.thread {
        let row = sqlx::query("SELECT request FROM threads WHERE id = $1 AND citizen_id = $2 AND municipality_code = $3")
            .bind(thread)
            .bind(citizen)
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| Problem::invalid("unknown-thread", format!("the citizen has no thread {thread} with your jobcentre")).at("/thread"))?;
        let request: serde_json::Value =
            serde_json::from_str(&row.try_get::<String, _>("request")?).unwrap_or_default();
        if request.get("type").and_then(|t| t.as_str()) != Some("booking") {
            return Err(Problem::invalid(
                "not-a-booking",
                format!("thread {thread} is not a booked conversation"),
            )
            .at("/thread"));
        }
    }
    let details =
        serde_json::json!({ "thread": missed.thread, "note": note, "recorded_by": who.actor() });
    let summary = "Udeblev fra en aftalt samtale / Missed a booked conversation";
    let row = sqlx::query(
        "INSERT INTO activities (citizen_id, municipality_code, installation_id, block_id, kind, summary, details, occurred_ms, recorded_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(citizen)
    .bind(code)
    .bind(NO_INSTALLATION)
    .bind(JOBCENTRE)
    .bind(MISSED_MEETING)
    .bind(summary)
    .bind(details.to_string())
    .bind(at)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    tx.commit().await?;
    crate::monitor::after_activity(provider, citizen, now).await;
    Ok(ActivityRecord {
        id,
        installation: NO_INSTALLATION,
        block: JOBCENTRE.into(),
        municipality: code.to_owned(),
        kind: MISSED_MEETING.into(),
        summary: summary.into(),
        details: details.to_string(),
        occurred_ms: at,
        recorded_ms: now,
    })
}
