package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runKamp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportReport checks the import command end to end: a folder with bad
// rows loads nothing, exits 1 and writes the report in the shape of
// data-formats.md; the fixed folder loads and exits 0; importing it again is
// a no-op.
func TestImportReport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "kamp.db")
	data := filepath.Join(dir, "data")
	os.Mkdir(data, 0o755)
	write(t, data, "entities.csv", "id,name,country\nE1,华信科技有限公司,CN\nE2,\"宏达, 物流\",XX\n")
	write(t, data, "ownership.csv", "holder_id,entity_id,share_pct\nE1,E2,60\nE2,E2,10\n")
	report := filepath.Join(dir, "bad.csv")
	code, out, errOut := runKamp(t, "import", "--db", db, "--report", report, data)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	want := "file,line,column,value,reason\n" +
		"entities.csv,3,country,XX,\"unknown country code \"\"XX\"\"; expected an ISO 3166-1 alpha-2 code, like \"\"CN\"\"\"\n" +
		"ownership.csv,2,entity_id,E2,unknown entity: no such id in entities.csv or the database\n" +
		"ownership.csv,3,holder_id,E2,unknown entity: no such id in entities.csv or the database\n" +
		"ownership.csv,3,entity_id,E2,unknown entity: no such id in entities.csv or the database\n" +
		"ownership.csv,3,holder_id,E2,an entity cannot hold itself\n"
	if string(got) != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(out, "nothing was loaded") {
		t.Errorf("output does not say nothing was loaded:\n%s", out)
	}

	write(t, data, "entities.csv", "id,name,country\nE1,华信科技有限公司,CN\nE2,\"宏达, 物流\",HK\n")
	write(t, data, "ownership.csv", "holder_id,entity_id,share_pct\nE1,E2,60\n")
	if code, out, errOut := runKamp(t, "import", "--db", db, data); code != 0 || !strings.Contains(out, ": loaded in") {
		t.Fatalf("fixed folder: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runKamp(t, "import", "--db", db, data); code != 0 || strings.Count(out, "skipped") != 2 {
		t.Errorf("re-import: exit %d, want two skipped files:\n%s", code, out)
	}
}

func TestUsageAndErrors(t *testing.T) {
	if code, out, _ := runKamp(t); code != 0 || !strings.Contains(out, "import") {
		t.Errorf("usage: exit %d\n%s", code, out)
	}
	if code, _, errOut := runKamp(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runKamp(t, "import", "--db", filepath.Join(t.TempDir(), "k.db"), "/no/such/folder"); code != 1 || !strings.Contains(errOut, "no such file or folder") {
		t.Errorf("missing folder: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runKamp(t, "demo"); code != 1 || !strings.Contains(errOut, "--out DIR is required") {
		t.Errorf("demo without --out: exit %d\n%s", code, errOut)
	}
}

func TestUserCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "kamp.db")
	code, out, errOut := runKamp(t, "user", "add", "--db", db, "--login", "li.na", "--role", "analyst")
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runKamp(t, "user", "list", "--db", db); code != 0 || !strings.Contains(out, "li.na") {
		t.Errorf("user list: exit %d\n%s", code, out)
	}
	code, out, _ = runKamp(t, "user", "token", "--db", db, "--login", "li.na")
	if code != 0 || !strings.Contains(out, "kamp_") {
		t.Fatalf("user token: exit %d\n%s", code, out)
	}
	tok := strings.TrimSpace(out[strings.LastIndex(out, " ")+1:])
	if code, out, errOut := runKamp(t, "user", "revoke-token", "--db", db, "--token", tok); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("user revoke-token: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runKamp(t, "user", "revoke-token", "--db", db, "--token", tok); code != 1 || !strings.Contains(errOut, "no such token") {
		t.Errorf("revoking twice: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runKamp(t, "user", "add", "--db", db, "--login", "x", "--role", "king"); code != 1 || !strings.Contains(errOut, "unknown role") {
		t.Errorf("bad role: exit %d\n%s", code, errOut)
	}
	if code, out, _ := runKamp(t, "migrate", "--db", db); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("migrate: exit %d\n%s", code, out)
	}
}
