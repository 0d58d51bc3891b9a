package ingest

import (
	"hash/maphash"
	"strings"
)

// keyIndex finds duplicate keys in a stream of rows with memory that grows by
// about 16 bytes a row rather than with the keys' lengths: it keeps a 64-bit
// hash of each key and the line it was first seen on. A hash seen before
// makes the row a suspect; suspects are settled exactly after the file has
// been read, by reading the first lines' keys again (see settle).
type keyIndex struct {
	seed     maphash.Seed
	first    map[uint64]int32
	suspects []suspect
}

// suspect is a row whose key's hash was seen before on line first.
type suspect struct {
	line, first int
	key         string
	// load loads the held row when the suspicion proves false; nil for a
	// bad row.
	load func() error
}

func newKeyIndex() *keyIndex {
	return &keyIndex{seed: maphash.MakeSeed(), first: make(map[uint64]int32, 1024)}
}

// add records key at line. It returns false (and keeps the row as a suspect
// with its loader) when the key's hash was seen before.
func (k *keyIndex) add(key string, line int, load func() error) bool {
	h := maphash.String(k.seed, key)
	if f, ok := k.first[h]; ok {
		k.suspects = append(k.suspects, suspect{line: line, first: int(f), key: strings.Clone(key), load: load})
		return false
	}
	k.first[h] = int32(line)
	return true
}

// firstLines returns the lines whose keys settle needs.
func (k *keyIndex) firstLines() map[int]string {
	m := make(map[int]string, len(k.suspects))
	for _, s := range k.suspects {
		m[s.first] = ""
	}
	return m
}

// settle decides each suspect given the keys of the first lines: a true
// duplicate is reported through dup, a hash collision has its row loaded.
func (k *keyIndex) settle(keys map[int]string, dup func(s suspect) error) error {
	// Keys of suspects that proved to be collisions, and their lines: a later
	// suspect with the same key duplicates that row, not the first line's.
	cleared := map[string]int{}
	for _, s := range k.suspects {
		if keys[s.first] != s.key {
			if line, ok := cleared[s.key]; ok {
				s.first = line
			} else {
				cleared[s.key] = s.line
				if s.load == nil {
					continue
				}
				if err := s.load(); err != nil {
					return err
				}
				continue
			}
		}
		if err := dup(s); err != nil {
			return err
		}
	}
	k.suspects = nil
	return nil
}
