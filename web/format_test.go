package web

import (
	"io/fs"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kampbank/kamp"
)

// yuan makes an Amount of whole yuan.
func yuan(v int64) kamp.Amount { return kamp.Amount(v * 10_000) }

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		name     string
		a        kamp.Amount
		unit     Unit
		want     string
		wantUnit Unit
	}{
		{"zero", 0, UnitAuto, "0.00", UnitWan},
		{"12,345,600 yuan in 万元", yuan(12_345_600), UnitAuto, "1,234.56", UnitWan},
		{"rounds half up in 万元", yuan(12_345_650), UnitAuto, "1,234.57", UnitWan},
		{"just below 1e8 stays 万元", yuan(99_999_999), UnitAuto, "10,000.00", UnitWan},
		{"1e8 switches to 亿元", yuan(100_000_000), UnitAuto, "1.00", UnitYi},
		{"1,234,567,890 yuan in 亿元", yuan(1_234_567_890), UnitAuto, "12.35", UnitYi},
		{"negative 亿元 by magnitude", yuan(-1_234_567_890), UnitAuto, "-12.35", UnitYi},
		{"negative 万元", yuan(-50_000), UnitAuto, "-5.00", UnitWan},
		{"tiny negative rounds to zero without sign", kamp.Amount(-1), UnitAuto, "0.00", UnitWan},
		{"half a hundredth rounds away from zero", kamp.Amount(-500_000), UnitWan, "-0.01", UnitWan},
		{"full yuan", kamp.Amount(12_345_678), UnitYuan, "1,234.57", UnitYuan},
		{"full yuan keeps big numbers", yuan(1_234_567_890), UnitYuan, "1,234,567,890.00", UnitYuan},
		{"forced 亿元 for a small amount", yuan(5_000_000), UnitYi, "0.05", UnitYi},
		{"largest amount", kamp.Amount(math.MaxInt64), UnitAuto, "9,223,372.04", UnitYi},
		{"smallest amount", kamp.Amount(math.MinInt64), UnitYuan, "-922,337,203,685,477.58", UnitYuan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, u := FormatAmount(tt.a, tt.unit)
			if got != tt.want || u != tt.wantUnit {
				t.Errorf("FormatAmount(%d, %d) = %q, %d; want %q, %d", tt.a, tt.unit, got, u, tt.want, tt.wantUnit)
			}
		})
	}
}

func TestAmountHTML(t *testing.T) {
	tests := []struct {
		lang     string
		a        kamp.Amount
		unit     Unit
		currency string
		want     string
	}{
		{LangZH, yuan(12_345_600), UnitAuto, "CNY", `<span class="amt" title="12345600 CNY">1,234.56 <span class="unit">万元</span></span>`},
		{LangZH, yuan(1_234_567_890), UnitAuto, "", `<span class="amt" title="1234567890 CNY">12.35 <span class="unit">亿元</span></span>`},
		{LangEN, kamp.Amount(-12_345), UnitYuan, "CNY", `<span class="amt" title="-1.2345 CNY">-1.23 <span class="unit">CNY</span></span>`},
		{LangZH, yuan(20_000), UnitAuto, "USD", `<span class="amt" title="20000 USD">2.00 <span class="unit">万 USD</span></span>`},
		{LangEN, yuan(300_000_000), UnitAuto, "USD", `<span class="amt" title="300000000 USD">3.00 <span class="unit">×100M USD</span></span>`},
		{LangZH, yuan(1), UnitAuto, `<b>`, `<span class="amt" title="1 &lt;b&gt;">0.00 <span class="unit">万 &lt;b&gt;</span></span>`},
	}
	for _, tt := range tests {
		if got := string(amountHTML(tt.lang, tt.unit, tt.a, tt.currency)); got != tt.want {
			t.Errorf("amountHTML(%s, %d, %s):\n got %s\nwant %s", tt.lang, tt.a, tt.currency, got, tt.want)
		}
	}
}

func TestFormatShare(t *testing.T) {
	tests := []struct {
		s    kamp.Share
		want string
	}{
		{50_000_000, "50%"},
		{100_000_000, "100%"},
		{33_333_333, "33.3333%"},
		{66_666_667, "66.6667%"},
		{49_123_456, "49.1235%"},
		{100, "0.0001%"},
		{49, "0%"},
		{50, "0.0001%"},
		{30_500_000, "30.5%"},
		{-12_345_678, "-12.3457%"},
		{0, "0%"},
	}
	for _, tt := range tests {
		if got := FormatShare(tt.s); got != tt.want {
			t.Errorf("FormatShare(%d) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	tests := []struct {
		p    float64
		want string
	}{
		{12.34, "12.3%"},
		{12.35, "12.3%"}, // binary 12.35 is just below: the float's own rounding
		{12.36, "12.4%"},
		{100, "100.0%"},
		{0, "0.0%"},
		{-0.04, "0.0%"},
		{-5.25, "-5.2%"},
		{math.NaN(), "—"},
		{math.Inf(1), "—"},
	}
	for _, tt := range tests {
		if got := FormatPercent(tt.p); got != tt.want {
			t.Errorf("FormatPercent(%v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestFormatInt(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {1234567, "1,234,567"}, {-1234, "-1,234"},
		{math.MaxInt64, "9,223,372,036,854,775,807"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		if got := FormatInt(tt.n); got != tt.want {
			t.Errorf("FormatInt(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := formatAnyInt(12345); got != "12,345" {
		t.Errorf("formatAnyInt(int) = %q", got)
	}
}

func TestFormatDatesAndBytes(t *testing.T) {
	ts := time.Date(2026, 3, 9, 14, 5, 7, 0, time.FixedZone("CST", 8*3600))
	if got := FormatDate(ts); got != "2026-03-09" {
		t.Errorf("FormatDate = %q", got)
	}
	if got := FormatDateTime(ts); got != "2026-03-09 06:05" {
		t.Errorf("FormatDateTime = %q", got)
	}
	if FormatDate(time.Time{}) != "" || FormatDateTime(time.Time{}) != "" {
		t.Error("zero time should format as empty")
	}
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"}, {2 << 30, "2.0 GiB"}}
	for _, tt := range tests {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestNormalizeLang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", LangZH}, {"zh-CN", LangZH}, {"zh", LangZH}, {"en", LangEN}, {"EN-us", LangEN}, {"fr", LangZH}, {" en ", LangEN},
	}
	for _, tt := range tests {
		if got := NormalizeLang(tt.in); got != tt.want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCatalogueComplete(t *testing.T) {
	for key, m := range catalogue {
		if m.zh == "" || m.en == "" {
			t.Errorf("message %q lacks a language: %+v", key, m)
		}
		if strings.Count(m.zh, "%") != strings.Count(m.en, "%") {
			t.Errorf("message %q: the languages take different arguments: %q / %q", key, m.zh, m.en)
		}
	}
	if got := T(LangEN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gives %q", got)
	}
	if got := T(LangZH, "entities.total", "1,234"); got != "共 1,234 条" {
		t.Errorf("formatted message = %q", got)
	}
}

// TestTemplateKeysExist checks that every literal message key the templates
// use is in the catalogue, and every role, kind, status and language the
// templates build keys for.
func TestTemplateKeysExist(t *testing.T) {
	re := regexp.MustCompile(`\bt "([a-z0-9_.\-A-Z]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(body), -1) {
			if !HasMessage(m[1]) {
				t.Errorf("%s uses message %q, which the catalogue lacks", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var built []string
	for _, r := range []string{kamp.RoleAdmin, kamp.RoleAnalyst, kamp.RoleLeadRM, kamp.RoleBranchRM, kamp.RoleProduct, kamp.RoleSupport, kamp.RoleRisk, kamp.RoleAuditor} {
		built = append(built, "role."+r)
	}
	for _, k := range []kamp.EntityKind{kamp.KindCompany, kamp.KindPerson, kamp.KindState} {
		built = append(built, "kind."+string(k))
	}
	for _, s := range []string{kamp.ImportRunning, kamp.ImportLoaded, kamp.ImportPartial, kamp.ImportRejected, kamp.ImportFailed} {
		built = append(built, "status."+s)
	}
	for _, l := range Languages {
		built = append(built, "lang."+l)
	}
	for _, k := range []string{"entities", "ownership", "metrics", "exposures", "payments", "fx"} {
		built = append(built, "import.kind."+k)
	}
	for _, code := range []int{400, 403, 404, 409, 413, 500} {
		built = append(built, "error."+strconv.Itoa(code))
	}
	for _, it := range navigation {
		built = append(built, it.Key)
	}
	for _, k := range built {
		if !HasMessage(k) {
			t.Errorf("the catalogue lacks %q", k)
		}
	}
}

func TestUnitLabel(t *testing.T) {
	tests := []struct {
		lang     string
		u        Unit
		currency string
		want     string
	}{
		{LangZH, UnitWan, "CNY", "万元"},
		{LangZH, UnitYi, "", "亿元"},
		{LangZH, UnitYuan, "CNY", "元"},
		{LangEN, UnitWan, "CNY", "×10k CNY"},
		{LangEN, UnitYuan, "USD", "USD"},
		{LangZH, UnitYi, "HKD", "亿 HKD"},
	}
	for _, tt := range tests {
		if got := UnitLabel(tt.lang, tt.u, tt.currency); got != tt.want {
			t.Errorf("UnitLabel(%s, %d, %s) = %q, want %q", tt.lang, tt.u, tt.currency, got, tt.want)
		}
	}
}

func BenchmarkFormatAmount(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		FormatAmount(kamp.Amount(int64(i)*123_456_789), UnitAuto)
	}
}
