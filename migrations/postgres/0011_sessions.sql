-- The web pages' sign-ins. The browser's cookie holds a random token; only its sha256
-- is kept here, so a copy of the database signs nobody in. Signing out deletes the
-- row, so the cookie is dead at once (in every process sharing the database); a
-- session also ends after `idle_ms` without a request and at `expires_ms` whatever
-- happens.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    tenant TEXT,
    created_ms BIGINT NOT NULL,
    seen_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_ms);
CREATE INDEX sessions_subject ON sessions (role, subject);
