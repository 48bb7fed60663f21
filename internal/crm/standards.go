package crm

import (
	"math"
	"slices"
	"sort"
)

// Standards and cadence (METHODOLOGY §6.1, §6.2) and the alert rules (§1.2,
// §6.1): what a rep and a project lead are held to, and when KAM warns.
// Every number is part of the configuration. docs/standards.md.

// Standards are the activity standards of the sales tracks and the service
// cadence of key accounts.
type Standards struct {
	// Meetings is the number of effective customer meetings a week each
	// sales track is held to (§6.1: STRATEGIC ≥ 6). A track not listed has
	// no meeting standard.
	Meetings []TrackMeetings `json:"meetings"`
	// EffectiveKinds are the activity kinds that count as an effective
	// customer meeting when an outcome is recorded.
	EffectiveKinds []string `json:"effective_kinds"`
	// NextStepDays: every open opportunity has an open next step due within
	// this many days from today.
	NextStepDays int `json:"next_step_days"`
	// Cadence is the longest interval between two touches (any activity)
	// of an account, by Pareto band or by tier (§6.2). An account matching
	// several rows keeps the shortest interval.
	Cadence []CadenceDef `json:"cadence"`
}

// TrackMeetings is the meeting standard of one sales track.
type TrackMeetings struct {
	Track   string `json:"track"`
	PerWeek int    `json:"per_week"`
}

// CadenceDef is the touch interval of a band or a tier (exactly one set).
type CadenceDef struct {
	Band string `json:"band,omitempty"`
	Tier string `json:"tier,omitempty"`
	Days int    `json:"days"`
}

// AlertRules holds the thresholds of the alert rules.
type AlertRules struct {
	// StaleDays: an open opportunity with no activity for this many days.
	StaleDays int `json:"stale_days"`
	// StageFactor: an open opportunity in its stage for more than this
	// many times the median duration of the stage's finished stays …
	StageFactor float64 `json:"stage_factor"`
	// StageMinStays: … once the stage has at least this many finished
	// stays to take the median of.
	StageMinStays int `json:"stage_min_stays"`
	// KeyTiers and KeyBands make an account a key account: its revenue is
	// watched, and its owner's manager hears of its alerts.
	KeyTiers []string `json:"key_tiers"`
	KeyBands []string `json:"key_bands"`
	// RevenueYearPct: the twelve months to the end of last month fell by
	// more than this percentage against the twelve months before.
	RevenueYearPct int `json:"revenue_year_pct"`
	// Revenue3MPct: the last three full months fell by more than this
	// percentage against the same three months a year earlier.
	Revenue3MPct int `json:"revenue_3m_pct"`
}

// The alert rules.
const (
	AlertOppStale    = "OPP_STALE"        // no activity on an open opportunity
	AlertStageLong   = "STAGE_LONG"       // in its stage > factor × median
	AlertRevenueYear = "REVENUE_YEAR"     // key account: year on year
	AlertRevenue3M   = "REVENUE_3M"       // key account: three months
	AlertCadence     = "CADENCE_MISSED"   // key account not touched in time
	AlertHandover    = "HANDOVER_OVERDUE" // handover open past its due date
)

// AlertRuleNames lists the rules in display order.
var AlertRuleNames = []string{AlertOppStale, AlertStageLong, AlertRevenueYear, AlertRevenue3M, AlertCadence, AlertHandover}

// DefaultStandards are §6.1 and §6.2's proposals: reviews and reports of
// §6.2 are not tracked (KAM has no record of them yet).
func DefaultStandards() Standards {
	return Standards{
		Meetings:       []TrackMeetings{{Track: TrackStrategic, PerWeek: 6}},
		EffectiveKinds: []string{ActVisit, ActDemo, ActProposal, ActExecMeeting},
		NextStepDays:   14,
		Cadence: []CadenceDef{
			{Band: BandOxNose, Days: 7},
			{Band: BandSuper, Days: 14},
			{Band: BandCore, Days: 30},
			{Tier: "A", Days: 30},
		},
	}
}

// DefaultAlertRules are §1.2 and §6.1's thresholds.
func DefaultAlertRules() AlertRules {
	return AlertRules{StaleDays: 21, StageFactor: 2, StageMinStays: 5, KeyTiers: []string{"A"},
		KeyBands: []string{BandOxNose, BandSuper}, RevenueYearPct: 20, Revenue3MPct: 30}
}

// completeStandards fills what a configuration of an earlier version lacks.
func (m *Method) completeStandards() {
	s, d := &m.Standards, DefaultStandards()
	if s.Meetings == nil {
		s.Meetings = d.Meetings
	}
	if s.EffectiveKinds == nil {
		s.EffectiveKinds = d.EffectiveKinds
	}
	if s.NextStepDays == 0 {
		s.NextStepDays = d.NextStepDays
	}
	if s.Cadence == nil {
		s.Cadence = d.Cadence
	}
	r, dr := &m.Alerts, DefaultAlertRules()
	if r.StaleDays == 0 {
		r.StaleDays = dr.StaleDays
	}
	if r.StageFactor == 0 {
		r.StageFactor = dr.StageFactor
	}
	if r.StageMinStays == 0 {
		r.StageMinStays = dr.StageMinStays
	}
	if r.KeyTiers == nil {
		r.KeyTiers = dr.KeyTiers
	}
	if r.KeyBands == nil {
		r.KeyBands = dr.KeyBands
	}
	if r.RevenueYearPct == 0 {
		r.RevenueYearPct = dr.RevenueYearPct
	}
	if r.Revenue3MPct == 0 {
		r.Revenue3MPct = dr.Revenue3MPct
	}
}

// validateStandards checks the standards and the alert thresholds.
func (m *Method) validateStandards(v *ValidationError) {
	s, r := m.Standards, m.Alerts
	tracks := map[string]bool{}
	for _, t := range s.Meetings {
		if !slices.Contains(Tracks, t.Track) || tracks[t.Track] {
			v.Add("meetings", "error.method.meetings.track")
		}
		tracks[t.Track] = true
		if t.PerWeek < 0 || t.PerWeek > 100 {
			v.Add("meetings", "error.method.meetings.per_week")
		}
	}
	for _, k := range s.EffectiveKinds {
		if !slices.Contains(ActivityKinds, k) {
			v.Add("effective_kinds", "error.method.effective_kinds")
		}
	}
	if s.NextStepDays < 1 || s.NextStepDays > 365 {
		v.Add("next_step_days", "error.method.next_step_days")
	}
	seen := map[string]bool{}
	for _, c := range s.Cadence {
		key := "band:" + c.Band
		if c.Tier != "" {
			key = "tier:" + c.Tier
		}
		// A band or tier the configuration no longer has matches no
		// account: changing the bands does not invalidate the cadence.
		if (c.Band == "") == (c.Tier == "") || seen[key] {
			v.Add("cadence", "error.method.cadence.segment")
		}
		seen[key] = true
		if c.Days < 1 || c.Days > 365 {
			v.Add("cadence", "error.method.cadence.days")
		}
	}
	if r.StaleDays < 1 || r.StaleDays > 365 {
		v.Add("stale_days", "error.method.alerts.days")
	}
	if r.StageFactor < 1 || r.StageFactor > 20 || math.IsNaN(r.StageFactor) {
		v.Add("stage_factor", "error.method.alerts.stage_factor")
	}
	if r.StageMinStays < 1 || r.StageMinStays > 10000 {
		v.Add("stage_min_stays", "error.method.alerts.stage_min_stays")
	}
	for _, t := range r.KeyTiers {
		if !validLabel(t, 40) {
			v.Add("key_tiers", "error.method.alerts.key_tiers")
		}
	}
	for _, b := range r.KeyBands {
		if !validLabel(b, 40) {
			v.Add("key_bands", "error.method.alerts.key_bands")
		}
	}
	for f, p := range map[string]int{"revenue_year_pct": r.RevenueYearPct, "revenue_3m_pct": r.Revenue3MPct} {
		if p < 1 || p > 100 {
			v.Add(f, "error.method.alerts.pct")
		}
	}
}

// MeetingStandard is the number of effective meetings a week a person of
// the sales track is held to (0: none).
func (m *Method) MeetingStandard(track string) int {
	for _, t := range m.Standards.Meetings {
		if t.Track == track {
			return t.PerWeek
		}
	}
	return 0
}

// Effective reports whether an activity of kind with outcome counts as an
// effective customer meeting: an effective kind, with an outcome recorded.
func (m *Method) Effective(kind, outcome string) bool {
	return outcome != "" && slices.Contains(m.Standards.EffectiveKinds, kind)
}

// CadenceDays is the touch interval of an account standing in tier and
// band: the shortest of the rows it matches, 0 when none does.
func (m *Method) CadenceDays(tier, band string) int {
	days := 0
	for _, c := range m.Standards.Cadence {
		if (c.Band != "" && c.Band == band) || (c.Tier != "" && c.Tier == tier) {
			if days == 0 || c.Days < days {
				days = c.Days
			}
		}
	}
	return days
}

// CadenceSegments returns the bands and tiers that have a cadence.
func (m *Method) CadenceSegments() (tiers, bands []string) {
	for _, c := range m.Standards.Cadence {
		if c.Band != "" {
			bands = append(bands, c.Band)
		} else {
			tiers = append(tiers, c.Tier)
		}
	}
	return tiers, bands
}

// IsKeyAccount reports whether an account standing in tier and band is a
// key account for the alerts.
func (m *Method) IsKeyAccount(tier, band string) bool {
	return (tier != "" && slices.Contains(m.Alerts.KeyTiers, tier)) || (band != "" && slices.Contains(m.Alerts.KeyBands, band))
}

// DaysBetween is the number of days from a to b (negative when b is before a).
func DaysBetween(a, b Date) int {
	return int(math.Round(b.Time().Sub(a.Time()).Hours() / 24))
}

// CadenceOverdue is how many days the next touch of an account is overdue
// on today: due days after the last touch (or, never touched, after since,
// the day it came under the cadence), 0 when not yet due.
func CadenceOverdue(last, since Date, days int, today Date) int {
	from := last
	if from == 0 {
		from = since
	}
	if from == 0 || days <= 0 {
		return 0
	}
	return max(0, DaysBetween(from.AddDays(days), today))
}

// Stale reports whether an opportunity whose last activity (or, without
// one, creation) was on last has had none for at least days on today.
func Stale(last, today Date, days int) bool {
	return last != 0 && DaysBetween(last, today) >= days
}

// RevenueFell reports whether revenue cur fell by more than pct percent
// against prev. Without revenue before (prev ≤ 0: a new account, or none
// last year) nothing fell; exactly pct percent is not more.
func RevenueFell(cur, prev Money, pct int) bool {
	if prev <= 0 {
		return false
	}
	// (prev − cur) / prev > pct / 100, in integers.
	return (int64(prev)-int64(cur))*100 > int64(pct)*int64(prev)
}

// DropPct is how many percent cur is below prev (0 when prev ≤ 0).
func DropPct(cur, prev Money) float64 {
	if prev <= 0 {
		return 0
	}
	return float64(prev-cur) * 100 / float64(prev)
}

// RevenueWindows are the periods the revenue rules compare on today: the
// twelve months to the end of last month and the twelve before them, and
// the last three full months and the same three a year earlier.
func RevenueWindows(today Date) (year, yearBefore, months, monthsBefore Period) {
	end := MakeDate(today.Year(), today.Month(), 1).AddDays(-1)
	year = TTM(end)
	yearBefore = year.Previous()
	start := MakeDate(end.Year(), end.Month(), 1).AddMonths(-2)
	months = Period{From: start, To: end, Key: RangeKey(start, end)}
	monthsBefore = months.Previous()
	return
}

// Median returns the median of xs (0 for none). xs is sorted in place.
func Median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	sort.Float64s(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// StageTooLong reports whether days in a stage exceed factor times its
// median stay (never when there is no median).
func StageTooLong(days, median, factor float64) bool {
	return median > 0 && days > factor*median
}
