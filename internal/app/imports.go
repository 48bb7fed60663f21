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
	sum, size, err := fileSHA256(req.Path)
	if err != nil {
		return nil, &ImportError{Code: "read", Err: err}
	}
	if prev, err := a.store.BatchBySHA(ctx, req.Kind, sum); err == nil {
		return nil, &ImportError{Code: "already_imported", Prev: &prev, Err: crm.ErrConflict}
	} else if !errors.Is(err, crm.ErrNotFound) {
		return nil, err
	}
	table, err := transfer.Open(req.Path, transfer.OpenOptions{Sheet: req.Sheet, Format: req.Format})
	if err != nil {
		return nil, &ImportError{Code: "read", Err: fmt.Errorf("%s: %w", req.FileName, err)}
	}
	defer table.Close()

	explicit := map[transfer.Field]string{}
	if req.MappingName != "" {
		saved, err := a.store.Mapping(ctx, req.Kind, req.MappingName)
		if err != nil {
			return nil, &ImportError{Code: "mapping", Err: fmt.Errorf("saved mapping %q: %w", req.MappingName, err)}
		}
		if err := json.Unmarshal([]byte(saved.Columns), &explicit); err != nil {
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
		return res, &ImportError{Code: "mapping", Err: fmt.Errorf("%s: %w", req.FileName, err)}
	}
	used := map[transfer.Field]string{}
	for f, i := range mapping.Index {
		used[f] = mapping.Header[i]
	}
	usedJSON, _ := json.Marshal(used)
	res.Mapping = used
	res.Batch = store.Batch{Kind: req.Kind, FileName: req.FileName, SHA256: sum, Size: size, Mapping: string(usedJSON),
		CreatedBy: actor, CreatedAt: a.now()}

	run := func(tx *store.Store) error {
		imp := &importer{app: a, tx: tx, req: &req, res: res, table: table, mapping: mapping, ctx: ctx}
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

	codes   *codeIndex
	pending []pendingLine
	newAccs map[string]crm.Account // codes first seen in this file, not yet stored
	newList []crm.Account
	writer  *lineSink
	seen    map[string]int // accounts import: code → first row
}

type pendingLine struct {
	store.LineInsert
	code string
}

func (im *importer) cell(row []string, f transfer.Field) string {
	i, ok := im.mapping.Index[f]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
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
	if im.req.Kind == KindRevenue {
		var err error
		if im.codes, err = loadCodeIndex(im.ctx, im.tx); err != nil {
			return err
		}
	}
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
	code := im.cell(row, "account")
	ok := true
	if code == "" {
		im.res.NoAccountRows++
		im.problem(line, "account", "", "no_account")
		ok = false
	}
	rawDate := im.cell(row, "date")
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
	if raw := im.cell(row, "amount"); raw != "" || !im.hasQtyPrice() {
		amount, err = transfer.ParseAmountScale(raw, im.mapping.Scale["amount"])
		if err != nil {
			c := codeOf(err)
			if raw == "" {
				c = "no_amount"
			}
			im.problem(line, "amount", raw, c)
			ok = false
		}
	} else {
		rq, rp := im.cell(row, "quantity"), im.cell(row, "unit_price")
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
	rawClass := im.cell(row, "class")
	class, err := transfer.ParseClass(rawClass)
	if err != nil {
		im.problem(line, "class", rawClass, codeOf(err))
		ok = false
	}
	acc, accOK := im.accountFields(row, line, code)
	if !ok || !accOK {
		return false, nil
	}
	product := im.cell(row, "product")
	im.res.Batch.AmountTotal += amount
	if len(im.res.Preview) < im.req.PreviewRows {
		im.res.Preview = append(im.res.Preview, PreviewRow{Row: line, Account: code, Name: acc.Name, Date: date, Amount: amount,
			Class: class, Product: product, Type: acc.Type, Region: acc.Region, Industry: acc.Industry})
	}
	im.pending = append(im.pending, pendingLine{LineInsert: store.LineInsert{LineNo: int64(line), Date: date, Amount: amount, Class: class, Product: truncate(product, 200)}, code: code})
	if _, known := im.codes.lookup(code); !known {
		if _, queued := im.newAccs[code]; !queued {
			im.newAccs[code] = acc
		}
	}
	if len(im.pending) >= 4096 {
		return true, im.flush()
	}
	return true, nil
}

func (im *importer) hasQtyPrice() bool {
	_, q := im.mapping.Index["quantity"]
	_, p := im.mapping.Index["unit_price"]
	return q && p
}

// accountFields reads the account columns of a row (name, type, region …).
func (im *importer) accountFields(row []string, line int, code string) (crm.Account, bool) {
	acc := crm.Account{Code: code, Name: im.cell(row, "account_name"), Industry: im.cell(row, "industry"), Region: im.cell(row, "region")}
	ok := true
	raw := im.cell(row, "type")
	t, err := transfer.ParseAccountType(raw)
	if err != nil {
		im.problem(line, "type", raw, codeOf(err))
		ok = false
	}
	acc.Type = t
	if im.req.Kind == KindAccounts {
		for _, f := range []transfer.Field{"listed", "leader"} {
			raw := im.cell(row, f)
			b, err := transfer.ParseBool(raw)
			if err != nil {
				im.problem(line, f, raw, codeOf(err))
				ok = false
			}
			if f == "listed" {
				acc.IsListed = b
			} else {
				acc.IsLeader = b
			}
		}
		if raw := im.cell(row, "potential"); raw != "" {
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
	if len([]rune(acc.Name)) > 200 || len([]rune(code)) > 64 {
		im.problem(line, "account", code, "too_long")
		ok = false
	}
	return acc, ok
}

func (im *importer) accountRow(row []string, line int) (bool, error) {
	code := im.cell(row, "account")
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
			created, err := im.tx.InsertAccounts(im.ctx, fresh, im.app.now())
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
		chunk := make([]store.LineInsert, len(im.pending))
		for i, p := range im.pending {
			id, ok := im.codes.lookup(p.code)
			if !ok {
				return fmt.Errorf("import: account %q vanished during the import", p.code)
			}
			chunk[i] = p.LineInsert
			chunk[i].AccountID = id
		}
		if err := im.writer.send(chunk); err != nil {
			return err
		}
	}
	im.pending = im.pending[:0]
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
