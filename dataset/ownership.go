package dataset

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/control"
	"github.com/kampbank/kamp/hugepage"
)

// hundredPct is 100% in kamp.Share units.
const hundredPct = kamp.Share(100_000_000)

// maxShareSum is 100.01%: the shares held in one entity may pass 100 by a
// rounding tolerance (data-formats.md).
const maxShareSum = kamp.Share(100_010_000)

// ownershipColumns are the columns of ownership.csv that must be present.
var ownershipColumns = []string{"holder_id", "entity_id", "share_pct"}

// ownChunk is what a worker makes of one chunk of ownership.csv.
type ownChunk struct {
	edges []control.Edge
	lines []int32
	probs *problems
}

// LoadOwnership reads ownership.csv (or .csv.gz, .xlsx) at path into edges
// between the indexes of ents, in file order; duplicate (holder, entity)
// rows are kept as they are (the control engine merges them). It checks
// every row as data-formats.md says: holder_id and entity_id name entities
// of ents and differ; share_pct has at most 6 decimals, more than 0 and at
// most 100, and may be empty only with control=agreement; control is empty
// or "agreement" (any case); as_of is empty or a valid date; and the shares
// held in one entity add up to at most 100.01 (the row that takes the sum
// past it is reported). Bad rows make it fail with a *ProblemError.
func LoadOwnership(ctx context.Context, path string, ents *Entities, opt Options) ([]control.Edge, error) {
	t, err := openTable(path, ownershipColumns)
	if err != nil {
		return nil, err
	}
	return loadOwnership(ctx, t, ents, opt)
}

// ownRow is a row of ownership.csv whose ids are being looked up.
type ownRow struct {
	share     kamp.Share
	line      int32
	agreement bool
	ok        bool // no problem so far
}

// ownScratch is a worker's reusable buffers.
type ownScratch struct {
	sums []int64 // shares held in each entity, summed over the worker's rows
	ids  []byte  // holder and entity ids of a chunk's rows, in turn
	ends []uint32
	idx  []int32
	rows []ownRow
}

func loadOwnership(ctx context.Context, t *table, ents *Entities, opt Options) ([]control.Edge, error) {
	opt = opt.withDefaults()
	nf := len(t.header)
	hi, ei, si := t.col("holder_id"), t.col("entity_id"), t.col("share_pct")
	ci, ai := t.col("control"), t.col("as_of")
	scratch := make([]*ownScratch, opt.Workers)
	reset := func() { clear(scratch) }
	chunks, err := scan(ctx, t, opt.Workers, reset, func(w int, recs records) *ownChunk {
		sc := scratch[w]
		if sc == nil {
			sc = &ownScratch{sums: hugepage.Make[int64](ents.Len())}
			scratch[w] = sc
		}
		c := &ownChunk{probs: newProblems(t, opt.MaxProblems)}
		// First the fields other than ids, keeping the ids to look them
		// up all at once.
		sc.ids, sc.ends, sc.rows = sc.ids[:0], sc.ends[:0], sc.rows[:0]
		var lastDate []byte // the last as_of found valid
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			agreement := false
			if ci >= 0 && len(f[ci]) > 0 {
				if asciiFold(f[ci], "agreement") {
					agreement = true
				} else {
					c.probs.add(line, "control", f[ci], `must be empty or "agreement"`)
					ok = false
				}
			}
			var share kamp.Share
			if v := f[si]; len(v) == 0 {
				if !agreement {
					c.probs.add(line, "share_pct", nil, "required unless control is agreement")
					ok = false
				}
			} else if n, err := check.ParseFixed(str(v), kamp.ShareScale, false); err != nil {
				c.probs.addErr(line, "share_pct", v, err)
				ok = false
			} else if n <= 0 || kamp.Share(n) > hundredPct {
				c.probs.add(line, "share_pct", v, "must be more than 0 and at most 100")
				ok = false
			} else {
				share = kamp.Share(n)
			}
			if ai >= 0 && len(f[ai]) > 0 && !bytes.Equal(f[ai], lastDate) {
				if err := check.Date(str(f[ai])); err != nil {
					c.probs.addErr(line, "as_of", f[ai], err)
					ok = false
				} else {
					lastDate = append(lastDate[:0], f[ai]...)
				}
			}
			sc.ids = append(sc.ids, f[hi]...)
			sc.ends = append(sc.ends, uint32(len(sc.ids)))
			sc.ids = append(sc.ids, f[ei]...)
			sc.ends = append(sc.ends, uint32(len(sc.ids)))
			sc.rows = append(sc.rows, ownRow{share: share, line: int32(line), agreement: agreement, ok: ok})
		}
		sc.idx = slices.Grow(sc.idx[:0], len(sc.ends))[:len(sc.ends)]
		ents.ix.findAll(sc.ids, sc.ends, 2, sc.idx)
		c.edges = make([]control.Edge, 0, len(sc.rows))
		c.lines = make([]int32, 0, len(sc.rows))
		start := uint32(0)
		for k, r := range sc.rows {
			line := int(r.line)
			holderID := sc.ids[start:sc.ends[2*k]]
			heldID := sc.ids[sc.ends[2*k]:sc.ends[2*k+1]]
			start = sc.ends[2*k+1]
			holder, held := sc.idx[2*k], sc.idx[2*k+1]
			if holder < 0 {
				refProblem(c.probs, line, "holder_id", holderID)
				r.ok = false
			}
			if held < 0 {
				refProblem(c.probs, line, "entity_id", heldID)
				r.ok = false
			}
			if r.ok && holder == held {
				c.probs.add(line, "holder_id", holderID, "an entity cannot hold itself")
				r.ok = false
			}
			if !r.ok {
				continue
			}
			c.edges = append(c.edges, control.Edge{Holder: holder, Held: held, Share: r.share, Agreement: r.agreement})
			c.lines = append(c.lines, r.line)
		}
		// A loop of its own, so that the processor can work on several
		// of these scattered additions at once.
		for _, e := range c.edges {
			sc.sums[e.Held] += int64(e.Share)
		}
		return c
	})
	if err != nil {
		return nil, err
	}
	probs := make([]*problems, len(chunks))
	n := 0
	for i, c := range chunks {
		probs[i] = c.probs
		n += len(c.edges)
	}
	over := false
	var sums []int64
	for _, sc := range scratch {
		if sc == nil {
			continue
		}
		if sums == nil {
			sums = sc.sums
			continue
		}
		for v, s := range sc.sums {
			sums[v] += s
		}
	}
	for _, s := range sums {
		if s > int64(maxShareSum) {
			over = true
			break
		}
	}
	var sumProbs *problems
	if over {
		// Find the rows that take a sum past 100.01, in file order; a
		// reported row does not count towards the sum.
		sumProbs = newProblems(t, opt.MaxProblems)
		clear(sums)
		for _, c := range chunks {
			for k, e := range c.edges {
				s := sums[e.Held] + int64(e.Share)
				if s > int64(maxShareSum) {
					sumProbs.add(int(c.lines[k]), "share_pct", []byte(e.Share.String()),
						fmt.Sprintf("the shares held in %s would add up to %s%%, more than 100.01", ents.IDs[e.Held], kamp.Share(s)))
					continue
				}
				sums[e.Held] = s
			}
		}
	}
	if err := mergeProblems(t, opt.MaxProblems, probs, []*problems{sumProbs}); err != nil {
		return nil, err
	}
	edges := hugepage.Make[control.Edge](n)
	at := make([]int, len(chunks))
	for i := 1; i < len(chunks); i++ {
		at[i] = at[i-1] + len(chunks[i-1].edges)
	}
	parallel(len(chunks), opt.Workers, func(i int) {
		copy(edges[at[i]:], chunks[i].edges)
		chunks[i].edges = nil
	})
	return edges, nil
}

// refProblem records why the id field v of column col names no entity:
// it is missing, not an id, or unknown.
func refProblem(p *problems, line int, col string, v []byte) {
	switch err := check.ID(str(v)); {
	case len(v) == 0:
		p.add(line, col, nil, "required value is missing")
	case err != nil:
		p.addErr(line, col, v, err)
	default:
		p.add(line, col, v, "unknown entity: no such id in entities.csv")
	}
}
