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
	Accounts []crm.Account
	Total    int
	Page     int
	PerPage  int
	Pages    int
}

// MaxPerPage bounds a page of any list.
const MaxPerPage = 500

// Accounts lists accounts by filter.
func (a *App) Accounts(ctx context.Context, f store.AccountFilter) (AccountPage, error) {
	var serr error
	if f, serr = a.scoped(ctx, f); serr != nil {
		return AccountPage{}, serr
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	// Past the last page is empty; bound it so the offset cannot overflow.
	f.Page = min(max(f.Page, 1), 1<<31/f.PerPage)
	if f.Sort != "" && !slices.Contains(store.Sorts, f.Sort) {
		return AccountPage{}, &crm.ValidationError{Fields: map[string]string{"sort": "error.list.sort"}}
	}
	if page, ok, err := a.fastPage(ctx, f); ok || err != nil {
		return page, err
	}
	list, total, err := a.store.Accounts(ctx, f)
	if err != nil {
		return AccountPage{}, err
	}
	return AccountPage{Accounts: list, Total: total, Page: f.Page, PerPage: f.PerPage, Pages: (total + f.PerPage - 1) / f.PerPage}, nil
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
	Tier    string
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
// against the thresholds of the method version used.
type Explanation struct {
	Period        crm.Period
	Revenue       crm.Money
	Tier          string
	Min, Max      crm.Money // the tier's range; Max 0 = no upper bound
	Tiers         []crm.TierDef
	MethodVersion int64
	HasRevenue    bool
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
	return a.explain(&m, version, id, p), nil
}

func (a *App) explain(m *crm.Method, version, id int64, p crm.Period) Explanation {
	ex := Explanation{Period: p, Tiers: m.Tiers, MethodVersion: version}
	ex.Revenue, _ = a.ledger.accountRevenue(p, id)
	ex.HasRevenue = ex.Revenue > 0
	if ex.HasRevenue {
		i := m.TierOf(ex.Revenue)
		ex.Tier, ex.Min = m.Tiers[i].Name, m.Tiers[i].Min
		if i > 0 {
			ex.Max = m.Tiers[i-1].Min
		}
	}
	return ex
}

// AccountDetail gathers the account page: revenue by month, the tier in each
// year with data, and the product/service split of the default period.
func (a *App) AccountDetail(ctx context.Context, id int64) (AccountDetail, error) {
	acc, err := a.store.Account(ctx, id)
	if acc, err = a.visible(ctx, acc, err); err != nil {
		return AccountDetail{}, err
	}
	d := AccountDetail{Account: acc}
	if err := a.ledger.sync(ctx, a.store); err != nil {
		return d, err
	}
	months := a.ledger.months(id)
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
	m, version, err := a.method(ctx, nil)
	if err != nil {
		return d, err
	}
	p, err := a.resolve(&m, PeriodSpec{})
	if errors.Is(err, ErrNoData) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.Period = p
	d.Why = a.explain(&m, version, id, p)
	d.Product, d.Service = a.ledger.split(p, id)
	first, last := a.ledger.span()
	for y := last.Year(); y >= first.Year(); y-- {
		yp := m.Year(y)
		ex := a.explain(&m, version, id, yp)
		if ex.HasRevenue || ex.Revenue != 0 {
			d.History = append(d.History, TierHistory{Period: yp, Revenue: ex.Revenue, Tier: ex.Tier})
		}
	}
	return d, nil
}

// AccountByCode returns the account with a customer code.
func (a *App) AccountByCode(ctx context.Context, code string) (crm.Account, error) {
	acc, err := a.store.AccountByCode(ctx, code)
	return a.visible(ctx, acc, err)
}
