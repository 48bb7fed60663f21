package app

import (
	"context"
	"errors"
	"fmt"

	"kam/internal/crm"
	"kam/internal/demo"
	"kam/internal/store"
)

// DemoResult counts what LoadDemo stored.
type DemoResult struct {
	Accounts int64
	Lines    int64
	Revenue  crm.Money
}

// LoadDemo stores a generated dataset (the book's case by default) in one
// transaction, as one import batch. It refuses a database that already has
// accounts, so demo data never mixes with a company's own.
func (a *App) LoadDemo(ctx context.Context, actor string, opt demo.Options, progress func(lines int64)) (DemoResult, error) {
	var res DemoResult
	if opt.Now == 0 {
		opt.Now = a.Today()
	}
	page, _, err := a.store.Accounts(ctx, store.AccountFilter{PerPage: 1})
	if err != nil {
		return res, err
	}
	if len(page) > 0 {
		return res, fmt.Errorf("demo: the database already has accounts; use an empty database (--db)")
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		batchID, err := tx.CreateBatch(ctx, store.Batch{Kind: KindRevenue, FileName: "demo", Mapping: "{}",
			SHA256: fmt.Sprintf("demo:%d:%d:%d:%d", opt.Now, opt.Accounts, opt.Lines, opt.Seed), CreatedBy: actor, CreatedAt: a.now()})
		if errors.Is(err, crm.ErrConflict) {
			return fmt.Errorf("demo: this demo dataset was already loaded")
		}
		if err != nil {
			return err
		}
		var ids []int64
		var queue []crm.Account
		flushAccounts := func() error {
			got, err := tx.InsertAccounts(ctx, queue, a.now())
			if err != nil {
				return err
			}
			for _, acc := range queue {
				ids = append(ids, got[acc.Code])
			}
			queue = queue[:0]
			return nil
		}
		w := tx.NewRevenueWriter(batchID)
		defer w.Close()
		accountsDone := false
		err = demo.Generate(opt, func(d demo.Account) error {
			queue = append(queue, crm.Account{Code: d.Code, Name: d.Name, Type: d.Type, Industry: d.Industry, Region: d.Region,
				IsListed: d.IsListed, IsLeader: d.IsLeader, Potential: d.Potential})
			res.Accounts++
			if len(queue) == 1000 {
				return flushAccounts()
			}
			return nil
		}, func(l demo.Line) error {
			if !accountsDone {
				if err := flushAccounts(); err != nil {
					return err
				}
				accountsDone = true
			}
			res.Lines++
			res.Revenue += l.Amount
			if progress != nil && res.Lines%100_000 == 0 {
				progress(res.Lines)
			}
			return w.Add(ctx, store.LineInsert{LineNo: res.Lines, AccountID: ids[l.AccountIndex], Date: l.Date, Amount: l.Amount, Class: l.Class, Product: l.Product})
		})
		if err != nil {
			return err
		}
		if !accountsDone {
			if err := flushAccounts(); err != nil {
				return err
			}
		}
		if err := w.Flush(ctx); err != nil {
			return err
		}
		b := store.Batch{ID: batchID, RowsTotal: res.Lines, RowsAccepted: res.Lines, AccountsCreated: res.Accounts, AmountTotal: res.Revenue}
		if err := tx.UpdateBatchCounts(ctx, b); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), actor, "import", "batch", batchID, nil, map[string]any{"demo": true, "accounts": res.Accounts, "lines": res.Lines}))
	})
	if err != nil {
		return DemoResult{}, err
	}
	a.invalidate()
	return res, a.Restand(ctx)
}
