package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kampbank/kamp"
)

// table describes an interchange table for bulk loading: its columns in
// order and the columns of its key, for the upsert.
type table struct {
	name string
	cols []string
	key  []string
}

var (
	tEntities = table{"entities", []string{"id", "name", "kind", "uscc", "lei", "country", "industry", "branch", "is_client"}, []string{"id"}}
	tHoldings = table{"holdings", []string{"holder_id", "entity_id", "share", "agreement", "as_of"}, []string{"holder_id", "entity_id"}}
	tMetrics  = table{"metrics", []string{"client_id", "period", "currency", "deposits_avg", "loans_avg", "revenue", "fee_income"},
		[]string{"client_id", "period", "currency"}}
	tMetricValues = table{"metric_values", []string{"client_id", "period", "currency", "indicator", "value"},
		[]string{"client_id", "period", "currency", "indicator"}}
	tExposures = table{"exposures", []string{"facility_id", "client_id", "product", "currency", "amount", "as_of"}, []string{"facility_id"}}
	tPayments  = table{"payments", []string{"txn_id", "date", "payer_id", "payer_name", "payee_id", "payee_name", "amount", "currency"},
		[]string{"txn_id"}}
	tFX = table{"fx_rates", []string{"date", "currency", "rate"}, []string{"currency", "date"}}
)

// upsertSQL returns INSERT … VALUES (…)×n ON CONFLICT (key) DO UPDATE SET …,
// which SQLite (3.24+) and PostgreSQL both accept.
func (t *table) upsertSQL(n int, from string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(t.name)
	b.WriteString(" (")
	b.WriteString(strings.Join(t.cols, ", "))
	b.WriteString(") ")
	if from != "" {
		b.WriteString("SELECT ")
		b.WriteString(strings.Join(t.cols, ", "))
		b.WriteString(" FROM ")
		b.WriteString(from)
	} else {
		b.WriteString("VALUES ")
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
	}
	b.WriteString(" ON CONFLICT (")
	b.WriteString(strings.Join(t.key, ", "))
	b.WriteString(") DO UPDATE SET ")
	first := true
	for _, c := range t.cols {
		if contains(t.key, c) {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(c)
		b.WriteString(" = excluded.")
		b.WriteString(c)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Load is one all-or-nothing bulk load: everything written through it lands
// with Commit, or nothing does. On SQLite it is one write transaction of
// prepared multi-row upserts; on PostgreSQL one transaction on a dedicated
// connection that COPYs chunks into temporary staging tables and upserts
// them from there.
type Load struct {
	db *DB
	// SQLite
	sconn *sql.Conn
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	// PostgreSQL
	conn   *pgx.Conn
	pgtx   pgx.Tx
	staged map[string]bool // staging tables created
	queued []*table        // tables with staged rows, in staging order
	// direct holds the tables that were empty when this load first wrote to
	// them: their first file is COPYed straight in, with no staging and no
	// upsert (the importer guarantees that keys are unique within a file).
	direct map[string]bool
	// merged holds the tables that this load has already written, so that a
	// second file of the same kind upserts over the first.
	merged map[string]bool
	// audit is the event Commit appends to the audit trail, or nil.
	audit *kamp.AuditEvent
}

// sqliteChunk is the number of rows per multi-row INSERT on SQLite; with at
// most 9 columns it stays far below SQLite's 32,766-parameter limit.
const sqliteChunk = 256

// BeginLoad starts a bulk load.
func (db *DB) BeginLoad(ctx context.Context) (*Load, error) {
	l := &Load{db: db}
	if db.engine == Postgres {
		conn, err := pgx.Connect(ctx, db.dsn)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot connect to PostgreSQL for the import")
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			conn.Close(ctx)
			return nil, db.mapErr(err)
		}
		l.conn, l.pgtx, l.staged = conn, tx, map[string]bool{}
		l.direct, l.merged = map[string]bool{}, map[string]bool{}
		return l, nil
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, db.mapErr(err)
	}
	// A large page cache keeps the B-trees of a big load in memory instead
	// of spilling dirty pages to the WAL, and statement journals (an upsert
	// of many rows keeps one) stay in memory instead of a temporary file.
	// Both are restored when the connection goes back to the pool.
	for _, pragma := range []string{`PRAGMA cache_size = -163840`, `PRAGMA temp_store = MEMORY`} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			conn.Close()
			return nil, db.mapErr(err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, db.mapErr(err)
	}
	l.sconn, l.tx, l.stmts = conn, tx, map[string]*sql.Stmt{}
	return l, nil
}

// put upserts rows into t.
func (l *Load) put(ctx context.Context, t *table, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if l.conn != nil {
		return l.putPG(ctx, t, rows)
	}
	args := make([]any, 0, sqliteChunk*len(t.cols))
	for start := 0; start < len(rows); start += sqliteChunk {
		end := min(start+sqliteChunk, len(rows))
		n := end - start
		key := fmt.Sprintf("%s/%d", t.name, n)
		st := l.stmts[key]
		if st == nil {
			var err error
			st, err = l.tx.PrepareContext(ctx, t.upsertSQL(n, ""))
			if err != nil {
				return l.db.mapErr(err)
			}
			l.stmts[key] = st
		}
		args = args[:0]
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("loading %s: %w", t.name, l.db.mapErr(err))
		}
	}
	return nil
}

func (l *Load) putPG(ctx context.Context, t *table, rows [][]any) error {
	if !l.merged[t.name] && !l.direct[t.name] {
		var any int
		err := l.pgtx.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+t.name+" LIMIT 1) AS x").Scan(&any)
		if err != nil {
			return fmt.Errorf("loading %s: %w", t.name, l.db.mapErr(err))
		}
		l.direct[t.name] = any == 0
		l.merged[t.name] = any > 0
	}
	if l.direct[t.name] {
		if _, err := l.pgtx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copying %s: %w", t.name, l.db.mapErr(err))
		}
		return nil
	}
	stage := "stage_" + t.name
	if !l.staged[t.name] {
		if _, err := l.pgtx.Exec(ctx, "CREATE TEMPORARY TABLE "+stage+" (LIKE "+t.name+") ON COMMIT DROP"); err != nil {
			return fmt.Errorf("staging %s: %w", t.name, l.db.mapErr(err))
		}
		l.staged[t.name] = true
	}
	if _, err := l.pgtx.CopyFrom(ctx, pgx.Identifier{stage}, t.cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copying %s: %w", t.name, l.db.mapErr(err))
	}
	if !slices.Contains(l.queued, t) {
		l.queued = append(l.queued, t)
	}
	return nil
}

// Flush makes everything written so far part of its tables. On PostgreSQL
// rows are COPYed into staging tables and merged (upserted) into their
// tables here, one statement per table, in the order they were staged; the
// importer flushes after each file, since a file's keys are unique within it
// but a later file may restate an earlier one's. On SQLite rows are written
// at once and Flush does nothing.
func (l *Load) Flush(ctx context.Context) error {
	for name := range l.direct {
		if l.direct[name] {
			l.direct[name], l.merged[name] = false, true
		}
	}
	for _, t := range l.queued {
		stage := "stage_" + t.name
		if _, err := l.pgtx.Exec(ctx, t.upsertSQL(0, stage)); err != nil {
			return fmt.Errorf("loading %s: %w", t.name, l.db.mapErr(err))
		}
		if _, err := l.pgtx.Exec(ctx, "TRUNCATE "+stage); err != nil {
			return fmt.Errorf("staging %s: %w", t.name, l.db.mapErr(err))
		}
	}
	l.queued = l.queued[:0]
	return nil
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullAmt(a kamp.NullAmount) any {
	if !a.Valid {
		return nil
	}
	return int64(a.Amount)
}

// Entities upserts entities by id.
func (l *Load) Entities(ctx context.Context, es []kamp.Entity) error {
	rows := make([][]any, len(es))
	for i, e := range es {
		rows[i] = []any{e.ID, e.Name, string(e.Kind), nullStr(e.USCC), nullStr(e.LEI), e.Country, nullStr(e.Industry), nullStr(e.Branch), e.IsClient}
	}
	return l.put(ctx, &tEntities, rows)
}

// Holdings upserts holdings by (holder, entity).
func (l *Load) Holdings(ctx context.Context, hs []kamp.Holding) error {
	rows := make([][]any, len(hs))
	for i, h := range hs {
		var share any
		if h.Share != 0 {
			share = int64(h.Share)
		}
		rows[i] = []any{h.HolderID, h.EntityID, share, h.Agreement, nullStr(h.AsOf)}
	}
	return l.put(ctx, &tHoldings, rows)
}

// Metrics upserts metrics by (client, period, currency), and their custom
// indicators by name.
func (l *Load) Metrics(ctx context.Context, ms []kamp.Metric) error {
	rows := make([][]any, len(ms))
	var custom [][]any
	for i, m := range ms {
		rows[i] = []any{m.ClientID, m.Period, m.Currency, nullAmt(m.DepositsAvg), nullAmt(m.LoansAvg), nullAmt(m.Revenue), nullAmt(m.FeeIncome)}
		for k, v := range m.Custom {
			custom = append(custom, []any{m.ClientID, m.Period, m.Currency, k, int64(v)})
		}
	}
	if err := l.put(ctx, &tMetrics, rows); err != nil {
		return err
	}
	return l.put(ctx, &tMetricValues, custom)
}

// Exposures upserts exposures by facility id.
func (l *Load) Exposures(ctx context.Context, xs []kamp.Exposure) error {
	rows := make([][]any, len(xs))
	for i, x := range xs {
		rows[i] = []any{x.FacilityID, x.ClientID, nullStr(x.Product), x.Currency, int64(x.Amount), nullStr(x.AsOf)}
	}
	return l.put(ctx, &tExposures, rows)
}

// Payments upserts payments by transaction id.
func (l *Load) Payments(ctx context.Context, ps []kamp.Payment) error {
	rows := make([][]any, len(ps))
	for i, p := range ps {
		rows[i] = []any{p.TxnID, p.Date, nullStr(p.PayerID), nullStr(p.PayerName), nullStr(p.PayeeID), nullStr(p.PayeeName), int64(p.Amount), p.Currency}
	}
	return l.put(ctx, &tPayments, rows)
}

// FXRates upserts exchange rates by (currency, date).
func (l *Load) FXRates(ctx context.Context, fs []kamp.FXRate) error {
	rows := make([][]any, len(fs))
	for i, f := range fs {
		rows[i] = []any{f.Date, f.Currency, int64(f.Rate)}
	}
	return l.put(ctx, &tFX, rows)
}

// exec runs a statement inside the load's transaction.
func (l *Load) exec(ctx context.Context, q string, args ...any) error {
	var err error
	if l.conn != nil {
		_, err = l.pgtx.Exec(ctx, l.db.rebind(q), args...)
	} else {
		_, err = l.tx.ExecContext(ctx, q, args...)
	}
	return l.db.mapErr(err)
}

// Commit records the finished batch (its files and bad rows) and the audit
// event given to Audit, and commits everything loaded, atomically.
func (l *Load) Commit(ctx context.Context, b kamp.ImportBatch, errs []kamp.RowError) error {
	if err := l.Flush(ctx); err != nil {
		l.Rollback(ctx)
		return err
	}
	if err := l.db.finishBatch(ctx, l.exec, b, errs); err != nil {
		l.Rollback(ctx)
		return err
	}
	if err := l.commitAudit(ctx); err != nil {
		l.Rollback(ctx)
		return err
	}
	var err error
	if l.conn != nil {
		err = l.pgtx.Commit(ctx)
		l.conn.Close(ctx)
	} else {
		for _, st := range l.stmts {
			st.Close()
		}
		err = l.tx.Commit()
		l.releaseSQLite()
	}
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot commit the import")
	}
	return nil
}

// Rollback abandons everything loaded. It is safe to call after Commit.
func (l *Load) Rollback(ctx context.Context) {
	if l.conn != nil {
		_ = l.pgtx.Rollback(ctx)
		if !l.conn.IsClosed() {
			l.conn.Close(ctx)
		}
		return
	}
	for _, st := range l.stmts {
		st.Close()
	}
	_ = l.tx.Rollback()
	l.releaseSQLite()
}

// releaseSQLite gives the load's connection back with the usual cache size.
func (l *Load) releaseSQLite() {
	if l.sconn == nil {
		return
	}
	_, _ = l.sconn.ExecContext(context.Background(), `PRAGMA cache_size = -65536`)
	_, _ = l.sconn.ExecContext(context.Background(), `PRAGMA temp_store = DEFAULT`)
	l.sconn.Close()
	l.sconn = nil
}
