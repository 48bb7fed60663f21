package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"kam/internal/api"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
)

// TestLifecycleAPI moves an account from TARGET through the handover to
// GROWING over the API, with problems in both languages: the history, the
// stage and owner writes, the handover lists, edits and the acceptance by
// the lead alone.
func TestLifecycleAPI(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh-CN"} {
		p := i18n.Get(lang)
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			ctx := context.Background()
			sales, err := e.app.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := e.app.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService})
			if err != nil {
				t.Fatal(err)
			}
			rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售", DepartmentID: sales.ID})
			lead := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "李客服", DepartmentID: cs.ID})
			lead2 := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "周客服", DepartmentID: cs.ID})
			as := func(who crm.Person) map[string]string {
				return map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, who), "Accept-Language": lang}
			}
			admin := map[string]string{"Accept-Language": lang}
			acc, err := e.app.CreateAccount(ctx, "test", crm.Account{Code: "LC1", Name: "华为技术有限公司"})
			if err != nil {
				t.Fatal(err)
			}
			if acc, err = e.app.MoveStage(ctx, acc.ID, crm.StageMove{To: crm.StageTarget, Reason: "选客", Version: acc.Version}, 0); err != nil {
				t.Fatal(err)
			}
			base := fmt.Sprintf("/api/v1/accounts/%d", acc.ID)
			var lc api.LifecycleJSON
			wantField := func(field, key string) func(t *testing.T, res response) {
				return func(t *testing.T, res response) {
					t.Helper()
					if pr := problemOf(t, res); pr.Fields[field] != p.T(key) {
						t.Errorf("problem fields = %v, want %s: %q", pr.Fields, field, p.T(key))
					}
				}
			}
			into := func(v any) func(t *testing.T, res response) {
				return func(t *testing.T, res response) {
					reflect.ValueOf(v).Elem().SetZero() // fields the answer omits are zero
					decodeJSON(t, res, v)
				}
			}
			version := func() int {
				a, err := e.app.Account(ctx, acc.ID)
				if err != nil {
					t.Fatal(err)
				}
				return a.Version
			}
			steps := []scenario{
				{name: "the history", path: base + "/history", wantStatus: 200, wantBody: []string{`"to_stage":"TARGET"`, `"reason":"选客"`, `"owner_department":"MARKETING"`}},
				{name: "no reason", method: "POST", path: base + "/stage", header: admin, body: fmt.Sprintf(`{"to":"PURSUIT","reason":" ","version":%d}`, version()),
					wantStatus: 422, check: wantField("reason", "error.required")},
				{name: "an illegal move", method: "POST", path: base + "/stage", header: admin, body: fmt.Sprintf(`{"to":"BOUND","reason":"x","version":%d}`, version()),
					wantStatus: 422, check: wantField("stage", "error.stage.transition")},
				{name: "no version", method: "POST", path: base + "/stage", header: admin, body: `{"to":"PURSUIT","reason":"x"}`,
					wantStatus: 422, check: wantField("version", "error.version.required")},
				{name: "an unknown field", method: "POST", path: base + "/stage", body: `{"to":"PURSUIT","reason":"x","stage":"PURSUIT"}`, wantStatus: 400},
				{name: "to pursuit", method: "POST", path: base + "/stage", body: fmt.Sprintf(`{"to":"PURSUIT","reason":"派单","owner_id":%d,"version":%d}`, rep.ID, version()),
					wantStatus: 200, wantBody: []string{`"stage":"PURSUIT"`, `"owner_department":"SALES"`, fmt.Sprintf(`"owner_id":%d`, rep.ID), fmt.Sprintf(`"sales_rep_id":%d`, rep.ID)},
					check: into(&lc)},
			}
			for _, sc := range steps {
				e.run(t, sc)
			}
			e.run(t, scenario{name: "a stale move", method: "POST", path: base + "/stage", header: admin,
				body: fmt.Sprintf(`{"to":"TARGET","reason":"x","version":%d}`, lc.Version-1), wantStatus: 409,
				check: func(t *testing.T, res response) {
					if pr := problemOf(t, res); pr.Title != p.T("error.conflict") {
						t.Errorf("title = %q, want %q", pr.Title, p.T("error.conflict"))
					}
				}})
			e.run(t, scenario{name: "reassign without a change", method: "POST", path: base + "/owner", header: admin,
				body:       fmt.Sprintf(`{"owner_id":%d,"sales_rep_id":%d,"reason":"同上","version":%d}`, rep.ID, rep.ID, lc.Version),
				wantStatus: 422, check: wantField("owner", "error.lifecycle.no_change")})
			e.run(t, scenario{name: "reassign", method: "POST", path: base + "/owner",
				body:       fmt.Sprintf(`{"owner_id":%d,"sales_rep_id":%d,"reason":"负责人确认","version":%d}`, rep.ID, 0, lc.Version),
				wantStatus: 200, wantBody: []string{`"stage":"PURSUIT"`}, check: into(&lc)})
			if lc.SalesRepID != 0 || lc.OwnerID != rep.ID {
				t.Fatalf("after the reassignment: %+v", lc)
			}

			// The rep signs the contract.
			e.run(t, scenario{name: "a bad contract date", method: "POST", path: base + "/stage", header: as(rep),
				body:       fmt.Sprintf(`{"to":"ONBOARDING","reason":"签约","contract_date":"2026-02-30","version":%d}`, lc.Version),
				wantStatus: 422, check: wantField("contract_date", "error.lifecycle.date")})
			e.run(t, scenario{name: "no contract date", method: "POST", path: base + "/stage", header: as(rep),
				body:       fmt.Sprintf(`{"to":"ONBOARDING","reason":"签约","version":%d}`, lc.Version),
				wantStatus: 422, check: wantField("contract_date", "error.stage.contract_date")})
			e.run(t, scenario{name: "to onboarding", method: "POST", path: base + "/stage", header: as(rep),
				body:       fmt.Sprintf(`{"to":"ONBOARDING","reason":"合同已签","contract_date":"2026-10-01","to_person_id":%d,"version":%d}`, lead.ID, lc.Version),
				wantStatus: 200, wantBody: []string{`"stage":"ONBOARDING"`, `"open_handover_id":`}, check: into(&lc)})
			hp := fmt.Sprintf("/api/v1/handovers/%d", lc.OpenHandoverID)

			var list struct{ Items []api.HandoverJSON }
			e.run(t, scenario{name: "the lead's handovers", path: "/api/v1/handovers?view=mine", header: as(lead), wantStatus: 200, check: into(&list)})
			if len(list.Items) != 1 {
				t.Fatalf("the lead's handovers = %+v", list.Items)
			}
			h := list.Items[0]
			if h.ID != lc.OpenHandoverID || h.FromPersonID != rep.ID || h.ToPersonID != lead.ID || h.ToName != "李客服" || h.ContractDate != "2026-10-01" ||
				h.DueDate != "2026-10-31" || !h.Overdue || !h.CanAccept || h.Status != "OPEN" || len(h.Missing) != 6 || len(h.Checklist) != 6 || h.KickoffDate != "" {
				t.Fatalf("handover = %+v", h)
			}
			e.run(t, scenario{name: "the other lead's", path: "/api/v1/handovers?view=mine", header: as(lead2), wantStatus: 200, wantBody: []string{`"items":[]`}})
			e.run(t, scenario{name: "overdue", path: "/api/v1/handovers?view=overdue", wantStatus: 200, wantBody: []string{`"overdue":true`, `"account_code":"LC1"`}})
			e.run(t, scenario{name: "open, by default", path: "/api/v1/handovers", header: as(rep), wantStatus: 200, wantBody: []string{`"can_accept":false`}})
			e.run(t, scenario{name: "an unknown view", path: "/api/v1/handovers?view=late", header: admin, wantStatus: 422, check: wantField("view", "error.handover.view")})
			e.run(t, scenario{name: "one handover", path: hp, header: as(rep), wantStatus: 200, wantBody: []string{`"account_name":"华为技术有限公司"`}})
			e.run(t, scenario{name: "unknown handover", path: "/api/v1/handovers/987654", wantStatus: 404})

			// The rep fills in the checklist.
			items := map[string]crm.ChecklistItem{}
			for _, it := range crm.HandoverItems {
				items[it] = crm.ChecklistItem{Done: true, Note: "已交接"}
			}
			checklist, _ := json.Marshal(items)
			e.run(t, scenario{name: "kickoff before the contract", method: "PATCH", path: hp, header: as(rep),
				body: fmt.Sprintf(`{"kickoff_date":"2026-09-01","version":%d}`, h.Version), wantStatus: 422, check: wantField("kickoff_date", "error.handover.kickoff_before_contract")})
			e.run(t, scenario{name: "a bad kickoff date", method: "PATCH", path: hp, header: as(rep),
				body: fmt.Sprintf(`{"kickoff_date":"soon","version":%d}`, h.Version), wantStatus: 422, check: wantField("kickoff_date", "error.lifecycle.date")})
			e.run(t, scenario{name: "an unknown item", method: "PATCH", path: hp, header: as(rep),
				body: fmt.Sprintf(`{"checklist":{"gifts":{"done":true}},"version":%d}`, h.Version), wantStatus: 422, check: wantField("checklist", "error.handover.item")})
			e.run(t, scenario{name: "half the checklist", method: "PATCH", path: hp, header: as(rep),
				body:       fmt.Sprintf(`{"checklist":{"account_plan":{"done":true,"note":"见附件"}},"version":%d}`, h.Version),
				wantStatus: 200, wantBody: []string{`"account_plan":{"done":true,"note":"见附件"}`, `"missing":["contact_map",`}, check: into(&h)})
			e.run(t, scenario{name: "the lead cannot accept it yet", method: "POST", path: hp + "/accept", header: as(lead),
				body: fmt.Sprintf(`{"version":%d}`, h.Version), wantStatus: 422, check: wantField("checklist", "error.handover.incomplete")})
			e.run(t, scenario{name: "the rest and the kickoff", method: "PATCH", path: hp, header: as(rep),
				body:       fmt.Sprintf(`{"checklist":%s,"kickoff_date":"2026-11-20","version":%d}`, checklist, h.Version),
				wantStatus: 200, wantBody: []string{`"missing":[]`, `"kickoff_date":"2026-11-20"`}, check: into(&h)})
			e.run(t, scenario{name: "a stale edit", method: "PATCH", path: hp, header: as(rep),
				body: fmt.Sprintf(`{"kickoff_date":"","version":%d}`, h.Version-1), wantStatus: 409})

			// Only the named lead accepts.
			for _, who := range []crm.Person{rep, lead2} {
				want := 403
				if who.ID == lead2.ID {
					want = 404 // outside the account's scope and not part of the handover
				}
				e.run(t, scenario{name: "accepted by " + who.Name, method: "POST", path: hp + "/accept", header: as(who),
					body: fmt.Sprintf(`{"version":%d}`, h.Version), wantStatus: want})
			}
			e.run(t, scenario{name: "a stale acceptance", method: "POST", path: hp + "/accept", header: as(lead),
				body: fmt.Sprintf(`{"version":%d}`, h.Version-1), wantStatus: 409})
			e.run(t, scenario{name: "accept", method: "POST", path: hp + "/accept", header: as(lead),
				body: fmt.Sprintf(`{"version":%d}`, h.Version), wantStatus: 200, wantBody: []string{`"status":"ACCEPTED"`, `"accepted_at":"`, `"overdue":false`}})
			var hist struct{ Items []api.StageChangeJSON }
			e.run(t, scenario{name: "the history after", path: base + "/history", header: as(lead), wantStatus: 200, check: into(&hist)})
			var steps2 []string
			for _, c := range hist.Items {
				steps2 = append(steps2, c.FromStage+">"+c.ToStage)
			}
			if got, want := strings.Join(steps2, " "), "ONBOARDING>GROWING PURSUIT>ONBOARDING PURSUIT>PURSUIT TARGET>PURSUIT >TARGET"; got != want {
				t.Errorf("history = %s, want %s", got, want)
			}
			if c := hist.Items[0]; c.Reason != fmt.Sprintf("handover:%d", h.ID) || c.ToOwnerID != lead.ID || c.FromOwnerID != rep.ID ||
				c.OwnerDepartment != "CUSTOMER_SERVICE" || !strings.HasPrefix(c.Actor, "李客服 <") {
				t.Errorf("the acceptance in the history: %+v", c)
			}
			a, err := e.app.Account(ctx, acc.ID)
			if err != nil || a.Stage != crm.StageGrowing || a.OwnerID != lead.ID || a.SalesRepID != rep.ID || a.OwnerDepartment != crm.DeptCustomerService {
				t.Errorf("the account after the acceptance: %+v, %v", a, err)
			}
			e.run(t, scenario{name: "someone outside reads the history", path: base + "/history", header: as(lead2), wantStatus: 404})
			e.run(t, scenario{name: "someone outside moves it", method: "POST", path: base + "/stage", header: as(lead2),
				body: fmt.Sprintf(`{"to":"AT_RISK","reason":"x","version":%d}`, a.Version), wantStatus: 404})
			e.run(t, scenario{name: "history of an unknown account", path: "/api/v1/accounts/987654/history", wantStatus: 404})
		})
	}
}
