package chain

import (
	"cmp"
	"fmt"
	"io"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
	"github.com/kampbank/kamp/inorder"
	"github.com/kampbank/kamp/prefetch"
)

// shardResult is Result for an accumulator whose payments came through its
// shards; with edges not nil it is WriteResult, and writes the edges there
// instead of returning them. It also returns the number of edges.
// Counterparties are ranked by their strings (names sorted on parallel
// goroutines, then merged with the entities); every bucket is then sorted
// by the final edge order and its runs summed into edges, buckets on
// parallel goroutines, and the buckets' edges are handed over in order,
// the prospects folded as they come.
func (a *Accumulator) shardResult(shards []*Shard, edges io.Writer) (*Result, int, error) {
	res := &Result{}
	sides := map[int32]int64{}
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
	}
	workers := runtime.GOMAXPROCS(0)
	rk := a.rankCounterparties(workers)
	unitID := make([]string, len(a.unitRoot))
	unitField := make([]string, len(a.unitRoot)) // as a CSV field
	for u, r := range a.unitRoot {
		unitID[u] = a.ids[r]
		unitField[u] = string(kamp.AppendCSVField(nil, unitID[u]))
	}

	// What a bucket makes: its rows of chain-edges.csv or its edges, and
	// the shares of its edges in prospects.
	type output struct {
		rows  []byte
		edges []Edge
		n     int // edges
		pes   []prospectEdge
		err   error
	}
	nb := a.nBuckets
	outs := make([]output, nb)
	free := make(chan output, 2*workers+2) // buffers to reuse
	// The rows are written on a goroutine of their own, beside the
	// folding of the prospects, and their buffers come back once
	// written.
	freeRows := make(chan []byte, 4*workers+4)
	newWorker := func() func(b int) {
		var scratch, tmp []keyedRecord
		var folds []fold
		var runs []edgeRun
		var cps []string
		var clients, plain []bool
		var addrs []uintptr
		dates := new(dateMemo)
		return func(b int) {
			var out output
			select {
			case out = <-free:
			default:
			}
			select {
			case out.rows = <-freeRows:
			default:
			}
			scratch, folds = scratch[:0], folds[:0]
			a.eachRecord(shards, b, func(r *record, bucketFolds []fold) {
				k := keyedRecord{r.key, *r}
				if r.rate == foldedRate {
					// Folds are numbered per shard: renumber.
					k.r.amount = uint64(len(folds))
					folds = append(folds, bucketFolds[r.amount])
				}
				scratch = append(scratch, k)
			})
			// The counterparties' ranks in a loop of their own, whose
			// cache misses overlap.
			for i := range scratch {
				scratch[i].key = rk.finalKey(scratch[i].key)
			}
			// The sorted records, in scratch or tmp: both are reused.
			sorted := sortKeyed(scratch, &tmp)
			if len(sorted) > 0 && &sorted[0] != &scratch[0] {
				scratch, tmp = tmp, scratch
			}
			// Sum the runs of equal keys into edges first, then look up
			// the counterparties of all of them in a tight loop, whose
			// cache misses overlap, and only then write them out.
			runs = runs[:0]
			for i := 0; i < len(scratch); {
				key := scratch[i].key
				r := &scratch[i].r
				e := edgeRun{key: r.key, rank: uint32(key), first: r.date, last: r.date}
				for ; i < len(scratch) && scratch[i].key == key; i++ {
					r := &scratch[i].r
					add, n, last := u128{}, int64(1), r.date
					if r.rate == foldedRate {
						f := &folds[r.amount]
						add, n, last = f.sum, f.n, f.last
					} else {
						add = a.product(r.amount, r.rate)
					}
					var ok bool
					if e.sum, ok = e.sum.add(add); !ok || n < 0 {
						e.n = -1
						break
					}
					e.n += n
					e.first, e.last = min(e.first, r.date), max(e.last, last)
				}
				runs = append(runs, e)
				if e.n < 0 {
					break
				}
			}
			cps = slices.Grow(cps[:0], len(runs))[:len(runs)]
			clients = slices.Grow(clients[:0], len(runs))[:len(runs)]
			plain = slices.Grow(plain[:0], len(runs))[:len(runs)]
			// A block at a time, in three stages, so that the
			// counterparties' strings and flags, read at random, come
			// while other blocks are written: the strings' headers and
			// flags of block k+2 are asked for, then block k+1's are read
			// and its strings' bytes asked for, then block k is written.
			ask := func(lo int) {
				addrs = addrs[:0]
				for i := lo; i < min(lo+cpBlock, len(runs)); i++ {
					addrs = a.appendCPAddrs(addrs, rk, int32(uint32(runs[i].key)))
				}
				prefetch.Addrs(addrs)
			}
			read := func(lo int) {
				addrs = addrs[:0]
				for i := lo; i < min(lo+cpBlock, len(runs)); i++ {
					cp := int32(uint32(runs[i].key))
					cps[i] = a.sharedCPString(cp)
					clients[i] = cp >= 0 && a.isClient[cp]
					plain[i] = a.plain(rk, cp)
					addrs = append(addrs, uintptr(unsafe.Pointer(unsafe.StringData(cps[i]))))
				}
				prefetch.Addrs(addrs)
			}
			ask(0)
			ask(cpBlock)
			read(0)
			for lo := 0; lo < len(runs) && out.err == nil; lo += cpBlock {
				hi := min(lo+cpBlock, len(runs))
				if lo+2*cpBlock < len(runs) {
					ask(lo + 2*cpBlock)
				}
				if hi < len(runs) {
					read(hi)
				}
				for i := lo; i < hi; i++ {
					run := &runs[i]
					cp := int32(uint32(run.key))
					e := Edge{Unit: unitID[run.key>>33], Direction: Downstream, Counterparty: cps[i], Known: cp >= 0, Payments: run.n, sum: run.sum}
					if run.key&(1<<32) != 0 {
						e.Direction = Upstream
					}
					if run.n < 0 {
						out.err = kamp.Errorf(kamp.EINVALID, "chain: the sum of unit %q %s %q overflows", e.Unit, e.Direction, e.Counterparty)
						break
					}
					amt, ok := run.sum.amount()
					if !ok {
						out.err = kamp.Errorf(kamp.EINVALID, "chain: the amount of unit %q %s %q exceeds the amount range", e.Unit, e.Direction, e.Counterparty)
						break
					}
					e.Amount = amt
					out.n++
					if edges != nil {
						out.rows = append(out.rows, unitField[run.key>>33]...)
						out.rows = appendEdgeAfterUnit(out.rows, &e, plain[i])
						out.rows = dates.appendDate(out.rows, run.first)
						out.rows = append(out.rows, ',')
						out.rows = dates.appendDate(out.rows, run.last)
						out.rows = append(out.rows, '\n')
					} else {
						e.First, e.Last = dates.format(run.first), dates.format(run.last)
						out.edges = append(out.edges, e)
					}
					if !clients[i] {
						out.pes = append(out.pes, prospectEdge{rank: run.rank, known: e.Known, dir: e.Direction, cp: e.Counterparty, u: int32(run.key >> 33), n: run.n, sum: run.sum})
					}
				}
			}
			outs[b] = out
		}
	}

	// Hand the buckets over in order.
	var err, writeErr error
	nEdges := 0
	if edges != nil {
		if _, werr := io.WriteString(edges, EdgesHeader+"\n"); werr != nil {
			writeErr = fmt.Errorf("chain-edges.csv: %w", werr)
		}
	}
	toWrite := make(chan []byte, 2*workers+2)
	var writer sync.WaitGroup
	writer.Go(func() {
		for rows := range toWrite {
			if writeErr == nil {
				if _, werr := edges.Write(rows); werr != nil {
					writeErr = fmt.Errorf("chain-edges.csv: %w", werr)
				}
			}
			select {
			case freeRows <- rows[:0]:
			default:
			}
		}
	})
	pf := newProspectFolder(rk.n, unitID)
	inorder.Run(workers, nb, 2*workers+2, newWorker, func(b int) {
		out := &outs[b]
		if err == nil {
			err = out.err
		}
		if err == nil {
			if edges != nil {
				toWrite <- out.rows
				out.rows = nil
			}
			res.Edges = append(res.Edges, out.edges...)
			nEdges += out.n
			for lo := 0; lo < len(out.pes) && err == nil; lo += cpBlock {
				pes := out.pes[lo:min(lo+cpBlock, len(out.pes))]
				pf.readAhead(pes)
				for i := range pes {
					if pe := &pes[i]; !pf.add(pe) {
						err = kamp.Errorf(kamp.EINVALID, "chain: the amount of prospect %q exceeds the amount range", pe.cp)
						break
					}
				}
			}
		}
		select {
		case free <- output{pes: out.pes[:0]}:
		default:
		}
		*out = output{}
	})
	close(toWrite)
	writer.Wait()
	if err = cmp.Or(err, writeErr); err != nil {
		return nil, 0, err
	}
	if err := pf.rank(res); err != nil {
		return nil, 0, err
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
	return res, nEdges, nil
}

// cpBlock is the number of edges of a block whose counterparties the
// result asks for ahead of writing them, and folds into prospects at once:
// enough for their cache misses to overlap, few enough that what they
// read stays in the cache until it is used. A variable for the tests.
var cpBlock = 128

// edgeRun is an edge summed from a run of records, before it is written.
type edgeRun struct {
	key         uint64 // the record key
	rank        uint32 // the counterparty's
	sum         u128
	n           int64 // -1: the sum overflows
	first, last int32
}

// prospectEdge is the share of a prospect in one edge.
type prospectEdge struct {
	rank  uint32 // the counterparty's rank, 0 <= rank < nCP
	known bool
	dir   Direction
	cp    string
	u     int32 // the unit's number: the edges come in its order
	n     int64
	sum   u128
}

// prospectFolder folds the edges of non-client counterparties, in the order
// of the result, into prospects.
type prospectFolder struct {
	// of maps a counterparty's rank to its prospect + 1 (0: none yet).
	of []int32
	// The prospects, in blocks of prospectBlock that never move: a
	// growing slice of millions of prospects would be copied again and
	// again.
	blocks [][]Prospect
	n      int32
	// touched sums what readAhead reads, to keep the reads; its value
	// means nothing.
	touched int64
	// unitIDs are the ids of the units by number.
	unitIDs []string
	// links are the (prospect, unit) pairs, in the order of the edges and
	// so of the units, in blocks of linkBlock; units counts them by
	// prospect. The prospects' lists of units are made from them at the
	// end, each in one piece: growing millions of lists as the edges come
	// copied them again and again.
	links [][]unitLink
	units []int32
}

// unitLink links prospect pi to unit u.
type unitLink struct{ pi, u int32 }

// prospectBlock is the number of prospects in a block of a prospectFolder,
// and linkBlock the number of links in a block.
const (
	prospectBlock = 4096
	linkBlock     = 1 << 16
)

// newProspectFolder returns a folder for nCP counterparties, the units
// having the ids unitIDs.
func newProspectFolder(nCP int, unitIDs []string) *prospectFolder {
	return &prospectFolder{of: hugepage.Make[int32](nCP), unitIDs: unitIDs}
}

// at returns prospect pi.
func (f *prospectFolder) at(pi int32) *Prospect {
	return &f.blocks[pi/prospectBlock][pi%prospectBlock]
}

// readAhead reads, in tight loops whose cache misses overlap, what add will
// read for the edges pes: their counterparties' prospects.
func (f *prospectFolder) readAhead(pes []prospectEdge) {
	var touch int64
	for i := range pes {
		touch += int64(f.of[pes[i].rank])
	}
	for i := range pes {
		if pi := f.of[pes[i].rank] - 1; pi >= 0 {
			touch += f.at(pi).Payments
		}
	}
	f.touched += touch
}

// add folds one edge into the prospects; it returns false when the
// prospect's exact sum overflows.
func (f *prospectFolder) add(pe *prospectEdge) bool {
	pi := f.of[pe.rank] - 1
	if pi < 0 {
		pi = f.n
		f.n++
		f.of[pe.rank] = pi + 1
		if pi%prospectBlock == 0 {
			f.blocks = append(f.blocks, make([]Prospect, prospectBlock))
		}
		f.units = append(f.units, 0)
		*f.at(pi) = Prospect{Counterparty: pe.cp, Known: pe.known, lastUnit: -1}
	}
	p := f.at(pi)
	var ok bool
	if p.sum, ok = p.sum.add(pe.sum); !ok {
		return false
	}
	p.Payments += pe.n
	p.Direction |= pe.dir
	// Edges come in unit order, so a unit seen before is the last one.
	if p.lastUnit != pe.u {
		p.lastUnit = pe.u
		f.units[pi]++
		if len(f.links) == 0 || len(f.links[len(f.links)-1]) == linkBlock {
			f.links = append(f.links, make([]unitLink, 0, linkBlock))
		}
		last := &f.links[len(f.links)-1]
		*last = append(*last, unitLink{pi, pe.u})
	}
	return true
}

// rank makes the prospects' lists of units and sets res.Prospects to the
// prospects, rounded and ranked.
func (f *prospectFolder) rank(res *Result) error {
	// Every list is a part of one array, placed by a running sum of the
	// counts; the counts then serve as the lists' fill.
	total := int32(0)
	for pi, n := range f.units {
		f.units[pi] = total
		total += n
	}
	all := make([]string, total)
	for _, block := range f.links {
		for _, l := range block {
			all[f.units[l.pi]] = f.unitIDs[l.u]
			f.units[l.pi]++
		}
	}
	f.links = nil
	start := int32(0)
	for pi, end := range f.units {
		f.at(int32(pi)).Units = all[start:end:end]
		start = end
	}
	return rankProspectsOf(res, int(f.n), func(i int) *Prospect { return f.at(int32(i)) })
}

// radixBits is the number of key bits sortKeyed sorts by in one pass.
const radixBits = 11

// sortKeyed sorts rs by key and returns the sorted records: rs itself, or
// *tmp, which it grows as needed. A few records are sorted by insertion,
// more by radix (least significant digit first), over the bits where the
// keys differ only: a bucket's keys share most of their high bits.
func sortKeyed(rs []keyedRecord, tmp *[]keyedRecord) []keyedRecord {
	if len(rs) < 48 {
		for i := 1; i < len(rs); i++ {
			for j := i; j > 0 && rs[j].key < rs[j-1].key; j-- {
				rs[j], rs[j-1] = rs[j-1], rs[j]
			}
		}
		return rs
	}
	or, and := uint64(0), ^uint64(0)
	for i := range rs {
		or |= rs[i].key
		and &= rs[i].key
	}
	diff := or ^ and
	if diff == 0 {
		return rs
	}
	lo, hi := bits.TrailingZeros64(diff), 64-bits.LeadingZeros64(diff)
	*tmp = slices.Grow((*tmp)[:0], len(rs))[:len(rs)]
	src, dst := rs, *tmp
	var count [1 << radixBits]int
	for shift := lo; shift < hi; shift += radixBits {
		clear(count[:])
		for i := range src {
			count[src[i].key>>shift&(1<<radixBits-1)]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range src {
			d := src[i].key >> shift & (1<<radixBits - 1)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	return src
}

// keyedRecord is a record with its final sort key.
type keyedRecord struct {
	key uint64
	r   record
}

// eachRecord calls fn for every record of bucket b, shard after shard, in
// the order they are stored, with the folds of the shard's bucket.
func (a *Accumulator) eachRecord(shards []*Shard, b int, fn func(r *record, folds []fold)) {
	for _, s := range shards {
		bk := &s.buckets[b]
		for ci, c := range bk.chunks {
			n := chunkLen
			if ci == len(bk.chunks)-1 {
				n = bk.n
			}
			for i := range c[:n] {
				fn(&c[i], bk.folds)
			}
		}
	}
}

// ranks are the ranks of the counterparties in the order of the result:
// by string, an entity before a name with the same string.
type ranks struct {
	ent  []uint32              // by entity
	name [nameStripes][]uint32 // by stripe, then index in the stripe
	n    int                   // number of ranks
	// quote says which names need quotes in a CSV field, as name does.
	quote [nameStripes][]bool
}

// plain reports whether counterparty cp needs no quotes in a CSV field.
func (a *Accumulator) plain(rk *ranks, cp int32) bool {
	if cp >= 0 {
		return a.plainIDs
	}
	k := -1 - cp
	return !rk.quote[k&(nameStripes-1)][k>>stripeBits]
}

// appendCPAddrs appends to addrs, for prefetch, the addresses of what the
// result reads at random for counterparty cp: its string's header and, for
// an entity, its client flag, for a name whether it needs quotes.
func (a *Accumulator) appendCPAddrs(addrs []uintptr, rk *ranks, cp int32) []uintptr {
	if cp >= 0 {
		return append(addrs, uintptr(unsafe.Pointer(&a.ids[cp])), uintptr(unsafe.Pointer(&a.isClient[cp])))
	}
	k := -1 - cp
	si, j := k&(nameStripes-1), k>>stripeBits
	return append(addrs, uintptr(unsafe.Pointer(&a.shared.stripes[si].keys[j])), uintptr(unsafe.Pointer(&rk.quote[si][j])))
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
	rk := &ranks{ent: hugepage.Make[uint32](len(a.ids)), n: len(a.ids) + len(all)}
	for si := range rk.name {
		rk.name[si] = make([]uint32, len(a.shared.stripes[si].keys))
		rk.quote[si] = make([]bool, len(a.shared.stripes[si].keys))
	}
	var entOrder []int32
	var wg sync.WaitGroup
	wg.Go(func() { entOrder = a.entityOrder() })
	for _, p := range parts {
		wg.Go(func() {
			slices.SortFunc(p, func(x, y named) int { return strings.Compare(x.key, y.key) })
			for _, nm := range p {
				rk.quote[nm.k&(nameStripes-1)][nm.k>>stripeBits] = kamp.NeedsQuotes(nm.key)
			}
		})
	}
	wg.Wait()

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

// entityOrder returns the entities sorted by id, computing it once, and
// sets plainIDs.
func (a *Accumulator) entityOrder() []int32 {
	a.entOrderOnce.Do(func() {
		order := make([]int32, len(a.ids))
		sorted, plain := true, true
		for i := range order {
			order[i] = int32(i)
			if i > 0 && a.ids[i-1] > a.ids[i] {
				sorted = false
			}
			if plain && kamp.NeedsQuotes(a.ids[i]) {
				plain = false
			}
		}
		a.plainIDs = plain
		if !sorted {
			slices.SortFunc(order, func(x, y int32) int { return strings.Compare(a.ids[x], a.ids[y]) })
		}
		a.entOrder = order
	})
	return a.entOrder
}
