package app

import (
	"context"
	"errors"
	"time"

	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// ProcessDemoResult counts what LoadProcessDemo stored.
type ProcessDemoResult struct {
	Opportunities int64
	Activities    int64
}

// LoadProcessDemo stores generated opportunities and activities (see
// demo.GenerateProcess) on the accounts and active people already in the
// database, for demonstrations and benchmarks: an opportunity belongs to
// its account's owner when the account has one, an activity to its
// opportunity's owner. progress, when set, is called with the records
// stored so far.
func (a *App) LoadProcessDemo(ctx context.Context, opt demo.ProcessOptions, progress func(done int64)) (ProcessDemoResult, error) {
	var res ProcessDemoResult
	if err := Allow(ctx, crm.PermImport); err != nil {
		return res, err
	}
	accounts, err := a.store.AccountOwners(ctx)
	if err != nil {
		return res, err
	}
	people, err := a.store.People(ctx, store.PeopleFilter{ActiveOnly: true})
	if err != nil {
		return res, err
	}
	if len(accounts) == 0 || len(people) == 0 {
		return res, errors.New("demo: load accounts and people first (kam demo, kam serve --demo)")
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return res, err
	}
	if opt.Now == 0 {
		opt.Now = a.Today()
	}
	opt.Accounts, opt.People, opt.Stages = len(accounts), len(people), m.OppStages
	team := map[int64]int64{}
	for _, p := range people {
		team[p.ID] = p.TeamID
	}
	at := func(d crm.Date) time.Time { return d.Time().Add(9 * time.Hour) }
	now := a.now()
	var (
		opps     []crm.Opportunity
		oppIDs   []int64
		oppOwner []int64
		acts     []crm.Activity
	)
	flushOpps := func() error {
		if len(opps) == 0 {
			return nil
		}
		ids, err := a.store.InsertOpportunities(ctx, opps, now)
		if err != nil {
			return err
		}
		oppIDs = append(oppIDs, ids...)
		res.Opportunities += int64(len(ids))
		opps = opps[:0]
		if progress != nil {
			progress(res.Opportunities)
		}
		return nil
	}
	flushActs := func() error {
		if len(acts) == 0 {
			return nil
		}
		if err := a.store.InsertActivities(ctx, acts, now); err != nil {
			return err
		}
		res.Activities += int64(len(acts))
		acts = acts[:0]
		if progress != nil {
			progress(res.Opportunities + res.Activities)
		}
		return nil
	}
	err = demo.GenerateProcess(opt, func(d demo.Opp) error {
		acc := accounts[d.AccountIndex]
		owner := acc.OwnerID
		if owner == 0 {
			owner = acc.RepID
		}
		if owner == 0 {
			owner = people[d.PersonIndex].ID
		}
		oppOwner = append(oppOwner, owner)
		opps = append(opps, crm.Opportunity{AccountID: acc.ID, Name: d.Name, Stage: d.Stage, Amount: d.Amount, CloseDate: d.CloseDate,
			Probability: d.Probability, Needs: d.Needs, Products: d.Products, OwnerID: owner, TeamID: team[owner],
			LostReason: d.LostReason, Checks: d.Checks, ClosedOn: d.ClosedOn, StageSince: at(d.StageSince), CreatedAt: at(d.Created)})
		if len(opps) == 5000 {
			return flushOpps()
		}
		return nil
	}, func(d demo.Act) error {
		if err := flushOpps(); err != nil {
			return err
		}
		x := crm.Activity{Kind: d.Kind, AccountID: accounts[d.AccountIndex].ID, Date: d.Date, Contacts: d.Contacts,
			Objective: d.Objective, Outcome: d.Outcome, NextStep: d.NextStep, NextStepDue: d.NextStepDue, NextStepDone: d.NextStepDone}
		if d.OppIndex >= 0 {
			x.OpportunityID, x.OwnerID = oppIDs[d.OppIndex], oppOwner[d.OppIndex]
		} else {
			acc := accounts[d.AccountIndex]
			x.OwnerID = acc.OwnerID
			if x.OwnerID == 0 {
				x.OwnerID = people[d.PersonIndex].ID
			}
		}
		acts = append(acts, x)
		if len(acts) == 10000 {
			return flushActs()
		}
		return nil
	})
	if err == nil {
		err = flushOpps()
	}
	if err == nil {
		err = flushActs()
	}
	if err == nil {
		err = a.store.AnalyzeProcess(ctx)
	}
	if err != nil {
		return res, err
	}
	return res, a.store.Audit(ctx, audit(now, "", "import", "process_demo", "", nil, res))
}
