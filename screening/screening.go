// Package screening runs kamp's strategic-client screening inside the
// application: it reads the units and their indicators from the store
// (store.ScreeningData), runs the screen engine (package screen,
// engines.md §2) and stores the run with its fingerprint, weights, rules
// and results, so that any past tier list can be explained and reproduced.
// A Workspace keeps the loaded data in memory so that a what-if (the same
// data, other weights) is a rescore without touching the database.
package screening

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/screen"
	"github.com/kampbank/kamp/store"
)

// Stages reported to the progress function, in order.
const (
	StageLoad    = "load"    // reading the data from the store
	StageCompute = "compute" // running the screen engine
	StageSave    = "save"    // storing the results
	StageDone    = "done"
)

// ParseWeights parses weights in the syntax of screen.ParseWeights; ""
// gives the default weights.
func ParseWeights(s string) (screen.Weights, error) {
	if strings.TrimSpace(s) == "" {
		return screen.DefaultWeights(), nil
	}
	w, err := screen.ParseWeights(s)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINVALID, err, "weights %q: %s", s, kamp.ErrorMessage(err))
	}
	return w, nil
}

// Workspace caches the screen engine's input of one period, keyed by the
// data fingerprint and the period, so that what-ifs and runs over unchanged
// data skip the store. It is safe for concurrent use.
type Workspace struct {
	db *store.DB

	mu    sync.Mutex // held while loading, so that one load serves all
	key   string     // fingerprint + "|" + period asked for
	input *store.ScreeningInput
}

// NewWorkspace returns a workspace over db.
func NewWorkspace(db *store.DB) *Workspace { return &Workspace{db: db} }

// Input returns the engine's input for period ("" for the latest), from
// the cache when the data has not changed since it was loaded.
func (ws *Workspace) Input(ctx context.Context, period string) (*store.ScreeningInput, error) {
	fp, err := ws.db.DataFingerprint(ctx)
	if err != nil {
		return nil, err
	}
	key := fp + "|" + period
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.input != nil && ws.key == key {
		return ws.input, nil
	}
	in, err := ws.db.ScreeningData(ctx, period)
	if err != nil {
		return nil, kamp.WrapError(kamp.ErrorCode(err), err, "screening: %s", kamp.ErrorMessage(err))
	}
	ws.key, ws.input = key, in
	return in, nil
}

// WhatIf scores the cached input of period with weights w without
// touching the stored runs: the same ranking, tiers and concentration a
// run with these weights would store.
func (ws *Workspace) WhatIf(ctx context.Context, period string, w screen.Weights) (*store.ScreeningInput, *screen.Result, error) {
	in, err := ws.Input(ctx, period)
	if err != nil {
		return nil, nil, err
	}
	res, err := in.Data.Score(w)
	if err != nil {
		return nil, nil, err
	}
	return in, res, nil
}

// runMu keeps stored runs of one process from overlapping.
var runMu sync.Mutex

// Spec describes a run to store.
type Spec struct {
	// ID is the run's id; "" draws a new one. A caller that may retry
	// (an API request with an Idempotency-Key) derives it from the key.
	ID string
	// Period is the metrics period, YYYY-MM; "" for the latest.
	Period  string
	Weights screen.Weights
	// Rules are the qualitative rules in force, checked with
	// screen.ParseRules and stored with the run; "" for none.
	Rules string
	// By is the login of the person who stores the run.
	By string
}

// Run screens the stored data as spec says and stores the run, with the
// tiers its rules propose (screen.ApplyRules on each unit's industry) where
// they differ from the computed ones; it returns the run's id. ws, when not nil, supplies the input from its cache.
// progress, when not nil, is called at each stage. A failed run is recorded
// with its error.
func Run(ctx context.Context, db *store.DB, ws *Workspace, spec Spec, progress func(stage string, done, total int)) (runID string, err error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	w := spec.Weights
	if err := w.Validate(); err != nil {
		return "", err
	}
	var rules []screen.Rule
	if strings.TrimSpace(spec.Rules) != "" {
		if rules, err = screen.ParseRules(spec.Rules); err != nil {
			return "", err
		}
	}
	if spec.ID == "" {
		spec.ID = store.NewID()
	}
	period := spec.Period
	runMu.Lock()
	defer runMu.Unlock()
	run := store.ScreeningRun{ID: spec.ID, StartedAt: db.Now(), Period: period, Weights: w.String(), Rules: spec.Rules, MadeBy: spec.By}
	if run.Fingerprint, err = db.DataFingerprint(ctx); err != nil {
		return "", err
	}
	if err := db.StartScreeningRun(ctx, run); err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			if ferr := db.FailScreeningRun(context.WithoutCancel(ctx), run.ID, db.Now(), kamp.ErrorMessage(err)); ferr != nil {
				err = kamp.WrapError(kamp.ErrorCode(err), err, "%s (and the failure was not recorded: %s)", kamp.ErrorMessage(err), kamp.ErrorMessage(ferr))
			}
		}
	}()
	progress(StageLoad, 0, 3)
	if ws == nil {
		ws = NewWorkspace(db)
	}
	in, err := ws.Input(ctx, period)
	if err != nil {
		return run.ID, err
	}
	progress(StageCompute, 1, 3)
	res, err := in.Data.Score(w)
	if err != nil {
		return run.ID, kamp.WrapError(kamp.ErrorCode(err), err, "screening: %s", kamp.ErrorMessage(err))
	}
	if err := ctx.Err(); err != nil {
		return run.ID, kamp.WrapError(kamp.EINTERNAL, err, "screening: cancelled")
	}
	var proposed []screen.Tier
	if len(rules) > 0 {
		if proposed, _, err = screen.ApplyRules(rules, res, in.Industries); err != nil {
			return run.ID, err
		}
	}
	progress(StageSave, 2, 3)
	if in.Ignored > 0 {
		run.Message = fmt.Sprintf("%d metrics rows of non-clients ignored", in.Ignored)
	}
	run.FinishedAt = db.Now()
	if err := db.SaveScreeningRun(ctx, run, in, res, proposed); err != nil {
		return run.ID, err
	}
	progress(StageDone, 3, 3)
	return run.ID, nil
}
