package cli

import (
	"context"
	"fmt"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/demo"
	"kam/internal/store"
)

// loadProcessDemo is kam demo --opportunities N --activities M: generated
// opportunities and activities on the accounts and people of the database.
// An empty database first gets the demo accounts (the book's case, or
// --accounts and --lines), one without people the demo organisation.
func loadProcessDemo(ctx context.Context, a *app.App, env Env, cfg config.Config, opt demo.Options, opps, acts int) error {
	p := env.p
	page, err := a.Accounts(ctx, store.AccountFilter{PerPage: 1})
	if err != nil {
		return err
	}
	if page.Total == 0 {
		bar := newProgress(env.Stderr, p.T("cli.progress.demo"), int64(opt.Lines))
		res, err := a.LoadDemo(ctx, "cli", opt, func(n int64) { bar.set(n) })
		bar.finish()
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, p.T("cli.demo.loaded", res.Accounts, res.Lines, res.Revenue.Grouped(), store.Redact(cfg.DB)))
	}
	if err := loadDemoOrg(ctx, a, env, ""); err != nil {
		return err
	}
	bar := newProgress(env.Stderr, p.T("cli.progress.demo"), int64(opps+acts))
	res, err := a.LoadProcessDemo(ctx, demo.ProcessOptions{Now: opt.Now, Seed: opt.Seed, Opportunities: opps, Activities: acts},
		func(n int64) { bar.set(n) })
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, p.T("cli.demo.process_loaded", res.Opportunities, res.Activities, store.Redact(cfg.DB)))
	return nil
}
