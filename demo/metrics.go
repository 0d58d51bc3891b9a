package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Products of exposures.csv.
var products = []string{"loan", "bond", "guarantee", "trade_finance", "bill"}

const (
	pLoan = iota
	pBond
	pGuarantee
	pTradeFinance
	pBill
)

// money converts a CNY amount to hundredths of currency c (-1: CNY) at rate
// table row rates.
func money(cny float64, c int, rates []float64) int64 {
	if c >= 0 {
		cny /= rates[c]
	}
	return int64(math.Round(cny * 100))
}

// clientCurrency returns the currency index (-1: CNY) of client i's books.
func (g *gen) clientCurrency(i int) int {
	if g.kind[i] != kForeign {
		return -1
	}
	c, _, _, _ := foreignParts(uint64(g.aux[i]))
	return currencyIndex(countries[c].currency)
}

// trade reports whether client i is in an industry that settles abroad.
func (g *gen) trade(i int) bool {
	switch g.kind[i] {
	case kForeign:
		return true
	case kCompany, kBranch:
		return industries[g.ind[i]].trade
	}
	return false
}

// metricsWriter writes metrics.csv and exposures.csv in one pass over the
// clients in id order, and sums exposures per group for the suggested
// tier-1 capital.
type metricsWriter struct {
	g        *gen
	fx       *fxTable
	rng      *rand.Rand
	met, exp *table
	facility uint64
	width    int
	groupExp []float64
	usd      int
}

func (g *gen) writeMetrics(fx *fxTable, met, exp *table) (maxGroupExposure float64, err error) {
	w := &metricsWriter{
		g:        g,
		fx:       fx,
		rng:      rand.New(rand.NewPCG(g.seed, 0x6d6574726963)),
		met:      met,
		exp:      exp,
		width:    max(8, digits(uint64(g.n)*10)),
		groupExp: make([]float64, len(g.gStart)),
		usd:      currencyIndex("USD"),
	}
	for n := range g.n {
		if n%4096 == 0 {
			if err := g.ctx.Err(); err != nil {
				return 0, fmt.Errorf("demo: writing metrics: %w", err)
			}
		}
		i := int(g.ids.inverse(uint64(n)))
		if g.flags[i]&fClient == 0 {
			continue
		}
		if err := w.client(i); err != nil {
			return 0, err
		}
	}
	for _, v := range w.groupExp {
		maxGroupExposure = max(maxGroupExposure, v)
	}
	return maxGroupExposure, nil
}

// client writes the metrics rows and the exposures of client i.
func (w *metricsWriter) client(i int) error {
	g, rng := w.g, w.rng
	rates := w.fx.rate[periodMonth]
	r := float64(g.size[i])
	c := g.clientCurrency(i)
	dep := r * math.Exp(math.Log(300)+0.6*rng.NormFloat64())
	loans := 0.0
	pl := min(0.95, max(0.35, 0.55+0.1*math.Log10(r/1e3)))
	if rng.Float64() < pl {
		loans = r * math.Exp(math.Log(300)+0.6*rng.NormFloat64())
	}
	rev := r * math.Exp(0.1*rng.NormFloat64())
	if rng.Float64() < 0.02 {
		rev = -r * (0.02 + 0.4*rng.Float64())
	}
	fee := r * (0.05 + 0.3*rng.Float64())
	intl := -1.0
	if c >= 0 || (g.trade(i) && rng.Float64() < 0.12) {
		intl = r * math.Exp(math.Log(500)+0.8*rng.NormFloat64())
	}
	usdBook := c < 0 && intl > 0 && rng.Float64() < 0.15
	if rng.Float64() >= 0.02 { // about 2% of clients have no metrics
		if err := w.metricsRow(i, c, dep, loans, rev, fee, intl, rates, rng.Float64() < 0.03); err != nil {
			return err
		}
		if usdBook {
			f := 0.05 + 0.2*rng.Float64()
			if err := w.metricsRow(i, w.usd, dep*f, 0, rev*f, fee*f, intl*0.3, rates, false); err != nil {
				return err
			}
		}
	}
	return w.exposures(i, c, r, loans, usdBook, rates)
}

// metricsRow writes one metrics row of client i in currency c (-1: CNY,
// written empty when blank is set, which means CNY) from CNY amounts; intl <
// 0 leaves intl_settlement empty.
func (w *metricsWriter) metricsRow(i, c int, dep, loans, rev, fee, intl float64, rates []float64, blank bool) error {
	t := w.met
	r := w.g.appendEntityID(t.row, i)
	r = append(r, ',')
	r = append(r, Period...)
	r = append(r, ',')
	if c >= 0 {
		r = append(r, fxCurrencies[c].code...)
	} else if !blank {
		r = append(r, "CNY"...)
	}
	for _, v := range [...]float64{dep, loans, rev, fee} {
		r = append(r, ',')
		r = appendCents(r, money(v, c, rates))
	}
	r = append(r, ',')
	if intl >= 0 {
		r = appendCents(r, money(intl, c, rates))
	}
	t.row = r
	return t.end()
}

// exposures writes client i's facilities: loans adding up to about its loan
// balance (some as bills or trade finance), bonds of large borrowers, and
// guarantees.
func (w *metricsWriter) exposures(i, c int, r, loans float64, usdBook bool, rates []float64) error {
	rng := w.rng
	if loans > 0 {
		total := loans * (0.85 + 0.35*rng.Float64())
		n := 1 + rng.IntN(2) + int(max(0, math.Log10(total/2e6)))
		n = min(n, 6)
		var parts [6]float64
		sum := 0.0
		for k := range n {
			parts[k] = 0.3 + rng.Float64()
			sum += parts[k]
		}
		for k := range n {
			p := pLoan
			cur := c
			switch u := rng.Float64(); {
			case u < 0.12:
				p = pBill
			case u < 0.3 && w.g.trade(i):
				p = pTradeFinance
				if usdBook {
					cur = w.usd
				}
			}
			if err := w.row(i, p, cur, total*parts[k]/sum, rates); err != nil {
				return err
			}
		}
		if total > 3e8 && rng.Float64() < 0.4 {
			if err := w.row(i, pBond, c, total*(0.1+0.4*rng.Float64()), rates); err != nil {
				return err
			}
		}
	}
	if rng.Float64() < 0.12 {
		return w.row(i, pGuarantee, c, r*(20+180*rng.Float64()), rates)
	}
	return nil
}

// row writes one exposure of amount cny (in CNY) in currency c.
func (w *metricsWriter) row(i, product, c int, cny float64, rates []float64) error {
	t := w.exp
	amt := max(money(cny, c, rates), 100)
	w.facility++
	r := w.g.appendEntityID(t.row, i)
	r = append(r, ',')
	r = appendID(r, 'F', w.facility, w.width)
	r = append(r, ',')
	r = append(r, products[product]...)
	r = append(r, ',')
	if c >= 0 {
		r = append(r, fxCurrencies[c].code...)
	} else {
		r = append(r, "CNY"...)
	}
	r = append(r, ',')
	r = appendCents(r, amt)
	r = append(r, ',')
	r = append(r, periodEnd...)
	t.row = r
	if c >= 0 {
		w.groupExp[w.g.grp[i]] += float64(amt) / 100 * rates[c]
	} else {
		w.groupExp[w.g.grp[i]] += float64(amt) / 100
	}
	return t.end()
}
