package store

import (
	"context"
	"database/sql"

	"github.com/kampbank/kamp"
)

// StartImport records a batch as running, so that its progress can be shown
// while it loads.
func (db *DB) StartImport(ctx context.Context, b kamp.ImportBatch, quarantine bool) error {
	_, err := db.exec(ctx, `INSERT INTO import_batches (id, started_at, status, created_by, quarantine) VALUES (?, ?, ?, ?, ?)`,
		b.ID, b.StartedAt.UTC(), kamp.ImportRunning, b.By, quarantine)
	if kamp.ErrorCode(err) == kamp.ECONFLICT {
		return kamp.Errorf(kamp.ECONFLICT, "import %s exists already", b.ID)
	}
	return err
}

// FinishImport records the outcome of a batch that loaded nothing (rejected
// or failed), with its bad rows.
func (db *DB) FinishImport(ctx context.Context, b kamp.ImportBatch, errs []kamp.RowError) error {
	return db.Transact(ctx, func(tx *Tx) error {
		return db.finishBatch(ctx, func(ctx context.Context, q string, args ...any) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		}, b, errs)
	})
}

// finishBatch writes a batch's final status, files and bad rows through exec.
func (db *DB) finishBatch(ctx context.Context, exec func(context.Context, string, ...any) error, b kamp.ImportBatch, errs []kamp.RowError) error {
	if err := exec(ctx, `UPDATE import_batches SET finished_at = ?, status = ?, error_count = ? WHERE id = ?`,
		b.FinishedAt.UTC(), b.Status, len(errs), b.ID); err != nil {
		return err
	}
	if err := exec(ctx, `DELETE FROM import_files WHERE batch_id = ?`, b.ID); err != nil {
		return err
	}
	for i, f := range b.Files {
		if err := exec(ctx, `INSERT INTO import_files (batch_id, seq, name, kind, sha256, rows_read, rows_loaded, rows_rejected, skipped)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.ID, i, f.Name, f.Kind, f.SHA256, f.Rows, f.Loaded, f.Rejected, f.Skipped); err != nil {
			return err
		}
	}
	for i, e := range errs {
		if err := exec(ctx, `INSERT INTO import_errors (batch_id, seq, file, line, column_name, value, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			b.ID, i, e.File, e.Line, e.Column, e.Value, e.Reason); err != nil {
			return err
		}
	}
	return nil
}

// FailRunningImports marks batches left running by a process that stopped
// (killed, crashed) as failed: their transaction was never committed, so
// nothing of them loaded.
func (db *DB) FailRunningImports(ctx context.Context) error {
	_, err := db.exec(ctx, `UPDATE import_batches SET status = ?, finished_at = ?, message = ? WHERE status = ?`,
		kamp.ImportFailed, db.Now().UTC(), "interrupted: kamp stopped before the import finished; nothing of it was loaded", kamp.ImportRunning)
	return err
}

// LoadedFile reports whether a file of this kind with this content hash was
// loaded completely before, so that importing it again is a no-op.
func (db *DB) LoadedFile(ctx context.Context, kind, sha string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM import_files f JOIN import_batches b ON b.id = f.batch_id
		WHERE f.sha256 = ? AND f.kind = ? AND b.status = ? AND f.rows_rejected = 0`, sha, kind, kamp.ImportLoaded).Scan(&n)
	return n > 0, db.mapErr(err)
}

func (db *DB) scanBatch(sc interface{ Scan(...any) error }) (kamp.ImportBatch, error) {
	var b kamp.ImportBatch
	var fin sql.NullTime
	err := sc.Scan(&b.ID, &b.StartedAt, &fin, &b.Status, &b.By)
	if fin.Valid {
		b.FinishedAt = fin.Time
	}
	return b, err
}

func (db *DB) batchFiles(ctx context.Context, b *kamp.ImportBatch) error {
	rows, err := db.query(ctx, `SELECT name, kind, sha256, rows_read, rows_loaded, rows_rejected, skipped FROM import_files WHERE batch_id = ? ORDER BY seq`, b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	b.Files = nil
	for rows.Next() {
		var f kamp.ImportFile
		if err := rows.Scan(&f.Name, &f.Kind, &f.SHA256, &f.Rows, &f.Loaded, &f.Rejected, &f.Skipped); err != nil {
			return db.mapErr(err)
		}
		b.Files = append(b.Files, f)
	}
	return db.mapErr(rows.Err())
}

const batchCols = `id, started_at, finished_at, status, created_by`

// Imports lists import batches, newest first, with their files.
func (db *DB) Imports(ctx context.Context, limit, offset int) ([]kamp.ImportBatch, int, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM import_batches`).Scan(&total); err != nil {
		return nil, 0, db.mapErr(err)
	}
	rows, err := db.query(ctx, `SELECT `+batchCols+` FROM import_batches ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var out []kamp.ImportBatch
	for rows.Next() {
		b, err := db.scanBatch(rows)
		if err != nil {
			rows.Close()
			return nil, 0, db.mapErr(err)
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, db.mapErr(err)
	}
	for i := range out {
		if err := db.batchFiles(ctx, &out[i]); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// ImportBatch returns one batch with its files, or ENOTFOUND.
func (db *DB) ImportBatch(ctx context.Context, id string) (kamp.ImportBatch, error) {
	b, err := db.scanBatch(db.queryRow(ctx, `SELECT `+batchCols+` FROM import_batches WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return b, kamp.Errorf(kamp.ENOTFOUND, "no import %q", id)
	}
	if err != nil {
		return b, db.mapErr(err)
	}
	return b, db.batchFiles(ctx, &b)
}

// ImportErrors returns a page of a batch's bad rows in report order, and how
// many there are.
func (db *DB) ImportErrors(ctx context.Context, batchID string, limit, offset int) ([]kamp.RowError, int, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM import_errors WHERE batch_id = ?`, batchID).Scan(&total); err != nil {
		return nil, 0, db.mapErr(err)
	}
	rows, err := db.query(ctx, `SELECT file, line, column_name, value, reason FROM import_errors WHERE batch_id = ? ORDER BY seq LIMIT ? OFFSET ?`,
		batchID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []kamp.RowError
	for rows.Next() {
		var e kamp.RowError
		if err := rows.Scan(&e.File, &e.Line, &e.Column, &e.Value, &e.Reason); err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, e)
	}
	return out, total, db.mapErr(rows.Err())
}
