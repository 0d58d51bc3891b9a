package chain

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// ent describes one test entity; root is the id of its group root ("" for
// itself).
type ent struct {
	id, name string
	client   bool
	root     string
}

// worldInput builds an Input from ents, with the units given by root id.
func worldInput(t testing.TB, ents []ent, units ...string) Input {
	t.Helper()
	in := Input{}
	idx := map[string]int32{}
	for i, e := range ents {
		idx[e.id] = int32(i)
	}
	for _, e := range ents {
		in.IDs = append(in.IDs, e.id)
		in.Names = append(in.Names, e.name)
		in.IsClient = append(in.IsClient, e.client)
		r := e.id
		if e.root != "" {
			r = e.root
		}
		ri, ok := idx[r]
		if !ok {
			t.Fatalf("test world: root %q of %q is not an entity", r, e.id)
		}
		in.Root = append(in.Root, ri)
	}
	for _, u := range units {
		ui, ok := idx[u]
		if !ok {
			t.Fatalf("test world: unit %q is not an entity", u)
		}
		in.Units = append(in.Units, ui)
	}
	return in
}

// pay builds a payment from a compact description: "payer>payee amount
// [currency] date", where a side written #name is a name-only side (the name
// may hold spaces) and anything else an id.
func pay(t testing.TB, txn, desc string) kamp.Payment {
	t.Helper()
	f := strings.Fields(desc)
	if len(f) < 3 {
		t.Fatalf("pay %q: want payer>payee amount [currency] date", desc)
	}
	p := kamp.Payment{TxnID: txn, Date: f[len(f)-1]}
	f = f[:len(f)-1]
	if c := f[len(f)-1]; len(c) == 3 && strings.ToUpper(c) == c && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
		p.Currency = c
		f = f[:len(f)-1]
	}
	p.Amount = amountOf(t, f[len(f)-1])
	sides := strings.SplitN(strings.Join(f[:len(f)-1], " "), ">", 2)
	if len(sides) != 2 {
		t.Fatalf("pay %q: no > between payer and payee", desc)
	}
	if n, ok := strings.CutPrefix(sides[0], "#"); ok {
		p.PayerName = n
	} else {
		p.PayerID = sides[0]
	}
	if n, ok := strings.CutPrefix(sides[1], "#"); ok {
		p.PayeeName = n
	} else {
		p.PayeeID = sides[1]
	}
	return p
}

// amountOf parses a decimal with at most 4 decimals.
func amountOf(t testing.TB, s string) kamp.Amount {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 {
		t.Fatalf("amount %q has more than 4 decimals", s)
	}
	frac += strings.Repeat("0", 4-len(frac))
	var v int64
	if _, err := fmt.Sscan(whole+frac, &v); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return kamp.Amount(v)
}

// rateOf parses a decimal rate with at most 10 decimals.
func rateOf(t testing.TB, s string) kamp.Rate {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	frac += strings.Repeat("0", 10-len(frac))
	var v int64
	if _, err := fmt.Sscan(whole+frac, &v); err != nil {
		t.Fatalf("rate %q: %v", s, err)
	}
	return kamp.Rate(v)
}

// run feeds payments to a new accumulator and returns its result.
func run(t testing.TB, in Input, ps []kamp.Payment) *Result {
	t.Helper()
	a, err := New(in)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, p := range ps {
		if err := a.Add(p); err != nil {
			t.Fatalf("Add(%+v): %v", p, err)
		}
	}
	r, err := a.Result()
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	return r
}

// csvBody writes the result files and returns them without their headers.
func csvBody(t testing.TB, r *Result) (edges, prospects string) {
	t.Helper()
	var e, p bytes.Buffer
	if err := WriteEdgesCSV(&e, r.Edges); err != nil {
		t.Fatal(err)
	}
	if err := WriteProspectsCSV(&p, r.Prospects); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(e.String(), EdgesHeader+"\n"), strings.TrimPrefix(p.String(), ProspectsHeader+"\n")
}
