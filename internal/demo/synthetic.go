package demo

import (
	"math"
	"math/rand/v2"
	"strconv"

	"kam/internal/crm"
)

// Synthetic data has to scale to SPEC §6 (1M accounts, 10M lines) in
// constant memory. Nothing per account is kept: each account's parameters are
// a pure function of (seed, index), drawn from a PCG stream re-seeded for that
// account, so the line pass can recompute what the account pass drew.

// synthTypes are the account types of synthetic data with their letters
// (code prefixes) and shares in percent. Consumers are left out: a consumer
// with a million yuan of revenue would not read true.
var synthTypes = []struct {
	typ    string
	letter byte
	pct    int
	suffix string
}{
	{crm.TypeEnterprise, 'E', 48, "有限公司"},
	{crm.TypeDealer, 'D', 30, "商贸有限公司"},
	{crm.TypeFranchisee, 'F', 22, "加盟店"},
}

// Line counts per account follow a Pareto law with this exponent, capped, so
// a few accounts have thousands of lines and most have a handful.
const (
	linesAlpha = 1.6
	linesCap   = 5000
)

type synth struct {
	seed       uint64
	n          int
	base       int     // lines every account gets: 1 when there are enough
	extra      int     // lines spread by weight on top of base
	weightSum  float64 // sum of all accounts' line weights
	days       []crm.Date
	codeWidth  int
	perm       feistel
	src        *rand.PCG
	r          *rand.Rand
	codeBuf    []byte
	cityCount  int
	tradeCount int
}

// synthAccount is what is drawn for one account, in this order.
type synthAccount struct {
	weight   float64 // share of the lines
	revenue  float64 // yearly revenue in fen, before noise
	typ      int
	from, to int // active days within the window, [from, to)
	listed   bool
	leader   bool
	potFac   float64 // potential spend over yearly revenue
}

func generateSynthetic(now crm.Date, seed uint64, n, m int, account func(Account) error, line func(Line) error) error {
	s := newSynth(now, seed, n, m)
	for i := range n {
		p := s.params(i)
		if err := account(s.account(i, &p)); err != nil {
			return err
		}
	}
	if line == nil {
		return nil
	}
	return s.lines(line)
}

func newSynth(now crm.Date, seed uint64, n, m int) *synth {
	src := rand.NewPCG(0, 0)
	s := &synth{seed: seed, n: n, src: src, r: rand.New(src)}
	if m >= n {
		s.base = 1
	}
	s.extra = m - s.base*n
	// The window runs from 1 January two years before Now's year to the day
	// before Now: the year before the latest full year, the latest full year
	// and the current year to date, like the book case. A table of its days
	// (about 1,100) turns a day offset into a Date without calendar math.
	for d := crm.MakeDate(now.Year()-2, 1, 1); d < now; d = d.AddDays(1) {
		s.days = append(s.days, d)
	}
	s.codeWidth = max(7, len(strconv.Itoa(n)))
	s.codeBuf = make([]byte, 0, 1+s.codeWidth)
	s.perm = newFeistel(uint64(n), seed)
	s.cityCount = len(cities)
	s.tradeCount = len(tradeFirst) * len(tradeLast)
	// The weights are summed up front so that the line pass can hand out
	// exactly m lines by rounding a running share (see lines).
	for i := range n {
		s.weightSum += s.weight(i)
	}
	return s
}

// weight re-seeds the shared source for account i and draws the account's
// share of the lines, the first of its parameters. The sum pass needs only
// this; params draws the rest from where it stopped.
func (s *synth) weight(i int) float64 {
	s.src.Seed(s.seed, streamSynth+uint64(i))
	return min(math.Pow(1-s.r.Float64(), -1/linesAlpha), linesCap)
}

// params draws all parameters of account i. The line pass keeps drawing from
// the same source after them.
func (s *synth) params(i int) synthAccount {
	p := synthAccount{weight: s.weight(i)}
	r := s.r
	// Yearly revenue: lognormal around 150,000 yuan, larger for accounts
	// with many lines, so that all tiers A-D are populated (about 0.5-1%
	// reach 5M, as in the book case).
	p.revenue = 150_000 * crm.MinorPerMajor * math.Exp(0.6*math.Log(p.weight)+1.2*r.NormFloat64())
	t := r.IntN(100)
	for p.typ = 0; p.typ < len(synthTypes)-1 && t >= synthTypes[p.typ].pct; p.typ++ {
		t -= synthTypes[p.typ].pct
	}
	days := len(s.days)
	p.from, p.to = 0, days
	switch x := r.Float64(); {
	case x < 0.12: // new customer, won during the window
		p.from = int(r.Float64() * 0.85 * float64(days))
	case x < 0.17: // lost customer, no revenue since some day
		p.to = days/6 + int(r.Float64()*0.8*float64(days))
	}
	big := p.revenue > 3e6*crm.MinorPerMajor
	p.listed = synthTypes[p.typ].typ == crm.TypeEnterprise && r.Float64() < choose(big, 0.15, 0.01)
	p.leader = r.Float64() < choose(big, 0.10, 0.005)
	p.potFac = math.Exp(0.4 + 0.3*r.NormFloat64())
	return p
}

func choose(cond bool, yes, no float64) float64 {
	if cond {
		return yes
	}
	return no
}

// code formats the account code: type letter and the 1-based index.
func (s *synth) code(i int, p *synthAccount) string {
	b := append(s.codeBuf[:0], synthTypes[p.typ].letter)
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], int64(i+1), 10)
	for range s.codeWidth - len(digits) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	s.codeBuf = b
	return string(b)
}

// account builds the account record. Names are unique: a permutation of the
// index is read as digits of city, trade name, industry and word, so two
// accounts never share all four; past those combinations (5.76M) a branch
// number is added.
func (s *synth) account(i int, p *synthAccount) Account {
	x := s.perm.at(uint64(i))
	c := &cities[x%uint64(s.cityCount)]
	x /= uint64(s.cityCount)
	tr := x % uint64(s.tradeCount)
	x /= uint64(s.tradeCount)
	ind := &industries[x%uint64(len(industries))]
	x /= uint64(len(industries))
	word := ind.words[x%uint64(len(ind.words))]
	x /= uint64(len(ind.words))
	st := synthTypes[p.typ]
	name := c.name + string(tradeFirst[tr/uint64(len(tradeLast))]) + string(tradeLast[tr%uint64(len(tradeLast))]) + word + st.suffix
	if x > 0 {
		name += strconv.FormatUint(x+1, 10) + "号"
	}
	const wan = 10_000 * crm.MinorPerMajor
	return Account{
		Code:      s.code(i, p),
		Name:      name,
		Type:      st.typ,
		Industry:  ind.name,
		Region:    c.province,
		IsListed:  p.listed,
		IsLeader:  p.leader,
		Potential: crm.Money(math.Round(p.revenue*p.potFac/wan)) * wan,
	}
}

// industryOf returns the industry account i was named after, so its lines
// sell that industry's products.
func (s *synth) industryOf(i int) *industry {
	x := s.perm.at(uint64(i)) / uint64(s.cityCount) / uint64(s.tradeCount)
	return &industries[x%uint64(len(industries))]
}

// lines streams all lines, account by account. Account i gets base lines
// plus its share of extra by weight; rounding the running share (not each
// account's) makes the counts add up to exactly m.
func (s *synth) lines(emit func(Line) error) error {
	cum, given := 0.0, 0
	const year = 365.25
	for i := range s.n {
		p := s.params(i)
		cum += p.weight
		upto := s.extra
		if i < s.n-1 {
			upto = int(math.Round(float64(s.extra) * (cum / s.weightSum)))
		}
		k := s.base + upto - given
		given = upto
		if k == 0 {
			continue
		}
		code := s.code(i, &p)
		ind := s.industryOf(i)
		r := s.r
		span := p.to - p.from
		// Mean line amount so that a year of lines makes the yearly revenue.
		mean := p.revenue * float64(span) / year / float64(k)
		for j := range k {
			// One line per stratum of the active span keeps the lines in
			// date order without sorting and spreads them like repeat
			// business does.
			off := p.from + int((float64(j)+r.Float64())*float64(span)/float64(k))
			l := Line{AccountCode: code, AccountIndex: i, Date: s.days[min(off, p.to-1)], Class: crm.ClassProduct}
			amt := mean * lognormalMean1(r, 0.6)
			switch x := r.Float64(); {
			case x < 0.08:
				l.Class = crm.ClassService
				l.Product = ind.services[r.IntN(len(ind.services))]
				amt *= 0.5
			case x < 0.092 && j > 0: // a return, of part or all of an earlier order
				l.Product = ind.products[r.IntN(len(ind.products))]
				amt *= -(0.2 + 0.8*r.Float64())
			default:
				l.Product = ind.products[r.IntN(len(ind.products))]
			}
			l.Amount = crm.Money(amt)
			if l.Amount == 0 {
				l.Amount = crm.Yuan(1)
			}
			if err := emit(l); err != nil {
				return err
			}
		}
	}
	return nil
}

// feistel is a keyed permutation of [0, n): a four-round Feistel network on
// the smallest even number of bits that covers n, with cycle walking for
// values past n. It scatters consecutive indexes over the name space without
// a table, so a million accounts need no memory for names.
type feistel struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newFeistel(n, seed uint64) feistel {
	bits := uint(2)
	for uint64(1)<<bits < n {
		bits += 2
	}
	f := feistel{n: n, half: bits / 2, mask: 1<<(bits/2) - 1}
	for k := range f.keys {
		f.keys[k] = mix64(seed + uint64(k)*0x9E3779B97F4A7C15)
	}
	return f
}

func (f feistel) at(x uint64) uint64 {
	for {
		l, r := x>>f.half, x&f.mask
		for _, k := range f.keys {
			l, r = r, l^(mix64(r^k)&f.mask)
		}
		x = l<<f.half | r
		if x < f.n {
			return x
		}
	}
}

// mix64 is the SplitMix64 finaliser, a fast well-spread hash.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
