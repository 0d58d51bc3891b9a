package chain

import (
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kampbank/kamp"
)

// benchWorld is a synthetic bank: nEnt entities in groups of 1-8, every
// 30th group a strategic unit, 70% clients.
type benchWorld struct {
	in      Input
	members []int32 // entities of strategic units
	names   []string
	dates   []string
}

func newBenchWorld(nEnt int) *benchWorld {
	w := &benchWorld{}
	in := &w.in
	var root int32
	for i := 0; i < nEnt; i++ {
		if i%((i*7)%8+1) == 0 || i-int(root) >= 8 {
			root = int32(i)
			if len(in.Units) < nEnt/90 && i%30 == 0 {
				in.Units = append(in.Units, root)
			}
		}
		in.IDs = append(in.IDs, fmt.Sprintf("E%07d", i))
		in.Names = append(in.Names, fmt.Sprintf("华东%d号实业有限公司", i))
		in.IsClient = append(in.IsClient, i%10 < 7)
		in.Root = append(in.Root, root)
	}
	strategic := map[int32]bool{}
	for _, u := range in.Units {
		strategic[u] = true
	}
	for i, r := range in.Root {
		if strategic[r] {
			w.members = append(w.members, int32(i))
		}
	}
	// Name-only sides: half written like a known entity (LLC form), half
	// unknown.
	for i := 0; i < 20000; i++ {
		if i%2 == 0 {
			w.names = append(w.names, fmt.Sprintf("华东%d号实业有限责任公司", (i*7919)%nEnt))
		} else {
			w.names = append(w.names, fmt.Sprintf("外部供应商%d（个体）", i))
		}
	}
	for d := 0; d < 366; d++ {
		m, day := 1+d/31%12, 1+d%28
		w.dates = append(w.dates, fmt.Sprintf("2024-%02d-%02d", m, day))
	}
	in.FX = []kamp.FXRate{{Date: "2023-12-31", Currency: "USD", Rate: 71_000_000_000}, {Date: "2024-06-30", Currency: "USD", Rate: 72_000_000_000}}
	return w
}

// payment returns the k-th synthetic payment, drawn with a xorshift
// generator: one side is a strategic member in half of them, a fifth of the
// other sides are names, a tenth of the amounts are in USD.
func (w *benchWorld) payment(state *uint64) kamp.Payment {
	next := func() uint64 {
		x := *state
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		*state = x
		return x
	}
	r := next()
	p := kamp.Payment{TxnID: "t", Date: w.dates[r%366], Amount: kamp.Amount(1 + r>>20%1e10)}
	if r>>8%10 == 0 {
		p.Currency = "USD"
	}
	n := uint64(len(w.in.IDs))
	var a, b string
	if r>>12%2 == 0 {
		a = w.in.IDs[w.members[next()%uint64(len(w.members))]]
	} else {
		a = w.in.IDs[next()%n]
	}
	s := next()
	if s%5 == 0 {
		p.PayeeName = w.names[s>>3%uint64(len(w.names))]
	} else {
		b = w.in.IDs[s>>3%n]
	}
	if r>>16%2 == 0 {
		p.PayerID, p.PayeeID = a, b
	} else {
		p.PayerID, p.PayeeID, p.PayerName, p.PayeeName = b, a, p.PayeeName, ""
	}
	return p
}

// BenchmarkStream streams 2M synthetic payments over 100k entities into a
// new accumulator and takes the result; it reports the cost per payment.
func BenchmarkStream(b *testing.B) {
	const nEnt, nPay = 100_000, 2_000_000
	w := newBenchWorld(nEnt)
	b.ReportAllocs()
	var edges, prospects int
	for b.Loop() {
		a, err := New(w.in)
		if err != nil {
			b.Fatal(err)
		}
		state := uint64(88172645463325252)
		for k := 0; k < nPay; k++ {
			if err := a.Add(w.payment(&state)); err != nil {
				b.Fatal(err)
			}
		}
		r, err := a.Result()
		if err != nil {
			b.Fatal(err)
		}
		edges, prospects = len(r.Edges), len(r.Prospects)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/nPay, "ns/payment")
	b.ReportMetric(float64(edges), "edges")
	b.ReportMetric(float64(prospects), "prospects")
}

// BenchmarkShards is BenchmarkStream through one shard per core, the
// payments dealt round-robin in blocks, with the edges written to
// io.Discard by WriteResult; it reports the cost per payment and the part
// of WriteResult.
func BenchmarkShards(b *testing.B) {
	const nEnt, nPay = 100_000, 2_000_000
	w := newBenchWorld(nEnt)
	ps := make([]kamp.Payment, nPay)
	state := uint64(88172645463325252)
	for k := range ps {
		ps[k] = w.payment(&state)
	}
	workers := runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	var edges, prospects int
	var result time.Duration
	for b.Loop() {
		a, err := New(w.in)
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range workers {
			s := a.NewShard()
			wg.Go(func() {
				for k := i * 1024; k < len(ps); k += workers * 1024 {
					for _, p := range ps[k:min(k+1024, len(ps))] {
						if err := s.Add(p); err != nil {
							panic(err)
						}
					}
				}
			})
		}
		wg.Wait()
		start := time.Now()
		r, n, err := a.WriteResult(io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		result += time.Since(start)
		edges, prospects = n, len(r.Prospects)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/nPay, "ns/payment")
	b.ReportMetric(float64(result.Nanoseconds())/float64(b.N)/nPay, "result-ns/payment")
	b.ReportMetric(float64(edges), "edges")
	b.ReportMetric(float64(prospects), "prospects")
}

// BenchmarkAdd measures Add alone in the steady state, one payment per
// operation, after 1M payments have built up the edges.
func BenchmarkAdd(b *testing.B) {
	w := newBenchWorld(100_000)
	a, err := New(w.in)
	if err != nil {
		b.Fatal(err)
	}
	state := uint64(88172645463325252)
	for k := 0; k < 1_000_000; k++ {
		if err := a.Add(w.payment(&state)); err != nil {
			b.Fatal(err)
		}
	}
	ps := make([]kamp.Payment, 1<<16)
	for i := range ps {
		ps[i] = w.payment(&state)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := a.Add(ps[i&(len(ps)-1)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWrite writes the result files of 2M payments.
func BenchmarkWrite(b *testing.B) {
	w := newBenchWorld(100_000)
	a, err := New(w.in)
	if err != nil {
		b.Fatal(err)
	}
	state := uint64(88172645463325252)
	for k := 0; k < 2_000_000; k++ {
		if err := a.Add(w.payment(&state)); err != nil {
			b.Fatal(err)
		}
	}
	r, err := a.Result()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteEdgesCSV(io.Discard, r.Edges); err != nil {
			b.Fatal(err)
		}
		if err := WriteProspectsCSV(io.Discard, r.Prospects); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRankProspects ranks 1M prospects, a third of them tied in
// amount with another.
func BenchmarkRankProspects(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	ps := make([]Prospect, 1<<20)
	for i := range ps {
		ps[i] = Prospect{Counterparty: fmt.Sprintf("E%08d", r.IntN(1e8)), Units: []string{"U"}, sum: u128{lo: uint64(r.IntN(700000)) * 1e10}}
	}
	res := &Result{}
	for b.Loop() {
		res.Prospects = slices.Clone(ps)
		if err := rankProspects(res); err != nil {
			b.Fatal(err)
		}
	}
}
