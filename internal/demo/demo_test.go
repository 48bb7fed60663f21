package demo

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"testing"

	"kam/internal/crm"
)

// testNow is mid-year, so the current year has five full months of data.
var testNow = crm.MakeDate(2025, 6, 15)

// tierOf grades an annual revenue with the book's bounds (METHODOLOGY §2.1);
// -1 means no revenue.
func tierOf(rev crm.Money) int {
	switch {
	case rev <= 0:
		return -1
	case rev >= crm.Yuan(5_000_000):
		return tierA
	case rev >= crm.Yuan(3_000_000):
		return tierB
	case rev >= crm.Yuan(1_000_000):
		return tierC
	}
	return tierD
}

// collected is everything one Generate call produced.
type collected struct {
	accounts []Account
	lines    []Line
}

func collect(t testing.TB, opt Options) collected {
	t.Helper()
	var c collected
	err := Generate(opt,
		func(a Account) error { c.accounts = append(c.accounts, a); return nil },
		func(l Line) error { c.lines = append(c.lines, l); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// yearSums returns each account's revenue in calendar year y, summed from the
// lines in integer Money.
func (c collected) yearSums(y int) []crm.Money {
	sums := make([]crm.Money, len(c.accounts))
	for _, l := range c.lines {
		if l.Date.Year() == y {
			sums[l.AccountIndex] += l.Amount
		}
	}
	return sums
}

// digest hashes every field of every record in order.
func digest(t testing.TB, opt Options) uint64 {
	t.Helper()
	h := fnv.New64a()
	err := Generate(opt,
		func(a Account) error {
			_, err := fmt.Fprintf(h, "%q|%q|%q|%q|%q|%t|%t|%d\n", a.Code, a.Name, a.Type, a.Industry, a.Region, a.IsListed, a.IsLeader, a.Potential)
			return err
		},
		func(l Line) error {
			_, err := fmt.Fprintf(h, "%q|%d|%d|%d|%q|%q\n", l.AccountCode, l.AccountIndex, l.Date, l.Amount, l.Class, l.Product)
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum64()
}

func TestBookTiers(t *testing.T) {
	for _, opt := range []Options{
		{Now: testNow},
		{Now: crm.MakeDate(2026, 1, 1), Seed: 3},    // no current-year months
		{Now: crm.MakeDate(2029, 3, 1), Seed: 11},   // latest year 2028 is a leap year
		{Now: crm.MakeDate(2030, 12, 31), Seed: 99}, // eleven current-year months
	} {
		t.Run(opt.Now.String(), func(t *testing.T) { checkBookTiers(t, opt) })
	}
}

func checkBookTiers(t *testing.T, opt Options) {
	c := collect(t, opt)
	if len(c.accounts) != BookAccounts {
		t.Fatalf("accounts = %d, want %d", len(c.accounts), BookAccounts)
	}
	sums := c.yearSums(opt.Now.Year() - 1)
	var count [tierCount]int
	var rev [tierCount]crm.Money
	var total crm.Money
	for i, s := range sums {
		tier := tierOf(s)
		if tier < 0 {
			t.Fatalf("account %s has no revenue in the latest full year", c.accounts[i].Code)
		}
		// No amount sits within 0.5% of a bound, where a rounding or a
		// late correction could move it to the next tier.
		for _, b := range []crm.Money{crm.Yuan(1_000_000), crm.Yuan(3_000_000), crm.Yuan(5_000_000)} {
			if s > b*995/1000 && s < b*1005/1000 {
				t.Errorf("account %s: %s yuan is within 0.5%% of %s", c.accounts[i].Code, s.Grouped(), b.Grouped())
			}
		}
		count[tier]++
		rev[tier] += s
		total += s
	}
	wantCount := [tierCount]int{40, 360, 425, 3870}
	wantShare := [tierCount]int64{2200, 2800, 2300, 2700} // basis points
	for tier := range tierCount {
		share := int64(rev[tier]) * 10000 / int64(total)
		t.Logf("tier %c: %4d accounts, %s yuan, %.2f%%", 'A'+tier, count[tier], rev[tier].Grouped(), float64(rev[tier])*100/float64(total))
		if count[tier] != wantCount[tier] {
			t.Errorf("tier %c: %d accounts, want %d", 'A'+tier, count[tier], wantCount[tier])
		}
		if d := share - wantShare[tier]; d < -50 || d > 50 {
			t.Errorf("tier %c: share %d bp, want %d ± 50", 'A'+tier, share, wantShare[tier])
		}
	}
	monthStart := crm.MakeDate(opt.Now.Year(), opt.Now.Month(), 1)
	for _, l := range c.lines {
		if l.Date >= monthStart {
			t.Fatalf("line dated %s, on or after %s", l.Date, monthStart)
		}
	}
	t.Logf("latest full year %d: %s yuan, %d lines in all", opt.Now.Year()-1, total.Grouped(), len(c.lines))
}

func TestBookAccounts(t *testing.T) {
	c := collect(t, Options{Now: testNow})
	codes, names := map[string]bool{}, map[string]bool{}
	leaders := 0
	for i, a := range c.accounts {
		if want := fmt.Sprintf("F%06d", i+1); a.Code != want {
			t.Errorf("account %d: code %s, want %s", i, a.Code, want)
		}
		if codes[a.Code] || names[a.Name] {
			t.Errorf("duplicate code or name: %s %s", a.Code, a.Name)
		}
		codes[a.Code], names[a.Name] = true, true
		if a.Type != crm.TypeFranchisee || a.Region == "" || a.Industry == "" || a.Potential <= 0 {
			t.Errorf("account %s is incomplete: %+v", a.Code, a)
		}
		if a.IsLeader {
			leaders++
		}
	}
	if leaders == 0 {
		t.Error("no regional leader")
	}
	t.Logf("first accounts: %+v / %+v", c.accounts[0], c.accounts[1])
}

// TestBookYears checks the years around the latest full year: the year before
// moves accounts across tiers both ways and has new franchisees, and the
// current year stops before Now's month.
func TestBookYears(t *testing.T) {
	c := collect(t, Options{Now: testNow})
	prev, cur := c.yearSums(testNow.Year()-2), c.yearSums(testNow.Year()-1)
	var up, down, same, fresh int
	var prevTotal, curTotal crm.Money
	for i := range cur {
		prevTotal += prev[i]
		curTotal += cur[i]
		from, to := tierOf(prev[i]), tierOf(cur[i])
		switch {
		case from < 0:
			fresh++
		case to < from:
			up++ // A is 0: a smaller index is a higher tier
		case to > from:
			down++
		default:
			same++
		}
	}
	t.Logf("year %d: %s yuan; upgrades %d, downgrades %d, unchanged %d, new %d", testNow.Year()-2, prevTotal.Grouped(), up, down, same, fresh)
	if up == 0 || down == 0 {
		t.Errorf("migration needs upgrades and downgrades: up %d, down %d", up, down)
	}
	if fresh < BookAccounts*5/100 || fresh > BookAccounts*15/100 {
		t.Errorf("%d accounts without revenue in the earlier year, want about 10%%", fresh)
	}
	if g := float64(curTotal)/float64(prevTotal) - 1; g < 0 || g > 0.4 {
		t.Errorf("growth %.1f%%, want a plausible positive growth", g*100)
	}

	monthStart := crm.MakeDate(testNow.Year(), testNow.Month(), 1)
	var nowTotal crm.Money
	var returns, services int
	first := crm.MakeDate(testNow.Year()-2, 1, 1)
	days := map[int]bool{}
	for _, l := range c.lines {
		if l.Date >= monthStart || l.Date < first || !l.Date.Valid() {
			t.Fatalf("line dated %s, want in [%s, %s)", l.Date, first, monthStart)
		}
		if l.Date.Year() == testNow.Year() {
			nowTotal += l.Amount
		}
		if l.Amount < 0 {
			returns++
		}
		if l.Class == crm.ClassService {
			services++
		}
		days[l.Date.Day()] = true
	}
	t.Logf("current year to %s: %s yuan; %d returns, %d service lines of %d", monthStart, nowTotal.Grouped(), returns, services, len(c.lines))
	if nowTotal <= 0 || nowTotal >= curTotal {
		t.Errorf("current year to date %s, want a part of a year", nowTotal.Grouped())
	}
	if returns == 0 || services == 0 || len(days) < 28 {
		t.Errorf("want returns, service lines and all days of the month: %d, %d, %d days", returns, services, len(days))
	}
}

func TestBookDeterministic(t *testing.T) {
	a, b := digest(t, Options{Now: testNow}), digest(t, Options{Now: testNow})
	if a != b {
		t.Fatal("two runs differ")
	}
	if c := digest(t, Options{Now: testNow, Seed: 7}); c == a {
		t.Error("another seed gives the same data")
	}
}

func TestSynthetic(t *testing.T) {
	opt := Options{Now: testNow, Accounts: 20000, Lines: 200000, Seed: 42}
	c := collect(t, opt)
	if len(c.accounts) != opt.Accounts {
		t.Fatalf("accounts = %d, want %d", len(c.accounts), opt.Accounts)
	}
	if d := len(c.lines) - opt.Lines; d*1000 > opt.Lines || -d*1000 > opt.Lines {
		t.Fatalf("lines = %d, want %d ± 0.1%%", len(c.lines), opt.Lines)
	}
	seen := make([]bool, opt.Accounts)
	last := make([]crm.Date, opt.Accounts)
	for _, l := range c.lines {
		seen[l.AccountIndex] = true
		if l.AccountCode != c.accounts[l.AccountIndex].Code {
			t.Fatalf("line of %d has code %s", l.AccountIndex, l.AccountCode)
		}
		if l.Date < last[l.AccountIndex] || l.Date >= testNow || l.Date < crm.MakeDate(testNow.Year()-2, 1, 1) {
			t.Fatalf("line of %s dated %s out of order or range", l.AccountCode, l.Date)
		}
		last[l.AccountIndex] = l.Date
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("account %s has no line", c.accounts[i].Code)
		}
	}
	names := map[string]bool{}
	for _, a := range c.accounts {
		if names[a.Name] {
			t.Fatalf("duplicate name %s", a.Name)
		}
		names[a.Name] = true
	}
	var count [tierCount]int
	for _, s := range c.yearSums(testNow.Year() - 1) {
		if tier := tierOf(s); tier >= 0 {
			count[tier]++
		}
	}
	t.Logf("tiers A-D in %d: %v; first account %+v", testNow.Year()-1, count, c.accounts[0])
	for tier, n := range count {
		if n == 0 {
			t.Errorf("tier %c is empty", 'A'+tier)
		}
	}
}

func TestSyntheticCounts(t *testing.T) {
	for _, tc := range []struct{ accounts, lines, wantAccounts int }{
		{1000, 500, 1000},  // fewer lines than accounts
		{1000, 1000, 1000}, // one each
		{3, 100000, 3},     // very many per account
		{500, 0, 500},      // lines default to 10 per account
		{0, 50, 1_000_000}, // accounts default to a million
		{777, 12345, 777},  // no round numbers
		{1, 1, 1},          // smallest
	} {
		var accounts, lines int
		err := Generate(Options{Now: testNow, Accounts: tc.accounts, Lines: tc.lines},
			func(Account) error { accounts++; return nil },
			func(Line) error { lines++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		wantLines := tc.lines
		if wantLines == 0 {
			wantLines = tc.accounts * DefaultLinesPerAccount
		}
		if accounts != tc.wantAccounts || lines != wantLines {
			t.Errorf("Accounts %d Lines %d: got %d accounts, %d lines; want %d, %d",
				tc.accounts, tc.lines, accounts, lines, tc.wantAccounts, wantLines)
		}
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	opt := Options{Now: testNow, Accounts: 5000, Lines: 60000, Seed: 9}
	if digest(t, opt) != digest(t, opt) {
		t.Fatal("two runs differ")
	}
}

func TestCallbackErrorStops(t *testing.T) {
	stop := errors.New("stop")
	for _, opt := range []Options{{Now: testNow}, {Now: testNow, Accounts: 100, Lines: 1000}} {
		n := 0
		err := Generate(opt, nil, func(Line) error {
			n++
			if n == 10 {
				return stop
			}
			return nil
		})
		if err != stop || n != 10 {
			t.Errorf("%+v: err %v after %d lines, want stop after 10", opt, err, n)
		}
		err = Generate(opt, func(Account) error { return io.ErrShortWrite }, nil)
		if err != io.ErrShortWrite {
			t.Errorf("%+v: account error %v not returned", opt, err)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, opt := range []Options{{}, {Now: 20250230}, {Now: testNow, Accounts: -1}, {Now: testNow, Lines: -5}} {
		if err := Generate(opt, nil, nil); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}

// BenchmarkSynthetic measures one million lines over 100,000 accounts,
// accounts included, with callbacks that do nothing.
func BenchmarkSynthetic(b *testing.B) {
	opt := Options{Now: testNow, Accounts: 100_000, Lines: 1_000_000}
	b.ReportAllocs()
	for b.Loop() {
		var n int
		if err := Generate(opt, func(Account) error { return nil }, func(Line) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != opt.Lines {
			b.Fatalf("%d lines", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(opt.Lines), "ns/line")
}
