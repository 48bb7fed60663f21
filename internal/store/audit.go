package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one recorded change: who (ActorID 0 is the system or the
// command line), when, from where, what, and the values before and after.
type AuditEntry struct {
	ID       int64
	At       time.Time
	ActorID  int64
	Actor    string
	IP       string
	Action   string
	Entity   string
	EntityID string
	Before   string
	After    string
}

// Origin is who makes the changes of a context and from where, set once by
// the adapter that authenticated the request (app.WithPrincipal).
type Origin struct {
	ActorID int64
	Actor   string
	IP      string
}

type originKey struct{}

// WithOrigin returns ctx whose audit entries are attributed to o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// Audit appends an entry to the audit log. The log is append-only: the
// schema refuses updates and deletes. When ctx carries an origin, it names
// the actor, whatever the caller wrote.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if o, ok := ctx.Value(originKey{}).(Origin); ok {
		e.ActorID, e.Actor, e.IP = o.ActorID, o.Actor, o.IP
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, ip, action, entity, entity_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.At.UTC(), e.ActorID, e.Actor, e.IP, e.Action, e.Entity, e.EntityID, e.Before, e.After)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

const auditColumns = `id, at, actor_id, actor, ip, action, entity, entity_id, before, after`

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	ActorID  int64
	Actor    string // part of the actor's name or e-mail address
	Action   string
	Entity   string
	EntityID string
	From, To time.Time // [From, To)
	Before   int64     // entries with a smaller ID (keyset paging, newest first)
	Limit    int
}

// AuditFor lists the entries about one record, newest first.
func (s *Store) AuditFor(ctx context.Context, entity, id string, limit int) ([]AuditEntry, error) {
	return s.AuditLog(ctx, AuditFilter{Entity: entity, EntityID: id, Limit: limit})
}

// AuditLog lists entries matching f, newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var cond []string
	var args []any
	add := func(c string, v any) {
		args = append(args, v)
		cond = append(cond, strings.ReplaceAll(c, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Actor != "" {
		add(`LOWER(actor) LIKE LOWER(?) ESCAPE '\'`, "%"+escapeLike(f.Actor)+"%")
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(cond) > 0 {
		q += " WHERE " + strings.Join(cond, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	rows, err := s.q.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.Actor, &e.IP, &e.Action, &e.Entity, &e.EntityID, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
