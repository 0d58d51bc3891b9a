package check

import (
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// MaxScale is the largest scale ParseFixed accepts: 10^18 still fits an int64.
const MaxScale = 18

// ParseFixed parses a decimal string of data-formats.md's number rules into
// v*10^scale: an optional leading '-', one or more digits, and optionally a
// '.' followed by at least one digit. There is no '+', no exponent, no
// thousands separator, no trailing '.', and no leading or trailing space;
// leading zeros are fine ("007.50"). More than scale decimals is an error,
// even when they are zeros, as is a result outside the int64 range. A '-' when
// allowNeg is false is an error ("must not be negative"), even on "-0";
// otherwise "-0" is 0. The scale must be between 0 and MaxScale.
func ParseFixed(s string, scale int, allowNeg bool) (int64, error) {
	if scale < 0 || scale > MaxScale {
		return 0, invalid("number scale %d is out of range 0-%d", scale, MaxScale)
	}
	if s == "" {
		return 0, invalid("empty number; expected digits with an optional '.', like 1234.5")
	}
	if v, ok := parseFixedFast(s, scale); ok {
		return v, nil
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i = 1
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // math.MinInt64 is representable
	}
	var m uint64
	over := false
	start := i
	for i < len(s) && isDigit(s[i]) {
		if !over {
			m, over = mulAdd(m, s[i]-'0', limit)
		}
		i++
	}
	nint := i - start
	nfrac := 0
	if i < len(s) && s[i] == '.' {
		if nint == 0 {
			return 0, notNumber("missing digit before '.' (write 0.5, not .5)")
		}
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			if !over {
				m, over = mulAdd(m, s[i]-'0', limit)
			}
			i++
		}
		nfrac = i - fs
		if nfrac == 0 && i == len(s) {
			return 0, notNumber("trailing '.' (write 12 or 12.0, not 12.)")
		}
	}
	if i < len(s) {
		return 0, badNumberChar(s, i)
	}
	if nint == 0 {
		return 0, notNumber("no digits")
	}
	if neg && !allowNeg {
		return 0, invalid("must not be negative")
	}
	if nfrac > scale {
		if scale == 0 {
			return 0, invalid("decimals are not allowed; expected a whole number")
		}
		return 0, invalid("more than %d decimals", scale)
	}
	for k := nfrac; k < scale && !over; k++ {
		m, over = mulAdd(m, 0, limit)
	}
	if over {
		return 0, invalid("number out of range: its size must be at most %s", kamp.FormatFixed(math.MaxInt64, scale))
	}
	if neg {
		return int64(-m), nil // for m == 1<<63 this wraps to math.MinInt64, as wanted
	}
	return int64(m), nil
}

// mulAdd returns m*10+d and whether that would exceed limit (in which case
// the value returned is meaningless).
func mulAdd(m uint64, d byte, limit uint64) (uint64, bool) {
	if m > (limit-uint64(d))/10 {
		return 0, true
	}
	return m*10 + uint64(d), false
}

// notNumber returns the error for a string that is not a number, saying why.
func notNumber(why string) error {
	return invalid("not a number: %s; expected digits with an optional '.', like 1234.5", why)
}

// badNumberChar explains the unexpected character at byte offset i of s.
func badNumberChar(s string, i int) error {
	switch s[i] {
	case ' ', '\t', '\r', '\n':
		return notNumber("spaces are not allowed")
	case '+':
		return notNumber("a '+' sign is not allowed")
	case ',':
		return notNumber("',' is not allowed (no thousands separators; the decimal point is '.')")
	case 'e', 'E':
		return notNumber("exponent notation is not allowed")
	case '.':
		return notNumber("more than one '.'")
	case '-':
		return notNumber("'-' is only allowed as the first character")
	}
	if r, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
		return notNumber("spaces are not allowed")
	}
	return notNumber("unexpected character " + charAt(s, i))
}

// pow10 holds the powers of ten that fit an int64.
var pow10 = func() (t [19]int64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// parseFixedFast is ParseFixed for the common case, a well-formed
// non-negative number whose value times 10^scale has at most 18 digits
// and so cannot overflow; ok is false for anything else, which ParseFixed
// then reads the careful way.
func parseFixedFast(s string, scale int) (v int64, ok bool) {
	digits, frac, dot := 0, 0, -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			v = v*10 + int64(c-'0')
			digits++
			if dot >= 0 {
				frac++
			}
			if digits > 18 {
				return 0, false
			}
		case c == '.' && dot < 0 && i > 0:
			dot = i
		default:
			return 0, false
		}
	}
	if dot == len(s)-1 || frac > scale || digits+scale-frac > 18 {
		return 0, false
	}
	return v * pow10[scale-frac], true
}
