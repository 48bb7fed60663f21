package app

import (
	"context"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// Standards and cadence (METHODOLOGY §6.1, §6.2): each person's compliance
// for a week, each team's, and the list of what is overdue.
// docs/standards.md.

// CadenceItem is an account under a service cadence.
type CadenceItem struct {
	store.Subject
	CadenceDays int
	// DaysOverdue: days past the next touch's due day (0: on time).
	DaysOverdue int
}

// cadenceItems lists the accounts under a cadence owned by people (nil:
// everyone's), with how overdue each is on today. An account never touched
// is due CadenceDays after it was created.
func (a *App) cadenceItems(ctx context.Context, m *crm.Method, today crm.Date, people []int64) ([]CadenceItem, error) {
	tiers, bands := m.CadenceSegments()
	subs, err := a.store.SegmentAccounts(ctx, tiers, bands, people)
	if err != nil {
		return nil, err
	}
	out := make([]CadenceItem, 0, len(subs))
	for _, s := range subs {
		days := m.CadenceDays(s.Tier, s.Band)
		if days == 0 {
			continue
		}
		out = append(out, CadenceItem{Subject: s, CadenceDays: days, DaysOverdue: crm.CadenceOverdue(s.Day, crm.DateOf(s.Created), days, today)})
	}
	return out, nil
}

// NextStepItem is an open opportunity judged by the next-step standard.
type NextStepItem struct {
	store.Subject
	// Problem: "none" (no open dated next step), "overdue" (the latest is
	// past due) or "late" (the next one is due beyond the window); "" when
	// it complies.
	Problem     string
	DaysOverdue int
}

// Next-step problems.
const (
	NextStepNone    = "none"
	NextStepOverdue = "overdue"
	NextStepLate    = "late"
)

func judgeNextStep(s store.Subject, today crm.Date, window int) NextStepItem {
	it := NextStepItem{Subject: s}
	switch {
	case s.Due != 0 && s.Due <= today.AddDays(window):
	case s.Overdue != 0:
		it.Problem, it.DaysOverdue = NextStepOverdue, crm.DaysBetween(s.Overdue, today)
	case s.Due != 0:
		it.Problem = NextStepLate
	default:
		it.Problem, it.DaysOverdue = NextStepNone, crm.DaysBetween(crm.DateOf(s.Created), today)
	}
	return it
}

// PersonCompliance is one person's compliance for a week.
type PersonCompliance struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	TeamID   int64  `json:"team_id,omitempty"`
	Track    string `json:"track,omitempty"`
	// Meetings are the effective customer meetings of the week against the
	// track's standard (0: none).
	Meetings      int `json:"meetings"`
	MeetingTarget int `json:"meeting_target"`
	// OpenOpps, of which WithNextStep have an open next step due within the
	// window.
	OpenOpps     int `json:"open_opportunities"`
	WithNextStep int `json:"with_next_step"`
	// Accounts under a cadence, of which OnCadence are not overdue.
	CadenceAccounts int  `json:"cadence_accounts"`
	OnCadence       int  `json:"on_cadence"`
	Compliant       bool `json:"compliant"`
}

func (p *PersonCompliance) judge() {
	p.Compliant = p.Meetings >= p.MeetingTarget && p.WithNextStep == p.OpenOpps && p.OnCadence == p.CadenceAccounts
}

// TeamCompliance sums the people of one team (0: no team).
type TeamCompliance struct {
	TeamID    int64  `json:"team_id"`
	Name      string `json:"name"`
	People    int    `json:"people"`
	Compliant int    `json:"compliant"` // people who meet every standard
	// MeetingsMet: people with a meeting standard who met it, of Measured.
	MeetingsMet     int `json:"meetings_met"`
	Measured        int `json:"meetings_measured"`
	OpenOpps        int `json:"open_opportunities"`
	WithNextStep    int `json:"with_next_step"`
	CadenceAccounts int `json:"cadence_accounts"`
	OnCadence       int `json:"on_cadence"`
}

// ComplianceView is the compliance of the people in a scope for a week,
// with what is overdue.
type ComplianceView struct {
	Week      crm.Week
	Today     crm.Date
	Standards crm.Standards
	People    []PersonCompliance
	Teams     []TeamCompliance
	// NextSteps are the open opportunities breaking the next-step
	// standard, Cadence the accounts whose cadence is missed; the most
	// overdue first.
	NextSteps []NextStepItem
	Cadence   []CadenceItem
}

// ComplianceScope says whose compliance to compute.
type ComplianceScope struct {
	// TeamID limits the people to one team; PersonID to one person. Both
	// are within the principal's data scope.
	TeamID, PersonID int64
}

// Compliance computes the compliance of the people in the principal's data
// scope (a member: themself; a manager: their team; a department head:
// the department; all for the others) for week w. Meetings are counted in
// w; next steps and cadence are judged on today (what they are now).
func (a *App) Compliance(ctx context.Context, cs ComplianceScope, w crm.Week) (ComplianceView, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return ComplianceView{}, err
	}
	m, _, err := a.Method(ctx)
	if err != nil {
		return ComplianceView{}, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return ComplianceView{}, err
	}
	today := a.Today()
	v := ComplianceView{Week: w, Today: today, Standards: m.Standards}
	all, err := a.store.People(ctx, store.PeopleFilter{})
	if err != nil {
		return v, err
	}
	var people []crm.Person
	for _, p := range all {
		_, in := slices.BinarySearch(sc.People, p.ID)
		switch {
		case !p.Active, !sc.All && !in:
		case cs.TeamID != 0 && p.TeamID != cs.TeamID, cs.PersonID != 0 && p.ID != cs.PersonID:
		default:
			people = append(people, p)
		}
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	filter := ids
	if sc.All && cs.TeamID == 0 && cs.PersonID == 0 {
		filter = nil // everyone's: no list of owners to test
	}
	days := w.Days()
	meetings, err := a.store.EffectiveMeetings(ctx, days[0], days[6], m.Standards.EffectiveKinds, filter)
	if err != nil {
		return v, err
	}
	steps, err := a.store.NextSteps(ctx, today, filter)
	if err != nil {
		return v, err
	}
	cad, err := a.cadenceItems(ctx, &m, today, filter)
	if err != nil {
		return v, err
	}
	rows := make(map[int64]*PersonCompliance, len(people))
	v.People = make([]PersonCompliance, len(people))
	for i, p := range people {
		v.People[i] = PersonCompliance{PersonID: p.ID, Name: p.Name, TeamID: p.TeamID, Track: p.Track,
			Meetings: meetings[p.ID], MeetingTarget: m.MeetingStandard(p.Track)}
		rows[p.ID] = &v.People[i]
	}
	for _, s := range steps {
		r := rows[s.OwnerID]
		if r == nil {
			continue // an inactive owner's
		}
		it := judgeNextStep(s, today, m.Standards.NextStepDays)
		r.OpenOpps++
		if it.Problem == "" {
			r.WithNextStep++
		} else {
			v.NextSteps = append(v.NextSteps, it)
		}
	}
	for _, c := range cad {
		r := rows[c.OwnerID]
		if r == nil {
			continue
		}
		r.CadenceAccounts++
		if c.DaysOverdue == 0 {
			r.OnCadence++
		} else {
			v.Cadence = append(v.Cadence, c)
		}
	}
	slices.SortStableFunc(v.NextSteps, func(x, y NextStepItem) int { return y.DaysOverdue - x.DaysOverdue })
	slices.SortStableFunc(v.Cadence, func(x, y CadenceItem) int { return y.DaysOverdue - x.DaysOverdue })

	teams, err := a.store.Teams(ctx)
	if err != nil {
		return v, err
	}
	teamName := map[int64]string{}
	for _, t := range teams {
		teamName[t.ID] = t.Name
	}
	byTeam := map[int64]*TeamCompliance{}
	var order []int64
	for i := range v.People {
		p := &v.People[i]
		p.judge()
		t := byTeam[p.TeamID]
		if t == nil {
			t = &TeamCompliance{TeamID: p.TeamID, Name: teamName[p.TeamID]}
			byTeam[p.TeamID] = t
			order = append(order, p.TeamID)
		}
		t.People++
		if p.Compliant {
			t.Compliant++
		}
		if p.MeetingTarget > 0 {
			t.Measured++
			if p.Meetings >= p.MeetingTarget {
				t.MeetingsMet++
			}
		}
		t.OpenOpps += p.OpenOpps
		t.WithNextStep += p.WithNextStep
		t.CadenceAccounts += p.CadenceAccounts
		t.OnCadence += p.OnCadence
	}
	for _, id := range order {
		v.Teams = append(v.Teams, *byTeam[id])
	}
	slices.SortFunc(v.Teams, func(x, y TeamCompliance) int {
		switch {
		case x.TeamID == 0:
			return 1
		case y.TeamID == 0:
			return -1
		}
		return int(x.TeamID - y.TeamID)
	})
	return v, nil
}
