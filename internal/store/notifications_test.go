package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

func TestChannelsAndInbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	id, err := s.SaveChannel(ctx, crm.Channel{Name: "销售群", Kind: crm.ChannelDingTalk, Format: crm.FormatText,
		URL: "https://oapi.dingtalk.com/robot/send?access_token=abc", Secret: "SECxyz", Enabled: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveChannel(ctx, crm.Channel{Name: "销售群", Kind: crm.ChannelWeCom, Format: crm.FormatText, URL: "https://x"}, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("SaveChannel(duplicate name) = %v, want ErrConflict", err)
	}
	c, err := s.Channel(ctx, id)
	if err != nil || c.Secret != "SECxyz" || c.Version != 1 || !c.Enabled {
		t.Fatalf("Channel(%d) = %+v, %v", id, c, err)
	}
	c.Enabled = false
	if _, err := s.SaveChannel(ctx, c, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveChannel(ctx, c, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale SaveChannel = %v, want ErrConflict", err)
	}

	pid, err := s.SavePerson(ctx, crm.Person{Name: "甲", Email: "a@test.example", Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.SavePerson(ctx, crm.Person{Name: "乙", Email: "b@test.example", Role: crm.RoleMember, Scope: crm.ScopeOwn}, now)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := s.ActiveRecipients(ctx, []int64{pid, other, 999})
	if err != nil || len(rs) != 1 || rs[0].ID != pid || rs[0].Email != "a@test.example" {
		t.Errorf("ActiveRecipients = %+v, %v; want only the active person", rs, err)
	}
	n1, _ := s.AddToInbox(ctx, store.InboxItem{PersonID: pid, Title: "one", CreatedAt: now})
	n2, _ := s.AddToInbox(ctx, store.InboxItem{PersonID: pid, Title: "two", Link: "/x", CreatedAt: now})
	if err := s.MarkRead(ctx, pid, n1, now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, pid, n1, now); err != nil {
		t.Errorf("MarkRead again = %v, want nil", err)
	}
	if err := s.MarkRead(ctx, other, n2, now); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("MarkRead(another's) = %v, want ErrNotFound", err)
	}
	items, err := s.Inbox(ctx, store.InboxFilter{PersonID: pid})
	if err != nil || len(items) != 2 || items[0].ID != n2 || items[0].ReadAt != nil || items[1].ReadAt == nil {
		t.Errorf("Inbox = %+v, %v", items, err)
	}
	if n, err := s.UnreadCount(ctx, pid); n != 1 || err != nil {
		t.Errorf("UnreadCount = %d, %v; want 1", n, err)
	}
	if items, _ := s.Inbox(ctx, store.InboxFilter{PersonID: pid, UnreadOnly: true}); len(items) != 1 || items[0].Title != "two" {
		t.Errorf("unread = %+v", items)
	}
}

// TestClaimDelivery: a claimed delivery is not due again until its lease
// ends; the outcome of an attempt whose claim was lost changes nothing; of
// many claims racing for few deliveries, each delivery is taken once.
func TestClaimDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ch, err := s.SaveChannel(ctx, crm.Channel{Name: "群", Kind: crm.ChannelWeCom, Format: crm.FormatText, URL: "https://x", Enabled: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if due, err := s.AnyDue(ctx, now); due || err != nil {
		t.Errorf("AnyDue(empty) = %v, %v", due, err)
	}
	id, err := s.Enqueue(ctx, store.Delivery{ChannelID: ch, Payload: `{"title":"t"}`, NextAttemptAt: now, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if due, _ := s.AnyDue(ctx, now.Add(-time.Second)); due {
		t.Error("due before its time")
	}
	d, ok, err := s.ClaimDelivery(ctx, now, now.Add(time.Minute))
	if err != nil || !ok || d.ID != id || d.Attempts != 1 {
		t.Fatalf("ClaimDelivery = %+v, %v, %v", d, ok, err)
	}
	if _, ok, _ := s.ClaimDelivery(ctx, now.Add(30*time.Second), now.Add(time.Hour)); ok {
		t.Fatal("claimed twice within the lease")
	}
	// The lease ends (the first sender died): another sender takes it.
	d2, ok, err := s.ClaimDelivery(ctx, now.Add(time.Minute), now.Add(2*time.Minute))
	if err != nil || !ok || d2.Attempts != 2 {
		t.Fatalf("ClaimDelivery after the lease = %+v, %v, %v", d2, ok, err)
	}
	// The first sender's late answer no longer decides.
	if changed, err := s.FinishAttempt(ctx, store.Attempt{DeliveryID: id, Attempt: 1, StartedAt: now, OK: true}, crm.DeliverySent, time.Time{}); changed || err != nil {
		t.Errorf("FinishAttempt(lost claim) = %v, %v; want no change", changed, err)
	}
	if changed, err := s.FinishAttempt(ctx, store.Attempt{DeliveryID: id, Attempt: 2, StartedAt: now, Error: "HTTP 500"}, crm.DeliveryFailed, time.Time{}); !changed || err != nil {
		t.Fatalf("FinishAttempt = %v, %v", changed, err)
	}
	got, err := s.Delivery(ctx, id)
	if err != nil || got.Status != crm.DeliveryFailed || got.LastError != "HTTP 500" || got.ChannelName != "群" {
		t.Errorf("Delivery = %+v, %v", got, err)
	}
	log, err := s.Attempts(ctx, []int64{id})
	if err != nil || len(log[id]) != 2 || !log[id][0].OK || log[id][1].Error != "HTTP 500" {
		t.Errorf("Attempts = %+v, %v", log, err)
	}
	if err := s.RetryDelivery(ctx, id, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryDelivery(ctx, id, now); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("RetryDelivery(pending) = %v, want ErrConflict", err)
	}
	if err := s.RetryDelivery(ctx, 999, now); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("RetryDelivery(999) = %v, want ErrNotFound", err)
	}
	if ds, err := s.Deliveries(ctx, store.DeliveryFilter{Status: crm.DeliveryPending}); err != nil || len(ds) != 1 || ds[0].Attempts != 0 {
		t.Errorf("Deliveries(pending) = %+v, %v", ds, err)
	}

	// Racing claims: every delivery is taken exactly once.
	const n = 20
	for i := 0; i < n-1; i++ {
		if _, err := s.Enqueue(ctx, store.Delivery{ChannelID: ch, Payload: `{}`, NextAttemptAt: now, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	taken := map[int64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				d, ok, err := s.ClaimDelivery(ctx, now, now.Add(time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				taken[d.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// A claim that lost a race may have given up early: take the rest.
	for {
		d, ok, err := s.ClaimDelivery(ctx, now, now.Add(time.Hour))
		if err != nil || !ok {
			break
		}
		taken[d.ID]++
	}
	if len(taken) != n {
		t.Errorf("%d deliveries claimed, want %d", len(taken), n)
	}
	for id, k := range taken {
		if k != 1 {
			t.Errorf("delivery %d claimed %d times", id, k)
		}
	}
}
