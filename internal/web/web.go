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
	"sync"
	"unicode"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/memo"
	"kam/internal/route"
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
	// TrustProxy: a reverse proxy terminates TLS (X-Forwarded-Proto).
	TrustProxy bool
	// OIDC configures single sign-on; nil: none.
	OIDC *OIDCConfig
}

type handler struct {
	app        *app.App
	log        *slog.Logger
	dev        bool
	pages      map[string]*template.Template
	jobs       *jobs
	trustProxy bool
	oidc       *oidcClient
	// listPages keeps whole account-list pages named by their list's
	// app.AccountPage.Key and their layout (accounts.go). One per App,
	// since a key names a state of one database.
	listPages *memo.Bytes
}

// Pages lists every page template; a test parses each.
var Pages = []string{
	"pyramid.html", "targets.html", "settings.html", "error.html",
	"accounts/list.html", "accounts/show.html", "accounts/form.html", "accounts/moved.html",
	"import/upload.html", "import/job.html",
	"signin.html", "setup.html", "me.html", "people/list.html", "people/form.html", "people/show.html",
	"org.html", "audit.html",
	"lifecycle/account.html", "handovers/list.html", "handovers/show.html",
	"opportunities/board.html", "opportunities/list.html", "opportunities/funnel.html", "opportunities/show.html",
	"opportunities/form.html", "activities/week.html", "activities/team.html", "activities/form.html", "activities/show.html",
	"channels/list.html", "channels/form.html", "deliveries.html", "inbox.html",
	"meetings/list.html", "meetings/weekly.html", "meetings/monthly.html",
	"standards/show.html", "alerts.html",
}

// Routes registers every page on mux and returns the access rule of each.
func Routes(mux *http.ServeMux, a *app.App, opt Options) ([]route.Rule, error) {
	h := &handler{app: a, log: opt.Logger, dev: opt.Dev, trustProxy: opt.TrustProxy, listPages: &memo.Bytes{MaxBytes: 8 << 20}}
	if h.log == nil {
		h.log = slog.Default()
	}
	pages, err := parsePages(templateFS)
	if err != nil {
		return nil, err
	}
	h.pages = pages
	dir := opt.UploadDir
	if dir == "" {
		// One directory for every server on the machine: uploads have random
		// names and are removed after import or a day.
		dir = filepath.Join(os.TempDir(), "kam-uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	h.jobs = newJobs(dir)
	if opt.OIDC != nil {
		if h.oidc, err = newOIDCClient(*opt.OIDC); err != nil {
			return nil, err
		}
	}
	m := route.New(mux, h.guard)
	h.routes(m)
	return m.Rules(), nil
}

// routes lists every page of the UI, sorted by resource, each with the
// permission it needs.
func (h *handler) routes(m *route.Mux) {
	const (
		public = crm.PermPublic
		signed = crm.PermSignedIn
		read   = crm.PermRead
		edit   = crm.PermEditAccounts
	)
	m.Handle("GET /{$}", signed, http.RedirectHandler("/pyramid", http.StatusFound))
	m.Handle("GET /lang", public, h.page(h.setLang))
	m.Handle("GET /signin", public, h.page(h.showSignIn))
	m.Handle("POST /signin", public, h.page(h.signIn))
	m.Handle("GET /signin/oidc", public, h.page(h.startOIDC))
	m.Handle("GET /signin/oidc/callback", public, h.page(h.finishOIDC))
	m.Handle("POST /signout", signed, h.page(h.signOut))
	m.Handle("GET /setup", public, h.page(h.showSetup))
	m.Handle("POST /setup", public, h.page(h.setup))
	m.Handle("GET /me", signed, h.page(h.showMe))
	m.Handle("POST /me/password", signed, h.page(h.changePassword))
	m.Handle("POST /me/lang", signed, h.page(h.setMyLang))
	m.Handle("POST /me/tokens", signed, h.page(h.createToken))
	m.Handle("POST /me/tokens/{id}/revoke", signed, h.page(h.revokeToken))
	m.Handle("POST /me/signout-everywhere", signed, h.page(h.signOutEverywhere))
	m.Handle("GET /accounts", read, h.page(h.listAccounts))
	m.Handle("GET /alerts", read, h.page(h.listAlerts))
	m.Handle("POST /alerts/{id}/ack", edit, h.page(h.ackAlert))
	m.Handle("GET /accounts/export", crm.PermExport, h.page(h.exportAccounts))
	m.Handle("GET /accounts/new", edit, h.page(h.newAccount))
	m.Handle("POST /accounts", edit, h.page(h.createAccount))
	m.Handle("GET /accounts/{id}", read, h.page(h.showAccount))
	m.Handle("GET /accounts/{id}/edit", edit, h.page(h.editAccount))
	m.Handle("POST /accounts/{id}", edit, h.page(h.updateAccount))
	m.Handle("POST /accounts/{id}/stage", edit, h.page(h.moveStage))
	m.Handle("POST /accounts/{id}/owner", edit, h.page(h.assignOwner))
	m.Handle("GET /activities", read, h.page(h.showWeek))
	m.Handle("GET /activities/team", read, h.page(h.showTeamWeek))
	m.Handle("GET /activities/new", edit, h.page(h.newActivity))
	m.Handle("POST /activities", edit, h.page(h.saveActivity))
	m.Handle("GET /activities/{id}", read, h.page(h.showActivity))
	m.Handle("POST /activities/{id}", edit, h.page(h.saveActivity))
	m.Handle("POST /activities/{id}/done", edit, h.page(h.nextStepDone))
	m.Handle("POST /activities/{id}/delete", edit, h.page(h.deleteActivity))
	m.Handle("GET /audit", crm.PermAudit, h.page(h.showAudit))
	m.Handle("GET /audit/export", crm.PermAudit, h.page(h.exportAudit))
	m.Handle("GET /handovers", read, h.page(h.listHandovers))
	m.Handle("GET /handovers/{id}", read, h.page(h.showHandover))
	m.Handle("POST /handovers/{id}", edit, h.page(h.updateHandover))
	m.Handle("POST /handovers/{id}/accept", edit, h.page(h.acceptHandover))
	m.Handle("GET /inbox", signed, h.page(h.showInbox))
	m.Handle("POST /inbox/{id}/read", signed, h.page(h.markRead))
	m.Handle("GET /import", crm.PermImport, h.page(h.newImport))
	m.Handle("POST /import", crm.PermImport, h.page(h.uploadImport))
	m.Handle("GET /import/{token}", crm.PermImport, h.page(h.showImport))
	m.Handle("POST /import/{token}", crm.PermImport, h.page(h.runImport))
	m.Handle("GET /import/{token}/status", crm.PermImport, h.page(h.importStatus))
	m.Handle("GET /import/{token}/report", crm.PermImport, h.page(h.importReport))
	m.Handle("GET /meetings", read, h.page(h.listMeetings))
	m.Handle("GET /meetings/weekly", read, h.page(h.showWeekly))
	m.Handle("GET /meetings/monthly", read, h.page(h.showMonthly))
	m.Handle("POST /meetings", edit, h.page(h.createMeeting))
	m.Handle("POST /meetings/{id}", edit, h.page(h.updateMeeting))
	m.Handle("POST /meetings/{id}/decisions", edit, h.page(h.addDecision))
	m.Handle("POST /meetings/{id}/actions", edit, h.page(h.addAction))
	m.Handle("POST /action-items/{id}", edit, h.page(h.setAction))
	m.Handle("GET /meetings/{id}/export.xlsx", crm.PermExport, h.page(h.exportMeeting))
	m.Handle("GET /opportunities", read, h.page(h.listOpportunities))
	m.Handle("GET /opportunities/board", read, h.page(h.showBoard))
	m.Handle("GET /opportunities/funnel", read, h.page(h.showFunnel))
	m.Handle("GET /opportunities/new", edit, h.page(h.newOpportunity))
	m.Handle("POST /opportunities", edit, h.page(h.saveOpportunity))
	m.Handle("GET /opportunities/{id}", read, h.page(h.showOpportunity))
	m.Handle("GET /opportunities/{id}/edit", edit, h.page(h.editOpportunity))
	m.Handle("POST /opportunities/{id}", edit, h.page(h.saveOpportunity))
	m.Handle("POST /opportunities/{id}/stage", edit, h.page(h.moveOpportunity))
	m.Handle("POST /opportunities/{id}/delete", edit, h.page(h.deleteOpportunity))
	m.Handle("GET /org", read, h.page(h.showOrg))
	m.Handle("POST /org/departments", crm.PermManagePeople, h.page(h.saveDepartment))
	m.Handle("POST /org/teams", crm.PermManagePeople, h.page(h.saveTeam))
	m.Handle("GET /people", read, h.page(h.listPeople))
	m.Handle("POST /people/import", crm.PermManagePeople, h.page(h.importPeople))
	m.Handle("GET /people/new", crm.PermManagePeople, h.page(h.newPerson))
	m.Handle("POST /people", crm.PermManagePeople, h.page(h.createPerson))
	m.Handle("GET /people/{id}", read, h.page(h.showPerson))
	m.Handle("GET /people/{id}/edit", crm.PermManagePeople, h.page(h.editPerson))
	m.Handle("POST /people/{id}", crm.PermManagePeople, h.page(h.updatePerson))
	m.Handle("POST /people/{id}/password", crm.PermManagePeople, h.page(h.resetPassword))
	m.Handle("POST /people/{id}/signout", crm.PermManagePeople, h.page(h.signOutPerson))
	m.Handle("GET /pyramid", read, h.page(h.showPyramid))
	m.Handle("GET /pyramid/moved", read, h.page(h.movedAccounts))
	m.Handle("GET /settings", read, h.page(h.showSettings))
	m.Handle("POST /settings", crm.PermSettings, h.page(h.saveSettings))
	m.Handle("GET /settings/channels", crm.PermSettings, h.page(h.listChannels))
	m.Handle("GET /settings/channels/new", crm.PermSettings, h.page(h.newChannel))
	m.Handle("POST /settings/channels", crm.PermSettings, h.page(h.createChannel))
	m.Handle("GET /settings/channels/{id}", crm.PermSettings, h.page(h.showChannel))
	m.Handle("POST /settings/channels/{id}", crm.PermSettings, h.page(h.updateChannel))
	m.Handle("POST /settings/channels/{id}/test", crm.PermSettings, h.page(h.testChannel))
	m.Handle("GET /settings/deliveries", crm.PermAudit, h.page(h.listDeliveries))
	m.Handle("POST /settings/deliveries/{id}/retry", crm.PermSettings, h.page(h.retryDelivery))
	m.Handle("GET /standards", read, h.page(h.showStandards))
	m.Handle("GET /targets", read, h.page(h.showTargets))
	m.Handle("POST /targets", crm.PermTargets, h.page(h.saveTargets))
	m.Handle("/", signed, h.page(func(w http.ResponseWriter, r *http.Request) error { return crm.ErrNotFound }))
}

// guard sends a visitor who is not signed in to the sign-in page (or, while
// KAM has no user, to the first-run page) and answers 403 to a person whose
// role lacks perm.
func (h *handler) guard(perm crm.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := app.Allow(r.Context(), perm)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		if app.PrincipalFrom(r.Context()).Anonymous {
			if setup, serr := h.app.NeedsSetup(r.Context()); serr == nil && setup {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			target := "/signin"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?back=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		h.renderError(w, r, err)
	})
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
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials*.html", "templates/"+p)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// layout is the data every page shares.
type layout struct {
	p          *i18n.Printer
	Lang       string
	Title      string
	Nav        string // the active section
	Path       string // current path and query, for the language switch
	Flash      string
	Version    string
	User       app.Principal
	AlertBadge int // open alerts in the person's scope, for the navigation's badge
}

// Can reports whether the signed-in person may do perm (the navigation
// shows only what they may open).
func (l layout) Can(perm string) bool {
	return !l.User.Anonymous && crm.Can(l.User.Role, crm.Permission(perm))
}

// T translates a message key into the page's language.
func (l layout) T(key string, args ...any) string { return l.p.T(key, args...) }

// Has reports whether the catalog has key (for names the configuration
// holds: the default ones are translated, any other shown as written).
func (l layout) Has(key string) bool { return l.p.Has(key) }

// Langs lists the languages for the switch.
func (l layout) Langs() []string { return i18n.Langs() }

func (h *handler) layout(r *http.Request, nav, titleKey string) layout {
	p := printer(r)
	l := layout{p: p, Lang: p.Lang(), Title: p.T(titleKey), Nav: nav, Path: r.URL.RequestURI(), User: app.PrincipalFrom(r.Context())}
	l.AlertBadge = h.alertBadge(r)
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
	return h.renderThen(w, status, page, data, nil)
}

// renderThen renders like render and hands the page's bytes to keep before
// they are written (keep must copy them).
func (h *handler) renderThen(w http.ResponseWriter, status int, page string, data any, keep func([]byte)) error {
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
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := t.Execute(buf, data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	if keep != nil {
		keep(buf.Bytes())
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// renderBuffers are the pages' buffers, reused: growing a fresh one to the
// size of a list page was a third of what the page allocated, and under
// load the collector's work grows with it (docs/benchmarks.md).
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
	setLangCookie(w, to)
	http.Redirect(w, r, safeBack(r.URL.Query().Get("back")), http.StatusSeeOther)
	return nil
}

// setLangCookie makes the pages speak lang in this browser.
func setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// safeBack returns back when it is a path of this site, and "/" otherwise
// (no open redirect).
func safeBack(back string) string {
	// Browsers drop tabs and newlines from URLs, so "/\t/evil.example"
	// would leave the site like "//evil.example": refuse control characters.
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") ||
		strings.ContainsFunc(back, unicode.IsControl) {
		return "/"
	}
	return back
}

// actor names who made a change, for the records that keep a name (the
// audit log takes it from the request's principal).
func actor(r *http.Request) string { return app.PrincipalFrom(r.Context()).Label() }
