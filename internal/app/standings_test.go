package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// importRevenue imports revenue lines "code,name,date,amount" (one a line)
// and brings the stored standings up to date, as kam serve does after an
// import.
func importRevenue(t *testing.T, a *app.App, name string, lines ...string) {
	t.Helper()
	ctx := context.Background()
	body := "客户编号,客户名称,日期,金额,类别\n"
	for _, l := range lines {
		body += l + ",产品\n"
	}
	if _, err := a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: writeFile(t, name, []byte(body))}); err != nil {
		t.Fatal(err)
	}
	if err := a.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
}

func codes(l []crm.Account) []string {
	var out []string
	for _, x := range l {
		out = append(out, x.Code)
	}
	return out
}

func accountID(t *testing.T, a *app.App, code string) int64 {
	t.Helper()
	acc, err := a.AccountByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("account %s: %v", code, err)
	}
	return acc.ID
}

// TestDowngradeRule: the standing tier (lists, the account page, the API)
// follows METHODOLOGY §2.1 — up at once, down only after downgrade_after
// consecutive yearly evaluations below the tier — while the pyramid of a
// period keeps the tiers of that period's revenue.
func TestDowngradeRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	// The default period is 2025, the latest complete year (today is 2026-11-27).
	importRevenue(t, a, "r.csv",
		"HOLD,保级客户,2024-03-01,6000000", "HOLD,保级客户,2025-03-01,4000000", // A, then B: held in A
		"DOWN,降级客户,2023-03-01,6000000", "DOWN,降级客户,2024-03-01,4000000", "DOWN,降级客户,2025-03-01,4500000", // A, B, B: down to B
		"UP,升级客户,2024-03-01,500000", "UP,升级客户,2025-03-01,3500000", // D, then B: up at once
		"LOST,流失客户,2024-03-01,2000000", // C, then nothing: held in C without revenue
		"GONE,久未购买,2023-03-01,2000000", // C, then nothing twice: out
		"NEW,新客户,2025-03-01,200000",    // D
	)
	tierList := func(tier string) []string {
		t.Helper()
		page, err := a.Accounts(ctx, store.AccountFilter{Tier: tier, Sort: "revenue"})
		if err != nil {
			t.Fatal(err)
		}
		// The database's own query (used when the in-memory index is not)
		// must agree with the index.
		want, total, err := s.Accounts(ctx, store.AccountFilter{Tier: tier, Sort: "revenue"})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(page.Accounts); !slices.Equal(got, codes(want)) || page.Total != total {
			t.Errorf("tier %s: list index gives %v (%d), the database %v (%d)", tier, got, page.Total, codes(want), total)
		}
		return codes(page.Accounts)
	}
	for tier, want := range map[string][]string{"A": {"HOLD"}, "B": {"DOWN", "UP"}, "C": {"LOST"}, "D": {"NEW"}} {
		if got := tierList(tier); !slices.Equal(got, want) {
			t.Errorf("tier %s lists %v, want %v", tier, got, want)
		}
	}
	lost, err := a.Account(ctx, accountID(t, a, "LOST"))
	if err != nil || lost.Tier != "C" || lost.Revenue != 0 || lost.Band != "" {
		t.Errorf("LOST = tier %q, revenue %s, band %q (%v); want C held with revenue 0 and no band", lost.Tier, lost.Revenue, lost.Band, err)
	}

	// Why this tier.
	ex, err := a.Explain(ctx, accountID(t, a, "HOLD"), app.PeriodSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Period.Key != "2025" || ex.Tier != "A" || ex.RevenueTier != "B" || !ex.Held || ex.Below != 1 || ex.DowngradeAfter != 2 ||
		ex.Min != crm.Yuan(5_000_000) || ex.Revenue != crm.Yuan(4_000_000) {
		t.Errorf("Explain(HOLD) = %+v, want A held (B by revenue), 1 evaluation below of 2", ex)
	}
	if ex, _ := a.Explain(ctx, accountID(t, a, "DOWN"), app.PeriodSpec{}); ex.Tier != "B" || ex.Held {
		t.Errorf("Explain(DOWN) = %+v, want B, not held", ex)
	}
	if ex, _ := a.Explain(ctx, accountID(t, a, "UP"), app.PeriodSpec{}); ex.Tier != "B" || ex.Held {
		t.Errorf("Explain(UP) = %+v, want B, not held", ex)
	}
	if ex, _ := a.Explain(ctx, accountID(t, a, "LOST"), app.PeriodSpec{}); ex.Tier != "C" || !ex.Held || ex.HasRevenue || ex.RevenueTier != "" {
		t.Errorf("Explain(LOST) = %+v, want C held without revenue", ex)
	}
	// Periods other than evaluation years give the tier of their revenue.
	if ex, _ := a.Explain(ctx, accountID(t, a, "HOLD"), app.PeriodSpec{From: "2025-01-01", To: "2025-06-30"}); ex.Tier != "B" || ex.Held {
		t.Errorf("Explain(HOLD, a date range) = %+v, want B by revenue", ex)
	}

	// Tier history on the account page and the API.
	d, err := a.AccountDetail(ctx, accountID(t, a, "HOLD"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		year, tier, byRevenue string
		held                  bool
	}
	var hist []row
	for _, h := range d.History {
		hist = append(hist, row{h.Period.Key, h.Tier, h.RevenueTier, h.Held})
	}
	if want := []row{{"2025", "A", "B", true}, {"2024", "A", "A", false}}; !slices.Equal(hist, want) || !d.Why.Held {
		t.Errorf("AccountDetail(HOLD).History = %+v, Why.Held %v; want %+v and held", hist, d.Why.Held, want)
	}
	d, _ = a.AccountDetail(ctx, accountID(t, a, "LOST"))
	if len(d.History) != 2 || d.History[0].Period.Key != "2025" || d.History[0].Tier != "C" || !d.History[0].Held || d.History[0].Revenue != 0 {
		t.Errorf("AccountDetail(LOST).History = %+v, want 2025 held in C without revenue first", d.History)
	}

	// The pyramid of 2025 stays by revenue: nobody in A, HOLD in B.
	py, err := a.Pyramid(ctx, app.PyramidQuery{Period: app.PeriodSpec{Year: 2025}})
	if err != nil {
		t.Fatal(err)
	}
	if py.Layers[0].Accounts != 0 || py.Layers[1].Accounts != 3 || py.Layers[2].Accounts != 0 || py.Layers[3].Accounts != 1 {
		t.Errorf("pyramid 2025 = %+v, want 0 A, 3 B, 0 C, 1 D", py.Layers)
	}

	// With downgrade_after 1 there is no hysteresis: lists follow revenue.
	m, _, _ := a.Method(ctx)
	m.DowngradeAfter = 1
	if _, err := a.SaveMethod(ctx, "test", m, "no hysteresis"); err != nil {
		t.Fatal(err)
	}
	for tier, want := range map[string][]string{"A": nil, "B": {"DOWN", "HOLD", "UP"}, "C": nil, "D": {"NEW"}} {
		if got := tierList(tier); !slices.Equal(got, want) {
			t.Errorf("downgrade_after 1: tier %s lists %v, want %v", tier, got, want)
		}
	}
	if ex, _ := a.Explain(ctx, accountID(t, a, "HOLD"), app.PeriodSpec{}); ex.Tier != "B" || ex.Held {
		t.Errorf("downgrade_after 1: Explain(HOLD) = %+v, want B", ex)
	}
}

// TestDowngradeRuleFiscalYears: evaluations are fiscal years when the fiscal
// year starts in another month.
func TestDowngradeRuleFiscalYears(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	m, _, _ := a.Method(ctx)
	m.FiscalYearStart = 4
	if _, err := a.SaveMethod(ctx, "test", m, "April"); err != nil {
		t.Fatal(err)
	}
	// FY2024 (2024-04…2025-03): 6,000,000, A; FY2025 (2025-04…2026-03):
	// 4,000,000, B. By calendar years it would be 10,000,000 in 2025: A.
	importRevenue(t, a, "r.csv", "HOLD,保级客户,2025-02-01,6000000", "HOLD,保级客户,2025-05-01,4000000")
	ex, err := a.Explain(ctx, accountID(t, a, "HOLD"), app.PeriodSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Period.Key != "FY2025" || ex.Tier != "A" || !ex.Held || ex.RevenueTier != "B" {
		t.Errorf("Explain = %+v, want FY2025, A held (B by revenue)", ex)
	}
	page, _ := a.Accounts(ctx, store.AccountFilter{Tier: "A"})
	if got := codes(page.Accounts); !slices.Equal(got, []string{"HOLD"}) {
		t.Errorf("tier A lists %v, want [HOLD]", got)
	}
}

// TestAccountListFollowsChanges: what the list page keeps per state of the
// data (filter menus, configuration, the in-memory list index) is renewed by
// edits, imports and new settings, made here or by another process.
func TestAccountListFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, s := newApp(t)
	importRevenue(t, a, "r1.csv", "C1,甲,2025-03-01,6000000", "C2,乙,2025-03-01,2000000", "C3,丙,2025-03-01,100000")
	list := func(a *app.App, f store.AccountFilter) app.AccountList {
		t.Helper()
		l, err := a.AccountList(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := list(a, store.AccountFilter{Tier: "A"})
	if got := codes(l.Accounts); !slices.Equal(got, []string{"C1"}) || l.Period != "2025" ||
		!slices.Equal(l.Tiers, []string{"A", "B", "C", "D"}) || slices.Contains(l.Regions, "西藏") {
		t.Fatalf("list = %v, period %q, tiers %v, regions %v", got, l.Period, l.Tiers, l.Regions)
	}

	// An edit here: the menus and the rows show it.
	acc, _ := a.Account(ctx, accountID(t, a, "C1"))
	acc.Region, acc.Industry = "西藏", "矿业"
	if _, err := a.UpdateAccount(ctx, "test", acc); err != nil {
		t.Fatal(err)
	}
	l = list(a, store.AccountFilter{Tier: "A"})
	if !slices.Contains(l.Regions, "西藏") || !slices.Contains(l.Industries, "矿业") || len(l.Accounts) != 1 || l.Accounts[0].Region != "西藏" {
		t.Errorf("after an edit: regions %v, industries %v, rows %+v", l.Regions, l.Industries, l.Accounts)
	}

	// An edit by another process on the same database.
	other := app.New(s, app.Options{Now: func() time.Time { return today }})
	acc2, _ := other.Account(ctx, accountID(t, a, "C2"))
	acc2.Region = "青海"
	if _, err := other.UpdateAccount(ctx, "test", acc2); err != nil {
		t.Fatal(err)
	}
	if l := list(a, store.AccountFilter{}); !slices.Contains(l.Regions, "青海") {
		t.Errorf("after another process's edit: regions %v, want 青海 among them", l.Regions)
	}
	created, err := other.CreateAccount(ctx, "test", crm.Account{Code: "C9", Name: "新建", Region: "海南"})
	if err != nil {
		t.Fatal(err)
	}
	if l := list(a, store.AccountFilter{}); !slices.Contains(l.Regions, "海南") || l.Total != 4 {
		t.Errorf("after another process created %d: regions %v, total %d; want 海南 and 4", created.ID, l.Regions, l.Total)
	}

	// An import moves C3 up to A; the tier lists follow once the standings are stored.
	importRevenue(t, a, "r2.csv", "C3,丙,2025-06-01,7000000", "C4,丁,2025-06-01,3000000")
	if l := list(a, store.AccountFilter{Tier: "A"}); !slices.Equal(codes(l.Accounts), []string{"C3", "C1"}) || l.Total != 2 {
		t.Errorf("after an import: tier A = %v (%d), want [C3 C1]", codes(l.Accounts), l.Total)
	}
	if l := list(a, store.AccountFilter{Tier: "B"}); !slices.Equal(codes(l.Accounts), []string{"C4"}) {
		t.Errorf("after an import: tier B = %v, want [C4]", codes(l.Accounts))
	}

	// New settings (saved by the other process): new thresholds.
	m, _, _ := a.Method(ctx)
	m.Tiers[0].Min, m.Tiers[1].Min, m.Tiers[2].Min = crm.Yuan(2_500_000), crm.Yuan(1_500_000), crm.Yuan(500_000)
	if _, err := other.SaveMethod(ctx, "test", m, "lower"); err != nil {
		t.Fatal(err)
	}
	l = list(a, store.AccountFilter{Tier: "A"})
	if !slices.Equal(l.Tiers, []string{"A", "B", "C", "D"}) || !slices.Equal(codes(l.Accounts), []string{"C3", "C1", "C4"}) {
		t.Errorf("after new settings: tiers %v, A = %v; want [A B C D] and [C3 C1 C4]", l.Tiers, codes(l.Accounts))
	}
	if l := list(a, store.AccountFilter{Tier: "B"}); !slices.Equal(codes(l.Accounts), []string{"C2"}) {
		t.Errorf("after new settings: B = %v, want [C2]", codes(l.Accounts))
	}
	if strings.Join(l.Bands, ",") != "OX_NOSE,SUPER,CORE,LONG_TAIL" {
		t.Errorf("bands = %v", l.Bands)
	}
}

// TestLedgerLargeAmounts: lines beyond the ledger's 32-bit amounts keep
// their exact value.
func TestLedgerLargeAmounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := newApp(t)
	importRevenue(t, a, "r.csv", "BIG,大单,2025-03-01,30000000.01", "BIG,大单,2025-04-01,-21474836.49", "BIG,大单,2025-05-01,21474836.47",
		"SMALL,小单,2025-03-01,1")
	py, err := a.Pyramid(ctx, app.PyramidQuery{Period: app.PeriodSpec{Year: 2025}})
	if err != nil {
		t.Fatal(err)
	}
	// In fen: 3,000,000,001 − 2,147,483,649 + 2,147,483,647, and 100.
	big := crm.Money(2_999_999_999)
	if py.Revenue != big+100 {
		t.Errorf("pyramid revenue = %s, want %s", py.Revenue, big+100)
	}
	ex, _ := a.Explain(ctx, accountID(t, a, "BIG"), app.PeriodSpec{})
	if ex.Revenue != big || ex.Tier != "A" {
		t.Errorf("Explain(BIG) = %s in %q, want %s in A", ex.Revenue, ex.Tier, big)
	}
}
