package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Suffixes of Chinese company names that the match key treats specially.
const (
	// SuffixLLC is 有限责任公司 (limited liability company), which the match
	// key shortens to SuffixLtd when it ends a name.
	SuffixLLC = "有限责任公司"
	// SuffixLtd is 有限公司 (limited company).
	SuffixLtd = "有限公司"
	// SuffixJointStock is 股份有限公司 (joint-stock limited company), which
	// the match key keeps as it is.
	SuffixJointStock = "股份有限公司"
)

// MatchKey returns the match key of name (engines.md §3). In this order:
// full-width ASCII forms U+FF01–U+FF5E become their ASCII characters and the
// ideographic space U+3000 a space; all white space (unicode.IsSpace) is
// removed; the characters ()[]{}【】〔〕〖〗 are removed; ASCII letters are
// lower-cased; a trailing 有限责任公司 becomes 有限公司 (股份有限公司 stays as
// it is). Nothing else changes: other scripts, other punctuation and letter
// case outside ASCII are kept.
//
// Bytes that are not valid UTF-8 become U+FFFD, so the key is always valid
// UTF-8. MatchKey is idempotent: MatchKey(MatchKey(s)) == MatchKey(s). When
// name is already its own key it is returned without allocating.
func MatchKey(name string) string {
	if isKey(name) {
		return name
	}
	return string(AppendMatchKey(make([]byte, 0, len(name)), name))
}

// AppendMatchKey appends the match key of name (see MatchKey) to dst and
// returns the extended slice. With a dst of enough capacity it does not
// allocate, which makes it the form to use in loops over many names.
func AppendMatchKey(dst []byte, name string) []byte {
	start := len(dst)
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+('a'-'A'))
			case asciiDropped(c):
			default:
				dst = append(dst, c)
			}
			continue
		}
		if plain3(name, i) {
			dst = append(dst, name[i:i+3]...)
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(name[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
			continue
		}
		if 0xFF01 <= r && r <= 0xFF5E {
			c := byte(r - 0xFEE0)
			switch {
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+('a'-'A'))
			case asciiDropped(c):
			default:
				dst = append(dst, c)
			}
			continue
		}
		if unicode.IsSpace(r) || wideDropped(r) { // U+3000 is a space
			continue
		}
		dst = append(dst, name[i-size:i]...)
	}
	if k := dst[start:]; len(k) >= len(SuffixLLC) && string(k[len(k)-len(SuffixLLC):]) == SuffixLLC {
		dst = append(dst[:len(dst)-len(SuffixLLC)], SuffixLtd...)
	}
	return dst
}

// plain3 reports whether s holds at i a valid three-byte UTF-8 sequence of
// U+4000 to U+D7FF or U+E000 to U+EFFF: the CJK ideographs of company
// names among others, none of them a space, a dropped bracket or a
// full-width form, so a match key keeps them as they are. It lets the
// common case skip decoding.
func plain3(s string, i int) bool {
	if i+2 >= len(s) || s[i+1]&0xc0 != 0x80 || s[i+2]&0xc0 != 0x80 {
		return false
	}
	switch c := s[i]; {
	case 0xe4 <= c && c <= 0xec, c == 0xee:
		return true
	case c == 0xed:
		return s[i+1] < 0xa0 // not a surrogate
	}
	return false
}

// asciiDropped reports whether the ASCII character c is removed from a match
// key: white space and the brackets ()[]{}.
func asciiDropped(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r', ' ', '(', ')', '[', ']', '{', '}':
		return true
	}
	return false
}

// wideDropped reports whether r, a non-ASCII rune, is one of the brackets
// 【】〔〕〖〗 removed from a match key.
func wideDropped(r rune) bool {
	switch r {
	case '【', '】', '〔', '〕', '〖', '〗':
		return true
	}
	return false
}

// isKey reports whether s is its own match key, so MatchKey can return it
// as it is.
func isKey(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if ('A' <= c && c <= 'Z') || asciiDropped(c) {
				return false
			}
			i++
			continue
		}
		if plain3(s, i) {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (0xFF01 <= r && r <= 0xFF5E) || unicode.IsSpace(r) || wideDropped(r) {
			return false
		}
		i += size
	}
	return !strings.HasSuffix(s, SuffixLLC)
}
