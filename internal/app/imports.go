package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// Import kinds.
const (
	KindAccounts = "accounts"
	KindRevenue  = "revenue"
)

// ImportRequest is one file to import.
type ImportRequest struct {
	Kind     string // KindAccounts or KindRevenue
	Path     string // the file on disk
	FileName string // the name the user knows it by, for messages; defaults to the base of Path
	Sheet    string
	Format   string
	// Columns maps fields to headers explicitly; MappingName loads a saved
	// mapping first (explicit columns override it); SaveMappingAs saves the
	// mapping that was used under that name.
	Columns       map[transfer.Field]string
	MappingName   string
	SaveMappingAs string
	DryRun        bool
	PreviewRows   int
	// Progress, when set, is called now and then with the bytes read and the
	// file size.
	Progress func(done, total int64)
}

// Problem is a row that could not be used, with the reason as a stable code
// (translated by the adapters as "import.problem.<code>").
type Problem struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Field  string `json:"field"`
	Value  string `json:"value"`
	Code   string `json:"code"`
}

// PreviewRow is a row as it will be stored.
type PreviewRow struct {
	Row      int       `json:"row"`
	Account  string    `json:"account"`
	Name     string    `json:"name"`
	Date     crm.Date  `json:"date"`
	Amount   crm.Money `json:"amount"`
	Class    string    `json:"class"`
	Product  string    `json:"product"`
	Type     string    `json:"type"`
	Region   string    `json:"region"`
	Industry string    `json:"industry"`
}

// ImportResult reports an import or a dry run.
type ImportResult struct {
	Kind     string
	FileName string
	Info     transfer.TableInfo
	Header   []string                  // the file's column headers
	Mapping  map[transfer.Field]string // field → header used
	DryRun   bool
	Batch    store.Batch // counts; ID 0 on a dry run
	Preview  []PreviewRow
	// Problems holds the first MaxProblems problems; ProblemRows counts every
	// rejected row, NoAccountRows those rejected for lacking an account code.
	Problems      []Problem
	ProblemRows   int64
	NoAccountRows int64
	Elapsed       time.Duration
}

// MaxProblems bounds the problems kept in memory; the counts stay exact.
const MaxProblems = 100_000

// ImportError is a problem with the file as a whole: nothing was imported.
type ImportError struct {
	Code string // "already_imported", "no_rows", "mapping", "read"
	Err  error
	Prev *store.Batch // for already_imported
}

func (e *ImportError) Error() string {
	if e.Prev != nil {
		return fmt.Sprintf("this file was already imported as batch %d (%s, %s): nothing was changed", e.Prev.ID, e.Prev.FileName, e.Prev.CreatedAt.Format("2006-01-02 15:04"))
	}
	return e.Err.Error()
}

func (e *ImportError) Unwrap() error { return e.Err }

// Import reads a file of accounts or revenue lines and stores every accepted
// row in one transaction: all of them or, on any failure, none. Rows that
// cannot be used are reported one by one and skipped. The same file imported
// twice is refused, so revenue is never counted twice.
func (a *App) Import(ctx context.Context, actor string, req ImportRequest) (*ImportResult, error) {
	start := time.Now()
	if req.Kind != KindAccounts && req.Kind != KindRevenue {
		return nil, fmt.Errorf("import: unknown kind %q (want accounts or revenue)", req.Kind)
	}
	if req.FileName == "" {
		req.FileName = filepath.Base(req.Path)
	}
	if req.PreviewRows == 0 {
		req.PreviewRows = 10
	}
	// The file is hashed in the background while it is opened and, for
	// revenue, while the account codes load. Whether it was imported before
	// is still decided before anything is written, and that answer comes
	// before any other: fresh gives it, and every path waits for it.
	hash := hashFile(req.Path)
	var (
		sum      string
		size     int64
		checked  bool
		freshErr error
	)
	fresh := func(s *store.Store) error {
		if checked {
			return freshErr
		}
		checked = true
		var err error
		if sum, size, err = hash.wait(); err != nil {
			freshErr = &ImportError{Code: "read", Err: err}
		} else if prev, err := s.BatchBySHA(ctx, req.Kind, sum); err == nil {
			freshErr = &ImportError{Code: "already_imported", Prev: &prev, Err: crm.ErrConflict}
		} else if !errors.Is(err, crm.ErrNotFound) {
			freshErr = err
		}
		return freshErr
	}
	defer hash.wait()
	table, err := transfer.Open(req.Path, transfer.OpenOptions{Sheet: req.Sheet, Format: req.Format})
	if err != nil {
		if ferr := fresh(a.store); ferr != nil {
			return nil, ferr
		}
		return nil, &ImportError{Code: "read", Err: fmt.Errorf("%s: %w", req.FileName, err)}
	}
	defer table.Close()

	explicit := map[transfer.Field]string{}
	if req.MappingName != "" {
		saved, err := a.store.Mapping(ctx, req.Kind, req.MappingName)
		if err != nil {
			if ferr := fresh(a.store); ferr != nil {
				return nil, ferr
			}
			return nil, &ImportError{Code: "mapping", Err: fmt.Errorf("saved mapping %q: %w", req.MappingName, err)}
		}
		if err := json.Unmarshal([]byte(saved.Columns), &explicit); err != nil {
			if ferr := fresh(a.store); ferr != nil {
				return nil, ferr
			}
			return nil, err
		}
	}
	for f, h := range req.Columns {
		explicit[f] = h
	}
	fields := transfer.RevenueFields
	if req.Kind == KindAccounts {
		fields = transfer.AccountFields
	}
	res := &ImportResult{Kind: req.Kind, FileName: req.FileName, Info: table.Info(), DryRun: req.DryRun,
		Header: append([]string(nil), table.Header()...)}
	mapping, err := transfer.MapColumns(table.Header(), explicit, fields)
	if err != nil {
		if ferr := fresh(a.store); ferr != nil {
			return nil, ferr
		}
		return res, &ImportError{Code: "mapping", Err: fmt.Errorf("%s: %w", req.FileName, err)}
	}
	used := map[transfer.Field]string{}
	for f, i := range mapping.Index {
		used[f] = mapping.Header[i]
	}
	usedJSON, _ := json.Marshal(used)
	res.Mapping = used
	res.Batch = store.Batch{Kind: req.Kind, FileName: req.FileName, Mapping: string(usedJSON),
		CreatedBy: actor, CreatedAt: a.now()}

	run := func(tx *store.Store) error {
		imp := &importer{app: a, tx: tx, req: &req, res: res, table: table, mapping: mapping, ctx: ctx}
		if req.Kind == KindRevenue {
			var err error
			if imp.codes, err = loadCodeIndex(ctx, tx); err != nil {
				if ferr := fresh(tx); ferr != nil {
					return ferr
				}
				return err
			}
		}
		if err := fresh(tx); err != nil {
			return err
		}
		res.Batch.SHA256, res.Batch.Size = sum, size
		if !req.DryRun {
			id, err := tx.CreateBatch(ctx, res.Batch)
			if errors.Is(err, crm.ErrConflict) {
				prev, _ := tx.BatchBySHA(ctx, req.Kind, sum)
				return &ImportError{Code: "already_imported", Prev: &prev, Err: err}
			}
			if err != nil {
				return err
			}
			res.Batch.ID = id
		}
		if err := imp.run(); err != nil {
			return err
		}
		if res.Batch.RowsTotal == 0 {
			return &ImportError{Code: "no_rows", Err: fmt.Errorf("%s: the file has a header but no data rows", req.FileName)}
		}
		if req.DryRun {
			return nil
		}
		if err := tx.UpdateBatchCounts(ctx, res.Batch); err != nil {
			return err
		}
		if req.SaveMappingAs != "" {
			if err := tx.SaveMapping(ctx, store.SavedMapping{Name: req.SaveMappingAs, Kind: req.Kind, Columns: string(usedJSON), CreatedBy: actor, CreatedAt: a.now()}); err != nil {
				return err
			}
		}
		summary := map[string]any{"file": req.FileName, "rows": res.Batch.RowsTotal, "accepted": res.Batch.RowsAccepted,
			"rejected": res.Batch.RowsRejected, "accounts_created": res.Batch.AccountsCreated, "amount": res.Batch.AmountTotal.String()}
		return tx.Audit(ctx, audit(a.now(), actor, "import", "batch", res.Batch.ID, nil, summary))
	}
	if req.DryRun {
		err = run(a.store)
	} else {
		err = a.store.InTx(ctx, run)
	}
	if err != nil {
		if freshErr != nil {
			return nil, freshErr // as if refused before the transaction
		}
		res.Batch.ID = 0
		return res, err
	}
	res.Elapsed = time.Since(start)
	if !req.DryRun {
		// Reports read the ledger and see the new lines at once. The
		// standings stored on accounts (what lists filter and sort by) are
		// recomputed by EnsureStandings: kam serve runs it in the
		// background, so a large import does not wait for it.
		a.invalidate()
	}
	return res, nil
}

// fileHash is the SHA-256 and size of a file, computed in a goroutine.
type fileHash struct {
	done chan struct{}
	sum  string
	size int64
	err  error
}

func hashFile(path string) *fileHash {
	h := &fileHash{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		h.sum, h.size, h.err = fileSHA256(path)
	}()
	return h
}

// wait returns the hash once it is known.
func (h *fileHash) wait() (string, int64, error) {
	<-h.done
	return h.sum, h.size, h.err
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	if n == 0 {
		return "", 0, fmt.Errorf("%s: the file is empty", filepath.Base(path))
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// importer is the state of one import run.
type importer struct {
	app     *App
	tx      *store.Store
	ctx     context.Context
	req     *ImportRequest
	res     *ImportResult
	table   transfer.Table
	mapping transfer.Mapping

	col      columns // the column of each field, read once from mapping
	qtyPrice bool    // amounts are quantity × unit price where the amount cell is empty
	scale    int     // the power of ten of the amount column's unit (万元: 4)

	codes *codeIndex
	// pending are the lines read since the last flush; unresolved those of
	// them whose account is new to this import and has no ID yet.
	pending    []store.LineInsert
	unresolved []unresolvedLine
	newAccs    map[string]crm.Account // codes first seen in this file, not yet stored
	newList    []crm.Account
	writer     *lineSink
	seen       map[string]int // accounts import: code → first row
	lastAcc    accountMemo
}

// columns holds the 0-based column of each field, -1 for a field the file
// has no column for. Rows are read by these indexes: a map lookup per cell
// cost more than parsing the cell on ten million lines.
type columns struct {
	account, name, date, amount, quantity, unitPrice, class, product,
	region, industry, typ, listed, leader, potential int
}

func columnsOf(m transfer.Mapping) columns {
	at := func(f transfer.Field) int {
		if i, ok := m.Index[f]; ok {
			return i
		}
		return -1
	}
	return columns{
		account: at(transfer.FieldAccount), name: at(transfer.FieldAccountName), date: at(transfer.FieldDate),
		amount: at(transfer.FieldAmount), quantity: at(transfer.FieldQuantity), unitPrice: at(transfer.FieldUnitPrice),
		class: at(transfer.FieldClass), product: at(transfer.FieldProduct), region: at(transfer.FieldRegion),
		industry: at(transfer.FieldIndustry), typ: at(transfer.FieldType), listed: at(transfer.FieldListed),
		leader: at(transfer.FieldLeader), potential: at(transfer.FieldPotential),
	}
}

type unresolvedLine struct {
	i    int // in pending
	code string
}

// accountMemo is the account read from the last revenue row whose account
// cells had no problem, with those cells as they were in the file.
type accountMemo struct {
	ok                          bool
	acc                         crm.Account
	name, industry, region, typ string
}

// cell returns the trimmed cell of column i, "" when the row has none.
func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	s := row[i]
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s // nothing to trim: the common case, quicker than TrimSpace
	}
	return strings.TrimSpace(s)
}

// rawCell returns the cell of column i as it is in the file.
func rawCell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}

func (im *importer) problem(line int, f transfer.Field, value, code string) {
	if len(im.res.Problems) < MaxProblems {
		col := ""
		if _, ok := im.mapping.Index[f]; ok {
			col = im.mapping.Column(f)
		}
		im.res.Problems = append(im.res.Problems, Problem{Row: line, Column: col, Field: string(f), Value: truncate(value, 100), Code: code})
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func codeOf(err error) string {
	var ve *transfer.ValueError
	if errors.As(err, &ve) {
		return ve.Code
	}
	return "bad_value"
}

func (im *importer) run() error {
	im.newAccs = map[string]crm.Account{}
	im.col = columnsOf(im.mapping)
	im.qtyPrice = im.col.quantity >= 0 && im.col.unitPrice >= 0
	im.scale = im.mapping.Scale[transfer.FieldAmount]
	if im.req.Kind == KindRevenue && !im.req.DryRun {
		im.writer = newLineSink(im.ctx, im.tx.NewRevenueWriter(im.res.Batch.ID))
		defer im.writer.abort()
	}
	im.seen = map[string]int{}
	size := im.res.Info.Size
	var rowsSinceReport int
	for {
		row, line, err := im.table.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &ImportError{Code: "read", Err: fmt.Errorf("%s: %w", im.req.FileName, err)}
		}
		if blank(row) {
			continue
		}
		im.res.Batch.RowsTotal++
		var ok bool
		if im.req.Kind == KindRevenue {
			ok, err = im.revenueRow(row, line)
		} else {
			ok, err = im.accountRow(row, line)
		}
		if err != nil {
			return err
		}
		if ok {
			im.res.Batch.RowsAccepted++
		} else {
			im.res.Batch.RowsRejected++
		}
		if rowsSinceReport++; rowsSinceReport == 20_000 {
			rowsSinceReport = 0
			if err := im.ctx.Err(); err != nil {
				return err
			}
			if im.req.Progress != nil {
				im.req.Progress(progressOf(im.table, size), size)
			}
		}
	}
	if err := im.flush(); err != nil {
		return err
	}
	if im.writer != nil {
		if err := im.writer.close(); err != nil {
			return err
		}
	}
	if im.req.Progress != nil {
		im.req.Progress(size, size)
	}
	im.res.ProblemRows = im.res.Batch.RowsRejected
	return nil
}

// progressOf returns how far into the file the table has read, when it can tell.
func progressOf(t transfer.Table, size int64) int64 {
	if p, ok := t.(interface{ Offset() int64 }); ok {
		return min(p.Offset(), size)
	}
	return 0
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (im *importer) revenueRow(row []string, line int) (bool, error) {
	code := cell(row, im.col.account)
	ok := true
	if code == "" {
		im.res.NoAccountRows++
		im.problem(line, "account", "", "no_account")
		ok = false
	}
	rawDate := cell(row, im.col.date)
	date, err := transfer.ParseDate(rawDate)
	if err != nil {
		code := codeOf(err)
		if rawDate == "" {
			code = "no_date"
		}
		im.problem(line, "date", rawDate, code)
		ok = false
	}
	var amount crm.Money
	if raw := cell(row, im.col.amount); raw != "" || !im.qtyPrice {
		amount, err = transfer.ParseAmountScale(raw, im.scale)
		if err != nil {
			c := codeOf(err)
			if raw == "" {
				c = "no_amount"
			}
			im.problem(line, "amount", raw, c)
			ok = false
		}
	} else {
		rq, rp := cell(row, im.col.quantity), cell(row, im.col.unitPrice)
		q, err1 := transfer.ParseQuantity(rq)
		p, err2 := transfer.ParsePrice(rp)
		switch {
		case err1 != nil:
			im.problem(line, "quantity", rq, codeOf(err1))
			ok = false
		case err2 != nil:
			im.problem(line, "unit_price", rp, codeOf(err2))
			ok = false
		default:
			if amount, err = transfer.LineAmount(q, p); err != nil {
				im.problem(line, "amount", rq+" × "+rp, codeOf(err))
				ok = false
			}
		}
	}
	rawClass := cell(row, im.col.class)
	class, err := transfer.ParseClass(rawClass)
	if err != nil {
		im.problem(line, "class", rawClass, codeOf(err))
		ok = false
	}
	acc, accOK := im.rowAccount(row, line, code)
	if !ok || !accOK {
		return false, nil
	}
	product := cell(row, im.col.product)
	im.res.Batch.AmountTotal += amount
	if len(im.res.Preview) < im.req.PreviewRows {
		im.res.Preview = append(im.res.Preview, PreviewRow{Row: line, Account: code, Name: acc.Name, Date: date, Amount: amount,
			Class: class, Product: product, Type: acc.Type, Region: acc.Region, Industry: acc.Industry})
	}
	id, known := im.codes.lookup(code)
	if !known {
		im.unresolved = append(im.unresolved, unresolvedLine{i: len(im.pending), code: code})
		if _, queued := im.newAccs[code]; !queued {
			im.newAccs[code] = *acc
		}
	}
	im.pending = append(im.pending, store.LineInsert{LineNo: int64(line), AccountID: id, Date: date, Amount: amount,
		Class: class, Product: truncate(product, 200)})
	if len(im.pending) >= flushLines {
		return true, im.flush()
	}
	return true, nil
}

// flushLines is how many lines of a revenue import are read between flushes.
const flushLines = 4096

// rowAccount returns the account cells of a revenue row as accountFields
// reads them, valid until the next row. The lines of one account mostly
// follow each other with the same cells, so when a row repeats the account
// code and the cells of the last row read without a problem, that answer is
// given again: it is what reading them again would give.
func (im *importer) rowAccount(row []string, line int, code string) (*crm.Account, bool) {
	m := &im.lastAcc
	name, industry := rawCell(row, im.col.name), rawCell(row, im.col.industry)
	region, typ := rawCell(row, im.col.region), rawCell(row, im.col.typ)
	if m.ok && code == m.acc.Code && name == m.name && industry == m.industry && region == m.region && typ == m.typ {
		return &m.acc, true
	}
	m.acc, m.ok = im.accountFields(row, line, code)
	m.name, m.industry, m.region, m.typ = name, industry, region, typ
	return &m.acc, m.ok
}

// accountFields reads the account columns of a row (name, type, region …).
func (im *importer) accountFields(row []string, line int, code string) (crm.Account, bool) {
	acc := crm.Account{Code: code, Name: cell(row, im.col.name), Industry: cell(row, im.col.industry), Region: cell(row, im.col.region)}
	ok := true
	raw := cell(row, im.col.typ)
	t, err := transfer.ParseAccountType(raw)
	if err != nil {
		im.problem(line, "type", raw, codeOf(err))
		ok = false
	}
	acc.Type = t
	if im.req.Kind == KindAccounts {
		for _, c := range []struct {
			f   transfer.Field
			i   int
			dst *bool
		}{{"listed", im.col.listed, &acc.IsListed}, {"leader", im.col.leader, &acc.IsLeader}} {
			raw := cell(row, c.i)
			b, err := transfer.ParseBool(raw)
			if err != nil {
				im.problem(line, c.f, raw, codeOf(err))
				ok = false
			}
			*c.dst = b
		}
		if raw := cell(row, im.col.potential); raw != "" {
			p, err := transfer.ParseAmountScale(raw, im.mapping.Scale["potential"])
			if err != nil || p < 0 {
				im.problem(line, "potential", raw, "bad_amount")
				ok = false
			}
			acc.Potential = p
		}
	}
	if acc.Name == "" {
		acc.Name = code
	}
	if tooLong(acc.Name, 200) || tooLong(code, 64) {
		im.problem(line, "account", code, "too_long")
		ok = false
	}
	return acc, ok
}

// tooLong reports whether s has more than n characters.
func tooLong(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

func (im *importer) accountRow(row []string, line int) (bool, error) {
	code := cell(row, im.col.account)
	if code == "" {
		im.res.NoAccountRows++
		im.problem(line, "account", "", "no_account")
		return false, nil
	}
	if _, dup := im.seen[code]; dup {
		im.problem(line, "account", code, "duplicate_account")
		return false, nil
	}
	acc, ok := im.accountFields(row, line, code)
	if !ok {
		return false, nil
	}
	if len(im.seen) < 5_000_000 {
		im.seen[code] = line
	}
	if len(im.res.Preview) < im.req.PreviewRows {
		im.res.Preview = append(im.res.Preview, PreviewRow{Row: line, Account: code, Name: acc.Name, Type: acc.Type, Region: acc.Region, Industry: acc.Industry})
	}
	im.newList = append(im.newList, acc)
	if len(im.newList) >= 1024 {
		return true, im.flushAccounts()
	}
	return true, nil
}

// flushAccounts stores queued accounts of an accounts import: new codes are
// inserted, known ones updated.
func (im *importer) flushAccounts() error {
	if len(im.newList) == 0 {
		return nil
	}
	codes := make([]string, len(im.newList))
	for i, a := range im.newList {
		codes[i] = a.Code
	}
	known, err := im.tx.AccountIDs(im.ctx, codes)
	if err != nil {
		return err
	}
	var fresh []crm.Account
	for _, a := range im.newList {
		if _, ok := known[a.Code]; ok {
			if !im.req.DryRun {
				if err := im.tx.UpsertAccountFields(im.ctx, a, im.app.now()); err != nil {
					return err
				}
			}
			continue
		}
		fresh = append(fresh, a)
	}
	im.res.Batch.AccountsCreated += int64(len(fresh))
	if !im.req.DryRun && len(fresh) > 0 {
		if _, err := im.tx.InsertAccounts(im.ctx, fresh, im.app.now()); err != nil {
			return err
		}
	}
	im.newList = im.newList[:0]
	return nil
}

// flush resolves the account codes of the pending lines, creating accounts
// first seen in this file, and writes the lines.
func (im *importer) flush() error {
	if im.req.Kind == KindAccounts {
		return im.flushAccounts()
	}
	if len(im.newAccs) > 0 {
		fresh := make([]crm.Account, 0, len(im.newAccs))
		for _, acc := range im.newAccs {
			fresh = append(fresh, acc)
		}
		// Insert in code order so that the IDs they get are deterministic.
		slices.SortFunc(fresh, func(a, b crm.Account) int { return strings.Compare(a.Code, b.Code) })
		im.res.Batch.AccountsCreated += int64(len(fresh))
		if im.req.DryRun {
			for _, a := range fresh {
				im.codes.add(a.Code, 0) // nothing is written on a dry run
			}
		} else {
			var created map[string]int64
			insert := func() error {
				var err error
				created, err = im.tx.InsertAccounts(im.ctx, fresh, im.app.now())
				return err
			}
			var err error
			if im.writer != nil {
				err = im.writer.exec(insert) // between two COPYs of the writer
			} else {
				err = insert()
			}
			if err != nil {
				return err
			}
			for c, id := range created {
				im.codes.add(c, id)
			}
		}
		clear(im.newAccs)
	}
	if im.writer != nil {
		for _, u := range im.unresolved {
			id, ok := im.codes.lookup(u.code)
			if !ok {
				return fmt.Errorf("import: account %q vanished during the import", u.code)
			}
			im.pending[u.i].AccountID = id
		}
		if err := im.writer.send(im.pending); err != nil {
			return err
		}
		// The writer owns the chunk now; the next one is a buffer it has
		// finished with, or a new one.
		im.pending = im.writer.buffer()
	}
	im.pending = im.pending[:0]
	im.unresolved = im.unresolved[:0]
	return nil
}

// Mappings lists the saved column mappings of an import kind.
func (a *App) Mappings(ctx context.Context, kind string) ([]store.SavedMapping, error) {
	return a.store.Mappings(ctx, kind)
}

// Batches lists the latest imports.
func (a *App) Batches(ctx context.Context, limit int) ([]store.Batch, error) {
	return a.store.Batches(ctx, limit)
}
