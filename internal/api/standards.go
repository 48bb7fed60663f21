package api

import (
	"net/http"
	"strconv"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// Standards and alerts (docs/standards.md).

// ComplianceJSON is the compliance of the people in the caller's scope.
type ComplianceJSON struct {
	Week      string                 `json:"week"`
	Today     string                 `json:"today"`
	Standards crm.Standards          `json:"standards"`
	People    []app.PersonCompliance `json:"people"`
	Teams     []app.TeamCompliance   `json:"teams"`
	NextSteps []OverdueJSON          `json:"next_steps"`
	Cadence   []OverdueJSON          `json:"cadence"`
}

// OverdueJSON is an opportunity breaking the next-step standard or an
// account whose cadence is missed.
type OverdueJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	AccountID   int64  `json:"account_id"`
	AccountName string `json:"account_name"`
	OwnerID     int64  `json:"owner_id"`
	Problem     string `json:"problem,omitempty"`
	CadenceDays int    `json:"cadence_days,omitempty"`
	LastTouch   string `json:"last_touch,omitempty"`
	DaysOverdue int    `json:"days_overdue"`
}

func (h *handler) standards(w http.ResponseWriter, r *http.Request) error {
	var cs app.ComplianceScope
	var err error
	if cs.TeamID, err = int64Param(r, "team"); err != nil {
		return err
	}
	if cs.PersonID, err = int64Param(r, "person"); err != nil {
		return err
	}
	week := crm.WeekOf(h.app.Today())
	if s := r.URL.Query().Get("week"); s != "" {
		var ok bool
		if week, ok = crm.ParseWeek(s); !ok {
			return badRequest{"week: want YYYY-Www, like 2026-W48"}
		}
	}
	v, err := h.app.Compliance(r.Context(), cs, week)
	if err != nil {
		return err
	}
	out := ComplianceJSON{Week: v.Week.String(), Today: v.Today.String(), Standards: v.Standards, People: v.People, Teams: v.Teams,
		NextSteps: []OverdueJSON{}, Cadence: []OverdueJSON{}}
	if out.People == nil {
		out.People = []app.PersonCompliance{}
	}
	if out.Teams == nil {
		out.Teams = []app.TeamCompliance{}
	}
	for _, s := range v.NextSteps {
		out.NextSteps = append(out.NextSteps, OverdueJSON{ID: s.ID, Name: s.Name, AccountID: s.AccountID, AccountName: s.AccountName,
			OwnerID: s.OwnerID, Problem: s.Problem, DaysOverdue: s.DaysOverdue})
	}
	for _, c := range v.Cadence {
		o := OverdueJSON{ID: c.ID, Name: c.Name, AccountID: c.AccountID, AccountName: c.AccountName, OwnerID: c.OwnerID,
			CadenceDays: c.CadenceDays, DaysOverdue: c.DaysOverdue}
		if c.Day != 0 {
			o.LastTouch = c.Day.String()
		}
		out.Cadence = append(out.Cadence, o)
	}
	return writeJSON(w, http.StatusOK, out)
}

// AlertJSON is one alert.
type AlertJSON struct {
	ID          int64          `json:"id"`
	Rule        string         `json:"rule"`
	Title       string         `json:"title"`
	Link        string         `json:"link"`
	SubjectID   int64          `json:"subject_id"`
	AccountID   int64          `json:"account_id,omitempty"`
	AccountName string         `json:"account_name,omitempty"`
	OwnerID     int64          `json:"owner_id,omitempty"`
	Detail      map[string]any `json:"detail"`
	Recipients  []int64        `json:"recipients"`
	RaisedAt    time.Time      `json:"raised_at"`
	ResolvedAt  *time.Time     `json:"resolved_at,omitempty"`
	AckedAt     *time.Time     `json:"acked_at,omitempty"`
	AckedBy     int64          `json:"acked_by,omitempty"`
}

func alertJSON(p *i18n.Printer, a store.AlertRow) AlertJSON {
	return AlertJSON{ID: a.ID, Rule: a.Rule, Title: app.AlertTitle(p, a), Link: app.AlertLink(a), SubjectID: a.SubjectID,
		AccountID: a.AccountID, AccountName: a.AccountName, OwnerID: a.OwnerID, Detail: a.Detail, Recipients: a.Recipients,
		RaisedAt: a.RaisedAt, ResolvedAt: a.ResolvedAt, AckedAt: a.AckedAt, AckedBy: a.AckedBy}
}

func (h *handler) listAlerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := app.AlertFilter{Rule: q.Get("rule")}
	var err error
	for name, to := range map[string]*bool{"all": &f.All, "unacked": &f.Unacked} {
		if s := q.Get(name); s != "" {
			if *to, err = strconv.ParseBool(s); err != nil {
				return badRequest{name + ": want true or false"}
			}
		}
	}
	if f.AccountID, err = int64Param(r, "account"); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 100); err != nil {
		return err
	}
	if f.Limit < 1 || f.Limit > 1000 {
		return badRequest{"limit: want 1 to 1000"}
	}
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if f.Offset < 0 {
		return badRequest{"offset: want 0 or more"}
	}
	pg, err := h.app.OpenAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	out := make([]AlertJSON, len(pg.Alerts))
	for i, a := range pg.Alerts {
		out[i] = alertJSON(p, a)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"alerts": out, "total": pg.Total})
}

func (h *handler) ackAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.app.AckAlert(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, alertJSON(i18n.Get(i18n.Match(r.Header.Get("Accept-Language"))), a))
}
