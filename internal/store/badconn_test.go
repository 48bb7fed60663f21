package store_test

import (
	"context"
	"testing"

	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestTxAfterBrokenConnections: every pooled connection of the store is
// killed by the server (as a failover or a cancelled query leaves them); the
// next transaction still runs, on a new connection.
func TestTxAfterBrokenConnections(t *testing.T) {
	dsn := storetest.DSN(t)
	if !storetest.Postgres() {
		t.Log("PostgreSQL only: the server kills the connections; runs in the PostgreSQL pass")
		return
	}
	ctx := context.Background()
	s, err := store.Open(ctx, dsn+"&application_name=kam_badconn_test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Fill the pool with idle connections.
	for range 3 {
		if err := s.InTx(ctx, func(tx *store.Store) error { return tx.Exec(ctx, `SELECT 1`) }); err != nil {
			t.Fatal(err)
		}
	}
	killer, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	if err := killer.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kam_badconn_test'`); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx *store.Store) error { return tx.Exec(ctx, `SELECT 1`) }); err != nil {
		t.Errorf("a transaction after the pool's connections were killed: %v", err)
	}
}
