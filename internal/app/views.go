package app

import (
	"encoding/json"

	"kam/internal/crm"
	"kam/internal/transfer"
)

// The JSON forms of reports, shared by the API and the command line so both
// print the same thing. Money is a JSON number in major units with exactly
// two decimals (decimal text, never a float computation); shares are
// fractions of 1.

// MoneyJSON renders money as a JSON number such as 1234.50.
func MoneyJSON(m crm.Money) json.Number { return json.Number(m.String()) }

// PeriodJSON is a period.
type PeriodJSON struct {
	Key  string `json:"key"`
	From string `json:"from"`
	To   string `json:"to"`
}

// NewPeriodJSON converts a period.
func NewPeriodJSON(p crm.Period) PeriodJSON {
	return PeriodJSON{Key: p.Key, From: p.From.String(), To: p.To.String()}
}

// LayerJSON is one tier or band.
type LayerJSON struct {
	Name            string      `json:"name"`
	Accounts        int         `json:"accounts"`
	AccountShare    float64     `json:"account_share"`
	Revenue         json.Number `json:"revenue"`
	RevenueShare    float64     `json:"revenue_share"`
	Average         json.Number `json:"average_revenue"`
	Min             json.Number `json:"min_revenue,omitempty"`
	Max             json.Number `json:"max_revenue,omitempty"`
	TopShare        float64     `json:"top_account_share,omitempty"`
	CumRevenueShare float64     `json:"cumulative_revenue_share"`
	ExpectedShare   float64     `json:"expected_cumulative_share,omitempty"`
}

// PyramidJSON is the pyramid as the API and kam pyramid --format json give it.
type PyramidJSON struct {
	Scheme        string       `json:"scheme"`
	Period        PeriodJSON   `json:"period"`
	Currency      string       `json:"currency"`
	MethodVersion int64        `json:"method_version"`
	Tiers         []LayerJSON  `json:"tiers"`
	Accounts      int          `json:"accounts"`
	Revenue       json.Number  `json:"revenue"`
	NoRevenue     int          `json:"accounts_without_revenue"`
	Top10Share    float64      `json:"top10_share"`
	Gini          float64      `json:"gini"`
	Alpha         float64      `json:"alpha"`
	Curve         [][2]float64 `json:"pareto_curve"`
}

// NewPyramidJSON converts a report.
func NewPyramidJSON(r PyramidReport) PyramidJSON {
	out := PyramidJSON{Scheme: r.Scheme, Period: NewPeriodJSON(r.Period), Currency: r.Method.Currency, MethodVersion: r.MethodVersion,
		Accounts: r.Accounts, Revenue: MoneyJSON(r.Revenue), NoRevenue: r.NoRevenue, Top10Share: r.Top10, Gini: r.Gini, Alpha: r.Alpha,
		Tiers: []LayerJSON{}, Curve: [][2]float64{}}
	for _, l := range r.Layers {
		lj := LayerJSON{Name: l.Name, Accounts: l.Accounts, AccountShare: l.AccountShare, Revenue: MoneyJSON(l.Revenue),
			RevenueShare: l.RevenueShare, Average: MoneyJSON(l.Average), CumRevenueShare: l.CumRevenueShare, ExpectedShare: l.ExpectedShare}
		if r.Scheme == crm.SchemePareto {
			lj.TopShare = float64(l.TopBP) / 10000
		} else {
			lj.Min = MoneyJSON(l.Min)
			if l.Max > 0 {
				lj.Max = MoneyJSON(l.Max)
			}
		}
		out.Tiers = append(out.Tiers, lj)
	}
	for _, p := range r.Curve {
		out.Curve = append(out.Curve, [2]float64{p.X, p.Y})
	}
	return out
}

// MigrationJSON is the migration matrix.
type MigrationJSON struct {
	Scheme string     `json:"scheme"`
	From   PeriodJSON `json:"from"`
	To     PeriodJSON `json:"to"`
	// Layers name the rows (from) and columns (to); the last is "none": no
	// revenue in that period.
	Layers     []string `json:"layers"`
	Counts     [][]int  `json:"counts"`
	Upgrades   int      `json:"upgrades"`
	Downgrades int      `json:"downgrades"`
}

// NewMigrationJSON converts a migration.
func NewMigrationJSON(r MigrationReport) MigrationJSON {
	return MigrationJSON{Scheme: r.Scheme, From: NewPeriodJSON(r.From), To: NewPeriodJSON(r.To),
		Layers: append(append([]string{}, r.Layers...), "none"), Counts: r.Counts, Upgrades: r.Up, Downgrades: r.Down}
}

// AccountJSON is an account in the API.
type AccountJSON struct {
	ID        int64       `json:"id"`
	Code      string      `json:"code"`
	Name      string      `json:"name"`
	Type      string      `json:"type"`
	Industry  string      `json:"industry"`
	Region    string      `json:"region"`
	IsListed  bool        `json:"is_listed"`
	IsLeader  bool        `json:"is_leader"`
	Potential json.Number `json:"potential"`
	Revenue   json.Number `json:"revenue"`
	Tier      string      `json:"tier"`
	Band      string      `json:"band"`
	Version   int         `json:"version"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
}

// NewAccountJSON converts an account.
func NewAccountJSON(a crm.Account) AccountJSON {
	return AccountJSON{ID: a.ID, Code: a.Code, Name: a.Name, Type: a.Type, Industry: a.Industry, Region: a.Region,
		IsListed: a.IsListed, IsLeader: a.IsLeader, Potential: MoneyJSON(a.Potential), Revenue: MoneyJSON(a.Revenue),
		Tier: a.Tier, Band: a.Band, Version: a.Version,
		CreatedAt: a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), UpdatedAt: a.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

// ImportResultJSON is the result of an import.
type ImportResultJSON struct {
	Kind            string                    `json:"kind"`
	File            string                    `json:"file"`
	DryRun          bool                      `json:"dry_run"`
	Batch           int64                     `json:"batch"`
	Format          string                    `json:"format"`
	Encoding        string                    `json:"encoding"`
	Delimiter       string                    `json:"delimiter,omitempty"`
	Mapping         map[transfer.Field]string `json:"mapping"`
	Rows            int64                     `json:"rows"`
	Accepted        int64                     `json:"accepted"`
	Rejected        int64                     `json:"rejected"`
	NoAccount       int64                     `json:"rows_without_account"`
	AccountsCreated int64                     `json:"accounts_created"`
	Amount          json.Number               `json:"amount"`
	Problems        []Problem                 `json:"problems"`
	Preview         []PreviewRow              `json:"preview"`
}

// NewImportJSON converts an import result.
func NewImportJSON(r *ImportResult) ImportResultJSON {
	return ImportResultJSON{Kind: r.Kind, File: r.FileName, DryRun: r.DryRun, Batch: r.Batch.ID, Format: r.Info.Format, Encoding: r.Info.Encoding, Delimiter: r.Info.Delimiter,
		Mapping: r.Mapping, Rows: r.Batch.RowsTotal, Accepted: r.Batch.RowsAccepted, Rejected: r.Batch.RowsRejected, NoAccount: r.NoAccountRows,
		AccountsCreated: r.Batch.AccountsCreated, Amount: MoneyJSON(r.Batch.AmountTotal),
		Problems: append([]Problem{}, r.Problems...), Preview: append([]PreviewRow{}, r.Preview...)}
}

// MethodJSON is the method's configuration in the API.
type MethodJSON struct {
	Version         int64         `json:"version"`
	Currency        string        `json:"currency"`
	Tiers           []TierDefJSON `json:"tiers"`
	Bands           []BandDefJSON `json:"bands"`
	FiscalYearStart int           `json:"fiscal_year_start"`
	DowngradeAfter  int           `json:"downgrade_after"`
	// Gates are the lifecycle gates, on or off; HandoverDays the days a
	// sales → customer-service handover may stay open.
	Gates        map[string]bool `json:"gates"`
	HandoverDays int             `json:"handover_days"`
	// OppStages are the open opportunity stages with their default
	// probabilities and exit criteria (docs/process.md).
	OppStages []crm.OppStageDef `json:"opportunity_stages"`
	// Standards and Alerts: the activity standards, the service cadence
	// and the alert thresholds (docs/standards.md).
	Standards crm.Standards  `json:"standards"`
	Alerts    crm.AlertRules `json:"alerts"`
}

// TierDefJSON is a tier and its minimum annual revenue.
type TierDefJSON struct {
	Name       string      `json:"name"`
	MinRevenue json.Number `json:"min_revenue"`
}

// BandDefJSON is a Pareto band: its top share of accounts and the
// cumulative revenue share the method predicts, both fractions of 1.
type BandDefJSON struct {
	Name          string  `json:"name"`
	TopShare      float64 `json:"top_share"`
	ExpectedShare float64 `json:"expected_share"`
}

// NewMethodJSON converts a configuration.
func NewMethodJSON(m crm.Method, version int64) MethodJSON {
	out := MethodJSON{Version: version, Currency: m.Currency, FiscalYearStart: m.FiscalYearStart, DowngradeAfter: m.DowngradeAfter,
		Tiers: []TierDefJSON{}, Bands: []BandDefJSON{}, Gates: m.Gates, HandoverDays: m.HandoverDays, OppStages: m.OppStages,
		Standards: m.Standards, Alerts: m.Alerts}
	for _, t := range m.Tiers {
		out.Tiers = append(out.Tiers, TierDefJSON{t.Name, MoneyJSON(t.Min)})
	}
	for _, b := range m.Bands {
		out.Bands = append(out.Bands, BandDefJSON{b.Name, float64(b.TopBP) / 10000, b.ExpectedShare})
	}
	return out
}

// TargetsJSON is the targets of a period with progress.
type TargetsJSON struct {
	Period   PeriodJSON          `json:"period"`
	Tiers    []TierTargetJSON    `json:"tiers"`
	Upgrades []UpgradeTargetJSON `json:"upgrades"`
}

// TierTargetJSON is one tier's target and actual.
type TierTargetJSON struct {
	Tier           string      `json:"tier"`
	TargetAccounts int         `json:"target_accounts"`
	ActualAccounts int         `json:"actual_accounts"`
	TargetRevenue  json.Number `json:"target_revenue"`
	ActualRevenue  json.Number `json:"actual_revenue"`
}

// UpgradeTargetJSON is one upgrade target and actual.
type UpgradeTargetJSON struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Target int    `json:"target"`
	Actual int    `json:"actual"`
}

// NewTargetsJSON converts a target report.
func NewTargetsJSON(r TargetReport) TargetsJSON {
	out := TargetsJSON{Period: NewPeriodJSON(r.Period), Tiers: []TierTargetJSON{}, Upgrades: []UpgradeTargetJSON{}}
	for _, l := range r.Layers {
		out.Tiers = append(out.Tiers, TierTargetJSON{l.Name, l.TargetAccounts, l.ActualAccounts, MoneyJSON(l.TargetRevenue), MoneyJSON(l.ActualRevenue)})
	}
	for _, u := range r.Upgrades {
		out.Upgrades = append(out.Upgrades, UpgradeTargetJSON{u.From, u.To, u.Target, u.Actual})
	}
	return out
}
