package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// BenchmarkScreeningPages measures the screening workspace through the
// server, session check included, and reports the 95th percentile of each
// request: the what-if round trip (the htmx POST of the sliders and its
// fragment), the workspace page, a deep page of the tier table and the
// chart JSON. The bank is the SQLite database KAMP_BENCH_DB (a copy: the
// benchmark adds a user and a run) or else a generated bank of
// KAMP_BENCH_ENTITIES entities (default 100,000, size S).
func BenchmarkScreeningPages(b *testing.B) {
	ctx := context.Background()
	var db *store.DB
	if path := os.Getenv("KAMP_BENCH_DB"); path != "" {
		var err error
		if db, err = store.Open(ctx, path, nil); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
	} else {
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
		db = storetest.SQLite(b)
		if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
			b.Fatal(err)
		}
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
			b.Fatal(err)
		}
	}
	e := newEnvDB(b, Config{}, db)
	login := "bench" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := db.CreateUser(ctx, kamp.User{Login: login, Name: "bench", Role: kamp.RoleAnalyst, OrgUnit: "", Level: kamp.LevelExecutive}, testPassword); err != nil {
		b.Fatal(err)
	}
	c := e.client()
	e.login(c, login)
	start := time.Now()
	runID, err := screening.Run(ctx, db, e.srv.workspace(), screening.Spec{Weights: screen.DefaultWeights(), By: login}, nil)
	if err != nil {
		b.Fatal(err)
	}
	run, _ := db.ScreeningRun(ctx, runID)
	b.Logf("run %s of %d units stored in %s (data loaded and cached)", runID, run.Units, time.Since(start).Round(time.Millisecond))
	csrf := e.csrf(c, "/screening")
	weights := []url.Values{
		{"w_revenue": {"40"}, "w_deposits_avg": {"30"}, "w_loans_avg": {"20"}, "w_fee_income": {"10"}},
		{"w_revenue": {"10"}, "w_deposits_avg": {"20"}, "w_loans_avg": {"30"}, "w_fee_income": {"40"}},
		{"w_revenue": {"70"}, "w_deposits_avg": {"10"}, "w_loans_avg": {"10"}, "w_fee_income": {"10"}},
	}
	deep := strconv.Itoa(max(1, run.Units/resultsPerPage/2))
	for _, bc := range []struct{ name, path string }{
		{"whatif", ""},
		{"page", "/screening"},
		{"deep_page", "/screening?run=" + runID + "&page=" + deep},
		{"general_tier", "/screening?run=" + runID + "&tier=general&sort=-revenue"},
		{"chart", "/screening/chart.json?run=" + runID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			i := 0
			for b.Loop() {
				var req *http.Request
				if bc.path == "" {
					form := weights[i%len(weights)]
					form.Set("csrf", csrf)
					req, _ = http.NewRequest("POST", e.ts.URL+"/screening/what-if", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("HX-Request", "true")
				} else {
					req, _ = http.NewRequest("GET", e.ts.URL+bc.path, nil)
				}
				i++
				t0 := time.Now()
				resp, _ := e.do(c, req)
				times = append(times, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d", bc.name, resp.StatusCode)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
