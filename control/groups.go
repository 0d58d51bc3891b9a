package control

import (
	"slices"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/hugepage"
)

// Groups lists the members of every group, as columns. Group i is rooted at
// Roots[i]; groups are in order of their root's id and members in order of
// their id.
type Groups struct {
	// Roots holds the group roots, in id order.
	Roots []int32
	// Start delimits the members: group i's are Members[Start[i]:Start[i+1]].
	Start []int32
	// Members holds the members of every group, group after group.
	Members []int32
	// Depth is each group's depth: the most hops from a member up to its root.
	Depth []int32
	// Index maps an entity to the position of its group in Roots.
	Index []int32
}

// Len returns the number of groups.
func (g Groups) Len() int { return len(g.Roots) }

// Group returns the members of group i, in id order. The slice aliases g.
func (g Groups) Group(i int) []int32 { return g.Members[g.Start[i]:g.Start[i+1]] }

// Size returns the number of members of group i.
func (g Groups) Size(i int) int { return int(g.Start[i+1] - g.Start[i]) }

// NewGroups gathers the groups of res, a Result computed from in. It fails
// with an EINVALID error when res does not fit in.
func NewGroups(in Input, res Result) (Groups, error) {
	if err := checkResult(&in, &res); err != nil {
		return Groups{}, err
	}
	n := len(in.IDs)
	order := SortedOrder(in.IDs)
	g := Groups{Start: []int32{0}, Members: hugepage.Make[int32](n), Index: hugepage.Make[int32](n)}
	size := hugepage.Make[int32](n)
	for _, r := range res.Root {
		size[r]++
	}
	// Groups take the id order of their roots; each group's slot in Members
	// is reserved, then filled walking entities in id order.
	next := hugepage.Make[int32](n)
	for _, v := range order {
		if res.Root[v] != v {
			continue
		}
		g.Index[v] = int32(len(g.Roots))
		next[v] = g.Start[len(g.Start)-1]
		g.Roots = append(g.Roots, v)
		g.Start = append(g.Start, next[v]+size[v])
		g.Depth = append(g.Depth, 0)
	}
	for _, v := range order {
		r := res.Root[v]
		g.Members[next[r]] = v
		next[r]++
		i := g.Index[r]
		g.Index[v] = i
		g.Depth[i] = max(g.Depth[i], res.Depth[v])
	}
	return g, nil
}

// checkResult checks that res has one entry per entity of in and that its
// group roots are consistent.
func checkResult(in *Input, res *Result) error {
	n := len(in.IDs)
	for _, l := range []int{len(res.Controller), len(res.Ultimate), len(res.Root), len(res.Depth), len(res.InCycle), len(res.Conflict)} {
		if l != n {
			return kamp.Errorf(kamp.EINVALID, "control: result has a column of %d entries for %d entities", l, n)
		}
	}
	for v := range n {
		c, u, r := res.Controller[v], res.Ultimate[v], res.Root[v]
		if c < -1 || int(c) >= n || u < 0 || int(u) >= n || r < 0 || int(r) >= n || res.Root[r] != r {
			return kamp.Errorf(kamp.EINVALID, "control: result entry of %s does not fit the input", in.IDs[v])
		}
	}
	return nil
}

// SortedOrder returns the entity indexes in order of their ids as byte
// strings (ties, which only duplicate ids produce, by index). Ids are
// radix-sorted on their first 8 bytes, then runs that share those bytes are
// sorted by comparing the rest.
func SortedOrder(ids []string) []int32 {
	order, _ := sortedOrder(ids)
	if order == nil {
		order = make([]int32, len(ids))
		for i := range order {
			order[i] = int32(i)
		}
	}
	return order
}

// sortedOrder is SortedOrder, but for ids already in strictly increasing
// order it returns a nil order; it also returns an index whose id another
// entity has too, or -1.
func sortedOrder(ids []string) (order []int32, dup int32) {
	n := len(ids)
	dup = -1
	i := 1
	for i < n && ids[i-1] < ids[i] {
		i++
	}
	if i >= n {
		return nil, -1
	}
	order = hugepage.Make[int32](n)
	keys := hugepage.Make[idKey](n)
	for i, id := range ids {
		keys[i] = idKey{prefix(id, 0), prefix(id, 8), int32(i), int32(min(len(id), 17))}
	}
	radixSort(keys, hugepage.Make[idKey](n))
	// Ids equal in their first 8 bytes are ordered by the next 8, then by
	// length (ids of at most 16 bytes that differ only in trailing zero
	// bytes), then in full.
	cmp := func(a, b idKey) int {
		switch {
		case a.next != b.next:
			if a.next < b.next {
				return -1
			}
			return 1
		case a.length > 16 && b.length > 16:
			return strings.Compare(ids[a.index], ids[b.index])
		}
		return int(a.length - b.length)
	}
	sortRuns(keys, func(run []idKey) {
		slices.SortFunc(run, func(a, b idKey) int {
			if c := cmp(a, b); c != 0 {
				return c
			}
			return int(a.index - b.index)
		})
		for k := 1; k < len(run); k++ {
			if cmp(run[k-1], run[k]) == 0 {
				dup = run[k].index
			}
		}
	})
	for i, k := range keys {
		order[i] = k.index
	}
	return order, dup
}

// sortRuns calls sort for every run of two or more keys that share their
// prefix, in keys sorted by prefix: the ties the radix sort leaves.
func sortRuns(keys []idKey, sort func(run []idKey)) {
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].prefix == keys[i].prefix {
			j++
		}
		if j-i > 1 {
			sort(keys[i:j])
		}
		i = j
	}
}

// idKey is an id's first 16 bytes as two big-endian zero-padded words, its
// index, and its length up to 17 (17 standing for any longer length).
type idKey struct {
	prefix, next  uint64
	index, length int32
}

// prefix returns bytes from..from+7 of id as a big-endian word, padded with
// zeros past the end of id.
func prefix(id string, from int) uint64 {
	var p uint64
	for i := from; i < from+8; i++ {
		p <<= 8
		if i < len(id) {
			p |= uint64(id[i])
		}
	}
	return p
}

// radixSort sorts keys by prefix, stably, one byte at a time from the
// lowest, skipping bytes that all keys share; tmp is scratch space as long
// as keys.
func radixSort(keys, tmp []idKey) {
	var count [8][256]int
	for _, k := range keys {
		for b := range 8 {
			count[b][byte(k.prefix>>(8*b))]++
		}
	}
	src, dst := keys, tmp
	for b := range 8 {
		c := &count[b]
		if c[byte(src[0].prefix>>(8*b))] == len(src) {
			continue
		}
		sum := 0
		for i := range c {
			c[i], sum = sum, sum+c[i]
		}
		for _, k := range src {
			d := byte(k.prefix >> (8 * b))
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}
