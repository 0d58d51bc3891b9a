package ingest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// importAfter is the "after" of an import's audit event.
type importAfter struct {
	Status string `json:"status"`
	Files  []struct {
		Name     string `json:"name"`
		SHA256   string `json:"sha256"`
		Rows     int    `json:"rows"`
		Loaded   int    `json:"loaded"`
		Rejected int    `json:"rejected"`
		Skipped  bool   `json:"skipped"`
	} `json:"files"`
	ErrorCount int    `json:"error_count"`
	Reason     string `json:"reason"`
}

// TestImportsAudited runs an import of every outcome and checks that each
// left one audit event, by whom, about its batch, with its files' hashes and
// counts, and that the chain holds.
func TestImportsAudited(t *testing.T) {
	good := map[string]string{"entities.csv": lines("id,name,country", "E1,华信科技有限公司,CN", "E2,宏达物流有限公司,CN")}
	bad := map[string]string{"entities.csv": lines("id,name,country", "E3,坏数据公司,XX", "E4,好数据公司,CN")}
	tests := []struct {
		name    string
		files   map[string]string
		opt     ingest.Options
		cancel  bool
		action  string
		actor   string
		errors  int
		loaded  int
		skipped bool
	}{
		{"loaded", good, ingest.Options{By: "li.na"}, false, kamp.AuditImportLoaded, "li.na", 0, 2, false},
		{"loaded again: a no-op", good, ingest.Options{}, false, kamp.AuditImportLoaded, kamp.ActorCLI, 0, 0, true},
		{"rejected", bad, ingest.Options{}, false, kamp.AuditImportRejected, kamp.ActorCLI, 1, 0, false},
		{"partial", bad, ingest.Options{Quarantine: true, By: "wang.wei"}, false, kamp.AuditImportPartial, "wang.wei", 1, 1, false},
		{"failed", map[string]string{"fx.csv": lines("date,currency,rate", "2026-01-01,USD,7.1"),
			"entities.csv": lines("id,name,country", "E5,新公司,CN")}, ingest.Options{}, true, kamp.AuditImportFailed, kamp.ActorCLI, 0, 0, false},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i, tt := range tests {
			ctx, cancel := context.WithCancel(context.Background())
			opt := tt.opt
			if tt.cancel {
				opt.Progress = func(ingest.Progress) { cancel() }
			}
			res, err := ingest.Run(ctx, db, []string{writeFiles(t, tt.files)}, opt)
			cancel()
			if (err != nil) != tt.cancel {
				t.Fatalf("%s: Run: %v", tt.name, err)
			}
			evs, total, err := db.AuditEvents(context.Background(), store.AuditFilter{Action: "import."}, 1, 0)
			if err != nil || total != i+1 {
				t.Fatalf("%s: %d import events (want %d), %v", tt.name, total, i+1, err)
			}
			e := evs[0]
			if e.Action != tt.action || e.Actor != tt.actor || e.ObjectType != "import" || e.ObjectID != res.Batch.ID {
				t.Errorf("%s: event %+v; want %s by %s on import %s", tt.name, e, tt.action, tt.actor, res.Batch.ID)
			}
			var after importAfter
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatalf("%s: after %q: %v", tt.name, e.After, err)
			}
			if after.Status != res.Batch.Status || after.ErrorCount != tt.errors || len(after.Files) != len(res.Batch.Files) {
				t.Errorf("%s: after %+v, batch %+v", tt.name, after, res.Batch)
			}
			if tt.cancel && after.Reason == "" {
				t.Errorf("%s: no reason in %s", tt.name, e.After)
			}
			if tt.cancel {
				continue
			}
			f := after.Files[0]
			if f.SHA256 != res.Batch.Files[0].SHA256 || len(f.SHA256) != 64 || f.Loaded != tt.loaded || f.Skipped != tt.skipped {
				t.Errorf("%s: file %+v, want loaded %d skipped %v, sha %s", tt.name, f, tt.loaded, tt.skipped, res.Batch.Files[0].SHA256)
			}
		}
		n, broken, err := db.VerifyAudit(context.Background())
		if err != nil || broken != nil || n != len(tests) {
			t.Errorf("verify: %d checked, %+v, %v", n, broken, err)
		}
	})
}
