package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"kam/internal/cli"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// TestMain lets the test binary act as the kam command, so a test can run
// it as a separate process and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("KAM_TEST_AS_KAM") == "1" {
		os.Exit(cli.Main(context.Background(), cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	os.Exit(m.Run())
}

// english is the environment of most tests: kam speaks English, so that
// their expectations read as the messages do. TestLanguage checks Chinese.
func english(k string) string {
	if k == "KAM_LANG" {
		return "en"
	}
	return ""
}

// run runs kam in-process in English and returns exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runEnv(t, english, args...)
}

// runEnv runs kam in-process with the environment getenv.
func runEnv(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), cli.Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

func demoDB(t *testing.T) string {
	t.Helper()
	db := storetest.DSN(t)
	if code, _, stderr := run(t, "demo", "--db", db, "--now", "2026-11-27"); code != 0 {
		t.Fatalf("kam demo: %d %s", code, stderr)
	}
	return db
}

func TestPyramidJSONBookCase(t *testing.T) {
	db := demoDB(t)
	for _, args := range [][]string{
		{"pyramid", "--db", db, "--format", "json", "--year", "2025"},
		{"pyramid", "--db", db, "--format", "json", "--thresholds", "5000000,3000000,1000000", "--from", "2025-01-01", "--to", "2025-12-31"},
	} {
		code, out, stderr := run(t, args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
		var got struct {
			Tiers []struct {
				Name         string  `json:"name"`
				Accounts     int     `json:"accounts"`
				AccountShare float64 `json:"account_share"`
				Revenue      float64 `json:"revenue"`
				RevenueShare float64 `json:"revenue_share"`
			} `json:"tiers"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		want := []struct {
			name  string
			n     int
			share float64
		}{{"A", 40, 0.22}, {"B", 360, 0.28}, {"C", 425, 0.23}, {"D", 3870, 0.27}}
		if len(got.Tiers) != 4 {
			t.Fatalf("tiers = %+v", got.Tiers)
		}
		for i, w := range want {
			g := got.Tiers[i]
			if g.Name != w.name || g.Accounts != w.n || math.Abs(g.RevenueShare-w.share) > 0.005 || g.Revenue <= 0 {
				t.Errorf("%v tier %d = %+v, want %s %d %.2f", args, i, g, w.name, w.n, w.share)
			}
		}
	}
	code, out, _ := run(t, "pyramid", "--db", db, "--scheme", "pareto", "--format", "csv")
	if code != 0 || !strings.HasPrefix(out, "tier,accounts") || !strings.Contains(out, "OX_NOSE,47,") {
		t.Errorf("pareto csv = %d\n%s", code, out)
	}
	code, out, _ = run(t, "pyramid", "--db", db, "--migration")
	if code != 0 || !strings.Contains(out, "upgrades") {
		t.Errorf("migration = %d\n%s", code, out)
	}
	code, out, _ = run(t, "pyramid", "--db", db, "--account", "F000001")
	if code != 0 || !strings.Contains(out, "tier") {
		t.Errorf("explain = %d\n%s", code, out)
	}
	if code, _, stderr := run(t, "pyramid", "--db", db, "--year", "2025", "--ttm"); code != 2 || !strings.Contains(stderr, "one of") {
		t.Errorf("conflicting periods: %d %s", code, stderr)
	}
	if code, _, stderr := run(t, "pyramid", "--db", db, "--thresholds", "abc"); code != 2 || !strings.Contains(stderr, "abc") {
		t.Errorf("bad thresholds: %d %s", code, stderr)
	}
	code, out, _ = run(t, "targets", "set", "--db", db, "--period", "2025", "--tier", "A=50:1000000000", "--upgrade", "B:A=10", "--format", "json")
	if code != 0 || !strings.Contains(out, `"target_accounts": 50`) || !strings.Contains(out, `"actual_accounts": 40`) {
		t.Errorf("targets set = %d\n%s", code, out)
	}
	xlsx := filepath.Join(t.TempDir(), "a.xlsx")
	if code, _, stderr := run(t, "export", "accounts", "--db", db, "--format", "xlsx", "-o", xlsx); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 4696 {
		t.Errorf("exported rows = %d, want 4,695 + header", len(rows))
	}
}

func TestImportCLI(t *testing.T) {
	db := storetest.DSN(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "r.csv")
	os.WriteFile(file, []byte("Kunde,Datum,Betrag\nA1,2025-01-02,100\n,2025-01-02,5\nA2,bad,7\n"), 0o600)
	// Headers KAM does not know need --column; the message says which.
	code, _, stderr := run(t, "import", "revenue", "--db", db, file)
	if code != 1 || !strings.Contains(stderr, "account") || !strings.Contains(stderr, "Nothing was imported") {
		t.Errorf("unmapped: %d %s", code, stderr)
	}
	report := filepath.Join(dir, "rejects.csv")
	args := []string{"import", "revenue", "--db", db, "--column", "account=Kunde", "--column", "date=Datum", "--column", "amount=Betrag"}
	code, out, stderr := run(t, append(args, "--dry-run", file)...)
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "would import 1") {
		t.Errorf("dry run: %d %s %s", code, out, stderr)
	}
	code, out, stderr = run(t, append(args, "--report", report, "--save-mapping", "de", file)...)
	if code != 0 || !strings.Contains(out, "imported 1") || !strings.Contains(out, "rejected 2") || !strings.Contains(out, "1 without an account code") {
		t.Errorf("import: %d %s %s", code, out, stderr)
	}
	body, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(body), "no account code") || !strings.Contains(string(body), "not a date") {
		t.Errorf("report = %q, %v", body, err)
	}
	// The saved mapping is reused by name; the same file twice is refused.
	code, _, stderr = run(t, "import", "revenue", "--db", db, "--mapping", "de", file)
	if code != 1 || !strings.Contains(stderr, "already imported as batch 1") {
		t.Errorf("second import: %d %s", code, stderr)
	}
	other := filepath.Join(dir, "r2.csv")
	os.WriteFile(other, []byte("Kunde,Datum,Betrag\nA1,2025-01-03,100\n,2025-01-02,5\nA2,bad,7\n"), 0o600)
	code, out, _ = run(t, "import", "revenue", "--db", db, "--format", "json", "--dry-run", "--mapping", "de", other)
	var res struct {
		Accepted int `json:"accepted"`
		Problems []struct {
			Row  int    `json:"row"`
			Code string `json:"code"`
		} `json:"problems"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Accepted != 1 || len(res.Problems) != 2 || res.Problems[0].Row != 3 {
		t.Errorf("json = %d %s (%v)", code, out, err)
	}
	if code, _, stderr := run(t, "import", "nonsense", "--db", db, file); code != 2 || !strings.Contains(stderr, "accounts|revenue") {
		t.Errorf("bad kind: %d %s", code, stderr)
	}
}

// TestImportKilled kills kam in the middle of a large import: the database
// must be exactly as before, and usable.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large file")
	}
	db := storetest.DSN(t)
	dir := t.TempDir()
	if code, _, stderr := run(t, "demo", "--accounts", "50000", "--lines", "1500000", "--now", "2026-11-27", "--csv", dir); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := run(t, "import", "accounts", "--db", db, filepath.Join(dir, "accounts.csv")); code != 0 {
		t.Fatal(stderr)
	}
	count := func() (accounts, lines int) {
		s, err := store.Open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, accounts, _ = s.Accounts(context.Background(), store.AccountFilter{PerPage: 1})
		s.EachLedgerEntry(context.Background(), 0, func(store.LedgerEntry) { lines++ })
		return accounts, lines
	}
	acc0, lines0 := count()
	cmd := exec.Command(os.Args[0], "import", "revenue", "--db", db, filepath.Join(dir, "revenue.csv"))
	cmd.Env = append(os.Environ(), "KAM_TEST_AS_KAM=1", "KAM_LANG=en")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err == nil || strings.Contains(out.String(), "imported") {
		t.Fatalf("the import finished before it was killed (%v): make the file larger\n%s", err, out.String())
	}
	if acc, lines := count(); acc != acc0 || lines != lines0 {
		t.Errorf("after kill: %d accounts %d lines, want %d %d", acc, lines, acc0, lines0)
	}
	code, stdout, stderr := run(t, "import", "revenue", "--db", db, filepath.Join(dir, "revenue.csv"))
	if code != 0 || !strings.Contains(stdout, fmt.Sprintf("imported %d", 1500000)) {
		t.Errorf("import after kill: %d %s %s", code, stdout, stderr)
	}
}
