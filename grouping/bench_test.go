package grouping_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store/storetest"
)

// BenchmarkRecompute recomputes the groups of a generated bank of
// KAMP_BENCH_ENTITIES entities (default 100,000) on SQLite and reports the
// time of each stage: reading the data, computing, saving.
func BenchmarkRecompute(b *testing.B) {
	n := 100_000
	if v := os.Getenv("KAMP_BENCH_ENTITIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("KAMP_BENCH_ENTITIES: %v", err)
		}
	}
	dir := b.TempDir()
	if _, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: n, Payments: 1000, Seed: 1, Out: dir}); err != nil {
		b.Fatal(err)
	}
	db := storetest.SQLite(b)
	if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	var load, compute, save time.Duration
	for b.Loop() {
		last := time.Now()
		_, err := grouping.Recompute(ctx, db, 1_000_000_000_000_000, control.CN2018, func(stage string, done, total int) {
			now := time.Now()
			switch stage {
			case grouping.StageCompute:
				load += now.Sub(last)
			case grouping.StageSave:
				compute += now.Sub(last)
			case grouping.StageDone:
				save += now.Sub(last)
			}
			last = now
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(per(load), "load-ms")
	b.ReportMetric(per(compute), "compute-ms")
	b.ReportMetric(per(save), "save-ms")
}
