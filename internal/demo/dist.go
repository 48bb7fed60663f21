package demo

import (
	"fmt"
	"math"
	"math/rand/v2"

	"kam/internal/crm"
)

// normCDF and friends are the standard normal distribution. The survival
// forms keep precision in the upper tail, where 1-CDF would round to 0.
func normCDF(x float64) float64  { return 0.5 * math.Erfc(-x/math.Sqrt2) }
func normSF(x float64) float64   { return 0.5 * math.Erfc(x/math.Sqrt2) }
func normICDF(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }
func normISF(q float64) float64  { return math.Sqrt2 * math.Erfcinv(2*q) }

// truncNormQuantile returns the u-quantile of the standard normal truncated to
// [a, b]. The result is clamped to [a, b] because the inverse loses precision
// far out in a tail.
func truncNormQuantile(a, b, u float64) float64 {
	var x float64
	if a > 0 {
		qa, qb := normSF(a), normSF(b)
		x = normISF(qa - u*(qa-qb))
	} else {
		pa, pb := normCDF(a), normCDF(b)
		x = normICDF(pa + u*(pb-pa))
	}
	return min(max(x, a), b)
}

// tierBand is how the amounts of one tier of the book case are drawn: a
// lognormal of spread sigma truncated to [lo, hi] yuan. lo and hi already sit
// 0.5% inside the tier bounds, so no amount can be rounded across a bound.
type tierBand struct {
	lo, hi float64
	sigma  float64
}

// amounts returns n amounts within the band that sum exactly to total.
//
// The shape is a truncated lognormal, skewed like real revenue, and the mean
// is met by moving its location mu: with the quantiles u fixed, every amount
// rises with mu, so a bisection on mu finds the one whose sum is the total.
// Fixing u in strata (one per amount) instead of drawing them freely keeps
// 40 accounts from landing by chance in a lumpy shape. The last few fen of
// rounding are spread over the amounts.
func (t tierBand) amounts(r *rand.Rand, n int, total crm.Money) []crm.Money {
	if n == 0 {
		return nil
	}
	u := make([]float64, n)
	for i := range u {
		u[i] = (float64(i) + r.Float64()) / float64(n)
	}
	lnLo, lnHi := math.Log(t.lo), math.Log(t.hi)
	values := func(mu float64, out []float64) float64 {
		a, b := (lnLo-mu)/t.sigma, (lnHi-mu)/t.sigma
		sum := 0.0
		for i, ui := range u {
			v := math.Exp(mu + t.sigma*truncNormQuantile(a, b, ui))
			if out != nil {
				out[i] = v
			}
			sum += v
		}
		return sum
	}
	want := float64(total) / crm.MinorPerMajor
	// Six sigmas beyond the band the truncated shape no longer changes, and
	// the tails stay where the inverse normal is precise.
	muLo, muHi := lnLo-6*t.sigma, lnHi+6*t.sigma
	for range 200 {
		mid := (muLo + muHi) / 2
		if values(mid, nil) < want {
			muLo = mid
		} else {
			muHi = mid
		}
	}
	v := make([]float64, n)
	values((muLo+muHi)/2, v)
	out := make([]crm.Money, n)
	var sum crm.Money
	for i, x := range v {
		out[i] = crm.Money(math.Round(x * crm.MinorPerMajor))
		sum += out[i]
	}
	diff := total - sum
	each, rest := diff/crm.Money(n), diff%crm.Money(n)
	lo, hi := crm.Money(math.Ceil(t.lo*crm.MinorPerMajor)), crm.Money(math.Floor(t.hi*crm.MinorPerMajor))
	for i := range out {
		out[i] += each
		if crm.Money(i) < rest {
			out[i]++
		} else if crm.Money(i) < -rest {
			out[i]--
		}
		if out[i] < lo || out[i] > hi {
			// Only a band whose mean is out of reach gets here: a bug in
			// the constants of the book case, not a run-time condition.
			panic(fmt.Sprintf("demo: tier amount %v outside [%v, %v]", out[i], lo, hi))
		}
	}
	return out
}

// splitExact splits total into len(weights) parts proportional to weights,
// rounding the running sum so the parts add up to total exactly.
func splitExact(total crm.Money, weights []float64, parts []crm.Money) {
	sumW := 0.0
	for _, w := range weights {
		sumW += w
	}
	cum, prev := 0.0, crm.Money(0)
	for i, w := range weights {
		cum += w
		next := total
		if i < len(weights)-1 {
			next = crm.Money(math.Round(float64(total) * cum / sumW))
		}
		parts[i] = next - prev
		prev = next
	}
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// lognormalMean1 returns a lognormal factor with mean 1 and spread sigma.
func lognormalMean1(r *rand.Rand, sigma float64) float64 {
	return math.Exp(sigma*r.NormFloat64() - sigma*sigma/2)
}

// pickWeighted returns an index drawn with probability proportional to w.
func pickWeighted(r *rand.Rand, w []float64, sum float64) int {
	x := r.Float64() * sum
	for i, wi := range w {
		if x < wi {
			return i
		}
		x -= wi
	}
	return len(w) - 1
}
