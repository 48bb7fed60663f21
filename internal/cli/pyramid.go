package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/transfer"
)

// periodFlags are the period flags shared by reports.
type periodFlags struct {
	year     *int
	ttm      *bool
	from, to *string
}

func bindPeriod(fsAdd interface {
	Int(string, int, string) *int
	Bool(string, bool, string) *bool
	String(string, string, string) *string
}, p *i18n.Printer) periodFlags {
	return periodFlags{
		year: fsAdd.Int("year", 0, p.T("cli.flag.period.year")),
		ttm:  fsAdd.Bool("ttm", false, p.T("cli.flag.period.ttm")),
		from: fsAdd.String("from", "", p.T("cli.flag.period.from")),
		to:   fsAdd.String("to", "", p.T("cli.flag.period.to")),
	}
}

func (p periodFlags) spec() (app.PeriodSpec, error) {
	n := 0
	if *p.year != 0 {
		n++
	}
	if *p.ttm {
		n++
	}
	if *p.from != "" || *p.to != "" {
		n++
		if *p.from == "" || *p.to == "" {
			return app.PeriodSpec{}, usagef("cli.period.from_to")
		}
	}
	if n > 1 {
		return app.PeriodSpec{}, usagef("cli.period.one")
	}
	return app.PeriodSpec{Year: *p.year, TTM: *p.ttm, From: *p.from, To: *p.to}, nil
}

func parseThresholds(s string) ([]crm.Money, error) {
	if s == "" {
		return nil, nil
	}
	var out []crm.Money
	for _, part := range strings.Split(s, ",") {
		m, err := transfer.ParseAmount(part)
		if err != nil || m <= 0 {
			return nil, usagef("cli.pyramid.bad_threshold", part)
		}
		out = append(out, m)
	}
	return out, nil
}

func runPyramid(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("pyramid", env, &cfg)
	p := env.p
	scheme := fs.String("scheme", crm.SchemeThresholds, p.T("cli.flag.pyramid.scheme"))
	thresholds := fs.String("thresholds", "", p.T("cli.flag.pyramid.thresholds"))
	format := fs.String("format", "table", p.T("cli.flag.format_table_json_csv"))
	migration := fs.Bool("migration", false, p.T("cli.flag.pyramid.migration"))
	account := fs.String("account", "", p.T("cli.flag.pyramid.account"))
	pf := bindPeriod(fs, p)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	spec, err := pf.spec()
	if err != nil {
		return err
	}
	th, err := parseThresholds(*thresholds)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return usagef("cli.format.table_json_csv")
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	q := app.PyramidQuery{Scheme: *scheme, Period: spec, Thresholds: th}
	switch {
	case *account != "":
		return explainAccount(ctx, env, a, *account, spec, *format)
	case *migration:
		mg, err := a.Migration(ctx, q)
		if err != nil {
			return err
		}
		return printMigration(env, app.NewMigrationJSON(mg), *format)
	}
	r, err := a.Pyramid(ctx, q)
	if err != nil {
		return err
	}
	return printPyramid(env, r, *format)
}

func printPyramid(env Env, r app.PyramidReport, format string) error {
	j := app.NewPyramidJSON(r)
	switch format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	case "csv":
		w := csv.NewWriter(env.Stdout)
		w.Write([]string{"tier", "accounts", "account_share", "revenue", "revenue_share", "average_revenue", "cumulative_revenue_share", "expected_cumulative_share"})
		for _, l := range j.Tiers {
			w.Write([]string{l.Name, fmt.Sprint(l.Accounts), fmt.Sprintf("%.6f", l.AccountShare), string(l.Revenue),
				fmt.Sprintf("%.6f", l.RevenueShare), string(l.Average), fmt.Sprintf("%.6f", l.CumRevenueShare), fmt.Sprintf("%.6f", l.ExpectedShare)})
		}
		w.Flush()
		return w.Error()
	}
	p := env.p
	scheme := p.T("pyramid.scheme.thresholds")
	if r.Scheme == crm.SchemePareto {
		scheme = p.T("pyramid.scheme.pareto")
	}
	fmt.Fprintf(env.Stdout, "%s\n\n", p.T("cli.pyramid.title", scheme, r.Period.From, r.Period.To, r.MethodVersion, r.Method.Currency))
	tw := newTable(env.Stdout, true)
	if r.Scheme == crm.SchemePareto {
		fmt.Fprintln(tw, columns(p, "pyramid.band", "cli.pyramid.accounts", "cli.pyramid.account_share", "cli.pyramid.revenue",
			"cli.pyramid.revenue_share", "pyramid.cum_share", "pyramid.expected")+"\t")
	} else {
		fmt.Fprintln(tw, columns(p, "pyramid.tier", "cli.pyramid.range", "cli.pyramid.accounts", "cli.pyramid.account_share",
			"cli.pyramid.revenue", "cli.pyramid.revenue_share", "cli.pyramid.average")+"\t")
	}
	for _, l := range r.Layers {
		if r.Scheme == crm.SchemePareto {
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%s\t%.2f%%\t%.2f%%\t%.1f%%\t\n", layerName(p, l.Name), l.Accounts, 100*l.AccountShare, l.Revenue.Grouped(),
				100*l.RevenueShare, 100*l.CumRevenueShare, 100*l.ExpectedShare)
			continue
		}
		rng := "≥ " + l.Min.Grouped()
		if l.Max > 0 {
			rng = l.Min.Grouped() + " – " + l.Max.Grouped()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f%%\t%s\t%.2f%%\t%s\t\n", l.Name, rng, l.Accounts, 100*l.AccountShare, l.Revenue.Grouped(), 100*l.RevenueShare, l.Average.Grouped())
	}
	if r.Scheme == crm.SchemePareto {
		fmt.Fprintf(tw, "%s\t%d\t100.00%%\t%s\t100.00%%\t\t\t\n", p.T("pyramid.total"), r.Accounts, r.Revenue.Grouped())
	} else {
		fmt.Fprintf(tw, "%s\t\t%d\t100.00%%\t%s\t100.00%%\t\t\n", p.T("pyramid.total"), r.Accounts, r.Revenue.Grouped())
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%s\n", p.T("cli.pyramid.summary", fmt.Sprintf("%.2f%%", 100*r.Top10), r.Gini))
	if r.NoRevenue > 0 {
		fmt.Fprintln(env.Stdout, p.T("pyramid.no_revenue", r.NoRevenue))
	}
	return nil
}

func printMigration(env Env, m app.MigrationJSON, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case "csv":
		w := csv.NewWriter(env.Stdout)
		w.Write(append([]string{m.From.Key + " \\ " + m.To.Key}, m.Layers...))
		for i, row := range m.Counts {
			rec := []string{m.Layers[i]}
			for _, c := range row {
				rec = append(rec, fmt.Sprint(c))
			}
			w.Write(rec)
		}
		w.Flush()
		return w.Error()
	}
	p := env.p
	fmt.Fprintf(env.Stdout, "%s\n\n", p.T("cli.migration.title", m.From.Key, m.To.Key))
	tw := newTable(env.Stdout, true)
	names := make([]string, len(m.Layers))
	for i, l := range m.Layers {
		names[i] = layerName(p, l)
	}
	fmt.Fprintln(tw, "\t"+strings.Join(names, "\t")+"\t")
	for i, row := range m.Counts {
		fmt.Fprint(tw, names[i])
		for _, c := range row {
			fmt.Fprintf(tw, "\t%d", c)
		}
		fmt.Fprintln(tw, "\t")
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%s\n", p.T("cli.migration.summary", m.Upgrades, m.Downgrades))
	return nil
}

func explainAccount(ctx context.Context, env Env, a *app.App, code string, spec app.PeriodSpec, format string) error {
	acc, err := a.AccountByCode(ctx, code)
	if errors.Is(err, crm.ErrNotFound) {
		return errorf("cli.explain.no_account", code)
	} else if err != nil {
		return err
	}
	ex, err := a.Explain(ctx, acc.ID, spec)
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"account": acc.Code, "name": acc.Name, "period": app.NewPeriodJSON(ex.Period),
			"revenue": app.MoneyJSON(ex.Revenue), "tier": ex.Tier, "min_revenue": app.MoneyJSON(ex.Min), "max_revenue": app.MoneyJSON(ex.Max),
			"method_version": ex.MethodVersion, "revenue_tier": ex.RevenueTier, "held": ex.Held, "evaluations_below": ex.Below,
			"downgrade_after": ex.DowngradeAfter})
	}
	p := env.p
	fmt.Fprintln(env.Stdout, p.T("cli.explain.revenue", acc.Code, acc.Name, ex.Period.From, ex.Period.To, ex.Revenue.Grouped()))
	if ex.Held {
		by := p.T("cli.explain.by_none")
		if ex.RevenueTier != "" {
			by = p.T("cli.explain.by_tier", ex.RevenueTier)
		}
		fmt.Fprintln(env.Stdout, p.T("cli.explain.held", ex.Tier, ex.Min.Grouped(), ex.Below, ex.DowngradeAfter, by, ex.MethodVersion))
		return nil
	}
	if !ex.HasRevenue {
		fmt.Fprintln(env.Stdout, p.T("cli.explain.outside"))
		return nil
	}
	if ex.Max > 0 {
		fmt.Fprintln(env.Stdout, p.T("cli.explain.tier_range", ex.Tier, ex.Min.Grouped(), ex.Max.Grouped(), ex.MethodVersion))
	} else {
		fmt.Fprintln(env.Stdout, p.T("cli.explain.tier_top", ex.Tier, ex.Min.Grouped(), ex.MethodVersion))
	}
	return nil
}

// layerName names a tier or a band for people: the Pareto bands and "none"
// (no revenue) as the catalog says, tiers by their own names.
func layerName(p *i18n.Printer, name string) string {
	if name == "none" {
		return p.T("pyramid.none")
	}
	if k := "band." + name; p.Has(k) {
		return p.T(k)
	}
	return name
}
