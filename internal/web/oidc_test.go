package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/server"
	"kam/internal/store"
	"kam/internal/store/storetest"
	"kam/internal/web"
)

// Single sign-on is tested against a fake OpenID provider running in the
// test: discovery, a key set, and a token endpoint that checks the code,
// the PKCE verifier and the client secret, then signs an ID token.

const (
	opClientID = "kam-test"
	opSecret   = "client-secret-of-kam"
	opRedirect = "https://kam.test/signin/oidc/callback"
)

var opKeys struct {
	once         sync.Once
	good, forged *rsa.PrivateKey
}

func opKey(t *testing.T) (good, forged *rsa.PrivateKey) {
	t.Helper()
	opKeys.once.Do(func() {
		var err error
		if opKeys.good, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if opKeys.forged, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return opKeys.good, opKeys.forged
}

// fakeOP is an OpenID provider. While down, it drops every connection
// without an answer.
type fakeOP struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	key    *rsa.PrivateKey
	forged *rsa.PrivateKey
	down   atomic.Bool

	mu     sync.Mutex
	grants map[string]*grant // by code
}

// grant is an authorization the provider gave: the code's ID token claims
// and what the token request must show.
type grant struct {
	claims    map[string]any
	challenge string
	redirect  string
	forged    bool // sign with a key that is not in the key set
	exchanges int  // token requests that named this code
}

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	op := &fakeOP{t: t, grants: map[string]*grant{}}
	op.key, op.forged = opKey(t)
	op.srv = httptest.NewServer(http.HandlerFunc(op.serve))
	t.Cleanup(op.srv.Close)
	op.issuer = op.srv.URL + "/realms/kam"
	return op
}

func (op *fakeOP) serve(w http.ResponseWriter, r *http.Request) {
	if op.down.Load() {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	}
	switch r.URL.Path {
	case "/realms/kam/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                op.issuer,
			"authorization_endpoint":                op.issuer + "/auth",
			"token_endpoint":                        op.issuer + "/token",
			"jwks_uri":                              op.issuer + "/certs",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
		})
	case "/realms/kam/certs":
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	case "/realms/kam/token":
		op.token(w, r)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// token is the token endpoint: client secret (HTTP Basic), code, redirect
// URI and PKCE verifier must all be right, and a code is good once.
func (op *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok || id != opClientID || secret != opSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "authorization_code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	op.mu.Lock()
	g := op.grants[r.PostForm.Get("code")]
	if g != nil {
		g.exchanges++
	}
	op.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case g == nil || g.exchanges > 1:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case r.PostForm.Get("redirect_uri") != g.redirect:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "redirect_uri"})
		return
	case r.PostForm.Get("code_verifier") == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verification failed"})
		return
	}
	key := op.key
	if g.forged {
		key = op.forged
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		op.t.Errorf("fake provider: signer: %v", err)
		return
	}
	payload, _ := json.Marshal(g.claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		op.t.Errorf("fake provider: sign: %v", err)
		return
	}
	idToken, _ := jws.CompactSerialize()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": "access-" + randomHex(), "token_type": "Bearer",
		"expires_in": 300, "id_token": idToken})
}

func randomHex() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// authorize plays the provider's login page: it checks the authorization
// request KAM redirected to and returns a code for it, whose ID token
// carries the request's nonce and the claims of claims (a nil value removes
// a claim). "_forged" signs the token with a key not in the key set;
// "_challenge" binds the code to another PKCE challenge (a code stolen from
// another sign-in).
func (op *fakeOP) authorize(t *testing.T, location string, claims map[string]any) (code, state string) {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, op.issuer+"/auth?") {
		t.Fatalf("redirect to %q, want the authorization endpoint %s/auth", location, op.issuer)
	}
	q := u.Query()
	for k, want := range map[string]string{"response_type": "code", "client_id": opClientID, "redirect_uri": opRedirect,
		"code_challenge_method": "S256"} {
		if got := q.Get(k); got != want {
			t.Errorf("authorization request: %s = %q, want %q", k, got, want)
		}
	}
	if scope := " " + q.Get("scope") + " "; !strings.Contains(scope, " openid ") || !strings.Contains(scope, " email ") {
		t.Errorf("authorization request: scope %q lacks openid or email", q.Get("scope"))
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorization request: %s = %q, want a random value", k, q.Get(k))
		}
	}
	now := time.Now()
	g := &grant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), claims: map[string]any{
		"iss": op.issuer, "sub": "user-" + randomHex(), "aud": opClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": q.Get("nonce"), "email_verified": true}}
	for k, v := range claims {
		switch {
		case k == "_forged":
			g.forged = true
		case k == "_challenge":
			g.challenge = v.(string)
		case v == nil:
			delete(g.claims, k)
		default:
			g.claims[k] = v
		}
	}
	code = "code-" + randomHex()
	op.mu.Lock()
	op.grants[code] = g
	op.mu.Unlock()
	return code, q.Get("state")
}

// exchanges says how many token requests named code.
func (op *fakeOP) exchanges(code string) int {
	op.mu.Lock()
	defer op.mu.Unlock()
	if g := op.grants[code]; g != nil {
		return g.exchanges
	}
	return 0
}

// oidcEnv is KAM with single sign-on at issuer (change alters the rest of
// the configuration), seen from a browser that has not signed in; admin is
// there for reading the audit log.
func oidcEnv(t *testing.T, issuer string, change func(*web.OIDCConfig)) *env {
	t.Helper()
	cfg := web.OIDCConfig{Name: "Keycloak", Issuer: issuer, ClientID: opClientID, ClientSecret: opSecret, RedirectURL: opRedirect}
	if change != nil {
		change(&cfg)
	}
	return oidcServer(t, storetest.New(t), cfg, nil)
}

// oidcServer is one kam serve over s, with clock (default: now).
func oidcServer(t *testing.T, s *store.Store, cfg web.OIDCConfig, clock func() time.Time) *env {
	t.Helper()
	if clock == nil {
		clock = func() time.Time { return now }
	}
	a := app.New(s, app.Options{Now: clock, Auth: apptest.FastAuth})
	h, err := server.New(a, server.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		OIDC: &cfg})
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	e := &env{app: a, h: h}
	if e.admin, err = a.Store().PersonByEmail(context.Background(), "admin@test.example"); err != nil {
		e.admin = apptest.Person(t, a, crm.RoleAdmin, crm.Person{Name: "管理员", Email: "admin@test.example"})
	}
	return e
}

func cookieOf(res response, name string) (*http.Cookie, bool) {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// beginSSO follows the sign-in button and returns the pending sign-in's
// cookie and the provider's URL.
func (e *env) beginSSO(t *testing.T, back string) (cookie, location string) {
	t.Helper()
	target := "/signin/oidc"
	if back != "" {
		target += "?back=" + url.QueryEscape(back)
	}
	res := e.do(t, "GET", target, "", nil)
	if res.Status != http.StatusFound {
		t.Fatalf("GET %s = %d, want 302; Location %q", target, res.Status, res.Header.Get("Location"))
	}
	c, ok := cookieOf(res, "kam_oidc")
	if !ok || c.Value == "" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 || c.MaxAge > 600 {
		t.Fatalf("GET %s: pending sign-in cookie %+v, want an HttpOnly, SameSite=Lax cookie of at most 10 minutes", target, c)
	}
	return c.Value, res.Header.Get("Location")
}

// callback comes back from the provider with cookie ("" for none).
func (e *env) callback(t *testing.T, cookie string, query url.Values) response {
	t.Helper()
	header := map[string]string{}
	if cookie != "" {
		header["Cookie"] = "kam_oidc=" + cookie
	}
	return e.do(t, "GET", "/signin/oidc/callback?"+query.Encode(), "", header)
}

// signedIn returns the session the answer set, or "".
func signedIn(res response) string {
	if c, ok := cookieOf(res, web.SessionCookie); ok && c.MaxAge > 0 {
		return c.Value
	}
	return ""
}

// lastAudit returns the newest audit entry of action.
func lastAudit(t *testing.T, e *env, action string) store.AuditEntry {
	t.Helper()
	entries, err := e.app.AuditLog(apptest.Context(e.admin), store.AuditFilter{Action: action, Limit: 1})
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit log: no %s entry (%v)", action, err)
	}
	return entries[0]
}

func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, nil)
	rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "单点 销售", Email: "sso.rep@test.example"})

	page := e.do(t, "GET", "/signin?back=/pyramid", "", nil)
	if !strings.Contains(page.Body, `id="signin-sso" href="/signin/oidc?back=`) || !strings.Contains(page.Body, "Keycloak") {
		t.Fatalf("sign-in page lacks the single sign-on button: %.2000s", page.Body)
	}
	if res := e.do(t, "GET", "/pyramid", "", nil); res.Status != http.StatusSeeOther && res.Status != http.StatusFound {
		t.Fatalf("GET /pyramid without a session = %d, want a redirect to sign-in", res.Status)
	}

	cookie, location := e.beginSSO(t, "/pyramid")
	// The provider's address for the person differs in case from KAM's.
	code, state := op.authorize(t, location, map[string]any{"email": "SSO.Rep@Test.Example"})
	res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/pyramid" {
		t.Fatalf("callback = %d to %q, want 303 to /pyramid", res.Status, res.Header.Get("Location"))
	}
	session := signedIn(res)
	if session == "" {
		t.Fatal("callback set no session cookie")
	}
	if c, ok := cookieOf(res, "kam_oidc"); !ok || c.MaxAge >= 0 {
		t.Errorf("callback did not clear the pending sign-in cookie: %+v", c)
	}
	if n := op.exchanges(code); n != 1 {
		t.Errorf("token requests for the code = %d, want 1", n)
	}

	res = e.do(t, "GET", "/pyramid", "", map[string]string{"Cookie": web.SessionCookie + "=" + session})
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="user-menu">`+htmlText(rep.Name)+`<`) {
		t.Fatalf("GET /pyramid with the single sign-on session = %d, want 200 as %s; body: %.1000s", res.Status, rep.Name, res.Body)
	}
	entry := lastAudit(t, e, "signin")
	if entry.EntityID != strconv.FormatInt(rep.ID, 10) || entry.ActorID != rep.ID || !strings.Contains(entry.After, `"method":"oidc"`) {
		t.Errorf("audit entry %+v, want a sign-in of person %d with method oidc", entry, rep.ID)
	}
	sessions, err := e.app.Sessions(apptest.Context(rep))
	if err != nil || len(sessions) != 1 || sessions[0].Method != "oidc" {
		t.Errorf("sessions of %s = %+v (%v), want one by oidc", rep.Email, sessions, err)
	}
}

func TestOIDCFailures(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, nil)
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "在职", Email: "active@test.example"})
	gone := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "离职", Email: "gone@test.example"})
	gone.Active = false
	if _, err := e.app.SavePerson(apptest.Context(e.admin), gone); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	good := map[string]any{"email": "active@test.example"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		claims map[string]any
		// change alters the callback: its cookie and query.
		change      func(cookie *string, q url.Values)
		wantError   string // the sign-in page's error key
		wantReason  string // of the signin_failed audit entry
		wantEmail   string // … and its person
		wantNoToken bool   // refused before asking the provider for tokens
	}{
		{name: "control: everything right", claims: good},
		{name: "wrong state", claims: good, change: func(_ *string, q url.Values) { q.Set("state", strings.Repeat("A", 43)) },
			wantError: "sso", wantReason: "state", wantNoToken: true},
		{name: "no state", claims: good, change: func(_ *string, q url.Values) { q.Del("state") },
			wantError: "sso", wantReason: "state", wantNoToken: true},
		{name: "no cookie: the callback in another browser", claims: good, change: func(c *string, _ url.Values) { *c = "" },
			wantError: "sso", wantReason: "state", wantNoToken: true},
		{name: "changed cookie", claims: good, change: func(c *string, _ url.Values) { *c = (*c)[1:] + "x" },
			wantError: "sso", wantReason: "state", wantNoToken: true},
		{name: "provider error", claims: good, change: func(_ *string, q url.Values) { q.Del("code"); q.Set("error", "access_denied") },
			wantError: "sso", wantReason: "provider", wantNoToken: true},
		{name: "code of another sign-in (PKCE)", claims: with("_challenge", strings.Repeat("B", 43)),
			wantError: "sso", wantReason: "exchange"},
		{name: "wrong nonce", claims: with("nonce", "nonce-of-another-sign-in-0123456789abcdef"), wantError: "sso", wantReason: "nonce"},
		{name: "no nonce", claims: with("nonce", nil), wantError: "sso", wantReason: "nonce"},
		{name: "expired token", claims: with("iat", time.Now().Add(-time.Hour).Unix(), "exp", time.Now().Add(-time.Minute).Unix()),
			wantError: "sso", wantReason: "token"},
		{name: "wrong audience", claims: with("aud", "another-client"), wantError: "sso", wantReason: "token"},
		{name: "wrong issuer", claims: with("iss", "https://idp.evil.example"), wantError: "sso", wantReason: "token"},
		{name: "signed by another key", claims: with("_forged", true), wantError: "sso", wantReason: "token"},
		{name: "unverified e-mail", claims: with("email_verified", false), wantError: "sso", wantReason: "email_unverified", wantEmail: "active@test.example"},
		{name: "e-mail verified as the string false", claims: with("email_verified", "false"), wantError: "sso", wantReason: "email_unverified", wantEmail: "active@test.example"},
		{name: "no email_verified", claims: with("email_verified", nil), wantError: "sso", wantReason: "email_unverified", wantEmail: "active@test.example"},
		{name: "no e-mail", claims: with("email", nil), wantError: "sso", wantReason: "no_email"},
		{name: "no such person", claims: with("email", "stranger@test.example"), wantError: "sso_unknown", wantReason: "unknown", wantEmail: "stranger@test.example"},
		{name: "inactive person", claims: with("email", "GONE@test.example"), wantError: "sso_unknown", wantReason: "inactive", wantEmail: "gone@test.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cookie, location := e.beginSSO(t, "/accounts")
			code, state := op.authorize(t, location, tc.claims)
			q := url.Values{"code": {code}, "state": {state}}
			if tc.change != nil {
				tc.change(&cookie, q)
			}
			res := e.callback(t, cookie, q)
			if tc.wantError == "" {
				if res.Header.Get("Location") != "/accounts" || signedIn(res) == "" {
					t.Fatalf("callback = %d to %q, want a session and /accounts", res.Status, res.Header.Get("Location"))
				}
				return
			}
			want := "/signin?error=" + tc.wantError + "&back=%2Faccounts"
			if tc.wantReason == "state" {
				want = "/signin?error=sso" // the pending sign-in, with its way back, is not known
			}
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != want {
				t.Errorf("callback = %d to %q, want 303 to %q", res.Status, res.Header.Get("Location"), want)
			}
			if s := signedIn(res); s != "" {
				t.Errorf("callback set a session")
			}
			if n := op.exchanges(code); tc.wantNoToken && n != 0 {
				t.Errorf("token requests = %d, want none", n)
			}
			entry := lastAudit(t, e, "signin_failed")
			if !strings.Contains(entry.After, `"reason":"`+tc.wantReason+`"`) || !strings.Contains(entry.After, `"method":"oidc"`) ||
				entry.EntityID != tc.wantEmail {
				t.Errorf("audit entry %+v, want reason %s about %q", entry, tc.wantReason, tc.wantEmail)
			}
			// The page it lands on explains.
			page := e.do(t, "GET", res.Header.Get("Location"), "", nil)
			if !strings.Contains(page.Body, tr(zh, "signin.error."+tc.wantError)) {
				t.Errorf("GET %s lacks the message %s", res.Header.Get("Location"), tc.wantError)
			}
		})
	}
}

// A state is good once, even with a fresh code for the same authorization
// request, and is refused before KAM asks the provider for tokens.
func TestOIDCReplay(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, nil)
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "replay@test.example"})
	cookie, location := e.beginSSO(t, "")
	claims := map[string]any{"email": "replay@test.example"}
	code, state := op.authorize(t, location, claims)
	q := url.Values{"code": {code}, "state": {state}}
	if res := e.callback(t, cookie, q); signedIn(res) == "" || res.Header.Get("Location") != "/" {
		t.Fatalf("first callback = %d to %q, want a session", res.Status, res.Header.Get("Location"))
	}
	code2, _ := op.authorize(t, location, claims)
	for _, q := range []url.Values{q, {"code": {code2}, "state": {state}}} {
		res := e.callback(t, cookie, q)
		if signedIn(res) != "" || res.Header.Get("Location") != "/signin?error=sso" {
			t.Errorf("replayed callback = %d to %q, want /signin?error=sso and no session", res.Status, res.Header.Get("Location"))
		}
	}
	if n1, n2 := op.exchanges(code), op.exchanges(code2); n1 != 1 || n2 != 0 {
		t.Errorf("token requests = %d and %d, want 1 and 0", n1, n2)
	}
}

// The way back after single sign-on stays on KAM's site.
func TestOIDCBack(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, nil)
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "back@test.example"})
	for _, tc := range []struct{ back, want string }{
		{"/accounts?q=华为&tier=A", "/accounts?q=%e5%8d%8e%e4%b8%ba&tier=A"}, // as http.Redirect escapes it
		{"", "/"},
		{"//evil.example/x", "/"},
		{"https://evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"javascript:alert(1)", "/"},
	} {
		cookie, location := e.beginSSO(t, tc.back)
		code, state := op.authorize(t, location, map[string]any{"email": "back@test.example"})
		// A back on the callback itself is not listened to.
		res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}, "back": {"//evil.example"}})
		if signedIn(res) == "" || res.Header.Get("Location") != tc.want {
			t.Errorf("back %q: callback = %d to %q, want a session and %q", tc.back, res.Status, res.Header.Get("Location"), tc.want)
		}
	}
}

// kam serve starts while the provider is down; single sign-on works once
// it is up, without a restart.
func TestOIDCProviderDownAtStart(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	op.down.Store(true)
	e := oidcEnv(t, op.issuer, nil)
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "patient@test.example"})
	for range 2 {
		res := e.do(t, "GET", "/signin/oidc?back=/accounts", "", nil)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/signin?error=sso&back=%2Faccounts" {
			t.Fatalf("GET /signin/oidc with the provider down = %d to %q, want the sign-in page's error", res.Status, res.Header.Get("Location"))
		}
		if _, ok := cookieOf(res, "kam_oidc"); ok {
			t.Error("a pending sign-in was begun while the provider is down")
		}
	}
	if res := e.do(t, "GET", "/signin", "", nil); res.Status != http.StatusOK || !strings.Contains(res.Body, `id="signin-sso"`) {
		t.Fatalf("GET /signin with the provider down = %d", res.Status)
	}
	op.down.Store(false)
	cookie, location := e.beginSSO(t, "/accounts")
	code, state := op.authorize(t, location, map[string]any{"email": "patient@test.example"})
	if res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}}); signedIn(res) == "" || res.Header.Get("Location") != "/accounts" {
		t.Fatalf("callback once the provider is up = %d to %q, want a session", res.Status, res.Header.Get("Location"))
	}
}

// The client secret KAM holds is the one the provider checks.
func TestOIDCWrongClientSecret(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, func(c *web.OIDCConfig) { c.ClientSecret = "not-the-secret" })
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "secret@test.example"})
	cookie, location := e.beginSSO(t, "")
	code, state := op.authorize(t, location, map[string]any{"email": "secret@test.example"})
	res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}})
	if signedIn(res) != "" || res.Header.Get("Location") != "/signin?error=sso" {
		t.Errorf("callback = %d to %q, want /signin?error=sso", res.Status, res.Header.Get("Location"))
	}
	if op.exchanges(code) != 0 {
		t.Errorf("the provider accepted a token request with the wrong secret")
	}
}

// Without single sign-on configured, its routes do not exist.
func TestOIDCNotConfigured(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	e.cookie = ""
	for _, path := range []string{"/signin/oidc", "/signin/oidc/callback?code=x&state=y"} {
		if res := e.do(t, "GET", path, "", nil); res.Status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.Status)
		}
	}
	if res := e.do(t, "GET", "/signin", "", nil); strings.Contains(res.Body, `id="signin-sso"`) {
		t.Error("the sign-in page offers single sign-on that is not configured")
	}
}

// A configuration that cannot work is refused at start; a provider that
// cannot be reached is not.
func TestOIDCConfig(t *testing.T) {
	t.Parallel()
	a := app.New(storetest.New(t), app.Options{Auth: apptest.FastAuth})
	for _, tc := range []struct {
		name string
		cfg  web.OIDCConfig
		ok   bool
	}{
		{"unreachable provider", web.OIDCConfig{Issuer: "https://127.0.0.1:1/realms/x", ClientID: "c", ClientSecret: "s", RedirectURL: opRedirect}, true},
		{"issuer not a URL", web.OIDCConfig{Issuer: "idp.example.com", ClientID: "c", ClientSecret: "s", RedirectURL: opRedirect}, false},
		{"redirect not a URL", web.OIDCConfig{Issuer: "https://idp.example.com", ClientID: "c", ClientSecret: "s", RedirectURL: "/signin/oidc/callback"}, false},
		{"no secret", web.OIDCConfig{Issuer: "https://idp.example.com", ClientID: "c", RedirectURL: opRedirect}, false},
	} {
		_, err := server.New(a, server.Options{OIDC: &tc.cfg})
		if (err == nil) != tc.ok {
			t.Errorf("%s: server.New = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// The ID token of Microsoft Entra ID has no email_verified; with
// AssumeEmailVerified its e-mail address is taken, and false still refused.
func TestOIDCAssumeEmailVerified(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	e := oidcEnv(t, op.issuer, func(c *web.OIDCConfig) { c.AssumeEmailVerified = true })
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "entra@test.example"})
	for _, tc := range []struct {
		verified any
		ok       bool
	}{{nil, true}, {false, false}, {true, true}} {
		cookie, location := e.beginSSO(t, "")
		code, state := op.authorize(t, location, map[string]any{"email": "entra@test.example", "email_verified": tc.verified})
		res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}})
		if (signedIn(res) != "") != tc.ok {
			t.Errorf("email_verified %v: callback = %d to %q, want signed in %v", tc.verified, res.Status, res.Header.Get("Location"), tc.ok)
		}
	}
}

// Several kam serve share one database behind a load balancer: the
// callback may reach another one than the sign-in began on.
func TestOIDCTwoServers(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	first := oidcEnv(t, op.issuer, nil)
	second := oidcServer(t, first.app.Store(), web.OIDCConfig{Name: "Keycloak", Issuer: op.issuer, ClientID: opClientID,
		ClientSecret: opSecret, RedirectURL: opRedirect}, nil)
	apptest.Person(t, first.app, crm.RoleMember, crm.Person{Email: "balanced@test.example"})
	cookie, location := first.beginSSO(t, "/accounts")
	code, state := op.authorize(t, location, map[string]any{"email": "balanced@test.example"})
	res := second.callback(t, cookie, url.Values{"code": {code}, "state": {state}})
	if signedIn(res) == "" || res.Header.Get("Location") != "/accounts" {
		t.Fatalf("callback on the other server = %d to %q, want a session", res.Status, res.Header.Get("Location"))
	}
	if res := first.callback(t, cookie, url.Values{"code": {code}, "state": {state}}); signedIn(res) != "" {
		t.Error("the state was used a second time on the first server")
	}
}

// A pending sign-in lasts ten minutes.
func TestOIDCPendingExpires(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	e := oidcServer(t, storetest.New(t), web.OIDCConfig{Name: "Keycloak", Issuer: op.issuer, ClientID: opClientID,
		ClientSecret: opSecret, RedirectURL: opRedirect}, func() time.Time { return time.Unix(0, clock.Load()) })
	apptest.Person(t, e.app, crm.RoleMember, crm.Person{Email: "slow@test.example"})
	for _, tc := range []struct {
		wait time.Duration
		ok   bool
	}{{9 * time.Minute, true}, {10 * time.Minute, false}} {
		cookie, location := e.beginSSO(t, "")
		code, state := op.authorize(t, location, map[string]any{"email": "slow@test.example"})
		clock.Add(int64(tc.wait))
		res := e.callback(t, cookie, url.Values{"code": {code}, "state": {state}})
		if (signedIn(res) != "") != tc.ok {
			t.Errorf("callback after %v = %d to %q, want signed in %v", tc.wait, res.Status, res.Header.Get("Location"), tc.ok)
		}
		if !tc.ok && op.exchanges(code) != 0 {
			t.Errorf("callback after %v asked the provider for tokens", tc.wait)
		}
	}
}
