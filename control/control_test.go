package control

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kampbank/kamp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// cases has one small hand-made graph for each rule of engines.md §1. The
// expected groups.csv of each is testdata/NAME.csv; every case is also
// checked against the reference transcription of the spec.
var cases = []struct {
	name, entities, edges string
}{
	{"no_edges", "B A C:state D:person", ""},
	{"deep_chain", "P:person A B C D E F", "P>A 100; A>B 60; B>C 75; C>D 50.000001; D>E 90; E>F 51"},
	{"exactly_50_is_not_control", "A B C D E F", "A>B 50; C>D 50; C>D 0.000001; E>F 49.999999; E>F 0.000001"},
	{"minority_and_split", "A B C T", "A>T 30; B>T 30; C>T 40"},
	// H controls E through two subsidiaries acting together (a diamond).
	{"diamond", "H A B E", "H>A 60; H>B 60; A>E 30; B>E 30"},
	// H 30% of E plus A 30% of E where H controls A; and X reached through
	// three controlled holders, none of which controls X alone.
	{"cumulative", "H A B E X Y", "H>A 60; A>B 60; H>E 30; A>E 30; H>X 20; A>X 20; B>X 20; A>Y 20; B>Y 31"},
	// Agreement without a share, with a share that also counts, and by a
	// controlled subsidiary.
	{"agreement", "A B C D H S T U", "A>B agr; C>D agr 10; H>S 60; S>T agr; H>U 30; S>U 10 agr; C>U 10"},
	// Duplicate rows are merged: shares summed, agreements OR-ed.
	{"duplicates_merged", "A B C D E F", "A>B 30; A>B 25; C>D 30; C>D 0 agr; E>F 20; E>F 20; E>F 10"},
	// A and B control each other; X controls the pair by agreement. S is an
	// outside subsidiary of a member, T is held by the outside controller and
	// a member, U by two members, V by a member and the outside controller.
	{"cycle_of_two", "X B A S T U V", "X>B agr; A>B 60; B>A 60; B>S 70; X>T 30; B>T 30; A>U 30; B>U 30; B>V 60; X>V agr"},
	// c3 -> a3 -> b3 -> c3, each 60%, controlled from outside by Q through
	// b3; no id is first in the input order.
	{"cycle_of_three", "Q c3 b3 a3 S", "c3>a3 60; a3>b3 60; b3>c3 60; Q>b3 agr; c3>S 80; Q>S 10"},
	// A cycle with no outside controller is its own group; a company whose
	// controller is a state body is its own group root; holdings of 0%
	// count for nothing.
	{"cycle_at_top", "K M N G:state", "K>M 60; M>K 60; G>N 100; M>N 0; K>G 0"},
	// Cross-holdings that are not control: c holds 60% of a and b, which
	// each hold 30% of c.
	{"not_a_cycle", "c a b", "c>a 60; c>b 60; a>c 30; b>c 30"},
	// An ownership cycle where control comes partly from outside: H controls
	// A, which with H controls B; B holds C, which holds some of A.
	{"ownership_cycle_without_control_cycle", "H A B C D", "H>A 60; A>B 40; H>B 20; B>C 60; C>A 10; A>D 30; B>D 30; D>A 5"},
	// Two controllers, neither controlling the other: E is flagged and keeps
	// its subsidiaries; the conflict does not spread to F and G.
	{"conflict", "X Y E F G Z W", "X>E agr; Y>E 60; E>F 100; F>G 60; Z>X 100; Z>Y 100; W>G 10"},
	// Two agreements from two holders, and a conflict inside a chain.
	{"conflict_two_agreements", "P A1 A2 E K L", "P>A1 100; A1>E agr; A2>E agr; E>K 60; P>L 60; L>K 0"},
	// Nearest controllers inside one cycle are not a conflict; the cycle's
	// representative has a conflict when two outsiders control the cycle.
	{"conflict_on_cycle", "R1 R2 B A S", "A>B 60; B>A 60; R1>A agr; R2>B agr; A>S 30; B>S 30"},
	// Two companies under one state body are separate groups; a state body
	// is its own root; a state body below a company stops the group there.
	{"state_roots", "S:state A A1 B B1 S2:state C S3:state D", "S>A 100; S>B 100; A>A1 60; B>B1 60; S2>S 100; C>S3 60; S3>D 60"},
	// A person at the top connects the companies below it.
	{"person_at_top", "P:person A B C", "P>A 60; P>B 60; B>C 51"},
}

func TestCases(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := buildInput(t, tc.entities, tc.edges)
			res, err := Compute(in)
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			checkInvariants(t, in, res)
			if d := diffResults(in, res, reference(in)); d != "" {
				t.Errorf("differs from the reference: %s", d)
			}
			got := groupsCSV(t, in, res)
			path := filepath.Join("testdata", tc.name+".csv")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("groups.csv:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	ids := []string{"A", "B"}
	tests := []struct {
		name string
		in   Input
	}{
		{"self holding", Input{IDs: ids, Edges: []Edge{{Holder: 1, Held: 1, Share: 10}}}},
		{"holder out of range", Input{IDs: ids, Edges: []Edge{{Holder: 2, Held: 1, Share: 10}}}},
		{"held out of range", Input{IDs: ids, Edges: []Edge{{Holder: 0, Held: -1, Share: 10}}}},
		{"negative share", Input{IDs: ids, Edges: []Edge{{Holder: 0, Held: 1, Share: -1}}}},
		{"share above 100", Input{IDs: ids, Edges: []Edge{{Holder: 0, Held: 1, Share: maxShare + 1}}}},
		{"state column too short", Input{IDs: ids, State: []bool{true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(tt.in)
			if kamp.ErrorCode(err) != kamp.EINVALID {
				t.Fatalf("Compute: got %v, want an EINVALID error", err)
			}
		})
	}
	// Valid extremes are accepted.
	in := Input{IDs: ids, Edges: []Edge{{Holder: 0, Held: 1, Share: maxShare}, {Holder: 1, Held: 0}}}
	res, err := Compute(in)
	if err != nil || res.Controller[1] != 0 || res.Controller[0] != -1 {
		t.Fatalf("Compute(%s) = %+v, %v", describe(in), res, err)
	}
	if res, err := Compute(Input{}); err != nil || res.Len() != 0 {
		t.Fatalf("Compute(empty) = %+v, %v", res, err)
	}
}

func TestWriteGroupsCSVErrors(t *testing.T) {
	in := buildInput(t, "A B", "A>B 60")
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	dup := in
	dup.IDs = []string{"A", "A"}
	dup3 := Input{IDs: []string{"B", "A", "B"}}
	res3, err := Compute(dup3)
	if err != nil {
		t.Fatal(err)
	}
	short := res
	short.Root = short.Root[:1]
	bad := res
	bad.Root = []int32{1, 1}
	bad.Root = []int32{0, 1}
	bad.Controller = []int32{5, 0}
	for name, tc := range map[string]struct {
		in  Input
		res Result
	}{
		"duplicate ids":       {dup, res},
		"duplicate ids apart": {dup3, res3},
		"short column":        {in, short},
		"bad index":           {in, bad},
	} {
		if err := WriteGroupsCSV(discard{}, tc.in, tc.res); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("%s: got %v, want an EINVALID error", name, err)
		}
	}
	if err := WriteGroupsCSV(failWriter{}, in, res); err == nil || !errors.Is(err, errWrite) {
		t.Errorf("write failure: got %v", err)
	}
}

func TestWriteGroupsCSVQuoting(t *testing.T) {
	in := Input{IDs: []string{`a,b`, `q"x`, " s", "plain"}, Edges: []Edge{{Holder: 0, Held: 1, Share: 60_000_000}}}
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	want := GroupsHeader + "\n" +
		`" s",," s"," s",0,0` + "\n" +
		`"a,b",,"a,b","a,b",0,0` + "\n" +
		"plain,,plain,plain,0,0\n" +
		`"q""x","a,b","a,b","a,b",0,0` + "\n"
	if got := groupsCSV(t, in, res); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }
