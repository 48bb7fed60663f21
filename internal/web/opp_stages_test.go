package web_test

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
)

// TestOppStagesSettings: the opportunity stages and their exit criteria are
// edited on the settings page: a stage is added between two others by its
// position, the board shows it, a stage that still holds an open
// opportunity is not removed (and the configuration stays as it was), and
// once the opportunity moved on it is. Both languages.
func TestOppStagesSettings(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		t.Run(l.name, func(t *testing.T) {
			e := emptyEnv(t)
			p := l.p
			ctx := context.Background()
			acc, err := e.app.CreateAccount(ctx, "test", crm.Account{Code: "S1", Name: "华为技术有限公司"})
			if err != nil {
				t.Fatal(err)
			}
			rep := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "王销售"})
			opp, err := e.app.CreateOpportunity(ctx, app.OppInput{AccountID: acc.ID, Name: "园区网络", Amount: crm.Yuan(100_000), OwnerID: rep.ID})
			if err != nil || opp.Stage != "QUALIFY" {
				t.Fatalf("opportunity %+v, %v", opp, err)
			}

			e.run(t, l, scenario{path: "/settings", wantStatus: 200, wantBody: []string{tr(p, "settings.opp_stages"),
				`name="opp_rows" value="5"`, `name="opp_name_0" value="QUALIFY"`, tr(p, "oppstage.QUALIFY"), `name="opp_prob_3" value="75"`,
				"need_confirmed\nbudget_known\ndecision_maker_known</textarea>", `name="opp_name_4" value=""`, tr(p, "oppcrit.terms_agreed")}})

			stages := func(rows ...[4]string) url.Values {
				f := form("tier_rows", "4", "tier_name_0", "A", "tier_min_0", "5000000", "tier_name_1", "B", "tier_min_1", "3000000",
					"tier_name_2", "C", "tier_min_2", "1000000", "tier_name_3", "D", "tier_min_3", "0",
					"band_rows", "3", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51", "band_name_1", "SUPER", "band_pct_1", "4",
					"band_expected_1", "64", "band_name_2", "CORE", "band_pct_2", "20", "band_expected_2", "80",
					"fiscal_year_start", "1", "downgrade_after", "2", "handover_days", "30", "opp_rows", "6")
				for i, r := range rows {
					n := string(rune('0' + i))
					f.Set("opp_pos_"+n, r[0])
					f.Set("opp_name_"+n, r[1])
					f.Set("opp_prob_"+n, r[2])
					f.Set("opp_criteria_"+n, r[3])
				}
				return f
			}
			names := func() []string {
				m, _, err := e.app.Method(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return m.OpenOppStages()
			}
			qualify := [4]string{"1", "QUALIFY", "10", "need_confirmed\r\nbudget_known\r\ndecision_maker_known"}
			discover := [4]string{"3", "DISCOVER", "25", "solution_fit"}
			propose := [4]string{"4", "PROPOSE", "50", "proposal_delivered"}
			negotiate := [4]string{"5", "NEGOTIATE", "75", "terms_agreed"}
			trial := [4]string{"2", "试用", "20", "客户签署试用协议\r\n\r\n 试用报告通过 "}

			e.run(t, l, scenario{name: "probability not a number", path: "/settings", header: sameOrigin, wantStatus: 422,
				form: stages(qualify, [4]string{"2", "试用", "二十", "x"}, discover, propose, negotiate), wantBody: []string{tr(p, "error.number.invalid")}})
			e.run(t, l, scenario{name: "criteria twice", path: "/settings", header: sameOrigin, wantStatus: 422,
				form:     stages(qualify, [4]string{"2", "试用", "20", "x\ny"}, discover, propose, [4]string{"5", "NEGOTIATE", "75", "a\na"}),
				wantBody: []string{tr(p, "error.method.opp_stages.criteria")}})
			if got := names(); !slices.Equal(got, []string{"QUALIFY", "DISCOVER", "PROPOSE", "NEGOTIATE"}) {
				t.Fatalf("stages after refused saves = %v", got)
			}

			e.run(t, l, scenario{name: "add a stage", path: "/settings", header: sameOrigin, wantStatus: 303,
				form: stages(qualify, discover, propose, negotiate, trial)})
			m, _, _ := e.app.Method(ctx)
			if got := m.OpenOppStages(); !slices.Equal(got, []string{"QUALIFY", "试用", "DISCOVER", "PROPOSE", "NEGOTIATE"}) {
				t.Fatalf("stages = %v", got)
			}
			if st, _ := m.OppStage("试用"); st.Probability != 20 || !slices.Equal(st.Criteria, []string{"客户签署试用协议", "试用报告通过"}) {
				t.Errorf("new stage = %+v", st)
			}
			e.run(t, l, scenario{path: "/opportunities/board", wantStatus: 200, wantBody: []string{"试用", "园区网络", tr(p, "oppstage.QUALIFY")}})
			e.run(t, l, scenario{path: "/settings", wantStatus: 200, wantBody: []string{`name="opp_name_1" value="试用"`,
				"客户签署试用协议\n试用报告通过</textarea>", `name="opp_pos_1" value="2"`}})

			// QUALIFY holds the opportunity: removing it is refused, nothing changes.
			_, before, _ := e.app.Method(ctx)
			e.run(t, l, scenario{name: "remove a stage in use", path: "/settings", header: sameOrigin, wantStatus: 422,
				form: stages(trial, discover, propose, negotiate), wantBody: []string{tr(p, "error.method.opp_stages.in_use")}})
			e.run(t, l, scenario{name: "rename a stage in use", path: "/settings", header: sameOrigin, wantStatus: 422,
				form: stages([4]string{"1", "资格确认", "10", "a"}, trial, discover, propose, negotiate), wantBody: []string{tr(p, "error.method.opp_stages.in_use")}})
			if _, after, _ := e.app.Method(ctx); after != before {
				t.Fatalf("configuration version %d after refused saves, want %d", after, before)
			}

			// Once the opportunity moved on (with the criteria of QUALIFY), QUALIFY goes.
			if _, err := e.app.MoveOpportunity(ctx, opp.ID, crm.OppMove{To: "试用", Version: opp.Version,
				Check: []string{"need_confirmed", "budget_known", "decision_maker_known"}}); err != nil {
				t.Fatal(err)
			}
			e.run(t, l, scenario{name: "remove an empty stage", path: "/settings", header: sameOrigin, wantStatus: 303,
				form: stages(trial, discover, propose, negotiate)})
			if got := names(); !slices.Equal(got, []string{"试用", "DISCOVER", "PROPOSE", "NEGOTIATE"}) {
				t.Fatalf("stages = %v", got)
			}
		})
	}
}
