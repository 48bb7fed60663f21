package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// Opportunities (METHODOLOGY §6.1): stages and exit criteria from the
// configuration, moves with their history, the board and the funnel, and
// the handover that the first won contract of an account starts.
// docs/process.md.

// OppInput is what a person writes of an opportunity: on create, every
// field; on update, the fields as they are to be (read the opportunity
// first).
type OppInput struct {
	AccountID int64
	Name      string
	// Stage is, on create, the open stage it starts in ("": the first).
	// Updates never change it: see MoveOpportunity.
	Stage     string
	Amount    crm.Money
	CloseDate crm.Date
	// Probability in percent; nil takes the stage's default (create) or
	// keeps it (update).
	Probability *int
	Needs       []string
	Products    []string
	OwnerID     int64 // 0: the person who creates it
	TeamID      int64 // 0: the owner's team
	Checks      []string
	LostReason  string // update of a lost opportunity
	Version     int    // update: the version read
}

// oppVisible reports whether an opportunity is in the scope: its owner is
// in it, or its account is.
func oppVisible(sc Scope, r store.OppRow) bool {
	return sc.Has(r.AccountOwnerID, r.AccountRepID) || sc.Has(r.OwnerID, 0)
}

// opportunity reads opportunity id within the principal's scope.
func (a *App) opportunity(ctx context.Context, tx *store.Store, sc Scope, id int64) (store.OppRow, error) {
	r, err := tx.Opportunity(ctx, id)
	if err != nil {
		return r, err
	}
	if !oppVisible(sc, r) {
		return store.OppRow{}, crm.ErrNotFound
	}
	return r, nil
}

// checkOppRefs adds a problem to v for each reference of o that does not
// exist or that the principal may not use: the account (in scope), the
// owner (an active person), the team, the ticked criteria (of the
// configuration).
func (a *App) checkOppRefs(ctx context.Context, tx *store.Store, sc Scope, m *crm.Method, v *crm.ValidationError, o *crm.Opportunity) error {
	if o.AccountID != 0 {
		acc, err := tx.Account(ctx, o.AccountID)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			v.Add("account", "error.opportunity.account")
		case err != nil:
			return err
		case !sc.Has(acc.OwnerID, acc.SalesRepID):
			v.Add("account", "error.opportunity.account")
		}
	}
	if o.OwnerID == 0 {
		v.Add("owner", "error.required")
	} else if err := checkPerson(ctx, tx, v, "owner", o.OwnerID, ""); err != nil {
		return err
	}
	if o.TeamID != 0 {
		if _, err := tx.Team(ctx, o.TeamID); errors.Is(err, crm.ErrNotFound) {
			v.Add("team", "error.opportunity.team")
		} else if err != nil {
			return err
		}
	}
	for _, c := range o.Checks {
		if !m.IsCriterion(c) {
			v.Add("checks", "error.opportunity.checks")
		}
	}
	return nil
}

// ownerTeam is the team of person id (0: none or unknown).
func ownerTeam(ctx context.Context, tx *store.Store, id int64) int64 {
	if p, err := tx.Person(ctx, id); err == nil {
		return p.TeamID
	}
	return 0
}

// CreateOpportunity validates and stores a new opportunity in an open
// stage, owned by in.OwnerID or else by the principal.
func (a *App) CreateOpportunity(ctx context.Context, in OppInput) (store.OppRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.OppRow{}, err
	}
	p := PrincipalFrom(ctx)
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.OppRow{}, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return store.OppRow{}, err
	}
	if in.Stage == "" {
		in.Stage = m.OppStages[0].Name
	}
	o := crm.Opportunity{AccountID: in.AccountID, Name: in.Name, Stage: in.Stage, Amount: in.Amount, CloseDate: in.CloseDate,
		Probability: m.DefaultProbability(in.Stage), Needs: in.Needs, Products: in.Products, OwnerID: in.OwnerID, TeamID: in.TeamID,
		Checks: in.Checks}
	if in.Probability != nil {
		o.Probability = *in.Probability
	}
	if o.OwnerID == 0 {
		o.OwnerID = p.PersonID
	}
	o.Normalize()
	now := a.now()
	o.StageSince = now
	var id int64
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		var v crm.ValidationError
		if err := mergeInvalid(&v, o.Validate(&m)); err != nil {
			return err
		}
		if _, open := m.OppStage(o.Stage); !open && v.Fields["stage"] == "" {
			v.Add("stage", "error.opportunity.create_stage")
		}
		if err := a.checkOppRefs(ctx, tx, sc, &m, &v, &o); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if o.TeamID == 0 {
			o.TeamID = ownerTeam(ctx, tx, o.OwnerID)
		}
		if id, err = tx.CreateOpportunity(ctx, o, now); err != nil {
			return err
		}
		o.ID = id
		if err := tx.StartOppStay(ctx, crm.OppStay{OpportunityID: id, Stage: o.Stage, EnteredAt: now, ActorID: p.PersonID, Actor: p.Label()}); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "create", "opportunity", id, nil, o))
	})
	if err != nil {
		return store.OppRow{}, err
	}
	return a.store.Opportunity(ctx, id)
}

// UpdateOpportunity saves the fields of opportunity id (not its stage) if
// it is still at in.Version: crm.ErrConflict otherwise, so that a later
// save never silently overwrites an earlier one.
func (a *App) UpdateOpportunity(ctx context.Context, id int64, in OppInput) (store.OppRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.OppRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.OppRow{}, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return store.OppRow{}, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		cur, err := a.opportunity(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if in.Version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if in.Version != cur.Version {
			return crm.ErrConflict
		}
		o := cur.Opportunity
		o.AccountID, o.Name, o.Amount, o.CloseDate = in.AccountID, in.Name, in.Amount, in.CloseDate
		o.Needs, o.Products, o.OwnerID, o.TeamID, o.Checks = in.Needs, in.Products, in.OwnerID, in.TeamID, in.Checks
		if in.Probability != nil {
			o.Probability = *in.Probability
		}
		if o.Stage == crm.OppLost {
			o.LostReason = in.LostReason
		}
		o.Normalize()
		var v crm.ValidationError
		if err := mergeInvalid(&v, o.Validate(&m)); err != nil {
			return err
		}
		if err := a.checkOppRefs(ctx, tx, sc, &m, &v, &o); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if o.TeamID == 0 {
			o.TeamID = ownerTeam(ctx, tx, o.OwnerID)
		}
		if err := tx.UpdateOpportunity(ctx, o, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "update", "opportunity", id, cur.Opportunity, o))
	})
	if err != nil {
		return store.OppRow{}, err
	}
	return a.store.Opportunity(ctx, id)
}

// DeleteOpportunity removes an opportunity (its activities stay, without
// it).
func (a *App) DeleteOpportunity(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		cur, err := a.opportunity(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteOpportunity(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "delete", "opportunity", id, cur.Opportunity, nil))
	})
}

// HandoverStart says what became of the handover a first win starts.
type HandoverStart struct {
	Started    bool
	HandoverID int64
	// AccountStage is the account's stage when the win was recorded.
	AccountStage string
	// Problem is, when the handover did not start, the message key of the
	// reason (the account's stage does not allow it, …).
	Problem string
}

// OppMoveResult is an opportunity after a stage move.
type OppMoveResult struct {
	Opportunity store.OppRow
	// FirstWin: the move won the first contract of the account, which
	// starts its handover (Handover says how that went).
	FirstWin bool
	Handover HandoverStart
}

// HandoverOnWin is the start of the reason recorded on an account's history
// when a first won opportunity moves it to ONBOARDING.
const HandoverOnWin = "opportunity won: "

// MoveOpportunity moves opportunity id to stage mv.To if it is still at
// mv.Version, after the exit criteria of every stage it leaves are met
// (those of mv.Check are ticked with the move). The probability becomes the
// new stage's default, and the stay in the old stage ends. Winning the first
// contract of an account (no other won opportunity) then moves the account
// to ONBOARDING with the contract date, which opens its handover; if the
// account's stage does not allow that, the win stands and the result says
// why the handover did not start.
func (a *App) MoveOpportunity(ctx context.Context, id int64, mv crm.OppMove) (OppMoveResult, error) {
	var res OppMoveResult
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return res, err
	}
	p := PrincipalFrom(ctx)
	sc, err := a.Scope(ctx)
	if err != nil {
		return res, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return res, err
	}
	mv.LostReason = strings.TrimSpace(mv.LostReason)
	now, today := a.now(), a.Today()
	var o crm.Opportunity
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		cur, err := a.opportunity(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if mv.Version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if mv.Version != cur.Version {
			return crm.ErrConflict
		}
		for _, c := range mv.Check {
			if !m.IsCriterion(c) {
				return &crm.ValidationError{Fields: map[string]string{"checks": "error.opportunity.checks"}}
			}
		}
		if err := m.CheckOppMove(&cur.Opportunity, mv); err != nil {
			return err
		}
		if mv.ClosedOn > today && (mv.To == crm.OppWon || mv.To == crm.OppLost) {
			return &crm.ValidationError{Fields: map[string]string{"closed_on": "error.opportunity.closed_future"}}
		}
		o = cur.Opportunity
		o.Checks = append(slices.Clone(o.Checks), mv.Check...)
		o.Normalize()
		o.Stage, o.Probability, o.StageSince = mv.To, m.DefaultProbability(mv.To), now
		switch mv.To {
		case crm.OppWon, crm.OppLost:
			o.ClosedOn = mv.ClosedOn
			if o.ClosedOn == 0 {
				o.ClosedOn = today
			}
			o.CloseDate = o.ClosedOn // the close date is now the real one
			if mv.To == crm.OppLost {
				o.LostReason = mv.LostReason
			}
		default: // reopened, or still open
			o.ClosedOn, o.LostReason = 0, ""
		}
		if err := tx.UpdateOpportunity(ctx, o, now); err != nil {
			return err
		}
		if err := tx.StartOppStay(ctx, crm.OppStay{OpportunityID: id, Stage: mv.To, FromStage: cur.Stage, EnteredAt: now,
			ActorID: p.PersonID, Actor: p.Label()}); err != nil {
			return err
		}
		if mv.To == crm.OppWon {
			n, err := tx.WonOpportunities(ctx, o.AccountID, id)
			if err != nil {
				return err
			}
			res.FirstWin = n == 0
		}
		return tx.Audit(ctx, audit(now, "", "stage_change", "opportunity", id,
			oppState{cur.Stage, cur.Probability, cur.Version}, oppState{o.Stage, o.Probability, cur.Version + 1}))
	})
	if err != nil {
		return res, err
	}
	if res.FirstWin {
		if res.Handover, err = a.startHandover(ctx, o); err != nil {
			return res, err
		}
	}
	res.Opportunity, err = a.store.Opportunity(ctx, id)
	return res, err
}

// oppState is what the audit log keeps of a stage move.
type oppState struct {
	Stage       string `json:"stage"`
	Probability int    `json:"probability"`
	Version     int    `json:"version"`
}

// startHandover moves the account of a first won opportunity to ONBOARDING
// through the lifecycle use case, with the contract date. A refusal is
// recorded (result and audit log), not returned: the win stands.
func (a *App) startHandover(ctx context.Context, o crm.Opportunity) (HandoverStart, error) {
	var hs HandoverStart
	acc, err := a.store.Account(ctx, o.AccountID)
	if err != nil {
		return hs, err
	}
	hs.AccountStage = acc.Stage
	reason := fmt.Sprintf("%s%s (#%d)", HandoverOnWin, o.Name, o.ID)
	_, err = a.MoveStage(ctx, acc.ID, crm.StageMove{To: crm.StageOnboarding, Reason: reason, ContractDate: o.ClosedOn, Version: acc.Version}, 0)
	var ve *crm.ValidationError
	switch {
	case err == nil:
		hs.Started = true
		open, err := a.store.Handovers(ctx, store.HandoverFilter{AccountID: acc.ID, Status: crm.HandoverOpen})
		if err != nil {
			return hs, err
		}
		if len(open) > 0 {
			hs.HandoverID = open[0].ID
		}
		return hs, nil
	case errors.As(err, &ve):
		hs.Problem = "error.opportunity.handover_stage"
		if k := ve.Fields["stage"]; k != "" && k != "error.stage.transition" {
			hs.Problem = k
		}
	case errors.Is(err, crm.ErrNotFound):
		hs.Problem = "error.opportunity.handover_scope"
	case errors.Is(err, crm.ErrConflict):
		hs.Problem = "error.conflict.detail"
	default:
		return hs, err
	}
	after := map[string]any{"opportunity_id": o.ID, "account_stage": acc.Stage, "problem": hs.Problem}
	return hs, a.store.Audit(ctx, audit(a.now(), "", "handover_not_started", "account", acc.ID, nil, after))
}

// OppStageTime is the time an opportunity spent in one stage, over all its
// stays there.
type OppStageTime struct {
	Stage    string
	Duration time.Duration
	Current  bool
}

// OppCriterion is one exit criterion of a stage and whether it is ticked.
type OppCriterion struct {
	Stage, Name string
	Checked     bool
}

// OpportunityView is an opportunity's page: the opportunity, its stays
// and time in each stage, the exit criteria, its activities.
type OpportunityView struct {
	store.OppRow
	Stays      []crm.OppStay
	StageTimes []OppStageTime
	// Criteria are those of every open stage, in pipeline order.
	Criteria []OppCriterion
	// Unmet are the exit criteria of the current stage not ticked yet.
	Unmet      []string
	Activities []store.ActRow
	// Stages are those it may move to (none once won).
	Stages  []string
	CanEdit bool
	Now     time.Time
}

// Opportunity gathers an opportunity's page.
func (a *App) Opportunity(ctx context.Context, id int64) (OpportunityView, error) {
	var v OpportunityView
	if err := Allow(ctx, crm.PermRead); err != nil {
		return v, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return v, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return v, err
	}
	if v.OppRow, err = a.opportunity(ctx, a.store, sc, id); err != nil {
		return v, err
	}
	v.Now, v.CanEdit = a.now(), Allow(ctx, crm.PermEditAccounts) == nil
	if v.Stays, err = a.store.OppStays(ctx, id); err != nil {
		return v, err
	}
	for _, st := range v.Stays {
		i := slices.IndexFunc(v.StageTimes, func(t OppStageTime) bool { return t.Stage == st.Stage })
		if i < 0 {
			v.StageTimes = append(v.StageTimes, OppStageTime{Stage: st.Stage})
			i = len(v.StageTimes) - 1
		}
		v.StageTimes[i].Duration += st.Duration(v.Now)
		v.StageTimes[i].Current = v.StageTimes[i].Current || st.LeftAt.IsZero()
	}
	for _, s := range m.OppStages {
		for _, c := range s.Criteria {
			v.Criteria = append(v.Criteria, OppCriterion{Stage: s.Name, Name: c, Checked: v.Checked(c)})
			if s.Name == v.Stage && !v.Checked(c) {
				v.Unmet = append(v.Unmet, c)
			}
		}
	}
	// Ticks of criteria no longer in the configuration stay visible.
	for _, c := range v.Checks {
		if !m.IsCriterion(c) {
			v.Criteria = append(v.Criteria, OppCriterion{Name: c, Checked: true})
		}
	}
	if v.Stage != crm.OppWon {
		for _, s := range m.OppStageNames() {
			if s != v.Stage {
				v.Stages = append(v.Stages, s)
			}
		}
	}
	rows, _, err := a.store.Activities(ctx, store.ActFilter{OpportunityID: id, Newest: true, Limit: 200})
	if err != nil {
		return v, err
	}
	for _, r := range rows {
		if actVisible(sc, r) {
			v.Activities = append(v.Activities, r)
		}
	}
	return v, nil
}

// OppPage is one page of the opportunity list.
type OppPage struct {
	Rows                 []store.OppRow
	Total, Page, PerPage int
	Pages                int
}

// scopedOpps checks the paging and sort of f and limits it to the
// principal's scope.
func (a *App) scopedOpps(ctx context.Context, f store.OppFilter) (store.OppFilter, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return f, err
	}
	if f.Sort != "" && !slices.Contains(store.OppSorts, f.Sort) {
		return f, &crm.ValidationError{Fields: map[string]string{"sort": "error.list.sort"}}
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	f.PerPage = min(f.PerPage, MaxPerPage)
	f.Page = min(max(f.Page, 1), 1<<31/f.PerPage)
	sc, err := a.Scope(ctx)
	if err != nil {
		return f, err
	}
	f.People = sc.Filter()
	return f, nil
}

// Opportunities lists one page of the opportunities matching f in the
// principal's scope.
func (a *App) Opportunities(ctx context.Context, f store.OppFilter) (OppPage, error) {
	f, err := a.scopedOpps(ctx, f)
	if err != nil {
		return OppPage{}, err
	}
	rows, total, err := a.store.Opportunities(ctx, f)
	if err != nil {
		return OppPage{}, err
	}
	return OppPage{Rows: rows, Total: total, Page: f.Page, PerPage: f.PerPage, Pages: (total + f.PerPage - 1) / f.PerPage}, nil
}

// FunnelStage is the opportunities in one stage.
type FunnelStage struct {
	Stage       string
	Open        bool
	Probability int // the stage's default
	Count       int
	Amount      crm.Money
	Weighted    crm.Money // Σ amount × probability
}

// Funnel is the pipeline by stage: the open stages in order, then WON and
// LOST, with the totals of the open ones and the win rate.
type Funnel struct {
	Stages []FunnelStage
	Open   FunnelStage
	// WinRate is won / (won + lost), by count; Closed is won + lost.
	WinRate float64
	Closed  int
}

// Funnel counts and sums the opportunities matching f in the principal's
// scope by stage, in one query.
func (a *App) Funnel(ctx context.Context, f store.OppFilter) (Funnel, error) {
	f, err := a.scopedOpps(ctx, f)
	if err != nil {
		return Funnel{}, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return Funnel{}, err
	}
	rows, err := a.store.Funnel(ctx, f)
	if err != nil {
		return Funnel{}, err
	}
	return makeFunnel(&m, rows), nil
}

func makeFunnel(m *crm.Method, rows []store.FunnelRow) Funnel {
	var out Funnel
	by := map[string]store.FunnelRow{}
	for _, r := range rows {
		by[r.Stage] = r
	}
	for _, name := range m.OppStageNames() {
		r := by[name]
		_, open := m.OppStage(name)
		st := FunnelStage{Stage: name, Open: open, Probability: m.DefaultProbability(name), Count: r.Count, Amount: r.Amount,
			Weighted: crm.Money(r.Weighted / 100)}
		out.Stages = append(out.Stages, st)
		if open {
			out.Open.Count += st.Count
			out.Open.Amount += st.Amount
			out.Open.Weighted += st.Weighted
		}
	}
	// Stages no longer in the configuration still count.
	for _, r := range rows {
		if !m.IsOppStage(r.Stage) {
			out.Stages = append(out.Stages, FunnelStage{Stage: r.Stage, Open: true, Count: r.Count, Amount: r.Amount,
				Weighted: crm.Money(r.Weighted / 100)})
			out.Open.Count += r.Count
			out.Open.Amount += r.Amount
			out.Open.Weighted += crm.Money(r.Weighted / 100)
		}
	}
	won, lost := by[crm.OppWon].Count, by[crm.OppLost].Count
	if out.Closed = won + lost; out.Closed > 0 {
		out.WinRate = float64(won) / float64(out.Closed)
	}
	return out
}

// BoardColumn is one open stage of the pipeline board: its totals and its
// first cards by expected close date.
type BoardColumn struct {
	FunnelStage
	Cards []store.OppRow
	More  bool // there are more cards than shown
}

// Board is the pipeline board: a column per open stage.
type Board struct {
	Columns []BoardColumn
	// Stages are every stage a card may move to (the open ones, WON, LOST).
	Stages  []string
	PerCard int
	// Last is the date of the latest activity of each card (absent: none).
	Last map[int64]crm.Date
}

// BoardCap bounds the cards of a column; the list pages through the rest.
const BoardCap = 200

// Board gathers the pipeline board of the opportunities matching f (its
// stages are ignored) in the principal's scope: for each open stage the
// count and amounts (one GROUP BY) and the first perColumn cards.
func (a *App) Board(ctx context.Context, f store.OppFilter, perColumn int) (Board, error) {
	m, _, err := a.Method(ctx)
	if err != nil {
		return Board{}, err
	}
	f.Stages = m.OpenOppStages()
	f.Page, f.PerPage, f.Sort = 1, 1, "close"
	if f, err = a.scopedOpps(ctx, f); err != nil {
		return Board{}, err
	}
	if perColumn <= 0 {
		perColumn = 50
	}
	perColumn = min(perColumn, BoardCap)
	rows, err := a.store.Funnel(ctx, f)
	if err != nil {
		return Board{}, err
	}
	funnel := makeFunnel(&m, rows)
	b := Board{Stages: m.OppStageNames(), PerCard: perColumn}
	var ids []int64
	for _, st := range funnel.Stages {
		if !st.Open || !m.IsOppStage(st.Stage) {
			continue
		}
		col := BoardColumn{FunnelStage: st}
		if st.Count > 0 {
			cf := f
			cf.Stages, cf.PerPage, cf.SkipTotal = []string{st.Stage}, perColumn, true
			if col.Cards, _, err = a.store.Opportunities(ctx, cf); err != nil {
				return Board{}, err
			}
		}
		col.More = st.Count > len(col.Cards)
		for _, c := range col.Cards {
			ids = append(ids, c.ID)
		}
		b.Columns = append(b.Columns, col)
	}
	if b.Last, err = a.store.LastActivities(ctx, ids); err != nil {
		return Board{}, err
	}
	return b, nil
}
