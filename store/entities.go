package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/kampbank/kamp"
)

// MaxLimit is the largest page a list query returns.
const MaxLimit = 1000

// DefaultLimit is the page size when none is asked for.
const DefaultLimit = 50

// EntityFilter selects entities for FindEntities. Empty fields do not filter.
type EntityFilter struct {
	// Q matches an exact id, an exact USCC or LEI, or a part of the name.
	Q        string
	Kind     string
	IsClient *bool
	Branch   string
	Country  string
	// Sort is "id" (the default), "-id", "name" or "-name".
	Sort string
	// After is a keyset cursor: only ids strictly greater (Sort "id" only).
	After  string
	Offset int
	Limit  int
}

const entityCols = `id, name, kind, COALESCE(uscc, ''), COALESCE(lei, ''), country, COALESCE(industry, ''), COALESCE(branch, ''), is_client`

func scanEntity(sc interface{ Scan(...any) error }) (kamp.Entity, error) {
	var e kamp.Entity
	var kind string
	err := sc.Scan(&e.ID, &e.Name, &kind, &e.USCC, &e.LEI, &e.Country, &e.Industry, &e.Branch, &e.IsClient)
	e.Kind = kamp.EntityKind(kind)
	return e, err
}

// likeEscape escapes LIKE wildcards in s; the queries use ESCAPE '\'.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// FindEntities returns one page of the entities that match f and that v
// may see, and how many match in all.
func (db *DB) FindEntities(ctx context.Context, v Viewer, f EntityFilter) ([]kamp.Entity, int, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "limit must be between 1 and %d", MaxLimit)
	}
	if f.Offset < 0 {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "offset must not be negative")
	}
	if !v.all || strings.TrimSpace(f.Q) != "" || f.Kind != "" || f.IsClient != nil || f.Branch != "" || f.Country != "" {
		return db.findIndexed(ctx, v, f)
	}
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Q); q != "" {
		where = append(where, `(id = ? OR uscc = ? OR lei = ? OR LOWER(name) LIKE ? ESCAPE '\')`)
		args = append(args, q, strings.ToUpper(q), strings.ToUpper(q), "%"+strings.ToLower(likeEscape(q))+"%")
	}
	if f.Kind != "" {
		where = append(where, `kind = ?`)
		args = append(args, f.Kind)
	}
	if f.IsClient != nil {
		where = append(where, `is_client = ?`)
		args = append(args, *f.IsClient)
	}
	if f.Branch != "" {
		where = append(where, `branch = ?`)
		args = append(args, f.Branch)
	}
	if f.Country != "" {
		where = append(where, `country = ?`)
		args = append(args, strings.ToUpper(f.Country))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM entities`+cond, args...).Scan(&total); err != nil {
		return nil, 0, db.mapErr(err)
	}
	order := " ORDER BY id"
	switch f.Sort {
	case "", "id":
	case "-id":
		order = " ORDER BY id DESC"
	case "name":
		order = " ORDER BY name, id"
	case "-name":
		order = " ORDER BY name DESC, id DESC"
	default:
		return nil, 0, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use id, -id, name or -name", f.Sort)
	}
	if f.After != "" {
		if f.Sort != "" && f.Sort != "id" {
			return nil, 0, kamp.Errorf(kamp.EINVALID, "a cursor works only with the default order by id")
		}
		if cond == "" {
			cond = " WHERE id > ?"
		} else {
			cond += " AND id > ?"
		}
		args = append(args, f.After)
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := db.query(ctx, `SELECT `+entityCols+` FROM entities`+cond+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []kamp.Entity
	for rows.Next() {
		e, err := scanEntity(rows)
		if err != nil {
			return nil, 0, db.mapErr(err)
		}
		out = append(out, e)
	}
	return out, total, db.mapErr(rows.Err())
}

// findIndexed answers a search from the in-memory entity index, then reads
// the page's rows.
func (db *DB) findIndexed(ctx context.Context, v Viewer, f EntityFilter) ([]kamp.Entity, int, error) {
	switch f.Sort {
	case "", "id", "-id", "name", "-name":
	default:
		return nil, 0, kamp.Errorf(kamp.EINVALID, "cannot sort by %q: use id, -id, name or -name", f.Sort)
	}
	if f.After != "" && f.Sort != "" && f.Sort != "id" {
		return nil, 0, kamp.Errorf(kamp.EINVALID, "a cursor works only with the default order by id")
	}
	idx, err := db.entityIndex(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows := idx.match(f, v.rowFilter(idx))
	total := len(rows)
	if f.After != "" {
		n, _ := slices.BinarySearchFunc(rows, f.After, func(r int32, after string) int {
			return strings.Compare(idx.ids[r], after)
		})
		for n < len(rows) && idx.ids[rows[n]] <= f.After {
			n++
		}
		rows = rows[n:]
	}
	if f.Offset >= len(rows) {
		return nil, total, nil
	}
	rows = rows[f.Offset:min(len(rows), f.Offset+f.Limit)]
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = idx.ids[r]
	}
	es, err := db.entitiesByID(ctx, ids)
	return es, total, err
}

// entitiesByID reads the entities with the given ids, in that order; ids that
// no longer exist are left out.
func (db *DB) entitiesByID(ctx context.Context, ids []string) ([]kamp.Entity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT ` + entityCols + ` FROM entities WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[string]kamp.Entity, len(ids))
	for rows.Next() {
		e, err := scanEntity(rows)
		if err != nil {
			return nil, db.mapErr(err)
		}
		byID[e.ID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	out := make([]kamp.Entity, 0, len(ids))
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// Entity returns the entity with the given id, or ENOTFOUND when there is
// none or v may not see it.
func (db *DB) Entity(ctx context.Context, v Viewer, id string) (kamp.Entity, error) {
	e, err := scanEntity(db.queryRow(ctx, `SELECT `+entityCols+` FROM entities WHERE id = ?`, id))
	if err == sql.ErrNoRows || (err == nil && !v.seesEntity(e.ID, e.Branch)) {
		return kamp.Entity{}, kamp.Errorf(kamp.ENOTFOUND, "no entity %q", id)
	}
	return e, db.mapErr(err)
}

// checkEntity returns ENOTFOUND unless the entity exists and v may see it.
func (db *DB) checkEntity(ctx context.Context, v Viewer, id string) error {
	if v.all {
		return nil
	}
	_, err := db.Entity(ctx, v, id)
	return err
}

// HoldingRow is a holding with the names of both sides.
type HoldingRow struct {
	kamp.Holding
	HolderName string
	EntityName string
}

func (db *DB) holdings(ctx context.Context, v Viewer, col, id string) ([]HoldingRow, error) {
	if err := db.checkEntity(ctx, v, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT h.holder_id, h.entity_id, COALESCE(h.share, 0), h.agreement, COALESCE(h.as_of, ''), a.name, b.name,
		COALESCE(a.branch, ''), COALESCE(b.branch, '')
		FROM holdings h JOIN entities a ON a.id = h.holder_id JOIN entities b ON b.id = h.entity_id
		WHERE h.`+col+` = ? ORDER BY COALESCE(h.share, 0) DESC, h.holder_id, h.entity_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HoldingRow
	for rows.Next() {
		var r HoldingRow
		var share int64
		var holderBranch, entityBranch string
		if err := rows.Scan(&r.HolderID, &r.EntityID, &share, &r.Agreement, &r.AsOf, &r.HolderName, &r.EntityName, &holderBranch, &entityBranch); err != nil {
			return nil, db.mapErr(err)
		}
		if !v.seesEntity(r.HolderID, holderBranch) || !v.seesEntity(r.EntityID, entityBranch) {
			continue
		}
		r.Share = kamp.Share(share)
		out = append(out, r)
	}
	return out, db.mapErr(rows.Err())
}

// HoldersOf returns who holds the entity, largest share first: the holders
// v may see.
func (db *DB) HoldersOf(ctx context.Context, v Viewer, id string) ([]HoldingRow, error) {
	return db.holdings(ctx, v, "entity_id", id)
}

// HoldingsOf returns what the entity holds, largest share first: the held
// entities v may see.
func (db *DB) HoldingsOf(ctx context.Context, v Viewer, id string) ([]HoldingRow, error) {
	return db.holdings(ctx, v, "holder_id", id)
}

func nullAmount(v sql.NullInt64) kamp.NullAmount {
	return kamp.NullAmount{Amount: kamp.Amount(v.Int64), Valid: v.Valid}
}

// MetricsOf returns the client's metrics, newest period first, custom
// indicators included; ENOTFOUND when v may not see the client.
func (db *DB) MetricsOf(ctx context.Context, v Viewer, id string) ([]kamp.Metric, error) {
	if err := db.checkEntity(ctx, v, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT period, currency, deposits_avg, loans_avg, revenue, fee_income
		FROM metrics WHERE client_id = ? ORDER BY period DESC, currency`, id)
	if err != nil {
		return nil, err
	}
	var out []kamp.Metric
	for rows.Next() {
		m := kamp.Metric{ClientID: id}
		var d, l, r, f sql.NullInt64
		if err := rows.Scan(&m.Period, &m.Currency, &d, &l, &r, &f); err != nil {
			rows.Close()
			return nil, db.mapErr(err)
		}
		m.DepositsAvg, m.LoansAvg, m.Revenue, m.FeeIncome = nullAmount(d), nullAmount(l), nullAmount(r), nullAmount(f)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	rows, err = db.query(ctx, `SELECT period, currency, indicator, value FROM metric_values WHERE client_id = ? ORDER BY indicator`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var period, cur, ind string
		var v int64
		if err := rows.Scan(&period, &cur, &ind, &v); err != nil {
			return nil, db.mapErr(err)
		}
		for i := range out {
			if out[i].Period == period && out[i].Currency == cur {
				if out[i].Custom == nil {
					out[i].Custom = map[string]kamp.Amount{}
				}
				out[i].Custom[ind] = kamp.Amount(v)
			}
		}
	}
	return out, db.mapErr(rows.Err())
}

// ExposuresOf returns the client's exposures, largest first; ENOTFOUND when
// v may not see the client.
func (db *DB) ExposuresOf(ctx context.Context, v Viewer, id string) ([]kamp.Exposure, error) {
	if err := db.checkEntity(ctx, v, id); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT facility_id, client_id, COALESCE(product, ''), currency, amount, COALESCE(as_of, '')
		FROM exposures WHERE client_id = ? ORDER BY amount DESC, facility_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kamp.Exposure
	for rows.Next() {
		var e kamp.Exposure
		var amt int64
		if err := rows.Scan(&e.FacilityID, &e.ClientID, &e.Product, &e.Currency, &amt, &e.AsOf); err != nil {
			return nil, db.mapErr(err)
		}
		e.Amount = kamp.Amount(amt)
		out = append(out, e)
	}
	return out, db.mapErr(rows.Err())
}

// Stats are the headline counts of the dashboard. For a viewer who does not
// see everything, Entities and Clients count what they see, Scoped is set
// and the other counts (bank-wide data volumes) are left zero.
type Stats struct {
	Scoped                                                             bool
	Entities, Clients, Holdings, Metrics, Exposures, Payments, FXRates int64
	LatestPeriod                                                       string
	LastImport                                                         time.Time
}

// Stats counts what the database holds, as v may see it.
func (db *DB) Stats(ctx context.Context, v Viewer) (Stats, error) {
	var s Stats
	if !v.all {
		idx, err := db.entityIndex(ctx)
		if err != nil {
			return s, err
		}
		visible := v.rowFilter(idx)
		s.Scoped = true
		for i := range idx.ids {
			if visible(int32(i)) {
				s.Entities++
				if idx.client[i] {
					s.Clients++
				}
			}
		}
		return s, nil
	}
	err := db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM entities),
		(SELECT COUNT(*) FROM entities WHERE is_client = TRUE),
		(SELECT COUNT(*) FROM holdings),
		(SELECT COUNT(*) FROM metrics),
		(SELECT COUNT(*) FROM exposures),
		(SELECT COUNT(*) FROM payments),
		(SELECT COUNT(*) FROM fx_rates),
		COALESCE((SELECT MAX(period) FROM metrics), '')`).Scan(
		&s.Entities, &s.Clients, &s.Holdings, &s.Metrics, &s.Exposures, &s.Payments, &s.FXRates, &s.LatestPeriod)
	if err != nil {
		return s, db.mapErr(err)
	}
	var last sql.NullTime
	err = db.queryRow(ctx, `SELECT finished_at FROM import_batches WHERE status IN ('loaded', 'partial')
		ORDER BY finished_at DESC LIMIT 1`).Scan(&last)
	if err != nil && err != sql.ErrNoRows {
		return s, db.mapErr(err)
	}
	if last.Valid {
		s.LastImport = last.Time
	}
	return s, nil
}

// EntityKey is what the importer needs to know of a stored entity to check
// references and uniqueness.
type EntityKey struct {
	ID, USCC, LEI string
	IsClient      bool
	State         bool
}

// EachEntityKey calls fn for every stored entity, in id order.
func (db *DB) EachEntityKey(ctx context.Context, fn func(EntityKey) error) error {
	rows, err := db.query(ctx, `SELECT id, COALESCE(uscc, ''), COALESCE(lei, ''), is_client, kind FROM entities ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var k EntityKey
	var kind string
	for rows.Next() {
		if err := rows.Scan(&k.ID, &k.USCC, &k.LEI, &k.IsClient, &kind); err != nil {
			return db.mapErr(err)
		}
		k.State = kind == string(kamp.KindState)
		if err := fn(k); err != nil {
			return err
		}
	}
	return db.mapErr(rows.Err())
}

// EachHolding calls fn for every stored holding.
func (db *DB) EachHolding(ctx context.Context, fn func(kamp.Holding) error) error {
	rows, err := db.query(ctx, `SELECT holder_id, entity_id, COALESCE(share, 0), agreement, COALESCE(as_of, '') FROM holdings ORDER BY entity_id, holder_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h kamp.Holding
		var share int64
		if err := rows.Scan(&h.HolderID, &h.EntityID, &share, &h.Agreement, &h.AsOf); err != nil {
			return db.mapErr(err)
		}
		h.Share = kamp.Share(share)
		if err := fn(h); err != nil {
			return err
		}
	}
	return db.mapErr(rows.Err())
}

// FXRates returns every stored exchange rate, by currency and date.
func (db *DB) FXRates(ctx context.Context) ([]kamp.FXRate, error) {
	rows, err := db.query(ctx, `SELECT date, currency, rate FROM fx_rates ORDER BY currency, date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kamp.FXRate
	for rows.Next() {
		var f kamp.FXRate
		var r int64
		if err := rows.Scan(&f.Date, &f.Currency, &r); err != nil {
			return nil, db.mapErr(err)
		}
		f.Rate = kamp.Rate(r)
		out = append(out, f)
	}
	return out, db.mapErr(rows.Err())
}

// EachPayment calls fn for every stored payment, in transaction id order.
func (db *DB) EachPayment(ctx context.Context, fn func(kamp.Payment) error) error {
	rows, err := db.query(ctx, `SELECT txn_id, date, COALESCE(payer_id, ''), COALESCE(payer_name, ''), COALESCE(payee_id, ''),
		COALESCE(payee_name, ''), amount, currency FROM payments ORDER BY txn_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p kamp.Payment
		var amount int64
		if err := rows.Scan(&p.TxnID, &p.Date, &p.PayerID, &p.PayerName, &p.PayeeID, &p.PayeeName, &amount, &p.Currency); err != nil {
			return db.mapErr(err)
		}
		p.Amount = kamp.Amount(amount)
		if err := fn(p); err != nil {
			return err
		}
	}
	return db.mapErr(rows.Err())
}
