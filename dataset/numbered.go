package dataset

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/kampbank/kamp/hugepage"
)

// Most banks number their clients: every id is one prefix followed by a
// fixed number of decimal digits ("E0157903", "CIF000123456"). When all the
// ids of an index have that form and their numbers are dense enough, the
// number itself finds an id's position in a table of 4 bytes an id, with
// no hashing and no comparison of bytes; on a large bank that table also
// fits the processor's cache far better than a hash table does.

// numberedIDs enables the numbered index; the tests turn it off to test
// the hash table on numbered ids.
var numberedIDs = true

// maxDigits is the most digits a numbered id has: 10^18 fits a uint64.
const maxDigits = 18

// numbered finds ids of the form prefix + digits decimal digits.
type numbered struct {
	prefix string
	width  int // bytes of an id: the prefix's and the digits'
	// word: the ids are at least 8 bytes long and their digits fit their
	// last 8 bytes, whose bytes before the digits are set in fill and
	// equal tail there.
	word       bool
	fill, tail uint64
	base       uint64
	// pos[v-base] is the position of the id numbered v, plus one (0: no
	// such id).
	pos []int32
}

// buildNumbered returns the numbered index of the n ids stored in arena (id
// i ends at ends[i]), and the ids that repeat an earlier one, sorted by
// their second position; ok is false when the ids do not all have the
// numbered form or their numbers are too sparse (more than four table
// entries an id, beyond a small margin).
func buildNumbered(arena string, ends []uint32) (num *numbered, dups []duplicate, ok bool) {
	if !numberedIDs || len(ends) == 0 {
		return nil, nil, false
	}
	width := int(ends[0])
	first := arena[:width]
	p := 0
	for p < width && !isDigitByte(first[p]) {
		p++
	}
	if p == width || width-p > maxDigits {
		return nil, nil, false
	}
	for i, end := range ends {
		if uint64(end) != uint64(i+1)*uint64(width) {
			return nil, nil, false // ids of different lengths
		}
	}
	num = &numbered{prefix: first[:p], width: width}
	if d := width - p; width >= 8 && d <= 8 {
		num.word = true
		num.fill = uint64(1)<<(8*(8-d)) - 1
		num.tail = binary.LittleEndian.Uint64([]byte(first[width-8:])) & num.fill
	}
	lo, hi := ^uint64(0), uint64(0)
	for i := range ends {
		v, ok := num.number(arena[i*width : (i+1)*width])
		if !ok {
			return nil, nil, false
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if span := hi - lo; span >= 4*uint64(len(ends))+1<<16 || span >= math.MaxInt32 {
		return nil, nil, false
	}
	num.base = lo
	num.pos = hugepage.Make[int32](int(hi-lo) + 1)
	for i := range ends {
		v, _ := num.number(arena[i*width : (i+1)*width])
		slot := &num.pos[v-lo]
		if *slot != 0 {
			dups = append(dups, duplicate{*slot - 1, int32(i)})
			continue
		}
		*slot = int32(i) + 1
	}
	return num, dups, true
}

// isDigitByte reports whether c is an ASCII decimal digit.
func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// number returns the number of id, and false when id does not have the
// form of the index's ids.
func (n *numbered) number(id string) (uint64, bool) {
	if len(id) != n.width {
		return 0, false
	}
	if n.word {
		// The last eight bytes in one word, the prefix's among them
		// compared and then read as zeros.
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(id[n.width-8:]), 8))
		if w&n.fill != n.tail || id[:n.width-8] != n.prefix[:n.width-8] {
			return 0, false
		}
		return eightDigits(w&^n.fill | 0x30*ones&n.fill)
	}
	if id[:len(n.prefix)] != n.prefix {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(id[len(n.prefix):]) {
		if !isDigitByte(c) {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// ones has a one in each byte.
const ones = 0x0101010101010101

// eightDigits returns the value of the eight ASCII decimal digits in x,
// the first in its lowest byte, and false when a byte is not a digit.
func eightDigits(x uint64) (uint64, bool) {
	// A byte is a digit when its high nibble is 3 and adding 6 keeps it
	// there.
	if x&(0xf0*ones) != 0x30*ones || (x+0x06*ones)&(0xf0*ones) != 0x30*ones {
		return 0, false
	}
	x -= 0x30 * ones
	// Pairs, then quadruples, then the whole: each step multiplies the
	// earlier (lower) half by the power of ten of the later one's width.
	x = (x*10 + x>>8) & 0x00ff00ff00ff00ff
	x = (x*100 + x>>16) & 0x0000ffff0000ffff
	x = (x*10000 + x>>32) & 0xffffffff
	return x, true
}

// find returns the position of id b, or -1.
func (n *numbered) find(b []byte) int32 {
	e := n.entry(b)
	if e < 0 {
		return -1
	}
	return n.pos[e] - 1
}

// entry returns the entry of pos for id b, or -1 when b has no entry.
func (n *numbered) entry(b []byte) int32 {
	v, ok := n.number(str(b))
	if !ok || v < n.base || v-n.base >= uint64(len(n.pos)) {
		return -1
	}
	return int32(v - n.base)
}

// findAll is index.findAll for a numbered index: the table entries of all
// the ids first, then the positions there in a tight loop, whose cache
// misses overlap.
func (n *numbered) findAll(arena []byte, ends []uint32, out []int32) {
	start := uint32(0)
	for k, end := range ends {
		out[k] = n.entry(arena[start:end])
		start = end
	}
	for k, e := range out[:len(ends)] {
		if e >= 0 {
			out[k] = n.pos[e] - 1
		}
	}
}
