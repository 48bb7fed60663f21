package api

import (
	"net/http"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/transfer"
)

func (h *handler) targets(w http.ResponseWriter, r *http.Request) error {
	spec, err := periodSpec(r)
	if err != nil {
		return err
	}
	rep, err := h.app.Targets(r.Context(), spec)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app.NewTargetsJSON(rep))
}

// TargetsInput is the body of PUT /api/v1/targets.
type TargetsInput struct {
	Period string `json:"period"`
	Tiers  []struct {
		Tier     string `json:"tier"`
		Accounts int    `json:"accounts"`
		Revenue  string `json:"revenue"`
	} `json:"tiers"`
	Upgrades []struct {
		From     string `json:"from"`
		To       string `json:"to"`
		Accounts int    `json:"accounts"`
	} `json:"upgrades"`
}

func (h *handler) setTargets(w http.ResponseWriter, r *http.Request) error {
	var in TargetsInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t := crm.Targets{PeriodKey: in.Period}
	for _, l := range in.Tiers {
		lt := crm.LayerTarget{Layer: l.Tier, Accounts: l.Accounts}
		if l.Revenue != "" {
			m, err := transfer.ParseAmount(l.Revenue)
			if err != nil {
				return &crm.ValidationError{Fields: map[string]string{l.Tier: "error.amount.invalid"}}
			}
			lt.Revenue = m
		}
		t.Layers = append(t.Layers, lt)
	}
	for _, u := range in.Upgrades {
		t.Upgrades = append(t.Upgrades, crm.UpgradeTarget{From: u.From, To: u.To, Accounts: u.Accounts})
	}
	if err := h.app.SetTargets(r.Context(), actor(r), t); err != nil {
		return err
	}
	r.URL.RawQuery = "period=" + in.Period
	return h.targets(w, r)
}
