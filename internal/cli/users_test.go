package cli_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kam/internal/cli"
	"kam/internal/store/storetest"
	"kam/internal/web"
)

// runIn runs kam in-process with stdin.
func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), cli.Env{Args: args, Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: english})
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	db := storetest.DSN(t)
	if code, _, errb := runIn(t, "", "user", "create", "--admin", "--db", db, "--email", "root@test.example", "--name", "Root"); code != 2 ||
		!strings.Contains(errb, "--password-stdin") {
		t.Errorf("without a password and no terminal: %d %s", code, errb)
	}
	if code, _, errb := runIn(t, "short\n", "user", "create", "--admin", "--db", db, "--email", "root@test.example", "--name", "Root", "--password-stdin"); code != 1 ||
		!strings.Contains(errb, "password") {
		t.Errorf("a short password: %d %s", code, errb)
	}
	code, out, errb := runIn(t, "a long passphrase\n", "user", "create", "--admin", "--db", db, "--email", "Root@Test.example", "--name", "Root", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created administrator Root <root@test.example>") {
		t.Fatalf("kam user create: %d %s %s", code, out, errb)
	}
	if code, _, errb := runIn(t, "", "user", "create", "--db", db, "--email", "x@test.example", "--name", "X"); code != 2 || !strings.Contains(errb, "--admin") {
		t.Errorf("without --admin: %d %s", code, errb)
	}
	code, out, _ = runIn(t, "", "user", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "root@test.example") || !strings.Contains(out, "Administrator") {
		t.Errorf("kam user list: %d\n%s", code, out)
	}
	if code, out, errb := runIn(t, "another long passphrase\n", "user", "password", "--db", db, "--email", "root@test.example", "--password-stdin"); code != 0 {
		t.Errorf("kam user password: %d %s %s", code, out, errb)
	}
	if code, _, errb := runIn(t, "x\n", "user", "password", "--db", db, "--email", "nobody@test.example", "--password-stdin"); code != 1 || !strings.Contains(errb, "nobody@test.example") {
		t.Errorf("password of nobody: %d %s", code, errb)
	}
	if code, _, _ := runIn(t, "", "user", "fly", "--db", db); code != 2 {
		t.Errorf("unknown subcommand: %d", code)
	}
}

// serve starts kam serve on db and returns its base URL; it stops with the test.
func serve(t *testing.T, db string, args ...string) (string, *syncBuf) {
	t.Helper()
	var out syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		done <- cli.Main(ctx, cli.Env{Args: append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, args...),
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: english,
			Ready: func(addr string) { ready <- addr }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("kam serve did not stop")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr, &out
	case code := <-done:
		t.Fatalf("kam serve exited with %d: %s", code, out.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("kam serve did not start: %s", out.String())
	}
	return "", nil
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestTwoServersShareSessions runs two kam serve on one database (on
// PostgreSQL with KAM_TEST_POSTGRES_URL, as behind a load balancer): a
// session made on one works on the other, and a sign-out on the other ends it
// on both.
func TestTwoServersShareSessions(t *testing.T) {
	db := storetest.DSN(t)
	if code, out, errb := runIn(t, "a long passphrase\n", "user", "create", "--admin", "--db", db, "--email", "root@test.example", "--name", "Root", "--password-stdin"); code != 0 {
		t.Fatalf("kam user create: %s %s", out, errb)
	}
	one, log1 := serve(t, db)
	two, _ := serve(t, db, "--addr", "127.0.0.1:0")
	if !strings.Contains(log1.String(), "Every page but sign-in needs a signed-in person") {
		t.Errorf("kam serve does not say that sign-in is needed:\n%s", log1.String())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(one+"/signin", url.Values{"email": {"root@test.example"}, "password": {"a long passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookie {
			cookie = c
		}
	}
	if res.StatusCode != http.StatusSeeOther || cookie == nil {
		t.Fatalf("sign-in on the first server: %d, cookie %v", res.StatusCode, cookie)
	}
	get := func(base, path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.AddCookie(cookie)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(two, "/me"); code != http.StatusOK {
		t.Fatalf("the session of the first server on the second: %d", code)
	}
	req, _ := http.NewRequest("POST", two+"/signout", nil)
	req.AddCookie(cookie)
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out on the second server: %v %v", res, err)
	}
	if code := get(one, "/me"); code != http.StatusSeeOther {
		t.Errorf("after sign-out on the second server, the first answers %d", code)
	}
}

func TestImportPeopleCLI(t *testing.T) {
	db := storetest.DSN(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "people.csv")
	os.WriteFile(good, []byte("姓名,邮箱,部门,部门类型,角色\n陈总,chen@test.example,管理层,管理层,高管\n"), 0o644)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("姓名,邮箱,角色\n陈总,chen@test.example,国王\n"), 0o644)
	if code, _, errb := runIn(t, "", "import", "people", "--db", db, bad); code != 1 ||
		!strings.Contains(errb, `row 2, column "角色": Choose a role. "国王"`) || !strings.Contains(errb, "nothing was imported") {
		t.Errorf("bad file: %d\n%s", code, errb)
	}
	if code, out, errb := runIn(t, "", "import", "people", "--db", db, "--dry-run", good); code != 0 || !strings.Contains(out, "dry run: would import 1 people (1 new") {
		t.Errorf("dry run: %d %s %s", code, out, errb)
	}
	if code, out, errb := runIn(t, "", "import", "people", "--db", db, good); code != 0 || !strings.Contains(out, "imported 1 people (1 new, 0 updated), 1 new departments") {
		t.Errorf("import: %d %s %s", code, out, errb)
	}
	if _, out, _ := runIn(t, "", "user", "list", "--db", db); !strings.Contains(out, "Executive") {
		t.Errorf("after the import:\n%s", out)
	}
}

func TestSettingsGatesCLI(t *testing.T) {
	db := storetest.DSN(t)
	code, out, errb := runIn(t, "", "settings", "set", "--db", db, "--handover-days", "21", "--gates", "manager_confirms_loss=off", "--note", "faster handovers")
	if code != 0 || !strings.Contains(out, "configuration version 1") || !strings.Contains(out, `"handover_days": 21`) || !strings.Contains(out, `"manager_confirms_loss": false`) {
		t.Fatalf("settings set: %d\n%s\n%s", code, out, errb)
	}
	if code, _, errb := runIn(t, "", "settings", "set", "--db", db, "--gates", "binding_score=on"); code != 1 || !strings.Contains(errb, "gates") {
		t.Errorf("a gate of a missing module: %d %s", code, errb)
	}
	if code, _, errb := runIn(t, "", "settings", "set", "--db", db, "--gates", "contract_signed=maybe"); code != 2 {
		t.Errorf("a gate neither on nor off: %d %s", code, errb)
	}
}
