package chain

import (
	"math/bits"
	"sync"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/names"
)

// Direction says which way money flows between a strategic unit and a
// counterparty, as seen from the unit. It is a bit set: Both is Upstream |
// Downstream.
type Direction uint8

// Directions.
const (
	Upstream   Direction = 1 // the unit's members pay the counterparty (a supplier)
	Downstream Direction = 2 // the counterparty pays the unit's members (a customer)
	Both       Direction = Upstream | Downstream
)

// String returns "upstream", "downstream" or "both" ("" for no direction).
func (d Direction) String() string {
	switch d {
	case Upstream:
		return "upstream"
	case Downstream:
		return "downstream"
	case Both:
		return "both"
	}
	return ""
}

// Stats counts what happened to the payments given to Add without error.
type Stats struct {
	// Payments is the number of payments accepted by Add.
	Payments int64
	// OutOfRange were dated outside From..To and skipped.
	OutOfRange int64
	// Internal had both sides in one group and were ignored.
	Internal int64
	// Outside touched no strategic unit.
	Outside int64
	// Counted added to at least one edge; TwoUnits of them, between two
	// strategic units, added to two.
	Counted, TwoUnits int64
	// NameMatched, NameUnmatched and NameAmbiguous count the name-only sides
	// of in-range payments by how their match key resolved.
	NameMatched, NameUnmatched, NameAmbiguous int64
}

// u128 is an unsigned 128-bit integer: an exact sum in units of 1e-14 of the
// reporting currency (an Amount of 1e-4 times a Rate of 1e-10).
type u128 struct{ hi, lo uint64 }

// add returns s+t and false when it does not fit in 128 bits.
func (s u128) add(t u128) (u128, bool) {
	lo, c := bits.Add64(s.lo, t.lo, 0)
	hi, c2 := bits.Add64(s.hi, t.hi, c)
	return u128{hi, lo}, c2 == 0
}

// amount rounds s half-up to an Amount (1e-4 units) and reports false when
// it does not fit.
func (s u128) amount() (kamp.Amount, bool) {
	const unit = 1e10 // 1e-14 units per 1e-4 unit
	if s.hi >= unit {
		return 0, false
	}
	q, r := bits.Div64(s.hi, s.lo, unit)
	if r >= unit/2 {
		q++
	}
	if q > 1<<63-1 {
		return 0, false
	}
	return kamp.Amount(q), true
}

// side is one resolved side of a payment.
type side struct {
	cp     int32 // counterparty: entity index, or -1-k for unmatched name k
	entity int32 // entity index, or -1 when unmatched
	match  names.Match
	byName bool
}

// Accumulator streams payments into per-(unit, direction, counterparty)
// edges. Build it with New, call Add for every payment, then Result. It is
// not safe for concurrent use; to take payments on parallel goroutines,
// give them to its shards (NewShard) instead.
type Accumulator struct {
	ids      []string
	isClient []bool
	// group numbers the group of every entity: the strategic units are
	// groups 0 to nUnits-1, numbered as units, the other groups follow.
	// Four bytes an entity tell both whether a payment is internal and
	// which units it touches.
	group    []int32
	nUnits   int32
	byIDOnce sync.Once
	byIDMap  map[string]int32 // see byID
	index    *NameIndex
	unitRoot []int32 // unit -> its group root

	currency  map[string]int32
	fx        []rates
	reporting int32
	from, to  int32

	// Unmatched names, interned: name k has key names[k]; ambiguous[k]
	// reports that two or more entities share it and sides[k] counts the
	// payment sides that used an ambiguous key.
	nameOf    map[string]int32
	names     []string
	ambiguous []bool
	sides     []int64

	// Edges, as columns.
	edgeOf    map[uint64]int32
	edgeUnit  []int32
	edgeDir   []Direction
	edgeCP    []int32
	edgeSum   []u128
	edgeN     []int64
	edgeFirst []int32
	edgeLast  []int32

	stats Stats
	buf   []byte

	// For the shards (shard.go): the FX rates in one table (currency ci's from rateBase[ci], and RateOne at
	// rateOne), the buckets of (unit rank, direction) slots, and the
	// unmatched names.
	rateTab      []kamp.Rate
	rateBase     []uint32
	rateOne      uint32
	nBuckets     int
	bucketShift  uint
	shared       *nameTable
	shardMu      sync.Mutex
	shards       []*Shard
	entOrderOnce sync.Once
	entOrder     []int32
	// plainIDs says that no entity id needs quotes in a CSV field; set
	// with entOrder.
	plainIDs bool
}

// New checks in and returns an Accumulator ready for payments. Errors
// (EINVALID): columns of different lengths, an empty or duplicate id, a group
// root that is not its own root, a strategic unit that is not a group root
// or is listed twice, a malformed or inverted date range, and a malformed FX
// rate (bad date or currency code, rate <= 0, two different rates for one
// currency on one date).
func New(in Input) (*Accumulator, error) {
	a := &Accumulator{
		nameOf: map[string]int32{},
		edgeOf: map[uint64]int32{},
		buf:    make([]byte, 0, 256),
		shared: &nameTable{},
	}
	if err := a.prepare(&in); err != nil {
		return nil, err
	}
	return a, nil
}

// Add takes one payment. A payment dated outside From..To is skipped; one
// whose sides fall in one group, or that touches no strategic unit, is
// counted in Stats only; otherwise its amount, converted to the reporting
// currency, is added to the edge of each strategic unit it touches: to
// (payer's unit, Upstream, payee) and to (payee's unit, Downstream, payer).
//
// Errors (EINVALID), which leave the accumulator as it was: a malformed
// date, an amount <= 0, a side with neither id nor name, an id that is not
// an entity, a name whose match key is empty, a currency without a rate on
// or before the end of the payment's month, and an exact sum that overflows.
func (a *Accumulator) Add(p kamp.Payment) error { return a.add(p, -1, -1) }

// AddIndexed is Add for a payment whose sides given by id the caller has
// already resolved: payer and payee are the entity indexes of PayerID and
// PayeeID (in Input.IDs), or -1 for a side given by name only. It skips the
// id lookups that Add makes, which are a quarter of its time on large
// banks; the results are the same as Add's.
func (a *Accumulator) AddIndexed(p kamp.Payment, payer, payee int32) error {
	if err := a.checkIndexes(&p, payer, payee, true); err != nil {
		return err
	}
	return a.add(p, payer, payee)
}

// checkIndexes checks the entity indexes given to AddIndexed.
// With compareIDs, the ids themselves are compared too.
func (a *Accumulator) checkIndexes(p *kamp.Payment, payer, payee int32, compareIDs bool) error {
	// Written out for each side: a loop over the two sides copied them
	// through the stack, a tenth of AddBatch's time.
	if !a.indexMatches(payer, p.PayerID, compareIDs) {
		return kamp.Errorf(kamp.EINVALID, "payment %q: payer index %d does not match payer_id %q", p.TxnID, payer, p.PayerID)
	}
	if !a.indexMatches(payee, p.PayeeID, compareIDs) {
		return kamp.Errorf(kamp.EINVALID, "payment %q: payee index %d does not match payee_id %q", p.TxnID, payee, p.PayeeID)
	}
	return nil
}

// indexMatches reports whether idx is a valid index for a side whose id is
// id: an entity's index when id is set (and, with compareIDs, that entity's
// id is id), -1 or less when it is not.
func (a *Accumulator) indexMatches(idx int32, id string, compareIDs bool) bool {
	if idx >= int32(len(a.ids)) || (idx >= 0) != (id != "") {
		return false
	}
	return !compareIDs || idx < 0 || a.ids[idx] == id
}

// add adds p; payer and payee are its id sides' entity indexes when known,
// else -1 (and Add looks the ids up).
func (a *Accumulator) add(p kamp.Payment, payerIdx, payeeIdx int32) error {
	d, ok := parseDate(p.Date)
	if !ok {
		return kamp.Errorf(kamp.EINVALID, "payment %q: date %q is not YYYY-MM-DD", p.TxnID, p.Date)
	}
	if d < a.from || d > a.to {
		a.stats.Payments++
		a.stats.OutOfRange++
		return nil
	}
	if p.Amount <= 0 {
		return kamp.Errorf(kamp.EINVALID, "payment %q: amount %s is not > 0", p.TxnID, p.Amount)
	}
	payer, err := a.side(p.TxnID, "payer", payerIdx, p.PayerID, p.PayerName)
	if err != nil {
		return err
	}
	payee, err := a.side(p.TxnID, "payee", payeeIdx, p.PayeeID, p.PayeeName)
	if err != nil {
		return err
	}
	internal, uPayer, uPayee := a.units(payer.entity, payee.entity)
	var v u128
	if uPayer >= 0 || uPayee >= 0 {
		rate, err := a.rate(p.TxnID, p.Currency, d)
		if err != nil {
			return err
		}
		v.hi, v.lo = bits.Mul64(uint64(p.Amount), uint64(rate))
	}
	// Look up the edges and check for overflow before changing anything.
	kUp, kDown := edgeKey(uPayer, Upstream, payee.cp), edgeKey(uPayee, Downstream, payer.cp)
	eUp, eDown := int32(-1), int32(-1)
	if uPayer >= 0 {
		if e, ok := a.edgeOf[kUp]; ok {
			if _, ok := a.edgeSum[e].add(v); !ok {
				return kamp.Errorf(kamp.EINVALID, "payment %q: the sum of unit %q upstream to %q overflows", p.TxnID, a.ids[a.unitRoot[uPayer]], a.cpString(payee.cp))
			}
			eUp = e
		}
	}
	if uPayee >= 0 {
		if e, ok := a.edgeOf[kDown]; ok {
			if _, ok := a.edgeSum[e].add(v); !ok {
				return kamp.Errorf(kamp.EINVALID, "payment %q: the sum of unit %q downstream from %q overflows", p.TxnID, a.ids[a.unitRoot[uPayee]], a.cpString(payer.cp))
			}
			eDown = e
		}
	}

	// Commit.
	a.stats.Payments++
	a.note(payer)
	a.note(payee)
	switch {
	case internal:
		a.stats.Internal++
		return nil
	case uPayer < 0 && uPayee < 0:
		a.stats.Outside++
		return nil
	}
	a.stats.Counted++
	if uPayer >= 0 {
		if eUp < 0 {
			eUp = a.newEdge(kUp, uPayer, Upstream, payee.cp, d)
		}
		a.addTo(eUp, v, d)
	}
	if uPayee >= 0 {
		if eDown < 0 {
			eDown = a.newEdge(kDown, uPayee, Downstream, payer.cp, d)
		}
		a.addTo(eDown, v, d)
	}
	if uPayer >= 0 && uPayee >= 0 {
		a.stats.TwoUnits++
	}
	return nil
}

// units reports whether a payment between entities payer and payee (-1:
// unmatched) is internal to a group and, when it is not, the strategic
// units of its sides (or -1).
func (a *Accumulator) units(payer, payee int32) (internal bool, uPayer, uPayee int32) {
	p, q := int32(-1), int32(-2)
	if payer >= 0 {
		p = a.group[payer]
	}
	if payee >= 0 {
		q = a.group[payee]
	}
	if p == q {
		return true, -1, -1
	}
	return false, a.unit(p), a.unit(q)
}

// unit returns the strategic unit of group g, or -1 for none (and for g
// < 0).
func (a *Accumulator) unit(g int32) int32 {
	if g < 0 || g >= a.nUnits {
		return -1
	}
	return g
}

// edgeKey packs (unit, direction, counterparty) into one map key: unit in
// the top 31 bits, the direction in bit 32, the counterparty in the low 32.
func edgeKey(unit int32, dir Direction, cp int32) uint64 {
	return uint64(uint32(unit))<<33 | uint64(dir-1)<<32 | uint64(uint32(cp))
}

// newEdge appends an empty edge and returns its index.
func (a *Accumulator) newEdge(key uint64, unit int32, dir Direction, cp int32, d int32) int32 {
	e := int32(len(a.edgeUnit))
	a.edgeOf[key] = e
	a.edgeUnit = append(a.edgeUnit, unit)
	a.edgeDir = append(a.edgeDir, dir)
	a.edgeCP = append(a.edgeCP, cp)
	a.edgeSum = append(a.edgeSum, u128{})
	a.edgeN = append(a.edgeN, 0)
	a.edgeFirst = append(a.edgeFirst, d)
	a.edgeLast = append(a.edgeLast, d)
	return e
}

// addTo adds one payment of v on day d to edge e (overflow already checked).
func (a *Accumulator) addTo(e int32, v u128, d int32) {
	a.edgeSum[e], _ = a.edgeSum[e].add(v)
	a.edgeN[e]++
	if d < a.edgeFirst[e] {
		a.edgeFirst[e] = d
	}
	if d > a.edgeLast[e] {
		a.edgeLast[e] = d
	}
}

// note counts a committed side in Stats and in the ambiguity report.
func (a *Accumulator) note(s side) {
	if !s.byName {
		return
	}
	switch s.match {
	case names.Unique:
		a.stats.NameMatched++
	case names.Ambiguous:
		a.stats.NameAmbiguous++
		a.sides[-1-s.cp]++
	default:
		a.stats.NameUnmatched++
	}
}

// resolve resolves one side of payment txn; role is "payer" or "payee".
// side resolves one side of a payment, by its known entity index when idx
// is not -1.
func (a *Accumulator) side(txn, role string, idx int32, id, name string) (side, error) {
	if idx >= 0 {
		return side{cp: idx, entity: idx}, nil
	}
	return a.resolve(txn, role, id, name)
}

func (a *Accumulator) resolve(txn, role, id, name string) (side, error) {
	if id != "" {
		e, ok := a.byID(id)
		if !ok {
			return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: %s_id %q is not in entities", txn, role, id)
		}
		return side{cp: e, entity: e}, nil
	}
	if name == "" {
		return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: the %s has neither id nor name", txn, role)
	}
	a.buf = names.AppendMatchKey(a.buf[:0], name)
	if len(a.buf) == 0 {
		return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: %s_name %q has an empty match key", txn, role, name)
	}
	e, m := a.index.Lookup(a.buf)
	if m == names.Unique {
		return side{cp: e, entity: e, match: m, byName: true}, nil
	}
	k, ok := a.nameOf[string(a.buf)]
	if !ok {
		if len(a.names) >= 1<<31-1 {
			return side{}, kamp.Errorf(kamp.EINVALID, "payment %q: too many distinct unmatched names", txn)
		}
		k = int32(len(a.names))
		key := string(a.buf)
		a.nameOf[key] = k
		a.names = append(a.names, key)
		a.ambiguous = append(a.ambiguous, m == names.Ambiguous)
		a.sides = append(a.sides, 0)
	}
	return side{cp: -1 - k, entity: -1, match: m, byName: true}, nil
}

// rate returns the rate of currency (empty: the reporting currency) for a
// payment dated d.
func (a *Accumulator) rate(txn, currency string, d int32) (kamp.Rate, error) {
	ci := a.reporting
	if currency != "" && currency != kamp.ReportingCurrency {
		c, ok := a.currency[currency]
		if !ok {
			return 0, kamp.Errorf(kamp.EINVALID, "payment %q: unknown currency %q: no rate in FX", txn, currency)
		}
		ci = c
	}
	r, ok := a.fx[ci].at(d / 100)
	if !ok {
		if ci == a.reporting {
			return RateOne, nil
		}
		return 0, kamp.Errorf(kamp.EINVALID, "payment %q: unknown currency %q: no rate on or before the end of %s", txn, currency, formatDate(d)[:7])
	}
	return r, nil
}

// cpString returns the counterparty string of cp: an entity id or a match
// key.
func (a *Accumulator) cpString(cp int32) string {
	if cp >= 0 {
		return a.ids[cp]
	}
	return a.names[-1-cp]
}

// byID returns the entity of id. The map it looks in is built at its
// first call: AddIndexed and the CLI's shards never need it.
func (a *Accumulator) byID(id string) (int32, bool) {
	a.byIDOnce.Do(func() {
		a.byIDMap = make(map[string]int32, len(a.ids))
		for i, id := range a.ids {
			a.byIDMap[id] = int32(i)
		}
	})
	e, ok := a.byIDMap[id]
	return e, ok
}

// Stats returns the counts so far.
func (a *Accumulator) Stats() Stats { return a.stats }
