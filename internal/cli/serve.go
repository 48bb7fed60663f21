package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"time"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/server"
	"kam/internal/store"
	"kam/internal/web"
)

// serveMemoryLimit is kam serve's soft limit of Go memory. With 10,000,000
// revenue lines the ledger holds 120 MB and recomputing the standings 50 MB
// more; SQLite's page caches and the binary take the rest of 300 MB
// (docs/benchmarks.md).
const serveMemoryLimit = 200 << 20

// servePprof serves net/http/pprof on addr until ctx ends.
func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	log.Warn("profiler listening (KAM_PPROF)", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("profiler", "err", err)
	}
}

func runServe(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("serve", env, &cfg)
	config.BindServe(fs, env.Getenv, &cfg)
	p := env.p
	for name, key := range serveFlagKeys {
		if f := fs.Lookup(name); f != nil {
			f.Usage = p.T(key)
		}
	}
	withDemo := fs.Bool("demo", false, p.T("cli.flag.serve.demo"))
	demoPassword := fs.String("demo-password", env.Getenv("KAM_DEMO_PASSWORD"), p.T("cli.flag.serve.demo_password"))
	verbose := fs.Bool("v", false, p.T("cli.flag.serve.v"))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return usagef("cli.serve.bad_addr", cfg.Addr, err)
	}
	var oidc *web.OIDCConfig
	if cfg.OIDC.Enabled() {
		if cfg.OIDC.ClientID == "" || cfg.OIDC.ClientSecret == "" || cfg.OIDC.RedirectURL == "" {
			return usagef("cli.serve.oidc_incomplete")
		}
		oidc = &web.OIDCConfig{Name: cfg.OIDC.Name, Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID,
			ClientSecret: cfg.OIDC.ClientSecret, RedirectURL: cfg.OIDC.RedirectURL, AssumeEmailVerified: cfg.OIDC.AssumeEmailVerified}
	}
	// The revenue ledger is the bulk of the heap; a soft limit keeps the
	// collector working before the process grows past its memory budget of
	// 300 MB: the Go heap is most of it, and the collector lets it grow to
	// twice what is live otherwise. GOMEMLIMIT, when set, decides instead.
	if env.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
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
		if err := loadDemoOrg(ctx, a, env, *demoPassword); err != nil {
			return err
		}
	}
	// Standings are brought up to date in the background: with ten million
	// revenue lines, loading them takes seconds, and pages work meanwhile.
	standingsReady := make(chan struct{})
	go keepStandings(ctx, a, log, standingsReady)
	go expireSessions(ctx, a, log)
	go a.NewSender(app.SenderOptions{Logger: log, BaseURL: env.Getenv("KAM_PUBLIC_URL")}).Run(ctx) // notifications: docs/notifications.md
	go func() {
		// Alerts (docs/standards.md): hourly, the first one once the
		// standings are fresh and a minute more, so that it does not add
		// its memory to the start's (ledger, standings, first reports): at
		// 1,000,000 accounts the three together took kam serve past 300 MB
		// (docs/benchmarks.md).
		select {
		case <-ctx.Done():
			return
		case <-standingsReady:
		}
		a.RunAlertScans(ctx, time.Minute, time.Hour)
	}()
	if addr := env.Getenv("KAM_PPROF"); addr != "" {
		// For measuring only (docs/benchmarks.md): Go's profiler on an
		// address of its own, never on KAM's, with no sign-in.
		go servePprof(ctx, addr, log)
	}
	h, err := server.New(a, server.Options{Logger: log, Dev: cfg.Dev, TrustProxy: cfg.TrustProxy, OIDC: oidc})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintln(env.Stdout, p.T("cli.serve.running", url, store.Redact(cfg.DB), s.Engine()))
	if setup, err := a.NeedsSetup(ctx); err == nil && setup {
		fmt.Fprintln(env.Stdout, p.T("cli.serve.setup", url))
	}
	fmt.Fprintln(env.Stdout, p.T("cli.serve.signin"))
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
		fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_skipped"))
		return nil
	}
	fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_loading"))
	res, err := a.LoadDemo(ctx, "demo", demo.Options{Now: crm.DateOf(timeNow())}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_loaded", res.Accounts, res.Lines))
	return nil
}

// loadDemoOrg creates the demo organisation when KAM has no people, and
// says how to sign in.
func loadDemoOrg(ctx context.Context, a *app.App, env Env, password string) error {
	generated := password == ""
	if generated {
		var err error
		if password, err = randomPassword(); err != nil {
			return err
		}
	}
	res, err := a.LoadDemoOrg(ctx, password)
	if errors.Is(err, app.ErrNotDemo) {
		fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_not_demo"))
		return nil
	}
	if err != nil {
		return err
	}
	if !res.Created {
		return nil
	}
	fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_org", len(res.People), demo.Email("admin"), demo.Email("ceo"), demo.Email("east.rep1"), password))
	if generated {
		fmt.Fprintln(env.Stdout, env.p.T("cli.serve.demo_random_password"))
	}
	return nil
}

// serveFlagKeys are the keys of the help of the flags config.BindServe
// defines.
var serveFlagKeys = map[string]string{
	"addr":                       "cli.flag.serve.addr",
	"dev":                        "cli.flag.serve.dev",
	"trust-proxy":                "cli.flag.serve.trust_proxy",
	"oidc-issuer":                "cli.flag.serve.oidc_issuer",
	"oidc-client-id":             "cli.flag.serve.oidc_client_id",
	"oidc-redirect-url":          "cli.flag.serve.oidc_redirect_url",
	"oidc-name":                  "cli.flag.serve.oidc_name",
	"oidc-assume-email-verified": "cli.flag.serve.oidc_assume_email_verified",
}

// randomPassword makes a password of 16 letters and digits.
func randomPassword() (string, error) {
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// expireSessions removes ended sessions every ten minutes.
func expireSessions(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.ExpireSessions(ctx); err != nil && ctx.Err() == nil {
				log.Error("expire sessions", "err", err)
			}
		}
	}
}

// keepStandings recomputes the accounts' stored standings whenever the data
// changed: after an import in this process or in another (kam import next to
// a running server, or a second server on the same PostgreSQL).
func keepStandings(ctx context.Context, a *app.App, log *slog.Logger, ready chan<- struct{}) {
	if err := a.EnsureStandings(ctx); err != nil && ctx.Err() == nil {
		log.Error("recompute standings", "err", err)
	}
	close(ready)
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
