-- Alerts (issue 4, part 4; docs/standards.md): one row per time a rule's
-- condition held for a subject (an opportunity, an account or a handover).
-- A scan raises an alert once and resolves it when the condition clears; it
-- is raised again, as a new row, if the condition comes back. Keep column
-- names identical to postgres/0008_alerts.sql (a test checks).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    subject_id  BIGINT NOT NULL,
    account_id  BIGINT NOT NULL DEFAULT 0,
    owner_id    BIGINT NOT NULL DEFAULT 0,
    -- what the rule measured, as JSON (days, median, revenue, …)
    detail      TEXT NOT NULL DEFAULT '{}',
    -- the people told, as a JSON array of person IDs
    recipients  TEXT NOT NULL DEFAULT '[]',
    raised_at   TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    acked_at    TIMESTAMP,
    acked_by    BIGINT NOT NULL DEFAULT 0
);
-- At most one open alert per rule and subject.
CREATE UNIQUE INDEX alerts_open ON alerts (rule, subject_id) WHERE resolved_at IS NULL;
CREATE INDEX alerts_account ON alerts (account_id, resolved_at);
CREATE INDEX alerts_owner ON alerts (owner_id, resolved_at);
