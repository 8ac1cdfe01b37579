-- Availability monitoring (rådighed): per-municipality rules over the citizen's activity
-- record, each rule's firings (one per episode, i.e. per set of facts), the caseworker's
-- flags on them, exemptions, prior notices (forhåndsorientering), and the citizen's
-- visits (at most one row per citizen and day). Served by host/src/monitor.rs.
-- The platform never sanctions: a firing nudges the citizen and, after the grace period,
-- puts a flag on the caseworker's list; the caseworker decides.
-- Flags are BIGINT 0/1, never BOOLEAN: the Any driver cannot decode SQLite booleans.

-- A municipality's rule. `days` is the silence (or, for missed-meeting, the delay after
-- the missed meeting) before the citizen is nudged; `grace_days` the time after the nudge
-- before the caseworker is asked to look. Nudge texts may contain `{days}`.
CREATE TABLE monitoring_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    kind TEXT NOT NULL CHECK (kind IN ('no-job-application', 'missed-meeting', 'no-login')),
    days BIGINT NOT NULL CHECK (days >= 0),
    grace_days BIGINT NOT NULL CHECK (grace_days >= 0),
    nudge_da TEXT NOT NULL,
    nudge_en TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- The municipalities that have had the default rules seeded (once; an admin's later
-- changes are left alone).
CREATE TABLE monitoring_defaults (
    municipality_code TEXT PRIMARY KEY REFERENCES municipalities (code),
    seeded_ms BIGINT NOT NULL
);

-- The first visit of a citizen to their universe on a day (UTC day number).
CREATE TABLE monitor_visits (
    citizen_id TEXT NOT NULL,
    day BIGINT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (citizen_id, day)
);

-- A rule that fired for a citizen, once per episode: `episode` names the facts (e.g.
-- the time of the last job application), and the unique key keeps two evaluators from
-- firing twice for them. The flag columns are the caseworker's flag on the firing.
CREATE TABLE monitor_firings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id BIGINT NOT NULL REFERENCES monitoring_rules (id),
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    episode TEXT NOT NULL,
    -- The time of the fact the silence is counted from.
    last_fact_ms BIGINT NOT NULL,
    -- JSON: the facts that made it fire.
    facts TEXT NOT NULL,
    fired_ms BIGINT NOT NULL,
    -- The nudge in the citizen's inbox.
    notification_id BIGINT,
    -- New facts ended the episode.
    closed_ms BIGINT,
    -- The flag: set when the grace period passed without new facts.
    flagged_ms BIGINT,
    flag_state TEXT CHECK (flag_state IN ('open', 'acknowledged', 'resolved')),
    proposed_from_ms BIGINT,
    proposed_to_ms BIGINT,
    decision_note TEXT,
    decided_by TEXT,
    decided_ms BIGINT,
    UNIQUE (rule_id, citizen_id, episode),
    CHECK ((flagged_ms IS NULL) = (flag_state IS NULL))
);

-- A caseworker's exemption of a citizen from a rule, until a time.
CREATE TABLE monitor_exemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    rule_id BIGINT NOT NULL REFERENCES monitoring_rules (id),
    reason TEXT NOT NULL,
    until_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- A prior notice (forhåndsorientering): a text the citizen must read; when they confirm
-- reading it is recorded.
CREATE TABLE prior_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    citizen_id TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    firing_id BIGINT REFERENCES monitor_firings (id),
    text TEXT NOT NULL,
    sent_by TEXT NOT NULL,
    sent_ms BIGINT NOT NULL,
    read_ms BIGINT
);

CREATE INDEX monitoring_rules_by_municipality ON monitoring_rules (municipality_code);
CREATE INDEX monitor_visits_by_time ON monitor_visits (citizen_id, at_ms);
CREATE INDEX monitor_firings_by_citizen ON monitor_firings (citizen_id, fired_ms);
CREATE INDEX monitor_firings_by_flag ON monitor_firings (municipality_code, flag_state, flagged_ms);
CREATE INDEX monitor_exemptions_by_citizen ON monitor_exemptions (citizen_id, rule_id);
CREATE INDEX prior_notices_by_citizen ON prior_notices (citizen_id, sent_ms);
CREATE INDEX activities_by_kind ON activities (citizen_id, kind, occurred_ms);
