package kamp

import (
	"slices"
	"time"
)

// Org unit kinds (机构类型).
const (
	UnitHeadOffice = "head_office" // 总行
	UnitBranch     = "branch"      // 分行
	UnitSubBranch  = "sub_branch"  // 支行
	UnitDepartment = "department"  // 部门, e.g. the strategic-client department
)

// UnitKinds lists the org unit kinds, from the top of the tree down.
var UnitKinds = []string{UnitHeadOffice, UnitBranch, UnitSubBranch, UnitDepartment}

// OrgUnit is one unit of the bank's organisation (机构): the head office, a
// branch, a sub-branch or a department. Units form one tree under the head
// office. An entity's branch column names the unit that owns the
// relationship.
type OrgUnit struct {
	Code   string
	Name   string
	Kind   string
	Parent string // "" for the root
}

// Roles lists every role, in the order pages show them.
var Roles = []string{RoleAdmin, RoleAnalyst, RoleLeadRM, RoleBranchRM, RoleProduct, RoleSupport, RoleRisk, RoleAuditor}

// BankWide reports whether a role reads bank-wide (every client and group,
// read-only as the role allows) rather than by org unit and coverage team.
func BankWide(role string) bool {
	switch role {
	case RoleAdmin, RoleAnalyst, RoleRisk, RoleAuditor:
		return true
	}
	return false
}

// TeamRoles are the roles a person may hold in a coverage team; a person
// joins a team in the role they hold in the bank.
var TeamRoles = []string{RoleLeadRM, RoleBranchRM, RoleProduct, RoleSupport}

// TeamMember is one person's time on a coverage team (服务团队): from Since
// until Until ("" while still on it). A strategic unit has at most one
// current member with role RoleLeadRM, its lead account manager (主办客户经理).
type TeamMember struct {
	ID        string
	UnitID    string // the group id, or the client's id for a client outside any group
	UserID    string
	Login     string
	Name      string
	Role      string // one of TeamRoles
	OrgUnit   string
	Since     string // YYYY-MM-DD
	Until     string // YYYY-MM-DD, "" while current
	AddedBy   string
	RemovedBy string
}

// Change request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// Change request kinds.
const (
	RequestTeam  = "team"  // add a person to or remove one from a coverage team
	RequestGroup = "group" // a manual override of a computed group (人工调整)
	// RequestNomination includes a unit in the strategic list at a tier
	// (op "include", Detail "core" or "key") or excludes it (op "exclude").
	RequestNomination = "nomination"
	// RequestAdoption adopts a screening run's tiers (Detail: the run id)
	// as the official strategic list.
	RequestAdoption = "adoption"
)

// ChangeRequest is a change made by one person (the maker) that takes
// effect only when a second person with the authority approves it (the
// checker): the maker-checker rule (双人复核).
type ChangeRequest struct {
	ID        string
	Kind      string // RequestTeam, …
	Subject   string // what it changes: a unit id for team changes, a group id for overrides
	Op        string // "add" or "remove"; for overrides also "clear" (end the entity's override)
	UserID    string // the person added or removed, for team changes
	UserName  string
	EntityID  string // the entity moved, for overrides
	Detail    string // the tier of a nomination, the run id of an adoption
	Reason    string
	Status    string
	MadeBy    string // login
	MadeAt    time.Time
	DecidedBy string
	DecidedAt time.Time
	Note      string // the checker's note
}

// Authority levels (职级): what a person may approve grows with the level.
const (
	LevelStaff     = 1 // 员工
	LevelSenior    = 2 // 高级经理
	LevelManager   = 3 // 负责人: heads of departments and sub-branches
	LevelExecutive = 4 // 行领导: branch and head-office executives
	// MaxLevel is the highest authority level a person may have.
	MaxLevel = 9
)

// Action is something a person may or may not do.
type Action string

// Actions gated by role and authority level.
const (
	ActImport          Action = "import"           // load data files
	ActReadAudit       Action = "audit.read"       // read the audit trail
	ActManageOrg       Action = "org.manage"       // edit org units and staff
	ActSettings        Action = "settings"         // change the bank's settings (tier-1 capital, regime)
	ActProposeTeam     Action = "team.propose"     // propose a coverage team change
	ActApproveTeam     Action = "team.approve"     // approve or reject one
	ActProposeOverride Action = "override.propose" // propose a manual change of a group's members
	ActApproveOverride Action = "override.approve" // approve or reject one
	// ActProposeNomination proposes a nomination, an exclusion or the
	// adoption of a screening run as the strategic list.
	ActProposeNomination Action = "nomination.propose"
	// ActApproveNomination approves or rejects one: the strategic list is
	// a senior decision.
	ActApproveNomination Action = "nomination.approve"
	// ActWorkProspects assigns a chain prospect to a branch RM as a lead or
	// dismisses it with a reason.
	ActWorkProspects Action = "prospects.work"
)

// rule is who may do an action: one of the roles, at the level or above.
type rule struct {
	roles    []string
	minLevel int
}

// authority is the one table of who may do what.
var authority = map[Action]rule{
	ActImport:            {roles: []string{RoleAdmin, RoleAnalyst}},
	ActReadAudit:         {roles: []string{RoleAdmin, RoleAuditor}},
	ActManageOrg:         {roles: []string{RoleAdmin}},
	ActSettings:          {roles: []string{RoleAdmin}},
	ActProposeTeam:       {roles: []string{RoleAdmin, RoleAnalyst, RoleLeadRM}},
	ActApproveTeam:       {roles: []string{RoleAdmin, RoleAnalyst, RoleLeadRM}, minLevel: LevelManager},
	ActProposeOverride:   {roles: []string{RoleAdmin, RoleAnalyst, RoleRisk}},
	ActApproveOverride:   {roles: []string{RoleAdmin, RoleAnalyst, RoleRisk}, minLevel: LevelManager},
	ActProposeNomination: {roles: []string{RoleAdmin, RoleAnalyst}},
	ActApproveNomination: {roles: []string{RoleAdmin, RoleAnalyst}, minLevel: LevelExecutive},
	ActWorkProspects:     {roles: []string{RoleAdmin, RoleAnalyst, RoleLeadRM}},
}

// ApproveAction returns the action that approving a request of kind takes.
func ApproveAction(kind string) Action {
	switch kind {
	case RequestGroup:
		return ActApproveOverride
	case RequestNomination, RequestAdoption:
		return ActApproveNomination
	}
	return ActApproveTeam
}

// ActionRoles returns the roles that may do a, at some level.
func ActionRoles(a Action) []string { return authority[a].roles }

// ActionLevel returns the lowest authority level that may do a.
func ActionLevel(a Action) int { return max(authority[a].minLevel, LevelStaff) }

// Can reports whether u may do a. A disabled person may do nothing.
func (u User) Can(a Action) bool {
	r, ok := authority[a]
	return ok && !u.Disabled && slices.Contains(r.roles, u.Role) && u.Level >= r.minLevel
}

// Subtree returns code and the codes of every unit below it in units;
// nothing when code is not a unit.
func Subtree(units []OrgUnit, code string) []string {
	children := map[string][]string{}
	found := false
	for _, u := range units {
		children[u.Parent] = append(children[u.Parent], u.Code)
		found = found || u.Code == code
	}
	if !found {
		return nil
	}
	out := []string{code}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// CheckOrgTree checks that units form one tree: unique codes, exactly one
// head office and it the root, every other unit under an existing parent,
// branches under the head office, sub-branches under a branch, no cycles.
// Departments may sit under any unit, another department included.
func CheckOrgTree(units []OrgUnit) error {
	byCode := make(map[string]OrgUnit, len(units))
	for _, u := range units {
		if _, dup := byCode[u.Code]; dup {
			return Errorf(EINVALID, "org unit %s appears twice", u.Code)
		}
		if !slices.Contains(UnitKinds, u.Kind) {
			return Errorf(EINVALID, "org unit %s: unknown kind %q: use head_office, branch, sub_branch or department", u.Code, u.Kind)
		}
		byCode[u.Code] = u
	}
	roots := 0
	for _, u := range units {
		if u.Kind == UnitHeadOffice {
			roots++
			if u.Parent != "" {
				return Errorf(EINVALID, "org unit %s: the head office has no parent, not %s", u.Code, u.Parent)
			}
			continue
		}
		if u.Parent == "" {
			return Errorf(EINVALID, "org unit %s: only the head office may have no parent", u.Code)
		}
		p, ok := byCode[u.Parent]
		if !ok {
			return Errorf(EINVALID, "org unit %s: parent %s does not exist", u.Code, u.Parent)
		}
		switch {
		case u.Kind == UnitBranch && p.Kind != UnitHeadOffice:
			return Errorf(EINVALID, "org unit %s: a branch sits under the head office, not under %s (%s)", u.Code, p.Code, p.Kind)
		case u.Kind == UnitSubBranch && p.Kind != UnitBranch:
			return Errorf(EINVALID, "org unit %s: a sub-branch sits under a branch, not under %s (%s)", u.Code, p.Code, p.Kind)
		}
	}
	if roots > 1 {
		return Errorf(EINVALID, "there are %d head offices; the tree has exactly one", roots)
	}
	if len(units) > 0 && roots == 0 {
		return Errorf(EINVALID, "no head office: one unit of kind head_office is the root of the tree")
	}
	// Only departments can chain among themselves: walk up from each.
	for _, u := range units {
		seen := map[string]bool{}
		for c := u.Code; c != ""; c = byCode[c].Parent {
			if seen[c] {
				return Errorf(EINVALID, "org unit %s: its parents form a cycle", u.Code)
			}
			seen[c] = true
		}
	}
	return nil
}
