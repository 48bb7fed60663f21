package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
)

// Departments lists the departments.
func (a *App) Departments(ctx context.Context) ([]crm.Department, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	return a.store.Departments(ctx)
}

// Department returns one department.
func (a *App) Department(ctx context.Context, id int64) (crm.Department, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return crm.Department{}, err
	}
	return a.store.Department(ctx, id)
}

// SaveDepartment creates (ID 0) or updates a department.
func (a *App) SaveDepartment(ctx context.Context, d crm.Department) (crm.Department, error) {
	if err := Allow(ctx, crm.PermManagePeople); err != nil {
		return d, err
	}
	d.Normalize()
	if err := d.Validate(); err != nil {
		return d, err
	}
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		var before any
		action := "create"
		if d.ID != 0 {
			old, err := tx.Department(ctx, d.ID)
			if err != nil {
				return err
			}
			before, action = old, "update"
		}
		id, err := tx.SaveDepartment(ctx, d, a.now())
		if err != nil {
			return err
		}
		if d, err = tx.Department(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", action, "department", id, before, d))
	})
	return d, err
}

// Teams lists the teams.
func (a *App) Teams(ctx context.Context) ([]crm.Team, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	return a.store.Teams(ctx)
}

// Team returns one team.
func (a *App) Team(ctx context.Context, id int64) (crm.Team, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return crm.Team{}, err
	}
	return a.store.Team(ctx, id)
}

// SaveTeam creates (ID 0) or updates a team.
func (a *App) SaveTeam(ctx context.Context, t crm.Team) (crm.Team, error) {
	if err := Allow(ctx, crm.PermManagePeople); err != nil {
		return t, err
	}
	t.Normalize()
	if err := t.Validate(); err != nil {
		return t, err
	}
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.Department(ctx, t.DepartmentID); errors.Is(err, crm.ErrNotFound) {
			return &crm.ValidationError{Fields: map[string]string{"department": "error.team.department"}}
		} else if err != nil {
			return err
		}
		var before any
		action := "create"
		if t.ID != 0 {
			old, err := tx.Team(ctx, t.ID)
			if err != nil {
				return err
			}
			before, action = old, "update"
		}
		id, err := tx.SaveTeam(ctx, t, a.now())
		if err != nil {
			return err
		}
		if t, err = tx.Team(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", action, "team", id, before, t))
	})
	return t, err
}

// People lists people of the directory.
func (a *App) People(ctx context.Context, f store.PeopleFilter) ([]crm.Person, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return nil, err
	}
	return a.store.People(ctx, f)
}

// Person returns one person.
func (a *App) Person(ctx context.Context, id int64) (crm.Person, error) {
	if err := Allow(ctx, crm.PermRead); err != nil {
		return crm.Person{}, err
	}
	return a.store.Person(ctx, id)
}

// Me returns the signed-in person of ctx.
func (a *App) Me(ctx context.Context) (crm.Person, error) {
	p := PrincipalFrom(ctx)
	if p.PersonID == 0 {
		return crm.Person{}, crm.ErrNotFound
	}
	return a.store.Person(ctx, p.PersonID)
}

// SavePerson creates (ID 0) or updates a person. A change of role, scope or
// active state is recorded as a permission change; a person made inactive
// is signed out everywhere and their tokens are revoked.
func (a *App) SavePerson(ctx context.Context, p crm.Person) (crm.Person, error) {
	if err := Allow(ctx, crm.PermManagePeople); err != nil {
		return p, err
	}
	return a.savePerson(ctx, p)
}

func (a *App) savePerson(ctx context.Context, p crm.Person) (crm.Person, error) {
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	me := PrincipalFrom(ctx)
	err := a.store.InTx(ctx, func(tx *store.Store) error {
		if err := a.checkPersonLinks(ctx, tx, p); err != nil {
			return err
		}
		var before crm.Person
		action := "create"
		if p.ID != 0 {
			var err error
			if before, err = tx.Person(ctx, p.ID); err != nil {
				return err
			}
			action = "update"
			if before.Role != p.Role || before.Scope != p.Scope || before.Active != p.Active {
				action = "permission_change"
			}
			// Nobody locks the last way in: an administrator cannot demote
			// or deactivate themselves.
			if p.ID == me.PersonID && (p.Role != crm.RoleAdmin || !p.Active) && before.Role == crm.RoleAdmin {
				return &crm.ValidationError{Fields: map[string]string{"role": "error.person.self_demote"}}
			}
		}
		id, err := tx.SavePerson(ctx, p, a.now())
		if err != nil {
			return err
		}
		if !p.Active && before.Active {
			if _, err := tx.DeleteSessionsOf(ctx, id); err != nil {
				return err
			}
			if err := tx.RevokeAPITokensOf(ctx, id, a.now()); err != nil {
				return err
			}
		}
		if p, err = tx.Person(ctx, id); err != nil {
			return err
		}
		var b any
		if action != "create" {
			b = before
		}
		return tx.Audit(ctx, audit(a.now(), "", action, "person", id, b, p))
	})
	return p, err
}

// checkPersonLinks checks that the department, team and manager exist, that
// the team belongs to the department and that the manager line has no loop.
func (a *App) checkPersonLinks(ctx context.Context, tx *store.Store, p crm.Person) error {
	var v crm.ValidationError
	if p.DepartmentID != 0 {
		if _, err := tx.Department(ctx, p.DepartmentID); errors.Is(err, crm.ErrNotFound) {
			v.Add("department", "error.person.department")
		} else if err != nil {
			return err
		}
	}
	if p.TeamID != 0 {
		t, err := tx.Team(ctx, p.TeamID)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			v.Add("team", "error.person.team")
		case err != nil:
			return err
		case t.DepartmentID != p.DepartmentID:
			v.Add("team", "error.person.team_department")
		}
	}
	if p.ManagerID != 0 {
		links, err := tx.ManagerLinks(ctx)
		if err != nil {
			return err
		}
		if _, ok := links[p.ManagerID]; !ok {
			v.Add("manager", "error.person.manager")
		} else if p.ID != 0 && crm.ManagerCycle(links, p.ID, p.ManagerID) {
			v.Add("manager", "error.person.manager_cycle")
		}
	}
	return v.OrNil()
}

// SetPassword sets the password of person id: one's own (with the current
// password) or, for an administrator, anyone's. Other sessions of that
// person end.
func (a *App) SetPassword(ctx context.Context, id int64, current, password string) error {
	me := PrincipalFrom(ctx)
	p, err := a.store.Person(ctx, id)
	if err != nil {
		return err
	}
	if id == me.PersonID && me.PersonID != 0 {
		hash, err := a.store.PasswordHash(ctx, id)
		if err != nil {
			return err
		}
		if ok, _ := a.checkPassword(hash, current); hash != "" && !ok {
			return &crm.ValidationError{Fields: map[string]string{"current": "error.password.current"}}
		}
	} else if err := Allow(ctx, crm.PermManagePeople); err != nil {
		return err
	}
	if err := crm.CheckPassword(password, p.Email, p.Name); err != nil {
		return err
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return err
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetPassword(ctx, id, hash, a.now()); err != nil {
			return err
		}
		// End the person's other sessions: whoever knew the old password
		// is out.
		sessions, err := tx.SessionsOf(ctx, id)
		if err != nil {
			return err
		}
		for _, s := range sessions {
			if s.TokenHash != me.SessionHash {
				if err := tx.DeleteSession(ctx, s.TokenHash); err != nil {
					return err
				}
			}
		}
		return tx.Audit(ctx, audit(a.now(), "", "password_change", "person", id, nil, nil))
	})
}

// SetMyLang stores the language the signed-in person reads KAM in: the
// notifications written to them from now on (inbox, e-mail) are in it.
// "" returns to the installation's default.
func (a *App) SetMyLang(ctx context.Context, lang string) error {
	me := PrincipalFrom(ctx)
	if me.PersonID == 0 {
		return crm.ErrForbidden
	}
	if lang != "" && !slices.Contains(i18n.Langs(), lang) {
		return &crm.ValidationError{Fields: map[string]string{"lang": "error.lang.unknown"}}
	}
	p, err := a.store.Person(ctx, me.PersonID)
	if err != nil {
		return err
	}
	if p.Lang == lang {
		return nil
	}
	return a.store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetPersonLang(ctx, me.PersonID, lang); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "update", "person", me.PersonID, map[string]string{"lang": p.Lang}, map[string]string{"lang": lang}))
	})
}

// NeedsSetup reports whether KAM has no user yet: the first-run page
// exists only then.
func (a *App) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := a.store.CountPeople(ctx)
	return n == 0, err
}

// ErrSetupDone: the first administrator exists already.
var ErrSetupDone = errors.New("app: KAM has users already")

// CreateAdmin creates an administrator with a password. With firstRun it
// succeeds only while KAM has no user at all (the first-run page); two
// concurrent first runs cannot both succeed.
func (a *App) CreateAdmin(ctx context.Context, p crm.Person, password string, firstRun bool) (crm.Person, error) {
	p.Role, p.Scope, p.Active = crm.RoleAdmin, crm.ScopeAll, true
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	if err := crm.CheckPassword(password, p.Email, p.Name); err != nil {
		return p, err
	}
	hash, err := a.HashPassword(password)
	if err != nil {
		return p, err
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if firstRun {
			if n, err := tx.CountPeople(ctx); err != nil {
				return err
			} else if n > 0 {
				return ErrSetupDone
			}
			// A key that only one transaction can insert.
			if err := tx.ClaimState(ctx, "first_admin", p.Email); err != nil {
				if errors.Is(err, crm.ErrConflict) {
					return ErrSetupDone
				}
				return err
			}
		}
		id, err := tx.SavePerson(ctx, p, a.now())
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, id, hash, a.now()); err != nil {
			return err
		}
		if p, err = tx.Person(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, audit(a.now(), "", "create", "person", id, nil, p))
	})
	return p, err
}

// AuditLog searches the audit log.
func (a *App) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := Allow(ctx, crm.PermAudit); err != nil {
		return nil, err
	}
	return a.store.AuditLog(ctx, f)
}

// AuditQuery is a search of the audit log as a person types it: dates as
// YYYY-MM-DD, To included.
type AuditQuery struct {
	Actor, Action, Entity, EntityID string
	From, To                        string
	Before                          int64
	Limit                           int
}

// Filter checks the query and turns it into the store's filter.
func (q AuditQuery) Filter() (store.AuditFilter, error) {
	f := store.AuditFilter{Actor: q.Actor, Action: q.Action, Entity: q.Entity, EntityID: q.EntityID, Before: q.Before, Limit: q.Limit}
	var v crm.ValidationError
	for _, d := range []struct {
		field, value string
		dst          *time.Time
		add          int
	}{{"from", q.From, &f.From, 0}, {"to", q.To, &f.To, 1}} {
		if d.value == "" {
			continue
		}
		day, err := crm.ParseISODate(d.value)
		if err != nil {
			v.Add(d.field, "error.period.dates")
			continue
		}
		*d.dst = day.AddDays(d.add).Time()
	}
	if q.Limit < 0 || q.Limit > 100000 {
		v.Add("limit", "error.number.invalid")
	}
	return f, v.OrNil()
}
