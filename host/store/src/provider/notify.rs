//! Notifications: the daily limit per (installation, citizen), the inbox row, and its announcement to open pages.

use super::*;

pub(super) async fn send(
    p: &DbProvider,
    scope: &Scope,
    message: Notification,
) -> Result<String, CapError> {
    let inst = installation(scope)?;
    plain_text(
        [message.title.as_str(), message.body.as_str()]
            .into_iter()
            .chain(message.view.as_deref()),
    )?;
    let fail = |e| installation_error("the inbox", inst, e);
    let (_turn, mut tx) = p.begin().await?;
    // Counting and inserting in the pair's turn: two concurrent messages cannot both
    // be the last one allowed.
    sqlx::query(TAKE_TURN)
        .bind(inst)
        .bind(&scope.citizen)
        .fetch_one(&mut *tx)
        .await
        .map_err(fail)?;
    let day = scope.now_ms.div_euclid(DAY_MS);
    let today: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM notifications \
         WHERE installation_id = $1 AND citizen_id = $2 AND created_ms >= $3 AND created_ms < $4",
    )
    .bind(inst)
    .bind(&scope.citizen)
    .bind(day * DAY_MS)
    .bind((day + 1) * DAY_MS)
    .fetch_one(&mut *tx)
    .await
    .and_then(|r| r.try_get("n"))
    .map_err(fail)?;
    if today >= p.limits.notifications_per_day as i64 {
        let _ = tx.rollback().await;
        return Err(CapError::RateLimited(format!(
            "this block has sent {today} messages to the citizen today; the limit is {}",
            p.limits.notifications_per_day
        )));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO notifications (citizen_id, municipality_code, installation_id, block_id, title, body, view, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&scope.citizen)
    .bind(&scope.municipality)
    .bind(inst)
    .bind(&scope.block_id)
    .bind(message.title.as_str())
    .bind(message.body.as_str())
    .bind(message.view.as_deref())
    .bind(scope.now_ms)
    .fetch_one(&mut *tx)
    .await
    .and_then(|r| r.try_get("id"))
    .map_err(fail)?;
    // The copies that leave the page (e-mail, by the citizen's choice for the kind of
    // message this block sends), written with the inbox row: both or neither.
    let category: Option<String> = sqlx::query("SELECT category FROM blocks WHERE block_id = $1")
        .bind(&scope.block_id)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|r| r.map(|r| r.try_get("category")).transpose())
        .map_err(fail)?;
    let link = match message.view.as_deref() {
        Some(view) => format!(
            "/universe/blocks/{inst}?view={}",
            percent_encoding::utf8_percent_encode(view, percent_encoding::NON_ALPHANUMERIC)
        ),
        None => format!("/universe/blocks/{inst}"),
    };
    crate::outbox::enqueue(
        &mut tx,
        &crate::outbox::Message {
            citizen: &scope.citizen,
            municipality: &scope.municipality,
            kind: message_kind(category.as_deref()),
            official: false,
            subject: crate::outbox::Text::same(&message.title),
            body: crate::outbox::Text::same(&message.body),
            link: Some(&link),
            key: &format!("notification-{id}"),
            now_ms: scope.now_ms,
        },
    )
    .await
    .map_err(fail)?;
    // Delivered to the other processes' listeners when (and only if) this commits.
    p.announce(&mut tx, &scope.citizen, id)
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    // Published only once committed, so a subscriber never shows a message that a
    // failed commit took back.
    p.publish(
        scope.citizen.clone(),
        crate::live::Event {
            id,
            installation: inst,
            block: &scope.block_id,
            title: &message.title,
            body: &message.body,
            view: message.view.as_deref(),
            created_ms: scope.now_ms,
            read_ms: None,
        }
        .json(),
    );
    Ok(format!("msg-{id}"))
}

/// The kind of message (as the contact preferences name them) a block of `category`
/// sends: new jobs from a jobs block, meetings from a booking block, else messages.
fn message_kind(category: Option<&str>) -> &'static str {
    match category {
        Some("jobs") => "jobs",
        Some("booking") => "bookings",
        _ => "messages",
    }
}
