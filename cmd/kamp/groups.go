package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/dataset"
	"github.com/kampbank/kamp/directio"
)

// runGroups computes corporate groups and group exposure from a folder of
// interchange files (engines.md §1, "Result files"), without a database.
func runGroups(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "groups", "--data DIR [--out DIR] [--tier1-capital AMOUNT] [--regime cn2018|basel]")
	data := fs.String("data", "", "folder to read: entities.csv and ownership.csv, and exposures.csv and fx.csv when present (.csv, .csv.gz or .xlsx)")
	out := fs.String("out", "", "folder to write groups.csv and group-exposures.csv into (default: the --data folder)")
	tier1 := fs.String("tier1-capital", os.Getenv("KAMP_TIER1_CAPITAL"), "the bank's tier-1 net capital (一级资本净额) in yuan, like 125000000000; without it no exposure is flagged; also KAMP_TIER1_CAPITAL")
	regimeName := fs.String("regime", control.CN2018.Name, "large-exposure rules: cn2018 (2.5% reporting, 15% single client, 20% group) or basel (10% reporting, 25% limit)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := dataFolders(fs, data, out); err != nil {
		return err
	}
	var capital kamp.Amount
	if *tier1 != "" {
		n, err := check.ParseFixed(*tier1, kamp.AmountScale, false)
		if err != nil {
			return kamp.Errorf(kamp.EINVALID, "--tier1-capital %q: %s", *tier1, kamp.ErrorMessage(err))
		}
		capital = kamp.Amount(n)
	}
	name := *regimeName
	if strings.EqualFold(name, "basel") {
		name = control.BaselLEX.Name
	}
	regime, err := control.RegimeByName(name)
	if err != nil {
		return err
	}

	// Most of the heap is the loaded files, live to the end: collecting
	// at every doubling of it scans them again and again (a tenth of the
	// CPU at M). Collect at every fivefold growth instead, unless GOGC
	// says otherwise; the parse buffers are collected explicitly below.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}

	// The work is scheduled for two cores: the files are parsed in
	// parallel; then the control engine runs while exposures are read,
	// and groups.csv is written while group exposures are summed and
	// written.
	start := time.Now()
	files, err := dataset.FindGroupsFiles(*data)
	if err != nil {
		return err
	}
	opt := dataset.Options{}
	var fx *dataset.FX
	if files.FX != "" {
		if fx, err = dataset.LoadFX(ctx, files.FX, opt); err != nil {
			return err
		}
	}
	ents, err := dataset.LoadEntities(ctx, files.Entities, opt)
	if err != nil {
		return err
	}
	edges, err := dataset.LoadOwnership(ctx, files.Ownership, ents, opt)
	if err != nil {
		return err
	}
	loaded := time.Now()
	// The parse buffers are garbage now: collect them, so that the
	// engine's memory reuses theirs instead of faulting in new pages.
	runtime.GC()
	in := control.Input{IDs: ents.IDs, State: ents.State, Edges: edges}
	var exposures *dataset.Exposures
	var expErr error
	var wg sync.WaitGroup
	if files.Exposures != "" {
		// The engine runs on one core: leave it that one.
		expOpt := opt
		expOpt.Workers = max(1, runtime.GOMAXPROCS(0)-1)
		wg.Go(func() { exposures, expErr = dataset.LoadExposures(ctx, files.Exposures, ents, fx, expOpt) })
	}
	res, err := control.Compute(in)
	wg.Wait()
	if err = cmp.Or(expErr, err); err != nil {
		return err
	}
	computed := time.Now()
	runtime.GC() // likewise for the engine's working memory, before writing
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return kamp.Errorf(kamp.EINVALID, "cannot create the folder %s: %v", *out, err)
	}
	var groupsErr error
	wg.Go(func() {
		groupsErr = writeAtomic(*out, "groups.csv", func(w io.Writer) error { return control.WriteGroupsCSV(w, in, res) })
	})
	rows, err := groupExposures(in, res, exposures, capital, regime)
	if err == nil {
		err = writeAtomic(*out, "group-exposures.csv", func(w io.Writer) error { return control.WriteGroupExposuresCSV(w, in, rows) })
	}
	wg.Wait()
	if err = cmp.Or(groupsErr, err); err != nil {
		return err
	}
	done := time.Now()
	e.log.Debug("groups timings", "load", loaded.Sub(start), "compute", computed.Sub(loaded), "write", done.Sub(computed))

	groups, cycles, conflicts := summarize(res)
	flagged, breaches := 0, 0
	for _, r := range rows {
		if r.Status != "" && r.Status != control.StatusOK {
			flagged++
		}
		if r.Status == control.StatusBreach {
			breaches++
		}
	}
	fmt.Fprintf(e.stdout, "groups: %d entities, %d groups of two or more, %d control cycles, %d conflicts, %d group exposures (%d large, %d breaching their limit); wrote groups.csv and group-exposures.csv to %s in %s\n",
		len(in.IDs), groups, cycles, conflicts, len(rows), flagged, breaches, *out, done.Sub(start).Round(time.Millisecond))
	return nil
}

// groupExposures sums the exposures per group and checks them against
// their limits; without exposures.csv every exposure is 0.
func groupExposures(in control.Input, res control.Result, x *dataset.Exposures, capital kamp.Amount, regime control.Regime) ([]control.GroupExposure, error) {
	exposure := make([]kamp.Amount, len(in.IDs))
	if x != nil {
		exposure = x.ByEntity
	}
	return control.GroupExposures(in, res, exposure, capital, regime)
}

// summarize counts the groups of two or more entities, the control cycles
// and the conflicts of res.
func summarize(res control.Result) (groups, cycles, conflicts int) {
	size := make([]int32, res.Len())
	for _, r := range res.Root {
		size[r]++
	}
	for v, s := range size {
		if s >= 2 {
			groups++
		}
		if res.Conflict[v] {
			conflicts++
		}
	}
	// Every member of a cycle but its representative names the
	// representative as its controller, and a cycle has two members or
	// more; a representative's own controller, when it is on a cycle, is
	// that cycle's representative. So the controllers of cycle members that
	// are on a cycle are exactly the representatives.
	rep := make([]bool, res.Len())
	for v, in := range res.InCycle {
		if c := res.Controller[v]; in && c >= 0 && res.InCycle[c] && !rep[c] {
			rep[c] = true
			cycles++
		}
	}
	return groups, cycles, conflicts
}

// writeAtomic writes the file name in dir through write, into a temporary
// file first that is renamed into place only once complete, so that a
// failed run leaves no partial file behind.
func writeAtomic(dir, name string, write func(io.Writer) error) error {
	return writeAtomicFile(dir, name, func(f *os.File) error { return write(f) })
}

// writeLarge is writeAtomic for a large file: its blocks are written past
// the page cache where the file system allows it (package directio).
func writeLarge(dir, name string, write func(io.Writer) error) error {
	return writeAtomicFile(dir, name, func(f *os.File) error {
		w := directio.NewWriter(f)
		if err := write(w); err != nil {
			return err
		}
		return w.Close()
	})
}

// writeAtomicFile is writeAtomic, giving write the file.
func writeAtomicFile(dir, name string, write func(*os.File) error) error {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return kamp.Errorf(kamp.EINVALID, "cannot write in the folder %s: %v", dir, err)
	}
	tmp := f.Name()
	// CreateTemp makes the file private; a result file is as readable as
	// any other the command writes.
	err = f.Chmod(0o644)
	if err == nil {
		err = write(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		if kamp.ErrorCode(err) == kamp.EINTERNAL {
			return kamp.Errorf(kamp.EINVALID, "cannot write %s: %v", filepath.Join(dir, name), err)
		}
		return err
	}
	return nil
}
