package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
)

// meetFix is the data of the meeting tests: team 华东 with a strategic rep
// (star), the fixture's rep and manager; two key accounts of the team (K2
// growing, K3 at risk) and one of another rep (K9); revenue, activities
// and opportunities around week 2026-W47 (16–22 November).
type meetFix struct {
	*lc
	star       crm.Person
	k2, k3, k9 crm.Account
	o1, o5     store.OppRow
}

func (f *lc) at(t time.Time) { f.clock.Store(t.UnixNano()) }

func day(m time.Month, d int) crm.Date { return crm.MakeDate(2026, m, d) }

func newMeetFix(t *testing.T) *meetFix {
	t.Helper()
	ctx := context.Background()
	f := &meetFix{lc: newLC(t)}
	f.star = apptest.Person(t, f.a, crm.RoleMember, crm.Person{Name: "陈战略", DepartmentID: f.rep.DepartmentID,
		TeamID: f.rep.TeamID, Track: crm.TrackStrategic})
	f.k2 = f.account(t, "K2", f.star.ID, f.star.ID, crm.StageGrowing)
	f.k3 = f.account(t, "K3", f.rep.ID, f.star.ID, crm.StageAtRisk)
	f.k9 = f.account(t, "K9", f.rep2.ID, f.rep2.ID, crm.StageGrowing)
	body := "客户编号,客户名称,日期,金额,类别\n" +
		"K2,客户 K2,2025-11-05,6000000,产品\n" +
		"K2,客户 K2,2026-01-10,900000,产品\n" +
		"K2,客户 K2,2026-11-18,70000,产品\n" +
		"K2,客户 K2,2026-11-18,30000,服务\n" +
		"K3,客户 K3,2025-06-01,5000000,产品\n" +
		"K3,客户 K3,2026-11-20,20000,产品\n" +
		"K9,客户 K9,2026-11-19,7000,产品\n"
	if _, err := f.a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: writeFile(t, "rev.csv", []byte(body))}); err != nil {
		t.Fatal(err)
	}
	if err := f.a.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.a.SetTargets(ctx, "test", crm.Targets{PeriodKey: "2026", Layers: []crm.LayerTarget{
		{Layer: "A", Accounts: 2, Revenue: crm.Yuan(24_000_000)}, {Layer: "C", Accounts: 1, Revenue: crm.Yuan(1_200_000)}}}); err != nil {
		t.Fatal(err)
	}
	star := apptest.Context(f.star)
	opp := func(name string, amount int64) store.OppRow {
		o, err := f.a.CreateOpportunity(star, app.OppInput{AccountID: f.k2.ID, Name: name, Amount: crm.Yuan(amount)})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	move := func(o store.OppRow, mv crm.OppMove) {
		cur, err := f.a.Opportunity(star, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		mv.Version = cur.Opportunity.Version
		if _, err := f.a.MoveOpportunity(star, o.ID, mv); err != nil {
			t.Fatalf("move %s: %v", o.Name, err)
		}
	}
	f.at(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC))
	f.o5 = opp("O5 停滞", 300_000)
	f.at(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	o3, o4 := opp("O3 赢单", 200_000), opp("O4 丢单", 150_000)
	f.at(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	f.o1 = opp("O1 新商机", 500_000)
	f.at(time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC))
	move(f.o1, crm.OppMove{To: "DISCOVER", Check: []string{"need_confirmed", "budget_known", "decision_maker_known"}})
	f.at(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	move(o3, crm.OppMove{To: crm.OppWon, ClosedOn: day(11, 20), Check: crm.DefaultOppCriteria()})
	f.at(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	move(o4, crm.OppMove{To: crm.OppLost, LostReason: "价格"})
	f.at(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	act := func(kind string, acc int64, d crm.Date, opp int64, outcome, step string, due crm.Date, done bool) {
		x, err := f.a.CreateActivity(star, crm.Activity{Kind: kind, AccountID: acc, Date: d, OpportunityID: opp,
			Outcome: outcome, NextStep: step, NextStepDue: due})
		if err != nil {
			t.Fatal(err)
		}
		if done {
			if _, err := f.a.SetNextStepDone(star, x.ID, x.Version, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Week 47 (11-16..11-22): four activities, three of effective kinds,
	// two of those with an outcome, so two effective meetings.
	act(crm.ActVisit, f.k2.ID, day(11, 10), 0, "确认需求", "演示", day(11, 19), true)
	act(crm.ActCall, f.k2.ID, day(11, 11), 0, "", "回访", day(11, 21), false)
	act(crm.ActVisit, f.k2.ID, day(11, 16), 0, "见到采购总监", "", 0, false)
	act(crm.ActCall, f.k2.ID, day(11, 17), 0, "约好演示", "", 0, false)
	act(crm.ActDemo, f.k2.ID, day(11, 18), f.o1.ID, "演示通过", "报价", day(11, 25), false)
	act(crm.ActExecMeeting, f.k3.ID, day(11, 20), 0, "", "", 0, false)
	return f
}

func oppNames(l []store.OppRow) []string {
	var out []string
	for _, o := range l {
		out = append(out, o.Name)
	}
	return out
}

// TestWeeklyPack checks every section of a team's weekly pack against the
// fixture's known data, on either engine.
func TestWeeklyPack(t *testing.T) {
	t.Parallel()
	f := newMeetFix(t)
	w, _ := crm.ParseWeek("2026-W47")
	p, err := f.a.WeeklyPack(apptest.Context(f.manager), f.star.TeamID, w)
	if err != nil {
		t.Fatal(err)
	}
	if p.From != day(11, 16) || p.To != day(11, 22) || p.Next.String() != "2026-W48" {
		t.Errorf("week %s..%s next %s", p.From, p.To, p.Next)
	}
	var star app.PersonResult
	for _, r := range p.Results {
		if r.Person.ID == f.star.ID {
			star = r
		}
	}
	if star.Activities != 4 || star.Meetings != 2 || star.Standard != 6 || star.MeetsStandard() ||
		star.StepsDue != 2 || star.StepsDone != 1 || star.OppsOpen != 2 || star.OppsCovered != 1 {
		t.Errorf("star's results = %+v", star)
	}
	if p.Total.Activities != 4 || p.Total.Standard != 6 || len(p.Results) != 3 {
		t.Errorf("total = %+v over %d people", p.Total, len(p.Results))
	}
	if len(p.Compliance) != 3 || !slices.ContainsFunc(p.Compliance, func(c app.PersonCompliance) bool {
		// The pack's meetings and the compliance's are one count.
		return c.PersonID == f.star.ID && c.Meetings == star.Meetings && c.MeetingTarget == 6 && c.OpenOpps == 2
	}) {
		t.Errorf("compliance = %+v", p.Compliance)
	}
	if p.Revenue != crm.Yuan(120_000) {
		t.Errorf("revenue of the week = %v, want 120,000", p.Revenue)
	}
	// Two A accounts at 12,000,000 each: 2,000,000 a month, 7/30 of it.
	if !p.HasTarget || p.Target != crm.Money(46_666_666) || p.TargetPeriod != "2026" {
		t.Errorf("target = %v %v %s", p.HasTarget, p.Target, p.TargetPeriod)
	}
	if p.KeyTotal != 2 || len(p.KeyAccounts) != 2 {
		t.Fatalf("key accounts = %d %+v", p.KeyTotal, p.KeyAccounts)
	}
	k2, k3 := p.KeyAccounts[0], p.KeyAccounts[1]
	if k2.Account.Code != "K2" || k2.YTD != crm.Yuan(1_000_000) || k2.Pulse.LastDate != day(11, 18) ||
		k2.Pulse.LastKind != crm.ActDemo || k2.Pulse.NextStep != "回访" || k2.Pulse.NextDue != day(11, 21) {
		t.Errorf("K2 = %+v", k2)
	}
	if k3.Account.Code != "K3" || k3.YTD != crm.Yuan(20_000) || k3.Account.Stage != crm.StageAtRisk ||
		k3.Pulse.LastKind != crm.ActExecMeeting || k3.Pulse.NextStep != "" {
		t.Errorf("K3 = %+v", k3)
	}
	for _, c := range []struct {
		name  string
		got   []string
		total int
		want  []string
	}{
		{"new", oppNames(p.New), p.NewTotal, []string{"O1 新商机"}},
		{"won", oppNames(p.Won), p.WonTotal, []string{"O3 赢单"}},
		{"lost", oppNames(p.Lost), p.LostTotal, []string{"O4 丢单"}},
		{"stalled", oppNames(p.Stalled), p.StalledTotal, []string{"O5 停滞"}},
	} {
		if !slices.Equal(c.got, c.want) || c.total != len(c.want) {
			t.Errorf("%s = %v (%d), want %v", c.name, c.got, c.total, c.want)
		}
	}
	if len(p.Advanced) != 1 || p.Advanced[0].Name != "O1 新商机" || p.Advanced[0].From != "QUALIFY" || p.Advanced[0].To != "DISCOVER" {
		t.Errorf("advanced = %+v", p.Advanced)
	}
	if p.WonAmount != crm.Yuan(200_000) || p.LostAmount != crm.Yuan(150_000) {
		t.Errorf("won %v lost %v", p.WonAmount, p.LostAmount)
	}
	if p.PlanTotal != 1 || len(p.Plan) != 1 || p.Plan[0].NextStep != "报价" {
		t.Errorf("plan = %d %+v", p.PlanTotal, p.Plan)
	}
	if p.Meeting != nil || len(p.Carried) != 0 {
		t.Errorf("record of a meeting not held: %+v %+v", p.Meeting, p.Carried)
	}
}

// TestMonthlyPack checks the company's monthly pack for November 2026.
func TestMonthlyPack(t *testing.T) {
	t.Parallel()
	f := newMeetFix(t)
	mo, _ := crm.ParseMonth("2026-11")
	p, err := f.a.MonthlyPack(context.Background(), 0, mo)
	if err != nil {
		t.Fatal(err)
	}
	if p.Period.Key != "TTM-2026-11-30" || p.PrevPeriod.Key != "TTM-2026-10-31" || p.Year.Key != "2026" {
		t.Errorf("periods %s %s %s", p.Period.Key, p.PrevPeriod.Key, p.Year.Key)
	}
	if !p.HasTargets || len(p.Tiers) != 4 {
		t.Fatalf("tiers = %+v", p.Tiers)
	}
	a, c, d := p.Tiers[0], p.Tiers[2], p.Tiers[3]
	if a.TargetAccounts != 2 || a.ActualAccounts != 0 || c.ActualAccounts != 1 || c.ActualRevenue != crm.Yuan(1_000_000) ||
		c.TargetRevenue != crm.Yuan(1_200_000) || d.ActualAccounts != 2 || d.ActualRevenue != crm.Yuan(27_000) {
		t.Errorf("tiers = %+v", p.Tiers)
	}
	if p.Up != 0 || p.Down != 1 || p.MovesTotal != 1 || p.Moves[0].Account.Code != "K2" || p.Moves[0].From != "A" ||
		p.Moves[0].To != "C" || p.Moves[0].Up {
		t.Errorf("moves %d up %d down: %+v", p.Up, p.Down, p.Moves)
	}
	if p.AccountsTotal != 1 || len(p.Accounts) != 1 {
		t.Fatalf("accounts = %+v", p.Accounts)
	}
	r := p.Accounts[0]
	if r.Account.Code != "K2" || r.Band != crm.BandOxNose || r.Tier != "C" || r.PrevTier != "A" || r.Movement(&p.Method) != 1 ||
		r.Month != crm.Yuan(100_000) || r.PrevMonth != 0 || r.MonthLY != crm.Yuan(6_000_000) ||
		r.YTD != crm.Yuan(1_000_000) || r.YTDLY != crm.Yuan(6_000_000) || r.Service != crm.Yuan(30_000) ||
		r.Product != crm.Yuan(970_000) || r.TargetMonth != crm.Yuan(100_000) || r.TargetYTD != crm.Yuan(1_100_000) ||
		r.Open.Count != 2 || r.Open.Amount != crm.Yuan(800_000) {
		t.Errorf("K2 = %+v", r)
	}
	if _, ok := r.MoM(); ok {
		t.Error("month-on-month against nothing")
	}
	if yoy, ok := r.YTDYoY(); !ok || yoy > -0.83 || yoy < -0.84 {
		t.Errorf("YTD YoY = %v", yoy)
	}
	if !slices.Equal(r.Risks, []string{app.RiskYoY, app.RiskThreeMonth}) {
		t.Errorf("risks = %v", r.Risks)
	}
	var risky []string
	for _, x := range p.AtRisk {
		risky = append(risky, x.Account.Code+":"+x.Reasons[0])
	}
	if !slices.Equal(risky, []string{"K2:yoy", "K3:stage"}) || p.AtRiskTotal != 2 {
		t.Errorf("at risk = %v (%d)", risky, p.AtRiskTotal)
	}
}

// TestMeetingRecord records weekly meetings: open action items carry
// forward until closed, closing in a meeting, concurrent edits, scopes.
func TestMeetingRecord(t *testing.T) {
	t.Parallel()
	f := newMeetFix(t)
	mgr := apptest.Context(f.manager)
	team := f.star.TeamID
	w46, err := f.a.CreateMeeting(mgr, app.MeetingInput{Type: crm.MeetingWeekly, TeamID: team, PeriodKey: "2026-w46",
		HeldAt: day(11, 16), Attendees: []string{"赵经理", " 陈战略 ", ""}, Blockers: []string{"报价审批慢"}})
	if err != nil {
		t.Fatal(err)
	}
	if w46.Meeting.PeriodKey != "2026-W46" || !slices.Equal(w46.Meeting.Attendees, []string{"赵经理", "陈战略"}) {
		t.Errorf("meeting = %+v", w46.Meeting)
	}
	if _, err := f.a.CreateMeeting(mgr, app.MeetingInput{Type: crm.MeetingWeekly, TeamID: team, PeriodKey: "2026-W46"}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("second meeting of the week = %v", err)
	}
	_, err = f.a.CreateMeeting(mgr, app.MeetingInput{Type: crm.MeetingWeekly, TeamID: team, PeriodKey: "2026-W60"})
	invalid(t, "a bad week", err, "period", "error.meeting.week")
	x1, err := f.a.AddAction(mgr, w46.Meeting.ID, app.ActionInput{Text: "推动报价审批", OwnerID: f.star.ID, Due: day(11, 25)})
	if err != nil {
		t.Fatal(err)
	}
	x2, err := f.a.AddAction(mgr, w46.Meeting.ID, app.ActionInput{Text: "约见 K3 高层", OwnerID: f.rep.ID, AccountID: f.k3.ID, Due: day(11, 30)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.a.AddAction(mgr, w46.Meeting.ID, app.ActionInput{Text: "x", AccountID: f.k9.ID})
	invalid(t, "an account outside the scope", err, "account", "error.action.account")
	if _, err := f.a.AddDecision(mgr, w46.Meeting.ID, "K3 列入重点挽回"); err != nil {
		t.Fatal(err)
	}

	w47, err := f.a.CreateMeeting(mgr, app.MeetingInput{Type: crm.MeetingWeekly, TeamID: team, PeriodKey: "2026-W47"})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(l []store.ActionRow) []int64 {
		var out []int64
		for _, x := range l {
			out = append(out, x.ID)
		}
		return out
	}
	if got := ids(w47.Carried); !slices.Equal(got, []int64{x1.ID, x2.ID}) {
		t.Errorf("carried to W47 = %v, want %d %d", got, x1.ID, x2.ID)
	}
	// Close x1 in the W47 meeting; a stale version is a conflict.
	closed, err := f.a.UpdateAction(mgr, x1.ID, app.ActionInput{Text: x1.Text, OwnerID: x1.OwnerID, Due: x1.Due,
		Status: crm.ActionDone, ClosedIn: w47.Meeting.ID, Version: x1.Version})
	if err != nil {
		t.Fatal(err)
	}
	if closed.Status != crm.ActionDone || closed.ClosedIn != w47.Meeting.ID || closed.ClosedOn != day(11, 27) {
		t.Errorf("closed = %+v", closed.ActionItem)
	}
	if _, err := f.a.UpdateAction(mgr, x1.ID, app.ActionInput{Text: "y", Status: crm.ActionOpen, Version: x1.Version}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale action edit = %v", err)
	}
	_, err = f.a.UpdateAction(mgr, x2.ID, app.ActionInput{Text: x2.Text, Status: crm.ActionDone, ClosedIn: w46.Meeting.ID - 1000, Version: x2.Version})
	invalid(t, "closed in a missing meeting", err, "closed_in", "error.action.closed_in")
	w, _ := crm.ParseWeek("2026-W47")
	p, err := f.a.WeeklyPack(mgr, team, w)
	if err != nil {
		t.Fatal(err)
	}
	if p.Meeting == nil || p.Meeting.ID != w47.Meeting.ID || !slices.Equal(ids(p.Carried), []int64{x1.ID, x2.ID}) {
		t.Errorf("W47 pack record = %+v carried %v", p.Meeting, ids(p.Carried))
	}
	w48, _ := crm.ParseWeek("2026-W48")
	if p, err = f.a.WeeklyPack(mgr, team, w48); err != nil || !slices.Equal(ids(p.Carried), []int64{x2.ID}) {
		t.Errorf("carried to W48 = %v, %v; want only %d", ids(p.Carried), err, x2.ID)
	}

	// Concurrent edits of the record.
	v := w47.Meeting.Version
	if _, err := f.a.UpdateMeeting(mgr, w47.Meeting.ID, app.MeetingInput{Notes: "第一", Version: v}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.UpdateMeeting(mgr, w47.Meeting.ID, app.MeetingInput{Notes: "第二", Version: v}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("second edit on the same version = %v", err)
	}
	d, err := f.a.AddDecision(mgr, w47.Meeting.ID, "本周完成报价")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.UpdateDecision(mgr, d.ID, "改", d.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.UpdateDecision(mgr, d.ID, "再改", d.Version); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale decision edit = %v", err)
	}

	// Scopes: a rep outside the team and the company's pack.
	other := apptest.Context(f.rep2)
	if _, err := f.a.WeeklyPack(other, team, w); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("another rep's view of the team = %v", err)
	}
	if _, err := f.a.Meeting(other, w47.Meeting.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("another rep's view of the meeting = %v", err)
	}
	mo, _ := crm.ParseMonth("2026-11")
	if _, err := f.a.MonthlyPack(mgr, 0, mo); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a manager's view of the company = %v", err)
	}
	if _, err := f.a.MonthlyPack(mgr, f.rep.DepartmentID, mo); err != nil {
		t.Errorf("a manager's view of their department = %v", err)
	}
	if list, err := f.a.Meetings(other, "", 50); err != nil || len(list) != 0 {
		t.Errorf("another rep's meetings = %v, %v", list, err)
	}
	if list, err := f.a.Meetings(mgr, crm.MeetingWeekly, 50); err != nil || len(list) != 2 {
		t.Errorf("the manager's meetings = %d, %v", len(list), err)
	}
	if got := auditActions(t, f.s, "meeting", w47.Meeting.ID); !slices.Equal(got, []string{"create", "update"}) && !slices.Equal(got, []string{"update", "create"}) {
		t.Errorf("audit of the meeting = %v", got)
	}
	if err := f.a.DeleteMeeting(mgr, w46.Meeting.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.ActionItem(mgr, x2.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("an item of a deleted meeting = %v", err)
	}
}
