package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kam/internal/crm"
)

// Alerts, and the set-based reads of the standards, the cadence and the
// alert rules (docs/standards.md). Each read is one statement over the
// whole table, so that a scan of 100,000 opportunities and 1,000,000
// activities is a handful of queries.

// Alert is one raised alert.
type Alert struct {
	ID         int64
	Rule       string
	SubjectID  int64
	AccountID  int64
	OwnerID    int64
	Detail     map[string]any
	Recipients []int64
	RaisedAt   time.Time
	ResolvedAt *time.Time
	AckedAt    *time.Time
	AckedBy    int64
}

// AlertRow is an alert with what lists show of its account and owner.
type AlertRow struct {
	Alert
	AccountCode    string
	AccountName    string
	AccountOwnerID int64
	AccountRepID   int64
	OwnerName      string
}

const alertSelect = `SELECT al.id, al.rule, al.subject_id, al.account_id, al.owner_id, al.detail, al.recipients, al.raised_at,
	al.resolved_at, al.acked_at, al.acked_by, COALESCE(a.code, ''), COALESCE(a.name, ''), COALESCE(a.owner_id, 0),
	COALESCE(a.sales_rep_id, 0), COALESCE(p.name, '')
	FROM alerts al LEFT JOIN accounts a ON a.id = al.account_id LEFT JOIN people p ON p.id = al.owner_id`

func scanAlert(sc interface{ Scan(...any) error }) (AlertRow, error) {
	var r AlertRow
	var detail, recipients string
	var resolved, acked sql.NullTime
	err := sc.Scan(&r.ID, &r.Rule, &r.SubjectID, &r.AccountID, &r.OwnerID, &detail, &recipients, &r.RaisedAt,
		&resolved, &acked, &r.AckedBy, &r.AccountCode, &r.AccountName, &r.AccountOwnerID, &r.AccountRepID, &r.OwnerName)
	if err != nil {
		return r, err
	}
	if resolved.Valid {
		r.ResolvedAt = &resolved.Time
	}
	if acked.Valid {
		r.AckedAt = &acked.Time
	}
	if err := json.Unmarshal([]byte(detail), &r.Detail); err != nil {
		return r, fmt.Errorf("detail of alert %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(recipients), &r.Recipients); err != nil {
		return r, fmt.Errorf("recipients of alert %d: %w", r.ID, err)
	}
	return r, nil
}

// RaiseAlert stores a new open alert and returns its ID, or 0 when an open
// alert of the same rule and subject is already there (another scan raised
// it first).
func (s *Store) RaiseAlert(ctx context.Context, al Alert) (int64, error) {
	detail, err := json.Marshal(al.Detail)
	if err != nil {
		return 0, err
	}
	if al.Recipients == nil {
		al.Recipients = []int64{}
	}
	recipients, _ := json.Marshal(al.Recipients)
	var id int64
	err = s.q.QueryRowContext(ctx, `INSERT INTO alerts (rule, subject_id, account_id, owner_id, detail, recipients, raised_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (rule, subject_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id`,
		al.Rule, al.SubjectID, al.AccountID, al.OwnerID, string(detail), string(recipients), al.RaisedAt.UTC()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.writeErr(err, "raise alert")
	}
	return id, s.bumpState(ctx, "alerts_epoch")
}

// OpenAlertSubjects maps the subject of every open alert of rule to the
// alert's ID.
func (s *Store) OpenAlertSubjects(ctx context.Context, rule string) (map[int64]int64, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT subject_id, id FROM alerts WHERE rule = $1 AND resolved_at IS NULL`, rule)
	if err != nil {
		return nil, fmt.Errorf("store: open alerts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var subject, id int64
		if err := rows.Scan(&subject, &id); err != nil {
			return nil, fmt.Errorf("store: open alerts: %w", err)
		}
		out[subject] = id
	}
	return out, rows.Err()
}

// ResolveAlerts marks the alerts ids resolved at at.
func (s *Store) ResolveAlerts(ctx context.Context, ids []int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		for len(ids) > 0 {
			n := min(len(ids), 500)
			args := []any{at.UTC()}
			in := inList(&args, ids[:n])
			if _, err := tx.q.ExecContext(ctx, `UPDATE alerts SET resolved_at = $1 WHERE resolved_at IS NULL AND id IN (`+in+`)`, args...); err != nil {
				return fmt.Errorf("store: resolve alerts: %w", err)
			}
			ids = ids[n:]
		}
		return tx.bumpState(ctx, "alerts_epoch")
	})
}

// AckAlert records that person by acknowledged alert id at at.
func (s *Store) AckAlert(ctx context.Context, id, by int64, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		res, err := tx.q.ExecContext(ctx, `UPDATE alerts SET acked_at = $2, acked_by = $3 WHERE id = $1`, id, at.UTC(), by)
		if err := tx.updated(ctx, res, err, "alert", id, func() error { _, err := tx.Alert(ctx, id); return err }); err != nil {
			return err
		}
		return tx.bumpState(ctx, "alerts_epoch")
	})
}

// Alert returns one alert.
func (s *Store) Alert(ctx context.Context, id int64) (AlertRow, error) {
	r, err := scanAlert(s.q.QueryRowContext(ctx, alertSelect+` WHERE al.id = $1`, id))
	return r, rowErr(err, "alert", id)
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Rule      string
	AccountID int64
	// Open selects the alerts not resolved; Unacked those not acknowledged.
	Open, Unacked bool
	// People, when not nil, is a data scope: alerts whose owner is one of
	// these people or whose account is owned by or attached to one of them.
	People        []int64
	Limit, Offset int // Limit 0: 100; at most 1,000
}

func (f AlertFilter) where(args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var cond []string
	if f.Rule != "" {
		cond = append(cond, "al.rule = "+arg(f.Rule))
	}
	if f.AccountID != 0 {
		cond = append(cond, "al.account_id = "+arg(f.AccountID))
	}
	if f.Open {
		cond = append(cond, "al.resolved_at IS NULL")
	}
	if f.Unacked {
		cond = append(cond, "al.acked_at IS NULL")
	}
	if f.People != nil {
		cond = append(cond, alertScope(f.People, arg))
	}
	if len(cond) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(cond, " AND ")
}

// alertScope is the data-scope condition of an alert: its owner is one of
// people, or its account is owned by or attached to one of them.
func alertScope(people []int64, arg func(any) string) string {
	if len(people) == 0 {
		return "1 = 0"
	}
	ph := make([]string, len(people))
	for i, id := range people {
		ph[i] = arg(id)
	}
	in := strings.Join(ph, ",")
	return "(al.owner_id IN (" + in + ") OR al.account_id IN (SELECT id FROM accounts WHERE owner_id IN (" + in +
		") OR sales_rep_id IN (" + in + ")))"
}

// Alerts lists the alerts matching f, the latest first, and counts them.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]AlertRow, int, error) {
	var args []any
	where := f.where(&args)
	var total int
	if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts al LEFT JOIN accounts a ON a.id = al.account_id`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count alerts: %w", err)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 1000)
	n := len(args)
	args = append(args, f.Limit, max(f.Offset, 0))
	rows, err := s.q.QueryContext(ctx, alertSelect+where+fmt.Sprintf(` ORDER BY al.raised_at DESC, al.id DESC LIMIT $%d OFFSET $%d`, n+1, n+2), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: alerts: %w", err)
	}
	defer rows.Close()
	var out []AlertRow
	for rows.Next() {
		r, err := scanAlert(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: alerts: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// CountAlerts counts the alerts matching f.
func (s *Store) CountAlerts(ctx context.Context, f AlertFilter) (int, error) {
	var args []any
	where := f.where(&args)
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts al`+where, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count alerts: %w", err)
	}
	return n, nil
}

// Subject is something a rule or a standard judges: an opportunity, an
// account or a handover, with its account's standing and its owner.
type Subject struct {
	ID          int64
	Name        string
	AccountID   int64
	AccountName string
	OwnerID     int64
	Tier, Band  string
	Stage       string
	// Day is the rule's day: the last activity or touch (0: none).
	Day     crm.Date
	Created time.Time // creation of the opportunity or account
	Since   time.Time // in its stage since (opportunities)
	Due     crm.Date  // a handover's due date; an opportunity's next open step due from today
	Overdue crm.Date  // an opportunity's latest open step due before today
	Others  []int64   // a handover's people (from, to)
}

func (s *Store) subjects(ctx context.Context, what, q string, args []any, scan func(*sql.Rows, *Subject) error) ([]Subject, error) {
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []Subject
	for rows.Next() {
		var sub Subject
		if err := scan(rows, &sub); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// openStages is the condition of an open opportunity o.
var openStages = "o.stage NOT IN ('" + crm.OppWon + "', '" + crm.OppLost + "')"

// StaleOpportunities lists the open opportunities whose last activity is
// before cutoff (or that have none) and that were created before
// createdBefore, with the day of their last activity (0: none).
func (s *Store) StaleOpportunities(ctx context.Context, cutoff crm.Date, createdBefore time.Time) ([]Subject, error) {
	q := `SELECT id, name, account_id, account_name, owner_id, tier, band, stage, last, created_at FROM (
		SELECT o.id, o.name, o.account_id, a.name AS account_name, COALESCE(o.owner_id, 0) AS owner_id, a.cur_tier AS tier,
			a.cur_band AS band, o.stage, o.created_at,
			COALESCE((SELECT MAX(x.date) FROM activities x WHERE x.opportunity_id = o.id), 0) AS last
		FROM opportunities o JOIN accounts a ON a.id = o.account_id
		WHERE ` + openStages + ` AND o.created_at < $2) q WHERE last < $1 ORDER BY id`
	return s.subjects(ctx, "stale opportunities", q, []any{cutoff, createdBefore.UTC()}, func(r *sql.Rows, x *Subject) error {
		return r.Scan(&x.ID, &x.Name, &x.AccountID, &x.AccountName, &x.OwnerID, &x.Tier, &x.Band, &x.Stage, &x.Day, &x.Created)
	})
}

// StayDurations returns the durations in days of the finished stays in
// each open stage.
func (s *Store) StayDurations(ctx context.Context) (map[string][]float64, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT stage, entered_at, left_at FROM opportunity_stays
		WHERE left_at IS NOT NULL AND stage NOT IN ($1, $2)`, crm.OppWon, crm.OppLost)
	if err != nil {
		return nil, fmt.Errorf("store: stay durations: %w", err)
	}
	defer rows.Close()
	out := map[string][]float64{}
	for rows.Next() {
		var stage string
		var in, left time.Time
		if err := rows.Scan(&stage, &in, &left); err != nil {
			return nil, fmt.Errorf("store: stay durations: %w", err)
		}
		out[stage] = append(out[stage], left.Sub(in).Hours()/24)
	}
	return out, rows.Err()
}

// OpportunitiesInStageSince lists the opportunities in stage since before
// before.
func (s *Store) OpportunitiesInStageSince(ctx context.Context, stage string, before time.Time) ([]Subject, error) {
	q := `SELECT o.id, o.name, o.account_id, a.name, COALESCE(o.owner_id, 0), a.cur_tier, a.cur_band, o.stage, o.stage_since
		FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE o.stage = $1 AND o.stage_since < $2 ORDER BY o.id`
	return s.subjects(ctx, "opportunities in stage", q, []any{stage, before.UTC()}, func(r *sql.Rows, x *Subject) error {
		return r.Scan(&x.ID, &x.Name, &x.AccountID, &x.AccountName, &x.OwnerID, &x.Tier, &x.Band, &x.Stage, &x.Since)
	})
}

// SegmentAccounts lists the accounts standing in one of tiers or bands
// (not lost), with the day of their last activity (0: none); people, when
// not nil, limits them to accounts owned by these people.
func (s *Store) SegmentAccounts(ctx context.Context, tiers, bands []string, people []int64) ([]Subject, error) {
	if len(tiers)+len(bands) == 0 {
		return nil, nil
	}
	args := []any{crm.StageLost}
	var or []string
	if len(tiers) > 0 {
		or = append(or, "a.cur_tier IN ("+textIn(&args, tiers)+")")
	}
	if len(bands) > 0 {
		or = append(or, "a.cur_band IN ("+textIn(&args, bands)+")")
	}
	cond := "(" + strings.Join(or, " OR ") + ")"
	if people != nil {
		if len(people) == 0 {
			return nil, nil
		}
		cond += " AND a.owner_id IN (" + inList(&args, people) + ")"
	}
	q := `SELECT a.id, a.name, COALESCE(a.owner_id, 0), a.cur_tier, a.cur_band, a.stage, a.created_at,
		COALESCE((SELECT MAX(x.date) FROM activities x WHERE x.account_id = a.id), 0)
		FROM accounts a WHERE a.stage <> $1 AND ` + cond + ` ORDER BY a.id`
	return s.subjects(ctx, "accounts by standing", q, args, func(r *sql.Rows, x *Subject) error {
		err := r.Scan(&x.ID, &x.Name, &x.OwnerID, &x.Tier, &x.Band, &x.Stage, &x.Created, &x.Day)
		x.AccountID, x.AccountName = x.ID, x.Name
		return err
	})
}

// OverdueHandovers lists the open handovers due before today, with the
// account's owner and the people handing over and taking over.
func (s *Store) OverdueHandovers(ctx context.Context, today crm.Date) ([]Subject, error) {
	q := `SELECT h.id, h.account_id, a.name, COALESCE(a.owner_id, 0), a.cur_tier, a.cur_band, h.due_date,
		COALESCE(h.from_person_id, 0), COALESCE(h.to_person_id, 0)
		FROM handovers h JOIN accounts a ON a.id = h.account_id WHERE h.status = $1 AND h.due_date < $2 ORDER BY h.id`
	return s.subjects(ctx, "overdue handovers", q, []any{crm.HandoverOpen, today}, func(r *sql.Rows, x *Subject) error {
		var from, to int64
		err := r.Scan(&x.ID, &x.AccountID, &x.AccountName, &x.OwnerID, &x.Tier, &x.Band, &x.Due, &from, &to)
		x.Name = x.AccountName
		x.Others = []int64{from, to}
		return err
	})
}

// EffectiveMeetings counts the activities of kinds with an outcome dated
// from..to by owner; people, when not nil, limits the owners.
func (s *Store) EffectiveMeetings(ctx context.Context, from, to crm.Date, kinds []string, people []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(kinds) == 0 || (people != nil && len(people) == 0) {
		return out, nil
	}
	args := []any{from, to}
	cond := "x.kind IN (" + textIn(&args, kinds) + ")"
	if people != nil {
		cond += " AND x.owner_id IN (" + inList(&args, people) + ")"
	}
	rows, err := s.q.QueryContext(ctx, `SELECT x.owner_id, COUNT(*) FROM activities x
		WHERE x.date >= $1 AND x.date <= $2 AND x.outcome <> '' AND `+cond+` GROUP BY x.owner_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: effective meetings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: effective meetings: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// NextSteps lists the open opportunities owned by people (nil: everyone's)
// with the earliest open next step due on or after today (Due) and the
// latest open one due before it (Overdue); 0 when there is none.
func (s *Store) NextSteps(ctx context.Context, today crm.Date, people []int64) ([]Subject, error) {
	if people != nil && len(people) == 0 {
		return nil, nil
	}
	args := []any{today}
	cond := openStages
	if people != nil {
		cond += " AND o.owner_id IN (" + inList(&args, people) + ")"
	}
	q := `SELECT o.id, o.name, o.account_id, a.name, COALESCE(o.owner_id, 0), a.cur_tier, a.cur_band, o.stage, o.created_at,
		COALESCE((SELECT MIN(x.next_step_due) FROM activities x WHERE x.opportunity_id = o.id AND x.next_step_done = FALSE
			AND x.next_step_due >= $1), 0),
		COALESCE((SELECT MAX(x.next_step_due) FROM activities x WHERE x.opportunity_id = o.id AND x.next_step_done = FALSE
			AND x.next_step_due > 0 AND x.next_step_due < $1), 0)
		FROM opportunities o JOIN accounts a ON a.id = o.account_id WHERE ` + cond + ` ORDER BY o.id`
	return s.subjects(ctx, "next steps", q, args, func(r *sql.Rows, x *Subject) error {
		return r.Scan(&x.ID, &x.Name, &x.AccountID, &x.AccountName, &x.OwnerID, &x.Tier, &x.Band, &x.Stage, &x.Created, &x.Due, &x.Overdue)
	})
}

// textIn appends list to args and returns their placeholders.
func textIn(args *[]any, list []string) string {
	ph := make([]string, len(list))
	for i, v := range list {
		*args = append(*args, v)
		ph[i] = "$" + strconv.Itoa(len(*args))
	}
	return strings.Join(ph, ",")
}
