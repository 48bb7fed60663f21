package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
)

// The lifecycle section of the account page (templates/partials_lifecycle.html),
// the stage and owner forms, and the handover pages. docs/lifecycle.md.

// lifecycleView is the lifecycle section of an account's page.
type lifecycleView struct {
	app.Lifecycle
	History []historyRow
	// The move form and the owner form: values and problems.
	Move, Owner           map[string]string
	MoveErrors, OwnErrors map[string]string
	// Onboarding: the move form offers ONBOARDING, which asks for the
	// contract date and the project lead.
	Onboarding bool
}

// historyRow is an entry of the history; HandoverID is set when the entry
// is a handover's acceptance.
type historyRow struct {
	crm.StageChange
	HandoverID int64
}

// lifecycleView loads the lifecycle of account id for its page.
func (h *handler) lifecycleView(r *http.Request, id int64) (lifecycleView, error) {
	l, err := h.app.AccountLifecycle(r.Context(), id)
	if err != nil {
		return lifecycleView{}, err
	}
	v := lifecycleView{Lifecycle: l, Onboarding: slices.Contains(l.Next, crm.StageOnboarding),
		Move: map[string]string{}, Owner: map[string]string{}}
	for _, c := range l.History {
		row := historyRow{StageChange: c}
		if s, ok := strings.CutPrefix(c.Reason, app.HandoverReason); ok {
			row.HandoverID, _ = strconv.ParseInt(s, 10, 64)
		}
		v.History = append(v.History, row)
	}
	version := strconv.Itoa(l.Account.Version)
	v.Move["version"], v.Owner["version"] = version, version
	v.Owner["owner"], v.Owner["sales_rep"] = idValue(l.Account.OwnerID), idValue(l.Account.SalesRepID)
	return v, nil
}

func idValue(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// formID reads an optional ID of a form ("" is 0); anything else is -1,
// which the use cases refuse as no such person.
func formID(s string) int64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return -1
	}
	return n
}

// formDate reads an optional date of a form (YYYY-MM-DD); ok is false for
// anything else.
func formDate(s string) (crm.Date, bool) {
	if s == "" {
		return 0, true
	}
	d, err := crm.ParseISODate(s)
	return d, err == nil && d.Valid()
}

// lifecyclePage is an account's lifecycle on its own, for a form that needs
// another look (a problem, a conflict).
type lifecyclePage struct {
	layout
	Lifecycle lifecycleView
}

func (h *handler) lifecycleFailed(w http.ResponseWriter, r *http.Request, id int64, err error, apply func(v *lifecycleView, errs map[string]string)) error {
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
	v, lerr := h.lifecycleView(r, id)
	if lerr != nil {
		return lerr
	}
	apply(&v, errs)
	d := lifecyclePage{layout: h.layout(r, "accounts", "lifecycle.title"), Lifecycle: v}
	d.Title = v.Account.Name
	return h.render(w, status, "lifecycle/account.html", d)
}

func (h *handler) moveStage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"to", "reason", "contract_date", "lead", "owner", "version"} {
		values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	m := crm.StageMove{To: values["to"], Reason: values["reason"], LeadID: formID(values["lead"])}
	m.Version, _ = strconv.Atoi(values["version"])
	var bad crm.ValidationError
	var ok bool
	if m.ContractDate, ok = formDate(values["contract_date"]); !ok {
		bad.Add("contract_date", "error.lifecycle.date")
	}
	if m.Version <= 0 {
		bad.Add("version", "error.version.required")
	}
	err = bad.OrNil()
	if err == nil {
		_, err = h.app.MoveStage(r.Context(), id, m, formID(values["owner"]))
	}
	if err != nil {
		return h.lifecycleFailed(w, r, id, err, func(v *lifecycleView, errs map[string]string) {
			version := v.Move["version"]
			v.Move, v.MoveErrors = values, errs
			v.Move["version"] = version // the version now: the form shows the account as it is
		})
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d?flash=stage_moved#lifecycle", id), http.StatusSeeOther)
	return nil
}

func (h *handler) assignOwner(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"owner", "sales_rep", "reason", "version"} {
		values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	version, _ := strconv.Atoi(values["version"])
	if version <= 0 {
		err = &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	} else {
		_, err = h.app.AssignOwner(r.Context(), id, formID(values["owner"]), formID(values["sales_rep"]), values["reason"], version)
	}
	if err != nil {
		return h.lifecycleFailed(w, r, id, err, func(v *lifecycleView, errs map[string]string) {
			version := v.Owner["version"]
			v.Owner, v.OwnErrors = values, errs
			v.Owner["version"] = version
		})
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d?flash=owner_changed#lifecycle", id), http.StatusSeeOther)
	return nil
}

type handoversPage struct {
	layout
	View      string
	Views     []string
	Handovers []app.HandoverView
	Items     []string // the checklist
}

func (h *handler) listHandovers(w http.ResponseWriter, r *http.Request) error {
	view := r.URL.Query().Get("view")
	if view == "" {
		view = app.HandoversOpen
	}
	list, err := h.app.Handovers(r.Context(), view)
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		return badRequest("view: " + strings.Join(app.HandoverViews, ", "))
	}
	if err != nil {
		return err
	}
	d := handoversPage{layout: h.layout(r, "handovers", "handover.title"), View: view, Views: app.HandoverViews, Handovers: list,
		Items: crm.HandoverItems}
	return h.render(w, http.StatusOK, "handovers/list.html", d)
}

type handoverPage struct {
	layout
	Handover app.HandoverView
	Items    []string
	Leads    []crm.Person
	Values   map[string]string
	Errors   map[string]string
	Today    crm.Date
}

func (h *handler) handoverPage(r *http.Request, id int64) (handoverPage, error) {
	hv, err := h.app.Handover(r.Context(), id)
	if err != nil {
		return handoverPage{}, err
	}
	d := handoverPage{layout: h.layout(r, "handovers", "handover.one"), Handover: hv, Items: crm.HandoverItems,
		Today: h.app.Today(), Values: map[string]string{"lead": idValue(hv.ToPersonID), "version": strconv.Itoa(hv.Version)}}
	d.Title = d.T("handover.of", hv.AccountName)
	if hv.KickoffDate != 0 {
		d.Values["kickoff_date"] = hv.KickoffDate.String()
	}
	for _, it := range crm.HandoverItems {
		c := hv.Checklist[it]
		d.Values["note_"+it] = c.Note
		if c.Done {
			d.Values["done_"+it] = "1"
		}
	}
	if hv.CanEdit {
		if d.Leads, err = h.app.ProjectLeads(r.Context()); err != nil {
			return d, err
		}
		// A lead who has since left customer service stays selected rather
		// than being cleared by the next save.
		if hv.ToPersonID != 0 && !slices.ContainsFunc(d.Leads, func(p crm.Person) bool { return p.ID == hv.ToPersonID }) {
			d.Leads = append(d.Leads, crm.Person{ID: hv.ToPersonID, Name: hv.ToName})
		}
	}
	return d, nil
}

func (h *handler) showHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.handoverPage(r, id)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "handovers/show.html", d)
}

// handoverFailed shows the handover again with the problems of a form.
func (h *handler) handoverFailed(w http.ResponseWriter, r *http.Request, id int64, err error, values map[string]string) error {
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
	d, derr := h.handoverPage(r, id)
	if derr != nil {
		return derr
	}
	if values != nil {
		values["version"] = d.Values["version"]
		d.Values = values
	}
	d.Errors = errs
	return h.render(w, status, "handovers/show.html", d)
}

func (h *handler) updateHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for _, k := range []string{"lead", "kickoff_date", "version"} {
		values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	e := app.HandoverEdit{Checklist: map[string]crm.ChecklistItem{}}
	e.Version, _ = strconv.Atoi(values["version"])
	lead := formID(values["lead"])
	e.LeadID = &lead
	var bad crm.ValidationError
	kickoff, ok := formDate(values["kickoff_date"])
	if !ok {
		bad.Add("kickoff_date", "error.lifecycle.date")
	}
	e.KickoffDate = &kickoff
	for _, it := range crm.HandoverItems {
		values["note_"+it] = r.PostFormValue("note_" + it)
		if r.PostFormValue("done_"+it) != "" {
			values["done_"+it] = "1"
		}
		e.Checklist[it] = crm.ChecklistItem{Done: values["done_"+it] != "", Note: values["note_"+it]}
	}
	if e.Version <= 0 {
		bad.Add("version", "error.version.required")
	}
	err = bad.OrNil()
	if err == nil {
		_, err = h.app.UpdateHandover(r.Context(), id, e)
	}
	if err != nil {
		return h.handoverFailed(w, r, id, err, values)
	}
	http.Redirect(w, r, fmt.Sprintf("/handovers/%d?flash=handover_saved", id), http.StatusSeeOther)
	return nil
}

func (h *handler) acceptHandover(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if version <= 0 {
		err = &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	} else {
		var hv app.HandoverView
		if hv, err = h.app.AcceptHandover(r.Context(), id, version); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/accounts/%d?flash=handover_accepted#lifecycle", hv.AccountID), http.StatusSeeOther)
			return nil
		}
	}
	return h.handoverFailed(w, r, id, err, nil)
}
