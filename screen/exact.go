package screen

import (
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// SumScale is the number of decimals a Sum keeps: an Amount (4 decimals)
// times a Rate (10 decimals) is exact at 14 decimals.
const SumScale = 14

// Sum is an exact signed amount in the reporting currency, in units of
// 1e-14 of its major unit, held as a 128-bit two's-complement integer. It
// covers about ±1.7e24 yuan. The zero value is 0.
type Sum struct {
	hi int64
	lo uint64
}

// sumWrapped returns lo + wraps·2^64, the value of a 64-bit accumulator that
// has wrapped around wraps times (negative wraps for downward wraps).
func sumWrapped(lo int64, wraps int64) Sum {
	return Sum{hi: lo>>63 + wraps, lo: uint64(lo)}
}

// Sign returns -1, 0 or +1 as s is negative, zero or positive.
func (s Sum) Sign() int {
	switch {
	case s.hi < 0:
		return -1
	case s.hi == 0 && s.lo == 0:
		return 0
	default:
		return 1
	}
}

// Cmp compares s and t and returns -1, 0 or +1.
func (s Sum) Cmp(t Sum) int {
	switch {
	case s.hi < t.hi:
		return -1
	case s.hi > t.hi:
		return 1
	case s.lo < t.lo:
		return -1
	case s.lo > t.lo:
		return 1
	}
	return 0
}

// add returns s+t and false when the result does not fit in 128 bits.
func (s Sum) add(t Sum) (Sum, bool) {
	lo, c := bits.Add64(s.lo, t.lo, 0)
	r := Sum{hi: s.hi + t.hi + int64(c), lo: lo}
	if (s.hi < 0) == (t.hi < 0) && (r.hi < 0) != (s.hi < 0) {
		return r, false
	}
	return r, true
}

// neg returns -s, wrapping for the most negative value (callers only negate
// magnitudes they know to fit).
func (s Sum) neg() Sum {
	lo, b := bits.Sub64(0, s.lo, 0)
	return Sum{hi: -s.hi - int64(b), lo: lo}
}

// mulRate returns s·r for r > 0 and false when the product does not fit in
// 128 bits.
func (s Sum) mulRate(r int64) (Sum, bool) {
	neg := s.hi < 0
	mh, ml := uint64(s.hi), s.lo
	if neg {
		m := s.neg()
		mh, ml = uint64(m.hi), m.lo // the magnitude, up to 2^127
	}
	p1hi, p1lo := bits.Mul64(ml, uint64(r))
	p2hi, p2lo := bits.Mul64(mh, uint64(r))
	mid, c := bits.Add64(p1hi, p2lo, 0)
	if p2hi+c != 0 {
		return Sum{}, false
	}
	if !neg {
		if mid >= 1<<63 {
			return Sum{}, false
		}
		return Sum{hi: int64(mid), lo: p1lo}, true
	}
	if mid > 1<<63 || (mid == 1<<63 && p1lo != 0) {
		return Sum{}, false
	}
	return Sum{hi: int64(mid), lo: p1lo}.neg(), true
}

// mulInt64 returns v·r for r > 0, which always fits: |v·r| < 2^126.
func mulInt64(v, r int64) Sum {
	if v >= 0 {
		hi, lo := bits.Mul64(uint64(v), uint64(r))
		return Sum{hi: int64(hi), lo: lo}
	}
	hi, lo := bits.Mul64(uint64(-v), uint64(r)) // -MinInt64 wraps to 2^63, its magnitude
	return Sum{hi: int64(hi), lo: lo}.neg()
}

// float returns the integer value of s (not rescaled) as the nearest float64.
func (s Sum) float() float64 {
	if s.hi == int64(s.lo)>>63 { // fits in an int64
		return float64(int64(s.lo))
	}
	neg := s.hi < 0
	m := s
	if neg {
		m = s.neg()
	}
	f := uint128Float(uint64(m.hi), m.lo)
	if neg {
		return -f
	}
	return f
}

// uint128Float returns hi·2^64+lo as the nearest float64 (ties to even).
func uint128Float(hi, lo uint64) float64 {
	if hi == 0 {
		return float64(lo) // Go rounds integer conversions to nearest even
	}
	lz := uint(bits.LeadingZeros64(hi))
	shift := 64 - lz
	m := hi<<lz | lo>>shift
	if lo<<lz != 0 { // bits shifted out: a sticky bit below the rounding point
		m |= 1
	}
	return math.Ldexp(float64(m), int(shift))
}

// Float64 returns s in major units of the reporting currency as a float64
// (for display; computations use the exact value).
func (s Sum) Float64() float64 {
	return s.float() / 1e14
}

// bigInt returns the integer value of s (in 1e-14 units).
func (s Sum) bigInt() *big.Int {
	v := new(big.Int).SetInt64(s.hi)
	v.Lsh(v, 64)
	return v.Add(v, new(big.Int).SetUint64(s.lo))
}

// Rat returns s in major units as an exact rational number.
func (s Sum) Rat() *big.Rat {
	return new(big.Rat).SetFrac(s.bigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(SumScale), nil))
}

// String formats s in major units as a plain decimal with trailing zeros
// trimmed, like kamp.Amount: "230", "1234.5", "-0.00000000000001".
func (s Sum) String() string {
	v := s.bigInt()
	neg := v.Sign() < 0
	digits := v.Abs(v).String()
	if len(digits) <= SumScale {
		digits = strings.Repeat("0", SumScale-len(digits)+1) + digits
	}
	i := len(digits) - SumScale
	out := digits[:i]
	if frac := strings.TrimRight(digits[i:], "0"); frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// accWords is the size of exactAcc: a fixed-point number whose lowest bit is
// 2^-1074 (the smallest float64) and whose highest is 2^1101, so that up to
// 2^40 float64 values below 2^1024 (and 5 times their sum) fit.
const accWords = 34

// exactAcc is an exact accumulator of non-negative finite float64 values: a
// 2176-bit unsigned fixed-point number. Adding is a few word operations;
// rounding back to float64 is correct to nearest (ties to even) except for
// results below 2^-1022, where it may round twice but stays monotone.
type exactAcc struct {
	w   [accWords]uint64
	top int // highest word that may be non-zero; all words above are zero
}

// add adds f, which must be finite and >= 0 (a negative f would add |f|).
func (a *exactAcc) add(f float64) {
	b := math.Float64bits(f)
	e := int(b>>52) & 0x7FF
	m := b & (1<<52 - 1)
	p := 0 // the bit position of m's lowest bit
	if e == 0 {
		if m == 0 {
			return
		}
	} else {
		m |= 1 << 52
		p = e - 1
	}
	i, s := p>>6, uint(p&63)
	var c uint64
	a.w[i], c = bits.Add64(a.w[i], m<<s, 0)
	a.w[i+1], c = bits.Add64(a.w[i+1], m>>(64-s), c)
	j := i + 1
	for c != 0 {
		j++
		a.w[j], c = bits.Add64(a.w[j], 0, c)
	}
	for j > a.top && a.w[j] == 0 {
		j--
	}
	if j > a.top {
		a.top = j
	}
}

// isZero reports whether a is 0.
func (a *exactAcc) isZero() bool {
	return a.top == 0 && a.w[0] == 0
}

// float returns a rounded to the nearest float64.
func (a *exactAcc) float() float64 {
	t := a.top
	if a.w[t] == 0 {
		return 0
	}
	lz := uint(bits.LeadingZeros64(a.w[t]))
	m := a.w[t] << lz
	if t > 0 {
		m |= a.w[t-1] >> (64 - lz)
		// Bits below m matter only when m sits exactly halfway between two
		// float64 values (bit 10 set, bits 0-9 clear).
		if m&0x7FF == 0x400 && a.below(t, lz) {
			m |= 1
		}
	}
	e := t*64 - int(lz) - 1074 + 63 // the value is in [2^e, 2^(e+1))
	if e < -1022 || e > 1022 {
		return math.Ldexp(float64(m), e-63) // subnormal or near overflow
	}
	// Round m to 53 bits, ties to even, without branches: add 1 when the
	// first dropped bit is set and either a later one is or the kept part is
	// odd. A mantissa that rounds up to 2^53 carries into the exponent.
	sticky := (m&0x3FF + 0x3FF) >> 10
	inc := m >> 10 & (m>>11 | sticky) & 1
	return math.Float64frombits(uint64(e+1022)<<52 + m>>11 + inc)
}

// below reports whether any bit below the 64-bit window starting at word t
// (shifted by lz) is set.
func (a *exactAcc) below(t int, lz uint) bool {
	if a.w[t-1]<<lz != 0 {
		return true
	}
	for i := t - 2; i >= 0; i-- {
		if a.w[i] != 0 {
			return true
		}
	}
	return false
}

// cmpScaled compares ca·a with cb·b exactly and returns -1, 0 or +1.
func (a *exactAcc) cmpScaled(ca uint64, b *exactAcc, cb uint64) int {
	var x, y [accWords + 1]uint64
	scale(&x, &a.w, ca)
	scale(&y, &b.w, cb)
	for i := accWords; i >= 0; i-- {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// scale sets dst to c·src.
func scale(dst *[accWords + 1]uint64, src *[accWords]uint64, c uint64) {
	var carry uint64
	for i, v := range src {
		hi, lo := bits.Mul64(v, c)
		var k uint64
		dst[i], k = bits.Add64(lo, carry, 0)
		carry = hi + k
	}
	dst[accWords] = carry
}

// diff returns a-b, which must not be negative (b <= a).
func (a *exactAcc) diff(b *exactAcc) exactAcc {
	var r exactAcc
	var borrow uint64
	for i := range a.w {
		r.w[i], borrow = bits.Sub64(a.w[i], b.w[i], borrow)
		if r.w[i] != 0 {
			r.top = i
		}
	}
	return r
}

// rat returns a as an exact rational number (for tests and checks).
func (a *exactAcc) rat() *big.Rat {
	v := new(big.Int)
	for i := accWords - 1; i >= 0; i-- {
		v.Lsh(v, 64)
		v.Or(v, new(big.Int).SetUint64(a.w[i]))
	}
	return new(big.Rat).SetFrac(v, new(big.Int).Lsh(big.NewInt(1), 1074))
}
