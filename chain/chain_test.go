package chain

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// handWorld: strategic units A and B, a general client C, non-clients N (a
// company), P (a person), S (a state body), and D1, D2 whose names share a
// match key.
var handWorld = []ent{
	{id: "A", name: "甲集团有限公司", client: true},
	{id: "A1", name: "甲制造有限公司", client: true, root: "A"},
	{id: "A2", name: "甲财务有限公司", client: false, root: "A"},
	{id: "B", name: "乙控股股份有限公司", client: true},
	{id: "B1", name: "乙物流有限公司", client: false, root: "B"},
	{id: "C", name: "丙银行股份有限公司", client: true},
	{id: "N", name: "丁贸易有限责任公司", client: false},
	{id: "P", name: "张三", client: false},
	{id: "S", name: "某市国资委", client: false},
	{id: "D1", name: "戊科技有限公司", client: false},
	{id: "D2", name: "戊科技（有限责任公司）", client: false},
}

func TestHandCases(t *testing.T) {
	usd := []kamp.FXRate{
		{Date: "2024-01-15", Currency: "USD", Rate: 71_000_000_000},  // 7.1
		{Date: "2024-01-31", Currency: "USD", Rate: 72_000_000_000},  // 7.2: the month's last day
		{Date: "2024-02-01", Currency: "USD", Rate: 99_000_000_000},  // too late for January
		{Date: "2024-01-31", Currency: "EUR", Rate: 5_000_000_000},   // 0.5
		{Date: "2023-12-31", Currency: "CNY", Rate: 10_000_000_000},  // CNY given explicitly: 1
		{Date: "2024-03-31", Currency: "JPY", Rate: 500_000_000},     // 0.05, from March only
		{Date: "2024-02-29", Currency: "USD", Rate: 70_000_000_000},  // leap day: February's rate
		{Date: "2024-03-01", Currency: "USD", Rate: 100_000_000_000}, // March
	}
	tests := []struct {
		name      string
		from, to  string
		payments  []string
		edges     string
		prospects string
		stats     Stats
		ambiguous []AmbiguousName
		modify    func(*kamp.Payment) // applied to every payment
	}{
		{
			name:     "intra-group payments are ignored",
			payments: []string{"A1>A2 100 2024-01-05", "A2>A 50 2024-01-06", "B1>B 1 2024-01-07"},
			stats:    Stats{Payments: 3, Internal: 3},
		},
		{
			name:      "upstream: members pay the counterparty",
			payments:  []string{"A1>N 100 2024-01-05", "A2>N 50.5 2024-01-09"},
			edges:     "A,upstream,N,1,150.5,2,2024-01-05,2024-01-09\n",
			prospects: "1,N,1,150.5,2,1,upstream\n",
			stats:     Stats{Payments: 2, Counted: 2},
		},
		{
			name:      "downstream: the counterparty pays members",
			payments:  []string{"N>A1 100 2024-01-05", "N>A 1 2024-01-01"},
			edges:     "A,downstream,N,1,101,2,2024-01-01,2024-01-05\n",
			prospects: "1,N,1,101,2,1,downstream\n",
			stats:     Stats{Payments: 2, Counted: 2},
		},
		{
			name:     "both directions make one prospect counting each payment once",
			payments: []string{"A1>N 100 2024-01-05", "N>A 30 2024-01-02"},
			edges: "A,downstream,N,1,30,1,2024-01-02,2024-01-02\n" +
				"A,upstream,N,1,100,1,2024-01-05,2024-01-05\n",
			prospects: "1,N,1,130,2,1,both\n",
			stats:     Stats{Payments: 2, Counted: 2},
		},
		{
			name:      "name variants of a known entity resolve to it",
			payments:  []string{"A1>#丁贸易有限公司 10 2024-01-05", "#（丁）贸易有限责任公司>A 5 2024-01-06", "#ＡＢＣ>A 1 2024-01-07"},
			edges:     "A,downstream,N,1,5,1,2024-01-06,2024-01-06\nA,downstream,abc,0,1,1,2024-01-07,2024-01-07\nA,upstream,N,1,10,1,2024-01-05,2024-01-05\n",
			prospects: "1,N,1,15,2,1,both\n2,abc,0,1,1,1,downstream\n",
			stats:     Stats{Payments: 3, Counted: 3, NameMatched: 2, NameUnmatched: 1},
		},
		{
			name:      "a name-only side resolving into the same group is internal",
			payments:  []string{"A>#甲财务有限责任公司 10 2024-01-05"},
			stats:     Stats{Payments: 1, Internal: 1, NameMatched: 1},
			edges:     "",
			prospects: "",
		},
		{
			name:      "an id wins over the name beside it",
			payments:  []string{"A1>N 10 2024-01-05"},
			modify:    func(p *kamp.Payment) { p.PayeeName = "甲财务有限公司" }, // would make it internal
			edges:     "A,upstream,N,1,10,1,2024-01-05,2024-01-05\n",
			prospects: "1,N,1,10,1,1,upstream\n",
			stats:     Stats{Payments: 1, Counted: 1},
		},
		{
			name:      "unmatched names are prospects keyed by their match key",
			payments:  []string{"A1>#Acme Trading (HK) 10 2024-01-05", "#ACME  TRADING HK>A1 5 2024-01-06"},
			edges:     "A,downstream,acmetradinghk,0,5,1,2024-01-06,2024-01-06\nA,upstream,acmetradinghk,0,10,1,2024-01-05,2024-01-05\n",
			prospects: "1,acmetradinghk,0,15,2,1,both\n",
			stats:     Stats{Payments: 2, Counted: 2, NameUnmatched: 2},
		},
		{
			name:      "ambiguous names stay unmatched and are reported",
			payments:  []string{"A1>#戊科技有限公司 10 2024-01-05", "#戊科技有限责任公司>B 3 2024-01-06"},
			edges:     "A,upstream,戊科技有限公司,0,10,1,2024-01-05,2024-01-05\nB,downstream,戊科技有限公司,0,3,1,2024-01-06,2024-01-06\n",
			prospects: "1,戊科技有限公司,0,13,2,2,both\n",
			stats:     Stats{Payments: 2, Counted: 2, NameAmbiguous: 2},
			ambiguous: []AmbiguousName{{Key: "戊科技有限公司", Entities: []string{"D1", "D2"}, Sides: 2}},
		},
		{
			name:     "clients are edges but not prospects",
			payments: []string{"A1>C 10 2024-01-05"},
			edges:    "A,upstream,C,1,10,1,2024-01-05,2024-01-05\n",
			stats:    Stats{Payments: 1, Counted: 1},
		},
		{
			name:     "a payment between two strategic units counts for both",
			payments: []string{"A1>B1 10 2024-01-05", "B>A 4 2024-01-06"},
			edges: "A,downstream,B,1,4,1,2024-01-06,2024-01-06\n" +
				"A,upstream,B1,1,10,1,2024-01-05,2024-01-05\n" +
				"B,downstream,A1,1,10,1,2024-01-05,2024-01-05\n" +
				"B,upstream,A,1,4,1,2024-01-06,2024-01-06\n",
			prospects: "1,B1,1,10,1,1,upstream\n",
			stats:     Stats{Payments: 2, Counted: 2, TwoUnits: 2},
		},
		{
			name:     "persons and state bodies are prospects",
			payments: []string{"A1>P 2 2024-01-05", "S>B 3 2024-01-06"},
			edges:    "A,upstream,P,1,2,1,2024-01-05,2024-01-05\nB,downstream,S,1,3,1,2024-01-06,2024-01-06\n",
			prospects: "1,S,1,3,1,1,downstream\n" +
				"2,P,1,2,1,1,upstream\n",
			stats: Stats{Payments: 2, Counted: 2},
		},
		{
			name:     "payments touching no strategic unit count for nothing",
			payments: []string{"C>N 10 2024-01-05", "#某人>#某公司 5 XYZ 2024-01-06", "N>P 1 2024-01-07"},
			stats:    Stats{Payments: 3, Outside: 3, NameUnmatched: 2},
		},
		{
			name: "non-CNY amounts use the latest rate on or before the month's end",
			payments: []string{
				"A1>N 100 USD 2024-01-02", // 7.2 (2024-01-31), not 7.1 nor 9.9
				"A1>N 1 EUR 2024-01-31",   // 0.5
				"A1>P 10 USD 2024-02-15",  // 7.0 (leap day)
				"A1>S 10 USD 2024-03-31",  // 10
				"A1>C 100 JPY 2024-03-01", // 0.05 (dated 2024-03-31)
				"A1>C 1 CNY 2024-03-01",   // 1
			},
			edges: "A,upstream,C,1,6,2,2024-03-01,2024-03-01\n" +
				"A,upstream,N,1,720.5,2,2024-01-02,2024-01-31\n" +
				"A,upstream,P,1,70,1,2024-02-15,2024-02-15\n" +
				"A,upstream,S,1,100,1,2024-03-31,2024-03-31\n",
			prospects: "1,N,1,720.5,2,1,upstream\n2,S,1,100,1,1,upstream\n3,P,1,70,1,1,upstream\n",
			stats:     Stats{Payments: 6, Counted: 6},
		},
		{
			name:      "amounts are rounded half-up only at the end",
			payments:  []string{"A1>N 0.0001 EUR 2024-01-05", "A1>N 0.0001 EUR 2024-01-06", "A1>P 0.0001 EUR 2024-01-06", "A1>S 0.0003 EUR 2024-01-06"},
			edges:     "A,upstream,N,1,0.0001,2,2024-01-05,2024-01-06\nA,upstream,P,1,0.0001,1,2024-01-06,2024-01-06\nA,upstream,S,1,0.0002,1,2024-01-06,2024-01-06\n",
			prospects: "1,S,1,0.0002,1,1,upstream\n2,N,1,0.0001,2,1,upstream\n3,P,1,0.0001,1,1,upstream\n",
			stats:     Stats{Payments: 4, Counted: 4},
		},
		{
			name:      "date range is inclusive at both ends",
			from:      "2024-01-01",
			to:        "2024-01-31",
			payments:  []string{"A1>N 1 2023-12-31", "A1>N 2 2024-01-01", "A1>N 4 2024-01-31", "A1>N 8 2024-02-01", "A1>N 16 XYZ 2024-02-01"},
			edges:     "A,upstream,N,1,6,2,2024-01-01,2024-01-31\n",
			prospects: "1,N,1,6,2,1,upstream\n",
			stats:     Stats{Payments: 5, OutOfRange: 3, Counted: 2},
		},
		{
			name: "ranking: amount, then units, then counterparty bytes",
			payments: []string{
				"A1>#zeta 10 2024-01-05",
				"A1>#alpha 5 2024-01-05", "B>#alpha 5 2024-01-05",
				"A1>#beta 10 2024-01-05",
				"A1>#Beta2 10 2024-01-05",
				"A1>N 3 2024-01-05", "B1>N 7 2024-01-05",
			},
			edges: "A,upstream,N,1,3,1,2024-01-05,2024-01-05\n" +
				"A,upstream,alpha,0,5,1,2024-01-05,2024-01-05\n" +
				"A,upstream,beta,0,10,1,2024-01-05,2024-01-05\n" +
				"A,upstream,beta2,0,10,1,2024-01-05,2024-01-05\n" +
				"A,upstream,zeta,0,10,1,2024-01-05,2024-01-05\n" +
				"B,upstream,N,1,7,1,2024-01-05,2024-01-05\n" +
				"B,upstream,alpha,0,5,1,2024-01-05,2024-01-05\n",
			prospects: "1,N,1,10,2,2,upstream\n" +
				"2,alpha,0,10,2,2,upstream\n" +
				"3,beta,0,10,1,1,upstream\n" +
				"4,beta2,0,10,1,1,upstream\n" +
				"5,zeta,0,10,1,1,upstream\n",
			stats: Stats{Payments: 7, Counted: 7, NameUnmatched: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := worldInput(t, handWorld, "A", "B")
			in.FX = usd
			in.From, in.To = tt.from, tt.to
			var ps []kamp.Payment
			for i, d := range tt.payments {
				p := pay(t, "t"+string(rune('a'+i)), d)
				if tt.modify != nil {
					tt.modify(&p)
				}
				ps = append(ps, p)
			}
			r := run(t, in, ps)
			edges, prospects := csvBody(t, r)
			if edges != tt.edges {
				t.Errorf("edges:\n%s\nwant:\n%s", edges, tt.edges)
			}
			if prospects != tt.prospects {
				t.Errorf("prospects:\n%s\nwant:\n%s", prospects, tt.prospects)
			}
			if r.Stats != tt.stats {
				t.Errorf("stats = %+v, want %+v", r.Stats, tt.stats)
			}
			if !slices.EqualFunc(r.Ambiguous, tt.ambiguous, func(x, y AmbiguousName) bool {
				return x.Key == y.Key && x.Sides == y.Sides && slices.Equal(x.Entities, y.Entities)
			}) {
				t.Errorf("ambiguous = %+v, want %+v", r.Ambiguous, tt.ambiguous)
			}
		})
	}
}

func TestProspectUnits(t *testing.T) {
	in := worldInput(t, handWorld, "A", "B")
	ps := []kamp.Payment{
		pay(t, "1", "A1>N 1 2024-01-05"), pay(t, "2", "N>A 1 2024-01-05"),
		pay(t, "3", "N>B1 1 2024-01-05"), pay(t, "4", "B>#x 1 2024-01-05"),
	}
	r := run(t, in, ps)
	want := map[string][]string{"N": {"A", "B"}, "x": {"B"}}
	for _, p := range r.Prospects {
		if !slices.Equal(p.Units, want[p.Counterparty]) {
			t.Errorf("prospect %s: units %v, want %v", p.Counterparty, p.Units, want[p.Counterparty])
		}
	}
	if len(r.Prospects) != len(want) {
		t.Errorf("%d prospects, want %d", len(r.Prospects), len(want))
	}
}

func TestAddErrors(t *testing.T) {
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-02-01", Currency: "USD", Rate: 70_000_000_000}}
	tests := []struct {
		name string
		p    kamp.Payment
		want string
	}{
		{"bad date", kamp.Payment{TxnID: "1", Date: "2024-02-30", PayerID: "A", PayeeID: "N", Amount: 1}, `date "2024-02-30"`},
		{"zero amount", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "A", PayeeID: "N"}, "amount 0 is not > 0"},
		{"negative amount", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "A", PayeeID: "N", Amount: -1}, "amount -0.0001"},
		{"unknown payer id", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "ZZ", PayeeID: "N", Amount: 1}, `payer_id "ZZ" is not in entities`},
		{"unknown payee id", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "A", PayeeID: "ZZ", PayeeName: "丁贸易有限公司", Amount: 1}, `payee_id "ZZ" is not in entities`},
		{"side without id or name", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "A", Amount: 1}, "payee has neither id nor name"},
		{"empty match key", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerName: "（ ）", PayeeID: "A", Amount: 1}, "empty match key"},
		{"currency without rates", kamp.Payment{TxnID: "1", Date: "2024-01-01", PayerID: "A", PayeeID: "N", Amount: 1, Currency: "GBP"}, `unknown currency "GBP"`},
		{"currency without rate yet", kamp.Payment{TxnID: "1", Date: "2024-01-31", PayerID: "A", PayeeID: "N", Amount: 1, Currency: "USD"}, "no rate on or before the end of 2024-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(in)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Add(tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("Add: error %v, want EINVALID containing %q", err, tt.want)
			}
			if a.Stats() != (Stats{}) || len(a.edgeUnit) != 0 {
				t.Errorf("a failed Add changed the accumulator: %+v", a.Stats())
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Input)
		want   string
	}{
		{"column lengths", func(in *Input) { in.Names = in.Names[1:] }, "names"},
		{"empty id", func(in *Input) { in.IDs[0] = "" }, "empty id"},
		{"duplicate id", func(in *Input) { in.IDs[1] = "A" }, `"A" is listed twice`},
		{"root out of range", func(in *Input) { in.Root[1] = 99 }, "group root 99"},
		{"root not its own root", func(in *Input) { in.Root[0] = 3 }, "not an entity that is its own root"},
		{"unit not a root", func(in *Input) { in.Units = []int32{1} }, "strategic unit 1 is not a group root"},
		{"unit twice", func(in *Input) { in.Units = []int32{0, 0} }, "listed twice"},
		{"bad from", func(in *Input) { in.From = "2024-1-1" }, "from date"},
		{"bad to", func(in *Input) { in.To = "20240101" }, "to date"},
		{"inverted range", func(in *Input) { in.From, in.To = "2024-02-01", "2024-01-31" }, "is after"},
		{"fx date", func(in *Input) { in.FX = []kamp.FXRate{{Date: "2024-13-01", Currency: "USD", Rate: 1}} }, "rate 1: date"},
		{"fx currency", func(in *Input) { in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "usd", Rate: 1}} }, "ISO 4217"},
		{"fx rate", func(in *Input) { in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 0}} }, "rates are > 0"},
		{"fx two rates", func(in *Input) {
			in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 1}, {Date: "2024-01-01", Currency: "USD", Rate: 2}}
		}, "two rates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := worldInput(t, handWorld, "A", "B")
			tt.modify(&in)
			_, err := New(in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("New: error %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 1}, {Date: "2024-01-01", Currency: "USD", Rate: 1}}
	if _, err := New(in); err != nil {
		t.Errorf("New with a repeated identical rate: %v", err)
	}
}

func TestAmountRounding(t *testing.T) {
	tests := []struct {
		sum  u128
		want kamp.Amount
		ok   bool
	}{
		{u128{0, 0}, 0, true},
		{u128{0, 4_999_999_999}, 0, true},
		{u128{0, 5_000_000_000}, 1, true},
		{u128{0, 15_000_000_000}, 2, true},
		{u128{0, 14_999_999_999}, 1, true},
		{u128{1, 0}, 1844674407, true}, // 2^64 / 1e10 = 1844674407.37
		{u128{1e10, 0}, 0, false},
		{u128{5e9, 0}, 0, false}, // > 2^63 Amount units
	}
	for _, tt := range tests {
		got, ok := tt.sum.amount()
		if got != tt.want || ok != tt.ok {
			t.Errorf("%+v.amount() = %d, %v; want %d, %v", tt.sum, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		in   string
		want int32
		ok   bool
	}{
		{"2024-02-29", 20240229, true},
		{"2023-02-29", 0, false},
		{"1900-02-29", 0, false},
		{"2000-02-29", 20000229, true},
		{"2024-04-31", 0, false},
		{"2024-12-31", 20241231, true},
		{"0000-01-01", 0, false},
		{"2024-00-10", 0, false},
		{"2024-01-00", 0, false},
		{"2024/01/01", 0, false},
		{"2024-01-1a", 0, false},
		{"2024-01-011", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDate(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && formatDate(got) != tt.in {
			t.Errorf("formatDate(%d) = %q, want %q", got, formatDate(got), tt.in)
		}
	}
}

func TestDirectionString(t *testing.T) {
	for d, want := range map[Direction]string{Upstream: "upstream", Downstream: "downstream", Both: "both", 0: ""} {
		if d.String() != want {
			t.Errorf("Direction(%d).String() = %q, want %q", d, d.String(), want)
		}
	}
}

func TestCSVQuoting(t *testing.T) {
	r := &Result{
		Edges:     []Edge{{Unit: "U", Direction: Upstream, Counterparty: `a,"b"`, Amount: 12345, Payments: 1, First: "2024-01-01", Last: "2024-01-02"}},
		Prospects: []Prospect{{Rank: 1, Counterparty: `a,"b"`, Amount: 12345, Payments: 1, Units: []string{"U"}, Direction: Upstream}},
	}
	edges, prospects := csvBody(t, r)
	if want := "U,upstream,\"a,\"\"b\"\"\",0,1.2345,1,2024-01-01,2024-01-02\n"; edges != want {
		t.Errorf("edges = %q, want %q", edges, want)
	}
	if want := "1,\"a,\"\"b\"\"\",0,1.2345,1,1,upstream\n"; prospects != want {
		t.Errorf("prospects = %q, want %q", prospects, want)
	}
}

func TestSumOverflow(t *testing.T) {
	in := worldInput(t, handWorld, "A", "B")
	in.FX = []kamp.FXRate{{Date: "2024-01-01", Currency: "USD", Rate: 1 << 62}}
	a, err := New(in)
	if err != nil {
		t.Fatal(err)
	}
	p := kamp.Payment{TxnID: "big", Date: "2024-01-02", PayerID: "A1", PayeeID: "B1", Amount: 1<<63 - 1, Currency: "USD"}
	// Each payment adds just under 2^125 units to both edges; the sum passes
	// 2^128 at the ninth.
	for i := 1; i <= 8; i++ {
		if err := a.Add(p); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
	}
	before := a.Stats()
	err = a.Add(p)
	if err == nil || !strings.Contains(err.Error(), "overflows") || kamp.ErrorCode(err) != kamp.EINVALID {
		t.Fatalf("ninth payment: error %v, want EINVALID overflow", err)
	}
	if a.Stats() != before || a.edgeN[0] != 8 || a.edgeN[1] != 8 {
		t.Errorf("the failed Add changed the accumulator: %+v, edge counts %v", a.Stats(), a.edgeN)
	}
	if _, err := a.Result(); err == nil || !strings.Contains(err.Error(), "exceeds the amount range") {
		t.Errorf("Result: error %v, want the amount range exceeded", err)
	}
}

// TestKnownBeforeUnmatched checks the tie between an entity id and an
// unmatched name with the same string: the entity comes first.
func TestKnownBeforeUnmatched(t *testing.T) {
	world := append(slices.Clone(handWorld), ent{id: "acme", name: "某某有限公司"})
	in := worldInput(t, world, "A", "B")
	ps := []kamp.Payment{
		pay(t, "1", "A1>#ACME 5 2024-01-05"), pay(t, "2", "A1>acme 5 2024-01-06"),
		pay(t, "3", "B>#ACME 5 2024-01-05"), pay(t, "4", "B>acme 5 2024-01-06"),
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}} {
		var shuffled []kamp.Payment
		for _, i := range order {
			shuffled = append(shuffled, ps[i])
		}
		edges, prospects := csvBody(t, run(t, in, shuffled))
		wantE := "A,upstream,acme,1,5,1,2024-01-06,2024-01-06\n" +
			"A,upstream,acme,0,5,1,2024-01-05,2024-01-05\n" +
			"B,upstream,acme,1,5,1,2024-01-06,2024-01-06\n" +
			"B,upstream,acme,0,5,1,2024-01-05,2024-01-05\n"
		wantP := "1,acme,1,10,2,2,upstream\n2,acme,0,10,2,2,upstream\n"
		if edges != wantE || prospects != wantP {
			t.Errorf("order %v: edges\n%s\nprospects\n%s\nwant\n%s\n%s", order, edges, prospects, wantE, wantP)
		}
	}
}

func TestAppendAmount(t *testing.T) {
	vals := []kamp.Amount{0, 1, -1, 10, 9999, 10000, 12345, 2300000, 12345000, -12345000, 1<<63 - 1, -1 << 63, -10000, 1000}
	for i := int64(1); i < 1e6; i = i*7 + 3 {
		vals = append(vals, kamp.Amount(i), kamp.Amount(-i))
	}
	for _, v := range vals {
		if got := string(appendAmount([]byte("x"), v)); got != "x"+v.String() {
			t.Errorf("appendAmount(%d) = %q, want %q", int64(v), got[1:], v.String())
		}
	}
}

// TestDateMemo checks dateMemo against formatDate on every day of seven
// years, in random order and twice over, so that slots are shared and
// reused.
func TestDateMemo(t *testing.T) {
	var days []int32
	for y := int32(2020); y <= 2026; y++ {
		for m := int32(1); m <= 12; m++ {
			for d := int32(1); d <= daysIn(y, m); d++ {
				days = append(days, y*10000+m*100+d)
			}
		}
	}
	days = append(days, days...)
	r := rand.New(rand.NewPCG(7, 8))
	r.Shuffle(len(days), func(i, j int) { days[i], days[j] = days[j], days[i] })
	var m dateMemo
	for _, d := range days {
		if got, want := m.format(d), formatDate(d); got != want {
			t.Fatalf("dateMemo.format(%d) = %q, want %q", d, got, want)
		}
		if got, want := string(m.appendDate([]byte("x"), d)), "x"+formatDate(d); got != want {
			t.Fatalf("dateMemo.appendDate(%d) = %q, want %q", d, got, want)
		}
	}
}
