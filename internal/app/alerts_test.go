package app_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/notify/notifytest"
	"kam/internal/store"
)

// alertFix is the lc organisation with data for every alert rule, made
// on 1 October 2026 and scanned on 27 November 2026.
type alertFix struct {
	*lc
	stale, fresh, stuck store.OppRow
	drop, exact, young  crm.Account // key accounts: 30 % down; exactly 20 % down; new
	quarter             crm.Account // 31 % down over three months
	handover            app.HandoverView
}

func newAlertFix(t *testing.T) *alertFix {
	t.Helper()
	ctx := context.Background()
	f := &alertFix{lc: newLC(t)}
	robot := notifytest.NewRobot(t, crm.ChannelWeCom, "")
	if _, err := f.a.SaveChannel(apptest.Context(f.admin), app.ChannelChange{Channel: robot.Channel("企业微信群", crm.FormatText)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Store(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	rep := apptest.Context(f.rep)
	f.drop = f.account(t, "KD", f.rep.ID, f.rep.ID, crm.StageGrowing)
	f.exact = f.account(t, "KE", f.rep.ID, 0, crm.StageGrowing)
	f.young = f.account(t, "KY", f.rep.ID, 0, crm.StageGrowing)
	f.quarter = f.account(t, "KQ", f.rep.ID, 0, crm.StageGrowing)
	f.stale = f.opp(t, f.rep, f.drop.ID, "沉睡商机")
	f.fresh = f.opp(t, f.rep, f.exact.ID, "活跃商机")
	// Five opportunities leave QUALIFY after two days: its median stay.
	var moved []store.OppRow
	for i := range 5 {
		moved = append(moved, f.opp(t, f.rep, f.exact.ID, fmt.Sprintf("样本%d", i)))
	}
	f.stuck = f.opp(t, f.rep, f.exact.ID, "卡住的商机")
	f.tick(48 * time.Hour)
	for _, o := range moved {
		if _, err := f.a.MoveOpportunity(rep, o.ID, crm.OppMove{To: "DISCOVER", Version: o.Version, Check: f.mustMethod(t).OppStages[0].Criteria}); err != nil {
			t.Fatal(err)
		}
	}
	f.handover = f.onboarding(t, "KH", crm.MakeDate(2026, 10, 1), f.lead.ID)

	f.clock.Store(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC).UnixNano())
	for _, o := range moved { // keeps them from going stale
		f.activity(t, o.AccountID, o.ID, crm.MakeDate(2026, 11, 26))
	}
	f.activity(t, f.fresh.AccountID, f.fresh.ID, crm.MakeDate(2026, 11, 20))
	f.activity(t, f.stuck.AccountID, f.stuck.ID, crm.MakeDate(2026, 11, 25))
	// Recent touches keep the cadence of all but f.drop.
	for _, acc := range []crm.Account{f.exact, f.young, f.quarter} {
		f.activity(t, acc.ID, 0, crm.MakeDate(2026, 11, 25))
	}
	csv := "account,date,amount\n" +
		"KD,2025-03-15,1000000\nKD,2026-03-15,700000\n" + // the year: 30 % down
		"KE,2025-03-15,1000000\nKE,2026-03-15,800000\n" + // exactly 20 %: no alert
		"KY,2026-03-15,900000\n" + // nothing last year: no alert
		"KQ,2025-09-10,1000000\nKQ,2026-09-10,690000\n" // three months (and the year): 31 % down
	path := t.TempDir() + "/r.csv"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetStandings(ctx, []store.Standing{
		{ID: f.drop.ID, Tier: "A", Band: crm.BandOxNose}, {ID: f.exact.ID, Tier: "A", Band: crm.BandCore},
		{ID: f.young.ID, Tier: "A", Band: crm.BandCore}, {ID: f.quarter.ID, Tier: "B", Band: crm.BandSuper},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *alertFix) mustMethod(t *testing.T) crm.Method {
	m, _, err := f.a.Method(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// activity logs an effective visit of the rep on account (and opportunity).
func (f *alertFix) activity(t *testing.T, account, opp int64, day crm.Date) store.ActRow {
	t.Helper()
	x, err := f.a.CreateActivity(apptest.Context(f.rep), crm.Activity{Kind: crm.ActVisit, AccountID: account, OpportunityID: opp,
		Date: day, Outcome: "已沟通"})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func (f *alertFix) scan(t *testing.T) app.ScanResult {
	t.Helper()
	res, err := f.a.ScanAlerts(context.Background(), f.a.Today())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// open returns the open alerts seen by p, as "RULE subject".
func (f *alertFix) open(t *testing.T, p crm.Person) map[string]store.AlertRow {
	t.Helper()
	pg, err := f.a.OpenAlerts(apptest.Context(p), app.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.AlertRow{}
	for _, r := range pg.Alerts {
		out[fmt.Sprintf("%s %d", r.Rule, r.SubjectID)] = r
	}
	return out
}

// TestAlertRules: each rule raises its alert once, tells the owner (and
// the manager for a key account) in the inbox and through the channel,
// is not raised again by a second scan, and resolves when its condition
// clears.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	f := newAlertFix(t)
	ctx := context.Background()
	res := f.scan(t)
	want := map[string][]int64{ // rule subject → recipients
		fmt.Sprintf("%s %d", crm.AlertOppStale, f.stale.ID):      {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertStageLong, f.stale.ID):     {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertStageLong, f.fresh.ID):     {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertStageLong, f.stuck.ID):     {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertRevenueYear, f.drop.ID):    {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertRevenueYear, f.quarter.ID): {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertRevenue3M, f.quarter.ID):   {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertCadence, f.drop.ID):        {f.manager.ID, f.rep.ID},
		fmt.Sprintf("%s %d", crm.AlertHandover, f.handover.ID):   {f.rep.ID, f.lead.ID},
	}
	got := f.open(t, f.admin)
	for k, people := range want {
		r, ok := got[k]
		if !ok {
			t.Errorf("no alert %s", k)
			continue
		}
		if fmt.Sprint(r.Recipients) != fmt.Sprint(people) {
			t.Errorf("%s: recipients %v, want %v", k, r.Recipients, people)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected alert %s: %+v", k, got[k].Detail)
		}
	}
	if res.Raised != len(want) || res.Resolved != 0 {
		t.Errorf("first scan %+v, want %d raised", res, len(want))
	}
	if d := got[fmt.Sprintf("%s %d", crm.AlertRevenueYear, f.drop.ID)].Detail; d["drop_pct"] != 30.0 || d["previous"] != float64(100000000) {
		t.Errorf("revenue detail %v", d)
	}
	if d := got[fmt.Sprintf("%s %d", crm.AlertOppStale, f.stale.ID)].Detail; d["days"] != 57.0 {
		t.Errorf("stale detail %v", d)
	}

	// Inboxes: the rep hears of all but the handover's lead-only ones; the
	// lead of the handover only; the manager of the key accounts.
	inbox := func(p crm.Person) []store.InboxItem {
		items, err := f.a.Inbox(apptest.Context(p), false, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		return items
	}
	if n := len(inbox(f.rep)); n != len(want) {
		t.Errorf("the rep's inbox has %d, want %d", n, len(want))
	}
	if items := inbox(f.lead); len(items) != 1 || items[0].Kind != "alert."+crm.AlertHandover || items[0].Link != fmt.Sprintf("/handovers/%d", f.handover.ID) {
		t.Errorf("the lead's inbox %+v", items)
	}
	if n := len(inbox(f.manager)); n != len(want)-1 {
		t.Errorf("the manager's inbox has %d, want %d", n, len(want)-1)
	}
	if items := inbox(f.rep2); len(items) != 0 {
		t.Errorf("rep2's inbox %+v", items)
	}
	stale := ""
	for _, it := range inbox(f.rep) {
		if it.Kind == "alert."+crm.AlertOppStale {
			stale = it.Title + "|" + it.Link
		}
	}
	if !strings.Contains(stale, "沉睡商机") || !strings.Contains(stale, "57") || !strings.HasSuffix(stale, fmt.Sprintf("/opportunities/%d", f.stale.ID)) {
		t.Errorf("stale notification %q", stale)
	}
	ds, err := f.a.Deliveries(apptest.Context(f.admin), store.DeliveryFilter{Limit: 500})
	if err != nil || len(ds) != len(want) {
		t.Errorf("deliveries %d, %v; want one per alert", len(ds), err)
	}

	// A second scan raises nothing again.
	if res := f.scan(t); res.Raised != 0 || res.Resolved != 0 || res.Open != len(want) {
		t.Errorf("second scan %+v", res)
	}
	if n := len(inbox(f.rep)); n != len(want) {
		t.Errorf("after the second scan the rep's inbox has %d", n)
	}

	// Conditions clear: the stale opportunity gets an activity, the
	// handover is cancelled by moving the account on, the cadence is kept.
	f.activity(t, f.drop.ID, f.stale.ID, f.a.Today())
	if res := f.scan(t); res.Raised != 0 || res.Resolved != 2 {
		t.Errorf("after the activity %+v, want the stale and cadence alerts resolved", res)
	}
	got = f.open(t, f.admin)
	if _, ok := got[fmt.Sprintf("%s %d", crm.AlertOppStale, f.stale.ID)]; ok {
		t.Error("the stale alert is still open")
	}
	all, err := f.a.OpenAlerts(ctx, app.AlertFilter{All: true, Rule: crm.AlertOppStale})
	if err != nil || all.Total != 1 || all.Alerts[0].ResolvedAt == nil {
		t.Errorf("resolved alerts %+v, %v", all, err)
	}
	// It comes back: raised again, once.
	f.tick(30 * 24 * time.Hour)
	res = f.scan(t)
	again := 0
	all, _ = f.a.OpenAlerts(ctx, app.AlertFilter{All: true, Rule: crm.AlertOppStale})
	for _, r := range all.Alerts {
		if r.SubjectID == f.stale.ID {
			again++
		}
	}
	if again != 2 || res.Raised == 0 {
		t.Errorf("the stale alert is not raised again: %d (%+v)", again, res)
	}
	if _, err := f.a.OpenAlerts(ctx, app.AlertFilter{Rule: "NOPE"}); err == nil {
		t.Error("an unknown rule is accepted")
	}
}

// TestAlertScopesAndAck: people see the alerts of their scope; a member
// acknowledges theirs, nobody else's; the badge counts the
// unacknowledged ones.
func TestAlertScopesAndAck(t *testing.T) {
	t.Parallel()
	f := newAlertFix(t)
	f.scan(t)
	if got := f.open(t, f.rep2); len(got) != 0 {
		t.Errorf("rep2 sees %d alerts", len(got))
	}
	mine, team := f.open(t, f.rep), f.open(t, f.manager)
	if len(mine) == 0 || len(team) != len(mine) {
		t.Errorf("rep sees %d, the manager %d", len(mine), len(team))
	}
	var one store.AlertRow
	for _, r := range mine {
		one = r
		break
	}
	n, err := f.a.AlertCount(apptest.Context(f.rep))
	if err != nil || n != len(mine) {
		t.Fatalf("badge %d, %v", n, err)
	}
	if _, err := f.a.AckAlert(apptest.Context(f.rep2), one.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("rep2 acknowledges: %v", err)
	}
	acked, err := f.a.AckAlert(apptest.Context(f.rep), one.ID)
	if err != nil || acked.AckedAt == nil || acked.AckedBy != f.rep.ID || acked.ResolvedAt != nil {
		t.Fatalf("ack %+v, %v", acked, err)
	}
	if n2, _ := f.a.AlertCount(apptest.Context(f.rep)); n2 != n-1 {
		t.Errorf("badge after ack %d", n2)
	}
	if _, err := f.a.AckAlert(apptest.Context(f.rep), 987654); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ack of a missing alert: %v", err)
	}
	if _, err := f.a.ScanAlerts(apptest.Context(f.rep), f.a.Today()); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a member scans: %v", err)
	}
	risk, err := f.a.AccountsAtRisk(apptest.Context(f.manager))
	if err != nil || len(risk) != 3 {
		t.Errorf("accounts at risk %d, %v", len(risk), err)
	}
}

// TestCompliance: a strategic rep's effective meetings of the week against
// the standard, open opportunities without a next step in the window,
// missed cadence; a member sees themself, the manager the team.
func TestCompliance(t *testing.T) {
	t.Parallel()
	f := newAlertFix(t)
	ctx := context.Background()
	rep := f.rep
	rep.Track = crm.TrackStrategic
	if _, err := f.s.SavePerson(ctx, rep, f.now()); err != nil {
		t.Fatal(err)
	}
	// The stuck opportunity gets a next step in the window; the fresh one
	// one that is overdue.
	if _, err := f.a.CreateActivity(apptest.Context(f.rep), crm.Activity{Kind: crm.ActCall, AccountID: f.exact.ID, OpportunityID: f.stuck.ID,
		Date: f.a.Today(), NextStep: "报价", NextStepDue: f.a.Today().AddDays(10)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.CreateActivity(apptest.Context(f.rep), crm.Activity{Kind: crm.ActCall, AccountID: f.exact.ID, OpportunityID: f.fresh.ID,
		Date: f.a.Today().AddDays(-10), NextStep: "回访", NextStepDue: f.a.Today().AddDays(-3)}); err != nil {
		t.Fatal(err)
	}
	w := crm.WeekOf(f.a.Today())
	v, err := f.a.Compliance(apptest.Context(f.rep), app.ComplianceScope{}, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.People) != 1 {
		t.Fatalf("the rep sees %d people", len(v.People))
	}
	p := v.People[0]
	// Effective meetings this week (23–29 November): the three touches of
	// the 25th and the five of the 26th; the call does not count.
	if p.PersonID != f.rep.ID || p.MeetingTarget != 6 || p.Meetings != 9 || p.OpenOpps != 8 || p.WithNextStep != 1 ||
		p.CadenceAccounts != 4 || p.OnCadence != 3 || p.Compliant {
		t.Errorf("rep %+v", p)
	}
	problems := map[int64]string{}
	for _, it := range v.NextSteps {
		problems[it.ID] = it.Problem
	}
	if problems[f.fresh.ID] != app.NextStepOverdue || problems[f.stale.ID] != app.NextStepNone || problems[f.stuck.ID] != "" {
		t.Errorf("next-step problems %v", problems)
	}
	if len(v.Cadence) != 1 || v.Cadence[0].ID != f.drop.ID || v.Cadence[0].DaysOverdue != 50 {
		t.Errorf("cadence %+v", v.Cadence)
	}
	team, err := f.a.Compliance(apptest.Context(f.manager), app.ComplianceScope{}, w)
	if err != nil || len(team.People) != 2 || len(team.Teams) != 1 || team.Teams[0].People != 2 || team.Teams[0].Name != "华东" {
		t.Errorf("the manager's view %+v %+v, %v", team.People, team.Teams, err)
	}
	all, err := f.a.Compliance(apptest.Context(f.admin), app.ComplianceScope{PersonID: f.rep2.ID}, w)
	if err != nil || len(all.People) != 1 || all.People[0].Compliant != true {
		t.Errorf("rep2 %+v, %v", all.People, err)
	}
}

// TestAlertsInEachReadersLanguage: an alert reaches each recipient's inbox
// in the language they chose on /me (the rep: English), the installation's
// default for the others (the manager: Chinese), and the group robot in the
// default language.
func TestAlertsInEachReadersLanguage(t *testing.T) {
	t.Parallel()
	f := newAlertFix(t)
	if err := f.a.SetMyLang(apptest.Context(f.rep), "en"); err != nil {
		t.Fatal(err)
	}
	var ve *crm.ValidationError
	if err := f.a.SetMyLang(apptest.Context(f.manager), "fr"); !errors.As(err, &ve) {
		t.Errorf("SetMyLang(fr) = %v, want a validation error", err)
	}
	if err := f.a.SetMyLang(context.Background(), "en"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("SetMyLang without a person = %v, want ErrForbidden", err)
	}
	if me, err := f.a.Me(apptest.Context(f.rep)); err != nil || me.Lang != "en" {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	f.scan(t)
	alerts := f.open(t, f.manager)
	byTitle := func(p crm.Person) map[string]bool {
		items, err := f.a.Inbox(apptest.Context(p), false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, it := range items {
			out[it.Title] = true
		}
		return out
	}
	repBox, mgrBox := byTitle(f.rep), byTitle(f.manager)
	en, zh := i18n.Get("en"), i18n.Get(i18n.Default)
	checked := 0
	for _, r := range alerts {
		if !slices.Contains(r.Recipients, f.rep.ID) || !slices.Contains(r.Recipients, f.manager.ID) {
			continue
		}
		checked++
		if !repBox[app.AlertTitle(en, r)] || repBox[app.AlertTitle(zh, r)] {
			t.Errorf("the rep's inbox %v lacks the English %q", repBox, app.AlertTitle(en, r))
		}
		if !mgrBox[app.AlertTitle(zh, r)] {
			t.Errorf("the manager's inbox %v lacks the Chinese %q", mgrBox, app.AlertTitle(zh, r))
		}
	}
	if checked == 0 {
		t.Fatal("no alert went to both the rep and the manager")
	}
	ds, err := f.a.Deliveries(apptest.Context(f.admin), store.DeliveryFilter{Limit: 500})
	if err != nil || len(ds) == 0 {
		t.Fatalf("deliveries %d, %v", len(ds), err)
	}
	zhTitles := map[string]bool{}
	for _, r := range f.open(t, f.admin) {
		zhTitles[app.AlertTitle(zh, r)] = true
	}
	for _, d := range ds {
		if !zhTitles[d.Title] {
			t.Errorf("robot delivery %q is not the Chinese title of an alert (%v)", d.Title, zhTitles)
		}
	}
}
