package names

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestMatchKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"already a key", "华为技术有限公司", "华为技术有限公司"},
		{"llc suffix shortened", "华为技术有限责任公司", "华为技术有限公司"},
		{"joint stock stays", "中国建设银行股份有限公司", "中国建设银行股份有限公司"},
		{"llc only at the end", "有限责任公司北京办事处", "有限责任公司北京办事处"},
		{"llc after brackets removed", "上海某某有限责任公司（）", "上海某某有限公司"},
		{"llc with inner spaces", "某某有限 责任公司", "某某有限公司"},
		{"full-width brackets removed", "北京（中关村）科技有限公司", "北京中关村科技有限公司"},
		{"ascii brackets removed", "北京(中关村)科技[集团]{x}", "北京中关村科技集团x"},
		{"cjk brackets removed", "【测试】〔甲〕〖乙〗公司", "测试甲乙公司"},
		{"other punctuation kept", "某某·商贸、有限公司", "某某·商贸、有限公司"},
		{"full-width letters and digits", "ＡＢＣ１２３公司", "abc123公司"},
		{"full-width punctuation", "Ａ＆Ｂ，Ｃ．", "a&b,c."},
		{"ideographic space removed", "华为\u3000技术", "华为技术"},
		{"ascii white space removed", " Huawei \t Tech\r\nCo ", "huaweitechco"},
		{"unicode spaces removed", "a\u00a0b\u2003c\u2028d\u0085e", "abcde"},
		{"ascii lower-cased only", "ÄBC ωmega", "Äbcωmega"},
		{"non-ascii case kept", "ΩMEGA", "Ωmega"},
		{"zero-width space kept", "a\u200bb", "a\u200bb"},
		{"full-width space-like U+FF3F", "a＿b", "a_b"},
		{"boundary U+FF00 kept", "\uff00", "\uff00"},
		{"boundary U+FF5F kept", "\uff5f", "\uff5f"},
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"only brackets", "（ ）", ""},
		{"double llc suffix", "有限责任公司有限责任公司", "有限责任公司有限公司"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchKey(tt.in); got != tt.want {
				t.Errorf("MatchKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := string(AppendMatchKey([]byte("x"), tt.in)); got != "x"+tt.want {
				t.Errorf("AppendMatchKey(x, %q) = %q, want %q", tt.in, got, "x"+tt.want)
			}
		})
	}
}

// TestMatchKeyEveryRune checks the key of every rune up to U+FFFF alone and
// between letters, against the rules decoded one rune at a time: the
// three-byte fast path must agree with them. It also checks truncated and
// surrogate sequences, which must become U+FFFD byte by byte.
func TestMatchKeyEveryRune(t *testing.T) {
	for r := rune(0x80); r <= 0xffff; r++ {
		if 0xd800 <= r && r <= 0xdfff {
			continue
		}
		want := string(r)
		switch {
		case 0xff01 <= r && r <= 0xff5e:
			continue // full-width forms: TestMatchKey
		case unicode.IsSpace(r) || wideDropped(r):
			want = ""
		}
		for _, in := range []string{string(r), "a" + string(r) + "b"} {
			w := want
			if len(in) > len(string(r)) {
				w = "a" + want + "b"
			}
			if got := MatchKey(in); got != w {
				t.Fatalf("MatchKey(%q) = %q, want %q", in, got, w)
			}
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"\xe4\xb8", "\ufffd\ufffd"},
		{"a\xe4\xb8", "a\ufffd\ufffd"},
		{"\xe4\xb8\xe4\xb8\xad", "\ufffd\ufffd中"},
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"\xed\x9f\xbf", "\ud7ff"},
		{"\xee\x80\x80", "\ue000"},
		{"\xe4\x41\x80", "\ufffda\ufffd"},
	} {
		if got := MatchKey(tc.in); got != tc.want {
			t.Errorf("MatchKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMatchKeyNoAllocs(t *testing.T) {
	key := "华为技术有限公司"
	if n := testing.AllocsPerRun(100, func() { _ = MatchKey(key) }); n != 0 {
		t.Errorf("MatchKey of a key: %v allocations, want 0", n)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendMatchKey(buf[:0], "（北京）ＡＢＣ 有限责任公司") }); n != 0 {
		t.Errorf("AppendMatchKey with capacity: %v allocations, want 0", n)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"llc", "华为技术有限责任公司", "华为技术有限公司"},
		{"llc traditional", "華為技術有限責任公司", "華為技術有限公司"},
		{"joint stock stays", "中国建设银行股份有限公司", "中国建设银行股份有限公司"},
		{"joint stock short form", "中国平安股份公司", "中国平安股份有限公司"},
		{"limited partnership", "宁波某某投资合伙企业（有限合伙）", "宁波某某投资合伙企业有限合伙"},
		{"punctuation removed", "某某·商贸、“甲乙”有限公司。", "某某商贸甲乙有限公司"},
		{"nfkc full width", "ＡＢＣ　Ｔｅｃｈ", "abctech"},
		{"nfkc compatibility", "㈱ﬁ①", "株fi1"},
		{"co ltd", "Acme Co., Ltd.", "acmecoltd"},
		{"company limited", "ACME Company Limited", "acmecoltd"},
		{"limited", "Acme Limited", "acmeltd"},
		{"corporation", "Acme Corporation", "acmecorp"},
		{"non-ascii lower", "ΩMEGA Ä", "ωmegaä"},
		{"accent composed after space removed", "e \u0301", "é"},
		{"control and format removed", "a\u0007b\u200bc", "abc"},
		{"invalid utf-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormalizeRefinesMatchKey checks that names with equal match keys have
// equal normal forms on realistic name variants.
func TestNormalizeRefinesMatchKey(t *testing.T) {
	groups := [][]string{
		{"华为技术有限公司", "华为技术有限责任公司", "华为 技术（有限公司）", "【华为】技术有限公司"},
		{"ABC Trading Co", "abc trading co", "ＡＢＣ　Ｔｒａｄｉｎｇ　Ｃｏ", "(ABC) Trading Co"},
	}
	for _, g := range groups {
		for _, n := range g[1:] {
			if MatchKey(n) != MatchKey(g[0]) {
				t.Fatalf("MatchKey(%q) = %q, MatchKey(%q) = %q: the test data is wrong", n, MatchKey(n), g[0], MatchKey(g[0]))
			}
			if Normalize(n) != Normalize(g[0]) {
				t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q", n, Normalize(n), g[0], Normalize(g[0]))
			}
		}
	}
}

func TestBranch(t *testing.T) {
	tests := []struct {
		name, in, parent string
		ok               bool
	}{
		{"branch company", "华为技术有限公司北京分公司", "华为技术有限公司", true},
		{"bank branch", "中国银行上海市分行", "中国银行", true},
		{"sub-branch of a branch", "中国工商银行股份有限公司北京市分行海淀支行", "中国工商银行股份有限公司", true},
		{"bracketed locality", "某某科技有限公司（深圳）分公司", "某某科技有限公司", true},
		{"group", "某某集团上海分公司", "某某集团", true},
		{"group company", "某某集团有限公司上海分公司", "某某集团有限公司", true},
		{"traditional bank", "中國銀行香港分行", "中國銀行", true},
		{"white space trimmed", "  中国银行 上海分行 ", "中国银行", true},
		{"no parent marker", "华为北京分公司", "", false},
		{"bare marker", "公司分公司", "", false},
		{"not a branch", "华为技术有限公司", "", false},
		{"bank itself", "中国建设银行", "", false},
		{"branch word inside", "分公司管理咨询有限公司", "", false},
		{"empty", "", "", false},
		{"suffix only", "分行", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := Branch(tt.in)
			if p != tt.parent || ok != tt.ok {
				t.Errorf("Branch(%q) = %q, %v; want %q, %v", tt.in, p, ok, tt.parent, tt.ok)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	ents := []string{
		"华为技术有限公司",    // 0
		"甲乙有限责任公司",    // 1: key 甲乙有限公司
		"甲乙有限公司",      // 2: same key as 1
		"（ ）",         // 3: empty key, never matched
		"ACME Corp",   // 4
		"甲乙（有限公司）",    // 5: same key as 1 and 2
		"Solo Trader", // 6
	}
	x := NewIndex(ents)
	tests := []struct {
		name  string
		query string
		want  int32
		match Match
	}{
		{"exact", "华为技术有限公司", 0, Unique},
		{"variant of a known name", "华为技术有限责任公司", 0, Unique},
		{"full-width variant", "ＡＣＭＥ　ｃｏｒｐ", 4, Unique},
		{"ambiguous", "甲乙有限公司", -1, Ambiguous},
		{"unknown", "不存在的公司", -1, NoMatch},
		{"empty key", "()", -1, NoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, m := x.Resolve(tt.query)
			if got != tt.want || m != tt.match {
				t.Errorf("Resolve(%q) = %d, %v; want %d, %v", tt.query, got, m, tt.want, tt.match)
			}
		})
	}
	if got, want := x.AmbiguousKeys(), []string{"甲乙有限公司"}; !slices.Equal(got, want) {
		t.Errorf("AmbiguousKeys() = %q, want %q", got, want)
	}
	if got, want := x.Entities("甲乙有限公司"), []int32{1, 2, 5}; !slices.Equal(got, want) {
		t.Errorf("Entities(ambiguous) = %v, want %v", got, want)
	}
	if got, want := x.Entities("acmecorp"), []int32{4}; !slices.Equal(got, want) {
		t.Errorf("Entities(acmecorp) = %v, want %v", got, want)
	}
	if got := x.Entities("nothing"); got != nil {
		t.Errorf("Entities(nothing) = %v, want nil", got)
	}
	if n := testing.AllocsPerRun(100, func() { x.Resolve("华为技术有限责任公司") }); n != 0 {
		t.Errorf("Resolve: %v allocations, want 0", n)
	}
}

func TestMatchString(t *testing.T) {
	for m, want := range map[Match]string{NoMatch: "none", Unique: "unique", Ambiguous: "ambiguous"} {
		if m.String() != want {
			t.Errorf("Match(%d).String() = %q, want %q", m, m.String(), want)
		}
	}
	for r, want := range map[Reason]string{SameKey: "same_key", SameNormal: "same_normal", ParentOf: "parent"} {
		if r.String() != want {
			t.Errorf("Reason(%d).String() = %q, want %q", r, r.String(), want)
		}
	}
}

func TestSuggest(t *testing.T) {
	ents := []string{
		"中国银行股份有限公司",           // 0
		"中国银行股份公司",             // 1: same normal form as 0, other key
		"华为技术有限公司",             // 2
		"华为技术有限责任公司",           // 3: same key as 2
		"Acme Co., Ltd.",       // 4
		"ACME Company Limited", // 5: same normal form as 4
	}
	s := NewSuggester(ents)
	tests := []struct {
		name string
		in   string
		want []Suggestion
	}{
		{"ambiguous key: all candidates", "华为技术有限公司", []Suggestion{{2, SameKey}, {3, SameKey}}},
		{"same key then same normal", "中国银行股份有限公司", []Suggestion{{0, SameKey}, {1, SameNormal}}},
		{"normal form only", "acme co ltd", []Suggestion{{4, SameNormal}, {5, SameNormal}}},
		{"branch to parent", "中国银行股份有限公司上海市分行", []Suggestion{{0, ParentOf}, {1, ParentOf}}},
		{"nothing", "无名公司", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Suggest(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Suggest(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

var fuzzSeeds = []string{
	"", "华为技术有限责任公司", "中国建设银行股份有限公司", "ＡＢＣ（北京）\u3000有限公司",
	"【测试】〔甲〕〖乙〗", "a\xffb\xe6", "e \u0301", "宁波某某投资合伙企业（有限合伙）",
	"中国工商银行股份有限公司北京市分行海淀支行", "Acme Co., Ltd.", "有限责任公司有限责任公司",
	"\xef\xbc \xa1", "有限责任 公司", "㈱ﬁ①", "ΩMEGA\u00a0Ä",
}

func FuzzMatchKey(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := MatchKey(s)
		if !utf8.ValidString(k) {
			t.Fatalf("MatchKey(%q) = %q is not valid UTF-8", s, k)
		}
		if k2 := MatchKey(k); k2 != k {
			t.Fatalf("MatchKey not idempotent: %q -> %q -> %q", s, k, k2)
		}
		if got := string(AppendMatchKey([]byte("p"), s)); got != "p"+k {
			t.Fatalf("AppendMatchKey(p, %q) = %q, want %q", s, got, "p"+k)
		}
		if strings.ContainsAny(k, " ()[]{}【】〔〕〖〗\u3000") || strings.HasSuffix(k, SuffixLLC) {
			t.Fatalf("MatchKey(%q) = %q keeps a character or suffix it should remove", s, k)
		}
		if utf8.ValidString(s) && utf8.RuneCountInString(k) > utf8.RuneCountInString(s) {
			t.Fatalf("MatchKey(%q) = %q is longer in runes", s, k)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, n2)
		}
	})
}

func FuzzBranch(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := Branch(s)
		if !ok {
			if p != "" {
				t.Fatalf("Branch(%q) = %q, false: parent without ok", s, p)
			}
			return
		}
		if p == "" || !strings.Contains(s, p) || len(p) >= len(strings.TrimSpace(s)) {
			t.Fatalf("Branch(%q) = %q is not a proper part of the name", s, p)
		}
	})
}

func BenchmarkMatchKey(b *testing.B) {
	inputs := []string{"华为技术有限公司", "ＡＢＣ（北京）\u3000科技有限责任公司", "Shenzhen Acme Trading Co Ltd"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = AppendMatchKey(buf[:0], inputs[i%len(inputs)])
	}
}
