package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/dataset"
	"github.com/kampbank/kamp/hugepage"
	"github.com/kampbank/kamp/screen"
)

// runScreen ranks the client units of one period and writes tiers.csv and
// concentration.json (engines.md §2, "Result files"), without a database.
func runScreen(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "screen", "--data DIR [--out DIR] [--period YYYY-MM] [--weights revenue=0.4,...]")
	data := fs.String("data", "", "folder to read: entities.csv, ownership.csv and metrics.csv, and fx.csv when present (.csv, .csv.gz or .xlsx)")
	out := fs.String("out", "", "folder to write tiers.csv and concentration.json into (default: the --data folder)")
	period := fs.String("period", "", "the period to screen, YYYY-MM (default: the latest in metrics.csv)")
	weights := fs.String("weights", "", "indicator weights summing to 1, like revenue=0.4,deposits_avg=0.3,loans_avg=0.2,fee_income=0.1 (the default)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := dataFolders(fs, data, out); err != nil {
		return err
	}
	w, err := weightsFlag(*weights)
	if err != nil {
		return err
	}
	if err := periodFlag(*period); err != nil {
		return err
	}

	start := time.Now()
	files, err := dataset.FindGroupsFiles(*data)
	if err != nil {
		return err
	}
	metricsPath, err := dataset.FindFile(*data, dataset.KindMetrics, "to screen")
	if err != nil {
		return err
	}
	opt := dataset.Options{}
	fx, ents, err := loadFXEntities(ctx, files, opt, false)
	if err != nil {
		return err
	}
	st, err := groupsAndTiers(ctx, e, ents, fx, files.Ownership, metricsPath, *period, w, opt, nil)
	if err != nil {
		return err
	}
	if st.used == 0 {
		e.log.Warn("metrics: no rows for the period screened: every unit scores 0 and is general", "period", st.period, "file", metricsPath)
	}
	computed := time.Now()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return kamp.Errorf(kamp.EINVALID, "cannot create the folder %s: %v", *out, err)
	}
	var tiersErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		tiersErr = writeAtomic(*out, "tiers.csv", func(w io.Writer) error { return screen.WriteTiersCSV(w, st.data, st.result) })
	})
	err = writeAtomic(*out, "concentration.json", func(w io.Writer) error { return screen.WriteConcentrationJSON(w, st.result) })
	wg.Wait()
	if err = cmp.Or(tiersErr, err); err != nil {
		return err
	}
	done := time.Now()
	e.log.Debug("screen timings", "load and compute", computed.Sub(start), "write", done.Sub(computed))
	c := st.result.Concentration
	periodText := st.period
	if periodText == "" {
		periodText = "none (metrics.csv has no rows)"
	}
	fmt.Fprintf(e.stdout, "screen: period %s, %d units (%d core, %d key, %d general), %d metrics rows used; wrote tiers.csv and concentration.json to %s in %s\n",
		periodText, c.Units, c.Tiers.Core, c.Tiers.Key, c.Tiers.General, st.used, *out, done.Sub(start).Round(time.Millisecond))
	return nil
}

// groupsAndTiers reads ownership.csv and computes the groups with the
// control engine while metrics.csv is read on the other core, then screens
// the units of period with weights w. Once metrics.csv is read, beside
// (when not nil) is called on that other core, and may still run when
// groupsAndTiers returns; it is called unless ownership.csv fails to load.
func groupsAndTiers(ctx context.Context, e *env, ents *dataset.Entities, fx *dataset.FX, ownershipPath, metricsPath, period string, w screen.Weights, opt dataset.Options, beside func()) (*screened, error) {
	edges, err := dataset.LoadOwnership(ctx, ownershipPath, ents, opt)
	if err != nil {
		return nil, err
	}
	runtime.GC()
	var metrics *dataset.Metrics
	var metErr error
	var wg sync.WaitGroup
	mOpt := opt
	mOpt.Workers = max(1, runtime.GOMAXPROCS(0)-1)
	wg.Add(1)
	go func() {
		metrics, metErr = dataset.LoadMetrics(ctx, metricsPath, ents, fx, mOpt)
		wg.Done()
		if beside != nil {
			beside()
		}
	}()
	res, err := control.Compute(control.Input{IDs: ents.IDs, State: ents.State, Edges: edges})
	wg.Wait()
	if err = cmp.Or(metErr, err); err != nil {
		return nil, err
	}
	st, err := screenTiers(ents, res.Root, metrics, fx, period, w)
	if err != nil {
		return nil, err
	}
	st.root = res.Root
	if st.ignored > 0 {
		e.log.Warn(fmt.Sprintf("metrics: %d rows of entities that are not clients (is_client=0) were ignored, the first on line %d", st.ignored, st.firstIgnored), "file", metricsPath)
	}
	return st, nil
}

// weightsFlag parses --weights; empty gives the default weights.
func weightsFlag(s string) (screen.Weights, error) {
	if s == "" {
		return screen.DefaultWeights(), nil
	}
	w, err := screen.ParseWeights(s)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINVALID, err, "--weights %q: %s", s, kamp.ErrorMessage(err))
	}
	return w, nil
}

// periodFlag checks --period; empty means the latest period of the data.
func periodFlag(s string) error {
	if s == "" {
		return nil
	}
	if err := check.Period(s); err != nil {
		return kamp.Errorf(kamp.EINVALID, "--period %q: %s", s, kamp.ErrorMessage(err))
	}
	return nil
}

// loadFXEntities reads fx.csv, when present, and entities.csv at the same
// time, keeping the entities' names when names is set.
func loadFXEntities(ctx context.Context, files dataset.GroupsFiles, opt dataset.Options, names bool) (*dataset.FX, *dataset.Entities, error) {
	var fx *dataset.FX
	var fxErr error
	var wg sync.WaitGroup
	if files.FX != "" {
		wg.Go(func() { fx, fxErr = dataset.LoadFX(ctx, files.FX, opt) })
	}
	load := dataset.LoadEntities
	if names {
		load = dataset.LoadEntitiesWithNames
	}
	ents, err := load(ctx, files.Entities, opt)
	wg.Wait()
	if err = cmp.Or(fxErr, err); err != nil {
		return nil, nil, err
	}
	return fx, ents, nil
}

// screened is the outcome of screening.
type screened struct {
	period       string // the period screened; "" when there are no metrics
	data         *screen.Data
	result       *screen.Result
	unitRoot     []int32 // unit -> its group root
	root         []int32 // entity -> its group root
	used         int     // metrics rows of the period summed
	ignored      int     // metrics rows of the period of non-clients
	firstIgnored int     // the line of the first of them
	// touched sums what screenTiers reads ahead, to keep the reads; its
	// value means nothing.
	touched int
}

// screenTiers screens the units of groups root (by entity) on the metrics
// of period (the latest of the data when "") with weights w (engines.md
// §2): a unit is a group with at least one client member, its members are
// its clients, and metrics rows of non-clients are ignored (counted in
// ignored).
func screenTiers(ents *dataset.Entities, root []int32, m *dataset.Metrics, fx *dataset.FX, period string, w screen.Weights) (*screened, error) {
	st := &screened{period: period}
	if st.period == "" {
		st.period = m.Latest()
	}
	n := ents.Len()
	// unitOf counts the clients of the group of every root, then holds
	// the root's unit, or -1.
	unitOf := hugepage.Make[int32](n)
	const ahead = 256
	// eachRoot calls f for the entities lo..hi-1, ahead at a time, after
	// reading their roots' entries of unitOf in a loop whose cache misses
	// overlap.
	eachRoot := func(f func(lo, hi int)) {
		for lo := 0; lo < n; lo += ahead {
			hi := min(lo+ahead, n)
			var touch int32
			for i := lo; i < hi; i++ {
				touch += unitOf[root[i]]
			}
			st.touched += int(touch)
			f(lo, hi)
		}
	}
	nUnits := 0
	eachRoot(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if ents.Client[i] {
				if unitOf[root[i]] == 0 {
					nUnits++
				}
				unitOf[root[i]]++
			}
		}
	})
	// The units are numbered in the order of their roots: when the
	// entities come in id order, as files often do, so do the units, and
	// the aggregator need not sort them.
	ids := make([]string, 0, nUnits)
	members := make([]int32, 0, nUnits)
	st.unitRoot = make([]int32, 0, nUnits)
	for r, clients := range unitOf {
		if clients == 0 {
			unitOf[r] = -1
			continue
		}
		unitOf[r] = int32(len(ids))
		ids = append(ids, ents.IDs[r])
		st.unitRoot = append(st.unitRoot, int32(r))
		members = append(members, clients)
	}
	// entUnit is the unit of every client, -1 for other entities: a
	// metrics row then reads one random place, not three in a row.
	entUnit := hugepage.Make[int32](n)
	eachRoot(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			entUnit[i] = -1
			if ents.Client[i] {
				entUnit[i] = unitOf[root[i]]
			}
		}
	})
	agg, err := screen.NewAggregator(ids, members, m.Indicators)
	if err != nil {
		return nil, err
	}
	var rates screen.Rates
	if st.period != "" {
		if rates, err = screen.PeriodRates(st.period, fx.Rates()); err != nil {
			return nil, err
		}
	}
	if p, ok := m.PeriodIndex(st.period); ok {
		cur := make([]int32, len(m.Currencies))
		for c, code := range m.Currencies {
			cur[c] = agg.CurrencyIndex(code)
		}
		k := len(m.Indicators)
		for lo := 0; lo < len(m.Client); lo += ahead {
			hi := min(lo+ahead, len(m.Client))
			var touch int32
			for _, c := range m.Client[lo:hi] {
				touch += entUnit[c]
			}
			st.touched += int(touch)
			for r := lo; r < hi; r++ {
				if m.Period[r] != p {
					continue
				}
				u := entUnit[m.Client[r]]
				if u < 0 {
					if st.ignored == 0 {
						st.firstIgnored = int(m.Lines[r])
					}
					st.ignored++
					continue
				}
				st.used++
				agg.AddValues(u, cur[m.Currency[r]], m.Values[r*k:(r+1)*k], m.Given[r*k:(r+1)*k])
			}
		}
	}
	if st.data, err = agg.Totals(rates); err != nil {
		return nil, err
	}
	if st.result, err = st.data.Score(w); err != nil {
		return nil, err
	}
	return st, nil
}
