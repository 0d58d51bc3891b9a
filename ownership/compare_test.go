package ownership_test

import (
	"reflect"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/ownership"
)

func TestCompare(t *testing.T) {
	// T controls P (agreement), P controls S (60%), S controls G; O has
	// no controller; X and Y hold 50% each of Z (no controller).
	ids := []string{"T", "P", "S", "G", "O", "X", "Y", "Z", "A", "B"}
	idx := map[string]int32{}
	for i, id := range ids {
		idx[id] = int32(i)
	}
	e := func(h, held string, share int64, agr bool) control.Edge {
		return control.Edge{Holder: idx[h], Held: idx[held], Share: kamp.Share(share * 1_000_000), Agreement: agr}
	}
	in := control.Input{IDs: ids, Edges: []control.Edge{
		e("T", "P", 0, true), e("P", "S", 60, false), e("S", "G", 0, true),
		e("X", "Z", 50, false), e("Y", "Z", 50, false),
	}}
	res, err := control.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ult  []ownership.Ultimate
		want []ownership.Disagreement
	}{
		{"agree", []ownership.Ultimate{{Entity: "P", Parent: "T"}, {Entity: "S", Parent: "T"}, {Entity: "G", Parent: "T"}}, nil},
		{"no controller in kamp", []ownership.Ultimate{{Entity: "O", Parent: "T"}},
			[]ownership.Disagreement{{Entity: "O", GLEIF: "T", Kamp: "O"}}},
		{"kamp goes elsewhere, sorted, once each", []ownership.Ultimate{{Entity: "Z", Parent: "X"}, {Entity: "G", Parent: "P"}, {Entity: "G", Parent: "S"}},
			[]ownership.Disagreement{{Entity: "G", GLEIF: "P", Kamp: "T"}, {Entity: "Z", GLEIF: "X", Kamp: "Z"}}},
		{"unknown to kamp", []ownership.Ultimate{{Entity: "Q", Parent: "T"}},
			[]ownership.Disagreement{{Entity: "Q", GLEIF: "T"}}},
		{"none", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ownership.Compare(tc.ult, in, res)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Compare = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if _, err := ownership.Compare(nil, control.Input{IDs: ids[:2]}, res); err == nil {
		t.Errorf("a result of another length was accepted")
	}
}

func TestCompareConflict(t *testing.T) {
	// A and B each control C by agreement: C's nearest controller is not
	// unique, so kamp stops at C and flags it.
	in := control.Input{IDs: []string{"A", "B", "C", "D"}, Edges: []control.Edge{
		{Holder: 0, Held: 2, Agreement: true}, {Holder: 1, Held: 2, Agreement: true}, {Holder: 2, Held: 3, Agreement: true},
	}}
	res, err := control.Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ownership.Compare([]ownership.Ultimate{{Entity: "D", Parent: "A"}}, in, res)
	want := []ownership.Disagreement{{Entity: "D", GLEIF: "A", Kamp: "C", Conflict: true}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Compare = %+v, %v; want %+v", got, err, want)
	}
}
