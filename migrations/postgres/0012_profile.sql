-- The citizen keeps their own profile (job wishes, CV text, education, where and from
-- when they can work) and says how they want to be reached. Every change is recorded
-- (who, when, which parts; never the old or new values, which the profile itself
-- holds) and announced to the blocks as an event that waits here until it is
-- delivered.

-- How the citizen wants to be reached outside the page, in their own words.
CREATE TABLE contact_preferences (
    citizen_id TEXT PRIMARY KEY REFERENCES citizens (id) ON DELETE CASCADE,
    email TEXT NULL,
    mobile TEXT NULL,
    -- JSON object: message kind ('jobs', 'messages', 'casework', 'bookings') to the
    -- channels ('email', 'sms') it should also go to; the inbox always gets it.
    channels TEXT NOT NULL DEFAULT '{}',
    updated_ms BIGINT NOT NULL
);

-- Who changed which parts of a citizen's profile, and when.
CREATE TABLE profile_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    -- The subject who made the change (the citizen themselves, so far).
    changed_by TEXT NOT NULL,
    -- JSON array of the parts that changed, e.g. ["desired_occupations", "cv_text"].
    parts TEXT NOT NULL,
    changed_ms BIGINT NOT NULL
);
CREATE INDEX profile_changes_by_citizen ON profile_changes (citizen_id, id);

-- Events for the blocks of a municipality, recorded in the same transaction as the
-- change that raised them and waiting until they are delivered (delivered_ms set).
-- citizen_id is NULL for an event about no one citizen (new job postings).
CREATE TABLE block_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    citizen_id TEXT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    -- The event's data as JSON (for profile-changed: {"parts": [...]}).
    payload TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    delivered_ms BIGINT NULL
);
CREATE INDEX block_events_waiting ON block_events (delivered_ms, id);
CREATE INDEX block_events_by_citizen ON block_events (citizen_id);
