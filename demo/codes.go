package demo

import (
	"fmt"
	"math/bits"

	"github.com/kampbank/kamp/check"
)

// mix64 is the splitmix64 finaliser: a fast bijective scrambler of 64-bit
// values, used where a value must be a pure function of an index (so that it
// can be recomputed later without being stored).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hash2 mixes a seed, a tag and two values into 64 well-spread bits.
func hash2(seed, tag, a, b uint64) uint64 {
	return mix64(seed ^ mix64(tag*0x9e3779b97f4a7c15^a) ^ mix64(b+0x632be59bd9b4e019))
}

// unit maps 64 random bits to a float64 in [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// perm is a pseudo-random permutation of [0, n): a four-round Feistel
// network on the smallest even number of bits that covers n, restricted to
// [0, n) by cycle walking. It turns internal entity indices (where a group's
// members are contiguous) into scattered entity ids, and back.
type perm struct {
	n    uint64
	half uint
	mask uint64
	keys [4]uint64
}

func newPerm(n, seed uint64) perm {
	bits := uint(2)
	for uint64(1)<<bits < n {
		bits++
	}
	if bits%2 == 1 {
		bits++
	}
	p := perm{n: n, half: bits / 2, mask: 1<<(bits/2) - 1}
	for i := range p.keys {
		p.keys[i] = mix64(seed + uint64(i+1)*0x9e3779b97f4a7c15)
	}
	return p
}

func (p *perm) f(x, k uint64) uint64 { return mix64(x^k) & p.mask }

func (p *perm) enc(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for _, k := range p.keys {
		l, r = r, l^p.f(r, k)
	}
	return l<<p.half | r
}

func (p *perm) dec(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for i := len(p.keys) - 1; i >= 0; i-- {
		l, r = r^p.f(l, p.keys[i]), l
	}
	return l<<p.half | r
}

// forward returns the image of i < n.
func (p *perm) forward(i uint64) uint64 {
	x := p.enc(i)
	for x >= p.n {
		x = p.enc(x)
	}
	return x
}

// inverse returns the i with forward(i) == y, for y < n.
func (p *perm) inverse(y uint64) uint64 {
	x := p.dec(y)
	for x >= p.n {
		x = p.dec(x)
	}
	return x
}

// usccAlphabet is the character set of GB 32100-2015 codes.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

const base36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Bounds of the injective code spaces below.
const (
	orgDigitSpace = 90_000_000                // 8-digit organisation codes 10000000-99999999
	orgMASpace    = 887_503_681               // 31^6: "MA" + six USCC characters
	leiSpace      = 4_738_381_338_321_616_896 // 36^12
	leiMul        = 2_928_479_880_318_573_353 // near 0.618*36^12, coprime to 6
)

// appendUSCC appends an 18-character Unified Social Credit Code: authority
// and type (e.g. "91" for a company registered with the market regulator),
// a division code, an organisation code unique to idx (an older all-digit
// code or a newer "MA" code, as ma says) with its GB 11714 check character,
// and the USCC check character.
func appendUSCC(dst []byte, authType, div string, idx uint64, ma bool) ([]byte, error) {
	var c [18]byte
	copy(c[:2], authType)
	copy(c[2:8], div)
	if ma {
		v := (idx*104729 + 31337) % orgMASpace
		c[8], c[9] = 'M', 'A'
		for i := 15; i >= 10; i-- {
			c[i] = usccAlphabet[v%31]
			v /= 31
		}
	} else {
		v := (idx*7919+1234567)%orgDigitSpace + 10_000_000
		for i := 15; i >= 8; i-- {
			c[i] = byte('0' + v%10)
			v /= 10
		}
	}
	oc, ok := check.OrgCodeCheckChar(string(c[8:16]))
	if !ok {
		return dst, fmt.Errorf("demo: organisation code %q has no check character", c[8:16])
	}
	c[16] = oc
	uc, ok := check.USCCCheckChar(string(c[:17]))
	if !ok {
		return dst, fmt.Errorf("demo: USCC %q has no check character", c[:17])
	}
	c[17] = uc
	return append(dst, c[:]...), nil
}

// appendLEI appends a 20-character LEI: the LOU prefix, "00", a 12-character
// entity part unique to idx, and the ISO 7064 MOD 97-10 check digits.
func appendLEI(dst []byte, lou string, idx uint64) ([]byte, error) {
	var c [18]byte
	copy(c[:4], lou)
	c[4], c[5] = '0', '0'
	hi, lo := bits.Mul64(idx, leiMul)
	v := (bits.Rem64(hi, lo, leiSpace) + 0x14057b7ef767814f) % leiSpace
	for i := 17; i >= 6; i-- {
		c[i] = base36[v%36]
		v /= 36
	}
	cd, ok := check.LEICheckDigits(string(c[:]))
	if !ok {
		return dst, fmt.Errorf("demo: LEI %q has no check digits", c[:])
	}
	dst = append(dst, c[:]...)
	return append(dst, cd...), nil
}
