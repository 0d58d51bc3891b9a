package screen

import (
	"maps"
	"testing"

	"github.com/kampbank/kamp"
)

func TestPeriodRates(t *testing.T) {
	fx := []kamp.FXRate{
		{Date: "2024-05-31", Currency: "USD", Rate: rate(t, "7.1")},
		{Date: "2024-06-28", Currency: "USD", Rate: rate(t, "7.2")},
		{Date: "2024-06-30", Currency: "USD", Rate: rate(t, "7.25")},
		{Date: "2024-07-01", Currency: "USD", Rate: rate(t, "7.3")},
		{Date: "2024-06-15", Currency: "USD", Rate: rate(t, "7.15")},
		{Date: "2024-01-02", Currency: "HKD", Rate: rate(t, "0.9123456789")},
		{Date: "2024-07-05", Currency: "EUR", Rate: rate(t, "7.8")},
		{Date: "2024-02-29", Currency: "JPY", Rate: rate(t, "0.05")},
		{Date: "2024-02-29", Currency: "JPY", Rate: rate(t, "0.05")}, // the same again
	}
	tests := []struct {
		period string
		fx     []kamp.FXRate
		want   Rates
	}{
		{"2024-06", fx, Rates{"USD": rate(t, "7.25"), "HKD": rate(t, "0.9123456789"), "JPY": rate(t, "0.05"), "CNY": RateOne}},
		{"2024-05", fx, Rates{"USD": rate(t, "7.1"), "HKD": rate(t, "0.9123456789"), "JPY": rate(t, "0.05"), "CNY": RateOne}},
		{"2024-02", fx, Rates{"HKD": rate(t, "0.9123456789"), "JPY": rate(t, "0.05"), "CNY": RateOne}},
		{"2023-12", fx, Rates{"CNY": RateOne}},
		{"2024-07", fx[3:4], Rates{"USD": rate(t, "7.3"), "CNY": RateOne}},
		{"2024-06", []kamp.FXRate{{Date: "2024-06-01", Currency: "CNY", Rate: rate(t, "1.0000000001")}}, Rates{"CNY": rate(t, "1.0000000001")}},
		{"2024-06", nil, Rates{"CNY": RateOne}},
	}
	for _, tt := range tests {
		got, err := PeriodRates(tt.period, tt.fx)
		if err != nil {
			t.Errorf("PeriodRates(%s): %v", tt.period, err)
			continue
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("PeriodRates(%s) = %v, want %v", tt.period, got, tt.want)
		}
	}
}

func TestPeriodRatesErrors(t *testing.T) {
	tests := []struct {
		name   string
		period string
		fx     []kamp.FXRate
		want   string
	}{
		{"bad period", "2024-6", nil, `period "2024-6" is not YYYY-MM`},
		{"bad month", "2024-13", nil, "is not YYYY-MM"},
		{"period with day", "2024-06-01", nil, "is not YYYY-MM"},
		{"bad date", "2024-06", []kamp.FXRate{{Date: "2024-06-31", Currency: "USD", Rate: 1}}, `date "2024-06-31"`},
		{"short date", "2024-06", []kamp.FXRate{{Date: "2024-6-1", Currency: "USD", Rate: 1}}, "is not YYYY-MM-DD"},
		{"bad currency", "2024-06", []kamp.FXRate{{Date: "2024-06-01", Currency: "usd", Rate: 1}}, `currency "usd"`},
		{"zero rate", "2024-06", []kamp.FXRate{{Date: "2024-06-01", Currency: "USD", Rate: 0}}, "rates are > 0"},
		{"conflict", "2024-06", []kamp.FXRate{
			{Date: "2024-06-01", Currency: "USD", Rate: rate(t, "7.1")},
			{Date: "2024-06-01", Currency: "USD", Rate: rate(t, "7.2")},
		}, "USD has two rates on 2024-06-01 (7.1 and 7.2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PeriodRates(tt.period, tt.fx)
			wantCode(t, err, kamp.EINVALID, tt.want)
		})
	}
}
