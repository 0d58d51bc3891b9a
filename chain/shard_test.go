package chain

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/kampbank/kamp"
)

// How runShards adds payments.
const (
	viaAdd = iota
	viaAddIndexed
	viaAddResolved
	viaAddBatch
)

// runShards deals payments at random to k shards of a new accumulator, adds
// them on k goroutines with Add, AddIndexed or AddResolved, and returns the
// result.
func runShards(t testing.TB, in Input, ps []kamp.Payment, k int, seed uint64, via int) (*Result, *Accumulator) {
	t.Helper()
	a, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int32{"": -1}
	for i, id := range in.IDs {
		index[id] = int32(i)
	}
	r := rand.New(rand.NewPCG(seed, 11))
	parts := make([][]kamp.Payment, k)
	for _, p := range ps {
		i := r.IntN(k)
		parts[i] = append(parts[i], p)
	}
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			s := a.NewShard()
			if via == viaAddBatch {
				sides := make([]int32, 0, 2*len(part))
				for _, p := range part {
					sides = append(sides, index[p.PayerID], index[p.PayeeID])
				}
				for start := 0; start < len(part); start += 100 {
					end := min(start+100, len(part))
					s.AddBatch(part[start:end], sides[2*start:2*end], func(i int, err error) {
						if errs[i] == nil {
							errs[i] = fmt.Errorf("%+v: %w", part[start+i], err)
						}
					})
				}
				return
			}
			for _, p := range part {
				var err error
				switch via {
				case viaAddIndexed:
					err = s.AddIndexed(p, index[p.PayerID], index[p.PayeeID])
				case viaAddResolved:
					err = s.AddResolved(p, index[p.PayerID], index[p.PayeeID])
				default:
					err = s.Add(p)
				}
				if err != nil {
					errs[i] = fmt.Errorf("%+v: %w", p, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := a.Result()
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	return res, a
}

// sameWritten fails t when a.WriteResult does not write the edges of want
// or does not return the rest of it.
func sameWritten(t *testing.T, what string, a *Accumulator, want *Result) {
	t.Helper()
	var buf bytes.Buffer
	got, n, err := a.WriteResult(&buf)
	if err != nil {
		t.Fatalf("%s: WriteResult: %v", what, err)
	}
	if n != len(want.Edges) {
		t.Fatalf("%s: WriteResult wrote %d edges, want %d", what, n, len(want.Edges))
	}
	var wantBuf bytes.Buffer
	if err := WriteEdgesCSV(&wantBuf, want.Edges); err != nil {
		t.Fatal(err)
	}
	if buf.String() != wantBuf.String() {
		t.Fatalf("%s: WriteResult wrote\n%s\nwant\n%s", what, head(buf.String()), head(wantBuf.String()))
	}
	if got.Edges != nil {
		t.Fatalf("%s: WriteResult returned %d edges", what, len(got.Edges))
	}
	got.Edges = want.Edges
	sameResult(t, what+" (WriteResult)", got, want)
}

// sameResult fails t when got and want differ in their files, stats or
// ambiguity report.
func sameResult(t *testing.T, what string, got, want *Result) {
	t.Helper()
	gotE, gotP := csvBody(t, got)
	wantE, wantP := csvBody(t, want)
	if gotE != wantE {
		t.Fatalf("%s: edges differ:\n%s\nwant:\n%s", what, head(gotE), head(wantE))
	}
	if gotP != wantP {
		t.Fatalf("%s: prospects differ:\n%s\nwant:\n%s", what, head(gotP), head(wantP))
	}
	if got.Stats != want.Stats {
		t.Fatalf("%s: stats %+v, want %+v", what, got.Stats, want.Stats)
	}
	if fmt.Sprint(got.Ambiguous) != fmt.Sprint(want.Ambiguous) {
		t.Fatalf("%s: ambiguous %v, want %v", what, got.Ambiguous, want.Ambiguous)
	}
	for i := range got.Edges {
		if got.Edges[i].sum != want.Edges[i].sum {
			t.Fatalf("%s: edge %d: exact sum %v, want %v", what, i, got.Edges[i].sum, want.Edges[i].sum)
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// head returns the first lines of a file body.
func head(s string) string {
	lines := strings.SplitN(s, "\n", 8)
	return strings.Join(lines[:min(len(lines), 7)], "\n")
}

// TestShardsMatchAdd checks that payments dealt to any number of shards
// give exactly what Add gives them all.
func TestShardsMatchAdd(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		w := newRandomWorld(seed, 10+int(seed)*4, 600)
		if seed%4 == 0 {
			w.in.From, w.in.To = "2024-03-15", "2024-09-10"
		}
		want := run(t, w.in, w.payments)
		if len(want.Edges) == 0 {
			t.Fatalf("seed %d: no edges: the random world is too thin to test anything", seed)
		}
		for _, k := range []int{1, 2, 5} {
			what := fmt.Sprintf("seed %d, %d shards", seed, k)
			in := w.in
			if k == 2 {
				// The caller's index of the names is used as is.
				in.NameIndex = IndexNames(in.Names)
			}
			block := cpBlock
			if k == 5 {
				// Blocks of a few edges: every bucket's edges go
				// through the result's stages in many blocks.
				cpBlock = 3
			}
			got, a := runShards(t, in, w.payments, k, seed, int(seed+uint64(k))%4)
			sameResult(t, what, got, want)
			sameWritten(t, what, a, want)
			cpBlock = block
		}
		// WriteResult without shards.
		a, err := New(w.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range w.payments {
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		sameWritten(t, fmt.Sprintf("seed %d, no shards", seed), a, want)
	}
}

// TestShardsManyUnits checks the shards with more units than buckets, so
// that a bucket holds several units, and a counterparty interned by more
// than one shard.
func TestShardsManyUnits(t *testing.T) {
	w := newBenchWorld(60_000)
	a, err := New(w.in)
	if err != nil {
		t.Fatal(err)
	}
	if a.bucketShift == 0 {
		t.Fatalf("%d units fit in %d buckets: the test needs more", len(w.in.Units), a.nBuckets)
	}
	state := uint64(88172645463325252)
	ps := make([]kamp.Payment, 100_000)
	for i := range ps {
		ps[i] = w.payment(&state)
	}
	want := run(t, w.in, ps)
	got, a := runShards(t, w.in, ps, 3, 1, viaAddBatch)
	sameResult(t, "bench world", got, want)
	sameWritten(t, "bench world", a, want)
	if _, _, err := a.WriteResult(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteResult to a failing writer: %v", err)
	}
	if want.Stats.NameUnmatched == 0 || want.Stats.TwoUnits == 0 {
		t.Fatalf("the bench world has no unmatched names or no payments between units: %+v", want.Stats)
	}
}

// TestShardsRepeatable checks that Result does not consume the shards and
// that a second Result after more payments is the result of all of them.
func TestShardsRepeatable(t *testing.T) {
	w := newRandomWorld(5, 40, 600)
	a, err := New(w.in)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := a.NewShard(), a.NewShard()
	for i, p := range w.payments {
		s := s1
		if i%3 == 0 {
			s = s2
		}
		if err := s.Add(p); err != nil {
			t.Fatal(err)
		}
		if i == 300 {
			first, err := a.Result()
			if err != nil {
				t.Fatal(err)
			}
			again, err := a.Result()
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, "Result twice", again, first)
			sameResult(t, "Result in the middle", first, run(t, w.in, w.payments[:301]))
		}
	}
	got, err := a.Result()
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "final Result", got, run(t, w.in, w.payments))
}

// TestShardErrors checks that a shard refuses what Add refuses, with the
// same error, and is left unchanged.
func TestShardErrors(t *testing.T) {
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-03-01", Currency: "USD", Rate: 70_000_000_000}}
	bad := []kamp.Payment{
		{TxnID: "d", Date: "2024-02-30", PayerID: "A1", PayeeID: "B1", Amount: 1},
		{TxnID: "a", Date: "2024-03-02", PayerID: "A1", PayeeID: "B1", Amount: 0},
		{TxnID: "s", Date: "2024-03-02", PayerID: "A1", Amount: 1},
		{TxnID: "i", Date: "2024-03-02", PayerID: "A1", PayeeID: "ZZ", Amount: 1},
		{TxnID: "k", Date: "2024-03-02", PayerID: "A1", PayeeName: " （） ", Amount: 1},
		{TxnID: "c", Date: "2024-03-02", PayerID: "A1", PayeeName: "外部", Amount: 1, Currency: "EUR"},
		{TxnID: "m", Date: "2024-02-28", PayerID: "A1", PayeeName: "外部", Amount: 1, Currency: "USD"},
	}
	for _, p := range bad {
		a, err := New(in)
		if err != nil {
			t.Fatal(err)
		}
		want := a.Add(p)
		if want == nil {
			t.Fatalf("%s: Add accepted %+v", p.TxnID, p)
		}
		a, _ = New(in)
		s := a.NewShard()
		got := s.Add(p)
		if got == nil || got.Error() != want.Error() || kamp.ErrorCode(got) != kamp.ErrorCode(want) {
			t.Errorf("%s: shard error %v, Add error %v", p.TxnID, got, want)
		}
		if s.Stats() != (Stats{}) || s.records != 0 {
			t.Errorf("%s: the refused payment changed the shard: %+v", p.TxnID, s.Stats())
		}
	}
	a, _ := New(in)
	s := a.NewShard()
	p := kamp.Payment{TxnID: "T", Date: "2024-03-02", PayerID: "A1", PayeeName: "外部", Amount: 1}
	if err := s.AddIndexed(p, 2, -1); kamp.ErrorCode(err) != kamp.EINVALID || s.Stats() != (Stats{}) {
		t.Errorf("AddIndexed with a wrong index: %v, stats %+v", err, s.Stats())
	}
	// AddBatch takes the good ones and reports the others by position.
	batch := []kamp.Payment{p, bad[0], p, bad[1], p, bad[4]}
	sides := []int32{1, -1, 1, 4, 1, -1, 1, 4, 1, 3, 1, -1}
	var refused []int
	s.AddBatch(batch, sides, func(i int, err error) {
		if kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("AddBatch refused payment %d with %v", i, err)
		}
		if i == 5 && !strings.Contains(err.Error(), "empty match key") {
			t.Errorf("AddBatch refused payment 5 with %v, want an empty match key", err)
		}
		refused = append(refused, i)
	})
	if !slices.Equal(refused, []int{1, 3, 4, 5}) || s.Stats().Payments != 2 {
		t.Errorf("AddBatch refused %v (want 1, 3, 4, 5), took %d", refused, s.Stats().Payments)
	}
	s = a.NewShard()
	for _, c := range []struct{ payer, payee int32 }{{-1, -1}, {1, 0}, {int32(len(in.IDs)), -1}} {
		if err := s.AddResolved(p, c.payer, c.payee); kamp.ErrorCode(err) != kamp.EINVALID || s.Stats() != (Stats{}) {
			t.Errorf("AddResolved with indexes %d, %d: %v, stats %+v", c.payer, c.payee, err, s.Stats())
		}
	}
}

// TestShardsAndAddMixed checks that Result refuses payments given both to
// the accumulator and to its shards.
func TestShardsAndAddMixed(t *testing.T) {
	w := newRandomWorld(2, 30, 20)
	a, err := New(w.in)
	if err != nil {
		t.Fatal(err)
	}
	s := a.NewShard()
	if err := a.Add(w.payments[0]); err != nil {
		t.Fatal(err)
	}
	// An empty shard does not count.
	if _, err := a.Result(); err != nil {
		t.Fatalf("Result with an empty shard: %v", err)
	}
	if err := s.Add(w.payments[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Result(); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("Result of mixed payments: %v, want EINVALID", err)
	}
}

// TestShardSumOverflow checks that an exact sum past 128 bits, which a
// shard cannot see, is reported by Result.
func TestShardSumOverflow(t *testing.T) {
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 1 << 62}}
	p := kamp.Payment{TxnID: "big", Date: "2024-01-02", PayerID: "A1", PayeeID: "B1", Amount: 1<<63 - 1, Currency: "USD"}
	for _, n := range []int{8, 9} {
		a, err := New(in)
		if err != nil {
			t.Fatal(err)
		}
		s1, s2 := a.NewShard(), a.NewShard()
		for i := range n {
			s := s1
			if i%2 == 1 {
				s = s2
			}
			if err := s.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		_, err = a.Result()
		// Eight payments sum to just under 2^128 (whose amount is out of
		// range); nine overflow.
		want := map[int]string{8: "exceeds the amount range", 9: "overflows"}[n]
		if err == nil || !strings.Contains(err.Error(), want) || kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("%d payments: Result error %v, want %q", n, err, want)
		}
	}
}

// TestRankCounterparties checks the merged order of entities and names,
// entities unsorted and sharing strings with names.
func TestRankCounterparties(t *testing.T) {
	in := Input{IDs: []string{"b", "a", "d"}, Names: []string{"x", "y", "z"}, IsClient: make([]bool, 3), Root: []int32{0, 1, 2}}
	a, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"c", "a", "e", "b"} {
		if _, ok := a.shared.intern([]byte(k), hashKey([]byte(k)), false); !ok {
			t.Fatal("intern failed")
		}
	}
	rk := a.rankCounterparties(2)
	var got []string
	cps := []int32{0, 1, 2}
	for si := range a.shared.stripes {
		for j := range a.shared.stripes[si].keys {
			cps = append(cps, -1-(int32(j)<<stripeBits|int32(si)))
		}
	}
	slices.SortFunc(cps, func(x, y int32) int { return int(rk.rank(x)) - int(rk.rank(y)) })
	for _, cp := range cps {
		s := a.sharedCPString(cp)
		if cp < 0 {
			s += "?"
		}
		got = append(got, s)
	}
	if want := "a a? b b? c? d e?"; strings.Join(got, " ") != want {
		t.Errorf("order %q, want %q", strings.Join(got, " "), want)
	}
}

// TestSortKeyed checks the radix sort of records against a plain sort.
func TestSortKeyed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tmp []keyedRecord
	for _, n := range []int{0, 1, 5, 47, 48, 100, 5000} {
		for _, mask := range []uint64{0, 0xF, 0xFFFF_FFFF, 0x3_0000_00FF, ^uint64(0)} {
			rs := make([]keyedRecord, n)
			for i := range rs {
				rs[i] = keyedRecord{key: 0x1234_0000_0000_0000 | r.Uint64()&mask, r: record{date: int32(i)}}
			}
			want := slices.Clone(rs)
			slices.SortStableFunc(want, func(x, y keyedRecord) int { return cmp.Compare(x.key, y.key) })
			got := sortKeyed(rs, &tmp)
			for i := range got {
				if got[i].key != want[i].key {
					t.Fatalf("n %d, mask %x: key %d is %x, want %x", n, mask, i, got[i].key, want[i].key)
				}
			}
			if len(got) != n {
				t.Fatalf("n %d: %d records sorted", n, len(got))
			}
		}
	}
}

// TestShardsNoUnits checks the shards of a bank without strategic units:
// no buckets, no edges, the payments counted.
func TestShardsNoUnits(t *testing.T) {
	w := newRandomWorld(7, 30, 200)
	w.in.Units = nil
	want := run(t, w.in, w.payments)
	got, a := runShards(t, w.in, w.payments, 2, 7, viaAdd)
	sameResult(t, "no units", got, want)
	sameWritten(t, "no units", a, want)
	if len(got.Edges) != 0 || got.Stats.Outside == 0 {
		t.Errorf("%d edges, stats %+v", len(got.Edges), got.Stats)
	}
}

// TestShardsCompact checks that shards compacting their buckets often give
// exactly what Add gives, and that compaction holds the records down to
// about the edges, not the payments.
func TestShardsCompact(t *testing.T) {
	defer func(n int) { minCompactChunks = n }(minCompactChunks)
	minCompactChunks = 1
	for seed := uint64(1); seed <= 6; seed++ {
		// Few entities make long runs of one edge; more make edges that
		// take no payment between two compactions.
		w := newRandomWorld(seed, []int{14, 120}[seed%2], 30_000)
		want := run(t, w.in, w.payments)
		for _, k := range []int{1, 3} {
			what := fmt.Sprintf("seed %d, %d shards", seed, k)
			got, a := runShards(t, w.in, w.payments, k, seed, int(seed+uint64(k))%4)
			sameResult(t, what, got, want)
			sameWritten(t, what, a, want)
			compactions, held, used := 0, 0, 0
			for _, s := range a.shards {
				compactions += s.compactions
				for _, b := range s.buckets {
					held += max(0, len(b.chunks)-1)*chunkLen + b.n
					if len(b.chunks) > 0 {
						used++
					}
				}
			}
			if compactions == 0 || seed%2 == 0 && int64(2*k*len(want.Edges)+2*used*chunkLen) >= want.Stats.Counted {
				t.Fatalf("%s: %d compactions, %d edges, %d payments counted: the test tests nothing", what, compactions, len(want.Edges), want.Stats.Counted)
			}
			// A compacted bucket holds at most a record per edge, in
			// whole chunks, and fills up to twice those chunks before it
			// is compacted again (four times after a compaction that
			// saved less than a quarter, as may happen in the sparse
			// worlds).
			growth := 2
			if seed%2 == 1 {
				growth = 4
			}
			if limit := growth * (k*len(want.Edges) + used*chunkLen); held > limit {
				t.Errorf("%s: %d records held for %d edges and %d payments counted, want at most %d", what, held, len(want.Edges), want.Stats.Counted, limit)
			}
		}
	}
}

// TestShardCompactOverflow checks that an exact sum past 128 bits inside a
// fold is reported by Result.
func TestShardCompactOverflow(t *testing.T) {
	defer func(n int) { minCompactChunks = n }(minCompactChunks)
	minCompactChunks = 1
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 1 << 62}}
	big := kamp.Payment{TxnID: "big", Date: "2024-01-02", PayerID: "A1", PayeeID: "B1", Amount: 1<<63 - 1, Currency: "USD"}
	small := big
	small.Amount, small.Currency = 1, ""
	a, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	s := a.NewShard()
	// Nine big payments among many small ones, all folded in one run.
	for i := range 4 * chunkLen {
		p := small
		if i%100 == 0 && i < 900 {
			p = big
		}
		if err := s.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	if s.compactions == 0 {
		t.Fatal("no compaction")
	}
	if _, err := a.Result(); err == nil || !strings.Contains(err.Error(), "overflows") {
		t.Errorf("Result error %v, want an overflow", err)
	}
}

// TestNameTableAddrs checks the addresses AddBatch asks for: none before
// the table has slots or when the first slot is another key's, and else
// the slot of the key and the start of its entry, whose bytes are the
// key's name and key.
func TestNameTableAddrs(t *testing.T) {
	var nt nameTable
	h := hashKey([]byte("甲公司"))
	if nt.slotAddr(h) != 0 || nt.entryAddr(h) != 0 {
		t.Fatal("addresses in an empty table")
	}
	name, ok := nt.intern([]byte("甲公司"), h, false)
	if !ok {
		t.Fatal("intern failed")
	}
	st, _, tag := nt.stripe(h)
	slots := *st.slots.Load()
	slot := &slots[tag&uint64(len(slots)-1)]
	if got := nt.slotAddr(h); got != uintptr(unsafe.Pointer(slot)) {
		t.Errorf("slotAddr = %#x, want the key's slot %p", got, slot)
	}
	entry := st.entry(uint32(*slot))
	if got := nt.entryAddr(h); got != uintptr(unsafe.Pointer(&entry[0])) {
		t.Errorf("entryAddr = %#x, want the key's entry %p", got, &entry[0])
	}
	if j := int32(binary.LittleEndian.Uint32(entry)); j<<stripeBits|int32(h&(nameStripes-1)) != name {
		t.Errorf("the entry holds name %d, want %d", j, name)
	}
	if n := binary.LittleEndian.Uint32(entry[4:]); string(entry[8:8+n]) != "甲公司" {
		t.Errorf("the entry holds key %q", entry[8:8+n])
	}
	// Another tag for the same slot: no entry.
	other := h ^ 1<<63
	if nt.slotAddr(other) == 0 {
		t.Error("no slot address for a key of the same stripe")
	}
	if got := nt.entryAddr(other); got != 0 {
		t.Errorf("entryAddr of a key not in the table = %#x, want 0", got)
	}
}

// TestNameTable interns keys from several goroutines at once, some with
// hashes that collide in everything (the same h for different keys), and
// checks that a key always gets one name, that distinct keys get distinct
// names, and that each name leads back to its key, through the table's
// growth.
func TestNameTable(t *testing.T) {
	var nt nameTable
	const goroutines, perG = 4, 20000
	got := make([]map[string]int32, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		got[g] = map[string]int32{}
		wg.Go(func() {
			for i := range perG {
				// Every goroutine interns the same keys, in another order.
				idx := (i * (2*g + 1)) % perG
				k := fmt.Sprintf("key%d", idx)
				h := hashKey([]byte(k))
				if idx%10 == 0 {
					h = 42 // all these share one stripe, tag and slot
				}
				// What AddBatch reads ahead, without the lock, while
				// the others add keys.
				nt.slotAddr(h)
				nt.entryAddr(h)
				name, ok := nt.intern([]byte(k), h, false)
				if !ok {
					t.Error("intern failed")
					return
				}
				if prev, seen := got[g][k]; seen && prev != name {
					t.Errorf("%q: name %d, then %d", k, prev, name)
				}
				got[g][k] = name
			}
		})
	}
	wg.Wait()
	names := map[int32]string{}
	byKey := map[string]int32{}
	for _, m := range got {
		for k, name := range m {
			if other, ok := byKey[k]; ok && other != name {
				t.Fatalf("%q has names %d and %d", k, name, other)
			}
			byKey[k] = name
			if other, ok := names[name]; ok && other != k {
				t.Fatalf("%q and %q share name %d", k, other, name)
			}
			names[name] = k
			if back := nt.stripes[name&(nameStripes-1)].keys[name>>stripeBits]; back != k {
				t.Fatalf("name %d of %q leads back to %q", name, k, back)
			}
		}
	}
}

// TestNameTableChunks interns keys of many lengths, some longer than a
// chunk and one that fills a chunk exactly, several under one hash, and
// checks that interning them again gives the same names and that every
// name leads back to its key.
func TestNameTableChunks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var keys []string
	for i := range 3000 {
		b := make([]byte, 1+r.IntN(300))
		for j := range b {
			b[j] = 'a' + byte(r.IntN(3))
		}
		keys = append(keys, fmt.Sprintf("%s%d", b, i))
	}
	keys = append(keys, strings.Repeat("x", nameChunk+5000), strings.Repeat("y", nameChunk-8), "z", strings.Repeat("x", nameChunk+4999))
	hashOf := func(i int, k string) uint64 {
		if i%7 == 0 {
			return 7 // one stripe, tag and slot for a seventh of the keys
		}
		return hashKey([]byte(k))
	}
	var nt nameTable
	names := make([]int32, len(keys))
	for round := range 2 {
		for i, k := range keys {
			name, ok := nt.intern([]byte(k), hashOf(i, k), false)
			if !ok {
				t.Fatalf("intern %d failed", i)
			}
			if round == 0 {
				names[i] = name
			} else if name != names[i] {
				t.Fatalf("key %d: name %d, then %d", i, names[i], name)
			}
			if back := nt.key(name); back != k {
				t.Fatalf("name %d of key %d leads back to a key of %d bytes", name, i, len(back))
			}
		}
	}
	if n := nt.count(); n != len(keys) {
		t.Errorf("%d names for %d keys", n, len(keys))
	}
}

// TestRankProspects checks the order of the prospects against a plain sort,
// on prospects full of ties: equal amounts, equal numbers of units, and a
// known entity and an unmatched name with the same string.
func TestRankProspects(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	defer func(n int) { parallelRankMin = n }(parallelRankMin)
	for round := range 200 {
		// Half the rounds rank on two goroutines.
		parallelRankMin = 1 << 30
		if round%2 == 1 {
			parallelRankMin = 2
		}
		res := &Result{}
		for range r.IntN(300) {
			units := make([]string, 1+r.IntN(3))
			p := Prospect{Counterparty: fmt.Sprintf("c%d", r.IntN(20)), Known: r.IntN(2) == 0, Units: units,
				sum: u128{lo: uint64(r.IntN(4)) * 1e10}}
			res.Prospects = append(res.Prospects, p)
		}
		want := slices.Clone(res.Prospects)
		for i := range want {
			want[i].Amount, _ = want[i].sum.amount()
		}
		slices.SortStableFunc(want, func(x, y Prospect) int {
			if c := cmp.Compare(y.Amount, x.Amount); c != 0 {
				return c
			}
			if c := cmp.Compare(len(y.Units), len(x.Units)); c != 0 {
				return c
			}
			if c := strings.Compare(x.Counterparty, y.Counterparty); c != 0 {
				return c
			}
			return knownFirst(x.Known, y.Known)
		})
		if err := rankProspects(res); err != nil {
			t.Fatal(err)
		}
		for i, p := range res.Prospects {
			w := want[i]
			if p.Rank != i+1 || p.Amount != w.Amount || len(p.Units) != len(w.Units) || p.Counterparty != w.Counterparty || p.Known != w.Known {
				t.Fatalf("rank %d: %+v, want %+v", i+1, p, w)
			}
		}
	}
}

// TestWriteProspectsBlocks writes more prospects than a block holds and
// checks that the rows come in rank order, each as appendProspect makes
// it, and that a failing writer's error is returned.
func TestWriteProspectsBlocks(t *testing.T) {
	ps := make([]Prospect, 3*16384+77)
	for i := range ps {
		ps[i] = Prospect{Rank: i + 1, Counterparty: fmt.Sprintf("c,%d", i), Known: i%2 == 0, Amount: kamp.Amount(i * 3), Payments: int64(i), Units: make([]string, 1+i%3), Direction: Upstream}
	}
	var buf bytes.Buffer
	if err := WriteProspectsCSV(&buf, ps); err != nil {
		t.Fatal(err)
	}
	want := []byte(ProspectsHeader + "\n")
	for i := range ps {
		want = appendProspect(want, &ps[i])
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("prospects.csv differs:\n%s\nwant\n%s", head(buf.String()), head(string(want)))
	}
	if !strings.HasPrefix(strings.Split(buf.String(), "\n")[16385+1], "16386,\"c,16385\",") {
		t.Fatalf("row 16386 is %q", strings.Split(buf.String(), "\n")[16386])
	}
	if err := WriteProspectsCSV(failWriter{}, ps); err == nil {
		t.Fatal("no error from a failing writer")
	}
}
