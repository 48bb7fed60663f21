package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

// Migration is one schema step.
type Migration struct {
	Version int
	Name    string
	Applied bool
}

func (s *Store) migrationFiles() ([]Migration, error) {
	dir := "migrations/" + s.d.name
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("store: bad migration file name %s", e.Name())
		}
		out = append(out, Migration{Version: v, Name: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrations lists the schema steps and whether each is applied.
func (s *Store) Migrations(ctx context.Context) ([]Migration, error) {
	files, err := s.migrationFiles()
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i].Applied = applied[files[i].Version]
	}
	return files, nil
}

func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	if _, err := s.q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: migrations table: %w", err)
	}
	rows, err := s.q.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// Migrate applies every pending step, each in its own transaction, and
// returns how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	list, err := s.Migrations(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range list {
		if m.Applied {
			continue
		}
		body, err := migrations.ReadFile("migrations/" + s.d.name + "/" + m.Name)
		if err != nil {
			return n, err
		}
		err = s.InTx(ctx, func(tx *Store) error {
			if _, err := tx.q.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.Name, err)
			}
			_, err := tx.q.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, m.Version, time.Now().UTC())
			return err
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Pending returns how many schema steps are not applied.
func (s *Store) Pending(ctx context.Context) (int, error) {
	list, err := s.Migrations(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range list {
		if !m.Applied {
			n++
		}
	}
	return n, nil
}

// Columns lists table → column names of the schema, for the parity test.
func (s *Store) Columns(ctx context.Context) (map[string][]string, error) {
	var q string
	if s.d.name == "sqlite" {
		q = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.name`
	} else {
		q = `SELECT table_name, column_name FROM information_schema.columns
		     WHERE table_schema = current_schema() ORDER BY table_name, column_name`
	}
	rows, err := s.q.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		out[t] = append(out[t], c)
	}
	return out, rows.Err()
}
