-- The outbox: every message that leaves the page (an e-mail, a Digital Post letter),
-- written in the same transaction as the inbox message or casework change that causes
-- it, and sent by the drainers of jobunivers-messages. The inbox keeps the message in
-- any case; a row here is only the copy that goes out.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- 'email' or 'digital-post'.
    channel TEXT NOT NULL CHECK (channel IN ('email', 'digital-post')),
    citizen_id TEXT NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    municipality_code TEXT NOT NULL,
    -- The message kind of the citizen's contact preferences ('jobs', 'messages',
    -- 'casework', 'bookings').
    kind TEXT NOT NULL,
    -- The e-mail address when the message was written; NULL for Digital Post (its
    -- recipient is the citizen).
    recipient TEXT NULL,
    -- 'da' or 'en': the language subject and body are in.
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The page's path the message links to (the public address is the drainer's).
    link TEXT NULL,
    -- One message is sent once: the receiver sees the same key on a repeat.
    idempotency_key TEXT NOT NULL UNIQUE,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- When it is due (a claimed row: when its claim lapses).
    next_try_ms BIGINT NOT NULL,
    last_error TEXT NULL,
    -- 'queued', 'sent', 'dead' (gave up after the most attempts; an operator may retry)
    -- or 'capped' (over the citizen's daily e-mail cap: it stays in the inbox only).
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'dead', 'capped')),
    created_ms BIGINT NOT NULL,
    -- When it was first claimed for sending (the daily cap counts these).
    first_try_ms BIGINT NULL,
    updated_ms BIGINT NOT NULL,
    sent_ms BIGINT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_try_ms);
CREATE INDEX outbox_by_citizen ON outbox (citizen_id, channel, first_try_ms);
