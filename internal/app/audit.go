package app

import (
	"encoding/json"
	"fmt"
	"time"

	"kam/internal/store"
)

// audit builds an audit entry with before and after as JSON.
func audit(at time.Time, actor, action, entity string, id any, before, after any) store.AuditEntry {
	e := store.AuditEntry{At: at, Actor: actor, Action: action, Entity: entity, EntityID: fmt.Sprint(id)}
	if before != nil {
		b, _ := json.Marshal(before)
		e.Before = string(b)
	}
	if after != nil {
		b, _ := json.Marshal(after)
		e.After = string(b)
	}
	return e
}
