package dataset

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"sort"
	"unsafe"

	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/hugepage"
)

// Entities are the rows of entities.csv as columns, in file order: entity i
// is the i-th data row.
type Entities struct {
	// IDs[i] is entity i's id. The ids share one backing string.
	IDs []string
	// State[i] reports kind=state.
	State []bool
	// Client[i] reports is_client (1 when the column is empty or absent).
	Client []bool
	// States counts the entities of kind state.
	States int
	// Names[i] is entity i's name, when the entities were read by
	// LoadEntitiesWithNames (nil otherwise). The names share one backing
	// string.
	Names []string
	ix    *index
}

// Len returns the number of entities.
func (e *Entities) Len() int { return len(e.IDs) }

// Index returns the index of the entity with the given id.
func (e *Entities) Index(id string) (int32, bool) {
	i := e.ix.find(unsafe.Slice(unsafe.StringData(id), len(id)))
	return i, i >= 0
}

// entityColumns are the columns of entities.csv that must be present.
var entityColumns = []string{"id", "name"}

// entChunk is what a worker makes of one chunk of entities.csv.
type entChunk struct {
	arena  []byte
	ends   []uint32 // ends of the ids in arena
	hashes []uint64
	state  []bool
	client []bool
	lines  []int32
	probs  *problems
	// names and nameEnds are the names, when they are kept.
	names    []byte
	nameEnds []uint32
}

// LoadEntities reads entities.csv (or .csv.gz, .xlsx) at path. It checks
// every row's shape and the columns the engines use: id (present, a valid
// id, unique), name (present), kind (company, person or state, any case) and
// is_client (1, 0, true or false, any case). Bad rows make it fail with a
// *ProblemError.
func LoadEntities(ctx context.Context, path string, opt Options) (*Entities, error) {
	t, err := openTable(path, entityColumns)
	if err != nil {
		return nil, err
	}
	return loadEntities(ctx, t, opt, false)
}

// LoadEntitiesWithNames is LoadEntities, keeping the names in Names too.
func LoadEntitiesWithNames(ctx context.Context, path string, opt Options) (*Entities, error) {
	t, err := openTable(path, entityColumns)
	if err != nil {
		return nil, err
	}
	return loadEntities(ctx, t, opt, true)
}

func loadEntities(ctx context.Context, t *table, opt Options, names bool) (*Entities, error) {
	opt = opt.withDefaults()
	seed := newSeed()
	nf := len(t.header)
	ci, ni, ki, cli := t.col("id"), t.col("name"), t.col("kind"), t.col("is_client")
	chunks, err := scan(ctx, t, opt.Workers, nil, func(_ int, recs records) *entChunk {
		c := &entChunk{probs: newProblems(t, opt.MaxProblems)}
		if hint := recs.sizeHint(); hint > 0 {
			c.arena = make([]byte, 0, 10*hint)
			c.ends = make([]uint32, 0, hint)
			c.hashes = make([]uint64, 0, hint)
			c.state = make([]bool, 0, hint)
			c.client = make([]bool, 0, hint)
			c.lines = make([]int32, 0, hint)
			if names {
				c.names = make([]byte, 0, 24*hint)
				c.nameEnds = make([]uint32, 0, hint)
			}
		}
		for recs.next() {
			f := recs.fields()
			line := recs.line()
			if !c.probs.fieldCount(line, len(f), nf) {
				continue
			}
			ok := true
			id := f[ci]
			if !c.probs.required(line, "id", id) {
				ok = false
			} else if err := check.ID(str(id)); err != nil {
				c.probs.addErr(line, "id", id, err)
				ok = false
			}
			if !c.probs.required(line, "name", f[ni]) {
				ok = false
			}
			state := false
			if ki >= 0 && len(f[ki]) > 0 {
				switch v := f[ki]; {
				case asciiFold(v, "state"):
					state = true
				case asciiFold(v, "company"), asciiFold(v, "person"):
				default:
					c.probs.add(line, "kind", v, "must be company, person or state")
					ok = false
				}
			}
			client := true
			if cli >= 0 && len(f[cli]) > 0 {
				b, err := check.Bool(str(f[cli]))
				if err != nil {
					c.probs.addErr(line, "is_client", f[cli], err)
					ok = false
				}
				client = b
			}
			if !ok {
				continue
			}
			c.arena = append(c.arena, id...)
			c.ends = append(c.ends, uint32(len(c.arena)))
			c.hashes = append(c.hashes, maphash.Bytes(seed, id))
			c.state = append(c.state, state)
			c.client = append(c.client, client)
			c.lines = append(c.lines, int32(line))
			if names {
				c.names = append(c.names, f[ni]...)
				c.nameEnds = append(c.nameEnds, uint32(len(c.names)))
			}
		}
		return c
	})
	if err != nil {
		return nil, err
	}
	probs := make([]*problems, len(chunks))
	n, size, nameSize := 0, 0, 0
	for i, c := range chunks {
		probs[i] = c.probs
		n += len(c.ends)
		size += len(c.arena)
		nameSize += len(c.names)
	}
	if err := mergeProblems(t, opt.MaxProblems, probs); err != nil {
		return nil, err
	}
	if n > math.MaxInt32-1 || size > math.MaxUint32 {
		return nil, fmt.Errorf("%s: %d entities (%d bytes of ids) are more than kamp can index", t.name, n, size)
	}
	// Gather the chunks into columns, each chunk at its place, in
	// parallel; the ids share one string.
	e := &Entities{IDs: hugepage.Make[string](n), State: make([]bool, n), Client: make([]bool, n)}
	buf := hugepage.Make[byte](size)
	s := unsafe.String(unsafe.SliceData(buf), size)
	ends := hugepage.Make[uint32](n)
	hashes := hugepage.Make[uint64](n)
	first := make([]int, len(chunks)+1) // first entity of each chunk
	bases := make([]uint32, len(chunks))
	nameBases := make([]int, len(chunks))
	for i, c := range chunks {
		first[i+1] = first[i] + len(c.ends)
		if i+1 < len(chunks) {
			bases[i+1] = bases[i] + uint32(len(c.arena))
			nameBases[i+1] = nameBases[i] + len(c.names)
		}
	}
	var nameBuf []byte
	var nameStr string
	if names {
		e.Names = hugepage.Make[string](n)
		nameBuf = make([]byte, nameSize)
		nameStr = unsafe.String(unsafe.SliceData(nameBuf), nameSize)
	}
	states := make([]int, len(chunks))
	parallel(len(chunks), opt.Workers, func(i int) {
		c, base, at := chunks[i], bases[i], first[i]
		copy(buf[base:], c.arena)
		start := base
		for k, end := range c.ends {
			end += base
			ends[at+k] = end
			e.IDs[at+k] = s[start:end]
			start = end
		}
		if names {
			copy(nameBuf[nameBases[i]:], c.names)
			start := nameBases[i]
			for k, end := range c.nameEnds {
				e.Names[at+k] = nameStr[start : nameBases[i]+int(end)]
				start = nameBases[i] + int(end)
			}
		}
		copy(hashes[at:], c.hashes)
		copy(e.State[at:], c.state)
		copy(e.Client[at:], c.client)
		for _, st := range c.state {
			if st {
				states[i]++
			}
		}
		c.arena, c.ends, c.hashes, c.state, c.client, c.names, c.nameEnds = nil, nil, nil, nil, nil, nil, nil
	})
	for _, k := range states {
		e.States += k
	}
	ix, dups := buildIndex(seed, s, ends, hashes, opt.Workers)
	if len(dups) > 0 {
		// The line of entity i, from its chunk.
		line := func(i int32) int {
			c := sort.SearchInts(first, int(i)+1) - 1
			return int(chunks[c].lines[int(i)-first[c]])
		}
		p := newProblems(t, opt.MaxProblems)
		for _, d := range dups {
			p.add(line(d.second), "id", []byte(e.IDs[d.second]), fmt.Sprintf("duplicate id: the same as line %d", line(d.first)))
		}
		return nil, mergeProblems(t, opt.MaxProblems, []*problems{p})
	}
	e.ix = ix
	return e, nil
}

// asciiFold reports whether b equals the lower-case ASCII word w, ignoring
// the case of ASCII letters.
func asciiFold(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
