package store_test

// Benchmarks of the store operations under the performance targets
// (docs/benchmarks.md), at a tenth of the target's scale. Run them with
//
//	go test -run '^$' -bench . ./internal/store/
//	KAM_TEST_POSTGRES_URL='postgres://…' go test -run '^$' -bench . ./internal/store/
//
// Each top-level benchmark builds its own database first (a few seconds);
// nothing runs without -bench.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

const (
	benchAccounts = 100_000
	benchLines    = 1_000_000
)

var errRollback = errors.New("roll back")

// benchAccountsStore returns a store with benchAccounts accounts (IDs 1…n)
// and their standings: 5 % in tier A to C, the rest in D, revenue falling
// with the ID.
func benchAccountsStore(b *testing.B) *store.Store {
	b.Helper()
	ctx := context.Background()
	s := storetest.New(b)
	list := make([]crm.Account, 0, 1000)
	regions := []string{"上海市", "北京市", "广东省", "浙江省", "江苏省", "四川省"}
	for i := range benchAccounts {
		list = append(list, crm.Account{Code: fmt.Sprintf("C%07d", i+1), Name: fmt.Sprintf("客户 %d 有限公司", i+1),
			Type: crm.AccountTypes[i%len(crm.AccountTypes)], Region: regions[i%len(regions)], Industry: "珠宝首饰"})
		if len(list) == cap(list) {
			if _, err := s.InsertAccounts(ctx, list, now); err != nil {
				b.Fatal(err)
			}
			list = list[:0]
		}
	}
	if err := s.SetStandings(ctx, standings(0)); err != nil {
		b.Fatal(err)
	}
	return s
}

// standings returns a standing for every account; shift changes every
// figure, so that two calls with different shifts differ on every account.
func standings(shift int) []store.Standing {
	st := make([]store.Standing, benchAccounts)
	for i := range st {
		tier := "D"
		switch {
		case i < benchAccounts/100:
			tier = "A"
		case i < benchAccounts/50:
			tier = "B"
		case i < benchAccounts/20:
			tier = "C"
		}
		st[i] = store.Standing{ID: int64(i + 1), Revenue: crm.Money((benchAccounts-i)*1000 + shift), Tier: tier,
			Band: "80%", Rank: i + 1 + shift}
	}
	return st
}

// BenchmarkRevenueWriter writes 100,000 revenue lines in a transaction
// (rolled back, so every run writes into the same table): multi-row INSERTs
// on SQLite, COPY on PostgreSQL.
func BenchmarkRevenueWriter(b *testing.B) {
	ctx := context.Background()
	s := storetest.New(b)
	const n = 100_000
	products := []string{"银项链", "银手镯", "陈列设计服务", "银戒指"}
	for b.Loop() {
		err := s.InTx(ctx, func(tx *store.Store) error {
			w := tx.NewRevenueWriter(1)
			defer w.Close()
			for i := range n {
				l := store.LineInsert{LineNo: int64(i + 2), AccountID: int64(i%benchAccounts + 1),
					Date: crm.MakeDate(2025, time.Month(1+i%12), 1+i%28), Amount: crm.Money(100_00 + i),
					Class: crm.ClassProduct, Product: products[i%len(products)]}
				if err := w.Add(ctx, l); err != nil {
					return err
				}
			}
			if err := w.Flush(ctx); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkEachLedgerEntry reads 1,000,000 revenue lines, as the in-memory
// ledger of kam serve loads them.
func BenchmarkEachLedgerEntry(b *testing.B) {
	ctx := context.Background()
	s := storetest.New(b)
	err := s.InTx(ctx, func(tx *store.Store) error {
		w := tx.NewRevenueWriter(1)
		defer w.Close()
		for i := range benchLines {
			class := crm.ClassProduct
			if i%5 == 0 {
				class = crm.ClassService
			}
			l := store.LineInsert{LineNo: int64(i + 2), AccountID: int64(i%benchAccounts + 1),
				Date: crm.MakeDate(2024+i%3, 1, 1).AddDays(i % 360), Amount: crm.Money(100_00 + i%1000), Class: class}
			if err := w.Add(ctx, l); err != nil {
				return err
			}
		}
		return w.Flush(ctx)
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		var n int
		if err := s.EachLedgerEntry(ctx, 0, func(store.LedgerEntry) { n++ }); err != nil {
			b.Fatal(err)
		}
		if n != benchLines {
			b.Fatalf("read %d lines, want %d", n, benchLines)
		}
	}
	b.ReportMetric(float64(benchLines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkSetStandings stores the standings of 100,000 accounts, every one
// of them changed (as after the first import, or a new year), and unchanged.
func BenchmarkSetStandings(b *testing.B) {
	ctx := context.Background()
	s := benchAccountsStore(b)
	b.Run("all-changed", func(b *testing.B) {
		for i := range b.N {
			if err := s.SetStandings(ctx, standings(i%2+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		st := standings(0)
		if err := s.SetStandings(ctx, st); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := s.SetStandings(ctx, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAccounts lists accounts as the account list does: the count of
// the filter and one page, shallow and deep, and the filter menus.
func BenchmarkAccounts(b *testing.B) {
	ctx := context.Background()
	s := benchAccountsStore(b)
	for _, c := range []struct {
		name string
		f    store.AccountFilter
	}{
		{"tierD/page=1", store.AccountFilter{Tier: "D", Sort: "revenue", Page: 1, PerPage: 50}},
		{"tierD/page=1000", store.AccountFilter{Tier: "D", Sort: "revenue", Page: 1000, PerPage: 50}},
		{"all/page=1", store.AccountFilter{Sort: "revenue", Page: 1, PerPage: 50}},
		{"region/name/page=100", store.AccountFilter{Region: "上海市", Sort: "name", Page: 100, PerPage: 50}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				list, total, err := s.Accounts(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				if total == 0 || len(list) == 0 {
					b.Fatalf("%d accounts of %d", len(list), total)
				}
			}
		})
	}
	b.Run("facets", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Facets(ctx, "region"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
