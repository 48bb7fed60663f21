package crm

import (
	"math"
	"testing"
)

// bookCase builds the silver-jewellery case of §2.1: 40 / 360 / 425 / 3,870
// accounts with 22 / 28 / 23 / 27 % of revenue (total 4.4 bn).
func bookCase() []AccountRevenue {
	var out []AccountRevenue
	id := int64(1)
	add := func(n int, total Money) {
		each := total / Money(n)
		for i := 0; i < n; i++ {
			out = append(out, AccountRevenue{ID: id, Revenue: each})
			id++
		}
	}
	add(40, Yuan(968_000_000))    // 24.2 M each
	add(360, Yuan(1_232_000_000)) // 3.42 M each
	add(425, Yuan(1_012_000_000)) // 2.38 M each
	add(3870, Yuan(1_188_000_000))
	return out
}

func TestPyramidBookCase(t *testing.T) {
	m := DefaultMethod()
	st := m.Rank(bookCase())
	py := m.Summarize(st, SchemeThresholds, CalendarYear(2025))
	want := []struct {
		name     string
		accounts int
		share    float64
	}{{"A", 40, 0.22}, {"B", 360, 0.28}, {"C", 425, 0.23}, {"D", 3870, 0.27}}
	if len(py.Layers) != 4 {
		t.Fatalf("layers = %d, want 4", len(py.Layers))
	}
	for i, w := range want {
		l := py.Layers[i]
		if l.Name != w.name || l.Accounts != w.accounts || math.Abs(l.RevenueShare-w.share) > 0.001 {
			t.Errorf("layer %d = %s %d %.4f, want %s %d %.2f", i, l.Name, l.Accounts, l.RevenueShare, w.name, w.accounts, w.share)
		}
	}
	if py.Accounts != 4695 || math.Abs(py.Layers[0].AccountShare-0.0085) > 0.0001 {
		t.Errorf("accounts = %d, A share %.4f", py.Accounts, py.Layers[0].AccountShare)
	}
	if py.Gini <= 0 || py.Gini >= 1 {
		t.Errorf("Gini = %v, want in (0,1)", py.Gini)
	}
	if py.Top10 <= 0.05 || py.Top10 >= 0.06 { // 10 × 24.2 M of 4.4 bn = 5.5 %
		t.Errorf("Top10 = %v, want 0.055", py.Top10)
	}
	if last := py.Curve[len(py.Curve)-1]; last.X != 1 || math.Abs(last.Y-1) > 1e-9 {
		t.Errorf("curve ends at %+v, want (1,1)", last)
	}

	pa := m.Summarize(st, SchemePareto, CalendarYear(2025))
	counts := []int{47, 188 - 47, 939 - 188, 4695 - 939}
	for i, c := range counts {
		if pa.Layers[i].Accounts != c {
			t.Errorf("band %s = %d accounts, want %d", pa.Layers[i].Name, pa.Layers[i].Accounts, c)
		}
	}
	if pa.Layers[0].ExpectedShare != 0.512 || pa.Layers[3].CumRevenueShare < 0.999 {
		t.Errorf("pareto layers = %+v", pa.Layers)
	}
	if pa.Alpha <= 0.1386 {
		t.Errorf("alpha = %v: the book case is less concentrated than 80/20", pa.Alpha)
	}
}

func TestRankTiesAndNoRevenue(t *testing.T) {
	m := DefaultMethod()
	st := m.Rank([]AccountRevenue{{3, 100}, {1, 100}, {2, -5}, {4, 0}, {5, Yuan(5_000_000)}})
	ids := []int64{5, 1, 3}
	for i, id := range ids {
		if st[i].ID != id || st[i].Rank != i+1 {
			t.Errorf("rank %d = %+v, want ID %d", i+1, st[i], id)
		}
	}
	if st[0].Tier != 0 || st[1].Tier != 3 || st[3].Tier != -1 || st[4].Band != -1 {
		t.Errorf("tiers = %+v", st)
	}
	py := m.Summarize(st, SchemeThresholds, CalendarYear(2025))
	if py.NoRevenue != 2 || py.Accounts != 3 {
		t.Errorf("NoRevenue = %d, Accounts = %d; want 2, 3", py.NoRevenue, py.Accounts)
	}
}

func TestTierBoundsHalfOpen(t *testing.T) {
	m := DefaultMethod()
	for _, tc := range []struct {
		rev  Money
		want string
	}{{Yuan(5_000_000), "A"}, {Yuan(5_000_000) - 1, "B"}, {Yuan(3_000_000), "B"}, {Yuan(1_000_000), "C"}, {1, "D"}} {
		if got := m.TierName(m.TierOf(tc.rev)); got != tc.want {
			t.Errorf("TierOf(%s) = %s, want %s", tc.rev, got, tc.want)
		}
	}
}

func TestMigrate(t *testing.T) {
	m := DefaultMethod()
	prev := m.Rank([]AccountRevenue{{1, Yuan(4_000_000)}, {2, Yuan(6_000_000)}, {3, Yuan(100)}, {4, Yuan(2_000_000)}})
	cur := m.Rank([]AccountRevenue{{1, Yuan(5_500_000)}, {2, Yuan(6_000_000)}, {4, Yuan(500_000)}, {5, Yuan(1_500_000)}})
	mg := m.Migrate(SchemeThresholds, CalendarYear(2024), CalendarYear(2025), prev, cur)
	none := 4
	checks := []struct{ from, to, n int }{{1, 0, 1}, {0, 0, 1}, {3, none, 1}, {2, 3, 1}, {none, 2, 1}}
	for _, c := range checks {
		if mg.Counts[c.from][c.to] != c.n {
			t.Errorf("Counts[%d][%d] = %d, want %d", c.from, c.to, mg.Counts[c.from][c.to], c.n)
		}
	}
	if mg.Up != 1 || mg.Down != 1 {
		t.Errorf("Up, Down = %d, %d; want 1, 1", mg.Up, mg.Down)
	}
	if ids := m.MovedAccounts(SchemeThresholds, prev, cur, 1, 0); len(ids) != 1 || ids[0] != 1 {
		t.Errorf("MovedAccounts(B→A) = %v, want [1]", ids)
	}
}

func TestPeriods(t *testing.T) {
	m := DefaultMethod()
	today := MakeDate(2026, 11, 27)
	p, ok := m.LatestCompleteYear(today, MakeDate(2024, 1, 5), MakeDate(2026, 10, 30))
	if !ok || p.Key != "2025" {
		t.Errorf("LatestCompleteYear = %+v, %v; want 2025", p, ok)
	}
	if _, ok := m.LatestCompleteYear(today, MakeDate(2026, 1, 5), MakeDate(2026, 10, 30)); ok {
		t.Errorf("LatestCompleteYear with only 2026 data should be none")
	}
	m.FiscalYearStart = 4
	fy := m.Year(2024)
	if fy.From != MakeDate(2024, 4, 1) || fy.To != MakeDate(2025, 3, 31) || fy.Key != "FY2024" {
		t.Errorf("FiscalYear = %+v", fy)
	}
	if pv := fy.Previous(); pv.From != MakeDate(2023, 4, 1) || pv.To != MakeDate(2024, 3, 31) || pv.Key != "FY2023" {
		t.Errorf("Previous = %+v", pv)
	}
	ttm := TTM(MakeDate(2024, 2, 29))
	if ttm.From != MakeDate(2023, 3, 1) || ttm.Previous().To != MakeDate(2023, 2, 28) {
		t.Errorf("TTM = %+v, previous %+v", ttm, ttm.Previous())
	}
	for _, key := range []string{"2024", "FY2024", "TTM-2024-02-29", "2024-01-15..2024-03-01"} {
		p, err := m.ParsePeriodKey(key)
		if err != nil || p.Key != key {
			t.Errorf("ParsePeriodKey(%q) = %+v, %v", key, p, err)
		}
	}
	if _, err := m.ParsePeriodKey("2024-13-01..2024-01-01"); err == nil {
		t.Errorf("bad range accepted")
	}
}

func TestMoneyFormat(t *testing.T) {
	for _, tc := range []struct {
		m                 Money
		str, grouped, wan string
	}{
		{Yuan(5_000_000), "5000000.00", "5,000,000", "500.0"},
		{-12345, "-123.45", "-123.45", "0.0"},
		{-1234567, "-12345.67", "-12,345.67", "-1.2"},
		{Yuan(999), "999.00", "999", "0.1"},
		{0, "0.00", "0", "0.0"},
	} {
		if tc.m.String() != tc.str || tc.m.Grouped() != tc.grouped || tc.m.Wan() != tc.wan {
			t.Errorf("%d: %s %s %s, want %s %s %s", tc.m, tc.m, tc.m.Grouped(), tc.m.Wan(), tc.str, tc.grouped, tc.wan)
		}
	}
}
