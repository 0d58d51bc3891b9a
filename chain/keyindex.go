package chain

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/kampbank/kamp/hugepage"
	"github.com/kampbank/kamp/names"
)

// NameIndex resolves match keys to entities as names.Index does, laid out
// for the engine's lookups, millions of them at random: an open-addressing
// table of 8-byte slots (a tag of the key's hash and where its entry is)
// over one array of entries (the entity, then the key). A lookup reads one
// slot and, when the tag matches, one entry, where a Go map of strings
// reads a control word, a slot, and the key's own bytes elsewhere. It is
// safe for concurrent lookups.
type NameIndex struct {
	// slots: 0 when empty, else the top 24 bits of the key's hash << 40 |
	// the offset of its entry in data + 1.
	slots []uint64
	mask  uint64
	// data holds the entries: the value (int32, little endian: the entity,
	// or -1-g for the ambiguous key of groups[g]), the key's length
	// (uvarint) and its bytes.
	data   []byte
	groups [][]int32
}

// IndexNames indexes the match keys of names, entity i having names[i], as
// names.NewIndex does: a name whose key is empty matches nothing, a key of
// two or more entities is ambiguous. New calls it when Input.NameIndex is
// nil.
func IndexNames(ns []string) *NameIndex {
	size := 16
	for size < 2*len(ns) {
		size *= 2
	}
	// The data: per key an int32, a uvarint length and the key, which is
	// rarely longer than the name.
	room := 0
	for _, n := range ns {
		room += 4 + binary.MaxVarintLen32 + len(n)
	}
	x := &NameIndex{slots: hugepage.Make[uint64](size), mask: uint64(size - 1), data: hugepage.MakeCap[byte](room)}
	var buf []byte
	for i, n := range ns {
		buf = names.AppendMatchKey(buf[:0], n)
		if len(buf) == 0 {
			continue
		}
		h := hashKey(buf)
		slot, off, found := x.find(buf, h)
		if !found {
			off = len(x.data)
			x.data = binary.LittleEndian.AppendUint32(x.data, uint32(i))
			x.data = binary.AppendUvarint(x.data, uint64(len(buf)))
			x.data = append(x.data, buf...)
			x.slots[slot] = h>>40<<40 | uint64(off+1)
			continue
		}
		switch v := x.value(off); {
		case v >= 0:
			x.setValue(off, int32(-1-len(x.groups)))
			x.groups = append(x.groups, []int32{v, int32(i)})
		default:
			g := -1 - v
			x.groups[g] = append(x.groups[g], int32(i))
		}
	}
	return x
}

// find returns the slot of key (hash h) and whether it is there, with the
// offset of its entry, or the empty slot where it would go.
func (x *NameIndex) find(key []byte, h uint64) (slot uint64, off int, found bool) {
	tag := h >> 40
	for i := h & x.mask; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s == 0 {
			return i, 0, false
		}
		if s>>40 == tag {
			off := int(s&(1<<40-1)) - 1
			if bytes.Equal(x.key(off), key) {
				return i, off, true
			}
		}
	}
}

// value returns the value of the entry at off.
func (x *NameIndex) value(off int) int32 {
	return int32(binary.LittleEndian.Uint32(x.data[off:]))
}

// setValue sets the value of the entry at off.
func (x *NameIndex) setValue(off int, v int32) {
	binary.LittleEndian.PutUint32(x.data[off:], uint32(v))
}

// key returns the key of the entry at off.
func (x *NameIndex) key(off int) []byte {
	n, k := binary.Uvarint(x.data[off+4:])
	start := off + 4 + k
	return x.data[start : start+int(n)]
}

// Lookup is names.Index.Lookup: the entity and Unique when exactly one
// entity has the match key key, else -1 with NoMatch or Ambiguous.
func (x *NameIndex) Lookup(key []byte) (int32, names.Match) {
	return x.lookup(key, hashKey(key))
}

// lookup is Lookup of key, whose hash is h.
func (x *NameIndex) lookup(key []byte, h uint64) (int32, names.Match) {
	_, off, found := x.find(key, h)
	if !found {
		return -1, names.NoMatch
	}
	if v := x.value(off); v >= 0 {
		return v, names.Unique
	}
	return -1, names.Ambiguous
}

// Entities is names.Index.Entities: the entities whose match key is key,
// in increasing order, as a copy.
func (x *NameIndex) Entities(key string) []int32 {
	_, off, found := x.find([]byte(key), hashKey([]byte(key)))
	if !found {
		return nil
	}
	if v := x.value(off); v >= 0 {
		return []int32{v}
	}
	return slices.Clone(x.groups[-1-x.value(off)])
}

// hashKey hashes a match key, eight bytes at a time. It need not resist
// attacks: a bank's names are not chosen against it, and a bad spread only
// costs time.
func hashKey(b []byte) uint64 {
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for ; len(b) >= 8; b = b[8:] {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * i)
	}
	h = (h ^ t) * 0x94d049bb133111eb
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>32
}
