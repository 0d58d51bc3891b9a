package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/screen"
)

// Strategic-client screening in the app (engines.md §2): runs of the screen
// engine over the stored data, kept with their inputs' fingerprint,
// weights, rules and results (screening_runs, screening_results), and the
// bank's official strategic list with its history (strategic_list), which
// changes only by maker-checker: a run's tiers adopted as the list
// (kamp.RequestAdoption), or a unit nominated or excluded with a reason
// (kamp.RequestNomination). Adjustments act on the official list, never on
// a run's computed tiers.

// Statuses of a screening run.
const (
	ScreeningRunning = runRunning
	ScreeningDone    = "done"
	ScreeningFailed  = runFailed
)

// Nomination operations.
const (
	NominationInclude = "include" // put a unit on the list at a tier (core or key)
	NominationExclude = "exclude" // keep a unit off the list
	AdoptionOp        = "adopt"   // a run's tiers become the list
)

// Sources of a strategic list spell.
const (
	SourceRun        = "run"
	SourceNomination = "nomination"
	SourceExclusion  = "exclusion"
)

// TierExcluded is the tier of a spell recording an approved exclusion: the
// unit is off the list and later adoptions leave it off.
const TierExcluded = "excluded"

// Audit actions of screening (free-form actions of the audit trail).
const (
	AuditScreeningRun   = kamp.AuditScreeningRun
	AuditStrategicList  = kamp.AuditStrategicList
	auditObjectRun      = "screening_run"
	auditObjectStrategy = "strategic_list"
)

// ScreeningRun is one stored run of the screen engine (批次).
type ScreeningRun struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     string    // ScreeningRunning, ScreeningDone or ScreeningFailed
	// Period is the metrics period screened, YYYY-MM ("" when there were
	// no metrics).
	Period string
	// Weights are the indicator weights in the syntax of
	// screen.ParseWeights; Rules the qualitative rules in force, in the
	// syntax of screen.ParseRules ("" for none).
	Weights string
	Rules   string
	// Fingerprint is the data version and the group run the input was read
	// from: DataVersion + "/" + group run id.
	Fingerprint string
	MadeBy      string
	Units       int
	// Concentration is the run's concentration report.
	Concentration screen.Concentration
	Message       string
}

// ScreeningInput is what the screen engine needs from the store for one
// period, with the standard indicators of each unit in CNY for display.
type ScreeningInput struct {
	Period string
	// Fingerprint identifies the data read: DataVersion + "/" + the latest
	// group run's id.
	Fingerprint string
	Data        *screen.Data
	// Amounts are each unit's standard indicators in CNY (the order of
	// kamp.StandardIndicators), by unit index of Data.
	Amounts [][4]kamp.Amount
	// Industries are each unit's GB/T 4754 industry code (a client's own,
	// a group root's), "" when unknown: what screening rules test.
	Industries []string
	// Used counts the metrics rows summed; Ignored those of non-clients.
	Used, Ignored int
}

// ScreeningResult is one ranked unit of a stored run.
type ScreeningResult struct {
	UnitID   string
	Name     string
	IsGroup  bool // a stored corporate group (else a client on its own)
	Rank     int
	Score    float64
	CumShare float64
	Tier     string
	Members  int
	// Indicators are the standard indicators in CNY, in the order of
	// kamp.StandardIndicators.
	Indicators [4]kamp.Amount
	// RuleTier is the tier the run's rules propose, where it differs from
	// Tier; "" otherwise.
	RuleTier string
}

// ScreeningFilter selects a run's results for ScreeningResults.
type ScreeningFilter struct {
	Tier string // core, key or general; "" for all
	// Proposals keeps the units whose rule tier differs from the
	// computed one.
	Proposals bool
	// Sort is "rank" (the default), "-members", "-revenue",
	// "-deposits_avg", "-loans_avg", "-fee_income" or "id".
	Sort   string
	Offset int
	Limit  int
}

// ScreeningSorts are the orders ScreeningFilter.Sort accepts.
var ScreeningSorts = []string{"rank", "-members", "-revenue", "-deposits_avg", "-loans_avg", "-fee_income", "id"}

// Tiers are the computed tiers, in order.
var Tiers = []string{"core", "key", "general"}

// DataFingerprint returns the fingerprint of the screening input: the data
// version and the latest successful group run ("none" before any).
func (db *DB) DataFingerprint(ctx context.Context) (string, error) {
	v, err := db.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	run, err := db.LatestGroupRun(ctx)
	switch {
	case kamp.ErrorCode(err) == kamp.ENOTFOUND:
		return v + "/none", nil
	case err != nil:
		return "", err
	}
	return v + "/" + run.ID, nil
}

// LatestPeriod returns the latest metrics period, "" when there are none.
func (db *DB) LatestPeriod(ctx context.Context) (string, error) {
	var p sql.NullString
	if err := db.queryRow(ctx, `SELECT MAX(period) FROM metrics`).Scan(&p); err != nil {
		return "", kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the latest metrics period")
	}
	return p.String, nil
}

// ScreeningData reads the screen engine's input for period ("" for the
// latest): the units are the stored groups with at least one client member
// (their id the group root) and the clients outside any stored group; each
// unit's indicators are its clients' metrics of the period, summed per
// currency and converted at the latest rate on or before the period's last
// day (screen.PeriodRates). Metrics rows of non-clients are ignored
// (counted in Ignored).
func (db *DB) ScreeningData(ctx context.Context, period string) (*ScreeningInput, error) {
	fp, err := db.DataFingerprint(ctx)
	if err != nil {
		return nil, err
	}
	if period == "" {
		if period, err = db.LatestPeriod(ctx); err != nil {
			return nil, err
		}
	}
	in := &ScreeningInput{Period: period, Fingerprint: fp}
	// Clients and their units, in client id order.
	rows, err := db.query(ctx, `SELECT e.id, COALESCE(g.group_id, e.id), COALESCE(e.industry, '') FROM entities e LEFT JOIN entity_groups g ON g.entity_id = e.id
		WHERE e.is_client ORDER BY e.id`)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the clients to screen")
	}
	var clients []string
	var clientUnit []int32
	unitIndex := map[string]int32{}
	var ids []string
	var members []int32
	for rows.Next() {
		var id, unit, industry string
		if err := rows.Scan(&id, &unit, &industry); err != nil {
			rows.Close()
			return nil, db.mapErr(err)
		}
		u, ok := unitIndex[unit]
		if !ok {
			u = int32(len(ids))
			unitIndex[unit] = u
			ids = append(ids, unit)
			members = append(members, 0)
			in.Industries = append(in.Industries, "")
		}
		if id == unit {
			in.Industries[u] = industry
		}
		members[u]++
		clients = append(clients, id)
		clientUnit = append(clientUnit, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	// A group's industry is its root's, clients or not.
	grows, err := db.query(ctx, `SELECT s.group_id, COALESCE(e.industry, '') FROM group_summaries s JOIN entities e ON e.id = s.group_id WHERE s.clients > 0`)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the industries of the groups")
	}
	for grows.Next() {
		var id, industry string
		if err := grows.Scan(&id, &industry); err != nil {
			grows.Close()
			return nil, db.mapErr(err)
		}
		if u, ok := unitIndex[id]; ok {
			in.Industries[u] = industry
		}
	}
	grows.Close()
	if err := grows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	clientOf := func(id string) int32 {
		if i, ok := slices.BinarySearch(clients, id); ok {
			return int32(i)
		}
		return -1
	}
	// The indicators: the standard four and any custom one of the period.
	indicators := slices.Clone(kamp.StandardIndicators)
	custom := map[string]int{}
	if period != "" {
		crow, err := db.query(ctx, `SELECT DISTINCT indicator FROM metric_values WHERE period = ? ORDER BY indicator`, period)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the custom indicators of %s", period)
		}
		for crow.Next() {
			var name string
			if err := crow.Scan(&name); err != nil {
				crow.Close()
				return nil, db.mapErr(err)
			}
			if !slices.Contains(indicators, name) {
				custom[name] = len(indicators)
				indicators = append(indicators, name)
			}
		}
		crow.Close()
		if err := crow.Err(); err != nil {
			return nil, db.mapErr(err)
		}
	}
	agg, err := screen.NewAggregator(ids, members, indicators)
	if err != nil {
		return nil, err
	}
	rates := screen.Rates{}
	if period != "" {
		fx, err := db.FXRates(ctx)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read exchange rates")
		}
		if rates, err = screen.PeriodRates(period, fx); err != nil {
			return nil, err
		}
	}
	sums := make([]acc128, len(ids)*4)
	if period != "" {
		rows, err := db.query(ctx, `SELECT client_id, currency, deposits_avg, loans_avg, revenue, fee_income FROM metrics WHERE period = ?`, period)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the metrics of %s", period)
		}
		for rows.Next() {
			var client, cur string
			var v [4]sql.NullInt64
			if err := rows.Scan(&client, &cur, &v[0], &v[1], &v[2], &v[3]); err != nil {
				rows.Close()
				return nil, db.mapErr(err)
			}
			c := clientOf(client)
			if c < 0 {
				in.Ignored++
				continue
			}
			in.Used++
			u := clientUnit[c]
			if cur == "" {
				cur = kamp.ReportingCurrency
			}
			ci := agg.CurrencyIndex(cur)
			rate, ok := rates[cur]
			if !ok && cur == kamp.ReportingCurrency {
				rate, ok = screen.RateOne, true
			}
			if !ok {
				rows.Close()
				return nil, kamp.Errorf(kamp.EINVALID, "metrics of %s: no exchange rate for %s on or before the end of %s", client, cur, period)
			}
			for k := range v {
				if v[k].Valid {
					agg.AddIndexed(u, ci, k, kamp.Amount(v[k].Int64))
					sums[int(u)*4+k].addProduct(v[k].Int64, uint64(rate))
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, db.mapErr(err)
		}
		if len(custom) > 0 {
			rows, err := db.query(ctx, `SELECT client_id, currency, indicator, value FROM metric_values WHERE period = ?`, period)
			if err != nil {
				return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the custom metrics of %s", period)
			}
			for rows.Next() {
				var client, cur, name string
				var val int64
				if err := rows.Scan(&client, &cur, &name, &val); err != nil {
					rows.Close()
					return nil, db.mapErr(err)
				}
				c := clientOf(client)
				k, ok := custom[name]
				if c < 0 || !ok {
					continue
				}
				agg.AddIndexed(clientUnit[c], agg.CurrencyIndex(cur), k, kamp.Amount(val))
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, db.mapErr(err)
			}
		}
	}
	if in.Data, err = agg.Totals(rates); err != nil {
		return nil, err
	}
	in.Amounts = make([][4]kamp.Amount, len(ids))
	for u := range in.Amounts {
		for k := range 4 {
			a, ok := sums[u*4+k].amount()
			if !ok {
				return nil, kamp.Errorf(kamp.EINVALID, "the %s of unit %s does not fit in an amount", kamp.StandardIndicators[k], ids[u])
			}
			in.Amounts[u][k] = a
		}
	}
	return in, nil
}

// acc128 is a signed 128-bit sum of amount × rate products (two's
// complement), rounded once to an Amount.
type acc128 struct {
	hi, lo uint64
}

// addProduct adds v × rate.
func (a *acc128) addProduct(v int64, rate uint64) {
	mag := uint64(v)
	if v < 0 {
		mag = -mag
	}
	ph, pl := bits.Mul64(mag, rate)
	if v < 0 {
		var b uint64
		pl, b = bits.Sub64(0, pl, 0)
		ph, _ = bits.Sub64(0, ph, b)
	}
	var c uint64
	a.lo, c = bits.Add64(a.lo, pl, 0)
	a.hi, _ = bits.Add64(a.hi, ph, c)
}

// amount rounds the sum half away from zero to an Amount; ok is false when
// it does not fit.
func (a acc128) amount() (kamp.Amount, bool) {
	hi, lo := a.hi, a.lo
	neg := int64(hi) < 0
	if neg {
		var b uint64
		lo, b = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, b)
	}
	v, ok := roundRate(hi, lo)
	if neg {
		v = -v
	}
	return v, ok
}

// StartScreeningRun records run as running.
func (db *DB) StartScreeningRun(ctx context.Context, run ScreeningRun) error {
	_, err := db.exec(ctx, `INSERT INTO screening_runs (id, started_at, status, period, weights, rules, fingerprint, made_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		run.ID, run.StartedAt.UTC(), ScreeningRunning, run.Period, run.Weights, run.Rules, run.Fingerprint, run.MadeBy)
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot record screening run %s", run.ID)
	}
	return nil
}

// FailScreeningRun records that a run stopped with an error message.
func (db *DB) FailScreeningRun(ctx context.Context, id string, at time.Time, message string) error {
	return db.failRun(ctx, "screening_runs", "screening run", id, at, message)
}

// FailRunningScreeningRuns marks runs left running by a process that
// stopped as failed.
func (db *DB) FailRunningScreeningRuns(ctx context.Context) error {
	return db.failRunningRuns(ctx, "screening_runs", "screening runs")
}

// SaveScreeningRun stores the result res of a run started with
// StartScreeningRun over in (its period, fingerprint and units) and marks
// it done, with an audit event, in one transaction. proposed, when not nil,
// is the tier the run's rules propose for each unit (screen.ApplyRules);
// it is kept where it differs from the computed tier.
func (db *DB) SaveScreeningRun(ctx context.Context, run ScreeningRun, in *ScreeningInput, res *screen.Result, proposed []screen.Tier) error {
	d := in.Data
	if len(res.Order) != d.Units() || len(in.Amounts) != d.Units() || (proposed != nil && len(proposed) != d.Units()) {
		return kamp.Errorf(kamp.EINTERNAL, "screening run %s: %d ranked units, %d amounts, %d units", run.ID, len(res.Order), len(in.Amounts), d.Units())
	}
	conc, err := json.Marshal(res.Concentration)
	if err != nil {
		return kamp.WrapError(kamp.EINTERNAL, err, "cannot encode the concentration of run %s", run.ID)
	}
	err = db.Transact(ctx, func(tx *Tx) error {
		const cols = "(run_id, unit_id, rank, score, cum_share, tier, members, deposits_avg, loans_avg, revenue, fee_income, rule_tier)"
		err := insertChunks(ctx, tx, "screening_results "+cols, 12, len(res.Order), func(i int, args []any) []any {
			u := res.Order[i]
			a := &in.Amounts[u]
			rule := ""
			if proposed != nil && proposed[u] != res.Tier[u] {
				rule = proposed[u].String()
			}
			return append(args, run.ID, d.UnitID(u), i+1, res.Score[u], res.CumShare[u], res.Tier[u].String(), int64(d.Members(u)),
				int64(a[0]), int64(a[1]), int64(a[2]), int64(a[3]), rule)
		})
		if err != nil {
			return err
		}
		r, err := tx.Exec(ctx, `UPDATE screening_runs SET status = ?, finished_at = ?, units = ?, concentration = ?, period = ?, fingerprint = ?, message = ?
			WHERE id = ? AND status = ?`, ScreeningDone, run.FinishedAt.UTC(), d.Units(), string(conc), in.Period, in.Fingerprint, run.Message,
			run.ID, ScreeningRunning)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err == nil && n != 1 {
			return kamp.Errorf(kamp.ECONFLICT, "screening run %s is not running", run.ID)
		}
		c := res.Concentration
		_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: AuditScreeningRun, ObjectType: auditObjectRun, ObjectID: run.ID,
			After: auditJSON(map[string]any{"period": in.Period, "weights": run.Weights, "rules": run.Rules, "fingerprint": in.Fingerprint,
				"units": d.Units(), "core": c.Tiers.Core, "key": c.Tiers.Key, "general": c.Tiers.General})})
		return err
	})
	if err != nil {
		return kamp.WrapError(kamp.ErrorCode(err), err, "cannot save screening run %s", run.ID)
	}
	return nil
}

const screeningRunCols = `id, started_at, finished_at, status, period, weights, rules, fingerprint, made_by, units, concentration, message`

func scanScreeningRun(sc interface{ Scan(...any) error }) (ScreeningRun, error) {
	var r ScreeningRun
	var fin sql.NullTime
	var conc string
	err := sc.Scan(&r.ID, &r.StartedAt, &fin, &r.Status, &r.Period, &r.Weights, &r.Rules, &r.Fingerprint, &r.MadeBy, &r.Units, &conc, &r.Message)
	if err != nil {
		return r, err
	}
	r.FinishedAt = fin.Time
	if conc != "" {
		if err := json.Unmarshal([]byte(conc), &r.Concentration); err != nil {
			return r, kamp.WrapError(kamp.EINTERNAL, err, "screening run %s: bad concentration", r.ID)
		}
	}
	return r, nil
}

// ScreeningRuns returns limit runs (0: DefaultLimit), newest first, from the
// offset-th on; more says whether older runs follow.
func (db *DB) ScreeningRuns(ctx context.Context, offset, limit int) (runs []ScreeningRun, more bool, err error) {
	return latestRuns(ctx, db, "screening runs", screeningRunCols, "screening_runs", offset, limit, scanScreeningRun)
}

// ScreeningRun returns one run, or ENOTFOUND.
func (db *DB) ScreeningRun(ctx context.Context, id string) (ScreeningRun, error) {
	r, err := scanScreeningRun(db.queryRow(ctx, `SELECT `+screeningRunCols+` FROM screening_runs WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return r, kamp.Errorf(kamp.ENOTFOUND, "no screening run %q", id)
	}
	if err != nil {
		return r, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read screening run %s", id)
	}
	return r, nil
}

// LatestScreeningRun returns the latest successful run, or ENOTFOUND.
func (db *DB) LatestScreeningRun(ctx context.Context) (ScreeningRun, error) {
	r, err := scanScreeningRun(db.queryRow(ctx, `SELECT `+screeningRunCols+` FROM screening_runs WHERE status = ?
		ORDER BY finished_at DESC, id DESC LIMIT 1`, ScreeningDone))
	if err == sql.ErrNoRows {
		return r, kamp.Errorf(kamp.ENOTFOUND, "no screening run has been stored yet")
	}
	if err != nil {
		return r, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read the latest screening run")
	}
	return r, nil
}

const resultCols = `r.unit_id, COALESCE(e.name, ''), s.group_id IS NOT NULL, r.rank, r.score, r.cum_share, r.tier, r.members,
	r.deposits_avg, r.loans_avg, r.revenue, r.fee_income, r.rule_tier`

const resultFrom = ` FROM screening_results r LEFT JOIN entities e ON e.id = r.unit_id LEFT JOIN group_summaries s ON s.group_id = r.unit_id`

func scanResult(sc interface{ Scan(...any) error }) (ScreeningResult, error) {
	var x ScreeningResult
	var a [4]int64
	err := sc.Scan(&x.UnitID, &x.Name, &x.IsGroup, &x.Rank, &x.Score, &x.CumShare, &x.Tier, &x.Members, &a[0], &a[1], &a[2], &a[3], &x.RuleTier)
	for k := range a {
		x.Indicators[k] = kamp.Amount(a[k])
	}
	return x, err
}

// ScreeningResults returns one page of a run's results that v may see, and
// how many match; ENOTFOUND when there is no such run.
func (db *DB) ScreeningResults(ctx context.Context, v Viewer, runID string, f ScreeningFilter) ([]ScreeningResult, int, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	if f.Offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "offset must not be negative")
	}
	run, err := db.ScreeningRun(ctx, runID)
	if err != nil {
		return nil, 0, err
	}
	where, args := []string{"r.run_id = ?"}, []any{runID}
	if f.Tier != "" {
		if !slices.Contains(Tiers, f.Tier) {
			return nil, 0, kamp.Errorf(kamp.EINVALID, "unknown tier %q: use core, key or general", f.Tier)
		}
		where, args = append(where, "r.tier = ?"), append(args, f.Tier)
	}
	if f.Proposals {
		where = append(where, "r.rule_tier <> ''")
	}
	if cond, cargs := v.unitCond("r.unit_id"); cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	order := ""
	switch f.Sort {
	case "", "rank":
		order = "r.rank"
	case "-members":
		order = "r.members DESC, r.rank"
	case "-revenue", "-deposits_avg", "-loans_avg", "-fee_income":
		order = "r." + f.Sort[1:] + " DESC, r.rank"
	case "id":
		order = "r.unit_id"
	default:
		return nil, 0, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use %s", f.Sort, strings.Join(ScreeningSorts, ", "))
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	// A bank-wide viewer's counts are the run's own; others are counted.
	total := -1
	if v.all && !f.Proposals {
		switch t := run.Concentration.Tiers; f.Tier {
		case "":
			total = run.Units
		case "core":
			total = t.Core
		case "key":
			total = t.Key
		case "general":
			total = t.General
		}
	}
	if total < 0 {
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM screening_results r`+cond, args...).Scan(&total); err != nil {
			return nil, 0, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot count the results of run %s", runID)
		}
	}
	// Page on screening_results alone, so that the rows skipped by the
	// offset are not joined with the names.
	from := strings.Replace(resultFrom, "FROM screening_results r", "FROM (SELECT * FROM screening_results r"+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?) r", 1)
	rows, err := db.query(ctx, `SELECT `+resultCols+from+` ORDER BY `+order, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the results of run %s", runID)
	}
	defer rows.Close()
	var out []ScreeningResult
	for rows.Next() {
		x, err := scanResult(rows)
		if err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, x)
	}
	return out, total, db.mapErr(rows.Err())
}

// ScreeningResult returns one unit's result in a run, or ENOTFOUND when it
// is not in the run or v may not see it.
func (db *DB) ScreeningResult(ctx context.Context, v Viewer, runID, unitID string) (ScreeningResult, error) {
	q, args := `SELECT `+resultCols+resultFrom+` WHERE r.run_id = ? AND r.unit_id = ?`, []any{runID, unitID}
	if cond, cargs := v.unitCond("r.unit_id"); cond != "" {
		q, args = q+" AND "+cond, append(args, cargs...)
	}
	x, err := scanResult(db.queryRow(ctx, q, args...))
	if err == sql.ErrNoRows {
		return x, kamp.Errorf(kamp.ENOTFOUND, "%s is not in screening run %s", unitID, runID)
	}
	if err != nil {
		return x, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot read %s in run %s", unitID, runID)
	}
	return x, nil
}

// TierChange is a unit whose tier differs between two runs.
type TierChange struct {
	UnitID  string
	Name    string
	IsGroup bool
	// From and To are the tiers in the older and newer run; "" when the
	// unit is not in that run.
	From, To         string
	FromRank, ToRank int
	// Indicator is the standard indicator whose contribution to the score
	// (weight × share) changed most, with its values in both runs; "" when
	// none changed.
	Indicator string
	Old, New  kamp.Amount
}

// RunComparison is what changed between two runs.
type RunComparison struct {
	From, To ScreeningRun
	// Counts are the changes by "from>to" tier pair ("" for absent), over
	// the units v may see.
	Counts map[string]int
	// Entered and Left count, by tier, the units that entered or left it.
	Entered, Left map[string]int
	// Changes are the first limit changes, by the better of the two ranks.
	Changes []TierChange
	Total   int
}

// CompareScreeningRuns compares run from (older) with run to (newer): the
// units v may see whose tier differs, each with the indicator that moved
// it most. ENOTFOUND when a run is missing.
func (db *DB) CompareScreeningRuns(ctx context.Context, v Viewer, fromID, toID string, limit int) (RunComparison, error) {
	var cmp RunComparison
	var err error
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	if cmp.From, err = db.ScreeningRun(ctx, fromID); err != nil {
		return cmp, err
	}
	if cmp.To, err = db.ScreeningRun(ctx, toID); err != nil {
		return cmp, err
	}
	// Each indicator's contribution to a unit's score in a run is
	// weight × share; the one whose contribution changed most moved it.
	var scale [2][4]float64
	for i, run := range []ScreeningRun{cmp.From, cmp.To} {
		w, err := screen.ParseWeights(run.Weights)
		if err != nil {
			return cmp, kamp.WrapError(kamp.EINTERNAL, err, "run %s has bad weights %q", run.ID, run.Weights)
		}
		var pos [4]sql.NullFloat64
		pf := func(col string) string {
			return `SUM(CAST(CASE WHEN ` + col + ` > 0 THEN ` + col + ` ELSE 0 END AS DOUBLE PRECISION))`
		}
		if err := db.queryRow(ctx, `SELECT `+pf("deposits_avg")+`, `+pf("loans_avg")+`, `+pf("revenue")+`, `+pf("fee_income")+`
			FROM screening_results WHERE run_id = ?`, run.ID).Scan(&pos[0], &pos[1], &pos[2], &pos[3]); err != nil {
			return cmp, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot sum the indicators of run %s", run.ID)
		}
		for k, name := range kamp.StandardIndicators {
			if pos[k].Float64 > 0 {
				scale[i][k] = w[name] / pos[k].Float64
			}
		}
	}
	cmp.Counts, cmp.Entered, cmp.Left = map[string]int{}, map[string]int{}, map[string]int{}
	cond, cargs := v.unitCond("x.unit_id")
	if cond != "" {
		cond = " AND " + cond
	}
	// Units in the newer run whose tier changed or that are new, then
	// units of the older run that are gone.
	q := `SELECT x.unit_id, COALESCE(e.name, ''), s.group_id IS NOT NULL, COALESCE(o.tier, ''), x.tier, COALESCE(o.rank, 0), x.rank,
		COALESCE(o.deposits_avg, 0), COALESCE(o.loans_avg, 0), COALESCE(o.revenue, 0), COALESCE(o.fee_income, 0),
		x.deposits_avg, x.loans_avg, x.revenue, x.fee_income
		FROM screening_results x LEFT JOIN screening_results o ON o.run_id = ? AND o.unit_id = x.unit_id
		LEFT JOIN entities e ON e.id = x.unit_id LEFT JOIN group_summaries s ON s.group_id = x.unit_id
		WHERE x.run_id = ? AND (o.unit_id IS NULL OR o.tier <> x.tier)` + cond + `
		UNION ALL
		SELECT x.unit_id, COALESCE(e.name, ''), s.group_id IS NOT NULL, x.tier, '', x.rank, 0,
		x.deposits_avg, x.loans_avg, x.revenue, x.fee_income, 0, 0, 0, 0
		FROM screening_results x LEFT JOIN screening_results n ON n.run_id = ? AND n.unit_id = x.unit_id
		LEFT JOIN entities e ON e.id = x.unit_id LEFT JOIN group_summaries s ON s.group_id = x.unit_id
		WHERE x.run_id = ? AND n.unit_id IS NULL` + cond
	args := append([]any{fromID, toID}, cargs...)
	args = append(append(args, toID, fromID), cargs...)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return cmp, kamp.WrapError(kamp.EINTERNAL, err, "cannot compare runs %s and %s", fromID, toID)
	}
	defer rows.Close()
	for rows.Next() {
		var c TierChange
		var o, n [4]int64
		if err := rows.Scan(&c.UnitID, &c.Name, &c.IsGroup, &c.From, &c.To, &c.FromRank, &c.ToRank,
			&o[0], &o[1], &o[2], &o[3], &n[0], &n[1], &n[2], &n[3]); err != nil {
			return cmp, db.mapErr(err)
		}
		cmp.Total++
		cmp.Counts[c.From+">"+c.To]++
		if c.To != "" {
			cmp.Entered[c.To]++
		}
		if c.From != "" {
			cmp.Left[c.From]++
		}
		best := 0.0
		for k, name := range kamp.StandardIndicators {
			moved := math.Abs(scale[1][k]*float64(max(n[k], 0)) - scale[0][k]*float64(max(o[k], 0)))
			if moved > best {
				best, c.Indicator, c.Old, c.New = moved, name, kamp.Amount(o[k]), kamp.Amount(n[k])
			}
		}
		cmp.Changes = append(cmp.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return cmp, db.mapErr(err)
	}
	key := func(c TierChange) int {
		switch {
		case c.ToRank == 0:
			return c.FromRank
		case c.FromRank == 0:
			return c.ToRank
		}
		return min(c.FromRank, c.ToRank)
	}
	slices.SortFunc(cmp.Changes, func(a, b TierChange) int {
		if d := key(a) - key(b); d != 0 {
			return d
		}
		return strings.Compare(a.UnitID, b.UnitID)
	})
	if len(cmp.Changes) > limit {
		cmp.Changes = cmp.Changes[:limit]
	}
	return cmp, nil
}

// ListEntry is one spell of a unit on the official strategic list.
type ListEntry struct {
	ID      string
	UnitID  string
	Name    string
	IsGroup bool
	Tier    string // core, key, or TierExcluded
	From    string // YYYY-MM-DD
	To      string // YYYY-MM-DD, "" while in force
	Source  string // SourceRun, SourceNomination or SourceExclusion
	RunID   string
	// RequestID is the change request that made the spell, Reason its
	// reason.
	RequestID string
	Reason    string
}

const listCols = `l.id, l.unit_id, COALESCE(e.name, ''), s.group_id IS NOT NULL, l.tier, l.effective_from, COALESCE(l.effective_to, ''),
	l.source, l.run_id, l.request_id, COALESCE(c.reason, '')`

const listFrom = ` FROM strategic_list l LEFT JOIN entities e ON e.id = l.unit_id LEFT JOIN group_summaries s ON s.group_id = l.unit_id
	LEFT JOIN change_requests c ON c.id = l.request_id`

func scanListEntry(sc interface{ Scan(...any) error }) (ListEntry, error) {
	var l ListEntry
	err := sc.Scan(&l.ID, &l.UnitID, &l.Name, &l.IsGroup, &l.Tier, &l.From, &l.To, &l.Source, &l.RunID, &l.RequestID, &l.Reason)
	return l, err
}

func (db *DB) listEntries(ctx context.Context, q string, args ...any) ([]ListEntry, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read the strategic list")
	}
	defer rows.Close()
	var out []ListEntry
	for rows.Next() {
		l, err := scanListEntry(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		out = append(out, l)
	}
	return out, db.mapErr(rows.Err())
}

// StrategicList returns one page of the official list in force that v may
// see (core, then key; with excluded true, the standing exclusions
// instead), by tier then unit id, and how many there are.
func (db *DB) StrategicList(ctx context.Context, v Viewer, excluded bool, offset, limit int) ([]ListEntry, int, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit || offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d and offset not negative", MaxLimit)
	}
	cond := ` WHERE l.effective_to IS NULL AND l.tier <> ?`
	if excluded {
		cond = ` WHERE l.effective_to IS NULL AND l.tier = ?`
	}
	args := []any{TierExcluded}
	if c, cargs := v.unitCond("l.unit_id"); c != "" {
		cond, args = cond+" AND "+c, append(args, cargs...)
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM strategic_list l`+cond, args...).Scan(&total); err != nil {
		return nil, 0, kamp.WrapError(kamp.EINTERNAL, db.mapErr(err), "cannot count the strategic list")
	}
	out, err := db.listEntries(ctx, `SELECT `+listCols+listFrom+cond+` ORDER BY CASE l.tier WHEN 'core' THEN 0 WHEN 'key' THEN 1 ELSE 2 END, l.unit_id LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	return out, total, err
}

// UnitListHistory returns every spell of a unit on the official list,
// newest first; ENOTFOUND when v may not see the unit.
func (db *DB) UnitListHistory(ctx context.Context, v Viewer, unitID string) ([]ListEntry, error) {
	if _, _, err := db.UnitName(ctx, v, unitID); err != nil {
		return nil, err
	}
	return db.listEntries(ctx, `SELECT `+listCols+listFrom+` WHERE l.unit_id = ? ORDER BY l.effective_from DESC, COALESCE(l.effective_to, '9999') DESC, l.id`, unitID)
}

// ListChanges returns the latest limit spells that began or ended, newest
// first, of units v may see: the list's history.
func (db *DB) ListChanges(ctx context.Context, v Viewer, limit int) ([]ListEntry, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = DefaultLimit
	}
	q, args := `SELECT `+listCols+listFrom, []any{}
	if c, cargs := v.unitCond("l.unit_id"); c != "" {
		q, args = q+" WHERE "+c, cargs
	}
	return db.listEntries(ctx, q+` ORDER BY COALESCE(l.effective_to, l.effective_from) DESC, l.effective_from DESC, l.id LIMIT ?`, append(args, limit)...)
}

// checkUnit checks in tx that id is a unit that screening ranks: a stored
// group with a client, or a client outside any group.
func (db *DB) checkUnit(ctx context.Context, tx *Tx, id string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM group_summaries WHERE group_id = ? AND clients > 0`, id).Scan(&n); err != nil {
		return db.mapErr(err)
	}
	if n > 0 {
		return nil
	}
	var client bool
	var group sql.NullString
	err := tx.QueryRow(ctx, `SELECT e.is_client, g.group_id FROM entities e LEFT JOIN entity_groups g ON g.entity_id = e.id WHERE e.id = ?`, id).Scan(&client, &group)
	if err == sql.ErrNoRows {
		return kamp.Errorf(kamp.ENOTFOUND, "no client or group %q", id)
	}
	if err != nil {
		return db.mapErr(err)
	}
	switch {
	case group.Valid && group.String != id:
		return kamp.Errorf(kamp.EINVALID, "%s belongs to group %s: nominate the group", id, group.String)
	case !client:
		return kamp.Errorf(kamp.EINVALID, "%s is not a client and heads no group with clients", id)
	}
	return nil
}

// currentSpell returns a unit's spell in force in tx, or ok false.
func currentSpell(ctx context.Context, tx *Tx, unitID string) (id, tier, source string, ok bool, err error) {
	err = tx.QueryRow(ctx, `SELECT id, tier, source FROM strategic_list WHERE unit_id = ? AND effective_to IS NULL`, unitID).Scan(&id, &tier, &source)
	if err == sql.ErrNoRows {
		return "", "", "", false, nil
	}
	return id, tier, source, err == nil, err
}

// ProposeNomination records maker's proposal to include a unit in the
// official list at tier (core or key) or to exclude it (op
// NominationInclude or NominationExclude), with a reason. It takes effect
// when a second person with kamp.ActApproveNomination approves it.
func (db *DB) ProposeNomination(ctx context.Context, maker kamp.User, unitID, op, tier, reason string) (kamp.ChangeRequest, error) {
	var cr kamp.ChangeRequest
	v, err := db.ViewerFor(ctx, maker)
	if err != nil {
		return cr, err
	}
	unitID = strings.TrimSpace(unitID)
	if _, _, err := db.UnitName(ctx, v, unitID); err != nil {
		return cr, err
	}
	if !maker.Can(kamp.ActProposeNomination) {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "your role may not propose nominations")
	}
	switch op {
	case NominationInclude:
		if tier != "core" && tier != "key" {
			return cr, kamp.Errorf(kamp.EINVALID, "a nomination puts a unit on the list as core or key, not %q", tier)
		}
	case NominationExclude:
		tier = ""
	default:
		return cr, kamp.Errorf(kamp.EINVALID, "unknown nomination %q: use include or exclude", op)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cr, kamp.Errorf(kamp.EINVALID, "say why: a reason is required")
	}
	cr = kamp.ChangeRequest{ID: changeRequestID(ctx), Kind: kamp.RequestNomination, Subject: unitID, Op: op, Detail: tier,
		Reason: reason, Status: kamp.RequestPending, MadeBy: maker.Login, MadeAt: db.Now().UTC().Truncate(time.Microsecond)}
	err = db.Transact(ctx, func(tx *Tx) error {
		if err := db.checkNomination(ctx, tx, cr); err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM change_requests WHERE kind = ? AND subject = ? AND status = ?`,
			kamp.RequestNomination, unitID, kamp.RequestPending).Scan(&pending); err != nil {
			return db.mapErr(err)
		}
		if pending > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "a nomination of %s already waits for approval", unitID)
		}
		return db.insertRequest(ctx, tx, cr)
	})
	return cr, err
}

// checkNomination checks that a nomination makes sense now: the subject is
// a unit, and it changes the unit's standing on the list.
func (db *DB) checkNomination(ctx context.Context, tx *Tx, cr kamp.ChangeRequest) error {
	if err := db.checkUnit(ctx, tx, cr.Subject); err != nil {
		return err
	}
	_, tier, _, ok, err := currentSpell(ctx, tx, cr.Subject)
	if err != nil {
		return db.mapErr(err)
	}
	switch {
	case cr.Op == NominationInclude && ok && tier == cr.Detail:
		return kamp.Errorf(kamp.ECONFLICT, "%s is already on the list as %s", cr.Subject, tier)
	case cr.Op == NominationExclude && ok && tier == TierExcluded:
		return kamp.Errorf(kamp.ECONFLICT, "%s is already excluded from the list", cr.Subject)
	}
	return nil
}

// applyNomination carries out an approved nomination in tx: the unit's
// spell in force ends today and a new one begins (an exclusion is a spell
// of tier TierExcluded).
func (db *DB) applyNomination(ctx context.Context, tx *Tx, cr kamp.ChangeRequest, by string) error {
	if err := db.checkNomination(ctx, tx, cr); err != nil {
		return err
	}
	today := db.today()
	spell, before, _, ok, err := currentSpell(ctx, tx, cr.Subject)
	if err != nil {
		return db.mapErr(err)
	}
	if ok {
		if _, err := tx.Exec(ctx, `UPDATE strategic_list SET effective_to = ? WHERE id = ?`, today, spell); err != nil {
			return err
		}
	}
	tier, source := cr.Detail, SourceNomination
	if cr.Op == NominationExclude {
		tier, source = TierExcluded, SourceExclusion
	}
	if _, err := tx.Exec(ctx, `INSERT INTO strategic_list (id, unit_id, tier, effective_from, source, request_id) VALUES (?, ?, ?, ?, ?, ?)`,
		NewID(), cr.Subject, tier, today, source, cr.ID); err != nil {
		return err
	}
	_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: AuditStrategicList, ObjectType: auditObjectStrategy, ObjectID: cr.Subject,
		Before: auditJSON(map[string]string{"tier": before}), After: auditJSON(map[string]string{"tier": tier, "source": source, "request": cr.ID, "approved_by": by})})
	return err
}

// ProposeAdoption records maker's proposal to adopt run runID's tiers as
// the official strategic list. It takes effect on the day a second person
// with kamp.ActApproveNomination approves it.
func (db *DB) ProposeAdoption(ctx context.Context, maker kamp.User, runID, reason string) (kamp.ChangeRequest, error) {
	var cr kamp.ChangeRequest
	if !maker.Can(kamp.ActProposeNomination) {
		return cr, kamp.Errorf(kamp.EFORBIDDEN, "your role may not propose the strategic list")
	}
	run, err := db.ScreeningRun(ctx, runID)
	if err != nil {
		return cr, err
	}
	if run.Status != ScreeningDone {
		return cr, kamp.Errorf(kamp.EINVALID, "run %s is %s: only a finished run can be adopted", runID, run.Status)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return cr, kamp.Errorf(kamp.EINVALID, "say why: a reason is required")
	}
	cr = kamp.ChangeRequest{ID: changeRequestID(ctx), Kind: kamp.RequestAdoption, Subject: runID, Op: AdoptionOp, Detail: runID,
		Reason: reason, Status: kamp.RequestPending, MadeBy: maker.Login, MadeAt: db.Now().UTC().Truncate(time.Microsecond)}
	err = db.Transact(ctx, func(tx *Tx) error {
		var pending int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM change_requests WHERE kind = ? AND status = ?`,
			kamp.RequestAdoption, kamp.RequestPending).Scan(&pending); err != nil {
			return db.mapErr(err)
		}
		if pending > 0 {
			return kamp.Errorf(kamp.ECONFLICT, "an adoption of a run already waits for approval: decide it first")
		}
		return db.insertRequest(ctx, tx, cr)
	})
	return cr, err
}

// applyAdoption carries out an approved adoption in tx: from today, the
// list holds the run's core and key units. A unit whose tier stays keeps
// its spell; a unit whose spell in force came from a nomination or an
// exclusion keeps it (qualitative adjustments stand until changed by
// another); every other spell in force ends today, and a new spell begins
// for each core or key unit of the run without one.
func (db *DB) applyAdoption(ctx context.Context, tx *Tx, cr kamp.ChangeRequest, by string) error {
	runID := cr.Detail
	var status string
	if err := tx.QueryRow(ctx, `SELECT status FROM screening_runs WHERE id = ?`, runID).Scan(&status); err != nil {
		if err == sql.ErrNoRows {
			return kamp.Errorf(kamp.ENOTFOUND, "no screening run %q", runID)
		}
		return db.mapErr(err)
	}
	today := db.today()
	// Spells from runs whose unit is not core or key in this run, or at
	// another tier, end today.
	res, err := tx.Exec(ctx, `UPDATE strategic_list SET effective_to = ? WHERE effective_to IS NULL AND source = ? AND NOT EXISTS (
		SELECT 1 FROM screening_results r WHERE r.run_id = ? AND r.unit_id = strategic_list.unit_id AND r.tier = strategic_list.tier)`,
		today, SourceRun, runID)
	if err != nil {
		return err
	}
	ended, _ := res.RowsAffected()
	res, err = tx.Exec(ctx, `INSERT INTO strategic_list (id, unit_id, tier, effective_from, source, run_id, request_id)
		SELECT ? || r.unit_id, r.unit_id, r.tier, ?, ?, ?, ? FROM screening_results r
		WHERE r.run_id = ? AND r.tier IN ('core', 'key') AND NOT EXISTS (
			SELECT 1 FROM strategic_list l WHERE l.unit_id = r.unit_id AND l.effective_to IS NULL)`,
		NewID()+":", today, SourceRun, runID, cr.ID, runID)
	if err != nil {
		return err
	}
	began, _ := res.RowsAffected()
	_, err = db.AuditTx(ctx, tx, kamp.AuditEvent{Action: AuditStrategicList, ObjectType: auditObjectStrategy, ObjectID: "run:" + runID,
		After: auditJSON(map[string]any{"run": runID, "from": today, "spells_ended": ended, "spells_begun": began, "request": cr.ID, "approved_by": by})})
	return err
}

// applyListRequest carries out an approved nomination or adoption in tx.
func (db *DB) applyListRequest(ctx context.Context, tx *Tx, cr kamp.ChangeRequest, by string) error {
	if cr.Kind == kamp.RequestAdoption {
		return db.applyAdoption(ctx, tx, cr, by)
	}
	return db.applyNomination(ctx, tx, cr, by)
}

// visibleRequests returns the change requests of crs that v may see, in
// their order: an adoption concerns the whole bank and is seen by bank-wide
// viewers; any other request by those who may see its unit (UnitNames, one
// query per chunk of units).
func (db *DB) visibleRequests(ctx context.Context, v Viewer, crs []kamp.ChangeRequest) ([]kamp.ChangeRequest, error) {
	var subjects []string
	seen := map[string]bool{}
	for _, cr := range crs {
		if cr.Kind != kamp.RequestAdoption && !seen[cr.Subject] {
			seen[cr.Subject] = true
			subjects = append(subjects, cr.Subject)
		}
	}
	units, err := db.UnitNames(ctx, v, subjects)
	if err != nil {
		return nil, err
	}
	out := crs[:0:0]
	for _, cr := range crs {
		_, ok := units[cr.Subject]
		if cr.Kind == kamp.RequestAdoption {
			ok = v.all
		}
		if ok {
			out = append(out, cr)
		}
	}
	return out, nil
}

// UnitRef is a unit's name and kind, as lists show it.
type UnitRef struct {
	Name    string
	IsGroup bool
}

// UnitNames returns the names of the units ids that v may see; units out
// of scope or unknown are absent.
func (db *DB) UnitNames(ctx context.Context, v Viewer, ids []string) (map[string]UnitRef, error) {
	out := make(map[string]UnitRef, len(ids))
	for start := 0; start < len(ids); start += groupChunk {
		chunk := ids[start:min(start+groupChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := `SELECT e.id, e.name, s.group_id IS NOT NULL FROM entities e LEFT JOIN group_summaries s ON s.group_id = e.id WHERE ` + in("e.id", len(chunk))
		if cond, cargs := v.unitCond("e.id"); cond != "" {
			q, args = q+" AND "+cond, append(args, cargs...)
		}
		rows, err := db.query(ctx, q, args...)
		if err != nil {
			return nil, kamp.WrapError(kamp.EINTERNAL, err, "cannot read unit names")
		}
		for rows.Next() {
			var id string
			var r UnitRef
			if err := rows.Scan(&id, &r.Name, &r.IsGroup); err != nil {
				rows.Close()
				return nil, db.mapErr(err)
			}
			out[id] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, db.mapErr(err)
		}
	}
	return out, nil
}
