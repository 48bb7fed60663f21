-- Notifications (issue 4, alerts): the channels they go out through (group
-- robots of WeCom, DingTalk and Feishu, e-mail over SMTP), each person's
-- inbox in KAM, and the outbox of deliveries with every attempt recorded.
-- docs/notifications.md. Keep column names identical to
-- postgres/0006_notifications.sql (a test checks).

-- A channel's url (a robot's webhook address holds its access token) and
-- secret (signing secret or SMTP password) are credentials: pages, the API
-- and the logs show them masked only.
CREATE TABLE channels (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('WECOM', 'DINGTALK', 'FEISHU', 'EMAIL')),
    format        TEXT NOT NULL DEFAULT 'TEXT' CHECK (format IN ('TEXT', 'MARKDOWN')),
    url           TEXT NOT NULL DEFAULT '',
    secret        TEXT NOT NULL DEFAULT '',
    smtp_host     TEXT NOT NULL DEFAULT '',
    smtp_port     INTEGER NOT NULL DEFAULT 0,
    smtp_username TEXT NOT NULL DEFAULT '',
    smtp_from     TEXT NOT NULL DEFAULT '',
    smtp_to       TEXT NOT NULL DEFAULT '',
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- The inbox: one row per recipient person.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    person_id  BIGINT NOT NULL REFERENCES people (id),
    kind       TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_person ON notifications (person_id, id);

-- The outbox, written in the transaction of the change that caused it and
-- sent afterwards by any kam serve of the database. A sender claims a row by
-- raising attempts and moving next_attempt_at past the attempt's timeout;
-- payload is the message as JSON (kind, title, body, link, to).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    channel_id      BIGINT NOT NULL REFERENCES channels (id),
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX deliveries_channel ON deliveries (channel_id, id);

-- Every attempt to send a delivery, successful or not.
CREATE TABLE delivery_attempts (
    id            INTEGER PRIMARY KEY,
    delivery_id   BIGINT NOT NULL REFERENCES deliveries (id),
    attempt       INTEGER NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    duration_ms   BIGINT NOT NULL,
    ok            BOOLEAN NOT NULL,
    error_message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);
