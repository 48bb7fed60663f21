package demo

import "kam/internal/crm"

// OrgPerson is one person of the demo organisation. Dept and Team name the
// department and team; Manager is the Key of the person's manager.
type OrgPerson struct {
	Key     string // stable handle, also the e-mail's local part
	Name    string
	Dept    string
	Team    string
	Manager string
	Track   string
	Family  string
	Role    string
}

// OrgTeam is a team of the demo organisation.
type OrgTeam struct {
	Dept, Name, Region string
}

// Org is the demo company: the three departments of the method plus
// management (METHODOLOGY §3.1), teams by region, and people in every role.
type Org struct {
	Departments []crm.Department
	Teams       []OrgTeam
	People      []OrgPerson
}

// EmailDomain is the domain of the demo people's addresses (reserved for
// examples, RFC 2606 style).
const EmailDomain = "kam.example"

// Organisation returns the demo organisation, the same every time.
func Organisation() Org {
	o := Org{Departments: []crm.Department{
		{Name: "管理层", Kind: crm.DeptManagement},
		{Name: "市场部", Kind: crm.DeptMarketing},
		{Name: "销售部", Kind: crm.DeptSales},
		{Name: "客服部", Kind: crm.DeptCustomerService},
	}}
	o.Teams = []OrgTeam{
		{"销售部", "华东区", "华东"}, {"销售部", "华南区", "华南"}, {"销售部", "华北区", "华北"},
		{"销售部", "战略客户组", ""},
		{"客服部", "项目一组", ""}, {"客服部", "项目二组", ""},
	}
	add := func(p OrgPerson) { o.People = append(o.People, p) }
	add(OrgPerson{Key: "admin", Name: "系统管理员", Dept: "管理层", Role: crm.RoleAdmin})
	add(OrgPerson{Key: "ceo", Name: "陈总", Dept: "管理层", Family: crm.FamilyManagement, Role: crm.RoleExecutive})
	add(OrgPerson{Key: "vp", Name: "林副总", Dept: "管理层", Manager: "ceo", Family: crm.FamilyManagement, Role: crm.RoleExecutive})
	add(OrgPerson{Key: "auditor", Name: "审计员", Dept: "管理层", Role: crm.RoleAuditor})
	add(OrgPerson{Key: "mkt.head", Name: "周市场", Dept: "市场部", Manager: "vp", Family: crm.FamilyMarketing, Role: crm.RoleDeptHead})
	add(OrgPerson{Key: "analyst1", Name: "吴分析", Dept: "市场部", Manager: "mkt.head", Family: crm.FamilyMarketing, Role: crm.RoleMember})
	add(OrgPerson{Key: "sales.head", Name: "王销售", Dept: "销售部", Manager: "vp", Family: crm.FamilyManagement, Role: crm.RoleDeptHead})
	regions := []struct{ team, key, mgr string }{{"华东区", "east", "赵经理"}, {"华南区", "south", "钱经理"}, {"华北区", "north", "孙经理"}}
	surnames := []string{"李", "张", "刘", "杨", "黄", "徐", "马", "朱", "胡"}
	n := 0
	for _, r := range regions {
		add(OrgPerson{Key: r.key + ".mgr", Name: r.mgr, Dept: "销售部", Team: r.team, Manager: "sales.head",
			Track: crm.TrackRegional, Family: crm.FamilyRegionalSales, Role: crm.RoleManager})
		for i := 1; i <= 3; i++ {
			add(OrgPerson{Key: r.key + ".rep" + string(rune('0'+i)), Name: surnames[n] + "区域", Dept: "销售部", Team: r.team,
				Manager: r.key + ".mgr", Track: crm.TrackRegional, Family: crm.FamilyRegionalSales, Role: crm.RoleMember})
			n++
		}
	}
	add(OrgPerson{Key: "strategic.mgr", Name: "郑经理", Dept: "销售部", Team: "战略客户组", Manager: "sales.head",
		Track: crm.TrackStrategic, Family: crm.FamilyStrategicSales, Role: crm.RoleManager})
	for i, name := range []string{"冯战略", "陈战略", "褚战略"} {
		add(OrgPerson{Key: "strategic.rep" + string(rune('1'+i)), Name: name, Dept: "销售部", Team: "战略客户组",
			Manager: "strategic.mgr", Track: crm.TrackStrategic, Family: crm.FamilyStrategicSales, Role: crm.RoleMember})
	}
	add(OrgPerson{Key: "cs.head", Name: "卫客服", Dept: "客服部", Manager: "vp", Family: crm.FamilyManagement, Role: crm.RoleDeptHead})
	for g, team := range []string{"项目一组", "项目二组"} {
		mgr := "cs" + string(rune('1'+g)) + ".mgr"
		add(OrgPerson{Key: mgr, Name: []string{"蒋组长", "沈组长"}[g], Dept: "客服部", Team: team, Manager: "cs.head",
			Family: crm.FamilyProjectService, Role: crm.RoleManager})
		for i := 1; i <= 3; i++ {
			add(OrgPerson{Key: "cs" + string(rune('1'+g)) + ".lead" + string(rune('0'+i)), Name: []string{"韩", "秦", "尤", "许", "何", "吕"}[g*3+i-1] + "项目",
				Dept: "客服部", Team: team, Manager: mgr, Family: crm.FamilyProjectService, Role: crm.RoleMember})
		}
	}
	return o
}

// Email is the demo address of a person's key.
func Email(key string) string { return key + "@" + EmailDomain }
