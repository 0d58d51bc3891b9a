package dataset

import (
	"context"
	"fmt"
	"slices"

	"github.com/kampbank/kamp"
)

// Result files of earlier steps that a later one may reuse.
const (
	KindGroupsResult = "groups"
	KindTiersResult  = "tiers"
)

// refChunk is what a worker makes of one chunk of a result file: pairs of
// entity references with their lines.
type refChunk struct {
	ids   []byte
	ends  []uint32 // two ids a row
	tier  []uint8  // tiers.csv: 1 core, 2 key, 3 general
	lines []int32
	probs *problems
}

// LoadGroupRoots reads groups.csv, as `kamp groups` writes it, at path and
// returns the group root (its group_id) of every entity of ents. Every
// entity must be listed once, and every group_id must name an entity that
// is its own group_id. Bad rows make it fail with a *ProblemError.
func LoadGroupRoots(ctx context.Context, path string, ents *Entities, opt Options) ([]int32, error) {
	t, err := openTable(path, []string{"entity_id", "group_id"})
	if err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	chunks, idx, err := scanRefs(ctx, t, ents, opt, "entity_id", "group_id", "")
	if err != nil {
		return nil, err
	}
	root := make([]int32, ents.Len())
	for i := range root {
		root[i] = -1
	}
	p := newProblems(t, opt.MaxProblems)
	at := 0
	for _, c := range chunks {
		for r, line := range c.lines {
			e, g := idx[at+2*r], idx[at+2*r+1]
			if root[e] >= 0 {
				p.add(int(line), "entity_id", []byte(ents.IDs[e]), "duplicate entity_id")
				continue
			}
			root[e] = g
		}
		at += len(c.ends)
	}
	for i, r := range root {
		if r < 0 {
			p.add(0, "entity_id", []byte(ents.IDs[i]), "entity of entities.csv missing from groups.csv: run kamp groups again")
			if p.count >= opt.MaxProblems {
				break
			}
			continue
		}
		if root[r] != r {
			p.add(0, "group_id", []byte(ents.IDs[r]), fmt.Sprintf("the group of %s is not its own group: run kamp groups again", ents.IDs[i]))
		}
	}
	if err := mergeProblems(t, opt.MaxProblems, []*problems{p}); err != nil {
		return nil, err
	}
	return root, nil
}

// LoadStrategicUnits reads tiers.csv, as `kamp screen` writes it, at path
// and returns the entity indexes of its units of tier core or key, in file
// order. A unit_id must name an entity of ents and appear once; tier must
// be core, key or general. Bad rows make it fail with a *ProblemError.
func LoadStrategicUnits(ctx context.Context, path string, ents *Entities, opt Options) ([]int32, error) {
	t, err := openTable(path, []string{"unit_id", "tier"})
	if err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	chunks, idx, err := scanRefs(ctx, t, ents, opt, "unit_id", "unit_id", "tier")
	if err != nil {
		return nil, err
	}
	seen := make([]bool, ents.Len())
	p := newProblems(t, opt.MaxProblems)
	var units []int32
	at := 0
	for _, c := range chunks {
		for r, line := range c.lines {
			u := idx[at+2*r]
			if seen[u] {
				p.add(int(line), "unit_id", []byte(ents.IDs[u]), "duplicate unit_id")
				continue
			}
			seen[u] = true
			if c.tier[r] <= 2 {
				units = append(units, u)
			}
		}
		at += len(c.ends)
	}
	if err := mergeProblems(t, opt.MaxProblems, []*problems{p}); err != nil {
		return nil, err
	}
	return units, nil
}

// scanRefs reads the columns a and b (entity ids) and, when tierCol is not
// "", a tier column of every row of t, and looks the ids up in ents. idx
// holds the entity indexes, two a row, in file order.
func scanRefs(ctx context.Context, t *table, ents *Entities, opt Options, a, b, tierCol string) ([]*refChunk, []int32, error) {
	nf := len(t.header)
	ai, bi, ti := t.col(a), t.col(b), t.col(tierCol)
	chunks, err := scan(ctx, t, opt.Workers, nil, func(_ int, recs records) *refChunk {
		c := &refChunk{probs: newProblems(t, opt.MaxProblems)}
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			var tier uint8
			if ti >= 0 {
				switch v := f[ti]; {
				case asciiFold(v, "core"):
					tier = 1
				case asciiFold(v, "key"):
					tier = 2
				case asciiFold(v, "general"):
					tier = 3
				default:
					c.probs.add(line, tierCol, v, "must be core, key or general")
					continue
				}
			}
			c.ids = append(c.ids, f[ai]...)
			c.ends = append(c.ends, uint32(len(c.ids)))
			c.ids = append(c.ids, f[bi]...)
			c.ends = append(c.ends, uint32(len(c.ids)))
			c.tier = append(c.tier, tier)
			c.lines = append(c.lines, int32(line))
		}
		return c
	})
	if err != nil {
		return nil, nil, err
	}
	n := 0
	probs := make([]*problems, len(chunks))
	for i, c := range chunks {
		n += len(c.ends)
		probs[i] = c.probs
	}
	idx := make([]int32, n)
	at := 0
	for _, c := range chunks {
		out := idx[at : at+len(c.ends)]
		ents.ix.findAll(c.ids, c.ends, 2, out)
		start := uint32(0)
		for k, end := range c.ends {
			if out[k] < 0 && (k%2 == 0 || a != b) {
				col := a
				if k%2 == 1 {
					col = b
				}
				refProblem(c.probs, int(c.lines[k/2]), col, c.ids[start:end])
			}
			start = end
		}
		at += len(c.ends)
	}
	if err := mergeProblems(t, opt.MaxProblems, probs); err != nil {
		return nil, nil, err
	}
	return chunks, slices.Clip(idx), nil
}

// FindFile is Find for a file that must be there: a missing one is an
// EINVALID error that says what it is needed for.
func FindFile(dir, kind, why string) (string, error) {
	p, err := Find(dir, kind)
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", kamp.Errorf(kamp.EINVALID, "%s: no %s.csv (or .csv.gz, .xlsx) in the folder: it is needed %s", dir, kind, why)
	}
	return p, nil
}
