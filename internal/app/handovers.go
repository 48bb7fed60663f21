package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kam/internal/crm"
	"kam/internal/store"
)

// The sales → customer-service handover (METHODOLOGY §3.1, §9.2): opened
// when a contract is signed, filled in by the rep, accepted by the project
// lead, upon which the account becomes the lead's. docs/lifecycle.md.

// HandoverView is a handover as the principal sees it.
type HandoverView struct {
	store.HandoverRow
	Overdue bool     // open and past its due date
	Missing []string // checklist items not done, in checklist order
	// CanAccept: the principal is the named lead or an administrator, and
	// the handover is open (whether it is complete is CheckAccept's to say).
	CanAccept bool
	// CanEdit: the principal may edit accounts and the handover is open.
	CanEdit bool
}

// Done counts the checklist items done.
func (h HandoverView) Done() int { return len(crm.HandoverItems) - len(h.Missing) }

func (a *App) handoverView(ctx context.Context, r store.HandoverRow) HandoverView {
	p := PrincipalFrom(ctx)
	open := r.Status == crm.HandoverOpen
	return HandoverView{HandoverRow: r, Overdue: r.Overdue(a.Today()), Missing: r.Missing(),
		CanAccept: open && mayAccept(p, r.Handover), CanEdit: open && Allow(ctx, crm.PermEditAccounts) == nil}
}

// mayAccept: only the named lead, or an administrator, accepts a handover.
func mayAccept(p Principal, h crm.Handover) bool {
	return !p.Anonymous && ((p.PersonID != 0 && p.PersonID == h.ToPersonID) || p.Role == crm.RoleAdmin)
}

// Handover views: which handovers a list shows.
const (
	HandoversMine    = "mine"    // open, to be accepted by the principal
	HandoversOpen    = "open"    // open, in the principal's scope
	HandoversOverdue = "overdue" // open and past due, in the principal's scope
	HandoversAll     = "all"     // every status, in the principal's scope
)

// HandoverViews lists the valid views, the default first.
var HandoverViews = []string{HandoversOpen, HandoversMine, HandoversOverdue, HandoversAll}

// Handovers lists the handovers of a view ("" is HandoversOpen), the
// earliest due first. The principal sees those of the accounts in their
// data scope and those they hand over or are to accept.
func (a *App) Handovers(ctx context.Context, view string) ([]HandoverView, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	if view == "" {
		view = HandoversOpen
	}
	if !slices.Contains(HandoverViews, view) {
		return nil, &crm.ValidationError{Fields: map[string]string{"view": "error.handover.view"}}
	}
	p := PrincipalFrom(ctx)
	scope, err := a.Scope(ctx)
	if err != nil {
		return nil, err
	}
	f := store.HandoverFilter{People: scope.Filter(), Viewer: p.PersonID}
	switch view {
	case HandoversMine:
		if p.PersonID == 0 {
			return []HandoverView{}, nil
		}
		f = store.HandoverFilter{ToPersonID: p.PersonID, Status: crm.HandoverOpen}
	case HandoversOpen:
		f.Status = crm.HandoverOpen
	case HandoversOverdue:
		f.Status, f.DueBefore = crm.HandoverOpen, a.Today()
	}
	rows, err := a.store.Handovers(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]HandoverView, 0, len(rows))
	for _, r := range rows {
		out = append(out, a.handoverView(ctx, r))
	}
	return out, nil
}

// visibleHandover reads a handover the principal may see (crm.ErrNotFound
// otherwise).
func (a *App) visibleHandover(ctx context.Context, tx *store.Store, scope Scope, id int64) (store.HandoverRow, error) {
	r, err := tx.Handover(ctx, id)
	if err != nil {
		return r, err
	}
	me := PrincipalFrom(ctx).PersonID
	if !scope.Has(r.AccountOwnerID, r.AccountRepID) && (me == 0 || (me != r.FromPersonID && me != r.ToPersonID)) {
		return store.HandoverRow{}, crm.ErrNotFound
	}
	return r, nil
}

// Handover returns one handover.
func (a *App) Handover(ctx context.Context, id int64) (HandoverView, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return HandoverView{}, err
	}
	scope, err := a.Scope(ctx)
	if err != nil {
		return HandoverView{}, err
	}
	r, err := a.visibleHandover(ctx, a.store, scope, id)
	if err != nil {
		return HandoverView{}, err
	}
	return a.handoverView(ctx, r), nil
}

// HandoverEdit is a change to an open handover; nil fields stay as they are.
type HandoverEdit struct {
	LeadID      *int64    // the project lead; 0: none yet
	KickoffDate *crm.Date // 0: not set
	// Checklist sets the items it names.
	Checklist map[string]crm.ChecklistItem
	Version   int // the version read: required
}

// UpdateHandover changes an open handover if it is still at e.Version.
func (a *App) UpdateHandover(ctx context.Context, id int64, e HandoverEdit) (HandoverView, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return HandoverView{}, err
	}
	scope, err := a.Scope(ctx)
	if err != nil {
		return HandoverView{}, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		r, err := a.visibleHandover(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if e.Version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if e.Version != r.Version {
			return crm.ErrConflict
		}
		before, h := r.Handover, r.Handover
		h.Checklist = map[string]crm.ChecklistItem{}
		for k, c := range before.Checklist {
			h.Checklist[k] = c
		}
		var v crm.ValidationError
		if r.Status != crm.HandoverOpen {
			v.Add("status", "error.handover.not_open")
		}
		if e.LeadID != nil {
			h.ToPersonID = *e.LeadID
			if h.ToPersonID != 0 && h.ToPersonID != before.ToPersonID {
				if err := checkPerson(ctx, tx, &v, "to_person", h.ToPersonID, crm.DeptCustomerService); err != nil {
					return err
				}
			}
		}
		if e.KickoffDate != nil {
			h.KickoffDate = *e.KickoffDate
			if h.KickoffDate != 0 && !h.KickoffDate.Valid() {
				v.Add("kickoff_date", "error.lifecycle.date")
			}
		}
		for k, c := range e.Checklist {
			c.Note = strings.TrimSpace(c.Note)
			h.Checklist[k] = c
		}
		if err := mergeInvalid(&v, h.Validate()); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := tx.SaveHandover(ctx, h, now); err != nil {
			return err
		}
		h.Version++
		return tx.Audit(ctx, audit(now, "", "update", "handover", id, before, h))
	})
	if err != nil {
		return HandoverView{}, err
	}
	return a.Handover(ctx, id)
}

// AcceptHandover is the project lead's acceptance of a complete handover at
// version: the account moves to GROWING, owned by the lead in customer
// service, the rep staying attached as its sales rep. Only the named lead,
// or an administrator, may accept (crm.ErrForbidden).
func (a *App) AcceptHandover(ctx context.Context, id int64, version int) (HandoverView, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return HandoverView{}, err
	}
	p := PrincipalFrom(ctx)
	scope, err := a.Scope(ctx)
	if err != nil {
		return HandoverView{}, err
	}
	method, _, err := a.Method(ctx)
	if err != nil {
		return HandoverView{}, err
	}
	now, today := a.now(), a.Today()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		r, err := a.visibleHandover(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if !mayAccept(p, r.Handover) {
			return crm.ErrForbidden
		}
		if version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if version != r.Version {
			return crm.ErrConflict
		}
		if err := r.CheckAccept(today); err != nil {
			return err
		}
		// The lead may have left customer service since they were named.
		var v crm.ValidationError
		if err := checkPerson(ctx, tx, &v, "to_person", r.ToPersonID, crm.DeptCustomerService); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		acc, err := tx.Account(ctx, r.AccountID)
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("%s%d", HandoverReason, r.ID)
		if err := crm.CheckMove(acc.Stage, crm.StageMove{To: crm.StageGrowing, Reason: reason, ViaHandover: true, ActorRole: p.Role},
			method.Gates); err != nil {
			return err
		}
		next := store.Ownership{AccountID: acc.ID, OwnerID: r.ToPersonID, SalesRepID: acc.SalesRepID,
			OwnerDepartment: crm.DeptCustomerService, Stage: crm.StageGrowing}
		if next.SalesRepID == 0 {
			next.SalesRepID = r.FromPersonID
		}
		if err := tx.SetLifecycle(ctx, next, acc.Version, now); err != nil {
			return err
		}
		if _, err := tx.AddStageChange(ctx, crm.StageChange{AccountID: acc.ID, At: now, FromStage: acc.Stage, ToStage: crm.StageGrowing,
			FromOwnerID: acc.OwnerID, ToOwnerID: next.OwnerID, OwnerDepartment: next.OwnerDepartment, Reason: reason,
			Actor: p.Label()}); err != nil {
			return err
		}
		h := r.Handover
		h.Status, h.AcceptedAt = crm.HandoverAccepted, now
		if err := tx.SaveHandover(ctx, h, now); err != nil {
			return err
		}
		h.Version++
		if err := tx.Audit(ctx, audit(now, "", "accept", "handover", id, r.Handover, h)); err != nil {
			return err
		}
		after, err := tx.Account(ctx, acc.ID)
		if err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "stage_change", "account", acc.ID, stateOf(acc), stateOf(after)))
	})
	if err != nil {
		return HandoverView{}, err
	}
	return a.Handover(ctx, id)
}

// HandoverReason prefixes the reason of the history entry an accepted
// handover writes; the handover's ID follows ("handover:12").
const HandoverReason = "handover:"

// ProjectLeads lists who may be named to accept a handover: the active
// people of customer service, by name.
func (a *App) ProjectLeads(ctx context.Context) ([]crm.Person, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	return a.store.ActivePeopleOfKind(ctx, crm.DeptCustomerService)
}
