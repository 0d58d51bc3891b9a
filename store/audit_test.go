package store_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// appendEvents appends n events with varied fields and returns them as
// given.
func appendEvents(t testing.TB, db *store.DB, n int) []kamp.AuditEvent {
	t.Helper()
	actors := []string{"li.na", "cli", "wang.wei"}
	actions := []string{kamp.AuditLogin, kamp.AuditImportLoaded, kamp.AuditExport, kamp.AuditLogout}
	base := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	var out []kamp.AuditEvent
	for i := 0; i < n; i++ {
		e := kamp.AuditEvent{
			At: base.Add(time.Duration(i) * time.Minute), Actor: actors[i%len(actors)], Action: actions[i%len(actions)],
			ObjectType: "thing", ObjectID: fmt.Sprintf("T%d", i),
			Before: fmt.Sprintf(`{"n":%d}`, i), After: fmt.Sprintf(`{"n":%d,"name":"华信 \"%d\""}`, i+1, i),
		}
		if i%3 == 0 {
			e.Before = ""
		}
		if err := db.Audit(ctx, e); err != nil {
			t.Fatalf("append event %d: %v", i+1, err)
		}
		out = append(out, e)
	}
	return out
}

// verify runs VerifyAudit and fails the test on an error.
func verify(t *testing.T, db *store.DB) (int, *store.BrokenLink) {
	t.Helper()
	n, broken, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return n, broken
}

func TestAuditAppendAndVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if n, broken := verify(t, db); n != 0 || broken != nil {
			t.Fatalf("empty trail: %d checked, broken %+v", n, broken)
		}
		given := appendEvents(t, db, 7)
		if n, broken := verify(t, db); n != 7 || broken != nil {
			t.Fatalf("intact trail: %d checked, broken %+v", n, broken)
		}
		all, total, err := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if total != 7 || len(all) != 7 {
			t.Fatalf("got %d events of %d, want 7", len(all), total)
		}
		for i, e := range all {
			g := given[6-i]
			if e.Seq != int64(7-i) {
				t.Errorf("event %d has seq %d; want newest first", i, e.Seq)
			}
			if !e.At.Equal(g.At.Truncate(time.Microsecond)) || e.At.Location() != time.UTC {
				t.Errorf("seq %d: at %v, want %v in UTC", e.Seq, e.At, g.At)
			}
			if e.Actor != g.Actor || e.Action != g.Action || e.ObjectID != g.ObjectID || e.Before != g.Before || e.After != g.After {
				t.Errorf("seq %d: stored %+v, given %+v", e.Seq, e, g)
			}
			if e.Hash != kamp.AuditHash(e) || len(e.Hash) != 64 || e.ID == "" {
				t.Errorf("seq %d: hash %q does not recompute", e.Seq, e.Hash)
			}
			if i+1 < len(all) && e.PrevHash != all[i+1].Hash {
				t.Errorf("seq %d: prev_hash %q, want %q", e.Seq, e.PrevHash, all[i+1].Hash)
			}
		}
		if all[6].PrevHash != "" {
			t.Errorf("first event's prev_hash %q", all[6].PrevHash)
		}

		tests := []struct {
			name   string
			f      store.AuditFilter
			limit  int
			offset int
			seqs   []int64
			total  int
		}{
			{"action", store.AuditFilter{Action: kamp.AuditLogin}, 0, 0, []int64{5, 1}, 2},
			{"area", store.AuditFilter{Action: "import."}, 0, 0, []int64{6, 2}, 2},
			{"area prefix is not a word prefix", store.AuditFilter{Action: "imp."}, 0, 0, nil, 0},
			{"actor", store.AuditFilter{Actor: "cli"}, 0, 0, []int64{5, 2}, 2},
			{"actor and action", store.AuditFilter{Actor: "li.na", Action: kamp.AuditLogin}, 0, 0, []int64{1}, 1},
			{"object", store.AuditFilter{ObjectType: "thing", ObjectID: "T3"}, 0, 0, []int64{4}, 1},
			{"paging", store.AuditFilter{}, 2, 3, []int64{4, 3}, 7},
			{"keyset", store.AuditFilter{BelowSeq: 4}, 2, 0, []int64{3, 2}, 7},
			{"past the end", store.AuditFilter{}, 5, 10, nil, 7},
		}
		for _, tt := range tests {
			got, total, err := db.AuditEvents(ctx, tt.f, tt.limit, tt.offset)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			var seqs []int64
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(tt.seqs) || total != tt.total {
				t.Errorf("%s: seqs %v total %d, want %v total %d", tt.name, seqs, total, tt.seqs, tt.total)
			}
		}
		for _, bad := range [][2]int{{-1, 0}, {store.MaxLimit + 1, 0}, {10, -1}} {
			if _, _, err := db.AuditEvents(ctx, store.AuditFilter{}, bad[0], bad[1]); kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("limit %d offset %d: %v, want EINVALID", bad[0], bad[1], err)
			}
		}
	})
}

func TestAuditRejectsBadEvents(t *testing.T) {
	db := storetest.SQLite(t)
	tests := []struct {
		name string
		e    kamp.AuditEvent
	}{
		{"no action", kamp.AuditEvent{Actor: "a"}},
		{"before not JSON", kamp.AuditEvent{Action: "x", Before: "{oops"}},
		{"after not JSON", kamp.AuditEvent{Action: "x", After: "plain words"}},
		{"NUL in actor", kamp.AuditEvent{Action: "x", Actor: "a\x00b"}},
		{"invalid UTF-8 object id", kamp.AuditEvent{Action: "x", ObjectID: "\xff"}},
		{"actor too long", kamp.AuditEvent{Action: "x", Actor: strings.Repeat("a", 513)}},
	}
	for _, tt := range tests {
		if err := db.Audit(ctx, tt.e); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("%s: %v, want EINVALID", tt.name, err)
		}
	}
	if _, total, _ := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0); total != 0 {
		t.Errorf("%d bad events were appended", total)
	}
	// The actor defaults to the context's, then to "system".
	if err := db.Audit(kamp.WithActor(ctx, "zhao.lei"), kamp.AuditEvent{Action: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Audit(ctx, kamp.AuditEvent{Action: "y"}); err != nil {
		t.Fatal(err)
	}
	evs, _, _ := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0)
	if len(evs) != 2 || evs[1].Actor != "zhao.lei" || evs[0].Actor != kamp.ActorSystem {
		t.Errorf("actors: %+v", evs)
	}
}

// TestAuditTamper edits the stored trail directly, as someone with access
// to the database could, and checks that VerifyAudit names exactly the
// event where the chain breaks.
func TestAuditTamper(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB)
		seq     int64
		checked int
		reason  string
		kind    string
	}{
		{"after changed", sqlTamper(`UPDATE audit_events SET after = '{"n":999}' WHERE seq = 5`), 5, 4, "does not match its contents", store.BrokenHash},
		{"before changed", sqlTamper(`UPDATE audit_events SET before = '' WHERE seq = 2`), 2, 1, "does not match its contents", store.BrokenHash},
		{"actor of the last event changed", sqlTamper(`UPDATE audit_events SET actor = 'mallory' WHERE seq = 8`), 8, 7, "does not match its contents", store.BrokenHash},
		{"time changed", sqlTamper(`UPDATE audit_events SET at = ? WHERE seq = 3`, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), 3, 2, "does not match its contents", store.BrokenHash},
		{"hash changed", sqlTamper(`UPDATE audit_events SET hash = ? WHERE seq = 5`, strings.Repeat("0", 64)), 5, 4, "does not match its contents", store.BrokenHash},
		{"prev_hash changed", sqlTamper(`UPDATE audit_events SET prev_hash = ? WHERE seq = 2`, strings.Repeat("a", 64)), 2, 1, "previous hash", store.BrokenPrevHash},
		{"event deleted", sqlTamper(`DELETE FROM audit_events WHERE seq = 5`), 5, 4, "missing", store.BrokenMissing},
		{"first event deleted", sqlTamper(`DELETE FROM audit_events WHERE seq = 1`), 1, 0, "missing", store.BrokenMissing},
		{"event changed and rehashed", rehash(5), 6, 5, "previous hash does not match the hash of event 5", store.BrokenPrevHash},
		{"forged event after a gap", forge(10), 9, 8, "missing", store.BrokenMissing},
		{"forged event at the end", forge(9), 9, 8, "not recorded by kamp", store.BrokenHead},
		{"last event deleted", sqlTamper(`DELETE FROM audit_events WHERE seq = 8`), 8, 7, "missing", store.BrokenMissing},
		{"last event changed and rehashed", rehash(8), 8, 7, "head recorded", store.BrokenHead},
		{"head deleted", sqlTamper(`DELETE FROM audit_head`), 9, 8, "head, which records its end, is missing", store.BrokenHead},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, q := range []string{`DELETE FROM audit_events`, `DELETE FROM audit_head`, `INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '')`} {
					if err := db.ExecForTest(ctx, q); err != nil {
						t.Fatal(err)
					}
				}
				appendEvents(t, db, 8)
				if n, broken := verify(t, db); n != 8 || broken != nil {
					t.Fatalf("before tampering: %d, %+v", n, broken)
				}
				tt.tamper(t, db)
				n, broken := verify(t, db)
				if broken == nil {
					t.Fatalf("tampering not detected (%d checked)", n)
				}
				if broken.Seq != tt.seq || n != tt.checked || !strings.Contains(broken.Reason, tt.reason) || broken.Kind != tt.kind {
					t.Errorf("broken at %d (%q) after %d checked; want %d (%q) after %d", broken.Seq, broken.Reason, n, tt.seq, tt.reason, tt.checked)
				}
			})
		}
	})
}

func sqlTamper(q string, args ...any) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		t.Helper()
		if err := db.ExecForTest(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// rehash changes event seq and recomputes its hash, as a forger who knows
// the hashing would: the event itself then checks, and the next link breaks.
func rehash(seq int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{BelowSeq: seq + 1}, 1, 0)
		if err != nil || len(evs) != 1 {
			t.Fatalf("event %d: %v", seq, err)
		}
		e := evs[0]
		e.After = `{"n":0}`
		e.Hash = kamp.AuditHash(e)
		sqlTamper(`UPDATE audit_events SET after = ?, hash = ? WHERE seq = ?`, e.After, e.Hash, seq)(t, db)
	}
}

// forge inserts a well-formed event at seq, leaving a gap before it.
func forge(seq int64) func(*testing.T, *store.DB) {
	return func(t *testing.T, db *store.DB) {
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{}, 1, 0)
		if err != nil || len(evs) != 1 {
			t.Fatal(err)
		}
		e := kamp.AuditEvent{Seq: seq, ID: "forged", At: time.Now().UTC().Truncate(time.Microsecond), Actor: "mallory",
			Action: kamp.AuditExport, PrevHash: evs[0].Hash}
		e.Hash = kamp.AuditHash(e)
		sqlTamper(`INSERT INTO audit_events (seq, id, at, actor, action, object_type, object_id, before, after, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, '', '', '', '', ?, ?)`, e.Seq, e.ID, e.At, e.Actor, e.Action, e.PrevHash, e.Hash)(t, db)
	}
}

// TestAuditConcurrent appends from many goroutines at once, one of them a
// bulk load, and checks that the result is one unbroken chain.
func TestAuditConcurrent(t *testing.T) {
	const workers, each = 8, 20
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var wg sync.WaitGroup
		errs := make(chan error, workers*each+2)
		done := make(chan struct{})
		verified := make(chan int, 1)
		go func() {
			// Verifying while others append never reports a broken chain.
			runs := 0
			defer func() { verified <- runs }()
			for {
				select {
				case <-done:
					return
				default:
				}
				if _, broken, err := db.VerifyAudit(ctx); err != nil || broken != nil {
					errs <- fmt.Errorf("verify during appends: %+v, %v", broken, err)
					return
				}
				runs++
			}
		}()
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					e := kamp.AuditEvent{Actor: fmt.Sprintf("w%d", w), Action: kamp.AuditLogin, ObjectType: "user", ObjectID: fmt.Sprint(i)}
					if err := db.Audit(ctx, e); err != nil {
						errs <- fmt.Errorf("worker %d event %d: %w", w, i, err)
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := kamp.ImportBatch{ID: store.NewID(), StartedAt: time.Now(), FinishedAt: time.Now(), Status: kamp.ImportLoaded, By: "loader"}
			if err := db.StartImport(ctx, b, false); err != nil {
				errs <- err
				return
			}
			l, err := db.BeginLoad(ctx)
			if err != nil {
				errs <- err
				return
			}
			if err := l.Entities(ctx, sampleEntities()); err != nil {
				l.Rollback(ctx)
				errs <- err
				return
			}
			if err := l.Audit(ctx, store.ImportEvent(b, 0, "")); err != nil {
				l.Rollback(ctx)
				errs <- err
				return
			}
			if err := l.Commit(ctx, b, nil); err != nil {
				errs <- err
			}
		}()
		wg.Wait()
		close(done)
		if runs := <-verified; runs == 0 {
			t.Log("no verification ran during the appends")
		}
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		want := workers*each + 1
		if n, broken := verify(t, db); n != want || broken != nil {
			t.Fatalf("after concurrent appends: %d checked (want %d), broken %+v", n, want, broken)
		}
		evs, total, err := db.AuditEvents(ctx, store.AuditFilter{}, store.MaxLimit, 0)
		if err != nil || total != want || len(evs) != want || evs[0].Seq != int64(want) {
			t.Fatalf("events: %d of %d, newest %+v, %v", len(evs), total, evs[0], err)
		}
		if _, n, _ := db.AuditEvents(ctx, store.AuditFilter{Actor: "loader", Action: kamp.AuditImportLoaded}, 0, 0); n != 1 {
			t.Errorf("%d import events from the load, want 1", n)
		}
	})
}

// TestLoadAudit checks that a load's event lands with its data and goes
// with it when the load is rolled back.
func TestLoadAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		l, err := db.BeginLoad(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Entities(ctx, sampleEntities()); err != nil {
			t.Fatal(err)
		}
		if err := l.Audit(ctx, kamp.AuditEvent{Action: "x", After: "nope"}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad event: %v", err)
		}
		if err := l.Audit(ctx, kamp.AuditEvent{Action: kamp.AuditImportLoaded}); err != nil {
			t.Fatal(err)
		}
		l.Rollback(ctx)
		if _, n, _ := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0); n != 0 {
			t.Fatalf("a rolled-back load left %d events", n)
		}
		load(t, db, func(l *store.Load) error {
			if err := l.Entities(ctx, sampleEntities()); err != nil {
				return err
			}
			return l.Audit(ctx, kamp.AuditEvent{Actor: "cli", Action: kamp.AuditImportLoaded, ObjectType: "import", ObjectID: "B1"})
		})
		evs, n, err := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0)
		if err != nil || n != 1 || evs[0].ObjectID != "B1" || evs[0].Seq != 1 {
			t.Fatalf("after commit: %+v, %v", evs, err)
		}
	})
}

// TestUserChangesAudited checks the events of user and token changes, and
// that no password or token ever enters the trail.
func TestUserChangesAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		actx := kamp.WithActor(ctx, "admin.li")
		u, err := db.CreateUser(actx, kamp.User{Login: "wang.wei", Name: "王伟", Role: kamp.RoleAnalyst}, "secret password 1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(actx, kamp.User{Login: "wang.wei", Role: kamp.RoleAnalyst}, "secret password 1"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Fatalf("duplicate login: %v", err)
		}
		if err := db.SetPassword(actx, "wang.wei", "secret password 2"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPassword(actx, "nobody", "secret password 2"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Fatalf("unknown login: %v", err)
		}
		tok, err := db.CreateAPIToken(actx, u.ID, "warehouse")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeAPIToken(actx, tok); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeAPIToken(actx, tok); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Fatalf("second revoke: %v", err)
		}
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ action, objType, objID string }{
			{kamp.AuditTokenRevoked, "api_token", ""},
			{kamp.AuditTokenCreated, "api_token", ""},
			{kamp.AuditPasswordChanged, "user", u.ID},
			{kamp.AuditUserCreated, "user", u.ID},
		}
		if len(evs) != len(want) {
			t.Fatalf("%d events, want %d: %+v", len(evs), len(want), evs)
		}
		for i, w := range want {
			e := evs[i]
			if e.Action != w.action || e.ObjectType != w.objType || (w.objID != "" && e.ObjectID != w.objID) || e.Actor != "admin.li" {
				t.Errorf("event %d: %+v, want %+v by admin.li", i, e, w)
			}
			for _, secret := range []string{"secret password", tok, "argon2id"} {
				if strings.Contains(e.Before+e.After+e.ObjectID, secret) {
					t.Errorf("event %s holds %q", e.Action, secret)
				}
			}
		}
		if evs[0].ObjectID != evs[1].ObjectID || !strings.Contains(evs[0].After, `"revoked_at":"20`) || !strings.Contains(evs[0].Before, `"revoked_at":null`) {
			t.Errorf("token events: %+v / %+v", evs[0], evs[1])
		}
		if !strings.Contains(evs[3].After, `"login":"wang.wei"`) || !strings.Contains(evs[3].After, `"role":"analyst"`) {
			t.Errorf("user.created after: %s", evs[3].After)
		}
		if n, broken := verify(t, db); n != 4 || broken != nil {
			t.Errorf("verify: %d, %+v", n, broken)
		}
	})
}

// TestAuditSurvivesReopen checks that the chain verifies after the
// database is closed and opened again: times and texts round-trip exactly.
func TestAuditSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kamp.db")
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, db, 5)
	db.Close()
	db, err = store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, broken := verify(t, db); n != 5 || broken != nil {
		t.Errorf("after reopening: %d, %+v", n, broken)
	}
}

func BenchmarkAuditAppend(b *testing.B) {
	db := storetest.SQLite(b)
	e := kamp.AuditEvent{Actor: "bench", Action: kamp.AuditExport, ObjectType: "entities", After: `{"format":"csv"}`}
	b.ReportAllocs()
	for b.Loop() {
		if err := db.Audit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAudit(b *testing.B) {
	db := storetest.SQLite(b)
	const n = 2000
	appendEvents(b, db, n)
	b.ReportAllocs()
	for b.Loop() {
		checked, broken, err := db.VerifyAudit(ctx)
		if err != nil || broken != nil || checked != n {
			b.Fatalf("%d %+v %v", checked, broken, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/event")
}

// TestAuditAppendWhileAnotherIsOpen starts an append while another
// transaction has appended but not committed: the second must end up after
// the first, whichever way its engine makes it wait (SQLite's write lock,
// or PostgreSQL's unique index followed by a retry).
func TestAuditAppendWhileAnotherIsOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		appended, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- db.Transact(ctx, func(tx *store.Tx) error {
				if _, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Actor: "first", Action: kamp.AuditExport}); err != nil {
					return err
				}
				select {
				case <-appended:
				default:
					close(appended)
				}
				<-release
				return nil
			})
		}()
		<-appended
		second := make(chan error, 1)
		go func() { second <- db.Audit(ctx, kamp.AuditEvent{Actor: "second", Action: kamp.AuditExport}) }()
		time.Sleep(50 * time.Millisecond) // let the second append reach its wait
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{}, 0, 0)
		if err != nil || len(evs) != 2 || evs[0].Actor != "second" || evs[1].Actor != "first" {
			t.Fatalf("events %+v, %v", evs, err)
		}
		if n, broken := verify(t, db); n != 2 || broken != nil {
			t.Errorf("verify: %d, %+v", n, broken)
		}
	})
}

// TestAuditFailsClosed checks that appends stop, rather than start a new
// chain, when the trail was changed so that the next event cannot link.
func TestAuditFailsClosed(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		want   string
	}{
		{"head deleted", `DELETE FROM audit_head`, "head is missing"},
		{"next event put in by hand", `INSERT INTO audit_events (seq, id, at, actor, action, object_type, object_id, before, after, prev_hash, hash)
			VALUES (3, 'forged', '2026-01-01 00:00:00', 'mallory', 'export', '', '', '', '', '', '')`, "exists already"},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			for _, q := range []string{`DELETE FROM audit_events`, `DELETE FROM audit_head`, `INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '')`} {
				if err := db.ExecForTest(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			appendEvents(t, db, 2)
			if err := db.ExecForTest(ctx, tt.tamper); err != nil {
				t.Fatal(err)
			}
			err := db.Audit(ctx, kamp.AuditEvent{Action: kamp.AuditLogin})
			if kamp.ErrorCode(err) != kamp.EINTERNAL || !strings.Contains(kamp.ErrorMessage(err), tt.want) {
				t.Errorf("%s: append gave %v, want EINTERNAL %q", tt.name, err, tt.want)
			}
			if _, err := db.CreateUser(ctx, kamp.User{Login: "li.na", Role: kamp.RoleAuditor}, "long enough password"); err == nil {
				t.Errorf("%s: a user was created without its event", tt.name)
			}
		}
	})
}
