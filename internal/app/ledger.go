package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"kam/internal/crm"
	"kam/internal/store"
)

// ledger is every revenue line held in memory as three flat arrays (12 bytes
// a line, no pointers for the collector to scan), so that the pyramid of any
// period is one pass over the lines: about 20 ms for 10,000,000 lines, on
// either engine. New batches are appended; any other change reloads it.
//
// Amounts are 32-bit minor units (up to ±21,474,836.47 a line); a line beyond
// that holds bigAmount and its amount is kept in big, by line index. Lines
// that large are rare, and 4 bytes a line is 40 MB at 10,000,000 lines of a
// process that must stay under 300 MB.
type ledger struct {
	mu      sync.RWMutex
	loaded  bool
	state   store.DataState
	account []int32
	date    []int32 // crm.Date, with serviceBit set for SERVICE lines
	amount  []int32 // minor units; bigAmount: see big
	big     map[int]int64
	maxID   int64
	first   crm.Date
	last    crm.Date
}

const (
	serviceBit = 1 << 30
	bigAmount  = math.MinInt32
)

// at returns the amount of line i.
func (l *ledger) at(i int) int64 {
	if a := l.amount[i]; a != bigAmount {
		return int64(a)
	}
	return l.big[i]
}

// sync brings the ledger up to date with the store.
func (l *ledger) sync(ctx context.Context, s *store.Store) error {
	st, err := s.DataState(ctx)
	if err != nil {
		return err
	}
	return l.syncTo(ctx, s, st)
}

// syncTo brings the ledger up to the data state st, read by the caller.
func (l *ledger) syncTo(ctx context.Context, s *store.Store, st store.DataState) error {
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
		l.big = nil
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
	err := s.EachLedgerEntry(ctx, after, func(e store.LedgerEntry) {
		if e.AccountID > 1<<31-1 {
			return // IDs beyond int32 are not expected; see the store's identity columns
		}
		d := int32(e.Date)
		if e.Service {
			d |= serviceBit
		}
		amount := int64(e.Amount)
		if amount <= bigAmount || amount > math.MaxInt32 {
			if l.big == nil {
				l.big = map[int]int64{}
			}
			l.big[len(l.amount)] = amount
			amount = bigAmount
		}
		l.account = append(l.account, int32(e.AccountID))
		l.date = append(l.date, d)
		l.amount = append(l.amount, int32(amount))
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

// sum adds every line in p to sums[account] and sets has[account]; both are
// indexed by account ID and at least maxID+1 long. It returns how many
// accounts it set in has that were not set before. The caller holds l.mu.
func (l *ledger) sum(p crm.Period, sums []int64, has []bool) int {
	from, to := int32(p.From), int32(p.To)
	n := 0
	for i, d := range l.date {
		d &^= serviceBit
		if d < from || d > to {
			continue
		}
		id := l.account[i]
		a := int64(l.amount[i])
		if a == bigAmount {
			a = l.big[i]
		}
		sums[id] += a
		if !has[id] {
			has[id] = true
			n++
		}
	}
	return n
}

// revenues returns every account's net revenue in p, for accounts with at
// least one line in p (keep filters accounts when not nil).
func (l *ledger) revenues(p crm.Period, keep func(id int64) bool) []crm.AccountRevenue {
	l.mu.RLock()
	defer l.mu.RUnlock()
	sums := make([]int64, l.maxID+1)
	seen := make([]bool, l.maxID+1)
	n := l.sum(p, sums, seen)
	out := make([]crm.AccountRevenue, 0, n)
	for id, ok := range seen {
		if ok && (keep == nil || keep(int64(id))) {
			out = append(out, crm.AccountRevenue{ID: int64(id), Revenue: crm.Money(sums[id])})
		}
	}
	return out
}

// periodSums calls fn with every account's net revenue in each of ps, in
// order (sums and has indexed by account ID, reused from one call to the
// next), all from the same lines: the ledger is not changed meanwhile. fn must
// not call the ledger. It returns the data state of those lines.
func (l *ledger) periodSums(ps []crm.Period, fn func(k int, sums []int64, has []bool)) store.DataState {
	l.mu.RLock()
	defer l.mu.RUnlock()
	sums := make([]int64, l.maxID+1)
	has := make([]bool, l.maxID+1)
	for k, p := range ps {
		if k > 0 {
			clear(sums)
			clear(has)
		}
		l.sum(p, sums, has)
		fn(k, sums, has)
	}
	return l.state
}

// lines returns the number of lines held.
func (l *ledger) lines() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.amount)
}

// accountLine is one revenue line of an account.
type accountLine struct {
	Date    crm.Date
	Service bool
	Amount  crm.Money
}

// accountLines returns every line of one account, in the order loaded.
func (l *ledger) accountLines(id int64) []accountLine {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if id <= 0 || id > l.maxID {
		return nil
	}
	var out []accountLine
	want := int32(id)
	for i, acc := range l.account {
		if acc != want {
			continue
		}
		d := l.date[i]
		out = append(out, accountLine{Date: crm.Date(d &^ serviceBit), Service: d&serviceBit != 0, Amount: crm.Money(l.at(i))})
	}
	return out
}

// inPeriod returns the net revenue of lines in p and whether any line is there.
func inPeriod(lines []accountLine, p crm.Period) (crm.Money, bool) {
	var sum crm.Money
	found := false
	for _, x := range lines {
		if p.Contains(x.Date) {
			sum += x.Amount
			found = true
		}
	}
	return sum, found
}
