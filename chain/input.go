package chain

import (
	"slices"
	"sync"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// RateOne is the Rate of a currency to itself: 1 in units of 1e-10.
const RateOne kamp.Rate = 10_000_000_000

// Input is what the engine needs besides the payments. Entities are the
// indexes into the columns IDs, Names, IsClient and Root, which must have the
// same length.
type Input struct {
	// IDs[i] is entity i's id; ids are unique.
	IDs []string
	// Names[i] is entity i's legal name, matched by its match key.
	Names []string
	// IsClient[i] reports whether entity i is a client (is_client=1).
	IsClient []bool
	// Root[i] is the group root of entity i (control.Result.Root): an
	// entity that is its own root.
	Root []int32
	// Units are the group roots of the strategic units: those of tier core
	// or key. Each is listed once; order does not matter.
	Units []int32
	// FX are the exchange rates to the reporting currency, in any order.
	FX []kamp.FXRate
	// From and To limit the payments to those dated From..To inclusive
	// (YYYY-MM-DD); an empty bound is open.
	From, To string
	// NameIndex, when not nil, is IndexNames(Names), which New then does
	// not build again: a caller can build it while it computes the groups
	// and tiers.
	NameIndex *NameIndex
}

// rates holds one currency's rates, sorted by date.
type rates struct {
	dates []int32 // yyyymmdd
	rates []kamp.Rate
	// memo caches the rate of the last month looked up.
	memoMonth int32
	memoRate  kamp.Rate
	memoOK    bool
}

// at returns the rate of month (yyyymm): the one on the latest date on or
// before the month's last day, and false when there is none.
func (r *rates) at(month int32) (kamp.Rate, bool) {
	if month == r.memoMonth {
		return r.memoRate, r.memoOK
	}
	// Every date of the month is <= yyyymm31, so the dates before the
	// insertion point of yyyymm32 are those on or before its last day.
	i, _ := slices.BinarySearch(r.dates, month*100+32)
	r.memoMonth = month
	if i == 0 {
		r.memoRate, r.memoOK = 0, false
	} else {
		r.memoRate, r.memoOK = r.rates[i-1], true
	}
	return r.memoRate, r.memoOK
}

// prepare checks in and builds the lookups the accumulator needs.
func (a *Accumulator) prepare(in *Input) error {
	n := len(in.IDs)
	if len(in.Names) != n || len(in.IsClient) != n || len(in.Root) != n {
		return kamp.Errorf(kamp.EINVALID, "chain: %d ids but %d names, %d is_client flags and %d group roots", n, len(in.Names), len(in.IsClient), len(in.Root))
	}
	if n > 1<<31-2 {
		return kamp.Errorf(kamp.EINVALID, "chain: %d entities are too many", n)
	}
	a.ids = in.IDs
	a.isClient = in.IsClient
	// The match keys are indexed on another goroutine meanwhile.
	var wg sync.WaitGroup
	defer wg.Wait()
	if a.index = in.NameIndex; a.index == nil {
		wg.Go(func() { a.index = IndexNames(in.Names) })
	}
	for i, id := range in.IDs {
		if id == "" {
			return kamp.Errorf(kamp.EINVALID, "chain: entity %d has an empty id", i+1)
		}
	}
	// Duplicates are found in id order (the map from id to entity, which
	// only Add needs, is built when it is first used).
	order := a.entityOrder()
	for i := 1; i < len(order); i++ {
		if id := in.IDs[order[i]]; id == in.IDs[order[i-1]] {
			return kamp.Errorf(kamp.EINVALID, "chain: entity id %q is listed twice", id)
		}
	}
	for i, r := range in.Root {
		if r < 0 || int(r) >= n || in.Root[r] != r {
			return kamp.Errorf(kamp.EINVALID, "chain: entity %q has group root %d, which is not an entity that is its own root", in.IDs[i], r)
		}
	}
	// unitOf[r] is the group number of group root r (its unit's for a
	// strategic unit), -1 until it has one; -2 marks a unit until it is
	// numbered.
	unitOf := hugepage.Make[int32](n)
	for i := range unitOf {
		unitOf[i] = -1
	}
	for _, u := range in.Units {
		if u < 0 || int(u) >= n || in.Root[u] != u {
			return kamp.Errorf(kamp.EINVALID, "chain: strategic unit %d is not a group root", u)
		}
		if unitOf[u] == -2 {
			return kamp.Errorf(kamp.EINVALID, "chain: strategic unit %q is listed twice", in.IDs[u])
		}
		unitOf[u] = -2
	}
	// Units are numbered in the order of their ids, the order of the
	// result, which the shards' records follow.
	a.unitRoot = make([]int32, 0, len(in.Units))
	for _, v := range order {
		if unitOf[v] == -2 {
			unitOf[v] = int32(len(a.unitRoot))
			a.unitRoot = append(a.unitRoot, v)
		}
	}
	// The other groups are numbered after the units, as their roots
	// come.
	a.nUnits = int32(len(a.unitRoot))
	next := a.nUnits
	a.group = hugepage.Make[int32](n)
	for i, r := range in.Root {
		if unitOf[r] == -1 {
			unitOf[r] = next
			next++
		}
		a.group[i] = unitOf[r]
	}
	a.prepareBuckets()

	a.from, a.to = 0, 99991231
	if in.From != "" {
		d, ok := parseDate(in.From)
		if !ok {
			return kamp.Errorf(kamp.EINVALID, "chain: from date %q is not YYYY-MM-DD", in.From)
		}
		a.from = d
	}
	if in.To != "" {
		d, ok := parseDate(in.To)
		if !ok {
			return kamp.Errorf(kamp.EINVALID, "chain: to date %q is not YYYY-MM-DD", in.To)
		}
		a.to = d
	}
	if a.from > a.to {
		return kamp.Errorf(kamp.EINVALID, "chain: from date %s is after to date %s", in.From, in.To)
	}
	return a.prepareFX(in.FX)
}

// prepareFX checks the rates and sorts them per currency.
func (a *Accumulator) prepareFX(fx []kamp.FXRate) error {
	type dated struct {
		date int32
		rate kamp.Rate
	}
	per := map[string][]dated{}
	for i, r := range fx {
		d, ok := parseDate(r.Date)
		if !ok {
			return kamp.Errorf(kamp.EINVALID, "chain: rate %d: date %q is not YYYY-MM-DD", i+1, r.Date)
		}
		if !isCurrencyCode(r.Currency) {
			return kamp.Errorf(kamp.EINVALID, "chain: rate %d: currency %q is not an ISO 4217 code", i+1, r.Currency)
		}
		if r.Rate <= 0 {
			return kamp.Errorf(kamp.EINVALID, "chain: rate %d: %s on %s is %s; rates are > 0", i+1, r.Currency, r.Date, r.Rate)
		}
		per[r.Currency] = append(per[r.Currency], dated{d, r.Rate})
	}
	if _, ok := per[kamp.ReportingCurrency]; !ok {
		per[kamp.ReportingCurrency] = nil
	}
	a.currency = make(map[string]int32, len(per))
	codes := make([]string, 0, len(per))
	for c := range per {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	a.fx = make([]rates, len(codes))
	for ci, c := range codes {
		ds := per[c]
		slices.SortFunc(ds, func(x, y dated) int { return int(x.date) - int(y.date) })
		r := &a.fx[ci]
		for i, d := range ds {
			if i > 0 && d.date == ds[i-1].date {
				if d.rate != ds[i-1].rate {
					return kamp.Errorf(kamp.EINVALID, "chain: %s has two rates on %s (%s and %s)", c, formatDate(d.date), ds[i-1].rate, d.rate)
				}
				continue
			}
			r.dates = append(r.dates, d.date)
			r.rates = append(r.rates, d.rate)
		}
		a.currency[c] = int32(ci)
	}
	a.reporting = a.currency[kamp.ReportingCurrency]
	// One table of every rate, for the shards' records.
	a.rateBase = make([]uint32, len(a.fx))
	for ci := range a.fx {
		a.rateBase[ci] = uint32(len(a.rateTab))
		a.rateTab = append(a.rateTab, a.fx[ci].rates...)
	}
	if len(a.rateTab) >= 1<<32-1 {
		return kamp.Errorf(kamp.EINVALID, "chain: %d exchange rates are too many", len(a.rateTab))
	}
	a.rateOne = uint32(len(a.rateTab))
	a.rateTab = append(a.rateTab, RateOne)
	return nil
}

// prepareBuckets cuts the (unit, direction) slots into at most maxBuckets
// buckets of consecutive slots, for the shards.
func (a *Accumulator) prepareBuckets() {
	slots := 2 * len(a.unitRoot)
	for slots>>a.bucketShift > maxBuckets {
		a.bucketShift++
	}
	a.nBuckets = (slots + 1<<a.bucketShift - 1) >> a.bucketShift
}

// isCurrencyCode reports whether c has the shape of an ISO 4217 code.
func isCurrencyCode(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// parseDate parses a YYYY-MM-DD date into yyyymmdd, checking that the day
// exists.
func parseDate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	var v [8]int32
	j := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v[j] = int32(c - '0')
		j++
	}
	y := v[0]*1000 + v[1]*100 + v[2]*10 + v[3]
	m := v[4]*10 + v[5]
	d := v[6]*10 + v[7]
	if y == 0 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return y*10000 + m*100 + d, true
}

// daysIn returns the number of days of month m of year y.
func daysIn(y, m int32) int32 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// formatDate formats yyyymmdd as YYYY-MM-DD.
func formatDate(d int32) string {
	return string(appendDate(make([]byte, 0, 10), d))
}

// dateMemo formats dates as appendDate and formatDate do, keeping the
// text of the dates it formatted: a bank's payments span few distinct
// days, and an edge has two dates. Its zero value is ready; an entry is
// never a date of day 0.
type dateMemo struct {
	day  [1024]int32
	text [1024][10]byte // appended as a fixed array, faster than a string
	str  [1024]string
}

// slot returns the entry of d, formatting d when it is not there.
func (m *dateMemo) slot(d int32) uint32 {
	i := uint32(d) * 0x9e3779b1 >> 22
	if m.day[i] != d || d == 0 {
		m.day[i] = d
		appendDate(m.text[i][:0], d)
		m.str[i] = string(m.text[i][:])
	}
	return i
}

// appendDate appends yyyymmdd as YYYY-MM-DD.
func (m *dateMemo) appendDate(b []byte, d int32) []byte {
	return append(b, m.text[m.slot(d)][:]...)
}

// format returns yyyymmdd as YYYY-MM-DD.
func (m *dateMemo) format(d int32) string { return m.str[m.slot(d)] }

// appendDate appends yyyymmdd as YYYY-MM-DD.
func appendDate(b []byte, d int32) []byte {
	y, m, dd := d/10000, d/100%100, d%100
	return append(b,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-',
		byte('0'+dd/10), byte('0'+dd%10))
}
