package chain

import (
	"fmt"
	"testing"

	"github.com/kampbank/kamp"
)

// FuzzAdd feeds arbitrary payment fields, as they come from outside, to an
// accumulator that already holds a few payments. Add must never panic; when
// it fails it must leave the result as it was, and when it succeeds the
// result must still be well formed.
func FuzzAdd(f *testing.F) {
	seeds := []struct {
		date, payerID, payerName, payeeID, payeeName string
		amount                                       int64
		currency                                     string
	}{
		{"2024-01-05", "A1", "", "N", "", 1000, ""},
		{"2024-01-05", "", "丁贸易有限公司", "A", "", 1, "USD"},
		{"2024-02-29", "B", "", "", "戊科技有限公司", 5, "CNY"},
		{"2024-02-30", "A", "", "N", "", 1, ""},
		{"2024-01-05", "", "（）", "A", "", 1, ""},
		{"2024-01-05", "A", "", "ZZ", "x", 1, ""},
		{"2024-01-05", "A", "", "N", "", -7, ""},
		{"2024-01-05", "A", "", "N", "", 1 << 62, "USD"},
		{"9999-12-31", "", "\xff\xfe", "B1", "", 3, "GBP"},
	}
	for _, s := range seeds {
		f.Add(s.date, s.payerID, s.payerName, s.payeeID, s.payeeName, s.amount, s.currency)
	}
	in := worldInput(f, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 71_000_000_000}}
	base := []kamp.Payment{
		{TxnID: "b1", Date: "2024-01-02", PayerID: "A1", PayeeID: "N", Amount: 1e12, Currency: "USD"},
		{TxnID: "b2", Date: "2024-01-03", PayerName: "Acme", PayeeID: "B", Amount: 42},
	}
	f.Fuzz(func(t *testing.T, date, payerID, payerName, payeeID, payeeName string, amount int64, currency string) {
		a, err := New(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range base {
			if err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		before, err := a.Result()
		if err != nil {
			t.Fatal(err)
		}
		wantE, wantP := csvBody(t, before)
		p := kamp.Payment{TxnID: "f", Date: date, PayerID: payerID, PayerName: payerName,
			PayeeID: payeeID, PayeeName: payeeName, Amount: kamp.Amount(amount), Currency: currency}
		addErr := a.Add(p)
		after, err := a.Result()
		// The same payments through a shard give the same.
		b, err2 := New(in)
		if err2 != nil {
			t.Fatal(err2)
		}
		sh := b.NewShard()
		for _, q := range base {
			if err := sh.Add(q); err != nil {
				t.Fatal(err)
			}
		}
		if shErr := sh.Add(p); fmt.Sprint(shErr) != fmt.Sprint(addErr) {
			t.Fatalf("shard Add: %v, Add: %v", shErr, addErr)
		}
		sharded, err2 := b.Result()
		if fmt.Sprint(err2) != fmt.Sprint(err) {
			t.Fatalf("shard Result: %v, Result: %v", err2, err)
		}
		if err != nil {
			return // a sum beyond the Amount range is reported, not a panic
		}
		if e, p := csvBody(t, sharded); sharded.Stats != after.Stats || fmt.Sprint(sharded.Ambiguous) != fmt.Sprint(after.Ambiguous) {
			t.Fatalf("shard result differs: stats %+v, want %+v", sharded.Stats, after.Stats)
		} else if gotE, gotP := csvBody(t, after); e != gotE || p != gotP {
			t.Fatal("shard result files differ")
		}
		gotE, gotP := csvBody(t, after)
		if addErr != nil {
			if kamp.ErrorCode(addErr) != kamp.EINVALID {
				t.Fatalf("Add: %v is not EINVALID", addErr)
			}
			if gotE != wantE || gotP != wantP || after.Stats != before.Stats {
				t.Fatalf("a failed Add (%v) changed the result", addErr)
			}
			return
		}
		if after.Stats.Payments != before.Stats.Payments+1 {
			t.Fatalf("stats %+v after %+v: the payment was not counted once", after.Stats, before.Stats)
		}
		for _, e := range after.Edges {
			if e.Payments <= 0 || e.First > e.Last || e.Amount < 0 {
				t.Fatalf("malformed edge %+v", e)
			}
		}
	})
}
