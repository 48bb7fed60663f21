package crm

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestRankingMatchesStandings: the pyramid, migration and moved accounts of
// two rankings are those of the standings Rank gives, on random periods with
// ties, returns (negative revenue), accounts in one period only, and both
// schemes.
func TestRankingMatchesStandings(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m := DefaultMethod()
	period := func() []AccountRevenue {
		var out []AccountRevenue
		for id := int64(1); id <= 3000; id++ {
			if r.IntN(4) == 0 {
				continue // no line in this period
			}
			rev := Money(r.Int64N(int64(Yuan(8_000_000))))
			switch r.IntN(10) {
			case 0:
				rev = -rev / 10
			case 1:
				rev = 0
			case 2:
				rev = Yuan(1_000_000) // ties on a threshold
			}
			out = append(out, AccountRevenue{ID: id, Revenue: rev})
		}
		return out
	}
	for range 5 {
		prevRevs, curRevs := period(), period()
		from, to := CalendarYear(2024), CalendarYear(2025)
		prevSt, curSt := m.Rank(slices.Clone(prevRevs)), m.Rank(slices.Clone(curRevs))
		prev, cur := m.Ranking(slices.Clone(prevRevs)), m.Ranking(slices.Clone(curRevs))
		var got []Standing
		for i := range cur.Len() {
			got = append(got, cur.At(i))
		}
		if !reflect.DeepEqual(got, curSt) {
			t.Fatal("Ranking.At differs from Rank")
		}
		for _, scheme := range []string{SchemeThresholds, SchemePareto} {
			if a, b := m.SummarizeRanking(cur, scheme, to), m.Summarize(curSt, scheme, to); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: SummarizeRanking = %+v, Summarize = %+v", scheme, a, b)
			}
			if a, b := m.MigrateRankings(scheme, from, to, prev, cur), m.Migrate(scheme, from, to, prevSt, curSt); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: MigrateRankings = %+v, Migrate = %+v", scheme, a, b)
			}
			n := len(m.layerNames(scheme))
			for _, cell := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {n, 0}, {2, n}, {n - 1, n - 1}} {
				a := m.MovedAccountsRankings(scheme, prev, cur, cell[0], cell[1])
				b := m.MovedAccounts(scheme, prevSt, curSt, cell[0], cell[1])
				if !slices.Equal(a, b) {
					t.Errorf("%s %v: MovedAccountsRankings = %d accounts, MovedAccounts %d", scheme, cell, len(a), len(b))
				}
			}
		}
	}
}
