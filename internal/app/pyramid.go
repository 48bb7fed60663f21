package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"kam/internal/crm"
	"kam/internal/store"
)

// PeriodSpec is a period as people ask for it: a year, the trailing twelve
// months, or a date range. The zero value is the default period: the latest
// complete year that has data.
type PeriodSpec struct {
	Year     int
	TTM      bool
	From, To string // YYYY-MM-DD
	Key      string // a crm.Period key, as in URLs
}

// ErrNoData is returned when a report needs revenue and there is none.
var ErrNoData = fmt.Errorf("no revenue data")

// ResolvePeriod turns a spec into a period under the current method.
func (a *App) ResolvePeriod(ctx context.Context, spec PeriodSpec) (crm.Period, error) {
	m, _, err := a.Method(ctx)
	if err != nil {
		return crm.Period{}, err
	}
	if err := a.ledger.sync(ctx, a.store); err != nil {
		return crm.Period{}, err
	}
	return a.resolve(&m, spec)
}

func (a *App) resolve(m *crm.Method, spec PeriodSpec) (crm.Period, error) {
	first, last := a.ledger.span()
	bad := func(field, key string) error {
		return &crm.ValidationError{Fields: map[string]string{field: key}}
	}
	switch {
	case spec.Key != "":
		p, err := m.ParsePeriodKey(spec.Key)
		if err != nil {
			return crm.Period{}, bad("period", "error.period.invalid")
		}
		return p, nil
	case spec.From != "" || spec.To != "":
		from, err1 := crm.ParseISODate(spec.From)
		to, err2 := crm.ParseISODate(spec.To)
		if err1 != nil || err2 != nil {
			return crm.Period{}, bad("period", "error.period.dates")
		}
		p, err := crm.Range(from, to)
		if err != nil {
			return crm.Period{}, bad("period", "error.period.order")
		}
		return p, nil
	case spec.TTM:
		end := a.Today()
		if last != 0 && last < end {
			end = last
		}
		return crm.TTM(end), nil
	case spec.Year != 0:
		if spec.Year < 1900 || spec.Year > 2999 {
			return crm.Period{}, bad("period", "error.period.year")
		}
		return m.Year(spec.Year), nil
	}
	if first == 0 {
		return crm.Period{}, ErrNoData
	}
	p, ok := m.LatestCompleteYear(a.Today(), first, last)
	if !ok {
		// Only a partial year so far: report the trailing twelve months.
		return crm.TTM(min(last, a.Today())), nil
	}
	return p, nil
}

// PyramidQuery asks for the pyramid of a period.
type PyramidQuery struct {
	Scheme     string // crm.SchemeThresholds (default) or crm.SchemePareto
	Period     PeriodSpec
	Thresholds []crm.Money // replaces the configured tier minimums for this report
}

// PyramidReport is a pyramid with what it was computed from.
type PyramidReport struct {
	crm.Pyramid
	Method        crm.Method
	MethodVersion int64
	Scheme        string
}

// Pyramid computes the customer pyramid.
func (a *App) Pyramid(ctx context.Context, q PyramidQuery) (PyramidReport, error) {
	m, version, err := a.method(ctx, q.Thresholds)
	if err != nil {
		return PyramidReport{}, err
	}
	if err := checkScheme(&q); err != nil {
		return PyramidReport{}, err
	}
	p, err := a.resolve(&m, q.Period)
	if err != nil {
		return PyramidReport{}, err
	}
	keep, scope, err := a.scopeKeep(ctx)
	if err != nil {
		return PyramidReport{}, err
	}
	key := fmt.Sprintf("pyramid|%s|%s|%d|%v|%s", q.Scheme, p.Key, version, q.Thresholds, scope)
	v, err := a.cached(ctx, key, func() (any, error) {
		// A ranking, not []Standing: 16 bytes an account instead of 40 on
		// top of the ledger, at a million accounts (docs/benchmarks.md).
		return m.SummarizeRanking(m.Ranking(a.ledger.revenues(p, keep)), q.Scheme, p), nil
	})
	if err != nil {
		return PyramidReport{}, err
	}
	return PyramidReport{Pyramid: v.(crm.Pyramid), Method: m, MethodVersion: version, Scheme: q.Scheme}, nil
}

// checkScheme defaults the scheme and refuses unknown ones.
func checkScheme(q *PyramidQuery) error {
	if q.Scheme == "" {
		q.Scheme = crm.SchemeThresholds
	}
	if q.Scheme != crm.SchemeThresholds && q.Scheme != crm.SchemePareto {
		return &crm.ValidationError{Fields: map[string]string{"scheme": "error.pyramid.scheme"}}
	}
	return nil
}

// method returns the current method, with tier minimums replaced when
// thresholds are given, after syncing the ledger.
func (a *App) method(ctx context.Context, thresholds []crm.Money) (crm.Method, int64, error) {
	m, version, err := a.Method(ctx)
	if err != nil {
		return m, 0, err
	}
	if len(thresholds) > 0 {
		if m, err = m.WithThresholds(thresholds); err != nil {
			return m, 0, &crm.ValidationError{Fields: map[string]string{"thresholds": "error.pyramid.thresholds"}}
		}
	}
	if err := a.ledger.sync(ctx, a.store); err != nil {
		return m, 0, err
	}
	return m, version, nil
}

// MigrationReport is the migration matrix between a period and the one a
// year before it.
type MigrationReport struct {
	crm.Migration
	Scheme        string
	MethodVersion int64
}

// Migration compares the standings of the period of q with the previous one.
func (a *App) Migration(ctx context.Context, q PyramidQuery) (MigrationReport, error) {
	m, version, err := a.method(ctx, q.Thresholds)
	if err != nil {
		return MigrationReport{}, err
	}
	if err := checkScheme(&q); err != nil {
		return MigrationReport{}, err
	}
	to, err := a.resolve(&m, q.Period)
	if err != nil {
		return MigrationReport{}, err
	}
	from := to.Previous()
	keep, scope, err := a.scopeKeep(ctx)
	if err != nil {
		return MigrationReport{}, err
	}
	key := fmt.Sprintf("migration|%s|%s|%d|%v|%s", q.Scheme, to.Key, version, q.Thresholds, scope)
	v, err := a.cached(ctx, key, func() (any, error) {
		prev := m.Ranking(a.ledger.revenues(from, keep))
		cur := m.Ranking(a.ledger.revenues(to, keep))
		return m.MigrateRankings(q.Scheme, from, to, prev, cur), nil
	})
	if err != nil {
		return MigrationReport{}, err
	}
	return MigrationReport{Migration: v.(crm.Migration), Scheme: q.Scheme, MethodVersion: version}, nil
}

// MovedAccounts lists the IDs of the accounts in one cell of the migration
// matrix (layer indexes; len(layers) is "none").
func (a *App) MovedAccounts(ctx context.Context, q PyramidQuery, fromLayer, toLayer int) ([]int64, error) {
	m, _, err := a.method(ctx, q.Thresholds)
	if err != nil {
		return nil, err
	}
	if err := checkScheme(&q); err != nil {
		return nil, err
	}
	to, err := a.resolve(&m, q.Period)
	if err != nil {
		return nil, err
	}
	keep, _, err := a.scopeKeep(ctx)
	if err != nil {
		return nil, err
	}
	prev := m.Ranking(a.ledger.revenues(to.Previous(), keep))
	cur := m.Ranking(a.ledger.revenues(to, keep))
	ids := m.MovedAccountsRankings(q.Scheme, prev, cur, fromLayer, toLayer)
	// Order them as the pyramid does: by revenue in the period, then in the
	// previous one (for accounts that have none now), highest first.
	order := make(map[int64]int, len(ids))
	for _, id := range ids {
		order[id] = cur.Len() + prev.Len()
	}
	for i := range prev.Len() {
		id := prev.At(i).ID
		if _, ok := order[id]; ok {
			order[id] = cur.Len() + i
		}
	}
	for i := range cur.Len() {
		if s := cur.At(i); s.Rank > 0 {
			if _, ok := order[s.ID]; ok {
				order[s.ID] = i
			}
		}
	}
	slices.SortFunc(ids, func(x, y int64) int { return cmp.Compare(order[x], order[y]) })
	return ids, nil
}

// LayerIndex returns the index of a tier or band name under scheme, with
// "none" (or "-") as the index after the last layer.
func LayerIndex(m *crm.Method, scheme, name string) (int, bool) {
	var names []string
	if scheme == crm.SchemePareto {
		for i := 0; i <= len(m.Bands); i++ {
			names = append(names, m.BandName(i))
		}
	} else {
		for _, t := range m.Tiers {
			names = append(names, t.Name)
		}
	}
	if strings.EqualFold(name, "none") || name == "-" {
		return len(names), true
	}
	for i, n := range names {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

// Restand recomputes every account's standing in the default period and
// stores it on the account, where lists filter and sort by it.
func (a *App) Restand(ctx context.Context) error {
	m, version, err := a.method(ctx, nil)
	if err != nil {
		return err
	}
	p, err := a.resolve(&m, PeriodSpec{})
	if err == ErrNoData {
		if err := a.store.SetStandings(ctx, nil); err != nil {
			return err
		}
		sig, err := a.standingSignature(ctx)
		if err != nil {
			return err
		}
		return a.store.SetState(ctx, "standing_signature", sig)
	}
	if err != nil {
		return err
	}
	t := a.standingTable(&m, p)
	// Streamed in ID order from the table: a slice of a million rows with
	// their tier and band names was 56 MB more on the heap.
	err = a.store.WriteStandings(ctx, func(yield func(store.Standing) bool) {
		for id, ok := range t.listed {
			if ok && !yield(store.Standing{ID: int64(id), Revenue: crm.Money(t.revenue[id]), Tier: m.TierName(int(t.tier[id])),
				Band: m.BandName(int(t.band[id])), Rank: int(t.rank[id])}) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if err := a.store.SetState(ctx, "standing_period", p.Key); err != nil {
		return err
	}
	// The signature of what the standings were computed from, not of the
	// data now: an import committed meanwhile makes them stale at once.
	return a.store.SetState(ctx, "standing_signature", signature(t.state, version, p.Key))
}

// standingTable is every account's standing in a period, by account ID: what
// Restand stores and the list index serves.
type standingTable struct {
	revenue []int64         // net revenue in the period
	listed  []bool          // has a standing: a line in the period, or a tier the downgrade rule holds
	rank    []int32         // 1 = highest revenue; 0 without positive revenue
	tier    []int16         // index into Method.Tiers; -1: none
	band    []int16         // index of the Pareto band; -1: none
	order   []int32         // the listed IDs in list order: revenue highest first, then ID
	state   store.DataState // of the ledger lines it was computed from
}

// standingTable ranks every account by its revenue in p. When p is an
// evaluation year, an account's tier follows the downgrade rule (§2.1) over
// the years up to p: an account held in a tier without any line in p is
// listed with revenue 0. Bands and ranks are those of p's revenue alone.
func (a *App) standingTable(m *crm.Method, p crm.Period) *standingTable {
	var periods []crm.Period // the previous evaluations, oldest first, then p
	if y, ok := m.EvaluationYear(p); ok {
		for k := m.DowngradeAfter - 1; k >= 1; k-- {
			periods = append(periods, m.Year(y-k))
		}
	}
	periods = append(periods, p)
	t := &standingTable{}
	prev := make([][]int16, 0, len(periods)-1) // tiers by revenue alone in each previous evaluation
	t.state = a.ledger.periodSums(periods, func(k int, sums []int64, has []bool) {
		if k == len(periods)-1 {
			t.revenue, t.listed = sums, has // the last call: nothing reuses them
			return
		}
		tiers := make([]int16, len(sums))
		for id, s := range sums {
			tiers[id] = -1
			if has[id] && s > 0 {
				tiers[id] = int16(m.TierOf(crm.Money(s)))
			}
		}
		prev = append(prev, tiers)
	})
	n := len(t.revenue)
	revs := make([]crm.AccountRevenue, 0, n)
	for id := range n {
		if !t.listed[id] {
			for _, tiers := range prev {
				if tiers[id] >= 0 {
					t.listed[id] = true // possibly held without revenue in p
					break
				}
			}
		}
		if t.listed[id] {
			revs = append(revs, crm.AccountRevenue{ID: int64(id), Revenue: crm.Money(t.revenue[id])})
		}
	}
	t.rank, t.tier, t.band = make([]int32, n), make([]int16, n), make([]int16, n)
	t.order = make([]int32, 0, len(revs))
	seq := make([]int, len(prev)+1)
	m.EachRank(revs, func(s crm.Standing) {
		tier := s.Tier
		if len(prev) > 0 {
			for k, tiers := range prev {
				seq[k] = int(tiers[s.ID])
			}
			seq[len(prev)] = s.Tier
			tier = m.HoldTier(seq).Tier
		}
		t.rank[s.ID], t.tier[s.ID], t.band[s.ID] = int32(s.Rank), int16(tier), int16(s.Band)
		t.order = append(t.order, int32(s.ID))
	})
	return t
}

// StandingPeriod returns the key of the period the accounts' stored
// standings were computed for ("" if never).
func (a *App) StandingPeriod(ctx context.Context) (string, error) {
	return a.store.State(ctx, "standing_period")
}

// EnsureStandings recomputes the stored standings when the data, the
// configuration or the default period changed since they were written (for
// example when an import was committed but the process stopped before the
// standings were updated, or a new year began).
func (a *App) EnsureStandings(ctx context.Context) error {
	a.standMu.Lock()
	defer a.standMu.Unlock()
	sig, err := a.standingSignature(ctx)
	if err != nil {
		return err
	}
	have, err := a.store.State(ctx, "standing_signature")
	if err != nil || have == sig {
		return err
	}
	return a.Restand(ctx)
}

func (a *App) standingSignature(ctx context.Context) (string, error) {
	m, version, err := a.method(ctx, nil)
	if err != nil {
		return "", err
	}
	st, err := a.store.DataState(ctx)
	if err != nil {
		return "", err
	}
	p, err := a.resolve(&m, PeriodSpec{})
	if err != nil && err != ErrNoData {
		return "", err
	}
	return signature(st, version, p.Key), nil
}

// signature names what stored standings are computed from: the revenue data,
// the configuration version and the period.
func signature(st store.DataState, version int64, period string) string {
	return fmt.Sprintf("%d|%d|%d|%s", st.LastBatch, st.Epoch, version, period)
}
