package crm

import (
	"errors"
	"testing"
)

func fieldsOf(err error) map[string]string {
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Fields
	}
	return nil
}

func TestCheckMove(t *testing.T) {
	all := DefaultGates()
	none := map[string]bool{}
	for _, tc := range []struct {
		name  string
		from  string
		m     StageMove
		gates map[string]bool
		want  map[string]string // field → key; nil: allowed
	}{
		{"target to pursuit", StageTarget, StageMove{To: StagePursuit, Reason: "assigned"}, all, nil},
		{"no stage yet: anywhere", "", StageMove{To: StageGrowing, Reason: "imported"}, all, nil},
		{"skip a stage", StageTarget, StageMove{To: StageGrowing, Reason: "x"}, all, map[string]string{"stage": "error.stage.transition"}},
		{"lost back to growing", StageLost, StageMove{To: StageGrowing, Reason: "x"}, all, map[string]string{"stage": "error.stage.transition"}},
		{"unknown stage", StageTarget, StageMove{To: "WON", Reason: "x"}, all, map[string]string{"stage": "error.stage.unknown"}},
		{"no reason", StageTarget, StageMove{To: StagePursuit, Reason: "  "}, all, map[string]string{"reason": "error.required"}},
		{"contract gate", StagePursuit, StageMove{To: StageOnboarding, Reason: "signed"}, all, map[string]string{"contract_date": "error.stage.contract_date"}},
		{"contract gate met", StagePursuit, StageMove{To: StageOnboarding, Reason: "signed", ContractDate: 20261101}, all, nil},
		{"contract gate off", StageWinBack, StageMove{To: StageOnboarding, Reason: "signed"}, none, nil},
		{"handover gate", StageOnboarding, StageMove{To: StageGrowing, Reason: "done"}, all, map[string]string{"stage": "error.stage.handover"}},
		{"handover gate met", StageOnboarding, StageMove{To: StageGrowing, Reason: "done", ViaHandover: true}, all, nil},
		{"handover gate off", StageOnboarding, StageMove{To: StageGrowing, Reason: "done"}, none, nil},
		{"loss by a member", StageAtRisk, StageMove{To: StageLost, Reason: "gone", ActorRole: RoleMember}, all, map[string]string{"stage": "error.stage.manager_confirms"}},
		{"loss by a manager", StageAtRisk, StageMove{To: StageLost, Reason: "gone", ActorRole: RoleManager}, all, nil},
		{"loss gate off", StageAtRisk, StageMove{To: StageLost, Reason: "gone", ActorRole: RoleMember}, none, nil},
		{"target dropped by a member", StageTarget, StageMove{To: StageLost, Reason: "no fit", ActorRole: RoleMember}, all, nil},
	} {
		got := fieldsOf(CheckMove(tc.from, tc.m, tc.gates))
		if len(got) != len(tc.want) {
			t.Errorf("%s: CheckMove = %v, want %v", tc.name, got, tc.want)
			continue
		}
		for f, k := range tc.want {
			if got[f] != k {
				t.Errorf("%s: CheckMove = %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}

func TestOwnerDepartment(t *testing.T) {
	for stage, want := range map[string]string{StageTarget: DeptMarketing, StagePursuit: DeptSales, StageOnboarding: DeptSales,
		StageGrowing: DeptCustomerService, StageBound: DeptCustomerService, StageAtRisk: DeptCustomerService, "": ""} {
		if got := OwnerDepartment(stage); got != want {
			t.Errorf("OwnerDepartment(%q) = %q, want %q", stage, got, want)
		}
	}
}

func TestHandoverAccept(t *testing.T) {
	complete := map[string]ChecklistItem{}
	for _, it := range HandoverItems {
		complete[it] = ChecklistItem{Done: true}
	}
	today := Date(20261127)
	for _, tc := range []struct {
		name string
		h    Handover
		want []string // fields with a problem
	}{
		{"ready", Handover{ToPersonID: 7, Checklist: complete, KickoffDate: today, Status: HandoverOpen}, nil},
		{"no lead", Handover{Checklist: complete, KickoffDate: today, Status: HandoverOpen}, []string{"to_person"}},
		{"incomplete", Handover{ToPersonID: 7, KickoffDate: today, Status: HandoverOpen}, []string{"checklist"}},
		{"no kickoff", Handover{ToPersonID: 7, Checklist: complete, Status: HandoverOpen}, []string{"kickoff_date"}},
		{"kickoff ahead", Handover{ToPersonID: 7, Checklist: complete, KickoffDate: today + 1, Status: HandoverOpen}, []string{"kickoff_date"}},
		{"accepted already", Handover{ToPersonID: 7, Checklist: complete, KickoffDate: today, Status: HandoverAccepted}, []string{"status"}},
	} {
		got := fieldsOf(tc.h.CheckAccept(today))
		if len(got) != len(tc.want) {
			t.Errorf("%s: CheckAccept = %v, want problems with %v", tc.name, got, tc.want)
		}
		for _, f := range tc.want {
			if got[f] == "" {
				t.Errorf("%s: CheckAccept = %v, want a problem with %s", tc.name, got, f)
			}
		}
	}
	h := Handover{ContractDate: 20261101, DueDate: 20261201, Status: HandoverOpen}
	if h.Overdue(20261201) || !h.Overdue(20261202) {
		t.Error("Overdue: want false on the due date and true the day after")
	}
	h.Status = HandoverAccepted
	if h.Overdue(20261231) {
		t.Error("an accepted handover is never overdue")
	}
	if err := h.Validate(); err != nil {
		t.Errorf("Validate(no lead yet) = %v, want nil", err)
	}
	h.KickoffDate = 20261031
	if got := fieldsOf(h.Validate()); got["kickoff_date"] == "" {
		t.Errorf("Validate(kickoff before contract) = %v", got)
	}
}
