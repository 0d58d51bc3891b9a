package control

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// exposureCase is a book with tier-1 capital of 1,000,000 yuan (10^10 units)
// whose exposures sit on both sides of every threshold of CN2018: 2.5%
// reporting, 15% for a single client, 20% for a group, and 90% of those.
func exposureCase(t *testing.T) (Input, Result, []kamp.Amount) {
	t.Helper()
	in := buildInput(t, "S1 S2 S3 S4 S5 S6 P A B Q Q1 Z R R1",
		"P>A 60; P>B 60; Q>Q1 60; R>R1 100")
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	exp := []kamp.Amount{
		250_000_000,   // S1: exactly 2.5%: not large
		250_000_001,   // S2: just above 2.5%: large
		1_350_000_000, // S3: exactly 90% of 15%: large, not near
		1_350_000_001, // S4: just above: near
		1_500_000_000, // S5: exactly 15%: near, not a breach
		1_500_000_001, // S6: just above 15%: breach
		1_000_000_000, // P, A, B: 20% in all: near the group limit
		900_000_000,
		100_000_000,
		800_000_000, // Q, Q1: 16%, a breach for a single client, large for a group
		800_000_000,
		0, // Z: no exposure, left out
		0, // R, R1: exposure below the root only
		3,
	}
	return in, res, exp
}

func TestGroupExposures(t *testing.T) {
	in, res, exp := exposureCase(t)
	tests := []struct {
		name   string
		tier1  kamp.Amount
		regime Regime
		want   string
	}{
		{"cn2018", 10_000_000_000, CN2018, GroupExposuresHeader + `
P,3,200000,20,20,0,near
Q,2,160000,16,20,40000,large
S6,1,150000.0001,15.00000001,15,-0.0001,breach
S5,1,150000,15,15,0,near
S4,1,135000.0001,13.50000001,15,14999.9999,near
S3,1,135000,13.5,15,15000,large
S2,1,25000.0001,2.50000001,15,124999.9999,large
S1,1,25000,2.5,15,125000,ok
R,2,0.0003,3e-08,20,199999.9997,ok
`},
		{"basel", 10_000_000_000, BaselLEX, GroupExposuresHeader + `
P,3,200000,20,25,50000,large
Q,2,160000,16,25,90000,large
S6,1,150000.0001,15.00000001,25,99999.9999,large
S5,1,150000,15,25,100000,large
S4,1,135000.0001,13.50000001,25,114999.9999,large
S3,1,135000,13.5,25,115000,large
S2,1,25000.0001,2.50000001,25,224999.9999,ok
S1,1,25000,2.5,25,225000,ok
R,2,0.0003,3e-08,25,249999.9997,ok
`},
		// Without tier-1 capital nothing is flagged.
		{"no tier1", 0, CN2018, GroupExposuresHeader + `
P,3,200000,0,20,0,
Q,2,160000,0,20,0,
S6,1,150000.0001,0,15,0,
S5,1,150000,0,15,0,
S4,1,135000.0001,0,15,0,
S3,1,135000,0,15,0,
S2,1,25000.0001,0,15,0,
S1,1,25000,0,15,0,
R,2,0.0003,0,20,0,
`},
		// The limit amount is rounded down: 15% of 0.0007 yuan (7 units) is
		// 1.05 units, so 1 unit; 20% is 1.4 units, so 1 unit.
		{"rounding", 7, CN2018, GroupExposuresHeader + `
P,3,200000,2.857142857142857e+10,20,-199999.9999,breach
Q,2,160000,2.2857142857142857e+10,20,-159999.9999,breach
S6,1,150000.0001,2.1428571442857143e+10,15,-150000,breach
S5,1,150000,2.142857142857143e+10,15,-149999.9999,breach
S4,1,135000.0001,1.92857143e+10,15,-135000,breach
S3,1,135000,1.9285714285714287e+10,15,-134999.9999,breach
S2,1,25000.0001,3.571428585714286e+09,15,-25000,breach
S1,1,25000,3.571428571428571e+09,15,-24999.9999,breach
R,2,0.0003,42.857142857142854,20,-0.0002,breach
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := GroupExposures(in, res, exp, tt.tier1, tt.regime)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteGroupExposuresCSV(&b, in, rows); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestGroupExposuresErrors(t *testing.T) {
	in, res, exp := exposureCase(t)
	neg := append([]kamp.Amount(nil), exp...)
	neg[3] = -1
	huge := append([]kamp.Amount(nil), exp...)
	huge[6], huge[7] = math.MaxInt64, 1 // P and A overflow together
	tests := []struct {
		name   string
		exp    []kamp.Amount
		tier1  kamp.Amount
		regime Regime
		res    Result
	}{
		{"short exposures", exp[:3], 1, CN2018, res},
		{"negative exposure", neg, 1, CN2018, res},
		{"overflow", huge, 1, CN2018, res},
		{"negative tier1", exp, -1, CN2018, res},
		{"bad regime", exp, 1, Regime{Name: "x", ReportBP: 250, SingleBP: 0, GroupBP: 2000, InterbankBP: 2500}, res},
		{"regime above 100%", exp, 1, Regime{Name: "x", ReportBP: 250, SingleBP: 1500, GroupBP: 10_001, InterbankBP: 2500}, res},
		{"result does not fit", exp, 1, CN2018, Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := GroupExposures(in, tt.res, tt.exp, tt.tier1, tt.regime); kamp.ErrorCode(err) != kamp.EINVALID {
				t.Errorf("got %v, want EINVALID", err)
			}
		})
	}
	if err := WriteGroupExposuresCSV(discard{}, in, []GroupExposure{{GroupID: 99}}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("bad group id: got %v, want EINVALID", err)
	}
	if err := WriteGroupExposuresCSV(failWriter{}, in, []GroupExposure{{GroupID: 0}}); err == nil {
		t.Error("write failure not reported")
	}
}

func TestGroupExposuresHugeTier1(t *testing.T) {
	// Products beyond 64 bits are compared exactly.
	in, res, exp := exposureCase(t)
	rows, err := GroupExposures(in, res, exp, math.MaxInt64, CN2018)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status != StatusOK {
			t.Errorf("%s: status %s, want ok", in.IDs[r.GroupID], r.Status)
		}
		// floor(MaxInt64 * bp / 10000) - exposure, computed with big integers.
		bp := int64(math.Round(r.LimitPct * 100))
		lim := new(big.Int).Mul(big.NewInt(math.MaxInt64), big.NewInt(bp))
		lim.Quo(lim, big.NewInt(10_000))
		if want := lim.Int64() - int64(r.Exposure); int64(r.Headroom) != want {
			t.Errorf("%s: headroom %d, want %d", in.IDs[r.GroupID], r.Headroom, want)
		}
	}
	one := make([]kamp.Amount, len(exp))
	one[0] = math.MaxInt64
	rows, err = GroupExposures(in, res, one, math.MaxInt64/5, CN2018)
	if err != nil || len(rows) != 1 || rows[0].Status != StatusBreach {
		t.Fatalf("got %+v, %v; want one breach", rows, err)
	}
}

func TestRegimeByName(t *testing.T) {
	for name, want := range map[string]string{"cn2018": "cn2018", "CN2018": "cn2018", "Basel-LEX": "basel-lex"} {
		r, err := RegimeByName(name)
		if err != nil || r.Name != want {
			t.Errorf("RegimeByName(%q) = %v, %v", name, r, err)
		}
	}
	if _, err := RegimeByName("eu-crr"); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("unknown regime: got %v", err)
	}
}

// TestGroupExposuresOrder checks the order of the rows, largest exposure
// first and ties by group id, against a plain sort, on books full of
// equal exposures whose ids run against the entities' order.
func TestGroupExposuresOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 50 {
		n := 1 + r.IntN(400)
		in := Input{IDs: make([]string, n)}
		for v := range in.IDs {
			in.IDs[v] = fmt.Sprintf("G%05d", r.IntN(100000)*n+v)
		}
		res := Result{Controller: make([]int32, n), Ultimate: make([]int32, n), Root: make([]int32, n),
			Depth: make([]int32, n), InCycle: make([]bool, n), Conflict: make([]bool, n)}
		exp := make([]kamp.Amount, n)
		for v := range n {
			res.Controller[v], res.Ultimate[v], res.Root[v] = -1, int32(v), int32(v)
			if v > 0 && r.IntN(3) == 0 {
				// A member of an earlier group.
				root := res.Root[r.IntN(v)]
				res.Controller[v], res.Ultimate[v], res.Root[v] = root, root, root
			}
			exp[v] = kamp.Amount(r.IntN(4)) << (r.IntN(3) * 20)
		}
		rows, err := GroupExposures(in, res, exp, 0, CN2018)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(rows)
		slices.SortFunc(want, func(a, b GroupExposure) int {
			if a.Exposure != b.Exposure {
				return cmp.Compare(b.Exposure, a.Exposure)
			}
			return strings.Compare(in.IDs[a.GroupID], in.IDs[b.GroupID])
		})
		if !slices.Equal(rows, want) {
			t.Fatalf("rows out of order:\n%v\nwant\n%v", rows, want)
		}
		sums := map[int32]kamp.Amount{}
		for v, x := range exp {
			sums[res.Root[v]] += x
		}
		for _, row := range rows {
			if row.Exposure != sums[row.GroupID] || row.Exposure == 0 {
				t.Fatalf("group %s: exposure %s, want %s", in.IDs[row.GroupID], row.Exposure, sums[row.GroupID])
			}
			delete(sums, row.GroupID)
		}
		for g, x := range sums {
			if x != 0 {
				t.Fatalf("group %s with exposure %s left out", in.IDs[g], x)
			}
		}
	}
}

// TestWriteGroupExposuresCSVBlocks writes enough rows for several blocks
// and checks them against each row written alone, and that a write failing
// midway is reported.
func TestWriteGroupExposuresCSVBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 2*groupsBlock + 123
	in := Input{IDs: make([]string, n)}
	for v := range in.IDs {
		in.IDs[v] = fmt.Sprintf("G%07d", v)
	}
	in.IDs[5] = "quoted, id" // not a valid id in a file, but one the writer must quote
	rows := make([]GroupExposure, n)
	for i := range rows {
		rows[i] = GroupExposure{GroupID: int32(r.IntN(n)), Members: 1 + r.IntN(9), Exposure: kamp.Amount(r.Int64N(1e15)),
			PctOfTier1: r.Float64() * 30, LimitPct: []float64{15, 20, 25}[r.IntN(3)], Headroom: kamp.Amount(r.Int64N(1e15) - 5e14), Status: StatusOK}
	}
	var got bytes.Buffer
	if err := WriteGroupExposuresCSV(&got, in, rows); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	want.WriteString(GroupExposuresHeader + "\n")
	for _, row := range rows {
		var one bytes.Buffer
		if err := WriteGroupExposuresCSV(&one, in, []GroupExposure{row}); err != nil {
			t.Fatal(err)
		}
		want.WriteString(strings.TrimPrefix(one.String(), GroupExposuresHeader+"\n"))
	}
	if got.String() != want.String() {
		t.Errorf("%d rows written in blocks differ from the rows written one by one", n)
	}
	if err := WriteGroupExposuresCSV(&failAfter{n: got.Len() / 2}, in, rows); !errors.Is(err, errWrite) {
		t.Errorf("write failing midway: got %v", err)
	}
}
