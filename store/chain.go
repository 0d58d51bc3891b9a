package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/chain"
)

// Supply-chain (chain) marketing in the app (engines.md §3): runs of the
// chain engine over the stored payments (chain_runs), the latest run's
// edges and prospects (chain_edges, chain_prospects; a new run replaces
// them), and the work on prospects (prospect_work): an analyst assigns a
// prospect to a branch RM as a lead, or dismisses it with a reason. The
// work is keyed by the prospect key, not by run, so it survives new runs;
// every action is a row, the latest being the state.
//
// Need-to-know: a prospect is seen by bank-wide roles, by whoever sees one
// of the strategic units it is linked to (the unit rule, unitCond, on its
// edges' units: the unit's team and the people whose org subtree holds the
// unit), and by the branch RM it is assigned to. A unit's chain is seen by
// those who see the unit. Out of scope is answered as missing.

// Statuses of a chain run.
const (
	ChainRunning = runRunning
	ChainDone    = "done"
	ChainFailed  = runFailed
)

// Work statuses of a prospect.
const (
	ProspectOpen      = "open"
	ProspectAssigned  = "assigned"
	ProspectDismissed = "dismissed"
)

// ProspectStatuses are the values ProspectFilter.Status accepts.
var ProspectStatuses = []string{ProspectOpen, ProspectAssigned, ProspectDismissed}

// ProspectSorts are the orders ProspectFilter.Sort accepts: by rank (amount
// descending, the default), by the number of units linked, by payments,
// by name.
var ProspectSorts = []string{"rank", "-units", "-payments", "name"}

// ProspectDirections are the values ProspectFilter.Direction accepts.
var ProspectDirections = []string{"upstream", "downstream", "both"}

// Audit actions of chain marketing (free-form actions of the audit trail).
const (
	AuditChainRun          = kamp.AuditChainRun
	AuditProspectAssigned  = kamp.AuditProspectAssigned
	AuditProspectDismissed = kamp.AuditProspectDismissed
	auditObjectChainRun    = "chain_run"
	auditObjectProspect    = "prospect"
)

// maxNote is the longest reason or note kept with a prospect action, in
// bytes.
const maxNote = 2000

// nameKeyPrefix starts the key of a prospect known only by name: ids never
// hold a colon, so the two kinds of keys never meet.
const nameKeyPrefix = "n:"

// ProspectKey returns the key of a counterparty: its entity id when known,
// else "n:" and the match key of its name.
func ProspectKey(counterparty string, known bool) string {
	if known {
		return counterparty
	}
	return nameKeyPrefix + counterparty
}

// ParseProspectKey returns the counterparty of a prospect key and whether
// it is an entity id.
func ParseProspectKey(key string) (counterparty string, known bool) {
	if rest, ok := strings.CutPrefix(key, nameKeyPrefix); ok {
		return rest, false
	}
	return key, true
}

// ChainRun is one run of the chain engine over the stored payments (批次).
type ChainRun struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string    // ChainRunning, ChainDone or ChainFailed
	// From and To are the payment dates counted, YYYY-MM-DD; "" is open.
	From, To string
	// Fingerprint identifies the data read: DataVersion and the source of
	// the strategic units.
	Fingerprint string
	MadeBy      string
	// Payments is the number of stored payments read; Units the strategic
	// units; Edges and Prospects the results.
	Payments                int64
	Units, Edges, Prospects int
	Message                 string
}

// ChainInput is what the chain engine needs from the store besides the
// strategic units and the payments: the entities in id order (byte order)
// with their names, client flags and group roots (the latest group run's;
// an entity in no stored group is its own root), and the exchange rates.
type ChainInput struct {
	IDs      []string
	Names    []string
	IsClient []bool
	Root     []int32
	FX       []kamp.FXRate
}

// Index returns the index of entity id, or -1.
func (in *ChainInput) Index(id string) int32 {
	if i, ok := slices.BinarySearch(in.IDs, id); ok {
		return int32(i)
	}
	return -1
}

// ChainData reads the chain engine's input (but the units and payments).
func (db *DB) ChainData(ctx context.Context) (*ChainInput, error) {
	in := &ChainInput{}
	rows, err := db.query(ctx, `SELECT e.id, e.name, e.is_client, COALESCE(g.group_id, '') FROM entities e
		LEFT JOIN entity_groups g ON g.entity_id = e.id ORDER BY e.id`)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read entities for chain discovery")
	}
	var groups []string
	for rows.Next() {
		var id, name, group string
		var client bool
		if err := rows.Scan(&id, &name, &client, &group); err != nil {
			rows.Close()
			return nil, db.mapErr(err)
		}
		in.IDs = append(in.IDs, id)
		in.Names = append(in.Names, name)
		in.IsClient = append(in.IsClient, client)
		groups = append(groups, group)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	if !slices.IsSorted(in.IDs) {
		return nil, kamp.Errorf(kamp.EINTERNAL, "entities do not come back in byte order of their ids")
	}
	in.Root = make([]int32, len(in.IDs))
	for i, g := range groups {
		in.Root[i] = int32(i)
		if g == "" || g == in.IDs[i] {
			continue
		}
		r := in.Index(g)
		if r < 0 {
			return nil, kamp.Errorf(kamp.EINVALID, "entity %s is in group %s, which is not an entity: recompute the groups", in.IDs[i], g)
		}
		in.Root[i] = r
	}
	// A root must be its own root: a stored group root always is.
	for i, r := range in.Root {
		if in.Root[r] != r {
			return nil, kamp.Errorf(kamp.EINVALID, "entity %s is in group %s, which is itself in another group: recompute the groups", in.IDs[i], in.IDs[r])
		}
	}
	if in.FX, err = db.FXRates(ctx); err != nil {
		return nil, kamp.WrapError(kamp.ErrorCode(err), err, "cannot read exchange rates")
	}
	return in, nil
}

// StartChainRun records run as running.
func (db *DB) StartChainRun(ctx context.Context, run ChainRun) error {
	_, err := db.exec(ctx, `INSERT INTO chain_runs (id, started_at, status, from_date, to_date, fingerprint, made_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.StartedAt.UTC(), ChainRunning, run.From, run.To, run.Fingerprint, run.MadeBy)
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(db.mapErr(err)), err, "cannot record chain run %s", run.ID)
	}
	return nil
}

// FailChainRun records that a run stopped with an error message.
func (db *DB) FailChainRun(ctx context.Context, id string, at time.Time, message string) error {
	return db.failRun(ctx, "chain_runs", "chain run", id, at, message)
}

// FailRunningChainRuns marks runs left running by a process that stopped
// as failed.
func (db *DB) FailRunningChainRuns(ctx context.Context) error {
	return db.failRunningRuns(ctx, "chain_runs", "chain runs")
}

// SaveChainRun stores the result res of a run started with StartChainRun
// in place of the previous run's edges and prospects, and marks the run
// done (its counts and finish time from run), with an audit event, in one
// transaction. On PostgreSQL the rows are COPYed in.
func (db *DB) SaveChainRun(ctx context.Context, run ChainRun, res *chain.Result) error {
	var err error
	if db.engine == Postgres {
		err = db.saveChainPG(ctx, run, res)
	} else {
		err = db.Transact(ctx, func(tx *Tx) error { return db.saveChain(ctx, sqlSaver{tx}, run, res) })
	}
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot save chain run %s", run.ID)
	}
	if db.engine == Postgres {
		// The tables were just refilled: give the planner their new sizes
		// now rather than at autovacuum's next pass. Statistics only, so a
		// failure is logged, not returned.
		for _, t := range []string{"chain_edges", "chain_units", "chain_links", "chain_prospects"} {
			if _, err := db.exec(ctx, `ANALYZE `+t); err != nil {
				db.log.Warn("cannot analyze a chain table", "table", t, "err", err)
			}
		}
	}
	return nil
}

// chainSaver is the transaction a run is saved in.
type chainSaver interface {
	// exec runs a statement and returns the rows it affected.
	exec(ctx context.Context, q string, args ...any) (int64, error)
	// insert writes n rows of cols into table; row appends row i's values.
	insert(ctx context.Context, table string, cols []string, n int, row func(i int, args []any) []any) error
	// audit appends e to the audit trail with the change.
	audit(ctx context.Context, e kamp.AuditEvent) error
}

// sqlSaver saves through a database/sql transaction with multi-row
// INSERTs.
type sqlSaver struct{ tx *Tx }

func (s sqlSaver) exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := s.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

func (s sqlSaver) insert(ctx context.Context, table string, cols []string, n int, row func(i int, args []any) []any) error {
	return insertChunks(ctx, s.tx, table+" ("+strings.Join(cols, ", ")+")", len(cols), n, row)
}

func (s sqlSaver) audit(ctx context.Context, e kamp.AuditEvent) error {
	_, err := s.tx.db.AuditTx(ctx, s.tx, e)
	return err
}

// pgSaver saves through a pgx transaction of its own connection, COPYing
// the rows in; the audit event goes in as a bulk load's does.
type pgSaver struct{ l *Load }

func (s pgSaver) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := s.l.pgtx.Exec(ctx, s.l.db.rebind(q), args...)
	if err != nil {
		return 0, s.l.db.mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (s pgSaver) insert(ctx context.Context, table string, cols []string, n int, row func(i int, args []any) []any) error {
	var buf []any
	_, err := s.l.pgtx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
		buf = row(i, buf[:0])
		return buf, nil
	}))
	if err != nil {
		return fmt.Errorf("copying %s: %w", table, s.l.db.mapErr(err))
	}
	return nil
}

func (s pgSaver) audit(ctx context.Context, e kamp.AuditEvent) error {
	if err := s.l.Audit(ctx, e); err != nil {
		return err
	}
	return s.l.commitAudit(ctx)
}

// saveChainPG saves a run on PostgreSQL in a transaction of a connection
// of its own, where COPY is at hand.
func (db *DB) saveChainPG(ctx context.Context, run ChainRun, res *chain.Result) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot connect to PostgreSQL to save the chain run")
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return db.mapErr(err)
	}
	// Rolling back after the commit does nothing.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := db.saveChain(ctx, pgSaver{&Load{db: db, conn: conn, pgtx: tx}}, run, res); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return db.mapErr(err)
	}
	return nil
}

// saveChain writes a run's results through w.
func (db *DB) saveChain(ctx context.Context, w chainSaver, run ChainRun, res *chain.Result) error {
	for _, t := range []string{"chain_edges", "chain_units", "chain_links", "chain_prospects"} {
		if _, err := w.exec(ctx, `DELETE FROM `+t); err != nil {
			return err
		}
	}
	err := w.insert(ctx, "chain_edges", []string{"run_id", "unit_id", "direction", "counterparty", "is_entity", "amount", "payments", "first_date", "last_date"},
		len(res.Edges), func(i int, args []any) []any {
			e := &res.Edges[i]
			return append(args, run.ID, e.Unit, e.Direction.String(), e.Counterparty, e.Known, int64(e.Amount), e.Payments, e.First, e.Last)
		})
	if err != nil {
		return err
	}
	var units []string
	seen := map[string]bool{}
	for i := range res.Edges {
		if u := res.Edges[i].Unit; !seen[u] {
			seen[u] = true
			units = append(units, u)
		}
	}
	err = w.insert(ctx, "chain_units", []string{"run_id", "unit_id"}, len(units), func(i int, args []any) []any {
		return append(args, run.ID, units[i])
	})
	if err != nil {
		return err
	}
	type link struct{ p, u int }
	var links []link
	for i := range res.Prospects {
		for j := range res.Prospects[i].Units {
			links = append(links, link{i, j})
		}
	}
	err = w.insert(ctx, "chain_links", []string{"run_id", "unit_id", "counterparty", "is_entity"}, len(links), func(i int, args []any) []any {
		p := &res.Prospects[links[i].p]
		return append(args, run.ID, p.Units[links[i].u], p.Counterparty, p.Known)
	})
	if err != nil {
		return err
	}
	err = w.insert(ctx, "chain_prospects", []string{"run_id", "prospect_key", "rank", "counterparty", "is_entity", "name", "amount", "payments", "units", "direction"},
		len(res.Prospects), func(i int, args []any) []any {
			p := &res.Prospects[i]
			return append(args, run.ID, ProspectKey(p.Counterparty, p.Known), int64(p.Rank), p.Counterparty, p.Known, p.Counterparty,
				int64(p.Amount), p.Payments, int64(len(p.Units)), p.Direction.String())
		})
	if err != nil {
		return err
	}
	// Known prospects take their name, industry and branch from the
	// entities.
	if _, err := w.exec(ctx, `UPDATE chain_prospects SET
		name = COALESCE((SELECT e.name FROM entities e WHERE e.id = chain_prospects.counterparty), name),
		industry = COALESCE((SELECT e.industry FROM entities e WHERE e.id = chain_prospects.counterparty), ''),
		branch = COALESCE((SELECT e.branch FROM entities e WHERE e.id = chain_prospects.counterparty), '')
		WHERE run_id = ? AND is_entity = ?`, run.ID, true); err != nil {
		return err
	}
	n, err := w.exec(ctx, `UPDATE chain_runs SET status = ?, finished_at = ?, fingerprint = ?, payments = ?, units = ?, edges = ?, prospects = ?, message = ?
		WHERE id = ? AND status = ?`, ChainDone, run.FinishedAt.UTC(), run.Fingerprint, run.Payments, run.Units, len(res.Edges), len(res.Prospects), run.Message,
		run.ID, ChainRunning)
	if err != nil {
		return err
	}
	if n != 1 {
		return kamp.Errorf(kamp.ECONFLICT, "chain run %s is not running", run.ID)
	}
	return w.audit(ctx, kamp.AuditEvent{Action: AuditChainRun, ObjectType: auditObjectChainRun, ObjectID: run.ID,
		After: auditJSON(map[string]any{"from": run.From, "to": run.To, "fingerprint": run.Fingerprint, "payments": run.Payments,
			"units": run.Units, "edges": len(res.Edges), "prospects": len(res.Prospects)})})
}

const chainRunCols = `id, started_at, finished_at, status, from_date, to_date, fingerprint, made_by, payments, units, edges, prospects, message`

func scanChainRun(sc interface{ Scan(...any) error }) (ChainRun, error) {
	var r ChainRun
	var fin sql.NullTime
	err := sc.Scan(&r.ID, &r.StartedAt, &fin, &r.Status, &r.From, &r.To, &r.Fingerprint, &r.MadeBy, &r.Payments, &r.Units, &r.Edges, &r.Prospects, &r.Message)
	if fin.Valid {
		r.FinishedAt = fin.Time
	}
	return r, err
}

// ChainRuns returns limit runs (0: DefaultLimit), newest first, from the
// offset-th on; more says whether older runs follow.
func (db *DB) ChainRuns(ctx context.Context, offset, limit int) (runs []ChainRun, more bool, err error) {
	return latestRuns(ctx, db, "chain runs", chainRunCols, "chain_runs", offset, limit, scanChainRun)
}

// ChainRun returns one run, or ENOTFOUND.
func (db *DB) ChainRun(ctx context.Context, id string) (ChainRun, error) {
	r, err := scanChainRun(db.queryRow(ctx, `SELECT `+chainRunCols+` FROM chain_runs WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return r, kamp.Errorf(kamp.ENOTFOUND, "no chain run %q", id)
	}
	if err != nil {
		return r, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read chain run %s", id)
	}
	return r, nil
}

// LatestChainRun returns the latest successful run, whose edges and
// prospects are stored, or ENOTFOUND.
func (db *DB) LatestChainRun(ctx context.Context) (ChainRun, error) {
	r, err := scanChainRun(db.queryRow(ctx, `SELECT `+chainRunCols+` FROM chain_runs WHERE status = ? ORDER BY finished_at DESC, id DESC LIMIT 1`, ChainDone))
	if err == sql.ErrNoRows {
		return r, kamp.Errorf(kamp.ENOTFOUND, "no chain run yet")
	}
	if err != nil {
		return r, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the latest chain run")
	}
	return r, nil
}

// ChainEdge is what a strategic unit exchanged with one counterparty in one
// direction, as the latest run found it.
type ChainEdge struct {
	UnitID       string
	Direction    string // "upstream" (the unit pays it) or "downstream" (it pays the unit)
	Counterparty string // an entity id when Known, else the match key of the name
	Known        bool
	Amount       kamp.Amount // CNY
	Payments     int64
	First, Last  string // YYYY-MM-DD

	// Name is the counterparty's name (the match key when unmatched);
	// IsClient reports a known client. UnitName is the unit's name,
	// UnitIsGroup whether it is a stored group (else a client of its own).
	Name        string
	IsClient    bool
	UnitName    string
	UnitIsGroup bool
}

// Prospect returns the key of the edge's counterparty when it is a
// prospect (not a client), else "".
func (e ChainEdge) Prospect() string {
	if e.IsClient {
		return ""
	}
	return ProspectKey(e.Counterparty, e.Known)
}

// UnitChain is a strategic unit's supply chain in the latest run: its
// largest counterparties each way and the totals.
type UnitChain struct {
	RunID      string // "" when there is no run yet
	Upstream   []ChainEdge
	Downstream []ChainEdge
	// Counts and amounts over every counterparty, not only those listed.
	UpCount, DownCount   int
	UpAmount, DownAmount kamp.Amount
}

// edgeCols are the columns of a ChainEdge read from chain_edges ce joined
// to entities ce (the counterparty) and u (the unit).
const edgeCols = `ce.unit_id, ce.direction, ce.counterparty, ce.is_entity, ce.amount, ce.payments, ce.first_date, ce.last_date,
	COALESCE(e.name, ce.counterparty), COALESCE(e.is_client, FALSE), COALESCE(u.name, ce.unit_id), gs.group_id IS NOT NULL`

const edgeFrom = ` FROM chain_edges ce LEFT JOIN entities e ON ce.is_entity = TRUE AND e.id = ce.counterparty LEFT JOIN entities u ON u.id = ce.unit_id
	LEFT JOIN group_summaries gs ON gs.group_id = ce.unit_id`

func (db *DB) chainEdges(ctx context.Context, q string, args ...any) ([]ChainEdge, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read chain edges")
	}
	defer rows.Close()
	var out []ChainEdge
	for rows.Next() {
		var e ChainEdge
		var amount int64
		if err := rows.Scan(&e.UnitID, &e.Direction, &e.Counterparty, &e.Known, &amount, &e.Payments, &e.First, &e.Last,
			&e.Name, &e.IsClient, &e.UnitName, &e.UnitIsGroup); err != nil {
			return nil, db.mapErr(err)
		}
		e.Amount = kamp.Amount(amount)
		out = append(out, e)
	}
	return out, db.mapErr(rows.Err())
}

// UnitChain returns unit unitID's chain in the latest run: its limit
// largest counterparties each way (by amount) and the totals; ENOTFOUND
// when v may not see the unit. Without a run, RunID is "".
func (db *DB) UnitChain(ctx context.Context, v Viewer, unitID string, limit int) (UnitChain, error) {
	var uc UnitChain
	if _, _, err := db.UnitName(ctx, v, unitID); err != nil {
		return uc, err
	}
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	run, err := db.LatestChainRun(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return uc, nil
	}
	if err != nil {
		return uc, err
	}
	uc.RunID = run.ID
	for _, d := range []struct {
		dir    string
		edges  *[]ChainEdge
		count  *int
		amount *kamp.Amount
	}{{"upstream", &uc.Upstream, &uc.UpCount, &uc.UpAmount}, {"downstream", &uc.Downstream, &uc.DownCount, &uc.DownAmount}} {
		var sum int64
		if err := db.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM chain_edges WHERE run_id = ? AND unit_id = ? AND direction = ?`,
			run.ID, unitID, d.dir).Scan(d.count, &sum); err != nil {
			return uc, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot sum the chain of %s", unitID)
		}
		*d.amount = kamp.Amount(sum)
		if *d.edges, err = db.chainEdges(ctx, `SELECT `+edgeCols+edgeFrom+` WHERE ce.run_id = ? AND ce.unit_id = ? AND ce.direction = ?
			ORDER BY ce.amount DESC, ce.counterparty, ce.is_entity DESC LIMIT ?`, run.ID, unitID, d.dir, limit); err != nil {
			return uc, err
		}
	}
	return uc, nil
}

// Prospect is a non-client counterparty of the strategic units in the
// latest run, with its work state.
type Prospect struct {
	Key          string
	Rank         int
	Counterparty string // an entity id when Known, else the match key
	Known        bool
	Name         string // the entity's name, or the match key
	Amount       kamp.Amount
	Payments     int64
	// Units is the number of strategic units it is linked to; Direction
	// "upstream", "downstream" or "both", as seen from the units.
	Units     int
	Direction string
	// Industry and Branch are the entity's, "" when unknown.
	Industry, Branch string

	// The work state: Status (ProspectOpen when never worked), the
	// assignee, the reason or note, who acted and when.
	Status        string
	AssigneeID    string
	AssigneeLogin string
	AssigneeName  string
	Note          string
	WorkedBy      string
	WorkedAt      time.Time

	// LinkedUnits are the units it is linked to that the viewer sees, in
	// id order (filled by Prospects and ProspectDetail).
	LinkedUnits []UnitLink
}

// UnitLink is a strategic unit a prospect is linked to.
type UnitLink struct {
	ID      string
	Name    string
	IsGroup bool
}

// ProspectWork is one action on a prospect: its history.
type ProspectWork struct {
	Seq           int
	Status        string
	AssigneeID    string
	AssigneeLogin string
	AssigneeName  string
	Note          string
	By            string
	At            time.Time
}

// ProspectFilter selects prospects for Prospects. Zero fields do not
// filter.
type ProspectFilter struct {
	Industry string
	// Branch is an org unit code: prospects whose branch lies in its
	// subtree.
	Branch    string
	MinAmount kamp.Amount
	MinUnits  int
	Status    string // one of ProspectStatuses
	Direction string // one of ProspectDirections
	// AssigneeID keeps the prospects assigned to that person.
	AssigneeID string
	Sort       string // one of ProspectSorts; "" is rank
	Offset     int
	Limit      int
	// LinkedUnits is how many of its linked units (those the viewer sees,
	// in id order) each prospect lists: 0 means DefaultLinkedUnits, a
	// negative number all of them. UnitIDsOnly leaves their names out.
	LinkedUnits int
	UnitIDsOnly bool
}

// DefaultLinkedUnits is how many linked units a prospect of a list shows
// unless told otherwise: a name paid by hundreds of units lists the first.
const DefaultLinkedUnits = 5

// prospectCols are the columns of a Prospect from chain_prospects p, its
// latest work row w and the assignee u.
const prospectCols = `p.prospect_key, p.rank, p.counterparty, p.is_entity, p.name, p.amount, p.payments, p.units, p.direction, p.industry, p.branch,
	COALESCE(w.status, 'open'), COALESCE(w.assignee_id, ''), COALESCE(u.login, ''), COALESCE(u.name, ''), COALESCE(w.note, ''), COALESCE(w.made_by, ''), w.made_at`

const prospectFrom = ` FROM chain_prospects p` + workJoin + `
	LEFT JOIN users u ON u.id = w.assignee_id AND w.status = 'assigned'`

// workJoin joins each prospect p to its latest work row w.
const workJoin = `
	LEFT JOIN prospect_work w ON w.prospect_key = p.prospect_key AND w.seq = (SELECT MAX(x.seq) FROM prospect_work x WHERE x.prospect_key = p.prospect_key)`

// latestWork selects the keys of the prospects whose latest work row x
// meets a condition, appended; it reads the work rows only, never one
// subquery per prospect.
const latestWork = `SELECT x.prospect_key FROM prospect_work x WHERE x.seq = (SELECT MAX(y.seq) FROM prospect_work y WHERE y.prospect_key = x.prospect_key) AND `

// assignedTo is the condition that a prospect p is assigned to a person
// (one argument: the user id).
const assignedTo = `p.prospect_key IN (` + latestWork + `x.status = 'assigned' AND x.assignee_id = ?)`

func scanProspect(sc interface{ Scan(...any) error }) (Prospect, error) {
	var p Prospect
	var amount int64
	var at sql.NullTime
	err := sc.Scan(&p.Key, &p.Rank, &p.Counterparty, &p.Known, &p.Name, &amount, &p.Payments, &p.Units, &p.Direction, &p.Industry, &p.Branch,
		&p.Status, &p.AssigneeID, &p.AssigneeLogin, &p.AssigneeName, &p.Note, &p.WorkedBy, &at)
	p.Amount = kamp.Amount(amount)
	if at.Valid {
		p.WorkedAt = at.Time
	}
	if p.Status != ProspectAssigned {
		p.AssigneeID = ""
	}
	return p, err
}

// prospectScope is the need-to-know rule on the prospects p of run runID
// as an SQL condition; "" when v sees them all. The edges of the units v
// sees are gathered once (not per prospect).
func (v Viewer) prospectScope(runID string) (string, []any) {
	if v.all {
		return "", nil
	}
	c, args := v.unitCond("cu.unit_id")
	return `((p.counterparty, p.is_entity) IN (SELECT cl.counterparty, cl.is_entity FROM chain_links cl WHERE cl.run_id = ?
			AND cl.unit_id IN (SELECT cu.unit_id FROM chain_units cu WHERE cu.run_id = ? AND ` + c + `))
		OR ` + assignedTo + `)`, append(append([]any{runID, runID}, args...), v.userID)
}

// prospectWhere returns the conditions of f (and of v's scope) on the
// prospects p of run runID; they need no join.
func (db *DB) prospectWhere(ctx context.Context, v Viewer, runID string, f ProspectFilter) (where string, args []any, err error) {
	conds := []string{"p.run_id = ?"}
	args = []any{runID}
	if f.Industry != "" {
		conds, args = append(conds, "p.industry = ?"), append(args, f.Industry)
	}
	if f.Branch != "" {
		units, err := db.OrgUnits(ctx)
		if err != nil {
			return "", nil, err
		}
		codes := kamp.Subtree(units, f.Branch)
		if len(codes) == 0 {
			return "", nil, kamp.Errorf(kamp.EINVALID, "no org unit %q", f.Branch)
		}
		conds = append(conds, in("p.branch", len(codes)))
		for _, c := range codes {
			args = append(args, c)
		}
	}
	if f.MinAmount > 0 {
		conds, args = append(conds, "p.amount >= ?"), append(args, int64(f.MinAmount))
	}
	if f.MinUnits > 0 {
		conds, args = append(conds, "p.units >= ?"), append(args, f.MinUnits)
	}
	if f.Status != "" {
		if !slices.Contains(ProspectStatuses, f.Status) {
			return "", nil, kamp.Errorf(kamp.EINVALID, "unknown status %q: use open, assigned or dismissed", f.Status)
		}
		if f.Status == ProspectOpen {
			conds = append(conds, `p.prospect_key NOT IN (`+latestWork+`x.status <> 'open')`)
		} else {
			conds, args = append(conds, `p.prospect_key IN (`+latestWork+`x.status = ?)`), append(args, f.Status)
		}
	}
	if f.Direction != "" {
		if !slices.Contains(ProspectDirections, f.Direction) {
			return "", nil, kamp.Errorf(kamp.EINVALID, "unknown direction %q: use upstream, downstream or both", f.Direction)
		}
		conds, args = append(conds, "p.direction = ?"), append(args, f.Direction)
	}
	if f.AssigneeID != "" {
		conds, args = append(conds, assignedTo), append(args, f.AssigneeID)
	}
	if c, cargs := v.prospectScope(runID); c != "" {
		conds, args = append(conds, c), append(args, cargs...)
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// Prospects returns one page of the latest run's prospects that match f
// and that v may see, with the units each is linked to that v sees, and
// how many match in all. Without a run it returns nothing.
func (db *DB) Prospects(ctx context.Context, v Viewer, f ProspectFilter) ([]Prospect, int, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit > MaxLimit || f.Offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d and offset not negative", MaxLimit)
	}
	var order string
	switch f.Sort {
	case "", "rank":
		order = "p.rank"
	case "-units":
		order = "p.units DESC, p.rank"
	case "-payments":
		order = "p.payments DESC, p.rank"
	case "name":
		order = "p.name, p.rank"
	default:
		return nil, 0, kamp.Errorf(kamp.EINVALID, "unknown sort %q: use %s", f.Sort, strings.Join(ProspectSorts, ", "))
	}
	run, err := db.LatestChainRun(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	where, args, err := db.prospectWhere(ctx, v, run.ID, f)
	if err != nil {
		return nil, 0, err
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM chain_prospects p`+where, args...).Scan(&total); err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot count prospects")
	}
	out, err := db.prospects(ctx, `SELECT `+prospectCols+prospectFrom+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	if f.LinkedUnits == 0 {
		f.LinkedUnits = DefaultLinkedUnits
	}
	if err := db.linkUnits(ctx, v, run.ID, out, f.LinkedUnits, !f.UnitIDsOnly); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

func (db *DB) prospects(ctx context.Context, q string, args ...any) ([]Prospect, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read prospects")
	}
	defer rows.Close()
	var out []Prospect
	for rows.Next() {
		p, err := scanProspect(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, p)
	}
	return out, db.mapErr(rows.Err())
}

// linkUnits fills the LinkedUnits of ps: the units they are linked to in
// run runID that v sees, in id order, at most limit each (all when limit
// is negative), with their names when names is set.
func (db *DB) linkUnits(ctx context.Context, v Viewer, runID string, ps []Prospect, limit int, names bool) error {
	if len(ps) == 0 {
		return nil
	}
	byKey := make(map[string]*Prospect, len(ps))
	args := []any{runID}
	for i := range ps {
		byKey[ps[i].Key] = &ps[i]
		args = append(args, ps[i].Counterparty)
	}
	q := `SELECT cl.counterparty, cl.is_entity, cl.unit_id FROM chain_links cl WHERE cl.run_id = ? AND ` + in("cl.counterparty", len(ps))
	if c, cargs := v.unitCond("cl.unit_id"); c != "" {
		q, args = q+" AND "+c, append(args, cargs...)
	}
	// Not ordered in SQL: the index by counterparty answers it.
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot read the units of prospects")
	}
	type link struct{ key, unit string }
	var links []link
	for rows.Next() {
		var cp, unit string
		var known bool
		if err := rows.Scan(&cp, &known, &unit); err != nil {
			rows.Close()
			return db.mapErr(err)
		}
		if key := ProspectKey(cp, known); byKey[key] != nil {
			links = append(links, link{key, unit})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.mapErr(err)
	}
	slices.SortFunc(links, func(a, b link) int { return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.unit, b.unit)) })
	var ids []string
	for _, l := range links {
		p := byKey[l.key]
		if n := len(p.LinkedUnits); limit >= 0 && n >= limit || n > 0 && p.LinkedUnits[n-1].ID == l.unit {
			continue
		}
		p.LinkedUnits = append(p.LinkedUnits, UnitLink{ID: l.unit})
		ids = append(ids, l.unit)
	}
	if !names || len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	refs, err := db.UnitNames(ctx, System, slices.Compact(ids))
	if err != nil {
		return err
	}
	for i := range ps {
		for j := range ps[i].LinkedUnits {
			u := &ps[i].LinkedUnits[j]
			u.Name, u.IsGroup = refs[u.ID].Name, refs[u.ID].IsGroup
		}
	}
	return nil
}

// prospect returns the prospect key of run runID if v may see it, else
// ENOTFOUND.
func (db *DB) prospect(ctx context.Context, v Viewer, runID, key string) (Prospect, error) {
	where, args, err := db.prospectWhere(ctx, v, runID, ProspectFilter{})
	if err != nil {
		return Prospect{}, err
	}
	out, err := db.prospects(ctx, `SELECT `+prospectCols+prospectFrom+where+` AND p.prospect_key = ?`, append(args, key)...)
	if err != nil {
		return Prospect{}, err
	}
	if len(out) == 0 {
		return Prospect{}, kamp.Errorf(kamp.ENOTFOUND, "no prospect %q", key)
	}
	return out[0], nil
}

// ProspectDetail returns a prospect of the latest run with its edges to
// the units v sees (largest first) and the history of the work on it
// (newest first); ENOTFOUND when there is no such prospect or v may not
// see it.
func (db *DB) ProspectDetail(ctx context.Context, v Viewer, key string) (Prospect, []ChainEdge, []ProspectWork, error) {
	run, err := db.LatestChainRun(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return Prospect{}, nil, nil, kamp.Errorf(kamp.ENOTFOUND, "no prospect %q", key)
	}
	if err != nil {
		return Prospect{}, nil, nil, err
	}
	p, err := db.prospect(ctx, v, run.ID, key)
	if err != nil {
		return p, nil, nil, err
	}
	ps := []Prospect{p}
	if err := db.linkUnits(ctx, v, run.ID, ps, -1, true); err != nil {
		return p, nil, nil, err
	}
	p = ps[0]
	q, args := `SELECT `+edgeCols+edgeFrom+` WHERE ce.run_id = ? AND ce.unit_id IN (SELECT cl.unit_id FROM chain_links cl
		WHERE cl.run_id = ? AND cl.counterparty = ? AND cl.is_entity = ?) AND ce.counterparty = ? AND ce.is_entity = ?`,
		[]any{run.ID, run.ID, p.Counterparty, p.Known, p.Counterparty, p.Known}
	if c, cargs := v.unitCond("ce.unit_id"); c != "" {
		q, args = q+" AND "+c, append(args, cargs...)
	}
	edges, err := db.chainEdges(ctx, q+` ORDER BY ce.amount DESC, ce.unit_id, ce.direction`, args...)
	if err != nil {
		return p, nil, nil, err
	}
	hist, err := db.ProspectHistory(ctx, key)
	return p, edges, hist, err
}

// ProspectHistory returns every action on the prospect key, newest first.
// It does not check the viewer: callers show it only with a prospect they
// may see.
func (db *DB) ProspectHistory(ctx context.Context, key string) ([]ProspectWork, error) {
	rows, err := db.query(ctx, `SELECT w.seq, w.status, w.assignee_id, COALESCE(u.login, ''), COALESCE(u.name, ''), w.note, w.made_by, w.made_at
		FROM prospect_work w LEFT JOIN users u ON u.id = w.assignee_id WHERE w.prospect_key = ? ORDER BY w.seq DESC`, key)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the history of prospect %s", key)
	}
	defer rows.Close()
	var out []ProspectWork
	for rows.Next() {
		var w ProspectWork
		if err := rows.Scan(&w.Seq, &w.Status, &w.AssigneeID, &w.AssigneeLogin, &w.AssigneeName, &w.Note, &w.By, &w.At); err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, w)
	}
	return out, db.mapErr(rows.Err())
}

// ProspectIndustries returns the industries of the latest run's prospects,
// sorted, for the list's filter.
func (db *DB) ProspectIndustries(ctx context.Context) ([]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT industry FROM chain_prospects WHERE industry <> '' ORDER BY industry`)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the industries of prospects")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, s)
	}
	return out, db.mapErr(rows.Err())
}

// AssignProspect assigns the prospect key of the latest run to the branch
// RM assigneeLogin as a lead, with an optional note, and records it in the
// prospect's history and the audit trail. The actor must see the prospect
// (else ENOTFOUND) and hold kamp.ActWorkProspects (else EFORBIDDEN); the
// assignee must be an active branch RM (else EINVALID).
func (db *DB) AssignProspect(ctx context.Context, actor kamp.User, key, assigneeLogin, note string) (ProspectWork, error) {
	return db.workProspect(ctx, actor, key, ProspectAssigned, strings.TrimSpace(assigneeLogin), note)
}

// DismissProspect dismisses the prospect key of the latest run with a
// reason (required), recorded in its history and the audit trail; the
// checks are AssignProspect's.
func (db *DB) DismissProspect(ctx context.Context, actor kamp.User, key, reason string) (ProspectWork, error) {
	return db.workProspect(ctx, actor, key, ProspectDismissed, "", reason)
}

func (db *DB) workProspect(ctx context.Context, actor kamp.User, key, status, assigneeLogin, note string) (ProspectWork, error) {
	var w ProspectWork
	v, err := db.ViewerFor(ctx, actor)
	if err != nil {
		return w, err
	}
	run, err := db.LatestChainRun(ctx)
	if kamp.ErrorCode(err) == kamp.ENOTFOUND {
		return w, kamp.Errorf(kamp.ENOTFOUND, "no prospect %q", key)
	}
	if err != nil {
		return w, err
	}
	// Scope first: a prospect out of scope is missing, whatever the role.
	before, err := db.prospect(ctx, v, run.ID, key)
	if err != nil {
		return w, err
	}
	if !actor.Can(kamp.ActWorkProspects) {
		return w, kamp.Errorf(kamp.EFORBIDDEN, "your role may not assign or dismiss prospects")
	}
	note = strings.TrimSpace(note)
	if len(note) > maxNote {
		return w, kamp.Errorf(kamp.EINVALID, "the note is too long: at most %d characters", maxNote)
	}
	w = ProspectWork{Status: status, Note: note, By: actor.Login, At: db.Now().UTC().Truncate(time.Microsecond)}
	switch status {
	case ProspectAssigned:
		if assigneeLogin == "" {
			return w, kamp.Errorf(kamp.EINVALID, "choose the branch RM to assign the prospect to")
		}
		u, err := db.UserByLogin(ctx, assigneeLogin)
		if kamp.ErrorCode(err) == kamp.ENOTFOUND {
			return w, kamp.Errorf(kamp.EINVALID, "no person %q: choose a branch RM", assigneeLogin)
		}
		if err != nil {
			return w, err
		}
		if u.Role != kamp.RoleBranchRM || u.Disabled {
			return w, kamp.Errorf(kamp.EINVALID, "%s is not an active branch RM: a prospect is assigned to a branch RM", assigneeLogin)
		}
		if before.Status == ProspectAssigned && before.AssigneeID == u.ID {
			return w, kamp.Errorf(kamp.ECONFLICT, "the prospect is already assigned to %s", assigneeLogin)
		}
		w.AssigneeID, w.AssigneeLogin, w.AssigneeName = u.ID, u.Login, u.Name
	case ProspectDismissed:
		if note == "" {
			return w, kamp.Errorf(kamp.EINVALID, "say why: a reason is required to dismiss a prospect")
		}
		if before.Status == ProspectDismissed {
			return w, kamp.Errorf(kamp.ECONFLICT, "the prospect is already dismissed")
		}
	default:
		return w, kamp.Errorf(kamp.EINVALID, "unknown prospect status %q", status)
	}
	action := AuditProspectAssigned
	if status == ProspectDismissed {
		action = AuditProspectDismissed
	}
	err = db.Transact(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM prospect_work WHERE prospect_key = ?`, key).Scan(&w.Seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO prospect_work (prospect_key, seq, status, assignee_id, note, made_by, made_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			key, w.Seq, w.Status, w.AssigneeID, w.Note, w.By, w.At); err != nil {
			return err
		}
		_, err := db.AuditTx(ctx, tx, kamp.AuditEvent{Action: action, ObjectType: auditObjectProspect, ObjectID: key,
			Before: auditJSON(map[string]any{"status": before.Status, "assignee": before.AssigneeLogin, "note": before.Note}),
			After:  auditJSON(map[string]any{"status": w.Status, "assignee": w.AssigneeLogin, "note": w.Note, "name": before.Name})})
		return err
	})
	if err != nil {
		return w, kamp.WrapError(kamp.ErrorCode(db.mapErr(err)), err, "cannot record the work on prospect %s", key)
	}
	return w, nil
}
