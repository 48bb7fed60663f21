package transfer

import (
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kam/internal/crm"
)

// ValueError reports a cell value a parser rejected. Code is a stable
// identifier callers translate and count (bad_amount, amount_too_large,
// bad_date, bad_number, bad_quantity, bad_price, bad_class, bad_type,
// bad_bool); Value is the cell text as read.
type ValueError struct {
	Code  string
	Value string
}

func (e *ValueError) Error() string {
	var what string
	switch e.Code {
	case "bad_amount":
		what = "not an amount"
	case "amount_too_large":
		what = "amount too large (limit 10^13 yuan)"
	case "bad_date":
		what = "not a date (use YYYY-MM-DD)"
	case "bad_number":
		what = "not a number"
	case "bad_quantity":
		what = "not a quantity"
	case "bad_price":
		what = "not a unit price"
	case "bad_class":
		what = "not a revenue class (产品/PRODUCT or 服务/SERVICE)"
	case "bad_type":
		what = "not an account type (企业, 经销商, 加盟商, 消费者)"
	case "bad_bool":
		what = "not yes/no (是/否)"
	default:
		what = e.Code
	}
	return strconv.Quote(e.Value) + ": " + what
}

func valueErr(code, s string) error { return &ValueError{Code: code, Value: s} }

// Marker bytes stand for the few non-ASCII characters the parsers understand.
// They are control characters, which normalize never lets through from the
// input, so a marker can only come from its character.
const (
	mkYear      = 0x01 // 年
	mkMonth     = 0x02 // 月
	mkDay       = 0x03 // 日 or 号
	mkYuanSign  = 0x04 // ¥ or ￥
	mkYuan      = 0x05 // 元
	badByte     = 0xFF
	maxValueLen = 80
)

// mapRune folds a rune to the ASCII byte the parsers work on: full-width forms
// to ASCII (Chinese input methods type １２３，４５６．７８), Unicode spaces to
// a space, and a few CJK characters to markers. Anything else is badByte.
func mapRune(r rune) byte {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return ' '
	case r < 0x20 || r == 0x7F:
		return badByte
	case r < 0x80:
		return byte(r)
	case r >= 0xFF01 && r <= 0xFF5E:
		return byte(r - 0xFEE0)
	}
	switch r {
	case 0x3000, 0x00A0, 0x2007, 0x202F, 0xFEFF, 0x2009, 0x200A, 0x2002, 0x2003:
		return ' '
	case 0x2212, 0xFE63: // minus sign, small hyphen-minus
		return '-'
	case 0x00A5, 0xFFE5:
		return mkYuanSign
	case '元':
		return mkYuan
	case '年':
		return mkYear
	case '月':
		return mkMonth
	case '日', '号':
		return mkDay
	}
	return badByte
}

// normalize folds s into buf and trims spaces. It returns false when s holds a
// character no parser accepts or is too long to be a value, so the parsers
// below work on short ASCII without allocating.
func normalize(s string, buf *[maxValueLen]byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		var b byte
		if c >= 0x20 && c < 0x7F {
			b = c
			i++
		} else if c < utf8.RuneSelf {
			b = mapRune(rune(c))
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			b = mapRune(r)
			i += size
		}
		if b == badByte {
			return nil, false
		}
		if b == ' ' && n == 0 {
			continue
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = b
		n++
	}
	for n > 0 && buf[n-1] == ' ' {
		n--
	}
	return buf[:n], true
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && b[i] == ' ' {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number is a parsed decimal: value = digits × 10^exp, digits without leading
// zeros. Keeping digits instead of a float is what makes rounding exact.
type number struct {
	neg    bool
	digits [32]byte
	n      int
	exp    int
}

func (x *number) add(d byte, frac bool) {
	switch {
	case x.n == 0 && d == 0:
		if frac {
			x.exp--
		}
	case x.n < len(x.digits):
		x.digits[x.n] = d
		x.n++
		if frac {
			x.exp--
		}
	case !frac:
		// A 33rd significant integer digit: the value is far beyond any limit,
		// so keeping its magnitude is enough.
		x.exp++
	}
}

// scaled returns round(|x| × 10^scale), half away from zero, and false when it
// is not below limit.
func (x *number) scaled(scale int, limit uint64) (uint64, bool) {
	if x.n == 0 {
		return 0, true
	}
	t := x.exp + scale
	var v uint64
	if t >= 0 {
		if x.n+t > 19 {
			return 0, false
		}
		for i := 0; i < x.n; i++ {
			v = v*10 + uint64(x.digits[i])
		}
		for ; t > 0; t-- {
			v *= 10
		}
	} else {
		keep := x.n + t
		if keep < 0 {
			return 0, true
		}
		if keep > 19 {
			return 0, false
		}
		for i := 0; i < keep; i++ {
			v = v*10 + uint64(x.digits[i])
		}
		if x.digits[keep] >= 5 {
			v++
		}
	}
	return v, v < limit
}

// parseNumber reads the lenient number syntax shared by amounts, quantities
// and prices. ok is false for anything that is not a number.
func parseNumber(b []byte) (x number, ok bool) {
	i := 0
	paren := false
	if i < len(b) && b[i] == '(' {
		paren = true
		i = skipSpaces(b, i+1)
	}
	sign := false
	readSign := func() {
		if !sign && i < len(b) && (b[i] == '-' || b[i] == '+') {
			sign = true
			x.neg = b[i] == '-'
			i = skipSpaces(b, i+1)
		}
	}
	readSign()
	if i < len(b) && b[i] == mkYuanSign {
		i = skipSpaces(b, i+1)
	} else if i+3 <= len(b) && (strings.EqualFold(string(b[i:i+3]), "rmb") || strings.EqualFold(string(b[i:i+3]), "cny")) {
		i = skipSpaces(b, i+3)
	}
	readSign()
	if sign && paren {
		return x, false
	}
	// A lone dash is how Excel's accounting format shows zero, and CSV saved
	// from Excel keeps the displayed text.
	if sign && x.neg && !paren && (i == len(b) || (b[i] == mkYuan && skipSpaces(b, i+1) == len(b))) {
		return number{}, true
	}

	digits := 0
	group, sawComma := 0, false
	for i < len(b) {
		c := b[i]
		if isDigit(c) {
			x.add(c-'0', false)
			digits++
			group++
			i++
			continue
		}
		if c != ',' {
			break
		}
		// Grouping must be real thousands grouping: "12,5" is a European
		// decimal or a typo, and reading it as 125 would be silently wrong.
		if group == 0 || (sawComma && group != 3) || (!sawComma && group > 3) {
			return x, false
		}
		sawComma, group = true, 0
		i++
	}
	if sawComma && group != 3 {
		return x, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && isDigit(b[i]) {
			x.add(b[i]-'0', true)
			digits++
			i++
		}
	}
	if digits == 0 {
		return x, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		e, ed := 0, 0
		for i < len(b) && isDigit(b[i]) {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
			ed++
			i++
		}
		if ed == 0 {
			return x, false
		}
		if eneg {
			e = -e
		}
		x.exp += e
	}
	i = skipSpaces(b, i)
	yuan := false
	if i < len(b) && b[i] == mkYuan {
		yuan = true
		i = skipSpaces(b, i+1)
	}
	if paren {
		if i >= len(b) || b[i] != ')' {
			return x, false
		}
		i = skipSpaces(b, i+1)
		x.neg = true
		if !yuan && i < len(b) && b[i] == mkYuan {
			i = skipSpaces(b, i+1)
		}
	}
	return x, i == len(b)
}

// maxAmountFen is 10^13 yuan in fen: far above any real revenue line, and
// sums of ten million such lines still fit in an int64.
const maxAmountFen = 1_000_000_000_000_000

// ParseAmount parses an amount in yuan as people and spreadsheets write it:
// "1234", "1,234.56", "-1234.5", "¥1,234.56", "￥12", "12 元", "(1,234.56)"
// (accounting negative), full-width digits and punctuation, a leading +,
// surrounding spaces of any width and scientific notation ("1.23E+06"). A lone
// "-" is zero, as Excel's accounting format displays it. The value is rounded
// half away from zero to the fen, in decimal arithmetic. Thousands separators
// must group by three, so "12,5" is rejected rather than read as 125.
func ParseAmount(s string) (crm.Money, error) { return ParseAmountScale(s, 0) }

// ParseAmountScale parses an amount written in 10^pow yuan, for columns whose
// header gives the unit ("金额（万元）" has pow 4, see Mapping.Scale). The result
// is in fen, exactly: "1.23456" 万元 is 12,345.60 yuan.
func ParseAmountScale(s string, pow int) (crm.Money, error) {
	if pow == 0 {
		if v, ok := plainAmount(s); ok {
			return v, nil
		}
	}
	return parseAmount(s, pow)
}

func parseAmount(s string, pow int) (crm.Money, error) {
	var buf [maxValueLen]byte
	b, ok := normalize(s, &buf)
	if !ok || pow < 0 || pow > 12 {
		return 0, valueErr("bad_amount", s)
	}
	x, ok := parseNumber(b)
	if !ok {
		return 0, valueErr("bad_amount", s)
	}
	v, ok := x.scaled(2+pow, maxAmountFen)
	if !ok {
		return 0, valueErr("amount_too_large", s)
	}
	if x.neg {
		return -crm.Money(v), nil
	}
	return crm.Money(v), nil
}

// plainAmount reads the usual form of an amount in yuan, -?digits with up to
// two decimals and up to 13 digits before the point, as ParseAmount does but
// without normalising it first. ok is false for anything else, which
// ParseAmount then reads the long way.
func plainAmount(s string) (crm.Money, bool) {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	var v int64
	start := i
	for i < len(s) && isDigit(s[i]) {
		v = v*10 + int64(s[i]-'0')
		i++
	}
	if i == start || i-start > 13 {
		return 0, false
	}
	v *= 100
	if i < len(s) {
		if s[i] != '.' {
			return 0, false
		}
		switch frac := s[i+1:]; {
		case len(frac) == 1 && isDigit(frac[0]):
			v += int64(frac[0]-'0') * 10
		case len(frac) == 2 && isDigit(frac[0]) && isDigit(frac[1]):
			v += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
		default:
			return 0, false
		}
	}
	if v >= maxAmountFen {
		return 0, false
	}
	if s[0] == '-' {
		v = -v
	}
	return crm.Money(v), true
}

// Decimal is a quantity or unit price with six decimals kept exactly: Micro is
// the value × 10^6.
type Decimal struct{ Micro int64 }

// maxDecimalMicro is 10^12 in micro units, so a product of two decimals still
// fits the 128-bit arithmetic in LineAmount and any real quantity or price fits.
const maxDecimalMicro = 1_000_000_000_000_000_000

// String formats d with as few decimals as it needs: "12.5", "-0.000001", "3".
func (d Decimal) String() string {
	v := d.Micro
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v/1_000_000, 10)
	if frac := v % 1_000_000; frac != 0 {
		f := strconv.FormatInt(frac+1_000_000, 10)[1:]
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		return "-" + s
	}
	return s
}

// ParseDecimal parses a number with the syntax ParseAmount accepts (a currency
// sign and 元 included, since unit prices carry them) and keeps six decimals,
// rounding half away from zero. |value| must be below 10^12. Errors have Code
// bad_number; ParseQuantity and ParsePrice give the column's own code.
func ParseDecimal(s string) (Decimal, error) { return parseDecimal(s, "bad_number") }

// ParseQuantity is ParseDecimal with errors coded bad_quantity.
func ParseQuantity(s string) (Decimal, error) { return parseDecimal(s, "bad_quantity") }

// ParsePrice is ParseDecimal with errors coded bad_price.
func ParsePrice(s string) (Decimal, error) { return parseDecimal(s, "bad_price") }

func parseDecimal(s, code string) (Decimal, error) {
	var buf [maxValueLen]byte
	b, ok := normalize(s, &buf)
	if !ok {
		return Decimal{}, valueErr(code, s)
	}
	x, ok := parseNumber(b)
	if !ok {
		return Decimal{}, valueErr(code, s)
	}
	v, ok := x.scaled(6, maxDecimalMicro)
	if !ok {
		return Decimal{}, valueErr(code, s)
	}
	if x.neg {
		return Decimal{-int64(v)}, nil
	}
	return Decimal{int64(v)}, nil
}

// LineAmount returns qty × price rounded half away from zero to the fen. The
// product of two micro values needs up to 120 bits, so it is computed in
// 128-bit integer arithmetic rather than in a float.
func LineAmount(qty, price Decimal) (crm.Money, error) {
	a, b := qty.Micro, price.Micro
	neg := (a < 0) != (b < 0)
	ua, ub := absU(a), absU(b)
	hi, lo := bits.Mul64(ua, ub)
	// product is value × 10^12; fen is value × 10^2.
	const div = 10_000_000_000
	if hi >= div {
		return 0, valueErr("amount_too_large", qty.String()+" × "+price.String())
	}
	q, r := bits.Div64(hi, lo, div)
	if r >= div/2 {
		q++
	}
	if q >= maxAmountFen {
		return 0, valueErr("amount_too_large", qty.String()+" × "+price.String())
	}
	if neg {
		return -crm.Money(q), nil
	}
	return crm.Money(q), nil
}

func absU(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// ParseDate parses a calendar day as Chinese and English spreadsheets and ERP
// exports write it:
//
//   - 2024-03-01, 2024/3/1, 2024.3.1, 20240301, 2024年3月1日
//   - any of these followed by a time: 2024-03-01 08:26:00, 2024/3/1 8:26,
//     2024年3月1日 8:26, 2024-03-01T08:26:00Z or +08:00 (the date is taken as
//     written, not moved to another zone)
//   - 3/1/2024 and 3/1/2024 8:26: month/day/year as Excel in en-US writes it;
//     day/month/year is never guessed, so 13/1/2024 is rejected
//   - a month alone, for 月份 and 年月 columns: 2024-03, 2024/3, 2024.3, 202403,
//     2024年3月, each meaning the first day of the month
//   - an Excel serial date in the 1900 date system, with Excel's phantom
//     1900-02-29 (serial 60) rejected: 45352 and 45352.35 are 2024-03-01
//
// Full-width digits and punctuation are accepted. Digit strings are read by
// length: 8 digits are yyyymmdd, 6 digits yyyymm, 5 or fewer a serial, except
// that 4 digits from 1900 to 2999 are rejected because they look like a bare
// year; a serial is thus a day from 1900-01-01 to 2173-10-13 (99999). Two-digit
// years are rejected. Days that do not exist (2024-02-30) and
// years outside 1900–2999 are errors with Code bad_date.
func ParseDate(s string) (crm.Date, error) {
	// The usual form first, read as parseDate reads it: 2024-03-01 or 2024/03/01.
	if len(s) == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4] {
		y, ok1 := digits(s[:4])
		m, ok2 := digits(s[5:7])
		d, ok3 := digits(s[8:])
		if ok1 && ok2 && ok3 {
			if date, ok := makeDate(y, m, d); ok {
				return date, nil
			}
		}
	}
	return parseDateText(s)
}

func parseDateText(s string) (crm.Date, error) {
	var buf [maxValueLen]byte
	if b, ok := normalize(s, &buf); ok {
		if d, ok := parseDate(b); ok {
			return d, nil
		}
	}
	return 0, valueErr("bad_date", s)
}

// digits returns the value of s if it is only ASCII digits.
func digits(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// readInt reads up to 9 digits at b[*i:]; n is the number of digits, or 10
// when there were more than 9.
func readInt(b []byte, i *int) (v, n int) {
	for *i < len(b) && isDigit(b[*i]) {
		if n < 9 {
			v = v*10 + int(b[*i]-'0')
		}
		n++
		*i++
	}
	if n > 9 {
		n = 10
	}
	return v, n
}

func parseDate(b []byte) (crm.Date, bool) {
	i := 0
	a, an := readInt(b, &i)
	if an == 0 {
		return 0, false
	}
	if i == len(b) {
		switch {
		case an == 8:
			return makeDate(a/10000, a/100%100, a%100)
		case an == 6:
			return makeDate(a/100, a%100, 1)
		case an == 4 && a >= 1900 && a <= 2999:
			return 0, false
		case an <= 5:
			return serialDate(a)
		}
		return 0, false
	}
	year := an == 4
	sep := b[i]
	i++
	switch sep {
	case '.':
		m, mn := readInt(b, &i)
		if mn == 0 {
			return 0, false
		}
		if i == len(b) {
			if year && a >= 1900 && a <= 2999 {
				if mn > 2 {
					return 0, false
				}
				return makeDate(a, m, 1)
			}
			// A serial with the time of day as a fraction.
			if an > 5 {
				return 0, false
			}
			return serialDate(a)
		}
		if !year || mn > 2 || b[i] != '.' {
			return 0, false
		}
		i++
		d, dn := readInt(b, &i)
		if dn == 0 || dn > 2 || !timeOK(b, i) {
			return 0, false
		}
		return makeDate(a, m, d)
	case '-', '/':
		bv, bn := readInt(b, &i)
		if bn == 0 || bn > 2 {
			return 0, false
		}
		if i == len(b) {
			if !year {
				return 0, false
			}
			return makeDate(a, bv, 1)
		}
		if b[i] != sep {
			return 0, false
		}
		i++
		c, cn := readInt(b, &i)
		if !timeOK(b, i) {
			return 0, false
		}
		switch {
		case year && cn >= 1 && cn <= 2:
			return makeDate(a, bv, c)
		case sep == '/' && an <= 2 && cn == 4:
			return makeDate(c, a, bv)
		}
		return 0, false
	case mkYear:
		m, mn := readInt(b, &i)
		if !year || mn == 0 || mn > 2 || i == len(b) || b[i] != mkMonth {
			return 0, false
		}
		i++
		if i == len(b) {
			return makeDate(a, m, 1)
		}
		d, dn := readInt(b, &i)
		if dn == 0 || dn > 2 || i == len(b) || b[i] != mkDay {
			return 0, false
		}
		i++
		if i < len(b) && b[i] != ' ' {
			// "2024年3月1日8:26" has no space before the time.
			if !clockOK(b, i) {
				return 0, false
			}
		} else if !timeOK(b, i) {
			return 0, false
		}
		return makeDate(a, m, d)
	}
	return 0, false
}

// timeOK reports whether b[i:] is empty or a time of day after a space or a
// T: 8:26, 08:26:00, 08:26:00.123, 8:26 PM, 08:26:00Z, 08:26:00+08:00.
func timeOK(b []byte, i int) bool {
	if i == len(b) {
		return true
	}
	if b[i] != ' ' && b[i] != 'T' {
		return false
	}
	return clockOK(b, skipSpaces(b, i+1))
}

func clockOK(b []byte, i int) bool {
	h, hn := readInt(b, &i)
	if hn == 0 || hn > 2 || h > 23 || i == len(b) || b[i] != ':' {
		return false
	}
	i++
	if m, mn := readInt(b, &i); mn != 2 || m > 59 {
		return false
	}
	if i < len(b) && b[i] == ':' {
		i++
		if s, sn := readInt(b, &i); sn != 2 || s > 60 {
			return false
		}
		if i < len(b) && b[i] == '.' {
			i++
			if _, fn := readInt(b, &i); fn == 0 || fn > 9 {
				return false
			}
		}
	}
	i = skipSpaces(b, i)
	if i+2 <= len(b) && (b[i+1] == 'M' || b[i+1] == 'm') && strings.ContainsRune("AaPp", rune(b[i])) {
		if h == 0 || h > 12 {
			return false
		}
		i = skipSpaces(b, i+2)
	}
	if i == len(b) {
		return true
	}
	switch b[i] {
	case 'Z', 'z':
		return i+1 == len(b)
	case '+', '-':
		i++
		if _, zn := readInt(b, &i); zn != 2 && zn != 4 {
			return false
		}
		if i < len(b) && b[i] == ':' {
			i++
			if _, zn := readInt(b, &i); zn != 2 {
				return false
			}
		}
		return i == len(b)
	}
	return false
}

// makeDate returns the date if it names a real day between 1900 and 2999. It
// is crm.Date.Valid without the time package, since it runs on every line.
func makeDate(y, m, d int) (crm.Date, bool) {
	if y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return crm.Date(y*10000 + m*100 + d), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// serialDate converts an Excel 1900-system serial. Excel believes 1900 was a
// leap year: serial 60 is the day that never was, and serials before it are
// one day later than plain counting from 1899-12-30 gives.
func serialDate(n int) (crm.Date, bool) {
	if n < 1 || n > 2958465 || n == 60 {
		return 0, false
	}
	if n < 60 {
		n++
	}
	y, m, d := civil(n - 25569) // 25569 days from 1899-12-30 to 1970-01-01
	return makeDate(y, m, d)
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil inverse), for days after year 0.
func civil(days int) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// isSpace is unicode.IsSpace plus the BOM and zero-width space, which Excel
// and web forms leave in cells.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r == 0xFEFF || r == 0x200B }

// trimSpace is strings.TrimFunc(s, isSpace), quick for the common cell that
// starts and ends with a printable ASCII character (every space is below '!'
// or not ASCII).
func trimSpace(s string) string {
	if len(s) > 0 && s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf {
		return s
	}
	return strings.TrimFunc(s, isSpace)
}

// foldLen bounds the folded text of a word cell: every word the parsers
// know is far shorter, so a longer cell is none of them.
const foldLen = 32

// foldTooLong is what fold gives for a cell longer than foldLen once folded:
// no word, and no text either (it is not UTF-8).
var foldTooLong = []byte{0xFF}

// fold trims s, lowercases it and maps full-width ASCII to ASCII, for matching
// words, into buf, so the per-line parsers do not allocate. A cell with no
// ASCII capital, full-width form or Unicode space is only trimmed (other
// capitals stay as they are). Callers switch on string(fold(s, &buf)), which
// Go compares without a copy.
func fold(s string, buf *[foldLen]byte) []byte {
	s = trimSpace(s)
	clean := true
	for _, r := range s {
		if ('A' <= r && r <= 'Z') || (r >= 0xFF01 && r <= 0xFF5E) || (r >= 0x80 && isSpace(r)) {
			clean = false
			break
		}
	}
	if clean {
		if len(s) > len(buf) {
			return foldTooLong
		}
		return buf[:copy(buf[:], s)]
	}
	n := 0
	for _, r := range s {
		if r < utf8.RuneSelf && n < len(buf) {
			// What the lines below do, for ASCII.
			c := byte(r)
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
				c = ' '
			}
			buf[n] = c
			n++
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if isSpace(r) {
			r = ' '
		}
		r = unicode.ToLower(r)
		if n+utf8.RuneLen(r) > len(buf) {
			return foldTooLong
		}
		n += utf8.EncodeRune(buf[n:], r)
	}
	return buf[:n]
}

// ParseClass parses a revenue class: PRODUCT (empty, 产品, 商品, 货品, 产品收入,
// product, goods, P) or SERVICE (服务, 服务费, 服务收入, 技术服务, service,
// services, S), case-insensitive. An empty cell is PRODUCT because most
// revenue files only sell goods and have no class column at all.
func ParseClass(s string) (string, error) {
	switch s { // the usual spellings, without folding
	case "PRODUCT", "产品":
		return "PRODUCT", nil
	case "SERVICE", "服务":
		return "SERVICE", nil
	}
	var buf [foldLen]byte
	switch string(fold(s, &buf)) {
	case "", "产品", "商品", "货品", "产品收入", "商品销售", "product", "products", "goods", "p":
		return "PRODUCT", nil
	case "服务", "服务费", "服务收入", "技术服务", "service", "services", "s":
		return "SERVICE", nil
	}
	return "", valueErr("bad_class", s)
}

// ParseAccountType parses an account type: "" for an empty cell, ENTERPRISE
// (企业, 公司, 企业客户, enterprise, company), DEALER (经销商, 代理商, 分销商,
// dealer, distributor, agent), FRANCHISEE (加盟商, 加盟店, franchisee,
// franchise) or CONSUMER (消费者, 个人, 个人客户, consumer, individual).
func ParseAccountType(s string) (string, error) {
	var buf [foldLen]byte
	switch string(fold(s, &buf)) {
	case "":
		return "", nil
	case "企业", "公司", "企业客户", "enterprise", "company":
		return "ENTERPRISE", nil
	case "经销商", "代理商", "分销商", "dealer", "distributor", "agent":
		return "DEALER", nil
	case "加盟商", "加盟店", "franchisee", "franchise":
		return "FRANCHISEE", nil
	case "消费者", "个人", "个人客户", "consumer", "individual":
		return "CONSUMER", nil
	}
	return "", valueErr("bad_type", s)
}

// ParseBool parses a yes/no cell: 是/否, 对/错, √/×, Y/N, yes/no, true/false
// (Excel's TRUE/FALSE), 1/0. An empty cell is false.
func ParseBool(s string) (bool, error) {
	var buf [foldLen]byte
	switch string(fold(s, &buf)) {
	case "是", "对", "√", "✓", "✔", "y", "yes", "true", "1":
		return true, nil
	case "", "否", "错", "×", "✗", "✘", "n", "no", "false", "0":
		return false, nil
	}
	return false, valueErr("bad_bool", s)
}
