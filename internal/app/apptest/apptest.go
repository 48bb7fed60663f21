// Package apptest signs people in for the tests of the adapters (web, api,
// server, cli): real people, real sessions and tokens in the test's store,
// with password hashing made cheap.
package apptest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"kam/internal/app"
	"kam/internal/crm"
)

// FastAuth is the production sign-in with a cheap argon2id cost: tests sign
// in hundreds of times, under the race detector.
var FastAuth = app.AuthOptions{Argon: app.ArgonParams{MemoryKiB: 64, Time: 1, Threads: 1}}

// Password is the password of every person Person creates.
const Password = "correct horse battery staple"

var seq atomic.Int64

// Person creates an active person with role (and that role's default scope
// unless p.Scope is set) and Password. Fields of p other than the role
// are kept; an empty name or e-mail address gets a unique one.
func Person(t testing.TB, a *app.App, role string, p crm.Person) crm.Person {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	if p.Name == "" {
		p.Name = fmt.Sprintf("%s %d", role, n)
	}
	if p.Email == "" {
		p.Email = fmt.Sprintf("%s.%d@test.example", role, n)
	}
	p.Role, p.Active = role, true
	if p.Scope == "" {
		p.Scope = crm.DefaultScope(role)
	}
	saved, err := a.SavePerson(ctx, p)
	if err != nil {
		t.Fatalf("apptest: create %s: %v", role, err)
	}
	if err := a.SetPassword(ctx, saved.ID, "", Password); err != nil {
		t.Fatalf("apptest: password of %s: %v", saved.Email, err)
	}
	saved.HasPassword = true
	return saved
}

// Session signs p in and returns the session cookie's value.
func Session(t testing.TB, a *app.App, p crm.Person) string {
	t.Helper()
	token, _, err := a.SignIn(context.Background(), p.Email, Password, "192.0.2.1", "apptest")
	if err != nil {
		t.Fatalf("apptest: sign in %s: %v", p.Email, err)
	}
	return token
}

// Token makes an API token of p.
func Token(t testing.TB, a *app.App, p crm.Person) string {
	t.Helper()
	ctx := app.WithPrincipal(context.Background(), app.Principal{PersonID: p.ID, Name: p.Name, Email: p.Email,
		Role: p.Role, Scope: p.Scope, DepartmentID: p.DepartmentID, TeamID: p.TeamID})
	token, _, err := a.CreateToken(ctx, "apptest", 0)
	if err != nil {
		t.Fatalf("apptest: token of %s: %v", p.Email, err)
	}
	return token
}

// Context returns a context in which p is signed in.
func Context(p crm.Person) context.Context {
	return app.WithPrincipal(context.Background(), app.Principal{PersonID: p.ID, Name: p.Name, Email: p.Email,
		Role: p.Role, Scope: p.Scope, DepartmentID: p.DepartmentID, TeamID: p.TeamID, Via: "password"})
}
