package app

import (
	"context"
	"sync"

	"kam/internal/store"
)

// listIndex holds, for each tier and each band, the IDs of its accounts in
// list order, as the stored standings have them. The most used lists — one
// tier or band, by revenue — then cost a slice and a primary-key lookup of
// one page, instead of counting and skipping through up to a million index
// entries per request (measured: 1.1 s median under 50 clients at 1,000,000
// accounts on SQLite). Rebuilt when the stored standings change.
type listIndex struct {
	mu      sync.Mutex
	sig     string
	byLayer map[string][]int32 // "tier:A", "band:OX_NOSE"
}

// page answers f from the index when f is such a list; ok is false when it
// is not, or when the index cannot be used.
func (a *App) fastPage(ctx context.Context, f store.AccountFilter) (AccountPage, bool, error) {
	if f.Query != "" || f.Region != "" || f.Industry != "" || f.Type != "" || f.IDs != nil ||
		(f.Sort != "" && f.Sort != "revenue") || (f.Tier == "") == (f.Band == "") {
		return AccountPage{}, false, nil
	}
	sig, err := a.store.State(ctx, "standing_signature")
	if err != nil || sig == "" {
		return AccountPage{}, false, err
	}
	ix := &a.lists
	ix.mu.Lock()
	if ix.sig != sig {
		byLayer := map[string][]int32{}
		err := a.store.EachStanding(ctx, func(id int64, tier, band string) {
			byLayer["tier:"+tier] = append(byLayer["tier:"+tier], int32(id))
			byLayer["band:"+band] = append(byLayer["band:"+band], int32(id))
		})
		if err != nil {
			ix.mu.Unlock()
			return AccountPage{}, false, err
		}
		// The standings may have changed while they were read: use the
		// index only if the signature still holds.
		if now, err := a.store.State(ctx, "standing_signature"); err == nil && now == sig {
			ix.sig, ix.byLayer = sig, byLayer
		}
	}
	var ids []int32
	if f.Tier != "" {
		ids = ix.byLayer["tier:"+f.Tier]
	} else {
		ids = ix.byLayer["band:"+f.Band]
	}
	fresh := ix.sig == sig
	ix.mu.Unlock()
	if !fresh {
		return AccountPage{}, false, nil
	}
	start := min((f.Page-1)*f.PerPage, len(ids))
	pageIDs := make([]int64, 0, f.PerPage)
	for _, id := range ids[start:min(start+f.PerPage, len(ids))] {
		pageIDs = append(pageIDs, int64(id))
	}
	list, _, err := a.store.Accounts(ctx, store.AccountFilter{IDs: pageIDs, PerPage: f.PerPage})
	if err != nil {
		return AccountPage{}, false, err
	}
	total := len(ids)
	return AccountPage{Accounts: list, Total: total, Page: f.Page, PerPage: f.PerPage, Pages: (total + f.PerPage - 1) / f.PerPage}, true, nil
}
