// Package web serves KAM's server-rendered pages: a thin adapter over app.
// Pages are html/template files embedded in the binary, rendered into a
// buffer and written only on success.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/web/static"
)

//go:embed templates
var templateFS embed.FS

// Options configure the pages.
type Options struct {
	Logger *slog.Logger
	Dev    bool // read templates from internal/web/templates on every request
	// UploadDir keeps uploaded files between preview and import; default a
	// directory under the system's temporary directory.
	UploadDir string
}

type handler struct {
	app   *app.App
	log   *slog.Logger
	dev   bool
	pages map[string]*template.Template
	jobs  *jobs
}

// Pages lists every page template; a test parses each.
var Pages = []string{
	"pyramid.html", "targets.html", "settings.html", "error.html",
	"accounts/list.html", "accounts/show.html", "accounts/form.html", "accounts/moved.html",
	"import/upload.html", "import/job.html",
}

// Routes registers every page on mux.
func Routes(mux *http.ServeMux, a *app.App, opt Options) error {
	h := &handler{app: a, log: opt.Logger, dev: opt.Dev}
	if h.log == nil {
		h.log = slog.Default()
	}
	pages, err := parsePages(templateFS)
	if err != nil {
		return err
	}
	h.pages = pages
	dir := opt.UploadDir
	if dir == "" {
		// One directory for every server on the machine: uploads have random
		// names and are removed after import or a day.
		dir = filepath.Join(os.TempDir(), "kam-uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	h.jobs = newJobs(dir)
	h.routes(mux)
	return nil
}

// routes lists every page of the UI, sorted by resource.
func (h *handler) routes(mux *http.ServeMux) {
	mux.Handle("GET /{$}", http.RedirectHandler("/pyramid", http.StatusFound))
	mux.Handle("GET /lang", h.page(h.setLang))
	mux.Handle("GET /accounts", h.page(h.listAccounts))
	mux.Handle("GET /accounts/export", h.page(h.exportAccounts))
	mux.Handle("GET /accounts/new", h.page(h.newAccount))
	mux.Handle("POST /accounts", h.page(h.createAccount))
	mux.Handle("GET /accounts/{id}", h.page(h.showAccount))
	mux.Handle("GET /accounts/{id}/edit", h.page(h.editAccount))
	mux.Handle("POST /accounts/{id}", h.page(h.updateAccount))
	mux.Handle("GET /import", h.page(h.newImport))
	mux.Handle("POST /import", h.page(h.uploadImport))
	mux.Handle("GET /import/{token}", h.page(h.showImport))
	mux.Handle("POST /import/{token}", h.page(h.runImport))
	mux.Handle("GET /import/{token}/status", h.page(h.importStatus))
	mux.Handle("GET /import/{token}/report", h.page(h.importReport))
	mux.Handle("GET /pyramid", h.page(h.showPyramid))
	mux.Handle("GET /pyramid/moved", h.page(h.movedAccounts))
	mux.Handle("GET /settings", h.page(h.showSettings))
	mux.Handle("POST /settings", h.page(h.saveSettings))
	mux.Handle("GET /targets", h.page(h.showTargets))
	mux.Handle("POST /targets", h.page(h.saveTargets))
	mux.Handle("/", h.page(func(w http.ResponseWriter, r *http.Request) error { return crm.ErrNotFound }))
}

var funcs = template.FuncMap{
	"static": static.URL,
	"wan":    func(m crm.Money) string { return crm.GroupDigits(m.Wan()) },
	"yuan":   func(m crm.Money) string { return m.Grouped() },
	"pct": func(f float64) string {
		return fmt.Sprintf("%.1f%%", 100*f)
	},
	"pct2":  func(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) },
	"int":   func(n any) string { return crm.GroupDigits(fmt.Sprint(n)) },
	"add":   func(a, b int) int { return a + b },
	"bp":    func(n int) string { return fmt.Sprintf("%g%%", float64(n)/100) },
	"query": func(v url.Values) template.URL { return template.URL(v.Encode()) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, p := range Pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/"+p)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// layout is the data every page shares.
type layout struct {
	p       *i18n.Printer
	Lang    string
	Title   string
	Nav     string // the active section
	Path    string // current path and query, for the language switch
	Flash   string
	Version string
}

// T translates a message key into the page's language.
func (l layout) T(key string, args ...any) string { return l.p.T(key, args...) }

// Langs lists the languages for the switch.
func (l layout) Langs() []string { return i18n.Langs() }

func (h *handler) layout(r *http.Request, nav, titleKey string) layout {
	p := printer(r)
	l := layout{p: p, Lang: p.Lang(), Title: p.T(titleKey), Nav: nav, Path: r.URL.RequestURI()}
	// The flash names a message; anything else in the URL is ignored.
	if f := r.URL.Query().Get("flash"); f != "" && p.Has("flash."+f) {
		l.Flash = f
	}
	return l
}

// printer picks the language: the lang cookie, then Accept-Language.
func printer(r *http.Request) *i18n.Printer {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range i18n.Langs() {
			if c.Value == l {
				return i18n.Get(l)
			}
		}
	}
	return i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
}

func (h *handler) render(w http.ResponseWriter, status int, page string, data any) error {
	pages := h.pages
	if h.dev {
		var err error
		if pages, err = parsePages(os.DirFS("internal/web")); err != nil {
			return err
		}
	}
	t, ok := pages[page]
	if !ok {
		return fmt.Errorf("web: no page %s", page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// page adapts a handler that returns an error; errors become the right page.
func (h *handler) page(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.renderError(w, r, err)
		}
	})
}

type errorPage struct {
	layout
	Status  int
	Message string
	Detail  string
}

func (h *handler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	d := errorPage{layout: h.layout(r, "", "error.title")}
	switch {
	case errors.Is(err, crm.ErrNotFound):
		d.Status, d.Message = http.StatusNotFound, d.T("error.not_found")
	case errors.Is(err, crm.ErrForbidden):
		d.Status, d.Message = http.StatusForbidden, d.T("error.forbidden")
	case errors.Is(err, crm.ErrConflict):
		d.Status, d.Message = http.StatusConflict, d.T("error.conflict.detail")
	case errors.Is(err, app.ErrNoData):
		d.Status, d.Message = http.StatusOK, d.T("error.no_data.detail")
	default:
		var ve *crm.ValidationError
		var br badRequest
		switch {
		case errors.As(err, &ve):
			d.Status, d.Message = http.StatusUnprocessableEntity, d.T("error.validation")
			for _, k := range ve.Fields {
				d.Detail += d.T(k) + " "
			}
		case errors.As(err, &br):
			d.Status, d.Message, d.Detail = http.StatusBadRequest, d.T("error.bad_request"), string(br)
		default:
			h.log.Error("web", "method", r.Method, "path", r.URL.Path, "err", err)
			d.Status, d.Message = http.StatusInternalServerError, d.T("error.server")
		}
	}
	if rerr := h.render(w, d.Status, "error.html", d); rerr != nil {
		h.log.Error("web: error page", "err", rerr)
		http.Error(w, d.Message, d.Status)
	}
}

type badRequest string

func (e badRequest) Error() string { return string(e) }

func (h *handler) setLang(w http.ResponseWriter, r *http.Request) error {
	to := r.URL.Query().Get("to")
	ok := false
	for _, l := range i18n.Langs() {
		ok = ok || l == to
	}
	if !ok {
		return badRequest("lang: " + to)
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: to, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	back := r.URL.Query().Get("back")
	// Browsers drop tabs and newlines from URLs, so "/\t/evil.example"
	// would leave the site like "//evil.example": refuse control characters.
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") ||
		strings.ContainsFunc(back, unicode.IsControl) {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// actor names who made a change; until sign-in exists, the local user.
func actor(r *http.Request) string { return "local:web" }
