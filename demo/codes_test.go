package demo

import (
	"testing"

	"github.com/kampbank/kamp/check"
)

func TestPerm(t *testing.T) {
	for _, n := range []uint64{1, 2, 3, 1000, 1023, 1024, 1025, 65_537, 99_991} {
		p := newPerm(n, n*31)
		seen := make([]bool, n)
		moved := 0
		for i := range n {
			y := p.forward(i)
			if y >= n || seen[y] {
				t.Fatalf("n=%d: forward(%d) = %d out of range or repeated", n, i, y)
			}
			seen[y] = true
			if back := p.inverse(y); back != i {
				t.Fatalf("n=%d: inverse(forward(%d)) = %d", n, i, back)
			}
			if y != i {
				moved++
			}
		}
		if n >= 1000 && moved < int(n)*9/10 {
			t.Errorf("n=%d: only %d of %d indices move", n, moved, n)
		}
	}
}

func TestUSCCAndLEI(t *testing.T) {
	usccs, leis := map[string]bool{}, map[string]bool{}
	idx := []uint64{0, 1, 2, 30, 31, 999_999, 1 << 20, 9_999_999, MaxEntities - 1}
	for k := range uint64(3000) {
		idx = append(idx, (k+1)*7)
	}
	for _, i := range idx {
		for _, ma := range []bool{false, true} {
			b, err := appendUSCC(nil, "91", "440305", i, ma)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if err := check.USCC(s); err != nil {
				t.Fatalf("USCC %q of %d: %v", s, i, err)
			}
			if usccs[s] {
				t.Fatalf("USCC %q repeated", s)
			}
			usccs[s] = true
			if ma != (s[8:10] == "MA") {
				t.Fatalf("USCC %q: organisation code style, want MA=%v", s, ma)
			}
		}
		b, err := appendLEI(nil, "5493", i)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if err := check.LEI(s); err != nil || leis[s] || s[:6] != "549300" {
			t.Fatalf("LEI %q of %d: invalid, repeated or wrong prefix: %v", s, i, err)
		}
		leis[s] = true
	}
}

func TestAppendHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"cents", appendCents(nil, 12345), "123.45"},
		{"cents small", appendCents(nil, 5), "0.05"},
		{"cents negative", appendCents(nil, -5), "-0.05"},
		{"cents zero", appendCents(nil, 0), "0.00"},
		{"cents whole", appendCents(nil, 700), "7.00"},
		{"fixed whole", appendFixed(nil, 1_000_000, 4), "100"},
		{"fixed trimmed", appendFixed(nil, 675_000, 4), "67.5"},
		{"fixed four", appendFixed(nil, 333_333, 4), "33.3333"},
		{"fixed small", appendFixed(nil, 47_850, 6), "0.04785"},
		{"fixed zero", appendFixed(nil, 0, 4), "0"},
		{"id padded", appendID(nil, 'E', 42, 7), "E0000042"},
		{"id wide", appendID(nil, 'T', 12_345_678_901, 10), "T12345678901"},
		{"id zero", appendID(nil, 'F', 0, 3), "F000"},
		{"field plain", appendField(nil, []byte("华信科技有限公司")), "华信科技有限公司"},
		{"field comma", appendField(nil, []byte("Orient Star Co., Ltd.")), `"Orient Star Co., Ltd."`},
		{"field quote", appendField(nil, []byte(`a"b`)), `"a""b"`},
		{"field newline", appendField(nil, []byte("a\nb")), "\"a\nb\""},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	for n, d := range map[uint64]int{0: 1, 9: 1, 10: 2, 999_999: 6, 1_000_000: 7} {
		if digits(n) != d {
			t.Errorf("digits(%d) = %d, want %d", n, digits(n), d)
		}
	}
}

func TestLastWeekday(t *testing.T) {
	tests := []struct {
		ym   int
		want string
	}{
		{2025*12 + 9, "2025-10-31"},  // a Friday
		{2026*12 + 1, "2026-02-27"},  // the 28th is a Saturday
		{2026*12 + 4, "2026-05-29"},  // the 31st is a Sunday
		{2026*12 + 9, "2026-10-30"},  // the 31st is a Saturday
		{2024*12 + 1, "2024-02-29"},  // leap year, a Thursday
		{2025*12 + 11, "2025-12-31"}, // a Wednesday
	}
	for _, tt := range tests {
		if got := lastWeekday(tt.ym); got != tt.want {
			t.Errorf("lastWeekday(%d) = %s, want %s", tt.ym, got, tt.want)
		}
	}
}

func TestPayDays(t *testing.T) {
	for _, total := range []int64{0, 1, 365, 1_000_003} {
		days := payDays(total)
		if len(days) != 365 || days[0].date != "2025-11-01" || days[364].date != "2026-10-31" {
			t.Fatalf("payDays: %d days from %s to %s", len(days), days[0].date, days[len(days)-1].date)
		}
		var sum int64
		for _, d := range days {
			if d.count < 0 || d.month < 0 || d.month >= payMonths {
				t.Fatalf("day %+v", d)
			}
			sum += d.count
		}
		if sum != total {
			t.Errorf("payDays(%d) spreads %d payments", total, sum)
		}
	}
	days := payDays(1_000_000)
	weekday, sunday, holiday := days[2].count, days[1].count, days[334].count // 2025-11-03, 2025-11-02, 2026-10-01
	if weekday < 4*sunday || weekday < 4*holiday {
		t.Errorf("a Monday has %d payments, a Sunday %d, National Day %d", weekday, sunday, holiday)
	}
}

func TestAliasTable(t *testing.T) {
	items := []int32{10, 11, 12, 13}
	weights := map[int32]float64{10: 1, 11: 2, 12: 3, 13: 0}
	a := newAliasTable(items, func(i int32) float64 { return weights[i] })
	counts := map[int]int{}
	const n = 60_000
	for k := range uint64(n) {
		counts[a.sample(mix64(k))]++
	}
	for _, it := range items {
		want := weights[it] / 6 * n
		if got := float64(counts[int(it)]); got < want*0.95-1 || got > want*1.05+1 {
			t.Errorf("item %d drawn %v times, want about %v", it, got, want)
		}
	}
}
