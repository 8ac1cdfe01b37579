-- The session list a person sees ("where am I signed in") and signing out at the
-- provider with the ID token as a hint. Sessions of before this migration end: they
-- have no id to list them by.
DELETE FROM sessions;
-- A random id by which the person can list and end one session (never the token or
-- its digest).
ALTER TABLE sessions ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
-- The browser and system in a few words ("Firefox, Linux"), not the whole user agent.
ALTER TABLE sessions ADD COLUMN agent TEXT;
-- The provider's ID token, sent back as `id_token_hint` when signing out there.
ALTER TABLE sessions ADD COLUMN id_token TEXT;
CREATE INDEX sessions_public_id ON sessions (public_id);

-- Who has signed in as staff through an OpenID provider, and with which role: the
-- municipality's (or vendor's) administrators see this list. One row per provider
-- account; updated at each sign-in (the role follows the provider's groups).
CREATE TABLE staff_members (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    role TEXT NOT NULL,
    tenant TEXT,
    name TEXT,
    email TEXT,
    matched TEXT NOT NULL,
    first_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX staff_members_tenant ON staff_members (tenant, role);
