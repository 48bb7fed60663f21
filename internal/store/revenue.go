package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"kam/internal/crm"
)

// Batch is one imported file.
type Batch struct {
	ID              int64
	Kind            string // "accounts" or "revenue"
	FileName        string
	SHA256          string
	Size            int64
	RowsTotal       int64
	RowsAccepted    int64
	RowsRejected    int64
	AccountsCreated int64
	AmountTotal     crm.Money
	Mapping         string // JSON of field → header
	CreatedBy       string
	CreatedAt       time.Time
}

const batchColumns = `id, kind, file_name, file_sha256, file_size, rows_total, rows_accepted, rows_rejected,
	accounts_created, amount_total, mapping, created_by, created_at`

func scanBatch(sc interface{ Scan(...any) error }) (Batch, error) {
	var b Batch
	err := sc.Scan(&b.ID, &b.Kind, &b.FileName, &b.SHA256, &b.Size, &b.RowsTotal, &b.RowsAccepted,
		&b.RowsRejected, &b.AccountsCreated, &b.AmountTotal, &b.Mapping, &b.CreatedBy, &b.CreatedAt)
	return b, err
}

// CreateBatch records an import and returns its ID. The same file imported
// twice (same kind and content hash) is crm.ErrConflict.
func (s *Store) CreateBatch(ctx context.Context, b Batch) (int64, error) {
	const q = `
		INSERT INTO import_batches (kind, file_name, file_sha256, file_size, rows_total, rows_accepted,
			rows_rejected, accounts_created, amount_total, mapping, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING id`
	var id int64
	err := s.q.QueryRowContext(ctx, q, b.Kind, b.FileName, b.SHA256, b.Size, b.RowsTotal, b.RowsAccepted,
		b.RowsRejected, b.AccountsCreated, b.AmountTotal, b.Mapping, b.CreatedBy, b.CreatedAt.UTC()).Scan(&id)
	if s.d.isUnique(err) {
		return 0, crm.ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("store: create batch: %w", err)
	}
	return id, nil
}

// UpdateBatchCounts stores the final counts of a batch.
func (s *Store) UpdateBatchCounts(ctx context.Context, b Batch) error {
	_, err := s.q.ExecContext(ctx, `UPDATE import_batches SET rows_total = $2, rows_accepted = $3, rows_rejected = $4,
		accounts_created = $5, amount_total = $6 WHERE id = $1`,
		b.ID, b.RowsTotal, b.RowsAccepted, b.RowsRejected, b.AccountsCreated, b.AmountTotal)
	if err != nil {
		return fmt.Errorf("store: update batch %d: %w", b.ID, err)
	}
	return nil
}

// BatchBySHA returns the batch of the given kind and file hash.
func (s *Store) BatchBySHA(ctx context.Context, kind, sha string) (Batch, error) {
	b, err := scanBatch(s.q.QueryRowContext(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE kind = $1 AND file_sha256 = $2`, kind, sha))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Batch{}, crm.ErrNotFound
	case err != nil:
		return Batch{}, fmt.Errorf("store: batch: %w", err)
	}
	return b, nil
}

// Batches lists the latest imports, newest first.
func (s *Store) Batches(ctx context.Context, limit int) ([]Batch, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+batchColumns+` FROM import_batches ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: batches: %w", err)
	}
	defer rows.Close()
	var out []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// InsertAccounts inserts accounts in multi-row statements and returns their
// IDs by code. Codes must be new.
func (s *Store) InsertAccounts(ctx context.Context, list []crm.Account, now time.Time) (map[string]int64, error) {
	const cols = 12
	ids := make(map[string]int64, len(list))
	per := min(500, s.d.maxParams/cols)
	for start := 0; start < len(list); start += per {
		chunk := list[start:min(start+per, len(list))]
		var b strings.Builder
		b.WriteString(`INSERT INTO accounts (code, name, search_key, type, industry, region, is_listed, is_leader,
			potential, stage, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(chunk)*cols)
		for i, a := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			s.d.placeholders(&b, len(args), cols)
			args = append(args, a.Code, a.Name, SearchKey(a.Code, a.Name), a.Type, a.Industry, a.Region,
				a.IsListed, a.IsLeader, a.Potential, a.Stage, now.UTC(), now.UTC())
		}
		b.WriteString(` RETURNING id, code`)
		rows, err := s.q.QueryContext(ctx, b.String(), args...)
		if s.d.isUnique(err) {
			return nil, crm.ErrConflict
		}
		if err != nil {
			return nil, fmt.Errorf("store: insert accounts: %w", err)
		}
		for rows.Next() {
			var id int64
			var code string
			if err := rows.Scan(&id, &code); err != nil {
				rows.Close()
				return nil, err
			}
			ids[code] = id
		}
		if err := rows.Close(); err != nil {
			if s.d.isUnique(err) {
				return nil, crm.ErrConflict
			}
			return nil, fmt.Errorf("store: insert accounts: %w", err)
		}
	}
	return ids, nil
}

// UpsertAccountFields updates the descriptive fields of existing accounts
// from an accounts import: empty values in the file leave a field as it is.
func (s *Store) UpsertAccountFields(ctx context.Context, a crm.Account, now time.Time) error {
	const q = `
		UPDATE accounts SET
			name = CASE WHEN $2 = '' THEN name ELSE $2 END,
			search_key = CASE WHEN $2 = '' THEN search_key ELSE $3 END,
			type = CASE WHEN $4 = '' THEN type ELSE $4 END,
			industry = CASE WHEN $5 = '' THEN industry ELSE $5 END,
			region = CASE WHEN $6 = '' THEN region ELSE $6 END,
			is_listed = $7, is_leader = $8,
			potential = CASE WHEN $9 = 0 THEN potential ELSE $9 END,
			version = version + 1, updated_at = $10
		WHERE code = $1`
	_, err := s.q.ExecContext(ctx, q, a.Code, a.Name, SearchKey(a.Code, a.Name), a.Type, a.Industry, a.Region,
		a.IsListed, a.IsLeader, a.Potential, now.UTC())
	if err != nil {
		return fmt.Errorf("store: update account %q: %w", a.Code, err)
	}
	return nil
}

// placeholders writes one row "(…)" of n parameters numbered after first.
func (d dialect) placeholders(b *strings.Builder, first, n int) {
	b.WriteByte('(')
	for j := 1; j <= n; j++ {
		if j > 1 {
			b.WriteByte(',')
		}
		d.bulkParam(b, first+j)
	}
	b.WriteByte(')')
}

// AccountCodes calls fn with the code and ID of every account, as
// EachAccountCode does. Inside a transaction on PostgreSQL it reads them
// with COPY, into one string that the codes are cut from: for 1,000,000
// accounts that took about half the time of the query and its million
// strings.
func (s *Store) AccountCodes(ctx context.Context, fn func(code string, id int64)) error {
	if s.conn == nil {
		return s.EachAccountCode(ctx, fn)
	}
	var buf bytes.Buffer
	err := s.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs the pgx driver, have %T", dc)
		}
		_, err := c.Conn().PgConn().CopyTo(ctx, &buf, `COPY (SELECT code, id FROM accounts) TO STDOUT`)
		return err
	})
	if err == nil {
		err = eachCodeLine(buf.String(), fn)
	}
	if err != nil {
		return fmt.Errorf("store: account codes: %w", err)
	}
	return nil
}

// eachCodeLine reads the text COPY writes for rows of (code, id).
func eachCodeLine(text string, fn func(code string, id int64)) error {
	for text != "" {
		line, rest, ok := strings.Cut(text, "\n")
		if !ok {
			return errors.New("the last line has no end")
		}
		text = rest
		tab := strings.LastIndexByte(line, '\t') // a tab in a code comes escaped
		if tab < 0 || tab == len(line)-1 {
			return fmt.Errorf("bad line %q", line)
		}
		var id int64
		for _, c := range []byte(line[tab+1:]) {
			if c < '0' || c > '9' {
				return fmt.Errorf("bad account ID in %q", line)
			}
			id = id*10 + int64(c-'0')
		}
		fn(copyUnescape(line[:tab]), id)
	}
	return nil
}

// copyUnescape reads a value of COPY's text format. COPY TO escapes a
// backslash and the control characters \b \f \n \r \t \v, and nothing else.
func copyUnescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch c = s[i]; c {
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// LineInsert is a revenue line ready to store.
type LineInsert struct {
	LineNo    int64
	AccountID int64
	Date      crm.Date
	Amount    crm.Money
	Class     string
	Product   string
}

// RevenueWriter inserts revenue lines of one batch: in multi-row INSERT
// statements on SQLite, with COPY on PostgreSQL. It must be used inside
// InTx; call Flush at the end, and Close in any case.
//
// On PostgreSQL a COPY starts once copyChunk lines are queued and then
// stays open, the lines going to the server as they come, until Release or
// Flush ends it: one COPY for a whole import, unless the connection is
// needed for something else in between. While a COPY is open, the
// transaction's connection runs nothing else: call Release before any other
// statement of the transaction.
type RevenueWriter struct {
	s       *Store
	batchID int64
	buf     []LineInsert // INSERT: the lines of the next statement
	stmts   map[int]*sql.Stmt
	sb      strings.Builder
	args    []any
	copyBuf []byte      // COPY: the text of the lines not sent yet, reused
	copyN   int         // lines queued since the last COPY ended
	prefix  []byte      // the batch ID and a tab, which start every line of a COPY
	stream  *copyStream // the COPY in progress, nil when none
}

// copyStream is a COPY in progress: the text written to pw goes to the
// server; done gives the statement's result once pw is closed.
type copyStream struct {
	pw   *io.PipeWriter
	done chan error
}

// revenueParams is how many values an INSERT binds for a line: the batch ID
// is written in the statement, and the class is bound as 0 or 1 (binding
// text costs a copy into C memory in modernc's driver, measured at a tenth
// of a 10,000,000-line import on SQLite).
const revenueParams = 6

// NewRevenueWriter starts writing lines of batch.
func (s *Store) NewRevenueWriter(batchID int64) *RevenueWriter {
	return &RevenueWriter{s: s, batchID: batchID, stmts: map[int]*sql.Stmt{},
		prefix: append(strconv.AppendInt(nil, batchID, 10), '\t')}
}

// revenueChunk is how many rows go in one INSERT: large enough to make the
// per-statement cost vanish, small enough for both engines' parameter limits.
const revenueChunk = 256

const (
	// copyChunk is how many lines are queued before a COPY starts on
	// PostgreSQL: a COPY ended by Release after a few lines would cost more
	// than it saves.
	copyChunk = 50_000
	// copySend is how much text is sent to an open COPY at a time.
	copySend = 64 << 10
)

var errCopyEnded = errors.New("store: the COPY has ended")

// Add queues a line, writing lines when enough are ready.
func (w *RevenueWriter) Add(ctx context.Context, l LineInsert) error {
	if w.s.conn != nil {
		w.copyBuf = w.appendCopyLine(w.copyBuf, l)
		w.copyN++
		switch {
		case w.stream != nil && len(w.copyBuf) >= copySend:
			return w.send()
		case w.stream == nil && w.copyN >= copyChunk:
			w.startCopy(ctx)
			return w.send()
		}
		return nil
	}
	w.buf = append(w.buf, l)
	if len(w.buf) >= revenueChunk {
		return w.Flush(ctx)
	}
	return nil
}

// Release ends the COPY in progress, if there is one, after sending it the
// lines queued, so that the transaction's connection is free for other
// statements until the next Add, which may open a COPY again.
func (w *RevenueWriter) Release(ctx context.Context) error {
	if w.stream == nil {
		return nil
	}
	if err := w.send(); err != nil {
		return err
	}
	return w.endCopy()
}

// startCopy opens a COPY on the transaction's connection, in a goroutine
// that reads the text sent to it.
func (w *RevenueWriter) startCopy(ctx context.Context) {
	pr, pw := io.Pipe()
	st := &copyStream{pw: pw, done: make(chan error, 1)}
	go func() {
		err := w.s.conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: COPY needs the pgx driver, have %T", dc)
			}
			_, err := c.Conn().PgConn().CopyFrom(ctx, pr,
				`COPY revenue_lines (batch_id, line_no, account_id, date, amount, class, product) FROM STDIN`)
			return err
		})
		// A COPY that failed reads no more: let the writer know.
		pr.CloseWithError(errCopyEnded)
		st.done <- err
	}()
	w.stream = st
}

// send writes the queued text to the open COPY.
func (w *RevenueWriter) send() error {
	if len(w.copyBuf) == 0 {
		return nil
	}
	_, err := w.stream.pw.Write(w.copyBuf)
	w.copyBuf = w.copyBuf[:0]
	if err != nil {
		return w.endCopy() // the COPY's own error
	}
	return nil
}

// endCopy ends the open COPY and returns its result.
func (w *RevenueWriter) endCopy() error {
	w.stream.pw.Close()
	err := <-w.stream.done
	w.stream, w.copyN = nil, 0
	if err != nil {
		return fmt.Errorf("store: copy revenue lines: %w", err)
	}
	return nil
}

// appendCopyLine appends l as a line of COPY's text format. The lines are
// written as text here rather than encoded value by value by pgx (measured:
// pgx's encoding took 3.5 s of the 12 s of CPU of a 10,000,000-line import;
// this takes 0.9 s).
func (w *RevenueWriter) appendCopyLine(b []byte, l LineInsert) []byte {
	b = append(b, w.prefix...)
	b = strconv.AppendInt(b, l.LineNo, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, l.AccountID, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(l.Date), 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(l.Amount), 10)
	b = append(b, '\t')
	b = appendCopyText(b, l.Class)
	b = append(b, '\t')
	b = appendCopyText(b, l.Product)
	return append(b, '\n')
}

// copyEscape marks the bytes COPY's text format escapes.
var copyEscape = [256]bool{'\\': true, '\t': true, '\n': true, '\r': true}

// appendCopyText appends s escaped for COPY's text format.
func appendCopyText(b []byte, s string) []byte {
	i := 0
	for i < len(s) && !copyEscape[s[i]] {
		i++
	}
	if i == len(s) {
		return append(b, s...)
	}
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}

// Flush writes the queued lines; on PostgreSQL it ends the COPY.
func (w *RevenueWriter) Flush(ctx context.Context) error {
	if w.s.conn != nil {
		if w.stream == nil {
			if w.copyN == 0 {
				return nil
			}
			w.startCopy(ctx)
		}
		return w.Release(ctx)
	}
	if len(w.buf) == 0 {
		return nil
	}
	stmt, err := w.stmt(ctx, len(w.buf))
	if err != nil {
		return err
	}
	w.args = w.args[:0]
	for _, l := range w.buf {
		var class int64
		switch l.Class {
		case crm.ClassProduct:
		case crm.ClassService:
			class = 1
		default:
			return fmt.Errorf("store: insert revenue lines: line %d: class %q is neither %s nor %s", l.LineNo, l.Class, crm.ClassProduct, crm.ClassService)
		}
		w.args = append(w.args, l.LineNo, l.AccountID, int64(l.Date), int64(l.Amount), class, l.Product)
	}
	if _, err := stmt.ExecContext(ctx, w.args...); err != nil {
		return fmt.Errorf("store: insert revenue lines: %w", err)
	}
	w.buf = w.buf[:0]
	return nil
}

func (w *RevenueWriter) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := w.stmts[n]; ok {
		return st, nil
	}
	w.sb.Reset()
	w.sb.WriteString(`INSERT INTO revenue_lines (batch_id, line_no, account_id, date, amount, class, product) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			w.sb.WriteByte(',')
		}
		p := i * revenueParams
		w.sb.WriteByte('(')
		w.sb.Write(w.prefix[:len(w.prefix)-1]) // the batch ID
		for j := 1; j <= 4; j++ {
			w.sb.WriteByte(',')
			w.s.d.bulkParam(&w.sb, p+j)
		}
		w.sb.WriteString(`,CASE `)
		w.s.d.bulkParam(&w.sb, p+5)
		w.sb.WriteString(` WHEN 1 THEN 'SERVICE' ELSE 'PRODUCT' END,`)
		w.s.d.bulkParam(&w.sb, p+6)
		w.sb.WriteByte(')')
	}
	var (
		st  *sql.Stmt
		err error
	)
	if w.s.prep != nil {
		st, err = w.s.prep(ctx, w.sb.String())
	} else {
		st, err = w.s.db.PrepareContext(ctx, w.sb.String())
	}
	if err != nil {
		return nil, fmt.Errorf("store: prepare revenue insert: %w", err)
	}
	w.stmts[n] = st
	return st, nil
}

// Close releases the prepared statements and abandons a COPY in progress:
// what it wrote is discarded with the transaction.
func (w *RevenueWriter) Close() {
	if w.stream != nil {
		w.stream.pw.CloseWithError(errCopyEnded)
		<-w.stream.done
		w.stream = nil
	}
	for _, st := range w.stmts {
		st.Close()
	}
}

// LedgerEntry is a revenue line as the in-memory ledger keeps it.
type LedgerEntry struct {
	AccountID int64
	Date      crm.Date
	Amount    crm.Money
	Service   bool
}

// EachLedgerEntry streams every revenue line of batches after afterBatch.
func (s *Store) EachLedgerEntry(ctx context.Context, afterBatch int64, fn func(LedgerEntry)) error {
	q := `SELECT account_id, date, amount, class FROM revenue_lines`
	var args []any
	if afterBatch > 0 {
		q += ` WHERE batch_id > $1`
		args = append(args, afterBatch)
	}
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: revenue lines: %w", err)
	}
	defer rows.Close()
	var e LedgerEntry
	var class string
	var date int32
	for rows.Next() {
		if err := rows.Scan(&e.AccountID, &date, &e.Amount, &class); err != nil {
			return fmt.Errorf("store: revenue lines: %w", err)
		}
		e.Date = crm.Date(date)
		e.Service = class == crm.ClassService
		fn(e)
	}
	return rows.Err()
}

// LedgerSize returns the number of revenue lines the batches after
// afterBatch were stored with, by the batches' counts: a hint for sizing
// memory before EachLedgerEntry, not an exact count.
func (s *Store) LedgerSize(ctx context.Context, afterBatch int64) (int64, error) {
	var n sql.NullInt64
	err := s.q.QueryRowContext(ctx, `SELECT SUM(rows_accepted) FROM import_batches WHERE kind = 'revenue' AND id > $1`, afterBatch).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: ledger size: %w", err)
	}
	return n.Int64, nil
}

// LastBatchID returns the highest batch ID, 0 when nothing was imported.
func (s *Store) LastBatchID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.q.QueryRowContext(ctx, `SELECT MAX(id) FROM import_batches`).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last batch: %w", err)
	}
	return id.Int64, nil
}

// DataState tells readers whether revenue changed since they last looked:
// the last batch and a counter bumped by any change that is not a new batch.
type DataState struct {
	LastBatch int64
	Epoch     int64
}

// DataState returns the current state.
func (s *Store) DataState(ctx context.Context) (DataState, error) {
	v, err := s.Versions(ctx)
	return v.Data, err
}
