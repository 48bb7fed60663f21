package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kam/internal/crm"
)

// Meetings, their decisions and action items (docs/meetings.md).

// MeetingRow is a meeting with the names of its team and department.
type MeetingRow struct {
	crm.Meeting
	TeamName       string
	DepartmentName string
}

const meetingColumns = `m.id, m.type, COALESCE(m.team_id, 0), COALESCE(m.department_id, 0), m.period_key, m.held_at,
	m.attendees, m.blockers, m.notes, m.version, m.created_at, m.updated_at, COALESCE(t.name, ''), COALESCE(d.name, '')`

const meetingFrom = ` FROM meetings m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN departments d ON d.id = m.department_id`

func scanMeeting(sc interface{ Scan(...any) error }) (MeetingRow, error) {
	var r MeetingRow
	var attendees, blockers string
	err := sc.Scan(&r.ID, &r.Type, &r.TeamID, &r.DepartmentID, &r.PeriodKey, &r.HeldAt, &attendees, &blockers, &r.Notes,
		&r.Version, &r.CreatedAt, &r.UpdatedAt, &r.TeamName, &r.DepartmentName)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(attendees), &r.Attendees); err != nil {
		return r, fmt.Errorf("attendees of meeting %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(blockers), &r.Blockers); err != nil {
		return r, fmt.Errorf("blockers of meeting %d: %w", r.ID, err)
	}
	return r, nil
}

// CreateMeeting stores a new meeting; crm.ErrConflict when its series
// already has a meeting in that period.
func (s *Store) CreateMeeting(ctx context.Context, m crm.Meeting, now time.Time) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO meetings (type, team_id, department_id, series_key, period_key, held_at,
		attendees, blockers, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
		m.Type, nullID(m.TeamID), nullID(m.DepartmentID), m.SeriesKey(), m.PeriodKey, m.HeldAt, textList(m.Attendees),
		textList(m.Blockers), m.Notes, now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create meeting")
}

// Meeting returns one meeting.
func (s *Store) Meeting(ctx context.Context, id int64) (MeetingRow, error) {
	r, err := scanMeeting(s.q.QueryRowContext(ctx, `SELECT `+meetingColumns+meetingFrom+` WHERE m.id = $1`, id))
	return r, rowErr(err, "meeting", id)
}

// MeetingOf returns the meeting of a series in a period (crm.ErrNotFound:
// none yet).
func (s *Store) MeetingOf(ctx context.Context, typ, series, period string) (MeetingRow, error) {
	r, err := scanMeeting(s.q.QueryRowContext(ctx, `SELECT `+meetingColumns+meetingFrom+
		` WHERE m.type = $1 AND m.series_key = $2 AND m.period_key = $3`, typ, series, period))
	return r, rowErr(err, "meeting", series+" "+period)
}

// UpdateMeeting writes the record of meeting m (not its type, series or
// period) if its version is still m.Version.
func (s *Store) UpdateMeeting(ctx context.Context, m crm.Meeting, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE meetings SET held_at = $2, attendees = $3, blockers = $4, notes = $5, updated_at = $6,
		version = version + 1 WHERE id = $1 AND version = $7`,
		m.ID, m.HeldAt, textList(m.Attendees), textList(m.Blockers), m.Notes, now.UTC(), m.Version)
	return s.updated(ctx, res, err, "meeting", m.ID, func() error { _, err := s.Meeting(ctx, m.ID); return err })
}

// DeleteMeeting removes a meeting with its decisions and the action items
// it raised; items it closed stay closed, without it.
func (s *Store) DeleteMeeting(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, q := range []string{
			`UPDATE action_items SET closed_in = NULL WHERE closed_in = $1`,
			`DELETE FROM action_items WHERE meeting_id = $1`,
			`DELETE FROM meeting_decisions WHERE meeting_id = $1`,
		} {
			if _, err := tx.q.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: delete meeting %d: %w", id, err)
			}
		}
		res, err := tx.q.ExecContext(ctx, `DELETE FROM meetings WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("store: delete meeting %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return crm.ErrNotFound
		}
		return nil
	})
}

// MeetingFilter selects meetings; zero fields select everything.
type MeetingFilter struct {
	Type string
	// TeamIDs and DepartmentIDs, when not nil, limit the list to the
	// weekly meetings of these teams and the monthly ones of these
	// departments; Company adds the company's monthly meetings.
	TeamIDs       []int64
	DepartmentIDs []int64
	Company       bool
	Limit         int
}

// Meetings lists meetings, the latest period first.
func (s *Store) Meetings(ctx context.Context, f MeetingFilter) ([]MeetingRow, error) {
	var args []any
	var cond []string
	if f.Type != "" {
		args = append(args, f.Type)
		cond = append(cond, fmt.Sprintf("m.type = $%d", len(args)))
	}
	if f.TeamIDs != nil || f.DepartmentIDs != nil {
		var or []string
		if len(f.TeamIDs) > 0 {
			or = append(or, "m.team_id IN ("+inList(&args, f.TeamIDs)+")")
		}
		if len(f.DepartmentIDs) > 0 {
			or = append(or, "m.department_id IN ("+inList(&args, f.DepartmentIDs)+")")
		}
		if f.Company {
			or = append(or, "m.series_key = 'company'")
		}
		if len(or) == 0 {
			or = append(or, "1 = 0")
		}
		cond = append(cond, "("+strings.Join(or, " OR ")+")")
	}
	q := `SELECT ` + meetingColumns + meetingFrom
	if len(cond) > 0 {
		q += " WHERE " + strings.Join(cond, " AND ")
	}
	q += " ORDER BY m.period_key DESC, m.id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	defer rows.Close()
	var out []MeetingRow
	for rows.Next() {
		r, err := scanMeeting(rows)
		if err != nil {
			return nil, fmt.Errorf("store: meetings: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateDecision stores a decision of a meeting.
func (s *Store) CreateDecision(ctx context.Context, d crm.Decision, now time.Time) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO meeting_decisions (meeting_id, text, created_at, updated_at)
		VALUES ($1, $2, $3, $3) RETURNING id`, d.MeetingID, d.Text, now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create decision")
}

const decisionColumns = `id, meeting_id, text, version, created_at, updated_at`

// Decision returns one decision.
func (s *Store) Decision(ctx context.Context, id int64) (crm.Decision, error) {
	var d crm.Decision
	err := s.q.QueryRowContext(ctx, `SELECT `+decisionColumns+` FROM meeting_decisions WHERE id = $1`, id).
		Scan(&d.ID, &d.MeetingID, &d.Text, &d.Version, &d.CreatedAt, &d.UpdatedAt)
	return d, rowErr(err, "decision", id)
}

// UpdateDecision writes a decision's text if its version is still d.Version.
func (s *Store) UpdateDecision(ctx context.Context, d crm.Decision, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE meeting_decisions SET text = $2, updated_at = $3, version = version + 1
		WHERE id = $1 AND version = $4`, d.ID, d.Text, now.UTC(), d.Version)
	return s.updated(ctx, res, err, "decision", d.ID, func() error { _, err := s.Decision(ctx, d.ID); return err })
}

// DeleteDecision removes a decision.
func (s *Store) DeleteDecision(ctx context.Context, id int64) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM meeting_decisions WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete decision %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Decisions lists the decisions of a meeting in the order taken.
func (s *Store) Decisions(ctx context.Context, meetingID int64) ([]crm.Decision, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+decisionColumns+` FROM meeting_decisions WHERE meeting_id = $1 ORDER BY id`, meetingID)
	if err != nil {
		return nil, fmt.Errorf("store: decisions: %w", err)
	}
	defer rows.Close()
	var out []crm.Decision
	for rows.Next() {
		var d crm.Decision
		if err := rows.Scan(&d.ID, &d.MeetingID, &d.Text, &d.Version, &d.CreatedAt, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: decisions: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ActionRow is an action item with the names pages show and the period of
// the meeting that raised it.
type ActionRow struct {
	crm.ActionItem
	OwnerName   string
	AccountCode string
	AccountName string
	FromPeriod  string // the period key of the meeting that raised it
}

const actionColumns = `ai.id, ai.meeting_id, ai.text, COALESCE(ai.owner_id, 0), COALESCE(ai.account_id, 0), ai.due, ai.status,
	COALESCE(ai.closed_in, 0), ai.closed_on, ai.version, ai.created_at, ai.updated_at,
	COALESCE(p.name, ''), COALESCE(a.code, ''), COALESCE(a.name, ''), m.period_key`

const actionFrom = ` FROM action_items ai JOIN meetings m ON m.id = ai.meeting_id
	LEFT JOIN people p ON p.id = ai.owner_id LEFT JOIN accounts a ON a.id = ai.account_id`

func scanAction(sc interface{ Scan(...any) error }) (ActionRow, error) {
	var r ActionRow
	err := sc.Scan(&r.ID, &r.MeetingID, &r.Text, &r.OwnerID, &r.AccountID, &r.Due, &r.Status, &r.ClosedIn, &r.ClosedOn,
		&r.Version, &r.CreatedAt, &r.UpdatedAt, &r.OwnerName, &r.AccountCode, &r.AccountName, &r.FromPeriod)
	return r, err
}

// CreateActionItem stores an action item.
func (s *Store) CreateActionItem(ctx context.Context, x crm.ActionItem, now time.Time) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO action_items (meeting_id, text, owner_id, account_id, due, status, closed_in,
		closed_on, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		x.MeetingID, x.Text, nullID(x.OwnerID), nullID(x.AccountID), x.Due, x.Status, nullID(x.ClosedIn), x.ClosedOn,
		now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create action item")
}

// ActionItem returns one action item.
func (s *Store) ActionItem(ctx context.Context, id int64) (ActionRow, error) {
	r, err := scanAction(s.q.QueryRowContext(ctx, `SELECT `+actionColumns+actionFrom+` WHERE ai.id = $1`, id))
	return r, rowErr(err, "action item", id)
}

// UpdateActionItem writes every field of x but its meeting if its version
// is still x.Version.
func (s *Store) UpdateActionItem(ctx context.Context, x crm.ActionItem, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE action_items SET text = $2, owner_id = $3, account_id = $4, due = $5, status = $6,
		closed_in = $7, closed_on = $8, updated_at = $9, version = version + 1 WHERE id = $1 AND version = $10`,
		x.ID, x.Text, nullID(x.OwnerID), nullID(x.AccountID), x.Due, x.Status, nullID(x.ClosedIn), x.ClosedOn, now.UTC(), x.Version)
	return s.updated(ctx, res, err, "action item", x.ID, func() error { _, err := s.ActionItem(ctx, x.ID); return err })
}

// DeleteActionItem removes an action item.
func (s *Store) DeleteActionItem(ctx context.Context, id int64) error {
	res, err := s.q.ExecContext(ctx, `DELETE FROM action_items WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete action item %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

func (s *Store) actions(ctx context.Context, where string, args ...any) ([]ActionRow, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT `+actionColumns+actionFrom+` WHERE `+where+
		` ORDER BY ai.due = 0, ai.due, ai.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: action items: %w", err)
	}
	defer rows.Close()
	var out []ActionRow
	for rows.Next() {
		r, err := scanAction(rows)
		if err != nil {
			return nil, fmt.Errorf("store: action items: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MeetingActions lists the action items a meeting raised, by due date.
func (s *Store) MeetingActions(ctx context.Context, meetingID int64) ([]ActionRow, error) {
	return s.actions(ctx, `ai.meeting_id = $1`, meetingID)
}

// CarriedActions lists the action items raised by earlier meetings of a
// series (type, series key, periods before period) that are still open or
// were closed in meeting closedIn (0: none).
func (s *Store) CarriedActions(ctx context.Context, typ, series, period string, closedIn int64) ([]ActionRow, error) {
	return s.actions(ctx, `m.type = $1 AND m.series_key = $2 AND m.period_key < $3 AND (ai.status = $4 OR ai.closed_in = $5)`,
		typ, series, period, crm.ActionOpen, closedIn)
}
