package app

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"kam/internal/crm"
	"kam/internal/store"
)

// ledger is every revenue line held in memory as three flat arrays (16 bytes
// a line, no pointers for the collector to scan), so that the pyramid of any
// period is one pass over the lines: about 20 ms for 10,000,000 lines, on
// either engine. New batches are appended; any other change reloads it.
type ledger struct {
	mu      sync.RWMutex
	loaded  bool
	state   store.DataState
	account []int32
	date    []int32 // crm.Date, with serviceBit set for SERVICE lines
	amount  []int64
	maxID   int64
	first   crm.Date
	last    crm.Date
}

const serviceBit = 1 << 30

// sync brings the ledger up to date with the store.
func (l *ledger) sync(ctx context.Context, s *store.Store) error {
	st, err := s.DataState(ctx)
	if err != nil {
		return err
	}
	l.mu.RLock()
	fresh := l.loaded && l.state == st
	l.mu.RUnlock()
	if fresh {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loaded && l.state == st {
		return nil
	}
	after := l.state.LastBatch
	if !l.loaded || l.state.Epoch != st.Epoch || st.LastBatch < l.state.LastBatch {
		l.account, l.date, l.amount = l.account[:0], l.date[:0], l.amount[:0]
		l.maxID, l.first, l.last = 0, 0, 0
		after = 0
	}
	// Size the arrays once: grown by append, they were briefly held twice
	// (the old and the new backing arrays: 128 MB or more of old ones at
	// 10,000,000 lines), and kam serve must stay under 300 MB.
	if n, err := s.LedgerSize(ctx, after); err == nil && n > 0 && n < 1<<31 {
		l.account = slices.Grow(l.account, int(n))
		l.date = slices.Grow(l.date, int(n))
		l.amount = slices.Grow(l.amount, int(n))
	}
	err = s.EachLedgerEntry(ctx, after, func(e store.LedgerEntry) {
		if e.AccountID > 1<<31-1 {
			return // IDs beyond int32 are not expected; see the store's identity columns
		}
		d := int32(e.Date)
		if e.Service {
			d |= serviceBit
		}
		l.account = append(l.account, int32(e.AccountID))
		l.date = append(l.date, d)
		l.amount = append(l.amount, int64(e.Amount))
		l.maxID = max(l.maxID, e.AccountID)
		if l.first == 0 || e.Date < l.first {
			l.first = e.Date
		}
		l.last = max(l.last, e.Date)
	})
	if err != nil {
		l.loaded = false
		return fmt.Errorf("ledger: %w", err)
	}
	l.state = st
	l.loaded = true
	return nil
}

// span returns the first and last day with revenue (0, 0 when none).
func (l *ledger) span() (crm.Date, crm.Date) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.first, l.last
}

// revenues returns every account's net revenue in p, for accounts with at
// least one line in p (keep filters accounts when not nil).
func (l *ledger) revenues(p crm.Period, keep func(id int64) bool) []crm.AccountRevenue {
	l.mu.RLock()
	defer l.mu.RUnlock()
	sums := make([]int64, l.maxID+1)
	seen := make([]bool, l.maxID+1)
	from, to := int32(p.From), int32(p.To)
	n := 0
	for i, d := range l.date {
		d &^= serviceBit
		if d < from || d > to {
			continue
		}
		id := l.account[i]
		sums[id] += l.amount[i]
		if !seen[id] {
			seen[id] = true
			n++
		}
	}
	out := make([]crm.AccountRevenue, 0, n)
	for id, ok := range seen {
		if ok && (keep == nil || keep(int64(id))) {
			out = append(out, crm.AccountRevenue{ID: int64(id), Revenue: crm.Money(sums[id])})
		}
	}
	return out
}

// split returns the product and service revenue in p (of one account when id > 0).
func (l *ledger) split(p crm.Period, id int64) (product, service crm.Money) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	from, to := int32(p.From), int32(p.To)
	for i, d := range l.date {
		svc := d&serviceBit != 0
		d &^= serviceBit
		if d < from || d > to || (id > 0 && int64(l.account[i]) != id) {
			continue
		}
		if svc {
			service += crm.Money(l.amount[i])
		} else {
			product += crm.Money(l.amount[i])
		}
	}
	return product, service
}

// lines returns the number of lines held.
func (l *ledger) lines() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.amount)
}

// accountRevenue returns one account's net revenue in p and whether it has
// any line there.
func (l *ledger) accountRevenue(p crm.Period, id int64) (crm.Money, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	from, to := int32(p.From), int32(p.To)
	var sum int64
	found := false
	for i, acc := range l.account {
		if int64(acc) != id {
			continue
		}
		if d := l.date[i] &^ serviceBit; d >= from && d <= to {
			sum += l.amount[i]
			found = true
		}
	}
	return crm.Money(sum), found
}

// months returns an account's revenue by month (crm.Date.MonthIndex →
// product, service) over every line it has.
func (l *ledger) months(id int64) map[int][2]crm.Money {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := map[int][2]crm.Money{}
	for i, acc := range l.account {
		if int64(acc) != id {
			continue
		}
		d := l.date[i]
		m := crm.Date(d &^ serviceBit).MonthIndex()
		v := out[m]
		if d&serviceBit != 0 {
			v[1] += crm.Money(l.amount[i])
		} else {
			v[0] += crm.Money(l.amount[i])
		}
		out[m] = v
	}
	return out
}
