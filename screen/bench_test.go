package screen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kampbank/kamp"
)

// benchRows is a metrics input: the units and one kamp.Metric per row, with
// the unit index of its client.
type benchRows struct {
	ids     []string
	members []int32
	unit    []int32
	metrics []kamp.Metric
}

// benchData draws units and metrics rows shaped like a large bank's period:
// log-normal balances, most rows in CNY, some negative revenue, some units
// without metrics. shuffledIDs gives ids out of byte order.
func benchData(units, rows int, shuffledIDs bool) *benchRows {
	rng := rand.New(rand.NewPCG(440, 700))
	b := &benchRows{ids: make([]string, units), members: make([]int32, units)}
	for u := range units {
		b.ids[u] = fmt.Sprintf("G%08d", u)
		b.members[u] = int32(1 + rng.IntN(3))
	}
	if shuffledIDs {
		rng.Shuffle(units, func(i, j int) { b.ids[i], b.ids[j] = b.ids[j], b.ids[i] })
	}
	lognormal := func(mu, sigma float64) kamp.NullAmount {
		return kamp.NullAmount{Amount: kamp.Amount(math.Exp(mu+sigma*rng.NormFloat64()) * 1e4), Valid: true}
	}
	covered := units * 9 / 10
	b.unit = make([]int32, rows)
	b.metrics = make([]kamp.Metric, rows)
	for i := range rows {
		u := int32(i % covered)
		if i >= covered {
			u = int32(rng.IntN(covered))
		}
		cur := "CNY"
		switch x := rng.IntN(100); {
		case x < 3:
			cur = "USD"
		case x < 4:
			cur = "HKD"
		case x < 5:
			cur = "EUR"
		}
		m := kamp.Metric{
			ClientID: fmt.Sprintf("C%09d", i), Period: "2024-06", Currency: cur,
			DepositsAvg: lognormal(13, 2.5), Revenue: lognormal(10, 2.5), FeeIncome: lognormal(8, 2),
		}
		if rng.IntN(10) < 6 {
			m.LoansAvg = lognormal(14, 3)
		}
		if rng.IntN(20) == 0 {
			m.Revenue.Amount = -m.Revenue.Amount
		}
		b.unit[i], b.metrics[i] = u, m
	}
	return b
}

var benchRates = Rates{"USD": 71268000000, "HKD": 9123400000, "EUR": 77123456789}

// aggregate runs the aggregation of b.
func (b *benchRows) aggregate(tb testing.TB) *Data {
	a, err := NewAggregator(b.ids, b.members, kamp.StandardIndicators)
	if err != nil {
		tb.Fatal(err)
	}
	for i, u := range b.unit {
		if err := a.AddMetric(u, &b.metrics[i]); err != nil {
			tb.Fatal(err)
		}
	}
	d, err := a.Totals(benchRates)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func benchmarkAggregateScore(b *testing.B, shuffled bool) {
	rows := benchData(440_000, 700_000, shuffled)
	w := DefaultWeights()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := rows.aggregate(b)
		if _, err := d.Score(w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAggregateScore is the compute part of `kamp screen` for 440k
// units and 0.7M metrics rows: aggregation, exact totals, shares and scoring.
func BenchmarkAggregateScore(b *testing.B) { benchmarkAggregateScore(b, false) }

// BenchmarkAggregateScoreUnsortedIDs is the same with unit ids given out of
// byte order (NewAggregator sorts them once).
func BenchmarkAggregateScoreUnsortedIDs(b *testing.B) { benchmarkAggregateScore(b, true) }

// BenchmarkRescore is the what-if recompute: new weights on aggregated data.
func BenchmarkRescore(b *testing.B) {
	d := benchData(440_000, 700_000, false).aggregate(b)
	weights := []Weights{
		DefaultWeights(),
		{"revenue": 0.7, "deposits_avg": 0.3},
		{"loans_avg": 0.25, "fee_income": 0.25, "revenue": 0.25, "deposits_avg": 0.25},
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := d.Score(weights[i%len(weights)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWriteTiersCSV writes tiers.csv for 440k units.
func BenchmarkWriteTiersCSV(b *testing.B) {
	d := benchData(440_000, 700_000, false).aggregate(b)
	r, err := d.Score(DefaultWeights())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := WriteTiersCSV(discard{}, d, r); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
