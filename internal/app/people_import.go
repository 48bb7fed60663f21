package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"kam/internal/crm"
	"kam/internal/i18n"
	"kam/internal/store"
	"kam/internal/transfer"
)

// peopleColumns maps the fields of a people file to the headers that name
// them, in Chinese and English (compared without case and spaces).
var peopleColumns = map[string][]string{
	"name":            {"name", "姓名", "名字", "人员"},
	"email":           {"email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"},
	"phone":           {"phone", "mobile", "电话", "手机", "手机号"},
	"department":      {"department", "dept", "部门"},
	"department_kind": {"department_kind", "department kind", "部门类型"},
	"team":            {"team", "团队", "小组", "组"},
	"region":          {"region", "区域", "地区"},
	"manager":         {"manager", "manager_email", "manager e-mail", "上级", "上级邮箱", "直属上级"},
	"track":           {"track", "sales track", "销售轨道", "轨道"},
	"role_family":     {"role_family", "role family", "岗位族", "岗位"},
	"role":            {"role", "角色"},
	"scope":           {"scope", "data scope", "数据范围"},
	"active":          {"active", "在职", "启用"},
}

// PeopleProblem is one thing wrong in a people file: the row (as the file
// numbers it), the column's header, the value and a message key.
type PeopleProblem struct {
	Row    int
	Column string
	Value  string
	Key    string
}

// PeopleImportResult says what a people import did, or would do.
type PeopleImportResult struct {
	Rows, Created, Updated int
	Departments, Teams     int // created
	DryRun                 bool
	Problems               []PeopleProblem
}

// ErrPeopleFile: the file has problems (listed in the result); nothing was
// stored.
var ErrPeopleFile = errors.New("app: the people file has problems; nothing was imported")

type personRow struct {
	row  int
	p    crm.Person
	dept string
	kind string
	team string
	reg  string
	mgr  string
}

// enumValue matches a cell against the codes of an enumeration and their
// names in both languages (管理员, Administrator, ADMIN …).
func enumValue(cell, prefix string, codes []string) (string, bool) {
	c := strings.TrimSpace(cell)
	if c == "" {
		return "", true
	}
	for _, code := range codes {
		if strings.EqualFold(c, code) {
			return code, true
		}
		for _, lang := range i18n.Langs() {
			if p := i18n.Get(lang); strings.EqualFold(c, p.T(prefix+code)) {
				return code, true
			}
		}
	}
	return "", false
}

// ImportPeople reads departments, teams and people from a CSV or XLSX file
// (one person per row; departments and teams are created by name when
// missing) and stores them all in one transaction, or nothing when any row
// has a problem. A person is matched by e-mail address: existing people are
// updated. Managers are named by e-mail address, in the file or in KAM.
func (a *App) ImportPeople(ctx context.Context, path, sheet string, dryRun bool) (PeopleImportResult, error) {
	res := PeopleImportResult{DryRun: dryRun}
	if err := Allow(ctx, crm.PermManagePeople); err != nil {
		return res, err
	}
	t, err := transfer.Open(path, transfer.OpenOptions{Sheet: sheet})
	if err != nil {
		return res, err
	}
	defer t.Close()
	header := t.Header()
	col := map[string]int{}
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "")) }
	for i, h := range header {
		for field, names := range peopleColumns {
			for _, n := range names {
				if norm(h) == norm(n) {
					if _, dup := col[field]; dup {
						res.Problems = append(res.Problems, PeopleProblem{Row: 1, Column: h, Key: "error.people_import.duplicate_column"})
					}
					col[field] = i
				}
			}
		}
	}
	for _, f := range []string{"name", "email"} {
		if _, ok := col[f]; !ok {
			zh := ""
			for _, n := range peopleColumns[f] {
				if n[0] >= 0x80 && zh == "" {
					zh = n
				}
			}
			res.Problems = append(res.Problems, PeopleProblem{Row: 1, Column: zh + " (" + f + ")", Key: "error.people_import.missing_column"})
		}
	}
	if len(res.Problems) > 0 {
		return res, ErrPeopleFile
	}
	cell := func(row []string, f string) string {
		if i, ok := col[f]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	problem := func(row int, f, value, key string) {
		res.Problems = append(res.Problems, PeopleProblem{Row: row, Column: header[col[f]], Value: value, Key: key})
	}
	var rows []personRow
	seen := map[string]int{}
	for {
		row, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, err
		}
		if len(rows) >= 100000 {
			return res, &crm.ValidationError{Fields: map[string]string{"file": "error.people_import.too_many"}}
		}
		r := personRow{row: line, dept: cell(row, "department"), kind: cell(row, "department_kind"), team: cell(row, "team"),
			reg: cell(row, "region"), mgr: crm.NormalizeEmail(cell(row, "manager"))}
		r.p = crm.Person{Name: cell(row, "name"), Email: cell(row, "email"), Phone: cell(row, "phone"), Active: true, Role: crm.RoleMember}
		var ok bool
		if r.p.Track, ok = enumValue(cell(row, "track"), "track.", crm.Tracks); !ok {
			problem(line, "track", cell(row, "track"), "error.person.track")
		}
		if r.p.RoleFamily, ok = enumValue(cell(row, "role_family"), "family.", crm.RoleFamilies); !ok {
			problem(line, "role_family", cell(row, "role_family"), "error.person.role_family")
		}
		if v, ok := enumValue(cell(row, "role"), "role.", crm.Roles); !ok {
			problem(line, "role", cell(row, "role"), "error.person.role")
		} else if v != "" {
			r.p.Role = v
		}
		if r.p.Scope, ok = enumValue(cell(row, "scope"), "scope.", crm.Scopes); !ok {
			problem(line, "scope", cell(row, "scope"), "error.person.scope")
		}
		if r.kind, ok = enumValue(r.kind, "dept.", crm.DepartmentKinds); !ok {
			problem(line, "department_kind", cell(row, "department_kind"), "error.department.kind")
		}
		if v := cell(row, "active"); v != "" {
			b, err := transfer.ParseBool(v)
			if err != nil {
				problem(line, "active", v, "error.people_import.active")
			}
			r.p.Active = b
		}
		r.p.Normalize()
		if err := r.p.Validate(); err != nil {
			var ve *crm.ValidationError
			if errors.As(err, &ve) {
				for f, k := range ve.Fields {
					if _, ok := col[f]; ok {
						problem(line, f, cell(row, f), k)
					}
				}
			}
		}
		if r.team != "" && r.dept == "" {
			problem(line, "team", r.team, "error.person.team_department")
		}
		if _, dup := seen[r.p.Email]; dup && r.p.Email != "" {
			problem(line, "email", r.p.Email, "error.people_import.duplicate_email")
		}
		seen[r.p.Email] = line
		rows = append(rows, r)
	}
	res.Rows = len(rows)
	if len(rows) == 0 && len(res.Problems) == 0 {
		res.Problems = append(res.Problems, PeopleProblem{Row: 2, Key: "error.people_import.empty"})
	}
	if len(res.Problems) > 0 {
		return res, ErrPeopleFile
	}
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		if err := a.storePeople(ctx, tx, rows, &res, header, col); err != nil {
			return err
		}
		if len(res.Problems) > 0 {
			return ErrPeopleFile
		}
		if dryRun {
			return errDryRun
		}
		return tx.Audit(ctx, audit(a.now(), "", "import", "people", "", nil,
			map[string]int{"rows": res.Rows, "created": res.Created, "updated": res.Updated}))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

var errDryRun = errors.New("dry run")

// storePeople writes the rows inside tx: departments and teams by name,
// then people, then their managers (which may be later rows).
func (a *App) storePeople(ctx context.Context, tx *store.Store, rows []personRow, res *PeopleImportResult, header []string, col map[string]int) error {
	now := a.now()
	problem := func(row int, f, value, key string) {
		res.Problems = append(res.Problems, PeopleProblem{Row: row, Column: header[col[f]], Value: value, Key: key})
	}
	depts, err := tx.Departments(ctx)
	if err != nil {
		return err
	}
	deptID := map[string]int64{}
	for _, d := range depts {
		deptID[d.Name] = d.ID
	}
	teams, err := tx.Teams(ctx)
	if err != nil {
		return err
	}
	teamID := map[[2]any]int64{}
	for _, t := range teams {
		teamID[[2]any{t.DepartmentID, t.Name}] = t.ID
	}
	ids := map[string]int64{}
	for i := range rows {
		r := &rows[i]
		if r.dept != "" {
			id, ok := deptID[r.dept]
			if !ok {
				if r.kind == "" {
					problem(r.row, "department", r.dept, "error.people_import.department_kind")
					continue
				}
				d := crm.Department{Name: r.dept, Kind: r.kind}
				d.Normalize()
				if err := d.Validate(); err != nil {
					problem(r.row, "department", r.dept, "error.people_import.department")
					continue
				}
				if id, err = tx.SaveDepartment(ctx, d, now); err != nil {
					return err
				}
				if err := tx.Audit(ctx, audit(now, "", "create", "department", id, nil, d)); err != nil {
					return err
				}
				deptID[r.dept] = id
				res.Departments++
			}
			r.p.DepartmentID = id
		}
		if r.team != "" && r.p.DepartmentID != 0 {
			key := [2]any{r.p.DepartmentID, r.team}
			id, ok := teamID[key]
			if !ok {
				tm := crm.Team{DepartmentID: r.p.DepartmentID, Name: r.team, Region: r.reg}
				tm.Normalize()
				if err := tm.Validate(); err != nil {
					problem(r.row, "team", r.team, "error.people_import.team")
					continue
				}
				if id, err = tx.SaveTeam(ctx, tm, now); err != nil {
					return err
				}
				if err := tx.Audit(ctx, audit(now, "", "create", "team", id, nil, tm)); err != nil {
					return err
				}
				teamID[key] = id
				res.Teams++
			}
			r.p.TeamID = id
		}
		old, err := tx.PersonByEmail(ctx, r.p.Email)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			r.p.ID = 0
		case err != nil:
			return err
		default:
			r.p.ID, r.p.Version, r.p.ManagerID = old.ID, old.Version, old.ManagerID
			if r.p.Phone == "" {
				r.p.Phone = old.Phone
			}
		}
		ids[r.p.Email] = r.p.ID
	}
	if len(res.Problems) > 0 {
		return nil
	}
	// Managers: in the file or already in KAM.
	for i := range rows {
		r := &rows[i]
		if r.mgr == "" {
			continue
		}
		if _, ok := ids[r.mgr]; ok {
			continue
		}
		m, err := tx.PersonByEmail(ctx, r.mgr)
		if errors.Is(err, crm.ErrNotFound) {
			problem(r.row, "manager", r.mgr, "error.person.manager")
			continue
		}
		if err != nil {
			return err
		}
		ids[r.mgr] = m.ID
	}
	if len(res.Problems) > 0 {
		return nil
	}
	for i := range rows {
		r := &rows[i]
		before := r.p
		action := "update"
		if r.p.ID == 0 {
			action = "create"
		}
		id, err := tx.SavePerson(ctx, r.p, now)
		if errors.Is(err, crm.ErrConflict) {
			problem(r.row, "email", r.p.Email, "error.person.conflict")
			continue
		}
		if err != nil {
			return err
		}
		r.p.ID, ids[r.p.Email] = id, id
		if action == "create" {
			res.Created++
		} else {
			res.Updated++
		}
		after, err := tx.Person(ctx, id)
		if err != nil {
			return err
		}
		r.p = after
		var b any
		if action == "update" {
			b = before
		}
		if err := tx.Audit(ctx, audit(now, "", action, "person", id, b, after)); err != nil {
			return err
		}
	}
	links, err := tx.ManagerLinks(ctx)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		mgr := int64(0)
		if r.mgr != "" {
			mgr = ids[r.mgr]
		}
		if mgr == r.p.ManagerID {
			continue
		}
		if mgr == r.p.ID || crm.ManagerCycle(links, r.p.ID, mgr) {
			problem(r.row, "manager", r.mgr, "error.person.manager_cycle")
			continue
		}
		links[r.p.ID] = mgr
		r.p.ManagerID = mgr
		if _, err := tx.SavePerson(ctx, r.p, now); err != nil {
			return fmt.Errorf("manager of %s: %w", r.p.Email, err)
		}
	}
	return nil
}

// PeopleImportColumns lists the fields a people file may have, for the docs
// and the upload page.
func PeopleImportColumns() []string {
	out := make([]string, 0, len(peopleColumns))
	for f := range peopleColumns {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}
