package crm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Activities (METHODOLOGY §6.1): what a rep or a project lead did with an
// account, with the next step it led to. docs/process.md.

// Activity kinds.
const (
	ActVisit        = "VISIT"
	ActCall         = "CALL"
	ActDemo         = "DEMO"
	ActProposal     = "PROPOSAL"
	ActExecMeeting  = "EXEC_MEETING"
	ActServiceVisit = "SERVICE_VISIT"
)

// ActivityKinds lists the kinds in the order the forms offer them.
var ActivityKinds = []string{ActVisit, ActCall, ActDemo, ActProposal, ActExecMeeting, ActServiceVisit}

// Activity is one customer activity.
type Activity struct {
	ID            int64
	Kind          string
	AccountID     int64
	OpportunityID int64 // 0: none
	Date          Date
	// Contacts are the names of the customer's people who took part. Free
	// text: KAM has no contact records yet.
	Contacts     []string
	Objective    string
	Outcome      string
	NextStep     string
	NextStepDue  Date // 0: no date
	NextStepDone bool
	OwnerID      int64
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Normalize trims the text fields.
func (a *Activity) Normalize() {
	a.Kind = strings.TrimSpace(a.Kind)
	a.Objective = strings.TrimSpace(a.Objective)
	a.Outcome = strings.TrimSpace(a.Outcome)
	a.NextStep = strings.TrimSpace(a.NextStep)
	a.Contacts = cleanList(a.Contacts)
}

// Validate checks an activity's own fields on day today (its references are
// checked by the use case): an activity records what happened, so it is
// not dated in the future.
func (a *Activity) Validate(today Date) error {
	var v ValidationError
	if !slices.Contains(ActivityKinds, a.Kind) {
		v.Add("kind", "error.activity.kind")
	}
	if a.AccountID == 0 {
		v.Add("account", "error.required")
	}
	switch {
	case a.Date == 0:
		v.Add("date", "error.required")
	case !a.Date.Valid():
		v.Add("date", "error.activity.date")
	case a.Date > today:
		v.Add("date", "error.activity.future")
	}
	if len(a.Contacts) > 20 {
		v.Add("contacts", "error.list.too_many")
	}
	for _, c := range a.Contacts {
		if utf8.RuneCountInString(c) > 100 {
			v.Add("contacts", "error.too_long")
		}
	}
	for f, s := range map[string]string{"objective": a.Objective, "outcome": a.Outcome, "next_step": a.NextStep} {
		if utf8.RuneCountInString(s) > 4000 {
			v.Add(f, "error.too_long")
		}
	}
	switch {
	case a.NextStepDue != 0 && !a.NextStepDue.Valid():
		v.Add("next_step_due", "error.activity.date")
	case a.NextStepDue != 0 && a.NextStep == "":
		v.Add("next_step", "error.activity.next_step")
	case a.NextStepDue != 0 && a.Date.Valid() && a.NextStepDue < a.Date:
		v.Add("next_step_due", "error.activity.due_before")
	}
	return v.OrNil()
}

// Overdue reports whether the activity's next step is past due on today.
func (a Activity) Overdue(today Date) bool {
	return a.NextStep != "" && a.NextStepDue != 0 && !a.NextStepDone && a.NextStepDue < today
}

// Week is an ISO 8601 week: Monday to Sunday.
type Week struct {
	Year, Num int
}

// WeekOf returns the ISO week of d.
func WeekOf(d Date) Week {
	y, w := d.Time().ISOWeek()
	return Week{y, w}
}

// ParseWeek reads 2026-W48.
func ParseWeek(s string) (Week, bool) {
	y, w, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-W")
	if !ok || len(y) != 4 || len(w) < 1 || len(w) > 2 {
		return Week{}, false
	}
	var wk Week
	for _, c := range y {
		if c < '0' || c > '9' {
			return Week{}, false
		}
		wk.Year = wk.Year*10 + int(c-'0')
	}
	for _, c := range w {
		if c < '0' || c > '9' {
			return Week{}, false
		}
		wk.Num = wk.Num*10 + int(c-'0')
	}
	if wk.Year < 1900 || wk.Year > 2999 || wk.Num < 1 || WeekOf(wk.Monday()) != wk {
		return Week{}, false
	}
	return wk, true
}

// Monday returns the first day of the week.
func (w Week) Monday() Date {
	// 4 January is always in week 1.
	jan4 := time.Date(w.Year, 1, 4, 0, 0, 0, 0, time.UTC)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	return DateOf(jan4.AddDate(0, 0, -offset+7*(w.Num-1)))
}

// Days returns Monday to Sunday.
func (w Week) Days() []Date {
	m := w.Monday()
	out := make([]Date, 7)
	for i := range out {
		out[i] = m.AddDays(i)
	}
	return out
}

// Next and Prev are the weeks after and before.
func (w Week) Next() Week { return WeekOf(w.Monday().AddDays(7)) }
func (w Week) Prev() Week { return WeekOf(w.Monday().AddDays(-7)) }

func (w Week) String() string {
	s := []byte("0000-W00")
	y := w.Year
	for i := 3; i >= 0; i-- {
		s[i] = byte('0' + y%10)
		y /= 10
	}
	s[6], s[7] = byte('0'+w.Num/10), byte('0'+w.Num%10)
	return string(s)
}
