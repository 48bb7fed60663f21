package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"kam/internal/crm"
)

// nullID stores 0 as NULL, for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Departments lists every department by name.
func (s *Store) Departments(ctx context.Context) ([]crm.Department, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, name, kind, version, created_at, updated_at FROM departments ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: departments: %w", err)
	}
	defer rows.Close()
	var out []crm.Department
	for rows.Next() {
		var d crm.Department
		if err := rows.Scan(&d.ID, &d.Name, &d.Kind, &d.Version, &d.CreatedAt, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: departments: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Department returns one department.
func (s *Store) Department(ctx context.Context, id int64) (crm.Department, error) {
	var d crm.Department
	err := s.q.QueryRowContext(ctx, `SELECT id, name, kind, version, created_at, updated_at FROM departments WHERE id = $1`, id).
		Scan(&d.ID, &d.Name, &d.Kind, &d.Version, &d.CreatedAt, &d.UpdatedAt)
	return d, rowErr(err, "department", id)
}

// SaveDepartment creates d (ID 0) or updates it at its version; a duplicate
// name or a stale version is crm.ErrConflict.
func (s *Store) SaveDepartment(ctx context.Context, d crm.Department, now time.Time) (int64, error) {
	if d.ID == 0 {
		var id int64
		err := s.q.QueryRowContext(ctx, `INSERT INTO departments (name, kind, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`,
			d.Name, d.Kind, now.UTC()).Scan(&id)
		return id, s.writeErr(err, "create department")
	}
	res, err := s.q.ExecContext(ctx, `UPDATE departments SET name = $2, kind = $3, version = version + 1, updated_at = $4
		WHERE id = $1 AND version = $5`, d.ID, d.Name, d.Kind, now.UTC(), d.Version)
	return d.ID, s.updated(ctx, res, err, "department", d.ID, func() error { _, err := s.Department(ctx, d.ID); return err })
}

// Teams lists every team by department and name.
func (s *Store) Teams(ctx context.Context) ([]crm.Team, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, department_id, name, region, version, created_at, updated_at FROM teams ORDER BY department_id, name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: teams: %w", err)
	}
	defer rows.Close()
	var out []crm.Team
	for rows.Next() {
		var t crm.Team
		if err := rows.Scan(&t.ID, &t.DepartmentID, &t.Name, &t.Region, &t.Version, &t.CreatedAt, &t.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: teams: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Team returns one team.
func (s *Store) Team(ctx context.Context, id int64) (crm.Team, error) {
	var t crm.Team
	err := s.q.QueryRowContext(ctx, `SELECT id, department_id, name, region, version, created_at, updated_at FROM teams WHERE id = $1`, id).
		Scan(&t.ID, &t.DepartmentID, &t.Name, &t.Region, &t.Version, &t.CreatedAt, &t.UpdatedAt)
	return t, rowErr(err, "team", id)
}

// SaveTeam creates t (ID 0) or updates it at its version.
func (s *Store) SaveTeam(ctx context.Context, t crm.Team, now time.Time) (int64, error) {
	if t.ID == 0 {
		var id int64
		err := s.q.QueryRowContext(ctx, `INSERT INTO teams (department_id, name, region, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
			t.DepartmentID, t.Name, t.Region, now.UTC()).Scan(&id)
		return id, s.writeErr(err, "create team")
	}
	res, err := s.q.ExecContext(ctx, `UPDATE teams SET department_id = $2, name = $3, region = $4, version = version + 1, updated_at = $5
		WHERE id = $1 AND version = $6`, t.ID, t.DepartmentID, t.Name, t.Region, now.UTC(), t.Version)
	return t.ID, s.updated(ctx, res, err, "team", t.ID, func() error { _, err := s.Team(ctx, t.ID); return err })
}

const personColumns = `id, name, email, phone, COALESCE(department_id, 0), COALESCE(team_id, 0), COALESCE(manager_id, 0),
	track, role_family, role, scope, active, password_hash <> '', lang, version, created_at, updated_at`

func scanPerson(sc interface{ Scan(...any) error }) (crm.Person, error) {
	var p crm.Person
	err := sc.Scan(personDests(&p)...)
	return p, err
}

// personDests are the destinations of personColumns.
func personDests(p *crm.Person) []any {
	return []any{&p.ID, &p.Name, &p.Email, &p.Phone, &p.DepartmentID, &p.TeamID, &p.ManagerID, &p.Track,
		&p.RoleFamily, &p.Role, &p.Scope, &p.Active, &p.HasPassword, &p.Lang, &p.Version, &p.CreatedAt, &p.UpdatedAt}
}

// PeopleFilter selects people for the directory.
type PeopleFilter struct {
	DepartmentID int64
	TeamID       int64
	Query        string // part of the name or e-mail address
	ActiveOnly   bool
}

// People lists people by name.
func (s *Store) People(ctx context.Context, f PeopleFilter) ([]crm.Person, error) {
	q := `SELECT ` + personColumns + ` FROM people WHERE TRUE`
	var args []any
	if f.DepartmentID != 0 {
		args = append(args, f.DepartmentID)
		q += fmt.Sprintf(" AND department_id = $%d", len(args))
	}
	if f.TeamID != 0 {
		args = append(args, f.TeamID)
		q += fmt.Sprintf(" AND team_id = $%d", len(args))
	}
	if f.Query != "" {
		args = append(args, "%"+escapeLike(f.Query)+"%")
		q += fmt.Sprintf(` AND (LOWER(name) LIKE LOWER($%d) ESCAPE '\' OR email LIKE LOWER($%d) ESCAPE '\')`, len(args), len(args))
	}
	if f.ActiveOnly {
		q += " AND active"
	}
	rows, err := s.q.QueryContext(ctx, q+" ORDER BY name, id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	defer rows.Close()
	var out []crm.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, fmt.Errorf("store: people: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Person returns one person.
func (s *Store) Person(ctx context.Context, id int64) (crm.Person, error) {
	p, err := scanPerson(s.queryRow(ctx, `SELECT `+personColumns+` FROM people WHERE id = $1`, id))
	return p, rowErr(err, "person", id)
}

// PersonByEmail returns the person with the (normalised) e-mail address.
func (s *Store) PersonByEmail(ctx context.Context, email string) (crm.Person, error) {
	p, err := scanPerson(s.q.QueryRowContext(ctx, `SELECT `+personColumns+` FROM people WHERE email = $1`, crm.NormalizeEmail(email)))
	return p, rowErr(err, "person", email)
}

// CountPeople counts people; 0 means KAM has no user yet (first run).
func (s *Store) CountPeople(ctx context.Context) (int, error) {
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count people: %w", err)
	}
	return n, nil
}

// SavePerson creates p (ID 0) or updates it at its version. The password is
// not touched here (SetPassword). A duplicate e-mail is crm.ErrConflict.
func (s *Store) SavePerson(ctx context.Context, p crm.Person, now time.Time) (int64, error) {
	if p.ID == 0 {
		var id int64
		err := s.q.QueryRowContext(ctx, `INSERT INTO people (name, email, phone, department_id, team_id, manager_id, track,
			role_family, role, scope, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			p.Name, p.Email, p.Phone, nullID(p.DepartmentID), nullID(p.TeamID), nullID(p.ManagerID), p.Track,
			p.RoleFamily, p.Role, p.Scope, p.Active, now.UTC()).Scan(&id)
		return id, s.writeErr(err, "create person")
	}
	res, err := s.q.ExecContext(ctx, `UPDATE people SET name = $2, email = $3, phone = $4, department_id = $5, team_id = $6,
		manager_id = $7, track = $8, role_family = $9, role = $10, scope = $11, active = $12, version = version + 1, updated_at = $13
		WHERE id = $1 AND version = $14`,
		p.ID, p.Name, p.Email, p.Phone, nullID(p.DepartmentID), nullID(p.TeamID), nullID(p.ManagerID), p.Track,
		p.RoleFamily, p.Role, p.Scope, p.Active, now.UTC(), p.Version)
	return p.ID, s.updated(ctx, res, err, "person", p.ID, func() error { _, err := s.Person(ctx, p.ID); return err })
}

// PasswordHash returns the stored password hash of a person ("" when none).
func (s *Store) PasswordHash(ctx context.Context, id int64) (string, error) {
	var h string
	err := s.q.QueryRowContext(ctx, `SELECT password_hash FROM people WHERE id = $1`, id).Scan(&h)
	return h, rowErr(err, "person", id)
}

// SetPassword stores a new password hash.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, now time.Time) error {
	res, err := s.q.ExecContext(ctx, `UPDATE people SET password_hash = $2, updated_at = $3 WHERE id = $1`, id, hash, now.UTC())
	if err != nil {
		return fmt.Errorf("store: set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ManagerLinks maps every person to their manager (0 when none).
func (s *Store) ManagerLinks(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.q.QueryContext(ctx, `SELECT id, COALESCE(manager_id, 0) FROM people`)
	if err != nil {
		return nil, fmt.Errorf("store: managers: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, m int64
		if err := rows.Scan(&id, &m); err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, rows.Err()
}

// PeopleIDs lists the IDs of the people in a team or a department.
func (s *Store) PeopleIDs(ctx context.Context, teamID, departmentID int64) ([]int64, error) {
	q, arg := `SELECT id FROM people WHERE team_id = $1`, teamID
	if teamID == 0 {
		q, arg = `SELECT id FROM people WHERE department_id = $1`, departmentID
	}
	rows, err := s.q.QueryContext(ctx, q+` ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("store: people ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// rowErr turns sql.ErrNoRows into crm.ErrNotFound and wraps the rest.
func rowErr(err error, what string, key any) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return crm.ErrNotFound
	default:
		return fmt.Errorf("store: %s %v: %w", what, key, err)
	}
}

// writeErr maps a unique-constraint violation to crm.ErrConflict.
func (s *Store) writeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case s.d.isUnique(err):
		return crm.ErrConflict
	default:
		return fmt.Errorf("store: %s: %w", what, err)
	}
}

// updated checks an optimistic-lock UPDATE: no row changed means the record
// is gone (exists returns crm.ErrNotFound) or was changed by someone else.
func (s *Store) updated(ctx context.Context, res sql.Result, err error, what string, id int64, exists func() error) error {
	if err != nil {
		return s.writeErr(err, "update "+what)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := exists(); err != nil {
			return err
		}
		return crm.ErrConflict
	}
	return nil
}

// ClaimState inserts a state key that must not exist yet; an existing key
// is crm.ErrConflict. Two transactions racing for one key: one wins.
func (s *Store) ClaimState(ctx context.Context, key, value string) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO app_state (key, value) VALUES ($1, $2)`, key, value)
	return s.writeErr(err, "claim "+key)
}
