package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kam/internal/crm"
)

// HandoverRow is a handover with what lists show of its account and people.
type HandoverRow struct {
	crm.Handover
	AccountCode string
	AccountName string
	// AccountOwnerID and AccountRepID place the account in data scopes.
	AccountOwnerID int64
	AccountRepID   int64
	FromName       string // "" when nobody
	ToName         string
}

const handoverSelect = `SELECT h.id, h.account_id, COALESCE(h.from_person_id, 0), COALESCE(h.to_person_id, 0), h.contract_date,
	h.kickoff_date, h.due_date, h.checklist, h.status, h.version, h.created_at, h.accepted_at,
	a.code, a.name, COALESCE(a.owner_id, 0), COALESCE(a.sales_rep_id, 0), COALESCE(fp.name, ''), COALESCE(tp.name, '')
	FROM handovers h JOIN accounts a ON a.id = h.account_id
	LEFT JOIN people fp ON fp.id = h.from_person_id LEFT JOIN people tp ON tp.id = h.to_person_id`

func scanHandover(sc interface{ Scan(...any) error }) (HandoverRow, error) {
	var r HandoverRow
	var checklist string
	var accepted sql.NullTime
	err := sc.Scan(&r.ID, &r.AccountID, &r.FromPersonID, &r.ToPersonID, &r.ContractDate, &r.KickoffDate, &r.DueDate,
		&checklist, &r.Status, &r.Version, &r.CreatedAt, &accepted,
		&r.AccountCode, &r.AccountName, &r.AccountOwnerID, &r.AccountRepID, &r.FromName, &r.ToName)
	if err != nil {
		return r, err
	}
	r.AcceptedAt = accepted.Time
	r.Checklist = map[string]crm.ChecklistItem{}
	if err := json.Unmarshal([]byte(checklist), &r.Checklist); err != nil {
		return r, fmt.Errorf("checklist of handover %d: %w", r.ID, err)
	}
	return r, nil
}

func checklistJSON(c map[string]crm.ChecklistItem) (string, error) {
	if c == nil {
		c = map[string]crm.ChecklistItem{}
	}
	b, err := json.Marshal(c)
	return string(b), err
}

// CreateHandover stores a new handover and returns its ID.
func (s *Store) CreateHandover(ctx context.Context, h crm.Handover, now time.Time) (int64, error) {
	checklist, err := checklistJSON(h.Checklist)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.q.QueryRowContext(ctx, `INSERT INTO handovers (account_id, from_person_id, to_person_id, contract_date, kickoff_date,
		due_date, checklist, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		h.AccountID, nullID(h.FromPersonID), nullID(h.ToPersonID), h.ContractDate, h.KickoffDate, h.DueDate, checklist,
		h.Status, now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create handover")
}

// Handover returns one handover.
func (s *Store) Handover(ctx context.Context, id int64) (HandoverRow, error) {
	r, err := scanHandover(s.q.QueryRowContext(ctx, handoverSelect+` WHERE h.id = $1`, id))
	return r, rowErr(err, "handover", id)
}

// SaveHandover writes the lead, kickoff, checklist, status and acceptance
// time of h if its version is still h.Version; crm.ErrConflict otherwise.
func (s *Store) SaveHandover(ctx context.Context, h crm.Handover, now time.Time) error {
	checklist, err := checklistJSON(h.Checklist)
	if err != nil {
		return err
	}
	var accepted any
	if !h.AcceptedAt.IsZero() {
		accepted = h.AcceptedAt.UTC()
	}
	res, err := s.q.ExecContext(ctx, `UPDATE handovers SET to_person_id = $2, kickoff_date = $3, checklist = $4, status = $5,
		accepted_at = $6, version = version + 1 WHERE id = $1 AND version = $7`,
		h.ID, nullID(h.ToPersonID), h.KickoffDate, checklist, h.Status, accepted, h.Version)
	return s.updated(ctx, res, err, "handover", h.ID, func() error { _, err := s.Handover(ctx, h.ID); return err })
}

// HandoverFilter selects handovers; zero fields select everything.
type HandoverFilter struct {
	AccountID  int64
	ToPersonID int64
	Status     string
	// DueBefore selects handovers due before this day (overdue when open).
	DueBefore crm.Date
	// People, when not nil, is a data scope: handovers of accounts owned by
	// or attached to one of these people, and those Viewer hands over or is
	// to accept.
	People []int64
	Viewer int64
	Limit  int // default and maximum 500
}

// Handovers lists the handovers matching f, the earliest due first.
func (s *Store) Handovers(ctx context.Context, f HandoverFilter) ([]HandoverRow, error) {
	var cond []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.AccountID != 0 {
		cond = append(cond, "h.account_id = "+arg(f.AccountID))
	}
	if f.ToPersonID != 0 {
		cond = append(cond, "h.to_person_id = "+arg(f.ToPersonID))
	}
	if f.Status != "" {
		cond = append(cond, "h.status = "+arg(f.Status))
	}
	if f.DueBefore != 0 {
		cond = append(cond, "h.due_date < "+arg(f.DueBefore))
	}
	if f.People != nil {
		var or []string
		if len(f.People) > 0 {
			ph := make([]string, len(f.People))
			for i, id := range f.People {
				ph[i] = arg(id)
			}
			in := strings.Join(ph, ",")
			or = append(or, "a.owner_id IN ("+in+")", "a.sales_rep_id IN ("+in+")")
		}
		if f.Viewer != 0 {
			v := arg(f.Viewer)
			or = append(or, "h.from_person_id = "+v, "h.to_person_id = "+v)
		}
		if len(or) == 0 {
			or = []string{"FALSE"}
		}
		cond = append(cond, "("+strings.Join(or, " OR ")+")")
	}
	q := handoverSelect
	if len(cond) > 0 {
		q += " WHERE " + strings.Join(cond, " AND ")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += " ORDER BY h.due_date, h.id LIMIT " + arg(f.Limit)
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: handovers: %w", err)
	}
	defer rows.Close()
	var out []HandoverRow
	for rows.Next() {
		r, err := scanHandover(rows)
		if err != nil {
			return nil, fmt.Errorf("store: handovers: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
