// Package store keeps KAM's data in SQLite (embedded, the default) or
// PostgreSQL. There is one implementation: every query is one SQL text with
// $1…$n placeholders that both engines run; the few real differences live in
// dialect.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the database. A Store made by InTx runs every query inside that
// transaction.
type Store struct {
	db *sql.DB
	q  querier
	// inTx is set on a Store made by InTx; prep prepares statements on the
	// transaction's connection. On PostgreSQL the transaction is a BEGIN on
	// a dedicated connection (conn) rather than a *sql.Tx, so that bulk
	// writes can reach the driver's COPY protocol on that same connection.
	inTx bool
	prep func(ctx context.Context, q string) (*sql.Stmt, error)
	conn *sql.Conn
	d    dialect
	dsn  string
	// stmts keeps the statements of the hottest reads prepared (see
	// Store.query); nil on a Store made by InTx.
	stmts *stmtCache
}

// dialect is everything that differs between SQLite and PostgreSQL at run
// time. Add a field here rather than testing the engine name elsewhere.
type dialect struct {
	name     string // "sqlite" or "postgres"
	isUnique func(error) bool
	// maxParams bounds the placeholders in one statement, for multi-row inserts.
	maxParams int
	// bulkParam writes the n-th (1-based) placeholder of a generated
	// multi-row statement. SQLite gets "?": modernc's driver looks up the
	// name of every numbered parameter by a linear scan, which makes a
	// statement with thousands of $N parameters quadratic to bind (measured:
	// 55 % of an import's time). Hand-written queries keep $N on both.
	bulkParam func(b *strings.Builder, n int)
	// skipLocked ends the subquery that picks a row to claim: on PostgreSQL
	// a worker passes over rows another one is claiming.
	skipLocked string
	// anyOf is "col is one of the IDs query selects", written so that an OR
	// of it with another indexed condition stays a union of two index
	// searches (data scopes, store.scopeCond). PostgreSQL runs
	// ARRAY(query) once and bitmap-ORs the two; with IN (query) it tested
	// every row against a hashed subplan instead (measured: a member's
	// board column at 100,000 opportunities 90 ms, against 3 ms). SQLite
	// plans IN (query) that way already.
	anyOf func(col, query string) string
}

var sqliteDialect = dialect{
	name: "sqlite",
	isUnique: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
	},
	maxParams: 32766,
	bulkParam: func(b *strings.Builder, n int) { b.WriteByte('?') },
	anyOf:     func(col, query string) string { return col + " IN (" + query + ")" },
}

var postgresDialect = dialect{
	name: "postgres",
	isUnique: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	maxParams:  65535,
	bulkParam:  func(b *strings.Builder, n int) { b.WriteByte('$'); b.WriteString(strconv.Itoa(n)) },
	skipLocked: " FOR UPDATE SKIP LOCKED",
	anyOf:      func(col, query string) string { return col + " = ANY(ARRAY(" + query + "))" },
}

// Open connects to the database named by dsn: a file path or sqlite://path
// for SQLite, a postgres:// or postgresql:// URL for PostgreSQL. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d = postgresDialect
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(20)
			db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		d = sqliteDialect
		db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err == nil {
			// Readers run in parallel under WAL; writers queue on the
			// immediate transaction lock, waiting up to busy_timeout.
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", Redact(dsn), err)
	}
	return &Store{db: db, q: db, d: d, dsn: dsn, stmts: &stmtCache{}}, nil
}

// SQLite page cache sizes (negative: KiB) of a connection that reads and of
// one in a write transaction (see InTx). modernc's allocator takes an 8 KiB
// slot for each 4 KiB page, and kam serve must stay under 300 MB: eight
// pooled connections with 2 MB of pages cost up to 32 MB (64 MB of pages
// were 128 MB). Lists read rows at random, which a larger cache hardly
// helps.
const (
	sqliteReadCache  = "-2048"
	sqliteWriteCache = "-65536"
)

// sqliteDSN turns a path or sqlite:// URL into the driver's DSN with the
// pragmas KAM relies on. busy_timeout comes first so that the later pragmas
// wait for a lock instead of failing on a database another process has open.
// temp_store stays at its default (files): with temp_store=MEMORY the
// statement journal of SetStandings' UPDATE of 1,000,000 accounts was held
// in memory, 700 MB of it (measured: kam serve peaked at 1.27 GB instead of
// 0.52 GB, and was no faster).
func sqliteDSN(dsn string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
	if path == "" {
		path = "kam.db"
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return "file:" + path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=cache_size(" + sqliteReadCache + ")" +
		"&_txlock=immediate&_time_format=sqlite"
}

// Redact hides the password of a database URL, for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// InTx runs fn in a transaction and commits when fn returns nil. fn gets a
// Store whose queries run inside the transaction. Inside a transaction, InTx
// simply runs fn.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	if s.d.name == "postgres" {
		return s.inConnTx(ctx, fn)
	}
	// Writes get a large page cache (an import, the standings of every
	// account); the pooled connections keep a small one otherwise: with 64 MB
	// each, kam serve grew to 640 MB under load at 1,000,000 accounts
	// (measured; 400 MB with 8 MB, and no slower).
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = `+sqliteWriteCache); err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer conn.ExecContext(context.Background(), `PRAGMA cache_size = `+sqliteReadCache)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	if err := fn(&Store{db: s.db, q: tx, inTx: true, prep: tx.PrepareContext, d: s.d, dsn: s.dsn}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// inConnTx runs fn between BEGIN and COMMIT on one pooled connection.
func (s *Store) inConnTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	conn, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	committed := false
	defer func() {
		if !committed {
			// A fresh context: the caller's may be the reason we are here.
			rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, rerr := conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
				// The connection is in an unknown state: drop it from the pool.
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
	}()
	if err := fn(&Store{db: s.db, q: conn, inTx: true, prep: conn.PrepareContext, conn: conn, d: s.d, dsn: s.dsn}); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// begin takes a pooled connection and runs BEGIN on it. A connection the
// server or a cancelled query broke can still be handed out by the pool
// (pgx notices only when it next reads): database/sql retries such a
// connection for plain queries but not on a *sql.Conn, so begin does. BEGIN
// has no effect of its own, so any failure but the context's is retried on
// another connection, up to three, each failed one dropped from the pool.
// (Seen under load: requests failing with "driver: bad connection" after
// others were cancelled mid-query; tested by killing the pool's backends.)
func (s *Store) begin(ctx context.Context) (*sql.Conn, error) {
	var err error
	for range 3 {
		var conn *sql.Conn
		if conn, err = s.db.Conn(ctx); err != nil {
			return nil, fmt.Errorf("store: connection: %w", err)
		}
		if _, err = conn.ExecContext(ctx, "BEGIN"); err == nil {
			return conn, nil
		}
		conn.Raw(func(any) error { return driver.ErrBadConn }) // drop it from the pool
		conn.Close()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("store: begin: %w", err)
}

// Ping checks the connection, for the health endpoint.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Exec runs a statement without results; for maintenance and tests.
func (s *Store) Exec(ctx context.Context, q string, args ...any) error {
	_, err := s.q.ExecContext(ctx, q, args...)
	return err
}
