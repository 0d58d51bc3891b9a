package demo

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

func TestWordLists(t *testing.T) {
	regionWord := map[string]bool{}
	for _, r := range regions {
		if utf8.RuneCountInString(r.name) != 2 || regionWord[r.name] {
			t.Errorf("region %q: want two characters, once", r.name)
		}
		regionWord[r.name] = true
		for _, d := range r.div {
			if len(d) != 6 || strings.Trim(d, "0123456789") != "" {
				t.Errorf("region %s: division code %q", r.name, d)
			}
		}
	}
	for _, b := range brands {
		if regionWord[b] || strings.Contains(b, "市") {
			t.Fatalf("brand %q is a region or holds 市", b)
		}
	}
	for _, in := range industries {
		if len(in.codes) == 0 || strings.Contains(in.word, "市") {
			t.Errorf("industry %q", in.word)
		}
		for _, sfx := range []string{"股份", "集团"} {
			if strings.HasSuffix(in.word, sfx) {
				t.Errorf("industry word %q runs into the legal form", in.word)
			}
		}
	}
	for _, c := range uniqueRunes(unknownChars) {
		if strings.Contains(brandChars, c) {
			t.Errorf("unknown firms' brand character %s also starts known brands", c)
		}
	}
	if g := len(givenNames); personSpace != len(surnames)*(g+g*g) || personSpace < MaxEntities/4 {
		t.Errorf("person names: %d, want at least %d", personSpace, MaxEntities/4)
	}
}

// TestNamesUnique checks that name parts decode uniquely: all foreign names
// and the first persons' names have distinct match keys, and company names
// built from distinct (brand, region, industry) triples do too.
func TestNamesUnique(t *testing.T) {
	keys := map[string]bool{}
	add := func(what string, b []byte) {
		k := matchKey(string(b))
		if keys[k] {
			t.Fatalf("%s %q: match key %q repeated", what, b, k)
		}
		keys[k] = true
	}
	for j := range uint64(len(countries)) * foreignSpace {
		add("foreign", appendForeignName(nil, j))
	}
	for p := range uint64(200_000) {
		add("person", appendPersonName(nil, p))
	}
	g := &gen{kind: []uint8{kCompany}, flags: []uint8{0}, region: []uint8{0}, ind: []uint8{0}, brand: []uint16{0}}
	for b := 0; b < len(brands); b += 97 {
		for r := range regions {
			for w := range industries {
				g.brand[0], g.region[0], g.ind[0] = uint16(b), uint8(r), uint8(w)
				h := mix64(uint64(b*10_000 + r*100 + w))
				g.flags[0] = uint8(h%4) << formShift
				if h>>8&1 == 1 {
					g.flags[0] |= fBracket
				}
				add("company", g.appendName(nil, 0))
			}
		}
	}
	for _, s := range stateBodies {
		add("state body", []byte(s.name))
	}
	for u := range uint64(20_000) {
		name := appendUnknownName(nil, mix64(u))
		if !strings.Contains(string(name), "市") {
			t.Fatalf("unknown firm %q has no 市", name)
		}
	}
}

func TestVariant(t *testing.T) {
	const (
		swap  = 1
		upper = 2
		wide  = 0       // bits 2-5 clear
		plain = 15 << 2 // bits 2-5 set: no full-width letters
		noLtd = 0       // bits 6-7 clear
		ltd   = 1 << 6
		space = 0      // bits 8-9 clear
		noSp  = 1 << 8 // no space inserted
	)
	tests := []struct {
		name string
		v    uint64
		want string
	}{
		{"华信科技（北京）有限公司", plain | noLtd | noSp, "华信科技（北京）有限公司"},
		{"华信科技（北京）有限公司", swap | plain | noLtd | noSp, "华信科技(北京)有限公司"},
		{"华信科技（北京）有限公司", plain | ltd | noSp, "华信科技（北京）有限责任公司"},
		{"北京华信科技股份有限公司", plain | ltd | noSp, "北京华信科技股份有限公司"},
		{"北京华信集团有限公司", plain | ltd | noSp, "北京华信集团有限责任公司"},
		{"北京华信科技有限公司", plain | noLtd | space, "北京\u3000华信科技有限公司"},
		{"北京华信科技有限公司", plain | noLtd | space | 1<<10, "北京华信科技\u3000有限公司"},
		{"北京华信科技有限公司", plain | noLtd | space | 1<<42, "北京 华信科技有限公司"},
		{"华信科技（北京）有限公司", swap | plain | noLtd | space | 1<<42, "华信科技 (北京)有限公司"},
		{"Orient Star Trading Limited", upper | plain | noSp, "ORIENT STAR TRADING LIMITED"},
		{"Jade Bay Foods Pte. Ltd.", wide | noSp, "Ｊａｄｅ Ｂａｙ Ｆｏｏｄｓ Ｐｔｅ． Ｌｔｄ．"},
		{"张伟", plain | space, "张\u3000伟"},
	}
	for _, tt := range tests {
		got := string(appendVariant(nil, []byte(tt.name), tt.v))
		if got != tt.want {
			t.Errorf("appendVariant(%q, %#x) = %q, want %q", tt.name, tt.v, got, tt.want)
		}
		if matchKey(got) != matchKey(tt.name) {
			t.Errorf("appendVariant(%q, %#x) = %q changes the match key", tt.name, tt.v, got)
		}
	}
}

// FuzzVariant checks that every variant a payment may write keeps the
// name's match key, whatever the name.
func FuzzVariant(f *testing.F) {
	f.Add("华信科技（北京）有限公司", uint64(0))
	f.Add("北京华信科技有限公司", uint64(0x155))
	f.Add("Seaview Coast Resources Co., Ltd.", uint64(3))
	f.Add("股份 有限公司", uint64(1<<6))
	f.Add("(有限公司", uint64(0xffff))
	f.Add("", uint64(7))
	f.Fuzz(func(t *testing.T, name string, v uint64) {
		if !utf8.ValidString(name) {
			t.Skip()
		}
		got := appendVariant([]byte("prefix"), []byte(name), v)
		if !strings.HasPrefix(string(got), "prefix") {
			t.Fatalf("appendVariant overwrote dst: %q", got)
		}
		if k, want := matchKey(string(got[len("prefix"):])), matchKey(name); k != want {
			t.Fatalf("variant %q of %q has key %q, want %q", got[len("prefix"):], name, k, want)
		}
	})
}

// FuzzOptions checks that any size and counts either resolve to counts in
// range or give an EINVALID error.
func FuzzOptions(f *testing.F) {
	f.Add("S", 0, 0)
	f.Add("m", 2000, 10)
	f.Add("custom", 1000, 0)
	f.Add("", -1, 5)
	f.Add("XL", 0, 0)
	f.Fuzz(func(t *testing.T, size string, entities, payments int) {
		e, p, err := Options{Size: size, Entities: entities, Payments: payments}.resolve()
		if err != nil {
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("resolve(%q, %d, %d): error %v is not EINVALID", size, entities, payments, err)
			}
			return
		}
		if e < MinEntities || e > MaxEntities || p < 0 {
			t.Fatalf("resolve(%q, %d, %d) = %d, %d", size, entities, payments, e, p)
		}
	})
}
