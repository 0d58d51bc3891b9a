package web

import (
	"context"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// BenchmarkGroupPage measures the page of the largest group of a generated
// bank — the whole request through the server, session check included —
// with its graph JSON and a control path, and reports the 95th percentile
// of each. The bank has KAMP_BENCH_ENTITIES entities (default 300,000,
// whose largest group has about 2,000 members; 1,000,000 gives groups of
// 5,000 and more).
func BenchmarkGroupPage(b *testing.B) {
	ctx := context.Background()
	n := 300_000
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
	e := newEnv(b, Config{Tier1: kamp.Amount(100_000_000_000 * 10_000)})
	start := time.Now()
	if _, err := ingest.Run(ctx, e.db, []string{dir}, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	imported := time.Now()
	if _, err := grouping.Recompute(ctx, e.db, e.srv.cfg.Tier1, control.CN2018, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d entities: import %s, recompute %s", n, imported.Sub(start).Round(time.Millisecond), time.Since(imported).Round(time.Millisecond))
	top, _, err := e.db.Groups(ctx, store.System, store.GroupFilter{Sort: "-members", Limit: 1})
	if err != nil || len(top) == 0 {
		b.Fatalf("no group: %v", err)
	}
	g := top[0]
	// The deepest member on the last page has the longest control path.
	last, _, err := e.db.GroupMembers(ctx, store.System, g.GroupID, g.Members-1, 1)
	if err != nil || len(last) != 1 {
		b.Fatalf("members: %v", err)
	}
	b.Logf("largest group %s: %d members, depth %d", g.GroupID, g.Members, g.MaxDepth)
	e.user("ana", kamp.RoleAnalyst)
	c := e.client()
	e.login(c, "ana")
	base := "/groups/" + url.PathEscape(g.GroupID)
	for _, bc := range []struct{ name, path string }{
		{"page", base},
		{"last_page", base + "?page=" + strconv.Itoa((g.Members+groupsPerPage-1)/groupsPerPage)},
		{"graph", base + "/graph.json"},
		{"path", base + "?path=" + url.QueryEscape(last[0].EntityID)},
		{"list", "/groups?min_size=2"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				resp, _ := e.get(c, bc.path)
				times = append(times, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("GET %s: %d", bc.path, resp.StatusCode)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(g.Members), "members")
		})
	}
}
