package api_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"kam/internal/api"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// TestOpportunityAPI creates, changes, moves and deletes opportunities over
// the API, in both languages: defaults, problems naming the field (dangling
// references too), the exit criteria named when a move is refused, stale
// versions, scopes, the funnel, and the handover a first win starts.
func TestOpportunityAPI(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh-CN"} {
		p := i18n.Get(lang)
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			ctx := context.Background()
			rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售"})
			rep2 := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "钱销售"})
			as := func(who crm.Person) map[string]string {
				return map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, who), "Accept-Language": lang}
			}
			repH, rep2H := as(rep), as(rep2)
			account := func(code string, owner crm.Person) crm.Account {
				a, err := e.app.CreateAccount(ctx, "test", crm.Account{Code: code, Name: "客户 " + code})
				if err != nil {
					t.Fatal(err)
				}
				if a, err = e.app.MoveStage(ctx, a.ID, crm.StageMove{To: crm.StagePursuit, Reason: "派单", Version: a.Version}, owner.ID); err != nil {
					t.Fatal(err)
				}
				return a
			}
			acc, acc2 := account("A1", rep), account("A2", rep2)
			field := func(name, key string) func(t *testing.T, res response) {
				return func(t *testing.T, res response) {
					t.Helper()
					if pr := problemOf(t, res); pr.Fields[name] != p.T(key) {
						t.Errorf("problem fields = %v, want %s: %q", pr.Fields, name, p.T(key))
					}
				}
			}
			var o api.OpportunityJSON
			into := func(v any) func(t *testing.T, res response) {
				return func(t *testing.T, res response) { decodeJSON(t, res, v) }
			}

			for _, sc := range []scenario{
				{name: "no name", method: "POST", path: "/api/v1/opportunities", header: repH, body: fmt.Sprintf(`{"account_id":%d}`, acc.ID),
					wantStatus: 422, check: field("name", "error.required")},
				{name: "a missing account", method: "POST", path: "/api/v1/opportunities", header: repH, body: `{"account_id":987654,"name":"x"}`,
					wantStatus: 422, check: field("account", "error.opportunity.account")},
				{name: "an account outside the scope", method: "POST", path: "/api/v1/opportunities", header: repH,
					body: fmt.Sprintf(`{"account_id":%d,"name":"x"}`, acc2.ID), wantStatus: 422, check: field("account", "error.opportunity.account")},
				{name: "a missing owner", method: "POST", path: "/api/v1/opportunities", header: repH,
					body: fmt.Sprintf(`{"account_id":%d,"name":"x","owner_id":987654}`, acc.ID), wantStatus: 422, check: field("owner", "error.lifecycle.person")},
				{name: "a bad amount", method: "POST", path: "/api/v1/opportunities", header: repH,
					body: fmt.Sprintf(`{"account_id":%d,"name":"x","amount":"lots"}`, acc.ID), wantStatus: 422, check: field("amount", "error.opportunity.amount")},
				{name: "an unknown field", method: "POST", path: "/api/v1/opportunities", header: repH, body: `{"title":"x"}`, wantStatus: 400},
				{name: "create", method: "POST", path: "/api/v1/opportunities", header: repH,
					body:       fmt.Sprintf(`{"account_id":%d,"name":"年度框架","amount":1200000,"close_date":"2026-12-31","needs":["降本"],"products":["ERP","MES"]}`, acc.ID),
					wantStatus: 201, wantBody: []string{`"stage":"QUALIFY"`, `"probability":10`, `"amount":1200000.00`, fmt.Sprintf(`"owner_id":%d`, rep.ID),
						`"checks":[]`, `"version":1`}, check: into(&o)},
			} {
				e.run(t, sc)
			}
			op := fmt.Sprintf("/api/v1/opportunities/%d", o.ID)

			// Moves: the exit criteria are named.
			e.run(t, scenario{name: "unmet criteria", method: "POST", path: op + "/stage", header: repH,
				body: fmt.Sprintf(`{"to":"DISCOVER","version":%d,"check":["need_confirmed"]}`, o.Version), wantStatus: 422,
				check: func(t *testing.T, res response) {
					var pr struct {
						api.Problem
						Unmet  []string `json:"unmet_criteria"`
						Labels []string `json:"unmet_labels"`
					}
					decodeJSON(t, res, &pr)
					if !reflect.DeepEqual(pr.Unmet, []string{"budget_known", "decision_maker_known"}) ||
						!reflect.DeepEqual(pr.Labels, []string{p.T("oppcrit.budget_known"), p.T("oppcrit.decision_maker_known")}) ||
						pr.Fields["criteria"] != p.T("error.opportunity.criteria") || !strings.Contains(pr.Detail, p.T("oppcrit.budget_known")) {
						t.Errorf("problem %+v", pr)
					}
				}})
			e.run(t, scenario{name: "no version", method: "POST", path: op + "/stage", header: repH, body: `{"to":"DISCOVER"}`,
				wantStatus: 422, check: field("version", "error.version.required")})
			e.run(t, scenario{name: "a bad date", method: "POST", path: op + "/stage", header: repH,
				body: fmt.Sprintf(`{"to":"LOST","lost_reason":"x","closed_on":"2026-02-30","version":%d}`, o.Version), wantStatus: 422,
				check: field("closed_on", "error.lifecycle.date")})
			var mv api.OppMoveJSON
			e.run(t, scenario{name: "move", method: "POST", path: op + "/stage", header: repH,
				body:       fmt.Sprintf(`{"to":"DISCOVER","version":%d,"check":["need_confirmed","budget_known","decision_maker_known"]}`, o.Version),
				wantStatus: 200, wantBody: []string{`"stage":"DISCOVER"`, `"probability":25`, `"first_win":false`}, check: into(&mv)})
			if mv.Handover != nil {
				t.Errorf("handover on a move to DISCOVER: %+v", mv.Handover)
			}
			e.run(t, scenario{name: "a stale move", method: "POST", path: op + "/stage", header: repH,
				body: fmt.Sprintf(`{"to":"LOST","lost_reason":"x","version":%d}`, o.Version), wantStatus: 409})
			e.run(t, scenario{name: "a stale update", method: "PATCH", path: op, header: repH,
				body: fmt.Sprintf(`{"amount":"900000","version":%d}`, o.Version), wantStatus: 409})
			e.run(t, scenario{name: "an update without version", method: "PATCH", path: op, header: repH, body: `{"amount":"900000"}`,
				wantStatus: 422, check: field("version", "error.version.required")})
			e.run(t, scenario{name: "the stage in an update", method: "PATCH", path: op, header: repH,
				body: fmt.Sprintf(`{"stage":"WON","version":%d}`, mv.Opportunity.Version), wantStatus: 422, check: field("stage", "error.opportunity.stage_by_move")})
			e.run(t, scenario{name: "update", method: "PATCH", path: op, header: repH,
				body:       fmt.Sprintf(`{"amount":"900000","probability":30,"version":%d}`, mv.Opportunity.Version),
				wantStatus: 200, wantBody: []string{`"amount":900000.00`, `"probability":30`, `"name":"年度框架"`, `"products":["ERP","MES"]`}, check: into(&o)})
			e.run(t, scenario{name: "one, with its stays", path: op, header: repH, wantStatus: 200,
				wantBody: []string{`"stays":[{"stage":"QUALIFY"`, `"from_stage":"QUALIFY"`, `"time_in_stages":[`, `"unmet_criteria":["requirements_documented"`}})

			// Scopes.
			e.run(t, scenario{name: "another rep reads it", path: op, header: rep2H, wantStatus: 404})
			e.run(t, scenario{name: "another rep moves it", method: "POST", path: op + "/stage", header: rep2H,
				body: fmt.Sprintf(`{"to":"LOST","lost_reason":"x","version":%d}`, o.Version), wantStatus: 404})
			e.run(t, scenario{name: "another rep deletes it", method: "DELETE", path: op, header: rep2H, wantStatus: 404})
			e.run(t, scenario{name: "another rep's list", path: "/api/v1/opportunities", header: rep2H, wantStatus: 200,
				wantBody: []string{`"items":[]`, `"total":0`}})
			e.run(t, scenario{name: "the list", path: "/api/v1/opportunities?stage=DISCOVER,PROPOSE&sort=amount&per_page=10", header: repH,
				wantStatus: 200, wantBody: []string{`"total":1`, `"name":"年度框架"`, `"per_page":10`}})
			e.run(t, scenario{name: "a bad sort", path: "/api/v1/opportunities?sort=size", header: repH, wantStatus: 422})
			e.run(t, scenario{name: "a bad date filter", path: "/api/v1/pipeline/funnel?from=yesterday", header: repH, wantStatus: 400})

			// The first contract of the account.
			all := `"` + strings.Join(crm.DefaultOppCriteria(), `","`) + `"`
			e.run(t, scenario{name: "won in the future", method: "POST", path: op + "/stage", header: repH,
				body: fmt.Sprintf(`{"to":"WON","closed_on":"2026-12-01","check":[%s],"version":%d}`, all, o.Version), wantStatus: 422,
				check: field("closed_on", "error.opportunity.closed_future")})
			e.run(t, scenario{name: "won", method: "POST", path: op + "/stage", header: repH,
				body: fmt.Sprintf(`{"to":"WON","closed_on":"2026-11-20","check":[%s],"version":%d}`, all, o.Version), wantStatus: 200,
				wantBody: []string{`"first_win":true`, `"started":true`, `"account_stage":"PURSUIT"`, `"closed_on":"2026-11-20"`}, check: into(&mv)})
			if a, err := e.app.Account(ctx, acc.ID); err != nil || a.Stage != crm.StageOnboarding {
				t.Errorf("account after the first win: %s, %v", a.Stage, err)
			}
			e.run(t, scenario{name: "the handover", path: fmt.Sprintf("/api/v1/handovers/%d", mv.Handover.HandoverID), header: repH, wantStatus: 200,
				wantBody: []string{`"contract_date":"2026-11-20"`, `"status":"OPEN"`}})
			// A win on an account that cannot go to onboarding: no handover, said why.
			target, err := e.app.CreateAccount(ctx, "test", crm.Account{Code: "A3", Name: "早到的客户"})
			if err != nil {
				t.Fatal(err)
			}
			if target, err = e.app.MoveStage(ctx, target.ID, crm.StageMove{To: crm.StageTarget, Reason: "选客", Version: target.Version}, rep.ID); err != nil {
				t.Fatal(err)
			}
			var o3 api.OpportunityJSON
			e.run(t, scenario{name: "create on the TARGET account", method: "POST", path: "/api/v1/opportunities", header: repH,
				body: fmt.Sprintf(`{"account_id":%d,"name":"早到的合同"}`, target.ID), wantStatus: 201, check: into(&o3)})
			e.run(t, scenario{name: "won on the TARGET account", method: "POST", path: fmt.Sprintf("/api/v1/opportunities/%d/stage", o3.ID), header: repH,
				body: fmt.Sprintf(`{"to":"WON","check":[%s],"version":%d}`, all, o3.Version), wantStatus: 200,
				wantBody: []string{`"first_win":true`, `"started":false`, `"account_stage":"TARGET"`,
					`"problem":"` + p.T("error.opportunity.handover_stage") + `"`}})

			var f api.FunnelJSON
			e.run(t, scenario{name: "the funnel", path: "/api/v1/pipeline/funnel", header: repH, wantStatus: 200, check: into(&f)})
			if len(f.Stages) != 6 || f.Stages[4].Stage != crm.OppWon || f.Stages[4].Count != 2 || f.Stages[4].Amount != "900000.00" ||
				f.Closed != 2 || f.WinRate == nil || *f.WinRate != 1 || f.Open.Count != 0 {
				t.Errorf("funnel = %+v", f)
			}
			e.run(t, scenario{name: "another rep's funnel", path: "/api/v1/pipeline/funnel", header: rep2H, wantStatus: 200,
				wantBody: []string{`"win_rate":null`, `"closed":0`}})
			e.run(t, scenario{name: "delete", method: "DELETE", path: fmt.Sprintf("/api/v1/opportunities/%d", o3.ID), header: repH, wantStatus: 204})
			e.run(t, scenario{name: "deleted", path: fmt.Sprintf("/api/v1/opportunities/%d", o3.ID), header: repH, wantStatus: 404})
		})
	}
}

// TestActivityAPI logs, reads, changes and deletes activities over the
// API, in both languages.
func TestActivityAPI(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh-CN"} {
		p := i18n.Get(lang)
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			e := emptyEnv(t)
			ctx := context.Background()
			rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售"})
			rep2 := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "钱销售"})
			repH := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, rep), "Accept-Language": lang}
			rep2H := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, rep2), "Accept-Language": lang}
			a, err := e.app.CreateAccount(apptest.Context(rep), "test", crm.Account{Code: "X1", Name: "华为"})
			if err != nil {
				t.Fatal(err)
			}
			other, err := e.app.CreateAccount(apptest.Context(rep2), "test", crm.Account{Code: "X2", Name: "中兴"})
			if err != nil {
				t.Fatal(err)
			}
			field := func(name, key string) func(t *testing.T, res response) {
				return func(t *testing.T, res response) {
					t.Helper()
					if pr := problemOf(t, res); pr.Fields[name] != p.T(key) {
						t.Errorf("problem fields = %v, want %s: %q", pr.Fields, name, p.T(key))
					}
				}
			}
			var x api.ActivityJSON
			for _, sc := range []scenario{
				{name: "in the future", method: "POST", path: "/api/v1/activities", header: repH,
					body: fmt.Sprintf(`{"kind":"VISIT","account_id":%d,"date":"2026-11-28"}`, a.ID), wantStatus: 422, check: field("date", "error.activity.future")},
				{name: "a bad kind", method: "POST", path: "/api/v1/activities", header: repH,
					body: fmt.Sprintf(`{"kind":"LUNCH","account_id":%d}`, a.ID), wantStatus: 422, check: field("kind", "error.activity.kind")},
				{name: "a dangling account", method: "POST", path: "/api/v1/activities", header: repH,
					body: `{"kind":"CALL","account_id":987654}`, wantStatus: 422, check: field("account", "error.activity.account")},
				{name: "an account outside the scope", method: "POST", path: "/api/v1/activities", header: repH,
					body: fmt.Sprintf(`{"kind":"CALL","account_id":%d}`, other.ID), wantStatus: 422, check: field("account", "error.activity.account")},
				{name: "a dangling opportunity", method: "POST", path: "/api/v1/activities", header: repH,
					body: fmt.Sprintf(`{"kind":"CALL","account_id":%d,"opportunity_id":987654}`, a.ID), wantStatus: 422,
					check: field("opportunity", "error.activity.opportunity")},
				{name: "dated today by default", method: "POST", path: "/api/v1/activities", header: repH,
					body: fmt.Sprintf(`{"kind":"CALL","account_id":%d}`, a.ID), wantStatus: 201, wantBody: []string{`"date":"2026-11-27"`}},
				{name: "log", method: "POST", path: "/api/v1/activities", header: repH,
					body:       fmt.Sprintf(`{"kind":"VISIT","account_id":%d,"date":"2026-11-20","contacts":["张总"],"objective":"了解需求","next_step":"报价","next_step_due":"2026-11-26"}`, a.ID),
					wantStatus: 201, wantBody: []string{`"date":"2026-11-20"`, fmt.Sprintf(`"owner_id":%d`, rep.ID), `"contacts":["张总"]`, `"overdue":true`},
					check: func(t *testing.T, res response) { decodeJSON(t, res, &x) }},
			} {
				e.run(t, sc)
			}
			xp := fmt.Sprintf("/api/v1/activities/%d", x.ID)
			e.run(t, scenario{name: "one", path: xp, header: repH, wantStatus: 200, wantBody: []string{`"kind":"VISIT"`, `"account_name":"华为"`}})
			e.run(t, scenario{name: "another rep", path: xp, header: rep2H, wantStatus: 404})
			e.run(t, scenario{name: "the week", path: "/api/v1/activities?week=2026-W48&order=date", header: repH, wantStatus: 200,
				wantBody: []string{`"total":1`}})
			e.run(t, scenario{name: "overdue", path: fmt.Sprintf("/api/v1/activities?overdue=1&owner_id=%d", rep.ID), header: repH, wantStatus: 200,
				wantBody: []string{`"total":1`, `"next_step":"报价"`}})
			e.run(t, scenario{name: "a bad week", path: "/api/v1/activities?week=48", header: repH, wantStatus: 400})
			e.run(t, scenario{name: "another rep's list", path: "/api/v1/activities", header: rep2H, wantStatus: 200, wantBody: []string{`"total":0`}})
			e.run(t, scenario{name: "next step done", method: "PATCH", path: xp, header: repH, body: `{"next_step_done":true,"version":1}`,
				wantStatus: 200, wantBody: []string{`"next_step_done":true`, `"overdue":false`, `"version":2`}})
			e.run(t, scenario{name: "a stale change", method: "PATCH", path: xp, header: repH, body: `{"outcome":"x","version":1}`, wantStatus: 409})
			e.run(t, scenario{name: "moved to the future", method: "PATCH", path: xp, header: repH, body: `{"date":"2027-01-01","version":2}`,
				wantStatus: 422, check: field("date", "error.activity.future")})
			e.run(t, scenario{name: "delete", method: "DELETE", path: xp, header: repH, wantStatus: 204})
			e.run(t, scenario{name: "deleted", path: xp, header: repH, wantStatus: 404})
			if list, _, err := e.app.Activities(ctx, store.ActFilter{}); err != nil || len(list) != 1 {
				t.Errorf("activities left: %d, %v", len(list), err)
			}
		})
	}
}

// TestOppStagesSettingsAPI: the opportunity stages are part of the
// method's settings, shown and replaced through the API, checked, and used
// by the next opportunity.
func TestOppStagesSettingsAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	e.run(t, scenario{name: "shown", path: "/api/v1/settings/method", wantStatus: 200,
		wantBody: []string{`"opportunity_stages":[{"name":"QUALIFY","probability":10,"criteria":["need_confirmed"`}})
	e.run(t, scenario{name: "twice the same name", method: "PUT", path: "/api/v1/settings/method", header: map[string]string{"Accept-Language": "en"},
		body:       `{"tiers":[{"name":"A","min_revenue":100},{"name":"B","min_revenue":0}],"bands":[{"name":"OX_NOSE","top_share":0.01,"expected_share":0.5}],"fiscal_year_start":1,"downgrade_after":2,"opportunity_stages":[{"name":"A","probability":10},{"name":"A","probability":20}]}`,
		wantStatus: 422, check: wantFields("opportunity_stages")})
	e.run(t, scenario{name: "replaced", method: "PUT", path: "/api/v1/settings/method",
		body:       `{"tiers":[{"name":"A","min_revenue":100},{"name":"B","min_revenue":0}],"bands":[{"name":"OX_NOSE","top_share":0.01,"expected_share":0.5}],"fiscal_year_start":1,"downgrade_after":2,"opportunity_stages":[{"name":"线索","probability":5,"criteria":["客户有预算"]},{"name":"谈判","probability":60}],"note":"两段式"}`,
		wantStatus: 200, wantBody: []string{`"opportunity_stages":[{"name":"线索","probability":5,"criteria":["客户有预算"]},{"name":"谈判","probability":60,"criteria":null}]`}})
	acc, err := e.app.CreateAccount(context.Background(), "test", crm.Account{Code: "S1", Name: "客户"})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, scenario{name: "a new opportunity starts in the first", method: "POST", path: "/api/v1/opportunities",
		body: fmt.Sprintf(`{"account_id":%d,"name":"x","owner_id":%d}`, acc.ID, e.admin.ID), wantStatus: 201,
		wantBody: []string{`"stage":"线索"`, `"probability":5`}})
	e.run(t, scenario{name: "the funnel follows", path: "/api/v1/pipeline/funnel", wantStatus: 200,
		wantBody: []string{`"stage":"线索"`, `"stage":"谈判"`, `"stage":"WON"`}})
	e.run(t, scenario{name: "a stage that holds an opportunity stays", method: "PUT", path: "/api/v1/settings/method",
		body:       `{"tiers":[{"name":"A","min_revenue":100},{"name":"B","min_revenue":0}],"bands":[{"name":"OX_NOSE","top_share":0.01,"expected_share":0.5}],"fiscal_year_start":1,"downgrade_after":2,"opportunity_stages":[{"name":"谈判","probability":60}]}`,
		wantStatus: 422, check: func(t *testing.T, res response) {
			if pr := problemOf(t, res); pr.Fields["opportunity_stages"] != i18n.Get(i18n.Default).T("error.method.opp_stages.in_use") {
				t.Errorf("problem fields = %v", pr.Fields)
			}
		}})
	e.run(t, scenario{name: "unchanged", path: "/api/v1/settings/method", wantStatus: 200, wantBody: []string{`"version":1,`, `{"name":"线索","probability":5`}})
}
