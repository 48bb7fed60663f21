package store

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
)

// A snapshot keeps the Versions of the data for one read-only request, so
// that the request asks the database for them once, and, on the request's
// first query (who is signed in, SessionAndPerson or APITokenAndPerson),
// without a round trip of their own: under 50 clients on PostgreSQL every
// round trip showed in the lists' 99th percentile (docs/benchmarks.md).
// Within one request the versions are those of its start, as if it had
// read everything at once; a request that writes must not carry one
// (server: GET and HEAD only). Transactions never use it.
type snapshot struct {
	mu sync.Mutex
	v  Versions
	ok bool
}

type snapshotKey struct{}

// WithSnapshot returns ctx carrying an empty snapshot of the versions, for
// a request that does not write.
func WithSnapshot(ctx context.Context) context.Context {
	return context.WithValue(ctx, snapshotKey{}, &snapshot{})
}

func (s *Store) snapshotOf(ctx context.Context) *snapshot {
	if s.inTx {
		return nil
	}
	sn, _ := ctx.Value(snapshotKey{}).(*snapshot)
	return sn
}

func (sn *snapshot) get() (Versions, bool) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.v, sn.ok
}

func (sn *snapshot) set(v Versions) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if !sn.ok {
		sn.v, sn.ok = v, true
	}
}

// versionsColumns are the expressions Versions reads, appended to the
// sign-in queries when a snapshot is to be filled.
const versionsColumns = `(SELECT MAX(id) FROM import_batches), (SELECT MAX(id) FROM method_versions),
	(SELECT value FROM app_state WHERE key = 'revenue_epoch'), (SELECT value FROM app_state WHERE key = 'accounts_epoch'),
	(SELECT value FROM app_state WHERE key = 'standing_signature'), (SELECT value FROM app_state WHERE key = 'standing_period'),
	(SELECT value FROM app_state WHERE key = 'alerts_epoch')`

// versionsRow scans versionsColumns.
type versionsRow struct {
	last, method                         sql.NullInt64
	epoch, accounts, sig, period, alerts sql.NullString
}

func (r *versionsRow) dests() []any {
	return []any{&r.last, &r.method, &r.epoch, &r.accounts, &r.sig, &r.period, &r.alerts}
}

func (r *versionsRow) versions() Versions {
	v := Versions{Method: r.method.Int64, Standings: r.sig.String, Period: r.period.String}
	v.Data.LastBatch = r.last.Int64
	v.Data.Epoch, _ = strconv.ParseInt(r.epoch.String, 10, 64)
	v.Accounts, _ = strconv.ParseInt(r.accounts.String, 10, 64)
	v.Alerts, _ = strconv.ParseInt(r.alerts.String, 10, 64)
	return v
}
