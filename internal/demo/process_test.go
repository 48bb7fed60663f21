package demo

import (
	"reflect"
	"testing"

	"kam/internal/crm"
)

func TestGenerateProcess(t *testing.T) {
	opt := ProcessOptions{Now: crm.MakeDate(2026, 11, 27), Accounts: 50, People: 7, Opportunities: 2000, Activities: 20000}
	var opps []Opp
	var acts []Act
	if err := GenerateProcess(opt, func(o Opp) error { opps = append(opps, o); return nil },
		func(a Act) error { acts = append(acts, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(opps) != 2000 || len(acts) != 20000 {
		t.Fatalf("%d opportunities, %d activities", len(opps), len(acts))
	}
	m := crm.DefaultMethod()
	stages := map[string]int{}
	for _, o := range opps {
		stages[o.Stage]++
		x := crm.Opportunity{AccountID: 1, Name: o.Name, Stage: o.Stage, Amount: o.Amount, CloseDate: o.CloseDate, Probability: o.Probability,
			Needs: o.Needs, Products: o.Products, LostReason: o.LostReason, Checks: o.Checks}
		if err := x.Validate(&m); err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		if x.Open() && (o.CloseDate < opt.Now || o.StageSince > opt.Now) {
			t.Fatalf("open %+v", o)
		}
		if o.AccountIndex < 0 || o.AccountIndex >= 50 || o.PersonIndex < 0 || o.PersonIndex >= 7 {
			t.Fatalf("references %+v", o)
		}
	}
	for _, s := range m.OppStageNames() {
		if stages[s] == 0 {
			t.Errorf("no opportunity in %s: %v", s, stages)
		}
	}
	for _, a := range acts {
		x := crm.Activity{Kind: a.Kind, AccountID: 1, Date: a.Date, Contacts: a.Contacts, Objective: a.Objective, Outcome: a.Outcome,
			NextStep: a.NextStep, NextStepDue: a.NextStepDue, NextStepDone: a.NextStepDone}
		if err := x.Validate(opt.Now); err != nil {
			t.Fatalf("%+v: %v", a, err)
		}
		if a.OppIndex >= 0 && opps[a.OppIndex].AccountIndex != a.AccountIndex {
			t.Fatalf("activity on another account than its opportunity: %+v", a)
		}
	}
	// The same options give the same data.
	var again []Opp
	GenerateProcess(opt, func(o Opp) error { again = append(again, o); return nil }, nil)
	if !reflect.DeepEqual(again, opps) {
		t.Error("GenerateProcess is not deterministic")
	}
	if err := GenerateProcess(ProcessOptions{Now: opt.Now, Opportunities: 1}, nil, nil); err == nil {
		t.Error("no accounts, no error")
	}
}
