package app_test

// Benchmarks of the process pages at the scale of issue 4: 200 people,
// 100,000 opportunities and 1,000,000 activities (on 20,000 accounts). The
// target is the pipeline board and the funnel within 2 seconds on both
// engines; results in docs/benchmarks.md. Run with
//
//	go test -run '^$' -bench Process -benchtime 20x -timeout 60m ./internal/app/
//	KAM_TEST_POSTGRES_URL='postgres://…' go test -run '^$' -bench Process -benchtime 20x -timeout 60m ./internal/app/
//
// The database is built first (minutes; -v logs how long).
// BENCH_PEOPLE, BENCH_OPPORTUNITIES, BENCH_ACTIVITIES and
// BENCH_PROCESS_ACCOUNTS change the scale.

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

func BenchmarkProcess(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	s := storetest.New(b)
	a := app.New(s, app.Options{Now: func() time.Time { return benchToday }})
	nPeople := benchScale("BENCH_PEOPLE", 200)
	nAccounts := benchScale("BENCH_PROCESS_ACCOUNTS", 20_000)

	// The organisation: teams of 20, each with a manager (team scope) and
	// members (own scope), the department's head and an executive who
	// sees everything.
	dept, err := s.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales}, benchToday)
	if err != nil {
		b.Fatal(err)
	}
	var members []int64
	var manager, member, firstManager crm.Person
	var team int64
	for i := range nPeople {
		if i%20 == 0 {
			if team, err = s.SaveTeam(ctx, crm.Team{DepartmentID: dept, Name: fmt.Sprintf("第 %d 组", i/20+1)}, benchToday); err != nil {
				b.Fatal(err)
			}
		}
		p := crm.Person{Name: fmt.Sprintf("销售 %d", i+1), Email: fmt.Sprintf("p%d@bench.example", i+1), DepartmentID: dept, TeamID: team,
			Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}
		if i%20 == 0 {
			p.Role, p.Scope = crm.RoleManager, crm.ScopeTeam
		} else {
			p.ManagerID = manager.ID
		}
		if p.ID, err = s.SavePerson(ctx, p, benchToday); err != nil {
			b.Fatal(err)
		}
		switch {
		case i%20 == 0:
			manager = p
		case i == 1:
			member = p
			members = append(members, p.ID)
		default:
			members = append(members, p.ID)
		}
		if i == 0 {
			firstManager = p // the manager measured
		}
	}
	exec := crm.Person{Name: "陈总", Email: "ceo@bench.example", DepartmentID: dept, Role: crm.RoleExecutive, Scope: crm.ScopeAll, Active: true}
	if exec.ID, err = s.SavePerson(ctx, exec, benchToday); err != nil {
		b.Fatal(err)
	}
	head := crm.Person{Name: "王部长", Email: "head@bench.example", DepartmentID: dept, Role: crm.RoleDeptHead, Scope: crm.ScopeDepartment, Active: true}
	if head.ID, err = s.SavePerson(ctx, head, benchToday); err != nil {
		b.Fatal(err)
	}
	list := make([]crm.Account, 0, 1000)
	for i := range nAccounts {
		list = append(list, crm.Account{Code: fmt.Sprintf("K%06d", i+1), Name: fmt.Sprintf("客户 %d 有限公司", i+1)})
		if len(list) == cap(list) || i == nAccounts-1 {
			if _, err := s.InsertAccounts(ctx, list, benchToday); err != nil {
				b.Fatal(err)
			}
			list = list[:0]
		}
	}
	refs, err := s.AccountOwners(ctx)
	if err != nil {
		b.Fatal(err)
	}
	owners := make([]store.Ownership, len(refs))
	for i, r := range refs {
		owners[i] = store.Ownership{AccountID: r.ID, OwnerID: members[i%len(members)], OwnerDepartment: crm.DeptSales, Stage: crm.StagePursuit}
	}
	if err := s.SetOwnerships(ctx, owners, benchToday); err != nil {
		b.Fatal(err)
	}
	res, err := a.LoadProcessDemo(ctx, demo.ProcessOptions{Now: crm.DateOf(benchToday), Opportunities: benchScale("BENCH_OPPORTUNITIES", 100_000),
		Activities: benchScale("BENCH_ACTIVITIES", 1_000_000)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if s.Engine() == "postgres" {
		// What autovacuum does after a bulk load, before the measured reads.
		if err := s.Exec(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: %d people, %d accounts, %d opportunities, %d activities loaded in %.1f s", s.Engine(), nPeople+2, nAccounts,
		res.Opportunities, res.Activities, time.Since(start).Seconds())

	as := apptest.Context // a person signed in
	viewers := []struct {
		name string
		ctx  context.Context
	}{{"executive", as(exec)}, {"department_head", as(head)}, {"manager", as(firstManager)}, {"member", as(member)}}
	week := crm.WeekOf(crm.DateOf(benchToday))
	for _, v := range viewers {
		b.Run("board/"+v.name, func(b *testing.B) {
			var cards int
			for b.Loop() {
				board, err := a.Board(v.ctx, store.OppFilter{}, 50)
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
				f, err := a.Funnel(v.ctx, store.OppFilter{})
				if err != nil {
					b.Fatal(err)
				}
				n = f.Open.Count + f.Closed
			}
			b.ReportMetric(float64(n), "opps")
		})
		b.Run("list/"+v.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Opportunities(v.ctx, store.OppFilter{Sort: "close", Page: 3, PerPage: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("week/member", func(b *testing.B) {
		var n int
		for b.Loop() {
			w, err := a.Week(as(member), 0, week)
			if err != nil {
				b.Fatal(err)
			}
			n = w.Count + len(w.Overdue)
		}
		b.ReportMetric(float64(n), "activities")
	})
	b.Run("team/manager", func(b *testing.B) {
		var n int
		for b.Loop() {
			w, err := a.TeamWeek(as(firstManager), 0, week)
			if err != nil {
				b.Fatal(err)
			}
			n = w.Count
		}
		b.ReportMetric(float64(n), "activities")
	})
	b.Run("opportunity/member", func(b *testing.B) {
		page, err := a.Opportunities(as(member), store.OppFilter{Sort: "updated", PerPage: 1})
		if err != nil || len(page.Rows) == 0 {
			b.Fatalf("no opportunity of the member: %v", err)
		}
		for b.Loop() {
			if _, err := a.Opportunity(as(member), page.Rows[0].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
