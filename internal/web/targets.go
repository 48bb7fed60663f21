package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/transfer"
)

type targetsPage struct {
	layout
	Report   app.TargetReport
	Periods  []periodOption
	Upgrades []upgradeRow
	Errors   map[string]string
	Values   map[string]string
}

type upgradeRow struct {
	From, To string
	Target   int
	Actual   int
	Ratio    float64
}

func (h *handler) showTargets(w http.ResponseWriter, r *http.Request) error {
	return h.targetsPage(w, r, http.StatusOK, nil, nil)
}

func (h *handler) targetsPage(w http.ResponseWriter, r *http.Request, status int, values, errs map[string]string) error {
	d := targetsPage{layout: h.layout(r, "targets", "nav.targets"), Values: values, Errors: errs}
	spec := app.PeriodSpec{Key: r.URL.Query().Get("period")}
	if r.Method == http.MethodPost {
		spec.Key = r.PostFormValue("period")
	}
	rep, err := h.app.Targets(r.Context(), spec)
	if errors.Is(err, app.ErrNoData) {
		return h.render(w, status, "targets.html", d)
	}
	if err != nil {
		return err
	}
	d.Report = rep
	if d.Periods, err = h.periodOptions(r, rep.Period); err != nil {
		return err
	}
	// Show an upgrade row for each adjacent pair of tiers, plus any saved.
	have := map[string]bool{}
	for _, u := range rep.Upgrades {
		d.Upgrades = append(d.Upgrades, upgradeRow{u.From, u.To, u.Target, u.Actual, u.Ratio})
		have[u.From+">"+u.To] = true
	}
	layers := rep.Pyramid.Layers
	for i := len(layers) - 1; i > 0; i-- {
		if !have[layers[i].Name+">"+layers[i-1].Name] {
			d.Upgrades = append(d.Upgrades, upgradeRow{From: layers[i].Name, To: layers[i-1].Name})
		}
	}
	if d.Values == nil {
		d.Values = map[string]string{}
		for _, l := range rep.Targets.Layers {
			d.Values["accounts_"+l.Layer] = strconv.Itoa(l.Accounts)
			if l.Revenue != 0 {
				d.Values["revenue_"+l.Layer] = l.Revenue.String()
			}
		}
		for _, u := range rep.Targets.Upgrades {
			d.Values["upgrade_"+u.From+"_"+u.To] = strconv.Itoa(u.Accounts)
		}
	}
	return h.render(w, status, "targets.html", d)
}

func (h *handler) saveTargets(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	t := crm.Targets{PeriodKey: r.PostForm.Get("period")}
	values := map[string]string{}
	errs := map[string]string{}
	for k := range r.PostForm {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	for _, td := range m.Tiers {
		acc, rev := values["accounts_"+td.Name], values["revenue_"+td.Name]
		if acc == "" && rev == "" {
			continue
		}
		lt := crm.LayerTarget{Layer: td.Name}
		if acc != "" {
			n, err := strconv.Atoi(acc)
			if err != nil || n < 0 {
				errs["accounts_"+td.Name] = "error.number.invalid"
			}
			lt.Accounts = n
		}
		if rev != "" {
			mv, err := transfer.ParseAmount(rev)
			if err != nil || mv < 0 {
				errs["revenue_"+td.Name] = "error.amount.invalid"
			}
			lt.Revenue = mv
		}
		t.Layers = append(t.Layers, lt)
	}
	for k, v := range values {
		pair, ok := strings.CutPrefix(k, "upgrade_")
		if !ok || v == "" {
			continue
		}
		from, to, _ := strings.Cut(pair, "_")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs[k] = "error.number.invalid"
			continue
		}
		t.Upgrades = append(t.Upgrades, crm.UpgradeTarget{From: from, To: to, Accounts: n})
	}
	if len(errs) == 0 {
		err = h.app.SetTargets(r.Context(), actor(r), t)
		var ve *crm.ValidationError
		if errors.As(err, &ve) {
			for f, key := range ve.Fields {
				errs[f] = key
			}
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.targetsPage(w, r, http.StatusUnprocessableEntity, values, errs)
	}
	http.Redirect(w, r, "/targets?"+url.Values{"period": {t.PeriodKey}, "flash": {"saved"}}.Encode(), http.StatusSeeOther)
	return nil
}
