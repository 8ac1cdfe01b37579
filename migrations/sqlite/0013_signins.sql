-- Sign-ins under way through an OpenID provider: what the host sent with the
-- authorization request (nonce, PKCE verifier) and where the browser goes afterwards,
-- keyed by the sha256 of the `state`. The callback deletes the row as it reads it, so a
-- callback can be used once; a row lives ten minutes at most.
CREATE TABLE signins (
    state_sha256 TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX signins_expiry ON signins (expires_ms);
-- Which provider signed a session in (for signing out there too); NULL for the
-- development login.
ALTER TABLE sessions ADD COLUMN provider TEXT;
