-- Screening and visitation: the results screening blocks report (each kept with its
-- time), the caseworkers' decisions on them (the decision, not the suggestion, is the
-- citizen's track), and each municipality's interval for inviting citizens to screen
-- again. Served by host/src/screening.rs and the `screening` capability in
-- host/src/caps/db.rs. Flags are BIGINT 0/1, never BOOLEAN.

-- A result a block of category `screening` reported for a citizen. A record of what
-- happened: it stays when the block is uninstalled.
CREATE TABLE screenings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    installation_id BIGINT NOT NULL,
    block_id TEXT NOT NULL,
    block_version TEXT NOT NULL,
    suggested_track TEXT NOT NULL CHECK (suggested_track IN ('self-service', 'mixed', 'personal-effort')),
    score BIGINT NOT NULL,
    -- JSON array of {"da", "en"}: the reasons in plain words.
    reasons TEXT NOT NULL,
    -- JSON array of caps::types::ScreeningAnswer: question, answer, value, contribution.
    answers TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- A caseworker's decision on a screening: confirms or overrides its suggestion, always
-- with a reason. The newest decision is the citizen's track.
CREATE TABLE track_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    screening_id BIGINT NOT NULL REFERENCES screenings (id) ON DELETE CASCADE,
    track TEXT NOT NULL CHECK (track IN ('self-service', 'mixed', 'personal-effort')),
    suggested_track TEXT NOT NULL CHECK (suggested_track IN ('self-service', 'mixed', 'personal-effort')),
    overrides BIGINT NOT NULL CHECK (overrides IN (0, 1)),
    reason TEXT NOT NULL,
    caseworker TEXT NOT NULL,
    decided_ms BIGINT NOT NULL
);

-- How often a municipality invites its citizens to screen again. Without a row, the
-- host's default applies (host/src/screening.rs).
CREATE TABLE screening_settings (
    municipality_code TEXT PRIMARY KEY REFERENCES municipalities (code),
    rescreen_days BIGINT NOT NULL CHECK (rescreen_days BETWEEN 1 AND 730),
    updated_by TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

CREATE INDEX screenings_by_citizen ON screenings (citizen_id, created_ms);
CREATE INDEX screenings_by_owner ON screenings (installation_id, citizen_id, created_ms);
CREATE INDEX track_decisions_by_citizen ON track_decisions (citizen_id, decided_ms);
CREATE INDEX track_decisions_by_screening ON track_decisions (screening_id);
