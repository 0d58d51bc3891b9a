package control

import (
	"math/rand/v2"
	"testing"

	"github.com/kampbank/kamp"
)

// TestAgainstReference compares Compute with the literal transcription of
// the spec on many small random graphs, dense enough to be full of cycles,
// conflicts and cross-holdings.
func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	for i := range iters {
		n := 1 + r.IntN(12)
		in := genRandom(r, n, r.IntN(3*n+1))
		res, err := Compute(in)
		if err != nil {
			t.Fatalf("case %d: Compute(%s): %v", i, describe(in), err)
		}
		checkInvariants(t, in, res)
		if d := diffResults(in, res, reference(in)); d != "" {
			t.Fatalf("case %d: %s\ninput: %s", i, d, describe(in))
		}
	}
}

// TestGeneratedGraphs checks the invariants, and the reference where it is
// cheap, on graphs of the benchmark's shape.
func TestGeneratedGraphs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 40 {
		n := 5 + r.IntN(60)
		if i%10 == 9 {
			n = 5000
		}
		in := genGroups(r, n)
		res, err := Compute(in)
		if err != nil {
			t.Fatalf("Compute: %v", err)
		}
		checkInvariants(t, in, res)
		if n <= 80 {
			if d := diffResults(in, res, reference(in)); d != "" {
				t.Fatalf("case %d: %s\ninput: %s", i, d, describe(in))
			}
		}
	}
}

// TestOrderIndependence checks that shuffling entities and edges, and
// splitting edges into duplicates, changes nothing but the indexes.
func TestOrderIndependence(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 60 {
		var in Input
		if i%2 == 0 {
			in = genRandom(r, 2+r.IntN(25), r.IntN(60))
		} else {
			in = genGroups(r, 50+r.IntN(2000))
		}
		res, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		perm := r.Perm(len(in.IDs)) // new index of each old index
		out := Input{IDs: make([]string, len(in.IDs)), State: make([]bool, len(in.IDs))}
		for old, nw := range perm {
			out.IDs[nw], out.State[nw] = in.IDs[old], in.State[old]
		}
		for _, e := range in.Edges {
			e.Holder, e.Held = int32(perm[e.Holder]), int32(perm[e.Held])
			if r.IntN(4) == 0 { // split into two rows
				part := kamp.Share(r.Int64N(int64(e.Share) + 1))
				out.Edges = append(out.Edges, Edge{Holder: e.Holder, Held: e.Held, Share: part, Agreement: e.Agreement && r.IntN(2) == 0})
				e.Share -= part
			}
			out.Edges = append(out.Edges, e)
		}
		r.Shuffle(len(out.Edges), func(a, b int) { out.Edges[a], out.Edges[b] = out.Edges[b], out.Edges[a] })
		res2, err := Compute(out)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := groupsCSV(t, in, res), groupsCSV(t, out, res2); a != b {
			t.Fatalf("case %d: groups.csv changes with the input order\ninput: %s", i, describe(in))
		}
		for old, nw := range perm {
			if res.Depth[old] != res2.Depth[nw] {
				t.Fatalf("case %d: depth of %s changes with the input order", i, in.IDs[old])
			}
		}
	}
}

// TestComputeNeverPanics feeds arbitrary, mostly invalid, inputs.
func TestComputeNeverPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		n := r.IntN(6)
		in := Input{IDs: make([]string, n)}
		if r.IntN(3) == 0 {
			in.State = make([]bool, r.IntN(7))
		}
		for range r.IntN(8) {
			in.Edges = append(in.Edges, Edge{
				Holder: int32(r.IntN(9) - 2), Held: int32(r.IntN(9) - 2),
				Share: kamp.Share(r.Int64N(3*int64(maxShare)) - int64(maxShare)), Agreement: r.IntN(2) == 0,
			})
		}
		res, err := Compute(in)
		if err == nil {
			checkInvariants(t, in, res)
		} else if kamp.ErrorCode(err) != kamp.EINVALID {
			t.Fatalf("Compute(%+v): %v, want EINVALID", in, err)
		}
	}
}

// FuzzCompute derives a small graph from the bytes: the first byte gives
// the number of entities, then each group of four bytes one edge (holder,
// held, share, flags). It checks the invariants and compares with the
// reference, including Explain for every controller.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{3, 0, 1, 60, 0, 1, 2, 60, 0})
	f.Add([]byte{3, 0, 1, 60, 0, 0, 2, 60, 0, 1, 0, 30, 0, 2, 0, 30, 0})
	f.Add([]byte{4, 0, 1, 0, 1, 2, 1, 60, 0, 1, 0, 60, 0, 3, 0, 50, 0, 3, 0, 0, 3})
	f.Add([]byte{2, 0, 0, 10, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0]%10) + 1
		in := Input{IDs: make([]string, n), State: make([]bool, n)}
		for i := range n {
			in.IDs[i] = string(rune('z' - (i*7)%26)) // distinct for i < 10, not in index order
		}
		self := false
		for p := 1; p+3 < len(data) && len(in.Edges) < 40; p += 4 {
			e := Edge{
				Holder:    int32(int(data[p]) % n),
				Held:      int32(int(data[p+1]) % n),
				Share:     kamp.Share(int64(data[p+2]%101) * 1_000_000),
				Agreement: data[p+3]&1 != 0,
			}
			if data[p+3]&2 != 0 {
				e.Share++
			}
			if e.Share > maxShare {
				e.Share = maxShare
			}
			if data[p+3]&4 != 0 {
				in.State[e.Holder] = true
			}
			self = self || e.Holder == e.Held
			in.Edges = append(in.Edges, e)
		}
		res, err := Compute(in)
		if self {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("self-holding: got %v", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Compute(%s): %v", describe(in), err)
		}
		checkInvariants(t, in, res)
		ctrl := referenceControl(in)
		if d := diffResults(in, res, referenceFrom(in, ctrl)); d != "" {
			t.Fatalf("%s\ninput: %s", d, describe(in))
		}
		for h := range int32(n) {
			for e := range int32(n) {
				if h != e {
					checkExplain(t, in, res, h, e, ctrl[h][e])
				}
			}
		}
	})
}
