package store

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one recorded change.
type AuditEntry struct {
	ID       int64
	At       time.Time
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Before   string
	After    string
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.At.UTC(), e.Actor, e.Action, e.Entity, e.EntityID, e.Before, e.After)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditFor lists the entries about one record, newest first.
func (s *Store) AuditFor(ctx context.Context, entity, id string, limit int) ([]AuditEntry, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, at, actor, action, entity, entity_id, before, after FROM audit_log
		WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3`, entity, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
