package crm

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Department kinds (METHODOLOGY §3.1): marketing locks the city, sales
// attacks it, customer service holds it; management steers.
const (
	DeptManagement      = "MANAGEMENT"
	DeptMarketing       = "MARKETING"
	DeptSales           = "SALES"
	DeptCustomerService = "CUSTOMER_SERVICE"
)

// DepartmentKinds lists the department kinds in display order.
var DepartmentKinds = []string{DeptManagement, DeptMarketing, DeptSales, DeptCustomerService}

// Sales tracks (§3.3, 双轨制).
const (
	TrackRegional  = "REGIONAL"
	TrackStrategic = "STRATEGIC"
)

// Tracks lists the sales tracks; a person outside sales has none ("").
var Tracks = []string{TrackRegional, TrackStrategic}

// Role families (§7.1): star ratings and pay differ by family.
const (
	FamilyRegionalSales  = "REGIONAL_SALES"
	FamilyStrategicSales = "STRATEGIC_SALES"
	FamilyProjectService = "PROJECT_SERVICE"
	FamilyMarketing      = "MARKETING"
	FamilyManagement     = "MANAGEMENT"
)

// RoleFamilies lists the role families in display order.
var RoleFamilies = []string{FamilyRegionalSales, FamilyStrategicSales, FamilyProjectService, FamilyMarketing, FamilyManagement}

// Department is one of the company's departments.
type Department struct {
	ID        int64
	Name      string
	Kind      string // one of DepartmentKinds
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize trims the text fields.
func (d *Department) Normalize() { d.Name = strings.TrimSpace(d.Name) }

// Validate checks a department before it is stored.
func (d *Department) Validate() error {
	var v ValidationError
	checkName(&v, "name", d.Name)
	if !slices.Contains(DepartmentKinds, d.Kind) {
		v.Add("kind", "error.department.kind")
	}
	return v.OrNil()
}

// Team is a group of people inside a department, often one region.
type Team struct {
	ID           int64
	DepartmentID int64
	Name         string
	Region       string
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Normalize trims the text fields.
func (t *Team) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Region = strings.TrimSpace(t.Region)
}

// Validate checks a team before it is stored.
func (t *Team) Validate() error {
	var v ValidationError
	checkName(&v, "name", t.Name)
	if t.DepartmentID <= 0 {
		v.Add("department", "error.team.department")
	}
	if utf8.RuneCountInString(t.Region) > 100 {
		v.Add("region", "error.too_long")
	}
	return v.OrNil()
}

// Person is someone of the company: a user of KAM when active.
type Person struct {
	ID           int64
	Name         string
	Email        string // lower case; the sign-in name and the link to single sign-on
	Phone        string
	DepartmentID int64 // 0: none
	TeamID       int64 // 0: none
	ManagerID    int64 // 0: none
	Track        string
	RoleFamily   string
	Role         string
	Scope        string
	Active       bool
	HasPassword  bool // read only: a local password is set
	// Lang is the language the person reads KAM in ("": the installation's
	// default), for the notifications written to them; set with its own
	// use case (app.SetMyLang), not with the rest of the person.
	Lang      string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Normalize trims the text fields and lower-cases the e-mail address.
func (p *Person) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Email = NormalizeEmail(p.Email)
	p.Phone = strings.TrimSpace(p.Phone)
	if p.Scope == "" {
		p.Scope = DefaultScope(p.Role)
	}
}

// NormalizeEmail is the form e-mail addresses are stored and compared in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks a person before it is stored.
func (p *Person) Validate() error {
	var v ValidationError
	checkName(&v, "name", p.Name)
	if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || a.Name != "" {
		v.Add("email", "error.person.email")
	}
	if utf8.RuneCountInString(p.Phone) > 40 {
		v.Add("phone", "error.too_long")
	}
	if p.Track != "" && !slices.Contains(Tracks, p.Track) {
		v.Add("track", "error.person.track")
	}
	if p.RoleFamily != "" && !slices.Contains(RoleFamilies, p.RoleFamily) {
		v.Add("role_family", "error.person.role_family")
	}
	if !slices.Contains(Roles, p.Role) {
		v.Add("role", "error.person.role")
	}
	if !slices.Contains(Scopes, p.Scope) {
		v.Add("scope", "error.person.scope")
	}
	if p.ID != 0 && p.ManagerID == p.ID {
		v.Add("manager", "error.person.manager_self")
	}
	if p.TeamID != 0 && p.DepartmentID == 0 {
		v.Add("department", "error.person.team_department")
	}
	return v.OrNil()
}

func checkName(v *ValidationError, field, name string) {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		v.Add(field, "error.required")
	case n > 200:
		v.Add(field, "error.too_long")
	}
}

// ManagerCycle reports whether making managerOf[id] = manager would close a
// loop in the reporting lines; managerOf maps each person to their manager.
func ManagerCycle(managerOf map[int64]int64, id, manager int64) bool {
	seen := map[int64]bool{id: true}
	for m := manager; m != 0; m = managerOf[m] {
		if seen[m] {
			return true
		}
		seen[m] = true
	}
	return false
}

// MinPasswordLength is the shortest password KAM accepts (NIST SP 800-63B
// asks for at least 8; people choose passphrases when the floor is higher).
const MinPasswordLength = 10

// CheckPassword validates a new password; email and name may not be it.
func CheckPassword(password, email, name string) error {
	var v ValidationError
	lower := strings.ToLower(password)
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		v.Add("password", "error.password.short")
	case len(password) > 256:
		v.Add("password", "error.too_long")
	case lower == NormalizeEmail(email) || (name != "" && lower == strings.ToLower(name)):
		v.Add("password", "error.password.personal")
	}
	return v.OrNil()
}
