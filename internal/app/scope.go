package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"kam/internal/crm"
	"kam/internal/store"
)

// The data scope of the principal limits every account read: lists,
// exports, the account pages, the pyramid and its migration. A record
// outside the scope answers as if it did not exist.

// scoped limits a list filter to the principal's scope.
func (a *App) scoped(ctx context.Context, f store.AccountFilter) (store.AccountFilter, error) {
	sc, err := a.Scope(ctx)
	if err != nil {
		return f, err
	}
	f.People = sc.Filter()
	return f, nil
}

// visible returns acc, or crm.ErrNotFound when it is outside the
// principal's scope.
func (a *App) visible(ctx context.Context, acc crm.Account, err error) (crm.Account, error) {
	if err != nil {
		return acc, err
	}
	sc, err := a.Scope(ctx)
	if err != nil {
		return crm.Account{}, err
	}
	if !sc.Has(acc.OwnerID, acc.SalesRepID) {
		return crm.Account{}, crm.ErrNotFound
	}
	return acc, nil
}

// checkVisible returns crm.ErrNotFound unless account id is in scope.
func (a *App) checkVisible(ctx context.Context, id int64) error {
	acc, err := a.store.Account(ctx, id)
	_, err = a.visible(ctx, acc, err)
	return err
}

// scopeKeep returns the filter of ledger account IDs for the principal's
// scope (nil: every account) and a key naming the scope for caches.
func (a *App) scopeKeep(ctx context.Context) (func(int64) bool, string, error) {
	sc, err := a.Scope(ctx)
	if err != nil || sc.All {
		return nil, "", err
	}
	key := "scope:" + strings.Trim(strings.ReplaceAll(fmt.Sprint(sc.People), " ", ","), "[]")
	v, err := a.cached(ctx, "ids|"+key, func() (any, error) {
		ids, err := a.store.AccountIDsOf(ctx, sc.Filter())
		if err != nil {
			return nil, err
		}
		slices.Sort(ids)
		return ids, nil
	})
	if err != nil {
		return nil, "", err
	}
	ids := v.([]int64)
	return func(id int64) bool { _, ok := slices.BinarySearch(ids, id); return ok }, key, nil
}
