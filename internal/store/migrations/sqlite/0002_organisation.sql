-- Organisation and security (issue 3): departments, teams, people with their
-- roles and data scopes, sign-in sessions and API tokens, the account
-- lifecycle and the sales → customer-service handover. Keep column names
-- identical to postgres/0002_organisation.sql (a test checks).

CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('MANAGEMENT', 'MARKETING', 'SALES', 'CUSTOMER_SERVICE')),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE teams (
    id            INTEGER PRIMARY KEY,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    name          TEXT NOT NULL,
    region        TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (department_id, name)
);

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    phone         TEXT NOT NULL DEFAULT '',
    department_id BIGINT REFERENCES departments (id),
    team_id       BIGINT REFERENCES teams (id),
    manager_id    BIGINT REFERENCES people (id),
    track         TEXT NOT NULL DEFAULT '' CHECK (track IN ('', 'REGIONAL', 'STRATEGIC')),
    role_family   TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('ADMIN', 'EXECUTIVE', 'DEPT_HEAD', 'MANAGER', 'MEMBER', 'AUDITOR')),
    scope         TEXT NOT NULL CHECK (scope IN ('OWN', 'TEAM', 'DEPARTMENT', 'ALL')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX people_team ON people (team_id);
CREATE INDEX people_department ON people (department_id);
CREATE INDEX people_manager ON people (manager_id);

-- A session is the SHA-256 of the random cookie value: a database read
-- leaks no usable cookie. Several kam serve share them through the database.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    method     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    seen_at    TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    person_id    BIGINT NOT NULL REFERENCES people (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);

-- Sign-in attempts, for throttling across every kam serve of one database.
CREATE TABLE signin_attempts (
    email TEXT NOT NULL,
    ip    TEXT NOT NULL,
    at    TIMESTAMP NOT NULL,
    ok    BOOLEAN NOT NULL
);
CREATE INDEX signin_attempts_email ON signin_attempts (email, at);
CREATE INDEX signin_attempts_ip ON signin_attempts (ip, at);

-- Who owns an account (the accountable person of its stage) and which sales
-- rep stays attached after the handover (§9.2). Data scopes read both.
ALTER TABLE accounts ADD COLUMN owner_id BIGINT REFERENCES people (id);
ALTER TABLE accounts ADD COLUMN sales_rep_id BIGINT REFERENCES people (id);
ALTER TABLE accounts ADD COLUMN owner_department TEXT NOT NULL DEFAULT '';
CREATE INDEX accounts_owner ON accounts (owner_id);
CREATE INDEX accounts_sales_rep ON accounts (sales_rep_id);

CREATE TABLE account_history (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT NOT NULL REFERENCES accounts (id),
    at               TIMESTAMP NOT NULL,
    from_stage       TEXT NOT NULL,
    to_stage         TEXT NOT NULL,
    from_owner_id    BIGINT,
    to_owner_id      BIGINT,
    owner_department TEXT NOT NULL,
    reason           TEXT NOT NULL,
    actor            TEXT NOT NULL
);
CREATE INDEX account_history_account ON account_history (account_id, id);

CREATE TABLE handovers (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT NOT NULL REFERENCES accounts (id),
    from_person_id BIGINT REFERENCES people (id),
    to_person_id   BIGINT NOT NULL REFERENCES people (id),
    contract_date  INTEGER NOT NULL,
    kickoff_date   INTEGER NOT NULL DEFAULT 0,
    due_date       INTEGER NOT NULL,
    checklist      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('OPEN', 'ACCEPTED', 'CANCELLED')),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    accepted_at    TIMESTAMP
);
CREATE INDEX handovers_account ON handovers (account_id);
CREATE INDEX handovers_to ON handovers (to_person_id, status);

-- The audit log says who (the person, 0 for the system), from where, and is
-- append-only: the database refuses to change or remove an entry.
ALTER TABLE audit_log ADD COLUMN actor_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_log ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
