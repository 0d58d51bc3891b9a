package dataset

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// rateOne is the rate 1 in kamp.Rate units.
const rateOne = kamp.Rate(10_000_000_000)

// FX holds the exchange rates of fx.csv: for each currency, its rates to the
// reporting currency by date.
type FX struct {
	series map[string]*fxSeries
}

// fxSeries is one currency's rates, sorted by date.
type fxSeries struct {
	dates []string
	rates []kamp.Rate
}

// Currencies returns the currencies that have rates, sorted.
func (fx *FX) Currencies() []string {
	if fx == nil {
		return nil
	}
	out := make([]string, 0, len(fx.series))
	for c := range fx.series {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Rate returns the rate of currency (an upper-case ISO 4217 code) that
// applies on date: the latest rate dated on or before date, or, when date is
// "", the latest rate of all. The reporting currency (CNY) is 1 unless
// fx.csv gives rates for it. A nil *FX has no rates. ok is false when no
// rate applies.
func (fx *FX) Rate(currency, date string) (rate kamp.Rate, ok bool) {
	var s *fxSeries
	if fx != nil {
		s = fx.series[currency]
	}
	if s == nil {
		if currency == kamp.ReportingCurrency {
			return rateOne, true
		}
		return 0, false
	}
	if date == "" {
		return s.rates[len(s.rates)-1], true
	}
	i, found := slices.BinarySearch(s.dates, date)
	if found {
		return s.rates[i], true
	}
	if i == 0 {
		return 0, false
	}
	return s.rates[i-1], true
}

// first returns the date of currency's first rate, or "" if it has none.
func (fx *FX) first(currency string) string {
	if fx == nil || fx.series[currency] == nil {
		return ""
	}
	return fx.series[currency].dates[0]
}

// fxColumns are the columns of fx.csv that must be present.
var fxColumns = []string{"date", "currency", "rate"}

// LoadFX reads fx.csv (or .csv.gz, .xlsx) at path, checking every row: date
// (a valid date), currency (ISO 4217; any case, kept in upper case) and
// rate (more than 0, at most 10 decimals) are required, and a (date,
// currency) pair may appear once. Bad rows make it fail with a
// *ProblemError.
func LoadFX(ctx context.Context, path string, opt Options) (*FX, error) {
	t, err := openTable(path, fxColumns)
	if err != nil {
		return nil, err
	}
	return loadFX(ctx, t, opt)
}

type fxRow struct {
	date, currency string
	rate           kamp.Rate
	line           int
}

func loadFX(ctx context.Context, t *table, opt Options) (*FX, error) {
	opt = opt.withDefaults()
	nf := len(t.header)
	di, ci, ri := t.col("date"), t.col("currency"), t.col("rate")
	type part struct {
		rows  []fxRow
		probs *problems
	}
	parts, err := scan(ctx, t, 1, nil, func(_ int, recs records) part {
		p := part{probs: newProblems(t, opt.MaxProblems)}
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !p.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			date, cur, rate := f[di], f[ci], f[ri]
			if !p.probs.required(line, "date", date) {
				ok = false
			} else if err := check.Date(str(date)); err != nil {
				p.probs.addErr(line, "date", date, err)
				ok = false
			}
			code := strings.ToUpper(string(cur))
			if !p.probs.required(line, "currency", cur) {
				ok = false
			} else if err := check.Currency(code); err != nil {
				p.probs.addErr(line, "currency", cur, err)
				ok = false
			}
			var r int64
			var err error
			if !p.probs.required(line, "rate", rate) {
				ok = false
			} else if r, err = check.ParseFixed(str(rate), kamp.RateScale, false); err != nil {
				p.probs.addErr(line, "rate", rate, err)
				ok = false
			} else if r == 0 {
				p.probs.add(line, "rate", rate, "must be more than 0")
				ok = false
			}
			if ok {
				p.rows = append(p.rows, fxRow{date: string(date), currency: code, rate: kamp.Rate(r), line: line})
			}
		}
		return p
	})
	if err != nil {
		return nil, err
	}
	var rows []fxRow
	probs := make([]*problems, len(parts))
	for i, p := range parts {
		rows = append(rows, p.rows...)
		probs[i] = p.probs
	}
	dup := newProblems(t, opt.MaxProblems)
	slices.SortStableFunc(rows, func(a, b fxRow) int {
		return cmp.Or(strings.Compare(a.currency, b.currency), strings.Compare(a.date, b.date))
	})
	fx := &FX{series: map[string]*fxSeries{}}
	first := 0 // the first row with the key of row i
	for i, r := range rows {
		if i > 0 && rows[first].currency == r.currency && rows[first].date == r.date {
			dup.add(r.line, "date", []byte(r.date), fmt.Sprintf("duplicate rate: the same date and currency as line %d", rows[first].line))
			continue
		}
		first = i
		s := fx.series[r.currency]
		if s == nil {
			s = &fxSeries{}
			fx.series[r.currency] = s
		}
		s.dates = append(s.dates, r.date)
		s.rates = append(s.rates, r.rate)
	}
	if err := mergeProblems(t, opt.MaxProblems, probs, []*problems{dup}); err != nil {
		return nil, err
	}
	return fx, nil
}
