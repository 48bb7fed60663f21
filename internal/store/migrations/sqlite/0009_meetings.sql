-- Meetings (issue 4, parts 5 and 6; docs/meetings.md): the weekly meeting
-- of a team and the monthly key-account meeting of a department or the
-- company, with their decisions and action items. Keep column names
-- identical to postgres/0009_meetings.sql (a test checks). Lists of text
-- (attendees, blockers) are JSON arrays; dates are integers yyyymmdd (0:
-- none).

CREATE TABLE meetings (
    id            INTEGER PRIMARY KEY,
    type          TEXT NOT NULL CHECK (type IN ('WEEKLY', 'MONTHLY')),
    team_id       BIGINT REFERENCES teams (id),
    department_id BIGINT REFERENCES departments (id),
    -- series_key names the series ("team:5", "department:3", "company");
    -- period_key the ISO week (2026-W48) or the month (2026-11): the keys
    -- of one series sort in time order.
    series_key    TEXT NOT NULL,
    period_key    TEXT NOT NULL,
    held_at       INTEGER NOT NULL DEFAULT 0,
    attendees     TEXT NOT NULL DEFAULT '[]',
    blockers      TEXT NOT NULL DEFAULT '[]',
    notes         TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX meetings_series ON meetings (type, series_key, period_key);
CREATE INDEX meetings_period ON meetings (period_key, id);

CREATE TABLE meeting_decisions (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    text       TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, id);

CREATE TABLE action_items (
    id         INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    text       TEXT NOT NULL,
    owner_id   BIGINT REFERENCES people (id),
    account_id BIGINT REFERENCES accounts (id),
    due        INTEGER NOT NULL DEFAULT 0,
    status     TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE')),
    closed_in  BIGINT REFERENCES meetings (id),
    closed_on  INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- A meeting's own items, the open items carried forward in its series, the
-- items closed in it, a person's open items.
CREATE INDEX action_items_meeting ON action_items (meeting_id, status);
CREATE INDEX action_items_closed_in ON action_items (closed_in);
CREATE INDEX action_items_owner ON action_items (owner_id, status, due);

-- The weekly pack: opportunities a team opened, stage moves of a week.
CREATE INDEX opportunities_team_created ON opportunities (team_id, created_at);
CREATE INDEX opportunity_stays_entered ON opportunity_stays (entered_at);
-- The monthly pack: accounts at risk.
CREATE INDEX accounts_stage ON accounts (stage);
