package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// environ returns a Getenv with the variables given as name, value pairs.
func environ(pairs ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(k string) string { return m[k] }
}

// missingKeyRE matches what Printer.T prints for a key the catalog lacks.
var missingKeyRE = regexp.MustCompile(`![a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+!`)

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestLanguage runs the same commands in the languages the environment
// chooses: Chinese by default and with a Chinese locale, English with an
// English or the C locale or KAM_LANG=en. Machine output (JSON, CSV) is the
// same in both.
func TestLanguage(t *testing.T) {
	db := demoDB(t)
	dir := t.TempDir()
	revenue := filepath.Join(dir, "r.csv")
	os.WriteFile(revenue, []byte("客户编号,日期,金额\nF000001,2025-01-02,100\n,2025-01-02,5\n"), 0o600)

	type expect struct{ zh, en string }
	checks := []struct {
		args     []string
		code     int
		stderr   bool // the message is on stderr
		contains expect
	}{
		{[]string{"help"}, 0, false, expect{"用法：kam 命令 [参数]", "Usage: kam COMMAND [flags]"}},
		{[]string{"help"}, 0, false, expect{"启动网页界面和 API", "start the web interface and the API"}},
		{[]string{"bogus"}, 2, true, expect{`kam: 未知命令 "bogus"`, `kam: unknown command "bogus"`}},
		{[]string{"pyramid", "--db", db, "--year", "2025"}, 0, false, expect{"客户金字塔，收入门槛", "Customer pyramid, Revenue thresholds"}},
		{[]string{"pyramid", "--db", db, "--year", "2025"}, 0, false, expect{"合计", "Total"}},
		{[]string{"pyramid", "--db", db, "--year", "2025", "--scheme", "pareto"}, 0, false, expect{"牛鼻子客户", "Ox-nose"}},
		{[]string{"pyramid", "--db", db, "--migration"}, 0, false, expect{"升级", "upgrades"}},
		{[]string{"pyramid", "--db", db, "--account", "F000001", "--year", "2025"}, 0, false, expect{"层", "tier"}},
		{[]string{"pyramid", "--db", db, "--account", "NOPE"}, 1, true, expect{`kam pyramid: 没有编号为 "NOPE" 的客户`, `kam pyramid: no account with the code "NOPE"`}},
		{[]string{"pyramid", "--db", db, "--year", "2025", "--ttm"}, 2, true, expect{"只能给出其中一个", "give one of"}},
		{[]string{"pyramid", "-h"}, 0, true, expect{`参数：`, `Flags:`}},
		{[]string{"pyramid", "-h"}, 0, true, expect{`（默认 "table"）`, `(default "table")`}},
		{[]string{"targets", "--db", db, "--year", "2025"}, 0, false, expect{"目标客户数", "Target accounts"}},
		{[]string{"import", "revenue", "--db", db, "--dry-run", revenue}, 0, false, expect{"试运行：没有写入任何数据", "dry run: nothing was stored"}},
		{[]string{"import", "revenue", "--db", db, "--dry-run", revenue}, 0, false, expect{"第 3 行，客户编号", "row 3, 客户编号"}},
		{[]string{"import", "revenue", "--db", db, "--dry-run", revenue}, 0, false, expect{"：没有客户编号", ": no account code"}},
		{[]string{"import", "revenue", "--db", db, filepath.Join(dir, "none.csv")}, 1, true, expect{"文件或目录不存在", "no such file or directory"}},
		{[]string{"migrate", "--db", db, "--status"}, 0, false, expect{"已执行", "applied"}},
		{[]string{"settings", "--db", db}, 0, false, expect{"配置版本", "configuration version"}},
		{[]string{"user", "list", "--db", db}, 0, false, expect{"姓名", "Name"}},
	}
	for _, env := range []struct {
		name   string
		getenv func(string) string
		lang   string
	}{
		{"no variables", environ(), "zh"},
		{"LANG=zh_CN.UTF-8", environ("LANG", "zh_CN.UTF-8"), "zh"},
		{"LANG=en_US.UTF-8", environ("LANG", "en_US.UTF-8"), "en"},
		{"LANG=C", environ("LANG", "C"), "en"},
		{"LC_ALL=zh_CN.UTF-8 over LANG=en_US.UTF-8", environ("LC_ALL", "zh_CN.UTF-8", "LANG", "en_US.UTF-8"), "zh"},
		{"KAM_LANG=en over LANG=zh_CN.UTF-8", environ("KAM_LANG", "en", "LANG", "zh_CN.UTF-8"), "en"},
		{"KAM_LANG=zh-CN over LANG=en_US.UTF-8", environ("KAM_LANG", "zh-CN", "LANG", "en_US.UTF-8"), "zh"},
	} {
		t.Run(env.name, func(t *testing.T) {
			for _, c := range checks {
				code, out, errb := runEnv(t, env.getenv, c.args...)
				got, want, other := out, c.contains.zh, c.contains.en
				if c.stderr {
					got = errb
				}
				if env.lang == "en" {
					want, other = other, want
				}
				if code != c.code || !strings.Contains(got, want) {
					t.Errorf("kam %s = %d, want %d and %q in\n%s\n%s", strings.Join(c.args, " "), code, c.code, want, out, errb)
				}
				if strings.Contains(got, other) && !strings.Contains(want, other) {
					t.Errorf("kam %s: the other language's %q in\n%s", strings.Join(c.args, " "), other, got)
				}
				if m := missingKeyRE.FindString(out + errb); m != "" {
					t.Errorf("kam %s: missing message %s in\n%s\n%s", strings.Join(c.args, " "), m, out, errb)
				}
			}
		})
	}

	// Output for programs does not change with the language.
	for _, args := range [][]string{
		{"pyramid", "--db", db, "--year", "2025", "--format", "json"},
		{"pyramid", "--db", db, "--scheme", "pareto", "--format", "csv"},
		{"pyramid", "--db", db, "--migration", "--format", "csv"},
		{"targets", "--db", db, "--year", "2025", "--format", "json"},
		{"import", "revenue", "--db", db, "--dry-run", "--format", "json", revenue},
	} {
		_, zh, _ := runEnv(t, environ("LANG", "zh_CN.UTF-8"), args...)
		_, en, _ := runEnv(t, environ("LANG", "en_US.UTF-8"), args...)
		if zh != en || zh == "" {
			t.Errorf("kam %s differs between languages:\n%s\n%s", strings.Join(args, " "), zh, en)
		}
	}
}

// TestHelpTranslated checks the help of every command's flags: each in
// Chinese by default, none in Chinese with LANG=en_US.UTF-8. A flag added
// with an English help only fails here (and in TestMessagesAreTranslated).
func TestHelpTranslated(t *testing.T) {
	for _, args := range [][]string{
		{"serve"}, {"import"}, {"pyramid"}, {"targets"}, {"targets", "set"}, {"settings"}, {"export"}, {"demo"},
		{"migrate"}, {"user", "create"}, {"user", "password"},
	} {
		for _, lang := range []string{"zh", "en"} {
			getenv := environ()
			if lang == "en" {
				getenv = environ("LANG", "en_US.UTF-8")
			}
			code, out, errb := runEnv(t, getenv, append(args, "-h")...)
			if code != 0 || out != "" {
				t.Errorf("kam %s -h = %d, stdout %q", strings.Join(args, " "), code, out)
			}
			var flags int
			for _, line := range strings.Split(errb, "\n") {
				help := ""
				switch {
				case strings.HasPrefix(line, "    \t"):
					help = line[5:]
				case strings.HasPrefix(line, "  -") && strings.Contains(line, "\t"):
					help = line[strings.Index(line, "\t")+1:]
				default:
					continue
				}
				flags++
				if hasHan(help) != (lang == "zh") {
					t.Errorf("kam %s -h (%s): the help %q is in the wrong language", strings.Join(args, " "), lang, help)
				}
			}
			if flags < 1 || !strings.Contains(errb, "-db") {
				t.Errorf("kam %s -h (%s): no flags in\n%s", strings.Join(args, " "), lang, errb)
			}
			if m := missingKeyRE.FindString(errb); m != "" {
				t.Errorf("kam %s -h: missing message %s", strings.Join(args, " "), m)
			}
		}
	}
}
