package app_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
)

func intp(n int) *int { return &n }

// opp creates an opportunity as p on account acc.
func (f *lc) opp(t *testing.T, p crm.Person, acc int64, name string) store.OppRow {
	t.Helper()
	o, err := f.a.CreateOpportunity(apptest.Context(p), app.OppInput{AccountID: acc, Name: name, Amount: crm.Yuan(500_000)})
	if err != nil {
		t.Fatalf("CreateOpportunity %s: %v", name, err)
	}
	return o
}

func (f *lc) tick(d time.Duration) { f.clock.Add(int64(d)) }

// TestOpportunityRules creates, edits and moves an opportunity: defaults
// from the configuration, the exit criteria of every stage left, the lost
// reason, optimistic locking, the stays and the time in each stage.
func TestOpportunityRules(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	acc := f.account(t, "O1", f.rep.ID, f.rep.ID, crm.StagePursuit)
	other := f.account(t, "O2", f.rep2.ID, 0, crm.StagePursuit)
	rep := apptest.Context(f.rep)

	for _, tc := range []struct {
		name, field, key string
		in               app.OppInput
	}{
		{"no name", "name", "error.required", app.OppInput{AccountID: acc.ID}},
		{"no account", "account", "error.required", app.OppInput{Name: "x"}},
		{"a missing account", "account", "error.opportunity.account", app.OppInput{AccountID: 987654, Name: "x"}},
		{"an account outside the scope", "account", "error.opportunity.account", app.OppInput{AccountID: other.ID, Name: "x"}},
		{"a missing owner", "owner", "error.lifecycle.person", app.OppInput{AccountID: acc.ID, Name: "x", OwnerID: 987654}},
		{"a missing team", "team", "error.opportunity.team", app.OppInput{AccountID: acc.ID, Name: "x", TeamID: 987654}},
		{"an unknown criterion", "checks", "error.opportunity.checks", app.OppInput{AccountID: acc.ID, Name: "x", Checks: []string{"lunch"}}},
		{"created won", "stage", "error.opportunity.create_stage", app.OppInput{AccountID: acc.ID, Name: "x", Stage: crm.OppWon}},
		{"a bad probability", "probability", "error.opportunity.probability", app.OppInput{AccountID: acc.ID, Name: "x", Probability: intp(101)}},
	} {
		_, err := f.a.CreateOpportunity(rep, tc.in)
		invalid(t, tc.name, err, tc.field, tc.key)
	}

	o, err := f.a.CreateOpportunity(rep, app.OppInput{AccountID: acc.ID, Name: " 年度框架协议 ", Amount: crm.Yuan(1_200_000),
		CloseDate: 20261231, Needs: []string{"降本", " ", "降本", "交付"}, Products: []string{"ERP"}, Checks: []string{"need_confirmed"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Stage != "QUALIFY" || o.Probability != 10 || o.OwnerID != f.rep.ID || o.TeamID != f.rep.TeamID || o.Name != "年度框架协议" ||
		!reflect.DeepEqual(o.Needs, []string{"降本", "交付"}) || o.Version != 1 {
		t.Fatalf("created %+v", o)
	}

	// Leaving QUALIFY needs its criteria; the refusal names those unmet.
	f.tick(49 * time.Hour)
	_, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "DISCOVER", Version: o.Version})
	var ce *crm.CriteriaError
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Unmet, []string{"budget_known", "decision_maker_known"}) {
		t.Fatalf("move with unmet criteria = %v, want them named", err)
	}
	invalid(t, "move with unmet criteria", err, "criteria", "error.opportunity.criteria")
	// Skipping DISCOVER needs its criteria too.
	_, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "PROPOSE", Version: o.Version, Check: []string{"budget_known", "decision_maker_known"}})
	if !errors.As(err, &ce) || len(ce.Unmet) != 3 || ce.Unmet[0] != "requirements_documented" {
		t.Fatalf("skipping a stage = %v", err)
	}
	res, err := f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "DISCOVER", Version: o.Version, Check: []string{"budget_known", "decision_maker_known"}})
	if err != nil {
		t.Fatal(err)
	}
	moved := res.Opportunity
	if moved.Stage != "DISCOVER" || moved.Probability != 25 || len(moved.Checks) != 3 || moved.Version != o.Version+1 || res.FirstWin {
		t.Fatalf("after the move: %+v", res)
	}
	// The edit form read before the move is stale now.
	_, err = f.a.UpdateOpportunity(rep, o.ID, app.OppInput{AccountID: acc.ID, Name: "改名", OwnerID: f.rep.ID, Version: o.Version})
	if !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a stale update = %v, want ErrConflict", err)
	}
	_, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: crm.OppLost, LostReason: "x", Version: o.Version})
	if !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a stale move = %v, want ErrConflict", err)
	}
	upd, err := f.a.UpdateOpportunity(rep, o.ID, app.OppInput{AccountID: acc.ID, Name: "年度框架协议（二期）", Amount: crm.Yuan(900_000),
		OwnerID: f.rep.ID, Probability: intp(30), Checks: moved.Checks, Version: moved.Version})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Stage != "DISCOVER" || upd.Probability != 30 || upd.Amount != crm.Yuan(900_000) || upd.Version != moved.Version+1 {
		t.Errorf("after the update: %+v", upd)
	}

	// Lost needs a reason; a lost opportunity may be reopened.
	f.tick(24 * time.Hour)
	_, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: crm.OppLost, Version: upd.Version})
	invalid(t, "lost without a reason", err, "lost_reason", "error.opportunity.lost_reason")
	res, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: crm.OppLost, LostReason: "预算取消", Version: upd.Version})
	if err != nil || res.Opportunity.LostReason != "预算取消" || res.Opportunity.Probability != 0 || res.Opportunity.ClosedOn != 20261130 {
		t.Fatalf("lost: %+v, %v", res.Opportunity, err)
	}
	f.tick(time.Hour)
	res, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "DISCOVER", Version: res.Opportunity.Version})
	if err != nil || res.Opportunity.LostReason != "" || res.Opportunity.ClosedOn != 0 {
		t.Fatalf("reopened: %+v, %v", res.Opportunity, err)
	}

	// The page: stays and the time in each stage.
	f.tick(2 * time.Hour)
	v, err := f.a.Opportunity(rep, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stays []string
	for _, s := range v.Stays {
		stays = append(stays, s.Stage)
	}
	if !reflect.DeepEqual(stays, []string{"QUALIFY", "DISCOVER", "LOST", "DISCOVER"}) {
		t.Errorf("stays = %v", stays)
	}
	want := []app.OppStageTime{{Stage: "QUALIFY", Duration: 49 * time.Hour}, {Stage: "DISCOVER", Duration: 26 * time.Hour, Current: true},
		{Stage: crm.OppLost, Duration: time.Hour}}
	if !reflect.DeepEqual(v.StageTimes, want) {
		t.Errorf("time in stages = %+v, want %+v", v.StageTimes, want)
	}
	if !reflect.DeepEqual(v.Unmet, []string{"requirements_documented", "decision_process_known", "solution_fit"}) || !v.CanEdit ||
		slices.Contains(v.Stages, "DISCOVER") || !slices.Contains(v.Stages, crm.OppWon) {
		t.Errorf("page: unmet %v, stages %v", v.Unmet, v.Stages)
	}
	if got := auditActions(t, f.s, "opportunity", o.ID); !reflect.DeepEqual(got, []string{"create", "stage_change", "update", "stage_change", "stage_change"}) {
		t.Errorf("audit = %v", got)
	}

	// The stages, probabilities and criteria are the configuration's.
	m := crm.DefaultMethod()
	m.OppStages = []crm.OppStageDef{{Name: "线索", Probability: 5, Criteria: []string{"客户有预算"}}, {Name: "DISCOVER", Probability: 40}}
	if _, err := f.a.SaveMethod(context.Background(), "test", m, "two stages"); err != nil {
		t.Fatal(err)
	}
	lead, err := f.a.CreateOpportunity(rep, app.OppInput{AccountID: acc.ID, Name: "新线索"})
	if err != nil || lead.Stage != "线索" || lead.Probability != 5 {
		t.Fatalf("under the new stages: %+v, %v", lead, err)
	}
	_, err = f.a.MoveOpportunity(rep, lead.ID, crm.OppMove{To: "DISCOVER", Version: lead.Version})
	if !errors.As(err, &ce) || !reflect.DeepEqual(ce.Unmet, []string{"客户有预算"}) {
		t.Errorf("under the new stages: %v", err)
	}
}

// TestOpportunityScopes: a member sees the opportunities on the accounts of
// their scope and their own, a manager their team's; anything else is not
// found, and lists and the funnel count only what is in scope.
func TestOpportunityScopes(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	mine := f.account(t, "S1", f.rep.ID, f.rep.ID, crm.StagePursuit)
	theirs := f.account(t, "S2", f.rep2.ID, f.rep2.ID, crm.StagePursuit)
	o1 := f.opp(t, f.rep, mine.ID, "rep 的商机")
	o2 := f.opp(t, f.rep2, theirs.ID, "rep2 的商机")
	// The admin gives rep2 an opportunity on rep's account: rep sees it
	// (their account), rep2 too (their own).
	o3, err := f.a.CreateOpportunity(context.Background(), app.OppInput{AccountID: mine.ID, Name: "合作商机", OwnerID: f.rep2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if o3.TeamID != 0 {
		t.Errorf("rep2 has no team, the opportunity has %d", o3.TeamID)
	}
	names := func(p crm.Person) []string {
		t.Helper()
		page, err := f.a.Opportunities(apptest.Context(p), store.OppFilter{Sort: "name"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range page.Rows {
			out = append(out, r.Name)
		}
		return out
	}
	for _, tc := range []struct {
		who  crm.Person
		want []string
	}{
		{f.rep, []string{"rep 的商机", "合作商机"}},
		{f.rep2, []string{"rep2 的商机", "合作商机"}},
		{f.manager, []string{"rep 的商机", "合作商机"}},
		{f.analyst, nil},
		{f.admin, []string{"rep 的商机", "rep2 的商机", "合作商机"}},
	} {
		if got := names(tc.who); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s sees %q, want %q", tc.who.Name, got, tc.want)
		}
	}
	rep2 := apptest.Context(f.rep2)
	if _, err := f.a.Opportunity(rep2, o1.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 reads rep's opportunity: %v", err)
	}
	if _, err := f.a.MoveOpportunity(rep2, o1.ID, crm.OppMove{To: crm.OppLost, LostReason: "x", Version: o1.Version}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 moves rep's opportunity: %v", err)
	}
	if _, err := f.a.UpdateOpportunity(rep2, o1.ID, app.OppInput{AccountID: mine.ID, Name: "x", OwnerID: f.rep2.ID, Version: o1.Version}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 updates rep's opportunity: %v", err)
	}
	if err := f.a.DeleteOpportunity(rep2, o1.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 deletes rep's opportunity: %v", err)
	}
	if _, err := f.a.Opportunity(apptest.Context(f.manager), o1.ID); err != nil {
		t.Errorf("the manager reads the rep's opportunity: %v", err)
	}
	funnel, err := f.a.Funnel(apptest.Context(f.rep), store.OppFilter{})
	if err != nil || funnel.Open.Count != 2 || funnel.Stages[0].Stage != "QUALIFY" || funnel.Stages[0].Count != 2 ||
		funnel.Stages[0].Amount != crm.Yuan(500_000) || funnel.Stages[0].Weighted != crm.Yuan(50_000) {
		t.Errorf("rep's funnel = %+v, %v", funnel, err)
	}
	board, err := f.a.Board(apptest.Context(f.admin), store.OppFilter{}, 2)
	if err != nil || len(board.Columns) != 4 || board.Columns[0].Count != 3 || len(board.Columns[0].Cards) != 2 || !board.Columns[0].More {
		t.Errorf("board = %+v, %v", board, err)
	}
	if err := f.a.DeleteOpportunity(rep2, o2.ID); err != nil {
		t.Errorf("rep2 deletes their own: %v", err)
	}
	auditor := apptest.Person(t, f.a, crm.RoleAuditor, crm.Person{})
	if _, err := f.a.CreateOpportunity(apptest.Context(auditor), app.OppInput{AccountID: mine.ID, Name: "x"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("the auditor creates: %v", err)
	}
}

// TestFirstWinStartsHandover: winning the first contract of an account in
// PURSUIT moves it to ONBOARDING with the contract date, which opens the
// handover; a second win does not; an account whose stage does not allow
// it keeps its stage, the win stands and says why.
func TestFirstWinStartsHandover(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	rep := apptest.Context(f.rep)
	all := []string{"need_confirmed", "budget_known", "decision_maker_known", "requirements_documented", "decision_process_known",
		"solution_fit", "proposal_delivered", "executive_met", "terms_agreed", "contract_approved"}
	acc := f.account(t, "W1", f.rep.ID, f.rep.ID, crm.StagePursuit)
	o := f.opp(t, f.rep, acc.ID, "首单")
	_, err := f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: crm.OppWon, Version: o.Version, ClosedOn: 20261128, Check: all})
	invalid(t, "a contract tomorrow", err, "closed_on", "error.opportunity.closed_future")
	res, err := f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: crm.OppWon, Version: o.Version, ClosedOn: 20261120, Check: all})
	if err != nil {
		t.Fatal(err)
	}
	if !res.FirstWin || !res.Handover.Started || res.Handover.HandoverID == 0 || res.Opportunity.ClosedOn != 20261120 ||
		res.Opportunity.Probability != 100 {
		t.Fatalf("first win: %+v", res)
	}
	after := f.get(t, acc.ID)
	if after.Stage != crm.StageOnboarding {
		t.Errorf("account after the first win: %s", after.Stage)
	}
	hs, err := f.a.Handovers(context.Background(), app.HandoversAll)
	if err != nil || len(hs) != 1 || hs[0].AccountID != acc.ID || hs[0].ContractDate != 20261120 || hs[0].FromPersonID != f.rep.ID {
		t.Fatalf("handovers = %+v, %v", hs, err)
	}
	hist, err := f.a.AccountHistory(context.Background(), acc.ID)
	if err != nil || hist[0].ToStage != crm.StageOnboarding || hist[0].Reason != app.HandoverOnWin+"首单 (#"+strconv.FormatInt(o.ID, 10)+")" {
		t.Errorf("history = %+v, %v", hist, err)
	}
	// Won is final.
	_, err = f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "NEGOTIATE", Version: res.Opportunity.Version})
	invalid(t, "moving a won opportunity", err, "stage", "error.opportunity.won_final")

	// A second contract on the same account: no new handover.
	o2 := f.opp(t, f.rep, acc.ID, "二单")
	res, err = f.a.MoveOpportunity(rep, o2.ID, crm.OppMove{To: crm.OppWon, Version: o2.Version, Check: all})
	if err != nil || res.FirstWin || res.Handover.Started || res.Opportunity.ClosedOn != 20261127 {
		t.Errorf("second win: %+v, %v", res, err)
	}
	if hs, _ := f.a.Handovers(context.Background(), app.HandoversAll); len(hs) != 1 {
		t.Errorf("handovers after the second win: %d", len(hs))
	}

	// An account still in TARGET cannot go to ONBOARDING: the win stands.
	target := f.account(t, "W2", f.rep.ID, 0, crm.StageTarget)
	o3 := f.opp(t, f.rep, target.ID, "早到的合同")
	res, err = f.a.MoveOpportunity(rep, o3.ID, crm.OppMove{To: crm.OppWon, Version: o3.Version, Check: all})
	if err != nil {
		t.Fatalf("win on a TARGET account: %v", err)
	}
	if !res.FirstWin || res.Handover.Started || res.Handover.Problem != "error.opportunity.handover_stage" ||
		res.Handover.AccountStage != crm.StageTarget || res.Opportunity.Stage != crm.OppWon {
		t.Errorf("win on a TARGET account: %+v", res)
	}
	if f.get(t, target.ID).Stage != crm.StageTarget {
		t.Error("the TARGET account moved")
	}
	if got := auditActions(t, f.s, "account", target.ID); !slices.Contains(got, "handover_not_started") {
		t.Errorf("audit of the account = %v", got)
	}
}
