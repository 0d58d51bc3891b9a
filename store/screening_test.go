package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/store/storetest"
)

func amt(yuan int64) kamp.NullAmount {
	return kamp.NullAmount{Amount: kamp.Amount(yuan * 10_000), Valid: true}
}

// screeningFixture is accessFixture with metrics: in 2026-01 group G earns
// 600 CNY (G) and 100 USD at 7 (M1), X 200 CNY, Y 100 CNY and Z nothing;
// deposits put Y first. 2025-12 has X alone.
func screeningFixture(t *testing.T, db *store.DB) map[string]kamp.User {
	t.Helper()
	users := accessFixture(t, db)
	load(t, db, func(l *store.Load) error {
		if err := l.FXRates(ctx, []kamp.FXRate{{Date: "2026-01-15", Currency: "USD", Rate: 70_000_000_000},
			{Date: "2026-02-15", Currency: "USD", Rate: 90_000_000_000}}); err != nil {
			return err
		}
		return l.Metrics(ctx, []kamp.Metric{
			{ClientID: "G", Period: "2026-01", Currency: "CNY", Revenue: amt(600), DepositsAvg: amt(10)},
			{ClientID: "M1", Period: "2026-01", Currency: "USD", Revenue: amt(100), DepositsAvg: amt(-5)},
			{ClientID: "X", Period: "2026-01", Currency: "CNY", Revenue: amt(200), DepositsAvg: amt(20)},
			{ClientID: "Y", Period: "2026-01", Currency: "CNY", Revenue: amt(100), DepositsAvg: amt(5000)},
			{ClientID: "X", Period: "2025-12", Currency: "CNY", Revenue: amt(1)},
		})
	})
	for _, u := range []kamp.User{
		{Login: "chief", Role: kamp.RoleAnalyst, OrgUnit: "SCD", Level: kamp.LevelExecutive},
		{Login: "chief2", Role: kamp.RoleAdmin, OrgUnit: "HO", Level: kamp.LevelExecutive},
	} {
		created, err := db.CreateUser(ctx, u, "a good password")
		if err != nil {
			t.Fatal(err)
		}
		users[u.Login] = created
	}
	return users
}

// storeRun screens the stored data with weights and stores the run.
func storeRun(t *testing.T, db *store.DB, id, weights string) (*store.ScreeningInput, *screen.Result) {
	t.Helper()
	in, err := db.ScreeningData(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	w, err := screen.ParseWeights(weights)
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Data.Score(w)
	if err != nil {
		t.Fatal(err)
	}
	run := store.ScreeningRun{ID: id, StartedAt: db.Now(), Weights: w.String(), MadeBy: "analyst"}
	if err := db.StartScreeningRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.FinishedAt = db.Now()
	if err := db.SaveScreeningRun(ctx, run, in, res, nil); err != nil {
		t.Fatal(err)
	}
	return in, res
}

func mustViewer(t *testing.T, db *store.DB, u kamp.User) store.Viewer {
	t.Helper()
	v, err := db.ViewerFor(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func resultIDs(rs []store.ScreeningResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.UnitID)
	}
	return out
}

func TestScreeningData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		screeningFixture(t, db)
		in, err := db.ScreeningData(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if in.Period != "2026-01" {
			t.Errorf("period = %q, want the latest, 2026-01", in.Period)
		}
		d := in.Data
		units := map[string]int32{}
		for u := range int32(d.Units()) {
			units[d.UnitID(u)] = u
		}
		if len(units) != 4 || d.Members(units["G"]) != 3 || d.Members(units["X"]) != 1 {
			t.Fatalf("units = %v (G has %d members), want G (3), X, Y, Z", units, d.Members(units["G"]))
		}
		rev, _ := d.Indicator("revenue")
		dep, _ := d.Indicator("deposits_avg")
		// G: 600 CNY + 100 USD at 7 = 1300 CNY, in the engine and the amounts.
		if got := d.Total(units["G"], rev).String(); got != "1300" {
			t.Errorf("engine revenue of G = %s, want 1300", got)
		}
		if got := in.Amounts[units["G"]][2]; got != 1300*10_000 {
			t.Errorf("stored revenue of G = %s, want 1300", got)
		}
		if got := in.Amounts[units["G"]][0]; got != -25*10_000 {
			t.Errorf("stored deposits of G = %s, want 10 - 35 = -25", got)
		}
		if got := d.Total(units["Z"], dep).Sign(); got != 0 {
			t.Errorf("Z has no metrics but deposits %d", got)
		}
		old, err := db.ScreeningData(ctx, "2025-12")
		if err != nil {
			t.Fatal(err)
		}
		x := int32(-1)
		for u := range int32(old.Data.Units()) {
			if old.Data.UnitID(u) == "X" {
				x = u
			}
		}
		if old.Used != 1 || old.Amounts[x][2] != 10_000 {
			t.Errorf("2025-12: %d rows used, X revenue %s; want 1 row and 1", old.Used, old.Amounts[x][2])
		}
		if in.Fingerprint == "" || in.Fingerprint != old.Fingerprint {
			t.Errorf("fingerprints %q and %q: want one for the same data", in.Fingerprint, old.Fingerprint)
		}
	})
}

func TestScreeningRunsResultsAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := screeningFixture(t, db)
		in, res := storeRun(t, db, "S1", "revenue=1")
		run, err := db.ScreeningRun(ctx, "S1")
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != store.ScreeningDone || run.Units != 4 || run.Period != "2026-01" || run.Fingerprint != in.Fingerprint {
			t.Errorf("run = %+v", run)
		}
		if run.Concentration.Tiers != res.Concentration.Tiers || run.Concentration.Gini != res.Concentration.Gini ||
			len(run.Concentration.Lorenz) != len(res.Concentration.Lorenz) {
			t.Errorf("stored concentration %+v, want %+v", run.Concentration, res.Concentration)
		}
		all, total, err := db.ScreeningResults(ctx, store.System, "S1", store.ScreeningFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 4 || len(all) != 4 {
			t.Fatalf("results: %d of %d, want 4", len(all), total)
		}
		for i, r := range all {
			u := res.Order[i]
			if r.Rank != i+1 || r.UnitID != in.Data.UnitID(u) || r.Score != res.Score[u] || r.CumShare != res.CumShare[u] || r.Tier != res.Tier[u].String() {
				t.Errorf("rank %d: stored %+v, engine unit %s score %v cum %v tier %s", i+1, r, in.Data.UnitID(u), res.Score[u], res.CumShare[u], res.Tier[u])
			}
		}
		if all[0].UnitID != "G" || all[0].Tier != "core" || !all[0].IsGroup || all[0].Name != "环球集团" || all[0].Indicators[2] != 1300*10_000 {
			t.Errorf("first = %+v, want group G, core, revenue 1300", all[0])
		}
		core, n, err := db.ScreeningResults(ctx, store.System, "S1", store.ScreeningFilter{Tier: "core"})
		if err != nil || n != res.Concentration.Tiers.Core || len(core) != n {
			t.Errorf("core filter: %d of %d (%v), want %d", len(core), n, err, res.Concentration.Tiers.Core)
		}
		// Need to know: rm2 (B2) sees group G (member M2) and X; rm101 sees G.
		for login, want := range map[string][]string{"rm2": {"G", "X"}, "rm101": {"G"}, "analyst": {"G", "X", "Y", "Z"}} {
			v, err := db.ViewerFor(ctx, users[login])
			if err != nil {
				t.Fatal(err)
			}
			got, n, err := db.ScreeningResults(ctx, v, "S1", store.ScreeningFilter{Sort: "id"})
			if err != nil {
				t.Fatal(err)
			}
			if ids := resultIDs(got); !slices.Equal(ids, want) || n != len(want) {
				t.Errorf("%s sees %v (%d), want %v", login, ids, n, want)
			}
			_, err = db.ScreeningResult(ctx, v, "S1", "Y")
			if seesY := slices.Contains(want, "Y"); seesY != (err == nil) {
				t.Errorf("%s: ScreeningResult(Y) error %v", login, err)
			}
		}
		names, err := db.UnitNames(ctx, mustViewer(t, db, users["rm2"]), []string{"G", "X", "Y", "nope"})
		if err != nil || len(names) != 2 || names["G"].Name != "环球集团" || !names["G"].IsGroup || names["X"].IsGroup {
			t.Errorf("UnitNames for rm2 = %v (%v), want G (a group) and X", names, err)
		}
		if _, _, err := db.ScreeningResults(ctx, store.System, "nope", store.ScreeningFilter{}); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("unknown run: %v, want ENOTFOUND", err)
		}
		if _, _, err := db.ScreeningResults(ctx, store.System, "S1", store.ScreeningFilter{Sort: "bogus"}); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("bad sort: %v, want EINVALID", err)
		}
		// A run left running by a stopped process is closed as failed.
		if err := db.StartScreeningRun(ctx, store.ScreeningRun{ID: "S0", StartedAt: db.Now(), Weights: "revenue=1", MadeBy: "analyst"}); err != nil {
			t.Fatal(err)
		}
		if err := db.FailRunningScreeningRuns(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err := db.ScreeningRun(ctx, "S0"); err != nil || r.Status != store.ScreeningFailed || r.Message == "" {
			t.Errorf("interrupted run = %+v (%v), want failed with a message", r, err)
		}
		if latest, err := db.LatestScreeningRun(ctx); err != nil || latest.ID != "S1" {
			t.Errorf("latest run = %s (%v), want S1, the last that finished", latest.ID, err)
		}
		// A second run on deposits: Y moves up, G down.
		storeRun(t, db, "S2", "deposits_avg=1")
		runs, _, err := db.ScreeningRuns(ctx, 0, 10)
		if err != nil || len(runs) != 3 {
			t.Fatalf("runs = %d (%v), want 3", len(runs), err)
		}
		cmp, err := db.CompareScreeningRuns(ctx, store.System, "S1", "S2", 100)
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]store.TierChange{}
		for _, c := range cmp.Changes {
			byID[c.UnitID] = c
		}
		changed := 0
		for _, id := range []string{"G", "X", "Y", "Z"} {
			r1, _ := db.ScreeningResult(ctx, store.System, "S1", id)
			r2, _ := db.ScreeningResult(ctx, store.System, "S2", id)
			c, ok := byID[id]
			if (r1.Tier != r2.Tier) != ok {
				t.Errorf("%s: %s → %s, listed as changed: %v", id, r1.Tier, r2.Tier, ok)
			}
			if ok {
				changed++
				if c.From != r1.Tier || c.To != r2.Tier {
					t.Errorf("%s: change %s → %s, want %s → %s", id, c.From, c.To, r1.Tier, r2.Tier)
				}
			}
		}
		if changed == 0 || cmp.Total != changed {
			t.Errorf("%d changes (total %d): the fixture moves Y into core", changed, cmp.Total)
		}
		if y := byID["Y"]; y.Indicator != "deposits_avg" || y.Old != 5000*10_000 || y.New != 5000*10_000 {
			t.Errorf("Y moved by %q, want deposits_avg", y.Indicator)
		}
		v2, _ := db.ViewerFor(ctx, users["rm101"])
		scoped, err := db.CompareScreeningRuns(ctx, v2, "S1", "S2", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range scoped.Changes {
			if c.UnitID != "G" {
				t.Errorf("rm101 sees the change of %s", c.UnitID)
			}
		}
	})
}

func TestStrategicListMakerChecker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		users := screeningFixture(t, db)
		day := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return day }
		storeRun(t, db, "S1", "revenue=1")

		// Who may propose and approve.
		if _, err := db.ProposeNomination(ctx, users["rm2"], "X", store.NominationInclude, "core", "growth"); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("branch RM proposes: %v, want EFORBIDDEN", err)
		}
		if _, err := db.ProposeNomination(ctx, users["junior"], "M1", store.NominationInclude, "core", "growth"); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("nominating a group member: %v, want EINVALID", err)
		}
		if _, err := db.ProposeNomination(ctx, users["junior"], "X", store.NominationInclude, "general", "growth"); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("nominating as general: %v, want EINVALID", err)
		}
		if _, err := db.ProposeNomination(ctx, users["junior"], "X", store.NominationInclude, "core", " "); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("no reason: %v, want EINVALID", err)
		}
		cr, err := db.ProposeNomination(ctx, users["junior"], "X", store.NominationInclude, "core", "strategic emerging industry")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ProposeNomination(ctx, users["chief"], "X", store.NominationExclude, "", "policy"); kamp.ErrorCode(err) != kamp.ECONFLICT {
			t.Errorf("second pending nomination: %v, want ECONFLICT", err)
		}
		if _, err := db.DecideRequest(ctx, users["analyst"], cr.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("level-3 analyst approves: %v, want EFORBIDDEN (level 4 needed)", err)
		}
		list, _, err := db.StrategicList(ctx, store.System, false, 0, 0)
		if err != nil || len(list) != 0 {
			t.Fatalf("list before approval = %v (%v), want empty", list, err)
		}
		got, err := db.DecideRequest(ctx, users["chief"], cr.ID, true, "agreed")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != kamp.RequestApproved || got.Detail != "core" {
			t.Errorf("decided = %+v", got)
		}
		list, n, err := db.StrategicList(ctx, store.System, false, 0, 0)
		if err != nil || n != 1 || len(list) != 1 || list[0].UnitID != "X" || list[0].Tier != "core" || list[0].From != "2026-03-01" ||
			list[0].Source != store.SourceNomination || list[0].Reason != "strategic emerging industry" {
			t.Fatalf("list = %+v (%d, %v), want X core from 2026-03-01 by nomination", list, n, err)
		}
		// Self-approval is refused.
		own, err := db.ProposeAdoption(ctx, users["chief"], "S1", "annual list")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRequest(ctx, users["chief"], own.ID, true, ""); kamp.ErrorCode(err) != kamp.EFORBIDDEN {
			t.Errorf("self-approval: %v, want EFORBIDDEN", err)
		}
		// The adoption is bank-wide: a branch RM does not see it.
		v, _ := db.ViewerFor(ctx, users["rm2"])
		if _, err := db.ChangeRequest(ctx, v, own.ID); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("rm2 reads the adoption: %v, want ENOTFOUND", err)
		}
		day = day.AddDate(0, 0, 1)
		if _, err := db.DecideRequest(ctx, users["chief2"], own.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		// S1's core and key units join; X keeps its nomination.
		s1, _, err := db.ScreeningResults(ctx, store.System, "S1", store.ScreeningFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"X": "core"}
		for _, r := range s1 {
			if r.Tier != "general" && r.UnitID != "X" {
				want[r.UnitID] = r.Tier
			}
		}
		list, _, err = db.StrategicList(ctx, store.System, false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		gotList := map[string]string{}
		for _, l := range list {
			gotList[l.UnitID] = l.Tier
			if l.UnitID == "X" && l.Source != store.SourceNomination {
				t.Errorf("adoption replaced X's nomination: %+v", l)
			}
			if l.UnitID != "X" && (l.Source != store.SourceRun || l.From != "2026-03-02" || l.RunID != "S1") {
				t.Errorf("adopted spell %+v, want from run S1 on 2026-03-02", l)
			}
		}
		if len(gotList) != len(want) {
			t.Errorf("list = %v, want %v", gotList, want)
		}
		for id, tier := range want {
			if gotList[id] != tier {
				t.Errorf("list = %v, want %v", gotList, want)
			}
		}
		// Exclude G: its run spell ends, an exclusion begins; it is off the
		// list, and a later adoption leaves it off.
		day = day.AddDate(0, 0, 1)
		ex, err := db.ProposeNomination(ctx, users["junior"], "G", store.NominationExclude, "", "policy")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRequest(ctx, users["chief"], ex.ID, false, ""); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("rejection without a note: %v, want EINVALID", err)
		}
		if _, err := db.DecideRequest(ctx, users["chief"], ex.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		readopt, err := db.ProposeAdoption(ctx, users["junior"], "S1", "again")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.DecideRequest(ctx, users["chief"], readopt.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		list, _, _ = db.StrategicList(ctx, store.System, false, 0, 0)
		for _, l := range list {
			if l.UnitID == "G" {
				t.Errorf("excluded G is on the list: %+v", l)
			}
		}
		excl, _, _ := db.StrategicList(ctx, store.System, true, 0, 0)
		if len(excl) != 1 || excl[0].UnitID != "G" || excl[0].Tier != store.TierExcluded {
			t.Errorf("exclusions = %+v, want G", excl)
		}
		hist, err := db.UnitListHistory(ctx, store.System, "G")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Tier != store.TierExcluded || hist[0].To != "" || hist[1].To != "2026-03-03" || hist[1].Source != store.SourceRun {
			t.Errorf("history of G = %+v, want the run spell ended 2026-03-03 and the exclusion since", hist)
		}
		if _, err := db.UnitListHistory(ctx, v, "Y"); kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Errorf("rm2 reads Y's history: %v, want ENOTFOUND", err)
		}
		changes, err := db.ListChanges(ctx, v, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range changes {
			if c.UnitID != "G" && c.UnitID != "X" {
				t.Errorf("rm2 sees the list change of %s", c.UnitID)
			}
		}
		// Every change left an audit event.
		evs, _, err := db.AuditEvents(ctx, store.AuditFilter{Action: store.AuditStrategicList}, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 4 {
			t.Errorf("%d strategic list events, want 4 (nomination, adoption, exclusion, adoption)", len(evs))
		}
	})
}
