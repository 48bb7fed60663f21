package crm

// Targets are the structure goals of a period (§2.2, 从口号到目标): how many
// accounts and how much revenue each tier should hold, and how many accounts
// should move up between tiers.
type Targets struct {
	PeriodKey string
	Layers    []LayerTarget
	Upgrades  []UpgradeTarget
}

// LayerTarget is the goal for one tier.
type LayerTarget struct {
	Layer    string
	Accounts int
	Revenue  Money
}

// UpgradeTarget is the number of accounts wanted to move From → To.
type UpgradeTarget struct {
	From, To string
	Accounts int
}

// Validate checks targets against the tiers of m.
func (t *Targets) Validate(m *Method) error {
	var v ValidationError
	known := map[string]int{}
	for i, td := range m.Tiers {
		known[td.Name] = i
	}
	for _, l := range t.Layers {
		if _, ok := known[l.Layer]; !ok {
			v.Add("layer", "error.target.unknown_tier")
		}
		if l.Accounts < 0 || l.Revenue < 0 {
			v.Add(l.Layer, "error.target.negative")
		}
	}
	for _, u := range t.Upgrades {
		f, ok1 := known[u.From]
		to, ok2 := known[u.To]
		switch {
		case !ok1 || !ok2:
			v.Add("upgrade", "error.target.unknown_tier")
		case to >= f:
			v.Add("upgrade", "error.target.not_upgrade")
		case u.Accounts < 0:
			v.Add("upgrade", "error.target.negative")
		}
	}
	return v.OrNil()
}

// Progress compares a target with what happened. Ratio is actual / target
// (0 when the target is zero).
type Progress struct {
	Name           string
	TargetAccounts int
	ActualAccounts int
	AccountsRatio  float64
	TargetRevenue  Money
	ActualRevenue  Money
	RevenueRatio   float64
}

// UpgradeProgress compares an upgrade target with the migration.
type UpgradeProgress struct {
	From, To string
	Target   int
	Actual   int
	Ratio    float64
}

// Compare sets the targets beside the pyramid (thresholds scheme) and the
// migration from the previous period.
func (t *Targets) Compare(py Pyramid, mg Migration) ([]Progress, []UpgradeProgress) {
	var out []Progress
	for _, l := range py.Layers {
		p := Progress{Name: l.Name, ActualAccounts: l.Accounts, ActualRevenue: l.Revenue}
		for _, lt := range t.Layers {
			if lt.Layer == l.Name {
				p.TargetAccounts, p.TargetRevenue = lt.Accounts, lt.Revenue
			}
		}
		p.AccountsRatio = ratio(int64(p.ActualAccounts), int64(p.TargetAccounts))
		p.RevenueRatio = ratio(int64(p.ActualRevenue), int64(p.TargetRevenue))
		out = append(out, p)
	}
	var ups []UpgradeProgress
	idx := map[string]int{}
	for i, n := range mg.Layers {
		idx[n] = i
	}
	for _, u := range t.Upgrades {
		up := UpgradeProgress{From: u.From, To: u.To, Target: u.Accounts}
		f, ok1 := idx[u.From]
		to, ok2 := idx[u.To]
		if ok1 && ok2 && f < len(mg.Counts) && to < len(mg.Counts[f]) {
			up.Actual = mg.Counts[f][to]
		}
		up.Ratio = ratio(int64(up.Actual), int64(up.Target))
		ups = append(ups, up)
	}
	return out, ups
}
