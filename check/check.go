// Package check validates the fields of kamp's interchange files
// (data-formats.md): ids, Unified Social Credit Codes, Legal Entity
// Identifiers, ISO country and currency codes, industry codes, dates, periods,
// booleans, and exact decimal numbers.
//
// The importer calls these functions for every field of tens of millions of
// rows, so on the success path they never allocate and never use regexp or
// fmt. A failure is a *kamp.Error with code kamp.EINVALID whose message says
// plainly what is wrong and how the value should look; the caller adds the
// file, line, column and value.
package check

import (
	"fmt"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// invalid returns an EINVALID application error with the formatted message.
func invalid(format string, args ...any) error {
	return kamp.Errorf(kamp.EINVALID, format, args...)
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isLower reports whether c is an ASCII lower-case letter.
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// hasLower reports whether s holds an ASCII lower-case letter.
func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLower(s[i]) {
			return true
		}
	}
	return false
}

// charAt describes the character that starts at byte offset i of s and its
// 1-based position counted in characters, for error messages: "'a' at
// position 3", or "byte 0xff (not UTF-8) at position 2".
func charAt(s string, i int) string {
	pos := utf8.RuneCountInString(s[:i]) + 1
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02x (not UTF-8) at position %d", s[i], pos)
	}
	return fmt.Sprintf("%q at position %d", r, pos)
}
