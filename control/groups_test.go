package control

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// formatGroups renders groups as "ROOT(depth D): M1 M2 | ...".
func formatGroups(in Input, g Groups) string {
	var parts []string
	for i, r := range g.Roots {
		var ms []string
		for _, m := range g.Group(i) {
			ms = append(ms, in.IDs[m])
		}
		parts = append(parts, fmt.Sprintf("%s(%d): %s", in.IDs[r], g.Depth[i], strings.Join(ms, " ")))
	}
	return strings.Join(parts, " | ")
}

func TestNewGroups(t *testing.T) {
	tests := []struct {
		name, entities, edges, want string
	}{
		{"empty", "", "", ""},
		{"singletons", "B A", "", "A(0): A | B(0): B"},
		{"deep chain", "P:person F E D C B A", "P>A 100; A>B 60; B>C 75; C>D 51; D>E 90; E>F 51",
			"P(6): A B C D E F P"},
		{"state bodies split groups", "S:state B1 B A1 A", "S>A 100; S>B 100; A>A1 60; B>B1 60",
			"A(1): A A1 | B(1): B B1 | S(0): S"},
		{"conflict keeps its subsidiaries", "X Y E F G", "X>E agr; Y>E 60; E>F 100; F>G 60",
			"E(2): E F G | X(0): X | Y(0): Y"},
		{"person at the top joins companies", "P:person A B C", "P>A 60; P>B 60; B>C 51",
			"P(2): A B C P"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := buildInput(t, tt.entities, tt.edges)
			res, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			g, err := NewGroups(in, res)
			if err != nil {
				t.Fatal(err)
			}
			if got := formatGroups(in, g); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			for i := range g.Len() {
				if g.Size(i) != len(g.Group(i)) {
					t.Errorf("group %d: Size %d, %d members", i, g.Size(i), len(g.Group(i)))
				}
			}
		})
	}
}

// TestNewGroupsRandom checks that groups partition the entities consistently
// with the result.
func TestNewGroupsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 30 {
		in := genGroups(r, 1+r.IntN(3000))
		res, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		g, err := NewGroups(in, res)
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, len(in.IDs))
		for i, root := range g.Roots {
			if i > 0 && in.IDs[g.Roots[i-1]] >= in.IDs[root] {
				t.Fatal("roots are not in id order")
			}
			depth := int32(0)
			for j, m := range g.Group(i) {
				if seen[m] || res.Root[m] != root || g.Index[m] != int32(i) {
					t.Fatalf("%s is misplaced", in.IDs[m])
				}
				if j > 0 && in.IDs[g.Group(i)[j-1]] >= in.IDs[m] {
					t.Fatal("members are not in id order")
				}
				seen[m] = true
				depth = max(depth, res.Depth[m])
			}
			if depth != g.Depth[i] {
				t.Fatalf("group %s: depth %d, want %d", in.IDs[root], g.Depth[i], depth)
			}
		}
		if slices.Contains(seen, false) {
			t.Fatal("an entity is in no group")
		}
	}
}

func TestNewGroupsErrors(t *testing.T) {
	in := buildInput(t, "A B", "A>B 60")
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	bad := res
	bad.Root = []int32{1, 0} // roots that are not roots
	if _, err := NewGroups(in, bad); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("got %v, want EINVALID", err)
	}
}

// TestSortedOrder compares the radix sort with a plain comparison sort on
// ids that share long prefixes, differ only past 8 or 16 bytes, hold zero
// bytes, repeat, or are empty.
func TestSortedOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	alphabet := []string{"", "\x00", "a", "b", "Z", "0", "\xff", "ab", "91110000"}
	for range 500 {
		n := r.IntN(40)
		ids := make([]string, n)
		for i := range ids {
			var b strings.Builder
			for range r.IntN(7) {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			ids[i] = b.String()
		}
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(a, b int32) int { return strings.Compare(ids[a], ids[b]) })
		if got := SortedOrder(ids); !slices.Equal(got, want) {
			t.Fatalf("SortedOrder(%q) = %v, want %v", ids, got, want)
		}
	}
	for _, tc := range []struct {
		ids  []string
		want []int32
	}{
		{nil, []int32{}},
		{[]string{"0123456789abcdefZ", "0123456789abcdefA"}, []int32{1, 0}}, // differ at byte 17
		{[]string{"01234567Z", "01234567A", "0123"}, []int32{2, 1, 0}},      // differ at byte 9
		{[]string{"ab\x00", "ab", "ab\x00", "a"}, []int32{3, 1, 0, 2}},      // zero bytes, duplicates
		{[]string{"0123456789abcdef", "0123456789abcde"}, []int32{1, 0}},    // a prefix of 16 bytes
	} {
		if got := SortedOrder(tc.ids); !slices.Equal(got, tc.want) {
			t.Errorf("SortedOrder(%q) = %v, want %v", tc.ids, got, tc.want)
		}
	}
}

// TestWriteGroupsCSVOrder checks groups.csv of large books, whose ids are
// in index order or not, against rows written one by one in id order;
// both are written in many blocks.
func TestWriteGroupsCSVOrder(t *testing.T) {
	shuffled := genGroups(rand.New(rand.NewPCG(7, 7)), 300_000)
	sorted := shuffled
	sorted.IDs = make([]string, len(shuffled.IDs))
	for v := range sorted.IDs {
		sorted.IDs[v] = fmt.Sprintf("E%09d", v)
	}
	for name, in := range map[string]Input{"ids shuffled": shuffled, "ids in index order": sorted} {
		res, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteGroupsCSV(&got, in, res); err != nil {
			t.Fatal(err)
		}
		if got.String() != groupsCSVOneByOne(in, res) {
			t.Errorf("%s: groups.csv of %d entities differs from the rows written one by one", name, len(in.IDs))
		}
		// A write that fails midway stops the writing with its error.
		fw := &failAfter{n: got.Len() / 2}
		if err := WriteGroupsCSV(fw, in, res); !errors.Is(err, errWrite) {
			t.Errorf("%s: write failing after %d bytes: got %v", name, got.Len()/2, err)
		}
	}
}

// groupsCSVOneByOne formats groups.csv row by row with fmt.
func groupsCSVOneByOne(in Input, res Result) string {
	order := make([]int32, len(in.IDs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(in.IDs[a], in.IDs[b]) })
	var want strings.Builder
	want.WriteString(GroupsHeader + "\n")
	bit := map[bool]string{false: "0", true: "1"}
	for _, v := range order {
		ctrl := ""
		if c := res.Controller[v]; c >= 0 {
			ctrl = in.IDs[c]
		}
		fmt.Fprintf(&want, "%s,%s,%s,%s,%s,%s\n", in.IDs[v], ctrl, in.IDs[res.Ultimate[v]], in.IDs[res.Root[v]], bit[res.InCycle[v]], bit[res.Conflict[v]])
	}
	return want.String()
}

// failAfter takes n bytes, then fails every write with errWrite.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		f.n = 0
		return 0, errWrite
	}
	f.n -= len(p)
	return len(p), nil
}
