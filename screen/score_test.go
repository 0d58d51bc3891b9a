package screen

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kampbank/kamp"
)

var std = kamp.StandardIndicators

func TestScoreHandCases(t *testing.T) {
	tests := []struct {
		name       string
		units      []unitSpec
		indicators []string
		rows       []rowSpec
		weights    string
		wantOrder  string
		wantTiers  string
		wantScores []float64 // by rank
		wantCum    []float64 // by rank
	}{
		{
			name:      "ties broken by id in byte order",
			units:     []unitSpec{{"b", 1}, {"B", 1}, {"a", 1}, {"a1", 1}},
			rows:      []rowSpec{{"b", "", "revenue", "10"}, {"B", "", "revenue", "10"}, {"a", "", "revenue", "10"}, {"a1", "", "revenue", "10"}},
			weights:   "revenue=1",
			wantOrder: "B a a1 b", // 'B' < 'a' in byte order
			wantTiers: "core core key key",
			wantCum:   []float64{0.25, 0.5, 0.75, 1},
		},
		{
			name:       "negative revenue counts as zero in the shares",
			units:      []unitSpec{{"A", 1}, {"B", 1}, {"C", 1}},
			rows:       []rowSpec{{"A", "", "revenue", "100"}, {"B", "", "revenue", "-50"}, {"C", "", "revenue", "300"}},
			weights:    "revenue=1",
			wantOrder:  "C A B",
			wantTiers:  "core key general",
			wantScores: []float64{0.75, 0.25, 0},
			wantCum:    []float64{0.75, 1, 1},
		},
		{
			name:       "zero totals make every unit general",
			units:      []unitSpec{{"A", 1}, {"B", 2}, {"C", 0}},
			rows:       []rowSpec{{"A", "", "revenue", "-5"}, {"B", "", "deposits_avg", "0"}},
			weights:    "revenue=1",
			wantOrder:  "A B C",
			wantTiers:  "general general general",
			wantScores: []float64{0, 0, 0},
			wantCum:    []float64{0, 0, 0},
		},
		{
			name:       "one unit is core",
			units:      []unitSpec{{"only", 3}},
			rows:       []rowSpec{{"only", "", "revenue", "0.0001"}},
			weights:    "revenue=1",
			wantOrder:  "only",
			wantTiers:  "core",
			wantScores: []float64{1},
			wantCum:    []float64{1},
		},
		{
			name:       "cum_before exactly 50% is key, not core",
			units:      []unitSpec{{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}},
			rows:       []rowSpec{{"A", "", "revenue", "8"}, {"B", "", "revenue", "4"}, {"C", "", "revenue", "2"}, {"D", "", "revenue", "2"}},
			weights:    "revenue=1",
			wantOrder:  "A B C D",
			wantTiers:  "core key key general",
			wantScores: []float64{0.5, 0.25, 0.125, 0.125},
			wantCum:    []float64{0.5, 0.75, 0.875, 1},
		},
		{
			// Shares 0.4 and 0.1 as float64: 0.4 is exactly 4 × float(0.1),
			// so cum_before of C is exactly 4/5 of T and C is general.
			name:       "cum_before exactly 80% is general, not key",
			units:      []unitSpec{{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}},
			rows:       []rowSpec{{"A", "", "revenue", "4"}, {"B", "", "revenue", "4"}, {"C", "", "revenue", "1"}, {"D", "", "revenue", "1"}},
			weights:    "revenue=1",
			wantOrder:  "A B C D",
			wantTiers:  "core core general general",
			wantScores: []float64{0.4, 0.4, 0.1, 0.1},
		},
		{
			name:       "clients without metrics are ranked with zero",
			units:      []unitSpec{{"Z", 5}, {"A", 2}, {"M", 1}},
			rows:       []rowSpec{{"Z", "", "deposits_avg", "1000"}, {"Z", "", "revenue", "10"}},
			weights:    "revenue=0.5,deposits_avg=0.5",
			wantOrder:  "Z A M",
			wantTiers:  "core general general",
			wantScores: []float64{1, 0, 0},
			wantCum:    []float64{1, 1, 1},
		},
		{
			name:       "a custom indicator weighs like a standard one",
			units:      []unitSpec{{"A", 1}, {"B", 1}},
			indicators: append(slices.Clone(std), "green_loans"),
			rows:       []rowSpec{{"A", "", "revenue", "100"}, {"B", "", "revenue", "1"}, {"A", "", "green_loans", "1"}, {"B", "", "green_loans", "3"}},
			weights:    "green_loans=1",
			wantOrder:  "B A",
			wantTiers:  "core key",
			wantScores: []float64{0.75, 0.25},
			wantCum:    []float64{0.75, 1},
		},
		{
			name:       "weights mix indicators",
			units:      []unitSpec{{"A", 1}, {"B", 1}},
			rows:       []rowSpec{{"A", "", "revenue", "3"}, {"B", "", "revenue", "1"}, {"A", "", "deposits_avg", "1"}, {"B", "", "deposits_avg", "1"}},
			weights:    "revenue=0.5,deposits_avg=0.5",
			wantOrder:  "A B",
			wantTiers:  "core key",
			wantScores: []float64{0.625, 0.375},
			wantCum:    []float64{0.625, 1},
		},
		{
			name:       "several currencies converted exactly",
			units:      []unitSpec{{"A", 1}, {"B", 1}},
			rows:       []rowSpec{{"A", "USD", "revenue", "1"}, {"B", "CNY", "revenue", "7"}, {"B", "", "revenue", "0.1"}},
			weights:    "revenue=1",
			wantOrder:  "A B", // 7.1000000001 > 7.1
			wantTiers:  "core key",
			wantScores: []float64{7.1000000001 / 14.2000000001, 7.1 / 14.2000000001},
		},
	}
	rates := Rates{"USD": rate(t, "7.1000000001")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ind := tt.indicators
			if ind == nil {
				ind = std
			}
			d := build(t, tt.units, ind, tt.rows, rates)
			r := mustScore(t, d, tt.weights)
			if got := rankedIDs(d, r); got != tt.wantOrder {
				t.Errorf("order = %q, want %q", got, tt.wantOrder)
			}
			if got := tiersByRank(r); got != tt.wantTiers {
				t.Errorf("tiers = %q, want %q", got, tt.wantTiers)
			}
			for i, u := range r.Order {
				if r.Rank[u] != int32(i+1) {
					t.Errorf("Rank[%s] = %d, want %d", d.UnitID(u), r.Rank[u], i+1)
				}
				if tt.wantScores != nil && math.Abs(r.Score[u]-tt.wantScores[i]) > 1e-15 {
					t.Errorf("score of %s = %v, want %v", d.UnitID(u), r.Score[u], tt.wantScores[i])
				}
				if tt.wantCum != nil && r.CumShare[u] != tt.wantCum[i] {
					t.Errorf("cum_share of %s = %v, want %v", d.UnitID(u), r.CumShare[u], tt.wantCum[i])
				}
			}
		})
	}
}

func TestTotalsExactConversion(t *testing.T) {
	units := []unitSpec{{"A", 2}, {"B", 1}}
	rows := []rowSpec{
		{"A", "CNY", "revenue", "100"},
		{"A", "USD", "revenue", "10"},
		{"A", "HKD", "revenue", "0.0001"},
		{"A", "", "revenue", "-0.5"},
		{"A", "USD", "deposits_avg", "922337203685477.5807"}, // the largest Amount
		{"A", "USD", "deposits_avg", "922337203685477.5807"},
		{"B", "HKD", "revenue", "-3"},
		{"B", "JPY", "fee_income", "1"},
	}
	rates := Rates{
		"USD": rate(t, "7.1234567891"),
		"HKD": rate(t, "0.9123456789"),
		"JPY": rate(t, "0.0000000001"),
	}
	d := build(t, units, std, rows, rates)
	tests := []struct {
		unit int32
		ind  string
		want string
	}{
		// 100 + 71.234567891 + 0.00009123456789 - 0.5
		{0, "revenue", "170.73465912556789"},
		// 2 × 922337203685477.5807 × 7.1234567891, beyond int64 on the way
		{0, "deposits_avg", "13140458430865649.62662651626074"},
		{0, "loans_avg", "0"},
		{1, "revenue", "-2.7370370367"},
		{1, "fee_income", "0.0000000001"},
	}
	for _, tt := range tests {
		k, _ := d.Indicator(tt.ind)
		if got := d.Total(tt.unit, k).String(); got != tt.want {
			t.Errorf("total %s of %s = %s, want %s", tt.ind, d.UnitID(tt.unit), got, tt.want)
		}
	}
	k, _ := d.Indicator("revenue")
	if got, want := d.PositiveTotal(k).String(), "170.73465912556789"; got != want {
		t.Errorf("positive revenue total = %s, want %s", got, want)
	}
	if got := d.Share(1, k); got != 0 {
		t.Errorf("share of a negative total = %v, want 0", got)
	}
	if got := d.Share(0, k); got != 1 {
		t.Errorf("share of the only positive total = %v, want 1", got)
	}
}

// TestAggregatorWraps adds far more than an int64 holds to one slot.
func TestAggregatorWraps(t *testing.T) {
	a, err := NewAggregator([]string{"A", "B"}, []int32{1, 1}, []string{"revenue"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		a.Add(0, "", 0, math.MaxInt64)
		a.Add(1, "", 0, math.MinInt64)
	}
	a.Add(0, "", 0, -1)
	for i := 0; i < 3; i++ {
		a.Add(1, "", 0, math.MaxInt64)
	}
	d, err := a.Totals(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A: 5 × 922337203685477.5807 - 0.0001; B: 5 × -922337203685477.5808 + 3 × 922337203685477.5807
	if got, want := d.Total(0, 0).String(), "4611686018427387.9034"; got != want {
		t.Errorf("A = %s, want %s", got, want)
	}
	if got, want := d.Total(1, 0).String(), "-1844674407370955.1619"; got != want {
		t.Errorf("B = %s, want %s", got, want)
	}
}

func TestAddMetric(t *testing.T) {
	ind := append(slices.Clone(std), "green_loans")
	a, err := NewAggregator([]string{"A"}, []int32{1}, ind)
	if err != nil {
		t.Fatal(err)
	}
	m := &kamp.Metric{
		ClientID: "c1", Period: "2024-06", Currency: "USD",
		Revenue:     kamp.NullAmount{Amount: amt(t, "2"), Valid: true},
		DepositsAvg: kamp.NullAmount{Amount: amt(t, "5"), Valid: true},
		LoansAvg:    kamp.NullAmount{Amount: amt(t, "99"), Valid: false},
		Custom:      map[string]kamp.Amount{"green_loans": amt(t, "1.5")},
	}
	if err := a.AddMetric(0, m); err != nil {
		t.Fatal(err)
	}
	if err := a.AddMetric(0, &kamp.Metric{ClientID: "c2", Revenue: kamp.NullAmount{Amount: amt(t, "1"), Valid: true}}); err != nil {
		t.Fatal(err)
	}
	bad := &kamp.Metric{ClientID: "c3", Period: "2024-06", Custom: map[string]kamp.Amount{"zeta": 1, "alpha": 2, "green_loans": 3}}
	wantCode(t, a.AddMetric(0, bad), kamp.EINVALID, "client c3 for 2024-06 have indicators that are not screened: alpha, zeta")
	d, err := a.Totals(Rates{"USD": rate(t, "7")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"revenue": "15", "deposits_avg": "35", "loans_avg": "0", "fee_income": "0", "green_loans": "10.5"}
	for name, w := range want {
		k, _ := d.Indicator(name)
		if got := d.Total(0, k).String(); got != w {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	b, err := NewAggregator([]string{"A"}, []int32{1}, []string{"revenue"})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.AddMetric(0, m), kamp.EINVALID, "deposits_avg, green_loans")
}

// TestAddValues checks that AddValues adds what AddIndexed adds value by
// value, and that a row of no given values adds nothing, not even its
// currency, which has no rate here.
func TestAddValues(t *testing.T) {
	ind := []string{"revenue", "deposits_avg", "fee_income"}
	byRow, err := NewAggregator([]string{"A", "B"}, []int32{1, 2}, ind)
	if err != nil {
		t.Fatal(err)
	}
	byValue, err := NewAggregator([]string{"A", "B"}, []int32{1, 2}, ind)
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		unit  int32
		cur   string
		vals  []kamp.Amount
		given []bool
	}{
		{0, "CNY", []kamp.Amount{10, 20, 30}, []bool{true, true, true}},
		{0, "USD", []kamp.Amount{1, 99, 3}, []bool{true, false, true}},
		{1, "CNY", []kamp.Amount{-5, 7, 0}, []bool{true, true, false}},
		{0, "CNY", []kamp.Amount{math.MaxInt64, 0, 0}, []bool{true, false, false}},
		{1, "XXX", []kamp.Amount{4, 5, 6}, []bool{false, false, false}},
		{1, "USD", []kamp.Amount{2, 2, 2}, []bool{false, true, false}},
	}
	for _, r := range rows {
		byRow.AddValues(r.unit, byRow.CurrencyIndex(r.cur), r.vals, r.given)
		for j, v := range r.vals {
			if r.given[j] {
				byValue.AddIndexed(r.unit, byValue.CurrencyIndex(r.cur), j, v)
			}
		}
	}
	rates := Rates{"USD": rate(t, "7")}
	got, err := byRow.Totals(rates)
	if err != nil {
		t.Fatalf("Totals after AddValues: %v", err)
	}
	want, err := byValue.Totals(rates)
	if err != nil {
		t.Fatal(err)
	}
	for u := range int32(2) {
		for k := range ind {
			if g, w := got.Total(u, k).String(), want.Total(u, k).String(); g != w {
				t.Errorf("unit %d %s = %s, want %s", u, ind[k], g, w)
			}
		}
	}
	if g := got.Total(0, 0).String(); g != "922337203685477.5824" {
		t.Errorf("unit A revenue = %s, want 922337203685477.5824", g)
	}
	defer func() {
		if recover() == nil {
			t.Error("AddValues with two values for three indicators did not panic")
		}
	}()
	byRow.AddValues(0, 0, []kamp.Amount{1, 2}, []bool{true, true})
}

func TestAggregatorErrors(t *testing.T) {
	tests := []struct {
		name       string
		ids        []string
		members    []int32
		indicators []string
		want       string
	}{
		{"length mismatch", []string{"A", "B"}, []int32{1}, std, "2 unit ids but 1 member counts"},
		{"duplicate id", []string{"B", "A", "B"}, []int32{1, 1, 1}, std, `unit id "B" is given twice`},
		{"duplicate sorted id", []string{"A", "A"}, []int32{1, 1}, std, `unit id "A" is given twice`},
		{"negative members", []string{"A"}, []int32{-1}, std, "negative member count"},
		{"duplicate indicator", []string{"A"}, []int32{1}, []string{"revenue", "revenue"}, `indicator "revenue" is given twice`},
		{"bad indicator", []string{"A"}, []int32{1}, []string{"a=b"}, "bad indicator name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAggregator(tt.ids, tt.members, tt.indicators)
			wantCode(t, err, kamp.EINVALID, tt.want)
		})
	}
}

func TestTotalsErrors(t *testing.T) {
	tests := []struct {
		name  string
		rows  []rowSpec
		rates Rates
		want  string
	}{
		{"unknown currency", []rowSpec{{"A", "USD", "revenue", "1"}}, Rates{"EUR": 1}, `unknown currency "USD"`},
		{"zero rate", []rowSpec{{"A", "USD", "revenue", "1"}}, Rates{"USD": 0}, "rates are > 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAggregator([]string{"A"}, []int32{1}, std)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.rows {
				k, _ := a.Indicator(r.ind)
				a.Add(0, r.cur, k, amt(t, r.amount))
			}
			a.CurrencyIndex("GBP") // interned but unused: needs no rate
			_, err = a.Totals(tt.rates)
			wantCode(t, err, kamp.EINVALID, tt.want)
		})
	}
	// Too large to sum exactly: the largest Amount at the largest rate,
	// accumulated past 2^127 units of 1e-14.
	a, err := NewAggregator([]string{"A", "B"}, []int32{1, 1}, []string{"revenue"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		a.Add(0, "XAU", 0, math.MaxInt64)
	}
	_, err = a.Totals(Rates{"XAU": math.MaxInt64})
	wantCode(t, err, kamp.EINVALID, "too large to sum exactly")
}

func TestScoreErrors(t *testing.T) {
	d := build(t, []unitSpec{{"A", 1}}, std, nil, nil)
	tests := []struct {
		name string
		w    Weights
		want string
	}{
		{"not summing to 1", Weights{"revenue": 0.5, "loans_avg": 0.4}, "sum to 0.9"},
		{"unknown indicator", Weights{"revenue": 0.5, "green_loans": 0.5}, `weight for "green_loans", which is not an indicator`},
		{"negative", Weights{"revenue": 1.5, "loans_avg": -0.5}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Score(tt.w)
			wantCode(t, err, kamp.EINVALID, tt.want)
		})
	}
}

func TestConcentration(t *testing.T) {
	units := []unitSpec{{"A", 1}, {"B", 1}, {"C", 1}, {"D", 1}}
	rows := []rowSpec{{"A", "", "revenue", "8"}, {"B", "", "revenue", "4"}, {"C", "", "revenue", "2"}, {"D", "", "revenue", "2"}}
	r := mustScore(t, build(t, units, std, rows, nil), "revenue=1")
	c := r.Concentration
	want := Concentration{
		Units: 4, TotalScore: 1,
		Top5Units: 1, Top5Share: 0.5,
		Top20Units: 1, Top20Share: 0.5,
		// ascending .125 .125 .25 .5: (-3·.125 - .125 + .25 + 3·.5) / 4
		Gini:   0.3125,
		Lorenz: []LorenzPoint{{0, 0}, {0.25, 0.125}, {0.5, 0.25}, {0.75, 0.5}, {1, 1}},
		Tiers:  TierCounts{Core: 1, Key: 2, General: 1},
	}
	if c.Units != want.Units || c.TotalScore != want.TotalScore || c.Top5Units != want.Top5Units ||
		c.Top5Share != want.Top5Share || c.Top20Units != want.Top20Units || c.Top20Share != want.Top20Share ||
		c.Gini != want.Gini || c.Tiers != want.Tiers || !slices.Equal(c.Lorenz, want.Lorenz) {
		t.Errorf("concentration = %+v\nwant %+v", c, want)
	}

	tests := []struct {
		name   string
		n      int
		rows   int // units with revenue 1, the rest have none
		top5   int
		top20  int
		gini   float64
		lorenz int
	}{
		{"no units", 0, 0, 0, 0, 0, 2},
		{"equal scores", 10, 10, 1, 2, 0, 11},
		{"all zero", 7, 0, 1, 2, 0, 8},
		{"one of many", 500, 1, 25, 100, 1 - 1.0/500, MaxLorenzPoints},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var us []unitSpec
			var rs []rowSpec
			for i := 0; i < tt.n; i++ {
				id := string(rune('a'+i%26)) + strings.Repeat("x", i/26)
				us = append(us, unitSpec{id, 1})
				if i < tt.rows {
					rs = append(rs, rowSpec{id, "", "revenue", "1"})
				}
			}
			r := mustScore(t, build(t, us, std, rs, nil), "revenue=1")
			c := r.Concentration
			if c.Top5Units != tt.top5 || c.Top20Units != tt.top20 {
				t.Errorf("top units = %d, %d, want %d, %d", c.Top5Units, c.Top20Units, tt.top5, tt.top20)
			}
			if math.Abs(c.Gini-tt.gini) > 1e-15 {
				t.Errorf("gini = %v, want %v", c.Gini, tt.gini)
			}
			if len(c.Lorenz) != tt.lorenz {
				t.Fatalf("%d Lorenz points, want %d", len(c.Lorenz), tt.lorenz)
			}
			first, last := c.Lorenz[0], c.Lorenz[len(c.Lorenz)-1]
			if first != (LorenzPoint{0, 0}) || last != (LorenzPoint{1, 1}) {
				t.Errorf("Lorenz curve runs from %v to %v, want (0,0) to (1,1)", first, last)
			}
			if tt.rows == 0 || tt.rows == tt.n {
				for _, p := range c.Lorenz {
					if math.Abs(p.X-p.Y) > 1e-15 {
						t.Errorf("Lorenz point %v is off the line of equality", p)
					}
				}
			}
		})
	}
}

func TestTierString(t *testing.T) {
	for tier, want := range map[Tier]string{Core: "core", Key: "key", General: "general", 0: "", 9: ""} {
		if got := tier.String(); got != want {
			t.Errorf("Tier(%d).String() = %q, want %q", tier, got, want)
		}
	}
}

// TestIDOrder checks the id sort behind tie-breaking, long shared prefixes
// and zero bytes included.
func TestIDOrder(t *testing.T) {
	tests := [][]string{
		{"b", "a", "c"},
		{"G0000000000000001", "G0000000000000000", "G000000000000000", "G00000000000000000"},
		{"AB", "AB\x00", "A", "AB\x00\x00", "ab", "AB\x01"},
		{"客户B", "客户A", "Z", "z", "-", "_", "."},
		{"x"},
		{},
	}
	rng := rand.New(rand.NewPCG(8, 9))
	var long []string
	for i := range 2000 {
		long = append(long, strings.Repeat("P", rng.IntN(20))+strconv.Itoa(rng.IntN(1e6))+"-"+strconv.Itoa(i))
	}
	tests = append(tests, long)
	for _, ids := range tests {
		order, err := idOrder(ids)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(order))
		for i, u := range order {
			got[i] = ids[u]
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("idOrder(%q) gives %q, want %q", ids, got, want)
		}
	}
}

// TestScoreConcurrent scores one Data from several goroutines (the what-if
// page may do so) and checks each result against a sequential one.
func TestScoreConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	c := randomCase(rng)
	for len(c.ids) < 50 {
		c = randomCase(rng)
	}
	d := c.arrange(t, identity(len(c.ids)), identity(len(c.rows)), nil, false)
	weights := []Weights{DefaultWeights(), {"revenue": 1}, {"deposits_avg": 0.5, "loans_avg": 0.5}}
	want := make([]*Result, len(weights))
	for i, w := range weights {
		r, err := d.Score(w)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = r
	}
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				k := (g + i) % len(weights)
				r, err := d.Score(weights[k])
				if err != nil {
					errs <- err.Error()
					return
				}
				if !slices.Equal(r.Order, want[k].Order) || !slices.Equal(r.CumShare, want[k].CumShare) || !slices.Equal(r.Tier, want[k].Tier) {
					errs <- fmt.Sprintf("goroutine %d: result %d differs", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestRankItems compares the radix ranking with a stable comparison sort on
// score distributions that exercise every path: zeros, ties, keys that agree
// on their high bits (long and short runs) and widely spread scores.
func TestRankItems(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	gens := map[string]func() float64{
		"spread":      func() float64 { return math.Exp(rng.NormFloat64()*5) * 1e-6 },
		"close":       func() float64 { return 0.5 + float64(rng.IntN(1000))*0x1p-50 },
		"close+far":   func() float64 { return []float64{0.25 + float64(rng.IntN(40))*0x1p-52, rng.Float64()}[rng.IntN(2)] },
		"ties+zeros":  func() float64 { return float64(rng.IntN(3)) * 0.125 },
		"subnormal":   func() float64 { return math.Float64frombits(rng.Uint64N(1 << 20)) },
		"single bits": func() float64 { return math.Ldexp(1, -rng.IntN(1074)) },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 17, 1000, 5000} {
			score := make([]float64, n)
			for i := range score {
				score[i] = gen()
			}
			idOrder := make([]int32, n)
			for i := range idOrder {
				idOrder[i] = int32(i)
			}
			rng.Shuffle(n, func(i, j int) { idOrder[i], idOrder[j] = idOrder[j], idOrder[i] })
			pos := make([]int, n) // position in id order
			for i, u := range idOrder {
				pos[u] = i
			}
			want := slices.Clone(idOrder)
			slices.SortStableFunc(want, func(x, y int32) int {
				if c := cmp.Compare(score[y], score[x]); c != 0 {
					return c
				}
				return cmp.Compare(pos[x], pos[y])
			})
			items := rankItems(score, idOrder, getRankBuffers(n))
			for i, it := range items {
				if it.unit != want[i] || it.score() != score[it.unit] {
					t.Fatalf("%s, n=%d: position %d has unit %d (%v), want %d (%v)", name, n, i, it.unit, it.score(), want[i], score[want[i]])
				}
			}
		}
	}
}
