package store

import (
	"context"
	"database/sql"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
)

// Statuses of a group run.
const (
	GroupRunRunning = runRunning
	GroupRunDone    = "done"
	GroupRunFailed  = runFailed
)

// GroupRun is one run of the control engine over the stored data (批次).
type GroupRun struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string    // GroupRunRunning, GroupRunDone or GroupRunFailed
	// Entities is the number of entities the run saw.
	Entities int
	// Groups counts the groups of two or more entities.
	Groups int
	// Cycles counts the control cycles, Conflicts the conflicted entities.
	Cycles, Conflicts int
	// Fingerprint is the data version the run computed from (DataVersion).
	Fingerprint string
	// Regime is the large-exposure regime's name; Tier1 the tier-1 capital
	// in CNY (0: not configured, nothing flagged).
	Regime  string
	Tier1   kamp.Amount
	Message string
}

// EntityGroup is one entity's place in its corporate group, as the latest
// run computed it.
type EntityGroup struct {
	EntityID     string
	ControllerID string // immediate controller, "" if none
	UltimateID   string
	GroupID      string // the group root
	Depth        int
	InCycle      bool
	Conflict     bool
	// Exposure is the entity's own exposure in CNY.
	Exposure kamp.Amount

	// Filled in by the read methods.
	EntityName     string
	Kind           kamp.EntityKind
	IsClient       bool
	ControllerName string
	GroupName      string
	// GroupSize is the number of members of the entity's group: 1 for a
	// single client stored for its exposure.
	GroupSize int
}

// GroupSummary is one corporate group as the latest run computed it: its
// size and its exposure against its large-exposure limit.
type GroupSummary struct {
	GroupID   string
	Members   int // entities, non-clients included
	Clients   int
	MaxDepth  int
	Cycles    int // members on a control cycle
	Conflicts int // conflicted members
	Exposure  kamp.Amount
	// PctOfTier1 is Exposure in percent of tier-1 capital, LimitBP the
	// group's limit in basis points of it, Headroom the limit amount less
	// Exposure, Status one of control's statuses or "" without tier-1
	// capital.
	PctOfTier1 float64
	LimitBP    int
	Headroom   kamp.Amount
	Status     string

	// Filled in by the read methods.
	RootName string
	RootKind kamp.EntityKind
}

// ControlData is what the control engine needs from the store: the
// entities in id order (Input.IDs sorted as byte strings), their ownership
// edges, which are clients, and each entity's exposure in CNY.
type ControlData struct {
	Input    control.Input
	IsClient []bool
	Exposure []kamp.Amount
	// Overrides are the manual overrides in force, by entity id.
	Overrides []GroupOverride
}

// DataVersion returns a fingerprint of the stored data: the number of
// imports that loaded data and the id of the latest of them, and the count
// of group overrides made and ended. It changes whenever an import commits
// or an override is approved.
func (db *DB) DataVersion(ctx context.Context) (string, error) {
	var n, overrides, ended int64
	var last sql.NullString
	err := db.queryRow(ctx, `SELECT COUNT(*), MAX(id), (SELECT COUNT(*) FROM group_overrides), (SELECT COUNT(ended_at) FROM group_overrides)
		FROM import_batches WHERE status IN ('loaded', 'partial')`).Scan(&n, &last, &overrides, &ended)
	if err != nil {
		return "", kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the data version")
	}
	v := strconv.FormatInt(n, 10) + ":" + last.String
	if overrides > 0 {
		// Overrides change the groups as imports do.
		v += ":o" + strconv.FormatInt(overrides, 10) + "." + strconv.FormatInt(ended, 10)
	}
	return v, nil
}

// ControlData reads the control engine's input from the store. Exposures
// are converted to CNY at the latest rate of their currency on or before
// their as_of date, or else at the latest rate (CNY is 1 unless fx_rates
// says otherwise), summed exactly per entity in 128 bits and rounded half-up
// once. It fails with EINVALID when a holding or exposure names an unknown
// entity or a currency has no rate at all.
func (db *DB) ControlData(ctx context.Context) (ControlData, error) {
	var d ControlData
	index := map[string]int32{}
	rows, err := db.query(ctx, `SELECT id, kind, is_client FROM entities ORDER BY id`)
	if err != nil {
		return d, kamp.WrapError(kamp.EINTERNAL, err, "cannot read entities")
	}
	var state []bool
	anyState := false
	for rows.Next() {
		var id, kind string
		var client bool
		if err := rows.Scan(&id, &kind, &client); err != nil {
			rows.Close()
			return d, db.mapErr(err)
		}
		index[id] = int32(len(d.Input.IDs))
		d.Input.IDs = append(d.Input.IDs, id)
		d.IsClient = append(d.IsClient, client)
		isState := kind == string(kamp.KindState)
		anyState = anyState || isState
		state = append(state, isState)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, db.mapErr(err)
	}
	// ORDER BY id sorts by the collation; the engine wants byte order,
	// which SQLite's BINARY and PostgreSQL's "C" give, but be sure.
	if !slices.IsSorted(d.Input.IDs) {
		return d, kamp.Errorf(kamp.EINTERNAL, "entities do not come back in byte order of their ids")
	}
	if anyState {
		d.Input.State = state
	}
	err = db.EachHolding(ctx, func(h kamp.Holding) error {
		hi, ok1 := index[h.HolderID]
		ei, ok2 := index[h.EntityID]
		if !ok1 || !ok2 {
			return kamp.Errorf(kamp.EINVALID, "holding %s → %s names an unknown entity", h.HolderID, h.EntityID)
		}
		d.Input.Edges = append(d.Input.Edges, control.Edge{Holder: hi, Held: ei, Share: h.Share, Agreement: h.Agreement})
		return nil
	})
	if err != nil {
		return d, kamp.WrapError(kamp.ErrorCode(err), err, "cannot read holdings")
	}
	fx, err := db.fxTable(ctx)
	if err != nil {
		return d, err
	}
	n := len(d.Input.IDs)
	hi, lo := make([]uint64, n), make([]uint64, n)
	rows, err = db.query(ctx, `SELECT client_id, currency, amount, COALESCE(as_of, ''), facility_id FROM exposures`)
	if err != nil {
		return d, kamp.WrapError(kamp.EINTERNAL, err, "cannot read exposures")
	}
	defer rows.Close()
	for rows.Next() {
		var client, cur, asOf, facility string
		var amount int64
		if err := rows.Scan(&client, &cur, &amount, &asOf, &facility); err != nil {
			return d, db.mapErr(err)
		}
		v, ok := index[client]
		if !ok {
			return d, kamp.Errorf(kamp.EINVALID, "exposure %s names an unknown client %s", facility, client)
		}
		if amount < 0 {
			return d, kamp.Errorf(kamp.EINVALID, "exposure %s is negative", facility)
		}
		rate, ok := fx.rate(cur, asOf)
		if !ok {
			return d, kamp.Errorf(kamp.EINVALID, "exposure %s: no exchange rate for %s", facility, cur)
		}
		ph, pl := bits.Mul64(uint64(amount), uint64(rate))
		var carry uint64
		lo[v], carry = bits.Add64(lo[v], pl, 0)
		hi[v], carry = bits.Add64(hi[v], ph, carry)
		if carry != 0 {
			return d, kamp.Errorf(kamp.EINVALID, "the exposure of %s overflows", client)
		}
	}
	if err := rows.Err(); err != nil {
		return d, db.mapErr(err)
	}
	d.Exposure = make([]kamp.Amount, n)
	for v := range n {
		a, ok := roundRate(hi[v], lo[v])
		if !ok {
			return d, kamp.Errorf(kamp.EINVALID, "the exposure of %s in CNY overflows", d.Input.IDs[v])
		}
		d.Exposure[v] = a
	}
	if d.Overrides, err = db.ActiveOverrides(ctx); err != nil {
		return d, err
	}
	return d, nil
}

// rateOne is the rate 1 in kamp.Rate units.
const rateOne = uint64(10_000_000_000)

// roundRate rounds hi:lo, in units of an Amount unit times a Rate unit,
// half-up to an Amount; ok is false when it does not fit.
func roundRate(hi, lo uint64) (kamp.Amount, bool) {
	if hi >= rateOne {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, rateOne)
	up := r >= rateOne-r
	if q > math.MaxInt64 || up && q == math.MaxInt64 {
		return 0, false
	}
	if up {
		q++
	}
	return kamp.Amount(q), true
}

// fxTable is every currency's rates, sorted by date.
type fxTable map[string]*fxSeries

type fxSeries struct {
	dates []string
	rates []kamp.Rate
}

// fxTable reads fx_rates.
func (db *DB) fxTable(ctx context.Context) (fxTable, error) {
	rates, err := db.FXRates(ctx)
	if err != nil {
		return nil, kamp.WrapError(kamp.ErrorCode(err), err, "cannot read exchange rates")
	}
	t := fxTable{}
	for _, r := range rates {
		s := t[r.Currency]
		if s == nil {
			s = &fxSeries{}
			t[r.Currency] = s
		}
		s.dates = append(s.dates, r.Date)
		s.rates = append(s.rates, r.Rate)
	}
	for _, s := range t {
		idx := make([]int, len(s.dates))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(s.dates[a], s.dates[b]) })
		d, r := make([]string, len(idx)), make([]kamp.Rate, len(idx))
		for i, k := range idx {
			d[i], r[i] = s.dates[k], s.rates[k]
		}
		s.dates, s.rates = d, r
	}
	return t, nil
}

// rate returns the rate of currency on or before date, or else its latest
// rate; CNY is 1 unless the table has rates for it.
func (t fxTable) rate(currency, date string) (kamp.Rate, bool) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if currency == "" {
		currency = kamp.ReportingCurrency
	}
	s := t[currency]
	if s == nil {
		if currency == kamp.ReportingCurrency {
			return kamp.Rate(rateOne), true
		}
		return 0, false
	}
	if date != "" {
		i, found := slices.BinarySearch(s.dates, date)
		if found {
			return s.rates[i], true
		}
		if i > 0 {
			return s.rates[i-1], true
		}
	}
	return s.rates[len(s.rates)-1], true
}

// StartGroupRun records run as running.
func (db *DB) StartGroupRun(ctx context.Context, run GroupRun) error {
	_, err := db.exec(ctx, `INSERT INTO group_runs (id, started_at, status, fingerprint, regime, tier1) VALUES (?, ?, ?, ?, ?, ?)`,
		run.ID, run.StartedAt.UTC(), GroupRunRunning, run.Fingerprint, run.Regime, int64(run.Tier1))
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot record group run %s", run.ID)
	}
	return nil
}

// FailGroupRun records that run stopped with an error message; its
// results, if any were written, are not kept.
func (db *DB) FailGroupRun(ctx context.Context, id string, at time.Time, message string) error {
	return db.failRun(ctx, "group_runs", "group run", id, at, message)
}

// FailRunningGroupRuns marks runs left running by a process that stopped
// as failed.
func (db *DB) FailRunningGroupRuns(ctx context.Context) error {
	return db.failRunningRuns(ctx, "group_runs", "group runs")
}

// groupChunk is the rows per multi-row INSERT of SaveGroupRun.
const groupChunk = 200

// SaveGroupRun replaces the stored group results with members and groups
// and records run (status done, its counts and finish time), all in one
// transaction. run must have been started with StartGroupRun.
func (db *DB) SaveGroupRun(ctx context.Context, run GroupRun, members []EntityGroup, groups []GroupSummary) error {
	err := db.Transact(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM entity_groups`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM group_summaries`); err != nil {
			return err
		}
		const mcols = "(run_id, entity_id, controller_id, ultimate_id, group_id, depth, in_cycle, conflict, exposure)"
		err := insertChunks(ctx, tx, "entity_groups "+mcols, 9, len(members), func(i int, args []any) []any {
			m := &members[i]
			var ctrl any
			if m.ControllerID != "" {
				ctrl = m.ControllerID
			}
			return append(args, run.ID, m.EntityID, ctrl, m.UltimateID, m.GroupID, m.Depth, m.InCycle, m.Conflict, int64(m.Exposure))
		})
		if err != nil {
			return err
		}
		const gcols = "(run_id, group_id, members, clients, max_depth, cycles, conflicts, exposure, pct_tier1, limit_bp, headroom, status)"
		err = insertChunks(ctx, tx, "group_summaries "+gcols, 12, len(groups), func(i int, args []any) []any {
			g := &groups[i]
			return append(args, run.ID, g.GroupID, g.Members, g.Clients, g.MaxDepth, g.Cycles, g.Conflicts,
				int64(g.Exposure), g.PctOfTier1, g.LimitBP, int64(g.Headroom), g.Status)
		})
		if err != nil {
			return err
		}
		// Where the groups have members, for the access rule (access.go).
		if _, err := tx.Exec(ctx, `DELETE FROM group_branches`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO group_branches (branch, group_id)
			SELECT DISTINCT e.branch, g.group_id FROM entity_groups g JOIN entities e ON e.id = g.entity_id
			WHERE e.branch IS NOT NULL`); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE group_runs SET status = ?, finished_at = ?, entities = ?, group_count = ?, cycles = ?, conflicts = ?, message = ?
			WHERE id = ? AND status = ?`, GroupRunDone, run.FinishedAt.UTC(), run.Entities, run.Groups, run.Cycles, run.Conflicts, run.Message,
			run.ID, GroupRunRunning)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n != 1 {
			return kamp.Errorf(kamp.ECONFLICT, "group run %s is not running", run.ID)
		}
		return nil
	})
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot save group run %s", run.ID)
	}
	return nil
}

// insertChunks inserts n rows of cols columns into target ("table (cols)")
// with multi-row INSERTs of up to groupChunk rows, the full-size one
// prepared once; row appends row i's values to args.
func insertChunks(ctx context.Context, tx *Tx, target string, cols, n int, row func(i int, args []any) []any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	sqlFor := func(rows int) string {
		return tx.db.rebind("INSERT INTO " + target + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", rows), ", "))
	}
	args := make([]any, 0, groupChunk*cols)
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < n; start += groupChunk {
		end := min(start+groupChunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		var err error
		if end-start == groupChunk {
			if full == nil {
				if full, err = tx.tx.PrepareContext(ctx, sqlFor(groupChunk)); err != nil {
					return tx.db.mapErr(err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.tx.ExecContext(ctx, sqlFor(end-start), args...)
		}
		if err != nil {
			return tx.db.mapErr(err)
		}
	}
	return nil
}

const groupRunCols = `id, started_at, finished_at, status, entities, group_count, cycles, conflicts, fingerprint, regime, tier1, message`

func scanGroupRun(sc interface{ Scan(...any) error }) (GroupRun, error) {
	var r GroupRun
	var fin sql.NullTime
	var tier1 int64
	err := sc.Scan(&r.ID, &r.StartedAt, &fin, &r.Status, &r.Entities, &r.Groups, &r.Cycles, &r.Conflicts, &r.Fingerprint, &r.Regime, &tier1, &r.Message)
	r.Tier1 = kamp.Amount(tier1)
	if fin.Valid {
		r.FinishedAt = fin.Time
	}
	return r, err
}

// GroupRuns returns limit runs (0: DefaultLimit), newest first, from the
// offset-th on; more says whether older runs follow.
func (db *DB) GroupRuns(ctx context.Context, offset, limit int) (runs []GroupRun, more bool, err error) {
	return latestRuns(ctx, db, "group runs", groupRunCols, "group_runs", offset, limit, scanGroupRun)
}

// LatestGroupRun returns the latest successful run, or ENOTFOUND when
// groups were never computed.
func (db *DB) LatestGroupRun(ctx context.Context) (GroupRun, error) {
	r, err := scanGroupRun(db.queryRow(ctx, `SELECT `+groupRunCols+` FROM group_runs WHERE status = ? ORDER BY finished_at DESC, id DESC LIMIT 1`, GroupRunDone))
	if err == sql.ErrNoRows {
		return r, kamp.Errorf(kamp.ENOTFOUND, "corporate groups have not been computed yet")
	}
	if err != nil {
		return r, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the latest group run")
	}
	return r, nil
}

const memberCols = `g.entity_id, COALESCE(g.controller_id, ''), g.ultimate_id, g.group_id, g.depth, g.in_cycle, g.conflict, g.exposure,
	e.name, e.kind, e.is_client, COALESCE(c.name, ''), r.name, COALESCE(s.members, 0)`

const memberFrom = ` FROM entity_groups g JOIN entities e ON e.id = g.entity_id
	LEFT JOIN entities c ON c.id = g.controller_id JOIN entities r ON r.id = g.group_id
	LEFT JOIN group_summaries s ON s.group_id = g.group_id`

func scanMember(sc interface{ Scan(...any) error }) (EntityGroup, error) {
	var m EntityGroup
	var kind string
	var x int64
	err := sc.Scan(&m.EntityID, &m.ControllerID, &m.UltimateID, &m.GroupID, &m.Depth, &m.InCycle, &m.Conflict, &x,
		&m.EntityName, &kind, &m.IsClient, &m.ControllerName, &m.GroupName, &m.GroupSize)
	m.Kind, m.Exposure = kamp.EntityKind(kind), kamp.Amount(x)
	return m, err
}

// GroupOf returns the group entry of an entity, or ENOTFOUND when it is in
// no stored group (a group of one without exposure, or no run yet) or v may
// not see the entity.
func (db *DB) GroupOf(ctx context.Context, v Viewer, entityID string) (EntityGroup, error) {
	if err := db.checkEntity(ctx, v, entityID); err != nil {
		return EntityGroup{}, err
	}
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberCols+memberFrom+` WHERE g.entity_id = ?`, entityID))
	if err == sql.ErrNoRows {
		return m, kamp.Errorf(kamp.ENOTFOUND, "%s is in no corporate group", entityID)
	}
	if err != nil {
		return m, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the group of %s", entityID)
	}
	return m, nil
}

// GroupMembers returns one page of a group's members that v may see, by
// depth then id, and how many there are; ENOTFOUND when v may not see the
// group. A limit of 0 means DefaultLimit; a negative limit returns every
// member.
func (db *DB) GroupMembers(ctx context.Context, v Viewer, groupID string, offset, limit int) ([]EntityGroup, int, error) {
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	if offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "offset must not be negative")
	}
	if err := db.checkGroup(ctx, v, groupID); err != nil {
		return nil, 0, err
	}
	mcond, margs := v.memberCond(groupID, "e.branch")
	var total int
	var err error
	if mcond == "" {
		err = db.queryRow(ctx, `SELECT COUNT(*) FROM entity_groups WHERE group_id = ?`, groupID).Scan(&total)
	} else {
		err = db.queryRow(ctx, `SELECT COUNT(*) FROM entity_groups g JOIN entities e ON e.id = g.entity_id
			WHERE g.group_id = ? AND `+mcond, append([]any{groupID}, margs...)...).Scan(&total)
	}
	if err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot count the members of %s", groupID)
	}
	q := `SELECT ` + memberCols + memberFrom + ` WHERE g.group_id = ? ORDER BY g.depth, g.entity_id`
	args := []any{groupID}
	switch {
	case mcond != "":
		q = `SELECT ` + memberCols + memberFrom + ` WHERE g.group_id = ? AND ` + mcond + ` ORDER BY g.depth, g.entity_id`
		args = append(args, margs...)
		if limit > 0 {
			q += ` LIMIT ? OFFSET ?`
			args = append(args, limit, offset)
		}
	case limit > 0:
		// Page on entity_groups alone, so that the rows skipped by the
		// offset are not joined with the entities.
		from := strings.Replace(memberFrom, "FROM entity_groups g", `FROM (SELECT * FROM entity_groups WHERE group_id = ?
			ORDER BY depth, entity_id LIMIT ? OFFSET ?) g`, 1)
		q = `SELECT ` + memberCols + from + ` ORDER BY g.depth, g.entity_id`
		args = []any{groupID, limit, offset}
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the members of %s", groupID)
	}
	defer rows.Close()
	var out []EntityGroup
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, m)
	}
	return out, total, db.mapErr(rows.Err())
}

// GroupHoldings returns the holdings between members of a group (holder
// and held both in it) that v may see both sides of, by holder then held id.
func (db *DB) GroupHoldings(ctx context.Context, v Viewer, groupID string) ([]kamp.Holding, error) {
	if err := db.checkGroup(ctx, v, groupID); err != nil {
		return nil, err
	}
	q := `SELECT h.holder_id, h.entity_id, COALESCE(h.share, 0), h.agreement, COALESCE(h.as_of, '')
		FROM entity_groups a JOIN holdings h ON h.entity_id = a.entity_id
		JOIN entity_groups b ON b.entity_id = h.holder_id
		WHERE a.group_id = ? AND b.group_id = ?`
	args := []any{groupID, groupID}
	if held, margs := v.memberCond(groupID, "he.branch"); held != "" {
		holder, _ := v.memberCond(groupID, "hh.branch")
		q = strings.Replace(q, "WHERE", `JOIN entities he ON he.id = h.entity_id JOIN entities hh ON hh.id = h.holder_id
		WHERE `+held+` AND `+holder+` AND`, 1)
		args = append(append(margs, margs...), args...)
	}
	rows, err := db.query(ctx, q+` ORDER BY h.holder_id, h.entity_id`, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the holdings of group %s", groupID)
	}
	defer rows.Close()
	var out []kamp.Holding
	for rows.Next() {
		var h kamp.Holding
		var share int64
		if err := rows.Scan(&h.HolderID, &h.EntityID, &share, &h.Agreement, &h.AsOf); err != nil {
			return nil, db.mapErr(err)
		}
		h.Share = kamp.Share(share)
		out = append(out, h)
	}
	return out, db.mapErr(rows.Err())
}

const summaryCols = `s.group_id, s.members, s.clients, s.max_depth, s.cycles, s.conflicts, s.exposure, s.pct_tier1, s.limit_bp, s.headroom, s.status, r.name, r.kind`

const summaryFrom = ` FROM group_summaries s JOIN entities r ON r.id = s.group_id`

func scanSummary(sc interface{ Scan(...any) error }) (GroupSummary, error) {
	var g GroupSummary
	var x, h int64
	var kind string
	err := sc.Scan(&g.GroupID, &g.Members, &g.Clients, &g.MaxDepth, &g.Cycles, &g.Conflicts, &x, &g.PctOfTier1, &g.LimitBP, &h, &g.Status, &g.RootName, &kind)
	g.Exposure, g.Headroom, g.RootKind = kamp.Amount(x), kamp.Amount(h), kamp.EntityKind(kind)
	return g, err
}

// Group returns a group's summary, or ENOTFOUND when there is no such
// group or v may not see it.
func (db *DB) Group(ctx context.Context, v Viewer, groupID string) (GroupSummary, error) {
	q, args := `SELECT `+summaryCols+summaryFrom+` WHERE s.group_id = ?`, []any{groupID}
	if cond, cargs := v.groupCond("s.group_id"); cond != "" {
		q, args = q+" AND "+cond, append(args, cargs...)
	}
	g, err := scanSummary(db.queryRow(ctx, q, args...))
	if err == sql.ErrNoRows {
		return g, kamp.Errorf(kamp.ENOTFOUND, "no group %q", groupID)
	}
	if err != nil {
		return g, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read group %s", groupID)
	}
	return g, nil
}

// GroupFilter selects groups for Groups. Zero fields do not filter.
type GroupFilter struct {
	MinSize, MaxSize   int // members, non-clients included
	MinDepth, MaxDepth int
	// Status is an exposure status (control.StatusOK, …), or "none" for
	// groups without one.
	Status      string
	HasCycle    *bool
	HasConflict *bool
	// Sort is "-members" (the default), "members", "-exposure",
	// "exposure", "-depth", "depth" or "id"; ties by group id.
	Sort string
	// After is a keyset cursor on the group id, with Sort "id" only.
	After  string
	Offset int
	Limit  int
}

// GroupSorts are the orders GroupFilter.Sort accepts.
var GroupSorts = []string{"-members", "members", "-exposure", "exposure", "-depth", "depth", "id"}

// GroupStatuses are the values GroupFilter.Status accepts.
var GroupStatuses = []string{control.StatusOK, control.StatusLarge, control.StatusNear, control.StatusBreach, "none"}

// checkGroup returns ENOTFOUND unless the group exists and v may see it.
func (db *DB) checkGroup(ctx context.Context, v Viewer, groupID string) error {
	if v.all {
		return nil
	}
	_, err := db.Group(ctx, v, groupID)
	return err
}

// Groups returns one page of the groups that match f and that v may see,
// and how many match.
func (db *DB) Groups(ctx context.Context, v Viewer, f GroupFilter) ([]GroupSummary, int, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	if f.Offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "offset must not be negative")
	}
	var where []string
	var args []any
	if cond, cargs := v.groupCond("s.group_id"); cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	for _, c := range []struct {
		v    int
		cond string
	}{{f.MinSize, "s.members >= ?"}, {f.MaxSize, "s.members <= ?"}, {f.MinDepth, "s.max_depth >= ?"}, {f.MaxDepth, "s.max_depth <= ?"}} {
		if c.v != 0 {
			where = append(where, c.cond)
			args = append(args, c.v)
		}
	}
	switch f.Status {
	case "":
	case "none":
		where = append(where, "s.status = ''")
	default:
		if !slices.Contains(GroupStatuses, f.Status) {
			return nil, 0, kamp.Errorf(kamp.EINVALID, "unknown exposure status %q: use %s", f.Status, strings.Join(GroupStatuses, ", "))
		}
		where = append(where, "s.status = ?")
		args = append(args, f.Status)
	}
	if f.HasCycle != nil {
		if *f.HasCycle {
			where = append(where, "s.cycles > 0")
		} else {
			where = append(where, "s.cycles = 0")
		}
	}
	if f.HasConflict != nil {
		if *f.HasConflict {
			where = append(where, "s.conflicts > 0")
		} else {
			where = append(where, "s.conflicts = 0")
		}
	}
	order := ""
	switch f.Sort {
	case "", "-members":
		order = "s.members DESC, s.group_id"
	case "members":
		order = "s.members, s.group_id"
	case "-exposure":
		order = "s.exposure DESC, s.group_id"
	case "exposure":
		order = "s.exposure, s.group_id"
	case "-depth":
		order = "s.max_depth DESC, s.group_id"
	case "depth":
		order = "s.max_depth, s.group_id"
	case "id":
		order = "s.group_id"
	default:
		return nil, 0, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use %s", f.Sort, strings.Join(GroupSorts, ", "))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM group_summaries s`+cond, args...).Scan(&total); err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot count groups")
	}
	if f.After != "" {
		if f.Sort != "id" {
			return nil, 0, kamp.Errorf(kamp.EINVALID, "a cursor works only with the order by id")
		}
		if cond == "" {
			cond = " WHERE s.group_id > ?"
		} else {
			cond += " AND s.group_id > ?"
		}
		args = append(args, f.After)
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := db.query(ctx, `SELECT `+summaryCols+summaryFrom+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, err, "cannot read groups")
	}
	defer rows.Close()
	var out []GroupSummary
	for rows.Next() {
		g, err := scanSummary(rows)
		if err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, g)
	}
	return out, total, db.mapErr(rows.Err())
}

// GroupIndicators are a group's members' standard indicators summed for
// one period in CNY (指标合计).
type GroupIndicators struct {
	Period      string // the latest period with metrics of a member; "" if none
	Clients     int    // members with metrics in that period
	DepositsAvg kamp.NullAmount
	LoansAvg    kamp.NullAmount
	Revenue     kamp.NullAmount
	FeeIncome   kamp.NullAmount
}

// GroupIndicators sums the standard indicators of a group's members for
// the latest period any of them has metrics for. Each currency's sum is
// converted to CNY at the latest rate on or before the period's last day
// (or else the currency's latest rate) and rounded half-up once; a
// currency without any rate fails with EINVALID.
func (db *DB) GroupIndicators(ctx context.Context, v Viewer, groupID string) (GroupIndicators, error) {
	if err := db.checkGroup(ctx, v, groupID); err != nil {
		return GroupIndicators{}, err
	}
	var out GroupIndicators
	var period sql.NullString
	// CROSS JOIN: SQLite keeps that order, walking the group's members and
	// looking up their metrics by key instead of scanning a whole period
	// of metrics through its index; PostgreSQL plans it like an inner join.
	err := db.queryRow(ctx, `SELECT MAX(m.period) FROM entity_groups g CROSS JOIN metrics m WHERE m.client_id = g.entity_id AND g.group_id = ?`, groupID).Scan(&period)
	if err != nil {
		return out, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the metrics of group %s", groupID)
	}
	if !period.Valid {
		return out, nil
	}
	out.Period = period.String
	last := out.Period + "-31"
	if t, err := time.Parse("2006-01", out.Period); err == nil {
		last = t.AddDate(0, 1, -1).Format("2006-01-02")
	}
	fx, err := db.fxTable(ctx)
	if err != nil {
		return out, err
	}
	// One pass over the period's rows: the clients counted as they come
	// (in id order), the amounts summed exactly per currency, then each
	// currency's sum converted once.
	rows, err := db.query(ctx, `SELECT m.client_id, m.currency, m.deposits_avg, m.loans_avg, m.revenue, m.fee_income
		FROM entity_groups g CROSS JOIN metrics m
		WHERE m.client_id = g.entity_id AND g.group_id = ? AND m.period = ? ORDER BY m.client_id`, groupID, out.Period)
	if err != nil {
		return out, kamp.WrapError(kamp.EINTERNAL, err, "cannot sum the metrics of group %s", groupID)
	}
	defer rows.Close()
	type sums struct {
		v     [4]int64
		valid [4]bool
	}
	byCur := map[string]*sums{}
	var curs []string
	prev := ""
	for rows.Next() {
		var client, cur string
		var v [4]sql.NullInt64
		if err := rows.Scan(&client, &cur, &v[0], &v[1], &v[2], &v[3]); err != nil {
			return out, kamp.WrapError(kamp.EINVALID, db.mapErr(err), "cannot sum the metrics of group %s", groupID)
		}
		if out.Clients == 0 || client != prev {
			out.Clients++
			prev = client
		}
		sc := byCur[cur]
		if sc == nil {
			sc = &sums{}
			byCur[cur] = sc
			curs = append(curs, cur)
		}
		for i := range v {
			if !v[i].Valid {
				continue
			}
			x := v[i].Int64
			if (x > 0 && sc.v[i] > math.MaxInt64-x) || (x < 0 && sc.v[i] < math.MinInt64-x) {
				return out, kamp.Errorf(kamp.EINVALID, "group %s: the sum of its indicators overflows", groupID)
			}
			sc.v[i] += x
			sc.valid[i] = true
		}
	}
	if err := rows.Err(); err != nil {
		return out, db.mapErr(err)
	}
	slices.Sort(curs)
	for _, cur := range curs {
		sc := byCur[cur]
		rate, ok := fx.rate(cur, last)
		if !ok {
			return out, kamp.Errorf(kamp.EINVALID, "group %s: no exchange rate for %s", groupID, cur)
		}
		for i, dst := range []*kamp.NullAmount{&out.DepositsAvg, &out.LoansAvg, &out.Revenue, &out.FeeIncome} {
			if !sc.valid[i] {
				continue
			}
			a, ok := convert(sc.v[i], rate)
			if !ok || (dst.Amount > 0 && a > math.MaxInt64-dst.Amount) || (dst.Amount < 0 && a < math.MinInt64-dst.Amount) {
				return out, kamp.Errorf(kamp.EINVALID, "group %s: the sum of its indicators overflows", groupID)
			}
			dst.Amount += a
			dst.Valid = true
		}
	}
	return out, nil
}

// convert returns v × rate in Amount units, rounded half away from zero.
func convert(v int64, rate kamp.Rate) (kamp.Amount, bool) {
	neg := v < 0
	mag := uint64(v)
	if neg {
		mag = -mag
	}
	hi, lo := bits.Mul64(mag, uint64(rate))
	a, ok := roundRate(hi, lo)
	if neg {
		a = -a
	}
	return a, ok
}

// GroupMemberKinds returns the ids of every member of a group, in id
// order, and which of them are state bodies: what the control engine
// needs to explain a member's control path, without the names and
// controllers that GroupMembers joins in.
func (db *DB) GroupMemberKinds(ctx context.Context, v Viewer, groupID string) (ids []string, state []bool, err error) {
	if err := db.checkGroup(ctx, v, groupID); err != nil {
		return nil, nil, err
	}
	q, args := `SELECT g.entity_id, e.kind FROM entity_groups g JOIN entities e ON e.id = g.entity_id
		WHERE g.group_id = ?`, []any{groupID}
	if cond, cargs := v.memberCond(groupID, "e.branch"); cond != "" {
		q, args = q+" AND "+cond, append(args, cargs...)
	}
	rows, err := db.query(ctx, q+` ORDER BY g.entity_id`, args...)
	if err != nil {
		return nil, nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the members of %s", groupID)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind string
		if err := rows.Scan(&id, &kind); err != nil {
			return nil, nil, db.mapErr(err)
		}
		ids = append(ids, id)
		state = append(state, kind == string(kamp.KindState))
	}
	return ids, state, db.mapErr(rows.Err())
}
