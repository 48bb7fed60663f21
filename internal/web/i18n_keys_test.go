package web_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/transfer"
)

// found maps a key or a key prefix to where it is used.
type found map[string][]string

func (f found) add(key, where string) {
	if !slices.Contains(f[key], where) {
		f[key] = append(f[key], where)
	}
}

// scan adds the first group of every match of re in the file at path.
func scan(t *testing.T, path string, re *regexp.Regexp, into func(s, where string)) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range re.FindAllSubmatchIndex(src, -1) {
		line := 1 + strings.Count(string(src[:m[0]]), "\n")
		into(string(src[m[2]:m[3]]), filepath.ToSlash(path)+":"+strconv.Itoa(line))
	}
}

// goFiles lists the non-test Go files under internal/.
func goFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	// Templates: {{.T "key"}}, {{$.T "key"}}, {{$l.T "key"}}, and labels
	// passed to the "field" template, which translates them.
	tmplKeyRE    = regexp.MustCompile(`(?:\$\w*)?\.T "([^"]+)"`)
	tmplLabelRE  = regexp.MustCompile(`"Label" "([^"]+)"`)
	tmplPrefixRE = regexp.MustCompile(`\.T \(printf "([^"%]*)%s"`)
	// Go: p.T("key"…), h.layout(r, "nav", "title key"), validation keys,
	// and keys built as "prefix." + value.
	goKeyRE    = regexp.MustCompile(`\.T\("([^"]+)"`)
	goTitleRE  = regexp.MustCompile(`\.layout\(r, "[^"]*", "([^"]+)"\)`)
	goErrorRE  = regexp.MustCompile(`"(error\.[a-z0-9_.]+)"`)
	goPrefixRE = regexp.MustCompile(`"([a-z][a-z_.]*\.)" *\+`)
)

// TestTranslationKeys checks that every message key the templates and the
// Go code use is in both catalogs, including keys built from a prefix and a
// value, for every value.
func TestTranslationKeys(t *testing.T) {
	keys, prefixes := found{}, found{}
	addKey := func(s, where string) {
		if strings.HasSuffix(s, ".") {
			prefixes.add(s, where)
		} else {
			keys.add(s, where)
		}
	}
	tmpls, err := filepath.Glob("templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("templates/*/*.html")
	tmpls = append(tmpls, more...)
	if len(tmpls) < 5 {
		t.Fatalf("templates = %v", tmpls)
	}
	for _, path := range tmpls {
		scan(t, path, tmplKeyRE, addKey)
		scan(t, path, tmplLabelRE, addKey)
		scan(t, path, tmplPrefixRE, prefixes.add)
	}
	files := goFiles(t)
	for _, path := range files {
		scan(t, path, goKeyRE, addKey)
		scan(t, path, goTitleRE, addKey)
		scan(t, path, goPrefixRE, prefixes.add)
		scan(t, path, goErrorRE, func(s, where string) {
			if !strings.HasSuffix(s, ".html") { // a template name, not a key
				addKey(s, where)
			}
		})
	}
	for _, k := range []string{"nav.pyramid", "account.why_range", "import.error.no_file", "error.account.name.required", "error.version.required"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the scan missed the key %q: the patterns are out of date", k)
		}
	}

	// The values each dynamic prefix is completed with.
	var bands []string
	m := crm.DefaultMethod()
	for i := 0; i <= len(m.Bands); i++ {
		bands = append(bands, m.BandName(i))
	}
	var fields []string
	for _, f := range append(append(append([]transfer.Field{}, transfer.RevenueFields...), transfer.AccountFields...), transfer.AllFields...) {
		fields = append(fields, string(f))
	}
	values := map[string][]string{
		"type.":           crm.AccountTypes,
		"band.":           bands,
		"class.":          {crm.ClassProduct, crm.ClassService},
		"import.kind.":    {app.KindAccounts, app.KindRevenue},
		"import.field.":   fields,
		"import.problem.": problemCodes(t, files),
		"lang.":           i18n.Langs(),
		"role.":           crm.Roles,
		"scope.":          crm.Scopes,
		"track.":          crm.Tracks,
		"family.":         crm.RoleFamilies,
		"dept.":           crm.DepartmentKinds,
		"stage.":          crm.Stages,
		"handover.item.":  crm.HandoverItems,
		"handover.view.":  app.HandoverViews,
		"handover.state.": {crm.HandoverOpen, crm.HandoverAccepted, crm.HandoverCancelled},
		"oppstage.":       m.OppStageNames(),
		"oppcrit.":        crm.DefaultOppCriteria(),
		"activity.kind.":  crm.ActivityKinds,
		"weekday.":        {"0", "1", "2", "3", "4", "5", "6"},
		"gate.":           crm.Gates,
		"signin.error.":   {"sso", "sso_unknown"},
		"flash.":          flashes(t),
		"file.":           errorCodes(t, "FileError"),
		"line.":           errorCodes(t, "LineError"),
		// ParseColumnFlag's bad_column_flag never reaches DescribeImportError:
		// its callers report it as a bad request or a usage error.
		"mapping.": slices.DeleteFunc(errorCodes(t, "MappingError"), func(c string) bool { return c == "bad_column_flag" }),

		// Notifications (docs/notifications.md).
		"channel.kind.":    crm.ChannelKinds,
		"channel.format.":  crm.ChannelFormats,
		"delivery.status.": crm.DeliveryStatuses,

		// Standards and alerts (docs/standards.md).
		"alert.rule.":        crm.AlertRuleNames,
		"alert.title.":       crm.AlertRuleNames,
		"standards.problem.": {app.NextStepNone, app.NextStepOverdue, app.NextStepLate},
		// Meetings (docs/meetings.md).
		"meeting.type.":  crm.MeetingTypes,
		"meeting.risk.":  {app.RiskStage, app.RiskYoY, app.RiskThreeMonth, app.RiskAlert},
		"action.status.": {crm.ActionOpen, crm.ActionDone},
	}
	for prefix, where := range prefixes {
		vs, ok := values[prefix]
		if !ok {
			t.Errorf("keys are built from the prefix %q (%s): add its values to this test", prefix, strings.Join(where, ", "))
			continue
		}
		if len(vs) == 0 {
			t.Errorf("no values found for the prefix %q", prefix)
		}
		for _, v := range vs {
			keys.add(prefix+v, strings.Join(where, ", "))
		}
	}

	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, lang := range i18n.Langs() {
		p := i18n.Get(lang)
		for _, k := range names {
			if !p.Has(k) {
				t.Errorf("%s lacks %q, used at %s", lang, k, strings.Join(keys[k], ", "))
			}
		}
	}
	t.Logf("%d keys checked in %d languages", len(names), len(i18n.Langs()))
}

// problemCodes lists the codes of rejected import rows: those the importer
// names and those of the value parsers (transfer.ValueError).
func problemCodes(t *testing.T, files []string) []string {
	t.Helper()
	codes := found{}
	add := func(s, where string) { codes.add(s, where) }
	for _, path := range files {
		switch filepath.ToSlash(path) {
		case "../app/imports.go":
			scan(t, path, regexp.MustCompile(`problem\([^\n]*"([a-z0-9_]+)"\)`), add)
			scan(t, path, regexp.MustCompile(`\b(?:code|c) = "([a-z0-9_]+)"`), add)
			scan(t, path, regexp.MustCompile(`return "([a-z0-9_]+)"`), add)
		case "../transfer/values.go":
			scan(t, path, regexp.MustCompile(`valueErr\("([a-z0-9_]+)"`), add)
			scan(t, path, regexp.MustCompile(`parseDecimal\(s, "([a-z0-9_]+)"\)`), add)
		}
	}
	for _, c := range []string{"no_account", "no_date", "bad_date", "no_amount", "bad_amount", "amount_too_large", "bad_quantity",
		"bad_price", "bad_number", "bad_class", "bad_type", "bad_bool", "too_long", "duplicate_account", "bad_value"} {
		codes.add(c, "known")
	}
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	return out
}

// errorCodes lists the Code values transfer gives errors of one type.
func errorCodes(t *testing.T, typ string) []string {
	t.Helper()
	paths, err := filepath.Glob("../transfer/*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := found{}
	re := regexp.MustCompile(`&` + typ + `\{[^}]*Code: "([a-z0-9_]+)"`)
	for _, path := range paths {
		if !strings.HasSuffix(path, "_test.go") {
			scan(t, path, re, codes.add)
		}
	}
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	return out
}

// flashes lists the flash messages the pages redirect with.
func flashes(t *testing.T) []string {
	t.Helper()
	codes := found{}
	for _, path := range []string{"accounts.go", "targets.go", "imports.go", "pyramid.go", "web.go", "signin.go", "people.go", "lifecycle.go", "opportunities.go", "activities.go", "notify.go"} {
		scan(t, path, regexp.MustCompile(`flash=([a-z0-9_]+)`), codes.add)
		scan(t, path, regexp.MustCompile(`"flash": \{"([a-z0-9_]+)"\}`), codes.add)
	}
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	return out
}
