package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"kam/internal/api"
	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/memo"
	"kam/internal/transfer"
)

// pager is the paging bar of a list; links keep the rest of the query.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
	Links              []pageLink
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

func newPager(r *http.Request, page, pages, total int) pager {
	p := pager{Page: page, Pages: pages, Total: total}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	last := 0
	for _, n := range []int{1, 2, page - 2, page - 1, page, page + 1, page + 2, pages - 1, pages} {
		if n < 1 || n > pages || n <= last {
			continue
		}
		if last > 0 && n > last+1 {
			p.Links = append(p.Links, pageLink{Gap: true})
		}
		p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == page})
		last = n
	}
	return p
}

type accountsPage struct {
	layout
	List       app.AccountList
	Pager      pager
	Filter     url.Values
	Types      []string
	ExportCSV  string
	ExportXLSX string
	// Filters and Rows are the filter form and the table's rows, rendered
	// by the templates "account-filters" and "account-row" or taken from
	// listFragments; Rows is one value so that the page prints it in one
	// action rather than 50.
	Filters template.HTML
	Rows    template.HTML
}

// accountRow is what the template "account-row" shows of an account, every
// value ready to print: the row's HTML is kept in listFragments by these
// values, so the template must read nothing else.
type accountRow struct {
	ID                          int64
	Code, Name, Tier, Band      string
	BandLabel, TypeLabel        string // in the page's language
	Region, Industry, Wan, Yuan string
}

// listFragments keeps rendered rows and filter forms of the account list,
// keyed by everything they show (and the language), so that a kept one is
// never stale: rendering 50 rows and the form took 60 % of a list page's time
// under load (measured at 1,000,000 accounts: 1.4 of 2.3 ms a request).
// Shared by every handler of the process; about 8,000 rows at most.
var listFragments = memo.Map[template.HTML]{MaxBytes: 4 << 20}

// fragmentKey builds a cache key from values, each prefixed by its length
// so that no two lists of values give the same key.
type fragmentKey struct{ strings.Builder }

func (k *fragmentKey) add(values ...string) {
	for _, v := range values {
		k.WriteString(strconv.Itoa(len(v)))
		k.WriteByte(':')
		k.WriteString(v)
	}
}

func (h *handler) listAccounts(w http.ResponseWriter, r *http.Request) error {
	f, err := api.AccountFilterFrom(r)
	if err != nil {
		return badRequest(err.Error())
	}
	list, err := h.app.AccountList(r.Context(), f)
	if err != nil {
		return err
	}
	d := accountsPage{layout: h.layout(r, "accounts", "nav.accounts"), List: list, Filter: r.URL.Query(), Types: crm.AccountTypes}
	// A list named by its state of the data (one tier or band by revenue)
	// and everything the layout shows (who asks, the language, the URL,
	// the badge) is the same page every time: kept whole, since rendering
	// it was two thirds of its time under load (docs/benchmarks.md).
	var pageKey string
	if list.Key != "" && !h.dev {
		pageKey = list.Key + "\x00" + fmt.Sprintf("%#v", d.layout)
		if b, ok := h.listPages.Lookup(pageKey); ok {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, err := w.Write(b)
			return err
		}
	}
	d.Pager = newPager(r, list.Page, list.Pages, list.Total)
	q := r.URL.Query()
	q.Del("page")
	q.Set("format", "csv")
	d.ExportCSV = "/accounts/export?" + q.Encode()
	q.Set("format", "xlsx")
	d.ExportXLSX = "/accounts/export?" + q.Encode()
	const page = "accounts/list.html"
	t, err := h.pageTemplate(page)
	if err != nil {
		return err
	}
	fragment := func(key, name string, data any) (template.HTML, error) {
		render := func() (template.HTML, error) {
			var b strings.Builder
			if err := t.ExecuteTemplate(&b, name, data); err != nil {
				return "", fmt.Errorf("web: render %s of %s: %w", name, page, err)
			}
			return template.HTML(b.String()), nil
		}
		if h.dev {
			return render() // templates change under development
		}
		return listFragments.Get(key, render)
	}
	// The form shows the filter's values and the menus' options.
	var key fragmentKey
	key.add("filters", d.Lang)
	for _, k := range []string{"q", "tier", "band", "region", "industry", "type", "sort"} {
		key.add(d.Filter.Get(k))
	}
	for _, menu := range [][]string{list.Tiers, list.Bands, list.Regions, list.Industries, d.Types} {
		key.add(strconv.Itoa(len(menu)))
		key.add(menu...)
	}
	if d.Filters, err = fragment(key.String(), "account-filters", d); err != nil {
		return err
	}
	var rows strings.Builder
	rows.Grow(len(list.Accounts) * 640) // a row is 400–600 bytes: one allocation
	for _, a := range list.Accounts {
		row := accountRow{ID: a.ID, Code: a.Code, Name: a.Name, Tier: a.Tier, Band: a.Band, Region: a.Region, Industry: a.Industry,
			Wan: crm.GroupDigits(a.Revenue.Wan()), Yuan: a.Revenue.Grouped()}
		if a.Band != "" {
			row.BandLabel = d.T("band." + a.Band)
		}
		if a.Type != "" {
			row.TypeLabel = d.T("type." + a.Type)
		}
		key.Reset()
		key.add("row", strconv.FormatInt(row.ID, 10), row.Code, row.Name, row.Tier, row.Band, row.BandLabel, row.TypeLabel,
			row.Region, row.Industry, row.Wan, row.Yuan)
		html, err := fragment(key.String(), "account-row", row)
		if err != nil {
			return err
		}
		rows.WriteString(string(html))
	}
	d.Rows = template.HTML(rows.String())
	if pageKey == "" {
		return h.render(w, http.StatusOK, page, d)
	}
	return h.renderThen(w, http.StatusOK, page, d, func(b []byte) { h.listPages.Put(pageKey, bytes.Clone(b)) })
}

// pageTemplate returns the templates of a page, read again from
// internal/web on every call in development, as render does.
func (h *handler) pageTemplate(page string) (*template.Template, error) {
	pages := h.pages
	if h.dev {
		var err error
		if pages, err = parsePages(os.DirFS("internal/web")); err != nil {
			return nil, err
		}
	}
	t, ok := pages[page]
	if !ok {
		return nil, fmt.Errorf("web: no page %s", page)
	}
	return t, nil
}

func (h *handler) exportAccounts(w http.ResponseWriter, r *http.Request) error {
	f, err := api.AccountFilterFrom(r)
	if err != nil {
		return badRequest(err.Error())
	}
	format := r.URL.Query().Get("format")
	if format != transfer.FormatCSV && format != transfer.FormatXLSX {
		return badRequest("format: csv or xlsx")
	}
	w.Header().Set("Content-Type", transfer.ContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="accounts.%s"`, format))
	return app.ExportAccounts(r.Context(), h.app, w, format, f, printer(r))
}

type accountPage struct {
	layout
	Detail app.AccountDetail
	Trend  chartTrend
	Split  chartDonut
	// Lifecycle is the stage, owners, forms and history (lifecycle.go).
	Lifecycle lifecycleView
	// Process is the account's opportunities and activities (opportunities.go).
	Process accountProcess
}

type chartTrend struct {
	Months []string          `json:"months"`
	Series []chartSeries     `json:"series"`
	Labels map[string]string `json:"labels"`
}

type chartSeries struct {
	Name   string    `json:"name"`
	Values []float64 `json:"values"`
	Color  string    `json:"color"`
}

type chartDonut struct {
	Items []map[string]any `json:"items"`
}

func (h *handler) showAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	det, err := h.app.AccountDetail(r.Context(), id)
	if err != nil {
		return err
	}
	d := accountPage{layout: h.layout(r, "accounts", "nav.accounts"), Detail: det}
	if d.Lifecycle, err = h.lifecycleView(r, id); err != nil {
		return err
	}
	if d.Process, err = h.accountProcess(r, id); err != nil {
		return err
	}
	d.Title = det.Account.Name
	prod := chartSeries{Name: d.T("class.PRODUCT"), Color: "PRODUCT"}
	svc := chartSeries{Name: d.T("class.SERVICE"), Color: "SERVICE"}
	for _, m := range det.Months {
		d.Trend.Months = append(d.Trend.Months, m.Month)
		// Charts take yuan as numbers; tables beside them carry the exact figures.
		prod.Values = append(prod.Values, float64(m.Product)/crm.MinorPerMajor)
		svc.Values = append(svc.Values, float64(m.Service)/crm.MinorPerMajor)
	}
	d.Trend.Series = []chartSeries{prod, svc}
	d.Trend.Labels = map[string]string{"y": d.T("chart.unit_wan")}
	d.Split.Items = []map[string]any{
		{"name": d.T("class.PRODUCT"), "value": float64(det.Product) / crm.MinorPerMajor, "color": "PRODUCT"},
		{"name": d.T("class.SERVICE"), "value": float64(det.Service) / crm.MinorPerMajor, "color": "SERVICE"},
	}
	return h.render(w, http.StatusOK, "accounts/show.html", d)
}

type accountForm struct {
	layout
	Account crm.Account
	Values  map[string]string
	Errors  map[string]string
	Types   []string
	New     bool
}

func (h *handler) newAccount(w http.ResponseWriter, r *http.Request) error {
	d := accountForm{layout: h.layout(r, "accounts", "account.new"), New: true, Types: crm.AccountTypes, Values: map[string]string{}}
	return h.render(w, http.StatusOK, "accounts/form.html", d)
}

func (h *handler) editAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.app.Account(r.Context(), id)
	if err != nil {
		return err
	}
	d := accountForm{layout: h.layout(r, "accounts", "account.edit"), Account: a, Types: crm.AccountTypes, Values: formValues(a)}
	return h.render(w, http.StatusOK, "accounts/form.html", d)
}

func formValues(a crm.Account) map[string]string {
	v := map[string]string{"code": a.Code, "name": a.Name, "type": a.Type, "industry": a.Industry, "region": a.Region,
		"version": strconv.Itoa(a.Version)}
	if a.Potential != 0 {
		v["potential"] = a.Potential.String()
	}
	if a.IsListed {
		v["is_listed"] = "1"
	}
	if a.IsLeader {
		v["is_leader"] = "1"
	}
	return v
}

// readAccountForm fills a from the posted form; problems go to errs.
func readAccountForm(r *http.Request, a *crm.Account) (map[string]string, map[string]string) {
	values := map[string]string{}
	errs := map[string]string{}
	for _, k := range []string{"code", "name", "type", "industry", "region", "potential", "is_listed", "is_leader", "version"} {
		values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	a.Code, a.Name, a.Type, a.Industry, a.Region = values["code"], values["name"], values["type"], values["industry"], values["region"]
	a.IsListed, a.IsLeader = values["is_listed"] != "", values["is_leader"] != ""
	a.Potential = 0
	if values["potential"] != "" {
		m, err := transfer.ParseAmount(values["potential"])
		if err != nil || m < 0 {
			errs["potential"] = "error.amount.invalid"
		}
		a.Potential = m
	}
	if v, err := strconv.Atoi(values["version"]); err == nil {
		a.Version = v
	}
	return values, errs
}

func (h *handler) createAccount(w http.ResponseWriter, r *http.Request) error {
	var a crm.Account
	values, errs := readAccountForm(r, &a)
	d := accountForm{layout: h.layout(r, "accounts", "account.new"), New: true, Types: crm.AccountTypes, Values: values, Errors: errs}
	if len(errs) > 0 {
		return h.render(w, http.StatusUnprocessableEntity, "accounts/form.html", d)
	}
	created, err := h.app.CreateAccount(r.Context(), actor(r), a)
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		d.Errors = ve.Fields
		return h.render(w, http.StatusUnprocessableEntity, "accounts/form.html", d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d?flash=saved", created.ID), http.StatusSeeOther)
	return nil
}

func (h *handler) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.app.Account(r.Context(), id)
	if err != nil {
		return err
	}
	values, errs := readAccountForm(r, &a)
	if _, err := strconv.Atoi(values["version"]); err != nil {
		// Without the version read, a save could silently overwrite another.
		errs["version"] = "error.version.required"
	}
	d := accountForm{layout: h.layout(r, "accounts", "account.edit"), Account: a, Types: crm.AccountTypes, Values: values, Errors: errs}
	if len(errs) > 0 {
		return h.render(w, http.StatusUnprocessableEntity, "accounts/form.html", d)
	}
	_, err = h.app.UpdateAccount(r.Context(), actor(r), a)
	var ve *crm.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Errors = ve.Fields
		return h.render(w, http.StatusUnprocessableEntity, "accounts/form.html", d)
	case errors.Is(err, crm.ErrConflict):
		d.Errors = map[string]string{"version": "error.conflict.detail"}
		return h.render(w, http.StatusConflict, "accounts/form.html", d)
	case err != nil:
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/accounts/%d?flash=saved", id), http.StatusSeeOther)
	return nil
}

// pathID reads the {id} of the path; anything but a positive number is a
// record that does not exist.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.ErrNotFound
	}
	return id, nil
}
