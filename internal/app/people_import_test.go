package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"kam/internal/app"
	"kam/internal/app/apptest"
	"kam/internal/crm"
	"kam/internal/store"
)

// writeGBK writes text as GBK, the way Chinese Excel saves CSV.
func writeGBK(t *testing.T, name, text string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const orgCSV = "姓名,邮箱,部门,部门类型,团队,区域,上级邮箱,销售轨道,角色,数据范围,在职\r\n" +
	"王销售,wang@test.example,销售部,销售部,,,,,部门负责人,,是\r\n" +
	"赵经理,zhao@test.example,销售部,,华东区,华东,wang@test.example,区域,经理,,是\r\n" +
	"李区域,LI@test.example,销售部,,华东区,华东,zhao@test.example,REGIONAL,成员,本人,1\r\n" +
	"周客服,zhou@test.example,客服部,客服部,项目一组,,,,MEMBER,,true\r\n"

func TestImportPeople(t *testing.T) {
	a, _, _ := authApp(t)
	admin := apptest.Person(t, a, crm.RoleAdmin, crm.Person{})
	ctx := apptest.Context(admin)
	path := writeGBK(t, "people.csv", orgCSV)

	// A member may not import people.
	member := apptest.Person(t, a, crm.RoleMember, crm.Person{})
	if _, err := a.ImportPeople(apptest.Context(member), path, "", false); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("member imports people: %v", err)
	}
	// A dry run stores nothing.
	res, err := a.ImportPeople(ctx, path, "", true)
	if err != nil || res.Rows != 4 || res.Created != 4 || res.Departments != 2 || res.Teams != 2 || !res.DryRun {
		t.Fatalf("dry run = %+v, %v", res, err)
	}
	if _, err := a.Store().PersonByEmail(context.Background(), "wang@test.example"); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("the dry run stored people: %v", err)
	}
	res, err = a.ImportPeople(ctx, path, "", false)
	if err != nil || res.Created != 4 || res.Updated != 0 || res.Departments != 2 || res.Teams != 2 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	s := a.Store()
	bg := context.Background()
	wang, _ := s.PersonByEmail(bg, "wang@test.example")
	zhao, _ := s.PersonByEmail(bg, "zhao@test.example")
	li, err := s.PersonByEmail(bg, "li@test.example")
	if err != nil {
		t.Fatal(err)
	}
	if wang.Role != crm.RoleDeptHead || wang.Scope != crm.ScopeDepartment || zhao.ManagerID != wang.ID || li.ManagerID != zhao.ID ||
		li.Track != crm.TrackRegional || zhao.Track != crm.TrackRegional || li.Scope != crm.ScopeOwn || li.TeamID == 0 || li.TeamID != zhao.TeamID {
		t.Errorf("people stored:\n%+v\n%+v\n%+v", wang, zhao, li)
	}
	teams, _ := a.Teams(ctx)
	for _, tm := range teams {
		if tm.Name == "华东区" && tm.Region != "华东" {
			t.Errorf("team %+v: want the region", tm)
		}
	}
	// The same file again updates, creates nothing.
	res, err = a.ImportPeople(ctx, path, "", false)
	if err != nil || res.Created != 0 || res.Updated != 4 || res.Departments != 0 || res.Teams != 0 {
		t.Errorf("second import = %+v, %v", res, err)
	}
	log, _ := a.AuditLog(ctx, store.AuditFilter{Entity: "people", Action: "import"})
	if len(log) != 2 || log[0].ActorID != admin.ID {
		t.Errorf("import audit %+v", log)
	}
}

func TestImportPeopleXLSX(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := apptest.Context(apptest.Person(t, a, crm.RoleAdmin, crm.Person{}))
	f := excelize.NewFile()
	rows := [][]any{
		{"Name", "E-mail", "Department", "Department kind", "Team", "Role", "Track"},
		{"Ann", "ann@test.example", "Sales", "SALES", "North", "Manager", "Strategic"},
		{"Bo", "bo@test.example", "Sales", "", "North", "member", ""},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Sheet1", cell, &r)
	}
	path := filepath.Join(t.TempDir(), "people.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	res, err := a.ImportPeople(ctx, path, "", false)
	if err != nil || res.Created != 2 {
		t.Fatalf("XLSX import = %+v, %v", res, err)
	}
	ann, _ := a.Store().PersonByEmail(context.Background(), "ann@test.example")
	if ann.Role != crm.RoleManager || ann.Track != crm.TrackStrategic {
		t.Errorf("ann = %+v", ann)
	}
}

// TestImportPeopleProblems: every problem is reported with row, column and
// value, and nothing at all is stored.
func TestImportPeopleProblems(t *testing.T) {
	a, _, _ := authApp(t)
	ctx := apptest.Context(apptest.Person(t, a, crm.RoleAdmin, crm.Person{}))
	count := func() int {
		people, _ := a.People(ctx, store.PeopleFilter{})
		return len(people)
	}
	before := count()
	for _, c := range []struct {
		name, csv string
		want      []string // "row column key"
	}{
		{"missing email column", "姓名,部门\n张三,销售部\n", []string{"1 邮箱 (email) error.people_import.missing_column"}},
		{"bad values", "姓名,邮箱,部门,部门类型,角色,数据范围,在职,销售轨道\n" +
			"张三,zhang@test.example,销售部,销售部,国王,本人,是,\n" +
			",nobody@test.example,销售部,销售部,成员,,是,\n" +
			"李四,not-an-address,销售部,销售部,成员,全世界,也许,夜班\n" +
			"王五,zhang@test.example,市场部,,成员,,是,\n",
			[]string{"2 角色 error.person.role", "3 姓名 error.required", "4 邮箱 error.person.email", "4 数据范围 error.person.scope",
				"4 在职 error.people_import.active", "4 销售轨道 error.person.track", "5 邮箱 error.people_import.duplicate_email"}},
		{"new department without kind", "姓名,邮箱,部门\n张三,zhang@test.example,研发部\n", []string{"2 部门 error.people_import.department_kind"}},
		{"unknown manager", "姓名,邮箱,上级邮箱\n张三,zhang@test.example,boss@test.example\n", []string{"2 上级邮箱 error.person.manager"}},
		{"manager loop", "姓名,邮箱,上级邮箱\n甲,a@test.example,b@test.example\n乙,b@test.example,a@test.example\n", []string{"3 上级邮箱 error.person.manager_cycle"}},
		{"only a header", "姓名,邮箱\n", []string{"2  error.people_import.empty"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := a.ImportPeople(ctx, writeGBK(t, "p.csv", c.csv), "", false)
			if !errors.Is(err, app.ErrPeopleFile) {
				t.Fatalf("err = %v, want ErrPeopleFile; %+v", err, res)
			}
			var got []string
			for _, p := range res.Problems {
				got = append(got, strings.TrimSpace(strings.Join([]string{itoa(p.Row), p.Column, p.Key}, " ")))
			}
			for _, w := range c.want {
				found := false
				for _, g := range got {
					found = found || g == strings.TrimSpace(w) || strings.Join(strings.Fields(g), " ") == strings.Join(strings.Fields(w), " ")
				}
				if !found {
					t.Errorf("problems %q lack %q", got, w)
				}
			}
			if n := count(); n != before {
				t.Errorf("%d people after a failed import, want %d", n, before)
			}
			if ds, _ := a.Departments(ctx); len(ds) != 0 {
				t.Errorf("departments created by a failed import: %+v", ds)
			}
		})
	}
	if _, err := a.ImportPeople(ctx, writeGBK(t, "p.xlsx", "not a workbook"), "", false); err == nil {
		t.Error("a text file named .xlsx was accepted")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
