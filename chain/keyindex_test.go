package chain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kampbank/kamp/names"
)

// TestNameIndexMatchesNames checks NameIndex against names.Index on names
// of which many share a match key, some have an empty one, and keys of
// every length around the hash's eight-byte steps.
func TestNameIndexMatchesNames(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ns []string
	for i := range 5000 {
		switch r.IntN(6) {
		case 0:
			ns = append(ns, variant(r, baseNames[r.IntN(len(baseNames))]))
		case 1:
			ns = append(ns, " （） ")
		case 2:
			ns = append(ns, fmt.Sprintf("%0*d", 1+i%20, i%700))
		default:
			ns = append(ns, fmt.Sprintf("公司%d号有限公司", r.IntN(3000)))
		}
	}
	want := names.NewIndex(ns)
	got := IndexNames(ns)
	probes := append(slices.Clone(ns), "外部供应商", "", "x", "公司99999号有限公司", "12345678", "123456789")
	var buf []byte
	for _, p := range probes {
		buf = names.AppendMatchKey(buf[:0], p)
		we, wm := want.Lookup(buf)
		ge, gm := got.Lookup(buf)
		if we != ge || wm != gm {
			t.Fatalf("Lookup(%q) = %d %v, want %d %v", buf, ge, gm, we, wm)
		}
		if w, g := want.Entities(string(buf)), got.Entities(string(buf)); !slices.Equal(w, g) {
			t.Fatalf("Entities(%q) = %v, want %v", buf, g, w)
		}
	}
	if len(got.groups) == 0 || len(got.groups) != len(want.AmbiguousKeys()) {
		t.Fatalf("%d ambiguous keys, want %d (and some)", len(got.groups), len(want.AmbiguousKeys()))
	}
}
