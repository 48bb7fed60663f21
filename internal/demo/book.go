package demo

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"kam/internal/crm"
)

// The book case (METHODOLOGY §2.1): a silver-jewellery brand grades its 4,695
// franchisees by annual sales. The tiers, their account counts and revenue
// shares are the book's; the total is a choice (see bookRevenue).
const (
	tierA = iota
	tierB
	tierC
	tierD
	tierCount
)

// bookRevenue is the revenue of the latest full year. The book's bounds and
// shares fit together only for a total of about 3.86–5.54 bn CNY (an average
// B account must reach 3M and an average C account stay under 3M);
// 4.4 bn sits well inside, so every tier has room for a natural spread.
var bookRevenue = crm.Yuan(4_400_000_000)

var bookTiers = [tierCount]struct {
	count int
	share int64 // basis points of bookRevenue
	band  tierBand
}{
	// A has no upper bound in the book; 100M caps the largest franchisee at
	// about 2% of the brand, large but believable.
	tierA: {40, 2200, tierBand{lo: 5_025_000, hi: 100_000_000, sigma: 1.0}},
	tierB: {360, 2800, tierBand{lo: 3_015_000, hi: 4_975_000, sigma: 0.35}},
	tierC: {425, 2300, tierBand{lo: 1_005_000, hi: 2_985_000, sigma: 0.5}},
	// The smallest shop still sells 30,000 yuan a year: every D account has
	// revenue, as in the book's table.
	tierD: {3870, 2700, tierBand{lo: 30_000, hi: 995_000, sigma: 0.8}},
}

// Who joined when. Codes follow the order in which franchisees joined, so the
// newest shops have the highest codes. About 10% opened during the latest full
// year (no revenue the year before: the new franchisees of a migration
// matrix) and about 8% during the year before it (a partial year there, a
// full one in the latest year: typical upgrades).
const (
	bookNewLatest   = 470
	bookNewPrevious = 380
	// Of the shops opened in the latest year, those open by June may already
	// reach B or C; later ones stay in D.
	bookNewB = 4
	bookNewC = 36
)

// PCG streams: each use of the seed draws from its own stream, so changing
// how one part is drawn does not reshuffle the others.
const (
	streamBook      = 0xB00C
	streamBookLines = 0xB00C_0000_0000
	streamSynth     = 0x5EED_0000_0000
)

type bookAccount struct {
	Account
	tier     int
	province int
	// opened is the month the shop opened, counted from January of the year
	// before the latest full year (0 = that January); -1 means earlier.
	opened  int
	openDay int
	// Revenue of the year before the latest, the latest full year and the
	// current year to date. cur is exact: the tiers are computed from it.
	prev, cur, now crm.Money
}

// generateBook builds the book case in memory (4,695 accounts are small) and
// then streams it.
func generateBook(now crm.Date, seed uint64, account func(Account) error, line func(Line) error) error {
	r := rand.New(rand.NewPCG(seed, streamBook))
	latest := now.Year() - 1
	accts := make([]bookAccount, BookAccounts)

	openings(r, accts)
	assignTiers(r, accts)
	assignRevenue(r, accts, latest, int(now.Month())-1)
	describe(r, accts)

	for i := range accts {
		if err := account(accts[i].Account); err != nil {
			return err
		}
	}
	if line == nil {
		return nil
	}
	lg := newBookLines(seed, now, line)
	for i := range accts {
		if err := lg.account(i, &accts[i]); err != nil {
			return err
		}
	}
	return nil
}

// openings sets when each shop opened, in code order.
func openings(r *rand.Rand, accts []bookAccount) {
	n := len(accts)
	for i := range accts {
		accts[i].opened = -1
	}
	// months 1..11 of the earlier year (February to December) and 13..22
	// of the latest (February to November), sorted so codes follow dates.
	draw := func(from, count, lo, hi int) {
		ms := make([]int, count)
		for j := range ms {
			ms[j] = lo + r.IntN(hi-lo+1)
		}
		slices.Sort(ms)
		for j, m := range ms {
			a := &accts[from+j]
			a.opened = m
			a.openDay = 1 + r.IntN(28)
		}
	}
	draw(n-bookNewLatest-bookNewPrevious, bookNewPrevious, 1, 11)
	draw(n-bookNewLatest, bookNewLatest, 13, 22)
}

// assignTiers gives each account its tier in the latest full year.
func assignTiers(r *rand.Rand, accts []bookAccount) {
	n := len(accts)
	remaining := [tierCount]int{}
	for t := range remaining {
		remaining[t] = bookTiers[t].count
	}
	// New shops: a few strong early openers reach B or C.
	var early []int
	for i := n - bookNewLatest; i < n; i++ {
		accts[i].tier = tierD
		if accts[i].opened <= 12+5 { // open by June
			early = append(early, i)
		}
	}
	r.Shuffle(len(early), func(a, b int) { early[a], early[b] = early[b], early[a] })
	for j, i := range early[:bookNewB+bookNewC] {
		if j < bookNewB {
			accts[i].tier = tierB
		} else {
			accts[i].tier = tierC
		}
	}
	remaining[tierB] -= bookNewB
	remaining[tierC] -= bookNewC
	remaining[tierD] -= bookNewLatest - bookNewB - bookNewC
	// Older shops: the rest, in random order.
	var tiers []int
	for t, c := range remaining {
		for range c {
			tiers = append(tiers, t)
		}
	}
	r.Shuffle(len(tiers), func(a, b int) { tiers[a], tiers[b] = tiers[b], tiers[a] })
	for i := range n - bookNewLatest {
		accts[i].tier = tiers[i]
	}
}

// openShare is the part of a year's seasonal sales a shop opened in month m
// (1..12) on day d can make.
func openShare(season *[13]float64, year, m, d int) float64 {
	total, open := 0.0, 0.0
	for k := 1; k <= 12; k++ {
		total += season[k]
		switch {
		case k > m:
			open += season[k]
		case k == m:
			dim := daysIn(year, k)
			open += season[k] * float64(dim-d+1) / float64(dim)
		}
	}
	return open / total
}

// assignRevenue draws the revenue of each account: exact tier totals for the
// latest full year, and from them the year before and the current year.
func assignRevenue(r *rand.Rand, accts []bookAccount, latest, monthsNow int) {
	seasonPrev, seasonLatest, seasonNow := seasonality(latest-1), seasonality(latest), seasonality(latest+1)
	// exposure is the share of the latest year each shop was open.
	exposure := make([]float64, len(accts))
	for i, a := range accts {
		exposure[i] = 1
		if a.opened >= 12 {
			exposure[i] = openShare(&seasonLatest, latest, a.opened-11, a.openDay)
		}
	}

	var assigned crm.Money
	for t := range tierCount {
		total := bookRevenue * crm.Money(bookTiers[t].share) / 10000
		if t == tierD {
			total = bookRevenue - assigned // the last tier takes the remainder
		}
		assigned += total
		var members []int
		for i := range accts {
			if accts[i].tier == t {
				members = append(members, i)
			}
		}
		values := bookTiers[t].band.amounts(r, len(members), total)
		// Match amounts to accounts by rank of exposure times luck, so a shop
		// that opened in November rarely gets a full year's top amount.
		score := make([]float64, len(accts))
		for _, i := range members {
			score[i] = exposure[i] * lognormalMean1(r, 0.6)
		}
		slices.SortStableFunc(members, func(a, b int) int { return cmp.Compare(score[a], score[b]) })
		for j, i := range members {
			accts[i].cur = values[j]
		}
	}

	for i := range accts {
		a := &accts[i]
		// The year before: growth between -30% and +45%, the brand growing
		// about 7% a year; shops opened in that year had part of it only.
		if a.opened < 12 {
			g := min(max(math.Exp(0.07+0.16*r.NormFloat64()), 0.7), 1.45)
			share := 1.0
			if a.opened >= 0 {
				share = openShare(&seasonPrev, latest-1, a.opened+1, a.openDay)
			}
			a.prev = max(crm.Money(float64(a.cur)/g*share), crm.Yuan(1000))
		}
		// The current year to date: the annual run rate, grown or shrunk,
		// times the seasonal share of the months gone. About 2% of the small
		// shops have closed since the new year.
		if monthsNow > 0 && !(a.tier == tierD && r.Float64() < 0.02) {
			g := math.Exp(0.05 + 0.14*r.NormFloat64())
			done, all := 0.0, 0.0
			for m := 1; m <= 12; m++ {
				all += seasonNow[m]
				if m <= monthsNow {
					done += seasonNow[m]
				}
			}
			a.now = max(crm.Money(float64(a.cur)/exposure[i]*g*done/all), crm.Yuan(500))
		}
		// Potential spend: the run rate plus the headroom a visit would
		// estimate, in round 万 (10,000 yuan) as a manager writes it.
		pot := float64(a.cur) / exposure[i] * math.Exp(0.4+0.25*r.NormFloat64())
		const wan = 10_000 * crm.MinorPerMajor
		a.Potential = crm.Money(math.Round(pot/wan)) * wan
	}
}

// describe sets codes, names, regions and flags.
func describe(r *rand.Rand, accts []bookAccount) {
	provW := make([]float64, len(provinces))
	provSum := 0.0
	for p, pr := range provinces {
		provW[p] = pr.weight
		provSum += pr.weight
	}
	indW := make([]float64, len(silverIndustries))
	indSum := 0.0
	for k, ind := range silverIndustries {
		indW[k] = ind.weight
		indSum += ind.weight
	}
	used := make(map[string]bool, len(accts)) // membership only, never iterated
	leader := make([]int, len(provinces))     // per province, best account or -1
	for p := range leader {
		leader[p] = -1
	}
	for i := range accts {
		a := &accts[i]
		a.Code = "F" + pad6(i+1)
		a.Type = crm.TypeFranchisee
		a.province = pickWeighted(r, provW, provSum)
		pr := provinces[a.province]
		cw := make([]float64, len(pr.cities))
		cs := 0.0
		for j, c := range pr.cities {
			cw[j] = cities[c].weight
			cs += cw[j]
		}
		c := &cities[pr.cities[pickWeighted(r, cw, cs)]]
		a.Region = c.province
		a.Name = shopName(r, c, a.tier, used)
		used[a.Name] = true
		a.Industry = silverIndustries[pickWeighted(r, indW, indSum)].name
		// Counters in department stores belong to retail groups, some of
		// them listed; an independent shop is never listed.
		a.IsListed = a.Industry == "百货零售" && r.IntN(3) == 0
		if l := leader[a.province]; l < 0 || a.cur > accts[l].cur {
			leader[a.province] = i
		}
	}
	// The leader of a province is its largest shop, if it is at least a B.
	for _, l := range leader {
		if l >= 0 && accts[l].tier <= tierB {
			accts[l].IsLeader = true
		}
	}
}

func pad6(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// shopName builds a unique name such as 杭州西湖银饰加盟店 or
// 郑州金水花园路银饰专卖店. Large shops are more often flagship stores.
func shopName(r *rand.Rand, c *city, tier int, used map[string]bool) string {
	var name string
	for range 100 {
		var place string
		switch k := r.IntN(100); {
		case k < 30:
			place = c.districts[r.IntN(len(c.districts))]
		case k < 65:
			place = c.districts[r.IntN(len(c.districts))] + streets[r.IntN(len(streets))]
		default:
			place = streets[r.IntN(len(streets))]
		}
		word := shopWords[pickWeighted(r, shopWordWeights, shopWordSum)]
		if tier == tierA && r.IntN(100) < 40 {
			word = "银饰旗舰店"
		}
		name = c.name + place + word
		if !used[name] {
			return name
		}
	}
	// Every combination drawn was taken: a second shop of the same name.
	for _, o := range shopOrdinals {
		if !used[name+o] {
			return name + o
		}
	}
	for k := 11; ; k++ {
		if s := name + strconv.Itoa(k) + "店"; !used[s] {
			return s
		}
	}
}

var (
	shopWordWeights = []float64{40, 20, 15, 10, 10, 5}
	shopWordSum     = 100.0
)

// bookLines writes the monthly revenue lines of the book case.
type bookLines struct {
	seed    uint64
	now     crm.Date
	emit    func(Line) error
	src     *rand.PCG
	r       *rand.Rand
	seasons map[int]*[13]float64 // by year; looked up, never iterated
	// product weights and their sums by month
	prodW   [13][]float64
	prodSum [13]float64
	buf     []Line
}

func newBookLines(seed uint64, now crm.Date, emit func(Line) error) *bookLines {
	src := rand.NewPCG(0, 0)
	g := &bookLines{seed: seed, now: now, emit: emit, src: src, r: rand.New(src), seasons: map[int]*[13]float64{}}
	for y := now.Year() - 2; y <= now.Year(); y++ {
		s := seasonality(y)
		g.seasons[y] = &s
	}
	for m := 1; m <= 12; m++ {
		g.prodW[m] = make([]float64, len(silverProducts))
		for k, p := range silverProducts {
			w := p.weight
			if b := p.boost[m]; b != 0 {
				w *= b
			}
			g.prodW[m][k] = w
			g.prodSum[m] += w
		}
	}
	return g
}

// account writes every line of one account. Each account draws from its own
// PCG stream, so its lines do not depend on the accounts before it.
func (g *bookLines) account(i int, a *bookAccount) error {
	g.src.Seed(g.seed, streamBookLines+uint64(i))
	latest := g.now.Year() - 1
	first := max(a.opened, 0) // first month with revenue, as a.opened counts
	openYear, openMonth := latest-1+first/12, first%12+1
	if a.opened < 0 {
		openYear = 0 // opened before the data starts: no opening month
	}
	segs := []struct {
		year     int
		from, to int // months 1..12
		total    crm.Money
	}{
		{latest - 1, first + 1, 12, a.prev},
		{latest, max(first-11, 1), 12, a.cur},
		{latest + 1, 1, int(g.now.Month()) - 1, a.now},
	}
	for _, s := range segs {
		if s.total <= 0 || s.from > s.to {
			continue
		}
		season := g.seasons[s.year]
		n := s.to - s.from + 1
		weights := make([]float64, n)
		amounts := make([]crm.Money, n)
		for k := range weights {
			m := s.from + k
			weights[k] = season[m] * lognormalMean1(g.r, 0.15)
			if s.year == openYear && m == openMonth {
				// The first order of a new shop stocks its counters.
				weights[k] *= 2
			}
		}
		// The months add up to the year's total exactly, so the last line
		// of the year absorbs all rounding.
		splitExact(s.total, weights, amounts)
		for k, amt := range amounts {
			m := s.from + k
			day := 1
			if s.year == openYear && m == openMonth {
				day = a.openDay
			}
			if err := g.month(i, a, s.year, m, day, amt); err != nil {
				return err
			}
		}
	}
	return nil
}

// month writes the lines of one account-month that add up to amt: one to
// three product orders (one more for A and B shops), sometimes a service
// fee, rarely a return.
func (g *bookLines) month(i int, a *bookAccount, year, m, firstDay int, amt crm.Money) error {
	r := g.r
	dim := daysIn(year, m)
	day := func() crm.Date { return crm.MakeDate(year, time.Month(m), firstDay+r.IntN(dim-firstDay+1)) }
	big := a.tier <= tierB
	g.buf = g.buf[:0]

	var service, ret crm.Money
	// About 7% of lines are service fees; the large shops buy more of them
	// (METHODOLOGY §8.1: the value strategy raises the service share).
	serviceP := 0.13
	if big {
		serviceP = 0.25
	}
	if r.Float64() < serviceP {
		service = crm.Money(float64(amt) * (0.03 + 0.09*r.Float64()))
	}
	if r.Float64() < 0.025 {
		ret = crm.Money(float64(amt) * (0.03 + 0.12*r.Float64()))
	}
	k := 1
	switch x := r.Float64(); {
	case x < 0.25:
		k = 3
	case x < 0.70:
		k = 2
	}
	if big {
		k++
	}
	products := amt - service + ret
	var w [4]float64
	var parts [4]crm.Money
	for j := range k {
		w[j] = 0.3 + r.Float64()
	}
	splitExact(products, w[:k], parts[:k])
	for j := range k {
		g.buf = append(g.buf, Line{Date: day(), Amount: parts[j], Class: crm.ClassProduct,
			Product: silverProducts[pickWeighted(r, g.prodW[m], g.prodSum[m])].name})
	}
	if service > 0 {
		g.buf = append(g.buf, Line{Date: day(), Amount: service, Class: crm.ClassService,
			Product: silverServices[r.IntN(len(silverServices))]})
	}
	if ret > 0 {
		g.buf = append(g.buf, Line{Date: day(), Amount: -ret, Class: crm.ClassProduct,
			Product: silverProducts[pickWeighted(r, g.prodW[m], g.prodSum[m])].name})
	}
	slices.SortStableFunc(g.buf, func(x, y Line) int { return cmp.Compare(x.Date, y.Date) })
	for _, l := range g.buf {
		l.AccountCode, l.AccountIndex = a.Code, i
		if err := g.emit(l); err != nil {
			return err
		}
	}
	return nil
}
