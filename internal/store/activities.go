package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kam/internal/crm"
)

// Customer activities (docs/process.md).

// ActRow is an activity with what lists and pages show of its account,
// opportunity and owner.
type ActRow struct {
	crm.Activity
	AccountCode string
	AccountName string
	// AccountOwnerID and AccountRepID place the account in data scopes.
	AccountOwnerID  int64
	AccountRepID    int64
	OpportunityName string
	OwnerName       string
}

const actColumns = `x.id, x.kind, x.account_id, COALESCE(x.opportunity_id, 0), x.date, x.contacts, x.objective, x.outcome,
	x.next_step, x.next_step_due, x.next_step_done, x.owner_id, x.version, x.created_at, x.updated_at,
	a.code, a.name, COALESCE(a.owner_id, 0), COALESCE(a.sales_rep_id, 0), COALESCE(o.name, ''), COALESCE(p.name, '')`

const actFrom = ` FROM activities x JOIN accounts a ON a.id = x.account_id
	LEFT JOIN opportunities o ON o.id = x.opportunity_id LEFT JOIN people p ON p.id = x.owner_id`

func scanAct(sc interface{ Scan(...any) error }) (ActRow, error) {
	var r ActRow
	var contacts string
	err := sc.Scan(&r.ID, &r.Kind, &r.AccountID, &r.OpportunityID, &r.Date, &contacts, &r.Objective, &r.Outcome,
		&r.NextStep, &r.NextStepDue, &r.NextStepDone, &r.OwnerID, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.AccountCode, &r.AccountName, &r.AccountOwnerID, &r.AccountRepID, &r.OpportunityName, &r.OwnerName)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(contacts), &r.Contacts); err != nil {
		return r, fmt.Errorf("contacts of activity %d: %w", r.ID, err)
	}
	return r, nil
}

// CreateActivity stores a new activity and returns its ID.
func (s *Store) CreateActivity(ctx context.Context, x crm.Activity, now time.Time) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO activities (kind, account_id, opportunity_id, date, contacts, objective, outcome,
		next_step, next_step_due, next_step_done, owner_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		x.Kind, x.AccountID, nullID(x.OpportunityID), x.Date, textList(x.Contacts), x.Objective, x.Outcome, x.NextStep,
		x.NextStepDue, x.NextStepDone, x.OwnerID, now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create activity")
}

// Activity returns one activity.
func (s *Store) Activity(ctx context.Context, id int64) (ActRow, error) {
	r, err := scanAct(s.q.QueryRowContext(ctx, `SELECT `+actColumns+actFrom+` WHERE x.id = $1`, id))
	return r, rowErr(err, "activity", id)
}

// UpdateActivity writes every field of x if its version is still
// x.Version: crm.ErrConflict otherwise, crm.ErrNotFound when it is gone.
func (s *Store) UpdateActivity(ctx context.Context, x crm.Activity, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE activities SET kind = $2, account_id = $3, opportunity_id = $4, date = $5, contacts = $6,
		objective = $7, outcome = $8, next_step = $9, next_step_due = $10, next_step_done = $11, owner_id = $12, updated_at = $13,
		version = version + 1 WHERE id = $1 AND version = $14`,
		x.ID, x.Kind, x.AccountID, nullID(x.OpportunityID), x.Date, textList(x.Contacts), x.Objective, x.Outcome, x.NextStep,
		x.NextStepDue, x.NextStepDone, x.OwnerID, now.UTC(), x.Version)
	return s.updated(ctx, res, err, "activity", x.ID, func() error { _, err := s.Activity(ctx, x.ID); return err })
}

// DeleteActivity removes an activity.
func (s *Store) DeleteActivity(ctx context.Context, id int64) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM activities WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete activity %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ActFilter selects activities; zero fields select everything.
type ActFilter struct {
	OwnerIDs      []int64 // done by one of these people
	AccountID     int64
	OpportunityID int64
	Kind          string
	From, To      crm.Date // dated within
	// OverdueOn selects the activities whose next step is open and was due
	// before this day.
	OverdueOn crm.Date
	// People, when not nil, is a data scope: activities of one of these
	// people or on an account owned by or attached to one of them.
	People []int64
	// Newest lists the latest first; otherwise by date and ID (by due date
	// with OverdueOn).
	Newest bool
	Limit  int // 0: no limit
	Offset int
}

func (f ActFilter) where(d dialect, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var cond []string
	if f.OwnerIDs != nil {
		if len(f.OwnerIDs) == 0 {
			cond = append(cond, "1 = 0")
		} else {
			ph := make([]string, len(f.OwnerIDs))
			for i, id := range f.OwnerIDs {
				ph[i] = arg(id)
			}
			cond = append(cond, "x.owner_id IN ("+strings.Join(ph, ",")+")")
		}
	}
	if f.AccountID != 0 {
		cond = append(cond, "x.account_id = "+arg(f.AccountID))
	}
	if f.OpportunityID != 0 {
		cond = append(cond, "x.opportunity_id = "+arg(f.OpportunityID))
	}
	if f.Kind != "" {
		cond = append(cond, "x.kind = "+arg(f.Kind))
	}
	if f.From != 0 {
		cond = append(cond, "x.date >= "+arg(f.From))
	}
	if f.To != 0 {
		cond = append(cond, "x.date <= "+arg(f.To))
	}
	if f.OverdueOn != 0 {
		cond = append(cond, "x.next_step_done = "+arg(false), "x.next_step_due > 0", "x.next_step_due < "+arg(f.OverdueOn),
			"x.next_step <> ''")
	}
	if f.People != nil {
		cond = append(cond, scopeCond(d, f.People, "x", arg))
	}
	if len(cond) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(cond, " AND ")
}

// Activities lists the activities matching f and counts them all.
func (s *Store) Activities(ctx context.Context, f ActFilter) ([]ActRow, int, error) {
	var args []any
	where := f.where(s.d, &args)
	order := "x.date, x.id"
	switch {
	case f.OverdueOn != 0:
		order = "x.next_step_due, x.id"
	case f.Newest:
		order = "x.date DESC, x.id DESC"
	}
	q := `SELECT ` + actColumns + actFrom + where + ` ORDER BY ` + order
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
	}
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: activities: %w", err)
	}
	defer rows.Close()
	var out []ActRow
	for rows.Next() {
		r, err := scanAct(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: activities: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: activities: %w", err)
	}
	total := len(out)
	if f.Limit > 0 && (len(out) == f.Limit || f.Offset > 0) {
		var cargs []any
		cwhere := f.where(s.d, &cargs)
		from := ` FROM activities x`
		if strings.Contains(cwhere, "a.") {
			from += ` JOIN accounts a ON a.id = x.account_id`
		}
		if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*)`+from+cwhere, cargs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("store: count activities: %w", err)
		}
	}
	return out, total, nil
}

// LastActivities returns the date of the latest activity of each of the
// opportunities ids (absent: none).
func (s *Store) LastActivities(ctx context.Context, ids []int64) (map[int64]crm.Date, error) {
	out := map[int64]crm.Date{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = id
	}
	rows, err := s.q.QueryContext(ctx, `SELECT opportunity_id, MAX(date) FROM activities WHERE opportunity_id IN (`+
		strings.Join(ph, ",")+`) GROUP BY opportunity_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: last activities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d crm.Date
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("store: last activities: %w", err)
		}
		out[id] = d
	}
	return out, rows.Err()
}

// bulkValues writes rows of n placeholders each, numbered from 1.
func (s *Store) bulkValues(b *strings.Builder, rows, n int) {
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := 1; j <= n; j++ {
			if j > 1 {
				b.WriteByte(',')
			}
			s.d.bulkParam(b, r*n+j)
		}
		b.WriteByte(')')
	}
}

// InsertActivities stores many activities at once, for loading data (the
// demo and the benchmarks); a person's change goes through CreateActivity.
func (s *Store) InsertActivities(ctx context.Context, list []crm.Activity, now time.Time) error {
	const cols = 13
	per := min(500, s.d.maxParams/cols)
	return s.InTx(ctx, func(tx *Store) error {
		for start := 0; start < len(list); start += per {
			chunk := list[start:min(start+per, len(list))]
			var b strings.Builder
			b.WriteString(`INSERT INTO activities (kind, account_id, opportunity_id, date, contacts, objective, outcome, next_step,
				next_step_due, next_step_done, owner_id, created_at, updated_at) VALUES `)
			tx.bulkValues(&b, len(chunk), cols)
			args := make([]any, 0, len(chunk)*cols)
			for _, x := range chunk {
				args = append(args, x.Kind, x.AccountID, nullID(x.OpportunityID), x.Date, textList(x.Contacts), x.Objective, x.Outcome,
					x.NextStep, x.NextStepDue, x.NextStepDone, x.OwnerID, now.UTC(), now.UTC())
			}
			if _, err := tx.q.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("store: insert activities: %w", err)
			}
		}
		return nil
	})
}
