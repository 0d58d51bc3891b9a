package control

import (
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kampbank/kamp"
)

// benchInput is the benchmark book: 1M entities, 1.5M edges, generated once.
var benchInput = sync.OnceValue(func() Input {
	return genGroups(rand.New(rand.NewPCG(2026, 1)), 1_000_000)
})

func BenchmarkCompute(b *testing.B) {
	in := benchInput()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(in.IDs)), "entities")
	b.ReportMetric(float64(len(in.Edges)), "edges")
}

func BenchmarkNewGroups(b *testing.B) {
	in := benchInput()
	res, err := Compute(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewGroups(in, res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteGroupsCSV(b *testing.B) {
	in := benchInput()
	res, err := Compute(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteGroupsCSV(io.Discard, in, res); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupExposures(b *testing.B) {
	in := benchInput()
	res, err := Compute(in)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	exp := make([]kamp.Amount, len(in.IDs))
	for i := range exp {
		if r.IntN(3) == 0 {
			exp[i] = kamp.Amount(r.Int64N(1e12))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GroupExposures(in, res, exp, 5e14, CN2018); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExplain(b *testing.B) {
	in := benchInput()
	res, err := Compute(in)
	if err != nil {
		b.Fatal(err)
	}
	e := int32(-1)
	for v, d := range res.Depth {
		if d >= 3 {
			e = int32(v)
			break
		}
	}
	if e < 0 {
		b.Fatal("no entity at depth 3")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Explain(in, res, res.Root[e], e); err != nil {
			b.Fatal(err)
		}
	}
}
