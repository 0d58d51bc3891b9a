package screen

import (
	"time"

	"github.com/kampbank/kamp"
)

// RateOne is the Rate of a currency to itself: 1 in units of 1e-10.
const RateOne kamp.Rate = 10_000_000_000

// Rates holds, per ISO 4217 currency code, the rate (kamp.Rate, 1e-10
// reporting-currency units per unit of the currency) that applies to the
// screened period. The reporting currency (kamp.ReportingCurrency) is 1
// unless Rates says otherwise.
type Rates map[string]kamp.Rate

// PeriodRates picks from fx the rate of each currency for period ("YYYY-MM"):
// the one with the latest date on or before the period's last day. Rates
// dated later are ignored; a currency with no rate on or before that day is
// absent (Aggregator.Totals reports it as unknown when it is used). The
// reporting currency is added at 1 when fx has none for it. Errors (EINVALID):
// a malformed period or date, a currency code that is not three upper-case
// letters, a rate <= 0, and two different rates for one currency on one date.
func PeriodRates(period string, fx []kamp.FXRate) (Rates, error) {
	p, err := time.Parse("2006-01", period)
	if err != nil || len(period) != 7 {
		return nil, kamp.WrapError(kamp.EINVALID, err, "rates: period %q is not YYYY-MM", period)
	}
	last := p.AddDate(0, 1, -1).Format(time.DateOnly)
	rates := Rates{}
	dates := map[string]string{}
	for i, r := range fx {
		d, err := time.Parse(time.DateOnly, r.Date)
		if err != nil || len(r.Date) != 10 || d.Format(time.DateOnly) != r.Date {
			return nil, kamp.WrapError(kamp.EINVALID, err, "rates: rate %d: date %q is not YYYY-MM-DD", i+1, r.Date)
		}
		if !isCurrencyCode(r.Currency) {
			return nil, kamp.Errorf(kamp.EINVALID, "rates: rate %d: currency %q is not an ISO 4217 code", i+1, r.Currency)
		}
		if r.Rate <= 0 {
			return nil, kamp.Errorf(kamp.EINVALID, "rates: rate %d: %s on %s is %s; rates are > 0", i+1, r.Currency, r.Date, r.Rate)
		}
		if r.Date > last {
			continue
		}
		switch prev, ok := dates[r.Currency]; {
		case !ok || r.Date > prev:
			dates[r.Currency] = r.Date
			rates[r.Currency] = r.Rate
		case r.Date == prev && rates[r.Currency] != r.Rate:
			return nil, kamp.Errorf(kamp.EINVALID, "rates: %s has two rates on %s (%s and %s)", r.Currency, r.Date, rates[r.Currency], r.Rate)
		}
	}
	if _, ok := rates[kamp.ReportingCurrency]; !ok {
		rates[kamp.ReportingCurrency] = RateOne
	}
	return rates, nil
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
