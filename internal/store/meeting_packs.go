package store

import (
	"context"
	"fmt"
	"time"

	"kam/internal/crm"
)

// The set-based reads behind the meeting packs (docs/meetings.md): each is
// one query over the indexes of migrations 0007 and 0009, whatever the
// size of the team.

// KindCount is how many activities one person did of one kind, and how
// many of them have an outcome recorded (an effective meeting needs one,
// docs/standards.md).
type KindCount struct {
	OwnerID     int64
	Kind        string
	Count       int
	WithOutcome int
}

// ActivityKinds counts the activities of people dated from..to by person
// and kind.
func (s *Store) ActivityKinds(ctx context.Context, people []int64, from, to crm.Date) ([]KindCount, error) {
	if len(people) == 0 {
		return nil, nil
	}
	args := []any{from, to}
	rows, err := s.q.QueryContext(ctx, `SELECT owner_id, kind, COUNT(*), SUM(CASE WHEN outcome <> '' THEN 1 ELSE 0 END) FROM activities
		WHERE owner_id IN (`+inList(&args, people)+`) AND date >= $1 AND date <= $2 GROUP BY owner_id, kind`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: activity kinds: %w", err)
	}
	defer rows.Close()
	var out []KindCount
	for rows.Next() {
		var k KindCount
		if err := rows.Scan(&k.OwnerID, &k.Kind, &k.Count, &k.WithOutcome); err != nil {
			return nil, fmt.Errorf("store: activity kinds: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// StepCount is how many next steps one person had due in a range, and how
// many of them are done.
type StepCount struct {
	OwnerID     int64
	Due, Done   int
	OppsOpen    int // open opportunities owned (NextStepCompliance)
	OppsCovered int // … of which have an open next step due in the range
}

// StepsDue counts, per person, the next steps due from..to and those done.
func (s *Store) StepsDue(ctx context.Context, people []int64, from, to crm.Date) (map[int64]StepCount, error) {
	out := map[int64]StepCount{}
	if len(people) == 0 {
		return out, nil
	}
	args := []any{from, to}
	rows, err := s.q.QueryContext(ctx, `SELECT owner_id, next_step_done, COUNT(*) FROM activities
		WHERE owner_id IN (`+inList(&args, people)+`) AND next_step_due >= $1 AND next_step_due <= $2 AND next_step <> ''
		GROUP BY owner_id, next_step_done`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: steps due: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var done bool
		var n int
		if err := rows.Scan(&id, &done, &n); err != nil {
			return nil, fmt.Errorf("store: steps due: %w", err)
		}
		c := out[id]
		c.OwnerID = id
		c.Due += n
		if done {
			c.Done += n
		}
		out[id] = c
	}
	return out, rows.Err()
}

// NextStepCoverage counts, per person, their open opportunities and those
// with an open next step (on an activity of the opportunity) due from..to:
// the standard "every open opportunity has a next step within 14 days".
func (s *Store) NextStepCoverage(ctx context.Context, people []int64, from, to crm.Date) (map[int64]StepCount, error) {
	out := map[int64]StepCount{}
	if len(people) == 0 {
		return out, nil
	}
	args := []any{crm.OppWon, crm.OppLost, false, from, to}
	rows, err := s.q.QueryContext(ctx, `SELECT o.owner_id, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM activities x
		WHERE x.opportunity_id = o.id AND x.next_step_done = $3 AND x.next_step <> '' AND x.next_step_due >= $4
		AND x.next_step_due <= $5) THEN 1 ELSE 0 END)
		FROM opportunities o WHERE o.owner_id IN (`+inList(&args, people)+`) AND o.stage <> $1 AND o.stage <> $2
		GROUP BY o.owner_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: next step coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c StepCount
		if err := rows.Scan(&c.OwnerID, &c.OppsOpen, &c.OppsCovered); err != nil {
			return nil, fmt.Errorf("store: next step coverage: %w", err)
		}
		out[c.OwnerID] = c
	}
	return out, rows.Err()
}

// StepsDueList lists the open next steps of people due from..to, by due
// date, at most limit of them, and counts them all.
func (s *Store) StepsDueList(ctx context.Context, people []int64, from, to crm.Date, limit int) ([]ActRow, int, error) {
	if len(people) == 0 {
		return nil, 0, nil
	}
	args := []any{false, from, to}
	q := `SELECT ` + actColumns + `, COUNT(*) OVER ()` + actFrom + ` WHERE x.owner_id IN (` + inList(&args, people) + `)
		AND x.next_step_done = $1 AND x.next_step <> '' AND x.next_step_due >= $2 AND x.next_step_due <= $3
		ORDER BY x.next_step_due, x.id` + fmt.Sprintf(" LIMIT %d", limit)
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: steps due: %w", err)
	}
	defer rows.Close()
	var out []ActRow
	total := 0
	for rows.Next() {
		var r ActRow
		r, err = scanAct(scanPlus{rows, &total})
		if err != nil {
			return nil, 0, fmt.Errorf("store: steps due: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// scanPlus scans a row whose last column is one more value after those
// the wrapped scanner reads.
type scanPlus struct {
	sc   interface{ Scan(...any) error }
	last any
}

func (p scanPlus) Scan(dest ...any) error { return p.sc.Scan(append(dest, p.last)...) }

// OppMove is an opportunity with one of its stage moves.
type OppMove struct {
	OppRow
	From, To string
	At       time.Time
}

// TeamOpps are the opportunities of a team that changed in a week.
type TeamOpps struct {
	New, Won, Lost, Stalled []OppRow
	Moves                   []OppMove // every move between two open stages; the caller keeps the forward ones
	// The counts of each list before the limit.
	NewTotal, WonTotal, LostTotal, StalledTotal int
}

// TeamOppsQuery asks for a team's opportunities in a week: those of team
// TeamID or owned by one of People.
type TeamOppsQuery struct {
	TeamID         int64
	People         []int64
	From, To       crm.Date  // the week
	Start, End     time.Time // the same as instants: [Start, End)
	StalledBefore  crm.Date  // stalled: open, created before, with no activity since this day
	StalledCreated time.Time // … and created before this instant
	Limit          int       // per list
}

// WeekOpportunities reads the opportunities of a team that were opened,
// moved between open stages, won or lost in a week, and those stalled at
// its end.
func (s *Store) WeekOpportunities(ctx context.Context, q TeamOppsQuery) (TeamOpps, error) {
	var out TeamOpps
	team := func(args *[]any) string {
		*args = append(*args, q.TeamID)
		c := fmt.Sprintf("(o.team_id = $%d", len(*args))
		if len(q.People) > 0 {
			c += " OR o.owner_id IN (" + inList(args, q.People) + ")"
		}
		return c + ")"
	}
	limit := fmt.Sprintf(" LIMIT %d", q.Limit)
	list := func(into *[]OppRow, total *int, cond string, order string, args []any) error {
		rows, err := s.q.QueryContext(ctx, `SELECT `+oppColumns+`, COUNT(*) OVER ()`+oppFrom+` WHERE `+cond+` ORDER BY `+order+limit, args...)
		if err != nil {
			return fmt.Errorf("store: week opportunities: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanOpp(scanPlus{rows, total})
			if err != nil {
				return fmt.Errorf("store: week opportunities: %w", err)
			}
			*into = append(*into, r)
		}
		return rows.Err()
	}
	args := []any{q.Start.UTC(), q.End.UTC()}
	if err := list(&out.New, &out.NewTotal, `o.created_at >= $1 AND o.created_at < $2 AND `+team(&args), "o.created_at, o.id", args); err != nil {
		return out, err
	}
	for _, c := range []struct {
		stage string
		into  *[]OppRow
		total *int
	}{{crm.OppWon, &out.Won, &out.WonTotal}, {crm.OppLost, &out.Lost, &out.LostTotal}} {
		args := []any{c.stage, q.From, q.To}
		if err := list(c.into, c.total, `o.stage = $1 AND o.closed_on >= $2 AND o.closed_on <= $3 AND `+team(&args),
			"o.amount DESC, o.id", args); err != nil {
			return out, err
		}
	}
	args = []any{crm.OppWon, crm.OppLost, q.StalledBefore, q.StalledCreated.UTC(), q.To}
	if err := list(&out.Stalled, &out.StalledTotal, `o.stage <> $1 AND o.stage <> $2 AND o.created_at < $4 AND `+team(&args)+`
		AND COALESCE((SELECT MAX(x.date) FROM activities x WHERE x.opportunity_id = o.id AND x.date <= $5), 0) < $3`,
		"o.amount DESC, o.id", args); err != nil {
		return out, err
	}
	args = []any{q.Start.UTC(), q.End.UTC(), crm.OppWon, crm.OppLost}
	rows, err := s.q.QueryContext(ctx, `SELECT `+oppColumns+`, st.from_stage, st.stage, st.entered_at FROM opportunity_stays st
		JOIN opportunities o ON o.id = st.opportunity_id JOIN accounts a ON a.id = o.account_id
		LEFT JOIN people p ON p.id = o.owner_id LEFT JOIN teams t ON t.id = o.team_id
		WHERE st.entered_at >= $1 AND st.entered_at < $2 AND st.from_stage <> '' AND st.from_stage <> $3 AND st.from_stage <> $4
		AND st.stage <> $3 AND st.stage <> $4 AND `+team(&args)+` ORDER BY st.entered_at, st.id`, args...)
	if err != nil {
		return out, fmt.Errorf("store: week moves: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mv OppMove
		var r OppRow
		r, err = scanOpp(scanMany{rows, []any{&mv.From, &mv.To, &mv.At}})
		if err != nil {
			return out, fmt.Errorf("store: week moves: %w", err)
		}
		mv.OppRow = r
		out.Moves = append(out.Moves, mv)
	}
	return out, rows.Err()
}

type scanMany struct {
	sc   interface{ Scan(...any) error }
	more []any
}

func (p scanMany) Scan(dest ...any) error { return p.sc.Scan(append(dest, p.more...)...) }

// KeyAccounts lists the accounts of people (nil: everyone's) whose stored
// standing is in one of tiers or bands, by revenue, at most limit, and
// counts them all.
func (s *Store) KeyAccounts(ctx context.Context, people []int64, tiers, bands []string, limit int) ([]crm.Account, int, error) {
	var args []any
	cond := "("
	if len(tiers) > 0 {
		cond += "cur_tier IN (" + meetStrIn(&args, tiers) + ")"
	}
	if len(bands) > 0 {
		if len(tiers) > 0 {
			cond += " OR "
		}
		cond += "cur_band IN (" + meetStrIn(&args, bands) + ")"
	}
	cond += ")"
	if people != nil {
		ph := inList(&args, people)
		cond += " AND (owner_id IN (" + ph + ") OR sales_rep_id IN (" + ph + "))"
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+accountColumns+`, COUNT(*) OVER () FROM accounts WHERE `+cond+
		fmt.Sprintf(" ORDER BY cur_revenue DESC, id LIMIT %d", limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: key accounts: %w", err)
	}
	defer rows.Close()
	var out []crm.Account
	total := 0
	for rows.Next() {
		a, err := scanAccount(scanPlus{rows, &total})
		if err != nil {
			return nil, 0, fmt.Errorf("store: key accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

func meetStrIn(args *[]any, list []string) string {
	out := ""
	for i, s := range list {
		*args = append(*args, s)
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("$%d", len(*args))
	}
	return out
}

// AccountsInStage lists the accounts of people (nil: everyone's) in a
// lifecycle stage, by revenue, at most limit, and counts them all.
func (s *Store) AccountsInStage(ctx context.Context, people []int64, stage string, limit int) ([]crm.Account, int, error) {
	args := []any{stage}
	cond := "stage = $1"
	if people != nil {
		ph := inList(&args, people)
		cond += " AND (owner_id IN (" + ph + ") OR sales_rep_id IN (" + ph + "))"
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+accountColumns+`, COUNT(*) OVER () FROM accounts WHERE `+cond+
		fmt.Sprintf(" ORDER BY cur_revenue DESC, id LIMIT %d", limit), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: accounts in stage: %w", err)
	}
	defer rows.Close()
	var out []crm.Account
	total := 0
	for rows.Next() {
		a, err := scanAccount(scanPlus{rows, &total})
		if err != nil {
			return nil, 0, fmt.Errorf("store: accounts in stage: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// AccountPulse is the latest activity of an account up to a day and its
// earliest open next step.
type AccountPulse struct {
	LastDate    crm.Date // 0: none
	LastKind    string
	LastOutcome string
	NextStep    string
	NextDue     crm.Date
	NextOwner   string
}

// AccountPulses returns the pulse of each of accounts as of day until.
func (s *Store) AccountPulses(ctx context.Context, accounts []int64, until crm.Date) (map[int64]AccountPulse, error) {
	out := map[int64]AccountPulse{}
	if len(accounts) == 0 {
		return out, nil
	}
	args := []any{until}
	rows, err := s.q.QueryContext(ctx, `SELECT account_id, date, kind, outcome FROM (SELECT x.account_id, x.date, x.kind, x.outcome,
		ROW_NUMBER() OVER (PARTITION BY x.account_id ORDER BY x.date DESC, x.id DESC) AS rn FROM activities x
		WHERE x.account_id IN (`+inList(&args, accounts)+`) AND x.date <= $1) last WHERE rn = 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: account pulses: %w", err)
	}
	for rows.Next() {
		var id int64
		var p AccountPulse
		if err := rows.Scan(&id, &p.LastDate, &p.LastKind, &p.LastOutcome); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: account pulses: %w", err)
		}
		out[id] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: account pulses: %w", err)
	}
	args = []any{false}
	rows, err = s.q.QueryContext(ctx, `SELECT account_id, next_step, next_step_due, owner FROM (SELECT x.account_id, x.next_step,
		x.next_step_due, COALESCE(p.name, '') AS owner, ROW_NUMBER() OVER (PARTITION BY x.account_id
		ORDER BY CASE WHEN x.next_step_due = 0 THEN 1 ELSE 0 END, x.next_step_due, x.id) AS rn
		FROM activities x LEFT JOIN people p ON p.id = x.owner_id
		WHERE x.account_id IN (`+inList(&args, accounts)+`) AND x.next_step_done = $1 AND x.next_step <> '') nxt WHERE rn = 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: account pulses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var step, owner string
		var due crm.Date
		if err := rows.Scan(&id, &step, &due, &owner); err != nil {
			return nil, fmt.Errorf("store: account pulses: %w", err)
		}
		p := out[id]
		p.NextStep, p.NextDue, p.NextOwner = step, due, owner
		out[id] = p
	}
	return out, rows.Err()
}

// OpenPipeline is the open opportunities of one account.
type OpenPipeline struct {
	Count  int
	Amount crm.Money
}

// OpenPipelines sums the open opportunities of each of accounts.
func (s *Store) OpenPipelines(ctx context.Context, accounts []int64) (map[int64]OpenPipeline, error) {
	out := map[int64]OpenPipeline{}
	if len(accounts) == 0 {
		return out, nil
	}
	args := []any{crm.OppWon, crm.OppLost}
	rows, err := s.q.QueryContext(ctx, `SELECT account_id, COUNT(*), COALESCE(SUM(amount), 0) FROM opportunities
		WHERE account_id IN (`+inList(&args, accounts)+`) AND stage <> $1 AND stage <> $2 GROUP BY account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: open pipelines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p OpenPipeline
		if err := rows.Scan(&id, &p.Count, &p.Amount); err != nil {
			return nil, fmt.Errorf("store: open pipelines: %w", err)
		}
		out[id] = p
	}
	return out, rows.Err()
}

// TierCounts counts the accounts of people (nil: everyone's) by stored
// tier ("" outside the pyramid).
func (s *Store) TierCounts(ctx context.Context, people []int64) (map[string]int, error) {
	var args []any
	q := `SELECT cur_tier, COUNT(*) FROM accounts`
	if people != nil {
		ph := inList(&args, people)
		q += ` WHERE owner_id IN (` + ph + `) OR sales_rep_id IN (` + ph + `)`
	}
	rows, err := s.q.QueryContext(ctx, q+` GROUP BY cur_tier`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tier counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var tier string
		var n int
		if err := rows.Scan(&tier, &n); err != nil {
			return nil, fmt.Errorf("store: tier counts: %w", err)
		}
		out[tier] = n
	}
	return out, rows.Err()
}
