package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/i18n"
)

// progName is the program's name in messages; it is not translated.
const progName = "kam"

// langVars are the variables that choose the language of the command line,
// the first set one wins: KAM_LANG, then the POSIX locale variables in their
// order of precedence.
var langVars = []string{"KAM_LANG", "LC_ALL", "LC_MESSAGES", "LANG"}

// cliLang returns the language of the command line: that of the first of
// langVars set, or i18n.Default when none is.
func cliLang(getenv func(string) string) string {
	for _, name := range langVars {
		if v := getenv(name); v != "" {
			return localeLang(v)
		}
	}
	return i18n.Default
}

// localeLang maps a locale name (language[_territory][.codeset][@modifier],
// such as zh_CN.UTF-8) or a language tag (zh-CN, en) to a supported
// language. The C and POSIX locales, which mean "not localised" and whose
// messages are English in every program, give English. Other names are
// matched as i18n.Match matches a browser's: any Chinese gives zh-CN, any
// English en, anything else the default.
func localeLang(v string) string {
	tag, _, _ := strings.Cut(v, "@")
	tag, _, _ = strings.Cut(tag, ".")
	if tag == "C" || tag == "POSIX" {
		return "en"
	}
	return i18n.Match(strings.ReplaceAll(tag, "_", "-"))
}

// message is an error whose text is a catalog message, printed by Main in
// the language of the command line. Arguments that are errors are described
// in that language too.
type message struct {
	key  string
	args []any
}

// errorf returns an error with the message key formatted with args.
func errorf(key string, args ...any) error { return message{key, args} }

// Error gives the English text, for logs and for code that wraps the error.
func (m message) Error() string { return m.text(i18n.Get("en")) }

// Unwrap returns the errors among the arguments, for errors.Is and errors.As.
func (m message) Unwrap() []error {
	var errs []error
	for _, a := range m.args {
		if err, ok := a.(error); ok {
			errs = append(errs, err)
		}
	}
	return errs
}

func (m message) text(p *i18n.Printer) string {
	args := make([]any, len(m.args))
	for i, a := range m.args {
		if err, ok := a.(error); ok {
			a = describe(p, err)
		}
		args[i] = a
	}
	return p.T(m.key, args...)
}

// usageError is a mistake in the command line: Main prints it and exits 2.
type usageError struct{ message }

// usagef returns a usage error with the message key formatted with args.
func usagef(key string, args ...any) error { return usageError{message{key, args}} }

// describe turns an error into a message for a person at a terminal, in p's
// language. Errors KAM does not know (of the database driver, the operating
// system) keep their own text.
func describe(p *i18n.Printer, err error) string {
	var (
		m  message
		ve *crm.ValidationError
		pe *fs.PathError
	)
	switch {
	case errors.As(err, &m):
		return m.text(p)
	case errors.As(err, &ve):
		fields := make([]string, 0, len(ve.Fields))
		for f := range ve.Fields {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f + ": " + p.T(ve.Fields[f])
		}
		return strings.Join(parts, "; ")
	}
	// Import errors first: one that says the file was imported already
	// wraps crm.ErrConflict.
	if s := app.DescribeImportError(p, err); s != err.Error() {
		return s
	}
	switch {
	case errors.Is(err, app.ErrNoData):
		return p.T("error.no_data.detail")
	case errors.Is(err, crm.ErrConflict):
		return p.T("error.conflict.detail")
	case errors.Is(err, crm.ErrForbidden):
		return p.T("error.forbidden")
	case errors.Is(err, crm.ErrNotFound):
		return p.T("cli.error.not_found")
	}
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return p.T("cli.error.not_exist", pe.Path)
		case errors.Is(err, fs.ErrPermission):
			return p.T("cli.error.permission", pe.Path)
		}
	}
	return err.Error()
}

// summaries are the keys of the commands' one-line descriptions, in the
// order kam help lists them.
var summaries = []struct{ name, key string }{
	{"serve", "cli.cmd.serve"},
	{"import", "cli.cmd.import"},
	{"pyramid", "cli.cmd.pyramid"},
	{"targets", "cli.cmd.targets"},
	{"settings", "cli.cmd.settings"},
	{"export", "cli.cmd.export"},
	{"demo", "cli.cmd.demo"},
	{"migrate", "cli.cmd.migrate"},
	{"user", "cli.cmd.user"},
}

// usage prints kam help.
func usage(w io.Writer, p *i18n.Printer) {
	fmt.Fprintf(w, "%s\n\n%s\n\n%s\n", p.T("cli.usage.title"), p.T("cli.usage.synopsis"), p.T("cli.usage.commands"))
	for _, s := range summaries {
		fmt.Fprintf(w, "  %-10s %s\n", s.name, p.T(s.key))
	}
	fmt.Fprintf(w, "\n%s\n%s\n", p.T("cli.usage.db"), p.T("cli.usage.help"))
}

// flagUsage prints the help of one command (kam NAME -h): its summary and
// its flags. It does what flag.PrintDefaults does, in p's language.
func flagUsage(fs *flag.FlagSet, name string, p *i18n.Printer) {
	w := fs.Output()
	top, _, _ := strings.Cut(name, " ")
	for _, s := range summaries {
		if s.name == top {
			fmt.Fprintf(w, "%s %s: %s\n\n", progName, name, p.T(s.key))
		}
	}
	fmt.Fprintf(w, "%s\n", p.T("cli.usage.flags"))
	fs.VisitAll(func(f *flag.Flag) {
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		typ, help := flag.UnquoteUsage(f)
		if typ != "" {
			b.WriteString(" " + typ)
		}
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(help, "\n", "\n    \t"))
		if def := f.DefValue; def != "" && def != "0" && def != "false" && def != "[]" && def != "map[]" {
			if typ == "string" {
				def = fmt.Sprintf("%q", def)
			}
			b.WriteString(" " + p.T("cli.usage.default", def))
		}
		fmt.Fprintln(w, b.String())
	})
}
