-- The citizen's universe: citizens and their profiles, the job postings blocks search,
-- and everything blocks write through their capabilities (storage, activities, threads
-- with the jobcentre, inbox messages), plus consents and the log of who read personal
-- data. Served by host/src/caps/db.rs with the semantics of the in-memory provider.
--
-- Block data that is meaningless without its installation (storage, its usage counter,
-- consents) goes when the installation is uninstalled. Records of what happened
-- (activities, threads, messages, the access log) stay: they belong to the citizen and
-- the jobcentre, not to the block.
-- Flags are BIGINT 0/1, never BOOLEAN: the Any driver cannot decode SQLite booleans.

-- A citizen known to the host, by pseudonymous subject.
CREATE TABLE citizens (
    id TEXT PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    -- JSON array of group names, matched against installations' audiences.
    groups TEXT NOT NULL DEFAULT '[]',
    created_ms BIGINT NOT NULL
);

-- The citizen's whole profile (caps::types::Profile as JSON); the runtime hands a block
-- only the field groups it was granted and consented to.
CREATE TABLE profiles (
    citizen_id TEXT PRIMARY KEY REFERENCES citizens (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- Job postings (caps::types::JobPosting as JSON) with the columns searches filter on.
CREATE TABLE job_postings (
    id TEXT PRIMARY KEY,
    posting TEXT NOT NULL,
    occupation_uri TEXT,
    -- The first two digits of the postal code (the part of the country), NULL when the
    -- postal code is shorter.
    area_prefix TEXT,
    -- Title, description and employer, lowercased, one per line.
    search_text TEXT NOT NULL,
    published TEXT NOT NULL,
    imported_ms BIGINT NOT NULL
);

-- What one installation stores for one citizen. Keys are bytes of UTF-8 text;
-- size_bytes is key plus value, the quota's unit.
CREATE TABLE block_storage (
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    size_bytes BIGINT NOT NULL,
    PRIMARY KEY (installation_id, citizen_id, key)
);

-- One row per (installation, citizen): the storage in use, and the row every quota and
-- rate-limit check updates first, so concurrent calls for the same pair take turns.
CREATE TABLE block_usage (
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL,
    storage_bytes BIGINT NOT NULL,
    PRIMARY KEY (installation_id, citizen_id)
);

-- Activities blocks recorded (the joblog the jobcentre sees).
CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    block_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    occurred_ms BIGINT NOT NULL,
    recorded_ms BIGINT NOT NULL
);

-- Threads between a citizen and the jobcentre, opened by a block.
CREATE TABLE threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    block_id TEXT NOT NULL,
    -- caps::types::EscalationRequest as JSON.
    request TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'cancelled')),
    waiting_for TEXT NOT NULL CHECK (waiting_for IN ('jobcentre', 'citizen', 'none')),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    CHECK ((state = 'open') = (waiting_for <> 'none'))
);

-- The messages of a thread, in order of id. A chat handover's transcript is stored as
-- the first messages (transcript = 1) for the caseworker; the block already has it.
CREATE TABLE thread_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id BIGINT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    author TEXT NOT NULL CHECK (author IN ('citizen', 'jobcentre', 'block')),
    text TEXT NOT NULL,
    transcript BIGINT NOT NULL DEFAULT 0 CHECK (transcript IN (0, 1)),
    at_ms BIGINT NOT NULL,
    read_by_citizen_ms BIGINT,
    read_by_jobcentre_ms BIGINT
);

-- Messages in a citizen's inbox, kept until read.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    block_id TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- The block's view to link to.
    view TEXT,
    created_ms BIGINT NOT NULL,
    read_ms BIGINT
);

-- What a citizen allowed an installation to do with their personal data, and on which
-- legal basis. A withdrawal keeps the row, with withdrawn_ms set.
CREATE TABLE consents (
    citizen_id TEXT NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    capability TEXT NOT NULL,
    legal_basis TEXT NOT NULL CHECK (legal_basis IN ('consent', 'public-task')),
    granted_ms BIGINT NOT NULL,
    withdrawn_ms BIGINT,
    PRIMARY KEY (citizen_id, installation_id, capability)
);

-- Who read a citizen's personal data, what and why.
CREATE TABLE data_access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);

CREATE INDEX citizens_by_municipality ON citizens (municipality_code);
CREATE INDEX job_postings_by_occupation ON job_postings (occupation_uri);
CREATE INDEX job_postings_by_area ON job_postings (area_prefix);
CREATE INDEX job_postings_by_published ON job_postings (published, id);
CREATE INDEX block_storage_by_citizen ON block_storage (citizen_id);
CREATE INDEX block_usage_by_citizen ON block_usage (citizen_id);
CREATE INDEX activities_by_owner ON activities (installation_id, citizen_id, occurred_ms);
CREATE INDEX activities_by_citizen ON activities (citizen_id, occurred_ms);
CREATE INDEX threads_by_owner ON threads (installation_id, citizen_id);
CREATE INDEX threads_by_citizen ON threads (citizen_id, updated_ms);
CREATE INDEX threads_by_queue ON threads (municipality_code, waiting_for, updated_ms);
CREATE INDEX thread_messages_by_thread ON thread_messages (thread_id, id);
CREATE INDEX notifications_by_owner ON notifications (installation_id, citizen_id, created_ms);
CREATE INDEX notifications_by_citizen ON notifications (citizen_id, created_ms);
CREATE INDEX consents_by_installation ON consents (installation_id);
CREATE INDEX data_access_log_by_citizen ON data_access_log (citizen_id, at_ms);
