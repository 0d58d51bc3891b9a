package chain

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kampbank/kamp"
)

// TestAddIndexedMatchesAdd checks that payments added with their id sides
// resolved by the caller give exactly what Add gives, and that a wrong index
// is refused without changing anything.
func TestAddIndexedMatchesAdd(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		w := newRandomWorld(seed, 40, 500)
		want := run(t, w.in, w.payments)
		wantE, wantP := csvBody(t, want)
		a, err := New(w.in)
		if err != nil {
			t.Fatal(err)
		}
		index := func(id string) int32 {
			if id == "" {
				return -1
			}
			return int32(slices.Index(w.in.IDs, id))
		}
		for _, p := range w.payments {
			if err := a.AddIndexed(p, index(p.PayerID), index(p.PayeeID)); err != nil {
				t.Fatalf("seed %d: AddIndexed(%+v): %v", seed, p, err)
			}
		}
		got, err := a.Result()
		if err != nil {
			t.Fatal(err)
		}
		gotE, gotP := csvBody(t, got)
		if gotE != wantE || gotP != wantP || got.Stats != want.Stats || fmt.Sprint(got.Ambiguous) != fmt.Sprint(want.Ambiguous) {
			t.Fatalf("seed %d: AddIndexed and Add disagree", seed)
		}
	}
	w := newRandomWorld(3, 40, 10)
	a, err := New(w.in)
	if err != nil {
		t.Fatal(err)
	}
	p := kamp.Payment{TxnID: "T", Date: "2026-01-05", PayerID: w.in.IDs[1], PayeeName: "某某有限公司", Amount: 10000, Currency: "CNY"}
	for _, c := range []struct{ payer, payee int32 }{{2, -1}, {-1, -1}, {1, 0}, {int32(len(w.in.IDs)), -1}} {
		if err := a.AddIndexed(p, c.payer, c.payee); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("AddIndexed with indexes %d, %d: %v, want EINVALID", c.payer, c.payee, err)
		}
	}
	if a.Stats().Payments != 0 {
		t.Errorf("refused payments were counted: %+v", a.Stats())
	}
}
