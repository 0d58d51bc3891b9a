package main

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// auditedDB makes a database whose trail holds a user's creation, a
// password change, a token and an import: four events.
func auditedDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "kamp.db")
	for _, args := range [][]string{
		{"user", "add", "--db", db, "--login", "li.na", "--role", "auditor"},
		{"user", "passwd", "--db", db, "--login", "li.na"},
		{"user", "token", "--db", db, "--login", "li.na"},
		{"import", "--db", db, write(t, dir, "entities.csv", "id,name,country\nE1,华信科技有限公司,CN\n")},
	} {
		if code, out, errOut := runKamp(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	return db
}

// sqlEdit changes the database file behind kamp's back.
func sqlEdit(t *testing.T, path, q string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Exec(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows", q, n)
	}
}

// TestAuditVerify edits the audit store directly and checks that "kamp
// audit verify" fails at exactly that event.
func TestAuditVerify(t *testing.T) {
	tests := []struct {
		name string
		edit string
		want string
	}{
		{"after changed", `UPDATE audit_events SET after = '{"login":"mallory"}' WHERE seq = 2`,
			"audit chain broken at event 2: its hash does not match its contents"},
		{"actor changed", `UPDATE audit_events SET actor = 'mallory' WHERE seq = 4`,
			"audit chain broken at event 4: its hash does not match its contents"},
		{"event deleted", `DELETE FROM audit_events WHERE seq = 3`,
			"audit chain broken at event 3: the event is missing"},
		{"hash changed", `UPDATE audit_events SET hash = '` + strings.Repeat("f", 64) + `' WHERE seq = 1`,
			"audit chain broken at event 1: its hash does not match its contents"},
		{"prev_hash changed", `UPDATE audit_events SET prev_hash = '' WHERE seq = 3`,
			"audit chain broken at event 3: its previous hash does not match the hash of event 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := auditedDB(t)
			code, out, errOut := runKamp(t, "audit", "verify", "--db", db)
			if code != 0 || out != "audit chain intact: 4 events\n" {
				t.Fatalf("before the edit: exit %d\n%s%s", code, out, errOut)
			}
			sqlEdit(t, db, tt.edit)
			code, out, errOut = runKamp(t, "audit", "verify", "--db", db)
			if code != 1 || !strings.HasPrefix(out, tt.want) {
				t.Errorf("after the edit: exit %d\n%s%swant exit 1 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

func TestAuditList(t *testing.T) {
	db := auditedDB(t)
	code, out, errOut := runKamp(t, "audit", "list", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	wantOrder := []string{"import.loaded", "token.created", "user.password_changed", "user.created"}
	if len(lines) != len(wantOrder)+1 || lines[len(lines)-1] != "4 of 4 events" {
		t.Fatalf("list:\n%s", out)
	}
	for i, action := range wantOrder {
		if !strings.Contains(lines[i], " "+action+" ") || !strings.HasPrefix(strings.TrimSpace(lines[i]), fmt.Sprint(4-i)+" ") {
			t.Errorf("line %d %q: want event %d, %s", i, lines[i], 4-i, action)
		}
	}
	if !strings.Contains(lines[0], `"sha256":"`) || !strings.Contains(lines[0], " cli ") {
		t.Errorf("the import event lacks its file hash or actor: %q", lines[0])
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--limit", "1"}, 0, "1 of 4 events"},
		{[]string{"--action", "user."}, 0, "2 of 2 events"},
		{[]string{"--actor", "nobody"}, 0, "0 of 0 events"},
		{[]string{"--limit", "0"}, 1, "--limit must be from 1"},
		{[]string{"stray"}, 1, "unexpected argument"},
	}
	for _, tt := range tests {
		code, out, errOut := runKamp(t, append([]string{"audit", "list", "--db", db}, tt.args...)...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d\n%s%swant exit %d and %q", tt.args, code, out, errOut, tt.code, tt.want)
		}
	}
	for _, args := range [][]string{{"audit"}, {"audit", "frobnicate"}} {
		if code, _, errOut := runKamp(t, args...); code != 1 || !strings.Contains(errOut, "verify") {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
	}
}
