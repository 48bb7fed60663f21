package app

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"kam/internal/crm"
	"kam/internal/store"
)

// listIndex holds, for each tier and each band, the IDs of its accounts in
// list order, as the stored standings have them. The most used lists — one
// tier or band, by revenue — then cost a slice and a primary-key lookup of
// one page, instead of counting and skipping through up to a million index
// entries per request (measured: 1.1 s median under 50 clients at 1,000,000
// accounts on SQLite). Rebuilt when the standings' signature changes.
//
// It also keeps what a list page needs besides its rows, per state of the
// data: the parsed configuration and the values of the filter menus.
type listIndex struct {
	mu      sync.Mutex
	sig     string
	byLayer map[string][]int32 // "tier:A", "band:OX_NOSE"

	cmu           sync.Mutex // guards the rest
	method        crm.Method
	methodVersion int64
	haveMethod    bool

	facetsKey facetsKey
	facets    map[string][]string

	// pages holds the accounts of the pages asked for in the state
	// pagesKey, so that a page asked again is not read again: under 50
	// clients, reading 50 accounts by ID was two thirds of a list
	// request's time (docs/benchmarks.md). Any change of an account, of
	// the standings, the data or the method changes the key.
	pagesKey pagesKey
	pages    map[pageKey][]crm.Account
}

// facetsKey is the state the filter menus were read in: imports (Data) and
// edits of single accounts (Accounts) change them.
type facetsKey struct {
	data     store.DataState
	accounts int64
}

// listState is what a list request learns from one read of the versions.
type listState struct {
	v      store.Versions
	method crm.Method
	// current is true when the stored standings are those of the current
	// data, configuration and default period: the ledger then ranks the
	// accounts as they are stored.
	current bool
	sig     string
}

// listState reads the versions (one query) and brings the ledger and the
// cached configuration up to them.
func (a *App) listState(ctx context.Context) (listState, error) {
	v, err := a.store.Versions(ctx)
	if err != nil {
		return listState{}, err
	}
	m, version, err := a.methodAt(ctx, v.Method)
	if err != nil {
		return listState{}, err
	}
	if err := a.ledger.syncTo(ctx, a.store, v.Data); err != nil {
		return listState{}, err
	}
	ls := listState{v: v, method: m}
	p, err := a.resolve(&m, PeriodSpec{})
	if err != nil && err != ErrNoData {
		return listState{}, err
	}
	ls.sig = signature(v.Data, v.Method, p.Key)
	ls.current = err == nil && v.Standings == ls.sig && version == v.Method
	return ls, nil
}

// methodAt returns the configuration of the given version, parsed once, and
// its version: another one when a newer was saved meanwhile.
func (a *App) methodAt(ctx context.Context, version int64) (crm.Method, int64, error) {
	ix := &a.lists
	ix.cmu.Lock()
	if ix.haveMethod && ix.methodVersion == version {
		m := ix.method
		ix.cmu.Unlock()
		// Callers get their own tiers and bands to change.
		m.Tiers, m.Bands = slices.Clone(m.Tiers), slices.Clone(m.Bands)
		return m, version, nil
	}
	ix.cmu.Unlock()
	m, got, err := a.Method(ctx)
	if err != nil {
		return m, 0, err
	}
	kept := m
	kept.Tiers, kept.Bands = slices.Clone(m.Tiers), slices.Clone(m.Bands)
	ix.cmu.Lock()
	ix.method, ix.methodVersion, ix.haveMethod = kept, got, true
	ix.cmu.Unlock()
	return m, got, nil
}

// facetsAt returns the values of the filter menus in the state of ls.
func (a *App) facetsAt(ctx context.Context, ls listState, column string) ([]string, error) {
	key := facetsKey{data: ls.v.Data, accounts: ls.v.Accounts}
	ix := &a.lists
	ix.cmu.Lock()
	if ix.facets == nil || ix.facetsKey != key {
		ix.facetsKey, ix.facets = key, map[string][]string{}
	}
	vals, ok := ix.facets[column]
	ix.cmu.Unlock()
	if ok {
		return vals, nil
	}
	vals, err := a.store.Facets(ctx, column)
	if err != nil {
		return nil, err
	}
	ix.cmu.Lock()
	if ix.facetsKey == key {
		ix.facets[column] = vals
	}
	ix.cmu.Unlock()
	return vals, nil
}

// pagesKey is the state the cached pages were read in.
type pagesKey struct {
	sig      string // data, method and period of the standings
	accounts int64  // accounts_epoch: bumped by every write of accounts
}

// pageKey is one page of one layer.
type pageKey struct {
	layer         string
	page, perPage int
}

// maxCachedPages bounds the page cache: at 50 accounts a page, about
// 15 MB at most.
const maxCachedPages = 200

// fastPage answers f from the index when f is such a list; ok is false when
// it is not, or when the index cannot be used.
func (a *App) fastPage(ctx context.Context, ls listState, f store.AccountFilter) (AccountPage, bool, error) {
	if f.Query != "" || f.Region != "" || f.Industry != "" || f.Type != "" || f.IDs != nil || f.People != nil ||
		(f.Sort != "" && f.Sort != "revenue") || (f.Tier == "") == (f.Band == "") || !ls.current {
		return AccountPage{}, false, nil
	}
	// The index is built from the ledger, not read back from the database
	// (reading a million standings back from SQLite in list order took 30 s
	// of random reads).
	ix := &a.lists
	ix.mu.Lock()
	if ix.sig != ls.sig {
		m := ls.method
		p, err := a.resolve(&m, PeriodSpec{})
		if err != nil {
			ix.mu.Unlock()
			return AccountPage{}, false, nil
		}
		t := a.standingTable(&m, p)
		if t.state != ls.v.Data {
			ix.mu.Unlock()
			return AccountPage{}, false, nil // the ledger moved on since the versions were read
		}
		byLayer := map[string][]int32{}
		for _, id := range t.order {
			if tier := t.tier[id]; tier >= 0 {
				k := "tier:" + m.TierName(int(tier))
				byLayer[k] = append(byLayer[k], id)
			}
			if band := t.band[id]; band >= 0 {
				k := "band:" + m.BandName(int(band))
				byLayer[k] = append(byLayer[k], id)
			}
		}
		ix.sig, ix.byLayer = ls.sig, byLayer
	}
	var ids []int32
	if f.Tier != "" {
		ids = ix.byLayer["tier:"+f.Tier]
	} else {
		ids = ix.byLayer["band:"+f.Band]
	}
	ix.mu.Unlock()
	total := len(ids)
	pk, key := pagesKey{sig: ls.sig, accounts: ls.v.Accounts}, pageKey{layer: "tier:" + f.Tier, page: f.Page, perPage: f.PerPage}
	if f.Tier == "" {
		key.layer = "band:" + f.Band
	}
	ix.cmu.Lock()
	list, ok := ix.pages[key]
	if ix.pagesKey != pk {
		ok = false
	}
	ix.cmu.Unlock()
	if !ok {
		start := min((f.Page-1)*f.PerPage, len(ids))
		pageIDs := make([]int64, 0, f.PerPage)
		for _, id := range ids[start:min(start+f.PerPage, len(ids))] {
			pageIDs = append(pageIDs, int64(id))
		}
		var err error
		if list, err = a.store.AccountsByID(ctx, pageIDs); err != nil {
			return AccountPage{}, false, err
		}
		ix.cmu.Lock()
		if ix.pagesKey != pk || len(ix.pages) >= maxCachedPages {
			ix.pagesKey, ix.pages = pk, map[pageKey][]crm.Account{}
		}
		ix.pages[key] = list
		ix.cmu.Unlock()
	}
	// The kept slice itself: AccountPage.Accounts is read only (a copy
	// for every request was half of what a list request allocated, and
	// the collector's work under load grows with it).
	return AccountPage{Accounts: list, Total: total, Page: f.Page, PerPage: f.PerPage, Pages: (total + f.PerPage - 1) / f.PerPage,
		Key: fmt.Sprintf("%s|%d|%s|%d|%d", pk.sig, pk.accounts, key.layer, key.page, key.perPage)}, true, nil
}
