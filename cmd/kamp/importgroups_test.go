package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kampbank/kamp/store"
)

// TestImportRecomputesGroups checks that kamp import recomputes the groups
// after loading ownership, and not after an import that changed nothing.
func TestImportRecomputesGroups(t *testing.T) {
	t.Setenv("KAMP_TIER1_CAPITAL", "1000000")
	dir := t.TempDir()
	db := filepath.Join(dir, "kamp.db")
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o755)
	write(t, data, "entities.csv", "id,name,country\nE1,华信科技有限公司,CN\nE2,宏达物流有限公司,CN\nE3,独立公司,CN\n")
	write(t, data, "ownership.csv", "holder_id,entity_id,share_pct\nE1,E2,60\n")
	code, out, errOut := runKamp(t, "import", "--db", db, "--quiet", data)
	if code != 0 || !strings.Contains(out, "3 entities, 1 groups of two or more, 0 control cycles, 0 conflicts") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runKamp(t, "import", "--db", db, "--quiet", data); code != 0 || strings.Contains(out, "groups ") {
		t.Errorf("re-import: exit %d, recomputed although nothing changed:\n%s", code, out)
	}
	st, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, _, err := st.GroupRuns(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != store.GroupRunDone || runs[0].Tier1 != 1_000_000*10_000 {
		t.Errorf("runs %+v", runs)
	}
	if g, err := st.GroupOf(context.Background(), store.System, "E2"); err != nil || g.GroupID != "E1" {
		t.Errorf("GroupOf(E2) = %+v, %v", g, err)
	}

	t.Setenv("KAMP_TIER1_CAPITAL", "lots")
	write(t, data, "ownership.csv", "holder_id,entity_id,share_pct\nE1,E2,60\nE1,E3,70\n")
	if code, _, errOut := runKamp(t, "import", "--db", db, "--quiet", data); code == 0 || !strings.Contains(errOut, "KAMP_TIER1_CAPITAL") {
		t.Errorf("bad KAMP_TIER1_CAPITAL: exit %d\n%s", code, errOut)
	}
	if hs, err := st.HoldersOf(context.Background(), store.System, "E3"); err != nil || len(hs) != 0 {
		t.Errorf("the import loaded holdings of E3 despite the bad setting: %+v, %v", hs, err)
	}
}
