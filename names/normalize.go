package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// legalForms rewrites legal-form variants at the end of a normalised name to
// one spelling, in this order (each rule sees the result of the ones before).
var legalForms = []struct{ from, to string }{
	{"有限責任公司", SuffixLtd}, // traditional characters
	{SuffixLLC, SuffixLtd},
	{"股份公司", SuffixJointStock},
	{"limited", "ltd"},
	{"companyltd", "coltd"},
	{"corporation", "corp"},
}

// maxNormalizeRounds bounds the rounds of Normalize; one or two are enough
// for every name seen in practice (a second round only matters when removing
// a space or a punctuation mark lets NFKC compose what it separated).
const maxNormalizeRounds = 4

// Normalize returns the search form of name, richer than MatchKey and meant
// for search and for suggestions shown to people, never for deciding matches
// on its own:
//
//   - Unicode NFKC (full-width forms, compatibility characters, composed
//     accents);
//   - white space, punctuation (Unicode category P, including every kind of
//     bracket, 、·&. and quotes) and control and format characters removed;
//   - letters lower-cased (Unicode simple case mapping);
//   - legal-form variants at the end unified: 有限责任公司 (also in
//     traditional characters) becomes 有限公司, 股份公司 becomes 股份有限公司,
//     "Limited" becomes "ltd", "Company Limited" and "Co., Ltd." both become
//     "coltd", "Corporation" becomes "corp". 股份有限公司 stays, and
//     （有限合伙） becomes 有限合伙 with its brackets gone.
//
// Bytes that are not valid UTF-8 become U+FFFD. Normalize is idempotent, and
// names with the same match key have the same normal form in practice (so a
// search by normal form finds everything a match key would).
func Normalize(name string) string {
	s := name
	for range maxNormalizeRounds {
		t := normalizeRound(s)
		if t == s {
			break
		}
		s = t
	}
	return s
}

// normalizeRound applies NFKC, the character filter and the legal-form rules
// once.
func normalizeRound(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			continue
		}
		b = utf8.AppendRune(b, unicode.ToLower(r))
	}
	s = norm.NFKC.String(string(b))
	for _, f := range legalForms {
		if strings.HasSuffix(s, f.from) {
			s = s[:len(s)-len(f.from)] + f.to
		}
	}
	return s
}

// branchSuffixes are the endings of a branch's name: 分公司 (branch company),
// 分行 (bank branch) and 支行 (bank sub-branch).
var branchSuffixes = []string{"分公司", "分行", "支行"}

// parentMarkers end the name of the legal person a branch belongs to.
var parentMarkers = []string{"公司", "银行", "銀行", "集团", "集團"}

// Branch reports whether name is the name of a branch — it ends in 分公司,
// 分行 or 支行 — and returns the name of the legal person it belongs to: the
// name up to and including the last 公司, 银行 or 集团 (traditional forms
// included) before that ending. A branch is not a legal person of its own;
// its parent is. White space around name is ignored, and parent is a part of
// name as written (apply MatchKey or Normalize to look it up).
//
// When name ends like a branch but no parent can be delimited (华为北京分公司:
// is the parent 华为 or 华为北京?), Branch does not guess: ok is false. So for
// 中国工商银行股份有限公司北京市分行海淀支行 the parent is
// 中国工商银行股份有限公司, and for 中国银行上海市分行 it is 中国银行.
func Branch(name string) (parent string, ok bool) {
	s := strings.TrimSpace(name)
	for _, suf := range branchSuffixes {
		if !strings.HasSuffix(s, suf) {
			continue
		}
		head := s[:len(s)-len(suf)]
		end := -1
		for _, m := range parentMarkers {
			if i := strings.LastIndex(head, m); i >= 0 && i+len(m) > end {
				end = i + len(m)
			}
		}
		if end < 0 {
			return "", false
		}
		parent = strings.TrimSpace(head[:end])
		for _, m := range parentMarkers {
			if parent == m {
				return "", false // a bare 公司 or 银行 names nobody
			}
		}
		return parent, true
	}
	return "", false
}
