package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kam/internal/crm"
)

// SavedMapping is a named column mapping for imports: field → header.
type SavedMapping struct {
	Name      string
	Kind      string
	Columns   string // JSON object
	CreatedBy string
	CreatedAt time.Time
}

// SaveMapping stores or replaces a named mapping.
func (s *Store) SaveMapping(ctx context.Context, m SavedMapping) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO import_mappings (name, kind, columns, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (kind, name) DO UPDATE SET columns = excluded.columns, created_by = excluded.created_by, created_at = excluded.created_at`,
		m.Name, m.Kind, m.Columns, m.CreatedBy, m.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("store: save mapping %q: %w", m.Name, err)
	}
	return nil
}

// Mapping returns a named mapping.
func (s *Store) Mapping(ctx context.Context, kind, name string) (SavedMapping, error) {
	var m SavedMapping
	err := s.q.QueryRowContext(ctx, `SELECT name, kind, columns, created_by, created_at FROM import_mappings WHERE kind = $1 AND name = $2`, kind, name).
		Scan(&m.Name, &m.Kind, &m.Columns, &m.CreatedBy, &m.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return m, crm.ErrNotFound
	case err != nil:
		return m, fmt.Errorf("store: mapping %q: %w", name, err)
	}
	return m, nil
}

// Mappings lists the saved mappings of a kind.
func (s *Store) Mappings(ctx context.Context, kind string) ([]SavedMapping, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT name, kind, columns, created_by, created_at FROM import_mappings WHERE kind = $1 ORDER BY name`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: mappings: %w", err)
	}
	defer rows.Close()
	var out []SavedMapping
	for rows.Next() {
		var m SavedMapping
		if err := rows.Scan(&m.Name, &m.Kind, &m.Columns, &m.CreatedBy, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AccountIDs maps the given codes to IDs; unknown codes are absent.
func (s *Store) AccountIDs(ctx context.Context, codes []string) (map[string]int64, error) {
	out := make(map[string]int64, len(codes))
	for start := 0; start < len(codes); start += 500 {
		chunk := codes[start:min(start+500, len(codes))]
		args := make([]any, len(chunk))
		var b []byte
		b = append(b, `SELECT code, id FROM accounts WHERE code IN (`...)
		for i, c := range chunk {
			if i > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, "$%d", i+1)
			args[i] = c
		}
		b = append(b, ')')
		rows, err := s.q.QueryContext(ctx, string(b), args...)
		if err != nil {
			return nil, fmt.Errorf("store: account ids: %w", err)
		}
		for rows.Next() {
			var code string
			var id int64
			if err := rows.Scan(&code, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[code] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EachAccountCode streams the code and ID of every account.
func (s *Store) EachAccountCode(ctx context.Context, fn func(code string, id int64)) error {
	rows, err := s.q.QueryContext(ctx, `SELECT code, id FROM accounts`)
	if err != nil {
		return fmt.Errorf("store: account codes: %w", err)
	}
	defer rows.Close()
	var code string
	var id int64
	for rows.Next() {
		if err := rows.Scan(&code, &id); err != nil {
			return err
		}
		fn(code, id)
	}
	return rows.Err()
}
