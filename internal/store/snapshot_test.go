package store_test

import (
	"context"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
)

// TestSnapshot: a read-only request's context keeps the versions it first
// read (filled by the sign-in query itself), while a context without one,
// and any transaction, read them fresh.
func TestSnapshot(t *testing.T) {
	t.Parallel()
	s, acc, rep, _ := lifecycleFixture(t)
	ctx := context.Background()
	if _, err := s.CreateAPIToken(ctx, store.APIToken{PersonID: rep, Name: "t", TokenHash: "h1", Hint: "x", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req := store.WithSnapshot(ctx)
	if _, p, err := s.APITokenAndPerson(req, "h1"); err != nil || p.ID != rep {
		t.Fatalf("APITokenAndPerson = %d, %v", p.ID, err)
	}
	// A change after the request began.
	acc.Name = "华为技术有限公司"
	if err := s.UpdateAccount(ctx, acc, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Versions(req); v != before {
		t.Errorf("the request's versions moved: %+v, want those of its start %+v", v, before)
	}
	fresh, _ := s.Versions(ctx)
	if fresh.Accounts != before.Accounts+1 {
		t.Errorf("fresh versions %+v: accounts_epoch not bumped by an account's edit (%+v before)", fresh, before)
	}
	if st, _ := s.DataState(req); st != before.Data {
		t.Errorf("DataState in the request %+v, want %+v", st, before.Data)
	}
	err = s.InTx(req, func(tx *store.Store) error {
		if v, _ := tx.Versions(req); v != fresh {
			t.Errorf("a transaction read the snapshot %+v, want fresh %+v", v, fresh)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A session's query fills a fresh request's snapshot the same way.
	if err := s.CreateSession(ctx, store.Session{TokenHash: "s1", PersonID: rep, Method: "password", CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	req2 := store.WithSnapshot(ctx)
	if _, p, err := s.SessionAndPerson(req2, "s1"); err != nil || p.ID != rep {
		t.Fatalf("SessionAndPerson = %d, %v", p.ID, err)
	}
	if err := s.SetLifecycle(ctx, store.Ownership{AccountID: acc.ID, OwnerID: rep, Stage: crm.StagePursuit}, acc.Version+1, now); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Versions(ctx); v.Accounts != fresh.Accounts+1 {
		t.Errorf("a lifecycle change did not bump accounts_epoch: %+v", v)
	}
	if v, _ := s.Versions(req2); v != fresh {
		t.Errorf("second request's versions %+v, want %+v", v, fresh)
	}
}
