package dataset

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/hugepage"
)

// Exposures are the exposures of exposures.csv summed per entity in the
// reporting currency.
type Exposures struct {
	// ByEntity[i] is the exposure of entity i in the reporting currency
	// (CNY): the exact sum of its rows' amount × rate, rounded half-up to
	// the Amount unit once, at the end.
	ByEntity []kamp.Amount
	// Rows counts the rows of the file.
	Rows int
}

// exposureColumns are the columns of exposures.csv that must be present.
var exposureColumns = []string{"client_id", "facility_id", "amount"}

// expChunk is what a worker makes of one chunk of exposures.csv.
type expChunk struct {
	arena  []byte // facility ids
	ends   []uint32
	hashes []uint64
	lines  []int32
	// The good rows' clients and amounts converted to the reporting
	// currency, in units of 1e-14 (an Amount unit times a Rate unit).
	client []int32
	hi, lo []uint64
	probs  *problems
}

// expScratch is a worker's reusable buffers for a chunk's client ids and
// rows.
type expScratch struct {
	ids  []byte
	ends []uint32
	idx  []int32
	rows []expRow
}

// expRow is a row of exposures.csv whose client is being looked up.
type expRow struct {
	amount, rate uint64
	line         int32
	ok           bool // no problem so far
}

// LoadExposures reads exposures.csv (or .csv.gz, .xlsx) at path and sums the
// exposures per entity of ents in the reporting currency, converting with
// fx (which may be nil: then only CNY is known). The rate of a row is the
// latest on or before its as_of date when given, else the latest rate of its
// currency. Every row is checked: client_id names an entity of ents;
// facility_id is a valid id, unique in the file; currency is empty (CNY) or
// an ISO 4217 code (any case) with a rate; amount has at most 4 decimals and
// is not negative; as_of is empty or a valid date. Bad rows make it fail
// with a *ProblemError.
func LoadExposures(ctx context.Context, path string, ents *Entities, fx *FX, opt Options) (*Exposures, error) {
	t, err := openTable(path, exposureColumns)
	if err != nil {
		return nil, err
	}
	return loadExposures(ctx, t, ents, fx, opt)
}

func loadExposures(ctx context.Context, t *table, ents *Entities, fx *FX, opt Options) (*Exposures, error) {
	opt = opt.withDefaults()
	n := ents.Len()
	nf := len(t.header)
	ci, fi, ai := t.col("client_id"), t.col("facility_id"), t.col("amount")
	cui, di := t.col("currency"), t.col("as_of")
	seed := newSeed()
	scratch := make([]*expScratch, opt.Workers)
	chunks, err := scan(ctx, t, opt.Workers, nil, func(w int, recs records) *expChunk {
		sc := scratch[w]
		if sc == nil {
			sc = &expScratch{}
			scratch[w] = sc
		}
		c := &expChunk{probs: newProblems(t, opt.MaxProblems)}
		if hint := recs.sizeHint(); hint > 0 {
			c.arena = make([]byte, 0, 10*hint)
			c.ends = make([]uint32, 0, hint)
			c.hashes = make([]uint64, 0, hint)
			c.lines = make([]int32, 0, hint)
			c.client = make([]int32, 0, hint)
			c.hi = make([]uint64, 0, hint)
			c.lo = make([]uint64, 0, hint)
		}
		rc := rateCache{fx: fx}
		// First the fields other than client_id, keeping the client ids
		// to look them up all at once.
		sc.ids, sc.ends, sc.rows = sc.ids[:0], sc.ends[:0], sc.rows[:0]
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			fac := f[fi]
			if !c.probs.required(line, "facility_id", fac) {
				ok = false
			} else if err := check.ID(str(fac)); err != nil {
				c.probs.addErr(line, "facility_id", fac, err)
				ok = false
			}
			var amount int64
			if v := f[ai]; !c.probs.required(line, "amount", v) {
				ok = false
			} else if a, err := check.ParseFixed(str(v), kamp.AmountScale, false); err != nil {
				c.probs.addErr(line, "amount", v, err)
				ok = false
			} else {
				amount = a
			}
			var cur, date []byte
			if cui >= 0 {
				cur = f[cui]
			}
			if di >= 0 {
				date = f[di]
			}
			rate, col, reason := rc.rate(cur, date)
			if reason != "" {
				bad := cur
				if col == "as_of" {
					bad = date
				}
				c.probs.add(line, col, bad, reason)
				ok = false
			}
			if ok {
				c.arena = append(c.arena, fac...)
				c.ends = append(c.ends, uint32(len(c.arena)))
				c.hashes = append(c.hashes, maphash.Bytes(seed, fac))
				c.lines = append(c.lines, int32(line))
			}
			sc.ids = append(sc.ids, f[ci]...)
			sc.ends = append(sc.ends, uint32(len(sc.ids)))
			sc.rows = append(sc.rows, expRow{amount: uint64(amount), rate: uint64(rate), line: int32(line), ok: ok})
		}
		sc.idx = slices.Grow(sc.idx[:0], len(sc.ends))[:len(sc.ends)]
		ents.ix.findAll(sc.ids, sc.ends, 1, sc.idx)
		start := uint32(0)
		for k, r := range sc.rows {
			id := sc.ids[start:sc.ends[k]]
			start = sc.ends[k]
			client := sc.idx[k]
			if client < 0 {
				refProblem(c.probs, int(r.line), "client_id", id)
				continue
			}
			if !r.ok {
				continue
			}
			hi, lo := bits.Mul64(r.amount, r.rate)
			c.client = append(c.client, client)
			c.hi = append(c.hi, hi)
			c.lo = append(c.lo, lo)
		}
		return c
	})
	if err != nil {
		return nil, err
	}
	probs := make([]*problems, len(chunks))
	rows, size := 0, 0
	for i, c := range chunks {
		probs[i] = c.probs
		rows += len(c.ends)
		size += len(c.arena)
	}
	if err := mergeProblems(t, opt.MaxProblems, probs); err != nil {
		return nil, err
	}
	if size > math.MaxUint32 {
		return nil, fmt.Errorf("%s: %d bytes of facility ids are more than kamp can index", t.name, size)
	}
	if err := uniqueFacilities(t, seed, chunks, rows, size, opt); err != nil {
		return nil, err
	}
	// Sum per entity exactly, then round once.
	hi, lo := hugepage.Make[uint64](n), hugepage.Make[uint64](n)
	for _, c := range chunks {
		for k, v := range c.client {
			var carry uint64
			lo[v], carry = bits.Add64(lo[v], c.lo[k], 0)
			hi[v], carry = bits.Add64(hi[v], c.hi[k], carry)
			if carry != 0 {
				return nil, kamp.Errorf(kamp.EINVALID, "%s: the exposure of %s is too large to hold", t.name, ents.IDs[v])
			}
		}
	}
	x := &Exposures{ByEntity: make([]kamp.Amount, n), Rows: rows}
	for v := range n {
		if hi[v] == 0 && lo[v] == 0 {
			continue
		}
		amt, ok := roundRate(hi[v], lo[v])
		if !ok {
			return nil, kamp.Errorf(kamp.EINVALID, "%s: the exposure of %s is too large to hold", t.name, ents.IDs[v])
		}
		x.ByEntity[v] = amt
	}
	return x, nil
}

// uniqueFacilities reports facility ids that appear twice. It sorts their
// hashes to find whether any two are equal; only then, which is rare, does
// it index the ids themselves to tell true duplicates, with their lines,
// from equal hashes.
func uniqueFacilities(t *table, seed maphash.Seed, chunks []*expChunk, rows, size int, opt Options) error {
	hashes := make([]uint64, 0, rows)
	for _, c := range chunks {
		hashes = append(hashes, c.hashes...)
	}
	if !hasEqual(hashes) {
		return nil
	}
	if size > math.MaxUint32 {
		return fmt.Errorf("%s: %d bytes of facility ids are more than kamp can index", t.name, size)
	}
	var arena strings.Builder
	arena.Grow(size)
	ends := make([]uint32, 0, rows)
	lines := make([]int32, 0, rows)
	for _, c := range chunks {
		base := uint32(arena.Len())
		arena.Write(c.arena)
		for _, end := range c.ends {
			ends = append(ends, base+end)
		}
		lines = append(lines, c.lines...)
	}
	ix, dups := buildIndex(seed, arena.String(), ends, hashes, opt.Workers)
	if len(dups) == 0 {
		return nil
	}
	p := newProblems(t, opt.MaxProblems)
	for _, d := range dups {
		p.add(int(lines[d.second]), "facility_id", []byte(ix.id(d.second)), fmt.Sprintf("duplicate facility_id: the same as line %d", lines[d.first]))
	}
	return mergeProblems(t, opt.MaxProblems, []*problems{p})
}

// hasEqual reports whether two of the hashes are equal. It sorts a copy by
// its top bits, enough of them that equal tops are rare, and compares the
// hashes within each run of equal tops.
func hasEqual(hashes []uint64) bool {
	n := len(hashes)
	top := uint(radixDigit)
	for top < 64 && n > 1<<(top-2) {
		top += radixDigit
	}
	top = min(top, 64)
	a := radixSortWords(slices.Clone(hashes), make([]uint64, n), 64-top, 64)
	for i := 0; i < n; {
		j := i + 1
		for j < n && a[j]>>(64-top) == a[i]>>(64-top) {
			j++
		}
		for x := i; x < j; x++ {
			for y := x + 1; y < j; y++ {
				if a[x] == a[y] {
					return true
				}
			}
		}
		i = j
	}
	return false
}

// rateCache finds the rate of a row's currency and date, remembering the
// last ones: the rows of a file mostly share them.
type rateCache struct {
	fx        *FX
	cur, date []byte
	last      kamp.Rate
	valid     bool // cur and date hold the last good pair
}

// rate returns the rate for the currency and as_of fields of a row, or the
// column at fault and the reason.
func (rc *rateCache) rate(cur, date []byte) (rate kamp.Rate, col, reason string) {
	if rc.valid && bytes.Equal(cur, rc.cur) && bytes.Equal(date, rc.date) {
		return rc.last, "", ""
	}
	rc.valid = false
	code, reason := currencyCode(cur)
	if reason != "" {
		return 0, "currency", reason
	}
	if len(date) > 0 {
		if err := check.Date(str(date)); err != nil {
			return 0, "as_of", kamp.ErrorMessage(err)
		}
	}
	rate, ok := rc.fx.Rate(code, string(date))
	if !ok {
		first := rc.fx.first(code)
		if first == "" {
			return 0, "currency", "unknown currency: no exchange rate for " + code + " in fx.csv"
		}
		return 0, "currency", fmt.Sprintf("no exchange rate for %s on or before %s (the first is on %s)", code, date, first)
	}
	rc.cur = append(rc.cur[:0], cur...)
	rc.date = append(rc.date[:0], date...)
	rc.last, rc.valid = rate, true
	return rate, "", ""
}

// roundRate rounds the 128-bit value hi:lo, in units of an Amount unit
// times a Rate unit, half-up to an Amount; ok is false when the result does
// not fit.
func roundRate(hi, lo uint64) (kamp.Amount, bool) {
	const unit = uint64(rateOne)
	if hi >= unit {
		return 0, false
	}
	q, r := lo/unit, lo%unit
	if hi != 0 {
		q, r = bits.Div64(hi, lo, unit)
	}
	up := r >= unit-r // half or more: round up
	if q > math.MaxInt64 || up && q == math.MaxInt64 {
		return 0, false
	}
	if up {
		q++
	}
	return kamp.Amount(q), true
}

// currencyCode returns the upper-case currency code of a currency field
// (CNY when empty), or the reason it is not one.
func currencyCode(v []byte) (code, reason string) {
	if len(v) == 0 {
		return kamp.ReportingCurrency, ""
	}
	code = strings.ToUpper(string(v))
	if err := check.Currency(code); err != nil {
		return "", kamp.ErrorMessage(err)
	}
	return code, ""
}
