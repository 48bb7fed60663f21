package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"kam/internal/crm"
)

const accountColumns = `id, code, name, type, industry, region, is_listed, is_leader, potential, stage,
	cur_revenue, cur_tier, cur_band, version, created_at, updated_at,
	COALESCE(owner_id, 0), owner_department, COALESCE(sales_rep_id, 0)`

func scanAccount(sc interface{ Scan(...any) error }) (crm.Account, error) {
	var a crm.Account
	var version int
	err := sc.Scan(&a.ID, &a.Code, &a.Name, &a.Type, &a.Industry, &a.Region, &a.IsListed, &a.IsLeader,
		&a.Potential, &a.Stage, &a.Revenue, &a.Tier, &a.Band, &version, &a.CreatedAt, &a.UpdatedAt,
		&a.OwnerID, &a.OwnerDepartment, &a.SalesRepID)
	a.Version = version
	return a, err
}

// Account returns the account with the given ID.
func (s *Store) Account(ctx context.Context, id int64) (crm.Account, error) {
	a, err := scanAccount(s.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return crm.Account{}, crm.ErrNotFound
	case err != nil:
		return crm.Account{}, fmt.Errorf("store: account %d: %w", id, err)
	}
	return a, nil
}

// AccountByCode returns the account with the given customer code.
func (s *Store) AccountByCode(ctx context.Context, code string) (crm.Account, error) {
	a, err := scanAccount(s.q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE code = $1`, code))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return crm.Account{}, crm.ErrNotFound
	case err != nil:
		return crm.Account{}, fmt.Errorf("store: account %q: %w", code, err)
	}
	return a, nil
}

// CreateAccount inserts a and returns its ID. A duplicate code is crm.ErrConflict.
func (s *Store) CreateAccount(ctx context.Context, a crm.Account, now time.Time) (int64, error) {
	const q = `
		INSERT INTO accounts (code, name, search_key, type, industry, region, is_listed, is_leader,
			potential, stage, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		RETURNING id`
	var id int64
	err := s.q.QueryRowContext(ctx, q, a.Code, a.Name, SearchKey(a.Code, a.Name), a.Type, a.Industry, a.Region,
		a.IsListed, a.IsLeader, a.Potential, a.Stage, now.UTC()).Scan(&id)
	if s.d.isUnique(err) {
		return 0, crm.ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("store: create account %q: %w", a.Code, err)
	}
	return id, s.bumpState(ctx, "accounts_epoch")
}

// UpdateAccount saves the editable fields of a if its version is still
// a.Version; a later save over an earlier one is crm.ErrConflict.
func (s *Store) UpdateAccount(ctx context.Context, a crm.Account, now time.Time) error {
	const q = `
		UPDATE accounts SET code = $2, name = $3, search_key = $4, type = $5, industry = $6, region = $7,
			is_listed = $8, is_leader = $9, potential = $10, version = version + 1, updated_at = $11
		WHERE id = $1 AND version = $12`
	res, err := s.q.ExecContext(ctx, q, a.ID, a.Code, a.Name, SearchKey(a.Code, a.Name), a.Type, a.Industry,
		a.Region, a.IsListed, a.IsLeader, a.Potential, now.UTC(), a.Version)
	if s.d.isUnique(err) {
		return crm.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: update account %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Account(ctx, a.ID); err != nil {
			return err
		}
		return crm.ErrConflict
	}
	return s.bumpState(ctx, "accounts_epoch")
}

// AccountFilter selects and orders accounts for the list.
type AccountFilter struct {
	Query    string
	Tier     string
	Band     string
	Region   string
	Industry string
	Type     string
	IDs      []int64 // when set, only these accounts
	// People, when not nil, is a data scope: only accounts owned by or
	// attached (as sales rep) to one of these people.
	People  []int64
	Sort    string // "revenue" (default, highest first), "name", "code"
	Page    int    // from 1
	PerPage int
}

// Sorts lists the valid AccountFilter.Sort values.
var Sorts = []string{"revenue", "name", "code"}

func (f AccountFilter) where() (string, []any) {
	var cond []string
	var args []any
	add := func(c string, v any) {
		args = append(args, v)
		cond = append(cond, strings.ReplaceAll(c, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Query != "" {
		add(`search_key LIKE ? ESCAPE '\'`, SearchPattern(f.Query))
	}
	if f.Tier != "" {
		add(`cur_tier = ?`, f.Tier)
	}
	if f.Band != "" {
		add(`cur_band = ?`, f.Band)
	}
	if f.Region != "" {
		add(`region = ?`, f.Region)
	}
	if f.Industry != "" {
		add(`industry = ?`, f.Industry)
	}
	if f.Type != "" {
		add(`type = ?`, f.Type)
	}
	if f.IDs != nil {
		cond = append(cond, "id IN ("+inList(&args, f.IDs)+")")
	}
	if f.People != nil {
		in := inList(&args, f.People)
		cond = append(cond, "(owner_id IN ("+in+") OR sales_rep_id IN ("+in+"))")
	}
	if len(cond) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(cond, " AND "), args
}

// Accounts returns one page of accounts matching f, and how many match in all.
func (s *Store) Accounts(ctx context.Context, f AccountFilter) ([]crm.Account, int, error) {
	where, args := f.where()
	nWhere := len(args)
	order := " ORDER BY cur_revenue DESC, id"
	switch f.Sort {
	case "name":
		order = " ORDER BY name, id"
	case "code":
		order = " ORDER BY code"
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
	q := `SELECT ` + accountColumns + ` FROM accounts` + where + order +
		fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	var out []crm.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: accounts: %w", err)
	}
	// A first page that holds every match needs no count: one shorter than a
	// page, or one of no more IDs than a page (the lists served from the
	// in-memory index ask for one page of IDs; the count was a quarter of
	// such a request's time under load).
	if f.Page == 1 && (len(out) < f.PerPage || (f.IDs != nil && len(f.IDs) <= f.PerPage)) {
		return out, len(out), nil
	}
	var total int
	if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`+where, args[:nWhere]...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count accounts: %w", err)
	}
	return out, total, nil
}

// dropStandingIndexes drops, on SQLite, the indexes of accounts on the
// standing columns when most accounts' standings change, and returns the
// statements that build them again. Through the small page cache of
// WriteStandings, moving a million entries of three indexes one by one took
// 10–13 s longer than with 64 MB (measured at 1,000,000 accounts), and the
// large cache cost 110 MB of resident memory; building them again by sorting
// is faster than either. Readers keep the old indexes until the commit (WAL).
// PostgreSQL keeps its indexes: dropping one locks the table against readers
// until the commit.
func (s *Store) dropStandingIndexes(ctx context.Context) ([]string, error) {
	if s.d.name != "sqlite" {
		return nil, nil
	}
	var changed, total int64
	err := s.q.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM standings_new n JOIN accounts a ON a.id = n.id
		 WHERE a.cur_revenue <> n.revenue OR a.cur_tier <> n.tier OR a.cur_band <> n.band OR a.cur_rank <> n.rnk),
		(SELECT COUNT(*) FROM accounts)`).Scan(&changed, &total)
	if err != nil || changed*5 < total {
		return nil, err
	}
	// The indexes as the migrations made them, whatever they are now.
	rows, err := s.q.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, create []string
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.Contains(q, "cur_") {
			names, create = append(names, name), append(create, q)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := s.q.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, err
		}
	}
	return create, nil
}

// AccountsByID returns the accounts with the given IDs, in that order
// (IDs that do not exist are left out).
func (s *Store) AccountsByID(ctx context.Context, ids []int64) ([]crm.Account, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString(`SELECT ` + accountColumns + ` FROM accounts WHERE id IN `)
	s.d.placeholders(&b, 0, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.query(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]crm.Account, len(ids))
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("store: accounts: %w", err)
		}
		byID[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	out := make([]crm.Account, 0, len(byID))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// stmtCache keeps prepared statements by their text.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// query runs a read, through a statement prepared once per text outside
// transactions: modernc's driver prepares every query anew otherwise (a
// fifth of a list request's time at 1,000,000 accounts).
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.cachedStmt(ctx, q)
	if err != nil || st == nil {
		if err != nil {
			return nil, err
		}
		return s.q.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is query for one row: the reads of every request (who is
// signed in, the state of the data) go through it.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.cachedStmt(ctx, q)
	if err != nil || st == nil {
		return s.q.QueryRowContext(ctx, q, args...) // the error, if any, again
	}
	return st.QueryRowContext(ctx, args...)
}

// cachedStmt returns the statement prepared for q, preparing it once; nil
// inside a transaction (statements of the pool cannot run there).
func (s *Store) cachedStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s.stmts == nil || s.inTx {
		return nil, nil
	}
	c := s.stmts
	c.mu.Lock()
	st, ok := c.m[q]
	c.mu.Unlock()
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.m == nil || len(c.m) >= 64 {
			// Texts vary with the length of IN lists: start afresh. A
			// statement closed here is freed once its open rows are.
			for _, old := range c.m {
				old.Close()
			}
			c.m = map[string]*sql.Stmt{}
		}
		if prev, ok := c.m[q]; ok { // prepared meanwhile by another request
			st.Close()
			st = prev
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
	return st, nil
}

// EachAccount streams every account matching f (ignoring paging) in list order.
func (s *Store) EachAccount(ctx context.Context, f AccountFilter, fn func(crm.Account) error) error {
	where, args := f.where()
	rows, err := s.q.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts`+where+` ORDER BY cur_revenue DESC, id`, args...)
	if err != nil {
		return fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Facets returns the distinct non-empty values of a filterable column
// (region, industry), for the list's filter menus.
func (s *Store) Facets(ctx context.Context, column string) ([]string, error) {
	if column != "region" && column != "industry" {
		return nil, fmt.Errorf("store: no facet %q", column)
	}
	// A loose index scan: one index seek per distinct value instead of
	// reading every account (SELECT DISTINCT read all 1,000,000 rows on each
	// list page; measured 55 ms on SQLite and 360 ms on PostgreSQL, against
	// under 2 ms this way). '' sorts first, so "> ''" skips the empty value.
	rows, err := s.q.QueryContext(ctx, `WITH RECURSIVE f(v) AS (
			SELECT MIN(`+column+`) FROM accounts WHERE `+column+` > ''
			UNION ALL
			SELECT (SELECT MIN(`+column+`) FROM accounts WHERE `+column+` > f.v) FROM f WHERE f.v IS NOT NULL)
		SELECT v FROM f WHERE v IS NOT NULL LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Standing is an account's figures for the default period, written by SetStandings.
type Standing struct {
	ID      int64
	Revenue crm.Money
	Tier    string
	Band    string
	Rank    int
}

// SetStandings writes the current standing of every account: those in st get
// their figures, all others are cleared. See WriteStandings.
func (s *Store) SetStandings(ctx context.Context, st []Standing) error {
	return s.WriteStandings(ctx, slices.Values(st))
}

// SQLite page cache (negative: KiB) while standings are written. modernc's
// allocator gives each 4 KiB page of the cache an 8 KiB slot: with the 64 MB
// cache of other writes, kam serve peaked at 456 MB during a recomputation of
// a million accounts (285 MB before it). With the standing indexes built
// again by sorting (see dropStandingIndexes), 8 MB is as fast as 64 MB was
// with them updated in place (21 s against 29–40 s, measured at 1,000,000
// accounts on a busy machine).
const sqliteStandingsCache = "-8192"

// WriteStandings writes the current standing of every account: those st
// yields get their figures, all others are cleared. st is read once, in
// order; ID order is the fastest. The new figures go to a temporary table
// first, and two set-based updates then touch only the accounts whose
// standing changed, so the indexes on the standing columns are rewritten no
// more than they must be. It runs in one transaction.
func (s *Store) WriteStandings(ctx context.Context, st iter.Seq[Standing]) error {
	return s.InTx(ctx, func(tx *Store) error {
		if tx.d.name == "sqlite" {
			if _, err := tx.q.ExecContext(ctx, `PRAGMA cache_size = `+sqliteStandingsCache); err != nil {
				return fmt.Errorf("store: standings: %w", err)
			}
		}
		if _, err := tx.q.ExecContext(ctx, `CREATE TEMP TABLE standings_new (id BIGINT PRIMARY KEY, revenue BIGINT NOT NULL,
			tier TEXT NOT NULL, band TEXT NOT NULL, rnk BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("store: standings: %w", err)
		}
		const cols = 5
		per := min(1000, tx.d.maxParams/cols)
		var b strings.Builder
		args := make([]any, 0, per*cols)
		flush := func() error {
			if len(args) == 0 {
				return nil
			}
			b.Reset()
			b.WriteString(`INSERT INTO standings_new (id, revenue, tier, band, rnk) VALUES `)
			for i := 0; i < len(args); i += cols {
				if i > 0 {
					b.WriteByte(',')
				}
				tx.d.placeholders(&b, i, cols)
			}
			_, err := tx.q.ExecContext(ctx, b.String(), args...)
			args = args[:0]
			return err
		}
		var err error
		for x := range st {
			args = append(args, x.ID, int64(x.Revenue), x.Tier, x.Band, x.Rank)
			if len(args) == per*cols {
				if err = flush(); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("store: standings: %w", err)
		}
		rebuild, err := tx.dropStandingIndexes(ctx)
		if err != nil {
			return fmt.Errorf("store: standings: %w", err)
		}
		var changed int64
		for _, q := range []string{
			`UPDATE accounts SET cur_revenue = 0, cur_tier = '', cur_band = '', cur_rank = 0
			 WHERE (cur_revenue <> 0 OR cur_tier <> '' OR cur_band <> '' OR cur_rank <> 0)
			   AND NOT EXISTS (SELECT 1 FROM standings_new n WHERE n.id = accounts.id)`,
			`UPDATE accounts SET cur_revenue = n.revenue, cur_tier = n.tier, cur_band = n.band, cur_rank = n.rnk
			 FROM standings_new n
			 WHERE accounts.id = n.id
			   AND (accounts.cur_revenue <> n.revenue OR accounts.cur_tier <> n.tier OR accounts.cur_band <> n.band OR accounts.cur_rank <> n.rnk)`,
			`DROP TABLE standings_new`,
		} {
			res, err := tx.q.ExecContext(ctx, q)
			if err != nil {
				return fmt.Errorf("store: standings: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				changed += n
			}
		}
		for _, q := range rebuild {
			if _, err := tx.q.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("store: standings: %w", err)
			}
		}
		// PostgreSQL plans the account list by the statistics of cur_tier and
		// cur_revenue; with the ones of before (all accounts in tier '' after
		// an import) it sorted all of tier D for every page: 1.5 s for page
		// 1,000 at 1,000,000 accounts, against 0.2 s once analysed. Autovacuum
		// would refresh them, but only minutes later, or never where it is off.
		if tx.d.name == "postgres" && changed > 0 {
			if _, err := tx.q.ExecContext(ctx, `ANALYZE accounts`); err != nil {
				return fmt.Errorf("store: standings: %w", err)
			}
		}
		return tx.bumpState(ctx, "accounts_epoch")
	})
}

// inList appends ids to args and returns their placeholders for an IN (…)
// list; no ids gives NULL, which matches nothing.
func inList(args *[]any, ids []int64) string {
	if len(ids) == 0 {
		return "NULL"
	}
	ph := make([]string, len(ids))
	for i, id := range ids {
		*args = append(*args, id)
		ph[i] = fmt.Sprintf("$%d", len(*args))
	}
	return strings.Join(ph, ",")
}
