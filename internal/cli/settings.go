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
	p := env.p
	tiers := fs.String("tiers", "", p.T("cli.flag.settings.tiers"))
	bands := fs.String("bands", "", p.T("cli.flag.settings.bands"))
	fyStart := fs.Int("fiscal-year-start", 0, p.T("cli.flag.settings.fiscal_year_start"))
	handoverDays := fs.Int("handover-days", 0, p.T("cli.flag.settings.handover_days"))
	gates := fs.String("gates", "", p.T("cli.flag.settings.gates"))
	note := fs.String("note", "", p.T("cli.flag.settings.note"))
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
			return usagef("cli.settings.need_flag")
		}
		if *handoverDays != 0 {
			m.HandoverDays = *handoverDays
		}
		if *gates != "" {
			for _, part := range strings.Split(*gates, ",") {
				name, state, _ := strings.Cut(strings.TrimSpace(part), "=")
				if state != "on" && state != "off" {
					return usagef("cli.settings.bad_gate", part)
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
	fmt.Fprintln(env.Stdout, p.T("pyramid.method_version", version))
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
			return nil, usagef("cli.settings.bad_tier", part)
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
			return nil, usagef("cli.settings.bad_band", part)
		}
		out = append(out, crm.BandDef{Name: name, TopBP: int(f*100 + 0.5), ExpectedShare: expected[name]})
	}
	return out, nil
}
