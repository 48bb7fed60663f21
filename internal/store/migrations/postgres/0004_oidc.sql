-- Single sign-on with an OpenID Connect provider: a sign-in begun at
-- /signin/oidc and not yet back at /signin/oidc/callback. The browser holds a
-- random value in a cookie; the row is keyed by its SHA-256 and is deleted
-- when the callback takes it, so a state is used once, on whichever kam serve
-- of the database the callback reaches. Keep column names identical to
-- sqlite/0004_oidc.sql (a test checks).
CREATE TABLE oidc_logins (
    id_hash    TEXT PRIMARY KEY,
    back       TEXT NOT NULL DEFAULT '/',
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins (expires_at);
