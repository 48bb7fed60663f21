package crm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a closed range of days a report covers.
type Period struct {
	From, To Date
	// Key names the period for storage and URLs: "2024", "FY2024",
	// "TTM-2026-10-31" or "2024-01-01..2024-06-30".
	Key string
}

// Contains reports whether d falls in the period.
func (p Period) Contains(d Date) bool { return d >= p.From && d <= p.To }

// Days returns the number of days in the period.
func (p Period) Days() int { return int(p.To.Time().Sub(p.From.Time()).Hours()/24) + 1 }

// Previous returns the period of the same length just before p (for years:
// the previous year), used by migration and year-on-year comparisons.
func (p Period) Previous() Period {
	from := p.From.AddMonths(-12)
	to := p.To.AddMonths(-12)
	if p.To.AddDays(1).Day() == 1 {
		// A period ending on a month's last day keeps doing so (29 February).
		to = p.To.AddDays(1).AddMonths(-12).AddDays(-1)
	}
	return Period{From: from, To: to, Key: previousKey(p, from, to)}
}

func previousKey(p Period, from, to Date) string {
	switch {
	case strings.HasPrefix(p.Key, "FY"):
		y, _ := strconv.Atoi(p.Key[2:])
		return "FY" + strconv.Itoa(y-1)
	case len(p.Key) == 4:
		y, _ := strconv.Atoi(p.Key)
		return strconv.Itoa(y - 1)
	case strings.HasPrefix(p.Key, "TTM-"):
		return "TTM-" + to.String()
	}
	return RangeKey(from, to)
}

// RangeKey is the key of an arbitrary date range.
func RangeKey(from, to Date) string { return from.String() + ".." + to.String() }

// CalendarYear is the year y.
func CalendarYear(y int) Period {
	return Period{From: MakeDate(y, 1, 1), To: MakeDate(y, 12, 31), Key: strconv.Itoa(y)}
}

// FiscalYear is the fiscal year named after the calendar year it starts in,
// beginning in month start (1 = calendar year).
func FiscalYear(y, start int) Period {
	if start <= 1 {
		return CalendarYear(y)
	}
	from := MakeDate(y, time.Month(start), 1)
	return Period{From: from, To: from.AddMonths(12).AddDays(-1), Key: "FY" + strconv.Itoa(y)}
}

// Year returns the calendar or fiscal year y according to m.
func (m *Method) Year(y int) Period { return FiscalYear(y, m.FiscalYearStart) }

// TTM is the trailing twelve months ending on the given day.
func TTM(end Date) Period {
	return Period{From: end.AddMonths(-12).AddDays(1), To: end, Key: "TTM-" + end.String()}
}

// Range is an arbitrary closed range.
func Range(from, to Date) (Period, error) {
	if !from.Valid() || !to.Valid() {
		return Period{}, fmt.Errorf("period: invalid date")
	}
	if to < from {
		return Period{}, fmt.Errorf("period: %s is before %s", to, from)
	}
	return Period{From: from, To: to, Key: RangeKey(from, to)}, nil
}

// LatestCompleteYear returns the latest year (calendar or fiscal, per m) that
// has ended by today and has data, given the last day with data. ok is false
// when no complete year has data (first is the first day with data).
func (m *Method) LatestCompleteYear(today, first, last Date) (Period, bool) {
	y := today.Year()
	for p := m.Year(y); y >= first.Year()-1; p = m.Year(y) {
		if p.To < today && p.From <= last && p.To >= first {
			return p, true
		}
		y--
	}
	return Period{}, false
}

// ParsePeriodKey turns a key produced by this package back into a period.
func (m *Method) ParsePeriodKey(key string) (Period, error) {
	switch {
	case strings.HasPrefix(key, "FY"):
		y, err := strconv.Atoi(key[2:])
		if err != nil {
			break
		}
		return m.Year(y), nil
	case strings.HasPrefix(key, "TTM-"):
		d, err := ParseISODate(key[4:])
		if err != nil {
			break
		}
		return TTM(d), nil
	case strings.Contains(key, ".."):
		a, b, _ := strings.Cut(key, "..")
		from, err1 := ParseISODate(a)
		to, err2 := ParseISODate(b)
		if err1 != nil || err2 != nil {
			break
		}
		return Range(from, to)
	default:
		y, err := strconv.Atoi(key)
		if err != nil || y < 1900 || y > 2999 {
			break
		}
		return CalendarYear(y), nil
	}
	return Period{}, fmt.Errorf("period %q: want a year (2024), FY2024, TTM-2024-12-31 or 2024-01-01..2024-06-30", key)
}
