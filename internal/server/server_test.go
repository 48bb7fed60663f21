package server_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/server"
	"kam/internal/store/storetest"
	"kam/internal/web"
	"kam/internal/web/static"
)

// The middleware of kam serve: health check, static files, security
// headers, cross-origin protection and request logs, through the real
// handler over a real (empty) store.

func TestMain(m *testing.M) {
	// Keep storetest's files and the upload directories of web.Routes inside
	// one directory removed at the end.
	tmp, err := os.MkdirTemp("", "kam-server-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", tmp)
	code := m.Run()
	if code == 0 && fullRun() {
		if missing := unrequestedRoutes(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: routes of internal/server/server.go no test requested: %q\n", missing)
			code = 1
		}
	}
	os.RemoveAll(tmp)
	os.Exit(code)
}

func fullRun() bool {
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return !testing.Short()
}

type env struct {
	h      *server.Handler
	app    *app.App
	log    *syncBuffer
	cookie string // an administrator's session, sent unless a scenario sets Cookie or Authorization
}

// syncBuffer collects the log of a handler serving parallel requests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := app.New(storetest.New(t), app.Options{Now: func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC) },
		Auth: apptest.FastAuth})
	buf := &syncBuffer{}
	h, err := server.New(a, server.Options{Logger: slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{})
	return &env{h: h, app: a, log: buf, cookie: apptest.Session(t, a, admin)}
}

var requested sync.Map

type scenario struct {
	name       string
	method     string
	path       string
	body       string
	header     map[string]string
	wantStatus int
	wantBody   []string
	wantHeader map[string]string
}

func (e *env) run(t *testing.T, sc scenario) *httptest.ResponseRecorder {
	t.Helper()
	method := sc.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	req := httptest.NewRequest(method, sc.path, body) // Host: example.com
	for k, v := range sc.header {
		req.Header.Set(k, v)
	}
	// An administrator's session goes with every request, unless the
	// scenario sends a token or a session cookie of its own (kam_session=
	// for none).
	if c := req.Header.Get("Cookie"); req.Header.Get("Authorization") == "" && !strings.Contains(c, web.SessionCookie+"=") {
		if c != "" {
			c += "; "
		}
		req.Header.Set("Cookie", c+web.SessionCookie+"="+e.cookie)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	requested.Store(req.Pattern, true)
	if rec.Code != sc.wantStatus {
		t.Fatalf("%s %s = %d, want %d; body: %.300s", method, sc.path, rec.Code, sc.wantStatus, rec.Body)
	}
	for _, s := range sc.wantBody {
		if !strings.Contains(rec.Body.String(), s) {
			t.Errorf("%s %s: body lacks %q", method, sc.path, s)
		}
	}
	for k, v := range sc.wantHeader {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s %s: %s = %q, want %q", method, sc.path, k, got, v)
		}
	}
	return rec
}

func TestHealthAndStatic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	css := static.URL("css/app.css")
	for _, sc := range []scenario{
		{name: "health", path: "/healthz", wantStatus: 200, wantBody: []string{"ok"}, wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{name: "stylesheet", path: css, wantStatus: 200, wantHeader: map[string]string{"Content-Type": "text/css; charset=utf-8"}},
		{name: "script", path: static.URL("js/app.js"), wantStatus: 200},
		{name: "charts", path: static.URL("vendor/echarts.min.js"), wantStatus: 200},
		{name: "unknown static file", path: "/static/000000000000/css/nope.css", wantStatus: 404},
		{name: "pages link the static files", path: "/pyramid", wantStatus: 200, wantBody: []string{`href="` + css + `"`}},
	} {
		t.Run(sc.name, func(t *testing.T) { e.run(t, sc) })
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, sc := range []scenario{
		{name: "page", path: "/accounts", wantStatus: 200},
		{name: "page not found", path: "/nope", wantStatus: 404},
		{name: "API", path: "/api/v1/accounts", wantStatus: 200},
		{name: "API problem", path: "/api/v1/nope", wantStatus: 404},
		{name: "static file", path: static.URL("css/app.css"), wantStatus: 200},
		{name: "health", path: "/healthz", wantStatus: 200},
		{name: "refused cross-origin post", method: "POST", path: "/accounts", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
	} {
		t.Run(sc.name, func(t *testing.T) {
			rec := e.run(t, sc)
			h := rec.Header()
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options = %q, want DENY", got)
			}
			if got := h.Get("Referrer-Policy"); got != "same-origin" {
				t.Errorf("Referrer-Policy = %q, want same-origin", got)
			}
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy = %q, want %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("Content-Security-Policy = %q allows inline or eval'd scripts", csp)
			}
		})
	}
}

// TestCrossOrigin checks that browsers' cross-origin writes are refused
// (http.CrossOriginProtection) while same-origin forms and clients without
// browser headers (curl, scripts) work.
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	formType := "application/x-www-form-urlencoded"
	account := url.Values{"code": {"X1"}, "name": {"Acme"}}.Encode()
	cross := map[string]string{"Content-Type": formType, "Sec-Fetch-Site": "cross-site"}
	evil := map[string]string{"Content-Type": formType, "Origin": "http://evil.example"}
	for _, sc := range []scenario{
		{name: "form from another site", method: "POST", path: "/accounts", body: account, header: cross, wantStatus: 403},
		{name: "form from another origin", method: "POST", path: "/accounts", body: account, header: evil, wantStatus: 403},
		{name: "form from a sibling site", method: "POST", path: "/accounts", body: account,
			header: map[string]string{"Content-Type": formType, "Sec-Fetch-Site": "same-site"}, wantStatus: 403},
		{name: "form from another port", method: "POST", path: "/accounts", body: account,
			header: map[string]string{"Content-Type": formType, "Origin": "http://example.com:8080"}, wantStatus: 403},
		{name: "targets from another site", method: "POST", path: "/targets", body: "period=2025&accounts_A=1", header: cross, wantStatus: 403},
		{name: "targets from another origin", method: "POST", path: "/targets", body: "period=2025&accounts_A=1", header: evil, wantStatus: 403},
		{name: "edit from another site", method: "POST", path: "/accounts/1", body: account, header: cross, wantStatus: 403},
		{name: "upload from another site", method: "POST", path: "/import", body: "x", header: cross, wantStatus: 403},
		{name: "API from another site", method: "POST", path: "/api/v1/accounts", body: `{"code":"X2","name":"x"}`,
			header: map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
		{name: "API patch from another origin", method: "PATCH", path: "/api/v1/accounts/1", body: `{"name":"x","version":1}`,
			header: map[string]string{"Origin": "http://evil.example"}, wantStatus: 403},
		{name: "API targets from another site", method: "PUT", path: "/api/v1/targets", body: `{"period":"2025"}`,
			header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 403},
		{name: "nothing was written", path: "/api/v1/accounts", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "reading from another site is allowed", path: "/accounts", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: 200},

		{name: "same-origin form", method: "POST", path: "/accounts", body: account,
			header: map[string]string{"Content-Type": formType, "Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}, wantStatus: 303},
		{name: "same-origin form, Origin only", method: "POST", path: "/accounts", body: url.Values{"code": {"X3"}, "name": {"Beta"}}.Encode(),
			header: map[string]string{"Content-Type": formType, "Origin": "http://example.com"}, wantStatus: 303},
		{name: "typed by the user", method: "POST", path: "/targets", body: "period=2025&accounts_A=x",
			header: map[string]string{"Content-Type": formType, "Sec-Fetch-Site": "none"}, wantStatus: 422},
		{name: "client without browser headers", method: "POST", path: "/api/v1/accounts", body: `{"code":"X4","name":"curl"}`,
			header: map[string]string{"Content-Type": "application/json"}, wantStatus: 201},
		{name: "the allowed writes were stored", path: "/api/v1/accounts", wantStatus: 200, wantBody: []string{`"total":3`}},
	} {
		if !t.Run(sc.name, func(t *testing.T) { e.run(t, sc) }) {
			return
		}
	}
}

// TestRequestLog checks that requests are logged with their status but
// never with their query, which may hold what a person searched for.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.run(t, scenario{path: "/accounts?q=secret-customer", wantStatus: 200})
	e.run(t, scenario{path: "/api/v1/accounts/424242?q=another-secret", wantStatus: 404})
	log := e.log.String()
	for _, want := range []string{"path=/accounts status=200", "path=/api/v1/accounts/424242 status=404"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "secret") {
		t.Errorf("log holds a query:\n%s", log)
	}
}

// serverRoutes lists the routes server.go registers itself.
var serverRoutes = []string{"GET /healthz", "GET /static/"}

func TestRouteList(t *testing.T) {
	e := newEnv(t)
	var got []string
	for _, r := range e.h.Rules() {
		if r.Pattern == "GET /healthz" || strings.HasPrefix(r.Pattern, "GET /static") {
			got = append(got, r.Pattern)
		}
	}
	for _, r := range got {
		if !slices.Contains(serverRoutes, r) {
			t.Errorf("route %q of server.go is not in serverRoutes: add it and a test that requests it", r)
		}
	}
	for _, r := range serverRoutes {
		if !slices.Contains(got, r) {
			t.Errorf("serverRoutes lists %q, which server.go no longer registers", r)
		}
	}
}

func unrequestedRoutes() []string {
	var out []string
	for _, r := range serverRoutes {
		if _, ok := requested.Load(r); !ok {
			out = append(out, r)
		}
	}
	return out
}

// TestNoSecretsInLogs signs in, uses a session and a token, and fails, with
// the request log at its most verbose: no password, session ID or token
// may reach a log line.
func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
	const wrong = "Wrong-Password-Secret-42"
	e.run(t, scenario{method: "POST", path: "/signin", body: url.Values{"email": {p.Email}, "password": {wrong}}.Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": web.SessionCookie + "="}, wantStatus: 401})
	rec := e.run(t, scenario{method: "POST", path: "/signin", body: url.Values{"email": {p.Email}, "password": {apptest.Password}}.Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": web.SessionCookie + "="}, wantStatus: 303})
	var session string
	for _, c := range rec.Result().Cookies() {
		if c.Name == web.SessionCookie && c.Value != "" {
			session = c.Value
		}
	}
	token := apptest.Token(t, e.app, p)
	e.run(t, scenario{path: "/pyramid?token=" + token, header: map[string]string{"Cookie": web.SessionCookie + "=" + session}, wantStatus: 200})
	e.run(t, scenario{path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + token}, wantStatus: 200})
	e.run(t, scenario{path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + token + "x"}, wantStatus: 401})
	e.run(t, scenario{path: "/pyramid", header: map[string]string{"Cookie": web.SessionCookie + "=" + session + "x"}, wantStatus: 303})
	log := e.log.String()
	if !strings.Contains(log, "path=/signin") {
		t.Fatalf("the log has no requests:\n%s", log)
	}
	for name, secret := range map[string]string{"password": apptest.Password, "wrong password": wrong, "session": session, "token": token, "cookie": e.cookie} {
		if secret == "" {
			t.Fatalf("no %s to look for", name)
		}
		if strings.Contains(log, secret) {
			t.Errorf("the log holds the %s", name)
		}
	}
}
