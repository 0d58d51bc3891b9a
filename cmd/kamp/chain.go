package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chain"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/dataset"
	"github.com/kampbank/kamp/screen"
)

// chainMemoryLimit returns the soft memory limit of kamp chain: half the
// memory of the machine (or of its container), but at least 1792 MiB; 0
// (none) when that memory is unknown. A limit below the live heap would
// make the collector run without pause (at size L, 100M payments, it took
// half the CPU), so the limit is a safety net, not a target.
func chainMemoryLimit() int64 {
	mem := physicalMemory()
	if mem == 0 {
		return 0
	}
	return max(1792<<20, int64(mem/2))
}

// runChain finds the counterparties of the strategic units in the payments
// and writes prospects.csv and chain-edges.csv (engines.md §3, "Result
// files"), without a database.
func runChain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "chain", "--data DIR [--out DIR] [--from DATE] [--to DATE] [--reuse] [--period YYYY-MM] [--weights ...]")
	data := fs.String("data", "", "folder to read: entities.csv, ownership.csv, payments.csv, and metrics.csv (unless tiers are reused) and fx.csv when present (.csv, .csv.gz or .xlsx)")
	out := fs.String("out", "", "folder to write prospects.csv and chain-edges.csv into (default: the --data folder)")
	from := fs.String("from", "", "the first payment date counted, YYYY-MM-DD (default: no limit)")
	to := fs.String("to", "", "the last payment date counted, YYYY-MM-DD (default: no limit)")
	reuse := fs.Bool("reuse", false, "take the groups and tiers from groups.csv and tiers.csv in the --data folder (as kamp groups and kamp screen wrote them) instead of computing them")
	period := fs.String("period", "", "when computing tiers: the period to screen, YYYY-MM (default: the latest in metrics.csv)")
	weights := fs.String("weights", "", "when computing tiers: indicator weights summing to 1 (default revenue=0.4,deposits_avg=0.3,loans_avg=0.2,fee_income=0.1)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := dataFolders(fs, data, out); err != nil {
		return err
	}
	for _, d := range []struct{ name, v string }{{"--from", *from}, {"--to", *to}} {
		if d.v == "" {
			continue
		}
		if err := check.Date(d.v); err != nil {
			return kamp.Errorf(kamp.EINVALID, "%s %q: %s", d.name, d.v, kamp.ErrorMessage(err))
		}
	}
	if *from != "" && *to != "" && *from > *to {
		return kamp.Errorf(kamp.EINVALID, "--from %s is after --to %s", *from, *to)
	}
	w, err := weightsFlag(*weights)
	if err != nil {
		return err
	}
	if err := periodFlag(*period); err != nil {
		return err
	}

	// The shards' records and the names are most of the memory, and the
	// heap grows steadily while the payments are read: collect half as
	// often as by default (the peak is about 0.8 GB on 10M payments), but
	// more often rather than let the heap pass chainMemoryLimit, unless
	// GOGC and GOMEMLIMIT say otherwise.
	if limit := chainMemoryLimit(); limit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	start := time.Now()
	files, err := dataset.FindGroupsFiles(*data)
	if err != nil {
		return err
	}
	paymentsPath, err := dataset.FindFile(*data, dataset.KindPayments, "to find chains")
	if err != nil {
		return err
	}
	var groupsPath, tiersPath, metricsPath string
	if *reuse {
		if groupsPath, err = dataset.FindFile(*data, dataset.KindGroupsResult, "with --reuse (run kamp groups first)"); err != nil {
			return err
		}
		if tiersPath, err = dataset.FindFile(*data, dataset.KindTiersResult, "with --reuse (run kamp screen first)"); err != nil {
			return err
		}
	} else if metricsPath, err = dataset.FindFile(*data, dataset.KindMetrics, "to compute the tiers (or give --reuse to take them from tiers.csv)"); err != nil {
		return err
	}
	opt := dataset.Options{}
	fx, ents, err := loadFXEntities(ctx, files, opt, true)
	if err != nil {
		return err
	}
	// The names' index for the engine is made while the groups and tiers
	// are computed: when they are, on the core the control engine leaves
	// free once the metrics are read.
	var nameIndex *chain.NameIndex
	var indexed sync.WaitGroup
	indexed.Add(1)
	indexNames := func() {
		defer indexed.Done()
		nameIndex = chain.IndexNames(ents.Names)
	}
	var root, units []int32
	how := "computed"
	if *reuse {
		how = "reused from groups.csv and tiers.csv"
		go indexNames()
		root, units, err = reusedUnits(ctx, ents, groupsPath, tiersPath, opt)
	} else {
		root, units, err = computedUnits(ctx, e, ents, fx, files.Ownership, metricsPath, *period, w, opt, indexNames)
	}
	if err != nil {
		return err
	}
	indexed.Wait()
	runtime.GC()
	prepared := time.Now()
	in := chain.Input{IDs: ents.IDs, Names: ents.Names, IsClient: ents.Client, Root: root, Units: units, FX: fx.Rates(), From: *from, To: *to, NameIndex: nameIndex}
	sink, err := newChainSink(in)
	if err != nil {
		return err
	}
	rows, err := dataset.ScanPayments(ctx, paymentsPath, ents, fx, opt, sink)
	if err != nil {
		return err
	}
	scanned := time.Now()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return kamp.Errorf(kamp.EINVALID, "cannot create the folder %s: %v", *out, err)
	}
	// The edges are written as they are summed, not kept.
	var res *chain.Result
	var nEdges int
	err = writeLarge(*out, "chain-edges.csv", func(w io.Writer) error {
		res, nEdges, err = sink.acc.WriteResult(w)
		return err
	})
	if err != nil {
		return err
	}
	computed := time.Now()
	if err := writeAtomic(*out, "prospects.csv", func(w io.Writer) error { return chain.WriteProspectsCSV(w, res.Prospects) }); err != nil {
		return err
	}
	done := time.Now()
	e.log.Debug("chain timings", "prepare", prepared.Sub(start), "payments", scanned.Sub(prepared), "result and edges", computed.Sub(scanned), "prospects", done.Sub(computed))
	if len(res.Ambiguous) > 0 {
		e.log.Warn(fmt.Sprintf("payments: %d names match two or more entities and were left unmatched, like %q", len(res.Ambiguous), res.Ambiguous[0].Key))
	}
	s := sink.stats(res.Stats)
	fmt.Fprintf(e.stdout, "chain: %d payments (%d out of the date range, %d internal, %d touching no strategic unit), %d strategic units (groups and tiers %s), %d edges, %d prospects; wrote prospects.csv and chain-edges.csv to %s in %s\n",
		rows, s.OutOfRange, s.Internal, s.Outside, len(units), how, nEdges, len(res.Prospects), *out, done.Sub(start).Round(time.Millisecond))
	return nil
}

// reusedUnits reads the group roots from groups.csv and the strategic units
// from tiers.csv, checking that every unit is a group root.
func reusedUnits(ctx context.Context, ents *dataset.Entities, groupsPath, tiersPath string, opt dataset.Options) (root, units []int32, err error) {
	var unitsErr error
	var wg sync.WaitGroup
	wg.Go(func() { units, unitsErr = dataset.LoadStrategicUnits(ctx, tiersPath, ents, opt) })
	root, err = dataset.LoadGroupRoots(ctx, groupsPath, ents, opt)
	wg.Wait()
	if err = cmp.Or(err, unitsErr); err != nil {
		return nil, nil, err
	}
	for _, u := range units {
		if root[u] != u {
			return nil, nil, kamp.Errorf(kamp.EINVALID, "unit %s of tiers.csv is not a group of groups.csv (it is in the group of %s): run kamp screen again", ents.IDs[u], ents.IDs[root[u]])
		}
	}
	return root, units, nil
}

// computedUnits computes the groups (control engine) and the tiers (screen
// engine) and returns the group roots and the strategic units: the roots of
// the units of tier core or key.
func computedUnits(ctx context.Context, e *env, ents *dataset.Entities, fx *dataset.FX, ownershipPath, metricsPath, period string, w screen.Weights, opt dataset.Options, beside func()) (root, units []int32, err error) {
	st, err := groupsAndTiers(ctx, e, ents, fx, ownershipPath, metricsPath, period, w, opt, beside)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range st.result.Order {
		if t := st.result.Tier[u]; t == screen.Core || t == screen.Key {
			units = append(units, st.unitRoot[u])
		}
	}
	return st.root, units, nil
}

// chainSink feeds payments to a chain accumulator, through one shard per
// worker of the reader, so that the engine's work runs on every core.
// Payments dated out of range are counted here and not handed over; the
// shards sort out the rest (internal payments, payments touching no
// strategic unit) more cheaply than a filter here could, with one memory
// access per side.
type chainSink struct {
	in     chain.Input
	acc    *chain.Accumulator
	serial *chain.Shard // the shard of Add
	// outOfRange counts the payments left out.
	outOfRange atomic.Int64
}

// newChainSink returns a sink with a new accumulator for in.
func newChainSink(in chain.Input) (*chainSink, error) {
	acc, err := chain.New(in)
	if err != nil {
		return nil, err
	}
	return &chainSink{in: in, acc: acc}, nil
}

// Wanted counts and leaves out the payments dated out of range.
func (s *chainSink) Wanted(payer, payee int32, date string) bool {
	if s.in.From != "" && date < s.in.From || s.in.To != "" && date > s.in.To {
		s.outOfRange.Add(1)
		return false
	}
	return true
}

// Add gives p to the accumulator, with its sides already resolved. Calls
// are never concurrent (dataset.PaymentSink): they share one shard.
func (s *chainSink) Add(p *kamp.Payment, payer, payee int32) error {
	if s.serial == nil {
		s.serial = s.acc.NewShard()
	}
	return s.serial.AddIndexed(*p, payer, payee)
}

// Worker returns the function that gives the payments of one worker of
// the reader to a shard of its own.
func (s *chainSink) Worker() func(ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
	// The reader resolved the indexes from the ids: AddBatch does not
	// check them again.
	return s.acc.NewShard().AddBatch
}

// Reset starts a new accumulator.
func (s *chainSink) Reset() error {
	acc, err := chain.New(s.in)
	if err != nil {
		return err
	}
	s.acc, s.serial = acc, nil
	s.outOfRange.Store(0)
	return nil
}

// stats returns the accumulator's counts with those of the payments left
// out.
func (s *chainSink) stats(st chain.Stats) chain.Stats {
	st.OutOfRange += s.outOfRange.Load()
	st.Payments += s.outOfRange.Load()
	return st
}
