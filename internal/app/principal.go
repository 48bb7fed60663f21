package app

import (
	"context"
	"slices"

	"kam/internal/crm"
	"kam/internal/store"
)

// Principal is who is asking: a signed-in person (by session or API token),
// an anonymous visitor of a public page, or the system (the command line and
// background work, which run with every right).
type Principal struct {
	PersonID     int64
	Name         string
	Email        string
	Role         string
	Scope        string
	DepartmentID int64
	TeamID       int64
	Via          string // "password", "oidc", "token"; "" for the system
	IP           string
	Anonymous    bool
	TokenID      int64  // the API token used, if any
	SessionHash  string // the session used, if any
}

// Label names the principal in the audit log.
func (p Principal) Label() string {
	switch {
	case p.Anonymous:
		return "anonymous"
	case p.PersonID == 0:
		return "system"
	}
	return p.Name + " <" + p.Email + ">"
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p; the audit entries written under it
// name p and its address.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	return store.WithOrigin(ctx, store.Origin{ActorID: p.PersonID, Actor: p.Label(), IP: p.IP})
}

// Anonymous returns ctx for a visitor who has not signed in: no rights
// beyond the public pages.
func Anonymous(ctx context.Context, ip string) context.Context {
	return WithPrincipal(ctx, Principal{Anonymous: true, IP: ip})
}

// PrincipalFrom returns the principal of ctx. A context without one is the
// system's: the command line and background work.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	return Principal{Role: crm.RoleAdmin, Scope: crm.ScopeAll}
}

// Allow returns crm.ErrForbidden unless the principal of ctx has perm.
func Allow(ctx context.Context, perm crm.Permission) error {
	p := PrincipalFrom(ctx)
	switch {
	case perm == crm.PermPublic:
		return nil
	case p.Anonymous:
		return crm.ErrForbidden
	case crm.Can(p.Role, perm):
		return nil
	}
	return crm.ErrForbidden
}

// Scope is the set of people whose accounts the principal sees; All means
// no limit.
type Scope struct {
	All    bool
	People []int64 // sorted
}

// Has reports whether an account owned by owner with sales rep rep is in scope.
func (s Scope) Has(owner, rep int64) bool {
	if s.All {
		return true
	}
	_, a := slices.BinarySearch(s.People, owner)
	_, b := slices.BinarySearch(s.People, rep)
	return (a && owner != 0) || (b && rep != 0)
}

// Filter returns the store filter of the scope (nil: everything).
func (s Scope) Filter() []int64 {
	if s.All {
		return nil
	}
	if s.People == nil {
		return []int64{}
	}
	return s.People
}

// Scope resolves the data scope of the principal of ctx.
func (a *App) Scope(ctx context.Context) (Scope, error) {
	p := PrincipalFrom(ctx)
	if p.Anonymous {
		return Scope{}, nil
	}
	if p.PersonID == 0 || p.Scope == crm.ScopeAll {
		return Scope{All: true}, nil
	}
	people := []int64{p.PersonID}
	switch p.Scope {
	case crm.ScopeTeam:
		if p.TeamID != 0 {
			ids, err := a.store.PeopleIDs(ctx, p.TeamID, 0)
			if err != nil {
				return Scope{}, err
			}
			people = append(people, ids...)
		}
		// … and everyone who reports to the person, directly or not.
		links, err := a.store.ManagerLinks(ctx)
		if err != nil {
			return Scope{}, err
		}
		people = append(people, reportsOf(links, p.PersonID)...)
	case crm.ScopeDepartment:
		if p.DepartmentID != 0 {
			ids, err := a.store.PeopleIDs(ctx, 0, p.DepartmentID)
			if err != nil {
				return Scope{}, err
			}
			people = append(people, ids...)
		}
	}
	slices.Sort(people)
	return Scope{People: slices.Compact(people)}, nil
}

// reportsOf lists everyone below manager in the reporting lines.
func reportsOf(managerOf map[int64]int64, manager int64) []int64 {
	children := map[int64][]int64{}
	for id, m := range managerOf {
		if m != 0 {
			children[m] = append(children[m], id)
		}
	}
	var out []int64
	seen := map[int64]bool{manager: true}
	queue := []int64{manager}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, c := range children[m] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
				queue = append(queue, c)
			}
		}
	}
	return out
}

// ForReading marks ctx as the context of a request that changes nothing
// (GET, HEAD): the versions the caches depend on are then read once for
// the whole request, with the sign-in's query (store.WithSnapshot).
func ForReading(ctx context.Context) context.Context { return store.WithSnapshot(ctx) }
