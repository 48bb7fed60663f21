package app

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"kam/internal/crm"
	"kam/internal/store"
)

// The account lifecycle (METHODOLOGY §1.3, §3.1): stages, the owning
// department of each, moves under the gates of the configuration, and each
// account's history of stage and owner changes. docs/lifecycle.md.

// lifecycleState is what the audit log keeps of a change of stage or owner.
type lifecycleState struct {
	Stage           string `json:"stage"`
	OwnerID         int64  `json:"owner_id"`
	SalesRepID      int64  `json:"sales_rep_id"`
	OwnerDepartment string `json:"owner_department"`
	Version         int    `json:"version"`
}

func stateOf(a crm.Account) lifecycleState {
	return lifecycleState{Stage: a.Stage, OwnerID: a.OwnerID, SalesRepID: a.SalesRepID, OwnerDepartment: a.OwnerDepartment, Version: a.Version}
}

// mergeInvalid adds the fields of a validation error to v and returns any
// other error.
func mergeInvalid(v *crm.ValidationError, err error) error {
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		for f, k := range ve.Fields {
			v.Add(f, k)
		}
		return nil
	}
	return err
}

// checkPerson adds a problem to v under field unless id is an active person,
// of a department of kind when kind is set.
func checkPerson(ctx context.Context, tx *store.Store, v *crm.ValidationError, field string, id int64, kind string) error {
	p, err := tx.Person(ctx, id)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		v.Add(field, "error.lifecycle.person")
		return nil
	case err != nil:
		return err
	case !p.Active:
		v.Add(field, "error.lifecycle.person")
		return nil
	}
	if kind == "" {
		return nil
	}
	if p.DepartmentID == 0 {
		v.Add(field, "error.handover.lead")
		return nil
	}
	d, err := tx.Department(ctx, p.DepartmentID)
	if err != nil {
		return err
	}
	if d.Kind != kind {
		v.Add(field, "error.handover.lead")
	}
	return nil
}

func checkReason(v *crm.ValidationError, reason string) {
	switch {
	case reason == "":
		v.Add("reason", "error.required")
	case utf8.RuneCountInString(reason) > 1000:
		v.Add("reason", "error.too_long")
	}
}

// MoveStage moves an account to stage m.To for m.Reason, under the gates of
// the current configuration, if the account is still at version m.Version
// (crm.ErrConflict otherwise). newOwnerID, when not 0, becomes the owner
// (and, in a sales stage, the sales rep). The owning department follows the
// stage. Moving to ONBOARDING opens the handover to customer service: the
// owner hands over to m.LeadID (0: named later), due m.ContractDate plus
// the configured days. An account outside the principal's data scope is
// crm.ErrNotFound.
func (a *App) MoveStage(ctx context.Context, accountID int64, m crm.StageMove, newOwnerID int64) (crm.Account, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return crm.Account{}, err
	}
	p := PrincipalFrom(ctx)
	m.Reason = strings.TrimSpace(m.Reason)
	m.ViaHandover, m.ActorRole = false, p.Role
	scope, err := a.Scope(ctx)
	if err != nil {
		return crm.Account{}, err
	}
	method, _, err := a.Method(ctx)
	if err != nil {
		return crm.Account{}, err
	}
	now, today := a.now(), a.Today()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		acc, err := tx.Account(ctx, accountID)
		if err != nil {
			return err
		}
		if !scope.Has(acc.OwnerID, acc.SalesRepID) {
			return crm.ErrNotFound
		}
		if m.Version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if m.Version != acc.Version {
			return crm.ErrConflict
		}
		var v crm.ValidationError
		if err := mergeInvalid(&v, crm.CheckMove(acc.Stage, m, method.Gates)); err != nil {
			return err
		}
		if m.ContractDate != 0 && !m.ContractDate.Valid() {
			v.Add("contract_date", "error.lifecycle.date")
		} else if m.ContractDate > today {
			v.Add("contract_date", "error.lifecycle.contract_future")
		}
		if newOwnerID != 0 {
			if err := checkPerson(ctx, tx, &v, "owner", newOwnerID, ""); err != nil {
				return err
			}
		}
		if m.LeadID != 0 && m.To == crm.StageOnboarding {
			if err := checkPerson(ctx, tx, &v, "to_person", m.LeadID, crm.DeptCustomerService); err != nil {
				return err
			}
		}
		if err := v.OrNil(); err != nil {
			return err
		}

		next := store.Ownership{AccountID: acc.ID, OwnerID: acc.OwnerID, SalesRepID: acc.SalesRepID,
			OwnerDepartment: crm.OwnerDepartment(m.To), Stage: m.To}
		if newOwnerID != 0 {
			next.OwnerID = newOwnerID
			if next.OwnerDepartment == crm.DeptSales {
				next.SalesRepID = newOwnerID
			}
		}
		if err := tx.SetLifecycle(ctx, next, acc.Version, now); err != nil {
			return err
		}
		if _, err := tx.AddStageChange(ctx, crm.StageChange{AccountID: acc.ID, At: now, FromStage: acc.Stage, ToStage: m.To,
			FromOwnerID: acc.OwnerID, ToOwnerID: next.OwnerID, OwnerDepartment: next.OwnerDepartment, Reason: m.Reason,
			Actor: p.Label()}); err != nil {
			return err
		}
		after, err := tx.Account(ctx, acc.ID)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(now, "", "stage_change", "account", acc.ID, stateOf(acc), stateOf(after))); err != nil {
			return err
		}
		// A handover belongs to one stay in ONBOARDING: leaving it other
		// than by the lead's acceptance, or entering it anew, ends the
		// open one.
		if acc.Stage == crm.StageOnboarding || m.To == crm.StageOnboarding {
			if err := a.cancelHandovers(ctx, tx, acc.ID); err != nil {
				return err
			}
		}
		if m.To != crm.StageOnboarding {
			return nil
		}
		contract := m.ContractDate
		if contract == 0 {
			contract = today // the contract gate is off and no date was given
		}
		from := next.OwnerID
		if from == 0 {
			from = next.SalesRepID
		}
		h := crm.Handover{AccountID: acc.ID, FromPersonID: from, ToPersonID: m.LeadID, ContractDate: contract,
			DueDate: contract.AddDays(method.HandoverDays), Checklist: map[string]crm.ChecklistItem{}, Status: crm.HandoverOpen}
		for _, it := range crm.HandoverItems {
			h.Checklist[it] = crm.ChecklistItem{}
		}
		if h.ID, err = tx.CreateHandover(ctx, h, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "create", "handover", h.ID, nil, h))
	})
	if err != nil {
		return crm.Account{}, err
	}
	return a.store.Account(ctx, accountID)
}

// cancelHandovers cancels the open handovers of an account.
func (a *App) cancelHandovers(ctx context.Context, tx *store.Store, accountID int64) error {
	open, err := tx.Handovers(ctx, store.HandoverFilter{AccountID: accountID, Status: crm.HandoverOpen})
	if err != nil {
		return err
	}
	for _, r := range open {
		h := r.Handover
		h.Status = crm.HandoverCancelled
		if err := tx.SaveHandover(ctx, h, a.now()); err != nil {
			return err
		}
		if err := tx.Audit(ctx, audit(a.now(), "", "cancel", "handover", h.ID, r.Handover, h)); err != nil {
			return err
		}
	}
	return nil
}

// AssignOwner gives an account another owner and sales rep (0: nobody) for
// a reason, without changing its stage, if it is still at version.
func (a *App) AssignOwner(ctx context.Context, accountID, ownerID, salesRepID int64, reason string, version int) (crm.Account, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return crm.Account{}, err
	}
	p := PrincipalFrom(ctx)
	reason = strings.TrimSpace(reason)
	scope, err := a.Scope(ctx)
	if err != nil {
		return crm.Account{}, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		acc, err := tx.Account(ctx, accountID)
		if err != nil {
			return err
		}
		if !scope.Has(acc.OwnerID, acc.SalesRepID) {
			return crm.ErrNotFound
		}
		if version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if version != acc.Version {
			return crm.ErrConflict
		}
		var v crm.ValidationError
		checkReason(&v, reason)
		if ownerID != 0 {
			if err := checkPerson(ctx, tx, &v, "owner", ownerID, ""); err != nil {
				return err
			}
		}
		if salesRepID != 0 {
			if err := checkPerson(ctx, tx, &v, "sales_rep", salesRepID, ""); err != nil {
				return err
			}
		}
		if ownerID == acc.OwnerID && salesRepID == acc.SalesRepID {
			v.Add("owner", "error.lifecycle.no_change")
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		next := store.Ownership{AccountID: acc.ID, OwnerID: ownerID, SalesRepID: salesRepID,
			OwnerDepartment: acc.OwnerDepartment, Stage: acc.Stage}
		if d := crm.OwnerDepartment(acc.Stage); d != "" {
			next.OwnerDepartment = d
		}
		if err := tx.SetLifecycle(ctx, next, acc.Version, now); err != nil {
			return err
		}
		if _, err := tx.AddStageChange(ctx, crm.StageChange{AccountID: acc.ID, At: now, FromStage: acc.Stage, ToStage: acc.Stage,
			FromOwnerID: acc.OwnerID, ToOwnerID: ownerID, OwnerDepartment: next.OwnerDepartment, Reason: reason,
			Actor: p.Label()}); err != nil {
			return err
		}
		after, err := tx.Account(ctx, acc.ID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "owner_change", "account", acc.ID, stateOf(acc), stateOf(after)))
	})
	if err != nil {
		return crm.Account{}, err
	}
	return a.store.Account(ctx, accountID)
}

// AccountHistory lists an account's changes of stage and owner, newest first.
func (a *App) AccountHistory(ctx context.Context, id int64) ([]crm.StageChange, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	if err := a.checkVisible(ctx, id); err != nil {
		return nil, err
	}
	return a.store.AccountHistory(ctx, id)
}

// Lifecycle is the lifecycle part of the account page.
type Lifecycle struct {
	Account   crm.Account
	Next      []string // the stages the account may move to
	History   []crm.StageChange
	Handovers []HandoverView // the account's handovers, the open one first
	Names     map[int64]string
	Gates     map[string]bool
	// For the forms, when the principal may edit accounts: active people
	// (owners) and the active people of customer service (project leads).
	CanEdit bool
	People  []crm.Person
	Leads   []crm.Person
}

// Name returns the name of a person of the page ("" for 0).
func (l Lifecycle) Name(id int64) string { return l.Names[id] }

// AccountLifecycle gathers the lifecycle of an account for its page.
func (a *App) AccountLifecycle(ctx context.Context, id int64) (Lifecycle, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return Lifecycle{}, err
	}
	acc, err := a.store.Account(ctx, id)
	if acc, err = a.visible(ctx, acc, err); err != nil {
		return Lifecycle{}, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return Lifecycle{}, err
	}
	l := Lifecycle{Account: acc, Next: crm.NextStages(acc.Stage), Gates: m.Gates, Names: map[int64]string{},
		CanEdit: Allow(ctx, crm.PermEditAccounts) == nil}
	if l.History, err = a.store.AccountHistory(ctx, id); err != nil {
		return l, err
	}
	rows, err := a.store.Handovers(ctx, store.HandoverFilter{AccountID: id})
	if err != nil {
		return l, err
	}
	for _, r := range rows {
		hv := a.handoverView(ctx, r)
		if r.Status == crm.HandoverOpen {
			l.Handovers = append([]HandoverView{hv}, l.Handovers...)
		} else {
			l.Handovers = append(l.Handovers, hv)
		}
	}
	ids := []int64{acc.OwnerID, acc.SalesRepID}
	for _, c := range l.History {
		ids = append(ids, c.FromOwnerID, c.ToOwnerID)
	}
	for _, id := range ids {
		if _, ok := l.Names[id]; ok || id == 0 {
			continue
		}
		if p, err := a.store.Person(ctx, id); err == nil {
			l.Names[id] = p.Name
		} else if !errors.Is(err, crm.ErrNotFound) {
			return l, err
		}
	}
	if l.CanEdit {
		if l.People, err = a.store.People(ctx, store.PeopleFilter{ActiveOnly: true}); err != nil {
			return l, err
		}
		if l.Leads, err = a.ProjectLeads(ctx); err != nil {
			return l, err
		}
	}
	return l, nil
}
