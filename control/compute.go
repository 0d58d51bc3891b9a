package control

import (
	"math"
	"slices"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// Result is the engine's output, one column entry per entity.
type Result struct {
	// Controller is the immediate controller, -1 if none.
	Controller []int32
	// Ultimate is the ultimate controller: the entity itself if it has no
	// controller.
	Ultimate []int32
	// Root is the group root.
	Root []int32
	// Depth is the number of hops from the entity up to its group root.
	Depth []int32
	// InCycle reports membership of a control cycle.
	InCycle []bool
	// Conflict reports that the nearest controller is not unique.
	Conflict []bool
}

// Len returns the number of entities in r.
func (r Result) Len() int { return len(r.Controller) }

// Compute runs the control engine over in. It fails with an EINVALID error
// when a column has the wrong length, an edge has an index out of range, a
// holder holds itself, or a share lies outside 0..100%.
func Compute(in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	n := len(in.IDs)
	e := newEngine(n, in.IDs, buildAdjacency(n, in.Edges, false))
	e.run()
	// The result takes over the engine's controllers and cycle flags.
	res := Result{
		Controller: e.par,
		Ultimate:   hugepage.Make[int32](n),
		Root:       hugepage.Make[int32](n),
		Depth:      hugepage.Make[int32](n),
		InCycle:    e.inCycle,
		Conflict:   hugepage.Make[bool](n),
	}
	for v := range int32(n) {
		c, p := e.nodes[v].cls, e.par[v]
		res.Conflict[v] = c == v && p <= -2
		switch {
		case c != v:
			res.Controller[v] = c
		case p < 0:
			res.Controller[v] = -1
		}
	}
	if err := finish(&in, &res); err != nil {
		return Result{}, err
	}
	return res, nil
}

// finish fills Ultimate, Root and Depth from Controller, walking each chain
// of immediate controllers once.
func finish(in *Input, res *Result) error {
	n := len(res.Controller)
	for v := range res.Depth {
		res.Depth[v] = -1
	}
	var path []int32
	for v := range int32(n) {
		if res.Depth[v] >= 0 {
			continue
		}
		path = path[:0]
		for u := v; u >= 0 && res.Depth[u] < 0; u = res.Controller[u] {
			if len(path) > n {
				return kamp.Errorf(kamp.EINTERNAL, "control: immediate controllers of %s form a loop", in.IDs[v])
			}
			path = append(path, u)
		}
		for i := len(path) - 1; i >= 0; i-- {
			w := path[i]
			c := res.Controller[w]
			switch {
			case c < 0:
				res.Ultimate[w], res.Root[w], res.Depth[w] = w, w, 0
			case in.isState(w) || in.isState(c):
				res.Ultimate[w], res.Root[w], res.Depth[w] = res.Ultimate[c], w, 0
			default:
				res.Ultimate[w], res.Root[w], res.Depth[w] = res.Ultimate[c], res.Root[c], res.Depth[c]+1
			}
		}
	}
	return nil
}

// engine holds the working state of one Compute.
//
// Control is tracked on control classes: a control cycle is one class named
// by its representative, any other entity is a class of its own. par[c] is
// the nearest controlling class of class c: -1 for none, a class
// representative, or -2-k for a conflict whose nearest classes are multi[k].
// Every class that controls c is reachable from c by following par.
type engine struct {
	n   int
	ids []string
	g   adjacency
	// nodes holds what the search reads and writes of each entity
	// together, one cache line fetch for all of it.
	nodes   []node
	par     []int32
	multi   [][]int32
	inCycle []bool

	tally   []tally // what each class holds of the current target
	gen     uint32  // the current target's generation in tally
	visited []int32
	walk    marks // classes visited by the current holder's walk
	nonmin  marks
	stack   []int32
	mins    []int32

	// Buffers for solving a dependency cycle, reused from one to the next.
	inK     marks   // members of the cycle being solved
	loc     []int32 // position of each member in the cycle
	qset    marks
	kOff    []int32
	kOut    []int32
	kFill   []int32
	kSets   [][]int32
	kQueued []bool
	kQueue  []int32
	kArena  []int32
	kComp   []int32
}

// grow returns (*buf)[:n], reallocating when the buffer is too small.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n, max(n, 2*cap(*buf)))
	}
	*buf = (*buf)[:n]
	return *buf
}

// node is an entity's part of the engine's state.
type node struct {
	// index and low are Tarjan's numbering in run; index is done once the
	// entity is solved.
	index, low int32
	// key says which holders decide the entity's controllers: keyNone
	// (none can control it), keyAll (all of them), or the position in g of
	// the one holder every controller of it must be or control.
	key int32
	// cls is the entity's control class: itself, or the representative of
	// its control cycle; -1 until solved.
	cls int32
}

// tally is what a class holds of the target entity being solved, valid
// when gen is the engine's current generation.
type tally struct {
	gen uint32
	agr bool // an agreement
	acc kamp.Share
}

// Values of node.key besides holder positions.
const (
	keyAll  = -1
	keyNone = -2
)

func newEngine(n int, ids []string, g adjacency) *engine {
	e := &engine{
		n: n, ids: ids, g: g,
		nodes:   hugepage.Make[node](n),
		par:     hugepage.Make[int32](n),
		inCycle: hugepage.Make[bool](n),
		tally:   hugepage.Make[tally](n),
		walk:    newMarks(n),
		nonmin:  newMarks(n),
	}
	for v := range e.nodes {
		e.nodes[v] = node{cls: -1, key: keyOf(&g, int32(v))}
		e.par[v] = -1
	}
	return e
}

// keyOf finds which holders decide v's controllers. Nobody controls v when
// its holders have at most 50% in all and no agreement. When one holder k
// controls v alone (more than 50%, or the only agreement) and the others
// have at most 50% together and no agreement, any controller of v must
// count k's holding: v's controllers are k and k's controllers, and v
// depends on k alone. Otherwise all holders count.
func keyOf(g *adjacency, v int32) int32 {
	var total kamp.Share
	top, agreed, agreements := int32(-1), int32(-1), 0
	for p := g.off[v]; p < g.off[v+1]; p++ {
		total += g.share(p)
		if g.agr(p) {
			agreements++
			agreed = p
		}
		if top < 0 || g.share(p) > g.share(top) {
			top = p
		}
	}
	k := top
	switch {
	case agreements == 0 && total <= controlShare:
		return keyNone
	case agreements == 1:
		k = agreed
	case agreements > 1 || g.share(top) <= controlShare:
		return keyAll
	}
	if total-g.share(k) <= controlShare {
		return k
	}
	return keyAll
}

// holders returns the range of v's holders in g that decide its controllers.
func (e *engine) holders(v int32) (lo, hi int32) {
	switch k := e.nodes[v].key; k {
	case keyAll:
		return e.g.off[v], e.g.off[v+1]
	case keyNone:
		return 0, 0
	default:
		return k, k + 1
	}
}

// forParents calls f for each nearest controlling class of class c.
func (e *engine) forParents(c int32, f func(p int32)) {
	switch p := e.par[c]; {
	case p >= 0:
		f(p)
	case p <= -2:
		for _, q := range e.multi[-p-2] {
			f(q)
		}
	}
}

// begin starts accumulating holdings for a new target entity.
func (e *engine) begin() {
	e.gen++
	if e.gen == 0 {
		for c := range e.tally {
			e.tally[c].gen = 0
		}
		e.gen = 1
	}
	e.visited = e.visited[:0]
}

// add adds a holding of share s (and agreement a) to class c's tally.
func (e *engine) add(c int32, s kamp.Share, a bool) {
	t := &e.tally[c]
	if t.gen != e.gen {
		*t = tally{gen: e.gen, agr: a, acc: s}
		e.visited = append(e.visited, c)
		return
	}
	t.acc += s
	t.agr = t.agr || a
}

// addUp adds a holding of share s (and agreement a) to class c and to every
// class that controls c, each once.
func (e *engine) addUp(c int32, s kamp.Share, a bool) {
	// Along a plain chain of single controllers no class can repeat.
	for {
		e.add(c, s, a)
		p := e.par[c]
		if p == -1 {
			return
		}
		if p <= -2 {
			break
		}
		c = p
	}
	// Above a conflict paths may meet again: walk with a visited set.
	e.walk.reset()
	st := append(e.stack[:0], e.multi[-e.par[c]-2]...)
	for len(st) > 0 {
		v := st[len(st)-1]
		st = st[:len(st)-1]
		if e.walk.has(v) {
			continue
		}
		e.walk.add(v)
		e.add(v, s, a)
		switch p := e.par[v]; {
		case p >= 0:
			st = append(st, p)
		case p <= -2:
			st = append(st, e.multi[-p-2]...)
		}
	}
	e.stack = st
}

func (e *engine) qualifies(c int32) bool {
	t := &e.tally[c]
	return t.acc > controlShare || t.agr
}

// setParents records the nearest controlling classes of class c.
func (e *engine) setParents(c int32, mins []int32) {
	switch len(mins) {
	case 0:
		e.par[c] = -1
	case 1:
		e.par[c] = mins[0]
	default:
		k := len(e.multi)
		e.multi = append(e.multi, slices.Clone(mins))
		e.par[c] = int32(-2 - k)
	}
}

// run solves the whole graph: the components of the dependency graph (each
// entity depends on the holders that decide its controllers) in topological
// order, holders first. Tarjan's algorithm over held→holder edges emits a
// component only after every component it reaches.
func (e *engine) run() {
	n := e.n
	hs := e.g.hs
	// index is 0 before a visit and done once the entity is solved.
	const done = math.MaxInt32
	nodes := e.nodes
	// An entity whose controllers no holder decides depends on nothing:
	// solve it here, outside the search.
	for v := range nodes {
		if nodes[v].key == keyNone {
			nodes[v].index = done
			nodes[v].cls = int32(v)
		}
	}
	var stack []int32
	type frame struct{ v, pos, end int32 }
	var calls []frame
	counter := int32(0)
	for s := range int32(n) {
		if nodes[s].index != 0 {
			continue
		}
		counter++
		nodes[s].index, nodes[s].low = counter, counter
		stack = append(stack, s)
		lo, hi := e.holders(s)
		calls = append(calls, frame{s, lo, hi})
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			if f.pos < f.end {
				w := hs[f.pos].nb
				f.pos++
				if nw := &nodes[w]; nw.index == 0 {
					counter++
					nw.index, nw.low = counter, counter
					stack = append(stack, w)
					lo, hi := e.holders(w)
					calls = append(calls, frame{w, lo, hi})
				} else if nw.index < nodes[v].low { // w is on the stack, not done
					nodes[v].low = nw.index
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if nodes[v].low == nodes[v].index {
				k := len(stack) - 1
				for stack[k] != v {
					k--
				}
				comp := stack[k:]
				for _, w := range comp {
					nodes[w].index = done
				}
				if len(comp) == 1 {
					e.single(v)
				} else {
					e.kComp = append(e.kComp[:0], comp...)
					e.cyclic(e.kComp)
				}
				stack = stack[:k]
			}
			if len(calls) > 0 {
				u := calls[len(calls)-1].v
				if nodes[v].low < nodes[u].low {
					nodes[u].low = nodes[v].low
				}
			}
		}
	}
}

// single solves an entity on no cycle of the dependency graph: the holders
// that decide its controllers are solved.
func (e *engine) single(v int32) {
	e.nodes[v].cls = v
	switch k := e.nodes[v].key; k {
	case keyNone:
		return
	case keyAll:
	default:
		e.par[v] = e.nodes[e.g.nb(k)].cls
		return
	}
	lo, hi := e.g.off[v], e.g.off[v+1]
	e.begin()
	for p := lo; p < hi; p++ {
		e.addUp(e.nodes[e.g.nb(p)].cls, e.g.share(p), e.g.agr(p))
	}
	// The qualifying classes are closed upwards; the nearest are those with
	// no qualifying class directly below them.
	e.nonmin.reset()
	for _, c := range e.visited {
		if e.qualifies(c) {
			e.forParents(c, e.nonmin.add)
		}
	}
	e.mins = e.mins[:0]
	for _, c := range e.visited {
		if e.qualifies(c) && !e.nonmin.has(c) {
			e.mins = append(e.mins, c)
		}
	}
	e.setParents(v, e.mins)
}

// cyclic solves the entities of one cycle of the dependency graph together
// (a cycle of ownership, where control cycles can arise). sets[i] is the
// set of controllers of comp[i] found so far: members of comp by entity and
// outside classes by representative. Starting from empty sets, the control
// rule is applied to members whose holders' sets grew, until none grows: a
// chaotic iteration of a monotone rule, which ends at its least fixed point.
func (e *engine) cyclic(comp []int32) {
	e.inK.ensure(e.n)
	if e.loc == nil {
		e.loc = hugepage.Make[int32](e.n)
		e.qset = newMarks(e.n)
	}
	e.inK.reset()
	for i, v := range comp {
		e.inK.add(v)
		e.loc[v] = int32(i)
	}
	k := len(comp)
	// out[i]: the members that comp[i] holds, to requeue when sets[i] grows.
	off := grow(&e.kOff, k+1)
	clear(off)
	for _, v := range comp {
		lo, hi := e.holders(v)
		for p := lo; p < hi; p++ {
			if h := e.g.nb(p); e.inK.has(h) {
				off[e.loc[h]+1]++
			}
		}
	}
	for i := 1; i <= k; i++ {
		off[i] += off[i-1]
	}
	out := grow(&e.kOut, int(off[k]))
	fill := grow(&e.kFill, k)
	copy(fill, off[:k])
	for i, v := range comp {
		lo, hi := e.holders(v)
		for p := lo; p < hi; p++ {
			if h := e.g.nb(p); e.inK.has(h) {
				out[fill[e.loc[h]]] = int32(i)
				fill[e.loc[h]]++
			}
		}
	}
	sets := grow(&e.kSets, k)
	clear(sets)
	queued := grow(&e.kQueued, k)
	queue := e.kQueue[:0]
	// Start in reverse discovery order, which tends to put holders first.
	for i := k - 1; i >= 0; i-- {
		queued[i] = true
		queue = append(queue, int32(i))
	}
	arena := e.kArena[:0]
	for head := 0; head < len(queue); head++ {
		i := queue[head]
		queued[i] = false
		if head > k && head*2 > len(queue) { // reclaim the consumed queue
			queue = append(queue[:0], queue[head+1:]...)
			head = -1
		}
		v := comp[i]
		e.begin()
		lo, hi := e.holders(v)
		for p := lo; p < hi; p++ {
			h, s, a := e.g.nb(p), e.g.share(p), e.g.agr(p)
			if !e.inK.has(h) {
				e.addUp(e.nodes[h].cls, s, a)
				continue
			}
			e.add(h, s, a)
			for _, x := range sets[e.loc[h]] {
				e.add(x, s, a)
			}
		}
		count := 0
		for _, c := range e.visited {
			if c != v && e.qualifies(c) {
				count++
			}
		}
		// The rule is monotone: the new set contains the old one.
		if count <= len(sets[i]) {
			continue
		}
		start := len(arena)
		for _, c := range e.visited {
			if c != v && e.qualifies(c) {
				arena = append(arena, c)
			}
		}
		sets[i] = arena[start:len(arena):len(arena)]
		for _, w := range out[off[i]:off[i+1]] {
			if !queued[w] {
				queued[w] = true
				queue = append(queue, w)
			}
		}
	}
	e.kQueue, e.kArena = queue[:0], arena[:0]
	for _, s := range sets {
		slices.Sort(s)
	}
	// Control cycles: members that control each other.
	for _, v := range comp {
		e.nodes[v].cls = -1
	}
	var members []int32
	for i, v := range comp {
		if e.nodes[v].cls != -1 {
			continue
		}
		members = append(members[:0], v)
		rep := v
		for _, x := range sets[i] {
			if e.inK.has(x) {
				if _, ok := slices.BinarySearch(sets[e.loc[x]], v); ok {
					members = append(members, x)
					if lessID(e.ids, x, rep) {
						rep = x
					}
				}
			}
		}
		for _, m := range members {
			e.nodes[m].cls = rep
			e.inCycle[m] = len(members) > 1
		}
	}
	// The nearest controlling classes of each class, among its controllers
	// outside it.
	classOf := func(x int32) int32 {
		if e.inK.has(x) {
			return e.nodes[x].cls
		}
		return x
	}
	var q []int32
	for _, r := range comp {
		if e.nodes[r].cls != r {
			continue
		}
		e.qset.reset()
		q = q[:0]
		for _, x := range sets[e.loc[r]] {
			if c := classOf(x); c != r && !e.qset.has(c) {
				e.qset.add(c)
				q = append(q, c)
			}
		}
		e.nonmin.reset()
		for _, y := range q {
			if !e.inK.has(y) {
				e.forParents(y, e.nonmin.add)
				continue
			}
			for _, x := range sets[e.loc[y]] {
				if c := classOf(x); c != y {
					e.nonmin.add(c)
				}
			}
		}
		e.mins = e.mins[:0]
		for _, y := range q {
			if !e.nonmin.has(y) {
				e.mins = append(e.mins, y)
			}
		}
		e.setParents(r, e.mins)
	}
}

// ensure allocates the set for n entities on first use.
func (s *marks) ensure(n int) {
	if s.m == nil {
		s.m = hugepage.Make[uint32](n)
	}
}
