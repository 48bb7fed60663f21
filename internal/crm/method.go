package crm

import (
	"fmt"
	"slices"
	"sort"
)

// Method holds the parameters of the method that the pyramid module reads.
// Every number is a configurable default (METHODOLOGY §0), never a constant in
// code: the values below are only what a new installation starts with.
type Method struct {
	Currency string `json:"currency"`
	// Tiers are the pyramid tiers from the top; the last tier has Min 0 and
	// takes every account with revenue below the one above it (§2.1).
	Tiers []TierDef `json:"tiers"`
	// Bands are the Pareto cascade, innermost first, as basis points of the
	// number of accounts (100 bp = 1 %), with the cumulative revenue share the
	// method predicts for each (§1.1).
	Bands []BandDef `json:"bands"`
	// FiscalYearStart is the month (1–12) a fiscal year begins.
	FiscalYearStart int `json:"fiscal_year_start"`
	// DowngradeAfter is how many consecutive evaluations below a threshold
	// move an account down a tier (hysteresis, §2.1). Reported, not yet applied.
	DowngradeAfter int `json:"downgrade_after"`
	// Gates switches the lifecycle gates on and off (§1.3, see Gates).
	Gates map[string]bool `json:"gates"`
	// HandoverDays is how long after the contract a sales → customer-service
	// handover may stay open before it is flagged overdue (§3.1).
	HandoverDays int `json:"handover_days"`
	// OppStages are the open opportunity stages in pipeline order, with
	// their default probabilities and exit criteria (§6.1); WON and LOST
	// follow them (see opportunity.go).
	OppStages []OppStageDef `json:"opportunity_stages"`
	// Standards are the activity standards and the service cadence, Alerts
	// the thresholds of the alert rules (§6.1, §6.2, §1.2; standards.go).
	Standards Standards  `json:"standards"`
	Alerts    AlertRules `json:"alerts"`
}

// TierDef is one tier of the revenue pyramid.
type TierDef struct {
	Name string `json:"name"`
	Min  Money  `json:"min"` // revenue at or above Min falls in this tier
}

// BandDef is one Pareto band.
type BandDef struct {
	Name          string  `json:"name"`
	TopBP         int     `json:"top_bp"`         // top share of accounts, in basis points
	ExpectedShare float64 `json:"expected_share"` // the method's cumulative revenue share
}

// Band names (§1.1). LongTail takes every account outside the cascade.
const (
	BandOxNose   = "OX_NOSE"
	BandSuper    = "SUPER"
	BandCore     = "CORE"
	BandLongTail = "LONG_TAIL"
)

// DefaultMethod returns the book's case: A ≥ 5,000,000, B ≥ 3,000,000,
// C ≥ 1,000,000, D below, and the 1 % / 4 % / 20 % cascade.
func DefaultMethod() Method {
	return Method{
		Currency: "CNY",
		Tiers: []TierDef{
			{Name: "A", Min: Yuan(5_000_000)},
			{Name: "B", Min: Yuan(3_000_000)},
			{Name: "C", Min: Yuan(1_000_000)},
			{Name: "D", Min: 0},
		},
		Bands: []BandDef{
			{Name: BandOxNose, TopBP: 100, ExpectedShare: 0.512},
			{Name: BandSuper, TopBP: 400, ExpectedShare: 0.64},
			{Name: BandCore, TopBP: 2000, ExpectedShare: 0.80},
		},
		FiscalYearStart: 1,
		DowngradeAfter:  2,
		Gates:           DefaultGates(),
		HandoverDays:    30,
		OppStages:       DefaultOppStages(),
		Standards:       DefaultStandards(),
		Alerts:          DefaultAlertRules(),
	}
}

// Complete fills settings that a configuration saved by an earlier version of
// KAM lacks with their defaults.
func (m *Method) Complete() {
	d := DefaultMethod()
	if m.Gates == nil {
		m.Gates = d.Gates
	}
	for _, g := range Gates {
		if _, ok := m.Gates[g]; !ok {
			m.Gates[g] = d.Gates[g]
		}
	}
	if m.HandoverDays == 0 {
		m.HandoverDays = d.HandoverDays
	}
	if len(m.OppStages) == 0 {
		m.OppStages = d.OppStages
	}
	m.completeStandards()
}

// Validate checks that tiers descend strictly, end at zero, have unique
// names, and that the bands nest.
func (m *Method) Validate() error {
	var v ValidationError
	if len(m.Tiers) < 2 {
		v.Add("tiers", "error.method.tiers.too_few")
	}
	seen := map[string]bool{}
	for i, t := range m.Tiers {
		if t.Name == "" || seen[t.Name] {
			v.Add("tiers", "error.method.tiers.names")
		}
		seen[t.Name] = true
		if i > 0 && t.Min >= m.Tiers[i-1].Min {
			v.Add("tiers", "error.method.tiers.order")
		}
	}
	if n := len(m.Tiers); n > 0 && m.Tiers[n-1].Min != 0 {
		v.Add("tiers", "error.method.tiers.last")
	}
	if len(m.Bands) == 0 {
		v.Add("bands", "error.method.bands.none")
	}
	bandNames := map[string]bool{BandLongTail: true}
	for i, b := range m.Bands {
		if b.TopBP <= 0 || b.TopBP >= 10000 || (i > 0 && b.TopBP <= m.Bands[i-1].TopBP) {
			v.Add("bands", "error.method.bands.order")
		}
		if b.Name == "" || bandNames[b.Name] {
			v.Add("bands", "error.method.bands.names")
		}
		bandNames[b.Name] = true
		if b.ExpectedShare < 0 || b.ExpectedShare > 1 {
			v.Add("bands", "error.method.bands.expected")
		}
	}
	if m.DowngradeAfter < 1 {
		v.Add("downgrade_after", "error.method.downgrade_after")
	}
	if m.FiscalYearStart < 1 || m.FiscalYearStart > 12 {
		v.Add("fiscal_year_start", "error.method.fiscal_year_start")
	}
	for g, on := range m.Gates {
		switch {
		case !slices.Contains(Gates, g):
			v.Add("gates", "error.method.gates.unknown")
		case on && !slices.Contains(AvailableGates, g):
			v.Add("gates", "error.method.gates.unavailable")
		}
	}
	if m.HandoverDays < 1 || m.HandoverDays > 365 {
		v.Add("handover_days", "error.method.handover_days")
	}
	validateOppStages(&v, m.OppStages)
	m.validateStandards(&v)
	return v.OrNil()
}

// WithThresholds returns m with tiers replaced by thresholds (descending
// minimums, without the final zero). Names are kept where they exist and
// continue A, B, C… otherwise.
func (m Method) WithThresholds(mins []Money) (Method, error) {
	sorted := append([]Money(nil), mins...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] > sorted[j] })
	tiers := make([]TierDef, 0, len(sorted)+1)
	for i, min := range append(sorted, 0) {
		name := string(rune('A' + i))
		if i < len(m.Tiers) && len(m.Tiers) == len(sorted)+1 {
			name = m.Tiers[i].Name
		}
		tiers = append(tiers, TierDef{Name: name, Min: min})
	}
	m.Tiers = tiers
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("thresholds %v: %w", mins, err)
	}
	return m, nil
}

// TierOf returns the index of the tier revenue falls in.
func (m *Method) TierOf(revenue Money) int {
	for i, t := range m.Tiers {
		if revenue >= t.Min {
			return i
		}
	}
	return len(m.Tiers) - 1
}
