// Package grouping recomputes kamp's corporate groups inside the
// application: it reads the entities, holdings, exposures and exchange rates
// from the store, runs the control engine (package control, engines.md §1),
// sums each group's exposure against its large-exposure limit and stores
// the results with the run's history. It is called after every import that
// changes ownership or exposures, at server start when the stored results
// are missing or stale, and by tests.
package grouping

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/store"
)

// EnvTier1 names the environment variable holding the bank's tier-1 net
// capital (一级资本净额) in yuan, a decimal like 125000000000.
const EnvTier1 = "KAMP_TIER1_CAPITAL"

// EnvRegime names the environment variable choosing the large-exposure
// regime: cn2018 (the default) or basel.
const EnvRegime = "KAMP_LARGE_EXPOSURE_REGIME"

// Stages reported to the progress function, in order.
const (
	StageLoad    = "load"    // reading the data from the store
	StageCompute = "compute" // running the control engine
	StageSave    = "save"    // storing the results
	StageDone    = "done"
)

// ParseTier1 parses a tier-1 capital in yuan (at most 4 decimals, not
// negative); "" is 0, not configured.
func ParseTier1(s string) (kamp.Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := check.ParseFixed(s, kamp.AmountScale, false)
	if err != nil {
		return 0, kamp.Errorf(kamp.EINVALID, "tier-1 capital %q: %s", s, kamp.ErrorMessage(err))
	}
	return kamp.Amount(n), nil
}

// ParseRegime returns the regime called name: "" or cn2018 for CN2018,
// basel or basel-lex for BaselLEX.
func ParseRegime(name string) (control.Regime, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return control.CN2018, nil
	case "basel":
		return control.BaselLEX, nil
	}
	return control.RegimeByName(strings.TrimSpace(name))
}

// FromEnv reads the tier-1 capital and the regime from EnvTier1 and
// EnvRegime.
func FromEnv() (kamp.Amount, control.Regime, error) {
	tier1, err := ParseTier1(os.Getenv(EnvTier1))
	if err != nil {
		return 0, control.Regime{}, kamp.WrapError(kamp.EINVALID, err, "%s: %s", EnvTier1, kamp.ErrorMessage(err))
	}
	regime, err := ParseRegime(os.Getenv(EnvRegime))
	if err != nil {
		return 0, control.Regime{}, kamp.WrapError(kamp.EINVALID, err, "%s: %s", EnvRegime, kamp.ErrorMessage(err))
	}
	return tier1, regime, nil
}

// Limits returns the tier-1 capital and regime the groups are measured
// against: the settings stored in the app (store.SettingTier1,
// store.SettingRegime) where they are set, else tier1 and regime (from the
// environment or flags).
func Limits(ctx context.Context, db *store.DB, tier1 kamp.Amount, regime control.Regime) (kamp.Amount, control.Regime, error) {
	if v, err := db.Setting(ctx, store.SettingTier1); err != nil {
		return 0, regime, err
	} else if v != "" {
		if tier1, err = ParseTier1(v); err != nil {
			return 0, regime, err
		}
	}
	if v, err := db.Setting(ctx, store.SettingRegime); err != nil {
		return 0, regime, err
	} else if v != "" {
		if regime, err = ParseRegime(v); err != nil {
			return 0, regime, err
		}
	}
	return tier1, regime, nil
}

// Affects reports whether an import of a file of kind (as ingest names
// them) can change the groups or their exposure.
func Affects(kind string) bool {
	switch kind {
	case "entities", "ownership", "exposures", "fx", "gleif-rr", "bods":
		return true
	}
	return false
}

// Stale reports whether the stored groups are missing or were computed
// from other data than the store holds now; a store without entities is
// never stale.
func Stale(ctx context.Context, db *store.DB) (bool, error) {
	st, err := db.Stats(ctx, store.System)
	if err != nil {
		return false, err
	}
	if st.Entities == 0 {
		return false, nil
	}
	run, err := db.LatestGroupRun(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	v, err := db.DataVersion(ctx)
	if err != nil {
		return false, err
	}
	return run.Fingerprint != v, nil
}

// mu keeps recomputes of one process from running at the same time: the
// later one waits and then computes from the newer data.
var mu sync.Mutex

// Recompute computes the corporate groups of the stored data and replaces
// the stored results, recording the run in the history; it returns the
// run's id. tier1 is the bank's tier-1 capital in CNY (0: nothing flagged)
// and regime the large-exposure rules. progress, when not nil, is called
// at each stage with the work done out of the total. A failed run is
// recorded with its error and leaves the previous results in place.
func Recompute(ctx context.Context, db *store.DB, tier1 kamp.Amount, regime control.Regime, progress func(stage string, done, total int)) (runID string, err error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	mu.Lock()
	defer mu.Unlock()
	version, err := db.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	run := store.GroupRun{ID: store.NewID(), StartedAt: db.Now(), Fingerprint: version, Regime: regime.Name, Tier1: tier1}
	if err := db.StartGroupRun(ctx, run); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			// Record the failure even when ctx was cancelled.
			if ferr := db.FailGroupRun(context.WithoutCancel(ctx), run.ID, db.Now(), kamp.ErrorMessage(err)); ferr != nil {
				err = kamp.WrapError(kamp.ErrorCode(err), err, "%s (and the failure was not recorded: %s)", kamp.ErrorMessage(err), kamp.ErrorMessage(ferr))
			}
		}
	}()
	progress(StageLoad, 0, 3)
	data, err := db.ControlData(ctx)
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "groups: %s", kamp.ErrorMessage(err))
	}
	progress(StageCompute, 1, 3)
	members, groups, counts, err := Build(data, tier1, regime)
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "groups: %s", kamp.ErrorMessage(err))
	}
	if err := ctx.Err(); err != nil {
		return run.ID, kamp.WrapError(kamp.EINTERNAL, err, "groups: cancelled")
	}
	progress(StageSave, 2, 3)
	run.Entities, run.Groups, run.Cycles, run.Conflicts = counts.Entities, counts.Groups, counts.Cycles, counts.Conflicts
	if counts.Overrides+counts.SkippedOverrides > 0 {
		run.Message = fmt.Sprintf("%d manual overrides applied, %d skipped (entity or group gone)", counts.Overrides, counts.SkippedOverrides)
	}
	run.FinishedAt = db.Now()
	if err := db.SaveGroupRun(ctx, run, members, groups); err != nil {
		return run.ID, err
	}
	progress(StageDone, 3, 3)
	return run.ID, nil
}

// Counts are the headline counts of a run.
type Counts struct {
	Entities  int
	Groups    int // groups of two or more entities
	Cycles    int // control cycles
	Conflicts int // conflicted entities
	// Overrides are the manual overrides applied; SkippedOverrides those
	// that no longer fit the data (an entity or group gone).
	Overrides, SkippedOverrides int
}

// applyOverrides applies the manual overrides on top of the engine's
// result (ids sorted, as ControlData gives them). Adding an entity to a
// group moves it under the group's root at depth 1; when the entity is
// itself a group root its whole group moves with it, one level deeper.
// Removing an entity (not a root) makes it a group of its own at depth 0;
// the entities below it stay where the engine put them. An override whose
// entity or group is gone is skipped.
func applyOverrides(ids []string, res control.Result, overrides []store.GroupOverride) (applied, skipped int) {
	index := func(id string) int32 {
		if i, ok := slices.BinarySearch(ids, id); ok {
			return int32(i)
		}
		return -1
	}
	for _, o := range overrides {
		e, g := index(o.EntityID), index(o.GroupID)
		if e < 0 || g < 0 {
			skipped++
			continue
		}
		root := res.Root[g]
		switch o.Op {
		case store.OverrideAdd:
			if res.Root[e] == root {
				skipped++
				continue
			}
			if res.Root[e] == e {
				for v := range res.Root {
					if res.Root[v] == e {
						res.Root[v] = root
						res.Depth[v]++
					}
				}
			} else {
				res.Root[e], res.Depth[e] = root, 1
			}
		case store.OverrideRemove:
			if res.Root[e] != root || e == root {
				skipped++
				continue
			}
			res.Root[e], res.Depth[e] = e, 0
		default:
			skipped++
			continue
		}
		applied++
	}
	return applied, skipped
}

// Build runs the control engine over data and returns the rows to store:
// one entry per member of every group of two or more entities or with
// exposure, one summary per such group (in group id order), and the counts.
func Build(data store.ControlData, tier1 kamp.Amount, regime control.Regime) ([]store.EntityGroup, []store.GroupSummary, Counts, error) {
	in := data.Input
	n := len(in.IDs)
	if len(data.IsClient) != n || len(data.Exposure) != n {
		return nil, nil, Counts{}, kamp.Errorf(kamp.EINVALID, "grouping: %d entities with %d client flags and %d exposures", n, len(data.IsClient), len(data.Exposure))
	}
	res, err := control.Compute(in)
	if err != nil {
		return nil, nil, Counts{}, err
	}
	applied, skipped := applyOverrides(in.IDs, res, data.Overrides)
	gs, err := control.NewGroups(in, res)
	if err != nil {
		return nil, nil, Counts{}, err
	}
	exps, err := control.GroupExposures(in, res, data.Exposure, tier1, regime)
	if err != nil {
		return nil, nil, Counts{}, err
	}
	byRoot := make(map[int32]*control.GroupExposure, len(exps))
	for i := range exps {
		byRoot[exps[i].GroupID] = &exps[i]
	}
	c := Counts{Entities: n, Overrides: applied, SkippedOverrides: skipped}
	rep := make([]bool, n)
	for v := range n {
		if res.Conflict[v] {
			c.Conflicts++
		}
		if ctl := res.Controller[v]; res.InCycle[v] && ctl >= 0 && res.InCycle[ctl] && !rep[ctl] {
			rep[ctl] = true
			c.Cycles++
		}
	}
	var members []store.EntityGroup
	var groups []store.GroupSummary
	for i := range gs.Len() {
		root := gs.Roots[i]
		x := byRoot[root]
		size := gs.Size(i)
		if size >= 2 {
			c.Groups++
		}
		if size < 2 && x == nil {
			continue
		}
		g := store.GroupSummary{GroupID: in.IDs[root], Members: size, MaxDepth: int(gs.Depth[i])}
		limit := regime.GroupBP
		if size == 1 {
			limit = regime.SingleBP
		}
		g.LimitBP = int(limit)
		if x != nil {
			g.Exposure, g.PctOfTier1, g.Headroom, g.Status = x.Exposure, x.PctOfTier1, x.Headroom, x.Status
		} else if tier1 > 0 {
			// No exposure: the whole limit is headroom.
			g.Headroom, g.Status = limitAmount(tier1, limit), control.StatusOK
		}
		for _, v := range gs.Group(i) {
			if data.IsClient[v] {
				g.Clients++
			}
			if res.InCycle[v] {
				g.Cycles++
			}
			if res.Conflict[v] {
				g.Conflicts++
			}
			m := store.EntityGroup{EntityID: in.IDs[v], UltimateID: in.IDs[res.Ultimate[v]], GroupID: g.GroupID,
				Depth: int(res.Depth[v]), InCycle: res.InCycle[v], Conflict: res.Conflict[v], Exposure: data.Exposure[v]}
			if ctl := res.Controller[v]; ctl >= 0 {
				m.ControllerID = in.IDs[ctl]
			}
			members = append(members, m)
		}
		groups = append(groups, g)
	}
	return members, groups, c, nil
}

// limitAmount is tier1 × bp / 10,000, rounded down (tier1 × bp fits in 128
// bits and the quotient in 64).
func limitAmount(tier1 kamp.Amount, bp int64) kamp.Amount {
	return kamp.Amount(mulDiv(uint64(tier1), uint64(bp), 10_000))
}
