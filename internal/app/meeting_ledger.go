package app

import "kam/internal/crm"

// accountSums is one pass over the ledger for a few accounts: for each of
// ids (in order) and each of ps, the net revenue and its SERVICE part.
// The meeting packs need a dozen sums for a few hundred accounts; one pass
// costs what one pyramid costs, whatever the number of accounts.
func (l *ledger) accountSums(ids []int64, ps []crm.Period) (total, service [][]int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	total = make([][]int64, len(ids))
	service = make([][]int64, len(ids))
	// pos[account] is 1 + the account's index in ids (0: not asked for).
	pos := make([]int32, l.maxID+1)
	any := false
	for i, id := range ids {
		total[i] = make([]int64, len(ps))
		service[i] = make([]int64, len(ps))
		if id > 0 && id <= l.maxID {
			pos[id] = int32(i + 1)
			any = true
		}
	}
	if !any {
		return total, service
	}
	lo, hi := int32(1<<31-1), int32(0)
	for _, p := range ps {
		lo, hi = min(lo, int32(p.From)), max(hi, int32(p.To))
	}
	for i, acc := range l.account {
		d := l.date[i]
		day := d &^ serviceBit
		if day < lo || day > hi {
			continue
		}
		k := int(pos[acc]) - 1
		if k < 0 {
			continue
		}
		a := l.at(i)
		for j, p := range ps {
			if day >= int32(p.From) && day <= int32(p.To) {
				total[k][j] += a
				if d&serviceBit != 0 {
					service[k][j] += a
				}
			}
		}
	}
	return total, service
}

// sumOf is the net revenue in p of the accounts keep accepts (nil: all).
func (l *ledger) sumOf(p crm.Period, keep func(int64) bool) crm.Money {
	var sum crm.Money
	for _, r := range l.revenues(p, keep) {
		sum += r.Revenue
	}
	return sum
}
