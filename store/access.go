package store

import (
	"context"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
)

// The need-to-know rule (DESIGN.md "Access"), in one place:
//
//   - A person with a bank-wide role (kamp.BankWide: administrator,
//     head-office analyst, risk officer, auditor) sees every entity and group.
//   - Anyone else sees an entity when its branch lies in the subtree of their
//     org unit, or when they are on the current coverage team of its unit
//     (its group, or the entity itself when it is a unit of its own).
//   - They see a group when it has a member whose branch lies in that
//     subtree, or when they are on the group's team. In a group seen only
//     through the subtree, the members listed are those the entity rule
//     shows; a team member sees the whole group.
//
//   - Strategic units (a group, or a client outside any group) follow the
//     group and entity rules (unitCond): coverage teams, change requests,
//     screening results and the strategic list are seen with their unit. A
//     chain prospect is seen with the units it is linked to, and by the
//     branch RM it is assigned to (prospectScope in chain.go, built on
//     unitCond).
//
// Every store query that returns entities or groups for a person takes a
// Viewer and applies the rule itself (entities by seesEntity, groups by
// groupCond, members by memberCond, units by unitCond), so pages, the API,
// exports and search cannot disagree. A record outside the scope is
// answered exactly as a missing one (ENOTFOUND, or absent from a list).

// Viewer is who a query answers for. The zero Viewer sees nothing; System
// sees everything (the command line, background jobs).
type Viewer struct {
	all    bool
	userID string
	// units are the org unit codes of the person's subtree.
	units map[string]bool
	// teamUnits are the units (group or client ids) whose current coverage
	// teams the person is on; teamEntities the entities those units hold.
	teamUnits    map[string]bool
	teamEntities map[string]bool
}

// System is the viewer of the command line and of background jobs: it sees
// everything.
var System = Viewer{all: true}

// All reports whether v sees every entity and group.
func (v Viewer) All() bool { return v.all }

// ViewerFor returns the scope of u: bank-wide for a bank-wide role, else the
// subtree of u's org unit and u's coverage teams. A disabled person sees
// nothing.
func (db *DB) ViewerFor(ctx context.Context, u kamp.User) (Viewer, error) {
	if u.Disabled {
		return Viewer{}, nil
	}
	if kamp.BankWide(u.Role) {
		return Viewer{all: true, userID: u.ID}, nil
	}
	v := Viewer{userID: u.ID, units: map[string]bool{}, teamUnits: map[string]bool{}, teamEntities: map[string]bool{}}
	units, err := db.OrgUnits(ctx)
	if err != nil {
		return v, err
	}
	for _, code := range kamp.Subtree(units, u.OrgUnit) {
		v.units[code] = true
	}
	rows, err := db.query(ctx, `SELECT unit_id FROM team_members WHERE user_id = ? AND until IS NULL`, u.ID)
	if err != nil {
		return v, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the teams of %s", u.Login)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return v, db.mapErr(err)
		}
		v.teamUnits[id], v.teamEntities[id] = true, true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return v, db.mapErr(err)
	}
	rows, err = db.query(ctx, `SELECT g.entity_id FROM team_members t JOIN entity_groups g ON g.group_id = t.unit_id
		WHERE t.user_id = ? AND t.until IS NULL`, u.ID)
	if err != nil {
		return v, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the team clients of %s", u.Login)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return v, db.mapErr(err)
		}
		v.teamEntities[id] = true
	}
	return v, db.mapErr(rows.Err())
}

// seesEntity is the entity rule.
func (v Viewer) seesEntity(id, branch string) bool {
	return v.all || (branch != "" && v.units[branch]) || v.teamEntities[id]
}

// unitList returns the subtree's codes, sorted, as query arguments.
func (v Viewer) unitList() []any {
	codes := make([]string, 0, len(v.units))
	for c := range v.units {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	return args
}

// in returns "col IN (?, …)" for n arguments, or a false condition for none.
func in(col string, n int) string {
	if n == 0 {
		return "1 = 0"
	}
	return col + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

// groupCond is the group rule as an SQL condition on the group id column
// col, with its arguments; "" when v sees every group.
func (v Viewer) groupCond(col string) (string, []any) {
	if v.all {
		return "", nil
	}
	units := v.unitList()
	cond := "(" + col + " IN (SELECT group_id FROM group_branches WHERE " + in("branch", len(units)) + ")" +
		" OR " + col + " IN (SELECT unit_id FROM team_members WHERE user_id = ? AND until IS NULL))"
	return cond, append(units, v.userID)
}

// unitCond is the rule for strategic units — a group id, or the id of a
// client outside any group — as an SQL condition on the unit id column
// col, with its arguments; "" when v sees every unit. A unit is seen when
// it is a group v sees, or an entity in v's subtree, or v is on its team.
func (v Viewer) unitCond(col string) (string, []any) {
	if v.all {
		return "", nil
	}
	g, args := v.groupCond(col)
	units := v.unitList()
	return "(" + g + " OR " + col + " IN (SELECT id FROM entities WHERE " + in("branch", len(units)) + "))", append(args, units...)
}

// memberCond is the condition on the branch column col of a visible
// group's members that keeps the ones v may see; "" when v sees them all.
func (v Viewer) memberCond(groupID, col string) (string, []any) {
	if v.all || v.teamUnits[groupID] {
		return "", nil
	}
	units := v.unitList()
	return in(col, len(units)), units
}

// rowFilter returns the entity rule over the rows of idx, or nil when v
// sees every row.
func (v Viewer) rowFilter(idx *entityIndex) func(int32) bool {
	if v.all {
		return nil
	}
	branchOK := make([]bool, len(idx.branchNames))
	for i, b := range idx.branchNames {
		branchOK[i] = b != "" && v.units[b]
	}
	team := make([]bool, 0)
	if len(v.teamEntities) > 0 {
		team = make([]bool, len(idx.ids))
		for id := range v.teamEntities {
			if i, ok := slices.BinarySearch(idx.ids, id); ok {
				team[i] = true
			}
		}
	}
	return func(i int32) bool {
		return branchOK[idx.branchCode[i]] || (len(team) > 0 && team[i])
	}
}
