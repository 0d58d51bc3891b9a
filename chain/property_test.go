package chain

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/names"
)

// randomWorld is a random input with payments that are all valid.
type randomWorld struct {
	in       Input
	payments []kamp.Payment
}

// baseNames are entity names; several share a match key on purpose.
var baseNames = []string{
	"甲制造有限公司", "甲制造有限责任公司", "乙物流有限公司", "丙贸易股份有限公司", "丁科技有限公司",
	"Acme Trading Co", "ACME trading co", "Beta Ltd", "张三", "李四", "某市国资委", "戊建设集团有限公司",
}

// variant writes name in a way that keeps its match key: spaces, full-width
// letters, brackets, case.
func variant(r *rand.Rand, name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case r.IntN(6) == 0:
			b.WriteString(" ")
		case r.IntN(8) == 0:
			b.WriteString("（）")
		}
		switch {
		case c >= 'a' && c <= 'z' && r.IntN(2) == 0:
			c += 'A' - 'a'
		case c >= 'A' && c <= 'Z' && r.IntN(3) == 0:
			c += 0xFEE0 // full-width
		}
		b.WriteRune(c)
	}
	return b.String()
}

func newRandomWorld(seed uint64, nEnt, nPay int) *randomWorld {
	r := rand.New(rand.NewPCG(seed, 7))
	w := &randomWorld{}
	in := &w.in
	var roots []int32
	for i := 0; i < nEnt; i++ {
		id := fmt.Sprintf("E%03d", i)
		if seed%3 == 0 && i%7 == 3 {
			// Ids that need quotes in CSV (the chain package takes any
			// id).
			id = fmt.Sprintf("E%03d,\"x\"", i)
		}
		in.IDs = append(in.IDs, id)
		name := baseNames[r.IntN(len(baseNames))]
		if r.IntN(3) == 0 {
			name = fmt.Sprintf("公司%d号有限公司", i)
		}
		in.Names = append(in.Names, name)
		in.IsClient = append(in.IsClient, r.IntN(2) == 0)
		if i == 0 || r.IntN(3) == 0 {
			roots = append(roots, int32(i))
			in.Root = append(in.Root, int32(i))
		} else {
			in.Root = append(in.Root, roots[r.IntN(len(roots))])
		}
	}
	for _, root := range roots {
		if r.IntN(2) == 0 {
			in.Units = append(in.Units, root)
		}
	}
	r.Shuffle(len(in.Units), func(i, j int) { in.Units[i], in.Units[j] = in.Units[j], in.Units[i] })
	for _, c := range []string{"USD", "EUR"} {
		in.FX = append(in.FX, kamp.FXRate{Date: "2000-01-01", Currency: c, Rate: kamp.Rate(1 + r.Int64N(1e11))})
		for k := 0; k < 20; k++ {
			d := fmt.Sprintf("2024-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))
			in.FX = append(in.FX, kamp.FXRate{Date: d, Currency: c, Rate: kamp.Rate(1 + r.Int64N(1e11))})
		}
	}
	// Keep one rate per currency and day.
	seen := map[string]bool{}
	in.FX = slices.DeleteFunc(in.FX, func(f kamp.FXRate) bool {
		k := f.Date + f.Currency
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
	// Unmatched names, two of whose keys need quotes in CSV.
	unmatched := []string{"外部供应商A", "External Buyer", "某某个体户", "甲制造（有限公司）分公司", `Buyer, "North" Ltd`, "乙,丙供应商"}
	sideOf := func() (id, name string) {
		switch r.IntN(10) {
		case 0, 1:
			e := r.IntN(nEnt)
			return "", variant(r, in.Names[e])
		case 2:
			return "", variant(r, unmatched[r.IntN(len(unmatched))])
		}
		return in.IDs[r.IntN(nEnt)], ""
	}
	currencies := []string{"", "CNY", "USD", "EUR"}
	for k := 0; k < nPay; k++ {
		p := kamp.Payment{
			TxnID:    fmt.Sprintf("T%d", k),
			Date:     fmt.Sprintf("2024-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28)),
			Amount:   kamp.Amount(1 + r.Int64N(1e12)),
			Currency: currencies[r.IntN(len(currencies))],
		}
		p.PayerID, p.PayerName = sideOf()
		p.PayeeID, p.PayeeName = sideOf()
		w.payments = append(w.payments, p)
	}
	return w
}

// refEdge is the reference model's edge.
type refEdge struct {
	sum         *big.Int
	n           int64
	first, last string
}

// refProspect is the reference model's prospect.
type refProspect struct {
	sum   *big.Int
	txns  map[string]bool
	units map[string]bool
	dir   Direction
}

// reference computes edges and prospects naively, straight from the spec,
// with big integers and maps keyed by strings.
func reference(in Input, ps []kamp.Payment) (map[string]*refEdge, map[string]*refProspect, *big.Int) {
	byID := map[string]int{}
	for i, id := range in.IDs {
		byID[id] = i
	}
	byKey := map[string][]int{}
	for i, n := range in.Names {
		k := names.MatchKey(n)
		byKey[k] = append(byKey[k], i)
	}
	strategic := map[int32]bool{}
	for _, u := range in.Units {
		strategic[u] = true
	}
	rate := func(cur, date string) *big.Int {
		if cur == "" {
			cur = "CNY"
		}
		end := date[:7] + "-31"
		best, r := "", kamp.Rate(0)
		for _, f := range in.FX {
			if f.Currency == cur && f.Date <= end && f.Date > best {
				best, r = f.Date, f.Rate
			}
		}
		if best == "" {
			if cur != "CNY" {
				panic("no rate for " + cur)
			}
			r = RateOne
		}
		return big.NewInt(int64(r))
	}
	type res struct {
		entity int // -1 when unmatched
		cp     string
	}
	resolve := func(id, name string) res {
		if id != "" {
			return res{byID[id], id}
		}
		k := names.MatchKey(name)
		if es := byKey[k]; len(es) == 1 {
			return res{es[0], in.IDs[es[0]]}
		}
		return res{-1, k}
	}
	edges := map[string]*refEdge{}
	prospects := map[string]*refProspect{}
	total := new(big.Int)
	for _, p := range ps {
		if (in.From != "" && p.Date < in.From) || (in.To != "" && p.Date > in.To) {
			continue
		}
		payer, payee := resolve(p.PayerID, p.PayerName), resolve(p.PayeeID, p.PayeeName)
		if payer.entity >= 0 && payee.entity >= 0 && in.Root[payer.entity] == in.Root[payee.entity] {
			continue
		}
		v := new(big.Int).Mul(big.NewInt(int64(p.Amount)), rate(p.Currency, p.Date))
		link := func(unitSide, other res, dir Direction) {
			if unitSide.entity < 0 || !strategic[in.Root[unitSide.entity]] {
				return
			}
			unit := in.IDs[in.Root[unitSide.entity]]
			known := other.entity >= 0
			k := fmt.Sprintf("%s|%s|%s|%v", unit, dir, other.cp, known)
			e := edges[k]
			if e == nil {
				e = &refEdge{sum: new(big.Int), first: p.Date, last: p.Date}
				edges[k] = e
			}
			e.sum.Add(e.sum, v)
			total.Add(total, v)
			e.n++
			e.first, e.last = min(e.first, p.Date), max(e.last, p.Date)
			if known && in.IsClient[other.entity] {
				return
			}
			pk := fmt.Sprintf("%s|%v", other.cp, known)
			pr := prospects[pk]
			if pr == nil {
				pr = &refProspect{sum: new(big.Int), txns: map[string]bool{}, units: map[string]bool{}}
				prospects[pk] = pr
			}
			if !pr.txns[p.TxnID] {
				pr.txns[p.TxnID] = true
				pr.sum.Add(pr.sum, v)
			}
			pr.units[unit] = true
			pr.dir |= dir
		}
		link(payer, payee, Upstream)
		link(payee, payer, Downstream)
	}
	return edges, prospects, total
}

// roundBig rounds v (1e-14 units) half-up to Amount units.
func roundBig(v *big.Int) kamp.Amount {
	q, m := new(big.Int).QuoRem(v, big.NewInt(1e10), new(big.Int))
	if m.Cmp(big.NewInt(5e9)) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return kamp.Amount(q.Int64())
}

func (s u128) big() *big.Int {
	v := new(big.Int).SetUint64(s.hi)
	v.Lsh(v, 64)
	return v.Add(v, new(big.Int).SetUint64(s.lo))
}

func TestAgainstReference(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		w := newRandomWorld(seed, 10+int(seed)*3, 400)
		if seed%3 == 0 {
			w.in.From, w.in.To = "2024-03-15", "2024-09-10"
		}
		r := run(t, w.in, w.payments)
		edges, prospects, total := reference(w.in, w.payments)

		sum := new(big.Int)
		if len(r.Edges) != len(edges) {
			t.Fatalf("seed %d: %d edges, reference %d", seed, len(r.Edges), len(edges))
		}
		for _, e := range r.Edges {
			k := fmt.Sprintf("%s|%s|%s|%v", e.Unit, e.Direction, e.Counterparty, e.Known)
			re := edges[k]
			switch {
			case re == nil:
				t.Fatalf("seed %d: edge %s not in the reference", seed, k)
			case e.sum.big().Cmp(re.sum) != 0 || e.Amount != roundBig(re.sum) || e.Payments != re.n || e.First != re.first || e.Last != re.last:
				t.Fatalf("seed %d: edge %s = %s %d %s..%s, reference %s %d %s..%s", seed, k, e.sum.big(), e.Payments, e.First, e.Last, re.sum, re.n, re.first, re.last)
			}
			sum.Add(sum, e.sum.big())
		}
		// Totals are conserved: the edges hold every non-internal payment
		// of a strategic unit, once per strategic side.
		if sum.Cmp(total) != 0 {
			t.Fatalf("seed %d: edges sum to %s, payments to %s", seed, sum, total)
		}
		if len(r.Prospects) != len(prospects) {
			t.Fatalf("seed %d: %d prospects, reference %d", seed, len(r.Prospects), len(prospects))
		}
		for i, p := range r.Prospects {
			k := fmt.Sprintf("%s|%v", p.Counterparty, p.Known)
			rp := prospects[k]
			if rp == nil {
				t.Fatalf("seed %d: prospect %s not in the reference", seed, k)
			}
			var units []string
			for u := range rp.units {
				units = append(units, u)
			}
			slices.Sort(units)
			if p.sum.big().Cmp(rp.sum) != 0 || p.Amount != roundBig(rp.sum) || p.Payments != int64(len(rp.txns)) || !slices.Equal(p.Units, units) || p.Direction != rp.dir || p.Rank != i+1 {
				t.Fatalf("seed %d: prospect %s = %+v, reference %s %d %v %s", seed, k, p, rp.sum, len(rp.txns), units, rp.dir)
			}
			if i > 0 {
				q := r.Prospects[i-1]
				if q.Amount < p.Amount || (q.Amount == p.Amount && (len(q.Units) < len(p.Units) ||
					(len(q.Units) == len(p.Units) && q.Counterparty > p.Counterparty))) {
					t.Fatalf("seed %d: prospects %d and %d are out of order", seed, i, i+1)
				}
			}
		}
		for i := 1; i < len(r.Edges); i++ {
			x, y := r.Edges[i-1], r.Edges[i]
			kx := []string{x.Unit, x.Direction.String(), x.Counterparty}
			ky := []string{y.Unit, y.Direction.String(), y.Counterparty}
			if slices.Compare(kx, ky) > 0 {
				t.Fatalf("seed %d: edges %v and %v are out of order", seed, kx, ky)
			}
		}
	}
}

func TestOrderIndependence(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		w := newRandomWorld(seed, 40, 500)
		r := run(t, w.in, w.payments)
		wantE, wantP := csvBody(t, r)
		if wantE == "" {
			t.Fatalf("seed %d: no edges: the random world is too thin to test anything", seed)
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		for k := 0; k < 3; k++ {
			ps := slices.Clone(w.payments)
			rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
			in := w.in
			in.Units = slices.Clone(in.Units)
			slices.Reverse(in.Units)
			got := run(t, in, ps)
			gotE, gotP := csvBody(t, got)
			if gotE != wantE || gotP != wantP {
				t.Fatalf("seed %d: the result depends on the order of the payments", seed)
			}
			if fmt.Sprint(got.Ambiguous) != fmt.Sprint(r.Ambiguous) || got.Stats != r.Stats {
				t.Fatalf("seed %d: ambiguity report or stats depend on the order", seed)
			}
		}
	}
}

// TestResultRepeatable checks that Result does not consume the accumulator:
// adding the rest of the payments after a Result gives the same as adding
// all at once.
func TestResultRepeatable(t *testing.T) {
	w := newRandomWorld(5, 40, 600)
	a, err := New(w.in)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range w.payments {
		if err := a.Add(p); err != nil {
			t.Fatal(err)
		}
		if i == 300 {
			if _, err := a.Result(); err != nil {
				t.Fatal(err)
			}
		}
	}
	r1, err := a.Result()
	if err != nil {
		t.Fatal(err)
	}
	r2 := run(t, w.in, w.payments)
	var b1, b2 bytes.Buffer
	WriteEdgesCSV(&b1, r1.Edges)
	WriteEdgesCSV(&b2, r2.Edges)
	WriteProspectsCSV(&b1, r1.Prospects)
	WriteProspectsCSV(&b2, r2.Prospects)
	if b1.String() != b2.String() {
		t.Error("a Result in the middle changed the final result")
	}
}
