package app

import (
	"context"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// ProcessChoices is what the opportunity and activity forms offer: the
// principal's own accounts and open opportunities (anything else in scope
// is reached by its code or from its page), the active people and the
// teams.
type ProcessChoices struct {
	Accounts      []crm.Account
	Opportunities []store.OppRow
	People        []crm.Person
	Teams         []crm.Team
}

// MaxChoices bounds the accounts and opportunities a form lists.
const MaxChoices = 300

// ProcessChoices gathers the choices of the forms.
func (a *App) ProcessChoices(ctx context.Context) (ProcessChoices, error) {
	var c ProcessChoices
	if err := Allow(ctx, crm.PermRead); err != nil {
		return c, err
	}
	p := PrincipalFrom(ctx)
	m, _, err := a.Method(ctx)
	if err != nil {
		return c, err
	}
	if p.PersonID != 0 {
		if c.Accounts, _, err = a.store.Accounts(ctx, store.AccountFilter{People: []int64{p.PersonID}, Sort: "name", Page: 1,
			PerPage: MaxChoices}); err != nil {
			return c, err
		}
		if c.Opportunities, _, err = a.store.Opportunities(ctx, store.OppFilter{OwnerID: p.PersonID, Stages: m.OpenOppStages(),
			Sort: "name", Page: 1, PerPage: MaxChoices, SkipTotal: true}); err != nil {
			return c, err
		}
	}
	if c.People, err = a.store.People(ctx, store.PeopleFilter{ActiveOnly: true}); err != nil {
		return c, err
	}
	if c.Teams, err = a.store.Teams(ctx); err != nil {
		return c, err
	}
	return c, nil
}

// WithAccount adds account acc to the choices if it is not there.
func (c *ProcessChoices) WithAccount(acc crm.Account) {
	if acc.ID != 0 && !slices.ContainsFunc(c.Accounts, func(x crm.Account) bool { return x.ID == acc.ID }) {
		c.Accounts = append([]crm.Account{acc}, c.Accounts...)
	}
}

// WithOpportunity adds opportunity o to the choices if it is not there.
func (c *ProcessChoices) WithOpportunity(o store.OppRow) {
	if o.ID != 0 && !slices.ContainsFunc(c.Opportunities, func(x store.OppRow) bool { return x.ID == o.ID }) {
		c.Opportunities = append([]store.OppRow{o}, c.Opportunities...)
	}
}

// OpportunityRow returns opportunity id if it is in the principal's scope,
// for forms and links.
func (a *App) OpportunityRow(ctx context.Context, id int64) (store.OppRow, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return store.OppRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.OppRow{}, err
	}
	return a.opportunity(ctx, a.store, sc, id)
}

// AccountProcess is the process part of an account's page: its open
// opportunities and latest activities.
type AccountProcess struct {
	Opportunities []store.OppRow
	Activities    []store.ActRow
	OppTotal      int
	ActTotal      int
}

// AccountProcess gathers the opportunities and activities of account id
// that the principal sees.
func (a *App) AccountProcess(ctx context.Context, id int64) (AccountProcess, error) {
	var v AccountProcess
	if err := Allow(ctx, crm.PermRead); err != nil {
		return v, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return v, err
	}
	if v.Opportunities, v.OppTotal, err = a.store.Opportunities(ctx, store.OppFilter{AccountID: id, People: sc.Filter(),
		Sort: "updated", Page: 1, PerPage: 20}); err != nil {
		return v, err
	}
	if v.Activities, v.ActTotal, err = a.store.Activities(ctx, store.ActFilter{AccountID: id, People: sc.Filter(), Newest: true,
		Limit: 20}); err != nil {
		return v, err
	}
	return v, nil
}
