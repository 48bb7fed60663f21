package crm

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors callers test for with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)

// ValidationError lists the problems a user can fix, as field → message key.
// The web and API adapters translate the keys; the domain never formats text
// for people.
type ValidationError struct {
	Fields map[string]string
}

// Add records a problem with field; the first problem of a field wins.
func (e *ValidationError) Add(field, key string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = key
	}
}

// OrNil returns e when it holds problems and nil otherwise, so validators end
// with `return v.OrNil()`.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return fmt.Sprintf("invalid input: %s", strings.Join(parts, "; "))
}
