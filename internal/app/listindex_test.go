package app_test

import (
	"context"
	"slices"
	"testing"

	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// TestListIndexMatchesStore: the in-memory lists by tier and band give the
// same pages and totals as the database's own query, and follow new standings.
func TestListIndexMatchesStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	if _, err := a.LoadDemo(ctx, "test", demo.Options{Now: crm.DateOf(today), Accounts: 2000, Lines: 20000}, nil); err != nil {
		t.Fatal(err)
	}
	check := func(f store.AccountFilter) {
		t.Helper()
		got, err := a.Accounts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, total, err := s.Accounts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(l []crm.Account) (out []int64) {
			for _, x := range l {
				out = append(out, x.ID)
			}
			return out
		}
		if got.Total != total || !slices.Equal(ids(got.Accounts), ids(want)) {
			t.Errorf("Accounts(%+v) = %d total %v, store says %d total %v", f, got.Total, ids(got.Accounts), total, ids(want))
		}
	}
	for _, f := range []store.AccountFilter{
		{Tier: "D", Page: 1, PerPage: 50}, {Tier: "D", Page: 7, PerPage: 50}, {Tier: "A", Page: 1, PerPage: 20},
		{Band: crm.BandCore, Page: 2, PerPage: 30}, {Tier: "C", Sort: "revenue", Page: 1000, PerPage: 50}, {Tier: "Z", Page: 1, PerPage: 10},
	} {
		check(f)
	}
	// New thresholds move accounts between tiers: the lists follow.
	m, _, _ := a.Method(ctx)
	m.Tiers[0].Min = crm.Yuan(1_000_000)
	m.Tiers[1].Min = crm.Yuan(500_000)
	m.Tiers[2].Min = crm.Yuan(100_000)
	if _, err := a.SaveMethod(ctx, "test", m, "lower"); err != nil {
		t.Fatal(err)
	}
	check(store.AccountFilter{Tier: "A", Page: 1, PerPage: 50})
	check(store.AccountFilter{Tier: "D", Page: 2, PerPage: 50})
	page, err := a.Accounts(ctx, store.AccountFilter{Tier: "A", PerPage: 1})
	if err != nil || page.Total == 0 {
		t.Errorf("tier A after lowering thresholds: %+v, %v", page.Total, err)
	}
}
