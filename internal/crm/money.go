package crm

import (
	"strconv"
	"strings"
)

// Money is an amount in minor units (fen for CNY). Money is never a float:
// sums over millions of revenue lines must be exact.
type Money int64

// MinorPerMajor is the number of minor units in one unit of the currency.
const MinorPerMajor = 100

// Yuan returns the whole major units, truncated toward zero.
func (m Money) Yuan() int64 { return int64(m) / MinorPerMajor }

// String formats the amount in major units with two decimals and no grouping,
// the form exports and the API use: "-1234.50".
func (m Money) String() string {
	neg := m < 0
	v := int64(m)
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/MinorPerMajor, 10) + "." + pad2(v%MinorPerMajor)
	if neg {
		return "-" + s
	}
	return s
}

// Grouped formats the amount with thousands separators and no decimals when
// they are zero: "5,000,000" or "1,234.50".
func (m Money) Grouped() string {
	s := m.String()
	if strings.HasSuffix(s, ".00") {
		s = s[:len(s)-3]
	}
	return GroupDigits(s)
}

// GroupDigits puts thousands separators into the integer part of a decimal
// number written in ASCII: "-1234567.5" becomes "-1,234,567.5".
func GroupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

// Wan formats the amount in 万 (ten thousands) with one decimal, the unit
// Chinese managers read revenue in: 5,000,000 yuan is "500.0".
func (m Money) Wan() string {
	// Round half away from zero to 0.1 万 = 1,000 yuan = 100,000 fen.
	const unit = 1000 * MinorPerMajor
	v := int64(m)
	neg := v < 0
	if neg {
		v = -v
	}
	tenths := (v + unit/2) / unit
	s := strconv.FormatInt(tenths/10, 10) + "." + strconv.FormatInt(tenths%10, 10)
	if neg && tenths != 0 {
		return "-" + s
	}
	return s
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

// Yuan converts whole major units to Money.
func Yuan(v int64) Money { return Money(v * MinorPerMajor) }
