package control

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
)

// buildInput makes an Input from a compact description. entities is a
// space-separated list of ids, each optionally suffixed ":state" or
// ":person". edges is a ";"-separated list of "HOLDER>HELD [PCT] [agr]",
// where PCT is a decimal percentage.
func buildInput(t testing.TB, entities, edges string) Input {
	t.Helper()
	var in Input
	index := map[string]int32{}
	for _, tok := range strings.Fields(entities) {
		id, kind, _ := strings.Cut(tok, ":")
		if _, dup := index[id]; dup {
			t.Fatalf("entity %q listed twice", id)
		}
		index[id] = int32(len(in.IDs))
		in.IDs = append(in.IDs, id)
		in.State = append(in.State, kind == "state")
	}
	for _, spec := range strings.Split(edges, ";") {
		f := strings.Fields(spec)
		if len(f) == 0 {
			continue
		}
		h, d, ok := strings.Cut(f[0], ">")
		hi, ok1 := index[h]
		di, ok2 := index[d]
		if !ok || !ok1 || !ok2 {
			t.Fatalf("bad edge %q", spec)
		}
		e := Edge{Holder: hi, Held: di}
		for _, x := range f[1:] {
			if x == "agr" {
				e.Agreement = true
				continue
			}
			e.Share = parsePct(t, x)
		}
		in.Edges = append(in.Edges, e)
	}
	return in
}

// parsePct parses a decimal percentage with at most 6 decimals.
func parsePct(t testing.TB, s string) kamp.Share {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 6 {
		t.Fatalf("share %q has more than 6 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		t.Fatalf("share %q: %v", s, err)
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil {
			t.Fatalf("share %q: %v", s, err)
		}
	}
	return kamp.Share(w*1_000_000 + f)
}

// reference computes the result by transcribing engines.md §1 literally on
// an explicit control matrix. It is slow (cubic per round) and meant for
// small inputs only; it assumes a valid input.
func reference(in Input) Result {
	return referenceFrom(in, referenceControl(in))
}

// referenceControl returns the control relation as a matrix: ctrl[h][e]
// reports that h controls e.
func referenceControl(in Input) [][]bool {
	n := len(in.IDs)
	share := make([][]kamp.Share, n)
	agr := make([][]bool, n)
	held := make([][]bool, n) // held[h][e]: some edge h -> e
	ctrl := make([][]bool, n) // ctrl[h][e]: h controls e
	for i := range n {
		share[i], agr[i], held[i], ctrl[i] = make([]kamp.Share, n), make([]bool, n), make([]bool, n), make([]bool, n)
	}
	for _, e := range in.Edges {
		share[e.Holder][e.Held] += e.Share
		agr[e.Holder][e.Held] = agr[e.Holder][e.Held] || e.Agreement
		held[e.Holder][e.Held] = true
	}
	// Least fixed point: H controls E when the holdings in E by H and by
	// the entities H controls exceed 50%, or one of them is an agreement.
	for changed := true; changed; {
		changed = false
		for h := range n {
			for e := range n {
				if h == e || ctrl[h][e] {
					continue
				}
				var sum kamp.Share
				a := false
				for x := range n {
					if held[x][e] && (x == h || ctrl[h][x]) {
						sum += share[x][e]
						a = a || agr[x][e]
					}
				}
				if sum > controlShare || a {
					ctrl[h][e] = true
					changed = true
				}
			}
		}
	}
	return ctrl
}

// referenceFrom derives the result from the control matrix.
func referenceFrom(in Input, ctrl [][]bool) Result {
	n := len(in.IDs)
	same := func(a, b int) bool { return a == b || (ctrl[a][b] && ctrl[b][a]) }
	rep := make([]int32, n)
	res := Result{
		Controller: make([]int32, n), Ultimate: make([]int32, n), Root: make([]int32, n),
		Depth: make([]int32, n), InCycle: make([]bool, n), Conflict: make([]bool, n),
	}
	for e := range n {
		rep[e] = int32(e)
		for x := range n {
			if same(e, x) {
				if x != e {
					res.InCycle[e] = true
				}
				if lessID(in.IDs, int32(x), rep[e]) {
					rep[e] = int32(x)
				}
			}
		}
	}
	for e := range n {
		res.Controller[e] = -1
		if rep[e] != int32(e) {
			res.Controller[e] = rep[e]
			continue
		}
		// Controllers outside e's cycle; the nearest are those that control
		// no other of them (outside their own cycle).
		var nearest []int32
		for x := range n {
			if same(x, e) || !ctrl[x][e] {
				continue
			}
			minimal := true
			for y := range n {
				if !same(y, e) && ctrl[y][e] && ctrl[x][y] && !same(x, y) {
					minimal = false
				}
			}
			if minimal && !slices.Contains(nearest, rep[x]) {
				nearest = append(nearest, rep[x])
			}
		}
		switch len(nearest) {
		case 0:
		case 1:
			res.Controller[e] = nearest[0]
		default:
			res.Conflict[e] = true
		}
	}
	state := func(v int32) bool { return in.State != nil && in.State[v] }
	for e := range int32(n) {
		u := e
		for res.Controller[u] >= 0 {
			u = res.Controller[u]
		}
		res.Ultimate[e] = u
		r, d := e, int32(0)
		for !state(r) && res.Controller[r] >= 0 && !state(res.Controller[r]) {
			r = res.Controller[r]
			d++
		}
		res.Root[e], res.Depth[e] = r, d
	}
	return res
}

// groupsCSV returns groups.csv for res.
func groupsCSV(t testing.TB, in Input, res Result) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteGroupsCSV(&b, in, res); err != nil {
		t.Fatalf("WriteGroupsCSV: %v", err)
	}
	return b.String()
}

// diffResults reports the first difference between two results of in.
func diffResults(in Input, got, want Result) string {
	name := func(v int32) string {
		if v < 0 {
			return "-"
		}
		return in.IDs[v]
	}
	for v := range in.IDs {
		g := [6]string{name(got.Controller[v]), name(got.Ultimate[v]), name(got.Root[v]), strconv.Itoa(int(got.Depth[v])), strconv.FormatBool(got.InCycle[v]), strconv.FormatBool(got.Conflict[v])}
		w := [6]string{name(want.Controller[v]), name(want.Ultimate[v]), name(want.Root[v]), strconv.Itoa(int(want.Depth[v])), strconv.FormatBool(want.InCycle[v]), strconv.FormatBool(want.Conflict[v])}
		if g != w {
			return in.IDs[v] + ": got controller,ultimate,root,depth,in_cycle,conflict " + strings.Join(g[:], ",") + ", want " + strings.Join(w[:], ",")
		}
	}
	return ""
}

// describe renders in compactly for failure messages.
func describe(in Input) string {
	var b strings.Builder
	for i, id := range in.IDs {
		b.WriteString(id)
		if in.State != nil && in.State[i] {
			b.WriteString(":state")
		}
		b.WriteByte(' ')
	}
	b.WriteString("| ")
	for _, e := range in.Edges {
		b.WriteString(in.IDs[e.Holder] + ">" + in.IDs[e.Held] + " " + e.Share.String())
		if e.Agreement {
			b.WriteString(" agr")
		}
		b.WriteString("; ")
	}
	return b.String()
}

// checkInvariants checks what must hold of any result.
func checkInvariants(t testing.TB, in Input, res Result) {
	t.Helper()
	n := len(in.IDs)
	state := func(v int32) bool { return in.State != nil && in.State[v] }
	for v := range int32(n) {
		c, r := res.Controller[v], res.Root[v]
		if c == v {
			t.Fatalf("%s is its own controller", in.IDs[v])
		}
		if res.Root[r] != r {
			t.Fatalf("root %s of %s is not a root", in.IDs[r], in.IDs[v])
		}
		// A root has no controller, is a state body, or is directly below one.
		if r == v && c >= 0 && !state(v) && !state(c) {
			t.Fatalf("root %s has the non-state controller %s", in.IDs[v], in.IDs[c])
		}
		if state(v) && r != v {
			t.Fatalf("state body %s is not its own root", in.IDs[v])
		}
		// Following controllers reaches the root in Depth hops, then the
		// ultimate controller.
		u, hops := v, int32(0)
		for u != r {
			if res.Controller[u] < 0 || hops > int32(n) {
				t.Fatalf("%s does not reach its root %s by following controllers", in.IDs[v], in.IDs[r])
			}
			u = res.Controller[u]
			hops++
		}
		if hops != res.Depth[v] {
			t.Fatalf("%s: depth %d, but %d hops to its root", in.IDs[v], res.Depth[v], hops)
		}
		for hops = 0; res.Controller[u] >= 0; hops++ {
			if hops > int32(n) {
				t.Fatalf("controllers above %s loop", in.IDs[v])
			}
			u = res.Controller[u]
		}
		if u != res.Ultimate[v] {
			t.Fatalf("%s: ultimate %s, but the chain ends at %s", in.IDs[v], in.IDs[res.Ultimate[v]], in.IDs[u])
		}
		if res.Conflict[v] && (c >= 0 || r != v || res.Ultimate[v] != v) {
			t.Fatalf("conflicted %s has a controller or another root", in.IDs[v])
		}
	}
}
