package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/server"
	"kam/internal/store"
	"kam/internal/store/storetest"
	"kam/internal/web"
)

// TestAccessRules walks every route the server registers, for an anonymous
// visitor and for every role, and checks the answer against the route's
// rule: a visitor is sent to sign-in (pages) or gets 401 (API) unless the
// route is public; a role without the permission gets 403; a role with it
// gets anything but 401 and 403. A route the test does not know how to
// request fails it, so a new route cannot go untested.
func TestAccessRules(t *testing.T) {
	a := app.New(storetest.New(t), app.Options{Now: func() time.Time { return time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC) },
		Auth: apptest.FastAuth})
	ctx := context.Background()
	if _, err := a.LoadDemo(ctx, "test", demo.Options{Now: crm.MakeDate(2026, 11, 27), Accounts: 50, Lines: 500}, nil); err != nil {
		t.Fatal(err)
	}
	h, err := server.New(a, server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	dept, err := a.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	if err != nil {
		t.Fatal(err)
	}
	team, err := a.SaveTeam(ctx, crm.Team{DepartmentID: dept.ID, Name: "华东"})
	if err != nil {
		t.Fatal(err)
	}
	// The records the routes with {id} are asked about: everyone may see
	// them (the admin's scope is all, and so is each role's here, so that
	// the answer depends on the role only; scopes have their own tests).
	target := apptest.Person(t, a, crm.RoleMember, crm.Person{Name: "Target", DepartmentID: dept.ID, TeamID: team.ID})
	accounts, err := a.Accounts(ctx, store.AccountFilter{PerPage: 1})
	if err != nil || len(accounts.Accounts) == 0 {
		t.Fatalf("accounts: %v", err)
	}
	ids := map[string]string{
		"/accounts/{id}":    fmt.Sprint(accounts.Accounts[0].ID),
		"/people/{id}":      fmt.Sprint(target.ID),
		"/departments/{id}": fmt.Sprint(dept.ID),
		"/teams/{id}":       fmt.Sprint(team.ID),
	}
	sample := func(pattern string) (method, path string, ok bool) {
		method, path, _ = strings.Cut(pattern, " ")
		if path == "" {
			method, path = "GET", pattern
		}
		path = strings.TrimSuffix(path, "{$}")
		for prefix, id := range ids {
			path = strings.Replace(path, prefix, strings.Replace(prefix, "{id}", id, 1), 1)
		}
		path = strings.NewReplacer("{id}", "987654", "{token}", "0123456789abcdef", "{kind}", "accounts").Replace(path)
		switch {
		case strings.HasSuffix(path, "/static/"):
			path = "/static/x/css/app.css"
		case path == "/":
			path = "/no-such-page"
		case path == "/api/v1/":
			path = "/api/v1/no-such-resource"
		}
		return method, path, !strings.Contains(path, "{")
	}

	type who struct {
		name, role string
		header     func(api bool) map[string]string
	}
	var people []who
	people = append(people, who{name: "anonymous", header: func(bool) map[string]string { return nil }})
	for _, role := range crm.Roles {
		p := apptest.Person(t, a, role, crm.Person{DepartmentID: dept.ID, TeamID: team.ID, Scope: crm.ScopeAll})
		token := apptest.Token(t, a, p)
		people = append(people, who{name: role, role: role, header: func(api bool) map[string]string {
			if api {
				return map[string]string{"Authorization": "Bearer " + token}
			}
			// A fresh session per request: some routes sign out.
			return map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, a, p)}
		}})
	}

	rules := h.Rules()
	seen := map[string]bool{}
	for _, r := range rules {
		seen[r.Pattern] = true
		want, ok := wantRules[r.Pattern]
		switch {
		case !ok:
			t.Errorf("route %q (rule %s) is not in wantRules: add it with the permission it must need", r.Pattern, r.Perm)
		case want != r.Perm:
			t.Errorf("route %q needs %s, want %s", r.Pattern, r.Perm, want)
		}
	}
	for p := range wantRules {
		if !seen[p] {
			t.Errorf("wantRules lists %q, which the server no longer registers", p)
		}
	}
	for _, r := range rules {
		method, path, ok := sample(r.Pattern)
		if !ok {
			t.Errorf("route %q: the access test does not know how to request it; teach sample()", r.Pattern)
			continue
		}
		api := strings.HasPrefix(path, "/api/")
		for _, w := range people {
			req := httptest.NewRequest(method, path, strings.NewReader(""))
			if method != http.MethodGet {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if api {
					req.Header.Set("Content-Type", "application/json")
				}
			}
			for k, v := range w.header(api) {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got, loc := rec.Code, rec.Header().Get("Location")
			where := fmt.Sprintf("%s %s as %s (rule %s)", method, path, w.name, r.Perm)
			switch {
			case r.Perm == crm.PermPublic:
				if (got == http.StatusSeeOther && strings.HasPrefix(loc, "/signin?")) || got == http.StatusForbidden {
					t.Errorf("%s = %d %s: a public route must not ask for sign-in or refuse", where, got, loc)
				}
			case w.role == "" && api:
				if got != http.StatusUnauthorized {
					t.Errorf("%s = %d, want 401", where, got)
				}
			case w.role == "":
				if got != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
					t.Errorf("%s = %d %q, want 303 to /signin", where, got, loc)
				}
			case crm.Can(w.role, r.Perm):
				if got == http.StatusUnauthorized || got == http.StatusForbidden || (got == http.StatusSeeOther && strings.HasPrefix(loc, "/signin?")) {
					t.Errorf("%s = %d %s: the role has the permission", where, got, loc)
				}
			default:
				if got != http.StatusForbidden {
					t.Errorf("%s = %d, want 403", where, got)
				}
			}
		}
	}
}

// wantRules is the access rule every route must have: written here, apart
// from the code that registers the routes, so that a changed or new rule
// is a deliberate change of this list too.
var wantRules = map[string]crm.Permission{
	"GET /healthz": crm.PermPublic,
	"GET /static/": crm.PermPublic,

	"GET /api/v1/openapi.json":               crm.PermPublic,
	"GET /api/v1/me":                         crm.PermSignedIn,
	"GET /api/v1/me/tokens":                  crm.PermSignedIn,
	"POST /api/v1/me/tokens":                 crm.PermSignedIn,
	"DELETE /api/v1/me/tokens/{id}":          crm.PermSignedIn,
	"GET /api/v1/pyramid":                    crm.PermRead,
	"GET /api/v1/pyramid/migration":          crm.PermRead,
	"GET /api/v1/pyramid/migration/accounts": crm.PermRead,
	"GET /api/v1/accounts":                   crm.PermRead,
	"POST /api/v1/accounts":                  crm.PermEditAccounts,
	"GET /api/v1/accounts/{id}":              crm.PermRead,
	"PATCH /api/v1/accounts/{id}":            crm.PermEditAccounts,
	"GET /api/v1/accounts/{id}/tier":         crm.PermRead,
	"GET /api/v1/accounts/{id}/revenue":      crm.PermRead,
	"GET /api/v1/accounts/{id}/history":      crm.PermRead,
	"POST /api/v1/accounts/{id}/stage":       crm.PermEditAccounts,
	"POST /api/v1/accounts/{id}/owner":       crm.PermEditAccounts,
	"GET /api/v1/opportunities":              crm.PermRead,
	"POST /api/v1/opportunities":             crm.PermEditAccounts,
	"GET /api/v1/opportunities/{id}":         crm.PermRead,
	"PATCH /api/v1/opportunities/{id}":       crm.PermEditAccounts,
	"DELETE /api/v1/opportunities/{id}":      crm.PermEditAccounts,
	"POST /api/v1/opportunities/{id}/stage":  crm.PermEditAccounts,
	"GET /api/v1/pipeline/funnel":            crm.PermRead,
	"GET /api/v1/activities":                 crm.PermRead,
	"POST /api/v1/activities":                crm.PermEditAccounts,
	"GET /api/v1/activities/{id}":            crm.PermRead,
	"PATCH /api/v1/activities/{id}":          crm.PermEditAccounts,
	"DELETE /api/v1/activities/{id}":         crm.PermEditAccounts,
	"GET /api/v1/handovers":                  crm.PermRead,
	"GET /api/v1/handovers/{id}":             crm.PermRead,
	"PATCH /api/v1/handovers/{id}":           crm.PermEditAccounts,
	"POST /api/v1/handovers/{id}/accept":     crm.PermEditAccounts,
	"GET /api/v1/targets":                    crm.PermRead,
	"PUT /api/v1/targets":                    crm.PermTargets,
	"POST /api/v1/imports/{kind}":            crm.PermImport,
	"GET /api/v1/settings/method":            crm.PermRead,
	"PUT /api/v1/settings/method":            crm.PermSettings,
	"GET /api/v1/departments":                crm.PermRead,
	"POST /api/v1/departments":               crm.PermManagePeople,
	"PATCH /api/v1/departments/{id}":         crm.PermManagePeople,
	"GET /api/v1/teams":                      crm.PermRead,
	"POST /api/v1/teams":                     crm.PermManagePeople,
	"PATCH /api/v1/teams/{id}":               crm.PermManagePeople,
	"GET /api/v1/people":                     crm.PermRead,
	"POST /api/v1/people":                    crm.PermManagePeople,
	"GET /api/v1/people/{id}":                crm.PermRead,
	"PATCH /api/v1/people/{id}":              crm.PermManagePeople,
	"GET /api/v1/audit":                      crm.PermAudit,
	"/api/v1/":                               crm.PermSignedIn,

	// Notifications (docs/notifications.md).
	"GET /api/v1/channels":               crm.PermSettings,
	"POST /api/v1/channels":              crm.PermSettings,
	"GET /api/v1/channels/{id}":          crm.PermSettings,
	"PATCH /api/v1/channels/{id}":        crm.PermSettings,
	"POST /api/v1/channels/{id}/test":    crm.PermSettings,
	"GET /api/v1/deliveries":             crm.PermAudit,
	"GET /api/v1/deliveries/{id}":        crm.PermAudit,
	"POST /api/v1/deliveries/{id}/retry": crm.PermSettings,
	"GET /api/v1/standards":              crm.PermRead,
	"GET /api/v1/alerts":                 crm.PermRead,
	"POST /api/v1/alerts/{id}/ack":       crm.PermEditAccounts,
	"GET /api/v1/inbox":                  crm.PermSignedIn,
	"POST /api/v1/inbox/{id}/read":       crm.PermSignedIn,

	// Meetings (docs/meetings.md).
	"GET /api/v1/meetings/weekly":             crm.PermRead,
	"GET /api/v1/meetings/monthly":            crm.PermRead,
	"GET /api/v1/meetings":                    crm.PermRead,
	"POST /api/v1/meetings":                   crm.PermEditAccounts,
	"GET /api/v1/meetings/{id}":               crm.PermRead,
	"PATCH /api/v1/meetings/{id}":             crm.PermEditAccounts,
	"POST /api/v1/meetings/{id}/decisions":    crm.PermEditAccounts,
	"PATCH /api/v1/decisions/{id}":            crm.PermEditAccounts,
	"POST /api/v1/meetings/{id}/action-items": crm.PermEditAccounts,
	"PATCH /api/v1/action-items/{id}":         crm.PermEditAccounts,

	"GET /{$}":                        crm.PermSignedIn,
	"GET /lang":                       crm.PermPublic,
	"GET /signin":                     crm.PermPublic,
	"POST /signin":                    crm.PermPublic,
	"GET /signin/oidc":                crm.PermPublic,
	"GET /signin/oidc/callback":       crm.PermPublic,
	"POST /signout":                   crm.PermSignedIn,
	"GET /setup":                      crm.PermPublic,
	"POST /setup":                     crm.PermPublic,
	"GET /me":                         crm.PermSignedIn,
	"POST /me/password":               crm.PermSignedIn,
	"POST /me/lang":                   crm.PermSignedIn,
	"POST /me/tokens":                 crm.PermSignedIn,
	"POST /me/tokens/{id}/revoke":     crm.PermSignedIn,
	"POST /me/signout-everywhere":     crm.PermSignedIn,
	"GET /accounts":                   crm.PermRead,
	"GET /accounts/export":            crm.PermExport,
	"GET /accounts/new":               crm.PermEditAccounts,
	"POST /accounts":                  crm.PermEditAccounts,
	"GET /accounts/{id}":              crm.PermRead,
	"GET /accounts/{id}/edit":         crm.PermEditAccounts,
	"POST /accounts/{id}":             crm.PermEditAccounts,
	"POST /accounts/{id}/stage":       crm.PermEditAccounts,
	"POST /accounts/{id}/owner":       crm.PermEditAccounts,
	"GET /audit":                      crm.PermAudit,
	"GET /audit/export":               crm.PermAudit,
	"GET /handovers":                  crm.PermRead,
	"GET /handovers/{id}":             crm.PermRead,
	"POST /handovers/{id}":            crm.PermEditAccounts,
	"POST /handovers/{id}/accept":     crm.PermEditAccounts,
	"GET /opportunities":              crm.PermRead,
	"GET /opportunities/board":        crm.PermRead,
	"GET /opportunities/funnel":       crm.PermRead,
	"GET /opportunities/new":          crm.PermEditAccounts,
	"POST /opportunities":             crm.PermEditAccounts,
	"GET /opportunities/{id}":         crm.PermRead,
	"GET /opportunities/{id}/edit":    crm.PermEditAccounts,
	"POST /opportunities/{id}":        crm.PermEditAccounts,
	"POST /opportunities/{id}/stage":  crm.PermEditAccounts,
	"POST /opportunities/{id}/delete": crm.PermEditAccounts,
	"GET /meetings":                   crm.PermRead,
	"GET /meetings/weekly":            crm.PermRead,
	"GET /meetings/monthly":           crm.PermRead,
	"POST /meetings":                  crm.PermEditAccounts,
	"POST /meetings/{id}":             crm.PermEditAccounts,
	"POST /meetings/{id}/decisions":   crm.PermEditAccounts,
	"POST /meetings/{id}/actions":     crm.PermEditAccounts,
	"POST /action-items/{id}":         crm.PermEditAccounts,
	"GET /meetings/{id}/export.xlsx":  crm.PermExport,
	"GET /activities":                 crm.PermRead,
	"GET /activities/team":            crm.PermRead,
	"GET /activities/new":             crm.PermEditAccounts,
	"POST /activities":                crm.PermEditAccounts,
	"GET /activities/{id}":            crm.PermRead,
	"POST /activities/{id}":           crm.PermEditAccounts,
	"POST /activities/{id}/done":      crm.PermEditAccounts,
	"POST /activities/{id}/delete":    crm.PermEditAccounts,
	"GET /import":                     crm.PermImport,
	"POST /import":                    crm.PermImport,
	"GET /import/{token}":             crm.PermImport,
	"POST /import/{token}":            crm.PermImport,
	"GET /import/{token}/status":      crm.PermImport,
	"GET /import/{token}/report":      crm.PermImport,
	"GET /org":                        crm.PermRead,
	"POST /org/departments":           crm.PermManagePeople,
	"POST /org/teams":                 crm.PermManagePeople,
	"GET /people":                     crm.PermRead,
	"GET /people/new":                 crm.PermManagePeople,
	"POST /people/import":             crm.PermManagePeople,
	"POST /people":                    crm.PermManagePeople,
	"GET /people/{id}":                crm.PermRead,
	"GET /people/{id}/edit":           crm.PermManagePeople,
	"POST /people/{id}":               crm.PermManagePeople,
	"POST /people/{id}/password":      crm.PermManagePeople,
	"POST /people/{id}/signout":       crm.PermManagePeople,
	"GET /pyramid":                    crm.PermRead,
	"GET /pyramid/moved":              crm.PermRead,
	"GET /settings":                   crm.PermRead,
	"POST /settings":                  crm.PermSettings,
	"GET /standards":                  crm.PermRead,
	"GET /alerts":                     crm.PermRead,
	"POST /alerts/{id}/ack":           crm.PermEditAccounts,
	"GET /targets":                    crm.PermRead,
	"POST /targets":                   crm.PermTargets,
	"/":                               crm.PermSignedIn,

	// Notifications (docs/notifications.md).
	"GET /settings/channels":               crm.PermSettings,
	"GET /settings/channels/new":           crm.PermSettings,
	"POST /settings/channels":              crm.PermSettings,
	"GET /settings/channels/{id}":          crm.PermSettings,
	"POST /settings/channels/{id}":         crm.PermSettings,
	"POST /settings/channels/{id}/test":    crm.PermSettings,
	"GET /settings/deliveries":             crm.PermAudit,
	"POST /settings/deliveries/{id}/retry": crm.PermSettings,
	"GET /inbox":                           crm.PermSignedIn,
	"POST /inbox/{id}/read":                crm.PermSignedIn,
}

// TestCSRFEveryForm sends every unsafe route a request from another site,
// signed in as an administrator (whose cookie a browser would attach): each
// is refused before it runs, and nothing is written.
func TestCSRFEveryForm(t *testing.T) {
	e := newEnv(t)
	before, err := e.app.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range e.h.Rules() {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok || method == http.MethodGet {
			continue
		}
		path = strings.NewReplacer("{id}", "1", "{token}", "0123456789abcdef", "{kind}", "accounts").Replace(path)
		for _, h := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "http://evil.example"},
		} {
			req := httptest.NewRequest(method, path, strings.NewReader("name=x&email=x%40evil.example&password=long+enough+password"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Cookie", web.SessionCookie+"="+e.cookie)
			for k, v := range h {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Errorf("%s %s with %v = %d, want 403", method, path, h, rec.Code)
			}
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d unsafe routes", n)
	}
	after, err := e.app.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("cross-site requests changed something: %d audit entries, were %d", len(after), len(before))
	}
}
