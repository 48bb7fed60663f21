// Package app holds KAM's use cases, shared by the web pages, the API, the
// command line and background work: each checks its input with crm, writes
// through store inside a transaction, and records the audit entry.
package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// App is the set of use cases over one store.
type App struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger

	ledger *ledger

	standMu sync.Mutex // one recomputation of standings at a time
	lists   listIndex
	badges  badgeCache // alerts.go

	mu       sync.Mutex
	cache    map[string]any // computed reports keyed by inputs, see cached
	cacheKey store.DataState

	auth      AuthOptions
	dummyOnce sync.Once
	dummy     string
}

// Options configure an App. Zero values take defaults.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	Auth   AuthOptions
}

// New returns an App over s.
func New(s *store.Store, opt Options) *App {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	opt.Auth.defaults()
	return &App{store: s, now: opt.Now, log: opt.Logger, ledger: &ledger{}, cache: map[string]any{}, auth: opt.Auth}
}

// Store returns the store, for adapters that run maintenance (migrations).
func (a *App) Store() *store.Store { return a.store }

// Today is the current day in the installation's clock.
func (a *App) Today() crm.Date { return crm.DateOf(a.now()) }

// Method returns the current methodology configuration and its version (0
// when the defaults were never saved).
func (a *App) Method(ctx context.Context) (crm.Method, int64, error) {
	v, err := a.store.CurrentMethod(ctx)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.DefaultMethod(), 0, nil
	}
	if err != nil {
		return crm.Method{}, 0, err
	}
	v.Method.Complete()
	return v.Method, v.ID, nil
}

// SaveMethod validates and stores a new configuration version, recomputes
// the standings it changes, and records the change.
func (a *App) SaveMethod(ctx context.Context, actor string, m crm.Method, note string) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	before, _, err := a.Method(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := stagesInUse(ctx, tx, before, m); err != nil {
			return err
		}
		var err error
		if id, err = tx.SaveMethod(ctx, m, note, actor, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), actor, "update", "method", id, before, m))
	})
	if err != nil {
		return 0, err
	}
	a.invalidate()
	return id, a.Restand(ctx)
}

// cached returns the value computed by fn for key, computing it once per
// state of the data. Reports are small; the ledger under them is shared.
func (a *App) cached(ctx context.Context, key string, fn func() (any, error)) (any, error) {
	st, err := a.store.DataState(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if st != a.cacheKey {
		a.cache = map[string]any{}
		a.cacheKey = st
	}
	v, ok := a.cache[key]
	a.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err = fn()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.cache) > 256 {
		a.cache = map[string]any{}
	}
	a.cache[key] = v
	a.mu.Unlock()
	return v, nil
}

func (a *App) invalidate() {
	a.mu.Lock()
	a.cache = map[string]any{}
	a.mu.Unlock()
}

// stagesInUse refuses a configuration that drops (or renames) an open
// opportunity stage of before while open opportunities are in it: they
// would be left in a stage the pipeline no longer has.
func stagesInUse(ctx context.Context, tx *store.Store, before, after crm.Method) error {
	var dropped []string
	for _, s := range before.OppStages {
		if _, ok := after.OppStage(s.Name); !ok {
			dropped = append(dropped, s.Name)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	held, err := tx.Funnel(ctx, store.OppFilter{Stages: dropped})
	if err != nil {
		return err
	}
	for _, r := range held {
		if r.Count > 0 {
			v := &crm.ValidationError{}
			v.Add("opportunity_stages", "error.method.opp_stages.in_use")
			return v
		}
	}
	return nil
}

// MethodVersions lists the saved configuration versions, newest first.
func (a *App) MethodVersions(ctx context.Context, limit int) ([]store.MethodVersion, error) {
	return a.store.MethodVersions(ctx, limit)
}
