package chainrun_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chainrun"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// BenchmarkRun runs chain discovery in the app over a generated demo bank
// of size KAMP_BENCH_SIZE (default S: 100,000 entities, 1,000,000
// payments) imported into SQLite (PostgreSQL with KAMP_BENCH_ENGINE=postgres
// and KAMP_TEST_POSTGRES), with the tiers computed from its metrics,
// and reports the time of each stage: reading entities, groups and units,
// streaming the payments through the engine, saving the results.
func BenchmarkRun(b *testing.B) {
	size := "S"
	if v := os.Getenv("KAMP_BENCH_SIZE"); v != "" {
		size = v
	}
	ctx := kamp.WithActor(context.Background(), "bench")
	dir := b.TempDir()
	if _, err := demo.Generate(ctx, demo.Options{Size: size, Seed: 1, Out: dir}); err != nil {
		b.Fatal(err)
	}
	db := storetest.SQLite(b)
	if os.Getenv("KAMP_BENCH_ENGINE") == "postgres" {
		db = storetest.Postgres(b)
	}
	if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
		b.Fatal(err)
	}
	var load, payments, save time.Duration
	for b.Loop() {
		last := time.Now()
		_, err := chainrun.Run(ctx, db, chainrun.Spec{By: "bench"}, func(stage string, done, total int) {
			now := time.Now()
			switch stage {
			case chainrun.StagePayments:
				if done == 1 {
					load += now.Sub(last)
					last = now
				}
				return
			case chainrun.StageSave:
				payments += now.Sub(last)
			case chainrun.StageDone:
				save += now.Sub(last)
			}
			last = now
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if run, err := db.LatestChainRun(ctx); err == nil {
		b.Logf("%d payments, %d strategic units, %d edges, %d prospects", run.Payments, run.Units, run.Edges, run.Prospects)
	}
	per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
	b.ReportMetric(per(load), "load-ms")
	b.ReportMetric(per(payments), "payments-ms")
	b.ReportMetric(per(save), "save-ms")

	// The first page of the prospect list with its count, bank-wide and
	// for a branch RM of the demo bank's first branch (the median of 9).
	b.StopTimer()
	var units []kamp.OrgUnit
	for _, u := range demo.OrgUnits() {
		units = append(units, kamp.OrgUnit{Code: u.Code, Name: u.Name, Kind: u.Kind, Parent: u.Parent})
	}
	if err := db.SaveOrgUnits(ctx, units); err != nil {
		b.Fatal(err)
	}
	branch := ""
	for _, u := range units {
		if u.Kind == kamp.UnitBranch {
			branch = u.Code
			break
		}
	}
	rm, err := db.CreateUser(ctx, kamp.User{Login: "bench.rm", Role: kamp.RoleBranchRM, OrgUnit: branch}, "a good password")
	if err != nil {
		b.Fatal(err)
	}
	rmView, err := db.ViewerFor(ctx, rm)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		v    store.Viewer
	}{{"list-ms", store.System}, {"rm-list-ms", rmView}} {
		var ds []time.Duration
		total := 0
		for range 9 {
			start := time.Now()
			if _, total, err = db.Prospects(ctx, c.v, store.ProspectFilter{Limit: 50}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, c.name)
		b.Logf("%s: %d prospects", c.name, total)
	}
}
