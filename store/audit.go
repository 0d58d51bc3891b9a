package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// The audit trail is a hash chain in audit_events: event seq carries the
// hash of event seq-1 (kamp.AuditHash documents the hashed bytes). Its end
// is kept in audit_head, a table of one row: the last seq and its hash. An
// append, inside the caller's transaction so that a change and its event
// commit together or not at all, first advances the head (UPDATE … RETURNING),
// which locks its row until the transaction ends: concurrent appends queue
// there, each one numbered after the one before it commits (PostgreSQL
// re-reads an updated row under READ COMMITTED; SQLite has one writer at a
// time), so the chain never forks and no append has to fail and start over.
// Under a stricter isolation level (distributed engines) the database reports
// a serialization failure instead, and Transact retries. The primary key on
// seq is the last guard: an event put in by hand at the next seq makes the
// next append fail rather than fork the chain.
//
// The head also lets VerifyAudit see events deleted from the end of the
// trail, which no link could show.

// auditCols are the columns of audit_events in scan order.
const auditCols = `seq, id, at, actor, action, object_type, object_id, before, after, prev_hash, hash`

// maxAuditField bounds the actor, action and object fields of an event, in
// bytes.
const maxAuditField = 512

// advanceHeadSQL takes the next seq and returns it with the hash of the
// event before it.
const advanceHeadSQL = `UPDATE audit_head SET seq = seq + 1 WHERE one = 1 RETURNING seq, hash`

// chainWriter is a transaction an event can be appended in.
type chainWriter interface {
	// exec runs a statement.
	exec(ctx context.Context, q string, args ...any) error
	// advance runs advanceHeadSQL and returns the new seq and the previous
	// hash.
	advance(ctx context.Context) (int64, string, error)
}

// txChain appends through a Tx.
type txChain struct{ tx *Tx }

func (c txChain) exec(ctx context.Context, q string, args ...any) error {
	_, err := c.tx.Exec(ctx, q, args...)
	return err
}

func (c txChain) advance(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := c.tx.QueryRow(ctx, advanceHeadSQL).Scan(&seq, &hash)
	return seq, hash, c.tx.db.mapErr(err)
}

// loadChain appends through a bulk load's transaction.
type loadChain struct{ l *Load }

func (c loadChain) exec(ctx context.Context, q string, args ...any) error {
	return c.l.exec(ctx, q, args...)
}

func (c loadChain) advance(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	var err error
	if c.l.conn != nil {
		err = c.l.pgtx.QueryRow(ctx, advanceHeadSQL).Scan(&seq, &hash)
	} else {
		err = c.l.tx.QueryRowContext(ctx, advanceHeadSQL).Scan(&seq, &hash)
	}
	return seq, hash, c.l.db.mapErr(err)
}

// Audit appends e to the audit trail in a transaction of its own. Seq,
// PrevHash and Hash are computed; an empty ID is generated, a zero At is
// now, an empty Actor is the context's (kamp.ActorFrom). Before and After
// must be JSON or "".
func (db *DB) Audit(ctx context.Context, e kamp.AuditEvent) error {
	return db.Transact(ctx, func(tx *Tx) error {
		_, err := db.AuditTx(ctx, tx, e)
		return err
	})
}

// AuditTx appends e to the audit trail inside tx, so that the event commits
// with the change it records, and returns the event as stored. Appends by
// other transactions wait from here until tx ends.
func (db *DB) AuditTx(ctx context.Context, tx *Tx, e kamp.AuditEvent) (kamp.AuditEvent, error) {
	return db.appendAudit(ctx, txChain{tx}, e)
}

// Audit has e appended to the audit trail when the load commits, inside its
// transaction and after everything else, so that the event lands exactly
// when the data does and the end of the chain is held only for the last
// moment of the load. A second call replaces the first.
func (l *Load) Audit(ctx context.Context, e kamp.AuditEvent) error {
	e, err := l.db.prepareAudit(ctx, e)
	if err != nil {
		return err
	}
	l.audit = &e
	return nil
}

// commitAudit appends the event given to Audit, if any.
func (l *Load) commitAudit(ctx context.Context) error {
	if l.audit == nil {
		return nil
	}
	_, err := l.db.appendAudit(ctx, loadChain{l}, *l.audit)
	return err
}

// prepareAudit checks e and fills in its defaults.
func (db *DB) prepareAudit(ctx context.Context, e kamp.AuditEvent) (kamp.AuditEvent, error) {
	if e.Actor == "" {
		e.Actor = kamp.ActorFrom(ctx)
	}
	if e.ID == "" {
		e.ID = NewID()
	}
	if e.At.IsZero() {
		e.At = db.Now()
	}
	// Both databases keep microseconds; the hash must see what they keep.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Action == "" {
		return e, kamp.Errorf(kamp.EINVALID, "an audit event needs an action")
	}
	for _, f := range []struct{ name, v string }{
		{"id", e.ID}, {"actor", e.Actor}, {"action", e.Action}, {"object type", e.ObjectType}, {"object id", e.ObjectID},
	} {
		if len(f.v) > maxAuditField {
			return e, kamp.Errorf(kamp.EINVALID, "the audit event's %s is longer than %d bytes", f.name, maxAuditField)
		}
		if !cleanText(f.v) {
			return e, kamp.Errorf(kamp.EINVALID, "the audit event's %s is not valid UTF-8 text", f.name)
		}
	}
	for _, f := range []struct{ name, v string }{{"before", e.Before}, {"after", e.After}} {
		if f.v != "" && (!json.Valid([]byte(f.v)) || !cleanText(f.v)) {
			return e, kamp.Errorf(kamp.EINVALID, "the audit event's %s must be JSON or empty", f.name)
		}
	}
	return e, nil
}

// cleanText reports whether s is valid UTF-8 without NUL bytes, which
// PostgreSQL text does not take.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// appendAudit links e to the end of the chain and inserts it through w.
func (db *DB) appendAudit(ctx context.Context, w chainWriter, e kamp.AuditEvent) (kamp.AuditEvent, error) {
	e, err := db.prepareAudit(ctx, e)
	if err != nil {
		return e, err
	}
	seq, prev, err := w.advance(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return e, kamp.WrapError(kamp.EINTERNAL, err,
			"the audit trail's head is missing: the trail was changed outside kamp; run kamp audit verify")
	}
	if err != nil {
		return e, fmt.Errorf("advancing the audit trail's head: %w", err)
	}
	e.Seq, e.PrevHash = seq, prev
	e.Hash = kamp.AuditHash(e)
	err = w.exec(ctx, `INSERT INTO audit_events (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.ID, e.At, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Before, e.After, e.PrevHash, e.Hash)
	if kamp.ErrorCode(err) == kamp.ECONFLICT {
		return e, kamp.WrapError(kamp.EINTERNAL, err,
			"audit event %d exists already: the trail was changed outside kamp; run kamp audit verify", e.Seq)
	}
	if err != nil {
		return e, fmt.Errorf("appending audit event %d: %w", e.Seq, err)
	}
	if err := w.exec(ctx, `UPDATE audit_head SET hash = ? WHERE one = 1`, e.Hash); err != nil {
		return e, fmt.Errorf("moving the audit trail's head: %w", err)
	}
	return e, nil
}

// AuditFilter selects audit events. Empty fields select everything.
type AuditFilter struct {
	// Action is an action ("user.login"), or an area ending in "."
	// ("user.") for all of its actions.
	Action     string
	Actor      string
	ObjectType string
	ObjectID   string
	// BelowSeq, when above 0, keeps only events before it: the keyset of
	// the API's cursor.
	BelowSeq int64
}

// where returns the filter's SQL condition and arguments; withKeyset adds
// BelowSeq.
func (f AuditFilter) where(withKeyset bool) (string, []any) {
	var conds []string
	var args []any
	switch {
	case strings.HasSuffix(f.Action, "."):
		// A range on the index instead of LIKE, whose wildcards would need
		// escaping: every string that starts with "user." lies in
		// ["user.", "user/").
		conds = append(conds, `action >= ? AND action < ?`)
		args = append(args, f.Action, f.Action[:len(f.Action)-1]+"/")
	case f.Action != "":
		conds = append(conds, `action = ?`)
		args = append(args, f.Action)
	}
	if f.Actor != "" {
		conds = append(conds, `actor = ?`)
		args = append(args, f.Actor)
	}
	if f.ObjectType != "" {
		conds = append(conds, `object_type = ?`)
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != "" {
		conds = append(conds, `object_id = ?`)
		args = append(args, f.ObjectID)
	}
	if withKeyset && f.BelowSeq > 0 {
		conds = append(conds, `seq < ?`)
		args = append(args, f.BelowSeq)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// AuditEvents returns a page of the events f selects, newest first, and how
// many events f selects in all (BelowSeq aside). limit 0 means DefaultLimit.
func (db *DB) AuditEvents(ctx context.Context, f AuditFilter, limit, offset int) ([]kamp.AuditEvent, int, error) {
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 0 || limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	if offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "offset must not be negative")
	}
	var total int
	where, args := f.where(false)
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_events`+where, args...).Scan(&total); err != nil {
		return nil, 0, db.mapErr(err)
	}
	where, args = f.where(true)
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_events`+where+` ORDER BY seq DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := make([]kamp.AuditEvent, 0, min(limit, 64))
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, e)
	}
	return out, total, db.mapErr(rows.Err())
}

func scanAudit(sc interface{ Scan(...any) error }) (kamp.AuditEvent, error) {
	var e kamp.AuditEvent
	err := sc.Scan(&e.Seq, &e.ID, &e.At, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &e.Before, &e.After, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// What can be wrong with an audit event, in BrokenLink.Kind.
const (
	BrokenMissing  = "missing"   // the event is not there: deleted
	BrokenPrevHash = "prev_hash" // its prev_hash is not the hash of the event before it
	BrokenHash     = "hash"      // its hash is not the hash of its contents: it was changed
	BrokenHead     = "head"      // the trail's head does not match it: it was put in or rehashed by hand
)

// BrokenLink names the first event where the audit chain does not hold.
type BrokenLink struct {
	Seq    int64  // the event's number
	ID     string // the event's id, "" when the event is missing
	Kind   string // BrokenMissing, BrokenPrevHash, BrokenHash or BrokenHead
	Reason string // what is wrong, in plain English
}

// VerifyAudit reads the whole audit trail in seq order and checks every
// link: seq follows the one before it with no gap (the first is 1), the
// event's prev_hash is the hash of the event before it, and its hash is
// kamp.AuditHash of what it holds now; then that the trail ends where its
// head says, so that events deleted from the end show too. It returns how
// many events passed and, when the chain is broken, the first event that
// failed; broken is nil when the chain is intact. The trail is streamed,
// never held in memory, and appends may go on meanwhile.
func (db *DB) VerifyAudit(ctx context.Context) (checked int, broken *BrokenLink, err error) {
	// The head is read first: every event up to it has committed, so a
	// shorter trail is one that lost events, whatever is appended meanwhile.
	headSeq, headHash, headOK, err := db.auditHead(ctx)
	if err != nil {
		return 0, nil, err
	}
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_events ORDER BY seq`)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the audit trail: %w", err)
	}
	defer rows.Close()
	var prevSeq int64
	prevHash := ""
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return checked, nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read audit event %d", prevSeq+1)
		}
		if b := checkLink(e, prevSeq, prevHash); b != nil {
			return checked, b, nil
		}
		checked++
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return checked, nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the audit trail after event %d", prevSeq)
	}
	rows.Close()
	if !headOK {
		return checked, &BrokenLink{Seq: prevSeq + 1, Kind: BrokenHead,
			Reason: fmt.Sprintf("the trail's head, which records its end, is missing after event %d: it was deleted by hand", prevSeq)}, nil
	}
	if headSeq > prevSeq {
		return checked, &BrokenLink{Seq: prevSeq + 1, Kind: BrokenMissing,
			Reason: fmt.Sprintf("the event is missing: the trail ends at event %d, but %d events were recorded", prevSeq, headSeq)}, nil
	}
	if headSeq < prevSeq {
		// Events appended while the trail was read, or put in by hand: the
		// head as it is now tells which.
		if headSeq, headHash, headOK, err = db.auditHead(ctx); err != nil {
			return checked, nil, err
		}
		if headOK && headSeq < prevSeq {
			return int(headSeq), &BrokenLink{Seq: headSeq + 1, Kind: BrokenHead,
				Reason: fmt.Sprintf("the event was not recorded by kamp: the trail's head ends at event %d", headSeq)}, nil
		}
	}
	if headOK && headSeq == prevSeq && headHash != prevHash {
		return checked - 1, &BrokenLink{Seq: prevSeq, Kind: BrokenHead,
			Reason: "its hash is not the one the trail's head recorded: the event was changed after it was recorded"}, nil
	}
	return checked, nil, nil
}

// auditHead returns the seq and hash of the last event appended; ok is
// false when the head's row is missing.
func (db *DB) auditHead(ctx context.Context) (seq int64, hash string, ok bool, err error) {
	err = db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE one = 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the audit trail's head")
	}
	return seq, hash, true, nil
}

// checkLink checks event e against the event before it, numbered prevSeq
// with hash prevHash (0 and "" before the first).
func checkLink(e kamp.AuditEvent, prevSeq int64, prevHash string) *BrokenLink {
	switch {
	case e.Seq != prevSeq+1 && prevSeq == 0:
		return &BrokenLink{Seq: 1, Kind: BrokenMissing,
			Reason: fmt.Sprintf("the event is missing: the trail starts at event %d", e.Seq)}
	case e.Seq != prevSeq+1:
		return &BrokenLink{Seq: prevSeq + 1, Kind: BrokenMissing,
			Reason: fmt.Sprintf("the event is missing: event %d is followed by event %d", prevSeq, e.Seq)}
	case e.PrevHash != prevHash && prevSeq == 0:
		return &BrokenLink{Seq: e.Seq, ID: e.ID, Kind: BrokenPrevHash, Reason: "the first event's previous hash is not empty"}
	case e.PrevHash != prevHash:
		return &BrokenLink{Seq: e.Seq, ID: e.ID, Kind: BrokenPrevHash,
			Reason: fmt.Sprintf("its previous hash does not match the hash of event %d", prevSeq)}
	case kamp.AuditHash(e) != e.Hash:
		return &BrokenLink{Seq: e.Seq, ID: e.ID, Kind: BrokenHash,
			Reason: "its hash does not match its contents: the event was changed after it was recorded"}
	}
	return nil
}

// ImportEvent returns the audit event of an import batch that finished
// (loaded, partial, rejected or failed): by whom, the batch, its files with
// their content hashes and row counts, how many bad rows it had, and for a
// failed import why.
func ImportEvent(b kamp.ImportBatch, errorCount int, reason string) kamp.AuditEvent {
	type file struct {
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		SHA256   string `json:"sha256"`
		Rows     int    `json:"rows"`
		Loaded   int    `json:"loaded"`
		Rejected int    `json:"rejected"`
		Skipped  bool   `json:"skipped"`
	}
	after := struct {
		Status     string `json:"status"`
		Files      []file `json:"files"`
		ErrorCount int    `json:"error_count"`
		Reason     string `json:"reason,omitempty"`
	}{Status: b.Status, Files: make([]file, 0, len(b.Files)), ErrorCount: errorCount, Reason: reason}
	for _, f := range b.Files {
		after.Files = append(after.Files, file{Name: f.Name, Kind: f.Kind, SHA256: f.SHA256, Rows: f.Rows,
			Loaded: f.Loaded, Rejected: f.Rejected, Skipped: f.Skipped})
	}
	return kamp.AuditEvent{
		At: b.FinishedAt, Actor: b.By, Action: "import." + b.Status,
		ObjectType: "import", ObjectID: b.ID, After: auditJSON(after),
	}
}

// auditJSON encodes v for an event's before or after. kamp's own values
// always encode; a failure would be a programming error, kept visible as an
// "error" field rather than lost.
func auditJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return string(b)
}
