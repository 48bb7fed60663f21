package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
)

// Meetings in the API (docs/meetings.md, docs/api.md): the weekly pack of a
// team, the monthly pack of a department or the company, and the record of
// a meeting with its decisions and action items. The JSON forms are in
// internal/app/meeting_views.go.

func (h *handler) weeklyPack(w http.ResponseWriter, r *http.Request) error {
	team, err := int64Param(r, "team")
	if err != nil {
		return err
	}
	if team <= 0 {
		return badRequest{"team: want the ID of a team"}
	}
	week := crm.WeekOf(h.app.Today()).Prev()
	if s := r.URL.Query().Get("week"); s != "" {
		var ok bool
		if week, ok = crm.ParseWeek(s); !ok {
			return badRequest{"week: want YYYY-Www, like 2026-W48"}
		}
	}
	p, err := h.app.WeeklyPack(r.Context(), team, week)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewWeeklyPackJSON(p))
}

func (h *handler) monthlyPack(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var dept int64
	switch s := q.Get("department"); s {
	case "company":
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return badRequest{"department: want the ID of a department or company"}
		}
		dept = n
	}
	month := crm.MonthOf(h.app.Today()).Add(-1)
	if s := q.Get("month"); s != "" {
		var ok bool
		if month, ok = crm.ParseMonth(s); !ok {
			return badRequest{"month: want YYYY-MM, like 2026-11"}
		}
	}
	p, err := h.app.MonthlyPack(r.Context(), dept, month)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewMonthlyPackJSON(p))
}

// MeetingList is the meetings in the caller's scope, the latest first.
type MeetingList struct {
	Items []app.MeetingJSON `json:"items"`
}

func (h *handler) listMeetings(w http.ResponseWriter, r *http.Request) error {
	typ := strings.ToUpper(r.URL.Query().Get("type"))
	if typ != "" && typ != crm.MeetingWeekly && typ != crm.MeetingMonthly {
		return badRequest{"type: want WEEKLY or MONTHLY"}
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 1000 {
		return badRequest{"limit: want 1 to 1000"}
	}
	list, err := h.app.Meetings(r.Context(), typ, limit)
	if err != nil {
		return err
	}
	out := MeetingList{Items: []app.MeetingJSON{}}
	for _, m := range list {
		out.Items = append(out.Items, app.NewMeetingJSON(m))
	}
	return writeJSON(w, http.StatusOK, out)
}

// MeetingInput is the body of POST /meetings (type, team_id or
// department_id and period are read on create only; a monthly meeting
// without department_id is the company's) and of PATCH /meetings/{id},
// where absent fields keep their values and version is required.
type MeetingInput struct {
	Type         *string   `json:"type"`
	TeamID       *int64    `json:"team_id"`
	DepartmentID *int64    `json:"department_id"`
	Period       *string   `json:"period"`
	HeldAt       *string   `json:"held_at"` // YYYY-MM-DD; "" not held yet
	Attendees    *[]string `json:"attendees"`
	Blockers     *[]string `json:"blockers"`
	Notes        *string   `json:"notes"`
	Version      *int      `json:"version"`
}

// meetingDate reads an optional YYYY-MM-DD; a bad one is a problem under
// field.
func meetingDate(v *crm.ValidationError, field, s string) crm.Date {
	if s = strings.TrimSpace(s); s == "" {
		return 0
	}
	d, err := crm.ParseISODate(s)
	if err != nil || !d.Valid() {
		v.Add(field, "error.meeting.date")
		return 0
	}
	return d
}

func (b MeetingInput) apply(in *app.MeetingInput, v *crm.ValidationError) {
	if b.HeldAt != nil {
		in.HeldAt = meetingDate(v, "held_at", *b.HeldAt)
	}
	if b.Attendees != nil {
		in.Attendees = *b.Attendees
	}
	if b.Blockers != nil {
		in.Blockers = *b.Blockers
	}
	if b.Notes != nil {
		in.Notes = *b.Notes
	}
	if b.Version != nil {
		in.Version = *b.Version
	}
}

func (h *handler) createMeeting(w http.ResponseWriter, r *http.Request) error {
	var body MeetingInput
	if err := decode(r, &body); err != nil {
		return err
	}
	var in app.MeetingInput
	var bad crm.ValidationError
	if body.Type != nil {
		in.Type = strings.ToUpper(strings.TrimSpace(*body.Type))
	}
	if body.TeamID != nil {
		in.TeamID = *body.TeamID
	}
	if body.DepartmentID != nil {
		in.DepartmentID = *body.DepartmentID
	}
	if body.Period != nil {
		in.PeriodKey = *body.Period
	}
	if body.Version != nil {
		return badRequest{"version: not on create"}
	}
	body.apply(&in, &bad)
	if err := bad.OrNil(); err != nil {
		return err
	}
	mv, err := h.app.CreateMeeting(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/meetings/%d", mv.Meeting.ID))
	return writeJSON(w, http.StatusCreated, app.NewRecordJSON(mv, h.app.Today()))
}

func (h *handler) showMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mv, err := h.app.Meeting(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewRecordJSON(mv, h.app.Today()))
}

func (h *handler) updateMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body MeetingInput
	if err := decode(r, &body); err != nil {
		return err
	}
	cur, err := h.app.Meeting(r.Context(), id)
	if err != nil {
		return err
	}
	m := cur.Meeting
	in := app.MeetingInput{HeldAt: m.HeldAt, Attendees: m.Attendees, Blockers: m.Blockers, Notes: m.Notes}
	if body.Type != nil || body.TeamID != nil || body.DepartmentID != nil || body.Period != nil {
		return badRequest{"type, team_id, department_id and period are fixed once a meeting is recorded"}
	}
	var bad crm.ValidationError
	body.apply(&in, &bad)
	if body.Version == nil {
		bad.Add("version", "error.version.required")
	}
	if err := bad.OrNil(); err != nil {
		return err
	}
	mv, err := h.app.UpdateMeeting(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewRecordJSON(mv, h.app.Today()))
}

// DecisionInput is the body of POST /meetings/{id}/decisions and of PATCH
// /decisions/{id} (version required).
type DecisionInput struct {
	Text    string `json:"text"`
	Version *int   `json:"version"`
}

func (h *handler) addDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body DecisionInput
	if err := decode(r, &body); err != nil {
		return err
	}
	d, err := h.app.AddDecision(r.Context(), id, body.Text)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, app.NewDecisionJSON(d))
}

func (h *handler) updateDecision(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body DecisionInput
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Version == nil {
		return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	d, err := h.app.UpdateDecision(r.Context(), id, body.Text, *body.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewDecisionJSON(d))
}

// ActionInput is the body of POST /meetings/{id}/action-items and of PATCH
// /action-items/{id}, where absent fields keep their values and version is
// required. Status DONE closes an item (closed_in: the meeting closing it,
// of the item's series); OPEN opens it again.
type ActionInput struct {
	Text      *string `json:"text"`
	OwnerID   *int64  `json:"owner_id"`   // 0: nobody
	AccountID *int64  `json:"account_id"` // 0: none
	Due       *string `json:"due"`        // YYYY-MM-DD; "": none
	Status    *string `json:"status"`     // update only
	ClosedIn  *int64  `json:"closed_in"`  // update only
	Version   *int    `json:"version"`    // update only
}

func (b ActionInput) apply(in *app.ActionInput, v *crm.ValidationError) {
	if b.Text != nil {
		in.Text = *b.Text
	}
	if b.OwnerID != nil {
		in.OwnerID = *b.OwnerID
	}
	if b.AccountID != nil {
		in.AccountID = *b.AccountID
	}
	if b.Due != nil {
		in.Due = meetingDate(v, "due", *b.Due)
	}
}

func (h *handler) addAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body ActionInput
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.Status != nil || body.ClosedIn != nil || body.Version != nil {
		return badRequest{"status, closed_in and version: not on create (a new item is OPEN)"}
	}
	var in app.ActionInput
	var bad crm.ValidationError
	body.apply(&in, &bad)
	if err := bad.OrNil(); err != nil {
		return err
	}
	x, err := h.app.AddAction(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, app.NewActionItemJSON(x, h.app.Today()))
}

func (h *handler) updateAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body ActionInput
	if err := decode(r, &body); err != nil {
		return err
	}
	cur, err := h.app.ActionItem(r.Context(), id)
	if err != nil {
		return err
	}
	in := app.ActionInput{Text: cur.Text, OwnerID: cur.OwnerID, AccountID: cur.AccountID, Due: cur.Due}
	var bad crm.ValidationError
	body.apply(&in, &bad)
	if body.Status != nil {
		in.Status = strings.ToUpper(strings.TrimSpace(*body.Status))
		if in.Status != crm.ActionOpen && in.Status != crm.ActionDone {
			bad.Add("status", "error.action.status")
		}
	}
	if body.ClosedIn != nil {
		in.ClosedIn = *body.ClosedIn
	}
	if body.Version == nil {
		bad.Add("version", "error.version.required")
	} else {
		in.Version = *body.Version
	}
	if err := bad.OrNil(); err != nil {
		return err
	}
	x, err := h.app.UpdateAction(r.Context(), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewActionItemJSON(x, h.app.Today()))
}
