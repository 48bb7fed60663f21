package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// lc is an organisation for the lifecycle tests: a sales team with its
// manager and two reps, a marketing analyst, customer service with two
// project leads, and an account in TARGET owned by the analyst.
type lc struct {
	a     *app.App
	s     *store.Store
	clock atomic.Int64 // unix nanoseconds

	admin, manager, rep, rep2, analyst, lead, lead2 crm.Person
	acc                                             crm.Account
}

func (f *lc) now() time.Time { return time.Unix(0, f.clock.Load()).UTC() }

func newLC(t *testing.T) *lc {
	t.Helper()
	ctx := context.Background()
	f := &lc{s: storetest.New(t)}
	f.clock.Store(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC).UnixNano())
	f.a = app.New(f.s, app.Options{Now: f.now, Auth: apptest.FastAuth})
	dept := func(name, kind string) crm.Department {
		d, err := f.a.SaveDepartment(ctx, crm.Department{Name: name, Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	sales, mkt, cs := dept("销售部", crm.DeptSales), dept("市场部", crm.DeptMarketing), dept("客服部", crm.DeptCustomerService)
	team, err := f.a.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华东"})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = apptest.Person(t, f.a, crm.RoleAdmin, crm.Person{Name: "管理员"})
	f.manager = apptest.Person(t, f.a, crm.RoleManager, crm.Person{Name: "赵经理", DepartmentID: sales.ID, TeamID: team.ID})
	f.rep = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "王销售", DepartmentID: sales.ID, TeamID: team.ID, ManagerID: f.manager.ID})
	f.rep2 = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "钱销售", DepartmentID: sales.ID})
	f.analyst = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "孙分析", DepartmentID: mkt.ID})
	f.lead = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "李客服", DepartmentID: cs.ID})
	f.lead2 = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "周客服", DepartmentID: cs.ID})
	f.acc = f.account(t, "K1", f.analyst.ID, 0, crm.StageTarget)
	return f
}

// account creates an account in stage, owned by owner with sales rep rep.
func (f *lc) account(t *testing.T, code string, owner, rep int64, stage string) crm.Account {
	t.Helper()
	ctx := context.Background()
	a, err := f.a.CreateAccount(ctx, "test", crm.Account{Code: code, Name: "客户 " + code})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetOwnerships(ctx, []store.Ownership{{AccountID: a.ID, OwnerID: owner, SalesRepID: rep,
		OwnerDepartment: crm.OwnerDepartment(stage), Stage: stage}}, f.now()); err != nil {
		t.Fatal(err)
	}
	return f.get(t, a.ID)
}

func (f *lc) get(t *testing.T, id int64) crm.Account {
	t.Helper()
	a, err := f.s.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// gates saves a configuration with the gates set as given.
func (f *lc) gates(t *testing.T, on map[string]bool) {
	t.Helper()
	m := crm.DefaultMethod()
	for g := range m.Gates {
		m.Gates[g] = on[g]
	}
	if _, err := f.s.SaveMethod(context.Background(), m, "gates", "test", f.now()); err != nil {
		t.Fatal(err)
	}
}

// move moves the account as p (the system when p is zero) at its current version.
func (f *lc) move(t *testing.T, p crm.Person, id int64, m crm.StageMove, owner int64) (crm.Account, error) {
	t.Helper()
	ctx := context.Background()
	if p.ID != 0 {
		ctx = apptest.Context(p)
	}
	if m.Version == 0 {
		m.Version = f.get(t, id).Version
	}
	return f.a.MoveStage(ctx, id, m, owner)
}

// invalid checks that err is a validation error naming field with key.
func invalid(t *testing.T, what string, err error, field, key string) {
	t.Helper()
	var v *crm.ValidationError
	if !errors.As(err, &v) || v.Fields[field] != key {
		t.Errorf("%s = %v, want %s: %s", what, err, field, key)
	}
}

func auditActions(t *testing.T, s *store.Store, entity string, id int64) []string {
	t.Helper()
	entries, err := s.AuditFor(context.Background(), entity, fmt.Sprint(id), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(entries) - 1; i >= 0; i-- {
		out = append(out, entries[i].Action)
	}
	return out
}

// TestLifecycleJourney walks an account from TARGET to GROWING: the owner,
// sales rep and owning department follow each stage, every change is in the
// history and the audit log, and the handover opens at the contract.
func TestLifecycleJourney(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	ctx := context.Background()
	acc, err := f.move(t, f.admin, f.acc.ID, crm.StageMove{To: crm.StagePursuit, Reason: "选中：行业龙头"}, f.rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Stage != crm.StagePursuit || acc.OwnerID != f.rep.ID || acc.SalesRepID != f.rep.ID || acc.OwnerDepartment != crm.DeptSales {
		t.Fatalf("after → PURSUIT: %+v", acc)
	}
	contract := crm.MakeDate(2026, 11, 20)
	acc, err = f.move(t, f.rep, acc.ID, crm.StageMove{To: crm.StageOnboarding, Reason: "合同已签", ContractDate: contract, LeadID: f.lead.ID}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if acc.Stage != crm.StageOnboarding || acc.OwnerID != f.rep.ID || acc.OwnerDepartment != crm.DeptSales {
		t.Fatalf("after → ONBOARDING: %+v", acc)
	}
	hs, err := f.a.Handovers(apptest.Context(f.lead), app.HandoversMine)
	if err != nil || len(hs) != 1 {
		t.Fatalf("the lead's handovers = %+v, %v", hs, err)
	}
	h := hs[0]
	if h.AccountID != acc.ID || h.FromPersonID != f.rep.ID || h.ToPersonID != f.lead.ID || h.ContractDate != contract ||
		h.DueDate != contract.AddDays(30) || h.Status != crm.HandoverOpen || len(h.Missing) != len(crm.HandoverItems) || h.Overdue || !h.CanAccept {
		t.Fatalf("handover = %+v", h)
	}
	// Not before the lead accepts: ONBOARDING → GROWING by hand is refused.
	_, err = f.move(t, f.rep, acc.ID, crm.StageMove{To: crm.StageGrowing, Reason: "交付了"}, f.lead.ID)
	invalid(t, "manual → GROWING", err, "stage", "error.stage.handover")

	h = completeHandover(t, f, h, crm.MakeDate(2026, 11, 25))
	if _, err := f.a.AcceptHandover(apptest.Context(f.lead), h.ID, h.Version); err != nil {
		t.Fatal(err)
	}
	acc = f.get(t, acc.ID)
	if acc.Stage != crm.StageGrowing || acc.OwnerID != f.lead.ID || acc.SalesRepID != f.rep.ID || acc.OwnerDepartment != crm.DeptCustomerService {
		t.Fatalf("after acceptance: %+v", acc)
	}
	got, _ := f.a.Handover(ctx, h.ID)
	if got.Status != crm.HandoverAccepted || got.AcceptedAt.IsZero() || got.CanAccept || got.CanEdit {
		t.Errorf("accepted handover: %+v", got)
	}

	history, err := f.a.AccountHistory(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		from, to    string
		owner, next int64
		dept        string
		reason      string
		actor       string
	}{
		{crm.StageOnboarding, crm.StageGrowing, f.rep.ID, f.lead.ID, crm.DeptCustomerService, app.HandoverReason + fmt.Sprint(h.ID), f.lead.Name},
		{crm.StagePursuit, crm.StageOnboarding, f.rep.ID, f.rep.ID, crm.DeptSales, "合同已签", f.rep.Name},
		{crm.StageTarget, crm.StagePursuit, f.analyst.ID, f.rep.ID, crm.DeptSales, "选中：行业龙头", f.admin.Name},
	}
	if len(history) != len(want) {
		t.Fatalf("history = %+v, want %d entries", history, len(want))
	}
	for i, w := range want {
		c := history[i]
		if c.FromStage != w.from || c.ToStage != w.to || c.FromOwnerID != w.owner || c.ToOwnerID != w.next ||
			c.OwnerDepartment != w.dept || c.Reason != w.reason || !strings.HasPrefix(c.Actor, w.actor+" <") || !c.At.Equal(f.now()) {
			t.Errorf("history[%d] = %+v, want %+v", i, c, w)
		}
	}
	if got, want := strings.Join(auditActions(t, f.s, "account", acc.ID), ","), "create,stage_change,stage_change,stage_change"; got != want {
		t.Errorf("audit of the account = %s, want %s", got, want)
	}
	if got, want := strings.Join(auditActions(t, f.s, "handover", h.ID), ","), "create,update,accept"; got != want {
		t.Errorf("audit of the handover = %s, want %s", got, want)
	}
	entries, _ := f.s.AuditFor(ctx, "handover", fmt.Sprint(h.ID), 1)
	if entries[0].ActorID != f.lead.ID || !strings.Contains(entries[0].After, `"Status":"ACCEPTED"`) {
		t.Errorf("acceptance audit = %+v", entries[0])
	}
}

// completeHandover ticks every item, names f.lead, sets the kickoff, as the rep.
func completeHandover(t *testing.T, f *lc, h app.HandoverView, kickoff crm.Date) app.HandoverView {
	t.Helper()
	items := map[string]crm.ChecklistItem{}
	for _, it := range crm.HandoverItems {
		items[it] = crm.ChecklistItem{Done: true, Note: " " + it + " 已交接 "}
	}
	lead := f.lead.ID
	got, err := f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{LeadID: &lead, KickoffDate: &kickoff, Checklist: items, Version: h.Version})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Missing) != 0 || got.KickoffDate != kickoff || got.Checklist[crm.ItemOpenIssues].Note != "open_issues 已交接" || got.Version != h.Version+1 {
		t.Fatalf("completed handover = %+v", got)
	}
	return got
}

// TestMoveRules: illegal transitions, every switched-on gate and what
// switching it off allows, and the checks of the move's own fields.
func TestMoveRules(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	id := f.acc.ID
	for _, tc := range []struct {
		name       string
		m          crm.StageMove
		owner      int64
		field, key string
	}{
		{"skip to growing", crm.StageMove{To: crm.StageGrowing, Reason: "x"}, 0, "stage", "error.stage.transition"},
		{"skip to onboarding", crm.StageMove{To: crm.StageOnboarding, Reason: "x", ContractDate: 20261101}, 0, "stage", "error.stage.transition"},
		{"unknown stage", crm.StageMove{To: "WON", Reason: "x"}, 0, "stage", "error.stage.unknown"},
		{"no reason", crm.StageMove{To: crm.StagePursuit, Reason: " "}, 0, "reason", "error.required"},
		{"reason too long", crm.StageMove{To: crm.StagePursuit, Reason: strings.Repeat("长", 1001)}, 0, "reason", "error.too_long"},
		{"no such owner", crm.StageMove{To: crm.StagePursuit, Reason: "x"}, 987654, "owner", "error.lifecycle.person"},
		{"no version", crm.StageMove{To: crm.StagePursuit, Reason: "x", Version: -1}, 0, "version", "error.version.required"},
	} {
		m := tc.m
		if m.Version == -1 {
			m.Version = 0
			_, err := f.a.MoveStage(context.Background(), id, m, tc.owner)
			invalid(t, tc.name, err, tc.field, tc.key)
			continue
		}
		_, err := f.move(t, crm.Person{}, id, m, tc.owner)
		invalid(t, tc.name, err, tc.field, tc.key)
	}
	if got := f.get(t, id); got.Stage != crm.StageTarget || got.Version != f.acc.Version {
		t.Fatalf("refused moves changed the account: %+v", got)
	}
	inactive := apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "离职"})
	inactive.Active = false
	if _, err := f.a.SavePerson(context.Background(), inactive); err != nil {
		t.Fatal(err)
	}
	_, err := f.move(t, crm.Person{}, id, crm.StageMove{To: crm.StagePursuit, Reason: "x"}, inactive.ID)
	invalid(t, "inactive owner", err, "owner", "error.lifecycle.person")

	if _, err := f.move(t, f.admin, id, crm.StageMove{To: crm.StagePursuit, Reason: "派单"}, f.rep.ID); err != nil {
		t.Fatal(err)
	}
	// Contract gate: a date, a real one, not in the future; the lead from
	// customer service.
	onb := crm.StageMove{To: crm.StageOnboarding, Reason: "签约"}
	_, err = f.move(t, f.rep, id, onb, 0)
	invalid(t, "no contract date", err, "contract_date", "error.stage.contract_date")
	onb.ContractDate = 20261131
	_, err = f.move(t, f.rep, id, onb, 0)
	invalid(t, "no such day", err, "contract_date", "error.lifecycle.date")
	onb.ContractDate = crm.MakeDate(2026, 11, 28)
	_, err = f.move(t, f.rep, id, onb, 0)
	invalid(t, "contract tomorrow", err, "contract_date", "error.lifecycle.contract_future")
	onb.ContractDate, onb.LeadID = crm.MakeDate(2026, 11, 27), f.rep2.ID
	_, err = f.move(t, f.rep, id, onb, 0)
	invalid(t, "a lead from sales", err, "to_person", "error.handover.lead")
	// Without a lead: the handover opens, the lead is named later.
	onb.LeadID = 0
	if _, err := f.move(t, f.rep, id, onb, 0); err != nil {
		t.Fatal(err)
	}
	rows, _ := f.a.Handovers(context.Background(), app.HandoversOpen)
	if len(rows) != 1 || rows[0].ToPersonID != 0 || rows[0].DueDate != crm.MakeDate(2026, 12, 27) {
		t.Fatalf("open handovers = %+v", rows)
	}

	// Handover gate: only the lead's acceptance moves ONBOARDING → GROWING.
	_, err = f.move(t, f.rep, id, crm.StageMove{To: crm.StageGrowing, Reason: "x"}, 0)
	invalid(t, "handover gate", err, "stage", "error.stage.handover")
	// ONBOARDING → AT_RISK ends the open handover.
	if _, err := f.move(t, f.rep, id, crm.StageMove{To: crm.StageAtRisk, Reason: "投诉"}, 0); err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.a.Handovers(context.Background(), app.HandoversAll); len(rows) != 1 || rows[0].Status != crm.HandoverCancelled {
		t.Errorf("after leaving ONBOARDING: %+v", rows)
	}
	// Loss gate: a member cannot mark an account at risk lost; a manager can.
	_, err = f.move(t, f.rep, id, crm.StageMove{To: crm.StageLost, Reason: "流失"}, 0)
	invalid(t, "loss by a member", err, "stage", "error.stage.manager_confirms")
	if acc, err := f.move(t, f.manager, id, crm.StageMove{To: crm.StageLost, Reason: "流失，已问责"}, 0); err != nil || acc.OwnerDepartment != crm.DeptSales {
		t.Fatalf("loss by a manager: %+v, %v", acc, err)
	}
	if _, err := f.move(t, f.rep, id, crm.StageMove{To: crm.StageWinBack, Reason: "重新跟进"}, 0); err != nil {
		t.Fatal(err)
	}

	// Every gate off: a contract without a date (today's), a manual move
	// to GROWING that cancels the handover, a loss by a member.
	f.gates(t, nil)
	if _, err := f.move(t, f.rep, id, crm.StageMove{To: crm.StageOnboarding, Reason: "再签约"}, 0); err != nil {
		t.Fatalf("contract gate off: %v", err)
	}
	rows, _ = f.a.Handovers(context.Background(), app.HandoversOpen)
	if len(rows) != 1 || rows[0].ContractDate != crm.MakeDate(2026, 11, 27) {
		t.Fatalf("handover with the contract gate off: %+v", rows)
	}
	if acc, err := f.move(t, f.rep, id, crm.StageMove{To: crm.StageGrowing, Reason: "直接交付"}, f.lead.ID); err != nil ||
		acc.OwnerID != f.lead.ID || acc.OwnerDepartment != crm.DeptCustomerService || acc.SalesRepID != f.rep.ID {
		t.Fatalf("handover gate off: %+v, %v", acc, err)
	}
	if rows, _ := f.a.Handovers(context.Background(), app.HandoversOpen); len(rows) != 0 {
		t.Errorf("open handovers after a manual → GROWING: %+v", rows)
	}
	if _, err := f.move(t, f.lead, id, crm.StageMove{To: crm.StageAtRisk, Reason: "投诉"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.move(t, f.lead, id, crm.StageMove{To: crm.StageLost, Reason: "流失"}, 0); err != nil {
		t.Errorf("loss gate off, by a member: %v", err)
	}
	history, _ := f.a.AccountHistory(context.Background(), id)
	if len(history) != 9 {
		t.Errorf("history has %d entries, want 9", len(history))
	}
}

// TestLifecycleScope: a member moves, reassigns and reads only accounts in
// their data scope; outside it the account does not exist for them.
func TestLifecycleScope(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	mine := f.account(t, "K2", f.rep.ID, f.rep.ID, crm.StagePursuit)
	for _, who := range []crm.Person{f.rep2, f.lead} {
		ctx := apptest.Context(who)
		if _, err := f.a.MoveStage(ctx, mine.ID, crm.StageMove{To: crm.StageTarget, Reason: "x", Version: mine.Version}, 0); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s moves another's account: %v, want ErrNotFound", who.Name, err)
		}
		if _, err := f.a.AssignOwner(ctx, mine.ID, who.ID, who.ID, "我来", mine.Version); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s takes another's account: %v, want ErrNotFound", who.Name, err)
		}
		if _, err := f.a.AccountHistory(ctx, mine.ID); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s reads another's history: %v, want ErrNotFound", who.Name, err)
		}
		if _, err := f.a.AccountLifecycle(ctx, mine.ID); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s reads another's lifecycle: %v, want ErrNotFound", who.Name, err)
		}
	}
	// The rep's manager sees the team's accounts (scope TEAM).
	if _, err := f.a.MoveStage(apptest.Context(f.manager), mine.ID, crm.StageMove{To: crm.StageTarget, Reason: "退回", Version: mine.Version}, 0); err != nil {
		t.Errorf("the manager moves the rep's account: %v", err)
	}
	// An auditor reads but does not move.
	auditor := apptest.Person(t, f.a, crm.RoleAuditor, crm.Person{})
	if _, err := f.a.MoveStage(apptest.Context(auditor), mine.ID, crm.StageMove{To: crm.StagePursuit, Reason: "x", Version: f.get(t, mine.ID).Version}, 0); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("an auditor moves: %v, want ErrForbidden", err)
	}
	if h, err := f.a.AccountHistory(apptest.Context(auditor), mine.ID); err != nil || len(h) != 1 {
		t.Errorf("the auditor reads the history: %v, %v", h, err)
	}
}

// TestLifecycleConflicts: a move or reassignment from a stale read is a
// conflict, and of two concurrent moves from one read exactly one wins.
func TestLifecycleConflicts(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	read := f.acc.Version
	if _, err := f.a.AssignOwner(context.Background(), f.acc.ID, f.analyst.ID, f.rep.ID, "加销售", read); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.MoveStage(context.Background(), f.acc.ID, crm.StageMove{To: crm.StagePursuit, Reason: "x", Version: read}, 0); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("move from a stale read = %v, want ErrConflict", err)
	}
	if _, err := f.a.AssignOwner(context.Background(), f.acc.ID, f.rep.ID, f.rep.ID, "x", read); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("reassignment from a stale read = %v, want ErrConflict", err)
	}

	read = f.get(t, f.acc.ID).Version
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := []string{crm.StagePursuit, crm.StageLost}[i%2]
			_, errs[i] = f.a.MoveStage(context.Background(), f.acc.ID, crm.StageMove{To: to, Reason: fmt.Sprint("并发 ", i), Version: read}, 0)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, crm.ErrConflict):
			t.Errorf("concurrent move: %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent moves won, want 1", won, len(errs))
	}
	if h, _ := f.a.AccountHistory(context.Background(), f.acc.ID); len(h) != 2 {
		t.Errorf("history after the race: %d entries, want 2", len(h))
	}
}

// TestAssignOwner: a reassignment keeps the stage, sets the department of
// the stage, and is in the history and the audit log.
func TestAssignOwner(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	ctx := context.Background()
	acc, err := f.a.AssignOwner(apptest.Context(f.manager), f.acc.ID, f.analyst.ID, f.rep.ID, "加销售", f.acc.Version)
	if err == nil {
		t.Fatal("the manager reassigned an account outside the team's scope")
	}
	acc, err = f.a.AssignOwner(ctx, f.acc.ID, f.analyst.ID, f.rep.ID, "加销售", f.acc.Version)
	if err != nil || acc.Stage != crm.StageTarget || acc.OwnerID != f.analyst.ID || acc.SalesRepID != f.rep.ID || acc.OwnerDepartment != crm.DeptMarketing {
		t.Fatalf("AssignOwner = %+v, %v", acc, err)
	}
	_, err = f.a.AssignOwner(ctx, f.acc.ID, f.analyst.ID, f.rep.ID, "同上", acc.Version)
	invalid(t, "no change", err, "owner", "error.lifecycle.no_change")
	_, err = f.a.AssignOwner(ctx, f.acc.ID, f.rep2.ID, 987654, "", acc.Version)
	invalid(t, "no reason", err, "reason", "error.required")
	invalid(t, "no such rep", err, "sales_rep", "error.lifecycle.person")
	// Now in the rep's scope: the rep hands it to a colleague.
	if acc, err = f.a.AssignOwner(apptest.Context(f.rep), f.acc.ID, f.rep2.ID, f.rep2.ID, "区域调整", acc.Version); err != nil {
		t.Fatal(err)
	}
	h, _ := f.a.AccountHistory(ctx, f.acc.ID)
	if len(h) != 2 || h[0].FromStage != crm.StageTarget || h[0].ToStage != crm.StageTarget || h[0].FromOwnerID != f.analyst.ID ||
		h[0].ToOwnerID != f.rep2.ID || h[0].Reason != "区域调整" {
		t.Errorf("history = %+v", h)
	}
	if got, want := strings.Join(auditActions(t, f.s, "account", f.acc.ID), ","), "create,owner_change,owner_change"; got != want {
		t.Errorf("audit = %s, want %s", got, want)
	}
}

// onboarding moves a fresh account of the rep to ONBOARDING and returns its
// handover.
func (f *lc) onboarding(t *testing.T, code string, contract crm.Date, lead int64) app.HandoverView {
	t.Helper()
	acc := f.account(t, code, f.rep.ID, f.rep.ID, crm.StagePursuit)
	if _, err := f.move(t, f.rep, acc.ID, crm.StageMove{To: crm.StageOnboarding, Reason: "签约", ContractDate: contract, LeadID: lead}, 0); err != nil {
		t.Fatal(err)
	}
	rows, err := f.s.Handovers(context.Background(), store.HandoverFilter{AccountID: acc.ID, Status: crm.HandoverOpen})
	if err != nil || len(rows) != 1 {
		t.Fatalf("handover of %s: %+v, %v", code, rows, err)
	}
	h, err := f.a.Handover(context.Background(), rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHandoverAcceptance: only the named lead (or an administrator) accepts,
// only a complete handover after its kickoff, only once; edits are locked
// by version.
func TestHandoverAcceptance(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	h := f.onboarding(t, "K3", crm.MakeDate(2026, 11, 20), f.lead.ID)
	leadCtx := apptest.Context(f.lead)

	_, err := f.a.AcceptHandover(leadCtx, h.ID, h.Version)
	var v *crm.ValidationError
	if !errors.As(err, &v) || v.Fields["checklist"] != "error.handover.incomplete" || v.Fields["kickoff_date"] != "error.handover.no_kickoff" {
		t.Errorf("accepting an empty handover = %v", err)
	}
	// Half done, kickoff tomorrow.
	tomorrow := crm.MakeDate(2026, 11, 28)
	h, err = f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{KickoffDate: &tomorrow, Version: h.Version,
		Checklist: map[string]crm.ChecklistItem{crm.ItemAccountPlan: {Done: true}, crm.ItemContactMap: {Done: true, Note: "决策链：CIO"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Missing) != 4 || h.Missing[0] != crm.ItemCommitments {
		t.Errorf("missing = %v", h.Missing)
	}
	_, err = f.a.AcceptHandover(leadCtx, h.ID, h.Version)
	if !errors.As(err, &v) || v.Fields["checklist"] != "error.handover.incomplete" || v.Fields["kickoff_date"] != "error.handover.kickoff_future" {
		t.Errorf("accepting a half-done handover = %v", err)
	}
	h = completeHandover(t, f, h, crm.MakeDate(2026, 11, 27))

	// Edits from a stale read conflict; bad edits are refused.
	if _, err := f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{Version: h.Version - 1}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale edit = %v, want ErrConflict", err)
	}
	early, sales := crm.MakeDate(2026, 11, 1), f.rep2.ID
	_, err = f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{KickoffDate: &early, Version: h.Version})
	invalid(t, "kickoff before the contract", err, "kickoff_date", "error.handover.kickoff_before_contract")
	_, err = f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{LeadID: &sales, Version: h.Version})
	invalid(t, "a lead from sales", err, "to_person", "error.handover.lead")
	_, err = f.a.UpdateHandover(apptest.Context(f.rep), h.ID, app.HandoverEdit{Checklist: map[string]crm.ChecklistItem{"gifts": {Done: true}}, Version: h.Version})
	invalid(t, "an unknown item", err, "checklist", "error.handover.item")

	// Neither the rep, nor another lead, nor a manager may accept; they
	// see the handover (scope or part in it), so the answer is 403.
	for _, who := range []crm.Person{f.rep, f.lead2, f.manager} {
		if _, err := f.a.AcceptHandover(apptest.Context(who), h.ID, h.Version); !errors.Is(err, crm.ErrForbidden) && !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s accepts: %v, want ErrForbidden", who.Name, err)
		}
	}
	if _, err := f.a.AcceptHandover(apptest.Context(f.rep), h.ID, h.Version); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("the rep accepts: %v, want ErrForbidden", err)
	}
	// Someone outside the account's scope and the handover does not see it.
	if _, err := f.a.AcceptHandover(apptest.Context(f.lead2), h.ID, h.Version); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("another lead accepts: %v, want ErrNotFound", err)
	}
	if _, err := f.a.AcceptHandover(leadCtx, h.ID, h.Version-1); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("accepting a stale read = %v, want ErrConflict", err)
	}
	got, err := f.a.AcceptHandover(leadCtx, h.ID, h.Version)
	if err != nil || got.Status != crm.HandoverAccepted {
		t.Fatalf("the lead accepts: %+v, %v", got, err)
	}
	if _, err := f.a.AcceptHandover(leadCtx, got.ID, got.Version); err == nil {
		t.Error("accepted twice")
	} else {
		invalid(t, "accepting twice", err, "status", "error.handover.not_open")
	}
	_, err = f.a.UpdateHandover(leadCtx, got.ID, app.HandoverEdit{Version: got.Version})
	invalid(t, "editing an accepted handover", err, "status", "error.handover.not_open")

	// An administrator may accept for the lead.
	h2 := f.onboarding(t, "K4", crm.MakeDate(2026, 11, 20), f.lead2.ID)
	h2 = completeHandover(t, f, h2, crm.MakeDate(2026, 11, 27)) // names f.lead
	if _, err := f.a.AcceptHandover(apptest.Context(f.admin), h2.ID, h2.Version); err != nil {
		t.Fatalf("the administrator accepts: %v", err)
	}
	if acc := f.get(t, h2.AccountID); acc.OwnerID != f.lead.ID || acc.Stage != crm.StageGrowing {
		t.Errorf("account after the administrator's acceptance: %+v", acc)
	}
	// A handover without a lead cannot be accepted, even by an administrator.
	h3 := f.onboarding(t, "K5", crm.MakeDate(2026, 11, 20), 0)
	_, err = f.a.AcceptHandover(apptest.Context(f.admin), h3.ID, h3.Version)
	invalid(t, "no lead", err, "to_person", "error.handover.no_lead")
}

// TestHandoverOverdue: an open handover past its due date is overdue and in
// the overdue list; accepted ones never are.
func TestHandoverOverdue(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	late := f.onboarding(t, "K6", crm.MakeDate(2026, 10, 20), f.lead.ID)   // due 2026-11-19
	onTime := f.onboarding(t, "K7", crm.MakeDate(2026, 10, 28), f.lead.ID) // due 2026-11-27, today
	if !late.Overdue || onTime.Overdue {
		t.Errorf("overdue: %v and %v, want true and false", late.Overdue, onTime.Overdue)
	}
	ids := func(view string, who crm.Person) []int64 {
		rows, err := f.a.Handovers(apptest.Context(who), view)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(app.HandoversOverdue, f.admin); fmt.Sprint(got) != fmt.Sprint([]int64{late.ID}) {
		t.Errorf("overdue = %v, want %v", got, []int64{late.ID})
	}
	f.clock.Add(int64(24 * time.Hour))
	if got := ids(app.HandoversOverdue, f.admin); fmt.Sprint(got) != fmt.Sprint([]int64{late.ID, onTime.ID}) {
		t.Errorf("overdue a day later = %v", got)
	}
	if got := ids(app.HandoversMine, f.lead); len(got) != 2 {
		t.Errorf("the lead's = %v", got)
	}
	if got := ids(app.HandoversMine, f.lead2); len(got) != 0 {
		t.Errorf("the other lead's = %v", got)
	}
	if got := ids(app.HandoversOpen, f.rep2); len(got) != 0 {
		t.Errorf("a rep outside the accounts sees %v", got)
	}
	if got := ids(app.HandoversOpen, f.manager); len(got) != 2 {
		t.Errorf("the rep's manager sees %v", got)
	}
	h := completeHandover(t, f, late, crm.MakeDate(2026, 11, 27))
	if _, err := f.a.AcceptHandover(apptest.Context(f.lead), h.ID, h.Version); err != nil {
		t.Fatal(err)
	}
	if got := ids(app.HandoversOverdue, f.admin); fmt.Sprint(got) != fmt.Sprint([]int64{onTime.ID}) {
		t.Errorf("overdue after accepting the late one = %v", got)
	}
	if _, err := f.a.Handovers(context.Background(), "late"); err == nil {
		t.Error("an unknown view was accepted")
	}
}
