package control

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// formatSteps renders steps as "E: A 30, B 30 agr = 60 agr | ...".
func formatSteps(in Input, steps []Step) string {
	var parts []string
	for _, s := range steps {
		var hs []string
		for _, h := range s.Holdings {
			x := in.IDs[h.Holder] + " " + h.Share.String()
			if h.Agreement {
				x += " agr"
			}
			hs = append(hs, x)
		}
		x := fmt.Sprintf("%s: %s = %s", in.IDs[s.Entity], strings.Join(hs, ", "), s.Total)
		if s.Agreement {
			x += " agr"
		}
		parts = append(parts, x)
	}
	return strings.Join(parts, " | ")
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name, entities, edges string
		ctrl, e               string // ctrl "" means the immediate controller
		want                  string // formatted steps, or an error code
	}{
		{"direct", "A B", "A>B 60", "A", "B", "B: A 60 = 60"},
		{"immediate", "A B", "A>B 30 agr; A>B 10", "", "B", "B: A 40 agr = 40 agr"},
		{"chain", "H A B", "H>A 60; A>B 70", "H", "B", "B: A 70 = 70 | A: H 60 = 60"},
		{"through subsidiaries", "H A B X", "H>A 60; A>B 60; H>X 20; A>X 20; B>X 20", "H", "X",
			"X: A 20, B 20, H 20 = 60 | A: H 60 = 60 | B: A 60 = 60"},
		{"agreement by subsidiary", "H S T", "H>S 60; S>T agr", "H", "T", "T: S 0 agr = 0 agr | S: H 60 = 60"},
		// Only the holdings counted when X was first controlled are given,
		// so the derivation never loops: A's holding in B counts for B, and
		// B's later holding in A is not needed for A.
		{"cross holdings", "H A B", "H>A 60; A>B 40; H>B 20; B>A 10", "H", "B", "B: A 40, H 20 = 60 | A: H 60 = 60"},
		{"cycle", "X A B", "X>B agr; A>B 60; B>A 60", "B", "A", "A: B 60 = 60"},
		{"not control", "A B C", "A>B 30; C>B 30", "A", "B", kamp.ENOTFOUND},
		{"exactly 50", "A B", "A>B 50", "A", "B", kamp.ENOTFOUND},
		{"self control is not control", "c a b", "c>a 60; c>b 60; a>c 30; b>c 30", "c", "c", kamp.EINVALID},
		{"no immediate controller", "A B", "", "", "B", kamp.ENOTFOUND},
		{"conflict", "X Y E", "X>E agr; Y>E 60", "", "E", kamp.ENOTFOUND},
		{"conflict still controlled", "X Y E", "X>E agr; Y>E 60", "Y", "E", "E: Y 60 = 60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := buildInput(t, tt.entities, tt.edges)
			res, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			idx := func(id string) int32 {
				for i, x := range in.IDs {
					if x == id {
						return int32(i)
					}
				}
				return -1
			}
			steps, err := Explain(in, res, idx(tt.ctrl), idx(tt.e))
			got := formatSteps(in, steps)
			if err != nil {
				got = kamp.ErrorCode(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExplainErrors(t *testing.T) {
	in := buildInput(t, "A B", "A>B 60")
	res, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	bad := in
	bad.Edges = []Edge{{Holder: 0, Held: 0}}
	for name, f := range map[string]func() error{
		"entity out of range":     func() error { _, err := Explain(in, res, 0, 2); return err },
		"controller out of range": func() error { _, err := Explain(in, res, -2, 1); return err },
		"bad input":               func() error { _, err := Explain(bad, res, 0, 1); return err },
		"result does not fit":     func() error { _, err := Explain(in, Result{}, 0, 1); return err },
	} {
		if err := f(); kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", name, err)
		}
	}
}

// TestExplainRandom checks Explain against the reference control relation on
// random graphs.
func TestExplainRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		n := 2 + r.IntN(9)
		in := genRandom(r, n, r.IntN(3*n))
		res, err := Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		ctrl := referenceControl(in)
		for h := range int32(n) {
			for e := range int32(n) {
				if h != e {
					checkExplain(t, in, res, h, e, ctrl[h][e])
				}
			}
		}
	}
}

// checkExplain checks that Explain(h, e) succeeds exactly when h controls e,
// and that its steps form a sound derivation from the input's holdings.
func checkExplain(t testing.TB, in Input, res Result, h, e int32, controls bool) {
	t.Helper()
	steps, err := Explain(in, res, h, e)
	if !controls {
		if kamp.ErrorCode(err) != kamp.ENOTFOUND {
			t.Fatalf("Explain(%s, %s) = %v, %v; want ENOTFOUND\ninput: %s", in.IDs[h], in.IDs[e], formatSteps(in, steps), err, describe(in))
		}
		return
	}
	if err != nil {
		t.Fatalf("Explain(%s, %s): %v\ninput: %s", in.IDs[h], in.IDs[e], err, describe(in))
	}
	type key struct{ h, e int32 }
	share := map[key]kamp.Share{}
	agr := map[key]bool{}
	for _, x := range in.Edges {
		share[key{x.Holder, x.Held}] += x.Share
		agr[key{x.Holder, x.Held}] = agr[key{x.Holder, x.Held}] || x.Agreement
	}
	if len(steps) == 0 || steps[0].Entity != e {
		t.Fatalf("Explain(%s, %s) does not start with %s", in.IDs[h], in.IDs[e], in.IDs[e])
	}
	explained := map[int32]Step{}
	for _, s := range steps {
		if _, dup := explained[s.Entity]; dup || s.Entity == h {
			t.Fatalf("Explain(%s, %s): %s explained twice or is the controller", in.IDs[h], in.IDs[e], in.IDs[s.Entity])
		}
		explained[s.Entity] = s
		var total kamp.Share
		a := false
		for _, x := range s.Holdings {
			k := key{x.Holder, s.Entity}
			if _, ok := share[k]; !ok || share[k] != x.Share || agr[k] != x.Agreement {
				t.Fatalf("Explain(%s, %s): holding %+v of %s is not in the input", in.IDs[h], in.IDs[e], x, in.IDs[s.Entity])
			}
			total += x.Share
			a = a || x.Agreement
		}
		if total != s.Total || a != s.Agreement || !(total > controlShare || a) {
			t.Fatalf("Explain(%s, %s): step %s does not add up or does not give control", in.IDs[h], in.IDs[e], in.IDs[s.Entity])
		}
	}
	// Every step must rest on steps already proven, starting from h alone.
	proven := map[int32]bool{h: true}
	for progress := true; progress; {
		progress = false
		for v, s := range explained {
			if proven[v] {
				continue
			}
			ok := true
			for _, x := range s.Holdings {
				ok = ok && proven[x.Holder]
			}
			if ok {
				proven[v] = true
				progress = true
			}
		}
	}
	if !proven[e] || len(proven) != len(explained)+1 {
		t.Fatalf("Explain(%s, %s) = %s is circular or rests on unexplained holders", in.IDs[h], in.IDs[e], formatSteps(in, steps))
	}
}
