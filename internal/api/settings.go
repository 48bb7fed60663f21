package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/transfer"
)

func (h *handler) showMethod(w http.ResponseWriter, r *http.Request) error {
	m, version, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewMethodJSON(m, version))
}

// MethodInput is the body of PUT /api/v1/settings/method: the whole
// configuration, as GET returns it, plus a note. Amounts may be numbers or
// strings.
type MethodInput struct {
	Currency string `json:"currency"`
	Tiers    []struct {
		Name       string          `json:"name"`
		MinRevenue json.RawMessage `json:"min_revenue"`
	} `json:"tiers"`
	Bands []struct {
		Name          string  `json:"name"`
		TopShare      float64 `json:"top_share"`
		ExpectedShare float64 `json:"expected_share"`
	} `json:"bands"`
	FiscalYearStart int             `json:"fiscal_year_start"`
	DowngradeAfter  int             `json:"downgrade_after"`
	Gates           map[string]bool `json:"gates"`         // absent: unchanged; listed gates are set
	HandoverDays    int             `json:"handover_days"` // 0: unchanged
	// OppStages replaces the open opportunity stages as a whole; absent:
	// unchanged (docs/process.md).
	OppStages *[]crm.OppStageDef `json:"opportunity_stages"`
	// Standards and Alerts replace the standards and the alert thresholds
	// as a whole; absent: unchanged (docs/standards.md).
	Standards *crm.Standards  `json:"standards"`
	Alerts    *crm.AlertRules `json:"alerts"`
	Note      string          `json:"note"`
	Version   int64           `json:"version"` // ignored: every save is a new version
}

func (h *handler) saveMethod(w http.ResponseWriter, r *http.Request) error {
	var in MethodInput
	if err := decode(r, &in); err != nil {
		return err
	}
	m, _, err := h.app.Method(r.Context())
	if err != nil {
		return err
	}
	if in.Currency != "" {
		m.Currency = in.Currency
	}
	m.Tiers = nil
	for _, t := range in.Tiers {
		raw := strings.Trim(string(t.MinRevenue), `"`)
		v, err := transfer.ParseAmount(raw)
		if err != nil {
			return &crm.ValidationError{Fields: map[string]string{"tiers": "error.amount.invalid"}}
		}
		m.Tiers = append(m.Tiers, crm.TierDef{Name: strings.TrimSpace(t.Name), Min: v})
	}
	m.Bands = nil
	for _, b := range in.Bands {
		m.Bands = append(m.Bands, crm.BandDef{Name: strings.TrimSpace(b.Name), TopBP: int(math.Round(b.TopShare * 10000)), ExpectedShare: b.ExpectedShare})
	}
	m.FiscalYearStart, m.DowngradeAfter = in.FiscalYearStart, in.DowngradeAfter
	for g, on := range in.Gates {
		m.Gates[g] = on
	}
	if in.HandoverDays != 0 {
		m.HandoverDays = in.HandoverDays
	}
	if in.OppStages != nil {
		m.OppStages = *in.OppStages
	}
	if in.Standards != nil {
		m.Standards = *in.Standards
	}
	if in.Alerts != nil {
		m.Alerts = *in.Alerts
	}
	version, err := h.app.SaveMethod(r.Context(), actor(r), m, in.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewMethodJSON(m, version))
}
