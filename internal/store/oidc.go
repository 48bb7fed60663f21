package store

import (
	"context"
	"fmt"
	"time"
)

// OIDCLogin is a single sign-on begun and not yet finished. Only the hash
// of the browser's cookie is stored.
type OIDCLogin struct {
	IDHash    string
	Back      string // the path to return to
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateOIDCLogin stores a pending single sign-on.
func (s *Store) CreateOIDCLogin(ctx context.Context, l OIDCLogin) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO oidc_logins (id_hash, back, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		l.IDHash, l.Back, l.CreatedAt.UTC(), l.ExpiresAt.UTC())
	return s.writeErr(err, "create oidc login")
}

// TakeOIDCLogin deletes the pending single sign-on with the hash and returns
// it: of two requests with the same cookie, one gets it and the other
// crm.ErrNotFound.
func (s *Store) TakeOIDCLogin(ctx context.Context, hash string) (OIDCLogin, error) {
	var l OIDCLogin
	err := s.q.QueryRowContext(ctx, `DELETE FROM oidc_logins WHERE id_hash = $1 RETURNING id_hash, back, created_at, expires_at`, hash).
		Scan(&l.IDHash, &l.Back, &l.CreatedAt, &l.ExpiresAt)
	return l, rowErr(err, "oidc login", "")
}

// DeleteExpiredOIDCLogins removes the single sign-ons that expired before now.
func (s *Store) DeleteExpiredOIDCLogins(ctx context.Context, now time.Time) error {
	if _, err := s.q.ExecContext(ctx, `DELETE FROM oidc_logins WHERE expires_at <= $1`, now.UTC()); err != nil {
		return fmt.Errorf("store: expire oidc logins: %w", err)
	}
	return nil
}
