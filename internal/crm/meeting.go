package crm

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Meetings (METHODOLOGY §6.3): the weekly communication meeting of a team
// (周沟通会) and the monthly key-account business analysis meeting of the
// company or a department (月大客户经营分析会). KAM prepares each meeting's
// pack from the data; the meeting records its attendees, blockers,
// decisions and action items. Open action items carry forward to the next
// meeting of the same series until closed. docs/meetings.md.

// Meeting types.
const (
	MeetingWeekly  = "WEEKLY"
	MeetingMonthly = "MONTHLY"
)

// MeetingTypes lists the meeting types.
var MeetingTypes = []string{MeetingWeekly, MeetingMonthly}

// Action item statuses.
const (
	ActionOpen = "OPEN"
	ActionDone = "DONE"
)

// Meeting is one held (or planned) meeting of a series: a weekly meeting
// of a team, or a monthly meeting of a department or the whole company.
type Meeting struct {
	ID   int64
	Type string
	// TeamID is the team of a weekly meeting; DepartmentID the department
	// of a monthly one (0: the company).
	TeamID       int64
	DepartmentID int64
	// PeriodKey is the ISO week (2026-W48) of a weekly meeting, the month
	// (2026-11) of a monthly one. Keys of one series sort in time order.
	PeriodKey string
	HeldAt    Date // 0: not held yet
	Attendees []string
	Blockers  []string // blockers and help needed, one item each
	Notes     string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SeriesKey names the series a meeting belongs to: "team:5",
// "department:3" or "company". Action items carry forward within a series.
func (m *Meeting) SeriesKey() string {
	switch {
	case m.Type == MeetingWeekly:
		return fmt.Sprintf("team:%d", m.TeamID)
	case m.DepartmentID != 0:
		return fmt.Sprintf("department:%d", m.DepartmentID)
	}
	return "company"
}

// Normalize trims the text fields and drops empty list items.
func (m *Meeting) Normalize() {
	m.PeriodKey = strings.ToUpper(strings.TrimSpace(m.PeriodKey))
	m.Notes = strings.TrimSpace(m.Notes)
	m.Attendees = cleanList(m.Attendees)
	m.Blockers = cleanList(m.Blockers)
}

// Validate checks a meeting's own fields (the team and department are
// checked by the use case).
func (m *Meeting) Validate() error {
	var v ValidationError
	switch m.Type {
	case MeetingWeekly:
		if m.TeamID == 0 {
			v.Add("team", "error.required")
		}
		if _, ok := ParseWeek(m.PeriodKey); !ok {
			v.Add("period", "error.meeting.week")
		}
		if m.DepartmentID != 0 {
			v.Add("department", "error.meeting.scope")
		}
	case MeetingMonthly:
		if _, ok := ParseMonth(m.PeriodKey); !ok {
			v.Add("period", "error.meeting.month")
		}
		if m.TeamID != 0 {
			v.Add("team", "error.meeting.scope")
		}
	default:
		v.Add("type", "error.meeting.type")
	}
	if m.HeldAt != 0 && !m.HeldAt.Valid() {
		v.Add("held_at", "error.meeting.date")
	}
	checkItems(&v, "attendees", m.Attendees, 100, 100)
	checkItems(&v, "blockers", m.Blockers, 50, 1000)
	if utf8.RuneCountInString(m.Notes) > 20000 {
		v.Add("notes", "error.too_long")
	}
	return v.OrNil()
}

func checkItems(v *ValidationError, field string, list []string, most, long int) {
	if len(list) > most {
		v.Add(field, "error.list.too_many")
	}
	for _, s := range list {
		if utf8.RuneCountInString(s) > long {
			v.Add(field, "error.too_long")
		}
	}
}

// Decision is one decision a meeting took.
type Decision struct {
	ID        int64
	MeetingID int64
	Text      string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a decision's text.
func (d *Decision) Validate() error {
	var v ValidationError
	d.Text = strings.TrimSpace(d.Text)
	switch {
	case d.Text == "":
		v.Add("text", "error.required")
	case utf8.RuneCountInString(d.Text) > 4000:
		v.Add("text", "error.too_long")
	}
	return v.OrNil()
}

// ActionItem is something a meeting asked someone to do by a day. It
// stays open, and is shown on every later meeting of the same series,
// until it is closed.
type ActionItem struct {
	ID        int64
	MeetingID int64 // the meeting that raised it
	Text      string
	OwnerID   int64 // 0: nobody yet
	AccountID int64 // 0: not about one account
	Due       Date  // 0: no date
	Status    string
	// ClosedIn is the meeting in which it was closed (0: closed outside a
	// meeting, or still open); ClosedOn the day.
	ClosedIn  int64
	ClosedOn  Date
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Open reports whether the item is still open.
func (x ActionItem) Open() bool { return x.Status != ActionDone }

// Overdue reports whether the item is open and past due on today.
func (x ActionItem) Overdue(today Date) bool { return x.Open() && x.Due != 0 && x.Due < today }

// Validate checks an action item's own fields.
func (x *ActionItem) Validate() error {
	var v ValidationError
	x.Text = strings.TrimSpace(x.Text)
	switch {
	case x.Text == "":
		v.Add("text", "error.required")
	case utf8.RuneCountInString(x.Text) > 2000:
		v.Add("text", "error.too_long")
	}
	if x.Due != 0 && !x.Due.Valid() {
		v.Add("due", "error.meeting.date")
	}
	if x.Status != ActionOpen && x.Status != ActionDone {
		v.Add("status", "error.action.status")
	}
	return v.OrNil()
}

// Month is a calendar month.
type Month struct {
	Year int
	Num  int // 1…12
}

// MonthOf returns the month of d.
func MonthOf(d Date) Month { return Month{d.Year(), int(d.Month())} }

// ParseMonth reads 2026-11.
func ParseMonth(s string) (Month, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[4] != '-' {
		return Month{}, false
	}
	var m Month
	for i, c := range s {
		switch {
		case i == 4:
		case c < '0' || c > '9':
			return Month{}, false
		case i < 4:
			m.Year = m.Year*10 + int(c-'0')
		default:
			m.Num = m.Num*10 + int(c-'0')
		}
	}
	if m.Year < 1900 || m.Year > 2999 || m.Num < 1 || m.Num > 12 {
		return Month{}, false
	}
	return m, true
}

// First and Last are the month's first and last days.
func (m Month) First() Date { return MakeDate(m.Year, time.Month(m.Num), 1) }
func (m Month) Last() Date  { return m.First().AddMonths(1).AddDays(-1) }

// Add returns the month n months later (earlier for n < 0).
func (m Month) Add(n int) Month { return MonthOf(m.First().AddMonths(n)) }

// Period is the month as a report period.
func (m Month) Period() Period {
	return Period{From: m.First(), To: m.Last(), Key: RangeKey(m.First(), m.Last())}
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Num) }
