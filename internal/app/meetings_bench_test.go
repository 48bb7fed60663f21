package app_test

// Benchmarks of process management at the scale of issue 4: 200 people,
// 100,000 opportunities and 1,000,000 activities, on 20,000 accounts with
// 200,000 revenue lines. The target is the pipeline board, the funnel and
// both meeting packs within 2 seconds each, on both engines; results in
// docs/benchmarks.md ("Process management at scale"). Run with
//
//	go test -run '^$' -bench Meetings -benchtime 5x -timeout 60m ./internal/app/
//	KAM_TEST_POSTGRES_URL='postgres://…' go test -run '^$' -bench Meetings -benchtime 5x -timeout 60m ./internal/app/
//
// The database is built once per run, before the timings (minutes; -v logs
// how long). BENCH_PEOPLE, BENCH_OPPORTUNITIES, BENCH_ACTIVITIES,
// BENCH_PROCESS_ACCOUNTS and BENCH_MEETING_LINES change the scale.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

func BenchmarkMeetings(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	s := storetest.New(b)
	a := app.New(s, app.Options{Now: func() time.Time { return benchToday }})
	today := crm.DateOf(benchToday)
	nPeople := benchScale("BENCH_PEOPLE", 200)
	nAccounts := benchScale("BENCH_PROCESS_ACCOUNTS", 20_000)
	if _, err := a.LoadDemo(ctx, "bench", demo.Options{Accounts: nAccounts, Lines: benchScale("BENCH_MEETING_LINES", 10*nAccounts),
		Now: today}, nil); err != nil {
		b.Fatal(err)
	}

	// Two sales departments of teams of 20: a manager (team scope) and
	// members (own scope) each; a head per department and an executive.
	var depts [2]int64
	for i := range depts {
		var err error
		if depts[i], err = s.SaveDepartment(ctx, crm.Department{Name: fmt.Sprintf("销售 %d 部", i+1), Kind: crm.DeptSales}, benchToday); err != nil {
			b.Fatal(err)
		}
	}
	var n int
	save := func(p crm.Person) crm.Person {
		n++
		p.Email, p.Active = fmt.Sprintf("m%d@bench.example", n), true
		var err error
		if p.ID, err = s.SavePerson(ctx, p, benchToday); err != nil {
			b.Fatal(err)
		}
		return p
	}
	var members []int64
	var manager, firstManager crm.Person
	var team, firstTeam int64
	for i := range nPeople {
		dept := depts[i*len(depts)/nPeople]
		if i%20 == 0 {
			var err error
			if team, err = s.SaveTeam(ctx, crm.Team{DepartmentID: dept, Name: fmt.Sprintf("第 %d 组", i/20+1)}, benchToday); err != nil {
				b.Fatal(err)
			}
			manager = save(crm.Person{Name: fmt.Sprintf("经理 %d", i/20+1), DepartmentID: dept, TeamID: team, Role: crm.RoleManager,
				Scope: crm.ScopeTeam})
			if firstTeam == 0 {
				firstTeam, firstManager = team, manager
			}
			continue
		}
		p := save(crm.Person{Name: fmt.Sprintf("销售 %d", i+1), DepartmentID: dept, TeamID: team, ManagerID: manager.ID,
			Role: crm.RoleMember, Scope: crm.ScopeOwn, Track: []string{crm.TrackStrategic, crm.TrackRegional}[i%2]})
		members = append(members, p.ID)
	}
	head := save(crm.Person{Name: "部门负责人", DepartmentID: depts[0], Role: crm.RoleDeptHead, Scope: crm.ScopeDepartment})
	exec := save(crm.Person{Name: "陈总", DepartmentID: depts[0], Role: crm.RoleExecutive, Scope: crm.ScopeAll})

	// Every account to a member; one in 50 at risk.
	refs, err := s.AccountOwners(ctx)
	if err != nil {
		b.Fatal(err)
	}
	owners := make([]store.Ownership, len(refs))
	for i, r := range refs {
		stage := crm.StageGrowing
		if i%50 == 7 {
			stage = crm.StageAtRisk
		}
		m := members[i%len(members)]
		owners[i] = store.Ownership{AccountID: r.ID, OwnerID: m, SalesRepID: m, OwnerDepartment: crm.OwnerDepartment(stage), Stage: stage}
	}
	if err := s.SetOwnerships(ctx, owners, benchToday); err != nil {
		b.Fatal(err)
	}
	res, err := a.LoadProcessDemo(ctx, demo.ProcessOptions{Now: today, Opportunities: benchScale("BENCH_OPPORTUNITIES", 100_000),
		Activities: benchScale("BENCH_ACTIVITIES", 1_000_000)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := a.SetTargets(ctx, "bench", crm.Targets{PeriodKey: "2026", Layers: []crm.LayerTarget{
		{Layer: "A", Accounts: 60, Revenue: crm.Yuan(600_000_000)}, {Layer: "B", Accounts: 200, Revenue: crm.Yuan(800_000_000)},
		{Layer: "C", Accounts: 1000, Revenue: crm.Yuan(1_500_000_000)}, {Layer: "D", Accounts: nAccounts, Revenue: crm.Yuan(1_000_000_000)}}}); err != nil {
		b.Fatal(err)
	}
	if _, err := a.ScanAlerts(ctx, today); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d people, %d accounts, %d opportunities, %d activities loaded in %.1f s", s.Engine(), nPeople+2, nAccounts,
		res.Opportunities, res.Activities, time.Since(start).Seconds())

	as := apptest.Context // a person signed in
	week := crm.WeekOf(today).Prev()
	month := crm.MonthOf(today).Add(-1)
	// The revenue ledger is loaded on first use, as kam serve does at start.
	if _, err := a.MonthlyPack(as(exec), 0, month); err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name string
		p    crm.Person
	}{{"executive", exec}, {"manager", firstManager}} {
		b.Run("board/"+v.name, func(b *testing.B) {
			var cards int
			for b.Loop() {
				board, err := a.Board(as(v.p), store.OppFilter{}, 50)
				if err != nil {
					b.Fatal(err)
				}
				cards = 0
				for _, c := range board.Columns {
					cards += c.Count
				}
			}
			b.ReportMetric(float64(cards), "open-opps")
		})
		b.Run("funnel/"+v.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				f, err := a.Funnel(as(v.p), store.OppFilter{})
				if err != nil {
					b.Fatal(err)
				}
				n = f.Open.Count + f.Closed
			}
			b.ReportMetric(float64(n), "opps")
		})
		b.Run("weekly/"+v.name, func(b *testing.B) {
			var p app.WeeklyPack
			var err error
			for b.Loop() {
				if p, err = a.WeeklyPack(as(v.p), firstTeam, week); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Total.Activities), "activities")
			b.ReportMetric(float64(p.NewTotal+p.WonTotal+p.LostTotal+p.StalledTotal), "opps")
		})
	}
	for _, v := range []struct {
		name string
		p    crm.Person
		dept int64
	}{{"company", exec, 0}, {"department", head, depts[0]}} {
		b.Run("monthly/"+v.name, func(b *testing.B) {
			var p app.MonthlyPack
			var err error
			for b.Loop() {
				if p, err = a.MonthlyPack(as(v.p), v.dept, month); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.AccountsTotal), "key-accounts")
			b.ReportMetric(float64(p.AtRiskTotal), "at-risk")
		})
	}
}
