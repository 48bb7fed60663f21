package crm

import (
	"math/rand/v2"
	"testing"
)

func TestHoldTier(t *testing.T) {
	const A, B, C, D, none = 0, 1, 2, 3, -1
	for _, tc := range []struct {
		name  string
		tiers []int
		after int
		want  Hold
	}{
		{"no evaluation", nil, 2, Hold{Tier: none, Raw: none}},
		{"first evaluation", []int{C}, 2, Hold{Tier: C, Raw: C}},
		{"never any revenue", []int{none, none}, 2, Hold{Tier: none, Raw: none}},
		{"same tier", []int{B, B, B}, 2, Hold{Tier: B, Raw: B}},
		{"upgrade at once", []int{D, D, B}, 2, Hold{Tier: B, Raw: B}},
		{"upgrade by two tiers at once", []int{D, A}, 2, Hold{Tier: A, Raw: A}},
		{"one evaluation below: held", []int{A, B}, 2, Hold{Tier: A, Raw: B, Below: 1}},
		{"two evaluations below: down", []int{A, B, B}, 2, Hold{Tier: B, Raw: B}},
		{"below, back, below: held again", []int{A, B, A, C}, 2, Hold{Tier: A, Raw: C, Below: 1}},
		{"down to the best of the evaluations below", []int{A, B, D}, 2, Hold{Tier: B, Raw: D, Below: 1}},
		{"down to the best, recent last", []int{A, D, B}, 2, Hold{Tier: B, Raw: B}},
		{"then further down", []int{A, B, D, D}, 2, Hold{Tier: D, Raw: D}},
		{"no revenue is below every tier: held", []int{B, none}, 2, Hold{Tier: B, Raw: none, Below: 1}},
		{"no revenue twice: out", []int{B, none, none}, 2, Hold{Tier: none, Raw: none}},
		{"revenue before an empty year", []int{none, C}, 2, Hold{Tier: C, Raw: C}},
		{"three evaluations needed", []int{A, C, C}, 3, Hold{Tier: A, Raw: C, Below: 2}},
		{"three evaluations reached", []int{A, C, C, C}, 3, Hold{Tier: C, Raw: C}},
		{"after 1: no hysteresis", []int{A, C}, 1, Hold{Tier: C, Raw: C}},
		{"after 0 counts as 1", []int{A, none}, 0, Hold{Tier: none, Raw: none}},
		{"older evaluations do not matter", []int{A, A, D, D, C}, 2, Hold{Tier: C, Raw: C}},
	} {
		if got := HoldTier(tc.tiers, tc.after); got != tc.want {
			t.Errorf("%s: HoldTier(%v, %d) = %+v, want %+v", tc.name, tc.tiers, tc.after, got, tc.want)
		}
	}
}

// TestHoldTierIsTheRule checks the window computation against the rule as
// METHODOLOGY §2.1 states it, applied evaluation by evaluation to each
// threshold: at or above a tier's minimum as soon as an evaluation reaches
// it; below only after `after` consecutive evaluations under it.
func TestHoldTierIsTheRule(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const tiers = 4
	for range 5000 {
		after := 1 + r.IntN(3)
		seq := make([]int, r.IntN(8))
		for i := range seq {
			seq[i] = r.IntN(tiers+1) - 1
		}
		above := make([]bool, tiers) // above[k]: the account is in tier k or higher
		under := make([]int, tiers)  // consecutive evaluations below tier k
		for _, raw := range seq {
			for k := range tiers {
				if raw >= 0 && raw <= k {
					above[k], under[k] = true, 0
					continue
				}
				under[k]++
				if under[k] >= after {
					above[k] = false
				}
			}
		}
		want := -1
		for k := tiers - 1; k >= 0; k-- {
			if above[k] {
				want = k
			}
		}
		if got := HoldTier(seq, after); got.Tier != want {
			t.Fatalf("HoldTier(%v, %d).Tier = %d, the rule gives %d", seq, after, got.Tier, want)
		}
	}
}

func TestEvaluationYear(t *testing.T) {
	m := DefaultMethod()
	if y, ok := m.EvaluationYear(CalendarYear(2025)); !ok || y != 2025 {
		t.Errorf("EvaluationYear(2025) = %d, %v", y, ok)
	}
	if _, ok := m.EvaluationYear(TTM(MakeDate(2025, 12, 31))); ok {
		t.Error("TTM ending 2025-12-31 is not an evaluation year (its key differs)")
	}
	m.FiscalYearStart = 4
	if y, ok := m.EvaluationYear(FiscalYear(2024, 4)); !ok || y != 2024 {
		t.Errorf("EvaluationYear(FY2024) = %d, %v", y, ok)
	}
	if _, ok := m.EvaluationYear(CalendarYear(2024)); ok {
		t.Error("a calendar year is not an evaluation year when fiscal years start in April")
	}
}
