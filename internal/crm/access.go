package crm

import "slices"

// Roles: what a person may do. The data scope (below) says on which records.
const (
	RoleAdmin     = "ADMIN"     // people, roles, the method's settings; everything
	RoleExecutive = "EXECUTIVE" // owner, sales VP: every account, targets, imports
	RoleDeptHead  = "DEPT_HEAD" // head of a department
	RoleManager   = "MANAGER"   // leads a team
	RoleMember    = "MEMBER"    // rep, analyst, project lead
	RoleAuditor   = "AUDITOR"   // reads everything and the audit log, changes nothing
)

// Roles lists the roles from most to least powerful.
var Roles = []string{RoleAdmin, RoleExecutive, RoleDeptHead, RoleManager, RoleMember, RoleAuditor}

// Data scopes: which accounts a person sees.
const (
	ScopeOwn        = "OWN"        // accounts the person owns or sells to
	ScopeTeam       = "TEAM"       // … of their team and of the people who report to them
	ScopeDepartment = "DEPARTMENT" // … of their department
	ScopeAll        = "ALL"        // every account
)

// Scopes lists the data scopes from narrowest to widest.
var Scopes = []string{ScopeOwn, ScopeTeam, ScopeDepartment, ScopeAll}

// DefaultScope is the scope a new person of role gets unless told otherwise.
func DefaultScope(role string) string {
	switch role {
	case RoleAdmin, RoleExecutive, RoleAuditor:
		return ScopeAll
	case RoleDeptHead:
		return ScopeDepartment
	case RoleManager:
		return ScopeTeam
	default:
		return ScopeOwn
	}
}

// Permission is something a role may do. Every route of the web pages and
// the API names the one it needs; a test walks them all for every role.
type Permission string

// The permissions. Reading is always limited by the data scope.
const (
	// PermPublic: no sign-in needed (sign-in page, health, static files).
	PermPublic Permission = "public"
	// PermSignedIn: any signed-in person (their own profile, password, tokens).
	PermSignedIn Permission = "signed_in"
	// PermRead: see accounts, the pyramid, targets, the directory of people.
	PermRead Permission = "read"
	// PermEditAccounts: create and edit accounts, move them through the lifecycle.
	PermEditAccounts Permission = "edit_accounts"
	// PermImport: import accounts and revenue.
	PermImport Permission = "import"
	// PermTargets: set tier and upgrade targets.
	PermTargets Permission = "targets"
	// PermExport: download lists.
	PermExport Permission = "export"
	// PermManagePeople: edit departments, teams, people and their roles.
	PermManagePeople Permission = "manage_people"
	// PermSettings: change the methodology configuration.
	PermSettings Permission = "settings"
	// PermAudit: search and export the audit log.
	PermAudit Permission = "audit"
)

// Permissions lists every permission, for documentation and tests.
var Permissions = []Permission{PermPublic, PermSignedIn, PermRead, PermEditAccounts, PermImport, PermTargets,
	PermExport, PermManagePeople, PermSettings, PermAudit}

// grants is the role → permission matrix (docs/security.md shows it).
var grants = map[string][]Permission{
	RoleAdmin:     {PermRead, PermEditAccounts, PermImport, PermTargets, PermExport, PermManagePeople, PermSettings, PermAudit},
	RoleExecutive: {PermRead, PermEditAccounts, PermImport, PermTargets, PermExport},
	RoleDeptHead:  {PermRead, PermEditAccounts, PermImport, PermTargets, PermExport},
	RoleManager:   {PermRead, PermEditAccounts, PermExport},
	RoleMember:    {PermRead, PermEditAccounts},
	RoleAuditor:   {PermRead, PermExport, PermAudit},
}

// Can reports whether role grants p. Public and signed-in need no grant.
func Can(role string, p Permission) bool {
	if p == PermPublic || p == PermSignedIn {
		return slices.Contains(Roles, role) || p == PermPublic
	}
	return slices.Contains(grants[role], p)
}
