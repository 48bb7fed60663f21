package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/web"
)

// meetOrg is the organisation of the meeting page tests: team 华东 with its
// manager and a strategic rep, team 华南 with its own manager, an account
// of the rep with revenue and activities in week 2026-W48 (the clock's).
type meetOrg struct {
	east, south crm.Team
	mgr, rep    crm.Person
	mgr2        crm.Person
	acc         crm.Account
	session     map[int64]string
}

func newMeetOrg(t *testing.T, e *env) *meetOrg {
	t.Helper()
	ctx := context.Background()
	sales, err := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	if err != nil {
		t.Fatal(err)
	}
	o := &meetOrg{session: map[int64]string{}}
	if o.east, err = e.app.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华东区"}); err != nil {
		t.Fatal(err)
	}
	if o.south, err = e.app.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华南区"}); err != nil {
		t.Fatal(err)
	}
	o.mgr = apptest.Person(t, e.app, crm.RoleManager, crm.Person{Name: "赵经理", DepartmentID: sales.ID, TeamID: o.east.ID})
	o.rep = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "陈战略", DepartmentID: sales.ID, TeamID: o.east.ID,
		ManagerID: o.mgr.ID, Track: crm.TrackStrategic})
	o.mgr2 = apptest.Person(t, e.app, crm.RoleManager, crm.Person{Name: "孙经理", DepartmentID: sales.ID, TeamID: o.south.ID})
	for _, p := range []crm.Person{o.mgr, o.rep, o.mgr2} {
		o.session[p.ID] = apptest.Session(t, e.app, p)
	}
	if o.acc, err = e.app.CreateAccount(ctx, "test", crm.Account{Code: "M1", Name: "华为技术有限公司"}); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Store().SetOwnerships(ctx, []store.Ownership{{AccountID: o.acc.ID, OwnerID: o.rep.ID, SalesRepID: o.rep.ID,
		OwnerDepartment: crm.DeptCustomerService, Stage: crm.StageGrowing}}, now); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rev.csv")
	body := "客户编号,客户名称,日期,金额,类别\nM1,华为技术有限公司,2025-11-10,8000000,产品\nM1,华为技术有限公司,2026-11-24,125000,产品\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Import(ctx, "test", app.ImportRequest{Kind: app.KindRevenue, Path: path}); err != nil {
		t.Fatal(err)
	}
	if err := e.app.EnsureStandings(ctx); err != nil {
		t.Fatal(err)
	}
	rep := apptest.Context(o.rep)
	for _, x := range []crm.Activity{
		{Kind: crm.ActVisit, AccountID: o.acc.ID, Date: crm.MakeDate(2026, 11, 23), Outcome: "确认了预算"},
		{Kind: crm.ActDemo, AccountID: o.acc.ID, Date: crm.MakeDate(2026, 11, 24), NextStep: "提交报价", NextStepDue: crm.MakeDate(2026, 12, 1)},
	} {
		if _, err := e.app.CreateActivity(rep, x); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// as is the header of a same-origin request by p in the language of l.
func (o *meetOrg) as(l lang, p crm.Person) map[string]string {
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

var exportLink = regexp.MustCompile(`href="/meetings/(\d+)/export.xlsx"`)

// TestMeetingPages prepares, records and exports a team's weekly meetings
// in both languages: the pack's numbers, the record forms, action items
// carried forward and closed, a stale save, scopes, the XLSX and the print
// stylesheet; and the company's monthly pack.
func TestMeetingPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			o := newMeetOrg(t, e)
			p := l.p
			mgr := o.as(l, o.mgr)
			weekly := fmt.Sprintf("/meetings/weekly?team=%d&week=2026-W48", o.east.ID)
			e.run(t, l, scenario{name: "list", path: "/meetings", header: mgr, wantStatus: 200,
				wantBody: []string{tr(p, "meeting.weekly"), `id="new-weekly"`, `value="2026-W47"`, tr(p, "meeting.none")}})
			res := e.run(t, l, scenario{name: "the pack", path: weekly, header: mgr, wantStatus: 200,
				wantBody: []string{tr(p, "meeting.weekly_title", "华东区", "2026-W48"), tr(p, "meeting.not_recorded"), `id="week-revenue">125,000<`, "提交报价", "css/meetings.css"},
				check: func(t *testing.T, res response) {
					rows := tableRows(t, res.Body, "results-table")
					i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "陈战略" })
					// Two activities; one effective meeting: the demo has no outcome.
					if i < 0 || !slices.Equal(rows[i][1:4], []string{"2", "1", "6"}) {
						t.Errorf("results = %q", rows)
					}
				}})
			css := regexp.MustCompile(`href="(/static/[^"]*css/meetings\.css)"`).FindStringSubmatch(res.Body)
			if css == nil {
				t.Fatal("no print stylesheet")
			}
			if got := e.do(t, "GET", css[1], "", nil); got.Status != 200 || !strings.Contains(got.Body, "@page { size: A4") ||
				!strings.Contains(got.Body, "break-before: page") {
				t.Errorf("print stylesheet %s = %d %.200s", css[1], got.Status, got.Body)
			}
			e.run(t, l, scenario{name: "another team's manager", path: weekly, header: o.as(l, o.mgr2), wantStatus: 404})
			e.run(t, l, scenario{name: "a bad week", path: "/meetings", header: mgr, wantStatus: 422,
				form:     url.Values{"type": {"WEEKLY"}, "team": {fmt.Sprint(o.east.ID)}, "period": {"2026-W60"}},
				wantBody: []string{tr(p, "error.meeting.week")}})
			create := func(week string) int64 {
				res := e.run(t, l, scenario{name: "record " + week, path: "/meetings", header: mgr, wantStatus: 303,
					form: url.Values{"type": {"WEEKLY"}, "team": {fmt.Sprint(o.east.ID)}, "period": {week}, "held_at": {"2026-11-27"},
						"attendees": {"赵经理\n陈战略"}, "blockers": {"报价审批慢"}}})
				page := e.run(t, l, scenario{name: "recorded " + week, path: res.Header.Get("Location"), header: mgr, wantStatus: 200,
					wantBody: []string{tr(p, "flash.saved"), "报价审批慢", `id="export"`}})
				m := exportLink.FindStringSubmatch(page.Body)
				if m == nil {
					t.Fatal("no export link")
				}
				var id int64
				fmt.Sscan(m[1], &id)
				return id
			}
			w48 := create("2026-W48")
			base := fmt.Sprintf("/meetings/%d", w48)
			e.run(t, l, scenario{name: "a decision", path: base + "/decisions", header: mgr, form: url.Values{"text": {"本周完成报价"}}, wantStatus: 303})
			e.run(t, l, scenario{name: "an action item", path: base + "/actions", header: mgr, wantStatus: 303,
				form: url.Values{"text": {"推动报价审批"}, "owner": {fmt.Sprint(o.rep.ID)}, "due": {"2026-12-04"}}})
			e.run(t, l, scenario{name: "an action item without text", path: base + "/actions", header: mgr, wantStatus: 422,
				form: url.Values{"text": {" "}}, wantBody: []string{tr(p, "error.required")}})
			mv, err := e.app.Meeting(context.Background(), w48)
			if err != nil || len(mv.Actions) != 1 || len(mv.Decisions) != 1 {
				t.Fatalf("meeting = %+v, %v", mv, err)
			}
			version := fmt.Sprint(mv.Meeting.Version)
			e.run(t, l, scenario{name: "save the record", path: base, header: mgr, wantStatus: 303,
				form: url.Values{"version": {version}, "notes": {"会议顺利"}, "attendees": {"赵经理"}}})
			e.run(t, l, scenario{name: "a stale save", path: base, header: mgr, wantStatus: 409,
				form: url.Values{"version": {version}, "notes": {"覆盖"}}})
			e.run(t, l, scenario{name: "another manager records", path: base + "/decisions", header: o.as(l, o.mgr2), wantStatus: 404,
				form: url.Values{"text": {"x"}}})

			// The item carries forward to W49 until closed there.
			w49 := create("2026-W49")
			x := mv.Actions[0]
			e.run(t, l, scenario{name: "carried", path: fmt.Sprintf("/meetings/weekly?team=%d&week=2026-W49", o.east.ID), header: mgr, wantStatus: 200,
				wantBody: []string{"推动报价审批", tr(p, "meeting.carried"), fmt.Sprintf(`action="/action-items/%d"`, x.ID)}})
			e.run(t, l, scenario{name: "close it", path: fmt.Sprintf("/action-items/%d", x.ID), header: mgr, wantStatus: 303,
				form: url.Values{"meeting": {fmt.Sprint(w49)}, "status": {"DONE"}, "version": {fmt.Sprint(x.Version)}}})
			e.run(t, l, scenario{name: "close it again", path: fmt.Sprintf("/action-items/%d", x.ID), header: mgr, wantStatus: 409,
				form: url.Values{"meeting": {fmt.Sprint(w49)}, "status": {"DONE"}, "version": {fmt.Sprint(x.Version)}}})
			e.run(t, l, scenario{name: "no longer carried", path: fmt.Sprintf("/meetings/weekly?team=%d&week=2026-W50", o.east.ID), header: mgr,
				wantStatus: 200, notBody: []string{"推动报价审批"}})

			// The workbook.
			res = e.run(t, l, scenario{name: "export", path: base + "/export.xlsx", header: mgr, wantStatus: 200,
				wantHeader: map[string]string{"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}})
			f, err := excelize.OpenReader(strings.NewReader(res.Body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			for _, k := range []string{"meeting.sheet.results", "meeting.sheet.key_accounts", "meeting.sheet.new", "meeting.sheet.plan",
				"meeting.sheet.actions", "meeting.sheet.record"} {
				if !slices.Contains(sheets, p.T(k)) {
					t.Errorf("sheets %q lack %q", sheets, p.T(k))
				}
			}
			rows, _ := f.GetRows(p.T("meeting.sheet.record"))
			if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) > 1 && r[1] == "本周完成报价" }) {
				t.Errorf("record sheet = %q", rows)
			}
			e.run(t, l, scenario{name: "export by a member", path: base + "/export.xlsx", header: o.as(l, o.rep), wantStatus: 403})

			// The monthly pack of the company and its record.
			monthly := "/meetings/monthly?department=company&month=2026-11"
			e.run(t, l, scenario{name: "monthly", path: monthly, wantStatus: 200,
				wantBody: []string{tr(p, "meeting.monthly_title", tr(p, "meeting.company"), "2026-11"), `id="at-risk-table"`, "华为技术有限公司",
					tr(p, "meeting.risk.yoy")}})
			e.run(t, l, scenario{name: "monthly for a manager", path: monthly, header: mgr, wantStatus: 404})
			e.run(t, l, scenario{name: "record the month", path: "/meetings", wantStatus: 303, header: sameOrigin,
				form:       url.Values{"type": {"MONTHLY"}, "department": {"0"}, "period": {"2026-11"}},
				wantHeader: map[string]string{"Location": "/meetings/monthly?department=company&month=2026-11&flash=saved"}})
			res = e.run(t, l, scenario{name: "recorded month", path: monthly, wantStatus: 200, wantBody: []string{`id="export"`}})
			if m := exportLink.FindStringSubmatch(res.Body); m != nil {
				res = e.run(t, l, scenario{name: "monthly export", path: "/meetings/" + m[1] + "/export.xlsx", wantStatus: 200})
				f, err := excelize.OpenReader(strings.NewReader(res.Body))
				if err != nil {
					t.Fatal(err)
				}
				if sheets := f.GetSheetList(); !slices.Contains(sheets, p.T("meeting.sheet.accounts")) || !slices.Contains(sheets, p.T("meeting.sheet.risk")) {
					t.Errorf("monthly sheets = %q", sheets)
				}
				f.Close()
			}
		})
	}
}
