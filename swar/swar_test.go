package swar

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestMatch compares Match with a byte-by-byte loop on random words full of
// the byte looked for and of its neighbours.
func TestMatch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		b := byte(r.IntN(256))
		var w [8]byte
		for i := range w {
			switch r.IntN(4) {
			case 0:
				w[i] = b
			case 1:
				w[i] = b ^ 0x80
			case 2:
				w[i] = b + 1
			default:
				w[i] = byte(r.IntN(256))
			}
		}
		x := binary.LittleEndian.Uint64(w[:])
		var want uint64
		for i := range w {
			if w[i] == b {
				want |= 0x80 << (8 * i)
			}
		}
		if got := Match(x, b); got != want {
			t.Fatalf("Match(%#x, %#x) = %#x, want %#x", x, b, got, want)
		}
	}
}
