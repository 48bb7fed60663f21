package app

import (
	"encoding/json"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// The JSON forms of the meeting packs and records (docs/meetings.md,
// docs/api.md). Money is as in views.go (a number with two decimals);
// shares, ratios and changes are fractions of 1, null when there is
// nothing to compare with; dates are YYYY-MM-DD, "" or absent when unset.

const jsonTime = "2006-01-02T15:04:05Z"

func dateJSON(d crm.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func timeJSON(t time.Time) string { return t.UTC().Format(jsonTime) }

// optMoney is money that may be missing (null).
func optMoney(m crm.Money, ok bool) *json.Number {
	if !ok {
		return nil
	}
	n := MoneyJSON(m)
	return &n
}

// optRatio is a fraction that may be missing (null).
func optRatio(f float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &f
}

func strs(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// MeetingJSON is a recorded meeting.
type MeetingJSON struct {
	ID             int64    `json:"id"`
	Type           string   `json:"type"`
	TeamID         int64    `json:"team_id,omitempty"`
	TeamName       string   `json:"team_name,omitempty"`
	DepartmentID   int64    `json:"department_id,omitempty"`
	DepartmentName string   `json:"department_name,omitempty"`
	Company        bool     `json:"company"` // the company's monthly meeting
	Period         string   `json:"period"`  // 2026-W48 or 2026-11
	HeldAt         string   `json:"held_at,omitempty"`
	Attendees      []string `json:"attendees"`
	Blockers       []string `json:"blockers"`
	Notes          string   `json:"notes"`
	Version        int      `json:"version"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

// NewMeetingJSON converts a meeting.
func NewMeetingJSON(m store.MeetingRow) MeetingJSON {
	return MeetingJSON{ID: m.ID, Type: m.Type, TeamID: m.TeamID, TeamName: m.TeamName, DepartmentID: m.DepartmentID,
		DepartmentName: m.DepartmentName, Company: m.Type == crm.MeetingMonthly && m.DepartmentID == 0, Period: m.PeriodKey,
		HeldAt: dateJSON(m.HeldAt), Attendees: strs(m.Attendees), Blockers: strs(m.Blockers), Notes: m.Notes, Version: m.Version,
		CreatedAt: timeJSON(m.CreatedAt), UpdatedAt: timeJSON(m.UpdatedAt)}
}

// DecisionJSON is a decision of a meeting.
type DecisionJSON struct {
	ID        int64  `json:"id"`
	MeetingID int64  `json:"meeting_id"`
	Text      string `json:"text"`
	Version   int    `json:"version"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// NewDecisionJSON converts a decision.
func NewDecisionJSON(d crm.Decision) DecisionJSON {
	return DecisionJSON{ID: d.ID, MeetingID: d.MeetingID, Text: d.Text, Version: d.Version, CreatedAt: timeJSON(d.CreatedAt),
		UpdatedAt: timeJSON(d.UpdatedAt)}
}

// ActionItemJSON is an action item.
type ActionItemJSON struct {
	ID          int64  `json:"id"`
	MeetingID   int64  `json:"meeting_id"`  // the meeting that raised it
	FromPeriod  string `json:"from_period"` // … and its period
	Text        string `json:"text"`
	OwnerID     int64  `json:"owner_id,omitempty"`
	OwnerName   string `json:"owner_name,omitempty"`
	AccountID   int64  `json:"account_id,omitempty"`
	AccountCode string `json:"account_code,omitempty"`
	AccountName string `json:"account_name,omitempty"`
	Due         string `json:"due,omitempty"`
	Status      string `json:"status"` // OPEN or DONE
	Overdue     bool   `json:"overdue"`
	ClosedIn    int64  `json:"closed_in,omitempty"` // the meeting that closed it
	ClosedOn    string `json:"closed_on,omitempty"`
	Version     int    `json:"version"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// NewActionItemJSON converts an action item; today judges Overdue.
func NewActionItemJSON(x store.ActionRow, today crm.Date) ActionItemJSON {
	return ActionItemJSON{ID: x.ID, MeetingID: x.MeetingID, FromPeriod: x.FromPeriod, Text: x.Text, OwnerID: x.OwnerID,
		OwnerName: x.OwnerName, AccountID: x.AccountID, AccountCode: x.AccountCode, AccountName: x.AccountName, Due: dateJSON(x.Due),
		Status: x.Status, Overdue: x.Overdue(today), ClosedIn: x.ClosedIn, ClosedOn: dateJSON(x.ClosedOn), Version: x.Version,
		CreatedAt: timeJSON(x.CreatedAt), UpdatedAt: timeJSON(x.UpdatedAt)}
}

func actionsJSON(l []store.ActionRow, today crm.Date) []ActionItemJSON {
	out := make([]ActionItemJSON, 0, len(l))
	for _, x := range l {
		out = append(out, NewActionItemJSON(x, today))
	}
	return out
}

// RecordJSON is a meeting with its decisions and action items: those it
// raised and those carried forward from earlier meetings of its series
// (still open, or closed in it). Meeting is null in a pack not recorded
// yet, whose Carried are the open items it will inherit.
type RecordJSON struct {
	Meeting     *MeetingJSON     `json:"meeting"`
	Decisions   []DecisionJSON   `json:"decisions"`
	ActionItems []ActionItemJSON `json:"action_items"`
	Carried     []ActionItemJSON `json:"carried"`
}

func newRecordJSON(m *store.MeetingRow, ds []crm.Decision, actions, carried []store.ActionRow, today crm.Date) RecordJSON {
	out := RecordJSON{Decisions: []DecisionJSON{}, ActionItems: actionsJSON(actions, today), Carried: actionsJSON(carried, today)}
	if m != nil {
		mj := NewMeetingJSON(*m)
		out.Meeting = &mj
	}
	for _, d := range ds {
		out.Decisions = append(out.Decisions, NewDecisionJSON(d))
	}
	return out
}

// NewRecordJSON converts a meeting with its decisions and action items.
func NewRecordJSON(v MeetingView, today crm.Date) RecordJSON {
	return newRecordJSON(&v.Meeting, v.Decisions, v.Actions, v.Carried, today)
}

// PackOppJSON is an opportunity in a pack.
type PackOppJSON struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	AccountID   int64       `json:"account_id"`
	AccountCode string      `json:"account_code"`
	AccountName string      `json:"account_name"`
	OwnerID     int64       `json:"owner_id,omitempty"`
	OwnerName   string      `json:"owner_name,omitempty"`
	Stage       string      `json:"stage"`
	Amount      json.Number `json:"amount"`
	CloseDate   string      `json:"close_date,omitempty"`
	ClosedOn    string      `json:"closed_on,omitempty"`
	LostReason  string      `json:"lost_reason,omitempty"`
	CreatedAt   string      `json:"created_at"`
	// FromStage and ToStage: the move forward of an advanced opportunity.
	FromStage string `json:"from_stage,omitempty"`
	ToStage   string `json:"to_stage,omitempty"`
}

func packOpp(o store.OppRow) PackOppJSON {
	return PackOppJSON{ID: o.ID, Name: o.Name, AccountID: o.AccountID, AccountCode: o.AccountCode, AccountName: o.AccountName,
		OwnerID: o.OwnerID, OwnerName: o.OwnerName, Stage: o.Stage, Amount: MoneyJSON(o.Amount), CloseDate: dateJSON(o.CloseDate),
		ClosedOn: dateJSON(o.ClosedOn), LostReason: o.LostReason, CreatedAt: timeJSON(o.CreatedAt)}
}

// PackOppsJSON is one list of opportunities: at most PackRows of Total.
// Amount sums the opportunities listed (won and lost only).
type PackOppsJSON struct {
	Total  int           `json:"total"`
	Amount *json.Number  `json:"amount,omitempty"`
	Items  []PackOppJSON `json:"items"`
}

func packOpps(l []store.OppRow, total int) PackOppsJSON {
	out := PackOppsJSON{Total: total, Items: make([]PackOppJSON, 0, len(l))}
	for _, o := range l {
		out.Items = append(out.Items, packOpp(o))
	}
	return out
}

// PersonResultJSON is one person's week (or the team's sums, without a
// person) in the weekly pack.
type PersonResultJSON struct {
	PersonID   int64  `json:"person_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Track      string `json:"track,omitempty"`
	Activities int    `json:"activities"`
	// Meetings are the effective customer meetings, against the standard
	// of the person's track (the team's sum for the total; 0: none).
	Meetings      int  `json:"meetings"`
	Standard      int  `json:"meeting_standard"`
	MeetsStandard bool `json:"meets_standard"`
	// StepsDue are the next steps due in the week (the plan), StepsDone
	// those done.
	StepsDue  int `json:"steps_due"`
	StepsDone int `json:"steps_done"`
	// OppsOpen, of which OppsCovered have an open next step due within the
	// window after the week; Coverage is their fraction (1 without open
	// opportunities).
	OppsOpen    int     `json:"open_opportunities"`
	OppsCovered int     `json:"covered_opportunities"`
	Coverage    float64 `json:"coverage"`
}

func personResultJSON(r PersonResult) PersonResultJSON {
	return PersonResultJSON{PersonID: r.Person.ID, Name: r.Person.Name, Track: r.Person.Track, Activities: r.Activities,
		Meetings: r.Meetings, Standard: r.Standard, MeetsStandard: r.MeetsStandard(), StepsDue: r.StepsDue, StepsDone: r.StepsDone,
		OppsOpen: r.OppsOpen, OppsCovered: r.OppsCovered, Coverage: r.Coverage()}
}

// WeekRevenueJSON is the revenue of the week against the monthly target
// prorated to the week (target and ratio null without tier targets).
type WeekRevenueJSON struct {
	Revenue      json.Number  `json:"revenue"`
	Target       *json.Number `json:"target"`
	Ratio        *float64     `json:"ratio"`
	TargetPeriod string       `json:"target_period"`
}

// KeyProgressJSON is a key account of the team in the weekly pack.
type KeyProgressJSON struct {
	AccountID   int64       `json:"account_id"`
	Code        string      `json:"code"`
	Name        string      `json:"name"`
	Tier        string      `json:"tier"`
	Band        string      `json:"band"`
	Stage       string      `json:"stage"`
	YTD         json.Number `json:"ytd_revenue"`
	LastDate    string      `json:"last_activity_date,omitempty"`
	LastKind    string      `json:"last_activity_kind,omitempty"`
	LastOutcome string      `json:"last_outcome,omitempty"`
	NextStep    string      `json:"next_step,omitempty"`
	NextDue     string      `json:"next_step_due,omitempty"`
	NextOwner   string      `json:"next_step_owner,omitempty"`
}

// PlanStepJSON is an open next step of the plan of the next week.
type PlanStepJSON struct {
	ActivityID      int64  `json:"activity_id"`
	Kind            string `json:"kind"`
	Date            string `json:"date"`
	AccountID       int64  `json:"account_id"`
	AccountName     string `json:"account_name"`
	OpportunityID   int64  `json:"opportunity_id,omitempty"`
	OpportunityName string `json:"opportunity_name,omitempty"`
	OwnerID         int64  `json:"owner_id"`
	OwnerName       string `json:"owner_name"`
	NextStep        string `json:"next_step"`
	Due             string `json:"due"`
}

// WeeklyPackJSON is the pack of a team's weekly meeting.
type WeeklyPackJSON struct {
	TeamID   int64  `json:"team_id"`
	TeamName string `json:"team_name"`
	Week     string `json:"week"` // under review
	From     string `json:"from"`
	To       string `json:"to"`
	NextWeek string `json:"next_week"`
	Today    string `json:"today"`

	Results []PersonResultJSON `json:"results"`
	Total   PersonResultJSON   `json:"total"`
	Revenue WeekRevenueJSON    `json:"revenue"`
	// Compliance is app.Compliance for the team and week (GET /standards).
	Compliance  []PersonCompliance `json:"compliance"`
	KeyAccounts struct {
		Total int               `json:"total"`
		Items []KeyProgressJSON `json:"items"`
	} `json:"key_accounts"`
	Opportunities struct {
		New      PackOppsJSON `json:"new"`
		Advanced PackOppsJSON `json:"advanced"`
		Stalled  PackOppsJSON `json:"stalled"`
		Won      PackOppsJSON `json:"won"`
		Lost     PackOppsJSON `json:"lost"`
	} `json:"opportunities"`
	Plan struct {
		Total int            `json:"total"`
		Items []PlanStepJSON `json:"items"`
	} `json:"plan"`
	Record RecordJSON `json:"record"`
}

// NewWeeklyPackJSON converts a weekly pack.
func NewWeeklyPackJSON(p WeeklyPack) WeeklyPackJSON {
	out := WeeklyPackJSON{TeamID: p.Team.ID, TeamName: p.Team.Name, Week: p.Week.String(), From: p.From.String(), To: p.To.String(),
		NextWeek: p.Next.String(), Today: p.Today.String(), Results: []PersonResultJSON{}, Total: personResultJSON(p.Total),
		Compliance: p.Compliance}
	for _, r := range p.Results {
		out.Results = append(out.Results, personResultJSON(r))
	}
	if out.Compliance == nil {
		out.Compliance = []PersonCompliance{}
	}
	out.Revenue = WeekRevenueJSON{Revenue: MoneyJSON(p.Revenue), Target: optMoney(p.Target, p.HasTarget), TargetPeriod: p.TargetPeriod}
	if p.HasTarget && p.Target > 0 {
		out.Revenue.Ratio = optRatio(float64(p.Revenue)/float64(p.Target), true)
	}
	out.KeyAccounts.Total, out.KeyAccounts.Items = p.KeyTotal, []KeyProgressJSON{}
	for _, k := range p.KeyAccounts {
		a := k.Account
		out.KeyAccounts.Items = append(out.KeyAccounts.Items, KeyProgressJSON{AccountID: a.ID, Code: a.Code, Name: a.Name, Tier: a.Tier,
			Band: a.Band, Stage: a.Stage, YTD: MoneyJSON(k.YTD), LastDate: dateJSON(k.Pulse.LastDate), LastKind: k.Pulse.LastKind,
			LastOutcome: k.Pulse.LastOutcome, NextStep: k.Pulse.NextStep, NextDue: dateJSON(k.Pulse.NextDue), NextOwner: k.Pulse.NextOwner})
	}
	o := &out.Opportunities
	o.New, o.Stalled = packOpps(p.New, p.NewTotal), packOpps(p.Stalled, p.StalledTotal)
	o.Won, o.Lost = packOpps(p.Won, p.WonTotal), packOpps(p.Lost, p.LostTotal)
	o.Won.Amount, o.Lost.Amount = optMoney(p.WonAmount, true), optMoney(p.LostAmount, true)
	o.Advanced = PackOppsJSON{Total: len(p.Advanced), Items: []PackOppJSON{}}
	for _, a := range p.Advanced {
		j := packOpp(a.OppRow)
		j.FromStage, j.ToStage = a.From, a.To
		o.Advanced.Items = append(o.Advanced.Items, j)
	}
	out.Plan.Total, out.Plan.Items = p.PlanTotal, []PlanStepJSON{}
	for _, x := range p.Plan {
		out.Plan.Items = append(out.Plan.Items, PlanStepJSON{ActivityID: x.ID, Kind: x.Kind, Date: dateJSON(x.Date), AccountID: x.AccountID,
			AccountName: x.AccountName, OpportunityID: x.OpportunityID, OpportunityName: x.OpportunityName, OwnerID: x.OwnerID,
			OwnerName: x.OwnerName, NextStep: x.NextStep, Due: dateJSON(x.NextStepDue)})
	}
	out.Record = newRecordJSON(p.Meeting, p.Decisions, p.Actions, p.Carried, p.Today)
	return out
}

// TierProgressJSON is one tier of the monthly pack against its target
// (targets null in a department's pack or without a target for the tier).
type TierProgressJSON struct {
	Tier           string       `json:"tier"`
	Accounts       int          `json:"accounts"`
	Revenue        json.Number  `json:"revenue"`
	TargetAccounts *int         `json:"target_accounts"`
	TargetRevenue  *json.Number `json:"target_revenue"`
	AccountsRatio  *float64     `json:"accounts_ratio"`
	RevenueRatio   *float64     `json:"revenue_ratio"`
}

// AccountRefJSON names an account.
type AccountRefJSON struct {
	ID    int64  `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	Stage string `json:"stage,omitempty"`
}

func accountRef(a crm.Account) AccountRefJSON {
	return AccountRefJSON{ID: a.ID, Code: a.Code, Name: a.Name, Stage: a.Stage}
}

// TierMoveJSON is an account that changed tier in the month.
type TierMoveJSON struct {
	Account AccountRefJSON `json:"account"`
	From    string         `json:"from"`
	To      string         `json:"to"`
	Up      bool           `json:"up"`
	Revenue json.Number    `json:"ttm_revenue"`
}

// RiskJSON is an account at risk with the reasons (stage, yoy,
// three_months, alert) and its drops as fractions (null: not computed).
type RiskJSON struct {
	Account        AccountRefJSON `json:"account"`
	Reasons        []string       `json:"reasons"`
	YTDDrop        *float64       `json:"ytd_drop"`
	ThreeMonthDrop *float64       `json:"three_month_drop"`
}

// AccountMonthJSON is a 牛鼻子, 超级 or A account in the monthly pack.
type AccountMonthJSON struct {
	Account  AccountRefJSON `json:"account"`
	Rank     int            `json:"rank"`
	Band     string         `json:"band"`
	Tier     string         `json:"tier"`
	PrevTier string         `json:"previous_tier"`
	Movement string         `json:"movement"` // up, down, kept, or new (no revenue in the previous TTM)
	TTM      json.Number    `json:"ttm_revenue"`
	// Revenue of the month, the month before, the same month last year,
	// the year to date and the same months last year, the last three
	// months and the same three a year before.
	Month       json.Number  `json:"month"`
	PrevMonth   json.Number  `json:"previous_month"`
	MonthLY     json.Number  `json:"month_last_year"`
	YTD         json.Number  `json:"ytd"`
	YTDLY       json.Number  `json:"ytd_last_year"`
	Three       json.Number  `json:"three_months"`
	ThreeLY     json.Number  `json:"three_months_last_year"`
	Product     json.Number  `json:"product_ytd"`
	Service     json.Number  `json:"service_ytd"`
	TargetMonth *json.Number `json:"target_month"`
	TargetYTD   *json.Number `json:"target_ytd"`
	TargetRatio *float64     `json:"target_ratio"` // ytd / target_ytd
	MoM         *float64     `json:"mom"`
	YoY         *float64     `json:"yoy"`
	YTDYoY      *float64     `json:"ytd_yoy"`
	Open        struct {
		Count  int         `json:"count"`
		Amount json.Number `json:"amount"`
	} `json:"open_opportunities"`
	Risks       []string         `json:"risks"`
	Alerts      []PackAlertJSON  `json:"alerts"`
	ActionItems []ActionItemJSON `json:"action_items"`
}

// PackAlertJSON is an open alert of an account.
type PackAlertJSON struct {
	ID       int64     `json:"id"`
	Rule     string    `json:"rule"`
	RaisedAt time.Time `json:"raised_at"`
}

// MonthlyPackJSON is the pack of the monthly key-account meeting of a
// department or the company.
type MonthlyPackJSON struct {
	Month          string     `json:"month"`
	Company        bool       `json:"company"`
	DepartmentID   int64      `json:"department_id,omitempty"`
	DepartmentName string     `json:"department_name,omitempty"`
	Today          string     `json:"today"`
	Currency       string     `json:"currency"`
	Period         PeriodJSON `json:"period"`          // TTM at the month's end
	PrevPeriod     PeriodJSON `json:"previous_period"` // TTM at the previous month's end
	Year           PeriodJSON `json:"year"`
	YTD            PeriodJSON `json:"ytd"`

	Tiers      []TierProgressJSON `json:"tiers"`
	HasTargets bool               `json:"has_targets"`
	Upgrades   int                `json:"upgrades"`
	Downgrades int                `json:"downgrades"`
	Moves      struct {
		Total int            `json:"total"`
		Items []TierMoveJSON `json:"items"`
	} `json:"moves"`
	AtRisk struct {
		Total int        `json:"total"`
		Items []RiskJSON `json:"items"`
	} `json:"at_risk"`
	KeyAccounts struct {
		Total int                `json:"total"`
		Items []AccountMonthJSON `json:"items"`
	} `json:"key_accounts"`
	// NextActions are the open action items due by ActionsTo (the end of
	// the third month after) or without a date.
	NextActions []ActionItemJSON `json:"next_actions"`
	ActionsTo   string           `json:"actions_to"`
	Record      RecordJSON       `json:"record"`
}

// NewMonthlyPackJSON converts a monthly pack.
func NewMonthlyPackJSON(p MonthlyPack) MonthlyPackJSON {
	out := MonthlyPackJSON{Month: p.Month.String(), Company: p.Company, DepartmentID: p.Department.ID, DepartmentName: p.Department.Name,
		Today: p.Today.String(), Currency: p.Method.Currency, Period: NewPeriodJSON(p.Period), PrevPeriod: NewPeriodJSON(p.PrevPeriod),
		Year: NewPeriodJSON(p.Year), YTD: NewPeriodJSON(p.YTD), Tiers: []TierProgressJSON{}, HasTargets: p.HasTargets, Upgrades: p.Up,
		Downgrades: p.Down, NextActions: actionsJSON(p.NextActions, p.Today), ActionsTo: dateJSON(p.ActionsTo)}
	for _, t := range p.Tiers {
		tj := TierProgressJSON{Tier: t.Name, Accounts: t.ActualAccounts, Revenue: MoneyJSON(t.ActualRevenue)}
		if t.TargetAccounts > 0 || t.TargetRevenue > 0 {
			n := t.TargetAccounts
			tj.TargetAccounts, tj.TargetRevenue = &n, optMoney(t.TargetRevenue, true)
			tj.AccountsRatio = optRatio(t.AccountsRatio, t.TargetAccounts > 0)
			tj.RevenueRatio = optRatio(t.RevenueRatio, t.TargetRevenue > 0)
		}
		out.Tiers = append(out.Tiers, tj)
	}
	out.Moves.Total, out.Moves.Items = p.MovesTotal, []TierMoveJSON{}
	for _, m := range p.Moves {
		out.Moves.Items = append(out.Moves.Items, TierMoveJSON{Account: accountRef(m.Account), From: m.From, To: m.To, Up: m.Up,
			Revenue: MoneyJSON(m.Revenue)})
	}
	out.AtRisk.Total, out.AtRisk.Items = p.AtRiskTotal, []RiskJSON{}
	for _, r := range p.AtRisk {
		rj := RiskJSON{Account: accountRef(r.Account), Reasons: strs(r.Reasons)}
		if r.YTDDrop != 0 {
			rj.YTDDrop = optRatio(r.YTDDrop, true)
		}
		if r.ThreeDrp != 0 {
			rj.ThreeMonthDrop = optRatio(r.ThreeDrp, true)
		}
		out.AtRisk.Items = append(out.AtRisk.Items, rj)
	}
	out.KeyAccounts.Total, out.KeyAccounts.Items = p.AccountsTotal, []AccountMonthJSON{}
	for _, r := range p.Accounts {
		j := AccountMonthJSON{Account: accountRef(r.Account), Rank: r.Rank, Band: r.Band, Tier: r.Tier, PrevTier: r.PrevTier,
			Movement: "kept", TTM: MoneyJSON(r.TTM), Month: MoneyJSON(r.Month), PrevMonth: MoneyJSON(r.PrevMonth),
			MonthLY: MoneyJSON(r.MonthLY), YTD: MoneyJSON(r.YTD), YTDLY: MoneyJSON(r.YTDLY), Three: MoneyJSON(r.Three),
			ThreeLY: MoneyJSON(r.ThreeLY), Product: MoneyJSON(r.Product), Service: MoneyJSON(r.Service),
			TargetMonth: optMoney(r.TargetMonth, r.TargetYTD > 0), TargetYTD: optMoney(r.TargetYTD, r.TargetYTD > 0),
			TargetRatio: optRatio(r.TargetRatio()), MoM: optRatio(r.MoM()), YoY: optRatio(r.YoY()), YTDYoY: optRatio(r.YTDYoY()),
			Risks: strs(r.Risks), Alerts: []PackAlertJSON{}, ActionItems: actionsJSON(r.Actions, p.Today)}
		switch {
		case r.PrevTier == "":
			j.Movement = "new"
		case r.Movement(&p.Method) == -1:
			j.Movement = "up"
		case r.Movement(&p.Method) == 1:
			j.Movement = "down"
		}
		j.Open.Count, j.Open.Amount = r.Open.Count, MoneyJSON(r.Open.Amount)
		for _, al := range r.Alerts {
			j.Alerts = append(j.Alerts, PackAlertJSON{ID: al.ID, Rule: al.Rule, RaisedAt: al.RaisedAt})
		}
		out.KeyAccounts.Items = append(out.KeyAccounts.Items, j)
	}
	out.Record = newRecordJSON(p.Meeting, p.Decisions, p.Actions, p.Carried, p.Today)
	return out
}
