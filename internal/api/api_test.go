package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
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
)

// The tests run the real handler of kam serve (server.New) over a real store:
// SQLite, or PostgreSQL when KAM_TEST_POSTGRES_URL is set. The book's case
// (4,695 franchisees) is loaded once per test binary and shared by the tests
// that only read; tests that write get a database of their own.

// now is the clock of every App under test: the default period is then 2025.
var now = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	// Keep the temporary files of storetest and of the upload directories
	// inside one directory removed at the end.
	tmp, err := os.MkdirTemp("", "kam-api-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", tmp)
	code := m.Run()
	if code == 0 && fullRun() {
		if missing := unrequestedRoutes(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: routes of internal/api/api.go no test requested: %q\n", missing)
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
	app   *app.App
	h     http.Handler
	admin crm.Person
	token string // the administrator's API token: every request carries it unless the test sets Authorization or Cookie
}

func newEnv(t testing.TB, s *store.Store) *env {
	t.Helper()
	a := app.New(s, app.Options{Now: func() time.Time { return now }, Auth: apptest.FastAuth})
	h, err := server.New(a, server.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{Name: "管理员", Email: "admin@test.example"})
	return &env{app: a, h: h, admin: admin, token: apptest.Token(t, a, admin)}
}

// emptyEnv is a fresh migrated database with no data.
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

func (e *env) do(t *testing.T, method, target, body string, header map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" && strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	_, hasAuth := header["Authorization"]
	_, hasCookie := header["Cookie"]
	if !hasAuth && !hasCookie && e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	// ServeMux sets the pattern it matched on the request it was given.
	requested.Store(req.Pattern, true)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.String()}
	if m := missingKey.FindString(res.Body); m != "" {
		t.Errorf("%s %s: missing translation %s in %.300s", method, target, m, res.Body)
	}
	return res
}

// missingKey matches what i18n.Printer.T gives for a key it lacks.
var missingKey = regexp.MustCompile(`![a-z][a-z0-9_]*(\.[A-Za-z0-9_-]+)+!`)

func (e *env) get(t *testing.T, target string) response {
	t.Helper()
	return e.do(t, http.MethodGet, target, "", nil)
}

// getJSON requests target, wants 200 and decodes the body into v.
func (e *env) getJSON(t *testing.T, target string, v any) {
	t.Helper()
	res := e.get(t, target)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", target, res.Status, res.Body)
	}
	decodeJSON(t, res, v)
}

func decodeJSON(t *testing.T, res response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(res.Body), v); err != nil {
		t.Fatalf("decode %.200s: %v", res.Body, err)
	}
}

// scenario is one request and what the answer must hold.
type scenario struct {
	name       string
	method     string // GET when empty
	path       string
	body       string
	header     map[string]string
	wantStatus int
	wantBody   []string
	check      func(t *testing.T, res response)
}

func (e *env) run(t *testing.T, sc scenario) response {
	t.Helper()
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}
	res := e.do(t, method, sc.path, sc.body, sc.header)
	if res.Status != sc.wantStatus {
		t.Fatalf("%s %s = %d, want %d; body: %.500s", method, sc.path, res.Status, sc.wantStatus, res.Body)
	}
	ct := res.Header.Get("Content-Type")
	switch {
	case res.Status >= 400 && ct != "application/problem+json":
		t.Errorf("%s %s: Content-Type = %q, want application/problem+json", method, sc.path, ct)
	case res.Status < 300 && res.Status != http.StatusNoContent && !strings.HasPrefix(ct, "application/json"):
		t.Errorf("%s %s: Content-Type = %q, want application/json", method, sc.path, ct)
	}
	if res.Status >= 400 {
		var p api.Problem
		decodeJSON(t, res, &p)
		if p.Status != res.Status || p.Title == "" {
			t.Errorf("%s %s: problem %+v, want status %d and a title", method, sc.path, p, res.Status)
		}
	}
	for _, s := range sc.wantBody {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s %s: body lacks %q; body: %.500s", method, sc.path, s, res.Body)
		}
	}
	if sc.check != nil {
		sc.check(t, res)
	}
	return res
}

func problemOf(t *testing.T, res response) api.Problem {
	t.Helper()
	var p api.Problem
	decodeJSON(t, res, &p)
	return p
}

// wantFields checks that a problem names these fields.
func wantFields(fields ...string) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		p := problemOf(t, res)
		for _, f := range fields {
			if p.Fields[f] == "" {
				t.Errorf("problem fields = %v, want an entry for %q", p.Fields, f)
			}
		}
	}
}

func num(t *testing.T, n json.Number) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		t.Fatalf("number %q: %v", n, err)
	}
	return f
}

type layerWant struct {
	name     string
	accounts int
	share    float64 // revenue share; negative: not checked
}

func wantLayers(want ...layerWant) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		var py app.PyramidJSON
		decodeJSON(t, res, &py)
		if len(py.Tiers) != len(want) {
			t.Fatalf("tiers = %+v, want %d", py.Tiers, len(want))
		}
		sum := 0
		for i, w := range want {
			l := py.Tiers[i]
			if l.Name != w.name || l.Accounts != w.accounts {
				t.Errorf("tier %d = %s with %d accounts, want %s with %d", i, l.Name, l.Accounts, w.name, w.accounts)
			}
			if w.share >= 0 && math.Abs(l.RevenueShare-w.share) > 0.005 {
				t.Errorf("tier %s revenue_share = %.4f, want %.2f ± 0.005", l.Name, l.RevenueShare, w.share)
			}
			sum += l.Accounts
		}
		if sum != py.Accounts {
			t.Errorf("accounts = %d, tiers sum to %d", py.Accounts, sum)
		}
	}
}

func wantPeriod(key, from, to string) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		var py app.PyramidJSON
		decodeJSON(t, res, &py)
		got := py.Period
		if (key != "" && got.Key != key) || (from != "" && got.From != from) || (to != "" && got.To != to) {
			t.Errorf("period = %+v, want key %q from %q to %q", got, key, from, to)
		}
	}
}

func all(checks ...func(t *testing.T, res response)) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		for _, c := range checks {
			c(t, res)
		}
	}
}

var bookTiers = []layerWant{{"A", 40, 0.22}, {"B", 360, 0.28}, {"C", 425, 0.23}, {"D", 3870, 0.27}}

func TestPyramidAPI(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	var full app.PyramidJSON
	e.getJSON(t, "/api/v1/pyramid", &full)
	for _, sc := range []scenario{
		{name: "default period is the latest complete year", path: "/api/v1/pyramid", wantStatus: 200,
			wantBody: []string{`"scheme":"thresholds"`, `"currency":"CNY"`},
			check:    all(wantLayers(bookTiers...), wantPeriod("2025", "2025-01-01", "2025-12-31"))},
		{name: "year", path: "/api/v1/pyramid?year=2025", wantStatus: 200, check: wantLayers(bookTiers...)},
		{name: "pareto bands", path: "/api/v1/pyramid?scheme=pareto", wantStatus: 200,
			wantBody: []string{`"scheme":"pareto"`},
			check: all(wantLayers(layerWant{"OX_NOSE", 47, -1}, layerWant{"SUPER", 141, -1}, layerWant{"CORE", 751, -1}, layerWant{"LONG_TAIL", 3756, -1}),
				func(t *testing.T, res response) {
					var raw struct {
						Tiers []map[string]any `json:"tiers"`
					}
					decodeJSON(t, res, &raw)
					for _, l := range raw.Tiers {
						if v, ok := l["expected_cumulative_share"].(float64); !ok || v <= 0 || v > 1 {
							t.Errorf("band %v: expected_cumulative_share = %v, want a share", l["name"], l["expected_cumulative_share"])
						}
					}
				})},
		{name: "previous year", path: "/api/v1/pyramid?year=2024", wantStatus: 200,
			check: all(wantPeriod("2024", "2024-01-01", "2024-12-31"), func(t *testing.T, res response) {
				var py app.PyramidJSON
				decodeJSON(t, res, &py)
				if len(py.Tiers) != 4 || py.Accounts == 0 || num(t, py.Revenue) <= 0 {
					t.Errorf("2024 pyramid = %d tiers, %d accounts, revenue %s; want four tiers with data", len(py.Tiers), py.Accounts, py.Revenue)
				}
			})},
		{name: "trailing twelve months", path: "/api/v1/pyramid?ttm=1", wantStatus: 200,
			check: func(t *testing.T, res response) {
				var py app.PyramidJSON
				decodeJSON(t, res, &py)
				if !strings.HasPrefix(py.Period.Key, "TTM-") || py.Period.To > "2026-11-27" || py.Accounts == 0 {
					t.Errorf("ttm period = %+v with %d accounts, want TTM- up to today with data", py.Period, py.Accounts)
				}
			}},
		{name: "date range", path: "/api/v1/pyramid?from=2025-01-01&to=2025-06-30", wantStatus: 200,
			check: all(wantPeriod("2025-01-01..2025-06-30", "2025-01-01", "2025-06-30"), func(t *testing.T, res response) {
				var py app.PyramidJSON
				decodeJSON(t, res, &py)
				if half, year := num(t, py.Revenue), num(t, full.Revenue); half <= 0 || half >= year {
					t.Errorf("half-year revenue %v, want between 0 and the year's %v", half, year)
				}
			})},
		{name: "thresholds equal to the method's give the same pyramid", path: "/api/v1/pyramid?thresholds=5000000,3000000,1000000", wantStatus: 200,
			check: func(t *testing.T, res response) {
				var py app.PyramidJSON
				decodeJSON(t, res, &py)
				a, _ := json.Marshal(py.Tiers)
				b, _ := json.Marshal(full.Tiers)
				if !bytes.Equal(a, b) || py.Revenue != full.Revenue {
					t.Errorf("tiers with explicit thresholds = %s, want %s", a, b)
				}
			}},
		{name: "other thresholds move accounts", path: "/api/v1/pyramid?thresholds=6000000,3000000,1000000", wantStatus: 200,
			check: func(t *testing.T, res response) {
				var py app.PyramidJSON
				decodeJSON(t, res, &py)
				if py.Tiers[0].Accounts >= 40 || py.Tiers[0].Min != "6000000.00" {
					t.Errorf("A with a 6M threshold = %d accounts from %s, want fewer than 40 from 6000000.00", py.Tiers[0].Accounts, py.Tiers[0].Min)
				}
			}},
		{name: "thresholds not numbers", path: "/api/v1/pyramid?thresholds=5m,3m", wantStatus: 400},
		{name: "thresholds in any order", path: "/api/v1/pyramid?thresholds=1000000,5000000,3000000", wantStatus: 200, wantBody: []string{`"accounts":40,`, `"min_revenue":5000000.00`}},
		{name: "thresholds repeated", path: "/api/v1/pyramid?thresholds=5000000,5000000,1000000", wantStatus: 422, check: wantFields("thresholds")},
		{name: "thresholds not positive", path: "/api/v1/pyramid?thresholds=5000000,0", wantStatus: 400},
		{name: "year not a number", path: "/api/v1/pyramid?year=abc", wantStatus: 400, wantBody: []string{"year"}},
		{name: "year out of range", path: "/api/v1/pyramid?year=1800", wantStatus: 422, check: wantFields("period")},
		{name: "from without to", path: "/api/v1/pyramid?from=2025-01-01", wantStatus: 422, check: wantFields("period")},
		{name: "bad date", path: "/api/v1/pyramid?from=2025-13-01&to=2025-12-31", wantStatus: 422, check: wantFields("period")},
		{name: "dates reversed", path: "/api/v1/pyramid?from=2025-06-30&to=2025-01-01", wantStatus: 422, check: wantFields("period")},
		{name: "unknown period key", path: "/api/v1/pyramid?period=someday", wantStatus: 422, check: wantFields("period")},
		{name: "unknown scheme", path: "/api/v1/pyramid?scheme=foo", wantStatus: 422, check: wantFields("scheme")},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e.run(t, sc)
		})
	}
}

func TestMigrationAPI(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	var mg app.MigrationJSON
	e.getJSON(t, "/api/v1/pyramid/migration", &mg)
	if mg.From.Key != "2024" || mg.To.Key != "2025" {
		t.Errorf("migration %s → %s, want 2024 → 2025", mg.From.Key, mg.To.Key)
	}
	if want := []string{"A", "B", "C", "D", "none"}; !slices.Equal(mg.Layers, want) {
		t.Fatalf("layers = %v, want %v", mg.Layers, want)
	}
	var py24, py25 app.PyramidJSON
	e.getJSON(t, "/api/v1/pyramid?year=2024", &py24)
	e.getJSON(t, "/api/v1/pyramid?year=2025", &py25)
	n := len(mg.Layers) - 1
	total, up, down := 0, 0, 0
	for i, row := range mg.Counts {
		rowSum := 0
		for j, c := range row {
			rowSum += c
			total += c
			switch {
			case i < n && j < n && j < i:
				up += c
			case i < n && j < n && j > i:
				down += c
			}
		}
		// Each tier's row holds every account that stood in it in 2024.
		if i < n && rowSum != py24.Tiers[i].Accounts {
			t.Errorf("row %s sums to %d, want the %d accounts of 2024", mg.Layers[i], rowSum, py24.Tiers[i].Accounts)
		}
	}
	for j := 0; j < n; j++ {
		colSum := 0
		for i := range mg.Counts {
			colSum += mg.Counts[i][j]
		}
		if colSum != py25.Tiers[j].Accounts {
			t.Errorf("column %s sums to %d, want the %d accounts of 2025", mg.Layers[j], colSum, py25.Tiers[j].Accounts)
		}
	}
	if mg.Counts[n][n] != 0 {
		t.Errorf("none → none = %d, want 0 (such accounts are not in the matrix)", mg.Counts[n][n])
	}
	// The matrix covers the union of the accounts of both years.
	if total < max(py24.Accounts, py25.Accounts) || total > py24.Accounts+py25.Accounts {
		t.Errorf("matrix sums to %d, want the union of %d (2024) and %d (2025) accounts", total, py24.Accounts, py25.Accounts)
	}
	if mg.Upgrades <= 0 || mg.Downgrades <= 0 || mg.Upgrades != up || mg.Downgrades != down {
		t.Errorf("upgrades, downgrades = %d, %d; the matrix gives %d, %d; want both positive", mg.Upgrades, mg.Downgrades, up, down)
	}

	var pareto app.MigrationJSON
	e.getJSON(t, "/api/v1/pyramid/migration?scheme=pareto", &pareto)
	if want := []string{"OX_NOSE", "SUPER", "CORE", "LONG_TAIL", "none"}; !slices.Equal(pareto.Layers, want) {
		t.Errorf("pareto layers = %v, want %v", pareto.Layers, want)
	}

	for _, sc := range []scenario{
		{name: "B to A", path: "/api/v1/pyramid/migration/accounts?from=B&to=A", wantStatus: 200,
			check: wantMoved(mg.Counts[1][0], 50, "A")},
		{name: "new D accounts", path: "/api/v1/pyramid/migration/accounts?from=none&to=D&per_page=500", wantStatus: 200,
			check: wantMoved(mg.Counts[n][3], 500, "D")},
		{name: "second page", path: "/api/v1/pyramid/migration/accounts?from=D&to=D&per_page=7&page=2", wantStatus: 200,
			check: wantMoved(mg.Counts[3][3], 7, "D")},
		{name: "pareto bands", path: "/api/v1/pyramid/migration/accounts?scheme=pareto&from=SUPER&to=OX_NOSE", wantStatus: 200,
			check: wantMoved(pareto.Counts[1][0], 50, "")},
		{name: "page past the end", path: "/api/v1/pyramid/migration/accounts?from=B&to=A&page=1000", wantStatus: 200,
			wantBody: []string{`"items":[]`}},
		{name: "huge page", path: "/api/v1/pyramid/migration/accounts?from=D&to=D&page=9223372036854775807", wantStatus: 200,
			wantBody: []string{`"items":[]`}},
		{name: "unknown tier", path: "/api/v1/pyramid/migration/accounts?from=X&to=A", wantStatus: 400},
		{name: "bad year", path: "/api/v1/pyramid/migration?year=abc", wantStatus: 400},
		{name: "bad scheme", path: "/api/v1/pyramid/migration?scheme=foo", wantStatus: 422, check: wantFields("scheme")},
		{name: "moved accounts in a period", path: "/api/v1/pyramid/migration/accounts?period=2025&from=B&to=A", wantStatus: 200,
			check: wantMoved(mg.Counts[1][0], 50, "A")},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e.run(t, sc)
		})
	}
}

// wantMoved checks a page of moved accounts: the total is the matrix cell and
// every account now stands in tier (when given).
func wantMoved(total, perPage int, tier string) func(t *testing.T, res response) {
	return func(t *testing.T, res response) {
		t.Helper()
		var list api.AccountList
		decodeJSON(t, res, &list)
		if list.Total != total {
			t.Errorf("total = %d, want the matrix cell %d", list.Total, total)
		}
		wantItems := min(perPage, max(total-(list.Page-1)*perPage, 0))
		if len(list.Items) != wantItems {
			t.Errorf("page %d has %d items, want %d", list.Page, len(list.Items), wantItems)
		}
		for _, a := range list.Items {
			if tier != "" && a.Tier != tier {
				t.Errorf("account %s stands in %q, want %q", a.Code, a.Tier, tier)
			}
		}
	}
}

// A known account of the book's case: its name's pinyin initials find it.
const (
	knownCode     = "F001776"
	knownName     = "三门峡世纪广场银楼"
	knownInitials = "smxsjgcyl"
)

func TestAccountsAPI(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	var known api.AccountList
	e.getJSON(t, "/api/v1/accounts?q="+knownCode, &known)
	if len(known.Items) != 1 || known.Items[0].Name != knownName {
		t.Fatalf("accounts?q=%s = %+v, want %s", knownCode, known.Items, knownName)
	}
	id := strconv.FormatInt(known.Items[0].ID, 10)
	var tierB, tierA api.AccountList
	e.getJSON(t, "/api/v1/accounts?tier=B&per_page=1", &tierB)
	e.getJSON(t, "/api/v1/accounts?tier=A&per_page=1", &tierA)
	if len(tierB.Items) != 1 || len(tierA.Items) != 1 {
		t.Fatal("no account in tier A or B")
	}
	idB := strconv.FormatInt(tierB.Items[0].ID, 10)
	idA := strconv.FormatInt(tierA.Items[0].ID, 10)

	list := func(check func(t *testing.T, l api.AccountList)) func(t *testing.T, res response) {
		return func(t *testing.T, res response) {
			t.Helper()
			var l api.AccountList
			decodeJSON(t, res, &l)
			check(t, l)
		}
	}
	for _, sc := range []scenario{
		{name: "first page", path: "/api/v1/accounts", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total != 4695 || l.Page != 1 || l.PerPage != 50 || len(l.Items) != 50 {
				t.Errorf("list = total %d, page %d, per_page %d, %d items; want 4695, 1, 50, 50", l.Total, l.Page, l.PerPage, len(l.Items))
			}
			for i := 1; i < len(l.Items); i++ {
				if num(t, l.Items[i].Revenue) > num(t, l.Items[i-1].Revenue) {
					t.Errorf("default order: %s before %s, want highest revenue first", l.Items[i-1].Revenue, l.Items[i].Revenue)
				}
			}
		})},
		{name: "paging", path: "/api/v1/accounts?page=3&per_page=10", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total != 4695 || l.Page != 3 || l.PerPage != 10 || len(l.Items) != 10 {
				t.Errorf("list = total %d, page %d, per_page %d, %d items; want 4695, 3, 10, 10", l.Total, l.Page, l.PerPage, len(l.Items))
			}
		})},
		{name: "last page", path: "/api/v1/accounts?page=47&per_page=100", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if len(l.Items) != 95 {
				t.Errorf("last page has %d items, want 95", len(l.Items))
			}
		})},
		{name: "per_page is bounded", path: "/api/v1/accounts?per_page=100000", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if len(l.Items) != app.MaxPerPage {
				t.Errorf("per_page=100000 gave %d items, want %d", len(l.Items), app.MaxPerPage)
			}
		})},
		{name: "tier A", path: "/api/v1/accounts?tier=A&per_page=100", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			// The 40 of the book's pyramid of 2025, and one account the
			// downgrade rule holds in A (A in 2024, B by its revenue of 2025).
			if l.Total != 41 || len(l.Items) != 41 {
				t.Errorf("tier=A: total %d, %d items; want 41", l.Total, len(l.Items))
			}
			for _, a := range l.Items {
				if a.Tier != "A" {
					t.Errorf("tier=A lists %s in %q", a.Code, a.Tier)
				}
				if num(t, a.Revenue) >= 5_000_000 {
					continue
				}
				var why struct {
					Tier        string `json:"tier"`
					RevenueTier string `json:"revenue_tier"`
					Held        bool   `json:"held"`
					Below       int    `json:"evaluations_below"`
					After       int    `json:"downgrade_after"`
				}
				e.getJSON(t, "/api/v1/accounts/"+strconv.FormatInt(a.ID, 10)+"/tier", &why)
				if why.Tier != "A" || why.RevenueTier != "B" || !why.Held || why.Below != 1 || why.After != 2 {
					t.Errorf("tier=A lists %s with %s; its tier: %+v, want held in A by the downgrade rule", a.Code, a.Revenue, why)
				}
			}
		})},
		{name: "band", path: "/api/v1/accounts?band=OX_NOSE", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total != 47 {
				t.Errorf("band=OX_NOSE: total %d, want 47", l.Total)
			}
		})},
		{name: "pinyin initials", path: "/api/v1/accounts?q=" + knownInitials, wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if !slices.ContainsFunc(l.Items, func(a app.AccountJSON) bool { return a.Code == knownCode }) {
				t.Errorf("q=%s = %+v, want %s", knownInitials, l.Items, knownCode)
			}
		})},
		{name: "pinyin with upper case and spaces", path: "/api/v1/accounts?q=San+Men+Xia", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total == 0 {
				t.Errorf("q=San Men Xia found nothing")
			}
			for _, a := range l.Items {
				if !strings.HasPrefix(a.Name, "三门峡") {
					t.Errorf("q=San Men Xia found %s", a.Name)
				}
			}
		})},
		{name: "chinese", path: "/api/v1/accounts?q=" + knownName, wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total != 1 || l.Items[0].Code != knownCode {
				t.Errorf("q=%s = %+v", knownName, l.Items)
			}
		})},
		{name: "wildcards are literal", path: "/api/v1/accounts?q=%25", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if l.Total != 0 {
				t.Errorf("q=%% found %d accounts, want 0", l.Total)
			}
		})},
		{name: "sort by code", path: "/api/v1/accounts?sort=code&per_page=3", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			var codes []string
			for _, a := range l.Items {
				codes = append(codes, a.Code)
			}
			if want := []string{"F000001", "F000002", "F000003"}; !slices.Equal(codes, want) {
				t.Errorf("sort=code = %v, want %v", codes, want)
			}
		})},
		{name: "sort by name", path: "/api/v1/accounts?sort=name&per_page=200", wantStatus: 200, check: list(func(t *testing.T, l api.AccountList) {
			if len(l.Items) != 200 {
				t.Fatalf("sort=name gave %d items", len(l.Items))
			}
			if storetest.Postgres() {
				return // the order of names follows the server's collation
			}
			if !slices.IsSortedFunc(l.Items, func(a, b app.AccountJSON) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("sort=name: names not in order")
			}
		})},
		{name: "unknown sort", path: "/api/v1/accounts?sort=bogus", wantStatus: 422, check: wantFields("sort")},
		{name: "page not a number", path: "/api/v1/accounts?page=x", wantStatus: 400},
		{name: "huge page", path: "/api/v1/accounts?page=9223372036854775807", wantStatus: 200, wantBody: []string{`"items":[]`}},
		{name: "one account", path: "/api/v1/accounts/" + id, wantStatus: 200,
			wantBody: []string{`"code":"` + knownCode + `"`, `"name":"` + knownName + `"`, `"type":"FRANCHISEE"`, `"version":1`}},
		{name: "unknown account", path: "/api/v1/accounts/99999999", wantStatus: 404},
		{name: "garbage id", path: "/api/v1/accounts/abc", wantStatus: 404},
		{name: "zero id", path: "/api/v1/accounts/0", wantStatus: 404},
		{name: "negative id", path: "/api/v1/accounts/-3", wantStatus: 404},
		{name: "tier of a B account", path: "/api/v1/accounts/" + idB + "/tier", wantStatus: 200, check: func(t *testing.T, res response) {
			var ex struct {
				Period     app.PeriodJSON `json:"period"`
				Revenue    json.Number    `json:"revenue"`
				Tier       string         `json:"tier"`
				Min        json.Number    `json:"min_revenue"`
				Max        *json.Number   `json:"max_revenue"`
				Thresholds []struct {
					Name string      `json:"name"`
					Min  json.Number `json:"min_revenue"`
				} `json:"thresholds"`
			}
			decodeJSON(t, res, &ex)
			if ex.Tier != "B" || ex.Min != "3000000.00" || ex.Max == nil || *ex.Max != "5000000.00" || ex.Period.Key != "2025" {
				t.Errorf("explanation = %+v, want B from 3000000.00 to 5000000.00 in 2025", ex)
			}
			if r := num(t, ex.Revenue); r < 3_000_000 || r >= 5_000_000 {
				t.Errorf("revenue %s is outside B", ex.Revenue)
			}
			if len(ex.Thresholds) != 4 || ex.Thresholds[0].Name != "A" || ex.Thresholds[3].Min != "0.00" {
				t.Errorf("thresholds = %+v", ex.Thresholds)
			}
		}},
		{name: "tier of an A account has no upper bound", path: "/api/v1/accounts/" + idA + "/tier", wantStatus: 200,
			wantBody: []string{`"tier":"A"`, `"min_revenue":5000000.00`, `"max_revenue":null`}},
		{name: "tier in another year", path: "/api/v1/accounts/" + idA + "/tier?year=2024", wantStatus: 200, wantBody: []string{`"key":"2024"`}},
		{name: "tier with a bad year", path: "/api/v1/accounts/" + idA + "/tier?year=x", wantStatus: 400},
		{name: "tier of an unknown account", path: "/api/v1/accounts/99999999/tier", wantStatus: 404},
		{name: "revenue by month", path: "/api/v1/accounts/" + idB + "/revenue", wantStatus: 200, check: func(t *testing.T, res response) {
			var rv struct {
				Months []struct {
					Month   string      `json:"month"`
					Product json.Number `json:"product"`
					Service json.Number `json:"service"`
				} `json:"months"`
				TierHistory []struct {
					Period app.PeriodJSON `json:"period"`
					Tier   string         `json:"tier"`
				} `json:"tier_history"`
			}
			decodeJSON(t, res, &rv)
			if len(rv.Months) < 12 {
				t.Fatalf("months = %d, want at least a year", len(rv.Months))
			}
			month := regexp.MustCompile(`^\d{4}-\d{2}$`)
			for i, m := range rv.Months {
				if !month.MatchString(m.Month) || (i > 0 && m.Month <= rv.Months[i-1].Month) {
					t.Errorf("month %d = %q after %q", i, m.Month, rv.Months[max(i-1, 0)].Month)
				}
			}
			if !slices.ContainsFunc(rv.TierHistory, func(y struct {
				Period app.PeriodJSON `json:"period"`
				Tier   string         `json:"tier"`
			}) bool {
				return y.Period.Key == "2025" && y.Tier == "B"
			}) {
				t.Errorf("tier history = %+v, want B in 2025", rv.TierHistory)
			}
		}},
		{name: "revenue of an unknown account", path: "/api/v1/accounts/99999999/revenue", wantStatus: 404},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e.run(t, sc)
		})
	}
}

// TestAccountWritesAPI creates and edits an account step by step.
func TestAccountWritesAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	en := map[string]string{"Accept-Language": "en"}
	enP := i18n.Get("en")
	var id string
	steps := []scenario{
		{name: "create", method: "POST", path: "/api/v1/accounts",
			body:       `{"code":" T-1 ","name":"华为技术","type":"ENTERPRISE","industry":"通信","region":"深圳","is_listed":false,"is_leader":true,"potential":"1,000,000"}`,
			wantStatus: 201, wantBody: []string{`"code":"T-1"`, `"name":"华为技术"`, `"is_leader":true`, `"potential":1000000.00`, `"version":1`},
			check: func(t *testing.T, res response) {
				var a app.AccountJSON
				decodeJSON(t, res, &a)
				id = strconv.FormatInt(a.ID, 10)
				if loc := res.Header.Get("Location"); loc != "/api/v1/accounts/"+id {
					t.Errorf("Location = %q, want /api/v1/accounts/%s", loc, id)
				}
			}},
		{name: "read it back", path: "/api/v1/accounts/{id}", wantStatus: 200, wantBody: []string{`"code":"T-1"`, `"region":"深圳"`}},
		{name: "found by pinyin", path: "/api/v1/accounts?q=hwjs", wantStatus: 200, wantBody: []string{`"total":1`, `"code":"T-1"`}},
		{name: "duplicate code", method: "POST", path: "/api/v1/accounts", header: en, body: `{"code":"T-1","name":"Other"}`,
			wantStatus: 422, check: func(t *testing.T, res response) {
				if p := problemOf(t, res); p.Fields["code"] != enP.T("error.account.code.taken") {
					t.Errorf("fields = %v, want code: %q", p.Fields, enP.T("error.account.code.taken"))
				}
			}},
		{name: "empty name", method: "POST", path: "/api/v1/accounts", body: `{"code":"T-2","name":"  "}`, wantStatus: 422, check: wantFields("name")},
		{name: "no code", method: "POST", path: "/api/v1/accounts", body: `{"name":"x"}`, wantStatus: 422, check: wantFields("code")},
		{name: "unknown type", method: "POST", path: "/api/v1/accounts", body: `{"code":"T-2","name":"x","type":"ALIEN"}`, wantStatus: 422, check: wantFields("type")},
		{name: "bad potential", method: "POST", path: "/api/v1/accounts", body: `{"code":"T-2","name":"x","potential":"lots"}`, wantStatus: 422, check: wantFields("potential")},
		{name: "unknown field", method: "POST", path: "/api/v1/accounts", body: `{"code":"T-2","name":"x","colour":"red"}`, wantStatus: 400, wantBody: []string{"colour"}},
		{name: "not JSON", method: "POST", path: "/api/v1/accounts", body: `code=T-2`, wantStatus: 400},
		{name: "nothing was created by the failures", path: "/api/v1/accounts", wantStatus: 200, wantBody: []string{`"total":1`}},
		{name: "update", method: "PATCH", path: "/api/v1/accounts/{id}", body: `{"name":"华为","version":1}`, wantStatus: 200,
			wantBody: []string{`"name":"华为"`, `"version":2`, `"region":"深圳"`, `"is_leader":true`}},
		{name: "stale version", method: "PATCH", path: "/api/v1/accounts/{id}", body: `{"name":"late","version":1}`, header: en, wantStatus: 409,
			check: func(t *testing.T, res response) {
				if p := problemOf(t, res); p.Title != enP.T("error.conflict") {
					t.Errorf("title = %q, want %q", p.Title, enP.T("error.conflict"))
				}
			}},
		{name: "no version", method: "PATCH", path: "/api/v1/accounts/{id}", body: `{"name":"x"}`, wantStatus: 422, check: wantFields("version")},
		{name: "invalid update", method: "PATCH", path: "/api/v1/accounts/{id}", body: `{"name":"","version":2}`, wantStatus: 422, check: wantFields("name")},
		{name: "the stale write changed nothing", path: "/api/v1/accounts/{id}", wantStatus: 200, wantBody: []string{`"name":"华为"`, `"version":2`}},
		{name: "update unknown", method: "PATCH", path: "/api/v1/accounts/99999", body: `{"version":1}`, wantStatus: 404},
		{name: "second update", method: "PATCH", path: "/api/v1/accounts/{id}", body: `{"is_listed":true,"version":2}`, wantStatus: 200,
			wantBody: []string{`"is_listed":true`, `"version":3`}},
		{name: "tier without revenue", path: "/api/v1/accounts/{id}/tier", wantStatus: 404},
		{name: "revenue without revenue", path: "/api/v1/accounts/{id}/revenue", wantStatus: 200, wantBody: []string{`"months":[]`}},
		{name: "no pyramid without revenue", path: "/api/v1/pyramid", header: en, wantStatus: 404, check: func(t *testing.T, res response) {
			if p := problemOf(t, res); p.Title != enP.T("error.no_data") {
				t.Errorf("title = %q, want %q", p.Title, enP.T("error.no_data"))
			}
		}},
	}
	for _, sc := range steps {
		sc.path = strings.ReplaceAll(sc.path, "{id}", id)
		if !t.Run(sc.name, func(t *testing.T) { e.run(t, sc) }) {
			return
		}
	}
}

func TestTargetsAPI(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	var mg app.MigrationJSON
	var py app.PyramidJSON
	e.getJSON(t, "/api/v1/pyramid/migration", &mg)
	e.getJSON(t, "/api/v1/pyramid", &py)
	bToA, actualA, actualB := mg.Counts[1][0], py.Tiers[0].Accounts, py.Tiers[1].Accounts
	if bToA == 0 || actualA == 0 || actualB == 0 {
		t.Fatalf("fixture: %d B → A moves, %d A and %d B accounts; want some of each", bToA, actualA, actualB)
	}
	targets := func(check func(t *testing.T, tg app.TargetsJSON)) func(t *testing.T, res response) {
		return func(t *testing.T, res response) {
			t.Helper()
			var tg app.TargetsJSON
			decodeJSON(t, res, &tg)
			check(t, tg)
		}
	}
	wantSet := targets(func(t *testing.T, tg app.TargetsJSON) {
		if tg.Period.Key != "2025" || len(tg.Tiers) != 4 {
			t.Fatalf("targets = %+v, want four tiers of 2025", tg)
		}
		a := tg.Tiers[0]
		if a.Tier != "A" || a.TargetAccounts != 50 || a.ActualAccounts != actualA || a.TargetRevenue != "3000000000.00" || a.ActualRevenue != py.Tiers[0].Revenue {
			t.Errorf("tier A = %+v, want target 50 (revenue 3000000000.00), actual %d (%s)", a, actualA, py.Tiers[0].Revenue)
		}
		if b := tg.Tiers[1]; b.TargetAccounts != 0 || b.ActualAccounts != actualB {
			t.Errorf("tier B = %+v, want no target, actual %d", b, actualB)
		}
		if len(tg.Upgrades) != 1 || tg.Upgrades[0] != (app.UpgradeTargetJSON{From: "B", To: "A", Target: 10, Actual: bToA}) {
			t.Errorf("upgrades = %+v, want B→A target 10, actual %d", tg.Upgrades, bToA)
		}
	})
	good := `{"period":"2025","tiers":[{"tier":"A","accounts":50,"revenue":"3000000000"}],"upgrades":[{"from":"B","to":"A","accounts":10}]}`
	steps := []scenario{
		{name: "none yet", path: "/api/v1/targets", wantStatus: 200, check: targets(func(t *testing.T, tg app.TargetsJSON) {
			if len(tg.Tiers) != 4 || tg.Tiers[0].TargetAccounts != 0 || tg.Tiers[0].ActualAccounts != actualA || len(tg.Upgrades) != 0 {
				t.Errorf("targets before any were set = %+v", tg)
			}
		})},
		{name: "set", method: "PUT", path: "/api/v1/targets", body: good, wantStatus: 200, check: wantSet},
		{name: "read back", path: "/api/v1/targets", wantStatus: 200, check: wantSet},
		{name: "read back by year", path: "/api/v1/targets?year=2025", wantStatus: 200, check: wantSet},
		{name: "other year has none", path: "/api/v1/targets?year=2024", wantStatus: 200, wantBody: []string{`"upgrades":[]`, `"target_accounts":0`}},
		{name: "unknown tier", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025","tiers":[{"tier":"Z","accounts":5}]}`, wantStatus: 422, check: wantFields("layer")},
		{name: "downgrade target", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025","upgrades":[{"from":"A","to":"B","accounts":5}]}`, wantStatus: 422, check: wantFields("upgrade")},
		{name: "negative", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025","tiers":[{"tier":"B","accounts":-1}]}`, wantStatus: 422, check: wantFields("B")},
		{name: "bad revenue", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025","tiers":[{"tier":"B","revenue":"much"}]}`, wantStatus: 422, check: wantFields("B")},
		{name: "bad period", method: "PUT", path: "/api/v1/targets", body: `{"period":"next year","tiers":[{"tier":"B","accounts":1}]}`, wantStatus: 422, check: wantFields("period")},
		{name: "unknown field", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025","goals":[]}`, wantStatus: 400},
		{name: "bad year", path: "/api/v1/targets?year=abc", wantStatus: 400},
		{name: "failed writes changed nothing", path: "/api/v1/targets", wantStatus: 200, check: wantSet},
	}
	for _, sc := range steps {
		if !t.Run(sc.name, func(t *testing.T) { e.run(t, sc) }) {
			return
		}
	}
}

// multipartFile builds a multipart body with one file in the field "file".
func multipartFile(t *testing.T, name, content string) (body, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

const revenueCSV = "客户编号,客户名称,日期,金额,类别\n" +
	"C001,甲公司,2025-03-01,1000.50,产品\n" +
	"C001,甲公司,2025-04-01,2000,服务\n" +
	"C002,乙公司,2025-05-01,abc,产品\n" +
	"C003,丙公司,2025/6/1,\"6,000,000\",产品\n"

func TestImportAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	body, ct := multipartFile(t, "revenue.csv", revenueCSV)
	mp := map[string]string{"Content-Type": ct}
	wantResult := func(dry bool, batch bool) func(t *testing.T, res response) {
		return func(t *testing.T, res response) {
			t.Helper()
			var r app.ImportResultJSON
			decodeJSON(t, res, &r)
			if r.DryRun != dry || r.Rows != 4 || r.Accepted != 3 || r.Rejected != 1 || r.AccountsCreated != 2 || r.Amount != "6003000.50" || (r.Batch > 0) != batch {
				t.Errorf("result = %+v, want dry_run %v: 4 rows, 3 accepted, 1 rejected, 2 accounts, 6003000.50", r, dry)
			}
			if len(r.Problems) != 1 || r.Problems[0].Row != 4 || !strings.HasPrefix(r.Problems[0].Column, "金额") || r.Problems[0].Field != "amount" ||
				r.Problems[0].Value != "abc" || r.Problems[0].Code != "bad_amount" {
				t.Errorf("problems = %+v, want row 4 bad_amount", r.Problems)
			}
			if r.File != "revenue.csv" || r.Mapping["account"] != "客户编号" || r.Mapping["amount"] != "金额" {
				t.Errorf("file %q, mapping %v", r.File, r.Mapping)
			}
		}
	}
	wantPyramid := all(wantLayers(layerWant{"A", 1, -1}, layerWant{"B", 0, -1}, layerWant{"C", 0, -1}, layerWant{"D", 1, -1}),
		func(t *testing.T, res response) {
			var py app.PyramidJSON
			decodeJSON(t, res, &py)
			if py.Revenue != "6003000.50" {
				t.Errorf("revenue = %s, want 6003000.50", py.Revenue)
			}
		})
	for _, sc := range []scenario{
		{name: "dry run", method: "POST", path: "/api/v1/imports/revenue?dry_run=1", body: body, header: mp, wantStatus: 200, check: wantResult(true, false)},
		{name: "dry run stored no accounts", path: "/api/v1/accounts", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "dry run stored no revenue", path: "/api/v1/pyramid", wantStatus: 404},
		{name: "import", method: "POST", path: "/api/v1/imports/revenue", body: body, header: mp, wantStatus: 201, check: wantResult(false, true)},
		{name: "pyramid after the import", path: "/api/v1/pyramid", wantStatus: 200, check: wantPyramid},
		{name: "accounts after the import", path: "/api/v1/accounts?sort=code", wantStatus: 200,
			wantBody: []string{`"total":2`, `"code":"C001"`, `"name":"甲公司"`, `"code":"C003"`}},
		{name: "same file again", method: "POST", path: "/api/v1/imports/revenue", body: body, header: map[string]string{"Content-Type": ct, "Accept-Language": "en"}, wantStatus: 409,
			check: func(t *testing.T, res response) {
				p := problemOf(t, res)
				en := i18n.Get("en")
				// The time of the first import is shown in the server's zone.
				before, after, _ := strings.Cut(en.T("import.error.already", 1, "revenue.csv", "\x00"), "\x00")
				if p.Title != en.T("error.import") || !strings.HasPrefix(p.Detail, before) || !strings.HasSuffix(p.Detail, after) {
					t.Errorf("problem = %q: %q, want %q: %q…%q", p.Title, p.Detail, en.T("error.import"), before, after)
				}
			}},
		{name: "same file again, dry run", method: "POST", path: "/api/v1/imports/revenue?dry_run=1", body: body, header: mp, wantStatus: 409},
		{name: "totals unchanged", path: "/api/v1/pyramid", wantStatus: 200, check: wantPyramid},
		{name: "unknown kind", method: "POST", path: "/api/v1/imports/orders", body: body, header: mp, wantStatus: 400},
		{name: "not multipart", method: "POST", path: "/api/v1/imports/revenue", body: revenueCSV, header: map[string]string{"Content-Type": "text/csv"}, wantStatus: 400},
		{name: "bad column flag", method: "POST", path: "/api/v1/imports/revenue?column=nonsense", body: body, header: mp, wantStatus: 400},
		{name: "unknown saved mapping", method: "POST", path: "/api/v1/imports/accounts?mapping=nope", body: body, header: mp, wantStatus: 422},
	} {
		if !t.Run(sc.name, func(t *testing.T) { e.run(t, sc) }) {
			return
		}
	}
	// An API import leaves the stored standings to kam serve's background
	// loop, which calls EnsureStandings; then lists filter by the new tiers.
	if err := e.app.EnsureStandings(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.run(t, scenario{path: "/api/v1/accounts?tier=A", wantStatus: 200, wantBody: []string{`"total":1`, `"code":"C003"`, `"revenue":6000000.00`}})
	e.run(t, scenario{path: "/api/v1/accounts?tier=D", wantStatus: 200, wantBody: []string{`"total":1`, `"code":"C001"`, `"revenue":3000.50`}})
	t.Run("no file field", func(t *testing.T) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("kind", "revenue")
		w.Close()
		e.run(t, scenario{method: "POST", path: "/api/v1/imports/revenue", body: buf.String(), header: map[string]string{"Content-Type": w.FormDataContentType()}, wantStatus: 400})
	})
	t.Run("no data rows", func(t *testing.T) {
		b, ct := multipartFile(t, "empty.csv", "客户编号,日期,金额\n")
		e.run(t, scenario{method: "POST", path: "/api/v1/imports/revenue", body: b, header: map[string]string{"Content-Type": ct}, wantStatus: 422})
	})
}

func TestErrorsAPI(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	en, zh := i18n.Get("en"), i18n.Get("zh-CN")
	for _, tc := range []struct {
		name, path, lang string
		status           int
		p                *i18n.Printer
		title, field     string // title key; a field whose message is checked
		fieldKey         string
	}{
		{"validation in English", "/api/v1/pyramid?scheme=foo", "en-US,en;q=0.9", 422, en, "error.validation", "scheme", "error.pyramid.scheme"},
		{"validation in Chinese", "/api/v1/pyramid?scheme=foo", "zh-CN,zh;q=0.9", 422, zh, "error.validation", "scheme", "error.pyramid.scheme"},
		{"traditional Chinese gets Chinese", "/api/v1/pyramid?scheme=foo", "zh-TW", 422, zh, "error.validation", "scheme", "error.pyramid.scheme"},
		{"default language is Chinese", "/api/v1/pyramid?scheme=foo", "", 422, zh, "error.validation", "scheme", "error.pyramid.scheme"},
		{"unsupported language gets Chinese", "/api/v1/pyramid?scheme=foo", "fr", 422, zh, "error.validation", "scheme", "error.pyramid.scheme"},
		{"not found in English", "/api/v1/nope", "en", 404, en, "error.not_found", "", ""},
		{"not found in Chinese", "/api/v1/nope", "zh-CN", 404, zh, "error.not_found", "", ""},
		{"bad request in English", "/api/v1/pyramid?year=x", "en", 400, en, "error.bad_request", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := e.run(t, scenario{path: tc.path, header: map[string]string{"Accept-Language": tc.lang}, wantStatus: tc.status})
			p := problemOf(t, res)
			if p.Title != tc.p.T(tc.title) {
				t.Errorf("title = %q, want %q", p.Title, tc.p.T(tc.title))
			}
			if tc.field != "" && p.Fields[tc.field] != tc.p.T(tc.fieldKey) {
				t.Errorf("fields[%s] = %q, want %q", tc.field, p.Fields[tc.field], tc.p.T(tc.fieldKey))
			}
		})
	}
	if en.T("error.not_found") == zh.T("error.not_found") {
		t.Error("the catalogs give the same not-found title in both languages")
	}
	for _, sc := range []scenario{
		{name: "unknown resource", path: "/api/v1/nope", wantStatus: 404},
		{name: "unknown nested path", path: "/api/v1/accounts/1/nope", wantStatus: 404},
		{name: "API root", path: "/api/v1/", wantStatus: 404},
		{name: "method without a route", method: "DELETE", path: "/api/v1/accounts/1", wantStatus: 404},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			e.run(t, sc)
		})
	}
}

// apiRoutes lists every route of internal/api/api.go. A route added there
// must be added here and requested by a test in this package.
var apiRoutes = []string{
	"GET /api/v1/openapi.json",
	"GET /api/v1/pyramid",
	"GET /api/v1/pyramid/migration",
	"GET /api/v1/pyramid/migration/accounts",
	"GET /api/v1/accounts",
	"POST /api/v1/accounts",
	"GET /api/v1/accounts/{id}",
	"PATCH /api/v1/accounts/{id}",
	"GET /api/v1/accounts/{id}/tier",
	"GET /api/v1/accounts/{id}/revenue",
	"GET /api/v1/accounts/{id}/history",
	"POST /api/v1/accounts/{id}/stage",
	"POST /api/v1/accounts/{id}/owner",
	"GET /api/v1/opportunities",
	"POST /api/v1/opportunities",
	"GET /api/v1/opportunities/{id}",
	"PATCH /api/v1/opportunities/{id}",
	"DELETE /api/v1/opportunities/{id}",
	"POST /api/v1/opportunities/{id}/stage",
	"GET /api/v1/pipeline/funnel",
	"GET /api/v1/activities",
	"POST /api/v1/activities",
	"GET /api/v1/activities/{id}",
	"PATCH /api/v1/activities/{id}",
	"DELETE /api/v1/activities/{id}",
	"GET /api/v1/handovers",
	"GET /api/v1/handovers/{id}",
	"PATCH /api/v1/handovers/{id}",
	"POST /api/v1/handovers/{id}/accept",
	"GET /api/v1/targets",
	"PUT /api/v1/targets",
	"POST /api/v1/imports/{kind}",
	"GET /api/v1/settings/method",
	"PUT /api/v1/settings/method",
	"GET /api/v1/me",
	"GET /api/v1/me/tokens",
	"POST /api/v1/me/tokens",
	"DELETE /api/v1/me/tokens/{id}",
	"GET /api/v1/departments",
	"POST /api/v1/departments",
	"PATCH /api/v1/departments/{id}",
	"GET /api/v1/teams",
	"POST /api/v1/teams",
	"PATCH /api/v1/teams/{id}",
	"GET /api/v1/people",
	"POST /api/v1/people",
	"GET /api/v1/people/{id}",
	"PATCH /api/v1/people/{id}",
	"GET /api/v1/audit",
	"GET /api/v1/channels",
	"POST /api/v1/channels",
	"GET /api/v1/channels/{id}",
	"PATCH /api/v1/channels/{id}",
	"POST /api/v1/channels/{id}/test",
	"GET /api/v1/deliveries",
	"GET /api/v1/deliveries/{id}",
	"POST /api/v1/deliveries/{id}/retry",
	"GET /api/v1/standards",
	"GET /api/v1/alerts",
	"POST /api/v1/alerts/{id}/ack",
	"GET /api/v1/meetings/weekly",
	"GET /api/v1/meetings/monthly",
	"GET /api/v1/meetings",
	"POST /api/v1/meetings",
	"GET /api/v1/meetings/{id}",
	"PATCH /api/v1/meetings/{id}",
	"POST /api/v1/meetings/{id}/decisions",
	"PATCH /api/v1/decisions/{id}",
	"POST /api/v1/meetings/{id}/action-items",
	"PATCH /api/v1/action-items/{id}",
	"GET /api/v1/inbox",
	"POST /api/v1/inbox/{id}/read",
	"/api/v1/",
}

// registeredRoutes lists the routes api.go registers, as the handler of kam
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
		if strings.HasPrefix(pattern, "/api/") || strings.Contains(pattern, " /api/") {
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
		if !slices.Contains(apiRoutes, r) {
			t.Errorf("route %q of api.go is not in apiRoutes: add it and a test that requests it", r)
		}
	}
	for _, r := range apiRoutes {
		if !slices.Contains(got, r) {
			t.Errorf("apiRoutes lists %q, which api.go no longer registers", r)
		}
	}
}

// unrequestedRoutes returns the routes no test requested (checked by TestMain).
func unrequestedRoutes() []string {
	var out []string
	for _, r := range apiRoutes {
		if _, ok := requested.Load(r); !ok {
			out = append(out, r)
		}
	}
	return out
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	e := demoEnv(t)
	res := e.run(t, scenario{path: "/api/v1/openapi.json", wantStatus: 200})
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Servers []struct{ URL string }    `json:"servers"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	decodeJSON(t, res, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("servers = %+v, want /api/v1", doc.Servers)
	}
	for _, route := range registeredRoutes(t) {
		method, path, ok := strings.Cut(route, " ")
		if !ok || path == "/api/v1/openapi.json" {
			continue // the catch-all, and the document itself
		}
		rel := strings.TrimPrefix(path, "/api/v1")
		ops, ok := doc.Paths[rel]
		if !ok {
			t.Errorf("openapi.json lacks the path %s (route %q)", rel, route)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", method, rel)
		}
	}
	// Parameters are unique by name and location within an operation, and
	// every {name} of a path is declared.
	for path, ops := range doc.Paths {
		var common []any
		if ps, ok := ops["parameters"].([]any); ok {
			common = ps
		}
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			params := append([]any(nil), common...)
			if m, ok := op.(map[string]any); ok {
				if ps, ok := m["parameters"].([]any); ok {
					params = append(params, ps...)
				}
			}
			seen := map[string]bool{}
			for _, p := range params {
				pm, _ := p.(map[string]any)
				key := fmt.Sprint(pm["in"], ":", pm["name"])
				if seen[key] {
					t.Errorf("%s %s declares the parameter %s twice", method, path, key)
				}
				seen[key] = true
			}
			for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(path, -1) {
				if !seen["path:"+m[1]] {
					t.Errorf("%s %s does not declare the path parameter %s", method, path, m[1])
				}
			}
		}
	}
	if !bytes.Equal([]byte(res.Body), api.OpenAPI()) {
		t.Error("GET /api/v1/openapi.json differs from api.OpenAPI()")
	}
}

func TestSettingsAPI(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	four := `{"tiers":[{"name":"A","min_revenue":"6,000,000"},{"name":"B","min_revenue":3000000},{"name":"C","min_revenue":"1000000"},{"name":"D","min_revenue":0}],` +
		`"bands":[{"name":"OX_NOSE","top_share":0.01,"expected_share":0.512},{"name":"SUPER","top_share":0.04,"expected_share":0.64},{"name":"CORE","top_share":0.2,"expected_share":0.8}],` +
		`"fiscal_year_start":1,"downgrade_after":2,"note":"A from 6M"}`
	for _, sc := range []scenario{
		{name: "defaults", path: "/api/v1/settings/method", wantStatus: 200, wantBody: []string{`"version":0`, `"min_revenue":5000000.00`, `"top_share":0.01`}},
		{name: "save", method: "PUT", path: "/api/v1/settings/method", body: four, wantStatus: 200, wantBody: []string{`"version":1`, `"min_revenue":6000000.00`}},
		{name: "read back", path: "/api/v1/settings/method", wantStatus: 200, wantBody: []string{`"version":1`, `"min_revenue":6000000.00`}},
		{name: "pyramid uses it", path: "/api/v1/pyramid", wantStatus: 200, wantBody: []string{`"method_version":1`, `"min_revenue":6000000.00`}},
		{name: "not descending", method: "PUT", path: "/api/v1/settings/method", wantStatus: 422, check: wantFields("tiers"),
			body: `{"tiers":[{"name":"A","min_revenue":1},{"name":"B","min_revenue":5}],"bands":[{"name":"X","top_share":0.1,"expected_share":0.5}],"fiscal_year_start":1,"downgrade_after":2}`},
		{name: "no bands", method: "PUT", path: "/api/v1/settings/method", wantStatus: 422, check: wantFields("bands"),
			body: `{"tiers":[{"name":"A","min_revenue":5},{"name":"B","min_revenue":0}],"fiscal_year_start":1,"downgrade_after":2}`},
		{name: "bad amount", method: "PUT", path: "/api/v1/settings/method", wantStatus: 422, check: wantFields("tiers"),
			body: `{"tiers":[{"name":"A","min_revenue":"lots"},{"name":"B","min_revenue":0}],"fiscal_year_start":1,"downgrade_after":2}`},
		{name: "unknown field", method: "PUT", path: "/api/v1/settings/method", body: `{"colour":"red"}`, wantStatus: 400},
		{name: "failures changed nothing", path: "/api/v1/settings/method", wantStatus: 200, wantBody: []string{`"version":1`, `"min_revenue":6000000.00`}},
	} {
		t.Run(sc.name, func(t *testing.T) { e.run(t, sc) })
	}
}
