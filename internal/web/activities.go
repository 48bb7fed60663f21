package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// The activity pages (docs/process.md): a person's week, a team's
// calendar, the compact form that logs an activity from a phone, and an
// activity's page with its edit form.

// weekParam reads ?week=2026-W48 (default: this week).
func (h *handler) weekParam(r *http.Request) (crm.Week, error) {
	s := r.URL.Query().Get("week")
	if s == "" {
		return crm.WeekOf(h.app.Today()), nil
	}
	w, ok := crm.ParseWeek(s)
	if !ok {
		return w, badRequest("week: want YYYY-Www, like 2026-W48")
	}
	return w, nil
}

type weekPage struct {
	proc
	View app.WeekView
}

func (h *handler) showWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := h.weekParam(r)
	if err != nil {
		return err
	}
	var person int64
	if s := r.URL.Query().Get("person"); s != "" {
		if person = formID(s); person <= 0 {
			return badRequest("person: " + s)
		}
	}
	v, err := h.app.Week(r.Context(), person, week)
	if err != nil {
		return err
	}
	d := weekPage{proc: h.proc(r, "activities", "activity.week"), View: v}
	d.Tab = "week"
	if !v.Mine {
		d.Title = d.T("activity.week_of", v.Person.Name)
	}
	return h.render(w, http.StatusOK, "activities/week.html", d)
}

type teamPage struct {
	proc
	View app.TeamWeekView
}

func (h *handler) showTeamWeek(w http.ResponseWriter, r *http.Request) error {
	week, err := h.weekParam(r)
	if err != nil {
		return err
	}
	var team int64
	if s := r.URL.Query().Get("team"); s != "" {
		if team = formID(s); team <= 0 {
			return badRequest("team: " + s)
		}
	}
	v, err := h.app.TeamWeek(r.Context(), team, week)
	if err != nil {
		return err
	}
	d := teamPage{proc: h.proc(r, "activities", "activity.team"), View: v}
	d.Tab = "team"
	return h.render(w, http.StatusOK, "activities/team.html", d)
}

// actForm is the form that logs or edits an activity.
type actForm struct {
	proc
	New     bool
	ID      int64
	Values  map[string]string
	Errors  map[string]string
	Choices app.ProcessChoices
	Kinds   []string
	// Account and Opportunity are fixed by the link the form came from.
	Account     crm.Account
	Opportunity store.OppRow
	Activity    store.ActRow // the activity's page
}

func (h *handler) actForm(r *http.Request, d *actForm) error {
	var err error
	if d.Choices, err = h.app.ProcessChoices(r.Context()); err != nil {
		return err
	}
	d.Kinds = crm.ActivityKinds
	if id := formID(d.Values["account"]); id > 0 {
		if acc, err := h.app.Account(r.Context(), id); err == nil {
			d.Choices.WithAccount(acc)
		}
	}
	if id := formID(d.Values["opportunity"]); id > 0 {
		if o, err := h.app.OpportunityRow(r.Context(), id); err == nil {
			d.Choices.WithOpportunity(o)
		}
	}
	return nil
}

func (h *handler) newActivity(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := actForm{proc: h.proc(r, "activities", "activity.new"), New: true, Values: map[string]string{
		"kind": crm.ActVisit, "date": h.app.Today().String(), "back": safeBackOrEmpty(q.Get("back"))}}
	if s := q.Get("opportunity"); s != "" {
		o, err := h.app.OpportunityRow(r.Context(), formID(s))
		if err != nil {
			return err
		}
		d.Opportunity, d.Values["opportunity"], d.Values["account"] = o, idValue(o.ID), idValue(o.AccountID)
	}
	if s := q.Get("account"); s != "" && d.Values["account"] == "" {
		acc, err := h.app.Account(r.Context(), formID(s))
		if err != nil {
			return err
		}
		d.Account, d.Values["account"] = acc, idValue(acc.ID)
	}
	if k := q.Get("kind"); k != "" {
		d.Values["kind"] = k
	}
	if err := h.actForm(r, &d); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "activities/form.html", d)
}

// safeBackOrEmpty is back when it is a path of this site, "" otherwise.
func safeBackOrEmpty(back string) string {
	if s := safeBack(back); s != "/" || back == "/" {
		return s
	}
	return ""
}

// actValues are the form values of an activity.
func actValues(x store.ActRow) map[string]string {
	v := map[string]string{"kind": x.Kind, "account": idValue(x.AccountID), "opportunity": idValue(x.OpportunityID),
		"date": dateValue(x.Date), "contacts": strings.Join(x.Contacts, ", "), "objective": x.Objective, "outcome": x.Outcome,
		"next_step": x.NextStep, "next_step_due": dateValue(x.NextStepDue), "owner": idValue(x.OwnerID), "version": strconv.Itoa(x.Version)}
	if x.NextStepDone {
		v["next_step_done"] = "1"
	}
	return v
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
	d := actForm{proc: h.proc(r, "activities", "activity.one"), ID: id, Values: actValues(x), Activity: x}
	d.Title = d.Kind(x.Kind) + " · " + x.AccountName
	if err := h.actForm(r, &d); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "activities/show.html", d)
}

func (h *handler) saveActivity(w http.ResponseWriter, r *http.Request) error {
	id := int64(0)
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("form: " + err.Error())
	}
	values := map[string]string{}
	for _, k := range []string{"kind", "account", "account_code", "opportunity", "date", "contacts", "objective", "outcome",
		"next_step", "next_step_due", "next_step_done", "owner", "version", "back"} {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	x := crm.Activity{ID: id, Kind: values["kind"], AccountID: formID(values["account"]), OpportunityID: formID(values["opportunity"]),
		Contacts: crm.SplitList(values["contacts"]), Objective: values["objective"], Outcome: values["outcome"],
		NextStep: values["next_step"], NextStepDone: values["next_step_done"] != "", OwnerID: formID(values["owner"])}
	x.Version, _ = strconv.Atoi(values["version"])
	var bad crm.ValidationError
	if code := values["account_code"]; code != "" {
		x.AccountID = h.accountFromCode(r, code, &bad, "account")
		values["account"] = idValue(x.AccountID)
	}
	var ok bool
	if x.Date, ok = formDate(values["date"]); !ok {
		bad.Add("date", "error.activity.date")
	}
	if x.NextStepDue, ok = formDate(values["next_step_due"]); !ok {
		bad.Add("next_step_due", "error.activity.date")
	}
	if id != 0 && x.Version <= 0 {
		bad.Add("version", "error.version.required")
	}
	var saved store.ActRow
	err := bad.OrNil()
	if err == nil {
		if id == 0 {
			saved, err = h.app.CreateActivity(r.Context(), x)
		} else {
			saved, err = h.app.UpdateActivity(r.Context(), x)
		}
	}
	if err != nil {
		var ve *crm.ValidationError
		status := http.StatusUnprocessableEntity
		errs := map[string]string{}
		switch {
		case errors.As(err, &ve):
			errs = ve.Fields
		case errors.Is(err, crm.ErrConflict):
			status, errs["version"] = http.StatusConflict, "error.conflict.detail"
		default:
			return err
		}
		d := actForm{proc: h.proc(r, "activities", "activity.new"), New: id == 0, ID: id, Values: values, Errors: errs}
		page := "activities/form.html"
		if id != 0 {
			cur, err := h.app.Activity(r.Context(), id)
			if err != nil {
				return err
			}
			d.Title, d.Activity, page = d.Kind(cur.Kind)+" · "+cur.AccountName, cur, "activities/show.html"
			values["version"] = strconv.Itoa(cur.Version)
		}
		if err := h.actForm(r, &d); err != nil {
			return err
		}
		return h.render(w, status, page, d)
	}
	target := fmt.Sprintf("/activities?week=%s&flash=activity_logged", crm.WeekOf(saved.Date))
	if id != 0 {
		target = fmt.Sprintf("/activities/%d?flash=activity_saved", id)
	} else if back := safeBackOrEmpty(values["back"]); back != "" {
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		target = back + sep + "flash=activity_logged"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (h *handler) nextStepDone(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if version <= 0 {
		return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	if _, err := h.app.SetNextStepDone(r.Context(), id, version, r.PostFormValue("done") != "0"); err != nil {
		return err
	}
	back := safeBackOrEmpty(r.PostFormValue("back"))
	if back == "" {
		back = fmt.Sprintf("/activities/%d", id)
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	http.Redirect(w, r, back+sep+"flash=next_step_done", http.StatusSeeOther)
	return nil
}

func (h *handler) deleteActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.DeleteActivity(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/activities?flash=activity_deleted", http.StatusSeeOther)
	return nil
}
