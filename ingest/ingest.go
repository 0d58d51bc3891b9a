package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ownership"
	"github.com/kampbank/kamp/store"
	"github.com/kampbank/kamp/tabular"
)

// Options tune an import.
type Options struct {
	// BatchID names the batch; empty means a new id.
	BatchID string
	// Quarantine loads the good rows and keeps the bad rows with their
	// reasons, instead of loading nothing when any row is bad.
	Quarantine bool
	// By is who imports: a login, or "cli".
	By string
	// Progress, when set, is called as rows are read.
	Progress func(Progress)
	// Logger receives the import's log lines; nil discards them.
	Logger *slog.Logger
	// MaxErrors caps how many bad rows are kept and reported (default
	// 1,000,000); past it the import stops reading and loads nothing.
	MaxErrors int
}

// Progress tells how far an import has come in its current file.
type Progress struct {
	File  string
	Rows  int64 // data rows read in this file
	Bytes int64 // bytes of the file read
	Total int64 // the file's size in bytes, or -1
}

// Result is the outcome of an import.
type Result struct {
	Batch kamp.ImportBatch
	// Errors are the bad rows in the order found (capped by MaxErrors).
	Errors     []kamp.RowError
	ErrorCount int
	Warnings   []string
	// Disagreements are the entities whose ultimate parent by a GLEIF file
	// of a loaded import differs from kamp's ultimate controller.
	Disagreements []ownership.Disagreement
}

// chunkRows is how many rows go to the store at a time.
const chunkRows = 4096

// errTooManyErrors stops reading after MaxErrors bad rows.
var errTooManyErrors = errors.New("too many bad rows")

// Run imports the interchange files at paths (files, or folders of them) into
// db, all or nothing: if any row is bad, nothing loads (unless
// opt.Quarantine) and the batch is rejected with every bad row reported. A
// rejected import is not an error; errors are for imports that could not run
// (unreadable paths, the database failing).
func Run(ctx context.Context, db *store.DB, paths []string, opt Options) (Result, error) {
	var res Result
	if opt.By == "" {
		opt.By = "cli"
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 1_000_000
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, warnings, err := collect(paths)
	res.Warnings = warnings
	if err != nil {
		return res, err
	}
	b := kamp.ImportBatch{ID: opt.BatchID, StartedAt: db.Now().UTC(), Status: kamp.ImportRunning, By: opt.By}
	if b.ID == "" {
		b.ID = store.NewID()
	}
	if err := db.StartImport(ctx, b, opt.Quarantine); err != nil {
		return res, err
	}
	im := &importer{ctx: ctx, db: db, opt: opt, log: log}
	b.Files = make([]kamp.ImportFile, len(files))
	pending := 0
	for i := range files {
		f := &files[i]
		sha, err := hashFile(f.path)
		if err != nil {
			return im.fail(&res, b, kamp.WrapError(kamp.EINVALID, err, "%s: cannot read the file", f.name))
		}
		f.sha = sha
		skipped, err := db.LoadedFile(ctx, f.kind, sha)
		if err != nil {
			return im.fail(&res, b, err)
		}
		b.Files[i] = kamp.ImportFile{Name: f.name, Kind: f.kind, SHA256: sha, Skipped: skipped}
		if skipped {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: identical to a file loaded before; nothing to do", f.name))
		} else {
			pending++
		}
	}
	if pending == 0 {
		b.Status, b.FinishedAt = kamp.ImportLoaded, db.Now().UTC()
		res.Batch = b
		if err := db.FinishImport(ctx, b, nil); err != nil {
			return res, err
		}
		return res, db.Audit(ctx, store.ImportEvent(b, 0, ""))
	}
	if err := im.prepare(files, b.Files); err != nil {
		return im.fail(&res, b, err)
	}
	im.load, err = db.BeginLoad(ctx)
	if err != nil {
		return im.fail(&res, b, err)
	}
	im.pipe = newPipeline()
	for i := range files {
		if b.Files[i].Skipped {
			continue
		}
		log.Info("importing", "file", files[i].name, "kind", files[i].kind, "bytes", files[i].size)
		start := time.Now()
		err := im.file(&files[i], &b.Files[i])
		if errors.Is(err, errTooManyErrors) {
			break
		}
		if err == nil {
			// Settle the file's writes, so that a database error is
			// reported with its file.
			err = im.pipe.wait()
			im.pipe = newPipeline()
		}
		if err == nil {
			err = im.load.Flush(ctx)
		}
		if err != nil {
			im.pipe.wait()
			im.load.Rollback(ctx)
			return im.fail(&res, b, fmt.Errorf("%s: %w", files[i].name, err))
		}
		log.Info("read", "file", files[i].name, "rows", b.Files[i].Rows, "bad", b.Files[i].Rejected, "elapsed", time.Since(start))
		if im.fatal {
			break
		}
	}
	if err := im.pipe.wait(); err != nil {
		im.load.Rollback(ctx)
		return im.fail(&res, b, err)
	}
	sortErrors(im.errs, files)
	res.Errors, res.ErrorCount, res.Warnings = im.errs, im.errCount, append(res.Warnings, im.warnings...)
	b.FinishedAt = db.Now().UTC()
	switch {
	case im.errCount > 0 && (!opt.Quarantine || im.fatal || im.errCount > opt.MaxErrors):
		im.load.Rollback(ctx)
		b.Status = kamp.ImportRejected
		for i := range b.Files {
			b.Files[i].Loaded = 0
		}
		res.Batch = b
		if err := db.FinishImport(ctx, b, im.errs); err != nil {
			return res, err
		}
		return res, db.Audit(ctx, store.ImportEvent(b, im.errCount, ""))
	case im.errCount > 0:
		b.Status = kamp.ImportPartial
	default:
		b.Status = kamp.ImportLoaded
	}
	res.Batch = b
	// The event commits with the data, or neither does.
	if err := im.load.Audit(ctx, store.ImportEvent(b, im.errCount, "")); err != nil {
		im.load.Rollback(ctx)
		return im.fail(&res, b, err)
	}
	if err := im.load.Commit(ctx, b, im.errs); err != nil {
		return im.fail(&res, b, err)
	}
	// The data is committed: a failed comparison is only a warning.
	if res.Disagreements, err = im.compareUltimates(ctx); err != nil {
		res.Warnings = append(res.Warnings, err.Error())
	}
	return res, nil
}

// sortErrors puts bad rows in report order: by file in load order, then by
// line (duplicates found after a file's end come back to their place).
func sortErrors(errs []kamp.RowError, files []inputFile) {
	rank := map[string]int{}
	for i, f := range files {
		if _, ok := rank[f.name]; !ok {
			rank[f.name] = i
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		ri, rj := rank[errs[i].File], rank[errs[j].File]
		if ri != rj {
			return ri < rj
		}
		return errs[i].Line < errs[j].Line
	})
}

// fail records a batch that could not run and returns err.
func (im *importer) fail(res *Result, b kamp.ImportBatch, err error) (Result, error) {
	b.Status, b.FinishedAt = kamp.ImportFailed, im.db.Now().UTC()
	res.Batch = b
	im.log.Error("import failed", "batch", b.ID, "err", err)
	// The batch record is best effort: the context may be what failed.
	if ferr := im.db.FinishImport(context.WithoutCancel(im.ctx), b, nil); ferr != nil {
		im.log.Error("cannot record the failed import", "batch", b.ID, "err", ferr)
	}
	if aerr := im.db.Audit(context.WithoutCancel(im.ctx), store.ImportEvent(b, im.errCount, kamp.ErrorMessage(err))); aerr != nil {
		im.log.Error("cannot record the failed import in the audit trail", "batch", b.ID, "err", aerr)
	}
	return *res, err
}

// entity is what the importer knows of an entity while it checks references.
type entity struct {
	client bool
}

// importer holds an import's state.
type importer struct {
	ctx  context.Context
	db   *store.DB
	opt  Options
	log  *slog.Logger
	load *store.Load
	pipe *pipeline

	ents map[string]int32 // id -> index into info and ids
	info []entity
	ids  []string
	uscc map[string]string // USCC -> entity id
	lei  map[string]string // LEI -> entity id
	// firstRate is each currency's earliest rate date: a conversion on day d
	// needs a rate on or before d.
	firstRate map[string]string
	// stored holdings and their sum per held entity, for the share rule.
	storedShare map[uint64]kamp.Share
	storedSum   map[int32]kamp.Share

	errs     []kamp.RowError
	errCount int
	fatal    bool
	warnings []string
	public   publicState
}

// prepare loads from the store what checking these files needs.
func (im *importer) prepare(files []inputFile, meta []kamp.ImportFile) error {
	needEntities, needHoldings := false, false
	for i, f := range files {
		if meta[i].Skipped {
			continue
		}
		if f.kind != KindFX {
			needEntities = true
		}
		if f.kind == KindOwnership {
			needHoldings = true
		}
	}
	im.firstRate = map[string]string{}
	rates, err := im.db.FXRates(im.ctx)
	if err != nil {
		return err
	}
	for _, r := range rates {
		im.noteRate(r.Currency, r.Date)
	}
	im.ents = map[string]int32{}
	im.uscc, im.lei = map[string]string{}, map[string]string{}
	if needEntities {
		err := im.db.EachEntityKey(im.ctx, func(k store.EntityKey) error {
			im.addEntity(k.ID, entity{client: k.IsClient})
			if k.USCC != "" {
				im.uscc[k.USCC] = k.ID
			}
			if k.LEI != "" {
				im.lei[k.LEI] = k.ID
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if needHoldings {
		im.storedShare, im.storedSum = map[uint64]kamp.Share{}, map[int32]kamp.Share{}
		err := im.db.EachHolding(im.ctx, func(h kamp.Holding) error {
			hi, ok1 := im.ents[h.HolderID]
			ei, ok2 := im.ents[h.EntityID]
			if ok1 && ok2 {
				im.storedShare[pairKey(hi, ei)] = h.Share
				im.storedSum[ei] += h.Share
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func pairKey(holder, held int32) uint64 { return uint64(uint32(holder))<<32 | uint64(uint32(held)) }

func (im *importer) addEntity(id string, e entity) int32 {
	if i, ok := im.ents[id]; ok {
		im.info[i] = e
		return i
	}
	i := int32(len(im.info))
	id = strings.Clone(id)
	im.info = append(im.info, e)
	im.ids = append(im.ids, id)
	im.ents[id] = i
	return i
}

func (im *importer) noteRate(currency, date string) {
	if d, ok := im.firstRate[currency]; !ok || date < d {
		im.firstRate[strings.Clone(currency)] = strings.Clone(date)
	}
}

// bad records one problem with one row.
func (im *importer) bad(file string, line int, column, value, reason string) {
	im.errCount++
	if len(im.errs) < im.opt.MaxErrors {
		// Values are kept as text every database accepts: NUL and invalid
		// UTF-8 bytes are written as escapes.
		v := strings.ToValidUTF8(strings.ReplaceAll(value, "\x00", `\x00`), "\uFFFD")
		im.errs = append(im.errs, kamp.RowError{File: file, Line: line, Column: column, Value: strings.Clone(v), Reason: reason})
	}
}

// readErr records a fatal error of a file as a whole.
func (im *importer) readErr(name string, err error) {
	im.fatal = true
	var te *tabular.Error
	if errors.As(err, &te) {
		im.bad(name, te.Line, te.Column, te.Value, te.Reason)
		return
	}
	im.bad(name, 0, "", "", err.Error())
}
