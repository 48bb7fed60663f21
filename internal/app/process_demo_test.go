package app_test

import (
	"context"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// TestLoadProcessDemo loads generated opportunities and activities on the
// accounts and people of the database: they belong to the accounts'
// owners, so a rep's board holds their own.
func TestLoadProcessDemo(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	ctx := context.Background()
	if _, err := f.a.LoadProcessDemo(apptest.Context(f.rep), demo.ProcessOptions{Opportunities: 1}, nil); err == nil {
		t.Error("a member loaded demo data")
	}
	acc := f.account(t, "D1", f.rep.ID, f.rep.ID, crm.StagePursuit)
	f.account(t, "D2", f.rep2.ID, 0, crm.StagePursuit)
	res, err := f.a.LoadProcessDemo(ctx, demo.ProcessOptions{Opportunities: 300, Activities: 3000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Opportunities != 300 || res.Activities != 3000 {
		t.Fatalf("loaded %+v", res)
	}
	funnel, err := f.a.Funnel(ctx, store.OppFilter{})
	if err != nil || funnel.Open.Count+funnel.Closed != 300 || funnel.Closed == 0 || funnel.Open.Count == 0 {
		t.Fatalf("funnel = %+v, %v", funnel, err)
	}
	page, err := f.a.Opportunities(apptest.Context(f.rep), store.OppFilter{PerPage: 500})
	if err != nil || page.Total == 0 || page.Total == 300 {
		t.Fatalf("the rep's opportunities: %d, %v", page.Total, err)
	}
	for _, o := range page.Rows {
		if o.OwnerID != f.rep.ID || o.AccountID != acc.ID {
			t.Fatalf("the rep sees %+v", o.Opportunity)
		}
	}
	v, err := f.a.Opportunity(apptest.Context(f.rep), page.Rows[0].ID)
	if err != nil || len(v.Stays) != 1 {
		t.Errorf("a generated opportunity: %d stays, %v", len(v.Stays), err)
	}
	list, total, err := f.a.Activities(apptest.Context(f.rep), store.ActFilter{Limit: 10})
	if err != nil || total == 0 || total == 3000 || len(list) != 10 {
		t.Errorf("the rep's activities: %d, %v", total, err)
	}
	_ = app.ProcessDemoResult{}
}
