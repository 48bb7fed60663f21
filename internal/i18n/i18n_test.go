package i18n

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// verbRE matches one fmt verb with its flags, argument index, width and
// precision. "%%" is matched too and filtered out by verbs.
var verbRE = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)

func verbs(msg string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(msg, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

func TestLangs(t *testing.T) {
	got := Langs()
	if want := []string{"zh-CN", "en"}; !slices.Equal(got, want) {
		t.Fatalf("Langs() = %v, want %v", got, want)
	}
	if got[0] != Default {
		t.Errorf("Langs()[0] = %q, want Default %q", got[0], Default)
	}
	got[0] = "xx" // the caller's copy must not change the package's list
	if Langs()[0] != Default {
		t.Error("Langs() returned the package's own slice")
	}
}

func TestCatalogsHaveSameKeys(t *testing.T) {
	want := Keys(Default)
	if len(want) == 0 {
		t.Fatalf("Keys(%q) is empty", Default)
	}
	for _, lang := range Langs() {
		got := Keys(lang)
		for _, k := range want {
			if !Get(lang).Has(k) {
				t.Errorf("%s: missing key %q (present in %s)", lang, k, Default)
			}
		}
		for _, k := range got {
			if !Get(Default).Has(k) {
				t.Errorf("%s: extra key %q (absent from %s)", lang, k, Default)
			}
		}
	}
}

func TestCatalogsSameVerbs(t *testing.T) {
	base := Get(Default)
	for _, lang := range Langs()[1:] {
		p := Get(lang)
		for _, k := range Keys(Default) {
			if !p.Has(k) {
				continue // reported by TestCatalogsHaveSameKeys
			}
			want, got := verbs(base.messages[k]), verbs(p.messages[k])
			if !slices.Equal(got, want) {
				t.Errorf("%s %q: verbs %v, want %v as in %s", lang, k, got, want, Default)
			}
		}
	}
}

func TestCatalogsNoEmptyMessages(t *testing.T) {
	for _, lang := range Langs() {
		for k, msg := range Get(lang).messages {
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s %q: empty message", lang, k)
			}
			// T returns a message without args unformatted, so a literal
			// percent sign would show as "%%" there; keep them out of
			// messages that take no arguments.
			if len(verbs(msg)) == 0 && strings.Contains(msg, "%") {
				t.Errorf("%s %q: %q has a %% sign but no verbs", lang, k, msg)
			}
			if strings.TrimSpace(msg) != msg {
				t.Errorf("%s %q: %q has leading or trailing space", lang, k, msg)
			}
		}
	}
}

// TestCatalogsNoDuplicateKeys guards against a key written twice in one file,
// which encoding/json would silently resolve to the last value.
func TestCatalogsNoDuplicateKeys(t *testing.T) {
	for _, lang := range Langs() {
		b, err := localeFS.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil { // {
			t.Fatalf("%s: %v", lang, err)
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatalf("%s: %v", lang, err)
			}
			k := tok.(string)
			if seen[k] {
				t.Errorf("%s: key %q appears twice", lang, k)
			}
			seen[k] = true
			var v string
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%s %q: %v", lang, k, err)
			}
		}
	}
}

func TestSeedKeys(t *testing.T) {
	// Keys that templates and other packages rely on.
	for _, k := range []string{
		"app.name", "app.tagline",
		"nav.workbench", "nav.pyramid", "nav.accounts", "nav.opportunities", "nav.activities",
		"nav.meetings", "nav.targets", "nav.incentives", "nav.certification", "nav.settings", "nav.import",
		"lang.zh-CN", "lang.en",
		"common.search", "common.filter", "common.reset", "common.export_csv", "common.export_xlsx",
		"common.save", "common.cancel", "common.edit", "common.new", "common.previous", "common.next",
		"common.page", "common.total", "common.none", "common.all", "common.why", "common.yes", "common.no",
		"common.loading",
		"error.not_found", "error.server", "error.bad_request", "error.forbidden",
		"tier.A", "tier.B", "tier.C", "tier.D",
		"band.OX_NOSE", "band.SUPER", "band.CORE", "band.LONG_TAIL",
		"type.ENTERPRISE", "type.DEALER", "type.FRANCHISEE", "type.CONSUMER",
		"class.PRODUCT", "class.SERVICE",
		"chart.accounts", "chart.account_share", "chart.revenue_share",
		"chart.cumulative_revenue_share", "chart.actual", "chart.theory",
	} {
		for _, lang := range Langs() {
			if !Get(lang).Has(k) {
				t.Errorf("%s: missing %q", lang, k)
			}
		}
	}
}

func TestT(t *testing.T) {
	zh, en := Get("zh-CN"), Get("en")
	for _, tc := range []struct {
		p    *Printer
		key  string
		args []any
		want string
	}{
		{zh, "nav.accounts", nil, "客户"},
		{en, "nav.accounts", nil, "Accounts"},
		{zh, "common.page", []any{2, 10}, "第 2 页 / 共 10 页"},
		{en, "common.page", []any{2, 10}, "Page 2 of 10"},
		{zh, "common.total", []any{1234}, "共 1234 条"},
		{zh, "no.such.key", nil, "!no.such.key!"},
		{en, "no.such.key", []any{1}, "!no.such.key!"},
		{zh, "band.OX_NOSE", nil, "牛鼻子客户"},
		{en, "chart.mark.core", []any{"20%"}, "Core 20%"},
	} {
		if got := tc.p.T(tc.key, tc.args...); got != tc.want {
			t.Errorf("Get(%q).T(%q, %v) = %q, want %q", tc.p.Lang(), tc.key, tc.args, got, tc.want)
		}
	}
}

func TestGet(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"zh-CN", "zh-CN"},
		{"en", "en"},
		{"", Default},
		{"fr", Default},
		{"EN", Default}, // codes are exact; Match normalises user input
	} {
		if got := Get(tc.lang).Lang(); got != tc.want {
			t.Errorf("Get(%q).Lang() = %q, want %q", tc.lang, got, tc.want)
		}
	}
	if Get("zh-CN").Has("no.such.key") {
		t.Error(`Has("no.such.key") = true, want false`)
	}
	if !Get("en").Has("nav.accounts") {
		t.Error(`Has("nav.accounts") = false, want true`)
	}
}

func TestKeysSorted(t *testing.T) {
	for _, lang := range append(Langs(), "xx") {
		k := Keys(lang)
		if !slices.IsSorted(k) {
			t.Errorf("Keys(%q) is not sorted", lang)
		}
	}
	if !slices.Equal(Keys("xx"), Keys(Default)) {
		t.Error(`Keys("xx") differs from Keys(Default)`)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "zh-CN"},
		{"zh", "zh-CN"},
		{"zh-CN", "zh-CN"},
		{"zh-cn", "zh-CN"},
		{"zh-Hans", "zh-CN"},
		{"zh-Hans-CN", "zh-CN"},
		{"zh-TW", "zh-CN"},
		{"zh-HK", "zh-CN"},
		{"zh-Hant", "zh-CN"},
		{"zh-SG", "zh-CN"},
		{"en", "en"},
		{"en-US", "en"},
		{"en-GB", "en"},
		{"en-AU", "en"},
		{"fr", "zh-CN"},
		{"ja-JP", "zh-CN"},
		{"de-DE,fr;q=0.8", "zh-CN"},
		{"*", "zh-CN"},
		{"fr-FR,en;q=0.5", "en"},
		{"en-US,en;q=0.9,zh-CN;q=0.8", "en"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", "zh-CN"},
		{"en;q=0.5,zh;q=0.9", "zh-CN"},
		{"zh;q=0.5,en;q=0.9", "en"},
		{"not a header;;;", "zh-CN"},
	} {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestVerbs(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want []string
	}{
		{"无", nil},
		{"第 %d 页 / 共 %d 页", []string{"%d", "%d"}},
		{"100%% of %s, %.1f%% and %[1]s %5d", []string{"%s", "%.1f", "%[1]s", "%5d"}},
	} {
		if got := verbs(tc.msg); !slices.Equal(got, tc.want) {
			t.Errorf("verbs(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
