package store

import (
	"context"
	"fmt"
)

// EachStanding streams the accounts that have a tier, in list order (highest
// revenue first, then by ID), with their tier and band.
func (s *Store) EachStanding(ctx context.Context, fn func(id int64, tier, band string)) error {
	rows, err := s.q.QueryContext(ctx, `SELECT id, cur_tier, cur_band FROM accounts WHERE cur_tier <> '' ORDER BY cur_revenue DESC, id`)
	if err != nil {
		return fmt.Errorf("store: standings: %w", err)
	}
	defer rows.Close()
	var (
		id         int64
		tier, band string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &tier, &band); err != nil {
			return err
		}
		fn(id, tier, band)
	}
	return rows.Err()
}
