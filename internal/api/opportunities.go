package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
	"kam/internal/transfer"
)

// Opportunities, the funnel and activities in the API (docs/process.md,
// docs/api.md). Amounts are decimal strings of yuan ("1200000.00"); input
// takes a number or a string. Dates are YYYY-MM-DD.

// OpportunityJSON is an opportunity.
type OpportunityJSON struct {
	ID          int64       `json:"id"`
	AccountID   int64       `json:"account_id"`
	AccountCode string      `json:"account_code"`
	AccountName string      `json:"account_name"`
	Name        string      `json:"name"`
	Stage       string      `json:"stage"`
	Amount      json.Number `json:"amount"`
	CloseDate   string      `json:"close_date,omitempty"`
	Probability int         `json:"probability"`
	Needs       []string    `json:"needs"`
	Products    []string    `json:"products"`
	OwnerID     int64       `json:"owner_id,omitempty"`
	OwnerName   string      `json:"owner_name,omitempty"`
	TeamID      int64       `json:"team_id,omitempty"`
	TeamName    string      `json:"team_name,omitempty"`
	LostReason  string      `json:"lost_reason,omitempty"`
	Checks      []string    `json:"checks"`
	ClosedOn    string      `json:"closed_on,omitempty"`
	StageSince  string      `json:"stage_since"`
	Version     int         `json:"version"`
	CreatedAt   string      `json:"created_at"`
	UpdatedAt   string      `json:"updated_at"`
	// On GET /opportunities/{id} only: the stays in each stage, the time
	// spent in each, and the exit criteria of the current stage not met.
	Stays         []StayJSON      `json:"stays,omitempty"`
	TimeInStages  []StageTimeJSON `json:"time_in_stages,omitempty"`
	UnmetCriteria []string        `json:"unmet_criteria,omitempty"`
}

// StayJSON is one stay of an opportunity in a stage.
type StayJSON struct {
	Stage     string `json:"stage"`
	FromStage string `json:"from_stage,omitempty"`
	EnteredAt string `json:"entered_at"`
	LeftAt    string `json:"left_at,omitempty"`
	Seconds   int64  `json:"seconds"`
	Actor     string `json:"actor,omitempty"`
}

// StageTimeJSON is the time an opportunity spent in a stage.
type StageTimeJSON struct {
	Stage   string `json:"stage"`
	Seconds int64  `json:"seconds"`
	Current bool   `json:"current"`
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func opportunityJSON(o store.OppRow) OpportunityJSON {
	return OpportunityJSON{ID: o.ID, AccountID: o.AccountID, AccountCode: o.AccountCode, AccountName: o.AccountName, Name: o.Name,
		Stage: o.Stage, Amount: app.MoneyJSON(o.Amount), CloseDate: dateJSON(o.CloseDate), Probability: o.Probability,
		Needs: nonNil(o.Needs), Products: nonNil(o.Products), OwnerID: o.OwnerID, OwnerName: o.OwnerName, TeamID: o.TeamID,
		TeamName: o.TeamName, LostReason: o.LostReason, Checks: nonNil(o.Checks), ClosedOn: dateJSON(o.ClosedOn),
		StageSince: o.StageSince.UTC().Format(timeJSON), Version: o.Version, CreatedAt: o.CreatedAt.UTC().Format(timeJSON),
		UpdatedAt: o.UpdatedAt.UTC().Format(timeJSON)}
}

// OpportunityList is a page of opportunities.
type OpportunityList struct {
	Items   []OpportunityJSON `json:"items"`
	Total   int               `json:"total"`
	Page    int               `json:"page"`
	PerPage int               `json:"per_page"`
}

// oppFilterFrom reads the filters of the list and the funnel.
func oppFilterFrom(r *http.Request) (store.OppFilter, error) {
	q := r.URL.Query()
	f := store.OppFilter{Q: q.Get("q"), Sort: q.Get("sort")}
	if s := q.Get("stage"); s != "" {
		f.Stages = strings.Split(s, ",")
	}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"account_id", &f.AccountID}, {"owner_id", &f.OwnerID}, {"team_id", &f.TeamID}} {
		n, err := intParam(r, p.name, 0)
		if err != nil {
			return f, err
		}
		*p.to = int64(n)
	}
	for _, p := range []struct {
		name string
		to   *crm.Date
	}{{"from", &f.CloseFrom}, {"to", &f.CloseTo}} {
		if s := q.Get(p.name); s != "" {
			d, err := crm.ParseISODate(s)
			if err != nil || !d.Valid() {
				return f, badRequest{p.name + ": want YYYY-MM-DD"}
			}
			*p.to = d
		}
	}
	var err error
	if f.Page, err = intParam(r, "page", 1); err != nil {
		return f, err
	}
	if f.PerPage, err = intParam(r, "per_page", 50); err != nil {
		return f, err
	}
	return f, nil
}

func (h *handler) listOpportunities(w http.ResponseWriter, r *http.Request) error {
	f, err := oppFilterFrom(r)
	if err != nil {
		return err
	}
	page, err := h.app.Opportunities(r.Context(), f)
	if err != nil {
		return err
	}
	out := OpportunityList{Items: []OpportunityJSON{}, Total: page.Total, Page: page.Page, PerPage: page.PerPage}
	for _, o := range page.Rows {
		out.Items = append(out.Items, opportunityJSON(o))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) showOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := h.app.Opportunity(r.Context(), id)
	if err != nil {
		return err
	}
	out := opportunityJSON(v.OppRow)
	for _, s := range v.Stays {
		st := StayJSON{Stage: s.Stage, FromStage: s.FromStage, EnteredAt: s.EnteredAt.UTC().Format(timeJSON),
			Seconds: int64(s.Duration(v.Now).Seconds()), Actor: s.Actor}
		if !s.LeftAt.IsZero() {
			st.LeftAt = s.LeftAt.UTC().Format(timeJSON)
		}
		out.Stays = append(out.Stays, st)
	}
	for _, t := range v.StageTimes {
		out.TimeInStages = append(out.TimeInStages, StageTimeJSON{Stage: t.Stage, Seconds: int64(t.Duration.Seconds()), Current: t.Current})
	}
	out.UnmetCriteria = v.Unmet
	return writeJSON(w, http.StatusOK, out)
}

// OpportunityInput is the body of a create or an update. On update, absent
// fields keep their values and version is required.
type OpportunityInput struct {
	AccountID   *int64          `json:"account_id"`
	Name        *string         `json:"name"`
	Stage       *string         `json:"stage"` // create only: the open stage it starts in
	Amount      json.RawMessage `json:"amount"`
	CloseDate   *string         `json:"close_date"`
	Probability *int            `json:"probability"`
	Needs       *[]string       `json:"needs"`
	Products    *[]string       `json:"products"`
	OwnerID     *int64          `json:"owner_id"`
	TeamID      *int64          `json:"team_id"`
	Checks      *[]string       `json:"checks"`
	LostReason  *string         `json:"lost_reason"`
	Version     *int            `json:"version"`
}

// apply overlays the body on in; bad values are problems in v.
func (b OpportunityInput) apply(in *app.OppInput, v *crm.ValidationError) {
	set := func(p *int64, to *int64) {
		if p != nil {
			*to = *p
		}
	}
	set(b.AccountID, &in.AccountID)
	set(b.OwnerID, &in.OwnerID)
	set(b.TeamID, &in.TeamID)
	for _, s := range []struct {
		p  *string
		to *string
	}{{b.Name, &in.Name}, {b.Stage, &in.Stage}, {b.LostReason, &in.LostReason}} {
		if s.p != nil {
			*s.to = *s.p
		}
	}
	for _, l := range []struct {
		p  *[]string
		to *[]string
	}{{b.Needs, &in.Needs}, {b.Products, &in.Products}, {b.Checks, &in.Checks}} {
		if l.p != nil {
			*l.to = *l.p
		}
	}
	if b.Probability != nil {
		in.Probability = b.Probability
	}
	if len(b.Amount) > 0 && string(b.Amount) != "null" {
		m, err := transfer.ParseAmount(strings.Trim(string(b.Amount), `"`))
		if err != nil {
			v.Add("amount", "error.opportunity.amount")
		}
		in.Amount = m
	}
	if b.CloseDate != nil {
		bodyDate(v, "close_date", *b.CloseDate, &in.CloseDate)
	}
	if b.Version != nil {
		in.Version = *b.Version
	}
}

func (h *handler) createOpportunity(w http.ResponseWriter, r *http.Request) error {
	var body OpportunityInput
	if err := decode(r, &body); err != nil {
		return err
	}
	var in app.OppInput
	var bad crm.ValidationError
	body.apply(&in, &bad)
	if err := bad.OrNil(); err != nil {
		return err
	}
	o, err := h.app.CreateOpportunity(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, opportunityJSON(o))
}

func (h *handler) updateOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body OpportunityInput
	if err := decode(r, &body); err != nil {
		return err
	}
	cur, err := h.app.OpportunityRow(r.Context(), id)
	if err != nil {
		return err
	}
	in := app.OppInput{AccountID: cur.AccountID, Name: cur.Name, Amount: cur.Amount, CloseDate: cur.CloseDate, Needs: cur.Needs,
		Products: cur.Products, OwnerID: cur.OwnerID, TeamID: cur.TeamID, Checks: cur.Checks, LostReason: cur.LostReason}
	var bad crm.ValidationError
	if body.Stage != nil {
		bad.Add("stage", "error.opportunity.stage_by_move")
	}
	body.apply(&in, &bad)
	if body.Version == nil {
		bad.Add("version", "error.version.required")
	}
	if err := bad.OrNil(); err != nil {
		return err
	}
	o, err := h.app.UpdateOpportunity(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, opportunityJSON(o))
}

func (h *handler) deleteOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.DeleteOpportunity(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// OppStageInput is the body of POST /opportunities/{id}/stage.
type OppStageInput struct {
	To         string   `json:"to"`
	Version    int      `json:"version"`
	LostReason string   `json:"lost_reason"` // for LOST
	ClosedOn   string   `json:"closed_on"`   // for WON (the contract date) or LOST; default today
	Check      []string `json:"check"`       // exit criteria ticked with the move
}

// OppMoveJSON is the answer to a stage move.
type OppMoveJSON struct {
	Opportunity OpportunityJSON `json:"opportunity"`
	// FirstWin: the move won the account's first contract, which starts
	// its handover; Handover says how that went.
	FirstWin bool               `json:"first_win"`
	Handover *HandoverStartJSON `json:"handover,omitempty"`
}

// HandoverStartJSON says what became of the handover a first win starts.
type HandoverStartJSON struct {
	Started      bool   `json:"started"`
	HandoverID   int64  `json:"handover_id,omitempty"`
	AccountStage string `json:"account_stage"`
	Problem      string `json:"problem,omitempty"` // why it did not start, in the request's language
}

// criteriaProblem is the problem of a move refused for exit criteria not
// met: it names them.
type criteriaProblem struct {
	Problem
	Unmet []string `json:"unmet_criteria"`
	// UnmetLabels are the criteria as people read them.
	UnmetLabels []string `json:"unmet_labels"`
}

func (h *handler) moveOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body OppStageInput
	if err := decode(r, &body); err != nil {
		return err
	}
	mv := crm.OppMove{To: body.To, Version: body.Version, LostReason: body.LostReason, Check: body.Check}
	var bad crm.ValidationError
	bodyDate(&bad, "closed_on", body.ClosedOn, &mv.ClosedOn)
	if mv.Version == 0 {
		bad.Add("version", "error.version.required")
	}
	if err := bad.OrNil(); err != nil {
		return err
	}
	res, err := h.app.MoveOpportunity(r.Context(), id, mv)
	p := i18n.Get(i18n.Match(r.Header.Get("Accept-Language")))
	var ce *crm.CriteriaError
	if errors.As(err, &ce) {
		pr := criteriaProblem{Problem: Problem{Type: "about:blank", Title: p.T("error.validation"), Status: http.StatusUnprocessableEntity,
			Fields: map[string]string{}}, Unmet: ce.Unmet}
		for f, k := range ce.Fields {
			pr.Fields[f] = p.T(k)
		}
		for _, c := range ce.Unmet {
			label := c
			if p.Has("oppcrit." + c) {
				label = p.T("oppcrit." + c)
			}
			pr.UnmetLabels = append(pr.UnmetLabels, label)
		}
		pr.Detail = p.T("error.opportunity.criteria") + " " + strings.Join(pr.UnmetLabels, "; ")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(pr.Status)
		return json.NewEncoder(w).Encode(pr)
	}
	if err != nil {
		return err
	}
	out := OppMoveJSON{Opportunity: opportunityJSON(res.Opportunity), FirstWin: res.FirstWin}
	if res.FirstWin {
		hs := res.Handover
		out.Handover = &HandoverStartJSON{Started: hs.Started, HandoverID: hs.HandoverID, AccountStage: hs.AccountStage}
		if hs.Problem != "" {
			out.Handover.Problem = p.T(hs.Problem)
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// FunnelStageJSON is the opportunities of one stage.
type FunnelStageJSON struct {
	Stage       string      `json:"stage"`
	Open        bool        `json:"open"`
	Probability int         `json:"probability"`
	Count       int         `json:"count"`
	Amount      json.Number `json:"amount"`
	Weighted    json.Number `json:"weighted"`
}

// FunnelJSON is the pipeline by stage.
type FunnelJSON struct {
	Stages  []FunnelStageJSON `json:"stages"`
	Open    FunnelStageJSON   `json:"open"`
	WinRate *float64          `json:"win_rate"` // null before anything closed
	Closed  int               `json:"closed"`
}

func funnelStageJSON(s app.FunnelStage) FunnelStageJSON {
	return FunnelStageJSON{Stage: s.Stage, Open: s.Open, Probability: s.Probability, Count: s.Count, Amount: app.MoneyJSON(s.Amount),
		Weighted: app.MoneyJSON(s.Weighted)}
}

func (h *handler) funnel(w http.ResponseWriter, r *http.Request) error {
	f, err := oppFilterFrom(r)
	if err != nil {
		return err
	}
	fn, err := h.app.Funnel(r.Context(), f)
	if err != nil {
		return err
	}
	out := FunnelJSON{Stages: []FunnelStageJSON{}, Open: funnelStageJSON(fn.Open), Closed: fn.Closed}
	out.Open.Stage, out.Open.Open = "", true
	for _, s := range fn.Stages {
		out.Stages = append(out.Stages, funnelStageJSON(s))
	}
	if fn.Closed > 0 {
		out.WinRate = &fn.WinRate
	}
	return writeJSON(w, http.StatusOK, out)
}

// ActivityJSON is an activity.
type ActivityJSON struct {
	ID              int64    `json:"id"`
	Kind            string   `json:"kind"`
	AccountID       int64    `json:"account_id"`
	AccountName     string   `json:"account_name"`
	OpportunityID   int64    `json:"opportunity_id,omitempty"`
	OpportunityName string   `json:"opportunity_name,omitempty"`
	Date            string   `json:"date"`
	Contacts        []string `json:"contacts"`
	Objective       string   `json:"objective"`
	Outcome         string   `json:"outcome"`
	NextStep        string   `json:"next_step"`
	NextStepDue     string   `json:"next_step_due,omitempty"`
	NextStepDone    bool     `json:"next_step_done"`
	Overdue         bool     `json:"overdue"`
	OwnerID         int64    `json:"owner_id"`
	OwnerName       string   `json:"owner_name"`
	Version         int      `json:"version"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
}

func activityJSON(x store.ActRow, today crm.Date) ActivityJSON {
	return ActivityJSON{ID: x.ID, Kind: x.Kind, AccountID: x.AccountID, AccountName: x.AccountName, OpportunityID: x.OpportunityID,
		OpportunityName: x.OpportunityName, Date: dateJSON(x.Date), Contacts: nonNil(x.Contacts), Objective: x.Objective,
		Outcome: x.Outcome, NextStep: x.NextStep, NextStepDue: dateJSON(x.NextStepDue), NextStepDone: x.NextStepDone,
		Overdue: x.Overdue(today), OwnerID: x.OwnerID, OwnerName: x.OwnerName, Version: x.Version,
		CreatedAt: x.CreatedAt.UTC().Format(timeJSON), UpdatedAt: x.UpdatedAt.UTC().Format(timeJSON)}
}

// ActivityList is a page of activities.
type ActivityList struct {
	Items  []ActivityJSON `json:"items"`
	Total  int            `json:"total"`
	Limit  int            `json:"limit"`
	Offset int            `json:"offset"`
}

func (h *handler) listActivities(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.ActFilter{Kind: q.Get("kind"), Newest: q.Get("order") != "date"}
	if s := q.Get("owner_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return badRequest{"owner_id: not an integer"}
		}
		f.OwnerIDs = []int64{n}
	}
	for _, p := range []struct {
		name string
		to   *int64
	}{{"account_id", &f.AccountID}, {"opportunity_id", &f.OpportunityID}} {
		n, err := intParam(r, p.name, 0)
		if err != nil {
			return err
		}
		*p.to = int64(n)
	}
	for _, p := range []struct {
		name string
		to   *crm.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(p.name); s != "" {
			d, err := crm.ParseISODate(s)
			if err != nil || !d.Valid() {
				return badRequest{p.name + ": want YYYY-MM-DD"}
			}
			*p.to = d
		}
	}
	if s := q.Get("week"); s != "" {
		wk, ok := crm.ParseWeek(s)
		if !ok {
			return badRequest{"week: want YYYY-Www, like 2026-W48"}
		}
		f.From, f.To = wk.Monday(), wk.Monday().AddDays(6)
	}
	today := h.app.Today()
	if q.Get("overdue") == "1" || q.Get("overdue") == "true" {
		f.OverdueOn = today
	}
	var err error
	if f.Limit, err = intParam(r, "limit", 50); err != nil {
		return err
	}
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	list, total, err := h.app.Activities(r.Context(), f)
	if err != nil {
		return err
	}
	out := ActivityList{Items: []ActivityJSON{}, Total: total, Limit: min(max(f.Limit, 1), app.MaxActivities), Offset: f.Offset}
	for _, x := range list {
		out.Items = append(out.Items, activityJSON(x, today))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) showActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := h.app.Activity(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activityJSON(x, h.app.Today()))
}

// ActivityInput is the body of a create or an update. On update, absent
// fields keep their values and version is required.
type ActivityInput struct {
	Kind          *string   `json:"kind"`
	AccountID     *int64    `json:"account_id"`
	OpportunityID *int64    `json:"opportunity_id"` // 0: none
	Date          *string   `json:"date"`           // default today
	Contacts      *[]string `json:"contacts"`
	Objective     *string   `json:"objective"`
	Outcome       *string   `json:"outcome"`
	NextStep      *string   `json:"next_step"`
	NextStepDue   *string   `json:"next_step_due"`
	NextStepDone  *bool     `json:"next_step_done"`
	OwnerID       *int64    `json:"owner_id"` // default: who logs it
	Version       *int      `json:"version"`
}

func (b ActivityInput) apply(x *crm.Activity, v *crm.ValidationError) {
	for _, s := range []struct {
		p  *string
		to *string
	}{{b.Kind, &x.Kind}, {b.Objective, &x.Objective}, {b.Outcome, &x.Outcome}, {b.NextStep, &x.NextStep}} {
		if s.p != nil {
			*s.to = *s.p
		}
	}
	for _, s := range []struct {
		p  *int64
		to *int64
	}{{b.AccountID, &x.AccountID}, {b.OpportunityID, &x.OpportunityID}, {b.OwnerID, &x.OwnerID}} {
		if s.p != nil {
			*s.to = *s.p
		}
	}
	if b.Contacts != nil {
		x.Contacts = *b.Contacts
	}
	if b.Date != nil {
		bodyDate(v, "date", *b.Date, &x.Date)
		if x.Date == 0 && v.Fields["date"] == "" {
			v.Add("date", "error.required")
		}
	}
	if b.NextStepDue != nil {
		bodyDate(v, "next_step_due", *b.NextStepDue, &x.NextStepDue)
	}
	if b.NextStepDone != nil {
		x.NextStepDone = *b.NextStepDone
	}
	if b.Version != nil {
		x.Version = *b.Version
	}
}

func (h *handler) createActivity(w http.ResponseWriter, r *http.Request) error {
	var body ActivityInput
	if err := decode(r, &body); err != nil {
		return err
	}
	x := crm.Activity{Date: h.app.Today()}
	var bad crm.ValidationError
	body.apply(&x, &bad)
	if err := bad.OrNil(); err != nil {
		return err
	}
	saved, err := h.app.CreateActivity(r.Context(), x)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, activityJSON(saved, h.app.Today()))
}

func (h *handler) updateActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body ActivityInput
	if err := decode(r, &body); err != nil {
		return err
	}
	cur, err := h.app.Activity(r.Context(), id)
	if err != nil {
		return err
	}
	x := cur.Activity
	var bad crm.ValidationError
	body.apply(&x, &bad)
	if body.Version == nil {
		bad.Add("version", "error.version.required")
	}
	if err := bad.OrNil(); err != nil {
		return err
	}
	saved, err := h.app.UpdateActivity(r.Context(), x)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, activityJSON(saved, h.app.Today()))
}

func (h *handler) deleteActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.DeleteActivity(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
