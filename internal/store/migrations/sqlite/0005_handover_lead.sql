-- A handover opens when the contract is signed; its project lead may be
-- chosen later (docs/lifecycle.md). NULL: no lead named yet. SQLite cannot
-- drop a NOT NULL in place: the table is rebuilt, same columns, same order.

CREATE TABLE handovers_new (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    from_person_id BIGINT REFERENCES people (id),
    to_person_id   BIGINT REFERENCES people (id),
    contract_date  INTEGER NOT NULL,
    kickoff_date   INTEGER NOT NULL DEFAULT 0,
    due_date       INTEGER NOT NULL,
    checklist      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('OPEN', 'ACCEPTED', 'CANCELLED')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    accepted_at    TIMESTAMP
);
INSERT INTO handovers_new SELECT * FROM handovers;
DROP TABLE handovers;
ALTER TABLE handovers_new RENAME TO handovers;
CREATE INDEX handovers_account ON handovers (account_id);
CREATE INDEX handovers_to ON handovers (to_person_id, status);
