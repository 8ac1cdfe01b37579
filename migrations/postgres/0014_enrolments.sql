-- Enrolment lists: the citizens a municipality's jobcentre enrols from its case system,
-- so that a citizen whose sign-in names their CPR number but not their municipality
-- is a citizen of the municipality that enrolled them. Never the CPR number itself:
-- its HMAC-SHA256 under the host's pseudonym key (`signin-pseudonym-key` in the data
-- directory), with a prefix of its own. The hash is the key, so a CPR number is
-- enrolled in one municipality at most.
CREATE TABLE enrolments (
    cpr_hash TEXT PRIMARY KEY,
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    -- A short reference from the case system (at most 200 characters, never a CPR
    -- number; checked by the host).
    note TEXT NULL,
    -- Who enrolled the citizen, as the audit log names actors (`admin:lars@0751`).
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
CREATE INDEX enrolments_by_municipality ON enrolments (municipality_code, added_ms);
