package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"kam/internal/app"
	"kam/internal/config"
	"kam/internal/crm"
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
}) periodFlags {
	return periodFlags{
		year: fsAdd.Int("year", 0, "calendar or fiscal year (fiscal when the fiscal year start is set)"),
		ttm:  fsAdd.Bool("ttm", false, "trailing twelve months"),
		from: fsAdd.String("from", "", "first day of a date range (YYYY-MM-DD)"),
		to:   fsAdd.String("to", "", "last day of a date range (YYYY-MM-DD)"),
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
			return app.PeriodSpec{}, usagef("--from and --to go together")
		}
	}
	if n > 1 {
		return app.PeriodSpec{}, usagef("give one of --year, --ttm or --from/--to")
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
			return nil, usagef("--thresholds: %q is not a positive amount", part)
		}
		out = append(out, m)
	}
	return out, nil
}

func runPyramid(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := newFlags("pyramid", env, &cfg)
	scheme := fs.String("scheme", crm.SchemeThresholds, "thresholds (revenue tiers) or pareto (1% / 4% / 20% bands)")
	thresholds := fs.String("thresholds", "", "tier minimums from the top, comma separated (default: the configuration's, 5000000,3000000,1000000)")
	format := fs.String("format", "table", "table, json or csv")
	migration := fs.Bool("migration", false, "show the migration matrix against the previous year instead")
	account := fs.String("account", "", "explain the tier of the account with this code")
	pf := bindPeriod(fs)
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
		return usagef("--format must be table, json or csv")
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
	fmt.Fprintf(env.Stdout, "Customer pyramid (%s), %s to %s, configuration version %d, %s\n\n", r.Scheme, r.Period.From, r.Period.To, r.MethodVersion, r.Method.Currency)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	if r.Scheme == crm.SchemePareto {
		fmt.Fprintln(tw, "band\taccounts\taccount share\trevenue\trevenue share\tcumulative share\tmethod predicts\t")
	} else {
		fmt.Fprintln(tw, "tier\trange\taccounts\taccount share\trevenue\trevenue share\taverage\t")
	}
	for _, l := range r.Layers {
		if r.Scheme == crm.SchemePareto {
			fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%s\t%.2f%%\t%.2f%%\t%.1f%%\t\n", l.Name, l.Accounts, 100*l.AccountShare, l.Revenue.Grouped(),
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
		fmt.Fprintf(tw, "total\t%d\t100.00%%\t%s\t100.00%%\t\t\t\n", r.Accounts, r.Revenue.Grouped())
	} else {
		fmt.Fprintf(tw, "total\t\t%d\t100.00%%\t%s\t100.00%%\t\t\n", r.Accounts, r.Revenue.Grouped())
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\ntop-10 share %.2f%%, Gini %.3f", 100*r.Top10, r.Gini)
	if r.NoRevenue > 0 {
		fmt.Fprintf(env.Stdout, ", %d account(s) with no net revenue left out", r.NoRevenue)
	}
	fmt.Fprintln(env.Stdout)
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
	fmt.Fprintf(env.Stdout, "Migration %s → %s (rows: %s, columns: %s)\n\n", m.From.Key, m.To.Key, m.From.Key, m.To.Key)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\t"+strings.Join(m.Layers, "\t")+"\t")
	for i, row := range m.Counts {
		fmt.Fprint(tw, m.Layers[i])
		for _, c := range row {
			fmt.Fprintf(tw, "\t%d", c)
		}
		fmt.Fprintln(tw, "\t")
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\nupgrades %d, downgrades %d\n", m.Upgrades, m.Downgrades)
	return nil
}

func explainAccount(ctx context.Context, env Env, a *app.App, code string, spec app.PeriodSpec, format string) error {
	acc, err := a.AccountByCode(ctx, code)
	if err != nil {
		return fmt.Errorf("account %q: %w", code, err)
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
	fmt.Fprintf(env.Stdout, "%s %s, %s to %s: revenue %s\n", acc.Code, acc.Name, ex.Period.From, ex.Period.To, ex.Revenue.Grouped())
	if ex.Held {
		by := "no positive revenue"
		if ex.RevenueTier != "" {
			by = "tier " + ex.RevenueTier + " by revenue"
		}
		fmt.Fprintf(env.Stdout, "tier %s, held by the downgrade rule: below its minimum %s in %d of the %d consecutive yearly evaluations that move an account down (%s; configuration version %d)\n",
			ex.Tier, ex.Min.Grouped(), ex.Below, ex.DowngradeAfter, by, ex.MethodVersion)
		return nil
	}
	if !ex.HasRevenue {
		fmt.Fprintln(env.Stdout, "no positive net revenue in the period: outside the pyramid")
		return nil
	}
	upper := "no upper bound"
	if ex.Max > 0 {
		upper = "below " + ex.Max.Grouped()
	}
	fmt.Fprintf(env.Stdout, "tier %s: at least %s and %s (configuration version %d)\n", ex.Tier, ex.Min.Grouped(), upper, ex.MethodVersion)
	return nil
}
