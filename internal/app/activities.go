package app

import (
	"context"
	"errors"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// Customer activities (METHODOLOGY §6.1): logged by the person who did
// them, each with its account, optional opportunity, contacts, objective,
// outcome and next step; a person's week and a team's calendar.
// docs/process.md.

// actVisible reports whether an activity is in the scope: its owner is in
// it, or its account is.
func actVisible(sc Scope, r store.ActRow) bool {
	return sc.Has(r.AccountOwnerID, r.AccountRepID) || sc.Has(r.OwnerID, 0)
}

func (a *App) activity(ctx context.Context, tx *store.Store, sc Scope, id int64) (store.ActRow, error) {
	r, err := tx.Activity(ctx, id)
	if err != nil {
		return r, err
	}
	if !actVisible(sc, r) {
		return store.ActRow{}, crm.ErrNotFound
	}
	return r, nil
}

// checkActRefs adds a problem to v for each reference of x that does not
// exist or lies outside the principal's scope: the account, the
// opportunity (which must be of the same account), the owner (an active
// person of the scope).
func (a *App) checkActRefs(ctx context.Context, tx *store.Store, sc Scope, v *crm.ValidationError, x *crm.Activity) error {
	if x.AccountID != 0 {
		acc, err := tx.Account(ctx, x.AccountID)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			v.Add("account", "error.activity.account")
		case err != nil:
			return err
		case !sc.Has(acc.OwnerID, acc.SalesRepID):
			v.Add("account", "error.activity.account")
		}
	}
	if x.OpportunityID != 0 {
		o, err := tx.Opportunity(ctx, x.OpportunityID)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			v.Add("opportunity", "error.activity.opportunity")
		case err != nil:
			return err
		case !oppVisible(sc, o):
			v.Add("opportunity", "error.activity.opportunity")
		case o.AccountID != x.AccountID:
			v.Add("opportunity", "error.activity.opportunity_account")
		}
	}
	switch {
	case x.OwnerID == 0:
		v.Add("owner", "error.required")
	case x.OwnerID != PrincipalFrom(ctx).PersonID && !sc.Has(x.OwnerID, 0):
		v.Add("owner", "error.activity.owner")
	default:
		return checkPerson(ctx, tx, v, "owner", x.OwnerID, "")
	}
	return nil
}

// CreateActivity logs an activity, done by x.OwnerID or else by the
// principal.
func (a *App) CreateActivity(ctx context.Context, x crm.Activity) (store.ActRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.ActRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.ActRow{}, err
	}
	if x.OwnerID == 0 {
		x.OwnerID = PrincipalFrom(ctx).PersonID
	}
	x.Normalize()
	x.NextStepDone = false
	now := a.now()
	var id int64
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		var v crm.ValidationError
		if err := mergeInvalid(&v, x.Validate(a.Today())); err != nil {
			return err
		}
		if err := a.checkActRefs(ctx, tx, sc, &v, &x); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if id, err = tx.CreateActivity(ctx, x, now); err != nil {
			return err
		}
		x.ID = id
		return tx.Audit(ctx, audit(now, "", "create", "activity", id, nil, x))
	})
	if err != nil {
		return store.ActRow{}, err
	}
	return a.store.Activity(ctx, id)
}

// UpdateActivity saves activity x.ID if it is still at x.Version
// (crm.ErrConflict otherwise).
func (a *App) UpdateActivity(ctx context.Context, x crm.Activity) (store.ActRow, error) {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return store.ActRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.ActRow{}, err
	}
	x.Normalize()
	now := a.now()
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		cur, err := a.activity(ctx, tx, sc, x.ID)
		if err != nil {
			return err
		}
		if x.Version == 0 {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		if x.Version != cur.Version {
			return crm.ErrConflict
		}
		if x.OwnerID == 0 {
			x.OwnerID = cur.OwnerID
		}
		var v crm.ValidationError
		if err := mergeInvalid(&v, x.Validate(a.Today())); err != nil {
			return err
		}
		// The owner may stay as it was even when outside the editor's scope.
		check := x
		if check.OwnerID == cur.OwnerID {
			check.OwnerID = PrincipalFrom(ctx).PersonID
			if check.OwnerID == 0 {
				check.OwnerID = cur.OwnerID
			}
		}
		if err := a.checkActRefs(ctx, tx, sc, &v, &check); err != nil {
			return err
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		if err := tx.UpdateActivity(ctx, x, now); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(now, "", "update", "activity", x.ID, cur.Activity, x))
	})
	if err != nil {
		return store.ActRow{}, err
	}
	return a.store.Activity(ctx, x.ID)
}

// SetNextStepDone marks the next step of activity id done (or open again)
// if the activity is still at version.
func (a *App) SetNextStepDone(ctx context.Context, id int64, version int, done bool) (store.ActRow, error) {
	r, err := a.Activity(ctx, id)
	if err != nil {
		return r, err
	}
	x := r.Activity
	x.Version, x.NextStepDone = version, done
	return a.UpdateActivity(ctx, x)
}

// DeleteActivity removes an activity.
func (a *App) DeleteActivity(ctx context.Context, id int64) error {
	if err := Allow(ctx, crm.PermEditAccounts); err != nil {
		return err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		cur, err := a.activity(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteActivity(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "delete", "activity", id, cur.Activity, nil))
	})
}

// Activity returns one activity in the principal's scope.
func (a *App) Activity(ctx context.Context, id int64) (store.ActRow, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return store.ActRow{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return store.ActRow{}, err
	}
	return a.activity(ctx, a.store, sc, id)
}

// MaxActivities bounds one page of activities.
const MaxActivities = 500

// Activities lists the activities matching f in the principal's scope, and
// counts them.
func (a *App) Activities(ctx context.Context, f store.ActFilter) ([]store.ActRow, int, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, 0, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return nil, 0, err
	}
	f.People = sc.Filter()
	if f.Limit <= 0 || f.Limit > MaxActivities {
		f.Limit = min(max(f.Limit, 50), MaxActivities)
	}
	return a.store.Activities(ctx, f)
}

// WeekDay is one day of a week with its activities.
type WeekDay struct {
	Date       crm.Date
	Activities []store.ActRow
}

// WeekView is a person's week: their activities by day, the next steps due
// that week, and every next step of theirs that is overdue.
type WeekView struct {
	Person  crm.Person
	Week    crm.Week
	Today   crm.Date
	Days    []WeekDay
	Count   int
	Due     []store.ActRow // next steps due this week, open
	Overdue []store.ActRow // next steps due before today, open
	Mine    bool           // the principal's own week
}

// Week gathers the week w of person personID (0: the principal). Another
// person's week is open to whoever has them in scope.
func (a *App) Week(ctx context.Context, personID int64, w crm.Week) (WeekView, error) {
	var v WeekView
	if err := Allow(ctx, crm.PermRead); err != nil {
		return v, err
	}
	p := PrincipalFrom(ctx)
	if personID == 0 {
		personID = p.PersonID
	}
	v.Mine = personID == p.PersonID
	sc, err := a.Scope(ctx)
	if err != nil {
		return v, err
	}
	if !v.Mine && !sc.Has(personID, 0) {
		return v, crm.ErrNotFound
	}
	if v.Person, err = a.store.Person(ctx, personID); err != nil {
		return v, err
	}
	v.Week, v.Today = w, a.Today()
	days := w.Days()
	rows, _, err := a.store.Activities(ctx, store.ActFilter{OwnerIDs: []int64{personID}, From: days[0], To: days[6]})
	if err != nil {
		return v, err
	}
	for _, d := range days {
		v.Days = append(v.Days, WeekDay{Date: d})
	}
	for _, r := range rows {
		i := slices.Index(days, r.Date)
		v.Days[i].Activities = append(v.Days[i].Activities, r)
		v.Count++
	}
	// The open next steps due before today (overdue, whatever the week)
	// or within the week, from activities of any date.
	due, _, err := a.store.Activities(ctx, store.ActFilter{OwnerIDs: []int64{personID}, OverdueOn: max(days[6]+1, v.Today)})
	if err != nil {
		return v, err
	}
	for _, r := range due {
		switch {
		case r.NextStepDue < v.Today:
			v.Overdue = append(v.Overdue, r)
		case r.NextStepDue >= days[0] && r.NextStepDue <= days[6]:
			v.Due = append(v.Due, r)
		}
	}
	return v, nil
}

// TeamRow is one person's line of a team calendar.
type TeamRow struct {
	Person  crm.Person
	Days    [7][]store.ActRow
	Count   int
	Overdue int // open next steps due before today
}

// TeamWeekView is the calendar of a team's week.
type TeamWeekView struct {
	Week   crm.Week
	Today  crm.Date
	Days   []crm.Date
	TeamID int64
	Teams  []crm.Team // the teams to choose from
	Rows   []TeamRow
	Count  int
}

// TeamWeek gathers the week w of team teamID (0: the principal's own team,
// or, without one, everyone in the principal's scope): one row per active
// person of the team within the scope.
func (a *App) TeamWeek(ctx context.Context, teamID int64, w crm.Week) (TeamWeekView, error) {
	var v TeamWeekView
	if err := Allow(ctx, crm.PermRead); err != nil {
		return v, err
	}
	p := PrincipalFrom(ctx)
	sc, err := a.Scope(ctx)
	if err != nil {
		return v, err
	}
	teams, err := a.store.Teams(ctx)
	if err != nil {
		return v, err
	}
	// The teams with someone in scope.
	members := map[int64][]crm.Person{}
	people, err := a.store.People(ctx, store.PeopleFilter{ActiveOnly: true})
	if err != nil {
		return v, err
	}
	for _, pr := range people {
		if sc.Has(pr.ID, 0) {
			members[pr.TeamID] = append(members[pr.TeamID], pr)
		}
	}
	for _, t := range teams {
		if len(members[t.ID]) > 0 {
			v.Teams = append(v.Teams, t)
		}
	}
	if teamID == 0 && len(members[p.TeamID]) > 0 {
		teamID = p.TeamID
	}
	var rowsOf []crm.Person
	if teamID != 0 {
		if !slices.ContainsFunc(v.Teams, func(t crm.Team) bool { return t.ID == teamID }) {
			return v, crm.ErrNotFound
		}
		rowsOf = members[teamID]
	} else {
		for _, pr := range people {
			if sc.Has(pr.ID, 0) {
				rowsOf = append(rowsOf, pr)
			}
		}
	}
	v.TeamID, v.Week, v.Today, v.Days = teamID, w, a.Today(), w.Days()
	ids := make([]int64, len(rowsOf))
	index := map[int64]int{}
	for i, pr := range rowsOf {
		ids[i] = pr.ID
		index[pr.ID] = i
		v.Rows = append(v.Rows, TeamRow{Person: pr})
	}
	rows, _, err := a.store.Activities(ctx, store.ActFilter{OwnerIDs: ids, From: v.Days[0], To: v.Days[6]})
	if err != nil {
		return v, err
	}
	for _, r := range rows {
		row := &v.Rows[index[r.OwnerID]]
		d := slices.Index(v.Days, r.Date)
		row.Days[d] = append(row.Days[d], r)
		row.Count++
		v.Count++
	}
	overdue, _, err := a.store.Activities(ctx, store.ActFilter{OwnerIDs: ids, OverdueOn: v.Today})
	if err != nil {
		return v, err
	}
	for _, r := range overdue {
		v.Rows[index[r.OwnerID]].Overdue++
	}
	return v, nil
}
