package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
)

// importState is what the server knows of an import it started: the latest
// progress while it runs, and its outcome.
type importState struct {
	ID         string
	By         string // login
	UserID     string
	StartedAt  time.Time
	Files      []string
	Quarantine bool
	Progress   ingest.Progress
	Done       bool
	Status     string // final status once Done
	Err        string // a person-readable reason when the import could not run
}

// importTracker keeps the state of the imports this process runs, for the
// progress indicator. Finished imports whose batch the database recorded
// are dropped; the few that failed before the importer could record them
// are kept (at most maxFailedKept) so their page can say why.
type importTracker struct {
	mu     sync.Mutex
	states map[string]*importState
	failed []string // ids of kept failures, oldest first
}

const maxFailedKept = 100

func newImportTracker() *importTracker {
	return &importTracker{states: map[string]*importState{}}
}

// start registers a new import; false when one with this id is known.
func (t *importTracker) start(st *importState) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.states[st.ID]; ok {
		return false
	}
	t.states[st.ID] = st
	return true
}

// progress records the latest progress of import id.
func (t *importTracker) progress(id string, p ingest.Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.states[id]; ok {
		st.Progress = p
	}
}

// finish records the end of import id. recorded tells whether the database
// has the batch; if so the state is dropped.
func (t *importTracker) finish(id, status, reason string, recorded bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.states[id]
	if !ok {
		return
	}
	if recorded {
		delete(t.states, id)
		return
	}
	st.Done, st.Status, st.Err = true, status, reason
	t.failed = append(t.failed, id)
	if len(t.failed) > maxFailedKept {
		delete(t.states, t.failed[0])
		t.failed = t.failed[1:]
	}
}

// setFiles records the files and options of a reserved import.
func (t *importTracker) setFiles(id string, names []string, quarantine bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.states[id]; ok {
		st.Files, st.Quarantine = names, quarantine
	}
}

// drop forgets import id (an upload that failed before it started).
func (t *importTracker) drop(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.states, id)
}

// get returns a copy of the state of import id.
func (t *importTracker) get(id string) (importState, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.states[id]
	if !ok {
		return importState{}, false
	}
	return *st, true
}

// batch turns a tracked import into the batch its page shows.
func (st importState) batch() kamp.ImportBatch {
	b := kamp.ImportBatch{ID: st.ID, StartedAt: st.StartedAt, Status: kamp.ImportRunning, By: st.By}
	if st.Done {
		b.Status = st.Status
	}
	for _, f := range st.Files {
		kind, _ := ingest.KindOf(f)
		b.Files = append(b.Files, kamp.ImportFile{Name: f, Kind: kind})
	}
	return b
}

// loadBatch returns batch id from the database, or, for an import this
// process started that the importer has not recorded yet (or could not
// record), from the tracker.
func (s *Server) loadBatch(ctx context.Context, id string) (kamp.ImportBatch, *importState, error) {
	st, tracked := s.imports.get(id)
	b, err := s.db.ImportBatch(ctx, id)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND && tracked {
		return st.batch(), &st, nil
	}
	if err != nil {
		return b, nil, err
	}
	if tracked && b.Status == kamp.ImportRunning {
		if len(b.Files) == 0 {
			// The importer records the files when it finishes.
			b.Files = st.batch().Files
		}
		return b, &st, nil
	}
	return b, nil, nil
}

// uploadRequest is a parsed upload: the saved files and the options.
type uploadRequest struct {
	BatchID    string
	Dir        string
	Paths      []string
	Names      []string
	Quarantine bool
}

// idempotentBatchID derives the batch id of an upload from the caller's
// Idempotency-Key.
func idempotentBatchID(userID, key string) string { return idempotentID("k", "import", userID, key) }

// allowedUploadSuffixes are the file forms an upload accepts.
var allowedUploadSuffixes = []string{".csv", ".csv.gz", ".xlsx", ".xml", ".json", ".jsonl"}

// CheckUploadName checks the name of an uploaded file: a base name only
// (no path separators, no "." or ".."), printable, at most 255 bytes,
// ending in .csv, .csv.gz or .xlsx, and naming a kind of interchange file
// (entities.csv, payments_2026-10.csv.gz, …). It returns EINVALID naming
// the problem.
func CheckUploadName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > 255 ||
		strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return kamp.Errorf(kamp.EINVALID, "%q is not a plain file name", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return kamp.Errorf(kamp.EINVALID, "%q is not a plain file name", name)
		}
	}
	lower := strings.ToLower(name)
	ok := false
	for _, suf := range allowedUploadSuffixes {
		if strings.HasSuffix(lower, suf) && len(lower) > len(suf) {
			ok = true
		}
	}
	if !ok {
		return kamp.Errorf(kamp.EINVALID, "%q: only .csv, .csv.gz and .xlsx interchange files, camt.053 or GLEIF RR-CDF .xml and BODS .json/.jsonl files are accepted", name)
	}
	if _, ok := ingest.KindOf(name); !ok {
		return kamp.Errorf(kamp.EINVALID, "%q: name the file after its kind: fx, entities, ownership, metrics, exposures or payments; camt053…xml, …-rr.xml (GLEIF) or a BODS .json", name)
	}
	return nil
}

// uploadError is a problem with an upload that the form shows next to its
// field: Key is the message, Arg its argument.
type uploadError struct {
	Key string
	Arg any
	Err error
}

func (e *uploadError) Error() string { return fmt.Sprintf("%s: %v", e.Key, e.Err) }
func (e *uploadError) Unwrap() error { return e.Err }

// receiveUpload streams the files of a multipart upload into
// DataDir/uploads/<batchID>/, checking each name before writing, and reads
// the quarantine field. Nothing is held in memory beyond a copy buffer. On
// error the batch's folder is removed.
func (s *Server) receiveUpload(mr *multipart.Reader, batchID string) (up uploadRequest, err error) {
	up.BatchID = batchID
	up.Dir = filepath.Join(s.cfg.DataDir, "uploads", batchID)
	if err := os.Mkdir(up.Dir, 0o750); errors.Is(err, fs.ErrExist) {
		// Left by an upload that never became a batch (the caller checked
		// that none exists): start afresh.
		if err := os.RemoveAll(up.Dir); err != nil {
			return up, kamp.WrapError(kamp.EINTERNAL, err, "clear upload folder")
		}
		err = os.Mkdir(up.Dir, 0o750)
		if err != nil {
			return up, kamp.WrapError(kamp.EINTERNAL, err, "create upload folder")
		}
	} else if err != nil {
		return up, kamp.WrapError(kamp.EINTERNAL, err, "create upload folder")
	}
	defer func() {
		if err != nil {
			if rerr := os.RemoveAll(up.Dir); rerr != nil {
				s.log.Error("remove failed upload", "dir", up.Dir, "err", rerr)
			}
		}
	}()
	seen := map[string]bool{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isMaxBytes(err) {
				return up, err
			}
			return up, kamp.WrapError(kamp.EINVALID, err, "the upload is not a valid multipart form")
		}
		switch p.FormName() {
		case "quarantine":
			v, err := readSmall(p, 16)
			if err != nil {
				return up, err
			}
			up.Quarantine = v == "true" || v == "1" || v == "on"
		case "files", "file":
			name := rawFileName(p)
			if name == "" {
				// A file input left empty sends a part without a name.
				if _, err := io.Copy(io.Discard, io.LimitReader(p, 1)); err != nil {
					return up, kamp.WrapError(kamp.EINVALID, err, "read upload")
				}
				continue
			}
			if err := CheckUploadName(name); err != nil {
				return up, &uploadError{Key: "imports.bad_name", Arg: name, Err: err}
			}
			if seen[strings.ToLower(name)] {
				return up, &uploadError{Key: "imports.duplicate_name", Arg: name,
					Err: kamp.Errorf(kamp.EINVALID, "%q was sent twice", name)}
			}
			if len(seen) >= s.cfg.MaxUploadFiles {
				return up, &uploadError{Key: "imports.too_many", Arg: s.cfg.MaxUploadFiles,
					Err: kamp.Errorf(kamp.EINVALID, "at most %d files per upload", s.cfg.MaxUploadFiles)}
			}
			seen[strings.ToLower(name)] = true
			dst := filepath.Join(up.Dir, name)
			if err := saveFile(dst, p); err != nil {
				return up, err
			}
			up.Paths = append(up.Paths, dst)
			up.Names = append(up.Names, name)
		default:
			// Unknown fields are read and ignored.
			if _, err := io.Copy(io.Discard, io.LimitReader(p, 1<<16)); err != nil {
				return up, kamp.WrapError(kamp.EINVALID, err, "read upload")
			}
		}
	}
	if len(up.Paths) == 0 {
		return up, &uploadError{Key: "imports.no_files", Err: kamp.Errorf(kamp.EINVALID, "no file was sent: send one or more files in the field \"files\"")}
	}
	return up, nil
}

// rawFileName returns the file name of a part as the client sent it.
// multipart.Part.FileName keeps only the base name, which would hide a
// name with folders in it; kamp rejects such names instead.
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return p.FileName()
	}
	return params["filename"]
}

// saveFile writes r to a new file at dst.
func saveFile(dst string, r io.Reader) error {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "save upload")
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		if isMaxBytes(err) {
			return err
		}
		return kamp.WrapError(kamp.EINVALID, err, "the upload of %s broke off", filepath.Base(dst))
	}
	if err := f.Close(); err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "save upload")
	}
	return nil
}

// reserve registers an upload about to be received under batch id, before
// any byte of it is saved; false when the id is taken (an import with the
// same Idempotency-Key is under way).
func (s *Server) reserve(id string, user *kamp.User) bool {
	return s.imports.start(&importState{ID: id, By: user.Login, UserID: user.ID, StartedAt: s.cfg.Now().UTC()})
}

// launch runs the importer over a received upload in the background and
// returns at once; the tracker keeps its progress.
func (s *Server) launch(up uploadRequest, user *kamp.User) {
	s.imports.setFiles(up.BatchID, up.Names, up.Quarantine)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		log := s.log.With("batch", up.BatchID, "by", user.Login)
		res, err := ingest.Run(s.ctx, s.db, up.Paths, ingest.Options{
			BatchID:    up.BatchID,
			Quarantine: up.Quarantine,
			By:         user.Login,
			Logger:     log,
			Progress:   func(p ingest.Progress) { s.imports.progress(up.BatchID, p) },
		})
		status := res.Batch.Status
		if err != nil {
			status = kamp.ImportFailed
			log.Error("import failed", "err", err)
		} else {
			log.Info("import finished", "status", status, "errors", res.ErrorCount)
		}
		s.metrics.importFinished(status)
		// The importer records the batch once it has started; an import
		// that failed before that is only known to the tracker.
		_, berr := s.db.ImportBatch(context.WithoutCancel(s.ctx), up.BatchID)
		reason := ""
		if err != nil {
			reason = "error.internal"
			if kamp.ErrorCode(err) == kamp.EINVALID {
				reason = kamp.ErrorMessage(err)
			}
		}
		s.imports.finish(up.BatchID, status, reason, berr == nil)
		if err == nil && importAffectsGroups(res.Batch) {
			s.RecomputeGroups()
		}
	}()
}
