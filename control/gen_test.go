package control

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/kampbank/kamp"
)

// genGroups generates n entities and about 1.5 n ownership edges with the
// shape of a bank's book: groups of heavy-tailed size (most of one entity,
// a few of thousands) whose control trees are 1 to 6 levels deep, headed by
// companies, persons or state bodies; some control by agreement, some split
// between two members acting together, minority holdings across groups, and
// a few cross-holdings back up a group (ownership cycles). Ids are a
// shuffled numbering, so index order is not id order.
func genGroups(r *rand.Rand, n int) Input {
	in := Input{IDs: make([]string, n), State: make([]bool, n)}
	for i, p := range r.Perm(n) {
		in.IDs[i] = fmt.Sprintf("E%08d", p)
	}
	nStates := max(1, n/2000)
	for i := range nStates {
		in.State[i] = true
	}
	share := func(lo, hi int) kamp.Share {
		return kamp.Share(lo*1_000_000 + r.IntN((hi-lo)*1_000_000+1))
	}
	edge := func(h, e int, s kamp.Share, a bool) {
		in.Edges = append(in.Edges, Edge{Holder: int32(h), Held: int32(e), Share: s, Agreement: a})
	}
	var members, depth, roots []int
	v := nStates
	for v < n {
		// Pareto-distributed size, alpha 1.3, capped.
		size := min(int(math.Pow(1-r.Float64(), -1/1.3)), 5000, n-v)
		root := v
		roots = append(roots, root)
		members, depth = append(members[:0], root), append(depth[:0], 0)
		if size > 1 && r.IntN(10) == 0 {
			edge(r.IntN(nStates), root, share(51, 100), false)
		}
		for k := 1; k < size; k++ {
			e := v + k
			i := r.IntN(len(members))
			for depth[i] >= 6 {
				i = r.IntN(len(members))
			}
			p := members[i]
			switch x := r.IntN(100); {
			case x < 5: // by agreement, sometimes with a share
				edge(p, e, share(0, 30), true)
			case x < 15 && len(members) > 1: // split between two members
				q := members[r.IntN(len(members))]
				if q == p {
					edge(p, e, share(51, 100), false)
					break
				}
				edge(p, e, share(26, 35), false)
				edge(q, e, share(26, 35), false)
			default:
				edge(p, e, share(51, 100), false)
			}
			if r.IntN(200) == 0 { // cross-holding back up the group
				edge(e, p, share(1, 10), false)
			}
			members, depth = append(members, e), append(depth, depth[i]+1)
		}
		v += size
	}
	// Minority holdings across the book up to 1.5 edges per entity, mostly
	// by the heads of groups (holding companies, persons), some by anyone.
	for len(in.Edges) < n*3/2 {
		h, e := r.IntN(n), nStates+r.IntN(n-nStates)
		if r.IntN(10) < 6 {
			h = roots[r.IntN(len(roots))]
		}
		if h != e {
			edge(h, e, share(1, 20), false)
		}
	}
	return in
}

// genRandom generates a small dense random graph with shares around the
// thresholds, agreements, duplicates and state bodies: inputs on which the
// reference transcription of the spec is cheap to run.
func genRandom(r *rand.Rand, n, m int) Input {
	in := Input{IDs: make([]string, n), State: make([]bool, n)}
	for i, p := range r.Perm(n) {
		in.IDs[i] = fmt.Sprintf("%c%d", 'a'+rune(r.IntN(3)), p)
		in.State[i] = r.IntN(8) == 0
	}
	shares := []kamp.Share{0, 10_000_000, 20_000_000, 25_000_000, 30_000_000, 40_000_000, 50_000_000, 50_000_001, 60_000_000, 100_000_000}
	for range m {
		h, e := r.IntN(n), r.IntN(n)
		if h == e {
			continue
		}
		in.Edges = append(in.Edges, Edge{Holder: int32(h), Held: int32(e), Share: shares[r.IntN(len(shares))], Agreement: r.IntN(10) == 0})
	}
	return in
}
