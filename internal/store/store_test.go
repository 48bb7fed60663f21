package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// TestSchemaParity migrates both engines' files side by side: same file
// names, and, on the engine under test, the same columns as SQLite's.
func TestSchemaParity(t *testing.T) {
	ctx := context.Background()
	s := storetest.New(t)
	ref, err := store.Open(ctx, t.TempDir()+"/ref.db")
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if _, err := ref.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s columns = %v, want SQLite's %v", s.Engine(), got, want)
	}
	if n, err := s.Pending(ctx); err != nil || n != 0 {
		t.Errorf("Pending() = %d, %v; want 0", n, err)
	}
}

func TestAccountsCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	id, err := s.CreateAccount(ctx, crm.Account{Code: "C1", Name: "华为技术有限公司", Type: crm.TypeEnterprise, Region: "广东"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, crm.Account{Code: "C1", Name: "dup"}, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("CreateAccount(duplicate code) = %v, want ErrConflict", err)
	}
	a, err := s.Account(ctx, id)
	if err != nil || a.Name != "华为技术有限公司" || a.Version != 1 || !a.CreatedAt.Equal(now) {
		t.Fatalf("Account(%d) = %+v, %v", id, a, err)
	}
	a.Region = "深圳"
	if err := s.UpdateAccount(ctx, a, now); err != nil {
		t.Fatal(err)
	}
	// A second save of the same read version is a conflict, not a silent overwrite.
	if err := s.UpdateAccount(ctx, a, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale UpdateAccount = %v, want ErrConflict", err)
	}
	if _, err := s.Account(ctx, 999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("Account(999) = %v, want ErrNotFound", err)
	}
}

func TestAccountsFilter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ids, err := s.InsertAccounts(ctx, []crm.Account{
		{Code: "HW", Name: "华为技术", Region: "广东"},
		{Code: "ZX", Name: "中兴通讯", Region: "广东"},
		{Code: "AL", Name: "阿里巴巴", Region: "浙江"},
		{Code: "X_1", Name: "100% Pure"},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	err = s.SetStandings(ctx, []store.Standing{
		{ID: ids["HW"], Revenue: crm.Yuan(6_000_000), Tier: "A", Band: crm.BandOxNose, Rank: 1},
		{ID: ids["AL"], Revenue: crm.Yuan(4_000_000), Tier: "B", Band: crm.BandCore, Rank: 2},
		{ID: ids["ZX"], Revenue: crm.Yuan(500_000), Tier: "D", Band: crm.BandLongTail, Rank: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    store.AccountFilter
		want []string
	}{
		{"all by revenue", store.AccountFilter{}, []string{"HW", "AL", "ZX", "X_1"}},
		{"pinyin initials", store.AccountFilter{Query: "hw"}, []string{"HW"}},
		{"full pinyin", store.AccountFilter{Query: "zhongxing"}, []string{"ZX"}},
		{"pinyin with space", store.AccountFilter{Query: "a li"}, []string{"AL"}},
		{"chinese", store.AccountFilter{Query: "巴巴"}, []string{"AL"}},
		{"percent is literal", store.AccountFilter{Query: "100%"}, []string{"X_1"}},
		{"tier", store.AccountFilter{Tier: "B"}, []string{"AL"}},
		{"region", store.AccountFilter{Region: "广东"}, []string{"HW", "ZX"}},
		{"by name", store.AccountFilter{Sort: "code"}, []string{"AL", "HW", "X_1", "ZX"}},
		{"page 2", store.AccountFilter{PerPage: 2, Page: 2}, []string{"ZX", "X_1"}},
	} {
		got, total, err := s.Accounts(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var codes []string
		for _, a := range got {
			codes = append(codes, a.Code)
		}
		if !slices.Equal(codes, tc.want) {
			t.Errorf("%s: Accounts(%+v) = %v, want %v", tc.name, tc.f, codes, tc.want)
		}
		if tc.f.PerPage == 0 && total != len(tc.want) {
			t.Errorf("%s: total = %d, want %d", tc.name, total, len(tc.want))
		}
	}
}

func TestRevenueBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ids, err := s.InsertAccounts(ctx, []crm.Account{{Code: "A", Name: "A"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *store.Store) error {
		id, err := tx.CreateBatch(ctx, store.Batch{Kind: "revenue", FileName: "f.csv", SHA256: "abc", Mapping: "{}", CreatedBy: "test", CreatedAt: now})
		if err != nil {
			return err
		}
		w := tx.NewRevenueWriter(id)
		defer w.Close()
		for i := 0; i < 600; i++ {
			if err := w.Add(ctx, store.LineInsert{LineNo: int64(i + 2), AccountID: ids["A"], Date: crm.MakeDate(2024, 3, 1), Amount: 100, Class: crm.ClassProduct}); err != nil {
				return err
			}
		}
		return w.Flush(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var sum crm.Money
	if err := s.EachLedgerEntry(ctx, 0, func(e store.LedgerEntry) { n++; sum += e.Amount }); err != nil {
		t.Fatal(err)
	}
	if n != 600 || sum != 60000 {
		t.Errorf("ledger = %d lines, %d; want 600, 60000", n, sum)
	}
	if _, err := s.CreateBatch(ctx, store.Batch{Kind: "revenue", FileName: "f.csv", SHA256: "abc", Mapping: "{}", CreatedBy: "t", CreatedAt: now}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("same file twice: %v, want ErrConflict", err)
	}
	st, err := s.DataState(ctx)
	if err != nil || st.LastBatch != 1 || st.Epoch != 0 {
		t.Errorf("DataState = %+v, %v", st, err)
	}
	if err := s.BumpRevenueEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.BumpRevenueEpoch(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.DataState(ctx); st.Epoch != 2 {
		t.Errorf("epoch = %d, want 2", st.Epoch)
	}
}
