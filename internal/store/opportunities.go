package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kam/internal/crm"
)

// Opportunities and their stays in each stage (docs/process.md).

// OppRow is an opportunity with what lists and pages show of its account,
// owner and team.
type OppRow struct {
	crm.Opportunity
	AccountCode string
	AccountName string
	// AccountOwnerID and AccountRepID place the account in data scopes.
	AccountOwnerID int64
	AccountRepID   int64
	OwnerName      string
	TeamName       string
}

const oppColumns = `o.id, o.account_id, o.name, o.stage, o.amount, o.close_date, o.probability, o.needs, o.products,
	COALESCE(o.owner_id, 0), COALESCE(o.team_id, 0), o.lost_reason, o.checks, o.closed_on, o.stage_since, o.version,
	o.created_at, o.updated_at, a.code, a.name, COALESCE(a.owner_id, 0), COALESCE(a.sales_rep_id, 0),
	COALESCE(p.name, ''), COALESCE(t.name, '')`

const oppFrom = ` FROM opportunities o JOIN accounts a ON a.id = o.account_id
	LEFT JOIN people p ON p.id = o.owner_id LEFT JOIN teams t ON t.id = o.team_id`

func scanOpp(sc interface{ Scan(...any) error }) (OppRow, error) {
	var r OppRow
	var needs, products, checks string
	err := sc.Scan(&r.ID, &r.AccountID, &r.Name, &r.Stage, &r.Amount, &r.CloseDate, &r.Probability, &needs, &products,
		&r.OwnerID, &r.TeamID, &r.LostReason, &checks, &r.ClosedOn, &r.StageSince, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.AccountCode, &r.AccountName, &r.AccountOwnerID, &r.AccountRepID, &r.OwnerName, &r.TeamName)
	if err != nil {
		return r, err
	}
	for _, l := range []struct {
		s  string
		to *[]string
	}{{needs, &r.Needs}, {products, &r.Products}, {checks, &r.Checks}} {
		if err := json.Unmarshal([]byte(l.s), l.to); err != nil {
			return r, fmt.Errorf("lists of opportunity %d: %w", r.ID, err)
		}
	}
	return r, nil
}

// textList encodes a list of text as a JSON array ("[]" for none).
func textList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// CreateOpportunity stores a new opportunity and returns its ID.
func (s *Store) CreateOpportunity(ctx context.Context, o crm.Opportunity, now time.Time) (int64, error) {
	var id int64
	err := s.q.QueryRowContext(ctx, `INSERT INTO opportunities (account_id, name, stage, amount, close_date, probability, needs,
		products, owner_id, team_id, lost_reason, checks, closed_on, stage_since, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
		o.AccountID, o.Name, o.Stage, o.Amount, o.CloseDate, o.Probability, textList(o.Needs), textList(o.Products),
		nullID(o.OwnerID), nullID(o.TeamID), o.LostReason, textList(o.Checks), o.ClosedOn, o.StageSince.UTC(), now.UTC()).Scan(&id)
	return id, s.writeErr(err, "create opportunity")
}

// Opportunity returns one opportunity.
func (s *Store) Opportunity(ctx context.Context, id int64) (OppRow, error) {
	r, err := scanOpp(s.q.QueryRowContext(ctx, `SELECT `+oppColumns+oppFrom+` WHERE o.id = $1`, id))
	return r, rowErr(err, "opportunity", id)
}

// UpdateOpportunity writes every field of o if its version is still
// o.Version: crm.ErrConflict otherwise, crm.ErrNotFound when it is gone.
func (s *Store) UpdateOpportunity(ctx context.Context, o crm.Opportunity, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE opportunities SET account_id = $2, name = $3, stage = $4, amount = $5, close_date = $6,
		probability = $7, needs = $8, products = $9, owner_id = $10, team_id = $11, lost_reason = $12, checks = $13,
		closed_on = $14, stage_since = $15, updated_at = $16, version = version + 1 WHERE id = $1 AND version = $17`,
		o.ID, o.AccountID, o.Name, o.Stage, o.Amount, o.CloseDate, o.Probability, textList(o.Needs), textList(o.Products),
		nullID(o.OwnerID), nullID(o.TeamID), o.LostReason, textList(o.Checks), o.ClosedOn, o.StageSince.UTC(), now.UTC(), o.Version)
	return s.updated(ctx, res, err, "opportunity", o.ID, func() error { _, err := s.Opportunity(ctx, o.ID); return err })
}

// DeleteOpportunity removes an opportunity and its stays; its activities
// stay, without it.
func (s *Store) DeleteOpportunity(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, q := range []string{
			`UPDATE activities SET opportunity_id = NULL WHERE opportunity_id = $1`,
			`DELETE FROM opportunity_stays WHERE opportunity_id = $1`,
		} {
			if _, err := tx.q.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("store: delete opportunity %d: %w", id, err)
			}
		}
		res, err := tx.q.ExecContext(ctx, `DELETE FROM opportunities WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("store: delete opportunity %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return crm.ErrNotFound
		}
		return nil
	})
}

// StartOppStay closes the open stay of an opportunity at at and opens one
// in s.Stage.
func (s *Store) StartOppStay(ctx context.Context, st crm.OppStay) error {
	if _, err := s.q.ExecContext(ctx, `UPDATE opportunity_stays SET left_at = $2 WHERE opportunity_id = $1 AND left_at IS NULL`,
		st.OpportunityID, st.EnteredAt.UTC()); err != nil {
		return fmt.Errorf("store: stays of opportunity %d: %w", st.OpportunityID, err)
	}
	_, err := s.q.ExecContext(ctx, `INSERT INTO opportunity_stays (opportunity_id, stage, from_stage, entered_at, actor_id, actor)
		VALUES ($1, $2, $3, $4, $5, $6)`, st.OpportunityID, st.Stage, st.FromStage, st.EnteredAt.UTC(), st.ActorID, st.Actor)
	if err != nil {
		return fmt.Errorf("store: stays of opportunity %d: %w", st.OpportunityID, err)
	}
	return nil
}

// OppStays lists the stays of an opportunity, the first first.
func (s *Store) OppStays(ctx context.Context, oppID int64) ([]crm.OppStay, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, opportunity_id, stage, from_stage, entered_at, left_at, actor_id, actor
		FROM opportunity_stays WHERE opportunity_id = $1 ORDER BY id`, oppID)
	if err != nil {
		return nil, fmt.Errorf("store: stays of opportunity %d: %w", oppID, err)
	}
	defer rows.Close()
	var out []crm.OppStay
	for rows.Next() {
		var st crm.OppStay
		var left sql.NullTime
		if err := rows.Scan(&st.ID, &st.OpportunityID, &st.Stage, &st.FromStage, &st.EnteredAt, &left, &st.ActorID, &st.Actor); err != nil {
			return nil, fmt.Errorf("store: stays of opportunity %d: %w", oppID, err)
		}
		st.LeftAt = left.Time
		out = append(out, st)
	}
	return out, rows.Err()
}

// WonOpportunities counts the won opportunities of an account other than
// except.
func (s *Store) WonOpportunities(ctx context.Context, accountID, except int64) (int, error) {
	var n int
	err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities WHERE account_id = $1 AND stage = $2 AND id <> $3`,
		accountID, crm.OppWon, except).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: won opportunities of %d: %w", accountID, err)
	}
	return n, nil
}

// OppFilter selects opportunities; zero fields select everything.
type OppFilter struct {
	Stages    []string // any of these stages
	AccountID int64
	OwnerID   int64
	TeamID    int64
	Q         string // part of the name or of the account's name or code
	// CloseFrom and CloseTo bound the close date: the expected one while
	// an opportunity is open, the day it was won or lost once closed.
	CloseFrom, CloseTo crm.Date
	// People, when not nil, is a data scope: opportunities owned by one of
	// these people or on an account owned by or attached to one of them.
	People []int64
	Sort   string // one of OppSorts; default "close"
	// Page (from 1) and PerPage; PerPage 0 lists everything.
	Page, PerPage int
	// SkipTotal: the caller knows the count (the board: from the funnel).
	SkipTotal bool
}

// smallScope is the most people of a data scope whose records are read
// first rather than found walking an index in list order.
const smallScope = 50

// OppSorts are the orders of the opportunity list.
var OppSorts = []string{"close", "amount", "updated", "name"}

// oppOrder: "close" is by close date, those without one first (they need
// one), in the order of the indexes.
var oppOrder = map[string]string{
	"":        "o.close_date, o.id",
	"close":   "o.close_date, o.id",
	"amount":  "o.amount DESC, o.id",
	"updated": "o.updated_at DESC, o.id DESC",
	"name":    "o.name, o.id",
}

// where builds the conditions of f; the query joins accounts as a.
func (f OppFilter) where(d dialect, args *[]any) string {
	arg := func(v any) string {
		*args = append(*args, v)
		return "$" + strconv.Itoa(len(*args))
	}
	var cond []string
	if len(f.Stages) > 0 {
		ph := make([]string, len(f.Stages))
		for i, st := range f.Stages {
			ph[i] = arg(st)
		}
		// Within a small data scope the scope's records are few: "|| ''"
		// keeps the planner from walking a stage's index in close-date
		// order and testing the scope on every row (measured at 100,000
		// opportunities: a member's board 0.7 s that way on SQLite). A
		// large scope is dense in that index and better walked (a
		// department of 190 people: a column 12 ms walked, 150 ms read
		// first on PostgreSQL).
		stage := "o.stage"
		if f.People != nil && len(f.People) <= smallScope {
			stage = "o.stage || ''"
		}
		cond = append(cond, stage+" IN ("+strings.Join(ph, ",")+")")
	}
	if f.AccountID != 0 {
		cond = append(cond, "o.account_id = "+arg(f.AccountID))
	}
	if f.OwnerID != 0 {
		cond = append(cond, "o.owner_id = "+arg(f.OwnerID))
	}
	if f.TeamID != 0 {
		cond = append(cond, "o.team_id = "+arg(f.TeamID))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := arg("%" + escapeLike(strings.ToLower(q)) + "%")
		cond = append(cond, "(LOWER(o.name) LIKE "+like+" ESCAPE '\\' OR LOWER(a.name) LIKE "+like+" ESCAPE '\\' OR LOWER(a.code) LIKE "+like+" ESCAPE '\\')")
	}
	if f.CloseFrom != 0 {
		cond = append(cond, "o.close_date >= "+arg(f.CloseFrom))
	}
	if f.CloseTo != 0 {
		cond = append(cond, "o.close_date <= "+arg(f.CloseTo))
	}
	if f.People != nil {
		cond = append(cond, scopeCond(d, f.People, "o", arg))
	}
	if len(cond) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(cond, " AND ")
}

// scopeCond is the data-scope condition of a record (alias t, with
// owner_id and account_id): the record's owner is one of people, or its
// account's owner or sales rep is. Written without a join, and with
// dialect.anyOf, so that both engines search the record's owner and
// account indexes and union them (measured at 100,000 opportunities on
// SQLite: a member's funnel 1.1 s with the OR over a join of accounts, a
// few milliseconds so).
func scopeCond(d dialect, people []int64, t string, arg func(any) string) string {
	if len(people) == 0 {
		return "1 = 0"
	}
	ph := make([]string, len(people))
	for i, id := range people {
		ph[i] = arg(id)
	}
	in := strings.Join(ph, ",")
	owner, account := t+".owner_id", t+".account_id"
	if len(people) > smallScope {
		// A large scope holds most records: searching its owners' and
		// accounts' index entries one by one costs more than reading the
		// table (SQLite at 100,000 opportunities, a department of 190
		// people: the funnel 1.2 s). The unary plus keeps a column out of
		// index searches, on both engines.
		owner, account = "+"+owner, "+"+account
	}
	return "(" + owner + " IN (" + in + ") OR " +
		d.anyOf(account, "SELECT id FROM accounts WHERE owner_id IN ("+in+") OR sales_rep_id IN ("+in+")") + ")"
}

// Opportunities lists one page of the opportunities matching f and counts
// them all.
func (s *Store) Opportunities(ctx context.Context, f OppFilter) ([]OppRow, int, error) {
	var args []any
	where := f.where(s.d, &args)
	order, ok := oppOrder[f.Sort]
	if !ok {
		return nil, 0, fmt.Errorf("store: opportunity sort %q", f.Sort)
	}
	q := `SELECT ` + oppColumns + oppFrom + where + ` ORDER BY ` + order
	if f.PerPage > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.PerPage, (max(f.Page, 1)-1)*f.PerPage)
	}
	rows, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: opportunities: %w", err)
	}
	defer rows.Close()
	var out []OppRow
	for rows.Next() {
		r, err := scanOpp(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("store: opportunities: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: opportunities: %w", err)
	}
	total := len(out)
	if f.PerPage > 0 && !f.SkipTotal && (len(out) == f.PerPage || f.Page > 1) {
		var cargs []any
		cwhere := f.where(s.d, &cargs)
		from := ` FROM opportunities o`
		if strings.Contains(cwhere, "a.") {
			from += ` JOIN accounts a ON a.id = o.account_id`
		}
		if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*)`+from+cwhere, cargs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("store: count opportunities: %w", err)
		}
	}
	return out, total, nil
}

// FunnelRow is the opportunities of one stage.
type FunnelRow struct {
	Stage  string
	Count  int
	Amount crm.Money
	// Weighted is the sum of amount × probability, in fen × percent.
	Weighted int64
}

// Funnel counts the opportunities matching f and sums their amounts, by
// stage, in one GROUP BY.
func (s *Store) Funnel(ctx context.Context, f OppFilter) ([]FunnelRow, error) {
	var args []any
	where := f.where(s.d, &args)
	from := ` FROM opportunities o`
	if strings.Contains(where, "a.") {
		from += ` JOIN accounts a ON a.id = o.account_id`
	}
	rows, err := s.q.QueryContext(ctx, `SELECT o.stage, COUNT(*), COALESCE(SUM(o.amount), 0), COALESCE(SUM(o.amount * o.probability), 0)`+
		from+where+` GROUP BY o.stage`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: funnel: %w", err)
	}
	defer rows.Close()
	var out []FunnelRow
	for rows.Next() {
		var r FunnelRow
		if err := rows.Scan(&r.Stage, &r.Count, &r.Amount, &r.Weighted); err != nil {
			return nil, fmt.Errorf("store: funnel: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InsertOpportunities stores many opportunities at once, each with its
// first stay, for loading data (the demo and the benchmarks), and returns
// their IDs in the order of list.
func (s *Store) InsertOpportunities(ctx context.Context, list []crm.Opportunity, now time.Time) ([]int64, error) {
	const cols = 16
	per := min(500, s.d.maxParams/cols)
	ids := make([]int64, 0, len(list))
	err := s.InTx(ctx, func(tx *Store) error {
		for start := 0; start < len(list); start += per {
			chunk := list[start:min(start+per, len(list))]
			var b strings.Builder
			b.WriteString(`INSERT INTO opportunities (account_id, name, stage, amount, close_date, probability, needs, products,
				owner_id, team_id, lost_reason, checks, closed_on, stage_since, created_at, updated_at) VALUES `)
			tx.bulkValues(&b, len(chunk), cols)
			b.WriteString(` RETURNING id`)
			args := make([]any, 0, len(chunk)*cols)
			for _, o := range chunk {
				args = append(args, o.AccountID, o.Name, o.Stage, o.Amount, o.CloseDate, o.Probability, textList(o.Needs),
					textList(o.Products), nullID(o.OwnerID), nullID(o.TeamID), o.LostReason, textList(o.Checks), o.ClosedOn,
					o.StageSince.UTC(), o.CreatedAt.UTC(), now.UTC())
			}
			rows, err := tx.q.QueryContext(ctx, b.String(), args...)
			if err != nil {
				return fmt.Errorf("store: insert opportunities: %w", err)
			}
			got := make([]int64, 0, len(chunk))
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				got = append(got, id)
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("store: insert opportunities: %w", err)
			}
			// Identities are given in the order of the VALUES.
			slices.Sort(got)
			ids = append(ids, got...)
			var sb strings.Builder
			sb.WriteString(`INSERT INTO opportunity_stays (opportunity_id, stage, from_stage, entered_at, actor_id, actor) VALUES `)
			tx.bulkValues(&sb, len(chunk), 6)
			sargs := make([]any, 0, len(chunk)*6)
			for i, o := range chunk {
				sargs = append(sargs, got[i], o.Stage, "", o.StageSince.UTC(), 0, "")
			}
			if _, err := tx.q.ExecContext(ctx, sb.String(), sargs...); err != nil {
				return fmt.Errorf("store: insert opportunity stays: %w", err)
			}
		}
		return nil
	})
	return ids, err
}

// AccountOwner is an account's ID with its owner and sales rep (0: none).
type AccountOwner struct {
	ID, OwnerID, RepID int64
}

// AccountOwners lists every account's owner and sales rep, by ID.
func (s *Store) AccountOwners(ctx context.Context) ([]AccountOwner, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, COALESCE(owner_id, 0), COALESCE(sales_rep_id, 0) FROM accounts ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: account owners: %w", err)
	}
	defer rows.Close()
	var out []AccountOwner
	for rows.Next() {
		var a AccountOwner
		if err := rows.Scan(&a.ID, &a.OwnerID, &a.RepID); err != nil {
			return nil, fmt.Errorf("store: account owners: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AnalyzeProcess refreshes PostgreSQL's statistics of the process tables
// after a bulk load, so that the next reads are planned on them rather than
// on an empty table's (autovacuum would, minutes later or never where it is
// off). SQLite keeps no statistics unless asked: nothing to do.
func (s *Store) AnalyzeProcess(ctx context.Context) error {
	if s.d.name != "postgres" {
		return nil
	}
	if _, err := s.q.ExecContext(ctx, `ANALYZE opportunities, opportunity_stays, activities`); err != nil {
		return fmt.Errorf("store: analyze: %w", err)
	}
	return nil
}
