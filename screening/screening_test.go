package screening_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/dataset"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/screening"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

var ctx = context.Background()

// reference screens the interchange files of dir the way `kamp screen`
// does (engines.md §2), independently of the store: units are the groups of
// the control engine with a client member, metrics of non-clients ignored.
func reference(t *testing.T, dir string, w screen.Weights) map[string]string {
	t.Helper()
	data, err := dataset.LoadGroups(ctx, dir, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := control.Compute(data.ControlInput())
	if err != nil {
		t.Fatal(err)
	}
	path, err := dataset.FindFile(dir, dataset.KindMetrics, "to screen")
	if err != nil {
		t.Fatal(err)
	}
	ents := data.Entities
	m, err := dataset.LoadMetrics(ctx, path, ents, data.FX, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	unitOf := map[int32]int32{}
	var ids []string
	var members []int32
	for i, client := range ents.Client {
		if !client {
			continue
		}
		r := res.Root[i]
		u, ok := unitOf[r]
		if !ok {
			u = int32(len(ids))
			unitOf[r] = u
			ids = append(ids, ents.IDs[r])
			members = append(members, 0)
		}
		members[u]++
	}
	agg, err := screen.NewAggregator(ids, members, m.Indicators)
	if err != nil {
		t.Fatal(err)
	}
	period := m.Latest()
	rates, err := screen.PeriodRates(period, data.FX.Rates())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := m.PeriodIndex(period)
	k := len(m.Indicators)
	for r, c := range m.Client {
		if m.Period[r] != p || !ents.Client[c] {
			continue
		}
		for j := range k {
			if m.Given[r*k+j] {
				agg.Add(unitOf[res.Root[c]], m.Currencies[m.Currency[r]], j, m.Values[r*k+j])
			}
		}
	}
	d, err := agg.Totals(rates)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := d.Score(w)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for u := range int32(d.Units()) {
		out[d.UnitID(u)] = sr.Tier[u].String()
	}
	return out
}

func TestRunAndWhatIf(t *testing.T) {
	dir := t.TempDir()
	if _, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: 3000, Seed: 7, Out: dir}); err != nil {
		t.Fatal(err)
	}
	w := screen.DefaultWeights()
	want := reference(t, dir, w)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); err != nil {
			t.Fatal(err)
		}
		ws := screening.NewWorkspace(db)
		const rules = "core: industry in C, I and rank <= 200\ngeneral: industry in K # never above general"
		var stages []string
		id, err := screening.Run(ctx, db, ws, screening.Spec{Weights: w, Rules: rules, By: "analyst"}, func(stage string, done, total int) {
			stages = append(stages, stage)
		})
		if err != nil {
			t.Fatal(err)
		}
		if wantStages := []string{screening.StageLoad, screening.StageCompute, screening.StageSave, screening.StageDone}; !slices.Equal(stages, wantStages) {
			t.Errorf("stages %v, want %v", stages, wantStages)
		}
		run, err := db.ScreeningRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != store.ScreeningDone || run.Units != len(want) || run.Weights != w.String() || run.MadeBy != "analyst" || run.Rules == "" {
			t.Errorf("run = %+v, want done with %d units", run, len(want))
		}
		fp, _ := db.DataFingerprint(ctx)
		if run.Fingerprint != fp {
			t.Errorf("fingerprint %q, want %q", run.Fingerprint, fp)
		}
		got, total, err := db.ScreeningResults(ctx, store.System, id, store.ScreeningFilter{Limit: store.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for off := len(got); off < total; off = len(got) {
			more, _, err := db.ScreeningResults(ctx, store.System, id, store.ScreeningFilter{Limit: store.MaxLimit, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, more...)
		}
		if total != len(want) {
			t.Fatalf("%d units stored, the files give %d", total, len(want))
		}
		cores := 0
		for _, r := range got {
			if want[r.UnitID] != r.Tier {
				t.Errorf("unit %s: stored tier %s, the files give %s", r.UnitID, r.Tier, want[r.UnitID])
			}
			if r.Tier == "core" {
				cores++
			}
		}
		if cores == 0 {
			t.Error("no core unit: the demo bank is concentrated")
		}
		// The rules' proposals, checked against the rules read by hand: the
		// first rule that matches the unit's industry (a group's root's)
		// and rank sets its tier; kept where it differs.
		proposals := 0
		for _, r := range got {
			e, err := db.Entity(ctx, store.System, r.UnitID)
			if err != nil {
				t.Fatal(err)
			}
			want := r.Tier
			switch {
			case r.Rank <= 200 && (strings.HasPrefix(e.Industry, "C") || strings.HasPrefix(e.Industry, "I")):
				want = "core"
			case strings.HasPrefix(e.Industry, "K"):
				want = "general"
			}
			if want == r.Tier {
				want = ""
			}
			if r.RuleTier != want {
				t.Errorf("unit %s (rank %d, %s, industry %q): rules propose %q, want %q", r.UnitID, r.Rank, r.Tier, e.Industry, r.RuleTier, want)
			}
			if want != "" {
				proposals++
			}
		}
		if proposals == 0 {
			t.Error("the rules proposed nothing")
		}
		props, n, err := db.ScreeningResults(ctx, store.System, id, store.ScreeningFilter{Proposals: true, Limit: store.MaxLimit})
		if err != nil || n != proposals || len(props) != min(n, store.MaxLimit) {
			t.Errorf("proposals filter: %d of %d (%v), want %d", len(props), n, err, proposals)
		}

		// What-if: other weights, the same cached data, nothing stored.
		in1, err := ws.Input(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		other := screen.Weights{"loans_avg": 1}
		in2, res, err := ws.WhatIf(ctx, "", other)
		if err != nil {
			t.Fatal(err)
		}
		if in1 != in2 {
			t.Error("the what-if reloaded unchanged data")
		}
		wantOther := reference(t, dir, other)
		moved := 0
		for u := range int32(in2.Data.Units()) {
			id := in2.Data.UnitID(u)
			if res.Tier[u].String() != wantOther[id] {
				t.Errorf("what-if: %s is %s, the files give %s", id, res.Tier[u], wantOther[id])
			}
			if wantOther[id] != want[id] {
				moved++
			}
		}
		if moved == 0 {
			t.Error("weighting loans alone moved no unit between tiers")
		}
		runs, _, _ := db.ScreeningRuns(ctx, 0, 10)
		if len(runs) != 1 {
			t.Errorf("%d runs after a what-if, want 1", len(runs))
		}
		if _, _, err := ws.WhatIf(ctx, "", screen.Weights{"revenue": 0.5}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("weights summing to 0.5: %v, want EINVALID", err)
		}
		if _, err := screening.Run(ctx, db, ws, screening.Spec{Weights: w, Rules: "core: nonsense", By: "analyst"}, nil); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad rules: %v, want EINVALID", err)
		}
		// New data: the cache is dropped.
		if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		in3, err := ws.Input(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if in3 == in1 || in3.Fingerprint == in1.Fingerprint {
			t.Error("the cache survived an import")
		}
	})
}

func TestParseWeights(t *testing.T) {
	w, err := screening.ParseWeights(" ")
	if err != nil || w.String() != screen.DefaultWeights().String() {
		t.Errorf("empty weights = %v, %v; want the defaults", w, err)
	}
	if _, err := screening.ParseWeights("revenue=2"); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("revenue=2: %v, want EINVALID", err)
	}
}
