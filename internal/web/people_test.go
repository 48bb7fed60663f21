package web_test

import (
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/web"
)

// anon is the header of a visitor without a session.
var anon = map[string]string{"Cookie": web.SessionCookie + "="}

// sessionCookie returns the (last) session cookie an answer sets, if any.
func sessionCookie(res response) *http.Cookie {
	var out *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == web.SessionCookie {
			out = c
		}
	}
	return out
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "李区域", Email: "li@test.example"})
	for _, l := range []lang{langs[0], langs[1]} {
		t.Run(l.name, func(t *testing.T) {
			e.run(t, l, scenario{path: "/pyramid?year=2025", header: anon, wantStatus: 303,
				wantHeader: map[string]string{"Location": "/signin?back=%2Fpyramid%3Fyear%3D2025"}})
			e.run(t, l, scenario{path: "/signin?back=/pyramid", header: anon, wantStatus: 200,
				wantBody: []string{`action="/signin"`, `name="back" value="/pyramid"`, tr(l.p, "signin.title")},
				notBody:  []string{`id="user-menu"`, `href="/accounts"`}})
			e.run(t, l, scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", "wrong password!"),
				wantStatus: 401, wantBody: []string{tr(l.p, "signin.bad_credentials"), `value="li@test.example"`}})
			res := e.run(t, l, scenario{path: "/signin", header: anon, form: form("email", "LI@test.example", "password", apptest.Password, "back", "/accounts?tier=A"),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/accounts?tier=A"}})
			c := sessionCookie(res)
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || len(c.Value) < 40 {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", c)
			}
			mine := map[string]string{"Cookie": web.SessionCookie + "=" + c.Value}
			e.run(t, l, scenario{path: "/pyramid", header: mine, wantStatus: 200, wantBody: []string{`id="user-menu"`, "李区域"}})
			e.run(t, l, scenario{path: "/signin", header: mine, wantStatus: 303})
			// An off-site back is not followed.
			res = e.run(t, l, scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", apptest.Password, "back", "//evil.example/x"),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/"}})
			if c2 := sessionCookie(res); c2 == nil || c2.Value == c.Value {
				t.Errorf("a second sign-in kept the session ID")
			}
			// Sign-out ends the session: the cookie no longer opens pages.
			e.run(t, l, scenario{path: "/signout", method: "POST", header: mine, wantStatus: 303, wantHeader: map[string]string{"Location": "/signin"},
				check: func(t *testing.T, res response) {
					if c := sessionCookie(res); c == nil || c.MaxAge >= 0 {
						t.Errorf("sign-out did not clear the cookie: %+v", c)
					}
				}})
			e.run(t, l, scenario{path: "/pyramid", header: mine, wantStatus: 303})
			// A session fixed by someone else (any value) is never signed in.
			e.run(t, l, scenario{path: "/pyramid", header: map[string]string{"Cookie": web.SessionCookie + "=attacker-chosen"}, wantStatus: 303})
		})
	}
}

func TestSignInSecureCookie(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
	req := httptest.NewRequest("POST", "https://kam.example/signin", strings.NewReader(form("email", p.Email, "password", apptest.Password).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	requested.Store(req.Pattern, true)
	c := sessionCookie(response{Header: rec.Header()})
	if rec.Code != 303 || c == nil || !c.Secure {
		t.Fatalf("sign-in over TLS = %d, cookie %+v: want Secure", rec.Code, c)
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
	for i := 0; i < 5; i++ {
		e.run(t, langs[0], scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", "nope nope nope"), wantStatus: 401})
	}
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", apptest.Password), wantStatus: 429,
			wantBody: []string{tr(l.p, "signin.throttled", 15)}, wantHeader: map[string]string{"Retry-After": "900"}})
	}
}

func TestFirstRunPage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	// The environment's administrator exists: no first-run page.
	e.run(t, langs[0], scenario{path: "/setup", header: anon, wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/setup", header: anon, form: form("name", "X", "email", "x@test.example", "password", "a long passphrase", "password2", "a long passphrase"), wantStatus: 404})

	fresh := newEnvWithoutPeople(t)
	for _, l := range []lang{langs[0], langs[1]} {
		fresh.run(t, l, scenario{path: "/accounts", header: anon, wantStatus: 303, wantHeader: map[string]string{"Location": "/setup"}})
		fresh.run(t, l, scenario{path: "/signin", header: anon, wantStatus: 303, wantHeader: map[string]string{"Location": "/setup"}})
		fresh.run(t, l, scenario{path: "/setup", header: anon, wantStatus: 200, wantBody: []string{tr(l.p, "setup.intro"), `action="/setup"`}})
		fresh.run(t, l, scenario{path: "/setup", header: anon, form: form("name", "王总", "email", "wang@test.example", "password", "a long passphrase", "password2", "another one"),
			wantStatus: 422, wantBody: []string{tr(l.p, "error.password.mismatch"), `value="wang@test.example"`}, notBody: []string{"a long passphrase"}})
		fresh.run(t, l, scenario{path: "/setup", header: anon, form: form("name", "王总", "email", "wang@test.example", "password", "short", "password2", "short"),
			wantStatus: 422, wantBody: []string{tr(l.p, "error.password.short")}})
	}
	res := fresh.run(t, langs[0], scenario{path: "/setup", header: anon, form: form("name", "王总", "email", "wang@test.example", "password", "a long passphrase", "password2", "a long passphrase"),
		wantStatus: 303, wantHeader: map[string]string{"Location": "/org?flash=setup_done"}})
	c := sessionCookie(res)
	if c == nil {
		t.Fatal("no session after the first run")
	}
	fresh.run(t, langs[0], scenario{path: "/org?flash=setup_done", header: map[string]string{"Cookie": web.SessionCookie + "=" + c.Value}, wantStatus: 200,
		wantBody: []string{en.T("flash.setup_done"), "王总"}})
	fresh.run(t, langs[0], scenario{path: "/setup", header: anon, wantStatus: 404})
	me, err := fresh.app.Store().PersonByEmail(context.Background(), "wang@test.example")
	if err != nil || me.Role != crm.RoleAdmin || me.Scope != crm.ScopeAll {
		t.Errorf("first administrator %+v, %v", me, err)
	}
}

// newEnvWithoutPeople is an environment whose store has no person at all.
func newEnvWithoutPeople(t *testing.T) *env {
	t.Helper()
	e := emptyEnv(t)
	s := e.app.Store()
	ctx := context.Background()
	// Remove the administrator newEnv made (and its session), as on a
	// fresh installation.
	for _, q := range []string{`DELETE FROM sessions`, `DELETE FROM api_tokens`, `DELETE FROM signin_attempts`, `DELETE FROM people`} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	e.cookie = ""
	return e
}

var tokenRE = regexp.MustCompile(`kam_[A-Za-z0-9_-]{43}`)

func TestMePage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "张项目"})
	cookie := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, p)}
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/me", header: cookie, wantStatus: 200,
			wantBody: []string{"张项目", p.Email, tr(l.p, "role.MEMBER"), tr(l.p, "scope.OWN"), `id="sessions"`, tr(l.p, "me.this_session")}})
		e.run(t, l, scenario{path: "/me/password", header: cookie, form: form("current", apptest.Password, "password", "a new passphrase", "password2", "different"),
			wantStatus: 422, wantBody: []string{tr(l.p, "error.password.mismatch")}})
		e.run(t, l, scenario{path: "/me/password", header: cookie, form: form("current", "not it at all", "password", "a new passphrase", "password2", "a new passphrase"),
			wantStatus: 422, wantBody: []string{tr(l.p, "error.password.current")}})
		e.run(t, l, scenario{path: "/me/tokens", header: cookie, form: form("name", ""), wantStatus: 422, wantBody: []string{tr(l.p, "error.required")}})
	}
	other := apptest.Session(t, e.app, p)
	e.run(t, langs[0], scenario{path: "/me/password", header: cookie, form: form("current", apptest.Password, "password", "a new passphrase", "password2", "a new passphrase"),
		wantStatus: 303, wantHeader: map[string]string{"Location": "/me?flash=password_changed"}})
	e.run(t, langs[0], scenario{path: "/pyramid", header: map[string]string{"Cookie": web.SessionCookie + "=" + other}, wantStatus: 303})

	// A token is shown once, then only its last characters.
	res := e.run(t, langs[0], scenario{path: "/me/tokens", header: cookie, form: form("name", "日报脚本", "valid_days", "30"), wantStatus: 201,
		wantHeader: map[string]string{"Cache-Control": "no-store"}, wantBody: []string{`id="new-token"`}})
	tok := tokenRE.FindString(res.Body)
	if tok == "" {
		t.Fatalf("no token on the page: %.500s", element(t, res.Body, "div", "new-token"))
	}
	res = e.run(t, langs[0], scenario{path: "/me", header: cookie, wantStatus: 200, wantBody: []string{"日报脚本", "…" + tok[len(tok)-4:]}})
	if strings.Contains(res.Body, tok) {
		t.Error("the token is shown again")
	}
	// It opens the API as its person.
	e.run(t, langs[0], scenario{path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + tok, "Cookie": web.SessionCookie + "="}, wantStatus: 200,
		wantBody: []string{`"email":"` + p.Email + `"`}})
	tokens, err := e.app.Tokens(apptest.Context(p))
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %v %v", tokens, err)
	}
	revoke := fmt.Sprintf("/me/tokens/%d/revoke", tokens[0].ID)
	e.run(t, langs[0], scenario{path: revoke, method: "POST", header: cookie, wantStatus: 303})
	e.run(t, langs[0], scenario{path: revoke, method: "POST", header: cookie, wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/me/tokens/abc/revoke", method: "POST", header: cookie, wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/api/v1/me", header: map[string]string{"Authorization": "Bearer " + tok, "Cookie": web.SessionCookie + "="}, wantStatus: 401})
	// The administrator's token cannot be revoked by p.
	apptest.Token(t, e.app, e.admin)
	adminTokens, _ := e.app.Tokens(apptest.Context(e.admin))
	e.run(t, langs[0], scenario{path: fmt.Sprintf("/me/tokens/%d/revoke", adminTokens[0].ID), method: "POST", header: cookie, wantStatus: 404})

	// Sign out everywhere.
	tok2, _, err := e.app.SignIn(context.Background(), p.Email, "a new passphrase", "", "")
	if err != nil {
		t.Fatal(err)
	}
	second := map[string]string{"Cookie": web.SessionCookie + "=" + tok2}
	e.run(t, langs[0], scenario{path: "/me/signout-everywhere", method: "POST", header: cookie, wantStatus: 303, wantHeader: map[string]string{"Location": "/signin"}})
	e.run(t, langs[0], scenario{path: "/me", header: second, wantStatus: 303})
	e.run(t, langs[0], scenario{path: "/me", header: cookie, wantStatus: 303})
}

func TestPeoplePages(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := context.Background()
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/org", wantStatus: 200, wantBody: []string{tr(l.p, "org.departments"), `action="/org/departments"`}})
		e.run(t, l, scenario{path: "/org/departments", form: form("dept_name", "", "dept_kind", "SALES"), wantStatus: 422,
			wantBody: []string{tr(l.p, "error.required")}})
		e.run(t, l, scenario{path: "/org/departments", form: form("dept_name", "市场部", "dept_kind", "PIRATES"), wantStatus: 422,
			wantBody: []string{tr(l.p, "error.department.kind"), `value="市场部"`}})
	}
	e.run(t, langs[0], scenario{path: "/org/departments", form: form("dept_name", "销售部", "dept_kind", "SALES"), wantStatus: 303})
	e.run(t, langs[1], scenario{path: "/org/departments", form: form("dept_name", "销售部", "dept_kind", "SALES"), wantStatus: 409,
		wantBody: []string{tr(zh, "error.org.conflict")}})
	depts, _ := e.app.Departments(ctx)
	if len(depts) != 1 {
		t.Fatalf("departments %+v", depts)
	}
	d := fmt.Sprint(depts[0].ID)
	e.run(t, langs[0], scenario{path: "/org/teams", form: form("team_name", "华东区", "team_department", d, "team_region", "华东"), wantStatus: 303})
	e.run(t, langs[0], scenario{path: "/org/teams", form: form("team_name", "X", "team_department", "99999"), wantStatus: 422,
		wantBody: []string{tr(en, "error.team.department")}})
	e.run(t, langs[1], scenario{path: "/org", wantStatus: 200, wantBody: []string{"销售部", "华东区", tr(zh, "dept.SALES")}})
	teams, _ := e.app.Teams(ctx)

	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/people/new", wantStatus: 200, wantBody: []string{`action="/people"`, tr(l.p, "role.AUDITOR"), "华东区"}})
		e.run(t, l, scenario{path: "/people", form: form("name", "赵经理", "email", "not-an-email", "role", "MANAGER", "scope", "TEAM", "active", "1"),
			wantStatus: 422, wantBody: []string{tr(l.p, "error.person.email"), `value="赵经理"`}})
	}
	res := e.run(t, langs[1], scenario{path: "/people", form: form("name", "赵经理", "email", "Zhao@Test.example", "role", "MANAGER", "scope", "TEAM",
		"department", d, "team", fmt.Sprint(teams[0].ID), "track", "REGIONAL", "role_family", "REGIONAL_SALES", "active", "1"), wantStatus: 303})
	loc := res.Header.Get("Location")
	path := strings.TrimSuffix(loc, "?flash=saved")
	e.run(t, langs[1], scenario{path: loc, wantStatus: 200, wantBody: []string{"赵经理", "zhao@test.example", tr(zh, "track.REGIONAL"),
		tr(zh, "family.REGIONAL_SALES"), tr(zh, "scope.TEAM"), `id="audit"`, "permission_change"[:0] + "create"}})
	e.run(t, langs[0], scenario{path: "/people?q=zhao", wantStatus: 200, wantBody: []string{"赵经理"}})
	e.run(t, langs[0], scenario{path: "/people?team=" + fmt.Sprint(teams[0].ID), wantStatus: 200, wantBody: []string{"赵经理"}})
	e.run(t, langs[0], scenario{path: "/people?q=nobody-here", wantStatus: 200, wantBody: []string{tr(en, "people.none")}})
	e.run(t, langs[0], scenario{path: path + "/edit", wantStatus: 200, wantBody: []string{`value="zhao@test.example"`, `name="version" value="1"`}})
	e.run(t, langs[0], scenario{path: path, form: form("name", "赵经理", "email", "zhao@test.example", "role", "DEPT_HEAD", "scope", "DEPARTMENT",
		"department", d, "active", "1", "version", "1"), wantStatus: 303})
	// The same stale version again: refused, nothing overwritten.
	e.run(t, langs[0], scenario{path: path, form: form("name", "Overwrite", "email", "zhao@test.example", "role", "MEMBER", "scope", "OWN",
		"active", "1", "version", "1"), wantStatus: 409, wantBody: []string{tr(en, "error.person.conflict")}})
	e.run(t, langs[0], scenario{path: path, wantStatus: 200, wantBody: []string{tr(en, "role.DEPT_HEAD")}, notBody: []string{"Overwrite"}})
	e.run(t, langs[0], scenario{path: "/people/99999", wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/people/99999/edit", wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/people/abc", wantStatus: 404})

	// Passwords set by the administrator, and forced sign-out.
	e.run(t, langs[0], scenario{path: path + "/password", form: form("password", "short"), wantStatus: 422, wantBody: []string{tr(en, "error.password.short")}})
	e.run(t, langs[0], scenario{path: path + "/password", form: form("password", "a long passphrase"), wantStatus: 303})
	zhao, err := e.app.Store().PersonByEmail(ctx, "zhao@test.example")
	if err != nil || !zhao.HasPassword {
		t.Fatalf("password not set: %+v %v", zhao, err)
	}
	if _, _, err := e.app.SignIn(ctx, zhao.Email, "a long passphrase", "", ""); err != nil {
		t.Fatalf("sign in with the new password: %v", err)
	}
	e.run(t, langs[0], scenario{path: path + "/signout", method: "POST", wantStatus: 303, wantHeader: map[string]string{"Location": path + "?flash=signed_out"}})
	if sessions, _ := e.app.Store().SessionsOf(ctx, zhao.ID); len(sessions) != 0 {
		t.Errorf("%d sessions left after a forced sign-out", len(sessions))
	}
	e.run(t, langs[0], scenario{path: "/people/99999/signout", method: "POST", wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/people/99999/password", form: form("password", "a long passphrase"), wantStatus: 404})
}

func TestAuditPage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := apptest.Context(e.admin)
	if _, err := e.app.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/audit", wantStatus: 200, wantBody: []string{tr(l.p, "audit.title"), "department", "客服部", "signin", "192.0.2.1"}})
	}
	e.run(t, langs[0], scenario{path: "/audit?entity=department&action=create", wantStatus: 200, wantBody: []string{"客服部"}, notBody: []string{">signin<"}})
	e.run(t, langs[0], scenario{path: "/audit?from=2026-11-28", wantStatus: 200, wantBody: []string{tr(en, "audit.none")}})
	e.run(t, langs[0], scenario{path: "/audit?from=yesterday", wantStatus: 422, wantBody: []string{tr(en, "error.period.dates")}})
	res := e.run(t, langs[0], scenario{path: "/audit/export?format=csv&entity=department", wantStatus: 200,
		wantHeader: map[string]string{"Content-Type": "text/csv; charset=utf-8"}})
	lines := strings.Split(strings.TrimSpace(res.Body), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], en.T("audit.actor")) || !strings.Contains(lines[1], "客服部") {
		t.Errorf("audit CSV:\n%s", res.Body)
	}
	e.run(t, langs[0], scenario{path: "/audit/export?format=xlsx", wantStatus: 200})
	e.run(t, langs[0], scenario{path: "/audit/export?format=pdf", wantStatus: 400})
	log, _ := e.app.AuditLog(ctx, store.AuditFilter{Entity: "department"})
	if len(log) != 1 || log[0].ActorID != e.admin.ID {
		t.Errorf("department audit %+v", log)
	}
}

// multipartFile builds a multipart body with one file and form fields.
func multipartFile(t *testing.T, name string, content []byte, fields map[string]string) (string, string) {
	t.Helper()
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestPeopleImportPage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	good := "姓名,邮箱,部门,部门类型,团队,角色\n钱经理,qian@test.example,销售部,销售部,华南区,经理\n孙区域,sun@test.example,销售部,,华南区,成员\n"
	bad := "姓名,邮箱,角色\n钱经理,qian@test.example,国王\n"
	for _, l := range []lang{langs[0], langs[1]} {
		body, ct := multipartFile(t, "people.csv", []byte(bad), nil)
		e.run(t, l, scenario{method: "POST", path: "/people/import", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 422,
			wantBody: []string{`id="people-import-problems"`, tr(l.p, "people_import.problems", 1), tr(l.p, "error.person.role"), "国王"}})
		body, ct = multipartFile(t, "people.xlsx", []byte(good), nil)
		e.run(t, l, scenario{method: "POST", path: "/people/import", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 422,
			wantBody: []string{`id="people-import-error"`}})
		body, ct = multipartFile(t, "people.csv", []byte(good), map[string]string{"dry_run": "1"})
		e.run(t, l, scenario{method: "POST", path: "/people/import", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 200,
			wantBody: []string{tr(l.p, "people_import.dry_run", 2, 2, 0, 1, 1)}})
	}
	if people, _ := e.app.People(apptest.Context(e.admin), store.PeopleFilter{Query: "test.example"}); len(people) != 1 {
		t.Fatalf("after failed and dry runs: %d people, want the administrator only", len(people))
	}
	body, ct := multipartFile(t, "people.csv", []byte(good), nil)
	e.run(t, langs[1], scenario{method: "POST", path: "/people/import", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 200,
		wantBody: []string{tr(zh, "people_import.done", 2, 2, 0, 1, 1), "华南区", "销售部"}})
	e.run(t, langs[0], scenario{method: "POST", path: "/people/import", body: "x", wantStatus: 400})
}

// TestSettingsGates: the lifecycle gates and the handover period are part of
// the versioned method; a gate whose module does not exist cannot be
// switched on; only administrators see the save button.
func TestSettingsGates(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	m := crm.DefaultMethod()
	base := form("tier_rows", "4", "band_rows", "3", "fiscal_year_start", "1", "downgrade_after", "2", "gates", "1",
		"gate_contract_signed", "1", "gate_handover_accepted", "1", "handover_days", "45", "note", "gates")
	for i, tr := range m.Tiers {
		base.Set(fmt.Sprintf("tier_name_%d", i), tr.Name)
		base.Set(fmt.Sprintf("tier_min_%d", i), tr.Min.String())
	}
	for i, b := range m.Bands {
		base.Set(fmt.Sprintf("band_name_%d", i), b.Name)
		base.Set(fmt.Sprintf("band_pct_%d", i), fmt.Sprint(float64(b.TopBP)/100))
		base.Set(fmt.Sprintf("band_expected_%d", i), fmt.Sprint(b.ExpectedShare*100))
	}
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/settings", wantStatus: 200, wantBody: []string{`id="settings-gates"`, tr(l.p, "gate.certified_owner"),
			tr(l.p, "settings.gate_unavailable"), `name="gate_binding_score" value="1" disabled`, `name="handover_days" value="30"`}})
		bad := url.Values{}
		for k, v := range base {
			bad[k] = v
		}
		bad.Set("gate_binding_score", "1")
		e.run(t, l, scenario{path: "/settings", form: bad, wantStatus: 422, wantBody: []string{tr(l.p, "error.method.gates.unavailable")}})
		bad.Del("gate_binding_score")
		bad.Set("handover_days", "0")
		e.run(t, l, scenario{path: "/settings", form: bad, wantStatus: 422, wantBody: []string{tr(l.p, "error.method.handover_days")}})
	}
	e.run(t, langs[0], scenario{path: "/settings", form: base, wantStatus: 303})
	got, version, err := e.app.Method(context.Background())
	if err != nil || version != 1 || got.HandoverDays != 45 || got.Gates[crm.GateManagerConfirmsLoss] || !got.Gates[crm.GateContract] {
		t.Errorf("saved method v%d: handover %d, gates %v, %v", version, got.HandoverDays, got.Gates, err)
	}
	member := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
	mine := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, member)}
	e.run(t, langs[0], scenario{path: "/settings", header: mine, wantStatus: 200, wantBody: []string{tr(en, "settings.admin_only")}})
	e.run(t, langs[0], scenario{path: "/settings", header: mine, form: base, wantStatus: 403})
}

func TestOrgEdit(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := apptest.Context(e.admin)
	d, _ := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	tm, _ := e.app.SaveTeam(ctx, crm.Team{DepartmentID: d.ID, Name: "华东区"})
	id, tid := fmt.Sprint(d.ID), fmt.Sprint(tm.ID)
	e.run(t, langs[1], scenario{path: "/org", wantStatus: 200, wantBody: []string{`name="dept_id" value="` + id + `"`, `name="team_id" value="` + tid + `"`}})
	e.run(t, langs[0], scenario{path: "/org/departments", form: form("dept_id", id, "dept_version", "1", "dept_name", "销售中心", "dept_kind", "SALES"), wantStatus: 303})
	e.run(t, langs[0], scenario{path: "/org/departments", form: form("dept_id", id, "dept_version", "1", "dept_name", "Stale", "dept_kind", "SALES"), wantStatus: 409})
	e.run(t, langs[0], scenario{path: "/org/departments", form: form("dept_id", "999", "dept_version", "1", "dept_name", "X", "dept_kind", "SALES"), wantStatus: 404})
	e.run(t, langs[0], scenario{path: "/org/teams", form: form("team_id", tid, "team_version", "1", "team_name", "华东一区", "team_department", id, "team_region", "上海"), wantStatus: 303})
	e.run(t, langs[0], scenario{path: "/org", wantStatus: 200, wantBody: []string{"销售中心", "华东一区", "上海"}, notBody: []string{"Stale"}})
	log, _ := e.app.AuditLog(ctx, store.AuditFilter{Entity: "department", Action: "update"})
	if len(log) != 1 || !strings.Contains(log[0].Before, "销售部") || !strings.Contains(log[0].After, "销售中心") {
		t.Errorf("rename audit %+v", log)
	}
}

// TestMyLanguage: a person chooses on /me the language they read KAM in;
// the pages switch to it, the choice is stored (notifications follow it,
// app tests) and every later sign-in brings it back.
func TestMyLanguage(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "李区域", Email: "li@test.example"})
	zh := langs[3] // Accept-Language zh-TW, no lang cookie
	mine := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, p), "Sec-Fetch-Site": "same-origin"}
	langCookie := func(res response) string {
		for _, c := range (&http.Response{Header: res.Header}).Cookies() {
			if c.Name == "lang" {
				return c.Value
			}
		}
		return ""
	}
	e.run(t, zh, scenario{path: "/me", header: mine, wantStatus: 200, wantBody: []string{`action="/me/lang"`, tr(zh.p, "me.lang_help"),
		`<option value="" selected>`}})
	e.run(t, zh, scenario{path: "/me/lang", header: mine, form: form("lang", "fr"), wantStatus: 400})
	res := e.run(t, zh, scenario{path: "/me/lang", header: mine, form: form("lang", "en"), wantStatus: 303,
		wantHeader: map[string]string{"Location": "/me?flash=lang_saved"}})
	if got := langCookie(res); got != "en" {
		t.Errorf("lang cookie %q after choosing English", got)
	}
	if me, err := e.app.Store().Person(context.Background(), p.ID); err != nil || me.Lang != "en" {
		t.Fatalf("stored language %q, %v", me.Lang, err)
	}
	e.run(t, zh, scenario{path: "/me", header: mine, wantStatus: 200, wantBody: []string{`<option value="en" selected>`}})
	// A sign-in from a browser that speaks Chinese switches the pages to English.
	res = e.run(t, zh, scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", apptest.Password), wantStatus: 303})
	if got := langCookie(res); got != "en" {
		t.Errorf("lang cookie %q after sign-in, want en", got)
	}
	// Back to the default: stored as such; the pages keep the browser's choice.
	e.run(t, zh, scenario{path: "/me/lang", header: mine, form: form("lang", ""), wantStatus: 303})
	if me, _ := e.app.Store().Person(context.Background(), p.ID); me.Lang != "" {
		t.Errorf("stored language %q after choosing the default", me.Lang)
	}
	res = e.run(t, zh, scenario{path: "/signin", header: anon, form: form("email", p.Email, "password", apptest.Password), wantStatus: 303})
	if got := langCookie(res); got != "" {
		t.Errorf("lang cookie %q set at sign-in without a stored language", got)
	}
}
