package cli

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"kam/internal/crm"
	"kam/internal/i18n"
)

func TestCLILang(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "zh-CN"},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, "zh-CN"},
		{map[string]string{"LANG": "zh_TW.Big5"}, "zh-CN"},
		{map[string]string{"LANG": "zh_CN.GB18030"}, "zh-CN"},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_GB.ISO-8859-1@euro"}, "en"},
		{map[string]string{"LANG": "C"}, "en"},
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "POSIX"}, "en"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "zh-CN"}, // as a browser that asks for German
		{map[string]string{"LANG": "nonsense;;"}, "zh-CN"},
		{map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN"},
		{map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"},
		{map[string]string{"KAM_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"},
		{map[string]string{"KAM_LANG": "zh-CN", "LANG": "C"}, "zh-CN"},
		{map[string]string{"KAM_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh-CN"},
		{map[string]string{"KAM_LANG": "", "LANG": "en_US.UTF-8"}, "en"}, // empty is unset
	} {
		if got := cliLang(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("cliLang(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	zh, en := i18n.Get("zh-CN"), i18n.Get("en")
	missing := filepath.Join(t.TempDir(), "missing.csv")
	_, statErr := os.Stat(missing)
	ve := &crm.ValidationError{}
	ve.Add("tiers", "error.method.tiers.order")
	ve.Add("bands", "error.method.bands.none")
	for _, tc := range []struct {
		err  error
		p    *i18n.Printer
		want string
	}{
		{errorf("cli.user.no_person", "x@example.com"), en, "no person with the e-mail address x@example.com"},
		{errorf("cli.user.no_person", "x@example.com"), zh, "没有电子邮箱为 x@example.com 的人员"},
		{ve, en, "bands: " + en.T("error.method.bands.none") + "; tiers: " + en.T("error.method.tiers.order")},
		{ve, zh, "bands: " + zh.T("error.method.bands.none") + "; tiers: " + zh.T("error.method.tiers.order")},
		{crm.ErrConflict, zh, zh.T("error.conflict.detail")},
		{statErr, zh, missing + "：文件或目录不存在"},
		// An error among the arguments is described in the same language.
		{errorf("cli.import.failed", crm.ErrConflict), zh, zh.T("cli.import.failed", zh.T("error.conflict.detail"))},
		{errors.New("driver: bad connection"), zh, "driver: bad connection"},
	} {
		if got := describe(tc.p, tc.err); got != tc.want {
			t.Errorf("describe(%s, %v) = %q, want %q", tc.p.Lang(), tc.err, got, tc.want)
		}
	}
	if err := errorf("cli.import.failed", crm.ErrConflict); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("errors.Is(%v, crm.ErrConflict) = false: a message does not unwrap its arguments", err)
	}
}

// The rule that keeps the command line translated: in the non-test Go files
// of this package, a string literal that a person would read is never
// written, formatted or returned as an error as is. Message keys go to
// Printer.T (or usagef, errorf, columns) and must be in both catalogs;
// literals passed to fmt's printing functions, errors.New, fmt.Errorf, the
// progress bar's label or a flag's help must hold no letters once their
// fmt verbs and terminal escapes are taken out ("%s: %s\n" is fine,
// "created %s\n" is not). Machine output (CSV columns, JSON) is written
// with other calls and is not concerned.

var (
	verbRE   = regexp.MustCompile(`%[-+# 0]*(\[\d+\])?(\d+|\*)?(\.(\d+|\*)?)?[a-zA-Z%]`)
	escapeRE = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
)

// keyArgs names the functions whose first argument is a message key, and
// how many leading arguments are keys (-1: all of them).
var keyArgs = map[string]int{"T": 1, "usagef": 1, "errorf": 1, "columns": -1}

// textFuncs are fmt's and errors' functions: no argument may be a literal
// with letters.
var textFuncs = map[string]bool{
	"fmt.Fprint": true, "fmt.Fprintf": true, "fmt.Fprintln": true,
	"fmt.Print": true, "fmt.Printf": true, "fmt.Println": true,
	"fmt.Sprint": true, "fmt.Sprintf": true, "fmt.Sprintln": true,
	"fmt.Errorf": true, "errors.New": true,
}

// flagFuncs define flags; their last argument is the help.
var flagFuncs = map[string]bool{
	"String": true, "Int": true, "Int64": true, "Uint": true, "Uint64": true, "Bool": true, "Float64": true,
	"Duration": true, "Var": true, "StringVar": true, "IntVar": true, "Int64Var": true, "UintVar": true,
	"Uint64Var": true, "BoolVar": true, "Float64Var": true, "DurationVar": true, "Func": true, "BoolFunc": true,
	"TextVar": true,
}

// hasLetters reports whether a literal's text says something in a language.
func hasLetters(s string) bool {
	s = escapeRE.ReplaceAllString(verbRE.ReplaceAllString(s, ""), "")
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// untranslated checks one file's source and returns its problems.
func untranslated(fset *token.FileSet, f *ast.File) []string {
	var problems []string
	report := func(n ast.Node, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: %s", fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	// text checks that e holds no literal with letters, looking through
	// concatenations and parentheses but not into calls.
	var text func(call string, e ast.Expr)
	text = func(call string, e ast.Expr) {
		switch e := e.(type) {
		case *ast.BinaryExpr:
			text(call, e.X)
			text(call, e.Y)
		case *ast.ParenExpr:
			text(call, e.X)
		default:
			if s, ok := str(e); ok && hasLetters(s) {
				report(e, "%s(%q): a message for people must be a key of the catalogs, printed with Printer.T", call, s)
			}
		}
	}
	key := func(call string, e ast.Expr) {
		if s, ok := str(e); ok {
			for _, lang := range i18n.Langs() {
				if !i18n.Get(lang).Has(s) {
					report(e, "%s(%q): no such key in %s", call, s, lang)
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			// A literal that looks like a key of the command line is one.
			if s, ok := str(n); ok && strings.HasPrefix(s, "cli.") {
				key("literal", n)
			}
		case *ast.CallExpr:
			name := ""
			switch fun := n.Fun.(type) {
			case *ast.Ident:
				name = fun.Name
			case *ast.SelectorExpr:
				name = fun.Sel.Name
				if x, ok := fun.X.(*ast.Ident); ok && (x.Name == "fmt" || x.Name == "errors") {
					name = x.Name + "." + name
				}
			}
			switch {
			case textFuncs[name]:
				for _, a := range n.Args {
					text(name, a)
				}
			case keyArgs[name] != 0:
				nkeys := keyArgs[name]
				for i, a := range n.Args {
					if nkeys < 0 || i < nkeys {
						if name != "columns" || i > 0 { // columns(p, keys...)
							key(name, a)
						}
					} else {
						text(name, a)
					}
				}
			case name == "newProgress" && len(n.Args) == 3:
				text(name, n.Args[1])
			case flagFuncs[name] && len(n.Args) >= 3:
				text("flag "+name, n.Args[len(n.Args)-1])
			}
		}
		return true
	})
	return problems
}

func TestMessagesAreTranslated(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := 0
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files++
		for _, p := range untranslated(fset, f) {
			t.Error(p)
		}
	}
	if files < 10 {
		t.Errorf("scanned %d files, want the package's", files)
	}
}

// TestUntranslatedCaught checks the checker on a few lines of each kind.
func TestUntranslatedCaught(t *testing.T) {
	src := `package x
func f() {
	fmt.Fprintf(env.Stdout, "created %s <%s>\n", name, email)
	fmt.Fprintln(env.Stderr, "kam " + cmd + ": failed")
	return errors.New("the two passwords differ")
	return fmt.Errorf("no person %s", email)
	return usagef("--email is required")
	bar := newProgress(env.Stderr, "loading demo", 0)
	fs.Bool("admin", false, "create an administrator")
	fmt.Fprintln(env.Stdout, p.T("cli.no.such.key"))
	key := "cli.no.such.key.either"

	fmt.Fprintf(env.Stdout, "%s: %s\n", progName, p.T("cli.user.created", a, b, c))
	fmt.Fprint(p.w, "\r\033[K")
	fmt.Fprintf(tw, "%s\t%d\t%.2f%%\n", a, b, c)
	fs.Bool("admin", false, p.T("cli.flag.user.admin"))
	return usagef("cli.user.email_required")
	fmt.Fprintln(tw, columns(p, "person.name", "person.email"))
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := untranslated(fset, f)
	lines := map[int]bool{}
	for _, p := range got {
		// x.go:LINE:COL: …
		n, _ := strconv.Atoi(strings.Split(p, ":")[1])
		lines[n] = true
	}
	for line := 3; line <= 11; line++ {
		if !lines[line] {
			t.Errorf("line %d of the sample was not reported", line)
		}
	}
	for line := range lines {
		if line > 11 {
			t.Errorf("line %d of the sample was reported, but it is translated: %v", line, got)
		}
	}
}
