package app

import (
	"context"
	"testing"
	"time"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestSinkCanceled: once the import's context is canceled, send fails
// instead of waiting for a writer that waits for lines.
func TestSinkCanceled(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	bg := context.Background()
	ids, err := s.InsertAccounts(bg, []crm.Account{{Code: "A", Name: "A"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	err = s.InTx(bg, func(tx *store.Store) error {
		id, err := tx.CreateBatch(bg, store.Batch{Kind: KindRevenue, FileName: "c.csv", SHA256: "c", Mapping: "{}", CreatedBy: "test"})
		if err != nil {
			return err
		}
		sink := newLineSink(ctx, tx.NewRevenueWriter(id))
		defer sink.abort()
		cancel()
		// More chunks than the sink holds: a send must see the cancel.
		for i := 0; i < 10*sinkDepth; i++ {
			chunk := sink.buffer()
			for j := 0; j < 10; j++ {
				chunk = append(chunk, store.LineInsert{LineNo: int64(i*10 + j), AccountID: ids["A"], Date: crm.MakeDate(2025, 1, 1), Class: crm.ClassProduct})
			}
			if err := sink.send(chunk); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		t.Error("sending to a canceled sink never failed")
	}
}
