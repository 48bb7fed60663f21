package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/web"
)

// lcOrg is the organisation of the lifecycle page tests: a rep in sales, two
// project leads in customer service, another rep, and an account in TARGET.
type lcOrg struct {
	rep, rep2, lead, lead2 crm.Person
	acc                    crm.Account
	session                map[int64]string // person → session cookie value
}

func newLCOrg(t *testing.T, e *env) *lcOrg {
	t.Helper()
	ctx := context.Background()
	sales, err := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := e.app.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService})
	if err != nil {
		t.Fatal(err)
	}
	o := &lcOrg{session: map[int64]string{}}
	o.rep = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售", DepartmentID: sales.ID})
	o.rep2 = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "钱销售", DepartmentID: sales.ID})
	o.lead = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "李客服", DepartmentID: cs.ID})
	o.lead2 = apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "周客服", DepartmentID: cs.ID})
	for _, p := range []crm.Person{o.rep, o.rep2, o.lead, o.lead2} {
		o.session[p.ID] = apptest.Session(t, e.app, p)
	}
	if o.acc, err = e.app.CreateAccount(ctx, "test", crm.Account{Code: "LC1", Name: "华为技术有限公司"}); err != nil {
		t.Fatal(err)
	}
	// Marketing locked it; nobody owns it yet.
	if o.acc, err = e.app.MoveStage(ctx, o.acc.ID, crm.StageMove{To: crm.StageTarget, Reason: "选客：5A", Version: o.acc.Version}, 0); err != nil {
		t.Fatal(err)
	}
	return o
}

// as is the header of a same-origin request by p, in the language of l.
func (o *lcOrg) as(l lang, p crm.Person) map[string]string {
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

func (o *lcOrg) version(t *testing.T, e *env) string {
	t.Helper()
	a, err := e.app.Account(context.Background(), o.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(a.Version)
}

func (o *lcOrg) handover(t *testing.T, e *env) app.HandoverView {
	t.Helper()
	hs, err := e.app.Handovers(context.Background(), app.HandoversAll)
	if err != nil || len(hs) != 1 {
		t.Fatalf("handovers = %+v, %v", hs, err)
	}
	return hs[0]
}

// TestLifecyclePages moves an account from TARGET through the handover to
// GROWING with the pages, in both languages: the account's lifecycle
// section, the move and owner forms with their problems, the handover list
// and page, the acceptance by the lead alone.
func TestLifecyclePages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		p := l.p
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			o := newLCOrg(t, e)
			acc := fmt.Sprintf("/accounts/%d", o.acc.ID)
			admin := map[string]string{} // the env's administrator session

			e.run(t, l, scenario{name: "the account page", path: acc, wantStatus: 200, wantBody: []string{
				`id="lifecycle"`, tr(p, "lifecycle.title"), tr(p, "stage.TARGET"), tr(p, "dept.MARKETING"),
				`action="` + acc + `/stage"`, `<option value="PURSUIT"`, `<option value="LOST"`, tr(p, "stage.PURSUIT"),
				`name="version" value="` + o.version(t, e) + `"`, "选客：5A", `href="/handovers"`, tr(p, "nav.handovers"),
			}, notBody: []string{`<option value="GROWING"`, `name="contract_date"`}})
			e.run(t, l, scenario{name: "no reason", path: acc + "/stage", header: admin,
				form:       form("to", "PURSUIT", "reason", " ", "owner", fmt.Sprint(o.rep.ID), "version", o.version(t, e)),
				wantStatus: 422, wantBody: []string{tr(p, "error.required"), `<option value="PURSUIT" selected>`, tr(p, "error.validation")}})
			e.run(t, l, scenario{name: "an illegal move", path: acc + "/stage",
				form:       form("to", "GROWING", "reason", "跳过", "version", o.version(t, e)),
				wantStatus: 422, wantBody: []string{tr(p, "error.stage.transition")}})
			e.run(t, l, scenario{name: "no version", path: acc + "/stage", form: form("to", "PURSUIT", "reason", "派单"),
				wantStatus: 422, wantBody: []string{tr(p, "error.version.required")}})
			stale := o.version(t, e)
			e.run(t, l, scenario{name: "to pursuit, owned by the rep", path: acc + "/stage",
				form:       form("to", "PURSUIT", "reason", "派单给王销售", "owner", fmt.Sprint(o.rep.ID), "version", stale),
				wantStatus: 303, wantHeader: map[string]string{"Location": acc + "?flash=stage_moved#lifecycle"}})
			e.run(t, l, scenario{name: "a stale move", path: acc + "/stage", form: form("to", "LOST", "reason", "晚了", "version", stale),
				wantStatus: 409, wantBody: []string{tr(p, "error.conflict.detail"), "晚了", `name="version" value="` + o.version(t, e) + `"`}})
			e.run(t, l, scenario{name: "after the move", path: acc + "?flash=stage_moved", wantStatus: 200, wantBody: []string{
				tr(p, "flash.stage_moved"), tr(p, "stage.PURSUIT"), tr(p, "dept.SALES"), `<a href="/people/` + fmt.Sprint(o.rep.ID) + `">王销售</a>`,
				"派单给王销售", `name="contract_date"`, `<option value="ONBOARDING"`, `<option value="` + fmt.Sprint(o.lead.ID) + `">李客服</option>`,
			}})

			// The owner form.
			e.run(t, l, scenario{name: "reassign without a reason", path: acc + "/owner",
				form:       form("owner", fmt.Sprint(o.rep.ID), "sales_rep", fmt.Sprint(o.rep.ID), "reason", "", "version", o.version(t, e)),
				wantStatus: 422, wantBody: []string{tr(p, "error.required"), `id="owner-details" open`}})
			e.run(t, l, scenario{name: "reassign", path: acc + "/owner",
				form:       form("owner", fmt.Sprint(o.rep.ID), "sales_rep", fmt.Sprint(o.rep2.ID), "reason", "双人跟进", "version", o.version(t, e)),
				wantStatus: 303, wantHeader: map[string]string{"Location": acc + "?flash=owner_changed#lifecycle"}})

			// The rep: the contract is signed.
			rep := o.as(l, o.rep)
			e.run(t, l, scenario{name: "a bad contract date", path: acc + "/stage", header: rep,
				form:       form("to", "ONBOARDING", "reason", "签约", "contract_date", "2026-13-01", "version", o.version(t, e)),
				wantStatus: 422, wantBody: []string{tr(p, "error.lifecycle.date"), `value="2026-13-01"`}})
			e.run(t, l, scenario{name: "a lead from sales", path: acc + "/stage", header: rep,
				form:       form("to", "ONBOARDING", "reason", "签约", "contract_date", "2026-10-01", "lead", fmt.Sprint(o.rep2.ID), "version", o.version(t, e)),
				wantStatus: 422, wantBody: []string{tr(p, "error.handover.lead")}})
			e.run(t, l, scenario{name: "to onboarding", path: acc + "/stage", header: rep,
				form:       form("to", "ONBOARDING", "reason", "合同已签", "contract_date", "2026-10-01", "lead", fmt.Sprint(o.lead.ID), "version", o.version(t, e)),
				wantStatus: 303})
			h := o.handover(t, e)
			hp := fmt.Sprintf("/handovers/%d", h.ID)
			// Contract on 2026-10-01, due 30 days later: overdue on 2026-11-27.
			e.run(t, l, scenario{name: "the open handover on the account", path: acc, header: rep, wantStatus: 200, wantBody: []string{
				`href="` + hp + `"`, tr(p, "handover.due_on", "2026-10-31"), tr(p, "handover.overdue"), tr(p, "handover.to_lead", "李客服"),
			}})
			e.run(t, l, scenario{name: "someone outside does not see the account", path: acc, header: o.as(l, o.lead2), wantStatus: 404})

			// The lists.
			lead := o.as(l, o.lead)
			e.run(t, l, scenario{name: "the lead's list", path: "/handovers?view=mine", header: lead, wantStatus: 200, wantBody: []string{
				tr(p, "handover.title"), "华为技术有限公司", tr(p, "handover.to_accept"), tr(p, "handover.overdue"), tr(p, "handover.done_of", 0, 6),
				`href="/handovers?view=mine" class="active"`, tr(p, "handover.view.overdue"),
			}})
			e.run(t, l, scenario{name: "overdue", path: "/handovers?view=overdue", wantStatus: 200, wantBody: []string{"华为技术有限公司"}})
			e.run(t, l, scenario{name: "the other lead's list", path: "/handovers?view=mine", header: o.as(l, o.lead2), wantStatus: 200,
				wantBody: []string{tr(p, "handover.none")}, notBody: []string{"华为技术有限公司"}})
			e.run(t, l, scenario{name: "open, the default", path: "/handovers", header: rep, wantStatus: 200, wantBody: []string{"华为技术有限公司", tr(p, "handover.state.OPEN")},
				notBody: []string{tr(p, "handover.to_accept")}})
			e.run(t, l, scenario{name: "an unknown list", path: "/handovers?view=late", wantStatus: 400})

			// The handover page: the rep fills in the checklist.
			e.run(t, l, scenario{name: "the handover page", path: hp, header: rep, wantStatus: 200, wantBody: []string{
				tr(p, "handover.of", "华为技术有限公司"), `id="handover-form"`, tr(p, "handover.item.contact_map"), `name="done_pricing_terms"`,
				tr(p, "handover.overdue"), "2026-10-31",
			}, notBody: []string{`id="accept-button"`}})
			fill := form("version", fmt.Sprint(h.Version), "lead", fmt.Sprint(o.lead.ID), "kickoff_date", "2026-11-20")
			for _, it := range crm.HandoverItems {
				fill.Set("done_"+it, "1")
				fill.Set("note_"+it, "已交接 "+it)
			}
			fill.Del("done_delivery_plan")
			bad := url.Values{}
			for k, v := range fill {
				bad[k] = v
			}
			bad.Set("kickoff_date", "2026-09-30")
			e.run(t, l, scenario{name: "kickoff before the contract", path: hp, header: rep, form: bad, wantStatus: 422,
				wantBody: []string{tr(p, "error.handover.kickoff_before_contract"), `value="2026-09-30"`, "已交接 open_issues"}})
			e.run(t, l, scenario{name: "save the checklist", path: hp, header: rep, form: fill, wantStatus: 303,
				wantHeader: map[string]string{"Location": hp + "?flash=handover_saved"}})
			e.run(t, l, scenario{name: "a stale save", path: hp, header: rep, form: fill, wantStatus: 409, wantBody: []string{tr(p, "error.conflict.detail")}})
			h = o.handover(t, e)
			version := fmt.Sprint(h.Version)

			// Acceptance: not by the rep; not before the checklist is complete.
			e.run(t, l, scenario{name: "the rep cannot accept", path: hp + "/accept", header: rep, form: form("version", version), wantStatus: 403})
			e.run(t, l, scenario{name: "the lead's view", path: hp + "?flash=handover_saved", header: lead, wantStatus: 200, wantBody: []string{
				tr(p, "flash.handover_saved"), `id="accept-button"`, tr(p, "handover.missing"), tr(p, "handover.item.delivery_plan"), tr(p, "handover.done_of", 5, 6),
			}})
			e.run(t, l, scenario{name: "incomplete", path: hp + "/accept", header: lead, form: form("version", version), wantStatus: 422,
				wantBody: []string{tr(p, "error.handover.incomplete")}})
			fill.Set("done_delivery_plan", "1")
			fill.Set("version", version)
			e.run(t, l, scenario{name: "complete the checklist", path: hp, header: rep, form: fill, wantStatus: 303})
			h = o.handover(t, e)
			e.run(t, l, scenario{name: "a stale acceptance", path: hp + "/accept", header: lead, form: form("version", version), wantStatus: 409,
				wantBody: []string{tr(p, "error.conflict.detail")}})
			e.run(t, l, scenario{name: "accept", path: hp + "/accept", header: lead, form: form("version", fmt.Sprint(h.Version)), wantStatus: 303,
				wantHeader: map[string]string{"Location": acc + "?flash=handover_accepted#lifecycle"}})
			e.run(t, l, scenario{name: "the account is the lead's", path: acc + "?flash=handover_accepted", header: lead, wantStatus: 200, wantBody: []string{
				tr(p, "flash.handover_accepted"), tr(p, "stage.GROWING"), tr(p, "dept.CUSTOMER_SERVICE"),
				`<dd id="owner"><a href="/people/` + fmt.Sprint(o.lead.ID) + `">李客服</a>`, `<dd id="sales-rep"><a href="/people/` + fmt.Sprint(o.rep2.ID) + `">`,
				`<a href="` + hp + `">` + tr(p, "lifecycle.reason_handover", h.ID) + `</a>`, "合同已签", "双人跟进",
			}, notBody: []string{`id="open-handover"`}})
			e.run(t, l, scenario{name: "the accepted handover", path: hp, header: lead, wantStatus: 200,
				wantBody: []string{tr(p, "handover.state.ACCEPTED"), `id="checklist"`, "已交接 delivery_plan"}, notBody: []string{`id="handover-form"`, `id="accept-button"`}})
			e.run(t, l, scenario{name: "all", path: "/handovers?view=all", wantStatus: 200, wantBody: []string{tr(p, "handover.state.ACCEPTED")}})
			e.run(t, l, scenario{name: "no such handover", path: "/handovers/987654", wantStatus: 404})
			e.run(t, l, scenario{name: "another lead cannot move it", path: acc + "/stage", header: o.as(l, o.lead2),
				form: form("to", "AT_RISK", "reason", "投诉", "version", o.version(t, e)), wantStatus: 404})
		})
	}
}
