-- KAM schema, SQLite. Keep column names identical to postgres/0001_init.sql (a test checks).

CREATE TABLE app_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE method_versions (
    id         INTEGER PRIMARY KEY,
    config     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    search_key  TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL DEFAULT '' CHECK (type IN ('', 'ENTERPRISE', 'DEALER', 'FRANCHISEE', 'CONSUMER')),
    industry    TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    is_listed   BOOLEAN NOT NULL DEFAULT FALSE,
    is_leader   BOOLEAN NOT NULL DEFAULT FALSE,
    potential   BIGINT NOT NULL DEFAULT 0,
    stage       TEXT NOT NULL DEFAULT '',
    cur_revenue BIGINT NOT NULL DEFAULT 0,
    cur_tier    TEXT NOT NULL DEFAULT '',
    cur_band    TEXT NOT NULL DEFAULT '',
    cur_rank    INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX accounts_revenue ON accounts (cur_revenue DESC, id);
CREATE INDEX accounts_tier ON accounts (cur_tier, cur_revenue DESC, id);
CREATE INDEX accounts_band ON accounts (cur_band, cur_revenue DESC, id);
-- Region, industry and type indexes leave out cur_revenue so that recomputing
-- standings (every account after an import) does not rewrite them.
CREATE INDEX accounts_region ON accounts (region);
CREATE INDEX accounts_industry ON accounts (industry);
CREATE INDEX accounts_type ON accounts (type);
CREATE INDEX accounts_name ON accounts (name, id);

CREATE TABLE import_batches (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('accounts', 'revenue')),
    file_name        TEXT NOT NULL,
    file_sha256      TEXT NOT NULL,
    file_size        BIGINT NOT NULL,
    rows_total       BIGINT NOT NULL,
    rows_accepted    BIGINT NOT NULL,
    rows_rejected    BIGINT NOT NULL,
    accounts_created BIGINT NOT NULL,
    amount_total     BIGINT NOT NULL,
    mapping          TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (kind, file_sha256)
);

-- Revenue lines are the bulk of the data (10,000,000 rows and more) and are
-- written only by imports (internal/app/imports.go), which create or look up
-- every account in the same transaction. So the table carries no foreign
-- keys, no surrogate key and no index: each of those cost more than the rest
-- of an import (a trigger per row on PostgreSQL; a B-tree insert per row on
-- both). A line is identified by its batch and its row in the file; reports
-- read lines through the in-memory ledger (internal/app/ledger.go).
CREATE TABLE revenue_lines (
    batch_id   BIGINT NOT NULL,
    line_no    BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    date       INTEGER NOT NULL,
    amount     BIGINT NOT NULL,
    class      TEXT NOT NULL CHECK (class IN ('PRODUCT', 'SERVICE')),
    product    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE import_mappings (
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('accounts', 'revenue')),
    columns    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE tier_targets (
    period_key TEXT NOT NULL,
    layer      TEXT NOT NULL,
    accounts   BIGINT NOT NULL,
    revenue    BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period_key, layer)
);

CREATE TABLE upgrade_targets (
    period_key TEXT NOT NULL,
    from_layer TEXT NOT NULL,
    to_layer   TEXT NOT NULL,
    accounts   BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period_key, from_layer, to_layer)
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TIMESTAMP NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT NOT NULL DEFAULT '',
    after     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
