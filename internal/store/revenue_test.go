package store_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"testing"

	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestRevenueWriterText: products with the characters COPY's text format
// escapes, and more lines than one COPY or INSERT holds, come back as written.
func TestRevenueWriterText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ids, err := s.InsertAccounts(ctx, []crm.Account{{Code: "A", Name: "A"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	special := []string{"", "银项链", `a\b`, "tab\there", "two\nlines", "cr\r", `\N`, "\\\t\n\r\\", "end\\"}
	const n = 50_000 + 300 // a full COPY and a part of the next one
	var want []string
	err = s.InTx(ctx, func(tx *store.Store) error {
		id, err := tx.CreateBatch(ctx, store.Batch{Kind: "revenue", FileName: "p.csv", SHA256: "p", Mapping: "{}", CreatedBy: "test", CreatedAt: now})
		if err != nil {
			return err
		}
		w := tx.NewRevenueWriter(id)
		defer w.Close()
		for i := range n {
			p := special[i%len(special)]
			want = append(want, p)
			class := crm.ClassProduct
			if i%3 == 0 {
				class = crm.ClassService
			}
			if err := w.Add(ctx, store.LineInsert{LineNo: int64(i + 2), AccountID: ids["A"], Date: crm.MakeDate(2024, 3, 1),
				Amount: crm.Money(i), Class: class, Product: p}); err != nil {
				return err
			}
		}
		return w.Flush(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.RevenueProducts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("product of line %d = %q, want %q (%d lines, want %d)", i+2, got[i], want[i], len(got), len(want))
			}
		}
		t.Fatalf("%d lines stored, want %d", len(got), len(want))
	}
	var lines, service int
	var sum crm.Money
	if err := s.EachLedgerEntry(ctx, 0, func(e store.LedgerEntry) {
		if e.AccountID == ids["A"] && e.Date == crm.MakeDate(2024, 3, 1) {
			lines++
			sum += e.Amount
			if e.Service != (e.Amount%3 == 0) {
				t.Errorf("line with amount %d: service %v", e.Amount, e.Service)
			}
			if e.Service {
				service++
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if lines != n || sum != crm.Money(n*(n-1)/2) || service != (n+2)/3 {
		t.Errorf("ledger = %d lines (%d services) summing to %d, want %d (%d) and %d", lines, service, sum, n, (n+2)/3, n*(n-1)/2)
	}
	// A class that is neither is refused, as the table's CHECK does.
	err = s.InTx(ctx, func(tx *store.Store) error {
		w := tx.NewRevenueWriter(1)
		defer w.Close()
		if err := w.Add(ctx, store.LineInsert{LineNo: 1, AccountID: ids["A"], Date: crm.MakeDate(2024, 3, 1), Class: "GOODS"}); err != nil {
			return err
		}
		return w.Flush(ctx)
	})
	if err == nil {
		t.Error("a line of class GOODS was stored")
	}
}

// TestAccountCodes: in a transaction (COPY on PostgreSQL) and outside it, the
// codes come back as stored, whatever characters they hold.
func TestAccountCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	codes := []string{"A1", "华为-01", `back\slash`, "tab\tin", "new\nline", "cr\r", `\N`, "\\\\", "end\\", "\b\f\v", "x y"}
	var list []crm.Account
	for i := range 3000 {
		list = append(list, crm.Account{Code: "C" + strconv.Itoa(i), Name: "n"})
	}
	for _, c := range codes {
		list = append(list, crm.Account{Code: c, Name: "n"})
	}
	ids, err := s.InsertAccounts(ctx, list, now)
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, s *store.Store) {
		t.Helper()
		got := map[string]int64{}
		if err := s.AccountCodes(ctx, func(code string, id int64) { got[code] = id }); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if !maps.Equal(got, ids) {
			for c, id := range ids {
				if got[c] != id {
					t.Errorf("%s: code %q has ID %d, want %d", where, c, got[c], id)
				}
			}
			t.Fatalf("%s: %d codes, want %d", where, len(got), len(ids))
		}
	}
	check("outside a transaction", s)
	if err := s.InTx(ctx, func(tx *store.Store) error { check("in a transaction", tx); return nil }); err != nil {
		t.Fatal(err)
	}
}
