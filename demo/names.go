package demo

import (
	"bytes"
	"unicode/utf8"
)

// Entity kinds of the generator (finer than kamp.EntityKind).
const (
	kCompany uint8 = iota // domestic company
	kBranch               // branch office of a domestic company (分公司)
	kPerson
	kState
	kForeign // company registered abroad
)

// Entity flags.
const (
	fClient   uint8 = 1 << iota
	fHO             // relationship owned by the head office
	fBracket        // region in full-width brackets inside the name
	fLEI            // a domestic company with an LEI
	fNoUSCC         // USCC not on file
	fMA             // organisation code of the newer "MA" kind
	formShift = 6   // flags >> formShift is the legal form
)

// affine is an injective scrambler of [0, space): i -> (i*mul + add) mod
// space, with mul coprime to space.
type affine struct{ space, mul, add uint64 }

func newAffine(space uint64) affine {
	mul := uint64(float64(space)*0.6180339887) | 1
	for gcd(mul, space) != 1 {
		mul += 2
	}
	return affine{space: space, mul: mul, add: space / 3}
}

func (a affine) at(i uint64) uint64 { return (i%a.space*a.mul + a.add) % a.space }

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

var (
	personMix  affine
	foreignMix affine
)

// foreignSpace is the number of distinct foreign names per country.
var foreignSpace = uint64(len(foreignFirst) * len(foreignSecond) * len(foreignIndustries))

// appendPersonName appends the name of person ordinal p (unique for
// p < personSpace).
func appendPersonName(dst []byte, p uint64) []byte {
	q := personMix.at(p)
	s := uint64(len(surnames))
	g := uint64(len(givenNames))
	dst = append(dst, surnames[q%s]...)
	r := q / s
	if r < g {
		return append(dst, givenNames[r]...)
	}
	r -= g
	dst = append(dst, givenNames[r%g]...)
	return append(dst, givenNames[r/g]...)
}

// foreignParts returns the country, first word, second word and industry of
// foreign ordinal j (unique for j < len(countries)*foreignSpace).
func foreignParts(j uint64) (c, first, second, ind int) {
	q := foreignMix.at(j)
	nc, nf, ns := uint64(len(countries)), uint64(len(foreignFirst)), uint64(len(foreignSecond))
	c = int(q % nc)
	q /= nc
	return c, int(q % nf), int(q / nf % ns), int(q / nf / ns)
}

// appendForeignName appends the English name of foreign ordinal j.
func appendForeignName(dst []byte, j uint64) []byte {
	c, a, b, in := foreignParts(j)
	dst = append(dst, foreignFirst[a]...)
	dst = append(dst, ' ')
	dst = append(dst, foreignSecond[b]...)
	dst = append(dst, ' ')
	dst = append(dst, foreignIndustries[in].word...)
	dst = append(dst, ' ')
	return append(dst, countries[c].form...)
}

// appendName appends the registered name of entity i.
func (g *gen) appendName(dst []byte, i int) []byte {
	switch g.kind[i] {
	case kCompany:
		reg := regions[g.region[i]].name
		br := brands[g.brand[i]]
		ind := industries[g.ind[i]].word
		form := forms[g.flags[i]>>formShift]
		if g.flags[i]&fBracket != 0 {
			dst = append(dst, br...)
			dst = append(dst, ind...)
			dst = append(dst, "（"...)
			dst = append(dst, reg...)
			dst = append(dst, "）"...)
			return append(dst, form...)
		}
		dst = append(dst, reg...)
		dst = append(dst, br...)
		dst = append(dst, ind...)
		return append(dst, form...)
	case kBranch:
		dst = g.appendName(dst, int(g.aux[i]))
		dst = append(dst, regions[g.region[i]].name...)
		return append(dst, "分公司"...)
	case kPerson:
		return appendPersonName(dst, uint64(g.aux[i]))
	case kState:
		return append(dst, stateBodies[g.aux[i]].name...)
	default:
		return appendForeignName(dst, uint64(g.aux[i]))
	}
}

// appendUnknownName appends the name of a firm the bank does not know, from
// 64 random bits: a company or a small shop, always with a city and 市, so
// that its match key differs from every known entity's.
func appendUnknownName(dst []byte, h uint64) []byte {
	dst = append(dst, unknownCities[h%uint64(len(unknownCities))]...)
	dst = append(dst, "市"...)
	h /= uint64(len(unknownCities))
	if h%5 == 0 {
		h /= 5
		dst = appendPersonName(dst, h%uint64(personSpace))
		h /= uint64(personSpace)
		dst = append(dst, shopGoods[h%uint64(len(shopGoods))]...)
		h /= uint64(len(shopGoods))
		return append(dst, shopForms[h%uint64(len(shopForms))]...)
	}
	h /= 5
	dst = append(dst, unknownBrs[h%uint64(len(unknownBrs))]...)
	h /= uint64(len(unknownBrs))
	dst = append(dst, industries[h%uint64(len(industries))].word...)
	h /= uint64(len(industries))
	if h%6 == 0 {
		return append(dst, "股份有限公司"...)
	}
	return append(dst, "有限公司"...)
}

var (
	fwOpen   = []byte("（")
	fwClose  = []byte("）")
	ideoSp   = []byte("\u3000")
	ltdShort = []byte("有限公司")
	ltdLong  = []byte("有限责任公司")
	jointLtd = []byte("股份有限公司")
)

// appendVariant appends a way a payment may write name that keeps its match
// key (engines.md §3): brackets switched between full and half width, a
// trailing 有限公司 written 有限责任公司, a space (ASCII or ideographic)
// inserted, ASCII letters upper-cased or written in full width. v's bits
// choose the changes; some variants are the name as registered.
func appendVariant(dst, name []byte, v uint64) []byte {
	start := len(dst)
	swap := v&1 != 0
	upper := v>>1&1 != 0
	wide := v>>2&15 == 0
	body := name
	ltd := v>>6&3 != 0 && bytes.HasSuffix(name, ltdShort) && !bytes.HasSuffix(name, jointLtd)
	if ltd {
		body = name[:len(name)-len(ltdShort)]
	}
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			switch {
			case swap && c == '(':
				dst = append(dst, fwOpen...)
			case swap && c == ')':
				dst = append(dst, fwClose...)
			case wide && c > ' ' && c < 0x7f:
				dst = utf8.AppendRune(dst, rune(c)-0x21+0xff01)
			case upper && 'a' <= c && c <= 'z':
				dst = append(dst, c-'a'+'A')
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		_, size := utf8.DecodeRune(body[i:])
		switch {
		case swap && bytes.HasPrefix(body[i:], fwOpen):
			dst = append(dst, '(')
		case swap && bytes.HasPrefix(body[i:], fwClose):
			dst = append(dst, ')')
		default:
			dst = append(dst, body[i:i+size]...)
		}
		i += size
	}
	if ltd {
		dst = append(dst, ltdLong...)
	}
	if v>>8&3 == 0 {
		dst = insertSpace(dst, start, v>>10)
	}
	return dst
}

// insertSpace inserts a space into dst[start:] where payment systems put
// one (after a two-character region, before a bracket, before the legal
// form), else after the first character; h chooses the place and whether an
// ideographic space follows a non-ASCII character.
func insertSpace(dst []byte, start int, h uint64) []byte {
	s := dst[start:]
	var cand [3]int
	n := 0
	if utf8.RuneCount(s) > 3 {
		_, a := utf8.DecodeRune(s)
		_, b := utf8.DecodeRune(s[a:])
		cand[n] = a + b
		n++
	}
	if k := bytes.IndexAny(s, "(（"); k > 0 {
		cand[n] = k
		n++
	}
	if k := bytes.LastIndex(s, []byte("有限")); k > 0 {
		cand[n] = k
		n++
	}
	pos := 0
	if n > 0 {
		pos = cand[h%uint64(n)]
	} else {
		_, pos = utf8.DecodeRune(s)
	}
	if pos <= 0 || pos >= len(s) {
		return dst
	}
	pos += start
	sp := []byte{' '}
	if dst[pos-1] >= utf8.RuneSelf && h>>32&1 == 0 {
		sp = ideoSp
	}
	dst = append(dst, sp...)
	copy(dst[pos+len(sp):], dst[pos:len(dst)-len(sp)])
	copy(dst[pos:], sp)
	return dst
}
