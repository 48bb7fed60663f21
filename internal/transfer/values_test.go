package transfer

import (
	"errors"
	"testing"

	"kam/internal/crm"
)

func wantCode(t *testing.T, call string, err error, code string) {
	t.Helper()
	var ve *ValueError
	if !errors.As(err, &ve) {
		t.Errorf("%s: error = %v, want *ValueError with Code %s", call, err, code)
		return
	}
	if ve.Code != code {
		t.Errorf("%s: Code = %s, want %s", call, ve.Code, code)
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want crm.Money
	}{
		{"1234", 123400},
		{"1,234.56", 123456},
		{"-1234.5", -123450},
		{"¥1,234.56", 123456},
		{"￥12", 1200},
		{"12 元", 1200},
		{"12元", 1200},
		{"(1,234.56)", -123456},
		{"(¥1,234.56)", -123456},
		{"(1,234.56) 元", -123456},
		{"１２３，４５６．７８", 12345678},
		{"－１２", -1200},
		{"+12.3", 1230},
		{"  12.30  ", 1230},
		{"\u300012\u3000", 1200},
		{"\u00a012\u00a0", 1200},
		{"\t12\n", 1200},
		{"1.23E+06", 123000000},
		{"1.23e6", 123000000},
		{"1E-2", 1},
		{"1.5E-3", 0},
		{"-5E-3", -1}, // -0.005 rounds away from zero
		{"0.005", 1},
		{"0.004999", 0},
		{"-0.005", -1},
		{"2.675", 268}, // a float would give 2.67
		{"1.005", 101},
		{"0.125", 13},
		{".5", 50},
		{"5.", 500},
		{"007", 700},
		{"0", 0},
		{"-0", 0},
		{"-", 0},
		{" - ", 0},
		{"¥-", 0},
		{"¥ -", 0},
		{"¥-1,234.56", -123456},
		{"-¥1,234.56", -123456},
		{"RMB 100", 10000},
		{"cny100", 10000},
		{"1,234,567.891", 123456789},
		{"9999999999999.99", 999999999999999},
		{"9999999999999.994", 999999999999999},
		{"-9999999999999.99", -999999999999999},
		{"0.30000000000000004", 30},
		{"123456789012345678901234567890E-20", 123456789012},
		{"0.000000000000000000000000000000000001", 0},
	} {
		got, err := ParseAmount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseAmountRejects(t *testing.T) {
	for _, tc := range []struct{ in, code string }{
		{"", "bad_amount"},
		{"   ", "bad_amount"},
		{"abc", "bad_amount"},
		{"12abc", "bad_amount"},
		{"1.2.3", "bad_amount"},
		{"--5", "bad_amount"},
		{"+-5", "bad_amount"},
		{"NaN", "bad_amount"},
		{"Inf", "bad_amount"},
		{"-Inf", "bad_amount"},
		{"Infinity", "bad_amount"},
		{"0x10", "bad_amount"},
		{"12,5", "bad_amount"},
		{"1,2345", "bad_amount"},
		{"1234,567", "bad_amount"},
		{",123", "bad_amount"},
		{"1,,234", "bad_amount"},
		{"1.234,56", "bad_amount"},
		{"1 234", "bad_amount"},
		{"(12", "bad_amount"},
		{"12)", "bad_amount"},
		{"(-12)", "bad_amount"},
		{"()", "bad_amount"},
		{"1e", "bad_amount"},
		{"1e+", "bad_amount"},
		{"e5", "bad_amount"},
		{".", "bad_amount"},
		{"¥", "bad_amount"},
		{"元", "bad_amount"},
		{"12%", "bad_amount"},
		{"$12", "bad_amount"},
		{"12 万元", "bad_amount"},
		{"12元元", "bad_amount"},
		{"1\x002", "bad_amount"},
		{"\x0512", "bad_amount"},
		{"1234567890123456789012345678901234567890123456789012345678901234567890123456789012345", "bad_amount"},
		{"10000000000000", "amount_too_large"},
		{"-10000000000000", "amount_too_large"},
		{"9999999999999.995", "amount_too_large"},
		{"1E13", "amount_too_large"},
		{"1E300", "amount_too_large"},
		{"1E99999999", "amount_too_large"},
		{"123456789012345678901234567890123456789", "amount_too_large"},
	} {
		got, err := ParseAmount(tc.in)
		if err == nil {
			t.Errorf("ParseAmount(%q) = %d, want error %s", tc.in, got, tc.code)
			continue
		}
		wantCode(t, "ParseAmount("+tc.in+")", err, tc.code)
	}
}

func TestParseAmountScale(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pow  int
		want crm.Money
	}{
		{"1.23456", 4, 1234560},
		{"500", 4, 500000000},
		{"0.000001", 4, 1},
		{"0.0000005", 4, 1},
		{"1.5", 3, 150000},
		{"12.34", 0, 1234},
	} {
		got, err := ParseAmountScale(tc.in, tc.pow)
		if err != nil || got != tc.want {
			t.Errorf("ParseAmountScale(%q, %d) = %d, %v, want %d", tc.in, tc.pow, got, err, tc.want)
		}
	}
	if _, err := ParseAmountScale("1000000000", 4); err == nil {
		t.Errorf("ParseAmountScale(10^9 万元) succeeded, want amount_too_large")
	} else {
		wantCode(t, "ParseAmountScale", err, "amount_too_large")
	}
}

func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		str  string
	}{
		{"1", 1_000_000, "1"},
		{"12.5", 12_500_000, "12.5"},
		{"0.000001", 1, "0.000001"},
		{"0.0000005", 1, "0.000001"},
		{"0.00000049", 0, "0"},
		{"-0.0000005", -1, "-0.000001"},
		{"1,234.567891", 1_234_567_891, "1234.567891"},
		{"１２．５", 12_500_000, "12.5"},
		{"¥3.50", 3_500_000, "3.5"},
		{"3.5 元", 3_500_000, "3.5"},
		{"(2)", -2_000_000, "-2"},
		{"1.5E+3", 1_500_000_000, "1500"},
		{"999999999999.999999", 999_999_999_999_999_999, "999999999999.999999"},
	} {
		got, err := ParseDecimal(tc.in)
		if err != nil || got.Micro != tc.want {
			t.Errorf("ParseDecimal(%q) = %d, %v, want %d", tc.in, got.Micro, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.str {
			t.Errorf("ParseDecimal(%q).String() = %q, want %q", tc.in, s, tc.str)
		}
	}
	for _, tc := range []struct{ in, code string }{
		{"", "bad_number"},
		{"x", "bad_number"},
		{"1.2.3", "bad_number"},
		{"1000000000000", "bad_number"},
		{"1E12", "bad_number"},
	} {
		if _, err := ParseDecimal(tc.in); err == nil {
			t.Errorf("ParseDecimal(%q) succeeded, want %s", tc.in, tc.code)
		} else {
			wantCode(t, "ParseDecimal("+tc.in+")", err, tc.code)
		}
	}
	_, err := ParseQuantity("lots")
	wantCode(t, "ParseQuantity", err, "bad_quantity")
	_, err = ParsePrice("free")
	wantCode(t, "ParsePrice", err, "bad_price")
}

func TestLineAmount(t *testing.T) {
	dec := func(s string) Decimal {
		t.Helper()
		d, err := ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		qty, price string
		want       crm.Money
	}{
		{"3", "12.5", 3750},
		{"0.5", "0.01", 1},   // 0.005 rounds up
		{"0.4", "0.01", 0},   // 0.004 rounds down
		{"-0.5", "0.01", -1}, // away from zero
		{"1.5", "-0.01", -2},
		{"-2", "-3", 600},
		{"0", "999", 0},
		{"3", "0.333333", 100},
		{"1.000001", "999999.999999", 100000100},
		{"999999", "999999", 99999800000100},
		{"99999.999999", "99999999.999999", 999999999989990},
	} {
		got, err := LineAmount(dec(tc.qty), dec(tc.price))
		if err != nil || got != tc.want {
			t.Errorf("LineAmount(%s, %s) = %d, %v, want %d", tc.qty, tc.price, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ qty, price string }{
		{"999999999999", "999999999999"},
		{"100000", "100000000"},
		{"-100000", "100000000"},
	} {
		got, err := LineAmount(dec(tc.qty), dec(tc.price))
		if err == nil {
			t.Errorf("LineAmount(%s, %s) = %d, want amount_too_large", tc.qty, tc.price, got)
			continue
		}
		wantCode(t, "LineAmount", err, "amount_too_large")
	}
}

func TestParseDate(t *testing.T) {
	d := func(y, m, day int) crm.Date { return crm.Date(y*10000 + m*100 + day) }
	for _, tc := range []struct {
		in   string
		want crm.Date
	}{
		{"2024-03-01", d(2024, 3, 1)},
		{"2024/3/1", d(2024, 3, 1)},
		{"2024.3.1", d(2024, 3, 1)},
		{"2024-3-1", d(2024, 3, 1)},
		{"2024-03-01 08:26:00", d(2024, 3, 1)},
		{"2024-03-01 08:26", d(2024, 3, 1)},
		{"2024-03-01 08:26:00.000", d(2024, 3, 1)},
		{"2024-03-01T08:26:00", d(2024, 3, 1)},
		{"2024-03-01T08:26:00Z", d(2024, 3, 1)},
		{"2024-03-01T23:26:00-08:00", d(2024, 3, 1)},
		{"2024-03-01T08:26:00+0800", d(2024, 3, 1)},
		{"2024-03-01 08:26:00 +08", d(2024, 3, 1)},
		{"2024/3/1 8:26", d(2024, 3, 1)},
		{"2024/3/1 8:26 PM", d(2024, 3, 1)},
		{"3/1/2024 8:26", d(2024, 3, 1)},
		{"3/1/2024", d(2024, 3, 1)},
		{"03/01/2024", d(2024, 3, 1)},
		{"12/31/2024", d(2024, 12, 31)},
		{"2024年3月1日", d(2024, 3, 1)},
		{"2024年03月01日", d(2024, 3, 1)},
		{"2024年3月1日 8:26", d(2024, 3, 1)},
		{"2024年3月1日8:26", d(2024, 3, 1)},
		{"2024年3月1号", d(2024, 3, 1)},
		{"20240301", d(2024, 3, 1)},
		{"45352", d(2024, 3, 1)},
		{"45352.35138888889", d(2024, 3, 1)},
		{"1", d(1900, 1, 1)},
		{"59", d(1900, 2, 28)},
		{"61", d(1900, 3, 1)},
		{"36526", d(2000, 1, 1)},
		{"２０２４－０３－０１", d(2024, 3, 1)},
		{"２０２４年３月１日", d(2024, 3, 1)},
		{"  2024-03-01\u3000", d(2024, 3, 1)},
		{"2024-02-29", d(2024, 2, 29)},
		{"2000-02-29", d(2000, 2, 29)},
		{"1900-01-01", d(1900, 1, 1)},
		{"2999-12-31", d(2999, 12, 31)},
		// Months, for 月份 and 年月 columns.
		{"2024-03", d(2024, 3, 1)},
		{"2024/3", d(2024, 3, 1)},
		{"2024.3", d(2024, 3, 1)},
		{"2024.03", d(2024, 3, 1)},
		{"202403", d(2024, 3, 1)},
		{"2024年3月", d(2024, 3, 1)},
	} {
		got, err := ParseDate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDate(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDateRejects(t *testing.T) {
	for _, in := range []string{
		"", " ", "abc", "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10",
		"2024-01-00", "2024-04-31", "1899-12-31", "3000-01-01", "0000-01-01",
		"2024-03-01 25:00", "2024-03-01 08:60", "2024-03-01 8", "2024-03-01T", "2024-03-01 08:26 XM",
		"2024-03-01 13:00 PM", "2024-03-01x", "2024-3/1", "2024/03-01", "2024..3", "2024-03-",
		"13/1/2024", "3/32/2024", "3/1/24", "1/3", "3-1-2024", "24-03-01", "20241301", "20240230",
		"2024", "1900", "0", "60", "-1", "2958466", "9999999", "45352.", ".5", "45352.5.1",
		"2024.13", "2024.123", "202413", "2024年13月", "2024年3月32日", "2024年3月1", "3月1日",
		"2024年3月1日 25:00", "NaN", "2024-03-01 08:26:00+8", "2024-03-01Z", "12345678901",
		"2024-03-01\x00", "2024‐03‐01",
	} {
		if got, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want bad_date", in, got)
		} else {
			wantCode(t, "ParseDate("+in+")", err, "bad_date")
		}
	}
}

func TestParseClass(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "PRODUCT"}, {"产品", "PRODUCT"}, {"商品", "PRODUCT"}, {"货品", "PRODUCT"},
		{"product", "PRODUCT"}, {"PRODUCT", "PRODUCT"}, {"Goods", "PRODUCT"}, {"p", "PRODUCT"}, {"P", "PRODUCT"},
		{" 产品 ", "PRODUCT"},
		{"服务", "SERVICE"}, {"服务费", "SERVICE"}, {"service", "SERVICE"}, {"Services", "SERVICE"},
		{"S", "SERVICE"}, {"SERVICE", "SERVICE"}, {"ｓｅｒｖｉｃｅ", "SERVICE"},
	} {
		got, err := ParseClass(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseClass(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"x", "软件", "produce", "产品服务"} {
		_, err := ParseClass(in)
		wantCode(t, "ParseClass("+in+")", err, "bad_class")
	}
}

func TestParseAccountType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"  ", ""},
		{"企业", "ENTERPRISE"}, {"公司", "ENTERPRISE"}, {"Enterprise", "ENTERPRISE"}, {"company", "ENTERPRISE"},
		{"经销商", "DEALER"}, {"代理商", "DEALER"}, {"dealer", "DEALER"}, {"Distributor", "DEALER"}, {"AGENT", "DEALER"},
		{"加盟商", "FRANCHISEE"}, {"加盟店", "FRANCHISEE"}, {"franchisee", "FRANCHISEE"}, {"Franchise", "FRANCHISEE"},
		{"消费者", "CONSUMER"}, {"个人", "CONSUMER"}, {"consumer", "CONSUMER"}, {"Individual", "CONSUMER"},
	} {
		got, err := ParseAccountType(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseAccountType(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"x", "政府", "dealers?"} {
		_, err := ParseAccountType(in)
		wantCode(t, "ParseAccountType("+in+")", err, "bad_type")
	}
}

func TestParseBool(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"是", true}, {"否", false}, {"Y", true}, {"N", false}, {"y", true}, {"n", false},
		{"yes", true}, {"No", false}, {"TRUE", true}, {"false", false}, {"1", true}, {"0", false},
		{"对", true}, {"错", false}, {"", false}, {" 是 ", true}, {"√", true}, {"×", false},
	} {
		got, err := ParseBool(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseBool(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"maybe", "2", "是的吧"} {
		_, err := ParseBool(in)
		wantCode(t, "ParseBool("+in+")", err, "bad_bool")
	}
}

func TestValueErrorMessage(t *testing.T) {
	_, err := ParseAmount("abc")
	if got, want := err.Error(), `"abc": not an amount`; got != want {
		t.Errorf("ParseAmount(abc) error = %q, want %q", got, want)
	}
}

// The per-line parsers must not allocate: they run ten million times in an
// import.
func TestParsersDoNotAllocate(t *testing.T) {
	for name, f := range map[string]func(){
		"ParseAmount":      func() { ParseAmount("¥1,234.56") },
		"ParseDate":        func() { ParseDate("2024-03-01 08:26:00") },
		"ParseDateCN":      func() { ParseDate("2024年3月1日") },
		"ParseClass":       func() { ParseClass("服务") },
		"ParseClassUpper":  func() { ParseClass("PRODUCT") },
		"ParseClassWide":   func() { ParseClass("ｓｅｒｖｉｃｅ") },
		"ParseAccountType": func() { ParseAccountType("Enterprise") },
		"ParseBool":        func() { ParseBool("是") },
		"Decimal":          func() { ParseDecimal("12.5") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
}
