package cli_test

import (
	"context"
	"strings"
	"testing"

	"kam/internal/app"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestDemoProcess: kam demo --opportunities --activities on an empty
// database loads accounts, the demo organisation, then the process data on
// them; a second run adds to it.
func TestDemoProcess(t *testing.T) {
	db := storetest.DSN(t)
	code, out, stderr := run(t, "demo", "--db", db, "--now", "2026-11-27", "--accounts", "300", "--lines", "3000",
		"--opportunities", "400", "--activities", "4000")
	if code != 0 {
		t.Fatalf("kam demo: %d %s", code, stderr)
	}
	for _, want := range []string{"loaded 300 accounts", "loaded 400 opportunities and 4000 activities"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q: %s", want, out)
		}
	}
	if code, out, stderr = run(t, "demo", "--db", db, "--now", "2026-11-27", "--opportunities", "10"); code != 0 ||
		!strings.Contains(out, "loaded 10 opportunities and 0 activities") || strings.Contains(out, "accounts") {
		t.Errorf("second run: %d %s %s", code, out, stderr)
	}
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := app.New(s, app.Options{}).Funnel(ctx, store.OppFilter{})
	if err != nil || f.Open.Count+f.Closed != 410 {
		t.Errorf("funnel after kam demo: %+v, %v", f, err)
	}
	if n, err := s.CountPeople(ctx); err != nil || n == 0 {
		t.Errorf("people: %d, %v", n, err)
	}
}
