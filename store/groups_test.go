package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

// groupFixture loads a small ownership graph: A holds 60% of B; A and B
// each hold 30% of C; state body S holds 100% of A; D stands alone; B owes
// 10 USD dated 2024-03-01 and 1 USD undated, C owes 100 CNY.
func groupFixture(t *testing.T, db *store.DB) {
	t.Helper()
	ents := []kamp.Entity{
		{ID: "C", Name: "丙公司", Kind: kamp.KindCompany, Country: "CN", IsClient: true},
		{ID: "A", Name: "甲集团", Kind: kamp.KindCompany, Country: "CN", IsClient: true},
		{ID: "B", Name: "乙公司", Kind: kamp.KindCompany, Country: "CN", IsClient: false},
		{ID: "S", Name: "国资委", Kind: kamp.KindState, Country: "CN", IsClient: false},
		{ID: "D", Name: "丁公司", Kind: kamp.KindCompany, Country: "CN", IsClient: true},
	}
	hs := []kamp.Holding{
		{HolderID: "A", EntityID: "B", Share: 60_000_000},
		{HolderID: "A", EntityID: "C", Share: 30_000_000},
		{HolderID: "B", EntityID: "C", Share: 30_000_000},
		{HolderID: "S", EntityID: "A", Share: 100_000_000},
	}
	xs := []kamp.Exposure{
		{FacilityID: "F1", ClientID: "B", Currency: "USD", Amount: 100_000, AsOf: "2024-03-01"},
		{FacilityID: "F2", ClientID: "B", Currency: "USD", Amount: 10_000},
		{FacilityID: "F3", ClientID: "C", Currency: "CNY", Amount: 1_000_000, AsOf: "2024-03-01"},
	}
	fx := []kamp.FXRate{
		{Date: "2024-06-01", Currency: "USD", Rate: 72_000_000_000},
		{Date: "2024-01-01", Currency: "USD", Rate: 71_234_567_891},
	}
	load(t, db, func(l *store.Load) error {
		if err := l.Entities(ctx, ents); err != nil {
			return err
		}
		if err := l.Holdings(ctx, hs); err != nil {
			return err
		}
		if err := l.Exposures(ctx, xs); err != nil {
			return err
		}
		return l.FXRates(ctx, fx)
	})
}

func TestControlData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v0, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		groupFixture(t, db)
		v1, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v0 == v1 {
			t.Errorf("DataVersion did not change with an import: %q", v1)
		}
		d, err := db.ControlData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"A", "B", "C", "D", "S"}; !slices.Equal(d.Input.IDs, want) {
			t.Fatalf("IDs = %v, want %v", d.Input.IDs, want)
		}
		if want := []bool{false, false, false, false, true}; !slices.Equal(d.Input.State, want) {
			t.Errorf("State = %v, want %v", d.Input.State, want)
		}
		if want := []bool{true, false, true, true, false}; !slices.Equal(d.IsClient, want) {
			t.Errorf("IsClient = %v, want %v", d.IsClient, want)
		}
		if len(d.Input.Edges) != 4 {
			t.Errorf("%d edges, want 4", len(d.Input.Edges))
		}
		// B: 10 USD at 7.1234567891 (the rate on or before 2024-03-01) =
		// 71.234567891, plus 1 USD undated at the latest rate 7.2: 78.434567891
		// CNY, half-up to 78.4346.
		want := []kamp.Amount{0, 784_346, 1_000_000, 0, 0}
		if !slices.Equal(d.Exposure, want) {
			t.Errorf("Exposure = %v, want %v", d.Exposure, want)
		}
		res, err := control.Compute(d.Input)
		if err != nil {
			t.Fatal(err)
		}
		if res.Controller[2] != 0 || res.Root[2] != 0 || res.Root[0] != 0 || res.Ultimate[0] != 4 {
			t.Errorf("unexpected result %+v", res)
		}
	})
}

func TestControlDataMissingRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		load(t, db, func(l *store.Load) error {
			if err := l.Entities(ctx, []kamp.Entity{{ID: "X", Name: "X", Kind: kamp.KindCompany, Country: "CN", IsClient: true}}); err != nil {
				return err
			}
			return l.Exposures(ctx, []kamp.Exposure{{FacilityID: "F", ClientID: "X", Currency: "EUR", Amount: 1}})
		})
		if _, err := db.ControlData(ctx); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("ControlData without an EUR rate: %v, want EINVALID", err)
		}
	})
}

func sampleRun(id string, at time.Time) store.GroupRun {
	return store.GroupRun{ID: id, StartedAt: at, FinishedAt: at.Add(time.Second), Fingerprint: "1:x", Regime: "cn2018", Tier1: 10_000_000,
		Entities: 5, Groups: 1, Cycles: 0, Conflicts: 0}
}

func TestSaveGroupRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		groupFixture(t, db)
		if _, err := db.LatestGroupRun(ctx); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Fatalf("LatestGroupRun before any run: %v, want ENOTFOUND", err)
		}
		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		run := sampleRun("R1", at)
		if err := db.StartGroupRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		members := []store.EntityGroup{
			{EntityID: "A", UltimateID: "S", GroupID: "A", Depth: 0},
			{EntityID: "B", ControllerID: "A", UltimateID: "S", GroupID: "A", Depth: 1, Exposure: 784_346},
			{EntityID: "C", ControllerID: "A", UltimateID: "S", GroupID: "A", Depth: 1, InCycle: true, Exposure: 1_000_000},
			{EntityID: "D", UltimateID: "D", GroupID: "D", Depth: 0, Conflict: true, Exposure: 5},
		}
		groups := []store.GroupSummary{
			{GroupID: "A", Members: 3, Clients: 2, MaxDepth: 1, Cycles: 1, Exposure: 1_784_346, PctOfTier1: 17.84346, LimitBP: 2000, Headroom: -(1_784_346 - 2_000_000), Status: control.StatusNear},
			{GroupID: "D", Members: 1, Clients: 1, MaxDepth: 0, Conflicts: 1, Exposure: 5, PctOfTier1: 0.00005, LimitBP: 1500, Headroom: 1_499_995, Status: control.StatusOK},
		}
		if err := db.SaveGroupRun(ctx, run, members, groups); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveGroupRun(ctx, run, members, groups); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("saving a finished run again: %v, want ECONFLICT", err)
		}
		latest, err := db.LatestGroupRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if latest.ID != "R1" || latest.Status != store.GroupRunDone || latest.Entities != 5 || latest.Tier1 != 10_000_000 || !latest.FinishedAt.Equal(at.Add(time.Second)) {
			t.Errorf("LatestGroupRun = %+v", latest)
		}

		m, err := db.GroupOf(ctx, store.System, "C")
		if err != nil {
			t.Fatal(err)
		}
		if m.GroupID != "A" || m.ControllerID != "A" || m.ControllerName != "甲集团" || m.GroupName != "甲集团" || m.EntityName != "丙公司" || !m.IsClient || !m.InCycle || m.Exposure != 1_000_000 || m.GroupSize != 3 {
			t.Errorf("GroupOf(C) = %+v", m)
		}
		if _, err := db.GroupOf(ctx, store.System, "S"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("GroupOf(S): %v, want ENOTFOUND", err)
		}
		g, err := db.Group(ctx, store.System, "A")
		if err != nil {
			t.Fatal(err)
		}
		if g.RootName != "甲集团" || g.Members != 3 || g.Headroom != 215_654 || g.Status != control.StatusNear || g.PctOfTier1 != 17.84346 {
			t.Errorf("Group(A) = %+v", g)
		}
		if _, err := db.Group(ctx, store.System, "B"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("Group(B): %v, want ENOTFOUND", err)
		}
		page, total, err := db.GroupMembers(ctx, store.System, "A", 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(page) != 1 || page[0].EntityID != "B" {
			t.Errorf("GroupMembers(A, 1, 1) = %+v, %d", page, total)
		}
		all, _, err := db.GroupMembers(ctx, store.System, "A", 0, -1)
		if err != nil || len(all) != 3 {
			t.Errorf("GroupMembers(A, all) = %d members, %v", len(all), err)
		}
		hs, err := db.GroupHoldings(ctx, store.System, "A")
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 3 || hs[0].HolderID != "A" || hs[0].EntityID != "B" || hs[0].Share != 60_000_000 {
			t.Errorf("GroupHoldings(A) = %+v", hs)
		}

		// Indicators of the latest period, USD converted at the rate on or
		// before its last day: 1 USD × 7.1234567891 = 7.1235 CNY.
		load(t, db, func(l *store.Load) error {
			return l.Metrics(ctx, []kamp.Metric{
				{ClientID: "A", Period: "2024-03", Currency: "CNY", DepositsAvg: kamp.NullAmount{Amount: 1_000_000, Valid: true}, Revenue: kamp.NullAmount{Amount: -100_000, Valid: true}},
				{ClientID: "C", Period: "2024-03", Currency: "USD", DepositsAvg: kamp.NullAmount{Amount: 10_000, Valid: true}},
				{ClientID: "C", Period: "2024-02", Currency: "CNY", DepositsAvg: kamp.NullAmount{Amount: 9_990_000, Valid: true}},
				{ClientID: "D", Period: "2024-04", Currency: "CNY", DepositsAvg: kamp.NullAmount{Amount: 5, Valid: true}},
			})
		})
		ind, err := db.GroupIndicators(ctx, store.System, "A")
		if err != nil {
			t.Fatal(err)
		}
		want := store.GroupIndicators{Period: "2024-03", Clients: 2, DepositsAvg: kamp.NullAmount{Amount: 1_071_235, Valid: true},
			Revenue: kamp.NullAmount{Amount: -100_000, Valid: true}}
		if ind != want {
			t.Errorf("GroupIndicators(A) = %+v, want %+v", ind, want)
		}
		if ind, err := db.GroupIndicators(ctx, store.System, "nope"); err != nil || ind != (store.GroupIndicators{}) {
			t.Errorf("GroupIndicators(nope) = %+v, %v", ind, err)
		}

		yes, no := true, false
		cases := []struct {
			name  string
			f     store.GroupFilter
			want  []string
			total int
		}{
			{"all by size", store.GroupFilter{}, []string{"A", "D"}, 2},
			{"min size", store.GroupFilter{MinSize: 2}, []string{"A"}, 1},
			{"max size", store.GroupFilter{MaxSize: 1}, []string{"D"}, 1},
			{"min depth", store.GroupFilter{MinDepth: 1}, []string{"A"}, 1},
			{"status", store.GroupFilter{Status: control.StatusOK}, []string{"D"}, 1},
			{"no status", store.GroupFilter{Status: "none"}, nil, 0},
			{"cycles", store.GroupFilter{HasCycle: &yes}, []string{"A"}, 1},
			{"no conflicts", store.GroupFilter{HasConflict: &no}, []string{"A"}, 1},
			{"exposure ascending", store.GroupFilter{Sort: "exposure"}, []string{"D", "A"}, 2},
			{"page", store.GroupFilter{Sort: "id", Limit: 1, Offset: 1}, []string{"D"}, 2},
			{"cursor", store.GroupFilter{Sort: "id", After: "A"}, []string{"D"}, 2},
		}
		for _, c := range cases {
			got, total, err := db.Groups(ctx, store.System, c.f)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			var ids []string
			for _, g := range got {
				ids = append(ids, g.GroupID)
			}
			if !slices.Equal(ids, c.want) || total != c.total {
				t.Errorf("%s: %v (%d), want %v (%d)", c.name, ids, total, c.want, c.total)
			}
		}
		for _, bad := range []store.GroupFilter{{Sort: "name"}, {Status: "bad"}, {Limit: 5000}, {After: "A"}} {
			if _, _, err := db.Groups(ctx, store.System, bad); kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("Groups(%+v): %v, want EINVALID", bad, err)
			}
		}

		// A second run replaces the results and keeps the history.
		run2 := sampleRun("R2", at.Add(time.Hour))
		if err := db.StartGroupRun(ctx, run2); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveGroupRun(ctx, run2, members[3:], groups[1:]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GroupOf(ctx, store.System, "C"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("GroupOf(C) after a run without it: %v, want ENOTFOUND", err)
		}
		run3 := sampleRun("R3", at.Add(2*time.Hour))
		if err := db.StartGroupRun(ctx, run3); err != nil {
			t.Fatal(err)
		}
		if err := db.FailGroupRun(ctx, "R3", at.Add(3*time.Hour), "boom"); err != nil {
			t.Fatal(err)
		}
		runs, more, err := db.GroupRuns(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 3 || more || runs[0].ID != "R3" || runs[0].Status != store.GroupRunFailed || runs[0].Message != "boom" || runs[2].ID != "R1" {
			t.Errorf("GroupRuns = %+v (more %v)", runs, more)
		}
		// Paged: two, then the last one.
		if page, more, err := db.GroupRuns(ctx, 0, 2); err != nil || len(page) != 2 || !more || page[1].ID != "R2" {
			t.Errorf("GroupRuns(0, 2) = %+v, %v, %v", page, more, err)
		}
		if page, more, err := db.GroupRuns(ctx, 2, 2); err != nil || len(page) != 1 || more || page[0].ID != "R1" {
			t.Errorf("GroupRuns(2, 2) = %+v, %v, %v", page, more, err)
		}
		if _, _, err := db.GroupRuns(ctx, 0, store.MaxLimit+1); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("GroupRuns over the limit: %v", err)
		}
		if latest, err := db.LatestGroupRun(ctx); err != nil || latest.ID != "R2" {
			t.Errorf("LatestGroupRun = %v, %v; want R2", latest.ID, err)
		}
		run4 := sampleRun("R4", at.Add(4*time.Hour))
		if err := db.StartGroupRun(ctx, run4); err != nil {
			t.Fatal(err)
		}
		if err := db.FailRunningGroupRuns(ctx); err != nil {
			t.Fatal(err)
		}
		if runs, _, _ := db.GroupRuns(ctx, 0, 1); len(runs) != 1 || runs[0].Status != store.GroupRunFailed {
			t.Errorf("after FailRunningGroupRuns: %+v", runs)
		}
	})
}
