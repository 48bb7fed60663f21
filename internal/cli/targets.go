package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/transfer"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runTargets(ctx context.Context, env Env, args []string) error {
	set := len(args) > 0 && args[0] == "set"
	if set {
		args = args[1:]
	}
	var cfg config.Config
	fs := newFlags("targets", env, &cfg)
	p := env.p
	format := fs.String("format", "table", p.T("cli.flag.format_table_json"))
	var tiers, upgrades listFlag
	period := fs.String("period", "", p.T("cli.flag.targets.period"))
	fs.Var(&tiers, "tier", p.T("cli.flag.targets.tier"))
	fs.Var(&upgrades, "upgrade", p.T("cli.flag.targets.upgrade"))
	pf := bindPeriod(fs, p)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	if set {
		if *period == "" {
			return usagef("cli.targets.need_period")
		}
		t := crm.Targets{PeriodKey: *period}
		for _, s := range tiers {
			name, rest, ok := strings.Cut(s, "=")
			accStr, revStr, _ := strings.Cut(rest, ":")
			n, err := strconv.Atoi(accStr)
			if !ok || err != nil {
				return usagef("cli.targets.bad_tier", s)
			}
			lt := crm.LayerTarget{Layer: name, Accounts: n}
			if revStr != "" {
				if lt.Revenue, err = transfer.ParseAmount(revStr); err != nil {
					return usagef("cli.targets.bad_revenue", s, revStr)
				}
			}
			t.Layers = append(t.Layers, lt)
		}
		for _, s := range upgrades {
			pair, nStr, ok := strings.Cut(s, "=")
			from, to, ok2 := strings.Cut(pair, ":")
			n, err := strconv.Atoi(nStr)
			if !ok || !ok2 || err != nil {
				return usagef("cli.targets.bad_upgrade", s)
			}
			t.Upgrades = append(t.Upgrades, crm.UpgradeTarget{From: from, To: to, Accounts: n})
		}
		if err := a.SetTargets(ctx, "cli", t); err != nil {
			return err
		}
		*pf.year = 0
		return showTargets(ctx, env, a, app.PeriodSpec{Key: *period}, *format)
	}
	spec, err := pf.spec()
	if err != nil {
		return err
	}
	return showTargets(ctx, env, a, spec, *format)
}

func showTargets(ctx context.Context, env Env, a *app.App, spec app.PeriodSpec, format string) error {
	r, err := a.Targets(ctx, spec)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(app.NewTargetsJSON(r))
	}
	p := env.p
	fmt.Fprintf(env.Stdout, "%s\n\n", p.T("cli.targets.title", r.Period.Key, r.Period.From, r.Period.To))
	tw := newTable(env.Stdout, true)
	fmt.Fprintln(tw, columns(p, "pyramid.tier", "targets.target_accounts", "targets.actual", "targets.progress",
		"targets.target_revenue", "cli.targets.actual_revenue", "targets.progress")+"\t")
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f%%\t%s\t%s\t%.0f%%\t\n", l.Name, l.TargetAccounts, l.ActualAccounts, 100*l.AccountsRatio,
			l.TargetRevenue.Grouped(), l.ActualRevenue.Grouped(), 100*l.RevenueRatio)
	}
	tw.Flush()
	if len(r.Upgrades) > 0 {
		fmt.Fprintf(env.Stdout, "\n%s\n", p.T("cli.targets.upgrades"))
		for _, u := range r.Upgrades {
			fmt.Fprintf(env.Stdout, "  %s\n", p.T("cli.targets.upgrade", u.From, u.To, u.Actual, u.Target, fmt.Sprintf("%.0f%%", 100*u.Ratio)))
		}
	}
	return nil
}
