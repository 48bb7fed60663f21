package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kam/internal/crm"
)

// Session is a signed-in browser. Only the hash of its cookie is stored.
type Session struct {
	TokenHash string
	PersonID  int64
	Method    string // "password" or "oidc"
	CreatedAt time.Time
	SeenAt    time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO sessions (token_hash, person_id, method, created_at, seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, se.TokenHash, se.PersonID, se.Method, se.CreatedAt.UTC(), se.SeenAt.UTC(),
		se.ExpiresAt.UTC(), se.IP, se.UserAgent)
	return s.writeErr(err, "create session")
}

// SessionByHash returns the session with the given token hash.
func (s *Store) SessionByHash(ctx context.Context, hash string) (Session, error) {
	var se Session
	err := s.queryRow(ctx, `SELECT token_hash, person_id, method, created_at, seen_at, expires_at, ip, user_agent
		FROM sessions WHERE token_hash = $1`, hash).
		Scan(&se.TokenHash, &se.PersonID, &se.Method, &se.CreatedAt, &se.SeenAt, &se.ExpiresAt, &se.IP, &se.UserAgent)
	return se, rowErr(err, "session", "")
}

// SessionAndPerson returns the session with the given token hash and its
// person, in one query: every signed-in request asks (a round trip less
// on PostgreSQL under load).
func (s *Store) SessionAndPerson(ctx context.Context, hash string) (Session, crm.Person, error) {
	var se Session
	var p crm.Person
	dests := append([]any{&se.TokenHash, &se.PersonID, &se.Method, &se.CreatedAt, &se.SeenAt, &se.ExpiresAt, &se.IP, &se.UserAgent},
		personDests(&p)...)
	err := s.signInRow(ctx, sessionQuery, sessionQueryVersions, hash, dests)
	return se, p, rowErr(err, "session", "")
}

// TouchSession records that a session was used at seen.
func (s *Store) TouchSession(ctx context.Context, hash string, seen time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE sessions SET seen_at = $2 WHERE token_hash = $1`, hash, seen.UTC())
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.q.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf ends every session of a person and says how many.
func (s *Store) DeleteSessionsOf(ctx context.Context, personID int64) (int, error) {
	res, err := s.q.ExecContext(ctx, `DELETE FROM sessions WHERE person_id = $1`, personID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SessionsOf lists a person's sessions, newest first.
func (s *Store) SessionsOf(ctx context.Context, personID int64) ([]Session, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT token_hash, person_id, method, created_at, seen_at, expires_at, ip, user_agent
		FROM sessions WHERE person_id = $1 ORDER BY created_at DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var se Session
		if err := rows.Scan(&se.TokenHash, &se.PersonID, &se.Method, &se.CreatedAt, &se.SeenAt, &se.ExpiresAt, &se.IP, &se.UserAgent); err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// DeleteExpiredSessions removes sessions past their expiry or idle since
// idleBefore, and sign-in attempts older than attemptsBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore, attemptsBefore time.Time) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR seen_at < $2`, now.UTC(), idleBefore.UTC()); err != nil {
		return fmt.Errorf("store: expire sessions: %w", err)
	}
	if _, err := s.q.ExecContext(ctx, `DELETE FROM signin_attempts WHERE at < $1`, attemptsBefore.UTC()); err != nil {
		return fmt.Errorf("store: expire sign-in attempts: %w", err)
	}
	return nil
}

// APIToken is a personal token for the API. Only its hash is stored.
type APIToken struct {
	ID         int64
	PersonID   int64
	Name       string
	TokenHash  string
	Hint       string // the last characters, to tell tokens apart
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	ExpiresAt  time.Time // zero: no expiry
	RevokedAt  time.Time // zero: active
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func scanToken(sc interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	var used, exp, rev sql.NullTime
	err := sc.Scan(&t.ID, &t.PersonID, &t.Name, &t.TokenHash, &t.Hint, &t.CreatedAt, &used, &exp, &rev)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = used.Time, exp.Time, rev.Time
	return t, err
}

const tokenColumns = `id, person_id, name, token_hash, hint, created_at, last_used_at, expires_at, revoked_at`

// CreateAPIToken stores a token and returns its ID.
func (s *Store) CreateAPIToken(ctx context.Context, t APIToken) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO api_tokens (person_id, name, token_hash, hint, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, t.PersonID, t.Name, t.TokenHash, t.Hint, t.CreatedAt.UTC(), nullTime(t.ExpiresAt)).Scan(&id)
	return id, s.writeErr(err, "create API token")
}

// The sign-in queries, each also with the Versions appended (snapshot.go).
const (
	sessionColumns       = `SELECT se.token_hash, se.person_id, se.method, se.created_at, se.seen_at, se.expires_at, se.ip, se.user_agent, p.*`
	sessionFrom          = ` FROM sessions se JOIN (SELECT ` + personColumns + ` FROM people) p ON p.id = se.person_id WHERE se.token_hash = $1`
	sessionQuery         = sessionColumns + sessionFrom
	sessionQueryVersions = sessionColumns + ", " + versionsColumns + sessionFrom

	tokenColumnsJoined = `SELECT t.id, t.person_id, t.name, t.token_hash, t.hint, t.created_at, t.last_used_at, t.expires_at, t.revoked_at, p.*`
	tokenFrom          = ` FROM api_tokens t JOIN (SELECT ` + personColumns + ` FROM people) p ON p.id = t.person_id WHERE t.token_hash = $1`
	tokenQuery         = tokenColumnsJoined + tokenFrom
	tokenQueryVersions = tokenColumnsJoined + ", " + versionsColumns + tokenFrom
)

// signInRow runs a sign-in query for hash into dests: the query alone, or,
// when ctx carries a snapshot still empty (snapshot.go), withVersions,
// whose last columns fill it.
func (s *Store) signInRow(ctx context.Context, query, withVersions, hash string, dests []any) error {
	sn := s.snapshotOf(ctx)
	if sn != nil {
		if _, ok := sn.get(); ok {
			sn = nil
		}
	}
	if sn == nil {
		return s.queryRow(ctx, query, hash).Scan(dests...)
	}
	var vr versionsRow
	if err := s.queryRow(ctx, withVersions, hash).Scan(append(dests, vr.dests()...)...); err != nil {
		return err
	}
	sn.set(vr.versions())
	return nil
}

// APITokenAndPerson returns the token with the given hash and its person,
// in one query (see SessionAndPerson).
func (s *Store) APITokenAndPerson(ctx context.Context, hash string) (APIToken, crm.Person, error) {
	var t APIToken
	var p crm.Person
	var used, exp, rev sql.NullTime
	dests := append([]any{&t.ID, &t.PersonID, &t.Name, &t.TokenHash, &t.Hint, &t.CreatedAt, &used, &exp, &rev}, personDests(&p)...)
	err := s.signInRow(ctx, tokenQuery, tokenQueryVersions, hash, dests)
	t.LastUsedAt, t.ExpiresAt, t.RevokedAt = used.Time, exp.Time, rev.Time
	return t, p, rowErr(err, "API token", "")
}

// APITokenByHash returns the token with the given hash.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
	return t, rowErr(err, "API token", "")
}

// APITokensOf lists a person's tokens, newest first.
func (s *Store) APITokensOf(ctx context.Context, personID int64) ([]APIToken, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE person_id = $1 ORDER BY id DESC`, personID)
	if err != nil {
		return nil, fmt.Errorf("store: API tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchAPIToken records a use of a token.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, at.UTC())
	if err != nil {
		return fmt.Errorf("store: touch API token: %w", err)
	}
	return nil
}

// RevokeAPIToken revokes a token of a person; another person's token is
// crm.ErrNotFound.
func (s *Store) RevokeAPIToken(ctx context.Context, personID, id int64, at time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL`, id, personID, at.UTC())
	if err != nil {
		return fmt.Errorf("store: revoke API token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// RevokeAPITokensOf revokes every token of a person.
func (s *Store) RevokeAPITokensOf(ctx context.Context, personID int64, at time.Time) error {
	_, err := s.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE person_id = $1 AND revoked_at IS NULL`, personID, at.UTC())
	if err != nil {
		return fmt.Errorf("store: revoke API tokens: %w", err)
	}
	return nil
}

// RecordSignIn stores one sign-in attempt.
func (s *Store) RecordSignIn(ctx context.Context, email, ip string, at time.Time, ok bool) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO signin_attempts (email, ip, at, ok) VALUES ($1, $2, $3, $4)`, email, ip, at.UTC(), ok)
	if err != nil {
		return fmt.Errorf("store: record sign-in: %w", err)
	}
	return nil
}

// FailedSignIns counts the failed attempts since a time for an e-mail address
// (after its last success) and for an IP address, and returns the time of
// the latest failure counted.
func (s *Store) FailedSignIns(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, last time.Time, err error) {
	const emailCond = `email = $1 AND NOT ok AND at >= $2
		AND NOT EXISTS (SELECT 1 FROM signin_attempts o WHERE o.email = $1 AND o.ok AND o.at >= signin_attempts.at)`
	if err = s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_attempts WHERE `+emailCond, email, since.UTC()).Scan(&byEmail); err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("store: failed sign-ins: %w", err)
	}
	if err = s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_attempts WHERE ip = $1 AND NOT ok AND at >= $2`, ip, since.UTC()).Scan(&byIP); err != nil {
		return 0, 0, time.Time{}, fmt.Errorf("store: failed sign-ins: %w", err)
	}
	for _, l := range []struct{ q, key string }{
		{`SELECT at FROM signin_attempts WHERE ` + emailCond + ` ORDER BY at DESC LIMIT 1`, email},
		{`SELECT at FROM signin_attempts WHERE ip = $1 AND NOT ok AND at >= $2 ORDER BY at DESC LIMIT 1`, ip},
	} {
		var at time.Time
		switch err := s.q.QueryRowContext(ctx, l.q, l.key, since.UTC()).Scan(&at); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return 0, 0, time.Time{}, fmt.Errorf("store: failed sign-ins: %w", err)
		case at.After(last):
			last = at
		}
	}
	return byEmail, byIP, last, nil
}
