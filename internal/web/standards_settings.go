package web

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"kam/internal/crm"
)

// The standards, cadence and alert thresholds on the settings page
// (docs/standards.md); settings.go calls these.

// standardsForm lists what the settings page's standards section shows.
type standardsForm struct {
	Tracks []string
	Kinds  []string
	Bands  []string // the bands and tiers of the configuration, for the cadence
	Tiers  []string
	// OppRows are the rows of the opportunity stages table; StageCodes and
	// CritCodes the default codes the pages translate, listed as help.
	OppRows    []int
	StageCodes []string
	CritCodes  []string
}

// maxOppStages is the most stages the configuration takes
// (crm validateOppStages); the form shows one empty row more than the
// configuration has, up to it.
const maxOppStages = 12

func newStandardsForm(m crm.Method, values map[string]string) standardsForm {
	f := standardsForm{Tracks: crm.Tracks, Kinds: crm.ActivityKinds, CritCodes: crm.DefaultOppCriteria()}
	for _, s := range crm.DefaultOppStages() {
		f.StageCodes = append(f.StageCodes, s.Name)
	}
	rows, _ := strconv.Atoi(values["opp_rows"])
	for i := range min(rows, maxOppStages+1) {
		f.OppRows = append(f.OppRows, i)
	}
	for _, b := range m.Bands {
		f.Bands = append(f.Bands, b.Name)
	}
	for _, t := range m.Tiers {
		f.Tiers = append(f.Tiers, t.Name)
	}
	return f
}

// standardsValues adds the form values of m's standards and thresholds to v.
func standardsValues(m crm.Method, v map[string]string) {
	s, r := m.Standards, m.Alerts
	for _, t := range s.Meetings {
		v["meetings_"+t.Track] = strconv.Itoa(t.PerWeek)
	}
	for _, k := range s.EffectiveKinds {
		v["effective_"+k] = "1"
	}
	v["next_step_days"] = strconv.Itoa(s.NextStepDays)
	for _, c := range s.Cadence {
		if c.Band != "" {
			v["cadence_band_"+c.Band] = strconv.Itoa(c.Days)
		} else {
			v["cadence_tier_"+c.Tier] = strconv.Itoa(c.Days)
		}
	}
	v["stale_days"] = strconv.Itoa(r.StaleDays)
	v["stage_factor"] = strconv.FormatFloat(r.StageFactor, 'f', -1, 64)
	v["stage_min_stays"] = strconv.Itoa(r.StageMinStays)
	v["key_tiers"] = strings.Join(r.KeyTiers, ", ")
	v["key_bands"] = strings.Join(r.KeyBands, ", ")
	v["revenue_year_pct"] = strconv.Itoa(r.RevenueYearPct)
	v["revenue_3m_pct"] = strconv.Itoa(r.Revenue3MPct)
	for i, st := range m.OppStages {
		v[fmt.Sprintf("opp_pos_%d", i)] = strconv.Itoa(i + 1)
		v[fmt.Sprintf("opp_name_%d", i)] = st.Name
		v[fmt.Sprintf("opp_prob_%d", i)] = strconv.Itoa(st.Probability)
		v[fmt.Sprintf("opp_criteria_%d", i)] = strings.Join(st.Criteria, "\n")
	}
	v["opp_rows"] = strconv.Itoa(min(len(m.OppStages)+1, maxOppStages+1))
}

// parseOppStages reads the opportunity stages of a posted form into m
// (when the form has them): one row a stage, in the order of the rows'
// positions (then of the rows), criteria one a line; a row without a name,
// probability or criteria is left out. The configuration's validation
// checks the rest, and App.SaveMethod refuses to drop a stage that still
// holds open opportunities.
func parseOppStages(values map[string]string, m *crm.Method, errs map[string]string) {
	if values["opp_rows"] == "" {
		return
	}
	rows, _ := strconv.Atoi(values["opp_rows"])
	type row struct {
		pos   int
		stage crm.OppStageDef
	}
	var list []row
	for i := range min(rows, maxOppStages+1) {
		field := func(f string) string { return values[fmt.Sprintf("opp_%s_%d", f, i)] }
		name, prob, crit := field("name"), field("prob"), field("criteria")
		if name == "" && prob == "" && strings.TrimSpace(crit) == "" {
			continue
		}
		st := crm.OppStageDef{Name: name, Criteria: []string{}}
		var err error
		if st.Probability, err = strconv.Atoi(prob); err != nil {
			errs[fmt.Sprintf("opp_prob_%d", i)] = "error.number.invalid"
		}
		for _, c := range strings.Split(crit, "\n") {
			if c = strings.TrimSpace(c); c != "" {
				st.Criteria = append(st.Criteria, c)
			}
		}
		pos := i + 1 // a row without a position keeps its place
		if v := field("pos"); v != "" {
			if pos, err = strconv.Atoi(v); err != nil {
				errs[fmt.Sprintf("opp_pos_%d", i)] = "error.number.invalid"
			}
		}
		list = append(list, row{pos, st})
	}
	slices.SortStableFunc(list, func(a, b row) int { return cmp.Compare(a.pos, b.pos) })
	m.OppStages = make([]crm.OppStageDef, len(list))
	for i, r := range list {
		m.OppStages[i] = r.stage
	}
}

// parseStandards reads the standards section of a posted form into m
// (when the form has it), adding a problem to errs for each number that
// does not read.
func parseStandards(values map[string]string, m *crm.Method, errs map[string]string) {
	if values["standards"] == "" {
		return
	}
	atoi := func(field string) int {
		s := values[field]
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs[field] = "error.number.invalid"
		}
		return n
	}
	s := crm.Standards{Meetings: []crm.TrackMeetings{}, EffectiveKinds: []string{}, Cadence: []crm.CadenceDef{}}
	for _, t := range crm.Tracks {
		if values["meetings_"+t] != "" {
			s.Meetings = append(s.Meetings, crm.TrackMeetings{Track: t, PerWeek: atoi("meetings_" + t)})
		}
	}
	for _, k := range crm.ActivityKinds {
		if values["effective_"+k] != "" {
			s.EffectiveKinds = append(s.EffectiveKinds, k)
		}
	}
	s.NextStepDays = atoi("next_step_days")
	for _, b := range m.Bands {
		if values["cadence_band_"+b.Name] != "" {
			s.Cadence = append(s.Cadence, crm.CadenceDef{Band: b.Name, Days: atoi("cadence_band_" + b.Name)})
		}
	}
	for _, t := range m.Tiers {
		if values["cadence_tier_"+t.Name] != "" {
			s.Cadence = append(s.Cadence, crm.CadenceDef{Tier: t.Name, Days: atoi("cadence_tier_" + t.Name)})
		}
	}
	r := crm.AlertRules{StaleDays: atoi("stale_days"), StageMinStays: atoi("stage_min_stays"),
		RevenueYearPct: atoi("revenue_year_pct"), Revenue3MPct: atoi("revenue_3m_pct"),
		KeyTiers: splitList(values["key_tiers"]), KeyBands: splitList(values["key_bands"])}
	if f := values["stage_factor"]; f != "" {
		var err error
		if r.StageFactor, err = strconv.ParseFloat(f, 64); err != nil {
			errs["stage_factor"] = "error.number.invalid"
		}
	}
	m.Standards, m.Alerts = s, r
}

// splitList reads "A, B，C" (either comma) as a list.
func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		out = append(out, x)
	}
	return out
}
