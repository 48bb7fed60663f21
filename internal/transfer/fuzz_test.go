package transfer

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"kam/internal/crm"
)

// plainDecimal reports whether s is -?digits[.digits], the form big.Rat reads
// the same way the parsers do, so it can serve as an oracle.
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, dot := strings.Cut(s, ".")
	if intPart == "" || (dot && frac == "") || len(s) > 60 {
		return false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// roundScaled returns s × 10^scale rounded half away from zero, with big.Rat.
func roundScaled(s string, scale int) *big.Int {
	r, _ := new(big.Rat).SetString(s)
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if neg {
		q.Neg(q)
	}
	return q
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1234", "1,234.56", "-1234.5", "¥1,234.56", "￥12", "12 元", "(1,234.56)",
		"１２３，４５６．７８", "+5", " 12 ", "1.23E+06", "2.675", "-", "1E-2", "9999999999999.99", "(¥-1)", "0.005"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseAmount(s)
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) || (ve.Code != "bad_amount" && ve.Code != "amount_too_large") || ve.Value != s {
				t.Fatalf("ParseAmount(%q) error %v is not a bad_amount/amount_too_large ValueError", s, err)
			}
			if plainDecimal(s) && ve.Code == "bad_amount" {
				t.Fatalf("ParseAmount(%q) rejected a plain decimal", s)
			}
			return
		}
		if m >= maxAmountFen || m <= -maxAmountFen {
			t.Fatalf("ParseAmount(%q) = %d, beyond the limit", s, m)
		}
		for _, again := range []string{m.String(), m.Grouped(), "¥" + m.Grouped() + " 元"} {
			if m2, err := ParseAmount(again); err != nil || m2 != m {
				t.Fatalf("ParseAmount(%q) = %d; re-parsing %q = %d, %v", s, m, again, m2, err)
			}
		}
		if plainDecimal(s) {
			if want := roundScaled(s, 2); want.Cmp(big.NewInt(int64(m))) != 0 {
				t.Fatalf("ParseAmount(%q) = %d, want %s", s, m, want)
			}
		}
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1", "12.5", "0.0000005", "-3", "1,234.567891", "１２．５", "1.5E+3", "(2)",
		"999999999999.999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			if plainDecimal(s) && roundScaled(s, 6).CmpAbs(big.NewInt(maxDecimalMicro)) < 0 {
				t.Fatalf("ParseDecimal(%q) rejected a plain decimal in range: %v", s, err)
			}
			return
		}
		if d2, err := ParseDecimal(d.String()); err != nil || d2 != d {
			t.Fatalf("ParseDecimal(%q) = %v; re-parsing %q = %v, %v", s, d, d.String(), d2, err)
		}
		if plainDecimal(s) {
			if want := roundScaled(s, 6); want.Cmp(big.NewInt(d.Micro)) != 0 {
				t.Fatalf("ParseDecimal(%q) = %d, want %s", s, d.Micro, want)
			}
		}
		// LineAmount agrees with big arithmetic or reports too large.
		m, err := LineAmount(d, d)
		p := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(d.Micro), big.NewInt(d.Micro)), big.NewInt(1e10))
		want := roundScaled(p.FloatString(20), 0)
		if err == nil && want.Cmp(big.NewInt(int64(m))) != 0 {
			t.Fatalf("LineAmount(%v, %v) = %d, want %s", d, d, m, want)
		}
		if err != nil && want.CmpAbs(big.NewInt(maxAmountFen)) < 0 {
			t.Fatalf("LineAmount(%v, %v) failed (%v) for %s", d, d, err, want)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-01", "2024/3/1", "2024.3.1", "2024-03-01 08:26:00", "2024-03-01T08:26:00Z",
		"2024/3/1 8:26", "3/1/2024 8:26", "3/1/2024", "2024年3月1日", "2024年3月1日 8:26", "20240301", "45352",
		"45352.5", "２０２４－０３－０１", "202403", "2024-03", "2024年3月", "2024-02-30", "60"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		// The time package is the oracle for the ISO and slash forms.
		for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-01-02 15:04:05", "1/2/2006 15:04"} {
			if tt, terr := time.Parse(layout, s); terr == nil && tt.Year() >= 1900 && tt.Year() <= 2999 &&
				(err != nil || d != crm.DateOf(tt)) {
				t.Fatalf("ParseDate(%q) = %v, %v; time.Parse(%q) = %v", s, d, err, layout, tt)
			}
		}
		if err != nil {
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Code != "bad_date" {
				t.Fatalf("ParseDate(%q) error %v is not bad_date", s, err)
			}
			return
		}
		if !d.Valid() {
			t.Fatalf("ParseDate(%q) = %d, not a valid date", s, d)
		}
		for _, again := range []string{d.String(), d.Time().Format("2006/1/2"), d.Time().Format("20060102"),
			d.Time().Format("1/2/2006 15:04"), d.Time().Format("2006年1月2日")} {
			if d2, err := ParseDate(again); err != nil || d2 != d {
				t.Fatalf("ParseDate(%q) = %v; re-parsing %q = %v, %v", s, d, again, d2, err)
			}
		}
	})
}

// FuzzQuickValues checks the quick paths of ParseAmountScale and ParseDate
// against the long ones they skip.
func FuzzQuickValues(f *testing.F) {
	for _, s := range []string{"291238.41", "-5", "5.", ".5", "007.50", "-0", "9999999999999.99", "99999999999999",
		"1.234", "12.5", "2024-06-28", "2024/06/28", "2024-02-30", "2024-13-01", "0000-01-01", "2024-6-28", "2024-06/28", "１２.５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m1, err1 := ParseAmountScale(s, 0)
		m2, err2 := parseAmount(s, 0)
		if m1 != m2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("ParseAmountScale(%q) = %d, %v; the long way %d, %v", s, m1, err1, m2, err2)
		}
		d1, err1 := ParseDate(s)
		d2, err2 := parseDateText(s)
		if d1 != d2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("ParseDate(%q) = %d, %v; the long way %d, %v", s, d1, err1, d2, err2)
		}
	})
}

// foldString is fold as it was before it wrote into a buffer: the oracle
// for FuzzFold.
func foldString(s string) string {
	s = strings.TrimFunc(s, isSpace)
	clean := true
	for _, r := range s {
		if ('A' <= r && r <= 'Z') || (r >= 0xFF01 && r <= 0xFF5E) || (r >= 0x80 && isSpace(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if isSpace(r) {
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// FuzzFold checks that the word parsers give what they gave when fold
// allocated its result: the same text up to foldLen bytes, no word beyond;
// and that trimSpace trims as strings.TrimFunc does.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"PRODUCT", " 产品 ", "ｓｅｒｖｉｃｅ", "Services", "\u0130ndividual", "a\tb", "\xff",
		"\u3000Y\u3000", " x", "x\t", "\x7f", "a\u00a0", strings.Repeat("Ab", 20), strings.Repeat("服", 11), "\u212Aa"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimSpace(s), strings.TrimFunc(s, isSpace); got != want {
			t.Fatalf("trimSpace(%q) = %q, want %q", s, got, want)
		}
		var buf [foldLen]byte
		got, want := string(fold(s, &buf)), foldString(s)
		if len(want) > foldLen {
			want = string(foldTooLong)
		}
		if got != want {
			t.Fatalf("fold(%q) = %q, want %q", s, got, want)
		}
	})
}

// drainFuzz reads a table to the end and fails on a hang: every call must
// consume input, so there cannot be more calls than bytes.
func drainFuzz(t *testing.T, tb Table, size int) {
	t.Helper()
	last := 0
	for calls := 0; ; calls++ {
		if calls > size+2 {
			t.Fatalf("Next called %d times on %d bytes without io.EOF", calls, size)
		}
		row, line, err := tb.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("Next error %v is not a *LineError", err)
			}
			if le.Code != "csv_syntax" && le.Code != "bad_utf8" {
				// Sticky: the same error again, then stop.
				if _, _, err2 := tb.Next(); err2 != err {
					t.Fatalf("Next after %v = %v, want the same error", err, err2)
				}
				return
			}
			continue
		}
		if line <= last {
			t.Fatalf("line %d after line %d", line, last)
		}
		last = line
		if blank(row) {
			t.Fatalf("blank row %q returned at line %d", row, line)
		}
	}
}

// watchdog crashes the fuzz worker if one input takes over ten seconds, so
// the fuzzer saves it: a reader that hangs is a bug, and the fuzzer has no
// timeout of its own.
func watchdog() (stop func()) {
	t := time.AfterFunc(10*time.Second, func() { panic("input took over 10s: hang") })
	return func() { t.Stop() }
}

func FuzzCSVTable(f *testing.F) {
	for _, s := range [][]byte{
		[]byte("客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\n"),
		[]byte("\xEF\xBB\xBFa;b\n1;2\n"),
		[]byte("a\tb\r\n\"x\ny\"\t2\r\n"),
		[]byte("\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00"),
		[]byte("a,b\rc,d\r"),
		[]byte("a,\"b\nc"),
		[]byte("a,b\n\"x\"y,1\nz\"q,2\n"),
	} {
		f.Add(s)
	}
	f.Add(gbk(f, "客户,金额\n甲公司,1\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog()()
		p, err := os.CreateTemp(dir, "*.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p.Name())
		p.Write(data)
		p.Close()
		tb, err := Open(p.Name(), OpenOptions{})
		if err != nil {
			var fe *FileError
			var le *LineError
			if !errors.As(err, &fe) && !errors.As(err, &le) {
				t.Fatalf("Open error %v is neither a *FileError nor a *LineError", err)
			}
			return
		}
		defer tb.Close()
		if h := tb.Header(); blank(h) {
			t.Fatalf("blank header %q", h)
		}
		drainFuzz(t, tb, len(data))
	})
}

// FuzzCSVQuick reads every input with quickRecord and with encoding/csv
// alone: the rows, their line numbers, the errors, the offsets and what was
// detected must be the same.
func FuzzCSVQuick(f *testing.F) {
	long := strings.Repeat("x", sniffSize+100)
	for _, s := range []string{
		"客户编号,日期,金额\nC001,2024-03-01,\"1,234.56\"\nC002,2024-03-02,5\n",
		"a,b\r\n1,2\r\n\r\n\n3,4\r\n",
		"a,b\n\"x\ny\",2\n\n\"p\r\nq\",3\n4,5",
		"a,b\n\"x\"y,1\nz\"q,2\n3,4\n",
		"a,b\n\"x\n",
		"a,b\n1,2\r",
		"a,b\n\r\r\n,\n1\n",
		"a;b\n1;2\n",
		"a\tb\n1\t2\n",
		"a,b\r1,2\r\"3\r4\",5\r",
		"\xEF\xBB\xBFa,b\n1,2\n",
		"a,b\n\xff\xfe,1\n2,\xe4\xb8\n",
		"a,b\n\u4e2d,1\n\xd6\xd0,2\n",
		"a,b\n" + long + ",1\n2,3\n",
		"a,b\n\"" + long + "\n\",1\n2,3\n",
		"a,b\n" + strings.Repeat("1,2\n", 20000) + "\"3\n\",4\n5,6\n",
		"a,b\n  ,  \n1,2\n",
	} {
		f.Add([]byte(s))
	}
	f.Add(gbk(f, "客户,金额\n甲公司,1\n\"乙\n公司\",2\n丙,3\n"))
	f.Add([]byte("\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog()()
		p, err := os.CreateTemp(dir, "*.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p.Name())
		p.Write(data)
		p.Close()
		open := func(fast bool) (*csvTable, error) {
			fh, err := os.Open(p.Name())
			if err != nil {
				t.Fatal(err)
			}
			var head [8]byte
			n, _ := io.ReadFull(fh, head[:])
			tb, err := openCSV(fh, "f.csv", int64(len(data)), head[:n], fast)
			if err != nil {
				fh.Close()
			}
			return tb, err
		}
		quick, err1 := open(true)
		plain, err2 := open(false)
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("open: quick %v, plain %v", err1, err2)
		}
		if err1 != nil {
			return
		}
		defer quick.Close()
		defer plain.Close()
		if !slices.Equal(quick.Header(), plain.Header()) {
			t.Fatalf("header: quick %q, plain %q", quick.Header(), plain.Header())
		}
		for calls := 0; calls <= len(data)+2; calls++ {
			row1, line1, err1 := quick.Next()
			row2, line2, err2 := plain.Next()
			if !slices.Equal(row1, row2) || line1 != line2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("call %d: quick %q line %d, %v; plain %q line %d, %v", calls, row1, line1, err1, row2, line2, err2)
			}
			if o1, o2 := quick.Offset(), plain.Offset(); o1 != o2 {
				t.Fatalf("call %d: offset quick %d, plain %d", calls, o1, o2)
			}
			var le *LineError
			if err1 == io.EOF || (err1 != nil && errors.As(err1, &le) && le.Code != "csv_syntax" && le.Code != "bad_utf8") {
				break
			}
		}
		if quick.Info() != plain.Info() {
			t.Fatalf("info: quick %+v, plain %+v", quick.Info(), plain.Info())
		}
	})
}

func FuzzXLSXTable(f *testing.F) {
	f.Add(buildWorkbook(f))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("a,b\n1,2\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog()()
		p, err := os.CreateTemp(dir, "*.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p.Name())
		p.Write(data)
		p.Close()
		tb, err := Open(p.Name(), OpenOptions{})
		if err != nil {
			var fe *FileError
			var le *LineError
			if !errors.As(err, &fe) && !errors.As(err, &le) {
				t.Fatalf("Open error %v is neither a *FileError nor a *LineError", err)
			}
			return
		}
		defer tb.Close()
		rows := 0
		for {
			_, _, err := tb.Next()
			if err != nil {
				break
			}
			if rows++; rows > 1<<20 {
				t.Fatal("more than 2^20 rows from a small file")
			}
		}
	})
}
