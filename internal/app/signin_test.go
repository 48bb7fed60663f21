package app_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/store/storetest"
)

// clock is a settable time for the sign-in tests.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func authApp(t *testing.T) (*app.App, *clock, *store.Store) {
	t.Helper()
	s := storetest.New(t)
	c := newClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	return app.New(s, app.Options{Now: c.now, Auth: apptest.FastAuth}), c, s
}

// TestPasswordHash checks the stored form: argon2id with the configured
// cost, a random salt (two hashes of one password differ), and that only
// the right password verifies, also with the production cost.
func TestPasswordHash(t *testing.T) {
	a := app.New(storetest.New(t), app.Options{})
	h1, err := a.HashPassword("a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := a.HashPassword("a long passphrase")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want argon2id with OWASP's parameters", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if strings.Contains(h1, "passphrase") {
		t.Error("the hash contains the password")
	}
	ctx := context.Background()
	p, err := a.CreateAdmin(ctx, crm.Person{Name: "Root", Email: "root@test.example"}, "a long passphrase", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.SignIn(ctx, "ROOT@test.example ", "a long passphrase", "192.0.2.9", "t"); err != nil {
		t.Errorf("sign in with the right password (e-mail in other case): %v", err)
	}
	if _, _, err := a.SignIn(ctx, p.Email, "a long passphrasE", "192.0.2.9", "t"); !errors.Is(err, app.ErrBadCredentials) {
		t.Errorf("wrong password: %v, want ErrBadCredentials", err)
	}
}

func TestSessions(t *testing.T) {
	a, c, s := authApp(t)
	ctx := context.Background()
	p := apptest.Person(t, a, crm.RoleMember, crm.Person{})

	// A new session ID at every sign-in (no fixation), each stored hashed.
	t1 := apptest.Session(t, a, p)
	t2 := apptest.Session(t, a, p)
	if t1 == t2 || len(t1) < 40 {
		t.Fatalf("session tokens %q and %q: want two long random ones", t1, t2)
	}
	if _, err := s.SessionByHash(ctx, t1); err == nil {
		t.Error("the session is stored under its clear value")
	}
	pr, err := a.SessionPrincipal(ctx, t1, "192.0.2.1")
	if err != nil || pr.PersonID != p.ID || pr.Role != crm.RoleMember {
		t.Fatalf("SessionPrincipal = %+v, %v", pr, err)
	}
	if _, err := a.SessionPrincipal(ctx, t1+"x", ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("a made-up session: %v", err)
	}

	// Sign-out ends that session only.
	if err := a.SignOut(app.WithPrincipal(ctx, pr)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionPrincipal(ctx, t1, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("after sign-out: %v", err)
	}
	if _, err := a.SessionPrincipal(ctx, t2, ""); err != nil {
		t.Errorf("the other session ended too: %v", err)
	}

	// Idle for 12 hours: ended; used within, kept (the default idle limit).
	c.add(11 * time.Hour)
	if _, err := a.SessionPrincipal(ctx, t2, ""); err != nil {
		t.Fatalf("after 11 idle hours: %v", err)
	}
	c.add(11 * time.Hour)
	if _, err := a.SessionPrincipal(ctx, t2, ""); err != nil {
		t.Fatalf("used 11 hours ago: %v", err)
	}
	c.add(12 * time.Hour)
	if _, err := a.SessionPrincipal(ctx, t2, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("after 12 idle hours: %v", err)
	}

	// Seven days at most, however busy.
	t3 := apptest.Session(t, a, p)
	for i := 0; i < 7*24/6; i++ {
		c.add(6 * time.Hour)
		if _, err := a.SessionPrincipal(ctx, t3, ""); err != nil {
			if i < 7*24/6-1 {
				t.Fatalf("after %d hours: %v", (i+1)*6, err)
			}
		}
	}
	if _, err := a.SessionPrincipal(ctx, t3, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("after seven days: %v", err)
	}

	// Sign-out everywhere, and a deactivated person is out at once.
	t4, t5 := apptest.Session(t, a, p), apptest.Session(t, a, p)
	n, err := a.SignOutEverywhere(apptest.Context(p), p.ID)
	if err != nil || n != 2 {
		t.Errorf("SignOutEverywhere = %d, %v; want 2", n, err)
	}
	for _, tok := range []string{t4, t5} {
		if _, err := a.SessionPrincipal(ctx, tok, ""); !errors.Is(err, app.ErrSignedOut) {
			t.Errorf("after sign-out everywhere: %v", err)
		}
	}
	other := apptest.Person(t, a, crm.RoleMember, crm.Person{})
	if _, err := a.SignOutEverywhere(apptest.Context(p), other.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a member signing out another person: %v, want forbidden", err)
	}
	t6 := apptest.Session(t, a, p)
	p.Active = false
	if _, err := a.SavePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionPrincipal(ctx, t6, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("a deactivated person's session: %v", err)
	}
	if _, _, err := a.SignIn(ctx, p.Email, apptest.Password, "", ""); !errors.Is(err, app.ErrBadCredentials) {
		t.Errorf("a deactivated person signs in: %v", err)
	}
}

func TestThrottle(t *testing.T) {
	a, c, _ := authApp(t)
	ctx := context.Background()
	p := apptest.Person(t, a, crm.RoleMember, crm.Person{})
	for i := 0; i < 5; i++ {
		if _, _, err := a.SignIn(ctx, p.Email, "wrong password", "198.51.100.7", ""); !errors.Is(err, app.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		c.add(time.Second)
	}
	// The sixth attempt is refused without looking at the password, even
	// the right one, from any address.
	_, _, err := a.SignIn(ctx, p.Email, apptest.Password, "203.0.113.5", "")
	var te *app.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("after 5 failures: %v, want ThrottledError", err)
	}
	if want := c.now().Add(-time.Second).Add(15 * time.Minute); !te.Until.Equal(want) {
		t.Errorf("paused until %v, want %v", te.Until, want)
	}
	// Others are not locked out by it.
	q := apptest.Person(t, a, crm.RoleMember, crm.Person{})
	if _, _, err := a.SignIn(ctx, q.Email, apptest.Password, "198.51.100.7", ""); err != nil {
		t.Errorf("another person: %v", err)
	}
	c.add(16 * time.Minute)
	if _, _, err := a.SignIn(ctx, p.Email, apptest.Password, "198.51.100.7", ""); err != nil {
		t.Errorf("after the pause: %v", err)
	}
	// A success clears the count.
	for i := 0; i < 4; i++ {
		a.SignIn(ctx, p.Email, "wrong password", "198.51.100.7", "")
	}
	if _, _, err := a.SignIn(ctx, p.Email, apptest.Password, "198.51.100.7", ""); err != nil {
		t.Errorf("four failures after a success: %v", err)
	}
	// Failures are audited, without the password.
	log, err := a.AuditLog(ctx, store.AuditFilter{Action: "signin_failed", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) < 9 {
		t.Errorf("%d failed sign-ins audited, want at least 9", len(log))
	}
	for _, e := range log {
		if strings.Contains(e.After, "wrong password") || strings.Contains(e.Before, "wrong password") {
			t.Errorf("audit entry holds the password: %+v", e)
		}
	}
}

func TestTokens(t *testing.T) {
	a, c, s := authApp(t)
	ctx := context.Background()
	p := apptest.Person(t, a, crm.RoleManager, crm.Person{})
	pctx := apptest.Context(p)
	tok, rec, err := a.CreateToken(pctx, "report script", 30)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "kam_") || rec.Hint != tok[len(tok)-4:] {
		t.Errorf("token %q hint %q", tok, rec.Hint)
	}
	if _, err := s.APITokenByHash(ctx, tok); err == nil {
		t.Error("token stored in clear")
	}
	pr, err := a.TokenPrincipal(ctx, tok, "")
	if err != nil || pr.PersonID != p.ID || pr.Scope != crm.ScopeTeam || pr.Via != "token" {
		t.Fatalf("TokenPrincipal = %+v, %v", pr, err)
	}
	list, err := a.Tokens(pctx)
	if err != nil || len(list) != 1 || list[0].LastUsedAt.IsZero() {
		t.Errorf("Tokens = %+v, %v; want one, used", list, err)
	}
	// Another person cannot revoke it.
	q := apptest.Person(t, a, crm.RoleAdmin, crm.Person{})
	if err := a.RevokeToken(apptest.Context(q), rec.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("someone else revokes: %v, want not found", err)
	}
	// Expired after its days.
	c.add(31 * 24 * time.Hour)
	if _, err := a.TokenPrincipal(ctx, tok, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("expired token: %v", err)
	}
	// Revoked.
	tok2, rec2, err := a.CreateToken(pctx, "forever", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeToken(pctx, rec2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TokenPrincipal(ctx, tok2, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("revoked token: %v", err)
	}
	if _, err := a.TokenPrincipal(ctx, "kam_nonsense", ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("made-up token: %v", err)
	}
	if _, _, err := a.CreateToken(pctx, "", 0); err == nil {
		t.Error("a token without a name")
	}
	if _, _, err := a.CreateToken(ctx, "system", 0); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a token for nobody: %v", err)
	}
}

func TestPasswordChange(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	p := apptest.Person(t, a, crm.RoleMember, crm.Person{Name: "Lin"})
	keep, drop := apptest.Session(t, a, p), apptest.Session(t, a, p)
	pr, err := a.SessionPrincipal(ctx, keep, "")
	if err != nil {
		t.Fatal(err)
	}
	me := app.WithPrincipal(ctx, pr)
	for _, c := range []struct{ current, next, field string }{
		{"not the password", "a new long passphrase", "current"},
		{apptest.Password, "short", "password"},
		{apptest.Password, p.Email, "password"},
	} {
		var ve *crm.ValidationError
		if err := a.SetPassword(me, p.ID, c.current, c.next); !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("SetPassword(%q, %q) = %v, want a problem with %s", c.current, c.next, err, c.field)
		}
	}
	if err := a.SetPassword(me, p.ID, apptest.Password, "a new long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionPrincipal(ctx, keep, ""); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, err := a.SessionPrincipal(ctx, drop, ""); !errors.Is(err, app.ErrSignedOut) {
		t.Errorf("another session survived the password change: %v", err)
	}
	if _, _, err := a.SignIn(ctx, p.Email, "a new long passphrase", "", ""); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// A member cannot set someone else's password; an administrator can.
	q := apptest.Person(t, a, crm.RoleMember, crm.Person{})
	if err := a.SetPassword(me, q.ID, "", "another long passphrase"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("member sets another's password: %v", err)
	}
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{})
	if err := a.SetPassword(apptest.Context(admin), q.ID, "", "another long passphrase"); err != nil {
		t.Errorf("administrator resets: %v", err)
	}
}

// TestFirstRun: the first administrator can be created once, through the
// first-run path, and never again that way.
func TestFirstRun(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	if setup, err := a.NeedsSetup(ctx); err != nil || !setup {
		t.Fatalf("NeedsSetup = %v, %v on an empty database", setup, err)
	}
	if _, err := a.CreateAdmin(ctx, crm.Person{Name: "A", Email: "a@test.example"}, "short", true); err == nil {
		t.Error("a short password was accepted")
	}
	done := make(chan error, 2)
	for _, email := range []string{"first@test.example", "second@test.example"} {
		go func() {
			_, err := a.CreateAdmin(ctx, crm.Person{Name: "Admin", Email: email}, "a long passphrase", true)
			done <- err
		}()
	}
	var ok, refused int
	for range 2 {
		switch err := <-done; {
		case err == nil:
			ok++
		case errors.Is(err, app.ErrSetupDone):
			refused++
		default:
			t.Errorf("CreateAdmin: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Errorf("two first runs at once: %d succeeded, %d refused; want 1 and 1", ok, refused)
	}
	if setup, _ := a.NeedsSetup(ctx); setup {
		t.Error("NeedsSetup after the first administrator")
	}
}

// TestScopes checks who sees whose accounts: own, team (with reports),
// department, all.
func TestScopes(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	sales, _ := a.SaveDepartment(ctx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	svc, _ := a.SaveDepartment(ctx, crm.Department{Name: "客服部", Kind: crm.DeptCustomerService})
	east, _ := a.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华东"})
	south, _ := a.SaveTeam(ctx, crm.Team{DepartmentID: sales.ID, Name: "华南"})
	head := apptest.Person(t, a, crm.RoleDeptHead, crm.Person{DepartmentID: sales.ID})
	mgr := apptest.Person(t, a, crm.RoleManager, crm.Person{DepartmentID: sales.ID, TeamID: east.ID, ManagerID: head.ID})
	rep1 := apptest.Person(t, a, crm.RoleMember, crm.Person{DepartmentID: sales.ID, TeamID: east.ID, ManagerID: mgr.ID})
	rep2 := apptest.Person(t, a, crm.RoleMember, crm.Person{DepartmentID: sales.ID, TeamID: south.ID, ManagerID: mgr.ID})
	rep3 := apptest.Person(t, a, crm.RoleMember, crm.Person{DepartmentID: sales.ID, TeamID: south.ID})
	lead := apptest.Person(t, a, crm.RoleMember, crm.Person{DepartmentID: svc.ID})
	exec := apptest.Person(t, a, crm.RoleExecutive, crm.Person{})
	for _, c := range []struct {
		p    crm.Person
		sees []crm.Person
		not  []crm.Person
	}{
		{rep1, []crm.Person{rep1}, []crm.Person{rep2, mgr, lead}},
		// The manager's team, and rep2 who reports to the manager from another team.
		{mgr, []crm.Person{mgr, rep1, rep2}, []crm.Person{rep3, head, lead}},
		{head, []crm.Person{head, mgr, rep1, rep2, rep3}, []crm.Person{lead}},
	} {
		sc, err := a.Scope(apptest.Context(c.p))
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range c.sees {
			if !sc.Has(q.ID, 0) || !sc.Has(0, q.ID) {
				t.Errorf("%s (%s) does not see %s's accounts", c.p.Name, c.p.Scope, q.Name)
			}
		}
		for _, q := range c.not {
			if sc.Has(q.ID, 0) {
				t.Errorf("%s (%s) sees %s's accounts", c.p.Name, c.p.Scope, q.Name)
			}
		}
		if sc.Has(0, 0) {
			t.Errorf("%s sees accounts nobody owns", c.p.Name)
		}
	}
	sc, _ := a.Scope(apptest.Context(exec))
	if !sc.All || !sc.Has(0, 0) {
		t.Errorf("an executive's scope: %+v", sc)
	}
	sc, _ = a.Scope(app.Anonymous(ctx, ""))
	if sc.All || sc.Has(rep1.ID, rep1.ID) {
		t.Errorf("an anonymous visitor's scope: %+v", sc)
	}
}

// TestPeopleRules: links must exist and make sense, and every change,
// permission changes by name, is in the audit log with before and after.
func TestPeopleRules(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := context.Background()
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{})
	actx := apptest.Context(admin)
	d1, _ := a.SaveDepartment(actx, crm.Department{Name: "市场部", Kind: crm.DeptMarketing})
	d2, _ := a.SaveDepartment(actx, crm.Department{Name: "销售部", Kind: crm.DeptSales})
	t2, _ := a.SaveTeam(actx, crm.Team{DepartmentID: d2.ID, Name: "华北"})
	boss := apptest.Person(t, a, crm.RoleManager, crm.Person{DepartmentID: d2.ID})
	bad := []struct {
		p     crm.Person
		field string
	}{
		{crm.Person{Name: "X", Email: "not an address", Role: crm.RoleMember}, "email"},
		{crm.Person{Name: "", Email: "x@test.example", Role: crm.RoleMember}, "name"},
		{crm.Person{Name: "X", Email: "x@test.example", Role: "KING"}, "role"},
		{crm.Person{Name: "X", Email: "x@test.example", Role: crm.RoleMember, Scope: "WORLD"}, "scope"},
		{crm.Person{Name: "X", Email: "x@test.example", Role: crm.RoleMember, DepartmentID: d1.ID, TeamID: t2.ID}, "team"},
		{crm.Person{Name: "X", Email: "x@test.example", Role: crm.RoleMember, ManagerID: 999999}, "manager"},
		{crm.Person{Name: "X", Email: "x@test.example", Role: crm.RoleMember, Track: "NIGHT"}, "track"},
	}
	for _, c := range bad {
		var ve *crm.ValidationError
		if _, err := a.SavePerson(actx, c.p); !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("SavePerson(%+v) = %v, want a problem with %s", c.p, err, c.field)
		}
	}
	if _, err := a.SavePerson(actx, crm.Person{Name: "Dup", Email: strings.ToUpper(boss.Email), Role: crm.RoleMember}); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("duplicate e-mail: %v", err)
	}
	// A loop in the reporting lines.
	boss.ManagerID = 0
	rep := apptest.Person(t, a, crm.RoleMember, crm.Person{DepartmentID: d2.ID, ManagerID: boss.ID})
	boss, _ = a.Person(actx, boss.ID)
	boss.ManagerID = rep.ID
	var ve *crm.ValidationError
	if _, err := a.SavePerson(actx, boss); !errors.As(err, &ve) || ve.Fields["manager"] != "error.person.manager_cycle" {
		t.Errorf("manager loop: %v", err)
	}
	// Stale version.
	rep2 := rep
	rep.Phone = "1"
	if _, err := a.SavePerson(actx, rep); err != nil {
		t.Fatal(err)
	}
	rep2.Phone = "2"
	if _, err := a.SavePerson(actx, rep2); !errors.Is(err, crm.ErrConflict) {
		t.Errorf("stale save: %v, want conflict", err)
	}
	// Members cannot manage people; an administrator cannot demote themselves.
	if _, err := a.SavePerson(apptest.Context(rep), crm.Person{Name: "Y", Email: "y@test.example", Role: crm.RoleAdmin}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("member creates an admin: %v", err)
	}
	admin, _ = a.Person(actx, admin.ID)
	admin.Role = crm.RoleMember
	if _, err := a.SavePerson(actx, admin); !errors.As(err, &ve) || ve.Fields["role"] != "error.person.self_demote" {
		t.Errorf("self-demotion: %v", err)
	}
	// A role change is a permission change in the log, with before and after.
	rep, _ = a.Person(actx, rep.ID)
	rep.Role = crm.RoleManager
	rep.Scope = crm.ScopeTeam
	if _, err := a.SavePerson(actx, rep); err != nil {
		t.Fatal(err)
	}
	log, err := a.AuditLog(actx, store.AuditFilter{Action: "permission_change", Limit: 10})
	if err != nil || len(log) != 1 {
		t.Fatalf("permission changes = %+v, %v", log, err)
	}
	e := log[0]
	if e.ActorID != admin.ID || !strings.Contains(e.Before, `"MEMBER"`) || !strings.Contains(e.After, `"MANAGER"`) {
		t.Errorf("audit entry %+v: want the admin, MEMBER before and MANAGER after", e)
	}
	if _, err := a.AuditLog(apptest.Context(rep), store.AuditFilter{}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a manager reads the audit log: %v", err)
	}
	// The log is append-only: the database refuses changes.
	s := a.Store()
	if err := s.Exec(ctx, `UPDATE audit_log SET actor = 'nobody'`); err == nil {
		t.Error("an audit entry was changed")
	}
	if err := s.Exec(ctx, `DELETE FROM audit_log`); err == nil {
		t.Error("audit entries were deleted")
	}
}
