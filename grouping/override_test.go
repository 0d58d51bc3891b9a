package grouping_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// TestOverrides: group A holds B (60%) and B holds C (60%); D holds E (60%)
// and is a group of its own; X stands alone. Approved overrides move X into
// A, take C out of A, and move D's whole group into A; each needs a second
// person, changes the stored groups at the next run, and can be cleared.
func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"entities.csv":  "id,name,branch\nA,甲集团,B1\nB,乙公司,B1\nC,丙公司,B1\nD,丁集团,B1\nE,戊公司,B1\nX,独立公司,B1\n",
		"ownership.csv": "holder_id,entity_id,share_pct\nA,B,60\nB,C,60\nD,E,60\n",
		"exposures.csv": "client_id,facility_id,amount\nX,F1,1000\nC,F2,10\nE,F3,1\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := kamp.WithActor(ctx, "test")
		if res, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil || res.ErrorCount > 0 {
			t.Fatalf("import: %v %+v", err, res.Errors)
		}
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
			t.Fatal(err)
		}
		maker, err := db.CreateUser(ctx, kamp.User{Login: "maker", Role: kamp.RoleAnalyst, Level: 1}, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		checker, err := db.CreateUser(ctx, kamp.User{Login: "checker", Role: kamp.RoleRisk, Level: kamp.LevelManager}, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		auditor, err := db.CreateUser(ctx, kamp.User{Login: "auditor", Role: kamp.RoleAuditor, Level: 9}, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		groupOf := func(id string) string {
			m, err := db.GroupOf(ctx, store.System, id)
			if kamp.ErrorCode(err) == kamp.ENOTFOUND {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return m.GroupID
		}
		approve := func(groupID, op, entity string) {
			t.Helper()
			cr, err := db.ProposeGroupOverride(ctx, maker, groupID, op, entity, "per the credit committee")
			if err != nil {
				t.Fatalf("propose %s %s %s: %v", op, entity, groupID, err)
			}
			if _, err := db.DecideRequest(ctx, maker, cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
				t.Errorf("the maker approved their own override: %v", err)
			}
			if _, err := db.DecideRequest(ctx, checker, cr.ID, true, "ok"); err != nil {
				t.Fatal(err)
			}
		}
		if groupOf("X") != "X" || groupOf("C") != "A" || groupOf("E") != "D" {
			t.Fatalf("computed groups: X %s, C %s, E %s", groupOf("X"), groupOf("C"), groupOf("E"))
		}
		for _, bad := range []struct{ group, op, entity string }{
			{"A", store.OverrideAdd, "B"},    // already a member
			{"A", store.OverrideRemove, "X"}, // not a member
			{"A", store.OverrideRemove, "A"}, // the root
			{"A", store.OverrideClear, "X"},  // nothing to clear
			{"A", "move", "X"},
		} {
			if _, err := db.ProposeGroupOverride(ctx, maker, bad.group, bad.op, bad.entity, "x"); err == nil {
				t.Errorf("proposal %+v accepted", bad)
			}
		}
		if _, err := db.ProposeGroupOverride(ctx, auditor, "A", store.OverrideAdd, "X", "x"); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("an auditor (sees every group, may change none) proposed an override: %v", err)
		}
		approve("A", store.OverrideAdd, "X")
		approve("A", store.OverrideRemove, "C")
		approve("A", store.OverrideAdd, "D")
		if stale, err := grouping.Stale(ctx, db); err != nil || !stale {
			t.Errorf("Stale after approved overrides = %v, %v", stale, err)
		}
		if groupOf("X") != "X" {
			t.Error("an override took effect before the groups were computed again")
		}
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{"A": "A", "B": "A", "C": "C", "D": "A", "E": "A", "X": "A"} {
			if got := groupOf(id); got != want {
				t.Errorf("after overrides %s is in %q, want %q", id, got, want)
			}
		}
		g, err := db.Group(ctx, store.System, "A")
		if err != nil {
			t.Fatal(err)
		}
		if g.Members != 5 || g.Exposure != kamp.Amount(1001*10_000) {
			t.Errorf("group A = %d members, exposure %s", g.Members, g.Exposure)
		}
		run, _ := db.LatestGroupRun(ctx)
		if !strings.Contains(run.Message, "3 manual overrides applied") {
			t.Errorf("run message %q", run.Message)
		}
		ovs, err := db.GroupOverrides(ctx, store.System, "A")
		if err != nil || len(ovs) != 3 || ovs[0].ApprovedBy != "checker" || ovs[0].MadeBy != "maker" || ovs[0].Reason == "" {
			t.Errorf("GroupOverrides(A) = %+v, %v", ovs, err)
		}
		// Clearing X's override gives the computed answer back.
		approve("A", store.OverrideClear, "X")
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
			t.Fatal(err)
		}
		if got := groupOf("X"); got != "X" {
			t.Errorf("after clearing, X is in %q", got)
		}
		active, err := db.ActiveOverrides(ctx)
		if err != nil || len(active) != 2 {
			t.Errorf("active overrides = %+v, %v", active, err)
		}
		if _, broken, err := db.VerifyAudit(ctx); err != nil || broken != nil {
			t.Errorf("VerifyAudit: %v %v", broken, err)
		}
	})
}
