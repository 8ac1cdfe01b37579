//! Threads with the jobcentre that blocks open (a chat hand-over, a booking request), their status and cancellation.

use super::*;

fn no_thread(id: &str) -> CapError {
    CapError::Invalid(format!("no thread '{id}' for this citizen and block"))
}

fn thread_state(state: &str, waiting_for: &str) -> Option<ThreadState> {
    match (state, waiting_for) {
        ("open", "jobcentre") => Some(ThreadState::WaitingForJobcentre),
        ("open", "citizen") => Some(ThreadState::WaitingForCitizen),
        ("closed", _) => Some(ThreadState::Closed),
        ("cancelled", _) => Some(ThreadState::Cancelled),
        _ => None,
    }
}

pub(super) async fn open(
    p: &DbProvider,
    scope: &Scope,
    request: EscalationRequest,
) -> Result<String, CapError> {
    let inst = installation(scope)?;
    let (transcript, first): (&[jobunivers_core::model::ChatMessage], &str) = match &request {
        EscalationRequest::ChatHandover {
            transcript,
            summary,
        } => (transcript, summary),
        EscalationRequest::Booking { topic, .. } => (&[], topic),
    };
    plain_text(transcript.iter().map(|m| m.text.as_str()).chain([first]))?;
    let json = serde_json::to_string(&request).map_err(|e| {
        tracing::error!(error = %e, "an escalation request does not serialize");
        CapError::Invalid("the request cannot be stored".into())
    })?;
    let fail = |e| unavailable("the jobcentre", e);
    let (_turn, mut tx) = p.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO threads (citizen_id, municipality_code, installation_id, block_id, request, state, waiting_for, created_ms, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, 'open', 'jobcentre', $6, $6) RETURNING id",
    )
    .bind(&scope.citizen)
    .bind(&scope.municipality)
    .bind(inst)
    .bind(&scope.block_id)
    .bind(json)
    .bind(scope.now_ms)
    .fetch_one(&mut *tx)
    .await
    .and_then(|r| r.try_get("id"))
    .map_err(fail)?;
    // The caseworker reads the handed-over chat first; it is marked as transcript
    // because the block has it already and sees only the thread from its opening
    // message on, as with the memory provider (a caseworker's answer copied into an
    // earlier transcript must not come back to the block as a new one).
    let messages = transcript
        .iter()
        .map(|m| {
            let author = match m.role {
                ChatRole::Citizen => "citizen",
                ChatRole::Bot => "block",
                ChatRole::Caseworker => "jobcentre",
            };
            (
                author,
                m.text.as_str(),
                1_i64,
                m.at_ms.unwrap_or(scope.now_ms),
            )
        })
        .chain([("citizen", first, 0, scope.now_ms)]);
    for (author, text, in_transcript, at_ms) in messages {
        sqlx::query(
            "INSERT INTO thread_messages (thread_id, author, text, transcript, at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(author)
        .bind(text)
        .bind(in_transcript)
        .bind(at_ms)
        .execute(&mut *tx)
        .await
        .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)?;
    Ok(format!("thread-{id}"))
}

pub(super) async fn status(p: &DbProvider, scope: &Scope, id: &str) -> Result<Thread, CapError> {
    let inst = installation(scope)?;
    let thread_id = parse_id(id, "thread-").ok_or_else(|| no_thread(id))?;
    let fail = |e| unavailable("the jobcentre", e);
    let row = sqlx::query(
        "SELECT state, waiting_for FROM threads WHERE id = $1 AND installation_id = $2 AND citizen_id = $3",
    )
    .bind(thread_id)
    .bind(inst)
    .bind(&scope.citizen)
    .fetch_optional(p.db.pool())
    .await
    .map_err(fail)?
    .ok_or_else(|| no_thread(id))?;
    let state: String = row.try_get("state").map_err(fail)?;
    let waiting_for: String = row.try_get("waiting_for").map_err(fail)?;
    let state = thread_state(&state, &waiting_for).ok_or_else(|| {
        tracing::error!(
            thread = thread_id,
            state,
            waiting_for,
            "a thread in an unknown state"
        );
        CapError::Unavailable("the jobcentre cannot be reached right now".into())
    })?;
    let rows = sqlx::query(
        "SELECT author, text, at_ms FROM thread_messages WHERE thread_id = $1 AND transcript = 0 ORDER BY id",
    )
    .bind(thread_id)
    .fetch_all(p.db.pool())
    .await
    .map_err(fail)?;
    let messages = rows
        .iter()
        .map(|r| {
            Ok(ThreadMessage {
                from_caseworker: r.try_get::<String, _>("author")? == "jobcentre",
                text: r.try_get("text")?,
                at_ms: r.try_get("at_ms")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(fail)?;
    Ok(Thread {
        id: id.to_owned(),
        state,
        messages,
    })
}

pub(super) async fn cancel(p: &DbProvider, scope: &Scope, id: &str) -> Result<(), CapError> {
    let inst = installation(scope)?;
    let thread_id = parse_id(id, "thread-").ok_or_else(|| no_thread(id))?;
    let _turn = p.write_turn().await;
    let done = sqlx::query(
        "UPDATE threads SET state = 'cancelled', waiting_for = 'none', updated_ms = $4 \
         WHERE id = $1 AND installation_id = $2 AND citizen_id = $3",
    )
    .bind(thread_id)
    .bind(inst)
    .bind(&scope.citizen)
    .bind(scope.now_ms)
    .execute(p.db.pool())
    .await
    .map_err(|e| unavailable("the jobcentre", e))?;
    if done.rows_affected() == 0 {
        return Err(no_thread(id));
    }
    Ok(())
}
