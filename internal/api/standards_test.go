package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"kam/internal/api"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/i18n"
)

// TestStandardsAndAlertsAPI: compliance and alerts in the caller's scope,
// titles in the language asked for, acknowledgement, bad parameters; the
// standards in the method's JSON.
func TestStandardsAndAlertsAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	d := apptest.Alerts(t, e.app)
	bearer := func(p crm.Person, lang string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, p), "Accept-Language": lang}
	}
	rep, rep2, manager := bearer(d.Rep, "zh-CN"), bearer(d.Rep2, "en"), bearer(d.Manager, "en")
	week := crm.WeekOf(e.app.Today()).String()

	var c api.ComplianceJSON
	res := e.run(t, scenario{path: "/api/v1/standards", header: rep, wantStatus: 200,
		wantBody: []string{`"week":"` + week + `"`, `"meeting_target":6`, `"problem":"none"`, `"name":"扩容项目"`, `"next_step_days":14`}})
	decodeJSON(t, res, &c)
	if len(c.People) != 1 || c.People[0].PersonID != d.Rep.ID || c.People[0].Compliant || len(c.NextSteps) != 1 || len(c.Cadence) != 0 {
		t.Errorf("the rep's compliance %+v", c)
	}
	res = e.run(t, scenario{path: "/api/v1/standards?week=" + week, header: manager, wantStatus: 200})
	decodeJSON(t, res, &c)
	if len(c.People) != 2 || len(c.Teams) != 1 || c.Teams[0].Name != "华北" {
		t.Errorf("the manager's compliance %+v", c)
	}
	e.run(t, scenario{path: "/api/v1/standards?person=" + fmt.Sprint(d.Rep2.ID), wantStatus: 200, wantBody: []string{`"name":"钱销售"`}})
	e.run(t, scenario{path: "/api/v1/standards?week=W48", header: rep, wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/standards?team=x", header: rep, wantStatus: 400})

	zhTitle := i18n.Get("zh-CN").T("alert.title.REVENUE_YEAR", "华北重工", 50.0)
	var list struct {
		Alerts []api.AlertJSON `json:"alerts"`
		Total  int             `json:"total"`
	}
	res = e.run(t, scenario{path: "/api/v1/alerts", header: rep, wantStatus: 200,
		wantBody: []string{`"rule":"REVENUE_YEAR"`, `"title":"` + zhTitle + `"`, `"drop_pct":50`, `"link":"/accounts/`}})
	decodeJSON(t, res, &list)
	if list.Total != 1 || fmt.Sprint(list.Alerts[0].Recipients) != fmt.Sprint([]int64{d.Manager.ID, d.Rep.ID}) {
		t.Fatalf("alerts %+v", list)
	}
	id := list.Alerts[0].ID
	e.run(t, scenario{path: "/api/v1/alerts?rule=REVENUE_YEAR&unacked=true", header: manager, wantStatus: 200,
		wantBody: []string{`"total":1`, `"title":"Key account “华北重工”`}})
	e.run(t, scenario{path: "/api/v1/alerts", header: rep2, wantStatus: 200, wantBody: []string{`{"alerts":[],"total":0}`}})
	e.run(t, scenario{path: "/api/v1/alerts?rule=NOPE", header: rep, wantStatus: 422})
	e.run(t, scenario{path: "/api/v1/alerts?all=maybe", header: rep, wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/alerts?limit=0", header: rep, wantStatus: 400})

	ack := fmt.Sprintf("/api/v1/alerts/%d/ack", id)
	e.run(t, scenario{method: "POST", path: ack, header: rep2, wantStatus: 404})
	e.run(t, scenario{method: "POST", path: ack, header: rep, wantStatus: 200,
		wantBody: []string{`"acked_at":`, fmt.Sprintf(`"acked_by":%d`, d.Rep.ID)}})
	e.run(t, scenario{path: "/api/v1/alerts?unacked=true", header: rep, wantStatus: 200, wantBody: []string{`"total":0`}})
	e.run(t, scenario{path: "/api/v1/alerts?all=true", header: rep, wantStatus: 200, wantBody: []string{`"total":1`}})
	e.run(t, scenario{method: "POST", path: "/api/v1/alerts/987654/ack", header: rep, wantStatus: 404})

	e.run(t, scenario{path: "/api/v1/settings/method", wantStatus: 200,
		wantBody: []string{`"standards":{"meetings":[{"track":"STRATEGIC","per_week":6}]`, `"alerts":{"stale_days":21`, `"revenue_3m_pct":30`}})
}

// TestStandardsSettingsAPI: the standards and thresholds are replaced
// through PUT /settings/method and checked.
func TestStandardsSettingsAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	var m map[string]any
	e.getJSON(t, "/api/v1/settings/method", &m)
	m["standards"] = map[string]any{"meetings": []any{map[string]any{"track": "REGIONAL", "per_week": 4}}, "effective_kinds": []string{"VISIT"},
		"next_step_days": 7, "cadence": []any{map[string]any{"band": "SUPER", "days": 10}}}
	m["alerts"] = map[string]any{"stale_days": 30, "stage_factor": 3, "stage_min_stays": 2, "key_tiers": []string{"A", "B"}, "key_bands": []string{},
		"revenue_year_pct": 15, "revenue_3m_pct": 25}
	body, _ := json.Marshal(m)
	e.run(t, scenario{method: "PUT", path: "/api/v1/settings/method", body: string(body), wantStatus: 200,
		wantBody: []string{`"meetings":[{"track":"REGIONAL","per_week":4}]`, `"cadence":[{"band":"SUPER","days":10}]`, `"key_tiers":["A","B"]`, `"key_bands":[]`}})
	m["alerts"] = map[string]any{"stale_days": 30, "stage_factor": 3, "stage_min_stays": 2, "key_tiers": []string{"A"}, "revenue_year_pct": 0, "revenue_3m_pct": 25}
	body, _ = json.Marshal(m)
	e.run(t, scenario{method: "PUT", path: "/api/v1/settings/method", body: string(body), wantStatus: 422, check: wantFields("revenue_year_pct")})
}
