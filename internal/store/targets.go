package store

import (
	"context"
	"fmt"
	"time"

	"kam/internal/crm"
)

// Targets returns the tier and upgrade targets of a period.
func (s *Store) Targets(ctx context.Context, periodKey string) (crm.Targets, error) {
	t := crm.Targets{PeriodKey: periodKey}
	rows, err := s.q.QueryContext(ctx, `SELECT layer, accounts, revenue FROM tier_targets WHERE period_key = $1`, periodKey)
	if err != nil {
		return t, fmt.Errorf("store: targets: %w", err)
	}
	for rows.Next() {
		var l crm.LayerTarget
		if err := rows.Scan(&l.Layer, &l.Accounts, &l.Revenue); err != nil {
			rows.Close()
			return t, err
		}
		t.Layers = append(t.Layers, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, err
	}
	rows, err = s.q.QueryContext(ctx, `SELECT from_layer, to_layer, accounts FROM upgrade_targets WHERE period_key = $1 ORDER BY from_layer, to_layer`, periodKey)
	if err != nil {
		return t, fmt.Errorf("store: upgrade targets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u crm.UpgradeTarget
		if err := rows.Scan(&u.From, &u.To, &u.Accounts); err != nil {
			return t, err
		}
		t.Upgrades = append(t.Upgrades, u)
	}
	return t, rows.Err()
}

// SetTargets replaces the targets of t.PeriodKey.
func (s *Store) SetTargets(ctx context.Context, t crm.Targets, by string, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM tier_targets WHERE period_key = $1`, t.PeriodKey); err != nil {
			return fmt.Errorf("store: set targets: %w", err)
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM upgrade_targets WHERE period_key = $1`, t.PeriodKey); err != nil {
			return fmt.Errorf("store: set targets: %w", err)
		}
		for _, l := range t.Layers {
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO tier_targets (period_key, layer, accounts, revenue, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, t.PeriodKey, l.Layer, l.Accounts, l.Revenue, by, now.UTC()); err != nil {
				return fmt.Errorf("store: set targets: %w", err)
			}
		}
		for _, u := range t.Upgrades {
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO upgrade_targets (period_key, from_layer, to_layer, accounts, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, t.PeriodKey, u.From, u.To, u.Accounts, by, now.UTC()); err != nil {
				return fmt.Errorf("store: set targets: %w", err)
			}
		}
		return nil
	})
}
