package screening_test

import (
	"os"
	"testing"
	"time"

	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
)

// BenchmarkWhatIf measures the recompute behind a what-if: the data of the
// latest period cached in a Workspace, rescored with new weights (ranking,
// tiers and concentration), on the SQLite database KAMP_BENCH_DB (a bank
// with its groups computed, e.g. size M); skipped without it. load-ms
// reports the one-time read of the data from the store.
func BenchmarkWhatIf(b *testing.B) {
	path := os.Getenv("KAMP_BENCH_DB")
	if path == "" {
		b.Skip("KAMP_BENCH_DB names no database")
	}
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ws := screening.NewWorkspace(db)
	start := time.Now()
	in, err := ws.Input(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	weights := []screen.Weights{
		{"revenue": 0.4, "deposits_avg": 0.3, "loans_avg": 0.2, "fee_income": 0.1},
		{"revenue": 0.1, "deposits_avg": 0.2, "loans_avg": 0.3, "fee_income": 0.4},
		{"revenue": 0.7, "deposits_avg": 0.1, "loans_avg": 0.1, "fee_income": 0.1},
	}
	i := 0
	for b.Loop() {
		if _, _, err := ws.WhatIf(ctx, "", weights[i%len(weights)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(load.Milliseconds()), "load-ms")
	b.ReportMetric(float64(in.Data.Units()), "units")
}

// BenchmarkRun stores runs of the latest period on KAMP_BENCH_DB (each
// iteration adds a run to the database) and reports the time of each
// stage: reading the data (cached after the first iteration), scoring,
// saving the results.
func BenchmarkRun(b *testing.B) {
	path := os.Getenv("KAMP_BENCH_DB")
	if path == "" {
		b.Skip("KAMP_BENCH_DB names no database")
	}
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ws := screening.NewWorkspace(db)
	var load, compute, save time.Duration
	for b.Loop() {
		last := time.Now()
		_, err := screening.Run(ctx, db, ws, screening.Spec{Weights: screen.DefaultWeights(), By: "bench"}, func(stage string, done, total int) {
			now := time.Now()
			switch stage {
			case screening.StageCompute:
				load += now.Sub(last)
			case screening.StageSave:
				compute += now.Sub(last)
			case screening.StageDone:
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
