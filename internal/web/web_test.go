package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"html/template"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kam/internal/api"
	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/i18n"
	"kam/internal/server"
	"kam/internal/store"
	"kam/internal/store/storetest"
	"kam/internal/transfer"
	"kam/internal/web"
)

// The pages are tested through the real handler of kam serve (server.New)
// over a real store, in both languages. The book's case is loaded once per
// test binary and shared by the tests that only read.

// now is the clock of every App under test: the default period is then 2025.
var now = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// Keep storetest's files and the upload directories of web.Routes inside
	// one directory removed at the end.
	tmp, err := os.MkdirTemp("", "kam-web-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", tmp)
	code := m.Run()
	if code == 0 && fullRun() {
		if missing := unrequestedRoutes(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: routes of internal/web/web.go no test requested: %q\n", missing)
			code = 1
		}
	}
	shared.tb.close()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// fullRun reports whether every test ran, so that the route check is fair.
func fullRun() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return !testing.Short()
}

// env is an App and the full HTTP handler over one store.
type env struct {
	app    *app.App
	h      http.Handler
	admin  crm.Person
	cookie string // the administrator's session: every request carries it unless the test sets Cookie
}

func newEnv(t testing.TB, s *store.Store) *env {
	t.Helper()
	a := app.New(s, app.Options{Now: func() time.Time { return now }, Auth: apptest.FastAuth})
	h, err := server.New(a, server.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{Name: "管理员", Email: "admin@test.example"})
	return &env{app: a, h: h, admin: admin, cookie: apptest.Session(t, a, admin)}
}

func emptyEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, storetest.New(t))
}

func loadDemo(t testing.TB, a *app.App) {
	t.Helper()
	if _, err := a.LoadDemo(context.Background(), "test", demo.Options{Now: crm.MakeDate(2026, 11, 27)}, nil); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
}

// mainTB lets the shared fixture use storetest, which takes a testing.TB,
// outside any one test. It implements what storetest calls; anything else
// hits the nil embedded TB and panics, which demoEnv reports.
type mainTB struct {
	testing.TB
	cleanups []func()
}

func (m *mainTB) Helper()                           {}
func (m *mainTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (m *mainTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (m *mainTB) Cleanup(f func())                  { m.cleanups = append(m.cleanups, f) }
func (m *mainTB) TempDir() string {
	dir, err := os.MkdirTemp("", "kam-shared-")
	if err != nil {
		panic(err)
	}
	m.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
func (m *mainTB) close() {
	for i := len(m.cleanups) - 1; i >= 0; i-- {
		m.cleanups[i]()
	}
}

var shared struct {
	once sync.Once
	tb   mainTB
	env  *env
	err  error
}

// demoEnv is the book's case, loaded once per test binary. Tests that use it
// must not change it.
func demoEnv(t *testing.T) *env {
	t.Helper()
	shared.once.Do(func() {
		defer func() {
			if v := recover(); v != nil {
				shared.err = fmt.Errorf("%v", v)
			}
		}()
		ctx := context.Background()
		dsn := storetest.DSN(&shared.tb)
		s, err := store.Open(ctx, dsn)
		if err != nil {
			panic(err)
		}
		shared.tb.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			panic(err)
		}
		e := newEnv(&shared.tb, s)
		loadDemo(&shared.tb, e.app)
		shared.env = e
	})
	if shared.err != nil {
		t.Fatalf("shared demo database: %v", shared.err)
	}
	return shared.env
}

// smallDemoEnv is a database of the test's own with a small synthetic
// dataset (1,000 accounts, every tier populated, some B → A moves): enough
// for tests that write, and quick to load even under the race detector.
func smallDemoEnv(t *testing.T) *env {
	t.Helper()
	e := emptyEnv(t)
	if _, err := e.app.LoadDemo(context.Background(), "test", demo.Options{Now: crm.MakeDate(2026, 11, 27), Accounts: 1000, Lines: 10000}, nil); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	return e
}

// requested records the route patterns the tests reached.
var requested sync.Map

type response struct {
	Status int
	Header http.Header
	Body   string
}

// missingKey matches what i18n.Printer.T gives for a key it lacks.
var missingKey = regexp.MustCompile(`![a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+!`)

// do sends one request through the handler. Every answer, in either
// language, is checked for missing translations.
func (e *env) do(t *testing.T, method, target, body string, header map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// The administrator's session goes with every request, unless the test
	// sends a session cookie of its own (kam_session= for none).
	if c := req.Header.Get("Cookie"); e.cookie != "" && !strings.Contains(c, web.SessionCookie+"=") {
		if c != "" {
			c += "; "
		}
		req.Header.Set("Cookie", c+web.SessionCookie+"="+e.cookie)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	// ServeMux sets the pattern it matched on the request it was given.
	requested.Store(req.Pattern, true)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	if m := missingKey.FindString(res.Body); m != "" {
		t.Errorf("%s %s: missing translation %s", method, target, m)
	}
	return res
}

// lang is one way a browser asks for a language.
type lang struct {
	name   string
	header map[string]string
	p      *i18n.Printer
}

var (
	en    = i18n.Get("en")
	zh    = i18n.Get("zh-CN")
	langs = []lang{
		{"cookie en", map[string]string{"Cookie": "lang=en", "Accept-Language": "zh-CN"}, en},
		{"cookie zh-CN", map[string]string{"Cookie": "lang=zh-CN", "Accept-Language": "en"}, zh},
		{"Accept-Language en", map[string]string{"Accept-Language": "en-GB,en;q=0.8"}, en},
		{"Accept-Language zh-TW", map[string]string{"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}, zh},
		{"unknown cookie", map[string]string{"Cookie": "lang=fr", "Accept-Language": "en"}, en},
		{"no preference", nil, zh},
	}
)

// scenario is one request and what the answer must hold.
type scenario struct {
	name       string
	method     string // GET when empty
	path       string
	form       url.Values // POST body
	body       string     // raw body; with header Content-Type
	header     map[string]string
	wantStatus int
	wantBody   []string // substrings, as they appear in the HTML
	notBody    []string
	wantHeader map[string]string
	check      func(t *testing.T, res response)
}

// run performs sc with the language's headers (sc.header adds to them).
func (e *env) run(t *testing.T, l lang, sc scenario) response {
	t.Helper()
	method, body := sc.method, sc.body
	if method == "" {
		method = http.MethodGet
	}
	if sc.form != nil {
		method, body = http.MethodPost, sc.form.Encode()
	}
	header := map[string]string{}
	for k, v := range l.header {
		header[k] = v
	}
	for k, v := range sc.header {
		if k == "Cookie" && header[k] != "" && v != "" {
			v = header[k] + "; " + v // the language's cookie and the scenario's
		}
		header[k] = v
	}
	res := e.do(t, method, sc.path, body, header)
	if res.Status != sc.wantStatus {
		t.Fatalf("%s %s = %d, want %d; body: %.1000s", method, sc.path, res.Status, sc.wantStatus, res.Body)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && (res.Status < 300 || res.Status >= 400) {
		if want := `<html lang="` + l.p.Lang() + `">`; !strings.Contains(res.Body, want) {
			t.Errorf("%s %s: page is not in %s", method, sc.path, l.p.Lang())
		}
	}
	for _, s := range sc.wantBody {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s %s: body lacks %q", method, sc.path, s)
		}
	}
	for _, s := range sc.notBody {
		if strings.Contains(res.Body, s) {
			t.Errorf("%s %s: body has %q", method, sc.path, s)
		}
	}
	for k, v := range sc.wantHeader {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s %s: %s = %q, want %q", method, sc.path, k, got, v)
		}
	}
	if sc.check != nil {
		sc.check(t, res)
	}
	return res
}

// htmlText escapes s as html/template escapes text.
func htmlText(s string) string {
	return strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;")
}

// tr is a message as a page shows it.
func tr(p *i18n.Printer, key string, args ...any) string { return htmlText(p.T(key, args...)) }

// element returns the HTML of the element with id, up to its closing tag.
func element(t *testing.T, body, tag, id string) string {
	t.Helper()
	start := strings.Index(body, ` id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no element #%s", id)
	}
	start = strings.LastIndex(body[:start], "<"+tag)
	end := strings.Index(body[start:], "</"+tag+">")
	if end < 0 {
		t.Fatalf("#%s is not closed", id)
	}
	return body[start : start+end]
}

var (
	rowRE  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	tagRE  = regexp.MustCompile(`<[^>]+>`)
)

// tableRows returns the text of the cells of each body row of a table.
func tableRows(t *testing.T, body, id string) [][]string {
	t.Helper()
	tbl := element(t, body, "table", id)
	if i := strings.Index(tbl, "<tbody>"); i >= 0 {
		tbl = tbl[i:]
	}
	if i := strings.Index(tbl, "</tbody>"); i >= 0 {
		tbl = tbl[:i]
	}
	var rows [][]string
	for _, r := range rowRE.FindAllStringSubmatch(tbl, -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(c[1], ""))))
		}
		rows = append(rows, cells)
	}
	return rows
}

// jsonScript decodes the JSON of <script type="application/json" id=id>.
func jsonScript(t *testing.T, body, id string, v any) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="` + id + `">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no JSON script #%s", id)
	}
	if err := json.Unmarshal([]byte(m[1]), v); err != nil {
		t.Fatalf("JSON script #%s: %v: %.300s", id, err, m[1])
	}
}

// hrefs returns the unescaped href of every link matching re (on the tag).
func hrefs(body, attrs string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a `+attrs+`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

type layerWant struct {
	name     string
	accounts string // as the table shows it
}

// wantPyramidTable checks the rows of #pyramid-table and the chart data.
func wantPyramidTable(p *i18n.Printer, pareto bool, want ...layerWant) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		rows := tableRows(t, res.Body, "pyramid-table")
		if len(rows) != len(want) {
			t.Fatalf("#pyramid-table has %d rows, want %d", len(rows), len(want))
		}
		for i, w := range want {
			label := w.name
			if pareto {
				label = p.T("band." + w.name)
			}
			if rows[i][0] != label || rows[i][2] != w.accounts {
				t.Errorf("row %d = %q, want %s with %s accounts", i, rows[i], label, w.accounts)
			}
		}
		if !strings.Contains(res.Body, `data-chart="pyramid" data-json="pyramid-data"`) {
			t.Error("no pyramid chart container")
		}
		var chart struct {
			Tiers []struct {
				Name     string `json:"name"`
				Label    string `json:"label"`
				Accounts int    `json:"accounts"`
			} `json:"tiers"`
			Labels map[string]string `json:"labels"`
		}
		jsonScript(t, res.Body, "pyramid-data", &chart)
		if len(chart.Tiers) != len(want) {
			t.Fatalf("chart tiers = %+v", chart.Tiers)
		}
		for i, w := range want {
			if n, _ := strconv.Atoi(strings.ReplaceAll(w.accounts, ",", "")); chart.Tiers[i].Name != w.name || chart.Tiers[i].Accounts != n {
				t.Errorf("chart tier %d = %+v, want %s with %d", i, chart.Tiers[i], w.name, n)
			}
		}
		if chart.Labels["accounts"] != p.T("chart.accounts") {
			t.Errorf("chart labels = %v, want them in %s", chart.Labels, p.Lang())
		}
		var pareto, heat map[string]any
		jsonScript(t, res.Body, "pareto-data", &pareto)
		jsonScript(t, res.Body, "heat-data", &heat)
	}
}

var bookTiers = []layerWant{{"A", "40"}, {"B", "360"}, {"C", "425"}, {"D", "3,870"}}

// A known account of the book's case and its name's pinyin initials.
const (
	knownCode     = "F001776"
	knownName     = "三门峡世纪广场银楼"
	knownInitials = "smxsjgcyl"
)

// accountOf returns the first account the API lists for a query.
func accountOf(t *testing.T, e *env, query string) app.AccountJSON {
	t.Helper()
	res := e.do(t, http.MethodGet, "/api/v1/accounts?"+query, "", nil)
	var list api.AccountList
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("GET /api/v1/accounts?%s = %d %.200s", query, res.Status, res.Body)
	}
	return list.Items[0]
}

func grouped(t *testing.T, amount json.Number) string {
	t.Helper()
	m, err := transfer.ParseAmount(string(amount))
	if err != nil {
		t.Fatal(err)
	}
	return m.Grouped()
}

// TestLanguageChoice checks how a page picks its language: the lang cookie
// first, then Accept-Language, then Chinese.
func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	for _, l := range langs {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e.run(t, l, scenario{path: "/pyramid", wantStatus: 200, wantBody: []string{"<title>" + tr(l.p, "nav.pyramid"), tr(l.p, "pyramid.tier")}})
			e.run(t, l, scenario{path: "/nope", wantStatus: 404, wantBody: []string{tr(l.p, "error.not_found")}})
		})
	}
}

// TestPages reads every page of the shared demo database in both languages.
func TestPages(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	var mg app.MigrationJSON
	if res := e.do(t, http.MethodGet, "/api/v1/pyramid/migration", "", nil); json.Unmarshal([]byte(res.Body), &mg) != nil || len(mg.Counts) < 2 {
		t.Fatalf("migration: %.200s", res.Body)
	}
	bToA := mg.Counts[1][0]
	accB := accountOf(t, e, "tier=B&per_page=1")
	accA := accountOf(t, e, "tier=A&per_page=1")
	known := accountOf(t, e, "q="+knownCode)
	if known.Name != knownName {
		t.Fatalf("account %s is %q, want %q", knownCode, known.Name, knownName)
	}
	idA, idB := strconv.FormatInt(accA.ID, 10), strconv.FormatInt(accB.ID, 10)
	// The one account of the demo that the downgrade rule holds in A: A in
	// 2024, B by its revenue of 2025.
	held := accountOf(t, e, "q=F002179")
	idHeld := strconv.FormatInt(held.ID, 10)

	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			for _, sc := range []scenario{
				// The pyramid.
				{name: "pyramid", path: "/pyramid", wantStatus: 200,
					wantBody: []string{"<title>" + tr(p, "nav.pyramid"), tr(p, "pyramid.tier"), "2025-01-01 – 2025-12-31", `id="migration-table"`},
					check:    wantPyramidTable(p, false, bookTiers...)},
				{name: "pareto", path: "/pyramid?scheme=pareto", wantStatus: 200, wantBody: []string{tr(p, "pyramid.band"), tr(p, "pyramid.expected")},
					check: wantPyramidTable(p, true, layerWant{"OX_NOSE", "47"}, layerWant{"SUPER", "141"}, layerWant{"CORE", "751"}, layerWant{"LONG_TAIL", "3,756"})},
				{name: "previous year", path: "/pyramid?year=2024", wantStatus: 200, wantBody: []string{"2024-01-01 – 2024-12-31", `<option value="2024" selected>`}},
				{name: "period key", path: "/pyramid?period=2024", wantStatus: 200, wantBody: []string{"2024-01-01 – 2024-12-31"}},
				{name: "trailing twelve months", path: "/pyramid?ttm=1", wantStatus: 200, wantBody: []string{`<option value="TTM-`}},
				{name: "date range", path: "/pyramid?from=2025-01-01&to=2025-06-30", wantStatus: 200,
					wantBody: []string{"2025-01-01 – 2025-06-30", `<option value="2025-01-01..2025-06-30" selected>`}},
				{name: "bad year", path: "/pyramid?year=abc", wantStatus: 400, wantBody: []string{tr(p, "error.bad_request")}},
				{name: "bad scheme", path: "/pyramid?scheme=foo", wantStatus: 422, wantBody: []string{tr(p, "error.validation"), tr(p, "error.pyramid.scheme")}},
				{name: "bad dates", path: "/pyramid?from=2025-01-01", wantStatus: 422, wantBody: []string{tr(p, "error.period.dates")}},
				{name: "flash", path: "/pyramid?flash=saved", wantStatus: 200, wantBody: []string{tr(p, "flash.saved")}},
				{name: "unknown flash is ignored", path: "/pyramid?flash=bogus", wantStatus: 200, notBody: []string{"flash-success"}},
				{name: "moved accounts", path: "/pyramid/moved?period=2025&scheme=thresholds&from=B&to=A", wantStatus: 200,
					wantBody: []string{tr(p, "common.total", bToA), tr(p, "pyramid.moved")}},
				{name: "moved accounts in the default period", path: "/pyramid/moved?from=B&to=A", wantStatus: 200, wantBody: []string{tr(p, "common.total", bToA)}},
				{name: "moved accounts, huge page", path: "/pyramid/moved?from=D&to=D&page=9223372036854775807", wantStatus: 200, wantBody: []string{tr(p, "accounts.none")}},
				{name: "moved accounts, unknown tier", path: "/pyramid/moved?from=X&to=A", wantStatus: 400},

				// Accounts.
				{name: "account list", path: "/accounts", wantStatus: 200,
					wantBody: []string{tr(p, "common.total", 4695), tr(p, "common.page", 1, 94), `href="/accounts/new"`},
					check: func(t *testing.T, res response) {
						if rows := tableRows(t, res.Body, "accounts"); len(rows) != 50 {
							t.Errorf("list shows %d rows, want 50", len(rows))
						}
					}},
				// The 40 of the book's pyramid and one held in A by the downgrade rule.
				{name: "tier filter", path: "/accounts?tier=A", wantStatus: 200,
					wantBody: []string{tr(p, "common.total", 41), tr(p, "common.page", 1, 1), `<option selected>A</option>`},
					check: func(t *testing.T, res response) {
						for _, r := range tableRows(t, res.Body, "accounts") {
							if !strings.HasPrefix(r[2], "A ") {
								t.Errorf("tier=A lists %q", r)
							}
						}
					}},
				{name: "paging keeps the filters", path: "/accounts?tier=D&type=FRANCHISEE&page=2", wantStatus: 200,
					wantBody: []string{tr(p, "common.page", 2, 77)},
					check: func(t *testing.T, res response) {
						links := append(hrefs(res.Body, `rel="prev" `), hrefs(res.Body, `rel="next" `)...)
						if len(links) != 2 {
							t.Fatalf("prev/next links = %q", links)
						}
						for i, want := range []string{"1", "3"} {
							u, _ := url.Parse(links[i])
							if q := u.Query(); u.Path != "/accounts" || q.Get("tier") != "D" || q.Get("type") != "FRANCHISEE" || q.Get("page") != want {
								t.Errorf("link %q, want page %s with tier=D&type=FRANCHISEE", links[i], want)
							}
						}
						for _, h := range hrefs(res.Body, `class="btn" `) {
							if strings.HasPrefix(h, "/accounts/export") && (!strings.Contains(h, "tier=D") || strings.Contains(h, "page=")) {
								t.Errorf("export link %q, want the filter without the page", h)
							}
						}
					}},
				{name: "search by pinyin initials", path: "/accounts?q=" + knownInitials, wantStatus: 200,
					wantBody: []string{knownName, `value="` + knownInitials + `"`}},
				{name: "search by full pinyin", path: "/accounts?q=sanmenxiashijiguangchang", wantStatus: 200, wantBody: []string{knownName}},
				{name: "unknown sort", path: "/accounts?sort=bogus", wantStatus: 422, wantBody: []string{tr(p, "error.list.sort")}},
				{name: "bad page", path: "/accounts?page=x", wantStatus: 400},
				{name: "export csv", path: "/accounts/export?format=csv", wantStatus: 200,
					wantHeader: map[string]string{"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="accounts.csv"`},
					check:      wantCSV(p, 4695+1, "account.code", knownName)},
				{name: "export csv of a filter", path: "/accounts/export?format=csv&tier=A", wantStatus: 200, check: wantCSV(p, 41+1, "account.tier", "")},
				{name: "export xlsx", path: "/accounts/export?format=xlsx&tier=B", wantStatus: 200,
					wantHeader: map[string]string{"Content-Disposition": `attachment; filename="accounts.xlsx"`},
					check: func(t *testing.T, res response) {
						if !strings.HasPrefix(res.Body, "PK\x03\x04") {
							t.Errorf("xlsx export starts %q, want a zip", res.Body[:min(len(res.Body), 8)])
						}
					}},
				{name: "export in another format", path: "/accounts/export?format=pdf", wantStatus: 400},
				{name: "account in B", path: "/accounts/" + idB, wantStatus: 200,
					wantBody: []string{htmlText(accB.Name), tr(p, "account.why_tier"), tr(p, "account.months"),
						tr(p, "account.why_range", grouped(t, accB.Revenue), crm.Yuan(3_000_000).Grouped(), crm.Yuan(5_000_000).Grouped()), `id="trend-data"`},
					check: func(t *testing.T, res response) {
						why := res.Body[strings.Index(res.Body, `id="why"`):]
						if why = why[:min(len(why), 400)]; !strings.Contains(why, `<div class="kpi-value">B</div>`) {
							t.Errorf("#why = %s, want tier B", why)
						}
						rows := tableRows(t, res.Body, "months")
						if len(rows) < 12 || !regexp.MustCompile(`^\d{4}-\d{2}$`).MatchString(rows[0][0]) {
							t.Errorf("#months rows = %q, want a row per month", rows)
						}
						var trend struct {
							Months []string `json:"months"`
						}
						jsonScript(t, res.Body, "trend-data", &trend)
						if len(trend.Months) != len(rows) {
							t.Errorf("trend has %d months, the table %d", len(trend.Months), len(rows))
						}
						hist := tableRows(t, res.Body, "tier-history")
						if !slices.ContainsFunc(hist, func(r []string) bool { return r[0] == "2025" && r[2] == "B" }) {
							t.Errorf("#tier-history = %q, want B in 2025", hist)
						}
					}},
				{name: "account held in A", path: "/accounts/" + idHeld, wantStatus: 200,
					wantBody: []string{tr(p, "account.why_held", grouped(t, held.Revenue), crm.Yuan(5_000_000).Grouped(), "A", 1, 2),
						tr(p, "account.held", "B")},
					check: func(t *testing.T, res response) {
						why := res.Body[strings.Index(res.Body, `id="why"`):]
						if why = why[:min(len(why), 400)]; !strings.Contains(why, `<div class="kpi-value">A</div>`) {
							t.Errorf("#why = %s, want tier A", why)
						}
						hist := tableRows(t, res.Body, "tier-history")
						if !slices.ContainsFunc(hist, func(r []string) bool { return r[0] == "2025" && strings.HasPrefix(r[2], "A ") }) ||
							!slices.ContainsFunc(hist, func(r []string) bool { return r[0] == "2024" && r[2] == "A" }) {
							t.Errorf("#tier-history = %q, want A held in 2025 and A in 2024", hist)
						}
					}},
				{name: "account in A", path: "/accounts/" + idA, wantStatus: 200,
					wantBody: []string{tr(p, "account.why_top", grouped(t, accA.Revenue), crm.Yuan(5_000_000).Grouped())}},
				{name: "edit form", path: "/accounts/" + idA + "/edit", wantStatus: 200,
					wantBody: []string{`name="version" value="1"`, `name="name" value="` + htmlText(accA.Name) + `"`, tr(p, "account.edit")}},
				{name: "new form", path: "/accounts/new", wantStatus: 200, wantBody: []string{`action="/accounts"`, tr(p, "account.new"), tr(p, "type.FRANCHISEE")}},
				{name: "unknown account", path: "/accounts/99999999", wantStatus: 404, wantBody: []string{tr(p, "error.not_found")}},
				{name: "garbage account id", path: "/accounts/abc", wantStatus: 404, wantBody: []string{tr(p, "error.not_found")}},
				{name: "edit unknown account", path: "/accounts/99999999/edit", wantStatus: 404},
				{name: "edit garbage account id", path: "/accounts/abc/edit", wantStatus: 404},

				// Targets and import, read only.
				{name: "targets", path: "/targets", wantStatus: 200, wantBody: []string{tr(p, "targets.subtitle"), `name="accounts_A"`, `name="upgrade_B_A"`},
					check: func(t *testing.T, res response) {
						rows := tableRows(t, res.Body, "tier-targets")
						if len(rows) != 4 || rows[0][0] != "A" || rows[0][2] != "40" || rows[3][2] != "3,870" {
							t.Errorf("#tier-targets = %q, want A–D with actuals 40 … 3,870", rows)
						}
					}},
				{name: "targets of an unknown period", path: "/targets?period=someday", wantStatus: 422},
				{name: "import form", path: "/import", wantStatus: 200,
					wantBody: []string{`enctype="multipart/form-data"`, `name="file"`, tr(p, "import.kind.revenue"), "<td>demo</td>"}},
				{name: "unknown import", path: "/import/nope", wantStatus: 404},
				{name: "status of an unknown import", path: "/import/nope/status", wantStatus: 404},
				{name: "report of an unknown import", path: "/import/nope/report", wantStatus: 404},

				// Site.
				{name: "home", path: "/", wantStatus: 302, wantHeader: map[string]string{"Location": "/pyramid"}},
				{name: "unknown page", path: "/nope", wantStatus: 404, wantBody: []string{tr(p, "error.not_found"), tr(p, "nav.pyramid")}},
				{name: "unknown nested page", path: "/pyramid/nope/deeper", wantStatus: 404},
			} {
				t.Run(sc.name, func(t *testing.T) { e.run(t, l, sc) })
			}
		})
	}
}

// wantCSV checks an export: a byte-order mark, the header in the page's
// language, the number of lines, and a value.
func wantCSV(p *i18n.Printer, lines int, headerKey, value string) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		body, ok := strings.CutPrefix(res.Body, "\uFEFF")
		if !ok {
			t.Error("CSV export has no byte-order mark")
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != lines {
			t.Errorf("CSV has %d lines, want %d", len(recs), lines)
		}
		if len(recs) == 0 || !slices.Contains(recs[0], p.T(headerKey)) {
			t.Errorf("CSV header = %q, want %q", recs[0], p.T(headerKey))
		}
		if value != "" && !strings.Contains(body, value) {
			t.Errorf("CSV lacks %q", value)
		}
	}
}

// TestPyramidLinks follows the links of the pyramid page: the migration
// cells and the language switch.
func TestPyramidLinks(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	l := langs[0]
	res := e.run(t, l, scenario{path: "/pyramid?scheme=pareto", wantStatus: 200})
	var heat struct {
		Cells [][3]int          `json:"cells"`
		Links map[string]string `json:"links"`
	}
	jsonScript(t, res.Body, "heat-data", &heat)
	if len(heat.Cells) == 0 {
		t.Fatal("heat map has no cells")
	}
	for _, c := range heat.Cells[:min(len(heat.Cells), 4)] {
		link := heat.Links[fmt.Sprintf("%d,%d", c[0], c[1])]
		if !strings.HasPrefix(link, "/pyramid/moved?") || !strings.Contains(res.Body, `href="`+htmlText(link)+`"`) {
			t.Errorf("cell %v: link %q, want one to /pyramid/moved in the table too", c, link)
			continue
		}
		e.run(t, l, scenario{path: link, wantStatus: 200, wantBody: []string{tr(l.p, "common.total", c[2])}})
	}
	// The language switch comes back to the same page.
	links := hrefs(res.Body, "")
	i := slices.IndexFunc(links, func(h string) bool { return strings.HasPrefix(h, "/lang?to=zh-CN&") })
	if i < 0 {
		t.Fatalf("no link to switch to Chinese in %q", links)
	}
	sw := e.run(t, l, scenario{path: links[i], wantStatus: 303})
	if loc := sw.Header.Get("Location"); loc != "/pyramid?scheme=pareto" {
		t.Errorf("switch language: Location = %q, want /pyramid?scheme=pareto", loc)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	for _, tc := range []struct {
		name, query, wantLocation string
	}{
		{"local path", "to=en&back=/accounts?tier=A", "/accounts?tier=A"},
		{"encoded local path", "to=zh-CN&back=%2Faccounts%3Ftier%3DA%26page%3D2", "/accounts?tier=A&page=2"},
		{"no back", "to=en", "/"},
		{"protocol-relative", "to=en&back=//evil.example/x", "/"},
		{"absolute", "to=en&back=https://evil.example/", "/"},
		{"backslash", "to=en&back=/\\evil.example", "/"},
		{"tab", "to=en&back=/%09/evil.example", "/"},
		{"newline", "to=en&back=/%0a/evil.example", "/"},
		{"relative", "to=en&back=evil.example", "/"},
		{"javascript", "to=en&back=javascript:alert(1)", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.run(t, lang{p: zh}, scenario{path: "/lang?" + tc.query, wantStatus: 303, wantHeader: map[string]string{"Location": tc.wantLocation}})
			to, _ := url.ParseQuery(tc.query)
			c := res.Header.Get("Set-Cookie")
			if !strings.HasPrefix(c, "lang="+to.Get("to")+";") || !strings.Contains(c, "Path=/") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
				t.Errorf("Set-Cookie = %q", c)
			}
		})
	}
	e.run(t, lang{p: en}, scenario{path: "/lang?to=fr&back=/", header: map[string]string{"Accept-Language": "en"}, wantStatus: 400})
}

// form is a same-origin form post as a browser sends it.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

var sameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}

// TestAccountForms creates and edits an account through the forms.
func TestAccountForms(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			const xss = `<script>alert(1)</script>`
			escaped := htmlText(xss)
			var id string
			steps := []scenario{
				{name: "new form", path: "/accounts/new", wantStatus: 200},
				{name: "empty name", form: form("code", "W1", "name", " "), header: sameOrigin, wantStatus: 422,
					wantBody: []string{tr(p, "error.account.name.required"), `value="W1"`, `aria-invalid="true"`}},
				{name: "empty code", form: form("code", "", "name", "x"), wantStatus: 422, wantBody: []string{tr(p, "error.account.code.required")}},
				{name: "bad potential", form: form("code", "W1", "name", "x", "potential", "lots"), wantStatus: 422, wantBody: []string{tr(p, "error.amount.invalid")}},
				{name: "bad type", form: form("code", "W1", "name", "x", "type", "ALIEN"), wantStatus: 422, wantBody: []string{tr(p, "error.account.type.invalid")}},
				{name: "nothing stored by the failures", path: "/accounts", wantStatus: 200, wantBody: []string{tr(p, "common.total", 0), tr(p, "accounts.none")}},
				{name: "create", form: form("code", "W1", "name", xss, "type", "DEALER", "region", "北京", "potential", "1,234.5", "is_leader", "1"), header: sameOrigin,
					wantStatus: 303, check: func(t *testing.T, res response) {
						m := regexp.MustCompile(`^/accounts/(\d+)\?flash=saved$`).FindStringSubmatch(res.Header.Get("Location"))
						if m == nil {
							t.Fatalf("Location = %q, want /accounts/{id}?flash=saved", res.Header.Get("Location"))
						}
						id = m[1]
					}},
				{name: "the new account", path: "/accounts/{id}?flash=saved", wantStatus: 200,
					wantBody: []string{tr(p, "flash.saved"), escaped, tr(p, "type.DEALER"), "北京", tr(p, "account.why_none")}, notBody: []string{xss}},
				{name: "the list escapes the name", path: "/accounts", wantStatus: 200,
					wantBody: []string{tr(p, "common.total", 1), `<a href="/accounts/{id}">` + escaped + `</a>`}, notBody: []string{xss}},
				{name: "search escapes too", path: "/accounts?q=" + url.QueryEscape(xss), wantStatus: 200,
					wantBody: []string{`value="` + escaped + `"`}, notBody: []string{xss}},
				{name: "duplicate code", form: form("code", "W1", "name", "other"), wantStatus: 422, wantBody: []string{tr(p, "error.account.code.taken")}},
				{name: "edit form", path: "/accounts/{id}/edit", wantStatus: 200,
					wantBody: []string{`name="version" value="1"`, `name="potential" value="1234.50"`, `name="is_leader" value="1" checked`}, notBody: []string{xss}},
				{name: "save", path: "/accounts/{id}", form: form("version", "1", "code", "W1", "name", "改名客户", "type", "DEALER"), header: sameOrigin,
					wantStatus: 303, wantHeader: map[string]string{"Location": "/accounts/{id}?flash=saved"}},
				{name: "stale save", path: "/accounts/{id}", form: form("version", "1", "code", "W1", "name", "Late"), wantStatus: 409,
					wantBody: []string{tr(p, "error.conflict.detail"), `value="Late"`}},
				{name: "save without the version", path: "/accounts/{id}", form: form("code", "W1", "name", "Blind"), wantStatus: 422,
					wantBody: []string{tr(p, "error.version.required")}},
				{name: "invalid save", path: "/accounts/{id}", form: form("version", "2", "code", "W1", "name", ""), wantStatus: 422,
					wantBody: []string{tr(p, "error.account.name.required")}},
				{name: "only the first save counted", path: "/accounts/{id}", wantStatus: 200, wantBody: []string{"改名客户"}, notBody: []string{"Late", "Blind", xss}},
				{name: "edit form after the save", path: "/accounts/{id}/edit", wantStatus: 200, wantBody: []string{`name="version" value="2"`}},
				{name: "save an unknown account", path: "/accounts/99999999", form: form("version", "1", "code", "X", "name", "x"), wantStatus: 404},
				{name: "save a garbage id", path: "/accounts/abc", form: form("version", "1", "code", "X", "name", "x"), wantStatus: 404},
			}
			for _, sc := range steps {
				if sc.form != nil && sc.path == "" {
					sc.path = "/accounts"
				}
				sc.path = strings.ReplaceAll(sc.path, "{id}", id)
				for i, s := range sc.wantBody {
					sc.wantBody[i] = strings.ReplaceAll(s, "{id}", id)
				}
				for k, v := range sc.wantHeader {
					sc.wantHeader[k] = strings.ReplaceAll(v, "{id}", id)
				}
				if !t.Run(sc.name, func(t *testing.T) { e.run(t, l, sc) }) {
					return
				}
			}
		})
	}
}

// TestTargetForms sets targets through the form in both languages.
func TestTargetForms(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	var mg app.MigrationJSON
	if res := e.do(t, http.MethodGet, "/api/v1/pyramid/migration", "", nil); json.Unmarshal([]byte(res.Body), &mg) != nil {
		t.Fatalf("migration: %.200s", res.Body)
	}
	var py app.PyramidJSON
	if res := e.do(t, http.MethodGet, "/api/v1/pyramid", "", nil); json.Unmarshal([]byte(res.Body), &py) != nil || len(py.Tiers) != 4 {
		t.Fatalf("pyramid: %.200s", res.Body)
	}
	actualA := strconv.Itoa(py.Tiers[0].Accounts)
	for i, l := range []lang{langs[0], langs[1]} {
		p := l.p
		target := strconv.Itoa(50 + i) // each language saves its own values
		if !t.Run(l.name, func(t *testing.T) {
			for _, sc := range []scenario{
				{name: "page", path: "/targets", wantStatus: 200, wantBody: []string{tr(p, "targets.tiers", "2025")},
					check: func(t *testing.T, res response) {
						if rows := tableRows(t, res.Body, "tier-targets"); len(rows) != 4 || rows[0][0] != "A" || rows[0][2] != actualA {
							t.Errorf("#tier-targets = %q, want A with actual %s first", rows, actualA)
						}
					}},
				{name: "not a number", path: "/targets", form: form("period", "2025", "accounts_A", "abc"), header: sameOrigin, wantStatus: 422,
					wantBody: []string{tr(p, "error.validation"), tr(p, "error.number.invalid"), `class="num has-error" name="accounts_A" value="abc"`}},
				{name: "negative", path: "/targets", form: form("period", "2025", "accounts_B", "-3"), wantStatus: 422, wantBody: []string{tr(p, "error.number.invalid")}},
				{name: "bad revenue", path: "/targets", form: form("period", "2025", "revenue_B", "much"), wantStatus: 422, wantBody: []string{tr(p, "error.amount.invalid")}},
				{name: "bad upgrade", path: "/targets", form: form("period", "2025", "upgrade_B_A", "x"), wantStatus: 422, wantBody: []string{tr(p, "error.number.invalid")}},
				{name: "downgrade", path: "/targets", form: form("period", "2025", "upgrade_A_B", "3"), wantStatus: 422, wantBody: []string{tr(p, "error.target.not_upgrade")}},
				{name: "bad period", path: "/targets", form: form("period", "someday", "accounts_A", "1"), wantStatus: 422},
				{name: "save", path: "/targets", form: form("period", "2025", "accounts_A", target, "revenue_A", "3,000,000,000", "upgrade_B_A", "10"), header: sameOrigin,
					wantStatus: 303, wantHeader: map[string]string{"Location": "/targets?flash=saved&period=2025"}},
				{name: "values persist", path: "/targets?flash=saved&period=2025", wantStatus: 200,
					wantBody: []string{tr(p, "flash.saved"), `name="accounts_A" value="` + target + `"`, `name="revenue_A" value="3000000000.00"`, `name="upgrade_B_A" value="10"`},
					check: func(t *testing.T, res response) {
						rows := tableRows(t, res.Body, "upgrade-targets")
						i := slices.IndexFunc(rows, func(r []string) bool { return r[0] == "B → A" })
						if i < 0 || rows[i][2] != strconv.Itoa(mg.Counts[1][0]) {
							t.Errorf("#upgrade-targets = %q, want B → A with actual %d", rows, mg.Counts[1][0])
						}
					}},
				{name: "the pyramid shows the target", path: "/pyramid", wantStatus: 200, wantBody: []string{tr(p, "pyramid.kpi.target", 50+i)}},
				{name: "the API agrees", path: "/api/v1/targets", wantStatus: 200,
					wantBody: []string{`"tier":"A","target_accounts":` + target + `,"actual_accounts":` + actualA, `{"from":"B","to":"A","target":10,"actual":` + strconv.Itoa(mg.Counts[1][0]) + `}`}},
			} {
				if !t.Run(sc.name, func(t *testing.T) { e.run(t, l, sc) }) {
					return
				}
			}
		}) {
			return
		}
	}
}

// upload builds a multipart body as the import form sends it.
func upload(t *testing.T, kind, name, content string) (string, map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("kind", kind)
	w.WriteField("sheet", "")
	w.WriteField("mapping", "")
	if name != "" {
		f, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, content)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), map[string]string{"Content-Type": w.FormDataContentType()}
}

// wait polls an import's status until its background work is over.
func wait(t *testing.T, e *env, token string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res := e.do(t, http.MethodGet, "/import/"+token+"/status", "", nil)
		if res.Status != 200 || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("status = %d, Cache-Control %q", res.Status, res.Header.Get("Cache-Control"))
		}
		var st map[string]any
		if err := json.Unmarshal([]byte(res.Body), &st); err != nil {
			t.Fatal(err)
		}
		if st["state"] == "done" || st["state"] == "failed" {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still %v", token, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const revenueCSV = "客户编号,客户名称,日期,金额,类别\n" +
	"C001,甲公司,2025-03-01,1000.50,产品\n" +
	"C001,甲公司,2025-04-01,2000,服务\n" +
	"C002,乙公司,2025-05-01,abc,产品\n" +
	"C003,丙公司,2025/6/1,\"6,000,000\",产品\n"

// TestImportPages uploads a file, reviews the check, imports it and reads
// the report, in both languages.
func TestImportPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			body, mp := upload(t, "revenue", "收入.csv", revenueCSV)
			res := e.run(t, l, scenario{name: "upload", method: "POST", path: "/import", body: body, header: mp, wantStatus: 303})
			m := regexp.MustCompile(`^/import/([0-9a-f]{32})$`).FindStringSubmatch(res.Header.Get("Location"))
			if m == nil {
				t.Fatalf("Location = %q, want /import/{token}", res.Header.Get("Location"))
			}
			token := m[1]
			job := "/import/" + token
			if st := wait(t, e, token); st["state"] != "done" {
				t.Fatalf("check ended %v", st)
			}
			e.run(t, l, scenario{path: job, wantStatus: 200,
				wantBody: []string{"收入.csv", tr(p, "import.would", 4, 3, 1, 2), tr(p, "import.problems", 1), tr(p, "import.go", 3),
					`<option selected>客户编号</option>`, "/import/" + token + "/report?format=csv"},
				notBody: []string{`id="import-done"`, `id="import-error"`},
				check: func(t *testing.T, res response) {
					preview := tableRows(t, res.Body, "preview")
					if len(preview) != 3 || preview[0][1] != "C001" || preview[0][2] != "甲公司" || preview[0][4] != "1,000.50" || preview[1][5] != p.T("class.SERVICE") {
						t.Errorf("#preview = %q", preview)
					}
					problems := tableRows(t, res.Body, "problems")
					if len(problems) != 1 || problems[0][0] != "4" || problems[0][2] != "abc" || problems[0][3] != p.T("import.problem.bad_amount") {
						t.Errorf("#problems = %q, want row 4: abc, %s", problems, p.T("import.problem.bad_amount"))
					}
				}})
			e.run(t, l, scenario{path: job + "/report?format=csv", wantStatus: 200,
				wantHeader: map[string]string{"Content-Type": "text/csv; charset=utf-8"},
				check: func(t *testing.T, res response) {
					wantCSV(p, 2, "import.report.reason", p.T("import.problem.bad_amount"))(t, res)
					if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="rejected.csv"; filename*=UTF-8''%E6%94%B6%E5%85%A5-rejected.csv`) {
						t.Errorf("Content-Disposition = %q", cd)
					}
				}})
			e.run(t, l, scenario{path: job + "/report?format=xlsx", wantStatus: 200, check: func(t *testing.T, res response) {
				if !strings.HasPrefix(res.Body, "PK") {
					t.Error("xlsx report is not a zip")
				}
			}})
			// Nothing is stored by the check.
			e.run(t, l, scenario{path: "/accounts", wantStatus: 200, wantBody: []string{tr(p, "common.total", 0)}})

			// Check again with the columns as the form sends them, then import.
			cols := form("col_account", "客户编号", "col_account_name", "客户名称", "col_date", "日期", "col_amount", "金额", "col_class", "类别")
			cols.Set("action", "recheck")
			e.run(t, l, scenario{path: job, form: cols, header: sameOrigin, wantStatus: 303, wantHeader: map[string]string{"Location": job}})
			wait(t, e, token)
			e.run(t, l, scenario{path: job, wantStatus: 200, wantBody: []string{tr(p, "import.would", 4, 3, 1, 2)}})
			cols.Set("action", "import")
			cols.Set("save_mapping", "财务导出")
			e.run(t, l, scenario{path: job, form: cols, header: sameOrigin, wantStatus: 303, wantHeader: map[string]string{"Location": job}})
			if st := wait(t, e, token); st["state"] != "done" {
				t.Fatalf("import ended %v", st)
			}
			e.run(t, l, scenario{path: job, wantStatus: 200, wantBody: []string{`id="import-done"`, tr(p, "import.done", 1, 3, 1, 2), `id="problems"`}})
			e.run(t, l, scenario{path: job + "/report", wantStatus: 200, check: wantCSV(p, 2, "import.report.reason", p.T("import.problem.bad_amount"))})
			// Posting again to a finished import changes nothing.
			e.run(t, l, scenario{path: job, form: cols, wantStatus: 303})

			// The data is there, standings included.
			e.run(t, l, scenario{path: "/import", wantStatus: 200, wantBody: []string{"<td>收入.csv</td>", `<option value="财务导出">`}})
			e.run(t, l, scenario{path: "/accounts?tier=A", wantStatus: 200, wantBody: []string{tr(p, "common.total", 1), "丙公司"}})
			e.run(t, l, scenario{path: "/pyramid", wantStatus: 200, check: wantPyramidTable(p, false, layerWant{"A", "1"}, layerWant{"B", "0"}, layerWant{"C", "0"}, layerWant{"D", "1"})})

			// The same file again is refused at the check.
			res = e.run(t, l, scenario{method: "POST", path: "/import", body: body, header: mp, wantStatus: 303})
			again := res.Header.Get("Location")
			wait(t, e, strings.TrimPrefix(again, "/import/"))
			e.run(t, l, scenario{path: again, wantStatus: 200, wantBody: []string{`id="import-error"`, tr(p, "import.nothing_changed")}, notBody: []string{`id="do-import"`}})

			// Uploads the form refuses.
			noFile, h1 := upload(t, "revenue", "", "")
			e.run(t, l, scenario{method: "POST", path: "/import", body: noFile, header: h1, wantStatus: 422, wantBody: []string{tr(p, "import.error.no_file")}})
			badKind, h2 := upload(t, "orders", "x.csv", revenueCSV)
			e.run(t, l, scenario{method: "POST", path: "/import", body: badKind, header: h2, wantStatus: 422, wantBody: []string{tr(p, "import.error.kind")}})
			e.run(t, l, scenario{path: "/import", form: form("kind", "revenue"), wantStatus: 400, wantBody: []string{tr(p, "import.error.no_file")}})
		})
	}
}

// webRoutes lists every route of internal/web/web.go. A route added there
// must be added here and requested by a test in this package.
var webRoutes = []string{
	"GET /{$}",
	"GET /lang",
	"GET /accounts",
	"GET /accounts/export",
	"GET /accounts/new",
	"POST /accounts",
	"GET /accounts/{id}",
	"GET /accounts/{id}/edit",
	"POST /accounts/{id}",
	"POST /accounts/{id}/stage",
	"POST /accounts/{id}/owner",
	"GET /handovers",
	"GET /handovers/{id}",
	"POST /handovers/{id}",
	"POST /handovers/{id}/accept",
	"GET /meetings",
	"GET /meetings/weekly",
	"GET /meetings/monthly",
	"POST /meetings",
	"POST /meetings/{id}",
	"POST /meetings/{id}/decisions",
	"POST /meetings/{id}/actions",
	"POST /action-items/{id}",
	"GET /meetings/{id}/export.xlsx",
	"GET /opportunities",
	"GET /opportunities/board",
	"GET /opportunities/funnel",
	"GET /opportunities/new",
	"POST /opportunities",
	"GET /opportunities/{id}",
	"GET /opportunities/{id}/edit",
	"POST /opportunities/{id}",
	"POST /opportunities/{id}/stage",
	"POST /opportunities/{id}/delete",
	"GET /activities",
	"GET /activities/team",
	"GET /activities/new",
	"POST /activities",
	"GET /activities/{id}",
	"POST /activities/{id}",
	"POST /activities/{id}/done",
	"POST /activities/{id}/delete",
	"GET /import",
	"POST /import",
	"GET /import/{token}",
	"POST /import/{token}",
	"GET /import/{token}/status",
	"GET /import/{token}/report",
	"GET /pyramid",
	"GET /pyramid/moved",
	"GET /settings",
	"POST /settings",
	"GET /standards",
	"GET /alerts",
	"POST /alerts/{id}/ack",
	"GET /targets",
	"POST /targets",
	"GET /signin",
	"POST /signin",
	"GET /signin/oidc",
	"GET /signin/oidc/callback",
	"POST /signout",
	"GET /setup",
	"POST /setup",
	"GET /me",
	"POST /me/password",
	"POST /me/lang",
	"POST /me/tokens",
	"POST /me/tokens/{id}/revoke",
	"POST /me/signout-everywhere",
	"GET /audit",
	"GET /audit/export",
	"GET /org",
	"POST /org/departments",
	"POST /org/teams",
	"GET /people",
	"POST /people/import",
	"GET /people/new",
	"POST /people",
	"GET /people/{id}",
	"GET /people/{id}/edit",
	"POST /people/{id}",
	"POST /people/{id}/password",
	"POST /people/{id}/signout",
	"GET /settings/channels",
	"GET /settings/channels/new",
	"POST /settings/channels",
	"GET /settings/channels/{id}",
	"POST /settings/channels/{id}",
	"POST /settings/channels/{id}/test",
	"GET /settings/deliveries",
	"POST /settings/deliveries/{id}/retry",
	"GET /inbox",
	"POST /inbox/{id}/read",
	"/",
}

// registeredRoutes lists the routes web.go registers, as the handler of kam
// serve reports them with their access rules.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	e := emptyEnv(t)
	var out []string
	for _, r := range e.h.(*server.Handler).Rules() {
		pattern := r.Pattern
		if pattern == "GET /healthz" || pattern == "GET /static/" {
			continue
		}
		if !strings.HasPrefix(pattern, "/api/") && !strings.Contains(pattern, " /api/") {
			out = append(out, pattern)
		}
	}
	if len(out) == 0 {
		t.Fatal("no routes registered")
	}
	return out
}

func TestRouteList(t *testing.T) {
	got := registeredRoutes(t)
	for _, r := range got {
		if !slices.Contains(webRoutes, r) {
			t.Errorf("route %q of web.go is not in webRoutes: add it and a test that requests it", r)
		}
	}
	for _, r := range webRoutes {
		if !slices.Contains(got, r) {
			t.Errorf("webRoutes lists %q, which web.go no longer registers", r)
		}
	}
}

// unrequestedRoutes returns the routes no test requested (checked by TestMain).
func unrequestedRoutes() []string {
	var out []string
	for _, r := range webRoutes {
		if _, ok := requested.Load(r); !ok {
			out = append(out, r)
		}
	}
	return out
}

// TestSettingsForm changes the method's tiers through the page: the pyramid
// follows, the version is kept, and bad values are shown in each language.
func TestSettingsForm(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	good := form("tier_rows", "5", "tier_name_0", "S", "tier_min_0", "10,000,000", "tier_name_1", "A", "tier_min_1", "5000000",
		"tier_name_2", "B", "tier_min_2", "3000000", "tier_name_3", "C", "tier_min_3", "1000000", "tier_name_4", "D", "tier_min_4", "0",
		"band_rows", "3", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51.2", "band_name_1", "SUPER", "band_pct_1", "4",
		"band_expected_1", "64", "band_name_2", "CORE", "band_pct_2", "20", "band_expected_2", "80",
		"fiscal_year_start", "4", "downgrade_after", "2", "note", "five tiers")
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		for _, sc := range []scenario{
			{name: "page", path: "/settings", wantStatus: 200, wantBody: []string{tr(p, "settings.tiers"), `name="tier_min_0"`, `id="settings-bands"`}},
			{name: "tiers not descending", path: "/settings", form: form("tier_rows", "2", "tier_name_0", "A", "tier_min_0", "1", "tier_name_1", "B", "tier_min_1", "5",
				"band_rows", "1", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51", "fiscal_year_start", "1", "downgrade_after", "2"),
				header: sameOrigin, wantStatus: 422, wantBody: []string{tr(p, "error.method.tiers.order")}},
			{name: "bad amount", path: "/settings", form: form("tier_rows", "2", "tier_name_0", "A", "tier_min_0", "lots", "tier_name_1", "B", "tier_min_1", "0",
				"band_rows", "1", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51", "fiscal_year_start", "1", "downgrade_after", "2"),
				wantStatus: 422, wantBody: []string{tr(p, "error.amount.invalid")}},
			{name: "bad fiscal year", path: "/settings", form: form("tier_rows", "2", "tier_name_0", "A", "tier_min_0", "5", "tier_name_1", "B", "tier_min_1", "0",
				"band_rows", "1", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51", "fiscal_year_start", "13", "downgrade_after", "2"),
				wantStatus: 422, wantBody: []string{tr(p, "error.method.fiscal_year_start")}},
		} {
			e.run(t, l, sc)
		}
	}
	e.run(t, langs[0], scenario{name: "save", path: "/settings", form: good, header: sameOrigin, wantStatus: 303,
		wantHeader: map[string]string{"Location": "/settings?flash=saved"}})
	e.run(t, langs[0], scenario{name: "saved", path: "/settings?flash=saved", wantStatus: 200,
		wantBody: []string{en.T("settings.version", 1), "five tiers", `value="10000000.00"`}})
	var py app.PyramidJSON
	if res := e.do(t, http.MethodGet, "/api/v1/pyramid", "", nil); json.Unmarshal([]byte(res.Body), &py) != nil {
		t.Fatalf("pyramid: %.200s", res.Body)
	}
	if len(py.Tiers) != 5 || py.Tiers[0].Name != "S" || py.MethodVersion != 1 || !strings.HasPrefix(py.Period.Key, "FY") {
		t.Errorf("pyramid after saving settings: %d tiers, first %q, version %d, period %s", len(py.Tiers), py.Tiers[0].Name, py.MethodVersion, py.Period.Key)
	}
}
