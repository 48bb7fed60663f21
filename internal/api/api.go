// Package api is KAM's JSON API under /api/v1: a thin adapter over app.
// Errors are RFC 9457 problem documents; lists are paginated.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/memo"
	"kam/internal/route"
)

type handler struct {
	app *app.App
	log *slog.Logger
	// listBodies keeps the JSON of the account pages that
	// app.AccountPage.Key names (accounts.go): under 50 clients, making
	// the JSON of 50 accounts was a third of a list request's time at
	// 1,000,000 accounts (docs/benchmarks.md). One per App, since a key
	// names a state of one database.
	listBodies *memo.Bytes
}

// Routes registers the API on mux under /api/v1 and returns the access
// rule of each route.
func Routes(mux *http.ServeMux, a *app.App, log *slog.Logger) []route.Rule {
	h := &handler{app: a, log: log, listBodies: &memo.Bytes{MaxBytes: 8 << 20}}
	m := route.New(mux, h.guard)
	m.Handle("GET /api/v1/openapi.json", crm.PermPublic, h.fn(h.openAPI))
	m.Handle("GET /api/v1/me", crm.PermSignedIn, h.fn(h.me))
	m.Handle("GET /api/v1/me/tokens", crm.PermSignedIn, h.fn(h.listTokens))
	m.Handle("POST /api/v1/me/tokens", crm.PermSignedIn, h.fn(h.createToken))
	m.Handle("DELETE /api/v1/me/tokens/{id}", crm.PermSignedIn, h.fn(h.revokeToken))
	m.Handle("GET /api/v1/pyramid", crm.PermRead, h.fn(h.pyramid))
	m.Handle("GET /api/v1/pyramid/migration", crm.PermRead, h.fn(h.migration))
	m.Handle("GET /api/v1/pyramid/migration/accounts", crm.PermRead, h.fn(h.migrationAccounts))
	m.Handle("GET /api/v1/accounts", crm.PermRead, h.fn(h.listAccounts))
	m.Handle("POST /api/v1/accounts", crm.PermEditAccounts, h.fn(h.createAccount))
	m.Handle("GET /api/v1/accounts/{id}", crm.PermRead, h.fn(h.showAccount))
	m.Handle("PATCH /api/v1/accounts/{id}", crm.PermEditAccounts, h.fn(h.updateAccount))
	m.Handle("GET /api/v1/accounts/{id}/tier", crm.PermRead, h.fn(h.explainAccount))
	m.Handle("GET /api/v1/accounts/{id}/revenue", crm.PermRead, h.fn(h.accountRevenue))
	m.Handle("GET /api/v1/accounts/{id}/history", crm.PermRead, h.fn(h.accountHistory))
	m.Handle("POST /api/v1/accounts/{id}/stage", crm.PermEditAccounts, h.fn(h.moveStage))
	m.Handle("POST /api/v1/accounts/{id}/owner", crm.PermEditAccounts, h.fn(h.assignOwner))
	m.Handle("GET /api/v1/opportunities", crm.PermRead, h.fn(h.listOpportunities))
	m.Handle("POST /api/v1/opportunities", crm.PermEditAccounts, h.fn(h.createOpportunity))
	m.Handle("GET /api/v1/opportunities/{id}", crm.PermRead, h.fn(h.showOpportunity))
	m.Handle("PATCH /api/v1/opportunities/{id}", crm.PermEditAccounts, h.fn(h.updateOpportunity))
	m.Handle("DELETE /api/v1/opportunities/{id}", crm.PermEditAccounts, h.fn(h.deleteOpportunity))
	m.Handle("POST /api/v1/opportunities/{id}/stage", crm.PermEditAccounts, h.fn(h.moveOpportunity))
	m.Handle("GET /api/v1/pipeline/funnel", crm.PermRead, h.fn(h.funnel))
	m.Handle("GET /api/v1/activities", crm.PermRead, h.fn(h.listActivities))
	m.Handle("POST /api/v1/activities", crm.PermEditAccounts, h.fn(h.createActivity))
	m.Handle("GET /api/v1/activities/{id}", crm.PermRead, h.fn(h.showActivity))
	m.Handle("PATCH /api/v1/activities/{id}", crm.PermEditAccounts, h.fn(h.updateActivity))
	m.Handle("DELETE /api/v1/activities/{id}", crm.PermEditAccounts, h.fn(h.deleteActivity))
	m.Handle("GET /api/v1/handovers", crm.PermRead, h.fn(h.listHandovers))
	m.Handle("GET /api/v1/handovers/{id}", crm.PermRead, h.fn(h.showHandover))
	m.Handle("PATCH /api/v1/handovers/{id}", crm.PermEditAccounts, h.fn(h.updateHandover))
	m.Handle("POST /api/v1/handovers/{id}/accept", crm.PermEditAccounts, h.fn(h.acceptHandover))
	m.Handle("GET /api/v1/targets", crm.PermRead, h.fn(h.targets))
	m.Handle("PUT /api/v1/targets", crm.PermTargets, h.fn(h.setTargets))
	m.Handle("POST /api/v1/imports/{kind}", crm.PermImport, h.fn(h.importFile))
	m.Handle("GET /api/v1/settings/method", crm.PermRead, h.fn(h.showMethod))
	m.Handle("PUT /api/v1/settings/method", crm.PermSettings, h.fn(h.saveMethod))
	m.Handle("GET /api/v1/departments", crm.PermRead, h.fn(h.listDepartments))
	m.Handle("POST /api/v1/departments", crm.PermManagePeople, h.fn(h.createDepartment))
	m.Handle("PATCH /api/v1/departments/{id}", crm.PermManagePeople, h.fn(h.updateDepartment))
	m.Handle("GET /api/v1/teams", crm.PermRead, h.fn(h.listTeams))
	m.Handle("POST /api/v1/teams", crm.PermManagePeople, h.fn(h.createTeam))
	m.Handle("PATCH /api/v1/teams/{id}", crm.PermManagePeople, h.fn(h.updateTeam))
	m.Handle("GET /api/v1/people", crm.PermRead, h.fn(h.listPeople))
	m.Handle("POST /api/v1/people", crm.PermManagePeople, h.fn(h.createPerson))
	m.Handle("GET /api/v1/people/{id}", crm.PermRead, h.fn(h.showPerson))
	m.Handle("PATCH /api/v1/people/{id}", crm.PermManagePeople, h.fn(h.updatePerson))
	m.Handle("GET /api/v1/audit", crm.PermAudit, h.fn(h.listAudit))
	m.Handle("GET /api/v1/channels", crm.PermSettings, h.fn(h.listChannels))
	m.Handle("POST /api/v1/channels", crm.PermSettings, h.fn(h.createChannel))
	m.Handle("GET /api/v1/channels/{id}", crm.PermSettings, h.fn(h.showChannel))
	m.Handle("PATCH /api/v1/channels/{id}", crm.PermSettings, h.fn(h.updateChannel))
	m.Handle("POST /api/v1/channels/{id}/test", crm.PermSettings, h.fn(h.testChannel))
	m.Handle("GET /api/v1/deliveries", crm.PermAudit, h.fn(h.listDeliveries))
	m.Handle("GET /api/v1/deliveries/{id}", crm.PermAudit, h.fn(h.showDelivery))
	m.Handle("POST /api/v1/deliveries/{id}/retry", crm.PermSettings, h.fn(h.retryDelivery))
	m.Handle("GET /api/v1/standards", crm.PermRead, h.fn(h.standards))
	m.Handle("GET /api/v1/alerts", crm.PermRead, h.fn(h.listAlerts))
	m.Handle("POST /api/v1/alerts/{id}/ack", crm.PermEditAccounts, h.fn(h.ackAlert))
	m.Handle("GET /api/v1/meetings/weekly", crm.PermRead, h.fn(h.weeklyPack))
	m.Handle("GET /api/v1/meetings/monthly", crm.PermRead, h.fn(h.monthlyPack))
	m.Handle("GET /api/v1/meetings", crm.PermRead, h.fn(h.listMeetings))
	m.Handle("POST /api/v1/meetings", crm.PermEditAccounts, h.fn(h.createMeeting))
	m.Handle("GET /api/v1/meetings/{id}", crm.PermRead, h.fn(h.showMeeting))
	m.Handle("PATCH /api/v1/meetings/{id}", crm.PermEditAccounts, h.fn(h.updateMeeting))
	m.Handle("POST /api/v1/meetings/{id}/decisions", crm.PermEditAccounts, h.fn(h.addDecision))
	m.Handle("PATCH /api/v1/decisions/{id}", crm.PermEditAccounts, h.fn(h.updateDecision))
	m.Handle("POST /api/v1/meetings/{id}/action-items", crm.PermEditAccounts, h.fn(h.addAction))
	m.Handle("PATCH /api/v1/action-items/{id}", crm.PermEditAccounts, h.fn(h.updateAction))
	m.Handle("GET /api/v1/inbox", crm.PermSignedIn, h.fn(h.inbox))
	m.Handle("POST /api/v1/inbox/{id}/read", crm.PermSignedIn, h.fn(h.markRead))
	m.Handle("/api/v1/", crm.PermSignedIn, h.fn(func(w http.ResponseWriter, r *http.Request) error { return crm.ErrNotFound }))
	return m.Rules()
}

// guard answers 401 to a request without a principal and 403 to one whose
// role lacks perm.
func (h *handler) guard(perm crm.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := app.Allow(r.Context(), perm); err != nil {
			if app.PrincipalFrom(r.Context()).Anonymous {
				err = errUnauthorized
			}
			h.problem(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

var errUnauthorized = errors.New("api: sign-in required")

// fn adapts a handler that returns an error; api errors become problems.
func (h *handler) fn(f func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			h.problem(w, r, err)
		}
	})
}

// Problem is an RFC 9457 problem document with KAM's field errors.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// badRequest is an error in the request itself (a parameter, the body).
type badRequest struct{ msg string }

func (e badRequest) Error() string { return e.msg }

func (h *handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	pr := Problem{Type: "about:blank"}
	var ve *crm.ValidationError
	var br badRequest
	var ie *app.ImportError
	switch {
	case errors.As(err, &ve):
		pr.Status, pr.Title = http.StatusUnprocessableEntity, p.T("error.validation")
		pr.Fields = map[string]string{}
		for f, k := range ve.Fields {
			pr.Fields[f] = p.T(k)
		}
	case errors.As(err, &br):
		pr.Status, pr.Title, pr.Detail = http.StatusBadRequest, p.T("error.bad_request"), br.msg
	case errors.As(err, &ie):
		pr.Status, pr.Title, pr.Detail = http.StatusUnprocessableEntity, p.T("error.import"), app.DescribeImportError(p, ie)
		if ie.Code == "already_imported" {
			pr.Status = http.StatusConflict
		}
	case errors.Is(err, errUnauthorized):
		w.Header().Set("WWW-Authenticate", `Bearer realm="kam"`)
		pr.Status, pr.Title, pr.Detail = http.StatusUnauthorized, p.T("error.unauthorized"), p.T("error.auth.required")
	case errors.Is(err, crm.ErrNotFound):
		pr.Status, pr.Title = http.StatusNotFound, p.T("error.not_found")
	case errors.Is(err, crm.ErrConflict):
		pr.Status, pr.Title, pr.Detail = http.StatusConflict, p.T("error.conflict"), p.T("error.conflict.detail")
	case errors.Is(err, crm.ErrForbidden):
		pr.Status, pr.Title = http.StatusForbidden, p.T("error.forbidden")
	case errors.Is(err, app.ErrNoData):
		pr.Status, pr.Title, pr.Detail = http.StatusNotFound, p.T("error.no_data"), p.T("error.no_data.detail")
	default:
		h.log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		pr.Status, pr.Title = http.StatusInternalServerError, p.T("error.server")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(pr.Status)
	json.NewEncoder(w).Encode(pr)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decode reads a JSON body strictly: unknown fields are an error.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest{"body: " + err.Error()}
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.ErrNotFound
	}
	return id, nil
}

func intParam(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badRequest{name + ": not an integer: " + strconv.Quote(s)}
	}
	return n, nil
}

// periodSpec reads year, ttm, from, to or period from the query.
func periodSpec(r *http.Request) (app.PeriodSpec, error) {
	q := r.URL.Query()
	year, err := intParam(r, "year", 0)
	if err != nil {
		return app.PeriodSpec{}, err
	}
	ttm := q.Get("ttm") == "1" || q.Get("ttm") == "true"
	return app.PeriodSpec{Year: year, TTM: ttm, From: q.Get("from"), To: q.Get("to"), Key: q.Get("period")}, nil
}

func pyramidQuery(r *http.Request) (app.PyramidQuery, error) {
	spec, err := periodSpec(r)
	if err != nil {
		return app.PyramidQuery{}, err
	}
	q := app.PyramidQuery{Scheme: r.URL.Query().Get("scheme"), Period: spec}
	if s := r.URL.Query().Get("thresholds"); s != "" {
		for _, part := range strings.Split(s, ",") {
			v, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil || v <= 0 {
				return q, badRequest{"thresholds: want positive whole amounts separated by commas"}
			}
			q.Thresholds = append(q.Thresholds, crm.Yuan(v))
		}
	}
	return q, nil
}
