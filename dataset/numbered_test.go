package dataset

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestNumberedIndex indexes numbered ids of every width the index takes,
// with duplicates, and compares every lookup, of ids present, absent and
// malformed, with the hash table's.
func TestNumberedIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, prefix := range []string{"", "E", "CIF", "ABCDEFGHIJK"} {
		for digits := 1; digits <= maxDigits; digits++ {
			n := 1 + r.IntN(2000)
			limit := uint64(1)
			for range digits {
				limit *= 10
			}
			// Dense numbers from base, some repeated.
			span := min(limit, uint64(2*n))
			base := r.Uint64N(limit - span + 1)
			ids := make([]string, n)
			for i := range ids {
				v := base + r.Uint64N(span)
				if i > 0 && r.IntN(20) == 0 {
					ids[i] = ids[r.IntN(i)]
					continue
				}
				ids[i] = fmt.Sprintf("%s%0*d", prefix, digits, v)
			}
			numberedIDs = true
			ix, dups := newTestIndex(ids, 2)
			numberedIDs = false
			hx, hdups := newTestIndex(ids, 2)
			numberedIDs = true
			name := fmt.Sprintf("prefix %q, %d digits", prefix, digits)
			if ix.num == nil {
				t.Errorf("%s: %d ids not numbered", name, n)
			}
			if !reflect.DeepEqual(dups, hdups) {
				t.Fatalf("%s: duplicates %v, the hash table's %v", name, dups, hdups)
			}
			lookup := append([]string(nil), ids...)
			for _, id := range ids[:min(len(ids), 50)] {
				// Every byte changed to a digit, a letter and a byte
				// around the digits; the id shortened and lengthened.
				for i := range len(id) {
					for _, c := range []byte{'0', '9', 'A', '/', ':', 0x80} {
						lookup = append(lookup, id[:i]+string(c)+id[i+1:])
					}
				}
				lookup = append(lookup, id[1:], id[:len(id)-1], id+"0", "0"+id)
			}
			lookup = append(lookup, "", prefix, prefix+strings.Repeat("9", digits), prefix+strings.Repeat("0", digits))
			var arena []byte
			var ends []uint32
			for _, id := range lookup {
				arena = append(arena, id...)
				ends = append(ends, uint32(len(arena)))
			}
			got, want := make([]int32, len(lookup)), make([]int32, len(lookup))
			ix.findAll(arena, ends, 1, got)
			hx.findAll(arena, ends, 1, want)
			for k, id := range lookup {
				if got[k] != want[k] || ix.find([]byte(id)) != want[k] {
					t.Fatalf("%s: %q found at %d (findAll %d), the hash table at %d", name, id, ix.find([]byte(id)), got[k], want[k])
				}
			}
		}
	}
}

// TestNumberedRefused checks that ids not all of one numbered form, or too
// sparse, are left to the hash table.
func TestNumberedRefused(t *testing.T) {
	for _, ids := range [][]string{
		{"E01", "E02", "E3"},                     // lengths differ
		{"123", "45", "6789"},                    // lengths differ, their sum as if they did not
		{"E01", "F02"},                           // prefixes differ
		{"E01", "E0x"},                           // not a digit
		{"EA", "EB"},                             // no digits
		{"E1234567890123456789"},                 // 19 digits
		{"E000000", "E999999"},                   // sparse: a million numbers for two ids
		{"E01", "E1A"},                           // a letter after the prefix
		{"12345678", "1234567A"},                 // not a digit in the word
		{"X00000001", "X00000002", "Y00000003"},  // a prefix differing before the word
		{"AB000001", "AC000002"},                 // a prefix differing in the word
		{"AB0000000001", "AB000000000A"},         // digits longer than a word
		{"ABCDEFGHIJ01", "ABCDEFGHIJ02", "ABCD"}, // a short one
	} {
		numberedIDs = true
		ix, dups := newTestIndex(ids, 1)
		if ix.num != nil {
			t.Errorf("%q: numbered", ids)
		}
		if len(dups) != 0 {
			t.Errorf("%q: duplicates %v", ids, dups)
		}
		for i, id := range ids {
			if got := ix.find([]byte(id)); got != int32(i) {
				t.Errorf("%q: %q found at %d, want %d", ids, id, got, i)
			}
		}
	}
}

// TestEightDigits compares eightDigits with strconv on random words, most
// of them digits.
func TestEightDigits(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var b [8]byte
	for range 1 << 18 {
		for i := range b {
			if r.IntN(40) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = byte('0' + r.IntN(10))
			}
		}
		v, ok := eightDigits(binary.LittleEndian.Uint64(b[:]))
		w, err := strconv.ParseUint(string(b[:]), 10, 64)
		if ok != (err == nil) || ok && v != w {
			t.Fatalf("eightDigits(%q) = %d, %v; want %d, %v", b[:], v, ok, w, err)
		}
	}
}
