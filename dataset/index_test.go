package dataset

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// newTestIndex indexes ids with the given workers.
func newTestIndex(ids []string, workers int) (*index, []duplicate) {
	return newHashedIndex(ids, workers, maphash.String)
}

// newHashedIndex indexes ids with the given workers, the hash of each made
// by hash.
func newHashedIndex(ids []string, workers int, hash func(maphash.Seed, string) uint64) (*index, []duplicate) {
	seed := newSeed()
	var arena strings.Builder
	ends := make([]uint32, len(ids))
	hashes := make([]uint64, len(ids))
	for i, id := range ids {
		arena.WriteString(id)
		ends[i] = uint32(arena.Len())
		hashes[i] = hash(seed, id)
	}
	return buildIndex(seed, arena.String(), ends, hashes, workers)
}

func TestIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	defer func(w uint64) { slotWords = w }(slotWords)
	// The hash table, even where the ids happen to be numbered.
	defer func(on bool) { numberedIDs = on }(numberedIDs)
	numberedIDs = false
	for _, c := range []struct {
		n, workers int
		short      bool // every id at most 8 bytes
		words      uint64
	}{
		{0, 1, false, 2}, {1, 1, false, 2}, {7, 2, false, 2}, {1000, 3, false, 2}, {1 << 17, 2, false, 2}, {1 << 17, 3, false, 2},
		{1000, 1, true, 2}, {1 << 17, 2, true, 2},
		{7, 2, false, 4}, {1000, 3, false, 4}, {1 << 17, 2, false, 4}, {1 << 17, 2, true, 4},
	} {
		n, workers := c.n, c.workers
		slotWords = c.words
		{
			// Ids of every length from 1 to 64 (or 8), short ones that
			// are prefixes of others, and some duplicates.
			var ids []string
			first := map[string]int{}
			var want []duplicate
			for i := range n {
				id := fmt.Sprintf("%x", i)
				if i%3 == 1 && !c.short {
					// Ids as long as a slot holds and one byte longer,
					// many sharing all but their last byte.
					id = fmt.Sprintf("E%0*d", int(c.words-1)*8+i%2, i/3)
				}
				long := 64
				if c.short {
					long = 8
				}
				if i%5 == 0 {
					id = strings.Repeat("x", 1+i%long)
				} else if i%7 == 0 && !c.short {
					id += strings.Repeat("-", r.IntN(60))
				}
				if j, ok := first[id]; ok {
					want = append(want, duplicate{int32(j), int32(i)})
				} else {
					first[id] = i
				}
				ids = append(ids, id)
			}
			ix, dups := newTestIndex(ids, workers)
			if !reflect.DeepEqual(dups, want) && (len(dups) != 0 || len(want) != 0) {
				t.Fatalf("n %d: duplicates %v, want %v", n, dups[:min(5, len(dups))], want[:min(5, len(want))])
			}
			// Look up every id, and ids that are not there.
			var lookup []string
			for id := range first {
				lookup = append(lookup, id)
			}
			for range 100 {
				lookup = append(lookup, fmt.Sprintf("absent%d", r.IntN(1e9)), fmt.Sprintf("%x", n+r.IntN(1e6)), strings.Repeat("x", 65), "")
			}
			// Ids that differ from one indexed only in their last byte,
			// or by one byte more or less: around the longest id a slot
			// holds, that byte is in the meta word.
			for id := range first {
				if len(id) > 1 && len(id) < 30 {
					lookup = append(lookup, id[:len(id)-1]+"#", id[:len(id)-1], id+"#")
				}
			}
			// Repeat some ids, as in a column sorted by them, and look
			// them up as one column (stride 1) and as two (stride 2).
			var repeated []string
			for k, id := range lookup {
				repeated = append(repeated, id)
				if k%3 == 0 {
					repeated = append(repeated, id, id)
				}
			}
			for _, stride := range []int{1, 2} {
				var arena []byte
				var ends []uint32
				for _, id := range repeated {
					arena = append(arena, id...)
					ends = append(ends, uint32(len(arena)))
				}
				out := make([]int32, len(repeated))
				ix.findAll(arena, ends, stride, out)
				for k, id := range repeated {
					want := int32(-1)
					if j, ok := first[id]; ok {
						want = int32(j)
					}
					if got := ix.find([]byte(id)); got != want || out[k] != want {
						t.Fatalf("n %d, %d words, stride %d: find(%q) = %d, findAll %d, want %d", n, c.words, stride, id, got, out[k], want)
					}
				}
			}
		}
	}
}

func TestHasEqual(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 1000, 1 << 16} {
		h := make([]uint64, n)
		for i := range h {
			h[i] = r.Uint64()
		}
		if hasEqual(h) {
			t.Errorf("n %d: random hashes have an equal pair", n)
		}
		if n < 2 {
			continue
		}
		// Equal tops but different hashes, then a true pair.
		h[n-1] = h[0] ^ 1
		if hasEqual(h) {
			t.Errorf("n %d: hashes differing in the last bit are equal", n)
		}
		h[0] = h[n-1]
		if !hasEqual(h) {
			t.Errorf("n %d: the equal pair is not found", n)
		}
	}
}

// FuzzLoad loads random entities and ownership files: loading never
// panics, and cutting the files into small chunks changes nothing, not
// even the problems reported.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(baseEntities), []byte(baseOwnership))
	f.Add([]byte("id,name\nA,x\nB,y\n"), []byte("holder_id,entity_id,share_pct\nA,B,50\nB,A,50.5\nA,B,0.0000001\n"))
	f.Add([]byte("ID,Name,KIND\na,\"x\ny\",state\nb,\"\",person\n"), []byte("entity_id,holder_id,share_pct,control\na,b,,agreement\na,b,100,\n"))
	// Numbered ids, a duplicate and an unknown one.
	f.Add([]byte("id,name\nE01,x\nE03,y\nE02,z\n"), []byte("holder_id,entity_id,share_pct\nE01,E02,50\nE03,E02,20\n"))
	f.Add([]byte("id,name\nE01,x\nE03,y\nE01,z\n"), []byte("holder_id,entity_id,share_pct\nE01,E04,50\nE3,E01,20\n"))
	f.Fuzz(func(t *testing.T, ents, own []byte) {
		dir := t.TempDir()
		files := map[string]string{"entities.csv": string(ents), "ownership.csv": string(own)}
		for name, content := range files {
			writeFile(t, dir, name, content)
		}
		result := func(size int) string {
			var s string
			withChunkSize(size, func() {
				d, err := LoadGroups(context.Background(), dir, Options{Workers: 2})
				if err != nil {
					s = "error: " + err.Error()
					return
				}
				s = fmt.Sprintf("%q %v %v %v", d.Entities.IDs, d.Entities.State, d.Entities.Client, d.Edges)
			})
			return s
		}
		if a, b := result(1<<20), result(9); a != b {
			t.Fatalf("whole file:\n%s\nsmall chunks:\n%s", a, b)
		}
		// The hash table finds what the numbered index finds.
		numbered := result(1 << 20)
		numberedIDs = false
		hashed := result(1 << 20)
		numberedIDs = true
		if numbered != hashed {
			t.Fatalf("numbered index:\n%s\nhash table:\n%s", numbered, hashed)
		}
	})
}

// TestIndexCollisions indexes ids that all have the same hash, so that
// they share their slots' lines and meta words but for what the ids
// themselves put there: ids around the longest a slot holds, differing
// only in their last byte or in their length.
func TestIndexCollisions(t *testing.T) {
	defer func(w uint64) { slotWords = w }(slotWords)
	for _, words := range []uint64{2, 4} {
		slotWords = words
		keyBytes := int(words-1) * 8
		var ids []string
		for _, n := range []int{keyBytes - 1, keyBytes, keyBytes + 1, keyBytes + 2} {
			for _, last := range "123" {
				ids = append(ids, strings.Repeat("E", n-1)+string(last))
			}
		}
		const h = 0x9e3779b97f4a7c15
		ix, dups := newHashedIndex(ids, 1, func(maphash.Seed, string) uint64 { return h })
		if len(dups) != 0 {
			t.Fatalf("%d words: duplicates %v among distinct ids", words, dups)
		}
		part := &ix.parts[ix.part(h)]
		for i, id := range ids {
			if got := ix.from(part, part.home(h), h, []byte(id)); got != int32(i) {
				t.Errorf("%d words: %q found at %d, want %d", words, id, got, i)
			}
			absent := id[:len(id)-1] + "9"
			if got := ix.from(part, part.home(h), h, []byte(absent)); got != -1 {
				t.Errorf("%d words: absent %q found at %d (%q)", words, absent, got, ids[got])
			}
		}
	}
}

// BenchmarkFindAll looks up ids in random order in an index of 2M ids of 8,
// 9 and 12 bytes (the demo bank's at sizes M and L, and longer): about one
// cache miss a lookup when the id fits a slot, two when it is compared in
// the arena.
func BenchmarkFindAll(b *testing.B) {
	const n = 2 << 20
	for _, width := range []int{8, 9, 12} {
		b.Run(fmt.Sprintf("%dbytes", width), func(b *testing.B) {
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("E%0*d", width-1, i)
			}
			ix, _ := newTestIndex(ids, 2)
			r := rand.New(rand.NewPCG(1, 2))
			var arena []byte
			ends := make([]uint32, 1<<16)
			for k := range ends {
				arena = append(arena, ids[r.IntN(n)]...)
				ends[k] = uint32(len(arena))
			}
			out := make([]int32, len(ends))
			b.ResetTimer()
			for range b.N {
				ix.findAll(arena, ends, 1, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ends)), "ns/lookup")
		})
	}
}
