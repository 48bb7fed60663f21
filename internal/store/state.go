package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kam/internal/crm"
)

// MethodVersion is one saved version of the methodology configuration.
type MethodVersion struct {
	ID        int64
	Method    crm.Method
	Note      string
	CreatedBy string
	CreatedAt time.Time
}

// CurrentMethod returns the latest configuration version; crm.ErrNotFound
// when none was saved yet.
func (s *Store) CurrentMethod(ctx context.Context) (MethodVersion, error) {
	var v MethodVersion
	var raw string
	err := s.q.QueryRowContext(ctx, `SELECT id, config, note, created_by, created_at FROM method_versions ORDER BY id DESC LIMIT 1`).
		Scan(&v.ID, &raw, &v.Note, &v.CreatedBy, &v.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, crm.ErrNotFound
	case err != nil:
		return v, fmt.Errorf("store: method: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &v.Method); err != nil {
		return v, fmt.Errorf("store: method version %d: %w", v.ID, err)
	}
	return v, nil
}

// SaveMethod stores a new configuration version and returns its ID.
func (s *Store) SaveMethod(ctx context.Context, m crm.Method, note, by string, now time.Time) (int64, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.q.QueryRowContext(ctx, `INSERT INTO method_versions (config, note, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		string(raw), note, by, now.UTC()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: save method: %w", err)
	}
	return id, nil
}

// BumpRevenueEpoch marks revenue as changed other than by a new batch.
func (s *Store) BumpRevenueEpoch(ctx context.Context) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO app_state (key, value) VALUES ('revenue_epoch', '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(app_state.value AS BIGINT) + 1 AS TEXT)`)
	if err != nil {
		return fmt.Errorf("store: bump epoch: %w", err)
	}
	return nil
}

// bumpState adds one to a counter kept in app_state.
func (s *Store) bumpState(ctx context.Context, key string) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO app_state (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(app_state.value AS BIGINT) + 1 AS TEXT)`, key)
	if err != nil {
		return fmt.Errorf("store: bump %s: %w", key, err)
	}
	return nil
}

// Versions is what kam serve's caches depend on, read in one query so that a
// list page checks them all in one round trip.
type Versions struct {
	Data DataState
	// Method is the ID of the current configuration version, 0 for none.
	Method int64
	// Accounts changes with every account created or edited one by one
	// (imports change Data).
	Accounts int64
	// Standings and Period are the signature and period of the standings
	// stored on the accounts ("" if never written).
	Standings string
	Period    string
	// Alerts changes with every alert raised, resolved or acknowledged.
	Alerts int64
}

// Versions returns the current versions (those of the request's snapshot
// when ctx carries one, snapshot.go).
func (s *Store) Versions(ctx context.Context) (Versions, error) {
	sn := s.snapshotOf(ctx)
	if sn != nil {
		if v, ok := sn.get(); ok {
			return v, nil
		}
	}
	var r versionsRow
	if err := s.queryRow(ctx, `SELECT `+versionsColumns).Scan(r.dests()...); err != nil {
		return Versions{}, fmt.Errorf("store: versions: %w", err)
	}
	v := r.versions()
	if sn != nil {
		sn.set(v)
	}
	return v, nil
}

// State reads a value of app_state ("" when absent).
func (s *Store) State(ctx context.Context, key string) (string, error) {
	var v string
	err := s.q.QueryRowContext(ctx, `SELECT value FROM app_state WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: state %s: %w", key, err)
	}
	return v, nil
}

// SetState writes a value of app_state.
func (s *Store) SetState(ctx context.Context, key, value string) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO app_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set state %s: %w", key, err)
	}
	return nil
}

// MethodVersions lists the saved configuration versions, newest first.
func (s *Store) MethodVersions(ctx context.Context, limit int) ([]MethodVersion, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, config, note, created_by, created_at FROM method_versions ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: method versions: %w", err)
	}
	defer rows.Close()
	var out []MethodVersion
	for rows.Next() {
		var v MethodVersion
		var raw string
		if err := rows.Scan(&v.ID, &raw, &v.Note, &v.CreatedBy, &v.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(raw), &v.Method); err != nil {
			return nil, fmt.Errorf("store: method version %d: %w", v.ID, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
