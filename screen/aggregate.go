package screen

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
)

// Aggregator sums indicator values exactly per (unit, currency, indicator),
// then, in Totals, converts each (unit, currency) sum at its currency's rate
// and sums exactly per unit. Units are indexed 0..n-1 in the order of the ids
// given to NewAggregator; currencies are interned to small indexes by
// CurrencyIndex. Memory grows with the number of distinct (unit, currency)
// pairs, not with the number of rows.
//
// An Aggregator is not safe for concurrent use. Totals does not change it, so
// more rows may be added afterwards and Totals called again.
type Aggregator struct {
	ids        []string
	members    []int32
	indicators []string
	indIndex   map[string]int
	stdIndex   [4]int // index of each kamp.StandardIndicators entry, -1 if absent
	idOrder    []int32
	k          int

	curCodes []string
	curIndex map[string]int32
	curUsed  []bool
	lastCode string // the code CurrencyIndex returned last, and its index
	lastCur  int32

	// Slot u < n is unit u's first (unit, currency) slot; further currencies
	// of a unit get slots appended after n, chained by slotNext.
	slotCur  []int32 // currency index + 1, 0 while the slot is unused
	slotNext []int32 // the unit's next slot, 0 for none (no chained slot is < n)
	sums     []int64 // slot*k + indicator: the sum, modulo 2^64
	wraps    map[int]int64
	zeroK    []int64
}

// NewAggregator returns an Aggregator for the units with the given ids (unique;
// ties in the ranking are broken by comparing them as byte strings), their
// client member counts, and the indicators to sum (unique names such as those
// of kamp.StandardIndicators and lower-cased custom headers). The slices are
// kept, not copied: do not change them afterwards. Ids given in byte order
// save a sort. Errors are EINVALID.
func NewAggregator(unitIDs []string, members []int32, indicators []string) (*Aggregator, error) {
	if len(members) != len(unitIDs) {
		return nil, kamp.Errorf(kamp.EINVALID, "aggregator: %d unit ids but %d member counts", len(unitIDs), len(members))
	}
	if len(unitIDs) > math.MaxInt32 {
		return nil, kamp.Errorf(kamp.EINVALID, "aggregator: %d units is more than %d", len(unitIDs), math.MaxInt32)
	}
	for u, m := range members {
		if m < 0 {
			return nil, kamp.Errorf(kamp.EINVALID, "aggregator: unit %q has a negative member count %d", unitIDs[u], m)
		}
	}
	order, err := idOrder(unitIDs)
	if err != nil {
		return nil, err
	}
	a := &Aggregator{
		ids:        unitIDs,
		members:    members,
		indicators: indicators,
		indIndex:   make(map[string]int, len(indicators)),
		idOrder:    order,
		k:          len(indicators),
		curIndex:   map[string]int32{},
		slotCur:    make([]int32, len(unitIDs)),
		slotNext:   make([]int32, len(unitIDs)),
		sums:       make([]int64, len(unitIDs)*len(indicators)),
		wraps:      map[int]int64{},
		zeroK:      make([]int64, len(indicators)),
	}
	for i, name := range indicators {
		if err := checkIndicatorName(name); err != nil {
			return nil, kamp.WrapError(kamp.EINVALID, err, "aggregator: bad indicator name %q", name)
		}
		if _, dup := a.indIndex[name]; dup {
			return nil, kamp.Errorf(kamp.EINVALID, "aggregator: indicator %q is given twice", name)
		}
		a.indIndex[name] = i
	}
	for i, name := range kamp.StandardIndicators {
		a.stdIndex[i] = -1
		if k, ok := a.indIndex[name]; ok {
			a.stdIndex[i] = k
		}
	}
	return a, nil
}

// idOrder returns the unit indexes sorted by id, checking that ids are unique.
func idOrder(ids []string) ([]int32, error) {
	order := make([]int32, len(ids))
	sorted := true
	for i := range order {
		order[i] = int32(i)
		if i > 0 && ids[i-1] >= ids[i] {
			sorted = false
		}
	}
	if !sorted {
		sortByID(order, ids)
	}
	for i := 1; i < len(order); i++ {
		if ids[order[i-1]] == ids[order[i]] {
			return nil, kamp.Errorf(kamp.EINVALID, "aggregator: unit id %q is given twice", ids[order[i]])
		}
	}
	return order, nil
}

// sortByID sorts order (unit indexes) by ids in byte order: a radix sort on
// the first 16 bytes of each id, zero-padded and read as a 128-bit integer
// (11-bit digits, digits that are the same for every id skipped), then a
// comparison sort of each run of ids that agree on those bytes.
func sortByID(order []int32, ids []string) {
	type item struct {
		hi, lo uint64
		unit   int32
	}
	const digitBits, digits, mask = 11, 12, 1<<11 - 1
	digit := func(it item, d int) uint64 {
		sh := d * digitBits
		switch {
		case sh >= 64:
			return it.hi >> (sh - 64) & mask
		case sh+digitBits > 64:
			return (it.lo>>sh | it.hi<<(64-sh)) & mask
		}
		return it.lo >> sh & mask
	}
	n := len(order)
	a, b := make([]item, n), make([]item, n)
	count := make([][1 << digitBits]int32, digits)
	for i, u := range order {
		var buf [16]byte
		copy(buf[:], ids[u])
		a[i] = item{binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:]), u}
		for d := range digits {
			count[d][digit(a[i], d)]++
		}
	}
	for d := range digits {
		c := &count[d]
		if n == 0 || int(c[digit(a[0], d)]) == n {
			continue
		}
		var sum int32
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		for _, it := range a {
			j := digit(it, d)
			b[c[j]] = it
			c[j]++
		}
		a, b = b, a
	}
	for i := 0; i < n; {
		j := i + 1
		for j < n && a[j].hi == a[i].hi && a[j].lo == a[i].lo {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(a[i:j], func(x, y item) int { return strings.Compare(ids[x.unit], ids[y.unit]) })
		}
		i = j
	}
	for i, it := range a {
		order[i] = it.unit
	}
}

// Indicator returns the index of the named indicator.
func (a *Aggregator) Indicator(name string) (int, bool) {
	k, ok := a.indIndex[name]
	return k, ok
}

// CurrencyIndex returns the index of the ISO 4217 currency code, interning it
// on first use. An empty code is the reporting currency (an empty currency in
// metrics.csv means CNY).
func (a *Aggregator) CurrencyIndex(code string) int32 {
	if code == "" {
		code = kamp.ReportingCurrency
	}
	if code == a.lastCode { // most rows repeat the last currency
		return a.lastCur
	}
	c, ok := a.curIndex[code]
	if !ok {
		c = a.intern(code)
	}
	a.lastCode, a.lastCur = code, c
	return c
}

// intern adds a currency code.
func (a *Aggregator) intern(code string) int32 {
	c := int32(len(a.curCodes))
	a.curCodes = append(a.curCodes, code)
	a.curUsed = append(a.curUsed, false)
	a.curIndex[code] = c
	return c
}

// Add adds v to indicator (an index into the indicators given to
// NewAggregator) of unit in currency (an ISO 4217 code; "" is the reporting
// currency). It panics on an index out of range.
func (a *Aggregator) Add(unit int32, currency string, indicator int, v kamp.Amount) {
	a.AddIndexed(unit, a.CurrencyIndex(currency), indicator, v)
}

// AddIndexed is Add with the currency given by its CurrencyIndex. It does not
// allocate except when a unit meets its second or later currency.
func (a *Aggregator) AddIndexed(unit, cur int32, indicator int, v kamp.Amount) {
	if uint(indicator) >= uint(a.k) {
		panic(fmt.Sprintf("screen: indicator index %d out of range [0,%d)", indicator, a.k))
	}
	a.addAt(a.slot(unit, cur)*a.k+indicator, int64(v))
}

// AddValues is AddIndexed for a row of values, finding the row's slot once:
// it adds vals[j] to indicator j of unit in currency cur where given[j] is
// set. Both slices hold one entry per indicator, in the order given to
// NewAggregator. A row of no given values adds nothing, not even its
// currency. It panics on a slice of the wrong length or an index out of
// range.
func (a *Aggregator) AddValues(unit, cur int32, vals []kamp.Amount, given []bool) {
	if len(vals) != a.k || len(given) != a.k {
		panic(fmt.Sprintf("screen: %d values and %d given flags for %d indicators", len(vals), len(given), a.k))
	}
	base := -1 // a row of no values makes no slot
	for j, v := range vals {
		if given[j] {
			if base < 0 {
				base = a.slot(unit, cur) * a.k
			}
			a.addAt(base+j, int64(v))
		}
	}
}

// addAt adds v exactly to sums[i], counting wrap-arounds of the int64.
func (a *Aggregator) addAt(i int, v int64) {
	s := a.sums[i]
	r := s + v
	if (s >= 0) == (v >= 0) && (r >= 0) != (s >= 0) {
		if v >= 0 {
			a.wraps[i]++
		} else {
			a.wraps[i]--
		}
	}
	a.sums[i] = r
}

// slot returns the slot of (unit, cur), creating it if needed.
func (a *Aggregator) slot(unit, cur int32) int {
	if uint(cur) >= uint(len(a.curCodes)) {
		panic(fmt.Sprintf("screen: currency index %d out of range [0,%d)", cur, len(a.curCodes)))
	}
	s := int(unit)
	c := cur + 1
	switch a.slotCur[s] {
	case c:
		return s
	case 0:
		a.slotCur[s] = c
		a.curUsed[cur] = true
		return s
	}
	for {
		next := int(a.slotNext[s])
		if next == 0 {
			break
		}
		s = next
		if a.slotCur[s] == c {
			return s
		}
	}
	n := len(a.slotCur)
	if n > math.MaxInt32 {
		panic("screen: too many (unit, currency) pairs")
	}
	a.slotCur = append(a.slotCur, c)
	a.slotNext = append(a.slotNext, 0)
	a.sums = append(a.sums, a.zeroK...)
	a.slotNext[s] = int32(n)
	a.curUsed[cur] = true
	return n
}

// AddMetric adds every indicator value of one metrics row to unit: the
// standard indicators that are given (not null) and the custom ones. The
// caller picks the rows of the screened period and maps clients to units.
// Every value must name an indicator of the Aggregator; otherwise nothing is
// added and the error (EINVALID) lists the unknown indicators.
func (a *Aggregator) AddMetric(unit int32, m *kamp.Metric) error {
	std := [4]kamp.NullAmount{m.DepositsAvg, m.LoansAvg, m.Revenue, m.FeeIncome}
	var unknown []string
	for i, v := range std {
		if v.Valid && a.stdIndex[i] < 0 {
			unknown = append(unknown, kamp.StandardIndicators[i])
		}
	}
	if len(m.Custom) > 0 {
		for name := range m.Custom {
			if _, ok := a.indIndex[name]; !ok {
				unknown = append(unknown, name)
			}
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return kamp.Errorf(kamp.EINVALID, "aggregator: metrics of client %s for %s have indicators that are not screened: %s", m.ClientID, m.Period, strings.Join(unknown, ", "))
	}
	base := a.slot(unit, a.CurrencyIndex(m.Currency)) * a.k
	for i, v := range std {
		if v.Valid {
			a.addAt(base+a.stdIndex[i], int64(v.Amount))
		}
	}
	if len(m.Custom) > 0 {
		for name, v := range m.Custom {
			a.addAt(base+a.indIndex[name], int64(v))
		}
	}
	return nil
}

// Totals converts each (unit, currency) sum at its currency's rate and sums
// exactly per unit and indicator, then computes each unit's share of every
// indicator (its positive total over the sum of positive totals). The
// reporting currency is 1 unless rates gives it. Errors (EINVALID): a
// currency that was added to but has no rate ("unknown currency"), a rate <=
// 0, and a total beyond the exact 128-bit range (about 1.7e24 yuan).
func (a *Aggregator) Totals(rates Rates) (*Data, error) {
	rate := make([]int64, len(a.curCodes))
	for c, code := range a.curCodes {
		if !a.curUsed[c] {
			continue
		}
		r, ok := rates[code]
		switch {
		case !ok && code == kamp.ReportingCurrency:
			r = RateOne
		case !ok:
			return nil, kamp.Errorf(kamp.EINVALID, "totals: unknown currency %q: no exchange rate to %s for the period", code, kamp.ReportingCurrency)
		case r <= 0:
			return nil, kamp.Errorf(kamp.EINVALID, "totals: the rate of %s is %s; rates are > 0", code, r)
		}
		rate[c] = int64(r)
	}
	n, k := len(a.ids), a.k
	d := &Data{
		ids:        a.ids,
		members:    a.members,
		indicators: a.indicators,
		indIndex:   a.indIndex,
		idOrder:    a.idOrder,
		n:          n,
		k:          k,
		total:      make([]Sum, n*k),
		positive:   make([]Sum, k),
		share:      make([]float64, n*k),
	}
	for u := 0; u < n; u++ {
		if a.slotCur[u] == 0 {
			continue
		}
		for s := u; ; {
			r := rate[a.slotCur[s]-1]
			for j := 0; j < k; j++ {
				i := s*k + j
				var p Sum
				ok := true
				if len(a.wraps) == 0 || a.wraps[i] == 0 {
					p = mulInt64(a.sums[i], r) // the usual case: fits in an int64
				} else {
					p, ok = sumWrapped(a.sums[i], a.wraps[i]).mulRate(r)
				}
				if ok {
					d.total[j*n+u], ok = d.total[j*n+u].add(p)
				}
				if !ok {
					return nil, kamp.Errorf(kamp.EINVALID, "totals: %s of unit %s is too large to sum exactly", a.indicators[j], a.ids[u])
				}
			}
			if s = int(a.slotNext[s]); s == 0 {
				break
			}
		}
	}
	for j := 0; j < k; j++ {
		col := d.total[j*n : (j+1)*n]
		var pos Sum
		for u, t := range col {
			if t.Sign() > 0 {
				var ok bool
				if pos, ok = pos.add(t); !ok {
					return nil, kamp.Errorf(kamp.EINVALID, "totals: %s summed over all units (at %s) is too large to sum exactly", a.indicators[j], a.ids[u])
				}
			}
		}
		d.positive[j] = pos
		if pos.Sign() == 0 {
			continue
		}
		pf := pos.float()
		sh := d.share[j*n : (j+1)*n]
		for u, t := range col {
			if t.Sign() > 0 {
				sh[u] = t.float() / pf
			}
		}
	}
	return d, nil
}
