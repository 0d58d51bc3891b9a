package chain

import (
	"cmp"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kampbank/kamp"
)

// Edge is what one strategic unit exchanged with one counterparty in one
// direction: a row of chain-edges.csv.
type Edge struct {
	// Unit is the unit's id: the id of its group root.
	Unit      string
	Direction Direction
	// Counterparty is an entity id when Known, else the match key of the
	// unmatched name.
	Counterparty string
	Known        bool
	// Amount is the sum in the reporting currency, rounded half-up to 4
	// decimals from the exact sum.
	Amount   kamp.Amount
	Payments int64
	// First and Last are the dates (YYYY-MM-DD) of the first and last
	// payment.
	First, Last string

	sum u128 // the exact amount, in 1e-14 units
}

// Prospect is a counterparty that is not a client, linked to one or more
// strategic units: a row of prospects.csv.
type Prospect struct {
	// Rank is the 1-based rank.
	Rank int
	// Counterparty is an entity id when Known, else the match key of the
	// unmatched name.
	Counterparty string
	Known        bool
	// Amount is the total over all the prospect's edges (each payment once),
	// rounded half-up to 4 decimals from the exact sum.
	Amount   kamp.Amount
	Payments int64
	// Units are the ids of the distinct strategic units it is linked to, in
	// byte order; the units column of prospects.csv is their number.
	Units []string
	// Direction is Upstream when the units only pay it, Downstream when it
	// only pays them, Both otherwise.
	Direction Direction

	sum      u128  // the exact amount, in 1e-14 units
	lastUnit int32 // the number of the last unit folded, or -1
}

// AmbiguousName is a match key that payments used and that two or more
// entities share; such sides stay unmatched.
type AmbiguousName struct {
	Key string
	// Entities are the ids of the entities with that key, in byte order.
	Entities []string
	// Sides is the number of in-range payment sides that used the key.
	Sides int64
}

// Result is the outcome of chain discovery.
type Result struct {
	// Edges are sorted by unit id, direction ("downstream" first),
	// counterparty, and known before unmatched.
	Edges []Edge
	// Prospects are sorted by rank.
	Prospects []Prospect
	// Ambiguous lists the ambiguous keys used, sorted by key.
	Ambiguous []AmbiguousName
	Stats     Stats
}

// Result returns the edges and prospects of the payments added so far. It
// does not change the accumulator: more payments may be added and Result
// called again. It fails (EINVALID) when a rounded amount exceeds the range
// of kamp.Amount, when an exact sum taken by shards overflows, or when
// payments were given both to the accumulator and to its shards.
func (a *Accumulator) Result() (*Result, error) {
	shards, err := a.shardsInUse()
	if err != nil {
		return nil, err
	}
	if shards != nil {
		res, _, err := a.shardResult(shards, nil)
		return res, err
	}
	return a.serialResult()
}

// WriteResult is Result for large runs: it writes the edges to edges as
// WriteEdgesCSV does (chain-edges.csv, header included) as it computes
// them, instead of keeping them all in memory, and returns the rest of the
// result, Edges left nil, and the number of edges written. With shards, it
// writes the first edges while the later ones are still being summed.
// After an error, what was written is not a whole file.
func (a *Accumulator) WriteResult(edges io.Writer) (*Result, int, error) {
	shards, err := a.shardsInUse()
	if err != nil {
		return nil, 0, err
	}
	if shards != nil {
		return a.shardResult(shards, edges)
	}
	res, err := a.serialResult()
	if err != nil {
		return nil, 0, err
	}
	if err := WriteEdgesCSV(edges, res.Edges); err != nil {
		return nil, 0, err
	}
	n := len(res.Edges)
	res.Edges = nil
	return res, n, nil
}

// shardsInUse returns the shards of a when they took payments, and nil
// when Add and AddIndexed did (or nothing did).
func (a *Accumulator) shardsInUse() ([]*Shard, error) {
	a.shardMu.Lock()
	shards := slices.Clone(a.shards)
	a.shardMu.Unlock()
	for _, s := range shards {
		if s.stats.Payments == 0 {
			continue
		}
		if a.stats.Payments > 0 {
			return nil, kamp.Errorf(kamp.EINVALID, "chain: payments were given both to the accumulator and to its shards")
		}
		return shards, nil
	}
	return nil, nil
}

// serialResult is Result for the payments given to Add and AddIndexed.
func (a *Accumulator) serialResult() (*Result, error) {
	n := len(a.edgeUnit)
	order, cpRank, nCP := a.edgeOrder()

	res := &Result{Edges: make([]Edge, n), Stats: a.stats}
	pid := make([]int32, n)     // prospect ids of the edges, -1 for clients
	dates := map[int32]string{} // few distinct dates: format each once
	date := func(d int32) string {
		s, ok := dates[d]
		if !ok {
			s = formatDate(d)
			dates[d] = s
		}
		return s
	}
	for i, e := range order {
		cp := a.edgeCP[e]
		amt, ok := a.edgeSum[e].amount()
		unit := a.ids[a.unitRoot[a.edgeUnit[e]]]
		if !ok {
			return nil, kamp.Errorf(kamp.EINVALID, "chain: the amount of unit %q %s %q exceeds the amount range", unit, a.edgeDir[e], a.cpString(cp))
		}
		res.Edges[i] = Edge{
			Unit:         unit,
			Direction:    a.edgeDir[e],
			Counterparty: a.cpString(cp),
			Known:        cp >= 0,
			Amount:       amt,
			Payments:     a.edgeN[e],
			First:        date(a.edgeFirst[e]),
			Last:         date(a.edgeLast[e]),
			sum:          a.edgeSum[e],
		}
		pid[i] = -1
		if cp < 0 || !a.isClient[cp] {
			pid[i] = cpRank(cp)
		}
	}
	if err := buildProspects(res, pid, nCP); err != nil {
		return nil, err
	}

	for k, amb := range a.ambiguous {
		if !amb || a.sides[k] == 0 {
			continue
		}
		res.Ambiguous = append(res.Ambiguous, a.ambiguousName(a.names[k], a.sides[k]))
	}
	slices.SortFunc(res.Ambiguous, func(x, y AmbiguousName) int { return strings.Compare(x.Key, y.Key) })
	return res, nil
}

// ambiguousName returns the report of ambiguous key, used by sides payment
// sides.
func (a *Accumulator) ambiguousName(key string, sides int64) AmbiguousName {
	ents := a.index.Entities(key)
	ids := make([]string, len(ents))
	for i, e := range ents {
		ids[i] = a.ids[e]
	}
	slices.Sort(ids)
	return AmbiguousName{Key: key, Entities: ids, Sides: sides}
}

// buildProspects folds the edges of res, in their final order, into its
// prospects and ranks them. pid[i] identifies the counterparty of edge i
// (0 <= pid[i] < nCP), or is -1 for a client.
func buildProspects(res *Result, pid []int32, nCP int) error {
	f := newProspectFolder(nCP, nil)
	for i := range res.Edges {
		// The edges come by unit: number the units as they come.
		e := &res.Edges[i]
		if n := len(f.unitIDs); n == 0 || f.unitIDs[n-1] != e.Unit {
			f.unitIDs = append(f.unitIDs, e.Unit)
		}
		if pid[i] < 0 {
			continue
		}
		pe := prospectEdge{rank: uint32(pid[i]), known: e.Known, dir: e.Direction, cp: e.Counterparty, u: int32(len(f.unitIDs) - 1), n: e.Payments, sum: e.sum}
		if !f.add(&pe) {
			return kamp.Errorf(kamp.EINVALID, "chain: the amount of prospect %q exceeds the amount range", e.Counterparty)
		}
	}
	return f.rank(res)
}

// rankProspects rounds the amounts of the prospects and ranks them.
func rankProspects(res *Result) error {
	ps := res.Prospects
	return rankProspectsOf(res, len(ps), func(i int) *Prospect { return &ps[i] })
}

// rankProspectsOf sets res.Prospects to the n prospects at(0) to at(n-1),
// their amounts rounded, ranked.
func rankProspectsOf(res *Result, n int, at func(i int) *Prospect) error {
	for i := range n {
		p := at(i)
		amt, ok := p.sum.amount()
		if !ok {
			return kamp.Errorf(kamp.EINVALID, "chain: the amount of prospect %q exceeds the amount range", p.Counterparty)
		}
		p.Amount = amt
	}
	// Sort small keys, then lay the prospects out in their order: moving
	// the prospects themselves (strings and slices) costs more.
	type key struct {
		amount kamp.Amount
		units  int32
		i      int32
	}
	keys := make([]key, n)
	for i := range n {
		p := at(i)
		keys[i] = key{p.Amount, int32(len(p.Units)), int32(i)}
	}
	order := func(x, y key) int {
		if c := cmp.Compare(y.amount, x.amount); c != 0 {
			return c
		}
		if c := cmp.Compare(y.units, x.units); c != 0 {
			return c
		}
		px, py := at(int(x.i)), at(int(y.i))
		if c := strings.Compare(px.Counterparty, py.Counterparty); c != 0 {
			return c
		}
		return knownFirst(px.Known, py.Known)
	}
	parallel := n >= parallelRankMin && runtime.GOMAXPROCS(0) > 1
	if parallel {
		// Two halves sorted side by side, then merged.
		half := n / 2
		var wg sync.WaitGroup
		wg.Go(func() { slices.SortFunc(keys[:half], order) })
		slices.SortFunc(keys[half:], order)
		wg.Wait()
		merged := make([]key, 0, n)
		x, y := keys[:half], keys[half:]
		for len(x) > 0 && len(y) > 0 {
			if order(y[0], x[0]) < 0 {
				merged, y = append(merged, y[0]), y[1:]
			} else {
				merged, x = append(merged, x[0]), x[1:]
			}
		}
		keys = append(append(merged, x...), y...)
	} else {
		slices.SortFunc(keys, order)
	}
	res.Prospects = make([]Prospect, n)
	lay := func(from, to int) {
		for r := from; r < to; r++ {
			res.Prospects[r] = *at(int(keys[r].i))
			res.Prospects[r].Rank = r + 1
			res.Prospects[r].lastUnit = 0
		}
	}
	if parallel {
		var wg sync.WaitGroup
		wg.Go(func() { lay(0, n/2) })
		lay(n/2, n)
		wg.Wait()
	} else {
		lay(0, n)
	}
	return nil
}

// parallelRankMin is the number of prospects from which they are ranked on
// two goroutines; a variable for the tests.
var parallelRankMin = 1 << 15

// edgeOrder returns the edges in the order of the result: by unit id,
// direction, counterparty string, known before unmatched. Strings are
// compared only to rank the strategic units and the distinct counterparties;
// the edges are then sorted by one integer key. It also returns the rank of
// every counterparty that has an edge, and the number of such ranks.
func (a *Accumulator) edgeOrder() (order []int32, cpRank func(cp int32) int32, nCP int) {
	units := make([]int32, len(a.unitRoot))
	for i := range units {
		units[i] = int32(i)
	}
	slices.SortFunc(units, func(x, y int32) int { return strings.Compare(a.ids[a.unitRoot[x]], a.ids[a.unitRoot[y]]) })
	unitRank := make([]uint32, len(units))
	for r, u := range units {
		unitRank[u] = uint32(r)
	}

	// Ranks of the distinct counterparties: entRank for entities and
	// nameRank for unmatched names, both rank+1 (0: no edge).
	entRank := make([]uint32, len(a.ids))
	nameRank := make([]uint32, len(a.names))
	slot := func(cp int32) *uint32 {
		if cp >= 0 {
			return &entRank[cp]
		}
		return &nameRank[-1-cp]
	}
	var cps []int32
	for _, cp := range a.edgeCP {
		if p := slot(cp); *p == 0 {
			*p = 1
			cps = append(cps, cp)
		}
	}
	slices.SortFunc(cps, a.cmpCP)
	for r, cp := range cps {
		*slot(cp) = uint32(r) + 1
	}

	type keyed struct {
		key  uint64
		edge int32
	}
	ks := make([]keyed, len(a.edgeCP))
	for e := range ks {
		ks[e] = keyed{
			key:  uint64(unitRank[a.edgeUnit[e]])<<33 | uint64(dirRank(a.edgeDir[e]))<<32 | uint64(*slot(a.edgeCP[e])-1),
			edge: int32(e),
		}
	}
	slices.SortFunc(ks, func(x, y keyed) int { return cmp.Compare(x.key, y.key) })
	order = make([]int32, len(ks))
	for i, k := range ks {
		order[i] = k.edge
	}
	return order, func(cp int32) int32 { return int32(*slot(cp) - 1) }, len(cps)
}

// dirRank orders directions by their names: "downstream" before "upstream".
func dirRank(d Direction) int {
	if d == Downstream {
		return 0
	}
	return 1
}

// cmpCP compares two counterparties by their strings, known before
// unmatched.
func (a *Accumulator) cmpCP(x, y int32) int {
	if c := strings.Compare(a.cpString(x), a.cpString(y)); c != 0 {
		return c
	}
	return knownFirst(x >= 0, y >= 0)
}

// knownFirst orders a known counterparty before an unmatched one with the
// same string.
func knownFirst(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return -1
	}
	return 1
}
