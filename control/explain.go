package control

import (
	"slices"
	"strings"

	"github.com/kampbank/kamp"
)

// Holding is one direct holding counted in a Step: Holder, which is the
// controller itself or an entity the controller controls, holds Share of
// the step's entity, or controls it by agreement.
type Holding struct {
	Holder    int32
	Share     kamp.Share
	Agreement bool
}

// Step explains why the controller controls Entity: the holdings in Entity
// by the controller and by entities it controls, which together come to
// more than 50% or include an agreement.
type Step struct {
	Entity int32
	// Holdings are sorted by holder id.
	Holdings []Holding
	// Total is the sum of the holdings' shares.
	Total kamp.Share
	// Agreement reports that one of the holdings is by agreement.
	Agreement bool
}

// Explain returns how ctrl controls e, as facts the group page can put in
// words ("A holds 30% of C; B, which A controls, holds 30% of C"). The first
// step explains e; each holder other than ctrl named in a step is explained
// by a later step, so the steps read as a derivation that never goes in a
// circle. A ctrl of -1 means e's immediate controller in res.
//
// Explain fails with ENOTFOUND when ctrl does not control e and with
// EINVALID for a bad input, a res that does not fit it, an index out of
// range, or ctrl == e. It takes time linear in the size of in.
func Explain(in Input, res Result, ctrl, e int32) ([]Step, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if err := checkResult(&in, &res); err != nil {
		return nil, err
	}
	n := len(in.IDs)
	if e < 0 || int(e) >= n {
		return nil, kamp.Errorf(kamp.EINVALID, "control: entity index %d out of range", e)
	}
	if ctrl == -1 {
		ctrl = res.Controller[e]
		if ctrl < 0 {
			return nil, kamp.Errorf(kamp.ENOTFOUND, "%s has no immediate controller", in.IDs[e])
		}
	}
	if ctrl < 0 || int(ctrl) >= n {
		return nil, kamp.Errorf(kamp.EINVALID, "control: controller index %d out of range", ctrl)
	}
	if ctrl == e {
		return nil, kamp.Errorf(kamp.EINVALID, "an entity does not control itself (%s)", in.IDs[e])
	}
	g := buildAdjacency(n, in.Edges, true)

	// Stage by stage, from ctrl alone: an entity joins once the holdings by
	// the entities joined at earlier stages qualify. This is the least fixed
	// point of the control rule for ctrl, and each entity's holdings at the
	// moment it joins are its explanation.
	type state struct {
		holdings []Holding
		total    kamp.Share
		agr      bool
		joined   bool
		queued   bool
	}
	st := map[int32]*state{}
	frontier := []int32{ctrl}
	var cand []int32
	for len(frontier) > 0 && (st[e] == nil || !st[e].joined) {
		cand = cand[:0]
		for _, h := range frontier {
			for p := g.off[h]; p < g.off[h+1]; p++ {
				x := g.nb(p)
				if x == ctrl {
					continue
				}
				s := st[x]
				if s == nil {
					s = &state{}
					st[x] = s
				}
				if s.joined {
					continue
				}
				s.holdings = append(s.holdings, Holding{Holder: h, Share: g.share(p), Agreement: g.agr(p)})
				s.total += g.share(p)
				s.agr = s.agr || g.agr(p)
				if !s.queued {
					s.queued = true
					cand = append(cand, x)
				}
			}
		}
		frontier = frontier[:0]
		for _, x := range cand {
			s := st[x]
			s.queued = false
			if s.total > controlShare || s.agr {
				s.joined = true
				frontier = append(frontier, x)
			}
		}
	}
	if s := st[e]; s == nil || !s.joined {
		return nil, kamp.Errorf(kamp.ENOTFOUND, "%s does not control %s", in.IDs[ctrl], in.IDs[e])
	}
	var steps []Step
	seen := map[int32]bool{e: true}
	for queue := []int32{e}; len(queue) > 0; queue = queue[1:] {
		x := queue[0]
		s := st[x]
		hs := slices.Clone(s.holdings)
		slices.SortFunc(hs, func(a, b Holding) int { return strings.Compare(in.IDs[a.Holder], in.IDs[b.Holder]) })
		steps = append(steps, Step{Entity: x, Holdings: hs, Total: s.total, Agreement: s.agr})
		for _, h := range hs {
			if h.Holder != ctrl && !seen[h.Holder] {
				seen[h.Holder] = true
				queue = append(queue, h.Holder)
			}
		}
	}
	return steps, nil
}
