package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// resetStore empties db's tables of data and history, so that every fuzz
// iteration starts from the same store.
func resetStore(t testing.TB, db *store.DB) {
	t.Helper()
	err := db.Transact(context.Background(), func(tx *store.Tx) error {
		for _, table := range []string{"payments", "metric_values", "metrics", "exposures", "holdings", "fx_rates", "entities",
			"import_errors", "import_files", "import_batches"} {
			if _, err := tx.Exec(context.Background(), "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reset the store: %v", err)
	}
}

// FuzzImport imports arbitrary bytes as an entities.csv (asPayments false) or
// as a payments.csv (true, with the entities A and B stored): Run must not
// panic or fail, and must load either every row or none.
func FuzzImport(f *testing.F) {
	seeds := []string{
		lines(entH, "A,甲,,"+uscc(f, 1)+","+lei(f, 1)+",CN,C36,BJ01,1", "B,乙,person,,,,,,0"),
		lines("id,name", "A,甲", "A,乙"),
		lines("id,name", "A,\"多行\n名称\"", "B,\"a \"\"quoted\"\" name\""),
		lines("ID,Name,Extra", "A,甲,x"),
		"\ufeff" + lines("id,name", "A,甲"),
		lines("id,name", "A,\xb9\xab\xcb\xbe"),
		"id,name\nA,\"unclosed",
		"id,id\nA,B\n",
		"",
		"id,name\n",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00",
		lines(payH, "T1,2026-01-05,A,,B,,1.5,", "T2,2026-01-05,,某公司,,,2,", "T3,2026-02-29,A,,B,,0,"),
		lines(payH, "T1,2026-01-05,,x,,y,1,", "T1,2026-01-06,,x,,y,2,"),
		lines("txn_id,date,amount,payer_name,payee_name", "T1,2026-01-05,1,x,y", "T2,2026-01-05,1.00001,x,y"),
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	db := storetest.SQLite(f)
	dir := f.TempDir()
	entities := filepath.Join(dir, "base", "entities.csv")
	if err := os.MkdirAll(filepath.Dir(entities), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(entities, []byte(entitiesAB), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, asPayments bool) {
		ctx := context.Background()
		resetStore(t, db)
		name := "entities.csv"
		var base int64
		if asPayments {
			name = "payments.csv"
			if res := run(t, db, ingest.Options{}, entities); res.Batch.Status != kamp.ImportLoaded {
				t.Fatalf("base entities: %q", res.Batch.Status)
			}
			base = 2
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := ingest.Run(ctx, db, []string{path}, ingest.Options{})
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		s := stats(t, db)
		got := s.Entities - base
		if asPayments {
			got = s.Payments
		}
		file := res.Batch.Files[0]
		switch res.Batch.Status {
		case kamp.ImportLoaded:
			if len(res.Errors) != 0 || file.Rejected != 0 || file.Loaded != file.Rows || got != int64(file.Rows) {
				t.Errorf("loaded: %d rows, %d loaded, %d rejected, %d stored, bad rows %s", file.Rows, file.Loaded, file.Rejected, got, fmtErrs(res.Errors))
			}
		case kamp.ImportRejected:
			if len(res.Errors) == 0 || file.Loaded != 0 || got != 0 || s.Entities != base {
				t.Errorf("rejected: %d loaded, %d stored, %d entities, bad rows %s", file.Loaded, got, s.Entities, fmtErrs(res.Errors))
			}
			for _, e := range res.Errors {
				if e.File != name || e.Line < 0 || e.Reason == "" {
					t.Errorf("bad row %+v", e)
				}
			}
			checkInFileOrder(t, res.Batch, res.Errors)
		default:
			t.Errorf("status %q", res.Batch.Status)
		}
	})
}
