package app

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// The meeting packs (METHODOLOGY §6.3): what KAM prepares for the weekly
// meeting of a team and the monthly key-account meeting of a department or
// the company. Every figure is read set-based (a handful of grouped
// queries and one or two passes over the revenue ledger), so that a pack
// is ready in well under 2 seconds at 200 people, 100,000 opportunities
// and 1,000,000 activities (docs/benchmarks.md). docs/meetings.md.

// Pack constants (METHODOLOGY §6.1); the standards and the risk
// thresholds come from the configuration (crm.Standards, crm.AlertRules).
const (
	// StalledDays: an open opportunity without an activity for this many
	// days at the end of the week is stalled (§6.1).
	StalledDays = 21
	// PackRows bounds each list of a pack; the totals say how many there are.
	PackRows = 200
)

// PersonResult is one person's week in the weekly pack.
type PersonResult struct {
	Person     crm.Person
	Activities int // every activity dated in the week
	Meetings   int // effective customer meetings
	Standard   int // meetings a week the person is held to (0: none)
	// StepsDue are the next steps that were due in the week (the plan),
	// StepsDone those of them done.
	StepsDue, StepsDone int
	// OppsOpen are the person's open opportunities, OppsCovered those with
	// an open next step due within the configured window
	// (crm.Standards.NextStepDays) of the week's end.
	OppsOpen, OppsCovered int
}

// MeetsStandard reports whether the person held the meeting standard.
func (r PersonResult) MeetsStandard() bool { return r.Standard == 0 || r.Meetings >= r.Standard }

// Coverage is OppsCovered / OppsOpen (1 without open opportunities).
func (r PersonResult) Coverage() float64 {
	if r.OppsOpen == 0 {
		return 1
	}
	return float64(r.OppsCovered) / float64(r.OppsOpen)
}

// KeyAccountProgress is one key account of a team in the weekly pack.
type KeyAccountProgress struct {
	Account crm.Account
	YTD     crm.Money // revenue from the start of the year to the week's end
	Pulse   store.AccountPulse
}

// OppAdvance is an opportunity moved forward between open stages.
type OppAdvance struct {
	store.OppRow
	From, To string
}

// WeeklyPack is the pack of a team's weekly meeting for an ISO week: the
// week under review (Monday to Sunday) and the plan of the week after.
type WeeklyPack struct {
	Team     crm.Team
	Week     crm.Week
	From, To crm.Date // the week under review
	Next     crm.Week
	Today    crm.Date
	Members  []crm.Person // the team's active people in the principal's scope
	Teams    []crm.Team   // the teams the principal may choose

	// Results against plan.
	Results []PersonResult
	Total   PersonResult // the team's sums (Standard: Σ of the standards)
	// Revenue of the week of the team's accounts, against the monthly
	// target prorated to the week (HasTarget: tier targets exist).
	Revenue      crm.Money
	Target       crm.Money
	HasTarget    bool
	TargetPeriod string

	KeyAccounts []KeyAccountProgress
	KeyTotal    int

	New, Won, Lost, Stalled                     []store.OppRow
	NewTotal, WonTotal, LostTotal, StalledTotal int
	Advanced                                    []OppAdvance
	WonAmount, LostAmount                       crm.Money // of the opportunities listed

	Plan      []store.ActRow // open next steps due in the next week
	PlanTotal int

	// Compliance is the team's compliance with the standards of the
	// configuration (app.Compliance: meetings of the week, next steps and
	// cadence judged today).
	Compliance []PersonCompliance

	// The record: nil Meeting until the meeting is recorded. Carried holds
	// the open action items of earlier meetings of the team (shown even
	// before this one is recorded).
	Meeting   *store.MeetingRow
	Decisions []crm.Decision
	Actions   []store.ActionRow
	Carried   []store.ActionRow
}

// weekBounds returns the week as instants [start, end) in UTC.
func weekBounds(w crm.Week) (time.Time, time.Time) {
	start := w.Monday().Time()
	return start, start.AddDate(0, 0, 7)
}

// WeeklyPack prepares the weekly meeting of team teamID for week w.
func (a *App) WeeklyPack(ctx context.Context, teamID int64, w crm.Week) (WeeklyPack, error) {
	p := WeeklyPack{Week: w, Next: w.Next(), Today: a.Today()}
	if err := Allow(ctx, crm.PermRead); err != nil {
		return p, err
	}
	if teamID == 0 {
		return p, crm.ErrNotFound
	}
	s, err := a.seriesOf(ctx, teamID, 0)
	if err != nil {
		return p, err
	}
	p.Team = s.team
	days := w.Days()
	p.From, p.To = days[0], days[6]
	if p.Teams, err = a.MeetingTeams(ctx); err != nil {
		return p, err
	}
	people, err := a.store.People(ctx, store.PeopleFilter{TeamID: teamID, ActiveOnly: true})
	if err != nil {
		return p, err
	}
	for _, pr := range people {
		if slices.Contains(s.people, pr.ID) {
			p.Members = append(p.Members, pr)
		}
	}
	ids := s.people
	m, _, err := a.method(ctx, nil)
	if err != nil {
		return p, err
	}

	// Results against plan.
	kinds, err := a.store.ActivityKinds(ctx, ids, p.From, p.To)
	if err != nil {
		return p, err
	}
	steps, err := a.store.StepsDue(ctx, ids, p.From, p.To)
	if err != nil {
		return p, err
	}
	cover, err := a.store.NextStepCoverage(ctx, ids, p.To, p.To.AddDays(m.Standards.NextStepDays))
	if err != nil {
		return p, err
	}
	for _, pr := range p.Members {
		r := PersonResult{Person: pr, StepsDue: steps[pr.ID].Due, StepsDone: steps[pr.ID].Done,
			OppsOpen: cover[pr.ID].OppsOpen, OppsCovered: cover[pr.ID].OppsCovered}
		r.Standard = m.MeetingStandard(pr.Track)
		for _, k := range kinds {
			if k.OwnerID == pr.ID {
				r.Activities += k.Count
				if slices.Contains(m.Standards.EffectiveKinds, k.Kind) {
					// Counted as compliance counts them (store.EffectiveMeetings):
					// of an effective kind and with an outcome.
					r.Meetings += k.WithOutcome
				}
			}
		}
		p.Results = append(p.Results, r)
		t := &p.Total
		t.Activities += r.Activities
		t.Meetings += r.Meetings
		t.Standard += r.Standard
		t.StepsDue += r.StepsDue
		t.StepsDone += r.StepsDone
		t.OppsOpen += r.OppsOpen
		t.OppsCovered += r.OppsCovered
	}

	// Revenue of the week against the prorated target.
	accIDs, err := a.store.AccountIDsOf(ctx, ids)
	if err != nil {
		return p, err
	}
	slices.Sort(accIDs)
	keep := func(id int64) bool { _, ok := slices.BinarySearch(accIDs, id); return ok }
	week := crm.Period{From: p.From, To: p.To}
	p.Revenue = a.ledger.sumOf(week, keep)
	year := m.Year(p.To.Year())
	if !year.Contains(p.To) {
		year = m.Year(p.To.Year() - 1)
	}
	p.TargetPeriod = year.Key
	perAccount, err := a.perAccountTargets(ctx, year.Key)
	if err != nil {
		return p, err
	}
	if len(perAccount) > 0 {
		counts, err := a.store.TierCounts(ctx, ids)
		if err != nil {
			return p, err
		}
		var annual crm.Money
		for tier, n := range counts {
			annual += perAccount[tier] * crm.Money(n)
		}
		// The month's target (a twelfth of the year's), prorated to the
		// week's 7 days out of the days of the month of its Thursday.
		thu := p.From.AddDays(3)
		monthDays := crm.MonthOf(thu).Last().Day()
		p.Target = annual / 12 * 7 / crm.Money(monthDays)
		p.HasTarget = true
	}

	// Key accounts.
	tiers, bands := keySegments(&m)
	accounts, total, err := a.store.KeyAccounts(ctx, ids, tiers, bands, PackRows)
	if err != nil {
		return p, err
	}
	p.KeyTotal = total
	keyIDs := make([]int64, len(accounts))
	for i, acc := range accounts {
		keyIDs[i] = acc.ID
	}
	ytd := crm.Period{From: year.From, To: p.To}
	sums, _ := a.ledger.accountSums(keyIDs, []crm.Period{ytd})
	pulses, err := a.store.AccountPulses(ctx, keyIDs, p.To)
	if err != nil {
		return p, err
	}
	for i, acc := range accounts {
		p.KeyAccounts = append(p.KeyAccounts, KeyAccountProgress{Account: acc, YTD: crm.Money(sums[i][0]), Pulse: pulses[acc.ID]})
	}

	// Opportunities of the week.
	start, end := weekBounds(w)
	stalledFrom := p.To.AddDays(-StalledDays)
	opps, err := a.store.WeekOpportunities(ctx, store.TeamOppsQuery{TeamID: teamID, People: ids, From: p.From, To: p.To,
		Start: start, End: end, StalledBefore: stalledFrom, StalledCreated: stalledFrom.Time(), Limit: PackRows})
	if err != nil {
		return p, err
	}
	p.New, p.Won, p.Lost, p.Stalled = opps.New, opps.Won, opps.Lost, opps.Stalled
	p.NewTotal, p.WonTotal, p.LostTotal, p.StalledTotal = opps.NewTotal, opps.WonTotal, opps.LostTotal, opps.StalledTotal
	for _, o := range p.Won {
		p.WonAmount += o.Amount
	}
	for _, o := range p.Lost {
		p.LostAmount += o.Amount
	}
	stages := m.OpenOppStages()
	for _, mv := range opps.Moves {
		if slices.Index(stages, mv.To) > slices.Index(stages, mv.From) && len(p.Advanced) < PackRows {
			p.Advanced = append(p.Advanced, OppAdvance{OppRow: mv.OppRow, From: mv.From, To: mv.To})
		}
	}

	// Standards compliance, as the standards page computes it.
	cv, err := a.Compliance(ctx, ComplianceScope{TeamID: teamID}, w)
	if err != nil {
		return p, err
	}
	for _, c := range cv.People {
		if slices.Contains(ids, c.PersonID) {
			p.Compliance = append(p.Compliance, c)
		}
	}

	// Next week's plan.
	next := p.Next.Days()
	if p.Plan, p.PlanTotal, err = a.store.StepsDueList(ctx, ids, next[0], next[6], PackRows); err != nil {
		return p, err
	}

	// The record.
	mt := crm.Meeting{Type: crm.MeetingWeekly, TeamID: teamID, PeriodKey: w.String()}
	return p, a.packRecord(ctx, mt, &p.Meeting, &p.Decisions, &p.Actions, &p.Carried)
}

// packRecord reads the meeting of a pack, if recorded, and the action
// items carried forward to it.
func (a *App) packRecord(ctx context.Context, mt crm.Meeting, meeting **store.MeetingRow, decisions *[]crm.Decision,
	actions, carried *[]store.ActionRow) error {
	row, err := a.store.MeetingOf(ctx, mt.Type, mt.SeriesKey(), mt.PeriodKey)
	switch {
	case errors.Is(err, crm.ErrNotFound):
		*carried, err = a.store.CarriedActions(ctx, mt.Type, mt.SeriesKey(), mt.PeriodKey, 0)
		return err
	case err != nil:
		return err
	}
	v := MeetingView{Meeting: row}
	if err := a.fillMeeting(ctx, &v); err != nil {
		return err
	}
	*meeting, *decisions, *actions, *carried = &v.Meeting, v.Decisions, v.Actions, v.Carried
	return nil
}

// keySegments are the stored standings that make an account a key
// account: the OX_NOSE and SUPER bands and the top tier (A by default).
func keySegments(m *crm.Method) (tiers, bands []string) {
	if len(m.Tiers) > 0 {
		tiers = []string{m.Tiers[0].Name}
	}
	for _, b := range m.Bands {
		if b.Name == crm.BandOxNose || b.Name == crm.BandSuper {
			bands = append(bands, b.Name)
		}
	}
	return tiers, bands
}

// perAccountTargets is each tier's revenue target divided by its target
// number of accounts, for the tiers with both (none without targets).
// Accounts have no targets of their own yet: this is what the tier target
// asks of each of its accounts.
func (a *App) perAccountTargets(ctx context.Context, periodKey string) (map[string]crm.Money, error) {
	t, err := a.store.Targets(ctx, periodKey)
	if err != nil {
		return nil, err
	}
	out := map[string]crm.Money{}
	for _, l := range t.Layers {
		if l.Accounts > 0 && l.Revenue > 0 {
			out[l.Layer] = l.Revenue / crm.Money(l.Accounts)
		}
	}
	return out, nil
}

// MeetingTeams lists the teams whose weekly pack the principal may open:
// those with an active person in the scope.
func (a *App) MeetingTeams(ctx context.Context) ([]crm.Team, error) {
	sc, err := a.Scope(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := a.store.Teams(ctx)
	if err != nil {
		return nil, err
	}
	if sc.All {
		return teams, nil
	}
	people, err := a.store.People(ctx, store.PeopleFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []crm.Team
	for _, t := range teams {
		if slices.ContainsFunc(people, func(p crm.Person) bool { return p.TeamID == t.ID && sc.Has(p.ID, 0) }) {
			out = append(out, t)
		}
	}
	return out, nil
}

// MeetingDepartments lists the departments whose monthly pack the
// principal may open, and whether the company's too.
func (a *App) MeetingDepartments(ctx context.Context) ([]crm.Department, bool, error) {
	sc, err := a.Scope(ctx)
	if err != nil {
		return nil, false, err
	}
	depts, err := a.store.Departments(ctx)
	if err != nil {
		return nil, false, err
	}
	if sc.All {
		return depts, true, nil
	}
	people, err := a.store.People(ctx, store.PeopleFilter{ActiveOnly: true})
	if err != nil {
		return nil, false, err
	}
	var out []crm.Department
	for _, d := range depts {
		if slices.ContainsFunc(people, func(p crm.Person) bool { return p.DepartmentID == d.ID && sc.Has(p.ID, 0) }) {
			out = append(out, d)
		}
	}
	return out, false, nil
}

// Risk reasons of the monthly pack.
const (
	RiskStage      = "stage"        // in lifecycle stage AT_RISK
	RiskYoY        = "yoy"          // year to date down more than the configured percentage
	RiskThreeMonth = "three_months" // last three months down more than the configured percentage
	RiskAlert      = "alert"        // an open revenue alert (app.AccountsAtRisk)
)

// AccountMonth is one key account in the monthly pack.
type AccountMonth struct {
	Account crm.Account
	Rank    int
	Band    string // at the month's end (TTM)
	Tier    string // at the month's end (TTM)
	// PrevTier is the tier at the previous month's end ("" outside the
	// pyramid).
	PrevTier string
	TTM      crm.Money
	// Revenue of the month, the month before, the same month last year,
	// the year to date and the same months of last year.
	Month, PrevMonth, MonthLY, YTD, YTDLY crm.Money
	// The last three months and the same months a year before.
	Three, ThreeLY crm.Money
	// Product and Service split the year to date.
	Product, Service crm.Money
	// TargetMonth and TargetYTD are the tier's target per account (a
	// twelfth of it a month); 0 without targets.
	TargetMonth, TargetYTD crm.Money
	Open                   store.OpenPipeline
	Risks                  []string // Risk… reasons
	// Alerts are the account's open alerts (app.OpenAlerts).
	Alerts  []store.AlertRow
	Actions []store.ActionRow
}

// Change is (cur − base) / base, and false when base is not positive.
func Change(cur, base crm.Money) (float64, bool) {
	if base <= 0 {
		return 0, false
	}
	return float64(cur-base) / float64(base), true
}

// MoM, YoY and YTDYoY are the month-on-month and year-on-year changes.
func (r AccountMonth) MoM() (float64, bool)    { return Change(r.Month, r.PrevMonth) }
func (r AccountMonth) YoY() (float64, bool)    { return Change(r.Month, r.MonthLY) }
func (r AccountMonth) YTDYoY() (float64, bool) { return Change(r.YTD, r.YTDLY) }

// TargetRatio is YTD / TargetYTD (false without a target).
func (r AccountMonth) TargetRatio() (float64, bool) {
	if r.TargetYTD <= 0 {
		return 0, false
	}
	return float64(r.YTD) / float64(r.TargetYTD), true
}

// Movement is −1 for an upgrade, +1 for a downgrade, 0 otherwise.
func (r AccountMonth) Movement(m *crm.Method) int {
	a, b := tierIndex(m, r.PrevTier), tierIndex(m, r.Tier)
	switch {
	case b < a:
		return -1
	case b > a:
		return 1
	}
	return 0
}

func tierIndex(m *crm.Method, name string) int {
	for i, t := range m.Tiers {
		if t.Name == name {
			return i
		}
	}
	return len(m.Tiers)
}

// TierMove is an account that changed tier during the month.
type TierMove struct {
	Account  crm.Account
	From, To string // "" outside the pyramid
	Revenue  crm.Money
	Up       bool
}

// RiskAccount is an account at risk.
type RiskAccount struct {
	Account  crm.Account
	Reasons  []string
	YTDDrop  float64 // fraction; 0 when not computed
	ThreeDrp float64
}

// MonthlyPack is the pack of the monthly key-account meeting of the
// company or a department for a month. Standings are the trailing twelve
// months at the month's end (TTM), ranked over the whole company; tier
// movement compares them with the TTM at the previous month's end.
type MonthlyPack struct {
	Month       crm.Month
	Department  crm.Department // ID 0: the company
	Company     bool
	Departments []crm.Department // the departments the principal may choose
	CanCompany  bool
	Today       crm.Date
	Method      crm.Method

	Period     crm.Period // TTM at the month's end
	PrevPeriod crm.Period // TTM at the previous month's end
	Year       crm.Period // the (fiscal) year of the month
	YTD        crm.Period

	// The tier structure (TTM) against the year's tier targets: targets are
	// company-wide, so a department's pack shows its structure alone.
	Tiers      []crm.Progress
	HasTargets bool
	Up, Down   int
	Moves      []TierMove
	MovesTotal int

	AtRisk      []RiskAccount
	AtRiskTotal int

	Accounts      []AccountMonth
	AccountsTotal int

	// The record and the actions: NextActions are the open action items of
	// the series (carried and this meeting's) due within three months of
	// the month's end, or without a date.
	Meeting     *store.MeetingRow
	Decisions   []crm.Decision
	Actions     []store.ActionRow
	Carried     []store.ActionRow
	NextActions []store.ActionRow
	ActionsTo   crm.Date
}

// MonthlyPack prepares the monthly meeting of department deptID (0: the
// company) for month mo.
func (a *App) MonthlyPack(ctx context.Context, deptID int64, mo crm.Month) (MonthlyPack, error) {
	p := MonthlyPack{Month: mo, Company: deptID == 0, Today: a.Today()}
	if err := Allow(ctx, crm.PermRead); err != nil {
		return p, err
	}
	s, err := a.seriesOf(ctx, 0, deptID)
	if err != nil {
		return p, err
	}
	p.Department = s.dept
	if p.Departments, p.CanCompany, err = a.MeetingDepartments(ctx); err != nil {
		return p, err
	}
	m, _, err := a.method(ctx, nil)
	if err != nil {
		return p, err
	}
	p.Method = m
	end := mo.Last()
	p.Period, p.PrevPeriod = crm.TTM(end), crm.TTM(mo.Add(-1).Last())
	p.Year = m.Year(end.Year())
	if !p.Year.Contains(end) {
		p.Year = m.Year(end.Year() - 1)
	}
	p.YTD = crm.Period{From: p.Year.From, To: end}

	// The accounts of the series.
	var keep func(int64) bool
	if !s.company {
		ids, err := a.store.AccountIDsOf(ctx, s.people)
		if err != nil {
			return p, err
		}
		slices.Sort(ids)
		keep = func(id int64) bool { _, ok := slices.BinarySearch(ids, id); return ok }
	} else if k, _, err := a.scopeKeep(ctx); err != nil {
		return p, err
	} else {
		keep = k
	}
	in := func(id int64) bool { return keep == nil || keep(id) }

	// Standings over the whole company, then the series' share of them.
	cur := m.Rank(a.ledger.revenues(p.Period, nil))
	prev := m.Rank(a.ledger.revenues(p.PrevPeriod, nil))
	prevTier := make(map[int64]int, len(prev))
	for _, st := range prev {
		prevTier[st.ID] = st.Tier
	}
	var mine, minePrev []crm.Standing
	for _, st := range cur {
		if in(st.ID) {
			mine = append(mine, st)
		}
	}
	for _, st := range prev {
		if in(st.ID) {
			minePrev = append(minePrev, st)
		}
	}
	py := m.Summarize(mine, crm.SchemeThresholds, p.Period)
	mg := m.Migrate(crm.SchemeThresholds, p.PrevPeriod, p.Period, minePrev, mine)
	p.Up, p.Down = mg.Up, mg.Down
	targets := crm.Targets{}
	if s.company {
		if targets, err = a.store.Targets(ctx, p.Year.Key); err != nil {
			return p, err
		}
	}
	p.HasTargets = len(targets.Layers) > 0
	p.Tiers, _ = targets.Compare(py, mg)

	// Moves between tiers, largest accounts first.
	var moves []TierMove
	curTier := make(map[int64]int, len(mine))
	for _, st := range mine {
		curTier[st.ID] = st.Tier
		pt, ok := prevTier[st.ID]
		if !ok {
			pt = -1
		}
		if st.Tier != pt && st.Tier >= 0 && pt >= 0 {
			moves = append(moves, TierMove{Account: crm.Account{ID: st.ID}, From: m.TierName(pt), To: m.TierName(st.Tier),
				Revenue: st.Revenue, Up: st.Tier < pt})
		}
	}
	p.MovesTotal = len(moves)
	moves = moves[:min(len(moves), PackRows)]

	// Key accounts: OX_NOSE, SUPER and the top tier, by TTM revenue.
	_, bands := keySegments(&m)
	var keyIDs []int64
	var keySt []crm.Standing
	for _, st := range mine {
		if st.Rank == 0 {
			continue
		}
		if st.Tier == 0 || slices.Contains(bands, m.BandName(st.Band)) {
			keySt = append(keySt, st)
		}
	}
	p.AccountsTotal = len(keySt)
	keySt = keySt[:min(len(keySt), PackRows)]
	for _, st := range keySt {
		keyIDs = append(keyIDs, st.ID)
	}
	prevMonth, ly := mo.Add(-1), mo.Add(-12)
	periods := []crm.Period{mo.Period(), prevMonth.Period(), ly.Period(), p.YTD,
		{From: p.YTD.From.AddMonths(-12), To: ly.Last()},
		{From: mo.Add(-2).First(), To: end}, {From: mo.Add(-14).First(), To: ly.Last()}}
	sums, service := a.ledger.accountSums(keyIDs, periods)

	// Everything the rows show of the accounts, in one read each.
	lookup := slices.Clone(keyIDs)
	for _, mv := range moves {
		lookup = append(lookup, mv.Account.ID)
	}
	accs, err := a.store.AccountsByID(ctx, lookup)
	if err != nil {
		return p, err
	}
	byID := make(map[int64]crm.Account, len(accs))
	for _, acc := range accs {
		byID[acc.ID] = acc
	}
	for i := range moves {
		moves[i].Account = byID[moves[i].Account.ID]
	}
	p.Moves = moves
	open, err := a.store.OpenPipelines(ctx, keyIDs)
	if err != nil {
		return p, err
	}
	perAccount, err := a.perAccountTargets(ctx, p.Year.Key)
	if err != nil {
		return p, err
	}
	elapsed := crm.Money(end.MonthIndex() - p.Year.From.MonthIndex() + 1)

	// The record, with the actions of the next three months.
	mt := crm.Meeting{Type: crm.MeetingMonthly, DepartmentID: deptID, PeriodKey: mo.String()}
	if err := a.packRecord(ctx, mt, &p.Meeting, &p.Decisions, &p.Actions, &p.Carried); err != nil {
		return p, err
	}
	p.ActionsTo = mo.Add(3).Last()
	for _, list := range [][]store.ActionRow{p.Carried, p.Actions} {
		for _, x := range list {
			if x.Open() && (x.Due == 0 || x.Due <= p.ActionsTo) {
				p.NextActions = append(p.NextActions, x)
			}
		}
	}
	slices.SortStableFunc(p.NextActions, func(x, y store.ActionRow) int {
		return cmp.Or(cmp.Compare(noDate(x.Due), noDate(y.Due)), cmp.Compare(x.Due, y.Due), cmp.Compare(x.ID, y.ID))
	})

	// The open alerts of the accounts (raised by app.ScanAlerts).
	alerts := map[int64][]store.AlertRow{}
	if len(keyIDs) > 0 {
		pg, err := a.OpenAlerts(ctx, AlertFilter{Limit: 5000})
		if err != nil {
			return p, err
		}
		for _, al := range pg.Alerts {
			alerts[al.AccountID] = append(alerts[al.AccountID], al)
		}
	}
	risky := map[int64]bool{}
	for i, st := range keySt {
		acc := byID[st.ID]
		r := AccountMonth{Account: acc, Rank: st.Rank, Band: m.BandName(st.Band), Tier: m.TierName(st.Tier), TTM: st.Revenue,
			Month: crm.Money(sums[i][0]), PrevMonth: crm.Money(sums[i][1]), MonthLY: crm.Money(sums[i][2]),
			YTD: crm.Money(sums[i][3]), YTDLY: crm.Money(sums[i][4]), Three: crm.Money(sums[i][5]), ThreeLY: crm.Money(sums[i][6]),
			Service: crm.Money(service[i][3]), Open: open[st.ID], Alerts: alerts[st.ID]}
		r.Product = r.YTD - r.Service
		if pt, ok := prevTier[st.ID]; ok {
			r.PrevTier = m.TierName(pt)
		}
		if t, ok := perAccount[r.Tier]; ok {
			r.TargetMonth, r.TargetYTD = t/12, t*elapsed/12
		}
		if acc.Stage == crm.StageAtRisk {
			r.Risks = append(r.Risks, RiskStage)
		}
		for _, al := range r.Alerts {
			if (al.Rule == crm.AlertRevenueYear || al.Rule == crm.AlertRevenue3M) && !slices.Contains(r.Risks, RiskAlert) {
				r.Risks = append(r.Risks, RiskAlert)
			}
		}
		if ch, ok := Change(r.YTD, r.YTDLY); ok && ch < -float64(m.Alerts.RevenueYearPct)/100 {
			r.Risks = append(r.Risks, RiskYoY)
		}
		if ch, ok := Change(r.Three, r.ThreeLY); ok && ch < -float64(m.Alerts.Revenue3MPct)/100 {
			r.Risks = append(r.Risks, RiskThreeMonth)
		}
		for _, x := range p.NextActions {
			if x.AccountID == acc.ID {
				r.Actions = append(r.Actions, x)
			}
		}
		if len(r.Risks) > 0 {
			risky[acc.ID] = true
			ra := RiskAccount{Account: acc, Reasons: r.Risks}
			if ch, ok := Change(r.YTD, r.YTDLY); ok {
				ra.YTDDrop = -ch
			}
			if ch, ok := Change(r.Three, r.ThreeLY); ok {
				ra.ThreeDrp = -ch
			}
			p.AtRisk = append(p.AtRisk, ra)
		}
		p.Accounts = append(p.Accounts, r)
	}
	// … and every other account of the series in stage AT_RISK.
	var people []int64
	if !s.company {
		people = s.people
	} else if sc, err := a.Scope(ctx); err != nil {
		return p, err
	} else if !sc.All {
		people = sc.Filter()
	}
	staged, stagedTotal, err := a.store.AccountsInStage(ctx, people, crm.StageAtRisk, PackRows)
	if err != nil {
		return p, err
	}
	extra := stagedTotal
	for _, acc := range staged {
		if risky[acc.ID] {
			extra--
			continue
		}
		if len(p.AtRisk) < PackRows {
			p.AtRisk = append(p.AtRisk, RiskAccount{Account: acc, Reasons: []string{RiskStage}})
		}
	}
	p.AtRiskTotal = len(risky) + extra
	return p, nil
}

// noDate sorts items without a date after the dated ones.
func noDate(d crm.Date) int {
	if d == 0 {
		return 1
	}
	return 0
}
