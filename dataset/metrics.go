package dataset

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// KindMetrics and KindPayments name metrics.csv and payments.csv.
const (
	KindMetrics  = "metrics"
	KindPayments = "payments"
)

// Metrics are the rows of metrics.csv as columns, in file order.
type Metrics struct {
	// Indicators are the indicator names: kamp.StandardIndicators, then the
	// custom columns (their lower-cased header names) in header order.
	Indicators []string
	// Client[r] is the entity index of row r's client_id.
	Client []int32
	// Period[r] indexes Periods.
	Period []int32
	// Periods are the distinct periods (YYYY-MM) of the file, sorted.
	Periods []string
	// Currency[r] indexes Currencies.
	Currency []int32
	// Currencies are the distinct upper-case currency codes of the file
	// (an empty currency is CNY), sorted.
	Currencies []string
	// Values[r*len(Indicators)+k] is row r's value of indicator k, and
	// Given at the same place reports whether the field was not empty.
	Values []kamp.Amount
	Given  []bool
	// Lines[r] is the line where row r starts.
	Lines []int32
}

// Len returns the number of rows.
func (m *Metrics) Len() int { return len(m.Client) }

// Latest returns the latest period of the file, or "" when it has no rows.
func (m *Metrics) Latest() string {
	if len(m.Periods) == 0 {
		return ""
	}
	return m.Periods[len(m.Periods)-1]
}

// PeriodIndex returns the index in Periods of period p.
func (m *Metrics) PeriodIndex(p string) (int32, bool) {
	i, ok := slices.BinarySearch(m.Periods, p)
	return int32(i), ok
}

// metricColumns are the columns of metrics.csv that must be present.
var metricColumns = []string{"client_id", "period"}

// metricKnown are the columns of metrics.csv that are not custom indicators.
var metricKnown = map[string]bool{"client_id": true, "period": true, "currency": true}

// metChunk is what a worker makes of one chunk of metrics.csv.
type metChunk struct {
	client   []int32
	period   []int32 // yyyymm
	currency []string
	values   []kamp.Amount
	given    []bool
	lines    []int32
	probs    *problems
}

// metScratch is a worker's reusable buffers for a chunk's client ids.
type metScratch struct {
	ids  []byte
	ends []uint32
	idx  []int32
	rows []int32 // the chunk row of each id, or -1 for a row with problems
	line []int32
}

// LoadMetrics reads metrics.csv (or .csv.gz, .xlsx) at path. It checks
// every row: client_id names an entity of ents; period is a valid YYYY-MM;
// currency is empty (CNY) or an ISO 4217 code (any case) with a rate in fx
// on or before the period's last day; deposits_avg and loans_avg are
// amounts >= 0; revenue, fee_income and every other column are amounts that
// may be negative; and a (client_id, period, currency) triple appears once.
// Rows of non-clients are kept: the caller decides what to do with them.
// Bad rows make it fail with a *ProblemError.
func LoadMetrics(ctx context.Context, path string, ents *Entities, fx *FX, opt Options) (*Metrics, error) {
	t, err := openTable(path, metricColumns)
	if err != nil {
		return nil, err
	}
	return loadMetrics(ctx, t, ents, fx, opt)
}

func loadMetrics(ctx context.Context, t *table, ents *Entities, fx *FX, opt Options) (*Metrics, error) {
	opt = opt.withDefaults()
	nf := len(t.header)
	ci, pi, cui := t.col("client_id"), t.col("period"), t.col("currency")
	// The indicator of each column, and whether negatives are allowed.
	m := &Metrics{Indicators: slices.Clone(kamp.StandardIndicators)}
	type indCol struct {
		field, ind int
		name       string
		neg        bool
	}
	var cols []indCol
	for k, name := range kamp.StandardIndicators {
		if f := t.col(name); f >= 0 {
			cols = append(cols, indCol{f, k, t.header[f], name == "revenue" || name == "fee_income"})
		}
	}
	for f, h := range t.header {
		name := strings.ToLower(h)
		if metricKnown[name] || slices.Contains(kamp.StandardIndicators, name) {
			continue
		}
		cols = append(cols, indCol{f, len(m.Indicators), h, true})
		m.Indicators = append(m.Indicators, name)
	}
	k := len(m.Indicators)
	scratch := make([]*metScratch, opt.Workers)
	chunks, err := scan(ctx, t, opt.Workers, nil, func(w int, recs records) *metChunk {
		sc := scratch[w]
		if sc == nil {
			sc = &metScratch{}
			scratch[w] = sc
		}
		sc.ids, sc.ends, sc.rows, sc.line = sc.ids[:0], sc.ends[:0], sc.rows[:0], sc.line[:0]
		c := &metChunk{probs: newProblems(t, opt.MaxProblems)}
		if hint := recs.sizeHint(); hint > 0 {
			c.period = make([]int32, 0, hint)
			c.currency = make([]string, 0, hint)
			c.values = make([]kamp.Amount, 0, k*hint)
			c.given = make([]bool, 0, k*hint)
			c.lines = make([]int32, 0, hint)
		}
		cc := metCurrencyCache{fx: fx}
		vals := make([]kamp.Amount, k)
		given := make([]bool, k)
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			var period int32
			if p := f[pi]; !c.probs.required(line, "period", p) {
				ok = false
			} else if err := check.Period(str(p)); err != nil {
				c.probs.addErr(line, "period", p, err)
				ok = false
			} else {
				period = int32(num4(p[:4]))*100 + int32(num4(p[5:7]))
			}
			var cur []byte
			if cui >= 0 {
				cur = f[cui]
			}
			code := ""
			if ok {
				var reason string
				if code, reason = cc.code(cur, period); reason != "" {
					c.probs.add(line, "currency", cur, reason)
					ok = false
				}
			} else if _, reason := currencyCode(cur); reason != "" {
				c.probs.add(line, "currency", cur, reason)
			}
			clear(vals)
			clear(given)
			for _, col := range cols {
				v := f[col.field]
				if len(v) == 0 {
					continue
				}
				a, err := check.ParseFixed(str(v), kamp.AmountScale, col.neg)
				if err != nil {
					c.probs.addErr(line, col.name, v, err)
					ok = false
					continue
				}
				vals[col.ind], given[col.ind] = kamp.Amount(a), true
			}
			row := int32(-1)
			if ok {
				row = int32(len(c.period))
				c.period = append(c.period, period)
				c.currency = append(c.currency, code)
				c.values = append(c.values, vals...)
				c.given = append(c.given, given...)
				c.lines = append(c.lines, int32(line))
			}
			sc.ids = append(sc.ids, f[ci]...)
			sc.ends = append(sc.ends, uint32(len(sc.ids)))
			sc.rows = append(sc.rows, row)
			sc.line = append(sc.line, int32(line))
		}
		sc.idx = slices.Grow(sc.idx[:0], len(sc.ends))[:len(sc.ends)]
		ents.ix.findAll(sc.ids, sc.ends, 1, sc.idx)
		c.client = make([]int32, len(c.period))
		start := uint32(0)
		for i, row := range sc.rows {
			id := sc.ids[start:sc.ends[i]]
			start = sc.ends[i]
			if sc.idx[i] < 0 {
				refProblem(c.probs, int(sc.line[i]), "client_id", id)
			}
			if row >= 0 {
				// -1 when the client is unknown: the load fails then.
				c.client[row] = sc.idx[i]
			}
		}
		return c
	})
	if err != nil {
		return nil, err
	}
	probs := make([]*problems, len(chunks))
	rows := 0
	for i, c := range chunks {
		probs[i] = c.probs
		rows += len(c.period)
	}
	if err := mergeProblems(t, opt.MaxProblems, probs); err != nil {
		return nil, err
	}
	// Intern periods and currencies, sorted.
	periods := map[int32]int32{}
	currencies := map[string]int32{}
	for _, c := range chunks {
		for _, p := range c.period {
			periods[p] = 0
		}
		for _, cu := range c.currency {
			currencies[cu] = 0
		}
	}
	pkeys := make([]int32, 0, len(periods))
	for p := range periods {
		pkeys = append(pkeys, p)
	}
	slices.Sort(pkeys)
	for i, p := range pkeys {
		periods[p] = int32(i)
		m.Periods = append(m.Periods, fmt.Sprintf("%04d-%02d", p/100, p%100))
	}
	for cu := range currencies {
		m.Currencies = append(m.Currencies, cu)
	}
	slices.Sort(m.Currencies)
	for i, cu := range m.Currencies {
		currencies[cu] = int32(i)
	}
	m.Client = make([]int32, 0, rows)
	m.Period = make([]int32, 0, rows)
	m.Currency = make([]int32, 0, rows)
	m.Values = make([]kamp.Amount, 0, rows*k)
	m.Given = make([]bool, 0, rows*k)
	m.Lines = make([]int32, 0, rows)
	for _, c := range chunks {
		m.Client = append(m.Client, c.client...)
		for _, p := range c.period {
			m.Period = append(m.Period, periods[p])
		}
		last, lastIdx := "", int32(0)
		for _, cu := range c.currency {
			if cu != last || len(m.Currency) == 0 {
				last, lastIdx = cu, currencies[cu]
			}
			m.Currency = append(m.Currency, lastIdx)
		}
		m.Values = append(m.Values, c.values...)
		m.Given = append(m.Given, c.given...)
		m.Lines = append(m.Lines, c.lines...)
	}
	return m, uniqueMetrics(t, m, ents, opt)
}

// uniqueMetrics reports (client_id, period, currency) triples that appear
// twice.
func uniqueMetrics(t *table, m *Metrics, ents *Entities, opt Options) error {
	if len(m.Currencies) >= 1<<16 || len(m.Periods) >= 1<<16 {
		return fmt.Errorf("%s: %d periods and %d currencies are more than kamp can check", t.name, len(m.Periods), len(m.Currencies))
	}
	key := func(r int) uint64 {
		return uint64(uint32(m.Client[r]))<<32 | uint64(m.Period[r])<<16 | uint64(m.Currency[r])
	}
	// A file sorted by client, then period and currency (as exports
	// mostly are) has strictly increasing keys, and so no duplicates:
	// one pass, without the map of every row.
	increasing := true
	for r := 1; r < m.Len() && increasing; r++ {
		increasing = key(r-1) < key(r)
	}
	if increasing {
		return nil
	}
	seen := make(map[uint64]int32, m.Len())
	var p *problems
	for r, cl := range m.Client {
		key := key(r)
		if first, dup := seen[key]; dup {
			if p == nil {
				p = newProblems(t, opt.MaxProblems)
			}
			p.add(int(m.Lines[r]), "client_id", []byte(ents.IDs[cl]), fmt.Sprintf("duplicate row for client %s, period %s and currency %s: the same as line %d",
				ents.IDs[cl], m.Periods[m.Period[r]], m.Currencies[m.Currency[r]], m.Lines[first]))
			continue
		}
		seen[key] = int32(r)
	}
	if p == nil {
		return nil
	}
	return mergeProblems(t, opt.MaxProblems, []*problems{p})
}

// num4 returns the value of a run of ASCII digits (already checked).
func num4(b []byte) int {
	n := 0
	for _, c := range b {
		n = 10*n + int(c-'0')
	}
	return n
}

// metCurrencyCache checks the currency of metrics rows, remembering the
// last (currency, period) pair: the rows of a file mostly share it.
type metCurrencyCache struct {
	fx       *FX
	cur      []byte
	period   int32
	lastCode string
	valid    bool
}

// code returns the upper-case currency code of the field cur for a row of
// period (yyyymm), or the reason it is not acceptable: not an ISO 4217
// code, or without a rate on or before the period's last day.
func (cc *metCurrencyCache) code(cur []byte, period int32) (string, string) {
	if cc.valid && period == cc.period && bytes.Equal(cur, cc.cur) {
		return cc.lastCode, ""
	}
	cc.valid = false
	code, reason := currencyCode(cur)
	if reason != "" {
		return "", reason
	}
	if code != kamp.ReportingCurrency {
		end := check.PeriodEnd(fmt.Sprintf("%04d-%02d", period/100, period%100))
		if _, ok := cc.fx.Rate(code, end); !ok {
			first := cc.fx.first(code)
			if first == "" {
				return "", "unknown currency: no exchange rate for " + code + " in fx.csv"
			}
			return "", fmt.Sprintf("no exchange rate for %s on or before %s (the first is on %s)", code, end, first)
		}
	}
	cc.cur = append(cc.cur[:0], cur...)
	cc.period, cc.lastCode, cc.valid = period, code, true
	return code, ""
}

// Rates returns every rate of fx as kamp.FXRate values, sorted by currency
// and date; nil for a nil *FX.
func (fx *FX) Rates() []kamp.FXRate {
	if fx == nil {
		return nil
	}
	var out []kamp.FXRate
	for _, c := range fx.Currencies() {
		s := fx.series[c]
		for i, d := range s.dates {
			out = append(out, kamp.FXRate{Date: d, Currency: c, Rate: s.rates[i]})
		}
	}
	return out
}
