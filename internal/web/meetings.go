package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// Meetings (docs/meetings.md): the list, the weekly pack of a team and the
// monthly pack of a department or the company, each with the record of the
// meeting on the same page, and the packs as XLSX.

type meetingsPage struct {
	layout
	Meetings    []meetingLink
	Teams       []crm.Team
	Departments []crm.Department
	CanCompany  bool
	Week        string // the last complete week
	Month       string // the last complete month
}

type meetingLink struct {
	Type, Series, Period string
	HeldAt               crm.Date
	URL                  string
}

// packURL is the page of a meeting's pack.
func packURL(m crm.Meeting) string {
	if m.Type == crm.MeetingWeekly {
		return "/meetings/weekly?" + url.Values{"team": {strconv.FormatInt(m.TeamID, 10)}, "week": {m.PeriodKey}}.Encode()
	}
	dept := "company"
	if m.DepartmentID != 0 {
		dept = strconv.FormatInt(m.DepartmentID, 10)
	}
	return "/meetings/monthly?" + url.Values{"department": {dept}, "month": {m.PeriodKey}}.Encode()
}

func (h *handler) listMeetings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := meetingsPage{layout: h.layout(r, "meetings", "nav.meetings")}
	list, err := h.app.Meetings(ctx, "", 200)
	if err != nil {
		return err
	}
	for _, m := range list {
		series := m.TeamName
		if m.Type == crm.MeetingMonthly {
			series = m.DepartmentName
			if m.DepartmentID == 0 {
				series = d.T("meeting.company")
			}
		}
		d.Meetings = append(d.Meetings, meetingLink{Type: m.Type, Series: series, Period: m.PeriodKey, HeldAt: m.HeldAt, URL: packURL(m.Meeting)})
	}
	if d.Teams, err = h.app.MeetingTeams(ctx); err != nil {
		return err
	}
	if d.Departments, d.CanCompany, err = h.app.MeetingDepartments(ctx); err != nil {
		return err
	}
	today := h.app.Today()
	d.Week = crm.WeekOf(today).Prev().String()
	d.Month = crm.MonthOf(today).Add(-1).String()
	return h.render(w, http.StatusOK, "meetings/list.html", d)
}

// packPage is what both pack pages share: the record form's errors.
type packPage struct {
	layout
	Errors  map[string]string
	Values  map[string]string
	Export  string // the XLSX of the recorded meeting
	Members []crm.Person
	Today   crm.Date
}

type weeklyPage struct {
	packPage
	Pack app.WeeklyPack
}

type monthlyPage struct {
	packPage
	Pack    app.MonthlyPack
	Rows    []monthRow
	DeptKey string // a department's ID or "company"
}

// monthRow is a key account of the monthly pack with its changes written
// out ("–" when there is nothing to compare with).
type monthRow struct {
	app.AccountMonth
	MoM, YoY, YTDYoY, Target string
	Move                     int // −1 up a tier, +1 down, 0 kept
}

func pctOf(f float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.1f%%", 100*f)
}

func (h *handler) showWeekly(w http.ResponseWriter, r *http.Request) error {
	return h.weeklyPage(w, r, http.StatusOK, nil, nil)
}

func (h *handler) weeklyPage(w http.ResponseWriter, r *http.Request, status int, values, errs map[string]string) error {
	q := r.URL.Query()
	team, _ := strconv.ParseInt(q.Get("team"), 10, 64)
	week := crm.WeekOf(h.app.Today()).Prev()
	if s := q.Get("week"); s != "" {
		var ok bool
		if week, ok = crm.ParseWeek(s); !ok {
			return badRequest("week: " + s)
		}
	}
	ctx := r.Context()
	if team == 0 {
		teams, err := h.app.MeetingTeams(ctx)
		if err != nil {
			return err
		}
		p := app.PrincipalFrom(ctx)
		for _, t := range teams {
			if team == 0 || t.ID == p.TeamID {
				team = t.ID
			}
		}
	}
	pack, err := h.app.WeeklyPack(ctx, team, week)
	if err != nil {
		return err
	}
	d := weeklyPage{packPage: packPage{layout: h.layout(r, "meetings", "meeting.weekly"), Errors: errs, Values: values,
		Members: pack.Members, Today: pack.Today}, Pack: pack}
	if pack.Meeting != nil {
		d.Export = fmt.Sprintf("/meetings/%d/export.xlsx", pack.Meeting.ID)
	}
	return h.render(w, status, "meetings/weekly.html", d)
}

func (h *handler) showMonthly(w http.ResponseWriter, r *http.Request) error {
	return h.monthlyPage(w, r, http.StatusOK, nil, nil)
}

func (h *handler) monthlyPage(w http.ResponseWriter, r *http.Request, status int, values, errs map[string]string) error {
	q := r.URL.Query()
	ctx := r.Context()
	month := crm.MonthOf(h.app.Today()).Add(-1)
	if s := q.Get("month"); s != "" {
		var ok bool
		if month, ok = crm.ParseMonth(s); !ok {
			return badRequest("month: " + s)
		}
	}
	key := q.Get("department")
	var dept int64
	switch key {
	case "company":
	case "":
		depts, company, err := h.app.MeetingDepartments(ctx)
		if err != nil {
			return err
		}
		if !company && len(depts) > 0 {
			dept = depts[0].ID
			if p := app.PrincipalFrom(ctx); p.DepartmentID != 0 {
				dept = p.DepartmentID
			}
		}
	default:
		var err error
		if dept, err = strconv.ParseInt(key, 10, 64); err != nil || dept <= 0 {
			return crm.ErrNotFound
		}
	}
	pack, err := h.app.MonthlyPack(ctx, dept, month)
	if err != nil {
		return err
	}
	d := monthlyPage{packPage: packPage{layout: h.layout(r, "meetings", "meeting.monthly"), Errors: errs, Values: values,
		Today: pack.Today}, Pack: pack, DeptKey: "company"}
	for _, a := range pack.Accounts {
		row := monthRow{AccountMonth: a, MoM: pctOf(a.MoM()), YoY: pctOf(a.YoY()), YTDYoY: pctOf(a.YTDYoY()), Move: a.Movement(&pack.Method)}
		if t, ok := a.TargetRatio(); ok {
			row.Target = fmt.Sprintf("%.1f%%", 100*t)
		}
		d.Rows = append(d.Rows, row)
	}
	if dept != 0 {
		d.DeptKey = strconv.FormatInt(dept, 10)
	}
	if d.Members, err = h.app.People(ctx, store.PeopleFilter{DepartmentID: dept, ActiveOnly: true}); err != nil {
		return err
	}
	if pack.Meeting != nil {
		d.Export = fmt.Sprintf("/meetings/%d/export.xlsx", pack.Meeting.ID)
	}
	return h.render(w, status, "meetings/monthly.html", d)
}

// recordFailed shows the pack of m again with the problems of a record
// form (422), or returns err when it is not a validation error.
func (h *handler) recordFailed(w http.ResponseWriter, r *http.Request, m crm.Meeting, err error) error {
	var ve *crm.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	values := map[string]string{}
	for k := range r.PostForm {
		values[k] = r.PostForm.Get(k)
	}
	u, _ := url.Parse(packURL(m))
	q := u.Query()
	if _, bad := ve.Fields["period"]; bad {
		// Show the default period's pack with the problem.
		q.Del("week")
		q.Del("month")
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	if m.Type == crm.MeetingWeekly {
		return h.weeklyPage(w, r2, http.StatusUnprocessableEntity, values, ve.Fields)
	}
	return h.monthlyPage(w, r2, http.StatusUnprocessableEntity, values, ve.Fields)
}

func formLines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }

// meetingDate reads an optional YYYY-MM-DD field; a bad one is a problem
// under field.
func meetingDate(r *http.Request, field string, v *crm.ValidationError) crm.Date {
	s := strings.TrimSpace(r.PostFormValue(field))
	if s == "" {
		return 0
	}
	d, err := crm.ParseISODate(s)
	if err != nil {
		v.Add(field, "error.meeting.date")
	}
	return d
}

func (h *handler) createMeeting(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	in := app.MeetingInput{Type: r.PostFormValue("type"), PeriodKey: r.PostFormValue("period"),
		Attendees: formLines(r.PostFormValue("attendees")), Blockers: formLines(r.PostFormValue("blockers")), Notes: r.PostFormValue("notes")}
	in.TeamID, _ = strconv.ParseInt(r.PostFormValue("team"), 10, 64)
	in.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("department"), 10, 64)
	var v crm.ValidationError
	in.HeldAt = meetingDate(r, "held_at", &v)
	m := crm.Meeting{Type: in.Type, TeamID: in.TeamID, DepartmentID: in.DepartmentID, PeriodKey: in.PeriodKey}
	if in.Type != crm.MeetingWeekly && in.Type != crm.MeetingMonthly {
		return badRequest("type: " + in.Type)
	}
	if err := v.OrNil(); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	mv, err := h.app.CreateMeeting(r.Context(), in)
	if err != nil {
		return h.recordFailed(w, r, m, err)
	}
	http.Redirect(w, r, packURL(mv.Meeting.Meeting)+"&flash=saved", http.StatusSeeOther)
	return nil
}

// meetingOf reads the meeting of a record form's path.
func (h *handler) meetingOf(r *http.Request) (app.MeetingView, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return app.MeetingView{}, crm.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return app.MeetingView{}, badRequest(err.Error())
	}
	return h.app.Meeting(r.Context(), id)
}

func (h *handler) updateMeeting(w http.ResponseWriter, r *http.Request) error {
	mv, err := h.meetingOf(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	var v crm.ValidationError
	in := app.MeetingInput{HeldAt: meetingDate(r, "held_at", &v), Attendees: formLines(r.PostFormValue("attendees")),
		Blockers: formLines(r.PostFormValue("blockers")), Notes: r.PostFormValue("notes"), Version: version}
	m := mv.Meeting.Meeting
	if err := v.OrNil(); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	if _, err := h.app.UpdateMeeting(r.Context(), m.ID, in); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	http.Redirect(w, r, packURL(m)+"&flash=saved", http.StatusSeeOther)
	return nil
}

func (h *handler) addDecision(w http.ResponseWriter, r *http.Request) error {
	mv, err := h.meetingOf(r)
	if err != nil {
		return err
	}
	m := mv.Meeting.Meeting
	if _, err := h.app.AddDecision(r.Context(), m.ID, r.PostFormValue("text")); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	http.Redirect(w, r, packURL(m)+"&flash=saved#decisions", http.StatusSeeOther)
	return nil
}

func (h *handler) addAction(w http.ResponseWriter, r *http.Request) error {
	mv, err := h.meetingOf(r)
	if err != nil {
		return err
	}
	m := mv.Meeting.Meeting
	var v crm.ValidationError
	in := app.ActionInput{Text: r.PostFormValue("text"), Due: meetingDate(r, "due", &v)}
	in.OwnerID, _ = strconv.ParseInt(r.PostFormValue("owner"), 10, 64)
	in.AccountID, _ = strconv.ParseInt(r.PostFormValue("account"), 10, 64)
	if err := v.OrNil(); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	if _, err := h.app.AddAction(r.Context(), m.ID, in); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	http.Redirect(w, r, packURL(m)+"&flash=saved#actions", http.StatusSeeOther)
	return nil
}

// setAction closes (status DONE, in this meeting) or opens again an action
// item shown on the meeting's page.
func (h *handler) setAction(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return crm.ErrNotFound
	}
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	mid, err := strconv.ParseInt(r.PostFormValue("meeting"), 10, 64)
	if err != nil || mid <= 0 {
		return badRequest("meeting: " + r.PostFormValue("meeting"))
	}
	mv, err := h.app.Meeting(r.Context(), mid)
	if err != nil {
		return err
	}
	m := mv.Meeting.Meeting
	x, err := h.app.ActionItem(r.Context(), id)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	status := r.PostFormValue("status")
	if status != crm.ActionOpen && status != crm.ActionDone {
		return badRequest("status: " + status)
	}
	in := app.ActionInput{Text: x.Text, OwnerID: x.OwnerID, AccountID: x.AccountID, Due: x.Due, Status: status, ClosedIn: m.ID, Version: version}
	if _, err := h.app.UpdateAction(r.Context(), id, in); err != nil {
		return h.recordFailed(w, r, m, err)
	}
	http.Redirect(w, r, packURL(m)+"&flash=saved#actions", http.StatusSeeOther)
	return nil
}

// exportMeeting writes the pack of a recorded meeting as an XLSX workbook,
// one sheet per section, in the page's language.
func (h *handler) exportMeeting(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return crm.ErrNotFound
	}
	ctx := r.Context()
	mv, err := h.app.Meeting(ctx, id)
	if err != nil {
		return err
	}
	p := printer(r)
	var sheets []transfer.Sheet
	m := mv.Meeting.Meeting
	if m.Type == crm.MeetingWeekly {
		week, _ := crm.ParseWeek(m.PeriodKey)
		pack, err := h.app.WeeklyPack(ctx, m.TeamID, week)
		if err != nil {
			return err
		}
		sheets = app.WeeklySheets(p, pack)
	} else {
		month, _ := crm.ParseMonth(m.PeriodKey)
		pack, err := h.app.MonthlyPack(ctx, m.DepartmentID, month)
		if err != nil {
			return err
		}
		sheets = app.MonthlySheets(p, pack)
	}
	name := fmt.Sprintf("meeting-%s-%d-%s.xlsx", strings.ToLower(m.Type), m.ID, m.PeriodKey)
	w.Header().Set("Content-Type", transfer.ContentType(transfer.FormatXLSX))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return transfer.WriteSheets(w, sheets)
}
