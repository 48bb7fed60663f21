package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// meetAPI is the data of the meeting API tests, around week 2026-W48 (23–29
// November, the clock's week): team 华东区 with its manager and a strategic
// rep owning M1; team 华南区 with its manager owning M2; an auditor.
type meetAPI struct {
	*env
	sales           crm.Department
	east, south     crm.Team
	mgr, rep, mgr2  crm.Person
	m1, m2          crm.Account
	o1              store.OppRow
	asMgr, asMgr2   map[string]string
	asAudit, asMgrE map[string]string
}

func newMeetAPI(t *testing.T) *meetAPI {
	t.Helper()
	ctx := context.Background()
	e := emptyEnv(t)
	f := &meetAPI{env: e}
	var err error
	if f.sales, err = e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales}); err != nil {
		t.Fatal(err)
	}
	if f.east, err = e.app.SaveTeam(ctx, crm.Team{DepartmentID: f.sales.ID, Name: "华东区"}); err != nil {
		t.Fatal(err)
	}
	if f.south, err = e.app.SaveTeam(ctx, crm.Team{DepartmentID: f.sales.ID, Name: "华南区"}); err != nil {
		t.Fatal(err)
	}
	f.mgr = apptest.Person(t, e.app, crm.RoleManager, crm.Person{Name: "赵经理", DepartmentID: f.sales.ID, TeamID: f.east.ID})
	f.rep = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "陈战略", DepartmentID: f.sales.ID, TeamID: f.east.ID,
		ManagerID: f.mgr.ID, Track: crm.TrackStrategic})
	f.mgr2 = apptest.Person(t, e.app, crm.RoleManager, crm.Person{Name: "孙经理", DepartmentID: f.sales.ID, TeamID: f.south.ID})
	auditor := apptest.Person(t, e.app, crm.RoleAuditor, crm.Person{Name: "审计"})
	bearer := func(p crm.Person, lang string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, p), "Accept-Language": lang}
	}
	f.asMgr, f.asMgrE, f.asMgr2, f.asAudit = bearer(f.mgr, "zh-CN"), bearer(f.mgr, "en"), bearer(f.mgr2, "en"), bearer(auditor, "en")
	for i, c := range []struct {
		code, name string
		owner      crm.Person
		acc        *crm.Account
		stage      string
	}{{"M1", "华为技术有限公司", f.rep, &f.m1, crm.StageGrowing}, {"M2", "比亚迪股份有限公司", f.mgr2, &f.m2, crm.StageAtRisk}} {
		if *c.acc, err = e.app.CreateAccount(ctx, "test", crm.Account{Code: c.code, Name: c.name}); err != nil {
			t.Fatal(err)
		}
		if err := e.app.Store().SetOwnerships(ctx, []store.Ownership{{AccountID: c.acc.ID, OwnerID: c.owner.ID, SalesRepID: c.owner.ID,
			OwnerDepartment: crm.OwnerDepartment(c.stage), Stage: c.stage}}, now); err != nil {
			t.Fatalf("account %d: %v", i, err)
		}
	}
	path := filepath.Join(t.TempDir(), "rev.csv")
	body := "客户编号,客户名称,日期,金额,类别\n" +
		"M1,华为技术有限公司,2025-11-10,8000000,产品\n" +
		"M1,华为技术有限公司,2026-03-15,6000000,产品\n" +
		"M1,华为技术有限公司,2026-11-24,125000,产品\n" +
		"M1,华为技术有限公司,2026-11-25,25000,服务\n" +
		"M2,比亚迪股份有限公司,2026-11-10,3000000,产品\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	if err := e.app.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.app.SetTargets(ctx, "test", crm.Targets{PeriodKey: "2026", Layers: []crm.LayerTarget{
		{Layer: "A", Accounts: 2, Revenue: crm.Yuan(24_000_000)}}}); err != nil {
		t.Fatal(err)
	}
	rep := apptest.Context(f.rep)
	opp := func(name string, amount int64) store.OppRow {
		o, err := e.app.CreateOpportunity(rep, app.OppInput{AccountID: f.m1.ID, Name: name, Amount: crm.Yuan(amount)})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.o1 = opp("O1 扩容", 500_000)
	won, lost := opp("O2 续约", 200_000), opp("O3 新模块", 150_000)
	if _, err := e.app.MoveOpportunity(rep, won.ID, crm.OppMove{To: crm.OppWon, ClosedOn: crm.MakeDate(2026, 11, 26),
		Check: crm.DefaultOppCriteria(), Version: won.Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.MoveOpportunity(rep, lost.ID, crm.OppMove{To: crm.OppLost, LostReason: "价格", Version: lost.Version}); err != nil {
		t.Fatal(err)
	}
	d := func(m, day int) crm.Date { return crm.MakeDate(2026, 11, day).AddMonths(m - 11) }
	for _, x := range []crm.Activity{
		{Kind: crm.ActCall, AccountID: f.m1.ID, Date: d(11, 20), NextStep: "寄送资料", NextStepDue: d(11, 24), NextStepDone: true},
		{Kind: crm.ActVisit, AccountID: f.m1.ID, Date: d(11, 23), Outcome: "确认预算"},
		{Kind: crm.ActDemo, AccountID: f.m1.ID, OpportunityID: f.o1.ID, Date: d(11, 24), Outcome: "客户认可", NextStep: "提交报价", NextStepDue: d(12, 1)},
		{Kind: crm.ActCall, AccountID: f.m1.ID, Date: d(11, 25), NextStep: "回访", NextStepDue: d(11, 26)},
	} {
		saved, err := e.app.CreateActivity(rep, x)
		if err != nil {
			t.Fatal(err)
		}
		if x.NextStepDone {
			if _, err := e.app.SetNextStepDone(rep, saved.ID, saved.Version, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

// TestMeetingPacksAPI checks the numbers of both packs on the known data,
// and who may see which pack.
func TestMeetingPacksAPI(t *testing.T) {
	t.Parallel()
	f := newMeetAPI(t)
	weekly := fmt.Sprintf("/api/v1/meetings/weekly?team=%d&week=2026-W48", f.east.ID)
	var w app.WeeklyPackJSON
	res := f.run(t, scenario{path: weekly, header: f.asMgr, wantStatus: 200,
		wantBody: []string{`"week":"2026-W48"`, `"from":"2026-11-23"`, `"to":"2026-11-29"`, `"next_week":"2026-W49"`, `"team_name":"华东区"`,
			// 1,000,000 a month for the one A account (24,000,000 / 2 / 12), 7/30 of it for the week.
			`"revenue":{"revenue":150000.00,"target":233333.33,"ratio":0.642857`, `"target_period":"2026"`,
			`"record":{"meeting":null,"decisions":[],"action_items":[],"carried":[]}`}})
	decodeJSON(t, res, &w)
	var rep app.PersonResultJSON
	for _, r := range w.Results {
		if r.PersonID == f.rep.ID {
			rep = r
		}
	}
	want := app.PersonResultJSON{PersonID: f.rep.ID, Name: "陈战略", Track: crm.TrackStrategic, Activities: 3, Meetings: 2, Standard: 6,
		StepsDue: 2, StepsDone: 1, OppsOpen: 1, OppsCovered: 1, Coverage: 1}
	if rep != want || len(w.Results) != 2 {
		t.Errorf("the rep's week = %+v of %d people, want %+v", rep, len(w.Results), want)
	}
	if w.Total.Activities != 3 || w.Total.Meetings != 2 || w.Total.Standard != 6 || w.Total.MeetsStandard {
		t.Errorf("total = %+v", w.Total)
	}
	if len(w.Compliance) != 2 || !slices.ContainsFunc(w.Compliance, func(c app.PersonCompliance) bool {
		return c.PersonID == f.rep.ID && c.Meetings == 2 && c.MeetingTarget == 6 && c.OpenOpps == 1 && c.WithNextStep == 1
	}) {
		t.Errorf("compliance = %+v", w.Compliance)
	}
	if k := w.KeyAccounts; k.Total != 1 || k.Items[0].Code != "M1" || k.Items[0].Tier != "A" || k.Items[0].Band != crm.BandOxNose ||
		k.Items[0].YTD != "6150000.00" || k.Items[0].LastDate != "2026-11-25" || k.Items[0].NextStep != "回访" || k.Items[0].NextDue != "2026-11-26" {
		t.Errorf("key accounts = %+v", k)
	}
	o := w.Opportunities
	names := func(l app.PackOppsJSON) (out []string) {
		for _, x := range l.Items {
			out = append(out, x.Name)
		}
		return out
	}
	if got := names(o.New); o.New.Total != 3 || !slices.Equal(got, []string{"O1 扩容", "O2 续约", "O3 新模块"}) {
		t.Errorf("new = %d %v", o.New.Total, got)
	}
	if o.Won.Total != 1 || o.Won.Items[0].ClosedOn != "2026-11-26" || *o.Won.Amount != "200000.00" ||
		o.Lost.Total != 1 || o.Lost.Items[0].LostReason != "价格" || *o.Lost.Amount != "150000.00" || o.Advanced.Total != 0 || o.Stalled.Total != 0 {
		t.Errorf("opportunities = %+v", o)
	}
	if w.Plan.Total != 1 || w.Plan.Items[0].NextStep != "提交报价" || w.Plan.Items[0].Due != "2026-12-01" || w.Plan.Items[0].OpportunityName != "O1 扩容" {
		t.Errorf("plan = %+v", w.Plan)
	}
	// Without week: the last complete week.
	f.run(t, scenario{path: fmt.Sprintf("/api/v1/meetings/weekly?team=%d", f.east.ID), header: f.asMgr, wantStatus: 200,
		wantBody: []string{`"week":"2026-W47"`}})

	// Scopes and parameters.
	f.run(t, scenario{path: weekly, header: f.asMgr2, wantStatus: 404})
	f.run(t, scenario{path: "/api/v1/meetings/weekly?team=999", wantStatus: 404})
	f.run(t, scenario{path: "/api/v1/meetings/weekly", wantStatus: 400})
	f.run(t, scenario{path: "/api/v1/meetings/weekly?team=x", wantStatus: 400})
	f.run(t, scenario{path: fmt.Sprintf("/api/v1/meetings/weekly?team=%d&week=2026-W60", f.east.ID), wantStatus: 400})

	monthly := "/api/v1/meetings/monthly?department=company&month=2026-11"
	var m app.MonthlyPackJSON
	res = f.run(t, scenario{path: monthly, wantStatus: 200, wantBody: []string{`"month":"2026-11"`, `"company":true`, `"currency":"CNY"`,
		`"period":{"key":"TTM-2026-11-30","from":"2025-12-01","to":"2026-11-30"}`, `"previous_period":{"key":"TTM-2026-10-31"`,
		`{"tier":"A","accounts":1,"revenue":6150000.00,"target_accounts":2,"target_revenue":24000000.00,"accounts_ratio":0.5,"revenue_ratio":0.25625}`,
		`{"tier":"B","accounts":1,"revenue":3000000.00,"target_accounts":null,"target_revenue":null`,
		`"upgrades":0,"downgrades":0`, `"actions_to":"2027-02-28"`}})
	decodeJSON(t, res, &m)
	if m.KeyAccounts.Total != 1 {
		t.Fatalf("key accounts = %+v", m.KeyAccounts)
	}
	k := m.KeyAccounts.Items[0]
	money := map[string]string{"ttm": string(k.TTM), "month": string(k.Month), "previous_month": string(k.PrevMonth),
		"month_last_year": string(k.MonthLY), "ytd": string(k.YTD), "ytd_last_year": string(k.YTDLY), "three": string(k.Three),
		"three_ly": string(k.ThreeLY), "product": string(k.Product), "service": string(k.Service), "target_month": string(*k.TargetMonth),
		"target_ytd": string(*k.TargetYTD), "open": string(k.Open.Amount)}
	wantMoney := map[string]string{"ttm": "6150000.00", "month": "150000.00", "previous_month": "0.00", "month_last_year": "8000000.00",
		"ytd": "6150000.00", "ytd_last_year": "8000000.00", "three": "150000.00", "three_ly": "8000000.00", "product": "6125000.00",
		"service": "25000.00", "target_month": "1000000.00", "target_ytd": "11000000.00", "open": "500000.00"}
	for name, v := range wantMoney {
		if money[name] != v {
			t.Errorf("M1 %s = %s, want %s", name, money[name], v)
		}
	}
	if k.Account.Code != "M1" || k.Rank != 1 || k.Band != crm.BandOxNose || k.Tier != "A" || k.PrevTier != "A" || k.Movement != "kept" ||
		k.MoM != nil || *k.YoY != -0.98125 || *k.YTDYoY != -0.23125 || k.Open.Count != 1 ||
		!slices.Equal(k.Risks, []string{app.RiskYoY, app.RiskThreeMonth}) {
		t.Errorf("M1 = %+v", k)
	}
	if r := m.AtRisk; r.Total != 2 || r.Items[0].Account.Code != "M1" || *r.Items[0].YTDDrop != 0.23125 ||
		*r.Items[0].ThreeMonthDrop != 0.98125 || r.Items[1].Account.Code != "M2" || !slices.Equal(r.Items[1].Reasons, []string{app.RiskStage}) {
		t.Errorf("at risk = %+v", r)
	}
	// A department's pack: the manager's scope only, without targets.
	dept := fmt.Sprintf("/api/v1/meetings/monthly?department=%d&month=2026-11", f.sales.ID)
	res = f.run(t, scenario{path: dept, header: f.asMgr, wantStatus: 200, wantBody: []string{`"company":false`, `"department_name":"销售部"`,
		`"has_targets":false`, `"code":"M1"`}})
	decodeJSON(t, res, &m)
	if m.AtRisk.Total != 1 || m.Tiers[1].Accounts != 0 {
		t.Errorf("the manager's department = %+v %+v", m.AtRisk, m.Tiers)
	}
	f.run(t, scenario{path: monthly, header: f.asMgr, wantStatus: 404})
	f.run(t, scenario{path: "/api/v1/meetings/monthly?department=999&month=2026-11", wantStatus: 404})
	f.run(t, scenario{path: "/api/v1/meetings/monthly", wantStatus: 400})
	f.run(t, scenario{path: "/api/v1/meetings/monthly?department=company&month=2026-13", wantStatus: 400})
	f.run(t, scenario{path: "/api/v1/meetings/monthly?department=company", wantStatus: 200, wantBody: []string{`"month":"2026-10"`}})
}

// TestMeetingRecordAPI records meetings through the API: creation and its
// conflicts, validation in both languages, stale saves, decisions, action
// items carried forward and closed in a later meeting, scopes.
func TestMeetingRecordAPI(t *testing.T) {
	t.Parallel()
	f := newMeetAPI(t)
	zh, en := i18n.Get("zh-CN"), i18n.Get("en")
	body := fmt.Sprintf(`{"type":"weekly","team_id":%d,"period":"2026-w48","held_at":"2026-11-27","attendees":["赵经理"," 陈战略 ",""],"blockers":["报价审批慢"]}`, f.east.ID)
	var rec app.RecordJSON
	res := f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr, body: body, wantStatus: 201,
		wantBody: []string{`"type":"WEEKLY"`, `"period":"2026-W48"`, `"held_at":"2026-11-27"`, `"attendees":["赵经理","陈战略"]`,
			`"blockers":["报价审批慢"]`, `"version":1`, `"team_name":"华东区"`, `"decisions":[]`, `"carried":[]`}})
	decodeJSON(t, res, &rec)
	id := rec.Meeting.ID
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/meetings/%d", id) {
		t.Errorf("Location = %q", loc)
	}
	meeting := fmt.Sprintf("/api/v1/meetings/%d", id)
	f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr, body: body, wantStatus: 409})
	f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr2, body: body, wantStatus: 404})
	f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asAudit, body: body, wantStatus: 403})
	for _, c := range []struct {
		body   string
		header map[string]string
		field  string
		msg    string
	}{
		{fmt.Sprintf(`{"type":"WEEKLY","team_id":%d,"period":"2026-W60"}`, f.east.ID), f.asMgr, "period", zh.T("error.meeting.week")},
		{fmt.Sprintf(`{"type":"WEEKLY","team_id":%d,"period":"2026-W60"}`, f.east.ID), f.asMgrE, "period", en.T("error.meeting.week")},
		{fmt.Sprintf(`{"type":"WEEKLY","team_id":%d,"period":"2026-W49","held_at":"27/11/2026"}`, f.east.ID), f.asMgrE, "held_at", en.T("error.meeting.date")},
		{`{"type":"YEARLY","period":"2026"}`, f.asMgr, "type", zh.T("error.meeting.type")},
		{`{"type":"MONTHLY","period":"2026-11","team_id":1}`, f.asMgrE, "team", en.T("error.meeting.scope")},
		{`{"type":"WEEKLY","period":"2026-W49"}`, f.asMgrE, "team", en.T("error.required")},
	} {
		f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: c.header, body: c.body, wantStatus: 422,
			check: func(t *testing.T, res response) {
				if p := problemOf(t, res); p.Fields[c.field] != c.msg {
					t.Errorf("%s: fields = %v, want %s: %q", c.body, p.Fields, c.field, c.msg)
				}
			}})
	}
	f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr, body: `{"type":"WEEKLY","version":1}`, wantStatus: 400})
	f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr, body: `{"kind":"WEEKLY"}`, wantStatus: 400})

	// The record: version required, a stale save refused.
	f.run(t, scenario{path: meeting, header: f.asMgr, wantStatus: 200, wantBody: []string{`"period":"2026-W48"`}})
	f.run(t, scenario{path: meeting, header: f.asMgr2, wantStatus: 404})
	f.run(t, scenario{path: "/api/v1/meetings/999", wantStatus: 404})
	f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgrE, body: `{"notes":"x"}`, wantStatus: 422,
		check: func(t *testing.T, res response) {
			if p := problemOf(t, res); p.Fields["version"] != en.T("error.version.required") {
				t.Errorf("fields = %v", p.Fields)
			}
		}})
	f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgr, body: `{"notes":"报价审批由总监加急","version":1}`, wantStatus: 200,
		wantBody: []string{`"notes":"报价审批由总监加急"`, `"version":2`, `"attendees":["赵经理","陈战略"]`, `"held_at":"2026-11-27"`}})
	res = f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgrE, body: `{"notes":"stale","version":1}`, wantStatus: 409})
	if p := problemOf(t, res); p.Title != en.T("error.conflict") || p.Detail != en.T("error.conflict.detail") {
		t.Errorf("conflict = %+v", p)
	}
	res = f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgr, body: `{"notes":"stale","version":1}`, wantStatus: 409})
	if p := problemOf(t, res); p.Title != zh.T("error.conflict") {
		t.Errorf("conflict in Chinese = %+v", p)
	}
	f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgr, body: `{"period":"2026-W47","version":2}`, wantStatus: 400})
	f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgr, body: `{"held_at":"2026-02-30","version":2}`, wantStatus: 422, check: wantFields("held_at")})
	f.run(t, scenario{method: "PATCH", path: meeting, header: f.asMgr2, body: `{"notes":"x","version":2}`, wantStatus: 404})

	// Decisions.
	var d app.DecisionJSON
	f.run(t, scenario{method: "POST", path: meeting + "/decisions", header: f.asMgrE, body: `{"text":"  "}`, wantStatus: 422,
		check: func(t *testing.T, res response) {
			if p := problemOf(t, res); p.Fields["text"] != en.T("error.required") {
				t.Errorf("fields = %v", p.Fields)
			}
		}})
	res = f.run(t, scenario{method: "POST", path: meeting + "/decisions", header: f.asMgr, body: `{"text":"M2 列入重点挽回"}`, wantStatus: 201,
		wantBody: []string{`"text":"M2 列入重点挽回"`, `"version":1`}})
	decodeJSON(t, res, &d)
	f.run(t, scenario{method: "POST", path: meeting + "/decisions", header: f.asMgr2, body: `{"text":"x"}`, wantStatus: 404})
	decision := fmt.Sprintf("/api/v1/decisions/%d", d.ID)
	f.run(t, scenario{method: "PATCH", path: decision, header: f.asMgr, body: `{"text":"改"}`, wantStatus: 422, check: wantFields("version")})
	f.run(t, scenario{method: "PATCH", path: decision, header: f.asMgr, body: `{"text":"M2 由总监挽回","version":1}`, wantStatus: 200,
		wantBody: []string{`"text":"M2 由总监挽回"`, `"version":2`}})
	f.run(t, scenario{method: "PATCH", path: decision, header: f.asMgr, body: `{"text":"stale","version":1}`, wantStatus: 409})
	f.run(t, scenario{method: "PATCH", path: decision, header: f.asMgr2, body: `{"text":"x","version":2}`, wantStatus: 404})

	// Action items: raised in W48, carried to W49, closed there.
	var x app.ActionItemJSON
	res = f.run(t, scenario{method: "POST", path: meeting + "/action-items", header: f.asMgr,
		body:       fmt.Sprintf(`{"text":"推动报价审批","owner_id":%d,"account_id":%d,"due":"2026-12-04"}`, f.rep.ID, f.m1.ID),
		wantStatus: 201, wantBody: []string{`"status":"OPEN"`, `"owner_name":"陈战略"`, `"account_code":"M1"`, `"due":"2026-12-04"`, `"from_period":"2026-W48"`}})
	decodeJSON(t, res, &x)
	f.run(t, scenario{method: "POST", path: meeting + "/action-items", header: f.asMgrE, body: fmt.Sprintf(`{"text":"x","account_id":%d}`, f.m2.ID),
		wantStatus: 422, check: func(t *testing.T, res response) {
			if p := problemOf(t, res); p.Fields["account"] != en.T("error.action.account") {
				t.Errorf("fields = %v", p.Fields)
			}
		}})
	f.run(t, scenario{method: "POST", path: meeting + "/action-items", header: f.asMgr, body: `{"text":"","due":"soon"}`, wantStatus: 422,
		check: wantFields("due")})
	f.run(t, scenario{method: "POST", path: meeting + "/action-items", header: f.asMgr, body: `{"text":"x","status":"DONE"}`, wantStatus: 400})
	res = f.run(t, scenario{method: "POST", path: "/api/v1/meetings", header: f.asMgr,
		body: fmt.Sprintf(`{"type":"WEEKLY","team_id":%d,"period":"2026-W49"}`, f.east.ID), wantStatus: 201})
	var w49 app.RecordJSON
	decodeJSON(t, res, &w49)
	if len(w49.Carried) != 1 || w49.Carried[0].ID != x.ID || w49.Carried[0].Status != crm.ActionOpen {
		t.Errorf("carried to W49 = %+v", w49.Carried)
	}
	action := fmt.Sprintf("/api/v1/action-items/%d", x.ID)
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgr, body: `{"status":"DONE"}`, wantStatus: 422, check: wantFields("version")})
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgrE, body: `{"status":"LATER","version":1}`, wantStatus: 422,
		check: func(t *testing.T, res response) {
			if p := problemOf(t, res); p.Fields["status"] != en.T("error.action.status") {
				t.Errorf("fields = %v", p.Fields)
			}
		}})
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgr, body: `{"status":"DONE","closed_in":987654,"version":1}`, wantStatus: 422,
		check: wantFields("closed_in")})
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgr, body: fmt.Sprintf(`{"status":"DONE","closed_in":%d,"version":1}`, w49.Meeting.ID),
		wantStatus: 200, wantBody: []string{`"status":"DONE"`, fmt.Sprintf(`"closed_in":%d`, w49.Meeting.ID), `"closed_on":"2026-11-27"`,
			`"text":"推动报价审批"`, `"version":2`}})
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgr, body: `{"status":"OPEN","version":1}`, wantStatus: 409})
	f.run(t, scenario{method: "PATCH", path: action, header: f.asMgr2, body: `{"status":"OPEN","version":2}`, wantStatus: 404})
	f.run(t, scenario{method: "PATCH", path: "/api/v1/action-items/987654", body: `{"status":"OPEN","version":2}`, wantStatus: 404})

	// The packs show the record.
	res = f.run(t, scenario{path: fmt.Sprintf("/api/v1/meetings/weekly?team=%d&week=2026-W49", f.east.ID), header: f.asMgr, wantStatus: 200})
	var p app.WeeklyPackJSON
	decodeJSON(t, res, &p)
	if p.Record.Meeting == nil || p.Record.Meeting.ID != w49.Meeting.ID || len(p.Record.Carried) != 1 || p.Record.Carried[0].Status != crm.ActionDone {
		t.Errorf("W49 record = %+v", p.Record)
	}
	res = f.run(t, scenario{path: fmt.Sprintf("/api/v1/meetings/weekly?team=%d&week=2026-W48", f.east.ID), header: f.asMgr, wantStatus: 200,
		wantBody: []string{`"text":"M2 由总监挽回"`, `"notes":"报价审批由总监加急"`}})

	// The company's monthly meeting: an action on M1 shows on its row.
	res = f.run(t, scenario{method: "POST", path: "/api/v1/meetings", body: `{"type":"MONTHLY","period":"2026-11"}`, wantStatus: 201,
		wantBody: []string{`"company":true`, `"type":"MONTHLY"`}})
	var mo app.RecordJSON
	decodeJSON(t, res, &mo)
	f.run(t, scenario{method: "POST", path: fmt.Sprintf("/api/v1/meetings/%d/action-items", mo.Meeting.ID),
		body: fmt.Sprintf(`{"text":"M1 年度框架续签","account_id":%d,"due":"2027-01-15"}`, f.m1.ID), wantStatus: 201})
	var mp app.MonthlyPackJSON
	res = f.run(t, scenario{path: "/api/v1/meetings/monthly?department=company&month=2026-11", wantStatus: 200})
	decodeJSON(t, res, &mp)
	if len(mp.NextActions) != 1 || mp.NextActions[0].Text != "M1 年度框架续签" || len(mp.KeyAccounts.Items) != 1 ||
		len(mp.KeyAccounts.Items[0].ActionItems) != 1 || mp.Record.Meeting == nil || !mp.Record.Meeting.Company {
		t.Errorf("monthly record = %+v, next actions %+v", mp.Record, mp.NextActions)
	}

	// The lists, in scope.
	var list struct {
		Items []app.MeetingJSON `json:"items"`
	}
	res = f.run(t, scenario{path: "/api/v1/meetings?type=weekly", header: f.asMgr, wantStatus: 200})
	decodeJSON(t, res, &list)
	if len(list.Items) != 2 || list.Items[0].Period != "2026-W49" || list.Items[1].Period != "2026-W48" {
		t.Errorf("the manager's meetings = %+v", list.Items)
	}
	f.run(t, scenario{path: "/api/v1/meetings", header: f.asMgr2, wantStatus: 200, wantBody: []string{`{"items":[]}`}})
	res = f.run(t, scenario{path: "/api/v1/meetings", wantStatus: 200, wantBody: []string{`"period":"2026-11"`, `"company":true`}})
	decodeJSON(t, res, &list)
	if len(list.Items) != 3 {
		t.Errorf("every meeting = %+v", list.Items)
	}
	res = f.run(t, scenario{path: "/api/v1/meetings?limit=1&type=MONTHLY", wantStatus: 200})
	decodeJSON(t, res, &list)
	if len(list.Items) != 1 || list.Items[0].Period != "2026-11" {
		t.Errorf("monthly meetings = %+v", list.Items)
	}
	f.run(t, scenario{path: "/api/v1/meetings?type=DAILY", wantStatus: 400})
	f.run(t, scenario{path: "/api/v1/meetings?limit=0", wantStatus: 400})
}
