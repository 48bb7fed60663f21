// Package storetest gives each test a fresh, migrated database: an SQLite
// file copied from a template migrated once per test binary, or, when
// KAM_TEST_POSTGRES_URL is set, a schema of its own on that PostgreSQL server,
// dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kam/internal/store"
)

var (
	templateOnce sync.Once
	templatePath string
	templateErr  error
)

// DSN returns a fresh migrated database's address for t, for tests that start
// the whole program (the CLI) rather than use a Store.
func DSN(t testing.TB) string {
	t.Helper()
	if pg := os.Getenv("KAM_TEST_POSTGRES_URL"); pg != "" {
		return postgresDSN(t, pg)
	}
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kam-storetest-")
		if err != nil {
			templateErr = err
			return
		}
		templatePath = filepath.Join(dir, "template.db")
		s, err := store.Open(context.Background(), templatePath)
		if err != nil {
			templateErr = err
			return
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			templateErr = err
		}
		// Fold the WAL into the main file so a byte copy is complete.
		s.Exec(context.Background(), `PRAGMA wal_checkpoint(TRUNCATE)`)
		s.Close()
	})
	if templateErr != nil {
		t.Fatalf("storetest: template: %v", templateErr)
	}
	body, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kam.db")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// New returns a Store on a fresh migrated database, closed when t ends.
func New(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatalf("storetest: open: %v", err)
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Postgres reports whether tests run on PostgreSQL.
func Postgres() bool { return os.Getenv("KAM_TEST_POSTGRES_URL") != "" }

func postgresDSN(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("storetest: postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("storetest: postgres at %s: %v", store.Redact(base), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return strings.Replace(u.String(), "postgresql://", "postgres://", 1)
}
