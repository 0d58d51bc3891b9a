package grouping_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/dataset"
	"github.com/kampbank/kamp/demo"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

var ctx = context.Background()

// TestRecomputeDemoBank imports a small demo bank, recomputes the groups
// in the store, and checks every stored member and group against the
// control engine run directly on the interchange files.
func TestRecomputeDemoBank(t *testing.T) {
	dir := t.TempDir()
	if _, err := demo.Generate(ctx, demo.Options{Size: "custom", Entities: 3000, Payments: 20000, Seed: 42, Out: dir}); err != nil {
		t.Fatal(err)
	}
	// The reference: the files read by package dataset, the engine run on
	// them.
	data, err := dataset.LoadGroups(ctx, dir, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := data.ControlInput()
	res, err := control.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	const tier1 = kamp.Amount(2_000_000_000 * 10_000) // 2亿元: small enough to flag groups
	exps, err := control.GroupExposures(in, res, data.Exposures.ByEntity, tier1, control.CN2018)
	if err != nil {
		t.Fatal(err)
	}
	size := map[int32]int{}
	for _, r := range res.Root {
		size[r]++
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if stale, err := grouping.Stale(ctx, db); err != nil || stale {
			t.Errorf("Stale on an empty store = %v, %v; want false", stale, err)
		}
		if _, err := ingest.Run(ctx, db, []string{dir}, ingest.Options{}); err != nil {
			t.Fatal(err)
		}
		if stale, err := grouping.Stale(ctx, db); err != nil || !stale {
			t.Errorf("Stale after an import = %v, %v; want true", stale, err)
		}
		var stages []string
		runID, err := grouping.Recompute(ctx, db, tier1, control.CN2018, func(stage string, done, total int) {
			if done > total {
				t.Errorf("progress %d of %d", done, total)
			}
			stages = append(stages, stage)
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{grouping.StageLoad, grouping.StageCompute, grouping.StageSave, grouping.StageDone}; !slices.Equal(stages, want) {
			t.Errorf("stages %v, want %v", stages, want)
		}
		if stale, err := grouping.Stale(ctx, db); err != nil || stale {
			t.Errorf("Stale after a recompute = %v, %v; want false", stale, err)
		}
		run, err := db.LatestGroupRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if run.ID != runID || run.Entities != len(in.IDs) || run.Tier1 != tier1 || run.Regime != control.CN2018.Name {
			t.Errorf("run %+v", run)
		}

		// Every entity in a group of two or more is stored with the
		// engine's controller, ultimate controller, root and depth.
		checked, groups := 0, 0
		for v := range int32(len(in.IDs)) {
			root := res.Root[v]
			if size[root] < 2 {
				continue
			}
			m, err := db.GroupOf(ctx, store.System, in.IDs[v])
			if err != nil {
				t.Fatalf("GroupOf(%s): %v", in.IDs[v], err)
			}
			ctrl := ""
			if c := res.Controller[v]; c >= 0 {
				ctrl = in.IDs[c]
			}
			if m.GroupID != in.IDs[root] || m.ControllerID != ctrl || m.UltimateID != in.IDs[res.Ultimate[v]] ||
				m.Depth != int(res.Depth[v]) || m.InCycle != res.InCycle[v] || m.Conflict != res.Conflict[v] ||
				m.Exposure != data.Exposures.ByEntity[v] {
				t.Errorf("%s: stored %+v; engine: controller %q, root %s, depth %d", in.IDs[v], m, ctrl, in.IDs[root], res.Depth[v])
			}
			checked++
			if root == v {
				groups++
			}
		}
		if checked == 0 || groups != run.Groups {
			t.Errorf("%d members of %d groups checked; the run counts %d groups", checked, groups, run.Groups)
		}
		// Every group with exposure has the engine's figures.
		for _, x := range exps {
			g, err := db.Group(ctx, store.System, in.IDs[x.GroupID])
			if err != nil {
				t.Fatalf("Group(%s): %v", in.IDs[x.GroupID], err)
			}
			if g.Exposure != x.Exposure || g.Headroom != x.Headroom || g.Status != x.Status || g.Members != x.Members || g.PctOfTier1 != x.PctOfTier1 {
				t.Errorf("group %s: stored %+v, engine %+v", g.GroupID, g, x)
			}
		}
		_, total, err := db.Groups(ctx, store.System, store.GroupFilter{MinSize: 2})
		if err != nil || total != run.Groups {
			t.Errorf("Groups(min size 2) total %d, %v; want %d", total, err, run.Groups)
		}
		flagged := 0
		for _, x := range exps {
			if x.Status == control.StatusBreach {
				flagged++
			}
		}
		if _, total, err := db.Groups(ctx, store.System, store.GroupFilter{Status: control.StatusBreach}); err != nil || total != flagged {
			t.Errorf("breaching groups: %d, %v; want %d", total, err, flagged)
		}
	})
}

// TestRecomputeFailureRecorded checks that a run that cannot finish is
// recorded as failed with its reason, and that the previous results stay.
func TestRecomputeFailureRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		loadRows(t, db, []kamp.Entity{{ID: "A", Name: "A", Kind: kamp.KindCompany, Country: "CN", IsClient: true},
			{ID: "B", Name: "B", Kind: kamp.KindCompany, Country: "CN", IsClient: true}},
			[]kamp.Holding{{HolderID: "A", EntityID: "B", Share: 51_000_000}}, nil)
		first, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil)
		if err != nil {
			t.Fatal(err)
		}
		loadRows(t, db, nil, nil, []kamp.Exposure{{FacilityID: "F", ClientID: "B", Currency: "EUR", Amount: 1}})
		if _, err := grouping.Recompute(ctx, db, 0, control.CN2018, nil); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Fatalf("Recompute without an EUR rate: %v, want EINVALID", err)
		}
		runs, _, err := db.GroupRuns(ctx, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].Status != store.GroupRunFailed || runs[0].Message == "" || runs[1].ID != first {
			t.Errorf("runs %+v", runs)
		}
		if m, err := db.GroupOf(ctx, store.System, "B"); err != nil || m.GroupID != "A" || m.ControllerID != "A" {
			t.Errorf("GroupOf(B) after a failed run = %+v, %v", m, err)
		}
	})
}

func loadRows(t *testing.T, db *store.DB, es []kamp.Entity, hs []kamp.Holding, xs []kamp.Exposure) {
	t.Helper()
	b := kamp.ImportBatch{ID: store.NewID(), StartedAt: db.Now(), FinishedAt: db.Now(), Status: kamp.ImportLoaded, By: "test"}
	if err := db.StartImport(ctx, b, false); err != nil {
		t.Fatal(err)
	}
	l, err := db.BeginLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = l.Entities(ctx, es)
	if err == nil {
		err = l.Holdings(ctx, hs)
	}
	if err == nil {
		err = l.Exposures(ctx, xs)
	}
	if err != nil {
		l.Rollback(ctx)
		t.Fatal(err)
	}
	if err := l.Commit(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want kamp.Amount
		ok   bool
	}{
		{"", 0, true},
		{"125000000000", 1_250_000_000_000_000, true},
		{" 1.5 ", 15_000, true},
		{"-1", 0, false},
		{"abc", 0, false},
		{"1.00001", 0, false},
	}
	for _, c := range cases {
		got, err := grouping.ParseTier1(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseTier1(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{{"", "cn2018", true}, {"CN2018", "cn2018", true}, {"basel", "basel-lex", true}, {"basel-lex", "basel-lex", true}, {"eu", "", false}} {
		r, err := grouping.ParseRegime(c.in)
		if (err == nil) != c.ok || r.Name != c.want {
			t.Errorf("ParseRegime(%q) = %q, %v", c.in, r.Name, err)
		}
	}
	for kind, want := range map[string]bool{"entities": true, "ownership": true, "exposures": true, "fx": true, "metrics": false, "payments": false} {
		if grouping.Affects(kind) != want {
			t.Errorf("Affects(%q) = %v", kind, !want)
		}
	}
}

// FuzzParseTier1 checks that a tier-1 capital either parses to an amount
// that formats back to the same number or fails with EINVALID.
func FuzzParseTier1(f *testing.F) {
	for _, s := range []string{"", "125000000000", "1.5", "-1", "1e9", "0.00001", " 7 ", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := grouping.ParseTier1(s)
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("%q: %v is not EINVALID", s, err)
			}
			return
		}
		if a < 0 {
			t.Fatalf("%q: negative %v", s, a)
		}
		back, err := grouping.ParseTier1(a.String())
		if err != nil || back != a {
			t.Fatalf("%q → %v → %v, %v", s, a, back, err)
		}
	})
}

// TestRecomputeEmpty checks that a store without entities gives an empty
// successful run.
func TestRecomputeEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		id, err := grouping.Recompute(ctx, db, 0, control.BaselLEX, nil)
		if err != nil {
			t.Fatal(err)
		}
		run, err := db.LatestGroupRun(ctx)
		if err != nil || run.ID != id || run.Entities != 0 || run.Groups != 0 || run.Regime != control.BaselLEX.Name {
			t.Errorf("run %+v, %v", run, err)
		}
		if _, total, err := db.Groups(ctx, store.System, store.GroupFilter{}); err != nil || total != 0 {
			t.Errorf("groups: %d, %v", total, err)
		}
	})
}
