package app_test

// Benchmarks of the use cases behind the performance targets, at a tenth of
// the target's scale (100,000 accounts, 1,000,000 revenue lines): the full
// scale is measured by scripts/bench-import.sh and scripts/bench-serve.sh,
// see docs/benchmarks.md. Run them with
//
//	go test -run '^$' -bench . ./internal/app/
//	KAM_TEST_POSTGRES_URL='postgres://…' go test -run '^$' -bench . ./internal/app/
//
// Each top-level benchmark builds its own database first (about 6 s on
// SQLite, 10 s on PostgreSQL; -v logs it); nothing runs without -bench.
// BENCH_ACCOUNTS and BENCH_LINES change the scale.

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// benchToday is the day the demo data is generated for: its latest complete
// year is 2025.
var benchToday = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func benchScale(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// benchApp returns an App over a fresh database holding the demo data at
// benchmark scale, with the standings stored.
func benchApp(b *testing.B) (*app.App, *store.Store) {
	b.Helper()
	start := time.Now()
	s := storetest.New(b)
	a := app.New(s, app.Options{Now: func() time.Time { return benchToday }})
	opt := demo.Options{Accounts: benchScale("BENCH_ACCOUNTS", 100_000), Lines: benchScale("BENCH_LINES", 1_000_000),
		Now: crm.DateOf(benchToday)}
	res, err := a.LoadDemo(context.Background(), "bench", opt, nil)
	if err != nil {
		b.Fatal(err)
	}
	if testing.Verbose() {
		b.Logf("%s: %d accounts, %d lines loaded and ranked in %.1f s", s.Engine(), res.Accounts, res.Lines, time.Since(start).Seconds())
	}
	return a, s
}

// BenchmarkPyramid computes the pyramid of a period from the in-memory
// ledger: "cached" asks for the same period again (answered from the cache
// of reports), the others ask for a period never asked before (a new date
// range each time), which is a pass over every line.
func BenchmarkPyramid(b *testing.B) {
	ctx := context.Background()
	a, _ := benchApp(b)
	// Load the ledger once, outside the timings.
	if _, err := a.Pyramid(ctx, app.PyramidQuery{Period: app.PeriodSpec{Year: 2025}}); err != nil {
		b.Fatal(err)
	}
	b.Run("year/cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Pyramid(ctx, app.PyramidQuery{Period: app.PeriodSpec{Year: 2025}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// 1,000 distinct ranges of about a year, all within the data (2024 to
	// November 2026): the cache of reports holds at most 257, so a range
	// comes round again only long after it was evicted.
	first := crm.MakeDate(2024, time.January, 1)
	period := func(i int) app.PeriodSpec {
		from := first.AddDays(i % 500)
		return app.PeriodSpec{From: from.String(), To: from.AddDays(330 + i/500%2).String()}
	}
	for _, scheme := range []string{crm.SchemeThresholds, crm.SchemePareto} {
		b.Run(scheme+"/new-period", func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := a.Pyramid(ctx, app.PyramidQuery{Scheme: scheme, Period: period(i)}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("migration/new-period", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := a.Migration(ctx, app.PyramidQuery{Period: period(i + 500)}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkLedgerLoad reads every revenue line into the ledger of a new App,
// as kam serve does on its first report.
func BenchmarkLedgerLoad(b *testing.B) {
	ctx := context.Background()
	_, s := benchApp(b)
	for b.Loop() {
		a := app.New(s, app.Options{Now: func() time.Time { return benchToday }})
		if _, err := a.ResolvePeriod(ctx, app.PeriodSpec{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchScale("BENCH_LINES", 1_000_000))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRestand recomputes and stores every account's standing, as kam
// serve does after an import: "all-changed" after the stored standings were
// cleared (every account is written, as after the first import), "unchanged"
// when they are already right (the figures are compared, nothing is written).
func BenchmarkRestand(b *testing.B) {
	ctx := context.Background()
	a, s := benchApp(b)
	b.Run("all-changed", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			if err := s.Exec(ctx, `UPDATE accounts SET cur_revenue = 0, cur_tier = '', cur_band = '', cur_rank = 0`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := a.Restand(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if err := a.Restand(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAccountsPage lists accounts of tier D by revenue, as the list page
// and the API do: page 1, and the page 1,000 rows into the tier's end (the
// target's page 1,000 of 50 at full scale is 50,000 rows deep; here the tier
// holds a tenth as many accounts). The parallel cases run 50 goroutines and
// report the 99th-percentile latency of one call.
func BenchmarkAccountsPage(b *testing.B) {
	ctx := context.Background()
	a, _ := benchApp(b)
	all, err := a.Accounts(ctx, store.AccountFilter{Tier: "D", Sort: "revenue", PerPage: 50})
	if err != nil {
		b.Fatal(err)
	}
	if all.Total == 0 {
		b.Fatal("no account in tier D")
	}
	deep := min(1000, all.Pages)
	if testing.Verbose() {
		b.Logf("tier D: %d accounts, %d pages; deep page %d", all.Total, all.Pages, deep)
	}
	for _, page := range []int{1, deep} {
		f := store.AccountFilter{Tier: "D", Sort: "revenue", Page: page, PerPage: 50}
		b.Run(fmt.Sprintf("tierD/page=%d", page), func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Accounts(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("tierD/page=%d/50-clients", page), func(b *testing.B) {
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(max(1, 50/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t := time.Now()
					if _, err := a.Accounts(ctx, f); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
		})
	}
	b.Run("facets", func(b *testing.B) {
		for b.Loop() {
			for _, c := range []string{"region", "industry"} {
				if _, err := a.Facets(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
