package api

import (
	"bytes"
	"encoding/json"
	"net/http"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// AccountList is a page of accounts.
type AccountList struct {
	Items   []app.AccountJSON `json:"items"`
	Total   int               `json:"total"`
	Page    int               `json:"page"`
	PerPage int               `json:"per_page"`
}

func accountList(list []crm.Account, total, page, per int) AccountList {
	out := AccountList{Items: []app.AccountJSON{}, Total: total, Page: page, PerPage: per}
	for _, a := range list {
		out.Items = append(out.Items, app.NewAccountJSON(a))
	}
	return out
}

// AccountFilterFrom reads the list filter from a query string; web pages use
// the same parameters so a list URL means the same in both.
func AccountFilterFrom(r *http.Request) (store.AccountFilter, error) {
	q := r.URL.Query()
	f := store.AccountFilter{Query: q.Get("q"), Tier: q.Get("tier"), Band: q.Get("band"), Region: q.Get("region"),
		Industry: q.Get("industry"), Type: q.Get("type"), Sort: q.Get("sort")}
	var err error
	if f.Page, err = intParam(r, "page", 1); err != nil {
		return f, err
	}
	if f.PerPage, err = intParam(r, "per_page", 50); err != nil {
		return f, err
	}
	return f, nil
}

func (h *handler) listAccounts(w http.ResponseWriter, r *http.Request) error {
	f, err := AccountFilterFrom(r)
	if err != nil {
		return err
	}
	page, err := h.app.Accounts(r.Context(), f)
	if err != nil {
		return err
	}
	if page.Key == "" {
		return writeJSON(w, http.StatusOK, accountList(page.Accounts, page.Total, page.Page, page.PerPage))
	}
	// A page named by its state of the data: its JSON is made once.
	body, err := h.listBodies.Get(page.Key, func() ([]byte, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		err := enc.Encode(accountList(page.Accounts, page.Total, page.Page, page.PerPage))
		return b.Bytes(), err
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

func (h *handler) showAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := h.app.Account(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewAccountJSON(a))
}

// AccountInput is the body of a create or an update. On update, absent
// fields keep their values and version is required.
type AccountInput struct {
	Code      *string `json:"code"`
	Name      *string `json:"name"`
	Type      *string `json:"type"`
	Industry  *string `json:"industry"`
	Region    *string `json:"region"`
	IsListed  *bool   `json:"is_listed"`
	IsLeader  *bool   `json:"is_leader"`
	Potential *string `json:"potential"`
	Version   *int    `json:"version"`
}

func (in AccountInput) apply(a *crm.Account) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&a.Code, in.Code)
	set(&a.Name, in.Name)
	set(&a.Type, in.Type)
	set(&a.Industry, in.Industry)
	set(&a.Region, in.Region)
	if in.IsListed != nil {
		a.IsListed = *in.IsListed
	}
	if in.IsLeader != nil {
		a.IsLeader = *in.IsLeader
	}
	if in.Potential != nil {
		m, err := transfer.ParseAmount(*in.Potential)
		if err != nil {
			return &crm.ValidationError{Fields: map[string]string{"potential": "error.amount.invalid"}}
		}
		a.Potential = m
	}
	return nil
}

func (h *handler) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in AccountInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var a crm.Account
	if err := in.apply(&a); err != nil {
		return err
	}
	created, err := h.app.CreateAccount(r.Context(), actor(r), a)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/accounts/"+jsonInt(created.ID))
	return writeJSON(w, http.StatusCreated, app.NewAccountJSON(created))
}

func (h *handler) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in AccountInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Version == nil {
		return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	a, err := h.app.Account(r.Context(), id)
	if err != nil {
		return err
	}
	if err := in.apply(&a); err != nil {
		return err
	}
	a.Version = *in.Version
	updated, err := h.app.UpdateAccount(r.Context(), actor(r), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewAccountJSON(updated))
}

func (h *handler) explainAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	spec, err := periodSpec(r)
	if err != nil {
		return err
	}
	ex, err := h.app.Explain(r.Context(), id, spec)
	if err != nil {
		return err
	}
	type tier struct {
		Name string      `json:"name"`
		Min  json.Number `json:"min_revenue"`
	}
	out := struct {
		Period        app.PeriodJSON `json:"period"`
		Revenue       json.Number    `json:"revenue"`
		Tier          string         `json:"tier"`
		Min           json.Number    `json:"min_revenue"`
		Max           *json.Number   `json:"max_revenue"`
		Thresholds    []tier         `json:"thresholds"`
		MethodVersion int64          `json:"method_version"`
		// The downgrade rule (docs/pyramid.md): the tier of the revenue
		// alone, and whether the rule holds the account in a higher one.
		RevenueTier    string `json:"revenue_tier"`
		Held           bool   `json:"held"`
		Below          int    `json:"evaluations_below"`
		DowngradeAfter int    `json:"downgrade_after"`
	}{Period: app.NewPeriodJSON(ex.Period), Revenue: app.MoneyJSON(ex.Revenue), Tier: ex.Tier, Min: app.MoneyJSON(ex.Min), MethodVersion: ex.MethodVersion,
		RevenueTier: ex.RevenueTier, Held: ex.Held, Below: ex.Below, DowngradeAfter: ex.DowngradeAfter}
	if ex.Max > 0 {
		m := app.MoneyJSON(ex.Max)
		out.Max = &m
	}
	for _, t := range ex.Tiers {
		out.Thresholds = append(out.Thresholds, tier{t.Name, app.MoneyJSON(t.Min)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *handler) accountRevenue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.app.AccountDetail(r.Context(), id)
	if err != nil {
		return err
	}
	type month struct {
		Month   string      `json:"month"`
		Product json.Number `json:"product"`
		Service json.Number `json:"service"`
	}
	type year struct {
		Period  app.PeriodJSON `json:"period"`
		Revenue json.Number    `json:"revenue"`
		Tier    string         `json:"tier"`
		// RevenueTier is the tier of the year's revenue alone; Held: the
		// downgrade rule keeps the account in a higher Tier.
		RevenueTier string `json:"revenue_tier"`
		Held        bool   `json:"held"`
	}
	out := struct {
		Months      []month `json:"months"`
		TierHistory []year  `json:"tier_history"`
	}{Months: []month{}, TierHistory: []year{}}
	for _, m := range d.Months {
		out.Months = append(out.Months, month{m.Month, app.MoneyJSON(m.Product), app.MoneyJSON(m.Service)})
	}
	for _, y := range d.History {
		out.TierHistory = append(out.TierHistory, year{app.NewPeriodJSON(y.Period), app.MoneyJSON(y.Revenue), y.Tier, y.RevenueTier, y.Held})
	}
	return writeJSON(w, http.StatusOK, out)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// actor names who made a change, for the records that keep a name (the
// audit log takes it from the request's principal).
func actor(r *http.Request) string { return app.PrincipalFrom(r.Context()).Label() }
