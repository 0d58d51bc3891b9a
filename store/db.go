// Package store keeps kamp's data in SQLite (embedded, the default) or
// PostgreSQL. It is the only package that speaks SQL: hand-written queries
// that run on both engines, with the few real differences (placeholders, bulk
// load) behind a small dialect. Every call takes a context; write
// transactions retry serialization failures; driver errors are translated to
// kamp's coded application errors at this boundary.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kampbank/kamp"
)

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DefaultSQLitePath is the database file used when no DSN is given.
const DefaultSQLitePath = "kamp.db"

//go:embed migrations
var migrationsFS embed.FS

// DB is kamp's database handle.
type DB struct {
	sql    *sql.DB
	engine string
	dsn    string
	log    *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time

	rebindMu    sync.Mutex
	rebindCache map[string]string

	search searchIndex
}

// IsPostgresDSN reports whether dsn names a PostgreSQL server rather than a
// SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn — a postgres:// URL, or else a SQLite
// file path ("" means kamp.db) — and brings its schema up to date.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := &DB{log: logger, Now: time.Now, rebindCache: map[string]string{}}
	var err error
	if IsPostgresDSN(dsn) {
		db.engine = Postgres
		db.dsn = dsn
		db.sql, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot open PostgreSQL")
		}
		db.sql.SetMaxOpenConns(16)
		db.sql.SetMaxIdleConns(4)
	} else {
		if dsn == "" {
			dsn = DefaultSQLitePath
		}
		db.engine = SQLite
		db.dsn = dsn
		db.sql, err = sql.Open("sqlite", sqliteURI(dsn))
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot open SQLite file %s", dsn)
		}
		// One writer at a time is SQLite's rule; WAL lets readers go on
		// meanwhile. A small pool keeps page reads parallel.
		db.sql.SetMaxOpenConns(8)
		db.sql.SetMaxIdleConns(8)
		db.sql.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot connect to the %s database", db.engine)
	}
	if err := db.Migrate(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// sqliteURI adds kamp's connection settings to a SQLite file path. Each pragma
// runs on every new connection:
//   - journal_mode(WAL): readers never block the writer and vice versa;
//   - synchronous(NORMAL): durable at every checkpoint and safe from
//     corruption in WAL mode, much faster than FULL for bulk imports;
//   - busy_timeout(10000): wait up to 10 s for another connection's write
//     lock instead of failing at once with SQLITE_BUSY;
//   - foreign_keys(1): SQLite leaves references unchecked unless asked;
//   - _txlock=immediate: a transaction takes the write lock at BEGIN, so two
//     writers never deadlock upgrading read locks.
func sqliteURI(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "cache_size(-65536)") // 64 MiB page cache per connection
	q.Add("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Engine returns SQLite or Postgres.
func (db *DB) Engine() string { return db.engine }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "database does not answer")
	}
	return nil
}

// NewID returns a random id that sorts by creation time: 12 hex digits of
// Unix milliseconds followed by 10 random hex digits.
func NewID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%012x%s", time.Now().UnixMilli(), hex.EncodeToString(b[:]))
}

// rebind turns ? placeholders into $1, $2, … for PostgreSQL. Queries are
// kamp's own constants, so a ? never appears inside a string literal.
func (db *DB) rebind(q string) string {
	if db.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	db.rebindMu.Lock()
	defer db.rebindMu.Unlock()
	if r, ok := db.rebindCache[q]; ok {
		return r
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	r := b.String()
	if len(db.rebindCache) < 4096 {
		db.rebindCache[q] = r
	}
	return r
}

// Tx is a transaction with kamp's placeholder rewriting.
type Tx struct {
	db *DB
	tx *sql.Tx
}

// Exec runs a statement in the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(ctx, t.db.rebind(q), args...)
	return r, t.db.mapErr(err)
}

// Query runs a query in the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r, err := t.tx.QueryContext(ctx, t.db.rebind(q), args...)
	return r, t.db.mapErr(err)
}

// QueryRow runs a query that returns at most one row.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.rebind(q), args...)
}

func (db *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r, err := db.sql.ExecContext(ctx, db.rebind(q), args...)
	return r, db.mapErr(err)
}

func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r, err := db.sql.QueryContext(ctx, db.rebind(q), args...)
	return r, db.mapErr(err)
}

func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.sql.QueryRowContext(ctx, db.rebind(q), args...)
}

// maxAttempts bounds Transact's retries of serialization failures.
const maxAttempts = 8

// Transact runs fn in a transaction and commits it, retrying the whole of fn
// when the database reports a serialization failure (SQLSTATE 40001, as
// PostgreSQL-compatible distributed engines do under contention) or SQLite's
// busy error. fn must not have effects outside the transaction that a retry
// would repeat.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = db.transactOnce(ctx, fn)
		if err == nil || !isRetryable(err) {
			return db.mapErr(err)
		}
		db.log.Debug("retrying transaction", "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return kamp.WrapError(kamp.EINTERNAL, ctx.Err(), "transaction cancelled")
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		}
	}
	return db.mapErr(err)
}

func (db *DB) transactOnce(ctx context.Context, fn func(*Tx) error) (err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(&Tx{db: db, tx: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// mapErr translates driver errors into kamp application errors; errors that
// already are application errors pass through.
func (db *DB) mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ke *kamp.Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return kamp.WrapError(kamp.ENOTFOUND, err, "not found")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return kamp.WrapError(kamp.EINTERNAL, err, "cancelled")
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return kamp.WrapError(kamp.ECONFLICT, err, "already exists")
		case "23503":
			return kamp.WrapError(kamp.EINVALID, err, "refers to a record that does not exist")
		case "23502", "23514", "22001", "22003", "22P02":
			return kamp.WrapError(kamp.EINVALID, err, "value not accepted")
		}
		return kamp.WrapError(kamp.EINTERNAL, err, "database error")
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return kamp.WrapError(kamp.ECONFLICT, err, "already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return kamp.WrapError(kamp.EINVALID, err, "refers to a record that does not exist")
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return kamp.WrapError(kamp.EINVALID, err, "value not accepted")
		}
		return kamp.WrapError(kamp.EINTERNAL, err, "database error")
	}
	return kamp.WrapError(kamp.EINTERNAL, err, "database error")
}

// Migrate applies the embedded migrations of the database's engine that are
// not yet recorded in schema_migrations, in order, each in its own
// transaction together with its record. It never relies on advisory locks: a
// concurrent migrator's duplicate record makes its transaction fail and roll
// back, and the migration is then seen as applied.
func (db *DB) Migrate(ctx context.Context) error {
	if _, err := db.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot create the migrations table")
	}
	dir := "migrations/" + db.engine
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot read migrations")
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return kamp.Errorf(kamp.EINTERNAL, "migration %s: name must start with a number and _", name)
		}
		body, err := migrationsFS.ReadFile(dir + "/" + name)
		if err != nil {
			return kamp.WrapError(kamp.EINTERNAL, err, "cannot read migration %s", name)
		}
		err = db.Transact(ctx, func(tx *Tx) error {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			db.log.Info("applying migration", "engine", db.engine, "migration", name)
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				version, name, db.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return kamp.WrapError(kamp.EINTERNAL, err, "migration %s failed", name)
		}
	}
	return nil
}

// scanner is a row that Scan reads: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// latestRuns reads limit rows (0: DefaultLimit; over MaxLimit: EINVALID) of
// a run history table, newest first, from the offset-th on, with scan;
// more says whether older rows follow. what names the runs in errors.
func latestRuns[T any](ctx context.Context, db *DB, what, cols, table string, offset, limit int, scan func(scanner) (T, error)) (runs []T, more bool, err error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit || offset < 0 {
		return nil, false, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d, and the offset not negative", MaxLimit)
	}
	// One more than asked for says whether more follow.
	rows, err := db.query(ctx, `SELECT `+cols+` FROM `+table+` ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`, limit+1, offset)
	if err != nil {
		return nil, false, kamp.WrapError(kamp.EINTERNAL, err, "cannot read %s", what)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, false, db.mapErr(err)
		}
		runs = append(runs, r)
	}
	if len(runs) > limit {
		runs, more = runs[:limit], true
	}
	return runs, more, db.mapErr(rows.Err())
}

// Statuses of the runs of the engines (group, screening and chain runs).
const (
	runRunning = "running"
	runFailed  = "failed"
)

// failRun records that run id of a run history table stopped at at with
// an error message; what names the run in errors.
func (db *DB) failRun(ctx context.Context, table, what, id string, at time.Time, message string) error {
	_, err := db.exec(ctx, `UPDATE `+table+` SET status = ?, finished_at = ?, message = ? WHERE id = ?`, runFailed, at.UTC(), message, id)
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot record the failure of %s %s", what, id)
	}
	return nil
}

// failRunningRuns marks the runs of a run history table left running by a
// process that stopped as failed.
func (db *DB) failRunningRuns(ctx context.Context, table, what string) error {
	_, err := db.exec(ctx, `UPDATE `+table+` SET status = ?, finished_at = ?, message = ? WHERE status = ?`,
		runFailed, db.Now().UTC(), "interrupted: kamp stopped during the run", runRunning)
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot close interrupted %s", what)
	}
	return nil
}
