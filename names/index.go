package names

import (
	"slices"
	"strings"
)

// Match says how a match key resolved in an Index.
type Match uint8

// Results of a lookup.
const (
	NoMatch   Match = iota // no entity has the key
	Unique                 // exactly one entity has the key
	Ambiguous              // two or more entities have the key: never guessed
)

// String returns "none", "unique" or "ambiguous".
func (m Match) String() string {
	switch m {
	case Unique:
		return "unique"
	case Ambiguous:
		return "ambiguous"
	}
	return "none"
}

// Index resolves match keys to entities, given as int32 indexes into the
// slice of names it was built from. A key shared by two or more entities is
// ambiguous: lookups report it and name no entity.
type Index struct {
	// keys maps a match key to its entity (>= 0) or, for an ambiguous key,
	// to -1-g where g indexes groups.
	keys   map[string]int32
	groups [][]int32
}

// NewIndex builds the index of the match keys of names; entity i has
// names[i]. A name whose key is empty (only white space and brackets) is
// left out: it matches nothing.
func NewIndex(names []string) *Index {
	x := &Index{keys: make(map[string]int32, len(names))}
	var buf []byte
	for i, n := range names {
		buf = AppendMatchKey(buf[:0], n)
		if len(buf) == 0 {
			continue
		}
		prev, ok := x.keys[string(buf)]
		switch {
		case !ok:
			x.keys[string(buf)] = int32(i)
		case prev >= 0:
			x.keys[string(buf)] = int32(-1 - len(x.groups))
			x.groups = append(x.groups, []int32{prev, int32(i)})
		default:
			g := -1 - prev
			x.groups[g] = append(x.groups[g], int32(i))
		}
	}
	return x
}

// Lookup resolves the match key key (already a key: see AppendMatchKey). It
// returns the entity and Unique when exactly one entity has the key, and -1
// with NoMatch or Ambiguous otherwise. It does not allocate.
func (x *Index) Lookup(key []byte) (int32, Match) {
	v, ok := x.keys[string(key)]
	switch {
	case !ok:
		return -1, NoMatch
	case v < 0:
		return -1, Ambiguous
	}
	return v, Unique
}

// Resolve is Lookup of the match key of name.
func (x *Index) Resolve(name string) (int32, Match) {
	var b [128]byte
	return x.Lookup(AppendMatchKey(b[:0], name))
}

// Entities returns the entities whose match key is key, in increasing
// order: none, one, or (for an ambiguous key) all of them. The slice is a
// copy.
func (x *Index) Entities(key string) []int32 {
	v, ok := x.keys[key]
	switch {
	case !ok:
		return nil
	case v < 0:
		return slices.Clone(x.groups[-1-v])
	}
	return []int32{v}
}

// AmbiguousKeys returns every key that two or more entities share, in byte
// order.
func (x *Index) AmbiguousKeys() []string {
	var out []string
	for k, v := range x.keys {
		if v < 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Reason says why a Suggester proposes an entity.
type Reason uint8

// Reasons for a suggestion, strongest first.
const (
	SameKey    Reason = iota // the match keys are equal
	SameNormal               // the normal forms (Normalize) are equal
	ParentOf                 // the name is a branch and the entity its parent (Branch)
)

// String returns "same_key", "same_normal" or "parent".
func (r Reason) String() string {
	switch r {
	case SameKey:
		return "same_key"
	case SameNormal:
		return "same_normal"
	}
	return "parent"
}

// Suggestion is one candidate entity for a name, to be confirmed by a person.
type Suggestion struct {
	Entity int32
	Reason Reason
}

// Suggester proposes the known entities a name may refer to, for people to
// confirm: entities with the same match key, with the same normal form, or —
// when the name is a branch's — its parent legal person. All candidates are
// returned, never one picked among several.
type Suggester struct {
	keys    *Index
	normals map[string][]int32
}

// NewSuggester builds a Suggester over names; entity i has names[i].
func NewSuggester(names []string) *Suggester {
	s := &Suggester{keys: NewIndex(names), normals: make(map[string][]int32, len(names))}
	for i, n := range names {
		if k := Normalize(n); k != "" {
			s.normals[k] = append(s.normals[k], int32(i))
		}
	}
	return s
}

// Suggest returns the candidates for name: every entity with its match key
// (SameKey), then every other entity with its normal form (SameNormal), then,
// when name is a branch (Branch), every other entity whose normal form is
// the parent's (ParentOf). Within a reason entities are in increasing order;
// an entity appears once, under its strongest reason.
func (s *Suggester) Suggest(name string) []Suggestion {
	var out []Suggestion
	seen := map[int32]bool{}
	add := func(es []int32, r Reason) {
		for _, e := range es {
			if !seen[e] {
				seen[e] = true
				out = append(out, Suggestion{Entity: e, Reason: r})
			}
		}
	}
	if k := MatchKey(name); k != "" {
		add(s.keys.Entities(k), SameKey)
	}
	if n := Normalize(name); n != "" {
		add(s.normals[n], SameNormal)
	}
	if p, ok := Branch(name); ok {
		if n := Normalize(p); n != "" && !strings.EqualFold(n, Normalize(name)) {
			add(s.normals[n], ParentOf)
		}
	}
	return out
}
