package crm

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Opportunities (METHODOLOGY §6.1): a sale in progress on an account, moved
// through the open stages of the configuration (default QUALIFY → DISCOVER
// → PROPOSE → NEGOTIATE) to WON or LOST. Each open stage has exit criteria,
// a checklist the owner ticks before the opportunity may leave the stage
// forwards. docs/process.md.

// The closed stages. They are not part of the configuration: every
// installation wins and loses the same way.
const (
	OppWon  = "WON"
	OppLost = "LOST"
)

// OppStageDef is one open opportunity stage of the methodology
// configuration.
type OppStageDef struct {
	// Name is the stage's code (QUALIFY); the pages translate the default
	// codes and show any other name as it is written.
	Name string `json:"name"`
	// Probability is the default win probability of an opportunity in the
	// stage, in percent.
	Probability int `json:"probability"`
	// Criteria are the exit criteria: what must be true, and ticked on the
	// opportunity, before it leaves the stage forwards. The default ones
	// are codes the pages translate; any other text is shown as written.
	Criteria []string `json:"criteria"`
}

// DefaultOppStages are the open stages of a new installation (§6.1).
func DefaultOppStages() []OppStageDef {
	return []OppStageDef{
		{Name: "QUALIFY", Probability: 10, Criteria: []string{"need_confirmed", "budget_known", "decision_maker_known"}},
		{Name: "DISCOVER", Probability: 25, Criteria: []string{"requirements_documented", "decision_process_known", "solution_fit"}},
		{Name: "PROPOSE", Probability: 50, Criteria: []string{"proposal_delivered", "executive_met"}},
		{Name: "NEGOTIATE", Probability: 75, Criteria: []string{"terms_agreed", "contract_approved"}},
	}
}

// DefaultOppCriteria lists the criteria codes of the default stages, for
// the translation catalogs.
func DefaultOppCriteria() []string {
	var out []string
	for _, s := range DefaultOppStages() {
		out = append(out, s.Criteria...)
	}
	return out
}

// validateOppStages checks the open stages of a configuration.
func validateOppStages(v *ValidationError, stages []OppStageDef) {
	if len(stages) == 0 {
		v.Add("opportunity_stages", "error.method.opp_stages.none")
	}
	if len(stages) > 12 {
		v.Add("opportunity_stages", "error.method.opp_stages.too_many")
	}
	seen := map[string]bool{OppWon: true, OppLost: true}
	for _, s := range stages {
		if !validLabel(s.Name, 40) || seen[s.Name] {
			v.Add("opportunity_stages", "error.method.opp_stages.names")
		}
		seen[s.Name] = true
		if s.Probability < 0 || s.Probability > 100 {
			v.Add("opportunity_stages", "error.method.opp_stages.probability")
		}
		crit := map[string]bool{}
		for _, c := range s.Criteria {
			if !validLabel(c, 200) || crit[c] {
				v.Add("opportunity_stages", "error.method.opp_stages.criteria")
			}
			crit[c] = true
		}
	}
}

// validLabel: trimmed, not empty, at most max characters, no control
// characters.
func validLabel(s string, max int) bool {
	return s != "" && s == strings.TrimSpace(s) && utf8.RuneCountInString(s) <= max && !strings.ContainsFunc(s, unicode.IsControl)
}

// OppStage returns the open stage called name.
func (m *Method) OppStage(name string) (OppStageDef, bool) {
	for _, s := range m.OppStages {
		if s.Name == name {
			return s, true
		}
	}
	return OppStageDef{}, false
}

// OppStageNames lists the open stages, then WON and LOST.
func (m *Method) OppStageNames() []string {
	out := make([]string, 0, len(m.OppStages)+2)
	for _, s := range m.OppStages {
		out = append(out, s.Name)
	}
	return append(out, OppWon, OppLost)
}

// OpenOppStages lists the names of the open stages in pipeline order.
func (m *Method) OpenOppStages() []string {
	out := make([]string, 0, len(m.OppStages))
	for _, s := range m.OppStages {
		out = append(out, s.Name)
	}
	return out
}

// DefaultProbability is the probability of an opportunity entering stage:
// the stage's default, 100 when won and 0 when lost.
func (m *Method) DefaultProbability(stage string) int {
	switch stage {
	case OppWon:
		return 100
	case OppLost:
		return 0
	}
	s, _ := m.OppStage(stage)
	return s.Probability
}

// oppIndex is the position of stage in the pipeline: the open stages in
// order, then WON; -1 for LOST or an unknown stage.
func (m *Method) oppIndex(stage string) int {
	if stage == OppWon {
		return len(m.OppStages)
	}
	return slices.IndexFunc(m.OppStages, func(s OppStageDef) bool { return s.Name == stage })
}

// IsOppStage reports whether stage is an open stage, WON or LOST.
func (m *Method) IsOppStage(stage string) bool {
	return stage == OppLost || m.oppIndex(stage) >= 0
}

// Opportunity is a sale in progress on an account.
type Opportunity struct {
	ID          int64
	AccountID   int64
	Name        string
	Stage       string // an open stage of the configuration, WON or LOST
	Amount      Money
	CloseDate   Date // expected close date; 0: not known yet
	Probability int  // percent; defaults to the stage's
	Needs       []string
	Products    []string
	OwnerID     int64
	TeamID      int64    // 0: none
	LostReason  string   // required when LOST
	Checks      []string // the exit criteria ticked, of any stage
	ClosedOn    Date     // the day it was won (the contract date) or lost
	StageSince  time.Time
	Version     int // optimistic lock: an update must carry the version it read
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Open reports whether the opportunity is neither won nor lost.
func (o *Opportunity) Open() bool { return o.Stage != OppWon && o.Stage != OppLost }

// Checked reports whether exit criterion c is ticked.
func (o *Opportunity) Checked(c string) bool { return slices.Contains(o.Checks, c) }

// Normalize trims the text fields and drops empty and repeated list items.
func (o *Opportunity) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.LostReason = strings.TrimSpace(o.LostReason)
	o.Needs = cleanList(o.Needs)
	o.Products = cleanList(o.Products)
	o.Checks = cleanList(o.Checks)
}

// cleanList trims every item and drops the empty and repeated ones, keeping
// the order.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// SplitList reads a list typed as text: one item a line, or separated by
// commas, semicolons or the Chinese enumeration comma.
func SplitList(s string) []string {
	return cleanList(strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ';' || r == '，' || r == '；' || r == '、'
	}))
}

// Validate checks the fields of an opportunity against the configuration
// (not its references: the account and the people are checked by the use
// case).
func (o *Opportunity) Validate(m *Method) error {
	var v ValidationError
	checkName(&v, "name", o.Name)
	if o.AccountID == 0 {
		v.Add("account", "error.required")
	}
	if !m.IsOppStage(o.Stage) {
		v.Add("stage", "error.opportunity.stage")
	}
	if o.Amount < 0 {
		v.Add("amount", "error.opportunity.amount")
	}
	if o.Amount > Yuan(1_000_000_000_000) {
		v.Add("amount", "error.opportunity.amount")
	}
	if o.CloseDate != 0 && !o.CloseDate.Valid() {
		v.Add("close_date", "error.opportunity.date")
	}
	if o.Probability < 0 || o.Probability > 100 {
		v.Add("probability", "error.opportunity.probability")
	}
	checkList(&v, "needs", o.Needs)
	checkList(&v, "products", o.Products)
	checkList(&v, "checks", o.Checks)
	if o.Stage == OppLost && o.LostReason == "" {
		v.Add("lost_reason", "error.opportunity.lost_reason")
	}
	if utf8.RuneCountInString(o.LostReason) > 1000 {
		v.Add("lost_reason", "error.too_long")
	}
	return v.OrNil()
}

func checkList(v *ValidationError, field string, list []string) {
	if len(list) > 50 {
		v.Add(field, "error.list.too_many")
	}
	for _, s := range list {
		if utf8.RuneCountInString(s) > 200 {
			v.Add(field, "error.too_long")
		}
	}
}

// OppMove is a request to move an opportunity to another stage.
type OppMove struct {
	To         string
	Version    int
	LostReason string   // for LOST
	Check      []string // exit criteria ticked with the move
	// ClosedOn is, for WON, the contract date (default today) and, for
	// LOST, the day it was lost (default today).
	ClosedOn Date
}

// Unmet lists the exit criteria not ticked on o that a move from o's stage
// to stage to needs: moving forwards leaves the current stage and passes
// every stage up to to, so the criteria of each of those are due. Moving
// back, to LOST, or out of a closed stage needs none.
func (m *Method) Unmet(o *Opportunity, to string) []string {
	from, target := m.oppIndex(o.Stage), m.oppIndex(to)
	if !o.Open() || from < 0 || target <= from {
		return nil
	}
	var out []string
	for _, s := range m.OppStages[from:target] {
		for _, c := range s.Criteria {
			if !o.Checked(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// CriteriaError refuses a move whose exit criteria are not all met. It is a
// *ValidationError (field "criteria") that also names the criteria, so
// that the adapters can list them.
type CriteriaError struct {
	ValidationError
	Unmet []string
}

// Unwrap lets errors.As find the ValidationError.
func (e *CriteriaError) Unwrap() error { return &e.ValidationError }

// CheckOppMove says why o cannot move to mv.To, if it cannot: an unknown
// stage, no change, a won opportunity (final: its contract is signed), the
// lost reason, and the exit criteria (a *CriteriaError naming them).
func (m *Method) CheckOppMove(o *Opportunity, mv OppMove) error {
	var v ValidationError
	switch {
	case !m.IsOppStage(mv.To):
		v.Add("stage", "error.opportunity.stage")
	case mv.To == o.Stage:
		v.Add("stage", "error.opportunity.same_stage")
	case o.Stage == OppWon:
		v.Add("stage", "error.opportunity.won_final")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	if mv.To == OppLost && strings.TrimSpace(mv.LostReason) == "" {
		v.Add("lost_reason", "error.opportunity.lost_reason")
	}
	if utf8.RuneCountInString(mv.LostReason) > 1000 {
		v.Add("lost_reason", "error.too_long")
	}
	if mv.ClosedOn != 0 && !mv.ClosedOn.Valid() {
		v.Add("closed_on", "error.opportunity.date")
	}
	probe := *o
	probe.Checks = append(slices.Clone(o.Checks), mv.Check...)
	if unmet := m.Unmet(&probe, mv.To); len(unmet) > 0 {
		v.Add("criteria", "error.opportunity.criteria")
		return &CriteriaError{ValidationError: v, Unmet: unmet}
	}
	return v.OrNil()
}

// IsCriterion reports whether c is an exit criterion of an open stage.
func (m *Method) IsCriterion(c string) bool {
	for _, s := range m.OppStages {
		if slices.Contains(s.Criteria, c) {
			return true
		}
	}
	return false
}

// OppStay is one stay of an opportunity in a stage: when it entered, when
// it left (zero while it is still there), who moved it there.
type OppStay struct {
	ID            int64
	OpportunityID int64
	Stage         string
	FromStage     string // "" for the first stay
	EnteredAt     time.Time
	LeftAt        time.Time
	ActorID       int64
	Actor         string
}

// Duration is how long the stay lasted, up to now while it goes on.
func (s OppStay) Duration(now time.Time) time.Duration {
	end := s.LeftAt
	if end.IsZero() {
		end = now
	}
	if end.Before(s.EnteredAt) {
		return 0
	}
	return end.Sub(s.EnteredAt)
}
