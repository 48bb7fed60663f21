package web_test

import (
	"context"
	"fmt"
	"testing"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/web"
)

// TestStandardsAndAlertPages: a rep sees their compliance and what is
// overdue, the alerts of their scope with a badge, and acknowledges one;
// someone outside the scope sees none and cannot acknowledge it; the
// standards and thresholds are edited on the settings page. Both languages.
func TestStandardsAndAlertPages(t *testing.T) {
	t.Parallel()
	for _, l := range []lang{langs[0], langs[1]} {
		t.Run(l.name, func(t *testing.T) {
			e := emptyEnv(t)
			p := l.p
			d := apptest.Alerts(t, e.app)
			if d.Scan.Raised != 1 {
				t.Fatalf("scan %+v", d.Scan)
			}
			rep := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, d.Rep)}
			rep2 := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, d.Rep2)}
			manager := map[string]string{"Cookie": web.SessionCookie + "=" + apptest.Session(t, e.app, d.Manager)}
			week := crm.WeekOf(e.app.Today()).String()

			e.run(t, l, scenario{path: "/standards", header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "standards.title"), tr(p, "standards.week", week), "王销售", "0 / 6", "扩容项目",
					tr(p, "standards.problem.none"), `id="standards-cadence"`, tr(p, "standards.nothing_overdue")},
				notBody: []string{"钱销售", "赵经理"}})
			e.run(t, l, scenario{path: "/standards?week=" + week, header: manager, wantStatus: 200,
				wantBody: []string{"王销售", "赵经理", "华北"}, notBody: []string{"钱销售"}})
			e.run(t, l, scenario{path: "/standards?week=2026-W99", header: rep, wantStatus: 400})
			e.run(t, l, scenario{path: "/standards?team=x", header: rep, wantStatus: 400})

			title := p.T("alert.title.REVENUE_YEAR", "华北重工", 50.0)
			e.run(t, l, scenario{path: "/alerts", header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "alert.title"), htmlText(title), `id="alert-badge"`, `>1</span>`, tr(p, "alert.rule.REVENUE_YEAR"),
					`action="/alerts/`}})
			e.run(t, l, scenario{path: "/alerts?rule=REVENUE_YEAR&all=1", header: manager, wantStatus: 200, wantBody: []string{htmlText(title)}})
			e.run(t, l, scenario{path: "/alerts?rule=CADENCE_MISSED", header: rep, wantStatus: 200, wantBody: []string{tr(p, "alert.none")}})
			e.run(t, l, scenario{path: "/alerts?rule=NOPE", header: rep, wantStatus: 400})
			e.run(t, l, scenario{path: "/alerts", header: rep2, wantStatus: 200, wantBody: []string{tr(p, "alert.none")},
				notBody: []string{`id="alert-badge"`, "华北重工"}})

			pg, err := e.app.OpenAlerts(context.Background(), app.AlertFilter{})
			if err != nil || len(pg.Alerts) != 1 {
				t.Fatalf("alerts %+v, %v", pg, err)
			}
			ack := fmt.Sprintf("/alerts/%d/ack", pg.Alerts[0].ID)
			e.run(t, l, scenario{path: ack, header: merge(rep2, sameOrigin), form: form(), wantStatus: 404})
			e.run(t, l, scenario{path: ack, header: merge(rep, sameOrigin), form: form(), wantStatus: 303,
				wantHeader: map[string]string{"Location": "/alerts?flash=alert_acked"}})
			e.run(t, l, scenario{path: "/alerts?flash=alert_acked", header: rep, wantStatus: 200,
				wantBody: []string{tr(p, "flash.alert_acked"), tr(p, "alert.acked")}, notBody: []string{`id="alert-badge"`}})
			e.run(t, l, scenario{path: "/alerts/987654/ack", header: merge(rep, sameOrigin), form: form(), wantStatus: 404})

			// The settings page shows the standards and saves them.
			e.run(t, l, scenario{path: "/settings", wantStatus: 200, wantBody: []string{tr(p, "settings.standards"), tr(p, "settings.alerts"),
				`name="meetings_STRATEGIC" value="6"`, `name="cadence_band_OX_NOSE" value="7"`, `name="effective_VISIT" value="1" checked`,
				`name="stale_days" value="21"`, `name="key_bands" value="OX_NOSE, SUPER"`}})
			m, _, _ := e.app.Method(context.Background())
			base := form("tier_rows", "4", "tier_name_0", "A", "tier_min_0", "5000000", "tier_name_1", "B", "tier_min_1", "3000000",
				"tier_name_2", "C", "tier_min_2", "1000000", "tier_name_3", "D", "tier_min_3", "0",
				"band_rows", "3", "band_name_0", "OX_NOSE", "band_pct_0", "1", "band_expected_0", "51.2", "band_name_1", "SUPER", "band_pct_1", "4",
				"band_expected_1", "64", "band_name_2", "CORE", "band_pct_2", "20", "band_expected_2", "80",
				"fiscal_year_start", "1", "downgrade_after", "2", "handover_days", "30", "standards", "1",
				"meetings_STRATEGIC", "8", "meetings_REGIONAL", "3", "effective_VISIT", "1", "effective_DEMO", "1", "next_step_days", "10",
				"cadence_band_OX_NOSE", "5", "cadence_tier_A", "20", "stale_days", "14", "stage_factor", "2.5", "stage_min_stays", "3",
				"key_tiers", "A", "key_bands", "OX_NOSE，SUPER", "revenue_year_pct", "25", "revenue_3m_pct", "35")
			bad := form()
			for k, v := range base {
				bad[k] = v
			}
			bad.Set("cadence_tier_A", "0")
			bad.Set("stale_days", "x")
			e.run(t, l, scenario{name: "bad standards", path: "/settings", form: bad, header: sameOrigin, wantStatus: 422,
				wantBody: []string{tr(p, "error.number.invalid")}})
			bad.Set("stale_days", "14")
			e.run(t, l, scenario{name: "bad cadence", path: "/settings", form: bad, header: sameOrigin, wantStatus: 422,
				wantBody: []string{tr(p, "error.method.cadence.days")}})
			e.run(t, l, scenario{name: "save standards", path: "/settings", form: base, header: sameOrigin, wantStatus: 303})
			got, _, _ := e.app.Method(context.Background())
			if got.MeetingStandard(crm.TrackStrategic) != 8 || got.MeetingStandard(crm.TrackRegional) != 3 || got.Standards.NextStepDays != 10 ||
				got.CadenceDays("A", crm.BandOxNose) != 5 || got.CadenceDays("A", crm.BandSuper) != 20 || got.CadenceDays("B", crm.BandSuper) != 0 ||
				got.Alerts.StaleDays != 14 || got.Alerts.StageFactor != 2.5 || fmt.Sprint(got.Alerts.KeyBands) != "[OX_NOSE SUPER]" ||
				got.Alerts.Revenue3MPct != 35 || len(got.Standards.EffectiveKinds) != 2 || len(got.Tiers) != len(m.Tiers) {
				t.Errorf("saved %+v %+v", got.Standards, got.Alerts)
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
