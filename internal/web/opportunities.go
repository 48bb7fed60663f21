package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// The opportunity pages (docs/process.md): the pipeline board, the list,
// the funnel, an opportunity with its stage history and activities, the
// forms and the stage move (also answered as JSON for the board's drag and
// drop).

// proc is the layout of the process pages, with the labels of the names
// the configuration holds: the default ones are translated, any other is
// shown as written.
type proc struct {
	layout
	Tab   string // the tab of the section
	Today crm.Date
}

func (l proc) label(prefix, name string) string {
	if l.p.Has(prefix + name) {
		return l.p.T(prefix + name)
	}
	return name
}

// Stage is the label of an opportunity stage.
func (l proc) Stage(s string) string { return l.label("oppstage.", s) }

// Crit is the label of an exit criterion.
func (l proc) Crit(c string) string { return l.label("oppcrit.", c) }

// Kind is the label of an activity kind.
func (l proc) Kind(k string) string { return l.p.T("activity.kind." + k) }

// Dur formats a time in a stage: days and hours, or hours and minutes.
func (l proc) Dur(d time.Duration) string {
	h := int(d.Hours())
	if h >= 24 {
		return l.p.T("duration.days", h/24, h%24)
	}
	return l.p.T("duration.hours", h, int(d.Minutes())%60)
}

// Weekday is the short name of a day's weekday.
func (l proc) Weekday(d crm.Date) string {
	return l.p.T("weekday." + strconv.Itoa(int(d.Time().Weekday())))
}

// Weighted is amount × probability.
func (l proc) Weighted(m crm.Money, probability int) crm.Money {
	return m * crm.Money(probability) / 100
}

// WeekOf is the ISO week of a day, 2026-W48.
func (l proc) WeekOf(d crm.Date) string { return crm.WeekOf(d).String() }

// Pct formats a probability in percent.
func (l proc) Pct(n int) string { return strconv.Itoa(n) + "%" }

// Join lists the items of a text list.
func (l proc) Join(list []string) string {
	sep := l.p.T("list.sep")
	if sep == "," {
		sep = ", "
	}
	return strings.Join(list, sep)
}

func (h *handler) proc(r *http.Request, nav, title string) proc {
	return proc{layout: h.layout(r, nav, title), Today: h.app.Today()}
}

// oppFilter reads the filters of the opportunity pages.
func oppFilter(q url.Values) (store.OppFilter, map[string]string, error) {
	f := store.OppFilter{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort")}
	values := map[string]string{"q": f.Q, "sort": f.Sort}
	var err error
	for _, k := range []struct {
		name string
		to   *int64
	}{{"owner", &f.OwnerID}, {"team", &f.TeamID}, {"account", &f.AccountID}} {
		s := q.Get(k.name)
		values[k.name] = s
		if s == "" {
			continue
		}
		if *k.to, err = strconv.ParseInt(s, 10, 64); err != nil || *k.to <= 0 {
			return f, values, badRequest(k.name + ": " + s)
		}
	}
	for _, k := range []struct {
		name string
		to   *crm.Date
	}{{"from", &f.CloseFrom}, {"to", &f.CloseTo}} {
		s := q.Get(k.name)
		values[k.name] = s
		d, ok := formDate(s)
		if !ok {
			return f, values, badRequest(k.name + ": " + s)
		}
		*k.to = d
	}
	if s := q.Get("stage"); s != "" {
		f.Stages = []string{s}
		values["stage"] = s
	}
	if s := q.Get("page"); s != "" {
		if f.Page, err = strconv.Atoi(s); err != nil {
			return f, values, badRequest("page: " + s)
		}
	}
	return f, values, nil
}

// oppFilterPage is what the filter bar of the opportunity pages needs.
type oppFilterPage struct {
	proc
	Values map[string]string
	People []crm.Person
	Teams  []crm.Team
	Stages []string
	Query  url.Values // the filters, for links
}

func (h *handler) oppFilterPage(r *http.Request, title string) (oppFilterPage, store.OppFilter, error) {
	d := oppFilterPage{proc: h.proc(r, "opportunities", title)}
	f, values, err := oppFilter(r.URL.Query())
	if err != nil {
		return d, f, err
	}
	d.Values = values
	c, err := h.app.ProcessChoices(r.Context())
	if err != nil {
		return d, f, err
	}
	d.People, d.Teams = c.People, c.Teams
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return d, f, err
	}
	d.Stages = m.OppStageNames()
	d.Query = url.Values{}
	for _, k := range []string{"owner", "team", "q", "from", "to"} {
		if values[k] != "" {
			d.Query.Set(k, values[k])
		}
	}
	return d, f, nil
}

type boardPage struct {
	oppFilterPage
	Board app.Board
}

func (h *handler) showBoard(w http.ResponseWriter, r *http.Request) error {
	fp, f, err := h.oppFilterPage(r, "opportunity.board")
	if err != nil {
		return err
	}
	d := boardPage{oppFilterPage: fp}
	d.Tab = "board"
	if d.Board, err = h.app.Board(r.Context(), f, 50); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "opportunities/board.html", d)
}

type oppListPage struct {
	oppFilterPage
	List  app.OppPage
	Sorts []string
}

// Link is the list's URL with one parameter changed ("" removes it).
func (d oppListPage) Link(key, value string) string {
	q := url.Values{}
	for k, v := range d.Values {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Del("page")
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	return "/opportunities?" + q.Encode()
}

func (h *handler) listOpportunities(w http.ResponseWriter, r *http.Request) error {
	fp, f, err := h.oppFilterPage(r, "opportunity.list")
	if err != nil {
		return err
	}
	d := oppListPage{oppFilterPage: fp, Sorts: store.OppSorts}
	d.Tab = "list"
	d.List, err = h.app.Opportunities(r.Context(), f)
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		return badRequest("sort: " + strings.Join(store.OppSorts, ", "))
	}
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "opportunities/list.html", d)
}

type funnelPage struct {
	oppFilterPage
	Funnel app.Funnel
	Chart  chartBars
}

// chartBars is the data of the "bars" chart of app.js.
type chartBars struct {
	Categories []string          `json:"categories"`
	Series     []chartSeries     `json:"series"`
	Horizontal bool              `json:"horizontal"`
	Digits     int               `json:"digits"`
	Labels     map[string]string `json:"labels"`
}

func (h *handler) showFunnel(w http.ResponseWriter, r *http.Request) error {
	d, f, err := h.oppFilterPage(r, "opportunity.funnel")
	if err != nil {
		return err
	}
	fp := funnelPage{oppFilterPage: d}
	fp.Tab = "funnel"
	if fp.Funnel, err = h.app.Funnel(r.Context(), f); err != nil {
		return err
	}
	amount := chartSeries{Name: d.T("opportunity.amount_wan"), Color: "chart-1"}
	weighted := chartSeries{Name: d.T("opportunity.weighted_wan"), Color: "chart-2"}
	for _, s := range fp.Funnel.Stages {
		fp.Chart.Categories = append(fp.Chart.Categories, d.Stage(s.Stage)+" ("+strconv.Itoa(s.Count)+")")
		amount.Values = append(amount.Values, float64(s.Amount)/crm.MinorPerMajor/10000)
		weighted.Values = append(weighted.Values, float64(s.Weighted)/crm.MinorPerMajor/10000)
	}
	fp.Chart.Series = []chartSeries{amount, weighted}
	fp.Chart.Horizontal, fp.Chart.Digits = true, 1
	fp.Chart.Labels = map[string]string{"y": d.T("chart.unit_wan")}
	return h.render(w, http.StatusOK, "opportunities/funnel.html", fp)
}

// oppPage is an opportunity's page with its stage move form.
type oppPage struct {
	proc
	Opp app.OpportunityView
	// The move form: values, problems, the unmet criteria a refusal named.
	Move       map[string]string
	MoveErrors map[string]string
	Unmet      []string
}

// UnmetLabels lists the unmet criteria a refused move named.
func (d oppPage) UnmetLabels() string {
	labels := make([]string, len(d.Unmet))
	for i, c := range d.Unmet {
		labels[i] = d.Crit(c)
	}
	return d.Join(labels)
}

// Checked reports whether the move form ticks criterion c.
func (d oppPage) Checked(c string) bool { return d.Move["check_"+c] != "" }

func (h *handler) oppPage(r *http.Request, id int64) (oppPage, error) {
	v, err := h.app.Opportunity(r.Context(), id)
	if err != nil {
		return oppPage{}, err
	}
	d := oppPage{proc: h.proc(r, "opportunities", "opportunity.one"), Opp: v,
		Move: map[string]string{"version": strconv.Itoa(v.Version)}}
	d.Title = v.Name
	return d, nil
}

func (h *handler) showOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.oppPage(r, id)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "opportunities/show.html", d)
}

// wantsJSON: the board's script asks for JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// moveAnswer is the JSON answer to the board's drop.
type moveAnswer struct {
	OK       bool              `json:"ok"`
	Flash    string            `json:"flash,omitempty"` // the flash message to show after reloading
	Stage    string            `json:"stage,omitempty"`
	Version  int               `json:"version,omitempty"`
	Message  string            `json:"message,omitempty"`
	Error    string            `json:"error,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
	Unmet    []string          `json:"unmet,omitempty"`
	Location string            `json:"location,omitempty"`
}

func (h *handler) moveOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("form: " + err.Error())
	}
	values := map[string]string{}
	for _, k := range []string{"to", "version", "lost_reason", "closed_on", "back"} {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	mv := crm.OppMove{To: values["to"], LostReason: values["lost_reason"]}
	mv.Version, _ = strconv.Atoi(values["version"])
	for _, c := range r.PostForm["check"] {
		mv.Check = append(mv.Check, c)
		values["check_"+c] = "1"
	}
	var bad crm.ValidationError
	var ok bool
	if mv.ClosedOn, ok = formDate(values["closed_on"]); !ok {
		bad.Add("closed_on", "error.opportunity.date")
	}
	if mv.Version <= 0 {
		bad.Add("version", "error.version.required")
	}
	var res app.OppMoveResult
	if err = bad.OrNil(); err == nil {
		res, err = h.app.MoveOpportunity(r.Context(), id, mv)
	}
	l := h.proc(r, "opportunities", "opportunity.one")
	if wantsJSON(r) {
		return h.moveJSON(w, l, res, err)
	}
	if err != nil {
		var ve *crm.ValidationError
		var ce *crm.CriteriaError
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
		d, derr := h.oppPage(r, id)
		if derr != nil {
			return derr
		}
		if errors.As(err, &ce) {
			d.Unmet = ce.Unmet
		}
		version := d.Move["version"]
		d.Move, d.MoveErrors = values, errs
		d.Move["version"] = version // the form shows the opportunity as it is now
		return h.render(w, status, "opportunities/show.html", d)
	}
	target := safeBack(values["back"])
	if values["back"] == "" {
		target = fmt.Sprintf("/opportunities/%d", id)
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	http.Redirect(w, r, target+sep+moveFlash(res), http.StatusSeeOther)
	return nil
}

// moveFlash is the flash parameter of a move: a first win says whether
// the handover started.
func moveFlash(res app.OppMoveResult) string {
	switch {
	case res.FirstWin && res.Handover.Started:
		return "flash=won_handover"
	case res.FirstWin:
		return "flash=won_no_handover"
	}
	return "flash=opportunity_moved"
}

func (h *handler) moveJSON(w http.ResponseWriter, l proc, res app.OppMoveResult, err error) error {
	var out moveAnswer
	status := http.StatusOK
	var ve *crm.ValidationError
	var ce *crm.CriteriaError
	switch {
	case err == nil:
		flash := strings.TrimPrefix(moveFlash(res), "flash=")
		out = moveAnswer{OK: true, Flash: flash, Stage: res.Opportunity.Stage, Version: res.Opportunity.Version, Message: l.T("flash." + flash)}
		if res.FirstWin && !res.Handover.Started {
			out.Message += " " + l.T(res.Handover.Problem)
		}
	case errors.As(err, &ve):
		status, out.Error, out.Fields = http.StatusUnprocessableEntity, l.T("error.validation"), map[string]string{}
		for f, k := range ve.Fields {
			out.Fields[f] = l.T(k)
		}
		if errors.As(err, &ce) {
			for _, c := range ce.Unmet {
				out.Unmet = append(out.Unmet, l.Crit(c))
			}
			out.Error = l.T("error.opportunity.criteria") + " " + l.Join(out.Unmet)
		} else {
			msgs := make([]string, 0, len(out.Fields))
			for _, m := range out.Fields {
				msgs = append(msgs, m)
			}
			slices.Sort(msgs)
			out.Error += " " + strings.Join(msgs, " ")
		}
	case errors.Is(err, crm.ErrConflict):
		status, out.Error = http.StatusConflict, l.T("error.conflict.detail")
	case errors.Is(err, crm.ErrNotFound):
		status, out.Error = http.StatusNotFound, l.T("error.not_found")
	case errors.Is(err, crm.ErrForbidden):
		status, out.Error = http.StatusForbidden, l.T("error.forbidden")
	default:
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(out)
}

// oppForm is the create and edit form of an opportunity.
type oppForm struct {
	proc
	New      bool
	ID       int64
	Values   map[string]string
	Errors   map[string]string
	Choices  app.ProcessChoices
	Stages   []string // open stages, for a new one
	Criteria []app.OppCriterion
	Account  crm.Account // fixed by the link it came from
}

// Checked reports whether the form ticks criterion c.
func (d oppForm) Checked(c string) bool { return d.Values["check_"+c] != "" }

func (h *handler) oppForm(r *http.Request, d *oppForm) error {
	var err error
	if d.Choices, err = h.app.ProcessChoices(r.Context()); err != nil {
		return err
	}
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	d.Stages = m.OpenOppStages()
	d.Criteria = nil
	for _, s := range m.OppStages {
		for _, c := range s.Criteria {
			d.Criteria = append(d.Criteria, app.OppCriterion{Stage: s.Name, Name: c})
		}
	}
	if id := formID(d.Values["account_id"]); id > 0 {
		if acc, err := h.app.Account(r.Context(), id); err == nil {
			d.Choices.WithAccount(acc)
		}
	}
	return nil
}

func (h *handler) newOpportunity(w http.ResponseWriter, r *http.Request) error {
	d := oppForm{proc: h.proc(r, "opportunities", "opportunity.new"), New: true, Values: map[string]string{}}
	if s := r.URL.Query().Get("account"); s != "" {
		acc, err := h.app.Account(r.Context(), formID(s))
		if err != nil {
			return err
		}
		d.Account, d.Values["account_id"] = acc, idValue(acc.ID)
	}
	d.Values["owner"] = idValue(d.User.PersonID)
	if err := h.oppForm(r, &d); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "opportunities/form.html", d)
}

func (h *handler) editOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := h.app.OpportunityRow(r.Context(), id)
	if err != nil {
		return err
	}
	d := oppForm{proc: h.proc(r, "opportunities", "opportunity.edit"), ID: id, Values: map[string]string{
		"account_id": idValue(o.AccountID), "name": o.Name, "amount": amountValue(o.Amount), "close_date": dateValue(o.CloseDate),
		"probability": strconv.Itoa(o.Probability), "needs": strings.Join(o.Needs, "\n"), "products": strings.Join(o.Products, "\n"),
		"owner": idValue(o.OwnerID), "team": idValue(o.TeamID), "lost_reason": o.LostReason, "stage": o.Stage,
		"version": strconv.Itoa(o.Version)}}
	for _, c := range o.Checks {
		d.Values["check_"+c] = "1"
	}
	if err := h.oppForm(r, &d); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "opportunities/form.html", d)
}

func amountValue(m crm.Money) string {
	if m == 0 {
		return ""
	}
	return strings.TrimSuffix(m.String(), ".00")
}

func dateValue(d crm.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// readOppForm reads the form into an input; bad values are problems.
func readOppForm(r *http.Request) (app.OppInput, map[string]string, crm.ValidationError, error) {
	var in app.OppInput
	var bad crm.ValidationError
	if err := r.ParseForm(); err != nil {
		return in, nil, bad, badRequest("form: " + err.Error())
	}
	values := map[string]string{}
	for _, k := range []string{"account_id", "account_code", "name", "stage", "amount", "close_date", "probability", "needs",
		"products", "owner", "team", "lost_reason", "version"} {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	in.Name, in.Stage, in.LostReason = values["name"], values["stage"], values["lost_reason"]
	in.AccountID, in.OwnerID, in.TeamID = formID(values["account_id"]), formID(values["owner"]), formID(values["team"])
	in.Needs, in.Products = crm.SplitList(values["needs"]), crm.SplitList(values["products"])
	in.Version, _ = strconv.Atoi(values["version"])
	for _, c := range r.PostForm["check"] {
		in.Checks = append(in.Checks, c)
		values["check_"+c] = "1"
	}
	if s := values["amount"]; s != "" {
		v, err := transfer.ParseAmount(s)
		if err != nil || v < 0 {
			bad.Add("amount", "error.opportunity.amount")
		}
		in.Amount = v
	}
	var ok bool
	if in.CloseDate, ok = formDate(values["close_date"]); !ok {
		bad.Add("close_date", "error.opportunity.date")
	}
	if s := values["probability"]; s != "" {
		p, err := strconv.Atoi(strings.TrimSuffix(s, "%"))
		if err != nil {
			bad.Add("probability", "error.opportunity.probability")
		}
		in.Probability = &p
	}
	return in, values, bad, nil
}

// accountFromCode resolves the account code typed instead of a choice.
func (h *handler) accountFromCode(r *http.Request, code string, bad *crm.ValidationError, field string) int64 {
	acc, err := h.app.AccountByCode(r.Context(), code)
	if err != nil {
		bad.Add(field, "error.opportunity.account")
		return 0
	}
	return acc.ID
}

func (h *handler) saveOpportunity(w http.ResponseWriter, r *http.Request) error {
	id := int64(0)
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	in, values, bad, err := readOppForm(r)
	if err != nil {
		return err
	}
	if code := values["account_code"]; code != "" {
		in.AccountID = h.accountFromCode(r, code, &bad, "account")
		values["account_id"] = idValue(in.AccountID)
	}
	if id != 0 && in.Version <= 0 {
		bad.Add("version", "error.version.required")
	}
	var o store.OppRow
	if err = bad.OrNil(); err == nil {
		if id == 0 {
			o, err = h.app.CreateOpportunity(r.Context(), in)
		} else {
			o, err = h.app.UpdateOpportunity(r.Context(), id, in)
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
		title := "opportunity.new"
		if id != 0 {
			title = "opportunity.edit"
			if cur, err := h.app.OpportunityRow(r.Context(), id); err == nil {
				values["version"] = strconv.Itoa(cur.Version)
			}
		}
		d := oppForm{proc: h.proc(r, "opportunities", title), New: id == 0, ID: id, Values: values, Errors: errs}
		if err := h.oppForm(r, &d); err != nil {
			return err
		}
		return h.render(w, status, "opportunities/form.html", d)
	}
	target := fmt.Sprintf("/opportunities/%d?flash=opportunity_saved", o.ID)
	if id == 0 {
		target = fmt.Sprintf("/opportunities/%d?flash=opportunity_created", o.ID)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (h *handler) deleteOpportunity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.DeleteOpportunity(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/opportunities?flash=opportunity_deleted", http.StatusSeeOther)
	return nil
}

// accountProcess is the opportunities and activities section of an
// account's page (templates/partials_process.html).
type accountProcess struct {
	proc
	AccountID int64
	P         app.AccountProcess
}

func (h *handler) accountProcess(r *http.Request, id int64) (accountProcess, error) {
	p, err := h.app.AccountProcess(r.Context(), id)
	return accountProcess{proc: h.proc(r, "accounts", "nav.accounts"), AccountID: id, P: p}, err
}
