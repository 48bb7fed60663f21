package app_test

// BenchmarkAlerts measures the alert scan and the compliance of the
// standards at the scale of issue 4: 200 people, 100,000 opportunities and
// 1,000,000 activities (BENCH_OPPORTUNITIES, BENCH_ACTIVITIES change it).
// docs/benchmarks.md, "Standards and alerts".
//
//	go test -run '^$' -bench Alerts -benchtime 5x ./internal/app/

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

func BenchmarkAlerts(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	s := storetest.New(b)
	a := app.New(s, app.Options{Now: func() time.Time { return benchToday }})
	today := crm.DateOf(benchToday)
	nOpps, nActs := benchScale("BENCH_OPPORTUNITIES", 100_000), benchScale("BENCH_ACTIVITIES", 1_000_000)
	const nPeople, nAccounts = 200, 20_000

	dept, err := s.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales}, benchToday)
	if err != nil {
		b.Fatal(err)
	}
	var people []crm.Person
	var manager crm.Person
	var team int64
	for i := range nPeople {
		if i%20 == 0 {
			if team, err = s.SaveTeam(ctx, crm.Team{DepartmentID: dept, Name: fmt.Sprintf("第 %d 组", i/20+1)}, benchToday); err != nil {
				b.Fatal(err)
			}
		}
		p := crm.Person{Name: fmt.Sprintf("销售 %d", i+1), Email: fmt.Sprintf("p%d@bench.example", i+1), DepartmentID: dept, TeamID: team,
			Role: crm.RoleMember, Scope: crm.ScopeOwn, Track: crm.TrackStrategic, Active: true, ManagerID: manager.ID}
		if i%20 == 0 {
			p.Role, p.Scope, p.ManagerID = crm.RoleManager, crm.ScopeTeam, 0
		}
		if p.ID, err = s.SavePerson(ctx, p, benchToday); err != nil {
			b.Fatal(err)
		}
		if i%20 == 0 {
			manager = p
		}
		people = append(people, p)
	}
	var accounts []int64
	list := make([]crm.Account, 0, 1000)
	for i := range nAccounts {
		list = append(list, crm.Account{Code: fmt.Sprintf("K%06d", i+1), Name: fmt.Sprintf("客户 %d 有限公司", i+1)})
		if len(list) == cap(list) || i == nAccounts-1 {
			ids, err := s.InsertAccounts(ctx, list, benchToday)
			if err != nil {
				b.Fatal(err)
			}
			for _, x := range list {
				accounts = append(accounts, ids[x.Code])
			}
			list = list[:0]
		}
	}
	owners := make([]store.Ownership, len(accounts))
	standings := make([]store.Standing, 0, len(accounts)/5)
	owner := func(i int) crm.Person { return people[1+i%(nPeople-1)] }
	for i, id := range accounts {
		owners[i] = store.Ownership{AccountID: id, OwnerID: owner(i).ID, OwnerDepartment: crm.DeptSales, Stage: crm.StageGrowing}
		switch { // 1 %, 4 %, 20 % of the accounts in the bands, 5 % in tier A
		case i%100 == 0:
			standings = append(standings, store.Standing{ID: id, Tier: "A", Band: crm.BandOxNose})
		case i%25 == 0:
			standings = append(standings, store.Standing{ID: id, Tier: "A", Band: crm.BandSuper})
		case i%5 == 0:
			standings = append(standings, store.Standing{ID: id, Tier: "B", Band: crm.BandCore})
		}
	}
	if err := s.SetOwnerships(ctx, owners, benchToday); err != nil {
		b.Fatal(err)
	}
	if err := s.SetStandings(ctx, standings); err != nil {
		b.Fatal(err)
	}
	stages := []string{"QUALIFY", "DISCOVER", "PROPOSE", "NEGOTIATE", "QUALIFY", "DISCOVER", crm.OppWon, crm.OppLost}
	var opps []int64
	oppAccount := map[int64]int{}
	batch := make([]crm.Opportunity, 0, 5000)
	for i := range nOpps {
		ai := (i * 7) % nAccounts
		since := benchToday.Add(-time.Duration(i%200) * 24 * time.Hour)
		batch = append(batch, crm.Opportunity{AccountID: accounts[ai], Name: fmt.Sprintf("商机 %d", i+1), Stage: stages[i%len(stages)],
			Amount: crm.Yuan(int64(10_000 + i%500*1000)), OwnerID: owner(ai).ID, StageSince: since})
		if len(batch) == cap(batch) || i == nOpps-1 {
			ids, err := s.InsertOpportunities(ctx, batch, since)
			if err != nil {
				b.Fatal(err)
			}
			for k, id := range ids {
				opps = append(opps, id)
				oppAccount[id] = (len(opps) - 1) * 7 % nAccounts
				_ = k
			}
			batch = batch[:0]
		}
	}
	// Finished stays for the medians: a third of the opportunities spent 10
	// or 30 days in QUALIFY before.
	for k, days := range []int{10, 30} {
		left := benchToday.Add(-100 * 24 * time.Hour)
		if err := s.Exec(ctx, `INSERT INTO opportunity_stays (opportunity_id, stage, from_stage, entered_at, left_at, actor_id, actor)
			SELECT id, 'QUALIFY', '', $1, $2, 0, '' FROM opportunities WHERE id % 6 = $3`,
			left.Add(-time.Duration(days)*24*time.Hour).UTC(), left.UTC(), k); err != nil {
			b.Fatal(err)
		}
	}
	kinds := crm.ActivityKinds
	acts := make([]crm.Activity, 0, 10_000)
	for i := range nActs {
		oi := (i * 13) % len(opps)
		ai := oppAccount[opps[oi]]
		x := crm.Activity{Kind: kinds[i%len(kinds)], AccountID: accounts[ai], Date: today.AddDays(-(i % 120)), OwnerID: owner(ai).ID}
		if i%3 != 0 {
			x.OpportunityID = opps[oi]
		}
		if i%2 == 0 {
			x.Outcome = "已沟通"
		}
		if i%4 == 0 {
			x.NextStep, x.NextStepDue = "跟进", x.Date.AddDays(10)
		}
		acts = append(acts, x)
		if len(acts) == cap(acts) || i == nActs-1 {
			if err := s.InsertActivities(ctx, acts, benchToday); err != nil {
				b.Fatal(err)
			}
			acts = acts[:0]
		}
	}
	b.Logf("%s: %d people, %d accounts, %d opportunities, %d activities loaded in %.1f s", s.Engine(), nPeople, nAccounts, len(opps), nActs,
		time.Since(start).Seconds())

	t0 := time.Now()
	first, err := a.ScanAlerts(ctx, today)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("first scan: %+v in %.1f s", first, time.Since(t0).Seconds())

	b.Run("scan/steady", func(b *testing.B) {
		for b.Loop() {
			if res, err := a.ScanAlerts(ctx, today); err != nil || res.Raised != 0 {
				b.Fatal(res, err)
			}
		}
	})
	as := apptest.Context // a person signed in
	week := crm.WeekOf(today)
	for _, v := range []struct {
		name string
		ctx  context.Context
	}{{"member", as(people[1])}, {"manager", as(people[0])}, {"all", ctx}} {
		b.Run("compliance/"+v.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Compliance(v.ctx, app.ComplianceScope{}, week); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("alerts/"+v.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := a.OpenAlerts(v.ctx, app.AlertFilter{Limit: 100}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
