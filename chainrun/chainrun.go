// Package chainrun runs kamp's supply-chain discovery inside the
// application: it reads the stored entities, group roots, exchange rates,
// strategic units and payments, runs the chain engine (package chain,
// engines.md §3) and stores the run with its edges and prospects (store
// chain_runs). The web server starts it in the background from the prospect
// page; the command line and tests call Run directly.
//
// The strategic units are, in order of preference: the official strategic
// list in force (core and key, store.StrategicList); else the core and key
// units of the latest screening run; else the tiers computed as `kamp chain
// --data` does, with package screen and its default weights on the latest
// metrics period.
package chainrun

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chain"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/store"
)

// Stages reported to the progress function, in order.
const (
	StageLoad     = "load"     // reading entities, groups, rates and units
	StagePayments = "payments" // streaming the stored payments through the engine
	StageSave     = "save"     // storing the results
	StageDone     = "done"
)

// Sources of the strategic units.
const (
	SourceList      = "list"      // the official strategic list
	SourceScreening = "screening" // the latest screening run
	SourceComputed  = "computed"  // tiers computed with default weights
)

// progressEvery is how many payments pass between progress reports.
const progressEvery = 50_000

// Spec is what a run computes.
type Spec struct {
	// From and To limit the payments to those dated From..To inclusive,
	// YYYY-MM-DD; "" is open.
	From, To string
	// By is the login of the person who starts the run (or kamp.ActorCLI).
	By string
}

// Check checks the dates of s.
func (s Spec) Check() error {
	for _, d := range []struct{ name, v string }{{"from", s.From}, {"to", s.To}} {
		if d.v == "" {
			continue
		}
		if err := check.Date(d.v); err != nil {
			return kamp.Errorf(kamp.EINVALID, "%s date %q: %s", d.name, d.v, kamp.ErrorMessage(err))
		}
	}
	if s.From != "" && s.To != "" && s.From > s.To {
		return kamp.Errorf(kamp.EINVALID, "from date %s is after to date %s", s.From, s.To)
	}
	return nil
}

// mu keeps runs of one process from running at the same time.
var mu sync.Mutex

// StrategicUnits returns the ids of the strategic units and where they come
// from (SourceList, SourceScreening or SourceComputed, with the screening
// run's id).
func StrategicUnits(ctx context.Context, db *store.DB) (ids []string, source string, err error) {
	for offset := 0; ; offset += store.MaxLimit {
		page, total, err := db.StrategicList(ctx, store.System, false, offset, store.MaxLimit)
		if err != nil {
			return nil, "", err
		}
		for _, e := range page {
			if e.Tier == "core" || e.Tier == "key" {
				ids = append(ids, e.UnitID)
			}
		}
		if offset+len(page) >= total || len(page) == 0 {
			break
		}
	}
	if len(ids) > 0 {
		return ids, SourceList, nil
	}
	run, err := db.LatestScreeningRun(ctx)
	switch {
	case err == nil:
		for _, tier := range []string{"core", "key"} {
			f := store.ScreeningFilter{Tier: tier, Limit: store.MaxLimit}
			for {
				page, total, err := db.ScreeningResults(ctx, store.System, run.ID, f)
				if err != nil {
					return nil, "", err
				}
				for _, r := range page {
					ids = append(ids, r.UnitID)
				}
				f.Offset += len(page)
				if f.Offset >= total || len(page) == 0 {
					break
				}
			}
		}
		return ids, SourceScreening + ":" + run.ID, nil
	case kamp.ErrorCode(err) != kamp.ENOTFOUND:
		return nil, "", err
	}
	in, err := db.ScreeningData(ctx, "")
	if err != nil {
		return nil, "", err
	}
	if in.Data == nil || in.Data.Units() == 0 {
		return nil, SourceComputed, nil
	}
	res, err := in.Data.Score(screen.DefaultWeights())
	if err != nil {
		return nil, "", kamp.WrapError(kamp.ErrorCode(err), err, "chain: computing the tiers: %s", kamp.ErrorMessage(err))
	}
	for _, u := range res.Order {
		if t := res.Tier[u]; t == screen.Core || t == screen.Key {
			ids = append(ids, in.Data.UnitID(u))
		}
	}
	return ids, SourceComputed, nil
}

// Run runs chain discovery over the stored payments as spec says and
// stores the run, replacing the previous results; it returns the run's id.
// progress, when not nil, is called at each stage and every so many
// payments with the work done out of the total. A failed run is recorded
// with its error and leaves the previous results in place.
func Run(ctx context.Context, db *store.DB, spec Spec, progress func(stage string, done, total int)) (runID string, err error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := spec.Check(); err != nil {
		return "", err
	}
	mu.Lock()
	defer mu.Unlock()
	version, err := db.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	run := store.ChainRun{ID: store.NewID(), StartedAt: db.Now(), From: spec.From, To: spec.To, MadeBy: spec.By, Fingerprint: version}
	if err := db.StartChainRun(ctx, run); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			// Record the failure even when ctx was cancelled.
			if ferr := db.FailChainRun(context.WithoutCancel(ctx), run.ID, db.Now(), kamp.ErrorMessage(err)); ferr != nil {
				err = kamp.WrapError(kamp.ErrorCode(err), err, "%s (and the failure was not recorded: %s)", kamp.ErrorMessage(err), kamp.ErrorMessage(ferr))
			}
		}
	}()
	st, err := db.Stats(ctx, store.System)
	if err != nil {
		return run.ID, err
	}
	total := int(st.Payments) + 2
	progress(StageLoad, 0, total)
	data, err := db.ChainData(ctx)
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "chain: %s", kamp.ErrorMessage(err))
	}
	unitIDs, source, err := StrategicUnits(ctx, db)
	if err != nil {
		return run.ID, err
	}
	run.Fingerprint += "/" + source
	units, skipped := make([]int32, 0, len(unitIDs)), []string{}
	seen := map[int32]bool{}
	for _, id := range unitIDs {
		u := data.Index(id)
		if u < 0 || data.Root[u] != u {
			// Gone, or now inside another group: screen again.
			skipped = append(skipped, id)
			continue
		}
		if !seen[u] {
			seen[u] = true
			units = append(units, u)
		}
	}
	acc, err := chain.New(chain.Input{IDs: data.IDs, Names: data.Names, IsClient: data.IsClient, Root: data.Root, Units: units,
		FX: data.FX, From: spec.From, To: spec.To})
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "chain: %s", kamp.ErrorMessage(err))
	}
	progress(StagePayments, 1, total)
	n := 0
	err = db.EachPayment(ctx, func(p kamp.Payment) error {
		if err := acc.Add(p); err != nil {
			return err
		}
		n++
		if n%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return kamp.WrapError(kamp.EINTERNAL, err, "cancelled")
			}
			progress(StagePayments, 1+n, total)
		}
		return nil
	})
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "chain: payments: %s", kamp.ErrorMessage(err))
	}
	res, err := acc.Result()
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "chain: %s", kamp.ErrorMessage(err))
	}
	progress(StageSave, 1+n, total)
	run.Payments, run.Units = int64(n), len(units)
	var notes []string
	if len(skipped) > 0 {
		notes = append(notes, fmt.Sprintf("%d strategic units skipped (no longer a group or client of their own), like %s", len(skipped), skipped[0]))
	}
	if len(res.Ambiguous) > 0 {
		notes = append(notes, fmt.Sprintf("%d names match two or more entities and were left unmatched, like %q", len(res.Ambiguous), res.Ambiguous[0].Key))
	}
	if len(units) == 0 {
		notes = append(notes, "no strategic units: adopt a strategic list or run a screening first")
	}
	run.Message = strings.Join(notes, "; ")
	run.FinishedAt = db.Now()
	if err := db.SaveChainRun(ctx, run, res); err != nil {
		return run.ID, err
	}
	progress(StageDone, total, total)
	return run.ID, nil
}
