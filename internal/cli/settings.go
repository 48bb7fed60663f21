package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"kam/internal/config"
	"kam/internal/crm"
	"kam/internal/transfer"
)

// runSettings shows or changes the method's configuration: the pyramid tiers
// and their thresholds, the Pareto bands and the fiscal year. Every change is
// a new version, kept with who and when.
func runSettings(ctx context.Context, env Env, args []string) error {
	set := len(args) > 0 && args[0] == "set"
	if set {
		args = args[1:]
	}
	var cfg config.Config
	fs := newFlags("settings", env, &cfg)
	tiers := fs.String("tiers", "", "set: tiers from the top with their minimum annual revenue, e.g. A=5000000,B=3000000,C=1000000,D=0")
	bands := fs.String("bands", "", "set: Pareto bands with their top share of accounts in percent, e.g. OX_NOSE=1,SUPER=4,CORE=20")
	fyStart := fs.Int("fiscal-year-start", 0, "set: the month (1-12) a fiscal year begins; 1 = calendar years")
	handoverDays := fs.Int("handover-days", 0, "set: days a sales → customer-service handover may stay open before it is overdue")
	gates := fs.String("gates", "", "set: lifecycle gates on or off, e.g. contract_signed=on,manager_confirms_loss=off")
	note := fs.String("note", "", "set: why the change was made (kept with the version)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, done, err := openApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	m, version, err := a.Method(ctx)
	if err != nil {
		return err
	}
	if set {
		if *tiers == "" && *bands == "" && *fyStart == 0 && *handoverDays == 0 && *gates == "" {
			return usagef("set needs --tiers, --bands, --fiscal-year-start, --handover-days or --gates")
		}
		if *handoverDays != 0 {
			m.HandoverDays = *handoverDays
		}
		if *gates != "" {
			for _, part := range strings.Split(*gates, ",") {
				name, state, _ := strings.Cut(strings.TrimSpace(part), "=")
				if state != "on" && state != "off" {
					return usagef("--gates %q: want NAME=on or NAME=off", part)
				}
				m.Gates[name] = state == "on"
			}
		}
		if *tiers != "" {
			if m.Tiers, err = parseTiers(*tiers); err != nil {
				return err
			}
		}
		if *bands != "" {
			if m.Bands, err = parseBands(*bands, m.Bands); err != nil {
				return err
			}
		}
		if *fyStart != 0 {
			m.FiscalYearStart = *fyStart
		}
		if version, err = a.SaveMethod(ctx, "cli", m, *note); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "configuration version %d\n", version)
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

func parseTiers(s string) ([]crm.TierDef, error) {
	var out []crm.TierDef
	for _, part := range strings.Split(s, ",") {
		name, min, ok := strings.Cut(strings.TrimSpace(part), "=")
		v, err := transfer.ParseAmount(min)
		if !ok || name == "" || err != nil {
			return nil, usagef("--tiers %q: want NAME=MINIMUM", part)
		}
		out = append(out, crm.TierDef{Name: name, Min: v})
	}
	return out, nil
}

func parseBands(s string, old []crm.BandDef) ([]crm.BandDef, error) {
	expected := map[string]float64{}
	for _, b := range old {
		expected[b.Name] = b.ExpectedShare
	}
	var out []crm.BandDef
	for _, part := range strings.Split(s, ",") {
		name, pct, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(pct, 64)
		if !ok || name == "" || err != nil || f <= 0 || f > 100 {
			return nil, usagef("--bands %q: want NAME=PERCENT", part)
		}
		out = append(out, crm.BandDef{Name: name, TopBP: int(f*100 + 0.5), ExpectedShare: expected[name]})
	}
	return out, nil
}
