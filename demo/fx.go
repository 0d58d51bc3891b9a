package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// The demo bank's calendar: payments run over twelve months and metrics are
// for the last of them.
const (
	// Period is the metrics period of the demo bank.
	Period      = "2026-10"
	periodEnd   = "2026-10-31"
	firstMonth  = 2025*12 + 10 // November 2025, as year*12 + month-1
	payMonths   = 12
	rateMonths  = payMonths + 1 // rates from October 2025 on
	rateMonth0  = firstMonth - 1
	periodMonth = payMonths // index of Period in the rate table
)

// fxCurrency is a foreign currency of the demo bank with its rate level in
// CNY at the start and the decimals its rates are quoted with.
type fxCurrency struct {
	code  string
	base  float64
	scale int
}

var fxCurrencies = []fxCurrency{
	{"USD", 7.1280, 4},
	{"EUR", 8.2650, 4},
	{"HKD", 0.91620, 5},
	{"JPY", 0.047850, 6},
	{"GBP", 9.5120, 4},
	{"SGD", 5.5230, 4},
}

// fxTable holds month-end rates: rates[m][c] for month m (0 = October 2025)
// and currency c of fxCurrencies, both as the exact value written to fx.csv
// (in units of 10^-scale) and as a float64 for converting amounts.
type fxTable struct {
	dates [rateMonths]string
	exact [rateMonths][]int64
	rate  [rateMonths][]float64
}

// newFX draws monthly rates: a mean-reverting random walk of about 1.2% a
// month around each currency's level, on the last weekday of each month.
func newFX(seed uint64) *fxTable {
	rng := rand.New(rand.NewPCG(seed, 0x6678))
	fx := &fxTable{}
	level := make([]float64, len(fxCurrencies))
	for c, cur := range fxCurrencies {
		level[c] = cur.base * (1 + 0.02*(rng.Float64()-0.5))
	}
	for m := range rateMonths {
		fx.dates[m] = lastWeekday(rateMonth0 + m)
		fx.exact[m] = make([]int64, len(fxCurrencies))
		fx.rate[m] = make([]float64, len(fxCurrencies))
		for c, cur := range fxCurrencies {
			level[c] *= math.Exp(0.012*rng.NormFloat64() - 0.2*math.Log(level[c]/cur.base))
			pow := math.Pow10(cur.scale)
			v := int64(math.Round(level[c] * pow))
			fx.exact[m][c] = v
			fx.rate[m][c] = float64(v) / pow
		}
	}
	return fx
}

// lastWeekday returns the last Monday-to-Friday of month ym (year*12 +
// month-1) as YYYY-MM-DD.
func lastWeekday(ym int) string {
	d := time.Date(ym/12, time.Month(ym%12+1)+1, 0, 0, 0, 0, 0, time.UTC)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d.Format(time.DateOnly)
}

// currencyIndex returns the index of code in fxCurrencies, or -1 for CNY.
func currencyIndex(code string) int {
	for i, c := range fxCurrencies {
		if c.code == code {
			return i
		}
	}
	return -1
}

// write writes fx.csv: every month's rate of every currency.
func (fx *fxTable) write(t *table) error {
	for m := range rateMonths {
		for c, cur := range fxCurrencies {
			t.row = append(t.row, fx.dates[m]...)
			t.row = append(t.row, ',')
			t.row = append(t.row, cur.code...)
			t.row = append(t.row, ',')
			t.row = appendFixed(t.row, fx.exact[m][c], cur.scale)
			if err := t.end(); err != nil {
				return err
			}
		}
	}
	return nil
}
