package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// TestDataScopeAPI: a regional rep sees, through the API, exactly the
// accounts they own or sell to, the pyramid of those, and nothing of
// anyone else's, whether listed, asked for by id, or written to.
func TestDataScopeAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	ctx := context.Background()
	if _, err := e.app.LoadDemo(ctx, "test", demo.Options{Now: crm.MakeDate(2026, 11, 27), Accounts: 300, Lines: 3000}, nil); err != nil {
		t.Fatal(err)
	}
	sales, _ := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	team, _ := e.app.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华东"})
	mgr := apptest.Person(t, e.app, crm.RoleManager, crm.Person{DepartmentID: sales.ID, TeamID: team.ID})
	rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{DepartmentID: sales.ID, TeamID: team.ID, ManagerID: mgr.ID})
	other := apptest.Person(t, e.app, crm.RoleMember, crm.Person{DepartmentID: sales.ID})
	refs, err := e.app.Store().AccountRefs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The rep owns accounts 0..9, sells to 10..14 (owned by someone else),
	// the other rep owns 15..29; the rest belong to nobody.
	var own []store.Ownership
	mine := map[int64]bool{}
	for i, r := range refs[:30] {
		o := store.Ownership{AccountID: r.ID, OwnerID: other.ID}
		switch {
		case i < 10:
			o.OwnerID = rep.ID
			mine[r.ID] = true
		case i < 15:
			o.SalesRepID = rep.ID
			mine[r.ID] = true
		}
		own = append(own, o)
	}
	if err := e.app.Store().SetOwnerships(ctx, own, now); err != nil {
		t.Fatal(err)
	}
	repH := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, rep)}
	mgrH := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, mgr)}

	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	for _, q := range []string{"/api/v1/accounts?per_page=500", "/api/v1/accounts?sort=name&per_page=500", "/api/v1/accounts?tier=D&per_page=500", "/api/v1/accounts?q=f&per_page=500"} {
		res := e.run(t, scenario{path: q, header: repH, wantStatus: 200})
		decodeJSON(t, res, &list)
		for _, it := range list.Items {
			if !mine[it.ID] {
				t.Errorf("%s lists account %d, which is not the rep's", q, it.ID)
			}
		}
		if q == "/api/v1/accounts?per_page=500" && (list.Total != 15 || len(list.Items) != 15) {
			t.Errorf("the rep's list: total %d, %d items; want 15", list.Total, len(list.Items))
		}
	}
	// The manager sees the team: the rep's 15 (the other rep is in no team
	// and does not report to the manager).
	res := e.run(t, scenario{path: "/api/v1/accounts?per_page=500", header: mgrH, wantStatus: 200})
	decodeJSON(t, res, &list)
	if list.Total != 15 {
		t.Errorf("the manager's list: %d, want 15", list.Total)
	}
	// The administrator sees all 300.
	res = e.run(t, scenario{path: "/api/v1/accounts?per_page=1", wantStatus: 200})
	decodeJSON(t, res, &list)
	if list.Total != 300 {
		t.Errorf("the administrator's list: %d, want 300", list.Total)
	}

	theirs, ours := refs[20].ID, refs[3].ID
	for _, p := range []string{"/api/v1/accounts/%d", "/api/v1/accounts/%d/tier", "/api/v1/accounts/%d/revenue"} {
		e.run(t, scenario{path: fmt.Sprintf(p, theirs), header: repH, wantStatus: 404})
		e.run(t, scenario{path: fmt.Sprintf(p, ours), header: repH, wantStatus: 200})
	}
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/accounts/%d", theirs), header: repH, body: `{"name":"hijacked","version":1}`, wantStatus: 404})
	if acc, _ := e.app.Store().Account(ctx, theirs); acc.Name == "hijacked" {
		t.Error("the rep changed another person's account")
	}
	// A new account belongs to whoever made it, and is in their list.
	res = e.run(t, scenario{method: "POST", path: "/api/v1/accounts", header: repH, body: `{"code":"NEW-1","name":"新客户"}`, wantStatus: 201})
	var created app.AccountJSON
	decodeJSON(t, res, &created)
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/accounts/%d", created.ID), header: repH, wantStatus: 200})
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/accounts/%d", created.ID), header: map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, other)}, wantStatus: 404})

	// The pyramid is the pyramid of the rep's accounts.
	var all, theirsP app.PyramidJSON
	json.Unmarshal([]byte(e.run(t, scenario{path: "/api/v1/pyramid?year=2025", wantStatus: 200}).Body), &all)
	json.Unmarshal([]byte(e.run(t, scenario{path: "/api/v1/pyramid?year=2025", header: repH, wantStatus: 200}).Body), &theirsP)
	count := func(p app.PyramidJSON) (n int) {
		for _, t := range p.Tiers {
			n += t.Accounts
		}
		return n
	}
	if n := count(theirsP); n == 0 || n > 15 {
		t.Errorf("the rep's pyramid counts %d accounts, want 1 to 15", n)
	}
	if count(all) <= 15 {
		t.Errorf("the administrator's pyramid counts %d accounts", count(all))
	}
	res = e.run(t, scenario{path: "/api/v1/pyramid/migration/accounts?year=2025&from=D&to=D&per_page=500", header: repH, wantStatus: 200})
	decodeJSON(t, res, &list)
	for _, it := range list.Items {
		if !mine[it.ID] {
			t.Errorf("the migration cell lists account %d, not the rep's", it.ID)
		}
	}
}

// TestListBodyKept: the JSON of a tier's list by revenue is kept per state
// of the data; an edit of an account shows at once.
func TestListBodyKept(t *testing.T) {
	t.Parallel()
	e := smallDemoEnv(t)
	ctx := context.Background()
	page, err := e.app.Accounts(ctx, store.AccountFilter{Tier: "B", Sort: "revenue", Page: 1, PerPage: 50})
	if err != nil || page.Key == "" || len(page.Accounts) == 0 {
		t.Fatalf("tier B: key %q, %d accounts, %v; it must be answered from memory for this test to mean anything", page.Key, len(page.Accounts), err)
	}
	first := page.Accounts[0]
	path := "/api/v1/accounts?tier=B&sort=revenue"
	e.run(t, scenario{path: path, wantStatus: 200, wantBody: []string{`"name":"` + first.Name + `"`}})
	e.run(t, scenario{path: path, wantStatus: 200, wantBody: []string{`"name":"` + first.Name + `"`}})
	first.Name = "改过名的客户"
	if _, err := e.app.UpdateAccount(ctx, "test", first); err != nil {
		t.Fatal(err)
	}
	e.run(t, scenario{path: path, wantStatus: 200, wantBody: []string{`"name":"改过名的客户"`}})
}
