package kamp

import "github.com/kampbank/kamp/swar"

// AppendCSVField appends f to b as one field of a CSV line (RFC 4180):
// as it is, or between quotes, with its quotes doubled, when NeedsQuotes
// says so.
func AppendCSVField(b []byte, f string) []byte {
	if !NeedsQuotes(f) {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f[i])
	}
	return append(b, '"')
}

// NeedsQuotes reports whether f must be quoted in a CSV field: it holds a
// comma, quote or line break, or starts with a space or tab (which some
// readers trim). It looks at eight bytes at a time, as the result files
// write millions of ids.
func NeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f[0] == ' ' || f[0] == '\t' {
		return true
	}
	i := 0
	for ; i+8 <= len(f); i += 8 {
		x := uint64(f[i]) | uint64(f[i+1])<<8 | uint64(f[i+2])<<16 | uint64(f[i+3])<<24 |
			uint64(f[i+4])<<32 | uint64(f[i+5])<<40 | uint64(f[i+6])<<48 | uint64(f[i+7])<<56
		if swar.Match(x, ',')|swar.Match(x, '"')|swar.Match(x, '\n')|swar.Match(x, '\r') != 0 {
			return true
		}
	}
	for ; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}
