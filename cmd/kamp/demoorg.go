package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/org"
	"github.com/kampbank/kamp/store"
)

// demoPerson is one of the demo bank's staff.
type demoPerson struct {
	login, name, role, unit string
	level                   int
}

// demoStaff are the people serve --demo creates: one or more of every role
// but the administrator, which ensureAdmin creates. docs/operations.md
// lists them.
var demoStaff = []demoPerson{
	{"analyst", "王敏", kamp.RoleAnalyst, demo.DeptStrategicClients, kamp.LevelManager},
	{"analyst2", "李娜", kamp.RoleAnalyst, demo.DeptStrategicClients, kamp.LevelStaff},
	{"lead1", "张伟", kamp.RoleLeadRM, demo.DeptStrategicClients, kamp.LevelManager},
	{"lead2", "刘洋", kamp.RoleLeadRM, demo.DeptStrategicClients, kamp.LevelSenior},
	{"rm-bj", "陈静", kamp.RoleBranchRM, "BJ", kamp.LevelSenior},
	{"rm-bj01", "杨帆", kamp.RoleBranchRM, "BJ01", kamp.LevelStaff},
	{"rm-sh", "赵磊", kamp.RoleBranchRM, "SH", kamp.LevelSenior},
	{"product1", "黄丽", kamp.RoleProduct, demo.DeptProduct, kamp.LevelSenior},
	{"support1", "周杰", kamp.RoleSupport, demo.DeptOperations, kamp.LevelStaff},
	{"risk1", "吴芳", kamp.RoleRisk, demo.DeptRisk, kamp.LevelManager},
	{"auditor1", "孙强", kamp.RoleAuditor, demo.DeptAudit, kamp.LevelSenior},
}

// Coverage teams of the demo bank: the largest groups by exposure get a
// team, the first half led by the first lead account manager.
const (
	demoTeams    = 20
	demoLeadA    = "lead1"
	demoLeadB    = "lead2"
	demoProduct  = "product1"
	demoSupport  = "support1"
	demoLeadASet = 10 // how many of the teams demoLeadA leads
)

// ensureDemoOrg gives a demo database its organisation when it has no org
// units yet (a new one, or one seeded before kamp knew organisations): it
// loads the demo's org-units.csv (writing it first if the folder predates
// it), creates the demo staff with random passwords printed once, makes
// sure the groups are computed, and seeds coverage teams for the largest
// groups. With org units present it does nothing, and so it does when dir
// holds no demo bank: --demo given for a database that kamp did not fill
// with the demo never gets demo accounts.
func ensureDemoOrg(ctx context.Context, e *env, st *store.DB, dir string, tier1 kamp.Amount, regime control.Regime) error {
	units, err := st.OrgUnits(ctx)
	if err != nil || len(units) > 0 {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, demo.FileEntities)); err != nil {
		e.log.Warn("no demo organisation seeded: the database has no org units, but the demo bank's files are not there", "folder", dir)
		return nil
	}
	path := filepath.Join(dir, demo.FileOrgUnits)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if path, err = demo.WriteOrgUnits(dir); err != nil {
			return kamp.WrapError(kamp.EINTERNAL, err, "cannot write the demo's org units")
		}
	}
	units, bad, err := org.ReadFile(path)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		printBadRows(e.stderr, bad)
		return kamp.Errorf(kamp.EINVALID, "%s has bad rows: fix or delete it (kamp writes it again) and start again", path)
	}
	if err := st.SaveOrgUnits(ctx, units); err != nil {
		return err
	}
	if err := createDemoStaff(ctx, e.stdout, st); err != nil {
		return err
	}
	stale, err := grouping.Stale(ctx, st)
	if err != nil {
		return err
	}
	if stale {
		fmt.Fprintln(e.stdout, "Computing the corporate groups for the demo's coverage teams…")
		start := time.Now()
		tier1, regime, err := grouping.Limits(ctx, st, tier1, regime)
		if err != nil {
			return err
		}
		if _, err := grouping.Recompute(ctx, st, tier1, regime, nil); err != nil {
			return err
		}
		e.log.Info("groups computed", "elapsed", time.Since(start).Round(time.Millisecond))
	}
	return seedDemoTeams(ctx, e.stdout, st)
}

// createDemoStaff creates the demo staff and prints their passwords once.
// A login that exists already is left as it is.
func createDemoStaff(ctx context.Context, w io.Writer, st *store.DB) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "\nDemo staff (passwords shown only now; change one with 'kamp user passwd --login LOGIN'):")
	fmt.Fprintln(tw, "  login\trole\tunit\tlevel\tpassword")
	for _, p := range demoStaff {
		pw := store.RandomToken(12)
		_, err := st.CreateUser(ctx, kamp.User{Login: p.login, Name: p.name, Role: p.role, OrgUnit: p.unit, Level: p.level}, pw)
		switch {
		case kamp.ErrorCode(err) == kamp.ECONFLICT:
			pw = "(exists: unchanged)"
		case err != nil:
			return err
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", p.login, p.role, p.unit, p.level, pw)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("printing the demo staff: %w", err)
	}
	fmt.Fprintln(w)
	return nil
}

// seedDemoTeams gives the largest groups by exposure a coverage team: a
// lead account manager (demoLeadA for the first demoLeadASet, demoLeadB for
// the rest), every demo branch RM whose org unit's subtree holds a member
// of the group, the product specialist and the support person. A group
// that has a team already is left as it is.
func seedDemoTeams(ctx context.Context, w io.Writer, st *store.DB) error {
	groups, _, err := st.Groups(ctx, store.System, store.GroupFilter{Sort: "-exposure", Limit: demoTeams})
	if err != nil {
		return err
	}
	// Which groups a branch RM's unit serves is the need-to-know rule's
	// answer for them before they join any team.
	type rm struct {
		login string
		v     store.Viewer
	}
	var rms []rm
	for _, p := range demoStaff {
		if p.role != kamp.RoleBranchRM {
			continue
		}
		u, err := st.UserByLogin(ctx, p.login)
		if err != nil {
			return err
		}
		v, err := st.ViewerFor(ctx, u)
		if err != nil {
			return err
		}
		rms = append(rms, rm{p.login, v})
	}
	seeded := 0
	onTeams := map[string]int{}
	for i, g := range groups {
		current, err := st.Team(ctx, store.System, g.GroupID, false)
		if err != nil {
			return err
		}
		if len(current) > 0 {
			continue
		}
		lead := demoLeadA
		if i >= demoLeadASet {
			lead = demoLeadB
		}
		logins := []string{lead}
		for _, r := range rms {
			_, err := st.Group(ctx, r.v, g.GroupID)
			switch {
			case err == nil:
				logins = append(logins, r.login)
			case kamp.ErrorCode(err) != kamp.ENOTFOUND:
				return err
			}
		}
		logins = append(logins, demoProduct, demoSupport)
		if err := st.SeedTeam(ctx, g.GroupID, logins); err != nil {
			return kamp.WrapError(kamp.ErrorCode(err), err, "cannot seed the team of group %s: %s", g.GroupID, kamp.ErrorMessage(err))
		}
		seeded++
		for _, l := range logins {
			onTeams[l]++
		}
	}
	var parts []string
	for _, p := range demoStaff {
		if n := onTeams[p.login]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", p.login, n))
		}
	}
	fmt.Fprintf(w, "Coverage teams for the %d largest groups by exposure (teams per person: %s).\n\n", seeded, strings.Join(parts, ", "))
	return nil
}
