package screen

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kampbank/kamp"
)

// propCase is a random screening input.
type propCase struct {
	ids        []string
	members    []int32
	indicators []string
	rows       []propRow
	rates      Rates
	weights    Weights
}

// propRow is one value: unit index, currency, indicator index, amount.
type propRow struct {
	unit int
	cur  string
	ind  int
	v    kamp.Amount
}

var propCurrencies = []string{"CNY", "", "USD", "HKD", "EUR"}

// randomCase draws a case. Modes: 0 wide random amounts and rates, 1 small
// powers of two (many ties), 2 mostly units without metrics, 3 equal scores
// for a number of units that is a multiple of 10 (a unit exactly at 50% and
// one exactly at 80%) plus units without metrics.
func randomCase(rng *rand.Rand) propCase {
	mode := rng.IntN(4)
	n := rng.IntN(300)
	if rng.IntN(10) == 0 {
		n = rng.IntN(4)
	}
	equal := 10 * (1 + rng.IntN(20))
	if mode == 3 {
		n = equal + rng.IntN(10)
	}
	c := propCase{
		indicators: slices.Clone(kamp.StandardIndicators),
		rates:      Rates{},
	}
	if rng.IntN(2) == 0 {
		c.indicators = append(c.indicators, "green_loans")
	}
	seen := map[string]bool{}
	const alphabet = "ABCab01_.-"
	for len(c.ids) < n {
		b := make([]byte, 1+rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if id := string(b); !seen[id] {
			seen[id] = true
			c.ids = append(c.ids, id)
			c.members = append(c.members, int32(rng.IntN(20)))
		}
	}
	for _, cur := range propCurrencies[2:] {
		c.rates[cur] = kamp.Rate(1 + rng.Int64N(100_000_000_000))
	}
	if mode == 1 {
		c.rates = Rates{"USD": 2 * RateOne}
	}
	rowCount := 0
	if n > 0 {
		rowCount = rng.IntN(3 * n)
	}
	if mode == 2 {
		rowCount = rng.IntN(n/10 + 2)
	}
	if mode == 3 {
		rowCount = 0
		v := kamp.Amount(1 + rng.Int64N(1e12))
		for u := range equal {
			c.rows = append(c.rows, propRow{unit: u, cur: "CNY", ind: 2, v: v}) // revenue
		}
	}
	for i := 0; i < rowCount && n > 0; i++ {
		r := propRow{unit: rng.IntN(n), ind: rng.IntN(len(c.indicators))}
		switch mode {
		case 1:
			r.cur = []string{"CNY", "USD"}[rng.IntN(2)]
			r.v = kamp.Amount(10_000 << rng.IntN(4))
			if rng.IntN(6) == 0 {
				r.v = 0
			}
		default:
			r.cur = propCurrencies[rng.IntN(len(propCurrencies))]
			r.v = kamp.Amount(rng.Int64N(1 << (1 + rng.IntN(50))))
			if c.indicators[r.ind] == "revenue" && rng.IntN(4) == 0 {
				r.v = -r.v
			}
		}
		c.rows = append(c.rows, r)
	}
	c.weights = Weights{}
	if mode == 3 {
		c.weights["revenue"] = 1
		return c
	}
	switch rng.IntN(3) {
	case 0:
		c.weights["revenue"] = 1
	case 1:
		c.weights = DefaultWeights()
	default:
		var raw []float64
		var sum float64
		for range c.indicators {
			x := float64(rng.IntN(5))
			raw = append(raw, x)
			sum += x
		}
		if sum == 0 {
			raw[0], sum = 1, 1
		}
		for k, name := range c.indicators {
			c.weights[name] = raw[k] / sum
		}
	}
	return c
}

// arrange aggregates c with the units renumbered by perm (new index of old
// unit u is perm[u]), the rows in the order of rowOrder, some rows split in
// two, and the indicators optionally reversed.
func (c propCase) arrange(t *testing.T, perm, rowOrder []int, split map[int]bool, reverse bool) *Data {
	t.Helper()
	n := len(c.ids)
	ids := make([]string, n)
	members := make([]int32, n)
	for u := range n {
		ids[perm[u]], members[perm[u]] = c.ids[u], c.members[u]
	}
	indicators := slices.Clone(c.indicators)
	if reverse {
		slices.Reverse(indicators)
	}
	a, err := NewAggregator(ids, members, indicators)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range rowOrder {
		r := c.rows[i]
		k, _ := a.Indicator(c.indicators[r.ind])
		u := int32(perm[r.unit])
		if split[i] {
			half := r.v / 3
			a.Add(u, r.cur, k, half)
			a.Add(u, r.cur, k, r.v-half)
			continue
		}
		a.Add(u, r.cur, k, r.v)
	}
	d, err := a.Totals(c.rates)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// identity returns 0..n-1.
func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}

func ratOf(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }

// TestScreenProperties checks invariants and the exact definitions on random
// inputs.
func TestScreenProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240601, 7))
	trials := 300
	if testing.Short() {
		trials = 60
	}
	for trial := range trials {
		c := randomCase(rng)
		d := c.arrange(t, identity(len(c.ids)), identity(len(c.rows)), nil, false)
		r, err := d.Score(c.weights)
		if err != nil {
			t.Fatalf("trial %d: Score: %v", trial, err)
		}
		checkTotals(t, trial, c, d)
		checkRanking(t, trial, d, r)
		checkTiersExact(t, trial, r)
		checkConcentration(t, trial, r)
	}
}

// checkTotals compares the exact totals and the shares with math/big.
func checkTotals(t *testing.T, trial int, c propCase, d *Data) {
	n, K := len(c.ids), len(c.indicators)
	want := make([]*big.Int, n*K)
	for i := range want {
		want[i] = new(big.Int)
	}
	for _, r := range c.rows {
		rt, ok := c.rates[r.cur]
		if !ok {
			rt = RateOne
		}
		p := new(big.Int).Mul(big.NewInt(int64(r.v)), big.NewInt(int64(rt)))
		want[r.ind*n+r.unit].Add(want[r.ind*n+r.unit], p)
	}
	for k := range K {
		pos := new(big.Int)
		for u := range n {
			if want[k*n+u].Sign() > 0 {
				pos.Add(pos, want[k*n+u])
			}
		}
		for u := range n {
			got := d.Total(int32(u), k)
			if got.bigInt().Cmp(want[k*n+u]) != 0 {
				t.Fatalf("trial %d: total %s of %s = %v, want %v", trial, c.indicators[k], c.ids[u], got.bigInt(), want[k*n+u])
			}
			share := 0.0
			if want[k*n+u].Sign() > 0 {
				share = ratFloat(new(big.Rat).SetFrac(want[k*n+u], pos))
			}
			if got := d.Share(int32(u), k); math.Abs(got-share) > 4e-16*share {
				t.Fatalf("trial %d: share %s of %s = %v, want %v", trial, c.indicators[k], c.ids[u], got, share)
			}
		}
	}
}

// checkRanking checks the order, the ranks and cum_share.
func checkRanking(t *testing.T, trial int, d *Data, r *Result) {
	n := d.Units()
	seen := make([]bool, n)
	total := new(big.Rat)
	for _, s := range r.Score {
		total.Add(total, ratOf(s))
	}
	for i, u := range r.Order {
		if seen[u] {
			t.Fatalf("trial %d: unit %d ranked twice", trial, u)
		}
		seen[u] = true
		if r.Rank[u] != int32(i+1) {
			t.Fatalf("trial %d: rank of %s = %d, want %d", trial, d.UnitID(u), r.Rank[u], i+1)
		}
		if i == 0 {
			continue
		}
		p := r.Order[i-1]
		if r.Score[p] < r.Score[u] || (r.Score[p] == r.Score[u] && d.UnitID(p) >= d.UnitID(u)) {
			t.Fatalf("trial %d: %s (%v) ranked before %s (%v)", trial, d.UnitID(p), r.Score[p], d.UnitID(u), r.Score[u])
		}
		if r.CumShare[u] < r.CumShare[p] {
			t.Fatalf("trial %d: cum_share goes down from %v to %v at rank %d", trial, r.CumShare[p], r.CumShare[u], i+1)
		}
		if r.Tier[u] < r.Tier[p] {
			t.Fatalf("trial %d: tier goes up from %v to %v at rank %d", trial, r.Tier[p], r.Tier[u], i+1)
		}
	}
	if n > 0 && total.Sign() > 0 {
		if last := r.CumShare[r.Order[n-1]]; math.Abs(last-1) > 1e-12 {
			t.Fatalf("trial %d: cum_share ends at %v, want 1", trial, last)
		}
	}
	if total.Sign() == 0 {
		for u := range n {
			if r.Tier[u] != General || r.CumShare[u] != 0 {
				t.Fatalf("trial %d: T = 0 but %s is %v with cum_share %v", trial, d.UnitID(int32(u)), r.Tier[u], r.CumShare[u])
			}
		}
	}
}

// checkTiersExact recomputes every tier from the definition with exact
// rational sums of the float64 scores.
func checkTiersExact(t *testing.T, trial int, r *Result) {
	total := new(big.Rat)
	for _, s := range r.Score {
		total.Add(total, ratOf(s))
	}
	half := new(big.Rat).Mul(total, big.NewRat(1, 2))
	fourFifths := new(big.Rat).Mul(total, big.NewRat(4, 5))
	cum := new(big.Rat)
	cores, leastK := 0, -1
	for i, u := range r.Order {
		want := General
		switch {
		case total.Sign() == 0:
		case cum.Cmp(half) < 0:
			want = Core
		case cum.Cmp(fourFifths) < 0:
			want = Key
		}
		if r.Tier[u] != want {
			t.Fatalf("trial %d: rank %d has cum_before %s of T %s: tier %v, want %v", trial, i+1, cum.FloatString(25), total.FloatString(25), r.Tier[u], want)
		}
		if r.Tier[u] == Core {
			cores++
		}
		cum.Add(cum, ratOf(r.Score[u]))
		if leastK < 0 && total.Sign() > 0 && cum.Cmp(half) >= 0 {
			leastK = i + 1
		}
		if total.Sign() > 0 {
			wantCum := ratFloat(new(big.Rat).Quo(cum, total))
			if math.Abs(r.CumShare[u]-wantCum) > 1e-15 {
				t.Fatalf("trial %d: cum_share at rank %d = %v, want %v", trial, i+1, r.CumShare[u], wantCum)
			}
		}
	}
	if total.Sign() > 0 && cores != leastK {
		t.Fatalf("trial %d: %d core units, but the least prefix reaching 50%% has %d", trial, cores, leastK)
	}
}

// checkConcentration compares the concentration figures with math/big.
func checkConcentration(t *testing.T, trial int, r *Result) {
	c := r.Concentration
	n := len(r.Order)
	if c.Units != n || c.Tiers.Core+c.Tiers.Key+c.Tiers.General != n {
		t.Fatalf("trial %d: units %d, tiers %+v, want %d", trial, c.Units, c.Tiers, n)
	}
	if c.Top5Units != int(math.Ceil(0.05*float64(n)-1e-9)) || c.Top20Units != int(math.Ceil(0.2*float64(n)-1e-9)) {
		t.Fatalf("trial %d: top units %d, %d for n = %d", trial, c.Top5Units, c.Top20Units, n)
	}
	asc := slices.Clone(r.Score)
	slices.Sort(asc)
	total, gini := new(big.Rat), new(big.Rat)
	prefix := []*big.Rat{new(big.Rat)} // prefix[j]: sum of the j smallest
	for i, x := range asc {
		total.Add(total, ratOf(x))
		term := new(big.Rat).Mul(big.NewRat(int64(2*(i+1)-n-1), 1), ratOf(x))
		gini.Add(gini, term)
		prefix = append(prefix, new(big.Rat).Set(total))
	}
	wantGini := 0.0
	if n > 0 && total.Sign() > 0 {
		wantGini = ratFloat(gini.Quo(gini, new(big.Rat).Mul(big.NewRat(int64(n), 1), total)))
	}
	if math.Abs(c.Gini-wantGini) > 1e-12 {
		t.Fatalf("trial %d: gini = %v, want %v", trial, c.Gini, wantGini)
	}
	top := func(k int) float64 {
		if total.Sign() == 0 {
			return 0
		}
		return ratFloat(new(big.Rat).Quo(new(big.Rat).Sub(total, prefix[n-k]), total))
	}
	if math.Abs(c.Top5Share-top(c.Top5Units)) > 1e-15 || math.Abs(c.Top20Share-top(c.Top20Units)) > 1e-15 {
		t.Fatalf("trial %d: top shares %v, %v, want %v, %v", trial, c.Top5Share, c.Top20Share, top(c.Top5Units), top(c.Top20Units))
	}
	if len(c.Lorenz) > MaxLorenzPoints || len(c.Lorenz) < 2 {
		t.Fatalf("trial %d: %d Lorenz points", trial, len(c.Lorenz))
	}
	if c.Lorenz[0] != (LorenzPoint{0, 0}) || c.Lorenz[len(c.Lorenz)-1] != (LorenzPoint{1, 1}) {
		t.Fatalf("trial %d: Lorenz curve from %v to %v", trial, c.Lorenz[0], c.Lorenz[len(c.Lorenz)-1])
	}
	for i, p := range c.Lorenz {
		if i > 0 && (p.X <= c.Lorenz[i-1].X || p.Y < c.Lorenz[i-1].Y) {
			t.Fatalf("trial %d: Lorenz point %d %v after %v", trial, i, p, c.Lorenz[i-1])
		}
		if n == 0 || total.Sign() == 0 {
			continue
		}
		j := int(math.Round(p.X * float64(n)))
		if want := ratFloat(new(big.Rat).Quo(prefix[j], total)); math.Abs(p.Y-want) > 1e-15 {
			t.Fatalf("trial %d: Lorenz y at %d/%d = %v, want %v", trial, j, n, p.Y, want)
		}
	}
}

// TestScreenInputOrder checks that the result files do not depend on the
// order of units, rows or indicators, nor on how amounts are split in rows.
func TestScreenInputOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 100))
	for trial := range 60 {
		c := randomCase(rng)
		base := c.arrange(t, identity(len(c.ids)), identity(len(c.rows)), nil, false)
		perm := rng.Perm(len(c.ids))
		rowOrder := rng.Perm(len(c.rows))
		split := map[int]bool{}
		for i := range c.rows {
			split[i] = rng.IntN(3) == 0
		}
		other := c.arrange(t, perm, rowOrder, split, true)
		var files [2][2]bytes.Buffer
		for i, d := range []*Data{base, other} {
			r, err := d.Score(c.weights)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteTiersCSV(&files[i][0], d, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteConcentrationJSON(&files[i][1], r); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(files[0][0].Bytes(), files[1][0].Bytes()) {
			t.Fatalf("trial %d: tiers.csv differs:\n%s\n---\n%s", trial, files[0][0].String(), files[1][0].String())
		}
		if !bytes.Equal(files[0][1].Bytes(), files[1][1].Bytes()) {
			t.Fatalf("trial %d: concentration.json differs:\n%s\n---\n%s", trial, files[0][1].String(), files[1][1].String())
		}
	}
}
