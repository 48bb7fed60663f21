package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/web"
)

// procOrg is the organisation of the process page tests: a sales team with
// its manager and a rep, another rep outside the team, and an account of
// each rep in PURSUIT.
type procOrg struct {
	manager, rep, rep2 crm.Person
	acc, acc2          crm.Account
	session            map[int64]string
}

func newProcOrg(t *testing.T, e *env) *procOrg {
	t.Helper()
	ctx := context.Background()
	sales, err := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	if err != nil {
		t.Fatal(err)
	}
	team, err := e.app.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华东区"})
	if err != nil {
		t.Fatal(err)
	}
	o := &procOrg{session: map[int64]string{}}
	o.manager = apptest.Person(t, e.app, crm.RoleManager, crm.Person{Name: "赵经理", DepartmentID: sales.ID, TeamID: team.ID})
	o.rep = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售", DepartmentID: sales.ID, TeamID: team.ID, ManagerID: o.manager.ID})
	o.rep2 = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "钱销售", DepartmentID: sales.ID})
	for _, p := range []crm.Person{o.manager, o.rep, o.rep2} {
		o.session[p.ID] = apptest.Session(t, e.app, p)
	}
	mk := func(code, name string, owner crm.Person) crm.Account {
		a, err := e.app.CreateAccount(ctx, "test", crm.Account{Code: code, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		if a, err = e.app.MoveStage(ctx, a.ID, crm.StageMove{To: crm.StagePursuit, Reason: "派单", Version: a.Version}, owner.ID); err != nil {
			t.Fatal(err)
		}
		return a
	}
	o.acc = mk("P1", "华为技术有限公司", o.rep)
	o.acc2 = mk("P2", "中兴通讯股份有限公司", o.rep2)
	return o
}

// as is the header of a same-origin request by p in the language of l.
func (o *procOrg) as(l lang, p crm.Person) map[string]string {
	h := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}
	for k, v := range l.header {
		h[k] = v
	}
	cookie := web.SessionCookie + "=" + o.session[p.ID]
	if c := h["Cookie"]; c != "" {
		cookie = c + "; " + cookie
	}
	h["Cookie"] = cookie
	return h
}

// idFrom reads the ID in a Location like /opportunities/12?flash=…
func idFrom(t *testing.T, res response, prefix string) int64 {
	t.Helper()
	var id int64
	loc := res.Header.Get("Location")
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, prefix), "%d", &id); err != nil || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location %q: no ID after %s", loc, prefix)
	}
	return id
}

// allCriteria ticks every exit criterion of the default stages.
func allCriteria() []string { return crm.DefaultOppCriteria() }

// TestOpportunityPages creates an opportunity and moves it to a first win
// through the pages, in both languages: the forms and their problems, the
// exit criteria named when a move is refused (page and the board's JSON),
// conflicts, the board, list and funnel, scopes, the handover it starts.
func TestOpportunityPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			o := newProcOrg(t, e)
			rep := o.as(l, o.rep)
			accID := fmt.Sprint(o.acc.ID)

			e.run(t, l, scenario{name: "the new form from the account", path: "/opportunities/new?account=" + accID, header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "opportunity.new"), "华为技术有限公司", `name="account_id" value="` + accID + `"`,
					`<option value="QUALIFY">` + tr(p, "oppstage.QUALIFY"), tr(p, "oppcrit.budget_known")}})
			e.run(t, l, scenario{name: "another's account in the new form", path: "/opportunities/new?account=" + fmt.Sprint(o.acc2.ID),
				header: rep, wantStatus: 404})
			e.run(t, l, scenario{name: "no name", path: "/opportunities", header: rep, form: form("account_id", accID, "name", " "),
				wantStatus: 422, wantBody: []string{tr(p, "error.required")}})
			e.run(t, l, scenario{name: "an account outside the scope", path: "/opportunities", header: rep,
				form: form("account_id", fmt.Sprint(o.acc2.ID), "name", "越权"), wantStatus: 422, wantBody: []string{tr(p, "error.opportunity.account")}})
			e.run(t, l, scenario{name: "an unknown account code", path: "/opportunities", header: rep,
				form: form("account_code", "NOPE", "name", "x"), wantStatus: 422, wantBody: []string{tr(p, "error.opportunity.account")}})
			e.run(t, l, scenario{name: "a bad amount", path: "/opportunities", header: rep,
				form: form("account_id", accID, "name", "x", "amount", "十万"), wantStatus: 422, wantBody: []string{tr(p, "error.opportunity.amount")}})
			res := e.run(t, l, scenario{name: "create", path: "/opportunities", header: rep,
				form: form("account_code", "P1", "name", "年度框架协议", "amount", "1,200,000", "close_date", "2026-12-31",
					"needs", "降本\n交付", "products", "ERP，MES", "check", "need_confirmed"), wantStatus: 303})
			id := idFrom(t, res, "/opportunities/")
			op := fmt.Sprintf("/opportunities/%d", id)
			if loc := res.Header.Get("Location"); loc != op+"?flash=opportunity_created" {
				t.Errorf("Location = %q", loc)
			}
			row, err := e.app.OpportunityRow(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			e.run(t, l, scenario{name: "the page", path: op + "?flash=opportunity_created", header: rep, wantStatus: 200, wantBody: []string{
				tr(p, "flash.opportunity_created"), "年度框架协议", tr(p, "oppstage.QUALIFY"), "120.0", "10%", "降本", "MES",
				tr(p, "opportunity.history"), `id="move-form"`, tr(p, "oppcrit.decision_maker_known"), `name="check" value="budget_known"`,
				`href="/activities/new?opportunity=` + fmt.Sprint(id),
			}})

			// A move with unmet exit criteria, from the page and from the board.
			e.run(t, l, scenario{name: "unmet criteria", path: op + "/stage", header: rep,
				form: form("to", "DISCOVER", "version", fmt.Sprint(row.Version), "check", "budget_known"), wantStatus: 422,
				wantBody: []string{tr(p, "error.opportunity.criteria"), tr(p, "oppcrit.decision_maker_known"), `value="budget_known" checked`}})
			jsonRep := map[string]string{"Accept": "application/json"}
			for k, v := range rep {
				jsonRep[k] = v
			}
			e.run(t, l, scenario{name: "unmet criteria, dropped on the board", path: op + "/stage", header: jsonRep,
				form: form("to", "PROPOSE", "version", fmt.Sprint(row.Version)), wantStatus: 422,
				check: func(t *testing.T, res response) {
					var ans struct {
						OK    bool
						Error string
						Unmet []string
					}
					if err := json.Unmarshal([]byte(res.Body), &ans); err != nil {
						t.Fatalf("%v: %s", err, res.Body)
					}
					want := []string{p.T("oppcrit.budget_known"), p.T("oppcrit.decision_maker_known"), p.T("oppcrit.requirements_documented"),
						p.T("oppcrit.decision_process_known"), p.T("oppcrit.solution_fit")}
					if ans.OK || fmt.Sprint(ans.Unmet) != fmt.Sprint(want) || !strings.Contains(ans.Error, p.T("oppcrit.solution_fit")) {
						t.Errorf("answer %+v, want unmet %q", ans, want)
					}
				}})
			e.run(t, l, scenario{name: "move from the board's select", path: op + "/stage", header: rep,
				form: form("to", "DISCOVER", "version", fmt.Sprint(row.Version), "check", "budget_known", "check", "decision_maker_known",
					"back", "/opportunities/board?owner="+fmt.Sprint(o.rep.ID)),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/opportunities/board?owner=" + fmt.Sprint(o.rep.ID) + "&flash=opportunity_moved"}})
			e.run(t, l, scenario{name: "a stale move", path: op + "/stage", header: rep, form: form("to", "LOST", "lost_reason", "x",
				"version", fmt.Sprint(row.Version)), wantStatus: 409, wantBody: []string{tr(p, "error.conflict.detail")}})
			e.run(t, l, scenario{name: "lost without a reason", path: op + "/stage", header: rep, form: form("to", "LOST",
				"version", fmt.Sprint(row.Version+1)), wantStatus: 422, wantBody: []string{tr(p, "error.opportunity.lost_reason")}})

			// The board, the list and the funnel.
			e.run(t, l, scenario{name: "the board", path: "/opportunities/board?owner=" + fmt.Sprint(o.rep.ID) + "&flash=opportunity_moved",
				header: rep, wantStatus: 200, wantBody: []string{tr(p, "flash.opportunity_moved"), `data-board`, `data-stage="DISCOVER"`,
					tr(p, "oppstage.NEGOTIATE"), `id="opp-` + fmt.Sprint(id) + `"`, "年度框架协议", `<option value="WON">` + tr(p, "oppstage.WON"),
					tr(p, "opportunity.count", 1)},
				notBody: []string{`<option value="DISCOVER">`}})
			e.run(t, l, scenario{name: "a bad owner filter", path: "/opportunities/board?owner=x", header: rep, wantStatus: 400})
			e.run(t, l, scenario{name: "the list", path: "/opportunities?stage=DISCOVER&sort=amount", header: rep, wantStatus: 200,
				check: func(t *testing.T, res response) {
					rows := tableRows(t, res.Body, "opportunities")
					if len(rows) != 1 || rows[0][0] != "年度框架协议" || rows[0][2] != p.T("oppstage.DISCOVER") || rows[0][3] != "120.0" || rows[0][4] != "25%" {
						t.Errorf("rows = %q", rows)
					}
				}})
			e.run(t, l, scenario{name: "a bad sort", path: "/opportunities?sort=size", header: rep, wantStatus: 400})
			e.run(t, l, scenario{name: "the funnel", path: "/opportunities/funnel", header: rep, wantStatus: 200,
				check: func(t *testing.T, res response) {
					rows := tableRows(t, res.Body, "funnel")
					if len(rows) != 6 || rows[1][0] != p.T("oppstage.DISCOVER") || rows[1][2] != "1" || rows[1][3] != "120.0" || rows[1][4] != "30.0" {
						t.Errorf("funnel rows = %q", rows)
					}
					var chart struct{ Categories []string }
					jsonScript(t, res.Body, "funnel-data", &chart)
					if len(chart.Categories) != 6 || chart.Categories[1] != p.T("oppstage.DISCOVER")+" (1)" {
						t.Errorf("chart categories = %q", chart.Categories)
					}
				}})

			// The edit form; the later save must not overwrite the earlier one.
			e.run(t, l, scenario{name: "the edit form", path: op + "/edit", header: rep, wantStatus: 200,
				wantBody: []string{`value="年度框架协议"`, `value="1200000"`, "降本\n交付", `value="need_confirmed" checked`, tr(p, "oppstage.DISCOVER")}})
			edit := form("name", "年度框架协议（二期）", "account_id", accID, "amount", "900000", "owner", fmt.Sprint(o.rep.ID),
				"version", fmt.Sprint(row.Version), "check", "need_confirmed")
			e.run(t, l, scenario{name: "a stale save", path: op, header: rep, form: edit, wantStatus: 409,
				wantBody: []string{tr(p, "error.conflict.detail"), `name="version" value="` + fmt.Sprint(row.Version+1) + `"`}})
			edit.Set("version", fmt.Sprint(row.Version+1))
			e.run(t, l, scenario{name: "save", path: op, header: rep, form: edit, wantStatus: 303,
				wantHeader: map[string]string{"Location": op + "?flash=opportunity_saved"}})

			// Scopes: the other rep does not see it, the manager does.
			e.run(t, l, scenario{name: "another rep", path: op, header: o.as(l, o.rep2), wantStatus: 404})
			e.run(t, l, scenario{name: "another rep moves it", path: op + "/stage", header: o.as(l, o.rep2),
				form: form("to", "LOST", "lost_reason", "x", "version", "9"), wantStatus: 404})
			e.run(t, l, scenario{name: "the manager", path: op, header: o.as(l, o.manager), wantStatus: 200, wantBody: []string{"年度框架协议（二期）"}})
			e.run(t, l, scenario{name: "another rep's board", path: "/opportunities/board", header: o.as(l, o.rep2), wantStatus: 200,
				notBody: []string{"年度框架协议"}})

			// The first contract of the account: won on the board.
			row, err = e.app.OpportunityRow(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			win := form("to", "WON", "version", fmt.Sprint(row.Version))
			for _, c := range allCriteria() {
				win.Add("check", c)
			}
			_ = win
			body := win.Encode()
			e.run(t, l, scenario{name: "won, dropped on the board", method: "POST", path: op + "/stage", body: body,
				header: mergeHeaders(jsonRep, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), wantStatus: 200,
				check: func(t *testing.T, res response) {
					var ans struct {
						OK      bool
						Flash   string
						Message string
					}
					if err := json.Unmarshal([]byte(res.Body), &ans); err != nil || !ans.OK || ans.Flash != "won_handover" ||
						ans.Message != p.T("flash.won_handover") {
						t.Errorf("answer %s, %v", res.Body, err)
					}
				}})
			if acc, err := e.app.Account(context.Background(), o.acc.ID); err != nil || acc.Stage != crm.StageOnboarding {
				t.Errorf("the account after its first win: %s, %v", acc.Stage, err)
			}
			e.run(t, l, scenario{name: "the won opportunity", path: op + "?flash=won_handover", header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "flash.won_handover"), tr(p, "oppstage.WON"), "100%", tr(p, "opportunity.closed_on"), "2026-11-27"},
				notBody:  []string{`id="move-form"`}})
			e.run(t, l, scenario{name: "the account page", path: "/accounts/" + accID, header: rep, wantStatus: 200,
				wantBody: []string{`id="account-process"`, "年度框架协议（二期）", tr(p, "oppstage.WON"), `href="/activities/new?account=` + accID,
					`href="/opportunities/new?account=` + accID}})

			// A second opportunity, deleted.
			res = e.run(t, l, scenario{name: "create another", path: "/opportunities", header: rep,
				form: form("account_id", accID, "name", "二期扩容", "stage", "PROPOSE", "probability", "40"), wantStatus: 303})
			id2 := idFrom(t, res, "/opportunities/")
			if r2, err := e.app.OpportunityRow(context.Background(), id2); err != nil || r2.Stage != "PROPOSE" || r2.Probability != 40 {
				t.Errorf("created %+v, %v", r2, err)
			}
			e.run(t, l, scenario{name: "delete", path: fmt.Sprintf("/opportunities/%d/delete", id2), header: rep, form: form(),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/opportunities?flash=opportunity_deleted"}})
			e.run(t, l, scenario{name: "the list after it", path: "/opportunities?flash=opportunity_deleted", header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "flash.opportunity_deleted"), "年度框架协议（二期）"}, notBody: []string{"二期扩容"}})
		})
	}
}

func mergeHeaders(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestActivityPages logs activities through the compact form and reads
// them back on the week, the team calendar and the activity's page, in both
// languages: defaults from the link, no future dates, dangling references,
// conflicts, scopes.
func TestActivityPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			o := newProcOrg(t, e)
			rep := o.as(l, o.rep)
			accID := fmt.Sprint(o.acc.ID)
			ctx := apptest.Context(o.rep)
			opp, err := e.app.CreateOpportunity(ctx, app.OppInput{AccountID: o.acc.ID, Name: "框架协议"})
			if err != nil {
				t.Fatal(err)
			}
			opp2, err := e.app.CreateOpportunity(apptest.Context(o.rep2), app.OppInput{AccountID: o.acc2.ID, Name: "别人的商机"})
			if err != nil {
				t.Fatal(err)
			}

			e.run(t, l, scenario{name: "the form from the opportunity", path: fmt.Sprintf("/activities/new?opportunity=%d&back=/opportunities/%d", opp.ID, opp.ID),
				header: rep, wantStatus: 200, wantBody: []string{tr(p, "activity.new"), `name="kind" value="VISIT" checked`,
					tr(p, "activity.kind.EXEC_MEETING"), `value="2026-11-27"`, `max="2026-11-27"`, "框架协议", "华为技术有限公司",
					`name="opportunity" value="` + fmt.Sprint(opp.ID) + `"`, `name="back" value="/opportunities/` + fmt.Sprint(opp.ID) + `"`}})
			e.run(t, l, scenario{name: "the form from the menu", path: "/activities/new", header: rep, wantStatus: 200,
				wantBody: []string{`<option value="` + accID + `">华为技术有限公司</option>`, `data-account="` + accID + `"`, `data-filter-by="act-account"`},
				notBody:  []string{"中兴通讯"}})
			e.run(t, l, scenario{name: "another's opportunity in the form", path: fmt.Sprintf("/activities/new?opportunity=%d", opp2.ID),
				header: rep, wantStatus: 404})
			e.run(t, l, scenario{name: "tomorrow", path: "/activities", header: rep,
				form: form("kind", "VISIT", "account", accID, "date", "2026-11-28"), wantStatus: 422,
				wantBody: []string{tr(p, "error.activity.future"), `value="2026-11-28"`}})
			e.run(t, l, scenario{name: "not a date", path: "/activities", header: rep,
				form: form("kind", "VISIT", "account", accID, "date", "27/11/2026"), wantStatus: 422, wantBody: []string{tr(p, "error.activity.date")}})
			e.run(t, l, scenario{name: "another's opportunity", path: "/activities", header: rep,
				form: form("kind", "CALL", "account", accID, "opportunity", fmt.Sprint(opp2.ID), "date", "2026-11-27"), wantStatus: 422,
				wantBody: []string{tr(p, "error.activity.opportunity")}})
			e.run(t, l, scenario{name: "another's account", path: "/activities", header: rep,
				form: form("kind", "CALL", "account", fmt.Sprint(o.acc2.ID), "date", "2026-11-27"), wantStatus: 422,
				wantBody: []string{tr(p, "error.activity.account")}})
			e.run(t, l, scenario{name: "log from the account page", path: "/activities", header: rep,
				form: form("kind", "VISIT", "account", accID, "opportunity", fmt.Sprint(opp.ID), "date", "2026-11-23", "contacts", "张总，李工",
					"objective", "了解需求", "outcome", "预算已确认", "next_step", "提交方案", "next_step_due", "2026-11-25", "back", "/accounts/"+accID),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/accounts/" + accID + "?flash=activity_logged"}})
			res := e.run(t, l, scenario{name: "log from the menu", path: "/activities", header: rep,
				form:       form("kind", "CALL", "account_code", "P1", "date", "2026-11-27", "next_step", "回电", "next_step_due", "2026-11-29"),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/activities?week=2026-W48&flash=activity_logged"}})
			_ = res
			list, _, err := e.app.Activities(ctx, store.ActFilter{})
			if err != nil || len(list) != 2 {
				t.Fatalf("activities = %+v, %v", list, err)
			}
			visit := list[0]
			ap := fmt.Sprintf("/activities/%d", visit.ID)

			e.run(t, l, scenario{name: "my week", path: "/activities?flash=activity_logged", header: rep, wantStatus: 200, wantBody: []string{
				tr(p, "flash.activity_logged"), tr(p, "activity.week"), "2026-W48", tr(p, "weekday.1"), tr(p, "weekday.0"),
				`id="day-2026-11-23"`, tr(p, "activity.kind.VISIT"), "华为技术有限公司", "提交方案", "张总" + p.T("list.sep"),
				tr(p, "activity.overdue_steps"), tr(p, "activity.due_steps"), "回电", tr(p, "activity.mark_done"),
			}})
			e.run(t, l, scenario{name: "last week", path: "/activities?week=2026-W47", header: rep, wantStatus: 200,
				wantBody: []string{"2026-W47", tr(p, "activity.overdue_steps")}, notBody: []string{`id="activity-`}})
			e.run(t, l, scenario{name: "a bad week", path: "/activities?week=2026-48", header: rep, wantStatus: 400})
			e.run(t, l, scenario{name: "the rep's week for the manager", path: fmt.Sprintf("/activities?person=%d", o.rep.ID),
				header: o.as(l, o.manager), wantStatus: 200, wantBody: []string{tr(p, "activity.week_of", "王销售"), "提交方案"}})
			e.run(t, l, scenario{name: "the rep's week for another rep", path: fmt.Sprintf("/activities?person=%d", o.rep.ID),
				header: o.as(l, o.rep2), wantStatus: 404})
			e.run(t, l, scenario{name: "the team calendar", path: "/activities/team?week=2026-W48", header: o.as(l, o.manager), wantStatus: 200,
				check: func(t *testing.T, res response) {
					rows := tableRows(t, res.Body, "team-week")
					if len(rows) != 2 {
						t.Fatalf("team rows = %q", rows)
					}
					for _, r := range rows {
						if r[0] == "王销售" && (r[1] != p.T("activity.kind.VISIT") || r[5] != p.T("activity.kind.CALL") || r[8] != "2" || r[9] != "1") {
							t.Errorf("the rep's row = %q", r)
						}
					}
				}})
			e.run(t, l, scenario{name: "another team", path: "/activities/team?team=987654", header: o.as(l, o.manager), wantStatus: 404})

			// The activity's page and its edit form.
			e.run(t, l, scenario{name: "the activity", path: ap, header: rep, wantStatus: 200, wantBody: []string{
				tr(p, "activity.kind.VISIT"), "了解需求", "预算已确认", `href="/opportunities/` + fmt.Sprint(opp.ID) + `"`, tr(p, "activity.overdue"),
				`id="activity-form"`, `name="version" value="1"`}})
			e.run(t, l, scenario{name: "the activity for another rep", path: ap, header: o.as(l, o.rep2), wantStatus: 404})
			upd := form("kind", "DEMO", "account", accID, "opportunity", fmt.Sprint(opp.ID), "date", "2026-11-23", "outcome", "演示顺利",
				"next_step", "提交方案", "next_step_due", "2026-11-25", "version", "1")
			e.run(t, l, scenario{name: "save", path: ap, header: rep, form: upd, wantStatus: 303,
				wantHeader: map[string]string{"Location": ap + "?flash=activity_saved"}})
			e.run(t, l, scenario{name: "a stale save", path: ap, header: rep, form: upd, wantStatus: 409,
				wantBody: []string{tr(p, "error.conflict.detail"), `name="version" value="2"`}})
			e.run(t, l, scenario{name: "next step done", path: ap + "/done", header: rep, form: form("version", "2", "back", "/activities?week=2026-W48"),
				wantStatus: 303, wantHeader: map[string]string{"Location": "/activities?week=2026-W48&flash=next_step_done"}})
			e.run(t, l, scenario{name: "done, stale", path: ap + "/done", header: rep, form: form("version", "2"), wantStatus: 409})
			e.run(t, l, scenario{name: "the opportunity lists it", path: fmt.Sprintf("/opportunities/%d", opp.ID), header: rep, wantStatus: 200,
				wantBody: []string{"演示顺利", tr(p, "activity.kind.DEMO"), tr(p, "activity.done")}})
			e.run(t, l, scenario{name: "delete", path: ap + "/delete", header: rep, form: form(), wantStatus: 303,
				wantHeader: map[string]string{"Location": "/activities?flash=activity_deleted"}})
			e.run(t, l, scenario{name: "gone", path: ap, header: rep, wantStatus: 404})
		})
	}
}
