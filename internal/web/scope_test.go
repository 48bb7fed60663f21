package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
	"kam/internal/web"
)

// TestDataScopePages: the pages and exports of a rep and of their manager
// show their accounts only; another's account is not found, to read or
// to write.
func TestDataScopePages(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := context.Background()
	if _, err := e.app.LoadDemo(ctx, "test", demo.Options{Now: crm.MakeDate(2026, 11, 27), Accounts: 200, Lines: 2000}, nil); err != nil {
		t.Fatal(err)
	}
	sales, _ := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	team, _ := e.app.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华南"})
	mgr := apptest.Person(t, e.app, crm.RoleManager, crm.Person{DepartmentID: sales.ID, TeamID: team.ID})
	rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{DepartmentID: sales.ID, TeamID: team.ID})
	refs, _ := e.app.Store().AccountRefs(ctx)
	var own []store.Ownership
	for _, r := range refs[:12] {
		own = append(own, store.Ownership{AccountID: r.ID, OwnerID: rep.ID})
	}
	if err := e.app.Store().SetOwnerships(ctx, own, now); err != nil {
		t.Fatal(err)
	}
	repC := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, rep)}
	mgrC := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, mgr)}
	mine, theirs := refs[0], refs[50]
	for _, l := range []lang{langs[0], langs[1]} {
		e.run(t, l, scenario{path: "/accounts?per_page=100", header: repC, wantStatus: 200,
			wantBody: []string{mine.Code, tr(l.p, "common.total", 12)}, notBody: []string{theirs.Code}})
		e.run(t, l, scenario{path: "/accounts?q=" + theirs.Code, header: repC, wantStatus: 200, notBody: []string{theirs.Code + "<"}})
		e.run(t, l, scenario{path: fmt.Sprintf("/accounts/%d", theirs.ID), header: repC, wantStatus: 404})
		e.run(t, l, scenario{path: fmt.Sprintf("/accounts/%d/edit", theirs.ID), header: repC, wantStatus: 404})
		e.run(t, l, scenario{path: fmt.Sprintf("/accounts/%d", theirs.ID), header: repC, form: form("code", theirs.Code, "name", "hijacked", "version", "1"), wantStatus: 404})
		e.run(t, l, scenario{path: fmt.Sprintf("/accounts/%d", mine.ID), header: repC, wantStatus: 200, wantBody: []string{mine.Code}})
		e.run(t, l, scenario{path: "/pyramid?year=2025", header: repC, wantStatus: 200})
	}
	res := e.run(t, langs[0], scenario{path: "/accounts/export?format=csv", header: mgrC, wantStatus: 200})
	if lines := strings.Count(strings.TrimSpace(res.Body), "\n"); lines != 12 {
		t.Errorf("the manager's export has %d accounts, want the team's 12", lines)
	}
	res = e.run(t, langs[0], scenario{path: "/accounts/export?format=csv", wantStatus: 200})
	if lines := strings.Count(strings.TrimSpace(res.Body), "\n"); lines != 200 {
		t.Errorf("the administrator's export has %d accounts, want 200", lines)
	}
	if acc, _ := e.app.Store().Account(ctx, theirs.ID); acc.Name == "hijacked" {
		t.Error("another's account was changed")
	}
}
