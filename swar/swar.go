// Package swar finds bytes in a 64-bit word, eight at a time (SIMD within
// a register), for the byte scanners of the CSV reader and writer.
package swar

// Masks of the bytes of a word.
const (
	lowBits  = 0x0101010101010101
	low7Bits = 0x7f7f7f7f7f7f7f7f
)

// Match returns a word whose byte i has its high bit set exactly when byte
// i of x is b, and whose other bits are 0.
func Match(x uint64, b byte) uint64 {
	t := x ^ lowBits*uint64(b)
	y := (t & low7Bits) + low7Bits
	return ^(y | t | low7Bits)
}
