package crm

import (
	"fmt"
	"time"
)

// Date is a calendar day stored as the integer yyyymmdd (20240301). It sorts and
// compares like the day it names, reads well in SQL on both engines, and needs
// no time zone.
type Date int32

// DateOf returns the Date of t's calendar day in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(y*10000 + int(m)*100 + d)
}

// MakeDate builds a Date from its parts; it does not validate them (see Valid).
func MakeDate(y int, m time.Month, d int) Date { return Date(y*10000 + int(m)*100 + d) }

// Year, Month and Day return the parts of the date.
func (d Date) Year() int         { return int(d) / 10000 }
func (d Date) Month() time.Month { return time.Month(int(d) / 100 % 100) }
func (d Date) Day() int          { return int(d) % 100 }
func (d Date) Time() time.Time   { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC) }
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year(), int(d.Month()), d.Day())
}
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// AddMonths moves by n months, clamping the day to the end of the target month.
func (d Date) AddMonths(n int) Date {
	t := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := t.AddDate(0, 1, -1).Day()
	day := d.Day()
	if day > last {
		day = last
	}
	return MakeDate(t.Year(), t.Month(), day)
}

// Valid reports whether d names a real calendar day between years 1900 and 2999.
func (d Date) Valid() bool {
	y, m, day := d.Year(), d.Month(), d.Day()
	if y < 1900 || y > 2999 || m < 1 || m > 12 || day < 1 {
		return false
	}
	return DateOf(d.Time()) == d
}

// MonthIndex is a running month number (year*12 + month-1), handy for trends.
func (d Date) MonthIndex() int { return d.Year()*12 + int(d.Month()) - 1 }

// ParseISODate parses the strict form 2024-03-01 used in flags, URLs and the API.
func ParseISODate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}
