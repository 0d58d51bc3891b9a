package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/grouping"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "[--db DSN] [--quarantine] [--report FILE] PATH...")
	db := dbFlag(fs)
	quarantine := fs.Bool("quarantine", false, "load the good rows and keep the bad rows with their reasons, instead of loading nothing")
	report := fs.String("report", "", "write every bad row to this CSV file (file,line,column,value,reason)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return kamp.Errorf(kamp.EINVALID, "name at least one file or folder to import")
	}
	// Read the group settings first: a bad one stops the import before it
	// loads anything.
	tier1, regime, err := grouping.FromEnv()
	if err != nil {
		return err
	}
	limitMemory()
	st, err := store.Open(ctx, *db, e.log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.FailRunningImports(ctx); err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, *quiet)
	start := time.Now()
	res, err := ingest.Run(ctx, st, fs.Args(), ingest.Options{Quarantine: *quarantine, By: "cli", Progress: bar.update, Logger: e.log})
	bar.done()
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	if err != nil {
		return err
	}
	printImport(e.stdout, res, time.Since(start))
	if *report != "" {
		if err := writeReport(*report, res.Errors); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "report of %d bad rows written to %s\n", len(res.Errors), *report)
	}
	if res.Batch.Status == kamp.ImportRejected {
		return exitError{1}
	}
	return recomputeAfterImport(ctx, e, st, res.Batch, tier1, regime, *quiet)
}

// recomputeAfterImport recomputes the corporate groups when the import
// loaded entities, ownership, exposures or exchange rates.
func recomputeAfterImport(ctx context.Context, e *env, st *store.DB, b kamp.ImportBatch, tier1 kamp.Amount, regime control.Regime, quiet bool) error {
	if b.Status != kamp.ImportLoaded && b.Status != kamp.ImportPartial {
		return nil
	}
	affected := false
	for _, f := range b.Files {
		affected = affected || (!f.Skipped && f.Loaded > 0 && grouping.Affects(f.Kind))
	}
	if !affected {
		return nil
	}
	// Settings stored in the app take precedence over the environment.
	tier1, regime, err := grouping.Limits(ctx, st, tier1, regime)
	if err != nil {
		return err
	}
	start := time.Now()
	id, err := grouping.Recompute(ctx, st, tier1, regime, func(stage string, done, total int) {
		if !quiet {
			fmt.Fprintf(e.stderr, "groups: %s (%d/%d)\n", stage, done, total)
		}
	})
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "the import is loaded, but the groups were not recomputed: %s", kamp.ErrorMessage(err))
	}
	run, err := st.LatestGroupRun(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "groups %s: %d entities, %d groups of two or more, %d control cycles, %d conflicts, in %s\n",
		id, run.Entities, run.Groups, run.Cycles, run.Conflicts, time.Since(start).Round(time.Millisecond))
	return nil
}

// importMemoryLimit is the Go heap's soft limit for an import (unless
// GOMEMLIMIT says otherwise): the garbage collector works harder instead of
// letting the heap double, which keeps a 1 GB import under 1 GiB.
const importMemoryLimit = 560 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
}

// printImport prints a batch's outcome and its first bad rows.
func printImport(w io.Writer, res ingest.Result, elapsed time.Duration) {
	b := res.Batch
	fmt.Fprintf(w, "import %s: %s in %s\n", b.ID, b.Status, elapsed.Round(time.Millisecond))
	for _, f := range b.Files {
		if f.Skipped {
			fmt.Fprintf(w, "  %-24s %-10s identical to a file loaded before: skipped\n", f.Name, f.Kind)
			continue
		}
		fmt.Fprintf(w, "  %-24s %-10s %10d rows  %10d loaded  %8d bad\n", f.Name, f.Kind, f.Rows, f.Loaded, f.Rejected)
	}
	for i, d := range res.Disagreements {
		if i == 0 {
			fmt.Fprintf(w, "GLEIF's ultimate parent differs from kamp's ultimate controller for %d entities (entity: GLEIF, kamp):\n", len(res.Disagreements))
		}
		if i == 20 {
			fmt.Fprintf(w, "  … and %d more\n", len(res.Disagreements)-i)
			break
		}
		fmt.Fprintf(w, "  %s: %s, %s\n", d.Entity, d.GLEIF, cmp.Or(d.Kamp, "not in kamp"))
	}
	if res.ErrorCount == 0 {
		return
	}
	const show = 20
	fmt.Fprintf(w, "%d bad rows:\n", res.ErrorCount)
	for i, r := range res.Errors {
		if i == show {
			fmt.Fprintf(w, "  … and %d more (use --report FILE for all)\n", res.ErrorCount-show)
			break
		}
		loc := r.File + ":" + strconv.Itoa(r.Line)
		if r.Column != "" {
			loc += ": column " + r.Column
		}
		if r.Value != "" {
			fmt.Fprintf(w, "  %s: %s: %q\n", loc, r.Reason, r.Value)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", loc, r.Reason)
		}
	}
	switch b.Status {
	case kamp.ImportRejected:
		fmt.Fprintln(w, "nothing was loaded; fix the rows above, or import with --quarantine to load the good rows")
	case kamp.ImportPartial:
		fmt.Fprintln(w, "the good rows were loaded; the bad rows are kept with their reasons")
	}
}

// writeReport writes bad rows in the report shape of data-formats.md.
func writeReport(path string, errs []kamp.RowError) error {
	f, err := os.Create(path)
	if err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "cannot write the report %s", path)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"file", "line", "column", "value", "reason"})
	for _, r := range errs {
		_ = w.Write([]string{r.File, strconv.Itoa(r.Line), r.Column, r.Value, r.Reason})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return kamp.WrapError(kamp.EINVALID, err, "cannot write the report %s", path)
	}
	if err := f.Close(); err != nil {
		return kamp.WrapError(kamp.EINVALID, err, "cannot write the report %s", path)
	}
	return nil
}

// progressBar draws one line of import progress on a terminal.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, quiet bool) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok && !quiet {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progressBar{w: w, on: on}
}

func (p *progressBar) update(pr ingest.Progress) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	frac := 0.0
	if pr.Total > 0 {
		frac = min(float64(pr.Bytes)/float64(pr.Total), 1)
	}
	n := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		if i < n {
			bar[i] = '#'
		} else {
			bar[i] = '.'
		}
	}
	fmt.Fprintf(p.w, "\r%-20s [%s] %5.1f%% %12d rows", pr.File, bar, frac*100, pr.Rows)
	p.drawn = true
}

func (p *progressBar) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
