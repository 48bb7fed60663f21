package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"kam/internal/api"
	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
)

func TestPeopleAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	var d api.DepartmentJSON
	res := e.run(t, scenario{method: "POST", path: "/api/v1/departments", body: `{"name":"销售部","kind":"SALES"}`, wantStatus: 201})
	decodeJSON(t, res, &d)
	e.run(t, scenario{method: "POST", path: "/api/v1/departments", body: `{"name":"销售部","kind":"SALES"}`, wantStatus: 409})
	e.run(t, scenario{method: "POST", path: "/api/v1/departments", body: `{"name":"X","kind":"NAVY"}`, wantStatus: 422, check: wantFields("kind")})
	e.run(t, scenario{method: "POST", path: "/api/v1/departments", body: `{"name":"X","colour":"red"}`, wantStatus: 400})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/departments/%d", d.ID), body: `{"name":"销售一部"}`, wantStatus: 422, check: wantFields("version")})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/departments/%d", d.ID), body: `{"name":"销售一部","version":1}`, wantStatus: 200, wantBody: []string{`"name":"销售一部"`, `"version":2`}})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/departments/%d", d.ID), body: `{"name":"stale","version":1}`, wantStatus: 409})
	e.run(t, scenario{method: "PATCH", path: "/api/v1/departments/999", body: `{"name":"x","version":1}`, wantStatus: 404})
	e.run(t, scenario{path: "/api/v1/departments", wantStatus: 200, wantBody: []string{`"departments":[{"id":`, "销售一部"}})

	var team api.TeamJSON
	res = e.run(t, scenario{method: "POST", path: "/api/v1/teams", body: fmt.Sprintf(`{"department_id":%d,"name":"华东区","region":"华东"}`, d.ID), wantStatus: 201})
	decodeJSON(t, res, &team)
	e.run(t, scenario{method: "POST", path: "/api/v1/teams", body: `{"department_id":999,"name":"X"}`, wantStatus: 422, check: wantFields("department")})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/teams/%d", team.ID), body: `{"region":"江浙沪","version":1}`, wantStatus: 200, wantBody: []string{`"region":"江浙沪"`}})
	e.run(t, scenario{method: "PATCH", path: "/api/v1/teams/999", body: `{"region":"x","version":1}`, wantStatus: 404})
	e.run(t, scenario{path: "/api/v1/teams", wantStatus: 200, wantBody: []string{"华东区"}})

	var p api.PersonJSON
	res = e.run(t, scenario{method: "POST", path: "/api/v1/people",
		body:       fmt.Sprintf(`{"name":"钱经理","email":"Qian@Test.example","department_id":%d,"team_id":%d,"role":"MANAGER","track":"REGIONAL"}`, d.ID, team.ID),
		wantStatus: 201, wantBody: []string{`"email":"qian@test.example"`, `"scope":"TEAM"`, `"active":true`, `"has_password":false`}})
	decodeJSON(t, res, &p)
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/people/%d", p.ID) {
		t.Errorf("Location = %q", loc)
	}
	e.run(t, scenario{method: "POST", path: "/api/v1/people", body: `{"name":"Dup","email":"qian@test.example"}`, wantStatus: 409})
	e.run(t, scenario{method: "POST", path: "/api/v1/people", body: `{"name":"","email":"x","role":"GOD"}`, wantStatus: 422, check: wantFields("name", "email", "role")})
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/people/%d", p.ID), wantStatus: 200, wantBody: []string{"钱经理"}})
	e.run(t, scenario{path: "/api/v1/people/999", wantStatus: 404})
	e.run(t, scenario{path: "/api/v1/people?q=qian", wantStatus: 200, wantBody: []string{"钱经理"}})
	e.run(t, scenario{path: fmt.Sprintf("/api/v1/people?team_id=%d&active=true", team.ID), wantStatus: 200, wantBody: []string{"钱经理"}})
	e.run(t, scenario{path: "/api/v1/people?team_id=x", wantStatus: 400})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/people/%d", p.ID), body: `{"role":"DEPT_HEAD","version":1}`, wantStatus: 200,
		wantBody: []string{`"role":"DEPT_HEAD"`, `"scope":"DEPARTMENT"`}})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/people/%d", p.ID), body: `{"active":false,"version":1}`, wantStatus: 409})
	e.run(t, scenario{method: "PATCH", path: fmt.Sprintf("/api/v1/people/%d", p.ID), body: `{"phone":"1"}`, wantStatus: 422, check: wantFields("version")})
	e.run(t, scenario{method: "PATCH", path: "/api/v1/people/999", body: `{"version":1}`, wantStatus: 404})

	// The audit log: who did what, with before and after, newest first.
	res = e.run(t, scenario{path: "/api/v1/audit?entity=person&action=permission_change", wantStatus: 200,
		wantBody: []string{`"action":"permission_change"`, `"actor_id":` + fmt.Sprint(e.admin.ID), `\"MANAGER\"`, `\"DEPT_HEAD\"`}})
	e.run(t, scenario{path: "/api/v1/audit?limit=2", wantStatus: 200, wantBody: []string{`"next_before":`}})
	e.run(t, scenario{path: "/api/v1/audit?limit=0", wantStatus: 400})
	e.run(t, scenario{path: "/api/v1/audit?from=2026-13-01", wantStatus: 422, check: wantFields("from")})
	e.run(t, scenario{path: "/api/v1/audit?from=2026-11-27&to=2026-11-27&actor=管理员", wantStatus: 200, wantBody: []string{`"entity":"department"`}})
	e.run(t, scenario{path: "/api/v1/audit?before=1", wantStatus: 200, wantBody: []string{`"entries":[]`}})
}

func TestMeAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	p := apptest.Person(t, e.app, crm.RoleMember, crm.Person{Name: "孙区域"})
	bearer := map[string]string{"Authorization": "Bearer " + apptest.Token(t, e.app, p)}
	e.run(t, scenario{path: "/api/v1/me", header: bearer, wantStatus: 200, wantBody: []string{"孙区域", `"role":"MEMBER"`, `"scope":"OWN"`}})
	res := e.run(t, scenario{method: "POST", path: "/api/v1/me/tokens", header: bearer, body: `{"name":"ci","valid_days":7}`, wantStatus: 201,
		wantBody: []string{`"token":"kam_`, `"expires_at":"2026-12-04`}})
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Error("the answer holding a token may be cached")
	}
	var tok api.TokenJSON
	decodeJSON(t, res, &tok)
	e.run(t, scenario{method: "POST", path: "/api/v1/me/tokens", header: bearer, body: `{"name":"x","valid_days":99999}`, wantStatus: 422, check: wantFields("valid_days")})
	res = e.run(t, scenario{path: "/api/v1/me/tokens", header: bearer, wantStatus: 200, wantBody: []string{`"name":"ci"`, `"hint":"` + tok.Hint + `"`}})
	if strings.Contains(res.Body, tok.Token) || strings.Contains(res.Body, `"token"`) {
		t.Error("the token list shows a secret")
	}
	newBearer := map[string]string{"Authorization": "Bearer " + tok.Token}
	e.run(t, scenario{path: "/api/v1/me", header: newBearer, wantStatus: 200, wantBody: []string{"孙区域"}})
	// Members read but do not manage people, set targets or read the audit log.
	e.run(t, scenario{path: "/api/v1/people", header: newBearer, wantStatus: 200})
	e.run(t, scenario{method: "POST", path: "/api/v1/people", header: newBearer, body: `{"name":"x","email":"x@test.example","role":"ADMIN"}`, wantStatus: 403})
	e.run(t, scenario{path: "/api/v1/audit", header: newBearer, wantStatus: 403})
	// The administrator cannot revoke p's token through their own list.
	e.run(t, scenario{method: "DELETE", path: fmt.Sprintf("/api/v1/me/tokens/%d", tok.ID), wantStatus: 404})
	e.run(t, scenario{method: "DELETE", path: fmt.Sprintf("/api/v1/me/tokens/%d", tok.ID), header: bearer, wantStatus: http.StatusNoContent})
	e.run(t, scenario{method: "DELETE", path: fmt.Sprintf("/api/v1/me/tokens/%d", tok.ID), header: bearer, wantStatus: 404})
	e.run(t, scenario{path: "/api/v1/me", header: newBearer, wantStatus: 401})

	// Without a token, or with a bad one: 401 with a problem that says why.
	for _, h := range []map[string]string{
		{"Authorization": ""},
		{"Authorization": "Bearer kam_not-a-real-token"},
		{"Authorization": "Basic dXNlcjpwYXNz"},
	} {
		res := e.run(t, scenario{path: "/api/v1/accounts", header: h, wantStatus: 401})
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%v: no WWW-Authenticate", h)
		}
	}
	e.run(t, scenario{path: "/api/v1/openapi.json", header: map[string]string{"Authorization": ""}, wantStatus: 200})
}

func TestPeopleImportAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	body, ct := multipartFile(t, "people.csv", "name,email,department,department kind,team,role\nAnn,ann@test.example,Sales,SALES,North,MANAGER\nBo,bo@test.example,Sales,,North,MEMBER\n")
	e.run(t, scenario{method: "POST", path: "/api/v1/imports/people?dry_run=1", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 200,
		wantBody: []string{`"rows":2`, `"created":2`, `"departments_created":1`, `"teams_created":1`, `"dry_run":true`}})
	e.run(t, scenario{method: "POST", path: "/api/v1/imports/people", body: body, header: map[string]string{"Content-Type": ct}, wantStatus: 201,
		wantBody: []string{`"created":2`, `"dry_run":false`}})
	e.run(t, scenario{path: "/api/v1/people?q=ann", wantStatus: 200, wantBody: []string{`"role":"MANAGER"`, `"scope":"TEAM"`}})
	bad, ct := multipartFile(t, "people.csv", "name,email,role\nCy,cy@test.example,KING\n")
	e.run(t, scenario{method: "POST", path: "/api/v1/imports/people", body: bad, header: map[string]string{"Content-Type": ct, "Accept-Language": "en"}, wantStatus: 422,
		wantBody: []string{`"problems":[{"row":2,"column":"role","value":"KING","message":"Choose a role."}]`}})
	empty, ct := multipartFile(t, "people.xlsx", "")
	e.run(t, scenario{method: "POST", path: "/api/v1/imports/people", body: empty, header: map[string]string{"Content-Type": ct}, wantStatus: 400})
	member := apptest.Person(t, e.app, crm.RoleMember, crm.Person{})
	e.run(t, scenario{method: "POST", path: "/api/v1/imports/people", body: body,
		header: map[string]string{"Content-Type": ct, "Authorization": "Bearer " + apptest.Token(t, e.app, member)}, wantStatus: 403})
}

func TestMethodGatesAPI(t *testing.T) {
	t.Parallel()
	e := emptyEnv(t)
	res := e.run(t, scenario{path: "/api/v1/settings/method", wantStatus: 200, wantBody: []string{`"handover_days":30`, `"contract_signed":true`, `"binding_score":false`}})
	var m app.MethodJSON
	decodeJSON(t, res, &m)
	body := `{"tiers":[{"name":"A","min_revenue":"5000000"},{"name":"B","min_revenue":"0"}],"bands":[{"name":"OX_NOSE","top_share":0.01,"expected_share":0.5}],` +
		`"fiscal_year_start":1,"downgrade_after":2,"gates":{"handover_accepted":false},"handover_days":14}`
	e.run(t, scenario{method: "PUT", path: "/api/v1/settings/method", body: body, wantStatus: 200, wantBody: []string{`"handover_days":14`, `"handover_accepted":false`, `"contract_signed":true`}})
	e.run(t, scenario{method: "PUT", path: "/api/v1/settings/method", body: strings.Replace(body, `"handover_accepted":false`, `"certified_owner":true`, 1), wantStatus: 422, check: wantFields("gates")})
	e.run(t, scenario{method: "PUT", path: "/api/v1/settings/method", body: strings.Replace(body, `"handover_days":14`, `"handover_days":999`, 1), wantStatus: 422, check: wantFields("handover_days")})
}
