package kamp_test

import (
	"encoding/csv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// TestNeedsQuotes compares NeedsQuotes with the plain rule on random
// strings of every length around the eight-byte steps, each special byte
// at every place.
func TestNeedsQuotes(t *testing.T) {
	plain := func(f string) bool {
		return f != "" && (f[0] == ' ' || f[0] == '\t' || strings.ContainsAny(f, ",\"\r\n"))
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("aZ09._-中\x80\xff\x00 \t,\"\r\n")
	for n := 0; n < 40; n++ {
		for range 300 {
			b := make([]byte, n)
			for i := range b {
				// Mostly plain bytes, so that most strings need no quotes.
				if r.IntN(n+4) == 0 {
					b[i] = alphabet[r.IntN(len(alphabet))]
				} else {
					b[i] = alphabet[r.IntN(8)]
				}
			}
			f := string(b)
			if got, want := kamp.NeedsQuotes(f), plain(f); got != want {
				t.Fatalf("NeedsQuotes(%q) = %v, want %v", f, got, want)
			}
		}
	}
}

// TestAppendCSVField checks that fields read back as written.
func TestAppendCSVField(t *testing.T) {
	for _, f := range []string{"", "E0001", "a,b", `say "hi"`, " lead", "\ttab", "two\nlines", "cr\r", "中文名称有限公司", "x,", `"`} {
		line := kamp.AppendCSVField([]byte("k,"), f)
		line = append(line, ",z\n"...)
		rec, err := csv.NewReader(strings.NewReader(string(line))).Read()
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if len(rec) != 3 || rec[1] != strings.ReplaceAll(f, "\r\n", "\n") {
			t.Errorf("AppendCSVField(%q) = %q, read back as %q", f, line, rec)
		}
	}
}

func BenchmarkNeedsQuotes(b *testing.B) {
	ids := []string{"E0000001", "E0123456789", "91110000MA01ABCD2X", "北京某某科技有限公司"}
	for b.Loop() {
		for _, id := range ids {
			if kamp.NeedsQuotes(id) {
				b.Fatal(id)
			}
		}
	}
}
