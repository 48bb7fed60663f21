package web

import (
	"net/http"
	"slices"
	"strconv"

	"kam/internal/app"
	"kam/internal/crm"
)

// Standards and alerts (docs/standards.md): /standards shows the
// compliance of the people in one's data scope for a week and what is
// overdue; /alerts the open alerts in one's scope.

type standardsPage struct {
	layout
	View         app.ComplianceView
	Week, Prev   string
	Next         string
	TeamID       int64
	TeamNames    map[int64]string
	MeetingKinds []string
}

func (h *handler) showStandards(w http.ResponseWriter, r *http.Request) error {
	week := crm.WeekOf(h.app.Today())
	if s := r.URL.Query().Get("week"); s != "" {
		var ok bool
		if week, ok = crm.ParseWeek(s); !ok {
			return badRequest("week: want YYYY-Www, like 2026-W48")
		}
	}
	var cs app.ComplianceScope
	if s := r.URL.Query().Get("team"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return badRequest("team: want a number")
		}
		cs.TeamID = id
	}
	v, err := h.app.Compliance(r.Context(), cs, week)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range v.People {
		names[p.PersonID] = p.Name
	}
	d := standardsPage{layout: h.layout(r, "standards", "standards.title"), View: v, Week: week.String(),
		Prev: week.Prev().String(), Next: week.Next().String(), TeamID: cs.TeamID, TeamNames: names,
		MeetingKinds: v.Standards.EffectiveKinds}
	return h.render(w, http.StatusOK, "standards/show.html", d)
}

type alertsPage struct {
	layout
	Rules  []string
	Rule   string
	All    bool
	Alerts []alertRow
	Total  int
}

type alertRow struct {
	ID          int64
	Rule        string
	Title       string
	Link        string
	AccountID   int64
	AccountName string
	OwnerName   string
	RaisedAt    string
	Resolved    bool
	Acked       bool
}

func (h *handler) listAlerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := app.AlertFilter{Rule: q.Get("rule"), All: q.Get("all") == "1", Limit: 500}
	if f.Rule != "" && !slices.Contains(crm.AlertRuleNames, f.Rule) {
		return badRequest("rule: unknown")
	}
	pg, err := h.app.OpenAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	d := alertsPage{layout: h.layout(r, "alerts", "alert.title"), Rules: crm.AlertRuleNames, Rule: f.Rule, All: f.All, Total: pg.Total}
	for _, a := range pg.Alerts {
		d.Alerts = append(d.Alerts, alertRow{ID: a.ID, Rule: a.Rule, Title: app.AlertTitle(d.p, a), Link: app.AlertLink(a),
			AccountID: a.AccountID, AccountName: a.AccountName, OwnerName: a.OwnerName, RaisedAt: a.RaisedAt.Format("2006-01-02 15:04"),
			Resolved: a.ResolvedAt != nil, Acked: a.AckedAt != nil})
	}
	return h.render(w, http.StatusOK, "alerts.html", d)
}

func (h *handler) ackAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.app.AckAlert(r.Context(), id); err != nil {
		return err
	}
	back := "/alerts?flash=alert_acked"
	if b := r.PostFormValue("back"); b != "" {
		back = safeBack(b)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// alertBadge counts the open alerts of the signed-in person's scope that
// nobody acknowledged, for the navigation (0 on any error: a badge never
// fails a page).
func (h *handler) alertBadge(r *http.Request) int {
	if app.PrincipalFrom(r.Context()).Anonymous {
		return 0
	}
	n, _ := h.app.AlertCount(r.Context())
	return n
}
