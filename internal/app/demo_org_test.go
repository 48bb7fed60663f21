package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

func TestDemoOrg(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	if _, err := a.LoadDemo(ctx, "test", demo.Options{Now: crm.MakeDate(2026, 11, 27), Accounts: 200, Lines: 2000}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := a.LoadDemoOrg(ctx, "a demo passphrase")
	if err != nil || !res.Created || len(res.People) != len(demo.Organisation().People) {
		t.Fatalf("LoadDemoOrg = %d people, %v, %v", len(res.People), res.Created, err)
	}
	// Every account has an owner; a rep sees theirs only.
	if _, _, err := a.SignIn(ctx, demo.Email("east.rep1"), "a demo passphrase", "", ""); err != nil {
		t.Fatalf("demo rep signs in: %v", err)
	}
	rep, _ := a.Store().PersonByEmail(ctx, demo.Email("east.rep1"))
	pctx := app.WithPrincipal(ctx, app.Principal{PersonID: rep.ID, Role: rep.Role, Scope: rep.Scope, TeamID: rep.TeamID, DepartmentID: rep.DepartmentID})
	mine, err := a.Accounts(pctx, store.AccountFilter{PerPage: 500})
	if err != nil || mine.Total == 0 || mine.Total >= 200 {
		t.Errorf("the rep's accounts: %d, %v; want some of the 200", mine.Total, err)
	}
	for _, acc := range mine.Accounts {
		if acc.OwnerID != rep.ID && acc.SalesRepID != rep.ID {
			t.Errorf("the rep sees account %s of %d/%d", acc.Code, acc.OwnerID, acc.SalesRepID)
		}
	}
	// A second run adds nobody.
	if res, err := a.LoadDemoOrg(ctx, "x"); err != nil || res.Created {
		t.Errorf("second LoadDemoOrg = %v, %v", res.Created, err)
	}
}

func TestDemoOrgRefusesCompanyData(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "accounts.csv")
	os.WriteFile(path, []byte("客户编号,客户名称\nC1,某公司\n"), 0o644)
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindAccounts, Path: path, FileName: "accounts.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.LoadDemoOrg(ctx, "a demo passphrase"); !errors.Is(err, app.ErrNotDemo) {
		t.Errorf("demo people on a company's data: %v, want ErrNotDemo", err)
	}
	if n, _ := a.Store().CountPeople(ctx); n != 0 {
		t.Errorf("%d people created", n)
	}
}
