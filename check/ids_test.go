package check

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestID(t *testing.T) {
	tests := []struct {
		s, err string
	}{
		{"a", ""},
		{"C-0001", ""},
		{"abc_DEF.123-x", ""},
		{"...", ""},
		{strings.Repeat("x", 64), ""},
		{"", "empty id"},
		{strings.Repeat("x", 65), "id is 65 characters long; at most 64"},
		{"a b", `character ' ' at position 2 is not allowed in an id`},
		{"a/b", `character '/' at position 2`},
		{"客户1", `character '客' at position 1`},
		{"ab客", `character '客' at position 3`},
		{"x\x00", `character '\x00' at position 2`},
		{"x\xff", `character byte 0xff (not UTF-8) at position 2`},
		{strings.Repeat("客", 30), `character '客' at position 1`},
	}
	for _, tt := range tests {
		checkErr(t, ID(tt.s), tt.err)
	}
}

func FuzzID(f *testing.F) {
	for _, s := range []string{"a", "C-0001", "", "a b", "客户", strings.Repeat("x", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := len(s) >= 1 && len(s) <= 64
		for _, r := range s {
			ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-", r))
		}
		if err := ID(s); (err == nil) != ok {
			t.Fatalf("ID(%q) = %v, want ok=%v", s, err, ok)
		}
	})
}

// realUSCCs are Unified Social Credit Codes of large Chinese companies, as
// published in their annual reports and on the national enterprise credit
// information system.
var realUSCCs = []string{
	"914403001922038216", // 华为技术有限公司 (Huawei Technologies)
	"91100000100003962T", // 中国工商银行股份有限公司 (ICBC)
	"911100001000044477", // 中国建设银行股份有限公司 (China Construction Bank)
	"9144030010001686XA", // 招商银行股份有限公司 (China Merchants Bank)
	"91520000214434146R", // 贵州茅台酒股份有限公司 (Kweichow Moutai)
	"91440300708461136T", // 深圳市腾讯计算机系统有限公司 (Tencent)
}

func TestUSCC(t *testing.T) {
	for _, s := range realUSCCs {
		checkErr(t, USCC(s), "")
	}
	tests := []struct {
		s, err string
	}{
		{"", "USCC has 0 characters; expected 18"},
		{"91440300192203821", "USCC has 17 characters; expected 18"},
		{"9144030019220382166", "USCC has 19 characters; expected 18"},
		{"9144030019220382１6", `character '１' at position 17 is not allowed in a USCC`},
		{"91440300192203821统", `character '统' at position 18`},
		{"91100000100003962t", "USCC must be upper case"},
		{"91100000100003962I", `character 'I' at position 18 is not allowed in a USCC; expected 0-9 and A-Z without I, O, S, V, Z`},
		{"9110000010000396OT", `character 'O' at position 17`},
		{"Z1100000100003962T", `character 'Z' at position 1`},
		{"91100000-00003962T", `character '-' at position 9`},
		{"914403001922038217", `USCC check character is "7", expected "6"`},
		{"91100000100003962A", `USCC check character is "A", expected "T"`},
		{"914403001922038208", `USCC check character is "8", expected "3"`},
	}
	for _, tt := range tests {
		checkErr(t, USCC(tt.s), tt.err)
	}
}

func TestUSCCOrgCodeCheck(t *testing.T) {
	// A code whose USCC check character is right but whose embedded
	// organisation code check character is wrong: fix the organisation code's
	// 9th character to a wrong digit, then recompute the USCC check.
	base := "91440300192203821" // Huawei's first 17
	for c := byte('0'); c <= '9'; c++ {
		if c == base[16] {
			continue
		}
		first17 := base[:16] + string(c)
		cc, ok := USCCCheckChar(first17)
		if !ok {
			t.Fatalf("USCCCheckChar(%q) failed", first17)
		}
		checkErr(t, USCC(first17+string(cc)), `organisation code inside the USCC (position 17) is "`+string(c)+`", expected "1"`)
	}
}

func TestUSCCWeights(t *testing.T) {
	w := 1
	for i, got := range usccWeights {
		if got != w {
			t.Errorf("weight of position %d = %d, want 3^%d mod 31 = %d", i+1, got, i, w)
		}
		w = w * 3 % 31
	}
	if len(usccAlphabet) != 31 || strings.ContainsAny(usccAlphabet, "IOSVZ") {
		t.Errorf("bad USCC alphabet %q", usccAlphabet)
	}
}

func TestUSCCCheckChar(t *testing.T) {
	for _, s := range realUSCCs {
		if c, ok := USCCCheckChar(s[:17]); !ok || c != s[17] {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q", s[:17], c, ok, s[17])
		}
	}
	tests := []struct {
		first17 string
		want    byte
		ok      bool
	}{
		// sum = 0: (31-0)%31 = 0.
		{"00000000000000000", '0', true},
		// value 1 at position 1 (weight 1): 31-1 = 30 -> 'Y'.
		{"10000000000000000", 'Y', true},
		// value 1 at position 17 (weight 28): 31-28 = 3.
		{"00000000000000001", '3', true},
		{"", 0, false},
		{"9144030019220382", 0, false},
		{"914403001922038216", 0, false},
		{"9144030019220382i", 0, false},
		{"9144030019220382I", 0, false},
		{"91440300192203821"[:16] + "z", 0, false},
	}
	for _, tt := range tests {
		c, ok := USCCCheckChar(tt.first17)
		if c != tt.want || ok != tt.ok {
			t.Errorf("USCCCheckChar(%q) = %q, %v; want %q, %v", tt.first17, c, ok, tt.want, tt.ok)
		}
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	tests := []struct {
		first8 string
		want   byte
		ok     bool
	}{
		{"19220382", '1', true}, // Huawei, from its USCC
		{"10000396", '2', true}, // ICBC
		{"10000444", '7', true}, // China Construction Bank
		{"10001686", 'X', true}, // China Merchants Bank: C9 = 10
		// sum = 0: C9 = 11, written '0'.
		{"00000000", '0', true},
		// A = 10 at the first position: sum 30, 30 mod 11 = 8, C9 = 3.
		{"A0000000", '3', true},
		// Z = 35 at the last position: sum 70, 70 mod 11 = 4, C9 = 7.
		{"0000000Z", '7', true},
		{"1922038", 0, false},
		{"192203821", 0, false},
		{"1922038a", 0, false},
		{"1922038-", 0, false},
	}
	for _, tt := range tests {
		c, ok := OrgCodeCheckChar(tt.first8)
		if c != tt.want || ok != tt.ok {
			t.Errorf("OrgCodeCheckChar(%q) = %q, %v; want %q, %v", tt.first8, c, ok, tt.want, tt.ok)
		}
	}
}

// randomUSCC returns a valid USCC built from random characters.
func randomUSCC(r *rand.Rand) string {
	b := make([]byte, 17)
	for i := range b {
		b[i] = usccAlphabet[r.IntN(len(usccAlphabet))]
	}
	c, _ := OrgCodeCheckChar(string(b[8:16]))
	b[16] = c
	cc, _ := USCCCheckChar(string(b))
	return string(b) + string(cc)
}

// TestUSCCDetectsErrors checks that generated codes are accepted, that every
// single substitution (within the alphabet or outside it) is caught (the
// weights are nonzero mod the prime 31), and that swapping two adjacent
// different characters among the first 17 is caught (adjacent weights
// differ). A swap of characters 17 and 18 is not always caught, so it is not
// tested.
func TestUSCCDetectsErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	codes := append([]string(nil), realUSCCs...)
	for range 200 {
		codes = append(codes, randomUSCC(r))
	}
	const printable = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_ ."
	for _, s := range codes {
		if err := USCC(s); err != nil {
			t.Fatalf("USCC(%q) = %v", s, err)
		}
		b := []byte(s)
		for i := range b {
			orig := b[i]
			for j := 0; j < len(printable); j++ {
				if printable[j] == orig {
					continue
				}
				b[i] = printable[j]
				if USCC(string(b)) == nil {
					t.Errorf("USCC accepts %q, a substitution at position %d of %q", b, i+1, s)
				}
			}
			b[i] = orig
		}
		for i := 0; i+1 < 17; i++ {
			if b[i] == b[i+1] {
				continue
			}
			b[i], b[i+1] = b[i+1], b[i]
			if USCC(string(b)) == nil {
				t.Errorf("USCC accepts %q, a transposition at %d of %q", b, i+1, s)
			}
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
}

func FuzzUSCC(f *testing.F) {
	for _, s := range realUSCCs {
		f.Add(s)
	}
	f.Add("91100000100003962t")
	f.Add("914403001922038217")
	f.Add("")
	f.Add("91440300192203821统")
	f.Fuzz(func(t *testing.T, s string) {
		err := USCC(s)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if len(s) != 18 {
			t.Fatalf("USCC accepts %q of %d bytes", s, len(s))
		}
		c, ok := USCCCheckChar(s[:17])
		o, ook := OrgCodeCheckChar(s[8:16])
		if !ok || c != s[17] || !ook || o != s[16] {
			t.Fatalf("USCC accepts %q but its check characters are %q, %q", s, c, o)
		}
	})
}

func BenchmarkUSCC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := USCC("914403001922038216"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidatorsDoNotAllocate(t *testing.T) {
	funcs := map[string]func() error{
		"ID":       func() error { return ID("C-0001.x") },
		"USCC":     func() error { return USCC("914403001922038216") },
		"LEI":      func() error { return LEI("529900T8BM49AURSDO55") },
		"Country":  func() error { return Country("CN") },
		"Currency": func() error { return Currency("CNY") },
		"Industry": func() error { return Industry("C3612") },
		"Date":     func() error { return Date("2024-02-29") },
		"Period":   func() error { return Period("2024-02") },
		"Bool":     func() error { _, err := Bool("TRUE"); return err },
		"LEICheckDigits": func() error {
			if cd, ok := LEICheckDigits("529900T8BM49AURSDO"); !ok || cd != "55" {
				return errors.New("LEICheckDigits failed")
			}
			return nil
		},
	}
	for name, fn := range funcs {
		n := testing.AllocsPerRun(100, func() {
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		})
		if n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", name, n)
		}
	}
}

// realLEIs are Legal Entity Identifiers published by GLEIF.
var realLEIs = []string{
	"5493001KJTIIGC8Y1R12", // GLEIF's documentation example
	"529900T8BM49AURSDO55", // Deutsche Börse AG
	"5493002ERZU2K9PZDL40", // Industrial and Commercial Bank of China
	"54930053HGCFWVHYZX42", // Bank of China
}

func TestLEI(t *testing.T) {
	for _, s := range realLEIs {
		checkErr(t, LEI(s), "")
	}
	tests := []struct {
		s, err string
	}{
		{"", "LEI has 0 characters; expected 20"},
		{"529900T8BM49AURSDO5", "LEI has 19 characters; expected 20"},
		{"529900T8BM49AURSDO555", "LEI has 21 characters; expected 20"},
		{"529900t8bm49aursdo55", "LEI must be upper case"},
		{"529900T8BM49AURSD-55", `character '-' at position 18 is not allowed in an LEI; expected 0-9 and A-Z`},
		{"529900T8BM49AURSÖ55", `character 'Ö' at position 17`},
		{"529900T8BM49AURSDO5A", "LEI check digits (characters 19-20) must be digits"},
		{"529900T8BM49AURSDOA5", "LEI check digits (characters 19-20) must be digits"},
		{"529900T8BM49AURSDO56", `LEI check digits are "56", expected "55"`},
		{"529900T8BM49AURSDP55", `LEI check digits are "55", expected`},
		{"5493001KJTIIGC8Y1R21", `LEI check digits are "21", expected "12"`},
	}
	for _, tt := range tests {
		checkErr(t, LEI(tt.s), tt.err)
	}
}

// mod97Big computes s (letters as 10-35) mod 97 with math/big.
func mod97Big(s string) int64 {
	var digits strings.Builder
	for i := 0; i < len(s); i++ {
		digits.WriteString(big.NewInt(int64(alnumValue[s[i]])).String())
	}
	n, _ := new(big.Int).SetString(digits.String(), 10)
	return new(big.Int).Mod(n, big.NewInt(97)).Int64()
}

func TestLEICheckDigits(t *testing.T) {
	for _, s := range realLEIs {
		if cd, ok := LEICheckDigits(s[:18]); !ok || cd != s[18:] {
			t.Errorf("LEICheckDigits(%q) = %q, %v; want %q", s[:18], cd, ok, s[18:])
		}
	}
	tests := []struct {
		first18, want string
		ok            bool
	}{
		// 0 followed by "00" is 0: 98 - 0 = 98.
		{"000000000000000000", "98", true},
		// 1 followed by "00" is 100, mod 97 = 3: 98 - 3 = 95.
		{"000000000000000001", "95", true},
		// 97 followed by "00" is 0 mod 97: 98.
		{"000000000000000097", "98", true},
		// 96 followed by "00" is 9600, mod 97 = 94: 98 - 94 = 04 (zero-padded).
		{"000000000000000096", "04", true},
		{"", "", false},
		{"529900T8BM49AURSD", "", false},
		{"529900T8BM49AURSDO5", "", false},
		{"529900t8BM49AURSDO", "", false},
		{"529900T8BM49AURS-O", "", false},
	}
	for _, tt := range tests {
		cd, ok := LEICheckDigits(tt.first18)
		if cd != tt.want || ok != tt.ok {
			t.Errorf("LEICheckDigits(%q) = %q, %v; want %q, %v", tt.first18, cd, ok, tt.want, tt.ok)
		}
	}
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// TestLEIDetectsErrors checks that generated LEIs are accepted and that these
// single substitutions are caught: any change of the first character, and
// anywhere a digit for another digit or a letter for another letter (the
// number changes by a multiple of a power of ten smaller than 97 in size,
// and 97 is prime). A digit replaced by a letter or the reverse changes the
// length of the number, and is not always caught (see
// TestLEIMissesSomeClassChanges).
func TestLEIDetectsErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	leis := append([]string(nil), realLEIs...)
	for range 300 {
		b := make([]byte, 18)
		for i := range b {
			b[i] = alnum[r.IntN(len(alnum))]
		}
		cd, ok := LEICheckDigits(string(b))
		if !ok {
			t.Fatalf("LEICheckDigits(%q) failed", b)
		}
		leis = append(leis, string(b)+cd)
	}
	for _, s := range leis {
		if err := LEI(s); err != nil {
			t.Fatalf("LEI(%q) = %v", s, err)
		}
		if m := mod97Big(s); m != 1 {
			t.Fatalf("%q mod 97 = %d by math/big, want 1", s, m)
		}
		b := []byte(s)
		for i := range b {
			orig := b[i]
			for j := 0; j < len(alnum); j++ {
				c := alnum[j]
				if c == orig || (i > 0 && isDigit(c) != isDigit(orig)) {
					continue
				}
				b[i] = c
				if LEI(string(b)) == nil {
					t.Errorf("LEI accepts %q, a substitution at position %d of %q", b, i+1, s)
				}
			}
			b[i] = orig
		}
	}
}

// TestLEIMissesSomeClassChanges documents the limit of MOD 97-10: replacing a
// digit by a letter can keep the check valid.
func TestLEIMissesSomeClassChanges(t *testing.T) {
	s := "529900T8BM49AURSDO55"
	found := ""
	for i := 1; i < 18 && found == ""; i++ {
		for j := 0; j < len(alnum) && found == ""; j++ {
			b := []byte(s)
			b[i] = alnum[j]
			if b[i] != s[i] && isDigit(b[i]) != isDigit(s[i]) && mod97Big(string(b)) == 1 {
				found = string(b)
			}
		}
	}
	if found == "" {
		t.Fatal("expected an undetected digit-letter substitution for this LEI")
	}
	if err := LEI(found); err != nil {
		t.Errorf("LEI(%q) = %v, but it passes MOD 97-10 by math/big", found, err)
	}
}

func FuzzLEI(f *testing.F) {
	for _, s := range realLEIs {
		f.Add(s)
	}
	f.Add("529900t8bm49aursdo55")
	f.Add("529900T8BM49AURSDO5A")
	f.Add("")
	f.Add("529900T8BM49AURSÖ55")
	f.Fuzz(func(t *testing.T, s string) {
		err := LEI(s)
		ok := len(s) == 20 && isDigit(s[18]) && isDigit(s[19])
		for i := 0; i < len(s); i++ {
			ok = ok && strings.IndexByte(alnum, s[i]) >= 0
		}
		ok = ok && mod97Big(s) == 1
		if (err == nil) != ok {
			t.Fatalf("LEI(%q) = %v, want ok=%v", s, err, ok)
		}
		if err != nil {
			checkInvalid(t, err)
		}
	})
}
