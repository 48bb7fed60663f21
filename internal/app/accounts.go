package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// Account returns one account.
func (a *App) Account(ctx context.Context, id int64) (crm.Account, error) {
	acc, err := a.store.Account(ctx, id)
	return a.visible(ctx, acc, err)
}

// AccountPage is one page of the account list.
type AccountPage struct {
	// Accounts may be shared with other callers (pages kept in memory):
	// read them, never change them.
	Accounts []crm.Account
	Total    int
	Page     int
	PerPage  int
	Pages    int
	// Key, when not empty, names the page in one state of the data: two
	// pages with the same Key are the same, so what is made of one (the
	// API's JSON) can serve the other. Set for the lists answered from
	// memory (one tier or band by revenue, unscoped).
	Key string
}

// MaxPerPage bounds a page of any list.
const MaxPerPage = 500

// Accounts lists accounts by filter.
func (a *App) Accounts(ctx context.Context, f store.AccountFilter) (AccountPage, error) {
	var serr error
	if f, serr = a.scoped(ctx, f); serr != nil {
		return AccountPage{}, serr
	}
	f, err := checkFilter(f)
	if err != nil {
		return AccountPage{}, err
	}
	ls, err := a.listState(ctx)
	if err != nil {
		return AccountPage{}, err
	}
	return a.accounts(ctx, ls, f)
}

// checkFilter bounds the paging and checks the sort of a list.
func checkFilter(f store.AccountFilter) (store.AccountFilter, error) {
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	// Past the last page is empty; bound it so the offset cannot overflow.
	f.Page = min(max(f.Page, 1), 1<<31/f.PerPage)
	if f.Sort != "" && !slices.Contains(store.Sorts, f.Sort) {
		return f, &crm.ValidationError{Fields: map[string]string{"sort": "error.list.sort"}}
	}
	return f, nil
}

func (a *App) accounts(ctx context.Context, ls listState, f store.AccountFilter) (AccountPage, error) {
	if page, ok, err := a.fastPage(ctx, ls, f); ok || err != nil {
		return page, err
	}
	list, total, err := a.store.Accounts(ctx, f)
	if err != nil {
		return AccountPage{}, err
	}
	return AccountPage{Accounts: list, Total: total, Page: f.Page, PerPage: f.PerPage, Pages: (total + f.PerPage - 1) / f.PerPage}, nil
}

// AccountList is the account list page: one page of accounts and what the
// page's filter menus offer.
type AccountList struct {
	AccountPage
	Regions    []string
	Industries []string
	Tiers      []string
	Bands      []string // Pareto bands, the long tail last
	// Period is the key of the period the stored standings (tier, band,
	// revenue) are of; "" before they were first computed.
	Period string
}

// AccountList gathers the list page. Everything but the page's rows is kept
// per state of the data, so a page costs two queries: the versions the
// caches depend on, and the rows.
func (a *App) AccountList(ctx context.Context, f store.AccountFilter) (AccountList, error) {
	f, err := checkFilter(f)
	if err != nil {
		return AccountList{}, err
	}
	if f, err = a.scoped(ctx, f); err != nil {
		return AccountList{}, err
	}
	ls, err := a.listState(ctx)
	if err != nil {
		return AccountList{}, err
	}
	out := AccountList{Period: ls.v.Period}
	if out.AccountPage, err = a.accounts(ctx, ls, f); err != nil {
		return out, err
	}
	if out.Regions, err = a.facetsAt(ctx, ls, "region"); err != nil {
		return out, err
	}
	if out.Industries, err = a.facetsAt(ctx, ls, "industry"); err != nil {
		return out, err
	}
	for _, t := range ls.method.Tiers {
		out.Tiers = append(out.Tiers, t.Name)
	}
	for i := 0; i <= len(ls.method.Bands); i++ {
		out.Bands = append(out.Bands, ls.method.BandName(i))
	}
	return out, nil
}

// EachAccount streams every account matching f, for exports.
func (a *App) EachAccount(ctx context.Context, f store.AccountFilter, fn func(crm.Account) error) error {
	f, err := a.scoped(ctx, f)
	if err != nil {
		return err
	}
	return a.store.EachAccount(ctx, f, fn)
}

// Facets returns the values of a filterable column.
func (a *App) Facets(ctx context.Context, column string) ([]string, error) {
	return a.store.Facets(ctx, column)
}

// CreateAccount validates and stores a new account.
func (a *App) CreateAccount(ctx context.Context, actor string, in crm.Account) (crm.Account, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return crm.Account{}, err
	}
	var id int64
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		id, err = tx.CreateAccount(ctx, in, a.now())
		if errors.Is(err, crm.ErrConflict) {
			return &crm.ValidationError{Fields: map[string]string{"code": "error.account.code.taken"}}
		}
		if err != nil {
			return err
		}
		in.ID = id
		// The person who creates an account owns it, so that it is in their scope.
		if p := PrincipalFrom(ctx); p.PersonID != 0 {
			in.OwnerID = p.PersonID
			if err := tx.SetOwnerships(ctx, []store.Ownership{{AccountID: id, OwnerID: p.PersonID, Stage: in.Stage}}, a.now()); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, audit(a.now(), actor, "create", "account", id, nil, in))
	})
	if err != nil {
		return crm.Account{}, err
	}
	return a.store.Account(ctx, id)
}

// UpdateAccount saves changes to an account. in.Version must be the version
// the editor read: a save over someone else's later save is crm.ErrConflict.
func (a *App) UpdateAccount(ctx context.Context, actor string, in crm.Account) (crm.Account, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return crm.Account{}, err
	}
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		before, err := tx.Account(ctx, in.ID)
		if before, err = a.visible(ctx, before, err); err != nil {
			return err
		}
		err = tx.UpdateAccount(ctx, in, a.now())
		if errors.Is(err, crm.ErrConflict) && before.Code != in.Code && before.Version == in.Version {
			return &crm.ValidationError{Fields: map[string]string{"code": "error.account.code.taken"}}
		}
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), actor, "update", "account", in.ID, before, in))
	})
	if err != nil {
		return crm.Account{}, err
	}
	return a.store.Account(ctx, in.ID)
}

// MonthRevenue is an account's revenue in one month.
type MonthRevenue struct {
	Month   string // "2024-03"
	Product crm.Money
	Service crm.Money
}

// TierHistory is an account's standing in one year.
type TierHistory struct {
	Period  crm.Period
	Revenue crm.Money
	Tier    string // after the downgrade rule
	// RevenueTier is the tier of the year's revenue alone; Held is true when
	// the downgrade rule keeps the account in a higher Tier.
	RevenueTier string
	Held        bool
}

// AccountDetail is what the account page shows beyond the record.
type AccountDetail struct {
	Account crm.Account
	Months  []MonthRevenue
	History []TierHistory
	Product crm.Money // in the default period
	Service crm.Money
	Period  crm.Period
	Why     Explanation
}

// Explanation says why an account is in its tier: its revenue in the period
// against the thresholds of the method version used, and, in an evaluation
// year, the downgrade rule.
type Explanation struct {
	Period        crm.Period
	Revenue       crm.Money
	Tier          string    // "" outside the pyramid
	Min, Max      crm.Money // the tier's range; Max 0 = no upper bound
	Tiers         []crm.TierDef
	MethodVersion int64
	HasRevenue    bool // positive net revenue in the period
	// RevenueTier is the tier of the period's revenue alone. When the
	// downgrade rule holds the account in a higher tier, Held is true and
	// Below counts the consecutive yearly evaluations, up to this one, below
	// Tier's minimum; DowngradeAfter of them move it down.
	RevenueTier    string
	Held           bool
	Below          int
	DowngradeAfter int
}

// Explain computes the tier of one account in a period, with its reasons.
func (a *App) Explain(ctx context.Context, id int64, spec PeriodSpec) (Explanation, error) {
	if err := a.checkVisible(ctx, id); err != nil {
		return Explanation{}, err
	}
	m, version, err := a.method(ctx, nil)
	if err != nil {
		return Explanation{}, err
	}
	p, err := a.resolve(&m, spec)
	if err != nil {
		return Explanation{}, err
	}
	return explain(&m, version, a.ledger.accountLines(id), p), nil
}

// explain explains the tier of the account whose lines are given.
func explain(m *crm.Method, version int64, lines []accountLine, p crm.Period) Explanation {
	ex := Explanation{Period: p, Tiers: m.Tiers, MethodVersion: version, DowngradeAfter: m.DowngradeAfter}
	ex.Revenue, _ = inPeriod(lines, p)
	ex.HasRevenue = ex.Revenue > 0
	raw := tierOf(m, ex.Revenue)
	tier := raw
	if y, ok := m.EvaluationYear(p); ok && m.DowngradeAfter > 1 {
		seq := make([]int, 0, m.DowngradeAfter)
		for k := m.DowngradeAfter - 1; k >= 1; k-- {
			r, _ := inPeriod(lines, m.Year(y-k))
			seq = append(seq, tierOf(m, r))
		}
		h := m.HoldTier(append(seq, raw))
		tier, ex.Held, ex.Below = h.Tier, h.Held(), h.Below
	}
	ex.RevenueTier = m.TierName(raw)
	if tier >= 0 {
		ex.Tier, ex.Min = m.Tiers[tier].Name, m.Tiers[tier].Min
		if tier > 0 {
			ex.Max = m.Tiers[tier-1].Min
		}
	}
	return ex
}

// tierOf is the tier index of revenue, -1 without positive revenue.
func tierOf(m *crm.Method, revenue crm.Money) int {
	if revenue <= 0 {
		return -1
	}
	return m.TierOf(revenue)
}

// AccountDetail gathers the account page: revenue by month, the tier in each
// year with data, and the product/service split of the default period.
func (a *App) AccountDetail(ctx context.Context, id int64) (AccountDetail, error) {
	acc, err := a.store.Account(ctx, id)
	if acc, err = a.visible(ctx, acc, err); err != nil {
		return AccountDetail{}, err
	}
	d := AccountDetail{Account: acc}
	m, version, err := a.method(ctx, nil)
	if err != nil {
		return d, err
	}
	lines := a.ledger.accountLines(id)
	months := map[int][2]crm.Money{}
	for _, x := range lines {
		k := x.Date.MonthIndex()
		v := months[k]
		if x.Service {
			v[1] += x.Amount
		} else {
			v[0] += x.Amount
		}
		months[k] = v
	}
	if len(months) > 0 {
		lo, hi := 1<<31-1, 0
		for k := range months {
			lo, hi = min(lo, k), max(hi, k)
		}
		for k := lo; k <= hi; k++ {
			v := months[k]
			d.Months = append(d.Months, MonthRevenue{Month: fmt.Sprintf("%04d-%02d", k/12, k%12+1), Product: v[0], Service: v[1]})
		}
	}
	p, err := a.resolve(&m, PeriodSpec{})
	if errors.Is(err, ErrNoData) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Period = p
	d.Why = explain(&m, version, lines, p)
	for _, x := range lines {
		if !p.Contains(x.Date) {
			continue
		}
		if x.Service {
			d.Service += x.Amount
		} else {
			d.Product += x.Amount
		}
	}
	first, last := a.ledger.span()
	for y := last.Year(); y >= first.Year(); y-- {
		ex := explain(&m, version, lines, m.Year(y))
		if ex.Revenue != 0 || ex.Tier != "" {
			d.History = append(d.History, TierHistory{Period: ex.Period, Revenue: ex.Revenue, Tier: ex.Tier,
				RevenueTier: ex.RevenueTier, Held: ex.Held})
		}
	}
	return d, nil
}

// AccountByCode returns the account with a customer code.
func (a *App) AccountByCode(ctx context.Context, code string) (crm.Account, error) {
	acc, err := a.store.AccountByCode(ctx, code)
	return a.visible(ctx, acc, err)
}
