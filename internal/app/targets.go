package app

import (
	"context"

	"kam/internal/crm"
	"kam/internal/store"
)

// TargetReport sets a period's tier targets beside what happened.
type TargetReport struct {
	Period   crm.Period
	Targets  crm.Targets
	Layers   []crm.Progress
	Upgrades []crm.UpgradeProgress
	Pyramid  PyramidReport
}

// Targets returns the targets of a period with actual against target.
func (a *App) Targets(ctx context.Context, spec PeriodSpec) (TargetReport, error) {
	py, err := a.Pyramid(ctx, PyramidQuery{Period: spec})
	if err != nil {
		return TargetReport{}, err
	}
	mg, err := a.Migration(ctx, PyramidQuery{Period: PeriodSpec{Key: py.Period.Key}})
	if err != nil {
		return TargetReport{}, err
	}
	t, err := a.store.Targets(ctx, py.Period.Key)
	if err != nil {
		return TargetReport{}, err
	}
	layers, ups := t.Compare(py.Pyramid, mg.Migration)
	return TargetReport{Period: py.Period, Targets: t, Layers: layers, Upgrades: ups, Pyramid: py}, nil
}

// SetTargets replaces the targets of t.PeriodKey after checking them against
// the method's tiers.
func (a *App) SetTargets(ctx context.Context, actor string, t crm.Targets) error {
	m, _, err := a.Method(ctx)
	if err != nil {
		return err
	}
	if _, err := m.ParsePeriodKey(t.PeriodKey); err != nil {
		return &crm.ValidationError{Fields: map[string]string{"period": "error.period.invalid"}}
	}
	if err := t.Validate(&m); err != nil {
		return err
	}
	before, err := a.store.Targets(ctx, t.PeriodKey)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetTargets(ctx, t, actor, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), actor, "update", "targets", t.PeriodKey, before, t))
	})
}
