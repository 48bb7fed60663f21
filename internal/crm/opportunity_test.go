package crm

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestOppMoveCriteria(t *testing.T) {
	m := DefaultMethod()
	o := Opportunity{Stage: "QUALIFY", Checks: []string{"need_confirmed"}}
	for _, tc := range []struct {
		name      string
		move      OppMove
		wantUnmet []string
		wantField string // "" : allowed
	}{
		{"forward with two unticked", OppMove{To: "DISCOVER"}, []string{"budget_known", "decision_maker_known"}, "criteria"},
		{"ticked with the move", OppMove{To: "DISCOVER", Check: []string{"budget_known", "decision_maker_known"}}, nil, ""},
		{"skipping a stage needs its criteria too", OppMove{To: "PROPOSE", Check: []string{"budget_known", "decision_maker_known"}},
			[]string{"requirements_documented", "decision_process_known", "solution_fit"}, "criteria"},
		{"won from the first stage needs every criterion", OppMove{To: OppWon}, []string{"budget_known", "decision_maker_known",
			"requirements_documented", "decision_process_known", "solution_fit", "proposal_delivered", "executive_met", "terms_agreed",
			"contract_approved"}, "criteria"},
		{"lost needs a reason", OppMove{To: OppLost}, nil, "lost_reason"},
		{"lost with a reason", OppMove{To: OppLost, LostReason: "预算取消"}, nil, ""},
		{"unknown stage", OppMove{To: "SIGN"}, nil, "stage"},
		{"same stage", OppMove{To: "QUALIFY"}, nil, "stage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := m.CheckOppMove(&o, tc.move)
			var unmet []string
			if ce, ok := err.(*CriteriaError); ok {
				unmet = ce.Unmet
			}
			if !reflect.DeepEqual(unmet, tc.wantUnmet) {
				t.Errorf("unmet = %v, want %v", unmet, tc.wantUnmet)
			}
			var ve *ValidationError
			errors.As(err, &ve)
			switch {
			case tc.wantField == "" && err != nil:
				t.Errorf("CheckOppMove = %v, want nil", err)
			case tc.wantField != "" && (ve == nil || ve.Fields[tc.wantField] == ""):
				t.Errorf("CheckOppMove = %v, want a problem with %s", err, tc.wantField)
			}
		})
	}
	back := Opportunity{Stage: "NEGOTIATE"}
	if err := m.CheckOppMove(&back, OppMove{To: "DISCOVER"}); err != nil {
		t.Errorf("moving back: %v, want no criteria", err)
	}
	lost := Opportunity{Stage: OppLost, LostReason: "x"}
	if err := m.CheckOppMove(&lost, OppMove{To: "PROPOSE"}); err != nil {
		t.Errorf("reopening a lost opportunity: %v", err)
	}
	won := Opportunity{Stage: OppWon}
	if err := m.CheckOppMove(&won, OppMove{To: "PROPOSE"}); err == nil {
		t.Error("a won opportunity moved back, want refused")
	}
}

func TestOppStagesConfigurable(t *testing.T) {
	m := DefaultMethod()
	m.OppStages = []OppStageDef{{Name: "线索", Probability: 5, Criteria: []string{"客户有预算"}}, {Name: "谈判", Probability: 60}}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := m.DefaultProbability("谈判"); got != 60 {
		t.Errorf("DefaultProbability(谈判) = %d", got)
	}
	o := Opportunity{Stage: "线索"}
	if unmet := m.Unmet(&o, OppWon); !reflect.DeepEqual(unmet, []string{"客户有预算"}) {
		t.Errorf("Unmet = %v", unmet)
	}
	for _, bad := range [][]OppStageDef{
		nil,
		{{Name: "WON", Probability: 10}},
		{{Name: "A", Probability: 10}, {Name: "A", Probability: 20}},
		{{Name: "A", Probability: 101}},
		{{Name: " A", Probability: 1}},
		{{Name: "A", Probability: 1, Criteria: []string{"x", "x"}}},
		{{Name: "A", Probability: 1, Criteria: []string{""}}},
	} {
		m.OppStages = bad
		if err := m.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want a problem", bad)
		}
	}
	// A configuration saved before opportunities existed gets the defaults.
	var old Method
	if err := json.Unmarshal([]byte(`{"currency":"CNY","handover_days":30}`), &old); err != nil {
		t.Fatal(err)
	}
	old.Complete()
	if !reflect.DeepEqual(old.OppStages, DefaultOppStages()) {
		t.Errorf("Complete: stages %+v", old.OppStages)
	}
}

func TestOpportunityValidate(t *testing.T) {
	m := DefaultMethod()
	good := Opportunity{AccountID: 1, Name: "年度框架协议", Stage: "QUALIFY", Amount: Yuan(100), Probability: 10}
	if err := good.Validate(&m); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, tc := range []struct {
		field string
		edit  func(o *Opportunity)
	}{
		{"name", func(o *Opportunity) { o.Name = "" }},
		{"account", func(o *Opportunity) { o.AccountID = 0 }},
		{"stage", func(o *Opportunity) { o.Stage = "SIGNED" }},
		{"amount", func(o *Opportunity) { o.Amount = -1 }},
		{"close_date", func(o *Opportunity) { o.CloseDate = 20260230 }},
		{"probability", func(o *Opportunity) { o.Probability = 120 }},
		{"lost_reason", func(o *Opportunity) { o.Stage = OppLost }},
	} {
		o := good
		tc.edit(&o)
		err := o.Validate(&m)
		if ve, ok := err.(*ValidationError); !ok || ve.Fields[tc.field] == "" {
			t.Errorf("%s: Validate = %v", tc.field, err)
		}
	}
	if got := SplitList("ERP，MES、 CRM;\nERP"); !reflect.DeepEqual(got, []string{"ERP", "MES", "CRM"}) {
		t.Errorf("SplitList = %q", got)
	}
}

func TestActivityValidate(t *testing.T) {
	today := MakeDate(2026, 11, 27)
	good := Activity{Kind: ActVisit, AccountID: 1, Date: today, NextStep: "报价", NextStepDue: today.AddDays(3)}
	if err := good.Validate(today); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, tc := range []struct {
		field, key string
		edit       func(a *Activity)
	}{
		{"kind", "error.activity.kind", func(a *Activity) { a.Kind = "LUNCH" }},
		{"date", "error.activity.future", func(a *Activity) { a.Date = today.AddDays(1) }},
		{"date", "error.required", func(a *Activity) { a.Date = 0 }},
		{"next_step", "error.activity.next_step", func(a *Activity) { a.NextStep = "" }},
		{"next_step_due", "error.activity.due_before", func(a *Activity) { a.NextStepDue = today.AddDays(-1) }},
	} {
		a := good
		tc.edit(&a)
		err := a.Validate(today)
		if ve, ok := err.(*ValidationError); !ok || ve.Fields[tc.field] != tc.key {
			t.Errorf("%s: Validate = %v, want %s", tc.field, err, tc.key)
		}
	}
	if !(&Activity{NextStep: "x", NextStepDue: today.AddDays(-1)}).Overdue(today) {
		t.Error("a next step due yesterday is not overdue")
	}
	if (&Activity{NextStep: "x", NextStepDue: today.AddDays(-1), NextStepDone: true}).Overdue(today) {
		t.Error("a done next step is overdue")
	}
}

func TestWeek(t *testing.T) {
	for _, tc := range []struct {
		s      string
		monday Date
	}{
		{"2026-W48", MakeDate(2026, 11, 23)},
		{"2026-W01", MakeDate(2025, 12, 29)},
		{"2020-W53", MakeDate(2020, 12, 28)},
		{"2027-w1", MakeDate(2027, 1, 4)},
	} {
		w, ok := ParseWeek(tc.s)
		if !ok || w.Monday() != tc.monday || WeekOf(tc.monday.AddDays(6)) != w {
			t.Errorf("ParseWeek(%q) = %v %v, Monday %v, want %v", tc.s, w, ok, w.Monday(), tc.monday)
		}
	}
	for _, bad := range []string{"", "2026", "2026-W54", "2026-W00", "2021-W53", "20x6-W01", "2026-Wx"} {
		if _, ok := ParseWeek(bad); ok {
			t.Errorf("ParseWeek(%q) ok", bad)
		}
	}
	w := WeekOf(MakeDate(2026, 12, 31))
	if w.String() != "2026-W53" || w.Next().String() != "2027-W01" || w.Next().Prev() != w {
		t.Errorf("week %s next %s", w, w.Next())
	}
}
