// Package cli is the kam command line: serve, import, pyramid, demo, migrate,
// export and targets. Main reads nothing global, so tests call it directly.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/store"
)

// Env is what a command may touch of its process.
type Env struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, receives the address kam serve listens on.
	Ready func(addr string)
}

// Main runs the kam command line and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(env.Args) < 1 {
		usage(env.Stderr)
		return 2
	}
	cmd, args := env.Args[0], env.Args[1:]
	if path := env.Getenv("KAM_CPUPROFILE"); path != "" {
		// For measuring: KAM_CPUPROFILE=cpu.out kam import … then go tool pprof.
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, env, args)
	case "import":
		err = runImport(ctx, env, args)
	case "pyramid":
		err = runPyramid(ctx, env, args)
	case "demo":
		err = runDemo(ctx, env, args)
	case "migrate":
		err = runMigrate(ctx, env, args)
	case "export":
		err = runExport(ctx, env, args)
	case "targets":
		err = runTargets(ctx, env, args)
	case "settings":
		err = runSettings(ctx, env, args)
	case "user":
		err = runUser(ctx, env, args)
	case "help", "-h", "--help":
		usage(env.Stdout)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "kam: unknown command %q\n\n", cmd)
		usage(env.Stderr)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(env.Stderr, "kam %s: %v\n", cmd, err)
		return 2
	}
	fmt.Fprintf(env.Stderr, "kam %s: %s\n", cmd, describe(err))
	return 1
}

type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// describe turns an error into a message for a person at a terminal.
func describe(err error) string {
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		var parts []string
		for f, k := range ve.Fields {
			parts = append(parts, f+": "+messageEN(k))
		}
		return strings.Join(parts, "; ")
	}
	if errors.Is(err, app.ErrNoData) {
		return "there is no revenue yet: import revenue (kam import revenue FILE) or load the demo (kam demo)"
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprint(w, `kam: key-account lifecycle management (大客户全生命周期管理)

Usage: kam COMMAND [flags]

Commands:
  serve      start the web interface and the API (--demo loads demo data into an empty database)
  import     import accounts or revenue: kam import accounts|revenue [flags] FILE
  pyramid    the customer pyramid of a period (--scheme pareto, --year, --ttm, --from/--to, --format json|csv|table)
  targets    show or set tier targets: kam targets [--year Y] | kam targets set --period 2025 --tier A=50:1000000000 --upgrade B:A=10
  settings   show or change the method's settings: kam settings set --tiers A=5000000,B=3000000,C=1000000,D=0
             --bands OX_NOSE=1,SUPER=4,CORE=20 --fiscal-year-start 4 (each change is a new, kept version)
  export     export accounts: kam export accounts [--format csv|xlsx] [-o FILE]
  demo       load demo data (the book's case, or --accounts N --lines M; --csv DIR writes files instead)
  migrate    apply database migrations (--status lists them)
  user       kam user create --admin --email E --name N [--password-stdin] | kam user list |
             kam user password --email E [--password-stdin]

Every command takes --db (env KAM_DB): a file path or sqlite://path for the
embedded SQLite database (default kam.db), or a postgres:// URL.
Run "kam COMMAND -h" for the flags of a command.
`)
}

// openApp opens the store, migrates it and returns the app.
func openApp(ctx context.Context, env Env, cfg config.Config) (*app.App, func(), error) {
	s, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return app.New(s, app.Options{Logger: log}), func() { s.Close() }, nil
}

func newFlags(name string, env Env, cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("kam "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	config.Bind(fs, env.Getenv, cfg)
	return fs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("migrate", env, &cfg)
	status := fs.Bool("status", false, "list migrations and whether each is applied")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	if *status {
		list, err := s.Migrations(ctx)
		if err != nil {
			return err
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(env.Stdout, "%04d %-30s %s\n", m.Version, m.Name, state)
		}
		return nil
	}
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migration(s) on %s\n", n, s.Engine())
	return nil
}
