package check

import (
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

func TestParseFixed(t *testing.T) {
	tests := []struct {
		s        string
		scale    int
		allowNeg bool
		want     int64
		err      string
	}{
		{"0", 4, false, 0, ""},
		{"1", 4, false, 10000, ""},
		{"12.5", 4, false, 125000, ""},
		{"007.50", 4, false, 75000, ""},
		{"0.0001", 4, false, 1, ""},
		{"1234.5678", 4, false, 12345678, ""},
		{"-1234.5678", 4, true, -12345678, ""},
		{"-0", 4, true, 0, ""},
		{"-0.0000", 4, true, 0, ""},
		{"100", 6, false, 100_000_000, ""},
		{"33.333333", 6, false, 33_333_333, ""},
		{"7.1234567891", 10, false, 71_234_567_891, ""},
		{"42", 0, true, 42, ""},
		{"-42", 0, true, -42, ""},
		{"000000000000000000000000000001", 0, false, 1, ""},
		{"922337203685477.5807", 4, false, math.MaxInt64, ""},
		{"-922337203685477.5808", 4, true, math.MinInt64, ""},
		{"9223372036854775807", 0, false, math.MaxInt64, ""},
		{"-9223372036854775808", 0, true, math.MinInt64, ""},
		{"9.223372036854775807", 18, false, math.MaxInt64, ""},
		{"0.000000000000000001", 18, false, 1, ""},

		{"", 4, true, 0, "empty number"},
		{"-", 4, true, 0, "no digits"},
		{".5", 4, true, 0, "missing digit before '.'"},
		{"-.5", 4, true, 0, "missing digit before '.'"},
		{"12.", 4, true, 0, "trailing '.'"},
		{"1.2.3", 4, true, 0, "more than one '.'"},
		{"1..2", 4, true, 0, "more than one '.'"},
		{"+1", 4, true, 0, "'+' sign is not allowed"},
		{"1e5", 4, true, 0, "exponent notation is not allowed"},
		{"1E5", 4, true, 0, "exponent notation is not allowed"},
		{"1,000", 4, true, 0, "no thousands separators"},
		{"1,5", 4, true, 0, "the decimal point is '.'"},
		{" 1", 4, true, 0, "spaces are not allowed"},
		{"1 ", 4, true, 0, "spaces are not allowed"},
		{"1\t", 4, true, 0, "spaces are not allowed"},
		{"1\u00a0", 4, true, 0, "spaces are not allowed"},
		{"1 000", 4, true, 0, "spaces are not allowed"},
		{"1-2", 4, true, 0, "'-' is only allowed as the first character"},
		{"--1", 4, true, 0, "'-' is only allowed as the first character"},
		{"12a", 4, true, 0, `unexpected character 'a' at position 3`},
		{"１２", 4, true, 0, `unexpected character '１' at position 1`},
		{"NaN", 4, true, 0, "unexpected character 'N'"},
		{"0x10", 4, true, 0, "unexpected character 'x'"},
		{"-1", 4, false, 0, "must not be negative"},
		{"-0", 4, false, 0, "must not be negative"},
		{"1.23456", 4, true, 0, "more than 4 decimals"},
		{"1.00000", 4, true, 0, "more than 4 decimals"},
		{"1.5", 0, true, 0, "decimals are not allowed"},
		{"1.1234567", 6, true, 0, "more than 6 decimals"},
		{"922337203685477.5808", 4, true, 0, "out of range"},
		{"-922337203685477.5809", 4, true, 0, "out of range"},
		{"9223372036854775808", 0, true, 0, "out of range"},
		{"10", 18, true, 0, "at most 9.223372036854775807"},
		{"99999999999999999999999999", 0, true, 0, "out of range"},
		{"1", -1, true, 0, "scale -1 is out of range"},
		{"1", 19, true, 0, "scale 19 is out of range"},
	}
	for _, tt := range tests {
		got, err := ParseFixed(tt.s, tt.scale, tt.allowNeg)
		checkErr(t, err, tt.err)
		if err == nil && got != tt.want {
			t.Errorf("ParseFixed(%q, %d, %v) = %d, want %d", tt.s, tt.scale, tt.allowNeg, got, tt.want)
		}
		if err != nil && got != 0 {
			t.Errorf("ParseFixed(%q, %d, %v) = %d with an error, want 0", tt.s, tt.scale, tt.allowNeg, got)
		}
	}
}

// numberSyntax is the number grammar of data-formats.md, for the oracle.
var numberSyntax = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// parseFixedOracle is a slow, obviously right ParseFixed built on math/big.
func parseFixedOracle(s string, scale int, allowNeg bool) (int64, bool) {
	if !numberSyntax.MatchString(s) || (!allowNeg && s[0] == '-') {
		return 0, false
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s)-i-1 > scale {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// checkParseFixed compares ParseFixed with the oracle and checks that an
// accepted value round-trips through kamp.FormatFixed.
func checkParseFixed(t *testing.T, s string, scale int, allowNeg bool) {
	t.Helper()
	got, err := ParseFixed(s, scale, allowNeg)
	want, ok := parseFixedOracle(s, scale, allowNeg)
	if (err == nil) != ok || got != want {
		t.Fatalf("ParseFixed(%q, %d, %v) = %d, %v; oracle says %d, %v", s, scale, allowNeg, got, err, want, ok)
	}
	if err != nil {
		if kamp.ErrorCode(err) != kamp.EINVALID {
			t.Fatalf("ParseFixed(%q): error code %s", s, kamp.ErrorCode(err))
		}
		return
	}
	f := kamp.FormatFixed(got, scale)
	back, err := ParseFixed(f, scale, true)
	if err != nil || back != got {
		t.Fatalf("ParseFixed(%q) = %d, formatted %q, parsed back %d, %v", s, got, f, back, err)
	}
}

func TestParseFixedMatchesOracle(t *testing.T) {
	inputs := []string{"0", "-0", "1", "10", "-10", "0.5", "00.50", "1.0001", "123456789.123456789",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"922337203685477.5807", "922337203685477.5808", "92233720368547.75807", "0.1234567890123456789",
		"1.", ".1", "+1", "1e3", "", "-", "1-", "٣",
		// Around the 18 digits of the fast path.
		"999999999999999999", "9999999999999999999", "99999999999999.9999", "999999999999999.9999",
		"0000000000000000001", "1.000000000000000000", "12345678901234.5678", "1..2", "1.2.3", "0.", "00"}
	for _, s := range inputs {
		for scale := 0; scale <= MaxScale; scale++ {
			checkParseFixed(t, s, scale, true)
			checkParseFixed(t, s, scale, false)
		}
	}
}

func FuzzParseFixed(f *testing.F) {
	for _, s := range []string{"0", "-0", "12.5", "007.50", "-1234.5678", "922337203685477.5807",
		"-922337203685477.5808", "1.", ".5", "+1", "1e5", "1,000", " 1", "1.23456", "--1", "9999999999999999999"} {
		f.Add(s, uint8(4), true)
		f.Add(s, uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, s string, scale uint8, allowNeg bool) {
		checkParseFixed(t, s, int(scale)%(MaxScale+1), allowNeg)
	})
}

func TestParseFixedDoesNotAllocate(t *testing.T) {
	var sink int64
	n := testing.AllocsPerRun(100, func() {
		v, err := ParseFixed("-1234567.8901", kamp.AmountScale, true)
		if err != nil {
			t.Fatal(err)
		}
		sink += v
	})
	if n != 0 {
		t.Errorf("ParseFixed allocates %v times per call, want 0", n)
	}
	_ = sink
}

func BenchmarkParseFixed(b *testing.B) {
	for _, s := range []string{"0", "1234567.89", "-98765432.1234"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseFixed(s, kamp.AmountScale, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
