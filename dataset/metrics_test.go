package dataset

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

const metricsEntities = "id,name,is_client\nA,a,1\nB,b,1\nN,n,0\n"

const metricsFX = "date,currency,rate\n2024-01-15,USD,7.1\n2024-03-01,USD,7.2\n"

// loadMetricsFolder writes entities, fx and metrics into a folder and loads
// the metrics.
func loadMetricsFolder(t testing.TB, metrics string, opt Options) (*Metrics, *Entities, error) {
	t.Helper()
	dir := writeFolder(t, map[string]string{"entities.csv": metricsEntities, "fx.csv": metricsFX, "metrics.csv": metrics})
	ctx := context.Background()
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), opt)
	if err != nil {
		t.Fatal(err)
	}
	fx, err := LoadFX(ctx, filepath.Join(dir, "fx.csv"), opt)
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadMetrics(ctx, filepath.Join(dir, "metrics.csv"), ents, fx, opt)
	return m, ents, err
}

func TestLoadMetrics(t *testing.T) {
	const csv = "Client_ID,period,currency,revenue,Deposits_Avg,Intl_Settlement\n" +
		"A,2024-02,usd,-1.5,10,\n" +
		"B,2024-03,,2,,3.25\n" +
		"\"N\",2024-02,CNY,0,1,\n" +
		"A,2024-02,CNY,1,2,3\n"
	m, ents, err := loadMetricsFolder(t, csv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantInd := []string{"deposits_avg", "loans_avg", "revenue", "fee_income", "intl_settlement"}
	if !slices.Equal(m.Indicators, wantInd) {
		t.Errorf("Indicators = %v, want %v", m.Indicators, wantInd)
	}
	if !slices.Equal(m.Periods, []string{"2024-02", "2024-03"}) || m.Latest() != "2024-03" {
		t.Errorf("Periods = %v, Latest %q", m.Periods, m.Latest())
	}
	if !slices.Equal(m.Currencies, []string{"CNY", "USD"}) {
		t.Errorf("Currencies = %v", m.Currencies)
	}
	type row struct {
		client, period, currency string
		vals                     []kamp.Amount
		given                    []bool
		line                     int32
	}
	want := []row{
		{"A", "2024-02", "USD", []kamp.Amount{100000, 0, -15000, 0, 0}, []bool{true, false, true, false, false}, 2},
		{"B", "2024-03", "CNY", []kamp.Amount{0, 0, 20000, 0, 32500}, []bool{false, false, true, false, true}, 3},
		{"N", "2024-02", "CNY", []kamp.Amount{10000, 0, 0, 0, 0}, []bool{true, false, true, false, false}, 4},
		{"A", "2024-02", "CNY", []kamp.Amount{20000, 0, 10000, 0, 30000}, []bool{true, false, true, false, true}, 5},
	}
	if m.Len() != len(want) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(want))
	}
	k := len(m.Indicators)
	for r, w := range want {
		got := row{ents.IDs[m.Client[r]], m.Periods[m.Period[r]], m.Currencies[m.Currency[r]], m.Values[r*k : (r+1)*k], m.Given[r*k : (r+1)*k], m.Lines[r]}
		if got.client != w.client || got.period != w.period || got.currency != w.currency || !slices.Equal(got.vals, w.vals) || !slices.Equal(got.given, w.given) || got.line != w.line {
			t.Errorf("row %d = %+v, want %+v", r, got, w)
		}
	}
	if p, ok := m.PeriodIndex("2024-03"); !ok || p != 1 {
		t.Errorf("PeriodIndex(2024-03) = %d, %v", p, ok)
	}
	if _, ok := m.PeriodIndex("2024-04"); ok {
		t.Error("PeriodIndex(2024-04) found")
	}
}

func TestLoadMetricsProblems(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      []string // problems, formatted
	}{
		{"unknown client", "client_id,period\nX,2024-01\n", []string{`metrics.csv:2:client_id: "X": unknown entity: no such id in entities.csv`}},
		{"missing client", "client_id,period\n,2024-01\n", []string{`metrics.csv:2:client_id: required value is missing`}},
		{"bad period", "client_id,period\nA,2024-13\n", []string{`metrics.csv:2:period: "2024-13": month 13 does not exist; expected 01-12`}},
		{"missing period", "client_id,period\nA,\n", []string{`metrics.csv:2:period: required value is missing`}},
		{"negative deposits", "client_id,period,deposits_avg\nA,2024-01,-1\n", nil},
		{"bad amount", "client_id,period,revenue\nA,2024-01,1.23456\n", nil},
		{"bad custom", "client_id,period,x\nA,2024-01,1e5\n", nil},
		{"unknown currency", "client_id,period,currency\nA,2024-01,GBP\n", []string{`metrics.csv:2:currency: "GBP": unknown currency: no exchange rate for GBP in fx.csv`}},
		{"rate too late", "client_id,period,currency\nA,2023-12,USD\n", []string{`metrics.csv:2:currency: "USD": no exchange rate for USD on or before 2023-12-31 (the first is on 2024-01-15)`}},
		{"not a currency", "client_id,period,currency\nA,2024-01,XYZ\n", nil},
		{"wrong fields", "client_id,period\nA,2024-01,3\n", []string{`metrics.csv:2: wrong number of fields: 3, the header has 2`}},
		{"duplicate", "client_id,period,currency\nA,2024-01,\nB,2024-01,\nA,2024-01,cny\n", []string{`metrics.csv:4:client_id: "A": duplicate row for client A, period 2024-01 and currency CNY: the same as line 2`}},
		{"duplicate in a sorted file", "client_id,period,currency\nA,2024-01,\nA,2024-02,\nA,2024-02,CNY\nB,2024-01,\n", []string{`metrics.csv:4:client_id: "A": duplicate row for client A, period 2024-02 and currency CNY: the same as line 3`}},
		{"missing column", "client_id,revenue\nA,1\n", []string{`metrics.csv:1:period: missing required column "period"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := loadMetricsFolder(t, tc.csv, Options{})
			var pe *ProblemError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ProblemError", err)
			}
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("code = %s", kamp.ErrorCode(err))
			}
			if tc.want == nil {
				if len(pe.Problems) != 1 {
					t.Errorf("problems = %v, want one", pe.Problems)
				}
				return
			}
			var got []string
			for _, p := range pe.Problems {
				got = append(got, FormatProblem(p))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestLoadMetricsChunks checks that the result does not depend on how the
// file is cut, nor on whether it is read by the fast or the slow reader.
func TestLoadMetricsChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("client_id,period,currency,revenue,deposits_avg,note\n")
	for i := range 300 {
		client := []string{"A", "B", "N"}[i%3]
		b.WriteString(client + "," + itoa(2024+i/3) + "-0" + itoa(1+i%9) + ",")
		if i%2 == 0 {
			b.WriteString("USD")
		}
		b.WriteString("," + itoa(i) + "." + itoa(i%10) + "," + itoa(i*7) + ",\"" + itoa(i) + "\"\n")
	}
	want, _, err := loadMetricsFolder(t, b.String(), Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 97
	got, _, err := loadMetricsFolder(t, b.String(), Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	slow, _, err := loadMetricsFolder(t, b.String()+"A,2099-01,,\"1\"x,1,\n", Options{})
	if err == nil {
		t.Fatalf("a syntax error was not reported (%d rows)", slow.Len())
	}
	if !equalMetrics(want, got) {
		t.Error("chunked load differs")
	}
}

// equalMetrics reports whether a and b hold the same rows.
func equalMetrics(a, b *Metrics) bool {
	return slices.Equal(a.Indicators, b.Indicators) && slices.Equal(a.Client, b.Client) && slices.Equal(a.Period, b.Period) &&
		slices.Equal(a.Periods, b.Periods) && slices.Equal(a.Currency, b.Currency) && slices.Equal(a.Currencies, b.Currencies) &&
		slices.Equal(a.Values, b.Values) && slices.Equal(a.Given, b.Given) && slices.Equal(a.Lines, b.Lines)
}

func TestFXRates(t *testing.T) {
	var nilFX *FX
	if nilFX.Rates() != nil {
		t.Error("nil FX has rates")
	}
	dir := writeFolder(t, map[string]string{"fx.csv": "date,currency,rate\n2024-02-01,usd,7.2\n2024-01-01,EUR,8\n2024-01-01,USD,7.1\n"})
	fx, err := LoadFX(context.Background(), filepath.Join(dir, "fx.csv"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []kamp.FXRate{
		{Date: "2024-01-01", Currency: "EUR", Rate: 80_000_000_000},
		{Date: "2024-01-01", Currency: "USD", Rate: 71_000_000_000},
		{Date: "2024-02-01", Currency: "USD", Rate: 72_000_000_000},
	}
	if got := fx.Rates(); !slices.Equal(got, want) {
		t.Errorf("Rates = %v, want %v", got, want)
	}
}

// FuzzLoadMetrics checks that any metrics.csv either loads or fails with a
// *ProblemError, and that a load does not depend on how the file is cut.
func FuzzLoadMetrics(f *testing.F) {
	f.Add("client_id,period,currency,revenue\nA,2024-02,usd,-1.5\nB,2024-03,,2\n")
	f.Add("client_id,period,x\n\"A\",2024-01,\"1,5\"\nN,2024-01,3\n")
	f.Add("period,client_id\r\n2024-01,B\r\n\r\n2024-01,A\r\n")
	f.Add("client_id,period,deposits_avg\nA,2024-01,-1\nA,2024-01,\n")
	f.Fuzz(func(t *testing.T, csv string) {
		whole, _, err1 := loadMetricsFolder(t, csv, Options{Workers: 1})
		old := chunkSize
		chunkSize = 16
		cut, _, err2 := loadMetricsFolder(t, csv, Options{Workers: 2})
		chunkSize = old
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("whole: %v; cut: %v", err1, err2)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Fatalf("whole: %v; cut: %v", err1, err2)
			}
			return
		}
		if !equalMetrics(whole, cut) {
			t.Fatal("cut load differs")
		}
	})
}
