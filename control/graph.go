package control

import (
	"math"
	"slices"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// controlShare is the share that must be exceeded for control: 50% is not
// control.
const controlShare kamp.Share = 50_000_000

// maxShare is 100%, the largest share one edge may carry.
const maxShare kamp.Share = 100_000_000

// Input is the engine's input, as columns. Entities are indexed 0..n-1.
type Input struct {
	// IDs[i] is entity i's id.
	IDs []string
	// State[i] reports whether entity i is of kind state. It is either nil
	// (no state bodies) or as long as IDs.
	State []bool
	// Edges are the ownership edges between entity indexes, in any order and
	// possibly with duplicates.
	Edges []Edge
}

// Edge is one ownership edge: Holder holds Share of Held, or controls it by
// agreement, or both.
type Edge struct {
	Holder, Held int32
	// Share is the voting share in units of 1e-6 percent, 0 when not given.
	Share kamp.Share
	// Agreement reports control by agreement (control=agreement).
	Agreement bool
}

// isState reports whether entity v is a state body.
func (in *Input) isState(v int32) bool {
	return in.State != nil && in.State[v]
}

// validate checks the shape of in and every edge.
func (in *Input) validate() error {
	n := len(in.IDs)
	if n > math.MaxInt32-1 {
		return kamp.Errorf(kamp.EINVALID, "control: %d entities is more than the engine can index", n)
	}
	if in.State != nil && len(in.State) != n {
		return kamp.Errorf(kamp.EINVALID, "control: %d state flags for %d entities", len(in.State), n)
	}
	if len(in.Edges) > math.MaxInt32-1 {
		return kamp.Errorf(kamp.EINVALID, "control: %d edges is more than the engine can index", len(in.Edges))
	}
	for i, e := range in.Edges {
		if e.Holder < 0 || int(e.Holder) >= n || e.Held < 0 || int(e.Held) >= n {
			return kamp.Errorf(kamp.EINVALID, "control: edge %d: entity index out of range (holder %d, held %d, %d entities)", i, e.Holder, e.Held, n)
		}
		if e.Holder == e.Held {
			return kamp.Errorf(kamp.EINVALID, "control: edge %d: %s holds itself", i, in.IDs[e.Holder])
		}
		if e.Share < 0 || e.Share > maxShare {
			return kamp.Errorf(kamp.EINVALID, "control: edge %d: %s holds %s%% of %s: share must be within 0..100", i, in.IDs[e.Holder], e.Share, in.IDs[e.Held])
		}
	}
	return nil
}

// adjacency is a compressed adjacency list with duplicate pairs merged: the
// neighbours of v are hs[off[v]:off[v+1]], sorted by index, each with the
// merged share and agreement of its pair.
type adjacency struct {
	off []int32
	hs  []holding
}

// holding is one merged edge in an adjacency list: the neighbour, and the
// share with the agreement flag in its top bit. Merged shares saturate at
// maxMerged, far above 100%, which changes no comparison with 50%.
type holding struct {
	nb int32
	sa uint32
}

const (
	agreementBit = 1 << 31
	maxMerged    = agreementBit - 1
)

func (g *adjacency) nb(p int32) int32         { return g.hs[p].nb }
func (g *adjacency) share(p int32) kamp.Share { return kamp.Share(g.hs[p].sa &^ agreementBit) }
func (g *adjacency) agr(p int32) bool         { return g.hs[p].sa&agreementBit != 0 }

// buildAdjacency groups the edges by held entity (neighbours are holders) or,
// when byHolder is set, by holder (neighbours are held entities), merging
// duplicate pairs: shares summed, agreements OR-ed. Edges must be valid.
func buildAdjacency(n int, edges []Edge, byHolder bool) adjacency {
	off := hugepage.Make[int32](n + 1)
	for _, e := range edges {
		k := e.Held
		if byHolder {
			k = e.Holder
		}
		off[k+1]++
	}
	for i := 1; i <= n; i++ {
		off[i] += off[i-1]
	}
	hs := hugepage.Make[holding](len(edges))
	// off[k] serves as k's fill cursor, ending at the start of k+1.
	for _, e := range edges {
		k, o := e.Held, e.Holder
		if byHolder {
			k, o = e.Holder, e.Held
		}
		sa := uint32(e.Share)
		if e.Agreement {
			sa |= agreementBit
		}
		hs[off[k]] = holding{o, sa}
		off[k]++
	}
	copy(off[1:], off[:n])
	off[0] = 0
	// Sort each list by neighbour and merge duplicates, compacting in place.
	w := int32(0)
	for v := 0; v < n; v++ {
		lo, hi := off[v], off[v+1]
		off[v] = w
		list := hs[lo:hi]
		if len(list) <= 12 {
			insertionSort(list)
		} else {
			slices.SortFunc(list, func(x, y holding) int { return int(x.nb) - int(y.nb) })
		}
		for _, x := range list {
			if w > off[v] && hs[w-1].nb == x.nb {
				y := &hs[w-1]
				s := min(uint64(y.sa&^agreementBit)+uint64(x.sa&^agreementBit), maxMerged)
				y.sa = uint32(s) | (y.sa|x.sa)&agreementBit
				continue
			}
			hs[w] = x
			w++
		}
	}
	off[n] = w
	return adjacency{off: off, hs: hs[:w:w]}
}

// insertionSort sorts a short adjacency list by neighbour.
func insertionSort(list []holding) {
	for i := 1; i < len(list); i++ {
		x := list[i]
		j := i
		for ; j > 0 && list[j-1].nb > x.nb; j-- {
			list[j] = list[j-1]
		}
		list[j] = x
	}
}

// marks is a set of entity indexes that is emptied in O(1): v is in the set
// when m[v] equals the current stamp.
type marks struct {
	m   []uint32
	cur uint32
}

func newMarks(n int) marks { return marks{m: hugepage.Make[uint32](n)} }

// reset empties the set.
func (s *marks) reset() {
	s.cur++
	if s.cur == 0 {
		clear(s.m)
		s.cur = 1
	}
}

func (s *marks) has(v int32) bool { return s.m[v] == s.cur }
func (s *marks) add(v int32)      { s.m[v] = s.cur }

// lessID orders entity indexes by id as byte strings, then by index.
func lessID(ids []string, a, b int32) bool {
	if ids[a] != ids[b] {
		return ids[a] < ids[b]
	}
	return a < b
}
