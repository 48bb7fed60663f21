package apptest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// AlertData is a small sales team for the standards and alerts pages: a
// manager, a strategic rep reporting to them and a rep outside the team; a
// key account of the rep (tier A, OX_NOSE) whose revenue of the last twelve
// months fell by half, with an open opportunity without a next step. The
// alerts were scanned once.
type AlertData struct {
	Manager, Rep, Rep2 crm.Person
	Account            crm.Account
	Opp                store.OppRow
	Scan               app.ScanResult
}

// Alerts builds AlertData in a, which should hold no other accounts.
func Alerts(t testing.TB, a *app.App) AlertData {
	t.Helper()
	ctx := context.Background()
	var d AlertData
	dept, err := a.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	if err != nil {
		t.Fatal(err)
	}
	team, err := a.SaveTeam(ctx, crm.Team{DepartmentID: dept.ID, Name: "华北"})
	if err != nil {
		t.Fatal(err)
	}
	d.Manager = Person(t, a, crm.RoleManager, crm.Person{Name: "赵经理", DepartmentID: dept.ID, TeamID: team.ID})
	d.Rep = Person(t, a, crm.RoleMember, crm.Person{Name: "王销售", DepartmentID: dept.ID, TeamID: team.ID, ManagerID: d.Manager.ID,
		Track: crm.TrackStrategic})
	d.Rep2 = Person(t, a, crm.RoleMember, crm.Person{Name: "钱销售", DepartmentID: dept.ID})
	acc, err := a.CreateAccount(ctx, "test", crm.Account{Code: "KA-1", Name: "华北重工"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store().SetOwnerships(ctx, []store.Ownership{{AccountID: acc.ID, OwnerID: d.Rep.ID, SalesRepID: d.Rep.ID,
		OwnerDepartment: crm.OwnerDepartment(crm.StageGrowing), Stage: crm.StageGrowing}}, acc.CreatedAt); err != nil {
		t.Fatal(err)
	}
	if d.Opp, err = a.CreateOpportunity(Context(d.Rep), app.OppInput{AccountID: acc.ID, Name: "扩容项目", Amount: crm.Yuan(300_000)}); err != nil {
		t.Fatal(err)
	}
	year, before, _, _ := crm.RevenueWindows(a.Today())
	csv := "account,date,amount\nKA-1," + before.From.AddDays(40).String() + ",1000000\nKA-1," + year.From.AddDays(40).String() + ",500000\n"
	path := filepath.Join(t.TempDir(), "revenue.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	if err := a.Store().SetStandings(ctx, []store.Standing{{ID: acc.ID, Tier: "A", Band: crm.BandOxNose}}); err != nil {
		t.Fatal(err)
	}
	if d.Account, err = a.Store().Account(ctx, acc.ID); err != nil {
		t.Fatal(err)
	}
	if d.Scan, err = a.ScanAlerts(ctx, a.Today()); err != nil {
		t.Fatal(err)
	}
	return d
}
