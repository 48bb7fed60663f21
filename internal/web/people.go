package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kam/internal/app"
	"kam/internal/crm"
	"kam/internal/store"
	"kam/internal/transfer"
)

// orgNames maps department and team IDs to names, for display.
type orgNamesT struct {
	dept  map[int64]string
	team  map[int64]string
	depts []crm.Department
	teams []crm.Team
}

func (h *handler) orgNames(r *http.Request) (orgNamesT, error) {
	n := orgNamesT{dept: map[int64]string{}, team: map[int64]string{}}
	var err error
	if n.depts, err = h.app.Departments(r.Context()); err != nil {
		return n, err
	}
	if n.teams, err = h.app.Teams(r.Context()); err != nil {
		return n, err
	}
	for _, d := range n.depts {
		n.dept[d.ID] = d.Name
	}
	for _, t := range n.teams {
		n.team[t.ID] = t.Name
	}
	return n, nil
}

type personRow struct {
	crm.Person
	Dept, Team, Manager string
}

type peoplePage struct {
	layout
	People      []personRow
	Departments []crm.Department
	Teams       []crm.Team
	Filter      map[string]string
}

func (h *handler) listPeople(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.PeopleFilter{Query: strings.TrimSpace(q.Get("q"))}
	f.DepartmentID, _ = strconv.ParseInt(q.Get("department"), 10, 64)
	f.TeamID, _ = strconv.ParseInt(q.Get("team"), 10, 64)
	people, err := h.app.People(r.Context(), f)
	if err != nil {
		return err
	}
	names, err := h.orgNames(r)
	if err != nil {
		return err
	}
	all, err := h.app.People(r.Context(), store.PeopleFilter{})
	if err != nil {
		return err
	}
	byID := map[int64]string{}
	for _, p := range all {
		byID[p.ID] = p.Name
	}
	d := peoplePage{layout: h.layout(r, "people", "people.title"), Departments: names.depts, Teams: names.teams,
		Filter: map[string]string{"q": f.Query, "department": q.Get("department"), "team": q.Get("team")}}
	for _, p := range people {
		d.People = append(d.People, personRow{Person: p, Dept: names.dept[p.DepartmentID], Team: names.team[p.TeamID], Manager: byID[p.ManagerID]})
	}
	return h.render(w, http.StatusOK, "people/list.html", d)
}

type personPage struct {
	layout
	Person personRow
	Audit  []store.AuditEntry
	Errors map[string]string
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
	names, err := h.orgNames(r)
	if err != nil {
		return err
	}
	row := personRow{Person: p, Dept: names.dept[p.DepartmentID], Team: names.team[p.TeamID]}
	if p.ManagerID != 0 {
		if m, err := h.app.Person(r.Context(), p.ManagerID); err == nil {
			row.Manager = m.Name
		}
	}
	d := personPage{layout: h.layout(r, "people", "people.person"), Person: row}
	d.Title = p.Name
	if app.Allow(r.Context(), crm.PermAudit) == nil {
		if d.Audit, err = h.app.AuditLog(r.Context(), store.AuditFilter{Entity: "person", EntityID: strconv.FormatInt(id, 10), Limit: 20}); err != nil {
			return err
		}
	}
	return h.render(w, http.StatusOK, "people/show.html", d)
}

type personForm struct {
	layout
	New         bool
	ID          int64
	Values      map[string]string
	Errors      map[string]string
	Departments []crm.Department
	Teams       []crm.Team
	Managers    []crm.Person
	Roles       []string
	Scopes      []string
	Tracks      []string
	Families    []string
}

func (h *handler) personForm(r *http.Request, titleKey string, values map[string]string) (personForm, error) {
	d := personForm{layout: h.layout(r, "people", titleKey), Values: values, Roles: crm.Roles, Scopes: crm.Scopes,
		Tracks: crm.Tracks, Families: crm.RoleFamilies}
	names, err := h.orgNames(r)
	if err != nil {
		return d, err
	}
	d.Departments, d.Teams = names.depts, names.teams
	if d.Managers, err = h.app.People(r.Context(), store.PeopleFilter{ActiveOnly: true}); err != nil {
		return d, err
	}
	return d, nil
}

func personValues(p crm.Person) map[string]string {
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	v := map[string]string{"name": p.Name, "email": p.Email, "phone": p.Phone, "department": id(p.DepartmentID),
		"team": id(p.TeamID), "manager": id(p.ManagerID), "track": p.Track, "role_family": p.RoleFamily,
		"role": p.Role, "scope": p.Scope, "version": strconv.Itoa(p.Version)}
	if p.Active {
		v["active"] = "1"
	}
	return v
}

// readPersonForm fills p from the posted form.
func readPersonForm(r *http.Request, p *crm.Person) map[string]string {
	v := map[string]string{}
	for _, k := range []string{"name", "email", "phone", "department", "team", "manager", "track", "role_family", "role", "scope", "active", "version"} {
		v[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	id := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	p.Name, p.Email, p.Phone = v["name"], v["email"], v["phone"]
	p.DepartmentID, p.TeamID, p.ManagerID = id(v["department"]), id(v["team"]), id(v["manager"])
	p.Track, p.RoleFamily, p.Role, p.Scope = v["track"], v["role_family"], v["role"], v["scope"]
	p.Active = v["active"] != ""
	if n, err := strconv.Atoi(v["version"]); err == nil {
		p.Version = n
	}
	return v
}

func (h *handler) newPerson(w http.ResponseWriter, r *http.Request) error {
	d, err := h.personForm(r, "people.new", personValues(crm.Person{Role: crm.RoleMember, Scope: crm.ScopeOwn, Active: true}))
	if err != nil {
		return err
	}
	d.New = true
	return h.render(w, http.StatusOK, "people/form.html", d)
}

func (h *handler) editPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := h.app.Person(r.Context(), id)
	if err != nil {
		return err
	}
	d, err := h.personForm(r, "people.edit", personValues(p))
	if err != nil {
		return err
	}
	d.ID = id
	return h.render(w, http.StatusOK, "people/form.html", d)
}

func (h *handler) createPerson(w http.ResponseWriter, r *http.Request) error {
	return h.savePerson(w, r, 0)
}

func (h *handler) updatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.savePerson(w, r, id)
}

func (h *handler) savePerson(w http.ResponseWriter, r *http.Request, id int64) error {
	p := crm.Person{ID: id}
	values := readPersonForm(r, &p)
	saved, err := h.app.SavePerson(r.Context(), p)
	var ve *crm.ValidationError
	if errors.As(err, &ve) || errors.Is(err, crm.ErrConflict) {
		titleKey := "people.edit"
		if id == 0 {
			titleKey = "people.new"
		}
		d, derr := h.personForm(r, titleKey, values)
		if derr != nil {
			return derr
		}
		d.New, d.ID = id == 0, id
		status := http.StatusUnprocessableEntity
		if ve != nil {
			d.Errors = ve.Fields
		} else {
			status = http.StatusConflict
			d.Errors = map[string]string{"version": "error.person.conflict"}
		}
		return h.render(w, status, "people/form.html", d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?flash=saved", saved.ID), http.StatusSeeOther)
	return nil
}

func (h *handler) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = h.app.SetPassword(r.Context(), id, "", r.PostFormValue("password"))
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		p, perr := h.app.Person(r.Context(), id)
		if perr != nil {
			return perr
		}
		d := personPage{layout: h.layout(r, "people", "people.person"), Person: personRow{Person: p}, Errors: ve.Fields}
		d.Title = p.Name
		return h.render(w, http.StatusUnprocessableEntity, "people/show.html", d)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?flash=password_set", id), http.StatusSeeOther)
	return nil
}

func (h *handler) signOutPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := h.app.Person(r.Context(), id); err != nil {
		return err
	}
	if _, err := h.app.SignOutEverywhere(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/people/%d?flash=signed_out", id), http.StatusSeeOther)
	return nil
}

type orgPage struct {
	layout
	Departments []crm.Department
	Teams       []crm.Team
	DeptName    map[int64]string
	Kinds       []string
	Values      map[string]string
	Errors      map[string]string
	Import      *app.PeopleImportResult
	ImportError string
	Columns     []string
}

func (h *handler) orgData(r *http.Request) (orgPage, error) {
	names, err := h.orgNames(r)
	d := orgPage{layout: h.layout(r, "org", "org.title"), Departments: names.depts, Teams: names.teams,
		DeptName: names.dept, Kinds: crm.DepartmentKinds, Values: map[string]string{}, Columns: app.PeopleImportColumns()}
	return d, err
}

func (h *handler) showOrg(w http.ResponseWriter, r *http.Request) error {
	d, err := h.orgData(r)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "org.html", d)
}

func (h *handler) orgFailed(w http.ResponseWriter, r *http.Request, err error, prefix string) error {
	var ve *crm.ValidationError
	if !errors.As(err, &ve) && !errors.Is(err, crm.ErrConflict) {
		return err
	}
	d, derr := h.orgData(r)
	if derr != nil {
		return derr
	}
	for k, v := range r.PostForm {
		d.Values[k] = strings.Join(v, "")
	}
	d.Errors = map[string]string{}
	if ve != nil {
		for f, k := range ve.Fields {
			d.Errors[prefix+f] = k
		}
		return h.render(w, http.StatusUnprocessableEntity, "org.html", d)
	}
	d.Errors[prefix+"name"] = "error.org.conflict"
	return h.render(w, http.StatusConflict, "org.html", d)
}

func (h *handler) saveDepartment(w http.ResponseWriter, r *http.Request) error {
	d := crm.Department{Name: r.PostFormValue("dept_name"), Kind: r.PostFormValue("dept_kind")}
	if id, err := strconv.ParseInt(r.PostFormValue("dept_id"), 10, 64); err == nil && id > 0 {
		old, err := h.app.Department(r.Context(), id)
		if err != nil {
			return err
		}
		d.ID, d.Version = id, old.Version
		if v, err := strconv.Atoi(r.PostFormValue("dept_version")); err == nil {
			d.Version = v
		}
	}
	if _, err := h.app.SaveDepartment(r.Context(), d); err != nil {
		return h.orgFailed(w, r, err, "dept_")
	}
	http.Redirect(w, r, "/org?flash=saved", http.StatusSeeOther)
	return nil
}

func (h *handler) saveTeam(w http.ResponseWriter, r *http.Request) error {
	t := crm.Team{Name: r.PostFormValue("team_name"), Region: r.PostFormValue("team_region")}
	t.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("team_department"), 10, 64)
	if id, err := strconv.ParseInt(r.PostFormValue("team_id"), 10, 64); err == nil && id > 0 {
		old, err := h.app.Team(r.Context(), id)
		if err != nil {
			return err
		}
		t.ID, t.Version = id, old.Version
		if v, err := strconv.Atoi(r.PostFormValue("team_version")); err == nil {
			t.Version = v
		}
	}
	if _, err := h.app.SaveTeam(r.Context(), t); err != nil {
		return h.orgFailed(w, r, err, "team_")
	}
	http.Redirect(w, r, "/org?flash=saved", http.StatusSeeOther)
	return nil
}

type auditPage struct {
	layout
	Entries []store.AuditEntry
	Filter  map[string]string
	Next    int64
	Query   string
}

// auditFilter reads the audit search form.
func auditFilter(r *http.Request) (store.AuditFilter, map[string]string, error) {
	q := r.URL.Query()
	vals := map[string]string{}
	for _, k := range []string{"actor", "action", "entity", "entity_id", "from", "to"} {
		vals[k] = strings.TrimSpace(q.Get(k))
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f, err := app.AuditQuery{Actor: vals["actor"], Action: vals["action"], Entity: vals["entity"], EntityID: vals["entity_id"],
		From: vals["from"], To: vals["to"], Before: before, Limit: 100}.Filter()
	return f, vals, err
}

func (h *handler) showAudit(w http.ResponseWriter, r *http.Request) error {
	f, vals, err := auditFilter(r)
	if err != nil {
		return err
	}
	entries, err := h.app.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	d := auditPage{layout: h.layout(r, "audit", "audit.title"), Entries: entries, Filter: vals}
	if len(entries) == f.Limit {
		d.Next = entries[len(entries)-1].ID
	}
	qv := r.URL.Query()
	qv.Del("before")
	d.Query = qv.Encode()
	return h.render(w, http.StatusOK, "audit.html", d)
}

// exportAudit downloads the entries matching the search, up to 100,000.
func (h *handler) exportAudit(w http.ResponseWriter, r *http.Request) error {
	f, _, err := auditFilter(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != transfer.FormatCSV && format != transfer.FormatXLSX {
		return badRequest("format: csv or xlsx")
	}
	f.Limit = 100000
	entries, err := h.app.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	p := printer(r)
	header := []string{"#", p.T("audit.at"), p.T("audit.actor"), p.T("audit.ip"), p.T("audit.action"),
		p.T("audit.entity"), p.T("audit.entity_id"), p.T("audit.before"), p.T("audit.after")}
	rows := func(emit func(row []any) error) error {
		for _, e := range entries {
			if err := emit([]any{e.ID, e.At.UTC().Format(time.RFC3339), e.Actor, e.IP, e.Action,
				e.Entity, e.EntityID, e.Before, e.After}); err != nil {
				return err
			}
		}
		return nil
	}
	w.Header().Set("Content-Type", transfer.ContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit.%s"`, format))
	return transfer.WriteTable(w, format, "audit", header, rows)
}

// importPeople takes an uploaded people file (field "file") and shows what
// was imported, or every problem with nothing imported.
func (h *handler) importPeople(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<20)
	f, fh, err := r.FormFile("file")
	if err != nil {
		return badRequest("file: " + err.Error())
	}
	defer f.Close()
	tmp, err := os.CreateTemp("", "kam-people-*"+filepath.Ext(fh.Filename))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, f)
	tmp.Close()
	if err != nil {
		return badRequest("file: " + err.Error())
	}
	res, ierr := h.app.ImportPeople(r.Context(), tmp.Name(), r.PostFormValue("sheet"), r.PostFormValue("dry_run") != "")
	d, err := h.orgData(r)
	if err != nil {
		return err
	}
	d.Import = &res
	status := http.StatusOK
	var fe *transfer.FileError
	var le *transfer.LineError
	switch {
	case errors.As(ierr, &fe) || errors.As(ierr, &le):
		d.ImportError = app.DescribeImportError(d.p, ierr)
		d.Import = nil
		status = http.StatusUnprocessableEntity
	case errors.Is(ierr, app.ErrPeopleFile):
		status = http.StatusUnprocessableEntity
	case ierr != nil:
		return ierr
	}
	return h.render(w, status, "org.html", d)
}
