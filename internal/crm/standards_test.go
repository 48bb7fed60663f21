package crm

import (
	"encoding/json"
	"testing"
)

func TestRevenueFell(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cur, prev Money
		pct       int
		want      bool
	}{
		{"exactly 20 % is not more than 20 %", Yuan(80), Yuan(100), 20, false},
		{"a fen more than 20 %", Yuan(80) - 1, Yuan(100), 20, true},
		{"a fen less than 20 %", Yuan(80) + 1, Yuan(100), 20, false},
		{"no revenue last year", Yuan(50), 0, 20, false},
		{"a new account: nothing either year", 0, 0, 20, false},
		{"credit notes only last year", Yuan(10), -Yuan(5), 20, false},
		{"grew", Yuan(150), Yuan(100), 20, false},
		{"lost everything", 0, Yuan(100), 30, true},
		{"net negative now", -Yuan(1), Yuan(100), 30, true},
		{"exactly 30 %", Yuan(70), Yuan(100), 30, false},
		{"31 %", Yuan(69), Yuan(100), 30, true},
		{"large amounts do not overflow", Yuan(7_000_000_000), Yuan(10_000_000_000), 29, true},
	} {
		if got := RevenueFell(tc.cur, tc.prev, tc.pct); got != tc.want {
			t.Errorf("%s: RevenueFell(%d, %d, %d) = %v", tc.name, tc.cur, tc.prev, tc.pct, got)
		}
	}
	if d := DropPct(Yuan(75), Yuan(100)); d != 25 {
		t.Errorf("DropPct = %v", d)
	}
}

func TestRevenueWindows(t *testing.T) {
	y, yb, m, mb := RevenueWindows(MakeDate(2026, 3, 15))
	for _, tc := range []struct {
		p        Period
		from, to Date
	}{
		{y, 20250301, 20260228}, {yb, 20240301, 20250228},
		{m, 20251201, 20260228}, {mb, 20241201, 20250228},
	} {
		if tc.p.From != tc.from || tc.p.To != tc.to {
			t.Errorf("period %v, want %v..%v", tc.p, tc.from, tc.to)
		}
	}
	// Leap years: the last full month is February 2024.
	_, _, m, mb = RevenueWindows(MakeDate(2024, 3, 1))
	if m.To != 20240229 || mb.To != 20230228 || mb.From != 20221201 {
		t.Errorf("leap: %v, %v", m, mb)
	}
}

func TestStaleAndCadence(t *testing.T) {
	today := MakeDate(2026, 11, 27)
	for _, tc := range []struct {
		last Date
		days int
		want bool
	}{
		{today.AddDays(-21), 21, true},
		{today.AddDays(-20), 21, false},
		{today.AddDays(-100), 21, true},
		{0, 21, false}, // no day known: no judgement
	} {
		if got := Stale(tc.last, today, tc.days); got != tc.want {
			t.Errorf("Stale(%v, %d) = %v", tc.last, tc.days, got)
		}
	}
	for _, tc := range []struct {
		last, since Date
		days, want  int
	}{
		{today.AddDays(-7), 0, 7, 0},    // due today: not overdue yet
		{today.AddDays(-8), 0, 7, 1},    // one day overdue
		{today.AddDays(-3), 0, 14, 0},   // touched recently
		{0, today.AddDays(-40), 30, 10}, // never touched: counted from since
		{0, 0, 30, 0},                   // nothing to count from
		{today.AddDays(-40), 0, 0, 0},   // no cadence
	} {
		if got := CadenceOverdue(tc.last, tc.since, tc.days, today); got != tc.want {
			t.Errorf("CadenceOverdue(%v, %v, %d) = %d, want %d", tc.last, tc.since, tc.days, got, tc.want)
		}
	}
}

func TestMedianAndStage(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0}, {[]float64{5}, 5}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %v", tc.xs, got)
		}
	}
	for _, tc := range []struct {
		days, median, factor float64
		want                 bool
	}{
		{20, 10, 2, false}, // exactly twice is not more
		{20.5, 10, 2, true},
		{100, 0, 2, false}, // no median yet
		{31, 10, 3, true},
	} {
		if got := StageTooLong(tc.days, tc.median, tc.factor); got != tc.want {
			t.Errorf("StageTooLong(%v, %v, %v) = %v", tc.days, tc.median, tc.factor, got)
		}
	}
}

func TestStandardsDefaults(t *testing.T) {
	m := DefaultMethod()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.MeetingStandard(TrackStrategic) != 6 || m.MeetingStandard(TrackRegional) != 0 {
		t.Error("meeting standards")
	}
	if !m.Effective(ActVisit, "报价确认") || m.Effective(ActVisit, "") || m.Effective(ActCall, "x") {
		t.Error("effective meetings")
	}
	for _, tc := range []struct {
		tier, band string
		want       int
	}{
		{"A", BandOxNose, 7}, {"A", BandCore, 30}, {"B", BandSuper, 14}, {"C", BandLongTail, 0}, {"A", "", 30}, {"D", "", 0},
	} {
		if got := m.CadenceDays(tc.tier, tc.band); got != tc.want {
			t.Errorf("CadenceDays(%s, %s) = %d, want %d", tc.tier, tc.band, got, tc.want)
		}
	}
	// Bands renamed later: rows naming a band that no longer exists are
	// kept and match nothing.
	renamed := DefaultMethod()
	renamed.Bands[1].Name = "GOLD"
	if err := renamed.Validate(); err != nil || renamed.CadenceDays("B", "GOLD") != 0 {
		t.Errorf("renamed bands: %v", err)
	}
	if !m.IsKeyAccount("A", BandCore) || !m.IsKeyAccount("C", BandSuper) || m.IsKeyAccount("B", BandCore) {
		t.Error("key accounts")
	}

	// A configuration saved before the standards existed gets the defaults.
	var old Method
	if err := json.Unmarshal([]byte(`{"currency":"CNY","tiers":[{"name":"A","min":100},{"name":"B","min":0}],
		"bands":[{"name":"OX_NOSE","top_bp":100,"expected_share":0.5},{"name":"SUPER","top_bp":400,"expected_share":0.6},{"name":"CORE","top_bp":2000,"expected_share":0.8}],
		"fiscal_year_start":1,"downgrade_after":2}`), &old); err != nil {
		t.Fatal(err)
	}
	old.Complete()
	if err := old.Validate(); err != nil || old.Standards.NextStepDays != 14 || old.Alerts.StaleDays != 21 || len(old.Standards.Cadence) != 4 {
		t.Fatalf("completed %+v %+v: %v", old.Standards, old.Alerts, err)
	}

	for _, tc := range []struct {
		name, field string
		edit        func(m *Method)
	}{
		{"unknown track", "meetings", func(m *Method) { m.Standards.Meetings = []TrackMeetings{{Track: "X", PerWeek: 1}} }},
		{"negative meetings", "meetings", func(m *Method) { m.Standards.Meetings[0].PerWeek = -1 }},
		{"unknown kind", "effective_kinds", func(m *Method) { m.Standards.EffectiveKinds = []string{"LUNCH"} }},
		{"next step days", "next_step_days", func(m *Method) { m.Standards.NextStepDays = 0 }},
		{"band and tier", "cadence", func(m *Method) { m.Standards.Cadence = []CadenceDef{{Band: BandSuper, Tier: "A", Days: 7}} }},
		{"neither band nor tier", "cadence", func(m *Method) { m.Standards.Cadence = []CadenceDef{{Days: 7}} }},
		{"twice the same band", "cadence", func(m *Method) {
			m.Standards.Cadence = append(m.Standards.Cadence, CadenceDef{Band: BandOxNose, Days: 3})
		}},
		{"cadence days", "cadence", func(m *Method) { m.Standards.Cadence[0].Days = 0 }},
		{"stale days", "stale_days", func(m *Method) { m.Alerts.StaleDays = -1 }},
		{"stage factor", "stage_factor", func(m *Method) { m.Alerts.StageFactor = 0.5 }},
		{"empty key tier", "key_tiers", func(m *Method) { m.Alerts.KeyTiers = []string{""} }},
		{"bad key band", "key_bands", func(m *Method) { m.Alerts.KeyBands = []string{" GOLD"} }},
		{"percent", "revenue_3m_pct", func(m *Method) { m.Alerts.Revenue3MPct = 101 }},
	} {
		m := DefaultMethod()
		tc.edit(&m)
		err := m.Validate()
		v, ok := err.(*ValidationError)
		if !ok || v.Fields[tc.field] == "" {
			t.Errorf("%s: Validate = %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
}
