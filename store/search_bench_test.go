package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// benchDB opens the database named by KAMP_BENCH_DB (e.g. a size-M demo
// imported with scripts/bench-import.sh), or else a generated bank of
// 100,000 entities; it is closed when b ends.
func benchDB(b *testing.B) *store.DB {
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
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkFindEntities measures entity searches by part of a name, by id
// and with filters, and reports their 95th percentile. It runs on the
// database named by KAMP_BENCH_DB (e.g. a size-M demo imported with
// scripts/bench-import.sh), or else on a generated bank of 100,000 entities.
func BenchmarkFindEntities(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
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

// BenchmarkScopedList measures the entity list as a branch RM sees it (the
// need-to-know rule applied) against the same queries for a bank-wide
// viewer, on the database named by KAMP_BENCH_DB or a generated bank of
// 100,000 entities, and reports both 95th percentiles and the rule's
// overhead on the queries that take the same path (a filter or a search).
// It adds the demo bank's org units and a branch RM of BJ to the database
// when they are missing.
func BenchmarkScopedList(b *testing.B) {
	ctx := kamp.WithActor(context.Background(), kamp.ActorCLI)
	db := benchDB(b)
	if units, err := db.OrgUnits(ctx); err != nil {
		b.Fatal(err)
	} else if len(units) == 0 {
		var org []kamp.OrgUnit
		for _, u := range demo.OrgUnits() {
			kind := kamp.UnitSubBranch
			switch {
			case u.Parent == "":
				kind = kamp.UnitHeadOffice
			case u.Parent == demo.HeadOffice:
				kind = kamp.UnitBranch
			}
			org = append(org, kamp.OrgUnit{Code: u.Code, Name: u.Name, Kind: kind, Parent: u.Parent})
		}
		if err := db.SaveOrgUnits(ctx, org); err != nil {
			b.Fatal(err)
		}
	}
	rm, err := db.UserByLogin(ctx, "bench-rm-bj")
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		rm, err = db.CreateUser(ctx, kamp.User{Login: "bench-rm-bj", Role: kamp.RoleBranchRM, OrgUnit: "BJ"}, "bench password")
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := db.WarmSearch(ctx); err != nil {
		b.Fatal(err)
	}
	client := true
	queries := []store.EntityFilter{
		{Sort: "name"}, {}, {IsClient: &client}, {IsClient: &client, Sort: "name"}, {Q: "科技"}, {Q: "华信", Sort: "name"}, {Kind: "company", Offset: 200},
	}
	var all, scoped []time.Duration
	var allSame, scopedSame time.Duration // queries on the index path for both
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := queries[i%len(queries)]
		// The viewer is resolved per request, as the web server does.
		t := time.Now()
		v, err := db.ViewerFor(ctx, rm)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := db.FindEntities(ctx, v, q); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t)
		scoped = append(scoped, d)
		t = time.Now()
		if _, _, err := db.FindEntities(ctx, store.System, q); err != nil {
			b.Fatal(err)
		}
		da := time.Since(t)
		all = append(all, da)
		if q.Q != "" || q.IsClient != nil || q.Kind != "" {
			scopedSame += d
			allSame += da
		}
	}
	slices.Sort(all)
	slices.Sort(scoped)
	b.ReportMetric(float64(scoped[len(scoped)*95/100].Microseconds())/1000, "p95-branch-rm-ms")
	b.ReportMetric(float64(all[len(all)*95/100].Microseconds())/1000, "p95-bank-wide-ms")
	if allSame > 0 {
		b.ReportMetric(100*(float64(scopedSame)/float64(allSame)-1), "rule-overhead-%")
	}
}
