package ingest_test

import (
	"context"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// TestDemoBankImportsCleanly generates a small demo bank and imports it on
// each engine: every row loads, none is bad, and importing it again is a
// no-op.
func TestDemoBankImportsCleanly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sum, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: 3000, Payments: 20000, Seed: 42, Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Batch.Status != kamp.ImportLoaded || res.ErrorCount != 0 {
			t.Fatalf("status %s with %d bad rows, first: %+v", res.Batch.Status, res.ErrorCount, res.Errors[:min(3, len(res.Errors))])
		}
		for _, f := range res.Batch.Files {
			want := sum.Files[f.Name]
			if int64(f.Rows) != want || f.Rejected != 0 {
				t.Errorf("%s: %d rows read, %d bad; the generator wrote %d", f.Name, f.Rows, f.Rejected, want)
			}
		}
		st, err := db.Stats(ctx, store.System)
		if err != nil {
			t.Fatal(err)
		}
		if st.Entities != sum.Files["entities.csv"] || st.Payments != sum.Files["payments.csv"] || st.Exposures != sum.Files["exposures.csv"] {
			t.Errorf("stats %+v do not match the generated files %v", st, sum.Files)
		}
		again, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range again.Batch.Files {
			if !f.Skipped {
				t.Errorf("re-import: %s was not skipped", f.Name)
			}
		}
	})
}
