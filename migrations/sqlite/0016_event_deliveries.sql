-- The event loop's bookkeeping. An event is planned once: its fan-out to every
-- (installation, citizen) it concerns is written here in one transaction, and each of
-- those deliveries then runs, is retried or given up on its own. An event is delivered
-- (block_events.delivered_ms) when none of its deliveries is still open.

-- When the event's deliveries were written (NULL: not planned yet).
ALTER TABLE block_events ADD COLUMN planned_ms BIGINT NULL;
-- For events that must happen once per key (the daily tick: 'tick:<code>:<YYYY-MM-DD>'),
-- so two processes, or one restarted, do not record the same one twice.
ALTER TABLE block_events ADD COLUMN once_key TEXT NULL;
CREATE UNIQUE INDEX block_events_once ON block_events (once_key);
CREATE INDEX block_events_unplanned ON block_events (planned_ms, id);

-- One event to one installation for one citizen.
CREATE TABLE event_deliveries (
    event_id BIGINT NOT NULL REFERENCES block_events (id) ON DELETE CASCADE,
    installation_id BIGINT NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    citizen_id TEXT NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    -- Calls begun (a claim counts one, so a call that kills its process still counts).
    attempts BIGINT NOT NULL DEFAULT 0,
    -- Not before then: the next retry, or the end of a running call's lease.
    next_try_ms BIGINT NOT NULL,
    last_error TEXT NULL,
    -- 'delivered', 'given-up', 'no-consent' or 'gone' (the installation no longer
    -- runs), once done.
    outcome TEXT NULL,
    done_ms BIGINT NULL,
    PRIMARY KEY (event_id, installation_id, citizen_id)
);
CREATE INDEX event_deliveries_due ON event_deliveries (done_ms, next_try_ms);
CREATE INDEX event_deliveries_by_citizen ON event_deliveries (citizen_id);
