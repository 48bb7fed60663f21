package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// processFixture is two people and two accounts, one owned by each, in a
// fresh store.
func processFixture(t *testing.T) (s *store.Store, acc1, acc2, p1, p2 int64) {
	t.Helper()
	ctx := context.Background()
	s = storetest.New(t)
	var err error
	if p1, err = s.SavePerson(ctx, crm.Person{Name: "王销售", Email: "p1@test.example", Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}, now); err != nil {
		t.Fatal(err)
	}
	if p2, err = s.SavePerson(ctx, crm.Person{Name: "李销售", Email: "p2@test.example", Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}, now); err != nil {
		t.Fatal(err)
	}
	if acc1, err = s.CreateAccount(ctx, crm.Account{Code: "P1", Name: "华为技术"}, now); err != nil {
		t.Fatal(err)
	}
	if acc2, err = s.CreateAccount(ctx, crm.Account{Code: "P2", Name: "中兴通讯"}, now); err != nil {
		t.Fatal(err)
	}
	err = s.SetOwnerships(ctx, []store.Ownership{{AccountID: acc1, OwnerID: p1}, {AccountID: acc2, OwnerID: p2, SalesRepID: p2}}, now)
	if err != nil {
		t.Fatal(err)
	}
	return s, acc1, acc2, p1, p2
}

func TestOpportunityStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, acc1, acc2, p1, p2 := processFixture(t)
	o := crm.Opportunity{AccountID: acc1, Name: "年度框架", Stage: "QUALIFY", Amount: crm.Yuan(1_000_000), CloseDate: 20261231,
		Probability: 10, Needs: []string{"降本", "交付"}, Products: []string{"ERP"}, OwnerID: p1, StageSince: now}
	id, err := s.CreateOpportunity(ctx, o, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartOppStay(ctx, crm.OppStay{OpportunityID: id, Stage: "QUALIFY", EnteredAt: now, ActorID: p1, Actor: "王销售"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Opportunity(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != o.Name || got.Amount != o.Amount || !reflect.DeepEqual(got.Needs, o.Needs) || len(got.Checks) != 0 ||
		got.AccountName != "华为技术" || got.OwnerName != "王销售" || got.AccountOwnerID != p1 || got.Version != 1 || !got.StageSince.Equal(now) {
		t.Fatalf("Opportunity = %+v", got)
	}

	// A move: the stay in QUALIFY ends, one in DISCOVER begins.
	later := now.Add(50 * time.Hour)
	got.Stage, got.Checks, got.StageSince, got.Probability = "DISCOVER", []string{"need_confirmed"}, later, 25
	if err := s.UpdateOpportunity(ctx, got.Opportunity, later); err != nil {
		t.Fatal(err)
	}
	if err := s.StartOppStay(ctx, crm.OppStay{OpportunityID: id, Stage: "DISCOVER", FromStage: "QUALIFY", EnteredAt: later}); err != nil {
		t.Fatal(err)
	}
	// The version read before the move is stale now.
	if err := s.UpdateOpportunity(ctx, got.Opportunity, later); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a stale update = %v, want ErrConflict", err)
	}
	stays, err := s.OppStays(ctx, id)
	if err != nil || len(stays) != 2 {
		t.Fatalf("OppStays = %+v, %v", stays, err)
	}
	if stays[0].Duration(later.Add(time.Hour)) != 50*time.Hour || !stays[1].LeftAt.IsZero() || stays[1].FromStage != "QUALIFY" {
		t.Errorf("stays = %+v", stays)
	}

	// More opportunities for the lists and the funnel.
	ids, err := s.InsertOpportunities(ctx, []crm.Opportunity{
		{AccountID: acc2, Name: "二期", Stage: "DISCOVER", Amount: crm.Yuan(200), Probability: 25, OwnerID: p2, StageSince: now, CreatedAt: now, CloseDate: 20270115},
		{AccountID: acc2, Name: "三期", Stage: crm.OppWon, Amount: crm.Yuan(300), Probability: 100, OwnerID: p2, StageSince: now, CreatedAt: now, ClosedOn: 20261101, CloseDate: 20261101},
		{AccountID: acc1, Name: "李的商机", Stage: "PROPOSE", Amount: crm.Yuan(400), Probability: 50, OwnerID: p2, StageSince: now, CreatedAt: now},
	}, now)
	if err != nil || len(ids) != 3 || !slices.IsSorted(ids) || ids[0] <= id {
		t.Fatalf("InsertOpportunities = %v, %v", ids, err)
	}
	names := func(f store.OppFilter) []string {
		t.Helper()
		list, total, err := s.Opportunities(ctx, f)
		if err != nil {
			t.Fatalf("Opportunities(%+v): %v", f, err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.Name)
		}
		if f.PerPage == 0 && total != len(list) {
			t.Errorf("Opportunities(%+v): total %d of %d", f, total, len(list))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.OppFilter
		want []string
	}{
		{"all by close date, undated first", store.OppFilter{}, []string{"李的商机", "三期", "年度框架", "二期"}},
		{"open stages", store.OppFilter{Stages: []string{"DISCOVER", "PROPOSE"}, Sort: "amount"}, []string{"年度框架", "李的商机", "二期"}},
		{"p1's scope: own and on own account", store.OppFilter{People: []int64{p1}, Sort: "name"}, []string{"年度框架", "李的商机"}},
		{"p2's scope", store.OppFilter{People: []int64{p2}, Sort: "name"}, []string{"三期", "二期", "李的商机"}},
		{"empty scope", store.OppFilter{People: []int64{}}, nil},
		{"search the account", store.OppFilter{Q: "中兴", Sort: "name"}, []string{"三期", "二期"}},
		{"search a wildcard", store.OppFilter{Q: "%"}, nil},
		{"closing or closed in November and December", store.OppFilter{CloseFrom: 20261101, CloseTo: 20261231}, []string{"三期", "年度框架"}},
		{"owner", store.OppFilter{OwnerID: p1}, []string{"年度框架"}},
		{"account", store.OppFilter{AccountID: acc2, Sort: "updated"}, []string{"三期", "二期"}},
		{"a page", store.OppFilter{Sort: "name", Page: 2, PerPage: 2}, []string{"年度框架", "李的商机"}},
	} {
		if got := names(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Opportunities = %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, total, err := s.Opportunities(ctx, store.OppFilter{Sort: "name", Page: 1, PerPage: 1}); err != nil || total != 4 {
		t.Errorf("total = %d, %v; want 4", total, err)
	}
	funnel, err := s.Funnel(ctx, store.OppFilter{})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(funnel, func(a, b store.FunnelRow) int {
		return a.Count*1000 + int(a.Amount/100) - b.Count*1000 - int(b.Amount/100)
	})
	want := []store.FunnelRow{
		{Stage: crm.OppWon, Count: 1, Amount: crm.Yuan(300), Weighted: int64(crm.Yuan(300)) * 100},
		{Stage: "PROPOSE", Count: 1, Amount: crm.Yuan(400), Weighted: int64(crm.Yuan(400)) * 50},
		{Stage: "DISCOVER", Count: 2, Amount: crm.Yuan(1_000_200), Weighted: int64(crm.Yuan(1_000_200)) * 25},
	}
	if !reflect.DeepEqual(funnel, want) {
		t.Errorf("Funnel = %+v, want %+v", funnel, want)
	}
	if f, err := s.Funnel(ctx, store.OppFilter{People: []int64{p1}}); err != nil || len(f) != 2 {
		t.Errorf("Funnel in p1's scope = %+v, %v", f, err)
	}
	if n, err := s.WonOpportunities(ctx, acc2, ids[1]); err != nil || n != 0 {
		t.Errorf("WonOpportunities except the won one = %d, %v", n, err)
	}
	if n, err := s.WonOpportunities(ctx, acc2, 0); err != nil || n != 1 {
		t.Errorf("WonOpportunities = %d, %v", n, err)
	}

	// Deleting keeps the activities, without the opportunity.
	aid, err := s.CreateActivity(ctx, crm.Activity{Kind: crm.ActVisit, AccountID: acc1, OpportunityID: id, Date: 20261120, OwnerID: p1}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOpportunity(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Opportunity(ctx, id); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("deleted opportunity: %v", err)
	}
	if x, err := s.Activity(ctx, aid); err != nil || x.OpportunityID != 0 {
		t.Errorf("activity after its opportunity was deleted: %+v, %v", x, err)
	}
	if err := s.DeleteOpportunity(ctx, id); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("deleting twice = %v", err)
	}
}

func TestActivityStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, acc1, acc2, p1, p2 := processFixture(t)
	oid, err := s.CreateOpportunity(ctx, crm.Opportunity{AccountID: acc1, Name: "框架", Stage: "QUALIFY", OwnerID: p1, StageSince: now}, now)
	if err != nil {
		t.Fatal(err)
	}
	x := crm.Activity{Kind: crm.ActVisit, AccountID: acc1, OpportunityID: oid, Date: 20261123, Contacts: []string{"张总", "李工"},
		Objective: "了解需求", Outcome: "确认预算", NextStep: "提交方案", NextStepDue: 20261125, OwnerID: p1}
	id, err := s.CreateActivity(ctx, x, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Activity(ctx, id)
	if err != nil || got.OpportunityName != "框架" || got.OwnerName != "王销售" || !reflect.DeepEqual(got.Contacts, x.Contacts) ||
		got.NextStepDue != 20261125 || got.NextStepDone || got.Version != 1 {
		t.Fatalf("Activity = %+v, %v", got, err)
	}
	err = s.InsertActivities(ctx, []crm.Activity{
		{Kind: crm.ActCall, AccountID: acc2, Date: 20261124, OwnerID: p2, NextStep: "回电", NextStepDue: 20261126},
		{Kind: crm.ActDemo, AccountID: acc1, Date: 20261127, OwnerID: p2},
		{Kind: crm.ActServiceVisit, AccountID: acc2, Date: 20261116, OwnerID: p1, NextStep: "巡检", NextStepDue: 20261120, NextStepDone: true},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(f store.ActFilter) []string {
		t.Helper()
		list, _, err := s.Activities(ctx, f)
		if err != nil {
			t.Fatalf("Activities(%+v): %v", f, err)
		}
		var out []string
		for _, r := range list {
			out = append(out, r.Kind)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.ActFilter
		want []string
	}{
		{"p1's week", store.ActFilter{OwnerIDs: []int64{p1}, From: 20261123, To: 20261129}, []string{"VISIT"}},
		{"everyone's, by date", store.ActFilter{}, []string{"SERVICE_VISIT", "VISIT", "CALL", "DEMO"}},
		{"newest first, a page", store.ActFilter{Newest: true, Limit: 2, Offset: 1}, []string{"CALL", "VISIT"}},
		{"p1's scope: own and on own account", store.ActFilter{People: []int64{p1}}, []string{"SERVICE_VISIT", "VISIT", "DEMO"}},
		{"overdue on the 27th, open only", store.ActFilter{OverdueOn: 20261127}, []string{"VISIT", "CALL"}},
		{"overdue on the 26th", store.ActFilter{OverdueOn: 20261126}, []string{"VISIT"}},
		{"of the opportunity", store.ActFilter{OpportunityID: oid}, []string{"VISIT"}},
		{"of an account", store.ActFilter{AccountID: acc2, Kind: crm.ActCall}, []string{"CALL"}},
		{"nobody", store.ActFilter{OwnerIDs: []int64{}}, nil},
	} {
		if got := kinds(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Activities = %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, total, err := s.Activities(ctx, store.ActFilter{Limit: 1}); err != nil || total != 4 {
		t.Errorf("total = %d, %v", total, err)
	}
	last, err := s.LastActivities(ctx, []int64{oid, oid + 100})
	if err != nil || !reflect.DeepEqual(last, map[int64]crm.Date{oid: 20261123}) {
		t.Errorf("LastActivities = %v, %v", last, err)
	}

	got.NextStepDone, got.Outcome = true, "已提交"
	if err := s.UpdateActivity(ctx, got.Activity, now); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateActivity(ctx, got.Activity, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a stale update = %v, want ErrConflict", err)
	}
	if again, err := s.Activity(ctx, id); err != nil || !again.NextStepDone || again.Outcome != "已提交" || again.Version != 2 {
		t.Errorf("after the update: %+v, %v", again, err)
	}
	if err := s.DeleteActivity(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Activity(ctx, id); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("deleted activity: %v", err)
	}
	bad := crm.Activity{ID: 424242, Kind: crm.ActCall, AccountID: acc1, Date: 20261120, OwnerID: p1, Version: 1}
	if err := s.UpdateActivity(ctx, bad, now); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("updating a missing activity = %v, want ErrNotFound", err)
	}
}

// TestLargeScope: a scope of more than smallScope people is written
// differently (see scopeCond); it selects the same records.
func TestLargeScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, acc1, _, p1, p2 := processFixture(t)
	if _, err := s.InsertOpportunities(ctx, []crm.Opportunity{
		{AccountID: acc1, Name: "a", Stage: "QUALIFY", OwnerID: p2, StageSince: now, CreatedAt: now},
		{AccountID: acc1, Name: "b", Stage: "DISCOVER", OwnerID: p1, StageSince: now, CreatedAt: now},
	}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertActivities(ctx, []crm.Activity{{Kind: crm.ActCall, AccountID: acc1, Date: 20261120, OwnerID: p2}}, now); err != nil {
		t.Fatal(err)
	}
	people := []int64{p1}
	for i := int64(1000); len(people) <= 60; i++ {
		people = append(people, i) // nobody, but in the scope
	}
	for _, scope := range [][]int64{{p1}, people} {
		list, _, err := s.Opportunities(ctx, store.OppFilter{People: scope, Stages: []string{"QUALIFY", "DISCOVER"}, Sort: "name"})
		if err != nil || len(list) != 2 {
			t.Errorf("%d people in scope: %d opportunities, %v", len(scope), len(list), err)
		}
		funnel, err := s.Funnel(ctx, store.OppFilter{People: scope})
		if err != nil || len(funnel) != 2 {
			t.Errorf("%d people in scope: funnel %+v, %v", len(scope), funnel, err)
		}
		acts, _, err := s.Activities(ctx, store.ActFilter{People: scope})
		if err != nil || len(acts) != 1 {
			t.Errorf("%d people in scope: %d activities, %v", len(scope), len(acts), err)
		}
	}
}
