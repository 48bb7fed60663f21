package api

import (
	"net/http"
	"strconv"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
)

// PersonJSON is a person in the API.
type PersonJSON struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	DepartmentID int64  `json:"department_id,omitempty"`
	TeamID       int64  `json:"team_id,omitempty"`
	ManagerID    int64  `json:"manager_id,omitempty"`
	Track        string `json:"track"`
	RoleFamily   string `json:"role_family"`
	Role         string `json:"role"`
	Scope        string `json:"scope"`
	Active       bool   `json:"active"`
	HasPassword  bool   `json:"has_password"`
	Version      int    `json:"version"`
}

func personJSON(p crm.Person) PersonJSON {
	return PersonJSON{ID: p.ID, Name: p.Name, Email: p.Email, Phone: p.Phone, DepartmentID: p.DepartmentID,
		TeamID: p.TeamID, ManagerID: p.ManagerID, Track: p.Track, RoleFamily: p.RoleFamily, Role: p.Role,
		Scope: p.Scope, Active: p.Active, HasPassword: p.HasPassword, Version: p.Version}
}

// PersonInput is the body of POST and PATCH /people: absent fields keep
// their value (PATCH) or default (POST).
type PersonInput struct {
	Name         *string `json:"name"`
	Email        *string `json:"email"`
	Phone        *string `json:"phone"`
	DepartmentID *int64  `json:"department_id"`
	TeamID       *int64  `json:"team_id"`
	ManagerID    *int64  `json:"manager_id"`
	Track        *string `json:"track"`
	RoleFamily   *string `json:"role_family"`
	Role         *string `json:"role"`
	Scope        *string `json:"scope"`
	Active       *bool   `json:"active"`
	Version      *int    `json:"version"`
}

func (in PersonInput) apply(p *crm.Person) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setID := func(dst *int64, src *int64) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Name, in.Name)
	set(&p.Email, in.Email)
	set(&p.Phone, in.Phone)
	setID(&p.DepartmentID, in.DepartmentID)
	setID(&p.TeamID, in.TeamID)
	setID(&p.ManagerID, in.ManagerID)
	set(&p.Track, in.Track)
	set(&p.RoleFamily, in.RoleFamily)
	if in.Role != nil && *in.Role != p.Role {
		p.Role = *in.Role
		if in.Scope == nil {
			p.Scope = crm.DefaultScope(p.Role)
		}
	}
	set(&p.Scope, in.Scope)
	if in.Active != nil {
		p.Active = *in.Active
	}
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) error {
	p, err := h.app.Me(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON(p))
}

func (h *handler) listPeople(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.PeopleFilter{Query: q.Get("q"), ActiveOnly: q.Get("active") == "true"}
	var err error
	if f.DepartmentID, err = int64Param(r, "department_id"); err != nil {
		return err
	}
	if f.TeamID, err = int64Param(r, "team_id"); err != nil {
		return err
	}
	people, err := h.app.People(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]PersonJSON, len(people))
	for i, p := range people {
		out[i] = personJSON(p)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"people": out})
}

func int64Param(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequest{name + ": not an integer: " + strconv.Quote(s)}
	}
	return n, nil
}

func (h *handler) showPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := h.app.Person(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON(p))
}

func (h *handler) createPerson(w http.ResponseWriter, r *http.Request) error {
	var in PersonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p := crm.Person{Role: crm.RoleMember, Active: true}
	in.apply(&p)
	p, err := h.app.SavePerson(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+jsonInt(p.ID))
	return writeJSON(w, http.StatusCreated, personJSON(p))
}

func (h *handler) updatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in PersonInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Version == nil {
		return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
	}
	p, err := h.app.Person(r.Context(), id)
	if err != nil {
		return err
	}
	in.apply(&p)
	p.Version = *in.Version
	if p, err = h.app.SavePerson(r.Context(), p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, personJSON(p))
}

// DepartmentJSON is a department in the API.
type DepartmentJSON struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Version int    `json:"version"`
}

func (h *handler) listDepartments(w http.ResponseWriter, r *http.Request) error {
	ds, err := h.app.Departments(r.Context())
	if err != nil {
		return err
	}
	out := make([]DepartmentJSON, len(ds))
	for i, d := range ds {
		out[i] = DepartmentJSON{ID: d.ID, Name: d.Name, Kind: d.Kind, Version: d.Version}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"departments": out})
}

type departmentInput struct {
	Name    *string `json:"name"`
	Kind    *string `json:"kind"`
	Version *int    `json:"version"`
}

func (h *handler) createDepartment(w http.ResponseWriter, r *http.Request) error {
	return h.saveDepartment(w, r, 0)
}

func (h *handler) updateDepartment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveDepartment(w, r, id)
}

func (h *handler) saveDepartment(w http.ResponseWriter, r *http.Request, id int64) error {
	var in departmentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var d crm.Department
	status := http.StatusCreated
	if id != 0 {
		if in.Version == nil {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		var err error
		if d, err = h.app.Department(r.Context(), id); err != nil {
			return err
		}
		d.Version, status = *in.Version, http.StatusOK
	}
	if in.Name != nil {
		d.Name = *in.Name
	}
	if in.Kind != nil {
		d.Kind = *in.Kind
	}
	d, err := h.app.SaveDepartment(r.Context(), d)
	if err != nil {
		return err
	}
	return writeJSON(w, status, DepartmentJSON{ID: d.ID, Name: d.Name, Kind: d.Kind, Version: d.Version})
}

// TeamJSON is a team in the API.
type TeamJSON struct {
	ID           int64  `json:"id"`
	DepartmentID int64  `json:"department_id"`
	Name         string `json:"name"`
	Region       string `json:"region"`
	Version      int    `json:"version"`
}

func (h *handler) listTeams(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.app.Teams(r.Context())
	if err != nil {
		return err
	}
	out := make([]TeamJSON, len(ts))
	for i, t := range ts {
		out[i] = TeamJSON{ID: t.ID, DepartmentID: t.DepartmentID, Name: t.Name, Region: t.Region, Version: t.Version}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"teams": out})
}

type teamInput struct {
	DepartmentID *int64  `json:"department_id"`
	Name         *string `json:"name"`
	Region       *string `json:"region"`
	Version      *int    `json:"version"`
}

func (h *handler) createTeam(w http.ResponseWriter, r *http.Request) error {
	return h.saveTeam(w, r, 0)
}

func (h *handler) updateTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.saveTeam(w, r, id)
}

func (h *handler) saveTeam(w http.ResponseWriter, r *http.Request, id int64) error {
	var in teamInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var t crm.Team
	status := http.StatusCreated
	if id != 0 {
		if in.Version == nil {
			return &crm.ValidationError{Fields: map[string]string{"version": "error.version.required"}}
		}
		var err error
		if t, err = h.app.Team(r.Context(), id); err != nil {
			return err
		}
		t.Version, status = *in.Version, http.StatusOK
	}
	if in.DepartmentID != nil {
		t.DepartmentID = *in.DepartmentID
	}
	if in.Name != nil {
		t.Name = *in.Name
	}
	if in.Region != nil {
		t.Region = *in.Region
	}
	t, err := h.app.SaveTeam(r.Context(), t)
	if err != nil {
		return err
	}
	return writeJSON(w, status, TeamJSON{ID: t.ID, DepartmentID: t.DepartmentID, Name: t.Name, Region: t.Region, Version: t.Version})
}

// TokenJSON describes an API token; the secret itself only in the answer
// that created it.
type TokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	Token      string     `json:"token,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tokenJSON(t store.APIToken) TokenJSON {
	return TokenJSON{ID: t.ID, Name: t.Name, Hint: t.Hint, CreatedAt: t.CreatedAt, LastUsedAt: optTime(t.LastUsedAt),
		ExpiresAt: optTime(t.ExpiresAt), RevokedAt: optTime(t.RevokedAt)}
}

func (h *handler) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := h.app.Tokens(r.Context())
	if err != nil {
		return err
	}
	out := make([]TokenJSON, len(ts))
	for i, t := range ts {
		out[i] = tokenJSON(t)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string `json:"name"`
		ValidDays int    `json:"valid_days"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	secret, t, err := h.app.CreateToken(r.Context(), in.Name, in.ValidDays)
	if err != nil {
		return err
	}
	out := tokenJSON(t)
	out.Token = secret
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusCreated, out)
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.app.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// AuditJSON is one audit entry.
type AuditJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id"`
	Actor    string    `json:"actor"`
	IP       string    `json:"ip"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Before   string    `json:"before,omitempty"`
	After    string    `json:"after,omitempty"`
}

func (h *handler) listAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, err := h.app.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]AuditJSON, len(entries))
	for i, e := range entries {
		out[i] = AuditJSON{ID: e.ID, At: e.At, ActorID: e.ActorID, Actor: e.Actor, IP: e.IP, Action: e.Action,
			Entity: e.Entity, EntityID: e.EntityID, Before: e.Before, After: e.After}
	}
	res := map[string]any{"entries": out}
	if len(entries) == f.Limit {
		res["next_before"] = entries[len(entries)-1].ID
	}
	return writeJSON(w, http.StatusOK, res)
}

func auditFilter(r *http.Request) (store.AuditFilter, error) {
	q := r.URL.Query()
	before, err := int64Param(r, "before")
	if err != nil {
		return store.AuditFilter{}, err
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return store.AuditFilter{}, err
	}
	if limit < 1 || limit > 1000 {
		return store.AuditFilter{}, badRequest{"limit: want 1 to 1000"}
	}
	return app.AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Entity: q.Get("entity"), EntityID: q.Get("entity_id"),
		From: q.Get("from"), To: q.Get("to"), Before: before, Limit: limit}.Filter()
}
