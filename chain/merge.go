package chain

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kampbank/kamp"
)

// shardResult is Result for an accumulator whose payments came through its
// shards. Counterparties are ranked by their strings (entities and names
// sorted on parallel goroutines, then merged); every bucket is then sorted
// by the final edge order and its runs summed into Result.Edges, buckets on
// parallel goroutines.
func (a *Accumulator) shardResult(shards []*Shard) (*Result, error) {
	res := &Result{}
	sides := map[int32]int64{}
	var records int64
	for _, s := range shards {
		st := &res.Stats
		st.Payments += s.stats.Payments
		st.OutOfRange += s.stats.OutOfRange
		st.Internal += s.stats.Internal
		st.Outside += s.stats.Outside
		st.Counted += s.stats.Counted
		st.TwoUnits += s.stats.TwoUnits
		st.NameMatched += s.stats.NameMatched
		st.NameUnmatched += s.stats.NameUnmatched
		st.NameAmbiguous += s.stats.NameAmbiguous
		for k, n := range s.sides {
			sides[k] += n
		}
		records += s.records
	}
	workers := runtime.GOMAXPROCS(0)
	rk := a.rankCounterparties(workers)

	// Pass 1: sort every bucket by the final order and count its edges.
	nb := a.nBuckets
	counts := make([]int, nb+1)
	parallel(workers, nb, func() func(b int) {
		var scratch []keyedRecord
		return func(b int) {
			scratch = scratch[:0]
			a.eachRecord(shards, b, func(r *record) {
				scratch = append(scratch, keyedRecord{rk.finalKey(r.key), *r})
			})
			if len(scratch) == 0 {
				return
			}
			slices.SortFunc(scratch, func(x, y keyedRecord) int { return cmp.Compare(x.key, y.key) })
			i, n, prev := 0, 0, ^uint64(0)
			a.eachRecord(shards, b, func(r *record) {
				*r = scratch[i].r
				if k := scratch[i].key; k != prev {
					n++
					prev = k
				}
				i++
			})
			counts[b+1] = n
		}
	})
	for b := range nb {
		counts[b+1] += counts[b]
	}

	// Pass 2: sum the runs of every bucket into its edges.
	unitID := make([]string, len(a.unitRoot))
	for u, r := range a.unitRank {
		unitID[r] = a.ids[a.unitRoot[u]]
	}
	res.Edges = make([]Edge, counts[nb])
	pid := make([]int32, counts[nb]) // prospect ids of the edges, -1 for clients
	errs := make([]error, nb)
	parallel(workers, nb, func() func(b int) {
		dates := map[int32]string{}
		date := func(d int32) string {
			s, ok := dates[d]
			if !ok {
				s = formatDate(d)
				dates[d] = s
			}
			return s
		}
		return func(b int) {
			i := counts[b] - 1
			var run struct {
				key         uint64
				sum         u128
				n           int64
				first, last int32
			}
			// flush writes the run as edge i.
			flush := func() bool {
				cp := int32(uint32(run.key))
				e := &res.Edges[i]
				*e = Edge{Unit: unitID[run.key>>33], Direction: Downstream, Counterparty: a.sharedCPString(cp), Known: cp >= 0,
					Payments: run.n, First: date(run.first), Last: date(run.last), sum: run.sum}
				if run.key&(1<<32) != 0 {
					e.Direction = Upstream
				}
				if run.n < 0 {
					errs[b] = kamp.Errorf(kamp.EINVALID, "chain: the sum of unit %q %s %q overflows", e.Unit, e.Direction, e.Counterparty)
					return false
				}
				amt, ok := run.sum.amount()
				if !ok {
					errs[b] = kamp.Errorf(kamp.EINVALID, "chain: the amount of unit %q %s %q exceeds the amount range", e.Unit, e.Direction, e.Counterparty)
					return false
				}
				e.Amount = amt
				pid[i] = -1
				if cp < 0 || !a.isClient[cp] {
					pid[i] = int32(rk.rank(cp))
				}
				return true
			}
			prev := ^uint64(0)
			a.eachRecord(shards, b, func(r *record) {
				if errs[b] != nil || run.n < 0 {
					return
				}
				if k := rk.finalKey(r.key); k != prev {
					if i >= counts[b] && !flush() {
						return
					}
					prev = k
					i++
					run.key, run.sum, run.n, run.first, run.last = r.key, u128{}, 0, r.date, r.date
				}
				var ok bool
				if run.sum, ok = run.sum.add(a.product(r.amount, r.rate)); !ok {
					run.n = -1 // overflow: reported by flush
					return
				}
				run.n++
				run.first = min(run.first, r.date)
				run.last = max(run.last, r.date)
			})
			if i >= counts[b] && errs[b] == nil {
				flush()
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := buildProspects(res, pid, rk.n); err != nil {
		return nil, err
	}

	for si := range a.shared.stripes {
		st := &a.shared.stripes[si]
		for j, amb := range st.ambiguous {
			n := sides[int32(j)<<stripeBits|int32(si)]
			if !amb || n == 0 {
				continue
			}
			res.Ambiguous = append(res.Ambiguous, a.ambiguousName(st.keys[j], n))
		}
	}
	slices.SortFunc(res.Ambiguous, func(x, y AmbiguousName) int { return strings.Compare(x.Key, y.Key) })
	return res, nil
}

// keyedRecord is a record with its final sort key.
type keyedRecord struct {
	key uint64
	r   record
}

// eachRecord calls fn for every record of bucket b, shard after shard, in
// the order they are stored.
func (a *Accumulator) eachRecord(shards []*Shard, b int, fn func(*record)) {
	for _, s := range shards {
		bk := &s.buckets[b]
		for ci, c := range bk.chunks {
			n := chunkLen
			if ci == len(bk.chunks)-1 {
				n = bk.n
			}
			for i := range c[:n] {
				fn(&c[i])
			}
		}
	}
}

// parallel runs the tasks 0..n-1 on up to workers goroutines, each with the
// function newWorker returns for it.
func parallel(workers, n int, newWorker func() func(task int)) {
	workers = min(workers, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		do := newWorker()
		wg.Go(func() {
			for {
				t := int(next.Add(1) - 1)
				if t >= n {
					return
				}
				do(t)
			}
		})
	}
	wg.Wait()
}

// ranks are the ranks of the counterparties in the order of the result:
// by string, an entity before a name with the same string.
type ranks struct {
	ent  []uint32              // by entity
	name [nameStripes][]uint32 // by stripe, then index in the stripe
	n    int                   // number of ranks
}

// rank returns the rank of counterparty cp.
func (rk *ranks) rank(cp int32) uint32 {
	if cp >= 0 {
		return rk.ent[cp]
	}
	k := -1 - cp
	return rk.name[k&(nameStripes-1)][k>>stripeBits]
}

// finalKey turns a record key into the edge's place in the result.
func (rk *ranks) finalKey(key uint64) uint64 {
	return key&^(1<<32-1) | uint64(rk.rank(int32(uint32(key))))
}

// rankCounterparties ranks every entity and every interned name: the names
// are sorted in parts on parallel goroutines and merged with the entities
// sorted by id.
func (a *Accumulator) rankCounterparties(workers int) *ranks {
	type named struct {
		key string
		k   int32
	}
	all := make([]named, 0, a.shared.count())
	for si := range a.shared.stripes {
		for j, key := range a.shared.stripes[si].keys {
			all = append(all, named{key, int32(j)<<stripeBits | int32(si)})
		}
	}
	parts := make([][]named, max(1, workers))
	for i := range parts {
		parts[i] = all[len(all)*i/len(parts) : len(all)*(i+1)/len(parts)]
	}
	var entOrder []int32
	var wg sync.WaitGroup
	wg.Go(func() { entOrder = a.entityOrder() })
	for _, p := range parts {
		wg.Go(func() { slices.SortFunc(p, func(x, y named) int { return strings.Compare(x.key, y.key) }) })
	}
	wg.Wait()

	rk := &ranks{ent: make([]uint32, len(a.ids)), n: len(a.ids) + len(all)}
	for si := range rk.name {
		rk.name[si] = make([]uint32, len(a.shared.stripes[si].keys))
	}
	// Merge: the entities, then the parts, smallest string first; an
	// entity wins a tie, and names are distinct.
	r := uint32(0)
	ei := 0
	pos := make([]int, len(parts))
	for {
		best := -1 // -2: entity
		var bestKey string
		if ei < len(entOrder) {
			best, bestKey = -2, a.ids[entOrder[ei]]
		}
		for pi, p := range parts {
			if pos[pi] < len(p) && (best == -1 || p[pos[pi]].key < bestKey) {
				best, bestKey = pi, p[pos[pi]].key
			}
		}
		switch {
		case best == -1:
			return rk
		case best == -2:
			rk.ent[entOrder[ei]] = r
			ei++
		default:
			k := parts[best][pos[best]].k
			rk.name[k&(nameStripes-1)][k>>stripeBits] = r
			pos[best]++
		}
		r++
	}
}

// entityOrder returns the entities sorted by id, computing it once.
func (a *Accumulator) entityOrder() []int32 {
	a.entOrderOnce.Do(func() {
		order := make([]int32, len(a.ids))
		sorted := true
		for i := range order {
			order[i] = int32(i)
			if i > 0 && a.ids[i-1] > a.ids[i] {
				sorted = false
			}
		}
		if !sorted {
			slices.SortFunc(order, func(x, y int32) int { return strings.Compare(a.ids[x], a.ids[y]) })
		}
		a.entOrder = order
	})
	return a.entOrder
}
