package app

import (
	"context"
	"errors"
	"sort"
	"strings"

	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// ErrNotDemo: the database holds a company's own data.
var ErrNotDemo = errors.New("app: the database holds imported data, not only the demo's: no demo people are added")

// DemoOrgResult says what LoadDemoOrg created.
type DemoOrgResult struct {
	People  []crm.Person
	Created bool // false: the database had people already; nothing was done
}

// LoadDemoOrg creates the demo organisation (departments, teams, people in
// every role, all with password) and gives the accounts owners: key
// accounts (the top tiers of the latest complete year) to customer-service
// project leads with a strategic rep attached, the others to the regional
// reps of their region. It does nothing when KAM has people already, and
// refuses a database with data of its own (any import but the demo's): demo
// people never mix with a company's accounts.
func (a *App) LoadDemoOrg(ctx context.Context, password string) (DemoOrgResult, error) {
	var res DemoOrgResult
	if n, err := a.store.CountPeople(ctx); err != nil || n > 0 {
		return res, err
	}
	batches, err := a.store.Batches(ctx, 1000)
	if err != nil {
		return res, err
	}
	for _, b := range batches {
		if b.FileName != "demo" {
			return res, ErrNotDemo
		}
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return res, err
	}
	org := demo.Organisation()
	now := a.now()
	byKey := map[string]crm.Person{}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		depts := map[string]int64{}
		for _, d := range org.Departments {
			id, err := tx.SaveDepartment(ctx, d, now)
			if err != nil {
				return err
			}
			depts[d.Name] = id
		}
		teams := map[string]int64{}
		for _, t := range org.Teams {
			id, err := tx.SaveTeam(ctx, crm.Team{DepartmentID: depts[t.Dept], Name: t.Name, Region: t.Region}, now)
			if err != nil {
				return err
			}
			teams[t.Name] = id
		}
		for _, op := range org.People {
			p := crm.Person{Name: op.Name, Email: demo.Email(op.Key), DepartmentID: depts[op.Dept], TeamID: teams[op.Team],
				ManagerID: byKey[op.Manager].ID, Track: op.Track, RoleFamily: op.Family, Role: op.Role, Active: true}
			p.Normalize()
			if err := p.Validate(); err != nil {
				return err
			}
			id, err := tx.SavePerson(ctx, p, now)
			if err != nil {
				return err
			}
			if err := tx.SetPassword(ctx, id, hash, now); err != nil {
				return err
			}
			p.ID = id
			byKey[op.Key] = p
			res.People = append(res.People, p)
		}
		return tx.Audit(ctx, audit(now, "", "create", "demo_org", "", nil, map[string]int{"people": len(org.People)}))
	})
	if err != nil {
		return res, err
	}
	res.Created = true
	return res, a.assignDemoOwners(ctx, byKey)
}

func (a *App) assignDemoOwners(ctx context.Context, people map[string]crm.Person) error {
	refs, err := a.store.AccountRefs(ctx)
	if err != nil || len(refs) == 0 {
		return err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return err
	}
	p, err := a.ResolvePeriod(ctx, PeriodSpec{})
	if err != nil {
		return err
	}
	totals, err := a.store.AccountRevenueTotals(ctx, p.From, p.To)
	if err != nil {
		return err
	}
	var leads, strategic []int64
	regional := map[string][]int64{}
	var allRegional []int64
	for key, pr := range people {
		switch {
		case strings.HasPrefix(key, "cs") && strings.Contains(key, ".lead"):
			leads = append(leads, pr.ID)
		case strings.HasPrefix(key, "strategic.rep"):
			strategic = append(strategic, pr.ID)
		case strings.Contains(key, ".rep"):
			region := map[string]string{"east": "华东", "south": "华南", "north": "华北"}[key[:strings.Index(key, ".")]]
			regional[region] = append(regional[region], pr.ID)
			allRegional = append(allRegional, pr.ID)
		}
	}
	for _, l := range [][]int64{leads, strategic, allRegional} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	for _, l := range regional {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	list := make([]store.Ownership, 0, len(refs))
	var nKey, nOther int
	for _, r := range refs {
		if len(m.Tiers) > 2 && m.TierOf(totals[r.ID]) < 2 {
			list = append(list, store.Ownership{AccountID: r.ID, OwnerID: leads[nKey%len(leads)], SalesRepID: strategic[nKey%len(strategic)],
				OwnerDepartment: crm.DeptCustomerService, Stage: crm.StageGrowing})
			nKey++
			continue
		}
		reps := allRegional
		for region, ids := range regional {
			if strings.HasPrefix(r.Region, region) {
				reps = ids
			}
		}
		rep := reps[nOther%len(reps)]
		list = append(list, store.Ownership{AccountID: r.ID, OwnerID: rep, SalesRepID: rep, OwnerDepartment: crm.DeptSales})
		nOther++
	}
	return a.store.SetOwnerships(ctx, list, a.now())
}
