package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// lifecycleFixture is two people and an account they own, in a fresh store.
func lifecycleFixture(t *testing.T) (*store.Store, crm.Account, int64, int64) {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	dept, err := s.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService}, now)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.SavePerson(ctx, crm.Person{Name: "王销售", Email: "rep@test.example", Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	lead, err := s.SavePerson(ctx, crm.Person{Name: "李客服", Email: "lead@test.example", DepartmentID: dept, Role: crm.RoleMember,
		Scope: crm.ScopeOwn, Active: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateAccount(ctx, crm.Account{Code: "L1", Name: "华为技术"}, now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Account(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s, a, rep, lead
}

func TestSetLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, a, rep, _ := lifecycleFixture(t)
	o := store.Ownership{AccountID: a.ID, OwnerID: rep, SalesRepID: rep, OwnerDepartment: crm.DeptSales, Stage: crm.StagePursuit}
	if err := s.SetLifecycle(ctx, o, a.Version, now); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil || got.Stage != crm.StagePursuit || got.OwnerID != rep || got.SalesRepID != rep ||
		got.OwnerDepartment != crm.DeptSales || got.Version != a.Version+1 {
		t.Fatalf("after SetLifecycle: %+v, %v", got, err)
	}
	// The same read version again: someone else's change came first.
	if err := s.SetLifecycle(ctx, o, a.Version, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale SetLifecycle = %v, want ErrConflict", err)
	}
	o.AccountID = 987654
	if err := s.SetLifecycle(ctx, o, 1, now); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("SetLifecycle(no account) = %v, want ErrNotFound", err)
	}
	// Owner 0 is stored as nobody.
	if err := s.SetLifecycle(ctx, store.Ownership{AccountID: a.ID, Stage: crm.StageTarget, OwnerDepartment: crm.DeptMarketing}, got.Version, now); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Account(ctx, a.ID); got.OwnerID != 0 || got.SalesRepID != 0 {
		t.Errorf("owner 0: got owner %d, rep %d", got.OwnerID, got.SalesRepID)
	}
}

func TestAccountHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, a, rep, lead := lifecycleFixture(t)
	changes := []crm.StageChange{
		{AccountID: a.ID, At: now, FromStage: "", ToStage: crm.StageTarget, OwnerDepartment: crm.DeptMarketing, Reason: "选中", Actor: "admin"},
		{AccountID: a.ID, At: now.Add(time.Second), FromStage: crm.StageTarget, ToStage: crm.StagePursuit, ToOwnerID: rep, OwnerDepartment: crm.DeptSales, Reason: "派单", Actor: "admin"},
		{AccountID: a.ID, At: now.Add(2 * time.Second), FromStage: crm.StagePursuit, ToStage: crm.StageOnboarding, FromOwnerID: rep, ToOwnerID: lead, OwnerDepartment: crm.DeptSales, Reason: "签约", Actor: "王销售"},
	}
	for _, c := range changes {
		if _, err := s.AddStageChange(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AccountHistory(ctx, a.ID)
	if err != nil || len(got) != 3 {
		t.Fatalf("AccountHistory = %+v, %v", got, err)
	}
	// Newest first, every field back as written.
	for i, c := range got {
		want := changes[2-i]
		want.ID = c.ID
		if !c.At.Equal(want.At) {
			t.Errorf("entry %d at %v, want %v", i, c.At, want.At)
		}
		c.At = want.At
		if c != want {
			t.Errorf("entry %d = %+v, want %+v", i, c, want)
		}
	}
	if other, err := s.AccountHistory(ctx, 987654); err != nil || len(other) != 0 {
		t.Errorf("AccountHistory(other) = %v, %v", other, err)
	}
}

func TestHandovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, a, rep, lead := lifecycleFixture(t)
	if err := s.SetLifecycle(ctx, store.Ownership{AccountID: a.ID, OwnerID: rep, SalesRepID: rep, OwnerDepartment: crm.DeptSales,
		Stage: crm.StageOnboarding}, a.Version, now); err != nil {
		t.Fatal(err)
	}
	// A handover without a lead yet (named later).
	h := crm.Handover{AccountID: a.ID, FromPersonID: rep, ContractDate: crm.MakeDate(2026, 11, 1), DueDate: crm.MakeDate(2026, 12, 1),
		Checklist: map[string]crm.ChecklistItem{crm.ItemAccountPlan: {Done: true, Note: "见附件"}}, Status: crm.HandoverOpen}
	id, err := s.CreateHandover(ctx, h, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Handover(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ToPersonID != 0 || got.FromPersonID != rep || got.FromName != "王销售" || got.ToName != "" || got.AccountCode != "L1" ||
		got.AccountName != "华为技术" || got.AccountOwnerID != rep || got.AccountRepID != rep || got.Version != 1 ||
		got.ContractDate != h.ContractDate || got.DueDate != h.DueDate || got.Status != crm.HandoverOpen ||
		got.Checklist[crm.ItemAccountPlan] != h.Checklist[crm.ItemAccountPlan] || !got.AcceptedAt.IsZero() || !got.CreatedAt.Equal(now) {
		t.Fatalf("Handover(%d) = %+v", id, got)
	}

	// Name the lead and set the kickoff, at the version read.
	upd := got.Handover
	upd.ToPersonID, upd.KickoffDate = lead, crm.MakeDate(2026, 11, 10)
	if err := s.SaveHandover(ctx, upd, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveHandover(ctx, upd, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale SaveHandover = %v, want ErrConflict", err)
	}
	upd.ID = 987654
	if err := s.SaveHandover(ctx, upd, now); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("SaveHandover(no handover) = %v, want ErrNotFound", err)
	}
	got, _ = s.Handover(ctx, id)
	if got.ToPersonID != lead || got.ToName != "李客服" || got.KickoffDate != crm.MakeDate(2026, 11, 10) || got.Version != 2 {
		t.Errorf("after SaveHandover: %+v", got)
	}

	// A second, accepted handover of another account, due earlier.
	id2, err := s.CreateAccount(ctx, crm.Account{Code: "L2", Name: "中兴通讯"}, now)
	if err != nil {
		t.Fatal(err)
	}
	h2 := crm.Handover{AccountID: id2, ToPersonID: lead, ContractDate: crm.MakeDate(2026, 10, 1), DueDate: crm.MakeDate(2026, 10, 31), Status: crm.HandoverOpen}
	hid2, err := s.CreateHandover(ctx, h2, now)
	if err != nil {
		t.Fatal(err)
	}
	accepted, _ := s.Handover(ctx, hid2)
	accepted.Status, accepted.AcceptedAt = crm.HandoverAccepted, now
	if err := s.SaveHandover(ctx, accepted.Handover, now); err != nil {
		t.Fatal(err)
	}
	if accepted, _ = s.Handover(ctx, hid2); !accepted.AcceptedAt.Equal(now) || accepted.Status != crm.HandoverAccepted {
		t.Errorf("accepted handover: %+v", accepted)
	}

	ids := func(rows []store.HandoverRow) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.HandoverFilter
		want []int64
	}{
		{"all, earliest due first", store.HandoverFilter{}, []int64{hid2, id}},
		{"open", store.HandoverFilter{Status: crm.HandoverOpen}, []int64{id}},
		{"of an account", store.HandoverFilter{AccountID: id2}, []int64{hid2}},
		{"to the lead", store.HandoverFilter{ToPersonID: lead}, []int64{hid2, id}},
		{"due before Dec 1", store.HandoverFilter{DueBefore: crm.MakeDate(2026, 12, 1)}, []int64{hid2}},
		{"due before Dec 2", store.HandoverFilter{DueBefore: crm.MakeDate(2026, 12, 2)}, []int64{hid2, id}},
		{"scope of the rep (owns L1)", store.HandoverFilter{People: []int64{rep}}, []int64{id}},
		{"empty scope", store.HandoverFilter{People: []int64{}}, nil},
		{"empty scope, the lead as viewer", store.HandoverFilter{People: []int64{}, Viewer: lead}, []int64{hid2, id}},
		{"limit", store.HandoverFilter{Limit: 1}, []int64{hid2}},
	} {
		rows, err := s.Handovers(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ids(rows); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Handovers(%+v) = %v, want %v", tc.name, tc.f, got, tc.want)
		}
	}
}

func TestActivePeopleOfKind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _, lead := lifecycleFixture(t)
	got, err := s.ActivePeopleOfKind(ctx, crm.DeptCustomerService)
	if err != nil || len(got) != 1 || got[0].ID != lead {
		t.Fatalf("ActivePeopleOfKind(CUSTOMER_SERVICE) = %+v, %v", got, err)
	}
	p := got[0]
	p.Active = false
	if _, err := s.SavePerson(ctx, p, now); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ActivePeopleOfKind(ctx, crm.DeptCustomerService); err != nil || len(got) != 0 {
		t.Errorf("after deactivation: %+v, %v", got, err)
	}
}
