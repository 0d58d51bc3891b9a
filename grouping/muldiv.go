package grouping

import "math/bits"

// mulDiv returns a × b / d rounded down, for a quotient that fits in 64
// bits (d > the high word of a × b).
func mulDiv(a, b, d uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, d)
	return q
}
