package crm

import (
	"time"
	"unicode/utf8"
)

// Handover checklist items (METHODOLOGY §3.1): what sales gives customer
// service when a contract is signed.
const (
	ItemAccountPlan   = "account_plan"
	ItemContactMap    = "contact_map"
	ItemCommitments   = "commitments"
	ItemPricingTerms  = "pricing_terms"
	ItemOpenIssues    = "open_issues"
	ItemDeliveryPlan  = "delivery_plan"
	HandoverOpen      = "OPEN"
	HandoverAccepted  = "ACCEPTED"
	HandoverCancelled = "CANCELLED"
)

// HandoverItems lists the checklist in the order it is filled in.
var HandoverItems = []string{ItemAccountPlan, ItemContactMap, ItemCommitments, ItemPricingTerms, ItemOpenIssues, ItemDeliveryPlan}

// ChecklistItem is one item of a handover: done, with what was handed over.
type ChecklistItem struct {
	Done bool   `json:"done"`
	Note string `json:"note"`
}

// Handover moves an account from its sales rep to a customer-service project
// lead (§3.1, §9.2). Ownership switches only when the lead accepts.
type Handover struct {
	ID           int64
	AccountID    int64
	FromPersonID int64 // the sales rep handing over
	ToPersonID   int64 // the accepting project lead; 0 until chosen
	ContractDate Date
	KickoffDate  Date // the joint kickoff meeting with the customer; 0 until set
	DueDate      Date // ContractDate + the configured days
	Checklist    map[string]ChecklistItem
	Status       string
	Version      int
	CreatedAt    time.Time
	AcceptedAt   time.Time
}

// Validate checks a handover's fields (not whether it can be accepted).
func (h *Handover) Validate() error {
	var v ValidationError
	if h.ToPersonID < 0 {
		v.Add("to_person", "error.handover.lead")
	}
	if h.ContractDate == 0 {
		v.Add("contract_date", "error.required")
	}
	if h.KickoffDate != 0 && h.KickoffDate < h.ContractDate {
		v.Add("kickoff_date", "error.handover.kickoff_before_contract")
	}
	for item, c := range h.Checklist {
		if !isItem(item) {
			v.Add("checklist", "error.handover.item")
		}
		if utf8.RuneCountInString(c.Note) > 4000 {
			v.Add(item, "error.too_long")
		}
	}
	return v.OrNil()
}

func isItem(s string) bool {
	for _, it := range HandoverItems {
		if it == s {
			return true
		}
	}
	return false
}

// Missing lists the checklist items not done yet, in checklist order.
func (h *Handover) Missing() []string {
	var out []string
	for _, it := range HandoverItems {
		if !h.Checklist[it].Done {
			out = append(out, it)
		}
	}
	return out
}

// CheckAccept says why the lead cannot accept the handover yet, if so: a
// lead must be named, the checklist complete and the kickoff held (on or
// before today).
func (h *Handover) CheckAccept(today Date) error {
	var v ValidationError
	if h.Status != HandoverOpen {
		v.Add("status", "error.handover.not_open")
	}
	if h.ToPersonID == 0 {
		v.Add("to_person", "error.handover.no_lead")
	}
	if len(h.Missing()) > 0 {
		v.Add("checklist", "error.handover.incomplete")
	}
	switch {
	case h.KickoffDate == 0:
		v.Add("kickoff_date", "error.handover.no_kickoff")
	case h.KickoffDate > today:
		v.Add("kickoff_date", "error.handover.kickoff_future")
	}
	return v.OrNil()
}

// Overdue reports whether an open handover is past its due date on today.
func (h *Handover) Overdue(today Date) bool { return h.Status == HandoverOpen && today > h.DueDate }
