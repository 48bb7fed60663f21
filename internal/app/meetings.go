package app

import (
	"context"
	"errors"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// Meetings (METHODOLOGY §6.3): the record of the weekly meeting of a team
// and the monthly key-account meeting of a department or the company, with
// their decisions and action items. Reading needs crm.PermRead and the
// series in the data scope; recording needs crm.PermEditAccounts. The
// packs are in meeting_packs.go. docs/meetings.md.

// series is who a meeting series is about: the people in the principal's
// scope among them, and whether the principal may see it at all.
type series struct {
	teamID, deptID int64
	company        bool
	people         []int64 // active people of the series within the scope; nil for the whole company
	team           crm.Team
	dept           crm.Department
}

// seriesOf resolves the series of a team (teamID), a department (deptID)
// or the company (both 0) within the principal's scope: crm.ErrNotFound
// when it does not exist or nobody of it is in the scope. The company is
// in the scope of people who see every account only.
func (a *App) seriesOf(ctx context.Context, teamID, deptID int64) (series, error) {
	s := series{teamID: teamID, deptID: deptID, company: teamID == 0 && deptID == 0}
	sc, err := a.Scope(ctx)
	if err != nil {
		return s, err
	}
	if s.company {
		if !sc.All {
			return s, crm.ErrNotFound
		}
		return s, nil
	}
	f := store.PeopleFilter{TeamID: teamID, ActiveOnly: true}
	if teamID != 0 {
		if s.team, err = a.store.Team(ctx, teamID); err != nil {
			return s, err
		}
	} else {
		if s.dept, err = a.store.Department(ctx, deptID); err != nil {
			return s, err
		}
		f = store.PeopleFilter{DepartmentID: deptID, ActiveOnly: true}
	}
	people, err := a.store.People(ctx, f)
	if err != nil {
		return s, err
	}
	s.people = []int64{}
	for _, p := range people {
		if sc.Has(p.ID, 0) {
			s.people = append(s.people, p.ID)
		}
	}
	if len(s.people) == 0 && !sc.All {
		return s, crm.ErrNotFound
	}
	return s, nil
}

// meetingSeries resolves the series of a stored meeting.
func (a *App) meetingSeries(ctx context.Context, m crm.Meeting) (series, error) {
	return a.seriesOf(ctx, m.TeamID, m.DepartmentID)
}

// MeetingView is a meeting with its decisions and action items: those it
// raised, and those carried forward from earlier meetings of its series
// (still open, or closed in it).
type MeetingView struct {
	Meeting   store.MeetingRow
	Decisions []crm.Decision
	Actions   []store.ActionRow
	Carried   []store.ActionRow
}

// meetingView reads a meeting the principal may see.
func (a *App) meetingView(ctx context.Context, id int64) (MeetingView, error) {
	var v MeetingView
	m, err := a.store.Meeting(ctx, id)
	if err != nil {
		return v, err
	}
	if _, err := a.meetingSeries(ctx, m.Meeting); err != nil {
		return v, err
	}
	v.Meeting = m
	return v, a.fillMeeting(ctx, &v)
}

func (a *App) fillMeeting(ctx context.Context, v *MeetingView) error {
	var err error
	m := v.Meeting
	if v.Decisions, err = a.store.Decisions(ctx, m.ID); err != nil {
		return err
	}
	if v.Actions, err = a.store.MeetingActions(ctx, m.ID); err != nil {
		return err
	}
	v.Carried, err = a.store.CarriedActions(ctx, m.Type, m.SeriesKey(), m.PeriodKey, m.ID)
	return err
}

// Meeting returns a meeting with its decisions and action items.
func (a *App) Meeting(ctx context.Context, id int64) (MeetingView, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return MeetingView{}, err
	}
	return a.meetingView(ctx, id)
}

// Meetings lists the meetings of type typ ("" for both) in the principal's
// scope, the latest first, at most limit.
func (a *App) Meetings(ctx context.Context, typ string, limit int) ([]store.MeetingRow, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return nil, err
	}
	f := store.MeetingFilter{Type: typ, Limit: limit}
	if !sc.All {
		people, err := a.store.People(ctx, store.PeopleFilter{ActiveOnly: true})
		if err != nil {
			return nil, err
		}
		f.TeamIDs, f.DepartmentIDs = []int64{}, []int64{}
		for _, p := range people {
			if !sc.Has(p.ID, 0) {
				continue
			}
			if p.TeamID != 0 && !slices.Contains(f.TeamIDs, p.TeamID) {
				f.TeamIDs = append(f.TeamIDs, p.TeamID)
			}
			if p.DepartmentID != 0 && !slices.Contains(f.DepartmentIDs, p.DepartmentID) {
				f.DepartmentIDs = append(f.DepartmentIDs, p.DepartmentID)
			}
		}
	}
	return a.store.Meetings(ctx, f)
}

// MeetingInput is what a person writes of a meeting. Type, team,
// department and period are set on create only.
type MeetingInput struct {
	Type         string
	TeamID       int64
	DepartmentID int64
	PeriodKey    string
	HeldAt       crm.Date
	Attendees    []string
	Blockers     []string
	Notes        string
	Version      int // update: the version read
}

// CreateMeeting records a meeting of a series in a period: crm.ErrConflict
// when the series already has one then.
func (a *App) CreateMeeting(ctx context.Context, in MeetingInput) (MeetingView, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return MeetingView{}, err
	}
	m := crm.Meeting{Type: in.Type, TeamID: in.TeamID, DepartmentID: in.DepartmentID, PeriodKey: in.PeriodKey,
		HeldAt: in.HeldAt, Attendees: in.Attendees, Blockers: in.Blockers, Notes: in.Notes}
	if m.Type == crm.MeetingWeekly {
		m.DepartmentID = 0
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		return MeetingView{}, err
	}
	if _, err := a.meetingSeries(ctx, m); err != nil {
		return MeetingView{}, err
	}
	now := a.now()
	var id int64
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if id, err = tx.CreateMeeting(ctx, m, now); err != nil {
			return err
		}
		m.ID = id
		return tx.Audit(ctx, audit(now, "", "create", "meeting", id, nil, m))
	})
	if err != nil {
		return MeetingView{}, err
	}
	return a.meetingView(ctx, id)
}

// UpdateMeeting saves the record of meeting id (held on, attendees,
// blockers, notes) if it is still at in.Version.
func (a *App) UpdateMeeting(ctx context.Context, id int64, in MeetingInput) (MeetingView, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return MeetingView{}, err
	}
	cur, err := a.meetingView(ctx, id)
	if err != nil {
		return cur, err
	}
	if in.Version == 0 {
		return cur, &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	m := cur.Meeting.Meeting
	m.HeldAt, m.Attendees, m.Blockers, m.Notes, m.Version = in.HeldAt, in.Attendees, in.Blockers, in.Notes, in.Version
	m.Normalize()
	if err := m.Validate(); err != nil {
		return cur, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateMeeting(ctx, m, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "update", "meeting", id, cur.Meeting.Meeting, m))
	})
	if err != nil {
		return cur, err
	}
	return a.meetingView(ctx, id)
}

// DeleteMeeting removes a meeting with its decisions and the action items
// it raised.
func (a *App) DeleteMeeting(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return err
	}
	cur, err := a.meetingView(ctx, id)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteMeeting(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "delete", "meeting", id, cur, nil))
	})
}

// AddDecision records a decision of meeting meetingID.
func (a *App) AddDecision(ctx context.Context, meetingID int64, text string) (crm.Decision, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return crm.Decision{}, err
	}
	if _, err := a.meetingView(ctx, meetingID); err != nil {
		return crm.Decision{}, err
	}
	d := crm.Decision{MeetingID: meetingID, Text: text}
	if err := d.Validate(); err != nil {
		return d, err
	}
	now := a.now()
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d.ID, err = tx.CreateDecision(ctx, d, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "create", "decision", d.ID, nil, d))
	})
	if err != nil {
		return d, err
	}
	return a.store.Decision(ctx, d.ID)
}

// decision reads a decision whose meeting the principal may see.
func (a *App) decision(ctx context.Context, id int64) (crm.Decision, error) {
	d, err := a.store.Decision(ctx, id)
	if err != nil {
		return d, err
	}
	_, err = a.meetingView(ctx, d.MeetingID)
	return d, err
}

// UpdateDecision rewrites a decision if it is still at version.
func (a *App) UpdateDecision(ctx context.Context, id int64, text string, version int) (crm.Decision, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return crm.Decision{}, err
	}
	cur, err := a.decision(ctx, id)
	if err != nil {
		return cur, err
	}
	if version == 0 {
		return cur, &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	d := cur
	d.Text, d.Version = text, version
	if err := d.Validate(); err != nil {
		return cur, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateDecision(ctx, d, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "update", "decision", id, cur, d))
	})
	if err != nil {
		return cur, err
	}
	return a.store.Decision(ctx, id)
}

// DeleteDecision removes a decision.
func (a *App) DeleteDecision(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return err
	}
	cur, err := a.decision(ctx, id)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteDecision(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "delete", "decision", id, cur, nil))
	})
}

// ActionInput is what a person writes of an action item. Status and
// ClosedIn are read on update only: closing an item (DONE) records the day
// and the meeting it was closed in, which must be of the item's series.
type ActionInput struct {
	Text      string
	OwnerID   int64
	AccountID int64
	Due       crm.Date
	Status    string // update: OPEN or DONE
	ClosedIn  int64  // update: the meeting closing it (0: outside a meeting)
	Version   int    // update: the version read
}

// checkAction checks the references of an action item: an active owner,
// an account in the scope.
func (a *App) checkAction(ctx context.Context, v *crm.ValidationError, x crm.ActionItem) error {
	if x.OwnerID != 0 {
		if err := checkPerson(ctx, a.store, v, "owner", x.OwnerID, ""); err != nil {
			return err
		}
	}
	if x.AccountID != 0 {
		acc, err := a.store.Account(ctx, x.AccountID)
		if acc, err = a.visible(ctx, acc, err); errors.Is(err, crm.ErrNotFound) {
			v.Add("account", "error.action.account")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// AddAction records an action item raised by meeting meetingID.
func (a *App) AddAction(ctx context.Context, meetingID int64, in ActionInput) (store.ActionRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.ActionRow{}, err
	}
	if _, err := a.meetingView(ctx, meetingID); err != nil {
		return store.ActionRow{}, err
	}
	x := crm.ActionItem{MeetingID: meetingID, Text: in.Text, OwnerID: in.OwnerID, AccountID: in.AccountID, Due: in.Due,
		Status: crm.ActionOpen}
	var v crm.ValidationError
	if err := mergeInvalid(&v, x.Validate()); err != nil {
		return store.ActionRow{}, err
	}
	if err := a.checkAction(ctx, &v, x); err != nil {
		return store.ActionRow{}, err
	}
	if err := v.OrNil(); err != nil {
		return store.ActionRow{}, err
	}
	now := a.now()
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if x.ID, err = tx.CreateActionItem(ctx, x, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "create", "action_item", x.ID, nil, x))
	})
	if err != nil {
		return store.ActionRow{}, err
	}
	return a.store.ActionItem(ctx, x.ID)
}

// actionItem reads an action item whose meeting the principal may see.
func (a *App) actionItem(ctx context.Context, id int64) (store.ActionRow, MeetingView, error) {
	r, err := a.store.ActionItem(ctx, id)
	if err != nil {
		return r, MeetingView{}, err
	}
	mv, err := a.meetingView(ctx, r.MeetingID)
	return r, mv, err
}

// ActionItem returns one action item.
func (a *App) ActionItem(ctx context.Context, id int64) (store.ActionRow, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return store.ActionRow{}, err
	}
	r, _, err := a.actionItem(ctx, id)
	return r, err
}

// UpdateAction saves an action item if it is still at in.Version. Closing
// it records today and the meeting in.ClosedIn; opening it again clears
// both.
func (a *App) UpdateAction(ctx context.Context, id int64, in ActionInput) (store.ActionRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.ActionRow{}, err
	}
	cur, from, err := a.actionItem(ctx, id)
	if err != nil {
		return cur, err
	}
	if in.Version == 0 {
		return cur, &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	x := cur.ActionItem
	x.Text, x.OwnerID, x.AccountID, x.Due, x.Version = in.Text, in.OwnerID, in.AccountID, in.Due, in.Version
	if in.Status != "" {
		x.Status = in.Status
	}
	var v crm.ValidationError
	switch {
	case x.Status == crm.ActionDone && cur.Status != crm.ActionDone:
		x.ClosedOn, x.ClosedIn = a.Today(), in.ClosedIn
		if in.ClosedIn != 0 {
			closing, err := a.store.Meeting(ctx, in.ClosedIn)
			switch {
			case errors.Is(err, crm.ErrNotFound):
				v.Add("closed_in", "error.action.closed_in")
			case err != nil:
				return cur, err
			case closing.Type != from.Meeting.Type || closing.SeriesKey() != from.Meeting.SeriesKey() ||
				closing.PeriodKey < from.Meeting.PeriodKey:
				v.Add("closed_in", "error.action.closed_in")
			}
		}
	case x.Status == crm.ActionOpen:
		x.ClosedOn, x.ClosedIn = 0, 0
	}
	if err := mergeInvalid(&v, x.Validate()); err != nil {
		return cur, err
	}
	if x.OwnerID != cur.OwnerID || x.AccountID != cur.AccountID {
		check := x
		if check.OwnerID == cur.OwnerID {
			check.OwnerID = 0
		}
		if check.AccountID == cur.AccountID {
			check.AccountID = 0
		}
		if err := a.checkAction(ctx, &v, check); err != nil {
			return cur, err
		}
	}
	if err := v.OrNil(); err != nil {
		return cur, err
	}
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UpdateActionItem(ctx, x, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "update", "action_item", id, cur.ActionItem, x))
	})
	if err != nil {
		return cur, err
	}
	return a.store.ActionItem(ctx, id)
}

// DeleteAction removes an action item.
func (a *App) DeleteAction(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return err
	}
	cur, _, err := a.actionItem(ctx, id)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteActionItem(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "delete", "action_item", id, cur.ActionItem, nil))
	})
}
