package web_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/web"
)

// TestAccountListAfterChanges: the list page keeps rendered rows and filter
// forms; after an edit, an import or in the other language it shows the new
// data, never a kept copy of the old.
func TestAccountListAfterChanges(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := context.Background()
	zh, en := langs[0], langs[1]
	page := func(l lang, path string, want, not []string, row ...string) {
		t.Helper()
		e.run(t, l, scenario{path: path, wantStatus: 200, wantBody: want, notBody: not, check: func(t *testing.T, res response) {
			rows := tableRows(t, res.Body, "accounts")
			if row != nil && (len(rows) != 1 || !slices.Equal(rows[0], row)) {
				t.Errorf("GET %s: rows %q, want %q", path, rows, row)
			}
		}})
	}
	e.run(t, zh, scenario{path: "/accounts", form: form("code", "W1", "name", "甲客户", "type", "DEALER", "region", "北京"), header: sameOrigin, wantStatus: 303})
	for _, l := range []lang{zh, en} {
		page(l, "/accounts", []string{"<option>北京</option>"}, nil, "W1", "甲客户", "", tr(l.p, "type.DEALER"), "北京", "", "0.0")
	}

	// One field at a time: the name, then the type and region.
	id := strconv.FormatInt(accountOf(t, e, "q=W1").ID, 10)
	e.run(t, zh, scenario{path: "/accounts/" + id, form: form("version", "1", "code", "W1", "name", "乙客户", "type", "DEALER", "region", "北京"),
		header: sameOrigin, wantStatus: 303})
	for _, l := range []lang{zh, en} {
		page(l, "/accounts", nil, []string{"甲客户"}, "W1", "乙客户", "", tr(l.p, "type.DEALER"), "北京", "", "0.0")
	}
	e.run(t, zh, scenario{path: "/accounts/" + id, form: form("version", "2", "code", "W1", "name", "乙客户", "type", "ENTERPRISE", "region", "西藏"),
		header: sameOrigin, wantStatus: 303})
	for _, l := range []lang{zh, en} {
		page(l, "/accounts", []string{"<option>西藏</option>"}, []string{"甲客户", "<option>北京</option>"},
			"W1", "乙客户", "", tr(l.p, "type.ENTERPRISE"), "西藏", "", "0.0")
	}

	// Revenue puts it in tier A once the standings are stored.
	page(zh, "/accounts?tier=A", []string{tr(zh.p, "accounts.none")}, []string{"乙客户"})
	path := filepath.Join(t.TempDir(), "r.csv")
	if err := os.WriteFile(path, []byte("客户编号,客户名称,日期,金额\nW1,乙客户,2025-03-01,6000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	if err := e.app.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
	for _, l := range []lang{zh, en} {
		row := []string{"W1", "乙客户", "A " + tr(l.p, "band.OX_NOSE"), tr(l.p, "type.ENTERPRISE"), "西藏", "", "600.0"}
		page(l, "/accounts?tier=A", []string{tr(l.p, "common.total", 1)}, nil, row...)
		page(l, "/accounts", nil, nil, row...)
	}
}

// TestListPageKeptWhole: the list of a tier by revenue is kept whole per
// state of the data and per layout, so it must change as soon as an
// account does, and never show one person's page to another.
func TestListPageKeptWhole(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	ctx := context.Background()
	f := store.AccountFilter{Tier: "B", Page: 1, PerPage: 50}
	list, err := e.app.AccountList(ctx, f)
	if err != nil || list.Key == "" || len(list.Accounts) == 0 {
		t.Fatalf("list of tier B: key %q, %d accounts, %v; it must be answered from memory for this test to mean anything", list.Key, len(list.Accounts), err)
	}
	first := list.Accounts[0]
	l := langs[1]
	e.run(t, l, scenario{path: "/accounts?tier=B", wantStatus: 200, wantBody: []string{first.Name, "管理员"}})
	e.run(t, l, scenario{path: "/accounts?tier=B", wantStatus: 200, wantBody: []string{first.Name}})
	first.Name = "改过名的客户"
	if _, err := e.app.UpdateAccount(ctx, "test", first); err != nil {
		t.Fatal(err)
	}
	e.run(t, l, scenario{path: "/accounts?tier=B", wantStatus: 200, wantBody: []string{"改过名的客户"}})
	other := apptest.Person(t, e.app, crm.RoleAdmin, crm.Person{Name: "另一位管理员", Email: "other@test.example"})
	e.run(t, l, scenario{path: "/accounts?tier=B", header: map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, other)},
		wantStatus: 200, wantBody: []string{"改过名的客户", "另一位管理员"}})
	e.run(t, langs[0], scenario{path: "/accounts?tier=B", wantStatus: 200, wantBody: []string{"改过名的客户", tr(langs[0].p, "nav.accounts")}})
}
