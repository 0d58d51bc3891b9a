package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// eachDB runs fn with the --db value of a fresh SQLite file and, when
// KAMP_TEST_POSTGRES is set, of a fresh PostgreSQL schema.
func eachDB(t *testing.T, fn func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "kamp.db")) })
	t.Run("postgres", func(t *testing.T) {
		base := storetest.PostgresDSN(t)
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		schema := "kamp_cmd_" + hex.EncodeToString(b)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if a, err := sql.Open("pgx", base); err == nil {
				_, _ = a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
				a.Close()
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		fn(t, u.String())
	})
}

const orgFile = `code,name,kind,parent
HO,总行,head_office,
HO-SCD,战略客户部,department,HO
BJ,北京分行,branch,HO
BJ01,北京东城支行,sub_branch,BJ
SH,上海分行,branch,HO
`

// TestOrgCommands imports an org-units file, refuses a bad one with its
// report and without a change, lists the tree, and sets people's units.
func TestOrgCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		good := write(t, dir, "org-units.csv", orgFile)
		code, out, errOut := runKamp(t, "org", "import", "--db", db, good)
		if code != 0 || !strings.Contains(out, "5 org units read: 5 added, 0 changed, 0 unchanged") {
			t.Fatalf("org import: exit %d\n%s%s", code, out, errOut)
		}
		// Flags may follow the file; a renamed unit is a change.
		write(t, dir, "org-units.csv", strings.Replace(orgFile, "上海分行", "上海市分行", 1))
		if code, out, errOut := runKamp(t, "org", "import", good, "--db", db); code != 0 || !strings.Contains(out, "5 org units read: 0 added, 1 changed, 4 unchanged") {
			t.Fatalf("org import again: exit %d\n%s%s", code, out, errOut)
		}

		bad := write(t, dir, "org-bad.csv", orgFile+"BJ02,北京西城支行,sub_branch,HO\nGZ,广州分行,branch,\nBJ,北京分行,branch,HO\n")
		report := filepath.Join(dir, "report.csv")
		code, out, errOut = runKamp(t, "org", "import", "--db", db, "--report", report, bad)
		if code != 1 || !strings.Contains(out, "3 bad rows:") || !strings.Contains(out, "nothing was loaded") {
			t.Fatalf("bad file: exit %d\n%s%s", code, out, errOut)
		}
		got, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		want := "file,line,column,value,reason\n" +
			"org-bad.csv,7,parent,HO,\"a sub-branch sits under a branch, not under a head_office\"\n" +
			"org-bad.csv,8,parent,,required value is missing: only the head office has no parent\n" +
			"org-bad.csv,9,code,BJ,duplicate code: the same as line 4\n"
		if string(got) != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}

		if code, out, errOut := runKamp(t, "user", "add", "--db", db, "--login", "rm.li", "--role", "branch_rm", "--unit", "BJ01"); code != 0 {
			t.Fatalf("user add --unit: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = runKamp(t, "org", "list", "--db", db)
		wantTree := "HO               总行 (head_office)\n" +
			"  BJ             北京分行 (branch)\n" +
			"    BJ01         北京东城支行 (sub_branch), 1 staff\n" +
			"  SH             上海市分行 (branch)\n" +
			"  HO-SCD         战略客户部 (department)\n"
		if code != 0 || out != wantTree {
			t.Errorf("org list: exit %d\n%s%s\nwant:\n%s", code, out, errOut, wantTree)
		}

		tests := []struct {
			args []string
			code int
			want string
		}{
			{[]string{"user", "add", "--login", "x", "--role", "analyst", "--unit", "GZ"}, 1, `no org unit "GZ"`},
			{[]string{"user", "add", "--login", "x", "--org", "BJ", "--unit", "SH"}, 1, "disagree"},
			{[]string{"user", "set", "rm.li"}, 1, "say what to change"},
			{[]string{"user", "set", "rm.li", "--level", "3", "--unit", "BJ"}, 0, "user rm.li: unit BJ01 → BJ, level 1 → 3"},
			{[]string{"user", "set", "--login", "rm.li", "--role", "lead_rm", "--name", "李明"}, 0, "user rm.li: name rm.li → 李明, role branch_rm → lead_rm"},
			{[]string{"user", "set", "rm.li", "--level", "3"}, 0, "user rm.li: nothing changed"},
			{[]string{"user", "set", "rm.li", "--unit", "GZ"}, 1, `no org unit "GZ"`},
			{[]string{"user", "set", "rm.li", "--role", "king"}, 1, "unknown role"},
			{[]string{"user", "set", "nobody", "--level", "2"}, 1, `no user "nobody"`},
			{[]string{"user", "set", "rm.li", "--disabled"}, 0, "disabled false → true"},
			{[]string{"user", "list"}, 0, "(disabled)"},
			{[]string{"user", "set", "rm.li", "--disabled=false"}, 0, "disabled true → false"},
			{[]string{"user", "set", "rm.li", "other", "--level", "2"}, 1, "name one login"},
			{[]string{"org", "import"}, 1, "name one org-units file"},
			{[]string{"org", "import", filepath.Join(dir, "none.csv")}, 1, "cannot open"},
			{[]string{"org", "frobnicate"}, 1, "use import or list"},
		}
		for _, tt := range tests {
			code, out, errOut := runKamp(t, append(tt.args, "--db", db)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("%v: exit %d\n%s%swant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
			}
		}
		for _, args := range [][]string{{"org"}, {"team"}} {
			if code, _, errOut := runKamp(t, args...); code != 1 || !strings.Contains(errOut, "say what to do") {
				t.Errorf("%v: exit %d\n%s", args, code, errOut)
			}
		}
		if code, out, _ := runKamp(t, "user", "list", "--db", db); code != 0 || strings.Contains(out, "(disabled)") || !regexp.MustCompile(`rm.li +lead_rm +BJ +level 3 +李明`).MatchString(out) {
			t.Errorf("user list after the changes:\n%s", out)
		}
		if code, out, _ := runKamp(t, "audit", "verify", "--db", db); code != 0 || !strings.Contains(out, "intact") {
			t.Errorf("audit verify: exit %d\n%s", code, out)
		}
		if code, out, _ := runKamp(t, "audit", "list", "--db", db, "--action", "org.changed"); code != 0 || !strings.Contains(out, "2 of 2 events") || !strings.Contains(out, " cli ") {
			t.Errorf("org changes are not audited as the command line's, twice:\n%s", out)
		}
	})
}

// TestTeamCommands puts people on a group's coverage team from the command
// line and shows it with its history.
func TestTeamCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		os.Mkdir(data, 0o755)
		write(t, data, "entities.csv", "id,name,branch\nG1,华信集团有限公司,HO\nG2,华信科技有限公司,BJ01\nC9,宏达物流有限公司,SH\n")
		write(t, data, "ownership.csv", "holder_id,entity_id,share_pct\nG1,G2,60\n")
		for _, args := range [][]string{
			{"import", "--db", db, "--quiet", data},
			{"org", "import", "--db", db, write(t, dir, "org-units.csv", orgFile)},
			{"user", "add", "--db", db, "--login", "lead", "--role", "lead_rm", "--unit", "HO-SCD", "--level", "3"},
			{"user", "add", "--db", db, "--login", "lead.b", "--role", "lead_rm", "--unit", "HO-SCD"},
			{"user", "add", "--db", db, "--login", "rm", "--role", "branch_rm", "--unit", "BJ01"},
			{"user", "add", "--db", db, "--login", "ana", "--role", "analyst", "--unit", "HO-SCD"},
		} {
			if code, out, errOut := runKamp(t, args...); code != 0 {
				t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
			}
		}
		code, out, errOut := runKamp(t, "team", "add", "G1", "lead", "rm", "--db", db)
		if code != 0 || !strings.Contains(out, "added to the team of G1: lead, rm") || !strings.Contains(out, "coverage team of group G1 华信集团有限公司") ||
			!regexp.MustCompile(`(?m)^  lead_rm +lead .*since \d{4}-\d\d-\d\d \(added by cli\)$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^  branch_rm +rm +rm +BJ01 `).MatchString(out) {
			t.Fatalf("team add: exit %d\n%s%s", code, out, errOut)
		}
		// A new lead account manager ends the spell of the one before.
		if code, out, errOut := runKamp(t, "team", "add", "--db", db, "G1", "lead.b"); code != 0 {
			t.Fatalf("team add lead.b: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = runKamp(t, "team", "show", "--db", db, "G1")
		if code != 0 || !strings.Contains(out, "history (3 spells, newest first):") || !regexp.MustCompile(`– \d{4}-\d\d-\d\d +lead_rm +lead +added by cli, removed by cli`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^  lead_rm +lead.b `).MatchString(out) || regexp.MustCompile(`(?m)^  lead_rm +lead `).MatchString(out) {
			t.Errorf("team show: exit %d\n%s%s", code, out, errOut)
		}
		if code, out, _ := runKamp(t, "team", "show", "--db", db, "C9"); code != 0 || !strings.Contains(out, "coverage team of client C9 宏达物流有限公司") || !strings.Contains(out, "no current members") {
			t.Errorf("team show of a client without a team: exit %d\n%s", code, out)
		}
		tests := []struct {
			args []string
			want string
		}{
			{[]string{"team", "add", "NOPE", "lead"}, `no client or group "NOPE"`},
			{[]string{"team", "add", "G1", "ana"}, "ana is a analyst"},
			{[]string{"team", "add", "G1", "rm"}, "already on the team"},
			{[]string{"team", "add", "G1", "ghost"}, `no user "ghost"`},
			{[]string{"team", "add", "G1"}, "at least one login"},
			{[]string{"team", "show"}, "name one unit"},
			{[]string{"team", "remove", "G1"}, "use add or show"},
		}
		for _, tt := range tests {
			code, out, errOut := runKamp(t, append(tt.args, "--db", db)...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Errorf("%v: exit %d\n%s%swant exit 1 and %q", tt.args, code, out, errOut, tt.want)
			}
		}
		if code, out, _ := runKamp(t, "audit", "list", "--db", db, "--action", "team.changed"); code != 0 || !strings.Contains(out, "2 of 2 events") {
			t.Errorf("team changes audited:\n%s", out)
		}
	})
}

// TestDemoOrg seeds a small demo bank's organisation, staff and coverage
// teams as serve --demo does for a database seeded before organisations
// existed (its folder lacks org-units.csv), then checks that a second start
// changes nothing. Without the demo's files nothing is seeded.
func TestDemoOrg(t *testing.T) {
	ctx := kamp.WithActor(context.Background(), kamp.ActorCLI)
	dir := t.TempDir()
	if _, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: 3000, Payments: 1000, Seed: 5, Out: dir}); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, st *store.DB) {
		res, err := ingest.Run(ctx, st, []string{dir}, ingest.Options{})
		if err != nil || res.Batch.Status != kamp.ImportLoaded {
			t.Fatalf("import: %v %s", err, res.Batch.Status)
		}
		var out bytes.Buffer
		e := &env{stdout: &out, stderr: &out, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		// A folder without the demo bank's files: not a demo database.
		if err := ensureDemoOrg(ctx, e, st, t.TempDir(), 0, control.CN2018); err != nil || out.Len() != 0 {
			t.Fatalf("without the demo's files: %v\n%s", err, out.String())
		}
		if units, err := st.OrgUnits(ctx); err != nil || len(units) != 0 {
			t.Fatalf("without the demo's files: %d org units, %v", len(units), err)
		}
		folder := dir
		if err := os.Remove(filepath.Join(folder, demo.FileOrgUnits)); err != nil {
			t.Fatal(err)
		}
		if err := ensureDemoOrg(ctx, e, st, folder, 0, control.CN2018); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if _, err := os.Stat(filepath.Join(folder, demo.FileOrgUnits)); err != nil {
			t.Errorf("org-units.csv not written for an old demo folder: %v", err)
		}
		units, err := st.OrgUnits(ctx)
		if err != nil || len(units) != len(demo.OrgUnits()) {
			t.Fatalf("%d org units, want %d (%v)", len(units), len(demo.OrgUnits()), err)
		}
		// Every person is printed once with a password that signs them in.
		for _, p := range demoStaff {
			m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(p.login) + ` +` + p.role + ` +` + p.unit + ` +` + fmt.Sprint(p.level) + ` +(\S+)$`).FindStringSubmatch(out.String())
			if m == nil {
				t.Errorf("%s not in the staff table:\n%s", p.login, out.String())
				continue
			}
			if _, err := st.Authenticate(ctx, p.login, m[1]); err != nil {
				t.Errorf("%s cannot sign in with the printed password: %v", p.login, err)
			}
		}
		roles := map[string]bool{kamp.RoleAdmin: true}
		for _, p := range demoStaff {
			roles[p.role] = true
		}
		for _, r := range kamp.Roles {
			if !roles[r] {
				t.Errorf("no demo person has the role %s", r)
			}
		}

		groups, _, err := st.Groups(ctx, store.System, store.GroupFilter{Sort: "-exposure", Limit: demoTeams})
		if err != nil || len(groups) != demoTeams {
			t.Fatalf("%d groups, %v", len(groups), err)
		}
		rmUnits := map[string]string{"rm-bj": "BJ", "rm-bj01": "BJ01", "rm-sh": "SH"}
		rmTeams := 0
		for i, g := range groups {
			team, err := st.Team(ctx, store.System, g.GroupID, false)
			if err != nil {
				t.Fatal(err)
			}
			var logins []string
			for _, m := range team {
				logins = append(logins, m.Login)
			}
			lead := "lead1"
			if i >= 10 {
				lead = "lead2"
			}
			if len(logins) < 3 || logins[0] != lead || !slices.Contains(logins, "product1") || !slices.Contains(logins, "support1") {
				t.Errorf("group %d %s: team %v, want %s leading, product1 and support1", i, g.GroupID, logins, lead)
			}
			// A branch RM is on the team exactly when a member of the
			// group is a client of their branch or one of its sub-branches.
			branches := memberBranches(t, st, g.GroupID)
			for rm, unit := range rmUnits {
				served := false
				for b := range branches {
					served = served || b == unit || (len(unit) == 2 && strings.HasPrefix(b, unit) && len(b) == 4)
				}
				if on := slices.Contains(logins, rm); on != served {
					t.Errorf("group %s (branches %v): %s on the team = %v", g.GroupID, branches, rm, on)
				}
				if served {
					rmTeams++
				}
			}
		}
		if rmTeams == 0 {
			t.Errorf("no demo branch RM serves any of the %d largest groups: the check above proves nothing", demoTeams)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("Coverage teams for the %d largest groups by exposure", demoTeams)) {
			t.Errorf("no line about the teams:\n%s", out.String())
		}

		// A second start finds the org units and does nothing.
		n, _ := st.CountUsers(ctx)
		out.Reset()
		if err := ensureDemoOrg(ctx, e, st, folder, 0, control.CN2018); err != nil || out.Len() != 0 {
			t.Errorf("second start: %v\n%s", err, out.String())
		}
		if m, _ := st.CountUsers(ctx); m != n {
			t.Errorf("second start: %d users, was %d", m, n)
		}
	})
}

// memberBranches returns the branch codes of a group's members.
func memberBranches(t *testing.T, st *store.DB, groupID string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]bool{}
	for off := 0; ; off += store.MaxLimit {
		ms, total, err := st.GroupMembers(ctx, store.System, groupID, off, store.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			e, err := st.Entity(ctx, store.System, m.EntityID)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Branch] = true
		}
		if off+len(ms) >= total || len(ms) == 0 {
			return out
		}
	}
}
