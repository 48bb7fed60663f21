package crm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Lifecycle stages of an account (METHODOLOGY §1.3).
const (
	StageTarget     = "TARGET"     // passed selection; marketing locks it (锁城)
	StagePursuit    = "PURSUIT"    // a rep pursues it (攻城)
	StageOnboarding = "ONBOARDING" // first contract signed; handed over to customer service
	StageGrowing    = "GROWING"    // under its project team (守城)
	StageBound      = "BOUND"      // binding criteria met
	StageAtRisk     = "AT_RISK"    // an alert or a critical complaint
	StageLost       = "LOST"
	StageWinBack    = "WIN_BACK" // re-pursuit of a lost account
)

// Stages lists the stages in lifecycle order.
var Stages = []string{StageTarget, StagePursuit, StageOnboarding, StageGrowing, StageBound, StageAtRisk, StageLost, StageWinBack}

// transitions lists the stages each stage may move to. An account without a
// stage ("", e.g. one imported from revenue) may be placed in any stage.
var transitions = map[string][]string{
	StageTarget:     {StagePursuit, StageLost},
	StagePursuit:    {StageTarget, StageOnboarding, StageLost},
	StageOnboarding: {StageGrowing, StageAtRisk},
	StageGrowing:    {StageBound, StageAtRisk},
	StageBound:      {StageGrowing, StageAtRisk},
	StageAtRisk:     {StageGrowing, StageLost},
	StageLost:       {StageWinBack},
	StageWinBack:    {StageOnboarding, StageLost},
}

// NextStages lists the stages an account in stage may move to.
func NextStages(stage string) []string {
	if stage == "" {
		return Stages
	}
	return transitions[stage]
}

// CanMove reports whether the lifecycle allows from → to.
func CanMove(from, to string) bool { return slices.Contains(NextStages(from), to) }

// OwnerDepartment is the department kind that owns an account in stage (§3.1).
// ONBOARDING stays with sales until the project lead accepts the handover.
func OwnerDepartment(stage string) string {
	switch stage {
	case StageTarget:
		return DeptMarketing
	case StagePursuit, StageOnboarding, StageLost, StageWinBack:
		return DeptSales
	case StageGrowing, StageBound, StageAtRisk:
		return DeptCustomerService
	}
	return ""
}

// Lifecycle gates: conditions on moves, switched on in the methodology
// configuration. A gate whose module does not exist yet cannot be switched
// on (Method.Validate).
const (
	// GateContract: PURSUIT/WIN_BACK → ONBOARDING needs the contract's signing date.
	GateContract = "contract_signed"
	// GateHandover: ONBOARDING → GROWING only by the project lead's acceptance of the handover.
	GateHandover = "handover_accepted"
	// GateManagerConfirmsLoss: → LOST from AT_RISK needs a manager, department head or executive.
	GateManagerConfirmsLoss = "manager_confirms_loss"
	// GateCertifiedOwner: TARGET → PURSUIT needs an owner with a valid certificate (§5, certification module).
	GateCertifiedOwner = "certified_owner"
	// GateBindingScore: GROWING → BOUND needs the binding score of the tier (§9.5, binding module).
	GateBindingScore = "binding_score"
)

// Gates lists every lifecycle gate.
var Gates = []string{GateContract, GateHandover, GateManagerConfirmsLoss, GateCertifiedOwner, GateBindingScore}

// AvailableGates are the gates whose module exists in this version of KAM.
var AvailableGates = []string{GateContract, GateHandover, GateManagerConfirmsLoss}

// DefaultGates is the gate switch set of a new installation.
func DefaultGates() map[string]bool {
	return map[string]bool{GateContract: true, GateHandover: true, GateManagerConfirmsLoss: true,
		GateCertifiedOwner: false, GateBindingScore: false}
}

// StageMove is a request to move an account to another stage.
type StageMove struct {
	To           string
	Reason       string
	ContractDate Date // for → ONBOARDING
	ViaHandover  bool // set by the handover acceptance, never by a person
	ActorRole    string
	// Version is the account version the mover read: a move over someone
	// else's later change is a conflict (optimistic locking).
	Version int
	// LeadID is, for → ONBOARDING, the customer-service project lead who is
	// to accept the handover; 0: chosen later on the handover.
	LeadID int64
}

// CheckMove validates a move from stage from under the switched-on gates.
func CheckMove(from string, m StageMove, gates map[string]bool) error {
	var v ValidationError
	switch {
	case !slices.Contains(Stages, m.To):
		v.Add("stage", "error.stage.unknown")
	case !CanMove(from, m.To):
		v.Add("stage", "error.stage.transition")
	}
	if r := strings.TrimSpace(m.Reason); r == "" {
		v.Add("reason", "error.required")
	} else if utf8.RuneCountInString(r) > 1000 {
		v.Add("reason", "error.too_long")
	}
	if m.To == StageOnboarding && gates[GateContract] && m.ContractDate == 0 {
		v.Add("contract_date", "error.stage.contract_date")
	}
	if m.To == StageGrowing && from == StageOnboarding && gates[GateHandover] && !m.ViaHandover {
		v.Add("stage", "error.stage.handover")
	}
	if m.To == StageLost && from == StageAtRisk && gates[GateManagerConfirmsLoss] &&
		!slices.Contains([]string{RoleAdmin, RoleExecutive, RoleDeptHead, RoleManager}, m.ActorRole) {
		v.Add("stage", "error.stage.manager_confirms")
	}
	return v.OrNil()
}

// StageChange is one entry of an account's stage and owner history.
type StageChange struct {
	ID              int64
	AccountID       int64
	At              time.Time
	FromStage       string
	ToStage         string
	FromOwnerID     int64
	ToOwnerID       int64
	OwnerDepartment string
	Reason          string
	Actor           string
}
