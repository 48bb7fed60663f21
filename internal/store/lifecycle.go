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
			updated_at = $6 WHERE id = $1`)
		if err != nil {
			return fmt.Errorf("store: set owners: %w", err)
		}
		defer st.Close()
		for _, o := range list {
			if _, err := st.ExecContext(ctx, o.AccountID, nullID(o.OwnerID), nullID(o.SalesRepID), o.OwnerDepartment, o.Stage, now.UTC()); err != nil {
				return fmt.Errorf("store: set owner of %d: %w", o.AccountID, err)
			}
		}
		return tx.bumpState(ctx, "accounts_epoch")
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

// SetLifecycle writes the stage, owning department, owner and sales rep of
// account o.AccountID if its version is still version: a write over someone
// else's later change is crm.ErrConflict, a missing account crm.ErrNotFound.
func (s *Store) SetLifecycle(ctx context.Context, o Ownership, version int, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE accounts SET stage = $2, owner_department = $3, owner_id = $4, sales_rep_id = $5,
		version = version + 1, updated_at = $6 WHERE id = $1 AND version = $7`,
		o.AccountID, o.Stage, o.OwnerDepartment, nullID(o.OwnerID), nullID(o.SalesRepID), now.UTC(), version)
	if err := s.updated(ctx, res, err, "account lifecycle", o.AccountID, func() error { _, err := s.Account(ctx, o.AccountID); return err }); err != nil {
		return err
	}
	return s.bumpState(ctx, "accounts_epoch")
}

// AddStageChange appends an entry to an account's history and returns its ID.
func (s *Store) AddStageChange(ctx context.Context, c crm.StageChange) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO account_history (account_id, at, from_stage, to_stage, from_owner_id, to_owner_id,
		owner_department, reason, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		c.AccountID, c.At.UTC(), c.FromStage, c.ToStage, nullID(c.FromOwnerID), nullID(c.ToOwnerID), c.OwnerDepartment,
		c.Reason, c.Actor).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: account history of %d: %w", c.AccountID, err)
	}
	return id, nil
}

// AccountHistory lists the stage and owner changes of an account, newest first.
func (s *Store) AccountHistory(ctx context.Context, accountID int64) ([]crm.StageChange, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, account_id, at, from_stage, to_stage, COALESCE(from_owner_id, 0),
		COALESCE(to_owner_id, 0), owner_department, reason, actor FROM account_history WHERE account_id = $1 ORDER BY id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: account history of %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []crm.StageChange
	for rows.Next() {
		var c crm.StageChange
		if err := rows.Scan(&c.ID, &c.AccountID, &c.At, &c.FromStage, &c.ToStage, &c.FromOwnerID, &c.ToOwnerID,
			&c.OwnerDepartment, &c.Reason, &c.Actor); err != nil {
			return nil, fmt.Errorf("store: account history of %d: %w", accountID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ActivePeopleOfKind lists the active people of the departments of a kind
// (crm.DeptCustomerService: the project leads who may accept a handover),
// by name.
func (s *Store) ActivePeopleOfKind(ctx context.Context, kind string) ([]crm.Person, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+personColumns+` FROM people
		WHERE active AND department_id IN (SELECT id FROM departments WHERE kind = $1) ORDER BY name, id`, kind)
	if err != nil {
		return nil, fmt.Errorf("store: people of %s: %w", kind, err)
	}
	defer rows.Close()
	var out []crm.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("store: people of %s: %w", kind, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AccountIDsOf lists the accounts owned by or attached to one of people.
func (s *Store) AccountIDsOf(ctx context.Context, people []int64) ([]int64, error) {
	if len(people) == 0 {
		return nil, nil
	}
	var args []any
	in := inList(&args, people)
	rows, err := s.q.QueryContext(ctx, `SELECT id FROM accounts WHERE owner_id IN (`+in+`) OR sales_rep_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: accounts of people: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
