package check

import (
	"fmt"
	"unicode/utf8"
)

// MaxIDLen is the longest id data-formats.md allows, in characters.
const MaxIDLen = 64

// idChar marks the bytes an id may hold: A-Z a-z 0-9 _ . -
var idChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
		t[c+'a'-'A'] = true
	}
	t['_'], t['.'], t['-'] = true, true, true
	return t
}()

// ID checks an id of data-formats.md: 1 to 64 characters of A-Z a-z 0-9 _ . -
// (ids are case-sensitive, so any case is fine).
func ID(s string) error {
	if s == "" {
		return invalid("empty id; expected 1-%d characters of A-Z a-z 0-9 _ . -", MaxIDLen)
	}
	for i := 0; i < len(s); i++ {
		if !idChar[s[i]] {
			return invalid("character %s is not allowed in an id; expected 1-%d characters of A-Z a-z 0-9 _ . -", charAt(s, i), MaxIDLen)
		}
	}
	if len(s) > MaxIDLen {
		return invalid("id is %d characters long; at most %d are allowed", len(s), MaxIDLen)
	}
	return nil
}

// usccAlphabet is the character set of GB 32100-2015; a character's value is
// its index.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue maps a byte to its value in usccAlphabet, or -1.
var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccAlphabet); i++ {
		t[usccAlphabet[i]] = int8(i)
	}
	return t
}()

// usccWeights are the GB 32100-2015 weights of positions 1-17: 3^(i-1) mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// alnumValue maps 0-9 to 0-9 and A-Z to 10-35 (the value of a character in
// GB 11714 and ISO 7064), anything else to -1.
var alnumValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = int8(c - 'A' + 10)
	}
	return t
}()

// orgWeights are the GB 11714 weights of the 8 body characters of an
// organisation code.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// USCCLen is the length of a Unified Social Credit Code.
const USCCLen = 18

// USCC checks a Unified Social Credit Code (统一社会信用代码) of GB 32100-2015:
// exactly 18 upper-case characters of 0-9 and A-Y without I, O, S, V and Z;
// the 18th is the check character over the first 17, and positions 9-17 are an
// organisation code whose 9th character is its own GB 11714 check character.
func USCC(s string) error {
	if len(s) != USCCLen {
		if n := utf8.RuneCountInString(s); n != USCCLen {
			return invalid("USCC has %d characters; expected %d", n, USCCLen)
		}
		// 18 characters but not all ASCII: report the first stranger below.
	}
	if hasLower(s) {
		return invalid("USCC must be upper case")
	}
	for i := 0; i < len(s); i++ {
		if usccValue[s[i]] < 0 {
			return invalid("character %s is not allowed in a USCC; expected 0-9 and A-Z without I, O, S, V, Z", charAt(s, i))
		}
	}
	if want := usccCheck(s[:17]); s[17] != want {
		return invalid("USCC check character is %q, expected %q", s[17:], string(want))
	}
	if want, _ := OrgCodeCheckChar(s[8:16]); s[16] != want {
		return invalid("check character of the organisation code inside the USCC (position 17) is %q, expected %q", s[16:17], string(want))
	}
	return nil
}

// usccCheck returns the GB 32100-2015 check character of 17 characters that
// are known to be in usccAlphabet.
func usccCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(usccValue[first17[i]]) * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31]
}

// USCCCheckChar returns the GB 32100-2015 check character (the 18th) for the
// 17 leading characters of a USCC. It returns false if first17 is not 17
// characters long or holds a character outside the USCC alphabet (including
// lower case).
func USCCCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	for i := 0; i < 17; i++ {
		if usccValue[first17[i]] < 0 {
			return 0, false
		}
	}
	return usccCheck(first17), true
}

// OrgCodeCheckChar returns the GB 11714 check character ('0'-'9' or 'X') of
// an organisation code (组织机构代码) for its 8 body characters, each 0-9 or
// A-Z. It returns false if first8 is not 8 such characters.
func OrgCodeCheckChar(first8 string) (byte, bool) {
	if len(first8) != 8 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := alnumValue[first8[i]]
		if v < 0 {
			return 0, false
		}
		sum += int(v) * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', true
	case 11:
		return '0', true
	default:
		return byte('0' + c), true
	}
}

// LEILen is the length of a Legal Entity Identifier.
const LEILen = 20

// LEI checks a Legal Entity Identifier of ISO 17442: 20 upper-case characters
// of 0-9 and A-Z whose last two are digits, and the whole of which passes the
// ISO 7064 MOD 97-10 check (letters count as 10-35; the number mod 97 is 1).
func LEI(s string) error {
	if len(s) != LEILen {
		if n := utf8.RuneCountInString(s); n != LEILen {
			return invalid("LEI has %d characters; expected %d", n, LEILen)
		}
	}
	if hasLower(s) {
		return invalid("LEI must be upper case")
	}
	for i := 0; i < len(s); i++ {
		if alnumValue[s[i]] < 0 {
			return invalid("character %s is not allowed in an LEI; expected 0-9 and A-Z", charAt(s, i))
		}
	}
	if !isDigit(s[18]) || !isDigit(s[19]) {
		return invalid("LEI check digits (characters 19-20) must be digits")
	}
	if mod97(s, 0) != 1 {
		want, _ := LEICheckDigits(s[:18])
		return invalid("LEI check digits are %q, expected %q", s[18:], want)
	}
	return nil
}

// mod97 returns (r followed by the decimal digits of s, letters expanded to
// 10-35) mod 97, for s of characters known to be 0-9 or A-Z.
func mod97(s string, r int) int {
	for i := 0; i < len(s); i++ {
		v := int(alnumValue[s[i]])
		if v < 10 {
			r = (r*10 + v) % 97
		} else {
			r = (r*100 + v) % 97
		}
	}
	return r
}

// twoDigits holds "00" to "99", so LEICheckDigits does not allocate.
var twoDigits = func() (t [100]string) {
	for i := range t {
		t[i] = fmt.Sprintf("%02d", i)
	}
	return t
}()

// LEICheckDigits returns the two ISO 7064 MOD 97-10 check digits (characters
// 19-20) of an LEI for its 18 leading characters, each 0-9 or A-Z: 98 minus
// (the 18 characters followed by "00") mod 97, zero-padded. It returns false
// if first18 is not 18 such characters.
func LEICheckDigits(first18 string) (string, bool) {
	if len(first18) != 18 {
		return "", false
	}
	for i := 0; i < 18; i++ {
		if alnumValue[first18[i]] < 0 {
			return "", false
		}
	}
	r := mod97(first18, 0) * 100 % 97
	return twoDigits[98-r], true
}
