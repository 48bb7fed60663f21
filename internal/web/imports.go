package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// jobs holds the imports started from the page: each is checked (a dry
// run) in the background, shown for review, then imported in the background
// while the page polls its progress. Jobs live in this process's memory.
type jobs struct {
	dir string
	mu  sync.Mutex
	m   map[string]*job
}

type job struct {
	Token    string
	Kind     string
	Path     string
	FileName string
	Sheet    string
	Mapping  string
	Columns  map[transfer.Field]string
	Created  time.Time

	mu      sync.Mutex
	state   string // checking, checked, running, done, failed
	done    int64
	total   int64
	check   *app.ImportResult
	result  *app.ImportResult
	err     error
	checked bool
}

func newJobs(dir string) *jobs { return &jobs{dir: dir, m: map[string]*job{}} }

func (js *jobs) add(j *job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	// Forget jobs older than a day, with their files.
	for k, old := range js.m {
		if time.Since(old.Created) > 24*time.Hour {
			os.Remove(old.Path)
			delete(js.m, k)
		}
	}
	js.m[j.Token] = j
}

func (js *jobs) get(token string) (*job, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.m[token]
	if !ok {
		return nil, crm.ErrNotFound
	}
	return j, nil
}

func (j *job) snapshot() (state string, done, total int64, check, result *app.ImportResult, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state, j.done, j.total, j.check, j.result, j.err
}

// start runs a dry run or the import in the background.
func (h *handler) start(j *job, dry bool, saveAs string) {
	j.mu.Lock()
	j.state, j.done, j.err = "checking", 0, nil
	if !dry {
		j.state = "running"
	}
	j.mu.Unlock()
	go func() {
		req := app.ImportRequest{Kind: j.Kind, Path: j.Path, FileName: j.FileName, Sheet: j.Sheet, Columns: j.Columns,
			MappingName: j.Mapping, DryRun: dry, SaveMappingAs: saveAs, PreviewRows: 20,
			Progress: func(done, total int64) {
				j.mu.Lock()
				j.done, j.total = done, total
				j.mu.Unlock()
			}}
		res, err := h.app.Import(context.Background(), "local:web", req)
		if err == nil && !dry {
			// Lists filter by the stored standings: bring them up to date
			// before the page says the import is done.
			if serr := h.app.EnsureStandings(context.Background()); serr != nil {
				h.log.Error("recompute standings after import", "err", serr)
			}
		}
		j.mu.Lock()
		defer j.mu.Unlock()
		j.err = err
		switch {
		case dry:
			j.check, j.state = res, "checked"
		case err != nil:
			j.result, j.state = res, "failed"
		default:
			j.result, j.state = res, "done"
			os.Remove(j.Path)
		}
	}()
}

type importPage struct {
	layout
	Mappings []store.SavedMapping
	Batches  []store.Batch
	Error    string
}

func (h *handler) newImport(w http.ResponseWriter, r *http.Request) error {
	return h.importForm(w, r, http.StatusOK, "")
}

func (h *handler) importForm(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	d := importPage{layout: h.layout(r, "import", "nav.import"), Error: msg}
	var err error
	if d.Mappings, err = h.app.Mappings(r.Context(), app.KindRevenue); err != nil {
		return err
	}
	more, err := h.app.Mappings(r.Context(), app.KindAccounts)
	if err != nil {
		return err
	}
	d.Mappings = append(d.Mappings, more...)
	if d.Batches, err = h.app.Batches(r.Context(), 20); err != nil {
		return err
	}
	return h.render(w, status, "import/upload.html", d)
}

func token() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *handler) uploadImport(w http.ResponseWriter, r *http.Request) error {
	p := printer(r)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<30)
	mr, err := r.MultipartReader()
	if err != nil {
		return h.importForm(w, r, http.StatusBadRequest, p.T("import.error.no_file"))
	}
	j := &job{Token: token(), Created: time.Now()}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return h.importForm(w, r, http.StatusBadRequest, p.T("import.error.upload", err.Error()))
		}
		switch part.FormName() {
		case "file":
			j.FileName = filepath.Base(part.FileName())
			if j.FileName == "." || j.FileName == "" {
				continue
			}
			j.Path = filepath.Join(h.jobs.dir, j.Token+filepath.Ext(j.FileName))
			f, err := os.Create(j.Path)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, part)
			f.Close()
			if err != nil {
				os.Remove(j.Path)
				return h.importForm(w, r, http.StatusBadRequest, p.T("import.error.upload", err.Error()))
			}
		case "kind", "sheet", "mapping":
			b, _ := io.ReadAll(io.LimitReader(part, 1000))
			v := strings.TrimSpace(string(b))
			switch part.FormName() {
			case "kind":
				j.Kind = v
			case "sheet":
				j.Sheet = v
			case "mapping":
				j.Mapping = v
			}
		}
	}
	if j.Path == "" {
		return h.importForm(w, r, http.StatusUnprocessableEntity, p.T("import.error.no_file"))
	}
	if j.Kind != app.KindAccounts && j.Kind != app.KindRevenue {
		os.Remove(j.Path)
		return h.importForm(w, r, http.StatusUnprocessableEntity, p.T("import.error.kind"))
	}
	h.jobs.add(j)
	h.start(j, true, "")
	http.Redirect(w, r, "/import/"+j.Token, http.StatusSeeOther)
	return nil
}

type jobPage struct {
	layout
	Job      *job
	State    string
	Done     int64
	Total    int64
	Check    *app.ImportResult
	Result   *app.ImportResult
	Error    string
	Fields   []transfer.Field
	Required map[transfer.Field]bool
}

func (h *handler) showImport(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobs.get(r.PathValue("token"))
	if err != nil {
		return err
	}
	d := jobPage{layout: h.layout(r, "import", "nav.import"), Job: j}
	var jerr error
	d.State, d.Done, d.Total, d.Check, d.Result, jerr = j.snapshot()
	if jerr != nil {
		d.Error = importErrorText(d.layout, jerr)
	}
	d.Fields = transfer.RevenueFields
	if j.Kind == app.KindAccounts {
		d.Fields = transfer.AccountFields
	}
	return h.render(w, http.StatusOK, "import/job.html", d)
}

// importErrorText says what went wrong with a file as a whole.
func importErrorText(l layout, err error) string {
	return l.T("import.error.file", app.DescribeImportError(l.p, err))
}

func (h *handler) runImport(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobs.get(r.PathValue("token"))
	if err != nil {
		return err
	}
	state, _, _, _, _, _ := j.snapshot()
	if state == "checking" || state == "running" || state == "done" {
		http.Redirect(w, r, "/import/"+j.Token, http.StatusSeeOther)
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	cols := map[transfer.Field]string{}
	fields := transfer.RevenueFields
	if j.Kind == app.KindAccounts {
		fields = transfer.AccountFields
	}
	for _, f := range fields {
		if v := r.PostForm.Get("col_" + string(f)); v != "" {
			cols[f] = v
		}
	}
	j.mu.Lock()
	j.Columns, j.Mapping = cols, ""
	j.mu.Unlock()
	if r.PostForm.Get("action") == "import" {
		h.start(j, false, strings.TrimSpace(r.PostForm.Get("save_mapping")))
	} else {
		h.start(j, true, "")
	}
	http.Redirect(w, r, "/import/"+j.Token, http.StatusSeeOther)
	return nil
}

func (h *handler) importStatus(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobs.get(r.PathValue("token"))
	if err != nil {
		return err
	}
	state, done, total, _, _, jerr := j.snapshot()
	out := map[string]any{"done": done, "total": total, "state": state}
	if state == "checked" {
		out["state"] = "done"
	}
	if jerr != nil {
		out["message"] = jerr.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(out)
}

func (h *handler) importReport(w http.ResponseWriter, r *http.Request) error {
	j, err := h.jobs.get(r.PathValue("token"))
	if err != nil {
		return err
	}
	_, _, _, check, result, _ := j.snapshot()
	res := result
	if res == nil {
		res = check
	}
	if res == nil {
		return crm.ErrNotFound
	}
	format := r.URL.Query().Get("format")
	if format != transfer.FormatCSV && format != transfer.FormatXLSX {
		format = transfer.FormatCSV
	}
	w.Header().Set("Content-Type", transfer.ContentType(format))
	name := strings.TrimSuffix(j.FileName, filepath.Ext(j.FileName))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="rejected.%s"; filename*=UTF-8''%s`, format, urlEscape(name+"-rejected."+format)))
	return app.WriteProblems(w, format, res.Problems, printer(r))
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
