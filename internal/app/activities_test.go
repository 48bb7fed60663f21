package app_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
)

// TestActivityRules logs and edits activities: the owner is who logs it, no
// date in the future, references that exist and are in scope (a clear
// problem naming the field otherwise), optimistic locking, scopes.
func TestActivityRules(t *testing.T) {
	t.Parallel()
	f := newLC(t)
	rep, rep2 := apptest.Context(f.rep), apptest.Context(f.rep2)
	mine := f.account(t, "A1", f.rep.ID, f.rep.ID, crm.StagePursuit)
	theirs := f.account(t, "A2", f.rep2.ID, 0, crm.StagePursuit)
	o := f.opp(t, f.rep, mine.ID, "框架")
	o2 := f.opp(t, f.rep2, theirs.ID, "别人的")
	today := f.a.Today()

	for _, tc := range []struct {
		name, field, key string
		in               crm.Activity
	}{
		{"tomorrow", "date", "error.activity.future", crm.Activity{Kind: crm.ActVisit, AccountID: mine.ID, Date: today.AddDays(1)}},
		{"no date", "date", "error.required", crm.Activity{Kind: crm.ActVisit, AccountID: mine.ID}},
		{"a bad kind", "kind", "error.activity.kind", crm.Activity{Kind: "LUNCH", AccountID: mine.ID, Date: today}},
		{"a missing account", "account", "error.activity.account", crm.Activity{Kind: crm.ActCall, AccountID: 987654, Date: today}},
		{"an account outside the scope", "account", "error.activity.account", crm.Activity{Kind: crm.ActCall, AccountID: theirs.ID, Date: today}},
		{"a missing opportunity", "opportunity", "error.activity.opportunity", crm.Activity{Kind: crm.ActCall, AccountID: mine.ID, OpportunityID: 987654, Date: today}},
		{"an opportunity outside the scope", "opportunity", "error.activity.opportunity", crm.Activity{Kind: crm.ActCall, AccountID: mine.ID, OpportunityID: o2.ID, Date: today}},
		{"for someone outside the scope", "owner", "error.activity.owner", crm.Activity{Kind: crm.ActCall, AccountID: mine.ID, Date: today, OwnerID: f.rep2.ID}},
	} {
		_, err := f.a.CreateActivity(rep, tc.in)
		invalid(t, tc.name, err, tc.field, tc.key)
	}
	other := f.account(t, "A3", f.rep.ID, 0, crm.StagePursuit)
	_, err := f.a.CreateActivity(rep, crm.Activity{Kind: crm.ActCall, AccountID: other.ID, OpportunityID: o.ID, Date: today})
	invalid(t, "an opportunity of another account", err, "opportunity", "error.activity.opportunity_account")

	x, err := f.a.CreateActivity(rep, crm.Activity{Kind: crm.ActVisit, AccountID: mine.ID, OpportunityID: o.ID, Date: today.AddDays(-3),
		Contacts: []string{"张总", "李工"}, Objective: "了解需求", Outcome: "预算确认", NextStep: "提交方案", NextStepDue: today.AddDays(-1)})
	if err != nil {
		t.Fatal(err)
	}
	if x.OwnerID != f.rep.ID || x.OpportunityName != "框架" || x.Version != 1 || !x.Overdue(today) {
		t.Fatalf("created %+v", x)
	}
	if _, err := f.a.Activity(rep2, x.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 reads rep's activity: %v", err)
	}
	if _, err := f.a.Activity(apptest.Context(f.manager), x.ID); err != nil {
		t.Errorf("the manager reads the rep's activity: %v", err)
	}
	if err := f.a.DeleteActivity(rep2, x.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 deletes rep's activity: %v", err)
	}
	done, err := f.a.SetNextStepDone(rep, x.ID, x.Version, true)
	if err != nil || !done.NextStepDone || done.Overdue(today) {
		t.Fatalf("next step done: %+v, %v", done, err)
	}
	// The same version again: someone else saved first.
	if _, err := f.a.SetNextStepDone(rep, x.ID, x.Version, false); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a stale save = %v, want ErrConflict", err)
	}
	edit := done.Activity
	edit.Date = today.AddDays(2)
	_, err = f.a.UpdateActivity(rep, edit)
	invalid(t, "moved to the future", err, "date", "error.activity.future")
	edit.Date, edit.Outcome = done.Date, "方案已讲解"
	if upd, err := f.a.UpdateActivity(rep, edit); err != nil || upd.Outcome != "方案已讲解" || upd.Version != done.Version+1 {
		t.Errorf("update: %+v, %v", upd, err)
	}
	// The manager logs a visit for the rep of their team.
	mgr, err := f.a.CreateActivity(apptest.Context(f.manager), crm.Activity{Kind: crm.ActExecMeeting, AccountID: mine.ID, Date: today,
		OwnerID: f.rep.ID, NextStep: "高层回访", NextStepDue: today.AddDays(2)})
	if err != nil || mgr.OwnerID != f.rep.ID {
		t.Fatalf("the manager logs for the rep: %+v, %v", mgr, err)
	}
	if _, err := f.a.CreateActivity(apptest.Context(f.analyst), crm.Activity{Kind: crm.ActCall, AccountID: mine.ID, Date: today}); err == nil {
		t.Error("the analyst logged an activity on an account outside their scope")
	}
	list, total, err := f.a.Activities(rep2, store.ActFilter{})
	if err != nil || total != 0 || len(list) != 0 {
		t.Errorf("rep2's activities: %d, %v", total, err)
	}
	if list, total, err = f.a.Activities(rep, store.ActFilter{AccountID: mine.ID}); err != nil || total != 2 {
		t.Errorf("rep's activities on the account: %d %v", total, err)
	}
	if got := auditActions(t, f.s, "activity", x.ID); !reflect.DeepEqual(got, []string{"create", "update", "update"}) {
		t.Errorf("audit = %v", got)
	}
	if err := f.a.DeleteActivity(rep, x.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Activity(rep, x.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

// TestWeeks: a person's week by day with the next steps due and overdue,
// and a team's calendar for its manager.
func TestWeeks(t *testing.T) {
	t.Parallel()
	f := newLC(t) // today is Friday 2026-11-27, in 2026-W48
	rep := apptest.Context(f.rep)
	acc := f.account(t, "WK", f.rep.ID, f.rep.ID, crm.StagePursuit)
	log := func(ctx context.Context, kind string, date, due crm.Date) {
		t.Helper()
		x := crm.Activity{Kind: kind, AccountID: acc.ID, Date: date}
		if due != 0 {
			x.NextStep, x.NextStepDue = "跟进", due
		}
		if _, err := f.a.CreateActivity(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	log(rep, crm.ActVisit, 20261123, 20261125)    // Monday; its next step is overdue
	log(rep, crm.ActCall, 20261127, 20261129)     // today; due Sunday
	log(rep, crm.ActDemo, 20261127, 0)            // today
	log(rep, crm.ActProposal, 20261116, 20261120) // last week; overdue
	log(apptest.Context(f.manager), crm.ActExecMeeting, 20261124, 0)

	w, _ := crm.ParseWeek("2026-W48")
	v, err := f.a.Week(rep, 0, w)
	if err != nil {
		t.Fatal(err)
	}
	var byDay []int
	for _, d := range v.Days {
		byDay = append(byDay, len(d.Activities))
	}
	if !v.Mine || v.Count != 3 || !reflect.DeepEqual(byDay, []int{1, 0, 0, 0, 2, 0, 0}) || v.Days[0].Date != 20261123 {
		t.Errorf("week: mine %v, count %d, by day %v", v.Mine, v.Count, byDay)
	}
	if len(v.Overdue) != 2 || v.Overdue[0].NextStepDue != 20261120 || len(v.Due) != 1 || v.Due[0].NextStepDue != 20261129 {
		t.Errorf("overdue %+v, due %+v", v.Overdue, v.Due)
	}
	// The manager looks at the rep's week; rep2 may not.
	if mv, err := f.a.Week(apptest.Context(f.manager), f.rep.ID, w); err != nil || mv.Mine || mv.Count != 3 {
		t.Errorf("the manager's view of the rep's week: %+v, %v", mv.Count, err)
	}
	if _, err := f.a.Week(apptest.Context(f.rep2), f.rep.ID, w); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 opens the rep's week: %v", err)
	}

	tv, err := f.a.TeamWeek(apptest.Context(f.manager), 0, w)
	if err != nil {
		t.Fatal(err)
	}
	if tv.TeamID != f.manager.TeamID || len(tv.Rows) != 2 || tv.Count != 4 {
		t.Fatalf("team week: team %d, rows %d, count %d", tv.TeamID, len(tv.Rows), tv.Count)
	}
	for _, r := range tv.Rows {
		switch r.Person.ID {
		case f.rep.ID:
			if r.Count != 3 || r.Overdue != 2 || len(r.Days[4]) != 2 {
				t.Errorf("rep's row: %+v", r)
			}
		case f.manager.ID:
			if r.Count != 1 || len(r.Days[1]) != 1 {
				t.Errorf("manager's row: %+v", r)
			}
		default:
			t.Errorf("row of %s", r.Person.Name)
		}
	}
	// A member's calendar holds only themselves; another team is not found.
	if mv, err := f.a.TeamWeek(apptest.Context(f.rep2), 0, w); err != nil || len(mv.Rows) != 1 || mv.Rows[0].Person.ID != f.rep2.ID {
		t.Errorf("rep2's calendar: %+v, %v", mv.Rows, err)
	}
	if _, err := f.a.TeamWeek(apptest.Context(f.rep2), f.manager.TeamID, w); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 opens the manager's team: %v", err)
	}
	if av, err := f.a.TeamWeek(context.Background(), f.manager.TeamID, w); err != nil || len(av.Rows) != 2 {
		t.Errorf("the system's view of the team: %v", err)
	}
	_ = app.TeamWeekView{}
}
