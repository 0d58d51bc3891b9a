package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// BenchmarkFindEntities measures entity searches by part of a name, by id
// and with filters, and reports their 95th percentile. It runs on the
// database named by KAMP_BENCH_DB (e.g. a size-M demo imported with
// scripts/bench-import.sh), or else on a generated bank of 100,000 entities.
func BenchmarkFindEntities(b *testing.B) {
	ctx := context.Background()
	dsn := os.Getenv("KAMP_BENCH_DB")
	if dsn == "" {
		dir := b.TempDir()
		if _, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: 100_000, Payments: 1000, Seed: 1, Out: dir}); err != nil {
			b.Fatal(err)
		}
		dsn = filepath.Join(dir, "bench.db")
		db, err := store.Open(ctx, dsn, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil || res.ErrorCount > 0 {
			b.Fatalf("import: %v, %d bad rows", err, res.ErrorCount)
		}
		db.Close()
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if err := db.WarmSearch(ctx); err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	client := true
	queries := []store.EntityFilter{
		{Q: "华信"}, {Q: "宏达"}, {Q: "科技"}, {Q: "北京"}, {Q: "物流有限公司"}, {Q: "E0012345"},
		{Q: "华信", IsClient: &client}, {Branch: "BJ"}, {Kind: "state"}, {Q: "中联", Sort: "name"},
	}
	var times []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t := time.Now()
		if _, _, err := db.FindEntities(ctx, store.System, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(build.Milliseconds()), "index-build-ms")
}
