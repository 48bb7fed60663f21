package crm

import (
	"cmp"
	"math"
	"slices"
)

// Schemes of the pyramid: money thresholds (§2.1) or Pareto bands (§1.1).
const (
	SchemeThresholds = "thresholds"
	SchemePareto     = "pareto"
)

// AccountRevenue is an account's net revenue in a period.
type AccountRevenue struct {
	ID      int64
	Revenue Money
}

// Standing is where an account stands in a period: its rank by revenue and
// the tier and Pareto band that follow. Tier and Band are indexes into
// Method.Tiers and Method.Bands (len(Bands) is the long tail); both are -1 for
// accounts without positive revenue, which sit outside the pyramid.
type Standing struct {
	ID      int64
	Revenue Money
	Rank    int // 1 = highest revenue
	Tier    int
	Band    int
}

// Rank sorts revs by revenue, highest first (ties by ID, §1.1 step 1), and
// assigns tiers and bands. Accounts with zero or negative net revenue come
// last, unranked. revs is reordered in place.
func (m *Method) Rank(revs []AccountRevenue) []Standing {
	out := make([]Standing, 0, len(revs))
	m.EachRank(revs, func(s Standing) { out = append(out, s) })
	return out
}

// EachRank ranks revs as Rank does and calls fn with each standing in rank
// order, without keeping them (a million standings are 40 MB).
func (m *Method) EachRank(revs []AccountRevenue, fn func(Standing)) {
	r := m.Ranking(revs)
	for i := range r.revs {
		fn(r.At(i))
	}
}

// Ranking is the accounts of a period in rank order, the standing of each
// computed when asked for: 16 bytes an account, where []Standing takes 40
// (kam serve holds two rankings of a million accounts for a migration).
type Ranking struct {
	m    *Method
	revs []AccountRevenue // highest revenue first, ties by ID
	n    int              // how many have positive revenue: ranks 1…n
	cuts []int            // bandCuts(n)
}

// Ranking sorts revs as Rank does (in place) and returns their ranking.
func (m *Method) Ranking(revs []AccountRevenue) Ranking {
	slices.SortFunc(revs, func(a, b AccountRevenue) int {
		if c := cmp.Compare(b.Revenue, a.Revenue); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	n := 0
	for n < len(revs) && revs[n].Revenue > 0 {
		n++
	}
	return Ranking{m: m, revs: revs, n: n, cuts: m.bandCuts(n)}
}

// Len is the number of accounts ranked or not (those without positive
// revenue come last).
func (r Ranking) Len() int { return len(r.revs) }

// At returns the standing of the i-th account in rank order.
func (r Ranking) At(i int) Standing {
	x := r.revs[i]
	s := Standing{ID: x.ID, Revenue: x.Revenue, Tier: -1, Band: -1}
	if i < r.n {
		band := 0
		for band < len(r.cuts) && i >= r.cuts[band] {
			band++
		}
		s.Rank, s.Tier, s.Band = i+1, r.m.TierOf(x.Revenue), band
	}
	return s
}

// bandCuts returns, for each band, how many of the top n accounts it holds
// cumulatively: ceil(top_bp × n / 10000), in integers so that 1 % of 4,695 is
// exactly 47.
func (m *Method) bandCuts(n int) []int {
	cuts := make([]int, len(m.Bands))
	for i, b := range m.Bands {
		cuts[i] = (b.TopBP*n + 9999) / 10000
	}
	return cuts
}

// BandName returns the name of band index i (the last index is the long tail).
func (m *Method) BandName(i int) string {
	switch {
	case i < 0:
		return ""
	case i < len(m.Bands):
		return m.Bands[i].Name
	}
	return BandLongTail
}

// TierName returns the name of tier index i, or "" outside the pyramid.
func (m *Method) TierName(i int) string {
	if i < 0 || i >= len(m.Tiers) {
		return ""
	}
	return m.Tiers[i].Name
}

// Pyramid is the structure of the customer base in a period.
type Pyramid struct {
	Scheme string
	Period Period
	Layers []Layer
	// Accounts and Revenue cover the accounts with positive revenue; NoRevenue
	// counts accounts with data in the period whose net revenue is zero or less.
	Accounts  int
	Revenue   Money
	NoRevenue int
	Top10     float64 // revenue share of the ten largest accounts
	Gini      float64
	// Alpha is the fitted concentration exponent at the core band (y = x^α),
	// against 0.1386 for a pure 80/20 cascade (§1.1).
	Alpha float64
	Curve []CurvePoint
}

// Layer is one tier or band with its figures. Shares are fractions of 1.
type Layer struct {
	Name         string
	Min, Max     Money // thresholds scheme: revenue range [Min, Max); Max 0 = no upper bound
	TopBP        int   // Pareto scheme: the band's cumulative top share of accounts
	Accounts     int
	AccountShare float64
	Revenue      Money
	RevenueShare float64
	Average      Money
	// CumRevenueShare is the revenue share of this layer and all above it;
	// ExpectedShare is what the method predicts for it (Pareto scheme only).
	CumRevenueShare float64
	ExpectedShare   float64
}

// CurvePoint is a point of the Pareto curve: the top X share of accounts
// earns the Y share of revenue.
type CurvePoint struct{ X, Y float64 }

// Summarize builds the pyramid of the given scheme from standings produced by
// Rank.
func (m *Method) Summarize(st []Standing, scheme string, p Period) Pyramid {
	return m.summarize(scheme, p, len(st), func(i int) Standing { return st[i] })
}

// SummarizeRanking builds the pyramid of the given scheme from a ranking.
func (m *Method) SummarizeRanking(r Ranking, scheme string, p Period) Pyramid {
	return m.summarize(scheme, p, r.Len(), r.At)
}

// summarize builds the pyramid of n standings in rank order.
func (m *Method) summarize(scheme string, p Period, n int, at func(int) Standing) Pyramid {
	py := Pyramid{Scheme: scheme, Period: p}
	var layers []Layer
	if scheme == SchemePareto {
		for _, b := range m.Bands {
			layers = append(layers, Layer{Name: b.Name, TopBP: b.TopBP, ExpectedShare: b.ExpectedShare})
		}
		layers = append(layers, Layer{Name: BandLongTail, TopBP: 10000, ExpectedShare: 1})
	} else {
		for i, t := range m.Tiers {
			l := Layer{Name: t.Name, Min: t.Min}
			if i > 0 {
				l.Max = m.Tiers[i-1].Min
			}
			layers = append(layers, l)
		}
	}
	for i := range n {
		s := at(i)
		if s.Tier < 0 {
			py.NoRevenue++
			continue
		}
		idx := s.Tier
		if scheme == SchemePareto {
			idx = s.Band
		}
		layers[idx].Accounts++
		layers[idx].Revenue += s.Revenue
		py.Accounts++
		py.Revenue += s.Revenue
	}
	var cum Money
	for i := range layers {
		l := &layers[i]
		cum += l.Revenue
		if l.Accounts > 0 {
			l.Average = l.Revenue / Money(l.Accounts)
		}
		l.AccountShare = ratio(int64(l.Accounts), int64(py.Accounts))
		l.RevenueShare = ratio(int64(l.Revenue), int64(py.Revenue))
		l.CumRevenueShare = ratio(int64(cum), int64(py.Revenue))
	}
	py.Layers = layers
	revenue := func(i int) Money { return at(i).Revenue }
	py.Top10, py.Gini, py.Curve = concentration(py.Accounts, revenue, py.Revenue)
	if py.Accounts > 0 && len(m.Bands) > 0 {
		core := m.Bands[len(m.Bands)-1]
		x := float64(core.TopBP) / 10000
		if y := curveAt(py.Accounts, revenue, py.Revenue, (core.TopBP*py.Accounts+9999)/10000); y > 0 && y < 1 {
			py.Alpha = math.Log(y) / math.Log(x)
		}
	}
	return py
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// curveAt is the revenue share of the top k of n ranked revenues.
func curveAt(n int, revenue func(int) Money, total Money, k int) float64 {
	var sum Money
	for i := range min(k, n) {
		sum += revenue(i)
	}
	return ratio(int64(sum), int64(total))
}

// concentration computes the top-10 share, the Gini coefficient and a Pareto
// curve of at most about 200 points from n revenues ranked highest first.
func concentration(n int, revenue func(int) Money, total Money) (top10, gini float64, curve []CurvePoint) {
	if n == 0 || total <= 0 {
		return 0, 0, nil
	}
	step := max(1, n/200)
	curve = append(curve, CurvePoint{0, 0})
	var cum Money
	// Gini over ascending order: G = 2Σ i·x_i / (nΣx) − (n+1)/n, i from 1.
	// Ranked is descending, so ascending position i = n − k.
	var weighted float64
	for k := range n {
		r := revenue(k)
		cum += r
		if k == 9 || (k < 9 && k == n-1) {
			top10 = ratio(int64(cum), int64(total))
		}
		weighted += float64(n-k) * float64(r)
		if (k+1)%step == 0 || k == n-1 {
			curve = append(curve, CurvePoint{float64(k+1) / float64(n), ratio(int64(cum), int64(total))})
		}
	}
	gini = 2*weighted/(float64(n)*float64(total)) - float64(n+1)/float64(n)
	return top10, gini, curve
}

// Migration counts accounts moving between the layers of two periods. Row and
// column index len(layers) is "none": no positive revenue in that period.
type Migration struct {
	From, To Period
	Layers   []string
	Counts   [][]int
	Up, Down int
}

// Migrate compares two sets of standings under the same scheme.
func (m *Method) Migrate(scheme string, from, to Period, prev, cur []Standing) Migration {
	lp, lc := m.layersOf(scheme, prev, cur)
	return m.migrate(scheme, from, to, lp, lc)
}

// MigrateRankings compares the rankings of two periods under the same scheme.
func (m *Method) MigrateRankings(scheme string, from, to Period, prev, cur Ranking) Migration {
	lp, lc := m.rankingLayers(scheme, prev, cur)
	return m.migrate(scheme, from, to, lp, lc)
}

func (m *Method) migrate(scheme string, from, to Period, lp, lc []int16) Migration {
	names := m.layerNames(scheme)
	n := len(names)
	mg := Migration{From: from, To: to, Layers: names, Counts: make([][]int, n+1)}
	for i := range mg.Counts {
		mg.Counts[i] = make([]int, n+1)
	}
	eachMove(n, lp, lc, func(_ int64, a, b int) {
		mg.Counts[a][b]++
		switch {
		case a < n && b < n && b < a:
			mg.Up++
		case a < n && b < n && b > a:
			mg.Down++
		}
	})
	return mg
}

// MovedAccounts lists the IDs of accounts in one cell of the migration.
func (m *Method) MovedAccounts(scheme string, prev, cur []Standing, from, to int) []int64 {
	lp, lc := m.layersOf(scheme, prev, cur)
	return moved(len(m.layerNames(scheme)), lp, lc, from, to)
}

// MovedAccountsRankings lists the IDs of accounts in one cell of the
// migration between two rankings.
func (m *Method) MovedAccountsRankings(scheme string, prev, cur Ranking, from, to int) []int64 {
	lp, lc := m.rankingLayers(scheme, prev, cur)
	return moved(len(m.layerNames(scheme)), lp, lc, from, to)
}

func moved(none int, lp, lc []int16, from, to int) []int64 {
	var ids []int64
	eachMove(none, lp, lc, func(id int64, a, b int) {
		if a == from && b == to {
			ids = append(ids, id)
		}
	})
	return ids
}

func (m *Method) layerNames(scheme string) []string {
	var names []string
	if scheme == SchemePareto {
		for i := 0; i <= len(m.Bands); i++ {
			names = append(names, m.BandName(i))
		}
		return names
	}
	for _, t := range m.Tiers {
		names = append(names, t.Name)
	}
	return names
}

// layersOf returns each account's layer index under scheme in prev and in
// cur, by account ID; len(layers) is "none" (no positive revenue, or not
// there). Two small arrays instead of sorted copies of both sets (160 MB for
// a million accounts in each period).
func (m *Method) layersOf(scheme string, prev, cur []Standing) ([]int16, []int16) {
	var maxID int64
	for _, st := range [][]Standing{prev, cur} {
		for _, s := range st {
			maxID = max(maxID, s.ID)
		}
	}
	none := int16(len(m.layerNames(scheme)))
	fill := func(st []Standing) []int16 {
		out := make([]int16, maxID+1)
		for i := range out {
			out[i] = none
		}
		for _, s := range st {
			if l := layerIndex(scheme, s); l >= 0 && s.ID >= 0 {
				out[s.ID] = int16(l)
			}
		}
		return out
	}
	return fill(prev), fill(cur)
}

// rankingLayers is layersOf for two rankings.
func (m *Method) rankingLayers(scheme string, prev, cur Ranking) ([]int16, []int16) {
	var maxID int64
	for _, r := range []Ranking{prev, cur} {
		for _, x := range r.revs {
			maxID = max(maxID, x.ID)
		}
	}
	none := int16(len(m.layerNames(scheme)))
	fill := func(r Ranking) []int16 {
		out := make([]int16, maxID+1)
		for i := range out {
			out[i] = none
		}
		for i := range r.n { // the rest have no layer
			if s := r.At(i); s.ID >= 0 {
				out[s.ID] = int16(layerIndex(scheme, s))
			}
		}
		return out
	}
	return fill(prev), fill(cur)
}

// layerIndex is the tier or band index of s under scheme, -1 for none.
func layerIndex(scheme string, s Standing) int {
	if scheme == SchemePareto {
		return s.Band
	}
	return s.Tier
}

// eachMove calls fn, in ID order, with each account's layer before and
// after, for every account with a layer in either (none is "no layer").
func eachMove(none int, lp, lc []int16, fn func(id int64, from, to int)) {
	for id := range lp {
		a, b := int(lp[id]), int(lc[id])
		if a != none || b != none {
			fn(int64(id), a, b)
		}
	}
}
