package store

import (
	"context"
	"fmt"
	"time"

	"kam/internal/crm"
)

// Ownership is who owns an account, in which department, at which stage.
type Ownership struct {
	AccountID       int64
	OwnerID         int64
	SalesRepID      int64
	OwnerDepartment string
	Stage           string
}

// SetOwnerships stores the owners and stages of many accounts, without
// history (for loading data; a person's change goes through MoveStage).
func (s *Store) SetOwnerships(ctx context.Context, list []Ownership, now time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		st, err := tx.prep(ctx, `UPDATE accounts SET owner_id = $2, sales_rep_id = $3, owner_department = $4, stage = $5,
			version = version + 1, updated_at = $6 WHERE id = $1`)
		if err != nil {
			return fmt.Errorf("store: set owners: %w", err)
		}
		defer st.Close()
		for _, o := range list {
			if _, err := st.ExecContext(ctx, o.AccountID, nullID(o.OwnerID), nullID(o.SalesRepID), o.OwnerDepartment, o.Stage, now.UTC()); err != nil {
				return fmt.Errorf("store: set owner of %d: %w", o.AccountID, err)
			}
		}
		return nil
	})
}

// AccountRevenueTotals sums the revenue of every account in [from, to].
func (s *Store) AccountRevenueTotals(ctx context.Context, from, to crm.Date) (map[int64]crm.Money, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT account_id, SUM(amount) FROM revenue_lines WHERE date >= $1 AND date <= $2 GROUP BY account_id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: revenue totals: %w", err)
	}
	defer rows.Close()
	out := map[int64]crm.Money{}
	for rows.Next() {
		var id int64
		var m crm.Money
		if err := rows.Scan(&id, &m); err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, rows.Err()
}

// AccountRef is an account's ID with the fields that place it.
type AccountRef struct {
	ID     int64
	Code   string
	Region string
}

// AccountRefs lists every account's ID, code and region, by ID.
func (s *Store) AccountRefs(ctx context.Context) ([]AccountRef, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, code, region FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: account refs: %w", err)
	}
	defer rows.Close()
	var out []AccountRef
	for rows.Next() {
		var r AccountRef
		if err := rows.Scan(&r.ID, &r.Code, &r.Region); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
