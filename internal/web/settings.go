package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

type settingsPage struct {
	layout
	Version  int64
	TierRows []int
	BandRows []int
	Months   []int
	Values   map[string]string
	Errors   map[string]string
	Versions []store.MethodVersion
	Gates    []gateRow
	Std      standardsForm // standards_settings.go
}

// gateRow is one lifecycle gate on the settings page.
type gateRow struct {
	Name      string
	On        bool
	Available bool // its module exists; otherwise it cannot be switched on
}

func (h *handler) showSettings(w http.ResponseWriter, r *http.Request) error {
	m, version, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	return h.settingsPage(w, r, http.StatusOK, version, methodValues(m), nil)
}

// methodValues turns a configuration into form values, with two empty rows
// of tiers and one of bands to add to.
func methodValues(m crm.Method) map[string]string {
	v := map[string]string{
		"fiscal_year_start": strconv.Itoa(m.FiscalYearStart),
		"downgrade_after":   strconv.Itoa(m.DowngradeAfter),
		"handover_days":     strconv.Itoa(m.HandoverDays),
	}
	for g, on := range m.Gates {
		if on {
			v["gate_"+g] = "1"
		}
	}
	for i, t := range m.Tiers {
		v[fmt.Sprintf("tier_name_%d", i)] = t.Name
		v[fmt.Sprintf("tier_min_%d", i)] = t.Min.String()
	}
	for i, b := range m.Bands {
		v[fmt.Sprintf("band_name_%d", i)] = b.Name
		v[fmt.Sprintf("band_pct_%d", i)] = strconv.FormatFloat(float64(b.TopBP)/100, 'f', -1, 64)
		v[fmt.Sprintf("band_expected_%d", i)] = strconv.FormatFloat(b.ExpectedShare*100, 'f', -1, 64)
	}
	standardsValues(m, v)
	v["tier_rows"] = strconv.Itoa(len(m.Tiers) + 2)
	v["band_rows"] = strconv.Itoa(len(m.Bands) + 1)
	return v
}

func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request, status int, version int64, values, errs map[string]string) error {
	d := settingsPage{layout: h.layout(r, "settings", "nav.settings_method"), Version: version, Values: values, Errors: errs}
	tiers, _ := strconv.Atoi(values["tier_rows"])
	bands, _ := strconv.Atoi(values["band_rows"])
	for i := 0; i < min(tiers, 20); i++ {
		d.TierRows = append(d.TierRows, i)
	}
	for i := 0; i < min(bands, 10); i++ {
		d.BandRows = append(d.BandRows, i)
	}
	for i := 1; i <= 12; i++ {
		d.Months = append(d.Months, i)
	}
	for _, g := range crm.Gates {
		d.Gates = append(d.Gates, gateRow{Name: g, On: values["gate_"+g] != "", Available: slices.Contains(crm.AvailableGates, g)})
	}
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	d.Std = newStandardsForm(m, values)
	if d.Versions, err = h.app.MethodVersions(r.Context(), 20); err != nil {
		return err
	}
	return h.render(w, status, "settings.html", d)
}

func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return badRequest(err.Error())
	}
	values := map[string]string{}
	for k := range r.PostForm {
		values[k] = strings.TrimSpace(r.PostForm.Get(k))
	}
	errs := map[string]string{}
	m, version, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	m.Tiers, m.Bands = nil, nil
	tiers, _ := strconv.Atoi(values["tier_rows"])
	for i := 0; i < min(tiers, 20); i++ {
		name, min := values[fmt.Sprintf("tier_name_%d", i)], values[fmt.Sprintf("tier_min_%d", i)]
		if name == "" && min == "" {
			continue
		}
		v, err := transfer.ParseAmount(min)
		if err != nil || v < 0 {
			errs[fmt.Sprintf("tier_min_%d", i)] = "error.amount.invalid"
		}
		m.Tiers = append(m.Tiers, crm.TierDef{Name: name, Min: v})
	}
	bands, _ := strconv.Atoi(values["band_rows"])
	for i := 0; i < min(bands, 10); i++ {
		name, pct, exp := values[fmt.Sprintf("band_name_%d", i)], values[fmt.Sprintf("band_pct_%d", i)], values[fmt.Sprintf("band_expected_%d", i)]
		if name == "" && pct == "" && exp == "" {
			continue
		}
		p, err1 := strconv.ParseFloat(pct, 64)
		e, err2 := strconv.ParseFloat(exp, 64)
		if err1 != nil || err2 != nil {
			errs[fmt.Sprintf("band_pct_%d", i)] = "error.number.invalid"
		}
		m.Bands = append(m.Bands, crm.BandDef{Name: name, TopBP: int(math.Round(p * 100)), ExpectedShare: e / 100})
	}
	m.FiscalYearStart, _ = strconv.Atoi(values["fiscal_year_start"])
	m.DowngradeAfter, _ = strconv.Atoi(values["downgrade_after"])
	if values["handover_days"] != "" {
		if m.HandoverDays, err = strconv.Atoi(values["handover_days"]); err != nil {
			errs["handover_days"] = "error.number.invalid"
		}
	}
	parseStandards(values, &m, errs)
	parseOppStages(values, &m, errs)
	if values["gates"] != "" { // the form lists the gates
		m.Gates = map[string]bool{}
		for _, g := range crm.Gates {
			m.Gates[g] = values["gate_"+g] != ""
		}
	}
	if len(errs) == 0 {
		_, err := h.app.SaveMethod(r.Context(), actor(r), m, values["note"])
		var ve *crm.ValidationError
		switch {
		case errors.As(err, &ve):
			for f, k := range ve.Fields {
				errs[f] = k
			}
		case err != nil:
			return err
		}
	}
	if len(errs) > 0 {
		return h.settingsPage(w, r, http.StatusUnprocessableEntity, version, values, errs)
	}
	http.Redirect(w, r, "/settings?flash=saved", http.StatusSeeOther)
	return nil
}
