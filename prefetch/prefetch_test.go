package prefetch

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestAddrsAnyAddress asks for addresses no program may read: Addrs must
// not read them.
func TestAddrsAnyAddress(t *testing.T) {
	var x [64]byte
	p := uintptr(unsafe.Pointer(&x[0]))
	Addrs(nil)
	Addrs([]uintptr{0, 1, 8, p, p + 63, p + 1<<20, math.MaxUint64, math.MaxUint64 - 4095, 0xdeadbeef000, 1 << 47})
}

// BenchmarkRandomReads reads random entries of a table much larger than
// the cache, 64 at a time, after some work on each (as AddBatch makes
// match keys before it reads the tables): in a tight loop after the work,
// whose misses overlap each other, or asked for before the work, whose
// misses then also overlap the work.
func BenchmarkRandomReads(b *testing.B) {
	table := make([]uint64, 1<<25) // 256 MiB
	for i := range table {
		table[i] = uint64(i)
	}
	idx := make([]uint32, 1<<22)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range idx {
		idx[i] = uint32(r.IntN(len(table)))
	}
	var sink uint64
	read := func(ask bool) {
		var addrs [64]uintptr
		for lo := 0; lo < len(idx); lo += 64 {
			block := idx[lo : lo+64]
			if ask {
				for i, j := range block {
					addrs[i] = uintptr(unsafe.Pointer(&table[j]))
				}
				Addrs(addrs[:])
			}
			for _, j := range block {
				h := uint64(j)
				for range 8 {
					h = (h ^ h>>29) * 0xbf58476d1ce4e5b9
				}
				sink += h
			}
			for _, j := range block {
				sink += table[j]
			}
		}
	}
	for _, ask := range []bool{false, true} {
		name := "loads"
		if ask {
			name = "asked"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				read(ask)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(idx)), "ns/read")
		})
	}
	if sink == 0 {
		b.Log(sink)
	}
}
