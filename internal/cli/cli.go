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

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/i18n"
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

	// p prints messages in the language Getenv chooses (see cliLang).
	p *i18n.Printer
}

// Main runs the kam command line and returns the process exit code. It
// speaks the language KAM_LANG, LC_ALL, LC_MESSAGES or LANG choose, Chinese
// when none is set.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	env.p = i18n.Get(cliLang(env.Getenv))
	if len(env.Args) < 1 {
		usage(env.Stderr, env.p)
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
		usage(env.Stdout, env.p)
		return 0
	default:
		fmt.Fprintf(env.Stderr, "%s: %s\n\n", progName, env.p.T("cli.unknown_command", cmd))
		usage(env.Stderr, env.p)
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
		fmt.Fprintf(env.Stderr, "%s %s: %s\n", progName, cmd, ue.text(env.p))
		return 2
	}
	fmt.Fprintf(env.Stderr, "%s %s: %s\n", progName, cmd, describe(env.p, err))
	return 1
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
	fs := flag.NewFlagSet(progName+" "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { flagUsage(fs, name, env.p) }
	config.Bind(fs, env.Getenv, cfg)
	fs.Lookup("db").Usage = env.p.T("cli.flag.db")
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
	status := fs.Bool("status", false, env.p.T("cli.flag.migrate.status"))
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
			state := env.p.T("cli.migrate.pending")
			if m.Applied {
				state = env.p.T("cli.migrate.applied")
			}
			fmt.Fprintf(env.Stdout, "%04d %-30s %s\n", m.Version, m.Name, state)
		}
		return nil
	}
	n, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, env.p.T("cli.migrate.done", n, s.Engine()))
	return nil
}
