// Package route registers HTTP routes together with the permission each
// needs, so that no route exists without an access rule and a test can walk
// them all for every role (internal/server's access test).
package route

import (
	"net/http"

	"kam/internal/crm"
)

// Rule is one registered route and the permission it needs.
type Rule struct {
	Pattern string
	Perm    crm.Permission
}

// Mux wraps an http.ServeMux: every route goes through Handle, which records
// its rule and puts Guard in front of its handler.
type Mux struct {
	mux   *http.ServeMux
	rules []Rule
	// Guard checks perm before h runs (the web pages redirect to sign-in,
	// the API answers 401 or 403).
	Guard func(perm crm.Permission, h http.Handler) http.Handler
}

// New returns a Mux over mux with guard.
func New(mux *http.ServeMux, guard func(crm.Permission, http.Handler) http.Handler) *Mux {
	return &Mux{mux: mux, Guard: guard}
}

// Handle registers h for pattern, behind perm.
func (m *Mux) Handle(pattern string, perm crm.Permission, h http.Handler) {
	m.rules = append(m.rules, Rule{Pattern: pattern, Perm: perm})
	m.mux.Handle(pattern, m.Guard(perm, h))
}

// Rules lists every route registered so far, in registration order.
func (m *Mux) Rules() []Rule { return append([]Rule(nil), m.rules...) }
