package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestVersions: the one query of what kam serve's caches depend on follows
// every kind of change, and its revenue state is DataState's.
func TestVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	check := func(step string) store.Versions {
		t.Helper()
		v, err := s.Versions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.DataState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v.Data != ds {
			t.Errorf("%s: Versions().Data = %+v, DataState() = %+v", step, v.Data, ds)
		}
		return v
	}
	v0 := check("empty")
	if v0 != (store.Versions{}) {
		t.Errorf("Versions() of an empty database = %+v, want zero", v0)
	}

	id, err := s.CreateAccount(ctx, crm.Account{Code: "C1", Name: "甲"}, now)
	if err != nil {
		t.Fatal(err)
	}
	v1 := check("account created")
	if v1.Accounts == v0.Accounts {
		t.Error("creating an account did not change Versions().Accounts")
	}
	a, _ := s.Account(ctx, id)
	a.Region = "西藏"
	if err := s.UpdateAccount(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	v2 := check("account edited")
	if v2.Accounts == v1.Accounts {
		t.Error("editing an account did not change Versions().Accounts")
	}

	if _, err := s.CreateBatch(ctx, store.Batch{Kind: "revenue", FileName: "f.csv", SHA256: "x", Mapping: "{}", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	v3 := check("batch")
	if v3.Data.LastBatch == 0 {
		t.Error("a batch did not change Versions().Data")
	}
	if err := s.BumpRevenueEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if v4 := check("epoch"); v4.Data.Epoch == v3.Data.Epoch {
		t.Error("BumpRevenueEpoch did not change Versions().Data")
	}

	mid, err := s.SaveMethod(ctx, crm.DefaultMethod(), "", "test", now)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"standing_signature": "sig", "standing_period": "2025"} {
		if err := s.SetState(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if v := check("method and standings"); v.Method != mid || v.Standings != "sig" || v.Period != "2025" {
		t.Errorf("Versions() = %+v, want method %d, standings sig, period 2025", v, mid)
	}
}

// TestAccountsByID: the rows of the given IDs in their order, whatever the
// page size (the statement of each size is prepared once and reused).
func TestAccountsByID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ids, err := s.InsertAccounts(ctx, []crm.Account{{Code: "A1", Name: "一"}, {Code: "A2", Name: "二"}, {Code: "A3", Name: "三"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for _, tc := range []struct {
			ask  []int64
			want []string
		}{
			{[]int64{ids["A3"], ids["A1"], ids["A2"]}, []string{"A3", "A1", "A2"}},
			{[]int64{ids["A2"], 999999, ids["A1"]}, []string{"A2", "A1"}},
			{[]int64{ids["A1"]}, []string{"A1"}},
			{nil, nil},
		} {
			list, err := s.AccountsByID(ctx, tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range list {
				got = append(got, a.Code)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("AccountsByID(%v) = %v, want %v", tc.ask, got, tc.want)
			}
		}
	}
	// An edit shows at once through the prepared statement.
	a, _ := s.Account(ctx, ids["A1"])
	a.Name = "改名"
	if err := s.UpdateAccount(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	if list, _ := s.AccountsByID(ctx, []int64{ids["A1"]}); len(list) != 1 || list[0].Name != "改名" {
		t.Errorf("after an edit: %+v", list)
	}
}

// TestWriteStandingsStreams: standings written from a sequence, in any
// order, and everything else cleared.
func TestWriteStandingsStreams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	var list []crm.Account
	for i := range 2500 {
		list = append(list, crm.Account{Code: fmt.Sprintf("S%05d", i), Name: "n"})
	}
	ids, err := s.InsertAccounts(ctx, list, now)
	if err != nil {
		t.Fatal(err)
	}
	all := make([]int64, 0, len(ids))
	for _, id := range ids {
		all = append(all, id)
	}
	slices.Sort(all)
	// Every account first, then every other one, from the highest ID down:
	// the others are cleared.
	for _, step := range []int{1, 2} {
		err := s.WriteStandings(ctx, func(yield func(store.Standing) bool) {
			for i := len(all) - 1; i >= 0; i -= step {
				if !yield(store.Standing{ID: all[i], Revenue: crm.Money(all[i] * 100), Tier: "A", Band: "CORE", Rank: i + 1}) {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		_, total, err := s.Accounts(ctx, store.AccountFilter{Tier: "A", PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		if want := (len(all) + step - 1) / step; total != want {
			t.Errorf("step %d: %d accounts in tier A, want %d", step, total, want)
		}
	}
	a, _ := s.Account(ctx, all[len(all)-2])
	if a.Tier != "" || a.Revenue != 0 || a.Band != "" {
		t.Errorf("account left out = %+v, want its standing cleared", a)
	}
}

// TestWriteStandingsKeepsIndexes: on SQLite, a rewrite of most standings
// drops the indexes on the standing columns and builds them again; they come
// back exactly as they were, and the lists use them.
func TestWriteStandingsKeepsIndexes(t *testing.T) {
	t.Parallel()
	if os.Getenv("KAM_TEST_POSTGRES_URL") != "" {
		t.Skip("SQLite only: PostgreSQL keeps its indexes")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t)
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	indexes := func() []string {
		t.Helper()
		rows, err := raw.QueryContext(ctx, `SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			rows.Scan(&v)
			out = append(out, v)
		}
		return out
	}
	before := indexes()
	if !slices.ContainsFunc(before, func(v string) bool { return len(v) > 13 && v[:13] == "accounts_tier" }) {
		t.Fatalf("indexes of accounts = %q, want accounts_tier among them", before)
	}
	var list []crm.Account
	for i := range 300 {
		list = append(list, crm.Account{Code: fmt.Sprintf("K%04d", i), Name: "n"})
	}
	ids, err := s.InsertAccounts(ctx, list, now)
	if err != nil {
		t.Fatal(err)
	}
	write := func(tier string, shift int64) {
		t.Helper()
		err := s.WriteStandings(ctx, func(yield func(store.Standing) bool) {
			for _, id := range ids {
				if !yield(store.Standing{ID: id, Revenue: crm.Money(id*10 + shift), Tier: tier, Band: "CORE", Rank: int(id)}) {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	write("B", 0) // every account changes: the indexes are built again
	write("C", 1)
	if after := indexes(); !slices.Equal(after, before) {
		t.Errorf("indexes after the rewrite = %q, want %q", after, before)
	}
	var plan string
	rows, err := raw.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT id FROM accounts WHERE cur_tier = 'C' ORDER BY cur_revenue DESC, id LIMIT 5`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b, c int
		var d string
		rows.Scan(&a, &b, &c, &d)
		plan += d + "; "
	}
	rows.Close()
	got, total, err := s.Accounts(ctx, store.AccountFilter{Tier: "C", PerPage: 3})
	if err != nil || total != len(ids) || len(got) != 3 || got[0].Revenue < got[1].Revenue {
		t.Errorf("tier C = %d accounts, first %+v (%v); plan %s", total, got, err, plan)
	}
	if !strings.Contains(plan, "accounts_tier") {
		t.Errorf("the tier list does not use accounts_tier: %s", plan)
	}
}
