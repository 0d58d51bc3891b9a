package screen

import (
	"math/big"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// amt parses a decimal with at most 4 decimals into an Amount.
func amt(t testing.TB, s string) kamp.Amount {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad amount %q", s)
	}
	r.Mul(r, big.NewRat(10_000, 1))
	if !r.IsInt() || !r.Num().IsInt64() {
		t.Fatalf("amount %q is not a multiple of 0.0001 within int64", s)
	}
	return kamp.Amount(r.Num().Int64())
}

// rate parses a decimal with at most 10 decimals into a Rate.
func rate(t testing.TB, s string) kamp.Rate {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad rate %q", s)
	}
	r.Mul(r, big.NewRat(10_000_000_000, 1))
	if !r.IsInt() {
		t.Fatalf("rate %q has more than 10 decimals", s)
	}
	return kamp.Rate(r.Num().Int64())
}

// unitSpec is a unit of a hand-written case.
type unitSpec struct {
	id      string
	members int32
}

// rowSpec is one value of a hand-written case: unit, currency, indicator,
// amount.
type rowSpec struct {
	unit, cur, ind, amount string
}

// build aggregates a hand-written case.
func build(t testing.TB, units []unitSpec, indicators []string, rows []rowSpec, rates Rates) *Data {
	t.Helper()
	ids := make([]string, len(units))
	members := make([]int32, len(units))
	index := map[string]int32{}
	for i, u := range units {
		ids[i], members[i] = u.id, u.members
		index[u.id] = int32(i)
	}
	a, err := NewAggregator(ids, members, indicators)
	if err != nil {
		t.Fatalf("NewAggregator: %v", err)
	}
	for _, r := range rows {
		k, ok := a.Indicator(r.ind)
		if !ok {
			t.Fatalf("row %+v: no indicator %q", r, r.ind)
		}
		u, ok := index[r.unit]
		if !ok {
			t.Fatalf("row %+v: no unit %q", r, r.unit)
		}
		a.Add(u, r.cur, k, amt(t, r.amount))
	}
	d, err := a.Totals(rates)
	if err != nil {
		t.Fatalf("Totals: %v", err)
	}
	return d
}

// mustScore scores d with weights written as for ParseWeights.
func mustScore(t testing.TB, d *Data, weights string) *Result {
	t.Helper()
	w, err := ParseWeights(weights)
	if err != nil {
		t.Fatalf("ParseWeights(%q): %v", weights, err)
	}
	r, err := d.Score(w)
	if err != nil {
		t.Fatalf("Score: %v", err)
	}
	return r
}

// rankedIDs returns the unit ids in rank order, joined by spaces.
func rankedIDs(d *Data, r *Result) string {
	ids := make([]string, len(r.Order))
	for i, u := range r.Order {
		ids[i] = d.UnitID(u)
	}
	return strings.Join(ids, " ")
}

// tiersByRank returns the tiers in rank order, joined by spaces.
func tiersByRank(r *Result) string {
	ts := make([]string, len(r.Order))
	for i, u := range r.Order {
		ts[i] = r.Tier[u].String()
	}
	return strings.Join(ts, " ")
}

// wantCode checks that err is an application error with the code and a
// message containing want.
func wantCode(t testing.TB, err error, code, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s containing %q", code, want)
	}
	if got := kamp.ErrorCode(err); got != code {
		t.Errorf("error code = %s, want %s (error: %v)", got, code, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err.Error(), want)
	}
}
