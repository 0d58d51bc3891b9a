package dataset

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/kampbank/kamp/hugepage"
)

// index finds the position of an id among a list of distinct ids. It is an
// open-addressing hash table split into partitions by the top bits of the
// hash, so that the partitions can be built in parallel; once built it is
// read-only and safe for concurrent lookups.
//
// Lookups are dominated by cache misses, so a slot holds what is needed to
// decide a match without touching anything else: a meta word with the top
// 16 bits of the id's hash, one byte of the id, its length and its
// position plus one (0 is an empty slot), then the id's bytes themselves,
// up to 8 bytes per word after the first (slotWords), the meta word's byte
// being the one after them (so 9 bytes in a slot of 2 words, as in
// "E00000001"); a longer id keeps its offset in the arena instead, and is
// compared there. Slots never straddle a 64-byte cache line, and a
// probe starts at the first slot of the line its hash falls in, so that it
// seldom leaves that line: one cache miss per lookup of a short id.
type index struct {
	seed  maphash.Seed
	shift uint   // a hash's partition is hash >> shift
	words uint64 // words in a slot
	parts []partition
	arena string   // the ids, one after the other
	ends  []uint32 // ends[i] is the end of id i in arena; it starts at ends[i-1]
	// num, when not nil, finds the ids by their numbers instead of the
	// hash table, which is then not built (numbered.go).
	num *numbered
}

// partition is one part of the table: slot j is slots[j*words:][:words].
type partition struct {
	slots []uint64
	mask  uint64 // the number of slots less one
	line  uint64 // slots in a cache line
}

// home returns the slot where the probe for a hash starts.
func (p *partition) home(h uint64) uint64 { return h & p.mask &^ (p.line - 1) }

// slotWords is the number of words in a slot: 2 (ids of up to 9 bytes
// inline) or 4 (up to 25). Measured at 10M entities with 9-byte ids, slots
// of 4 words make lookups faster but the table twice as large, which costs
// more in page faults and cache misses while building it than the lookups
// save; so 2. It is a variable for the tests, which try both.
var slotWords uint64 = 2

// maxKey is the most key words a slot holds.
const maxKey = 3

// key is an id packed into words, little-endian, zero-padded (ids hold no
// zero bytes, and their length is in the meta word).
type key [maxKey]uint64

// newSeed returns a seed for the hashes of an index.
func newSeed() maphash.Seed { return maphash.MakeSeed() }

// duplicate is an id found twice: at position second, the same as at first.
type duplicate struct{ first, second int32 }

// radixDigit is the number of bits sorted by in one pass.
const radixDigit = 11

// buildIndex indexes the n ids stored in arena (id i ends at ends[i]), whose
// hashes under seed are hashes, using up to workers goroutines. Ids must be
// at most 255 bytes long. An id that equals an earlier one is left out of
// the index and reported as a duplicate; duplicates come sorted by their
// second position.
//
// Inserting ids in their own order would touch the table at random, one
// cache miss each; instead they are first placed in the order of the top
// bits of their home slot (a stable counting sort, so equal ids keep their
// order), with what their slot needs, and the table is then filled a few
// KiB at a time, from one end to the other.
func buildIndex(seed maphash.Seed, arena string, ends []uint32, hashes []uint64, workers int) (*index, []duplicate) {
	if num, dups, ok := buildNumbered(arena, ends); ok {
		return &index{seed: seed, arena: arena, ends: ends, num: num}, dups
	}
	n := len(ends)
	nparts := 1
	for nparts < workers && n >= 1<<16 {
		nparts *= 2
	}
	pbits := uint(bits.TrailingZeros(uint(nparts)))
	ix := &index{seed: seed, arena: arena, ends: ends, parts: make([]partition, nparts), words: slotWords}
	ix.shift = 64 - pbits
	counts := make([]int, nparts)
	for _, h := range hashes {
		counts[ix.part(h)]++
	}
	sbits := uint(0) // bits of the largest partition's slot numbers
	line := 8 / ix.words
	for p := range nparts {
		// At most two thirds full: a lookup then seldom leaves its line.
		size := int(line)
		for size < counts[p]+counts[p]/2+int(line) {
			size *= 2
		}
		ix.parts[p] = partition{slots: hugepage.Make[uint64](size * int(ix.words)), mask: uint64(size - 1), line: line}
		sbits = max(sbits, uint(bits.TrailingZeros(uint(size))))
	}
	// The entries to insert, each its position and home slot, then its
	// slot's words, sorted by partition and the top bits of the home slot:
	// the digit.
	shift := uint(0)
	if pbits+sbits > radixDigit {
		shift = pbits + sbits - radixDigit
	}
	digit := func(h uint64) (home uint64, d int) {
		p := ix.part(h)
		home = ix.parts[p].home(h)
		return home, int((uint64(p)<<sbits | home) >> shift)
	}
	var at [1 << radixDigit]int
	for _, h := range hashes {
		_, d := digit(h)
		at[d]++
	}
	sum := 0
	for d, c := range at {
		at[d] = sum
		sum += c
	}
	stride := int(ix.words) + 1
	entries := hugepage.Make[uint64](n * stride)
	start := uint32(0)
	for i, h := range hashes {
		id := arena[start:ends[i]]
		home, d := digit(h)
		e := entries[at[d]*stride:][:stride]
		at[d]++
		e[0] = home<<32 | uint64(i)
		e[1] = ix.metaOf(h, id)
		ix.slotKey(e[2:], id, start)
		start = ends[i]
	}
	// from[p] is where partition p starts in entries.
	from := make([]int, nparts+1)
	for p := range nparts {
		from[p+1] = from[p] + counts[p]
	}
	dups := make([][]duplicate, nparts)
	var wg sync.WaitGroup
	for p := range nparts {
		wg.Go(func() {
			part := &ix.parts[p]
			w := int(ix.words)
			// The slots are zero already, but writing them in order just
			// ahead of the inserts (those of the next digit) lets the
			// processor stream them into its cache instead of fetching a
			// line at each insert. Slots from ready on have never been
			// written, so writing them again is harmless.
			nslots := len(part.slots) / w
			ready := 0
			prepare := func(upto int) {
				if upto = min(upto, nslots); upto > ready {
					clear(part.slots[ready*w : upto*w])
					ready = upto
				}
			}
			for k := from[p]; k < from[p+1]; k++ {
				e := entries[k*stride:][:stride]
				i := int32(uint32(e[0]))
				prepare((int(e[0]>>32>>shift) + 2) << shift)
				j, found := ix.probe(part, e[0]>>32, e[1], e[2:])
				if found >= 0 {
					dups[p] = append(dups[p], duplicate{found, i})
					continue
				}
				prepare(int(j) + 1)
				s := part.slots[int(j)*w:][:w]
				s[0] = e[1] | uint64(i+1)
				copy(s[1:], e[2:])
			}
		})
	}
	wg.Wait()
	var all []duplicate
	for _, d := range dups {
		all = append(all, d...)
	}
	slices.SortFunc(all, func(a, b duplicate) int { return cmp.Compare(a.second, b.second) })
	return ix, all
}

// metaOf returns the meta word of an id whose hash is h, without its
// position: the hash's top 16 bits, the byte of an id one byte longer than
// the key words hold (0 for any other), and the id's length.
func (ix *index) metaOf(h uint64, id string) uint64 {
	var extra uint64
	if len(id) == ix.inline() {
		extra = uint64(id[len(id)-1])
	}
	return h>>48<<48 | extra<<40 | uint64(len(id))<<32
}

// slotKey writes the key words of a slot for id, which starts at off in the
// arena: its bytes, or its offset when it is longer than a slot holds. dst
// has room for the key words of a slot.
func (ix *index) slotKey(dst []uint64, id string, off uint32) {
	if len(id) > ix.inline() {
		clear(dst)
		dst[0] = uint64(off)
		return
	}
	pack(dst[:ix.words-1], id[:min(len(id), ix.keyBytes())])
}

// pack writes the bytes of s into the words of dst, little-endian,
// zero-padded, and zeroes the words after them.
func pack(dst []uint64, s string) {
	w := 0
	for ; len(s) >= 8; w++ {
		dst[w] = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		s = s[8:]
	}
	if len(s) > 0 {
		var x uint64
		for i := len(s) - 1; i >= 0; i-- {
			x = x<<8 | uint64(s[i])
		}
		dst[w] = x
		w++
	}
	clear(dst[w:])
}

// inline returns the longest id a slot holds: its key words' bytes and
// one more in the meta word.
func (ix *index) inline() int { return ix.keyBytes() + 1 }

// keyBytes returns the number of bytes the key words of a slot hold.
func (ix *index) keyBytes() int { return 8 * int(ix.words-1) }

// part returns the partition of a hash.
func (ix *index) part(h uint64) int {
	if len(ix.parts) == 1 {
		return 0
	}
	return int(h >> ix.shift)
}

// id returns id i.
func (ix *index) id(i int32) string {
	return ix.arena[ix.start(i):ix.ends[i]]
}

// start returns the offset of id i in the arena.
func (ix *index) start(i int32) uint32 {
	if i == 0 {
		return 0
	}
	return ix.ends[i-1]
}

// matches reports whether slot s, whose meta word (without position)
// equals meta, holds the id whose key words are k (k[0] is the offset in
// the arena of an id too long for a slot).
func (ix *index) matches(s []uint64, meta uint64, k []uint64) bool {
	n := meta >> 32 & 0xff
	if int(n) > ix.inline() {
		return ix.arena[s[1]:s[1]+n] == ix.arena[k[0]:k[0]+n]
	}
	// The meta words are equal: so is the byte after the key words.
	for w := range min((n+7)/8, ix.words-1) {
		if s[1+w] != k[w] {
			return false
		}
	}
	return true
}

// probe looks for an id, given by its meta word (without the position) and
// key words, in a partition, starting at slot j. It returns the slot and the
// id's position, or the empty slot where the id would go and -1.
func (ix *index) probe(part *partition, j, meta uint64, k []uint64) (uint64, int32) {
	w := ix.words
	for {
		s := part.slots[j*w:][:w]
		if s[0] == 0 {
			return j, -1
		}
		if s[0]&^0xffffffff == meta && ix.matches(s, meta, k) {
			return j, int32(uint32(s[0]) - 1)
		}
		j = (j + 1) & part.mask
	}
}

// lookupKey returns the key words of an id looked up: its bytes packed, or,
// for an id too long for a slot, nothing (it is compared in the arena).
func (ix *index) lookupKey(id []byte) (k key) {
	if len(id) <= ix.inline() {
		pack(k[:], str(id[:min(len(id), ix.keyBytes())]))
	}
	return k
}

// find returns the position of id b, or -1.
func (ix *index) find(b []byte) int32 {
	if ix.num != nil {
		return ix.num.find(b)
	}
	if len(b) > 255 || len(b) == 0 {
		return -1
	}
	h := maphash.Bytes(ix.seed, b)
	part := &ix.parts[ix.part(h)]
	return ix.from(part, part.home(h), h, b)
}

// from looks up id b, whose hash is h, in part from slot j.
func (ix *index) from(part *partition, j, h uint64, b []byte) int32 {
	meta := ix.metaOf(h, str(b))
	k := ix.lookupKey(b)
	long := len(b) > ix.inline()
	w := ix.words
	for {
		s := part.slots[j*w:][:w]
		if s[0] == 0 {
			return -1
		}
		if s[0]&^0xffffffff == meta {
			if long {
				if ix.arena[s[1]:s[1]+uint64(len(b))] == str(b) {
					return int32(uint32(s[0]) - 1)
				}
			} else if ix.matches(s, meta, k[:]) {
				return int32(uint32(s[0]) - 1)
			}
		}
		j = (j + 1) & part.mask
	}
}

// findBatch is how many lookups findAll starts before it finishes them.
const findBatch = 32

// findAll sets out[k] to the position of the k-th id of arena (the ids end
// at ends), or -1. The ids come in rows of stride ids; an id equal to the
// one a row before it (the same column of consecutive rows, as in a file
// sorted by that column) takes its result without a lookup.
//
// Lookups are bound by memory latency, not by computation, so it works in
// batches: it hashes a batch of ids, then reads the first slot of each in a
// tight loop, so that the processor fetches those cache lines at the same
// time instead of one after the other, and only then compares.
func (ix *index) findAll(arena []byte, ends []uint32, stride int, out []int32) {
	if ix.num != nil {
		ix.num.findAll(arena, ends, out)
		return
	}
	const repeat = -2 // out[k] = out[k-stride]
	idAt := func(k int) []byte {
		if k == 0 {
			return arena[:ends[0]]
		}
		return arena[ends[k-1]:ends[k]]
	}
	var ks [findBatch]int
	var hs, js [findBatch]uint64
	var ps [findBatch]*partition
	m := 0
	w := ix.words
	flush := func() {
		for b, k := range ks[:m] {
			h := maphash.Bytes(ix.seed, idAt(k))
			part := &ix.parts[ix.part(h)]
			hs[b], js[b], ps[b] = h, part.home(h), part
		}
		var sink uint64
		for b := range m {
			sink += ps[b].slots[js[b]*w]
		}
		// Ids too long for a slot are compared in the arena: read the
		// candidate's bytes for the whole batch first too.
		for b, k := range ks[:m] {
			if id := idAt(k); len(id) > ix.inline() {
				meta := ix.metaOf(hs[b], str(id))
				line := ps[b].slots[js[b]*w:][:ps[b].line*w]
				for c := 0; c < len(line); c += int(w) {
					if line[c]&^0xffffffff == meta {
						sink += uint64(ix.arena[line[c+1]])
						break
					}
				}
			}
		}
		runtime.KeepAlive(sink)
		for b, k := range ks[:m] {
			id := idAt(k)
			if len(id) > 255 || len(id) == 0 {
				out[k] = -1
				continue
			}
			out[k] = ix.from(ps[b], js[b], hs[b], id)
		}
		m = 0
	}
	for k := range ends {
		if k >= stride && bytes.Equal(idAt(k), idAt(k-stride)) {
			out[k] = repeat
			continue
		}
		ks[m] = k
		if m++; m == findBatch {
			flush()
		}
	}
	flush()
	for k := stride; k < len(ends); k++ {
		if out[k] == repeat {
			out[k] = out[k-stride]
		}
	}
}

// radixSortWords sorts a by bits lo to hi-1 of its elements, stably, using
// tmp (as long as a) as scratch space, and returns the sorted slice (a or
// tmp).
func radixSortWords(a, tmp []uint64, lo, hi uint) []uint64 {
	const digit = radixDigit
	var count [1 << digit]int
	for shift := lo; shift < hi; shift += digit {
		clear(count[:])
		for _, x := range a {
			count[x>>shift&(1<<digit-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, x := range a {
			d := x >> shift & (1<<digit - 1)
			tmp[count[d]] = x
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}
