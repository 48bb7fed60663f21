package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/server"
	"kam/internal/store"
)

func runServe(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("serve", env, &cfg)
	config.BindServe(fs, env.Getenv, &cfg)
	withDemo := fs.Bool("demo", false, "load the demo data (the book's case) when the database has no accounts")
	verbose := fs.Bool("v", false, "log every request")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return usagef("--addr %q: %v", cfg.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--addr %s: until sign-in exists KAM listens on the loopback interface only (127.0.0.1 or ::1)", cfg.Addr)
	}
	// The revenue ledger is the bulk of the heap; a soft limit keeps the
	// collector working before the process grows past its memory budget.
	debug.SetMemoryLimit(250 << 20)
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	s, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer s.Close()
	if n, err := s.Migrate(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("database migrated", "steps", n, "engine", s.Engine())
	}
	a := app.New(s, app.Options{Logger: log})
	if *withDemo {
		if err := loadDemoIfEmpty(ctx, a, env); err != nil {
			return err
		}
	}
	// Standings are brought up to date in the background: with ten million
	// revenue lines, loading them takes seconds, and pages work meanwhile.
	go keepStandings(ctx, a, log)
	h, err := server.New(a, server.Options{Logger: log, Dev: cfg.Dev})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(env.Stdout, "KAM is running at %s (database: %s, %s)\n", url, store.Redact(cfg.DB), s.Engine())
	fmt.Fprintln(env.Stdout, "Listening on the loopback interface only: sign-in does not exist yet. Press Ctrl+C to stop.")
	if env.Ready != nil {
		env.Ready(ln.Addr().String())
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func loadDemoIfEmpty(ctx context.Context, a *app.App, env Env) error {
	page, err := a.Accounts(ctx, store.AccountFilter{PerPage: 1})
	if err != nil {
		return err
	}
	if page.Total > 0 {
		fmt.Fprintln(env.Stdout, "The database already has accounts: demo data not loaded.")
		return nil
	}
	fmt.Fprintln(env.Stdout, "Loading the demo data (the book's case: 4,695 franchisees)…")
	res, err := a.LoadDemo(ctx, "demo", demo.Options{Now: crm.DateOf(timeNow())}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Loaded %d accounts and %d revenue lines.\n", res.Accounts, res.Lines)
	return nil
}

// keepStandings recomputes the accounts' stored standings whenever the data
// changed: after an import in this process or in another (kam import next to
// a running server, or a second server on the same PostgreSQL).
func keepStandings(ctx context.Context, a *app.App, log *slog.Logger) {
	if err := a.EnsureStandings(ctx); err != nil && ctx.Err() == nil {
		log.Error("recompute standings", "err", err)
	}
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.EnsureStandings(ctx); err != nil && ctx.Err() == nil {
				log.Error("recompute standings", "err", err)
			}
		}
	}
}
