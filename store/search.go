package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// entityIndex holds the searchable columns of every entity in memory, with a
// posting list per character pair (bigram) of the lower-cased names, so that
// a search by part of a name — 华信, 物流 — finds its matches without reading
// every row. SQL has no portable index for "contains" (trigram indexes miss
// the two-character searches that Chinese short names need). The index is
// rebuilt from the database whenever the data version changes (see
// dataVersion); rows are in id order.
type entityIndex struct {
	version string
	ids     []string
	names   []string         // lower-cased (ASCII) names, as LOWER() in SQL
	mixed   map[int32]string // the names that lower-casing changed, as written
	byName  []int32          // row numbers ordered by (name, id)
	uscc    []string
	lei     []string
	kind    []string
	client  []bool
	// branchCode is each row's branch as an index into branchNames.
	branchCode  []int32
	branchNames []string
	country     []string
	grams       map[uint64][]int32

	rankOnce sync.Once
	rank     []int32 // each row's position in byName
}

// searchIndex guards the current index.
type searchIndex struct {
	mu  sync.Mutex
	idx *entityIndex
}

// dataVersion changes whenever an import commits (batches are never
// deleted, so their count only grows). Every writer of entities goes through
// an import.
func (db *DB) dataVersion(ctx context.Context) (string, error) {
	var n int64
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM import_batches WHERE status IN ('loaded', 'partial')`).Scan(&n)
	return strconv.FormatInt(n, 10), db.mapErr(err)
}

// entityIndex returns an index of the current data, building it when the
// data changed since the last one.
func (db *DB) entityIndex(ctx context.Context) (*entityIndex, error) {
	v, err := db.dataVersion(ctx)
	if err != nil {
		return nil, err
	}
	db.search.mu.Lock()
	defer db.search.mu.Unlock()
	if db.search.idx != nil && db.search.idx.version == v {
		return db.search.idx, nil
	}
	idx, err := db.buildEntityIndex(ctx, v)
	if err != nil {
		return nil, err
	}
	db.search.idx = idx
	return idx, nil
}

// WarmSearch builds the entity search index ahead of the first search.
func (db *DB) WarmSearch(ctx context.Context) error {
	_, err := db.entityIndex(ctx)
	return err
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// bigrams calls fn with each pair of adjacent runes of s.
func bigrams(s string, fn func(uint64)) {
	var prev rune = -1
	for _, r := range s {
		if prev >= 0 {
			fn(uint64(prev)<<32 | uint64(r))
		}
		prev = r
	}
}

func (db *DB) buildEntityIndex(ctx context.Context, version string) (*entityIndex, error) {
	rows, err := db.query(ctx, `SELECT id, name, COALESCE(uscc, ''), COALESCE(lei, ''), kind, is_client, COALESCE(branch, ''), country FROM entities ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idx := &entityIndex{version: version, grams: map[uint64][]int32{}, mixed: map[int32]string{}}
	intern := map[string]string{}
	branchCodes := map[string]int32{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		intern[s] = s
		return s
	}
	seen := map[uint64]bool{}
	for rows.Next() {
		var id, name, uscc, lei, kind, branch, country string
		var client bool
		if err := rows.Scan(&id, &name, &uscc, &lei, &kind, &client, &branch, &country); err != nil {
			return nil, db.mapErr(err)
		}
		n := int32(len(idx.ids))
		if lower := asciiLower(name); lower != name {
			idx.mixed[n] = name
			name = lower
		}
		idx.ids = append(idx.ids, id)
		idx.names = append(idx.names, name)
		idx.uscc = append(idx.uscc, uscc)
		idx.lei = append(idx.lei, lei)
		idx.kind = append(idx.kind, in(kind))
		idx.client = append(idx.client, client)
		bc, ok := branchCodes[branch]
		if !ok {
			bc = int32(len(idx.branchNames))
			branchCodes[branch] = bc
			idx.branchNames = append(idx.branchNames, strings.Clone(branch))
		}
		idx.branchCode = append(idx.branchCode, bc)
		idx.country = append(idx.country, in(country))
		clear(seen)
		bigrams(name, func(g uint64) {
			if !seen[g] {
				seen[g] = true
				idx.grams[g] = append(idx.grams[g], n)
			}
		})
	}
	if err := rows.Err(); err != nil {
		return nil, db.mapErr(err)
	}
	// Names sort by their bytes, as SQL's ORDER BY name, id does with the
	// "C" collation.
	idx.byName = make([]int32, len(idx.ids))
	for i := range idx.byName {
		idx.byName[i] = int32(i)
	}
	slices.SortFunc(idx.byName, func(a, b int32) int {
		if c := strings.Compare(idx.name(a), idx.name(b)); c != 0 {
			return c
		}
		return int(a - b) // rows are in id order
	})
	return idx, nil
}

// name returns a row's name as written.
func (idx *entityIndex) name(i int32) string {
	if n, ok := idx.mixed[i]; ok {
		return n
	}
	return idx.names[i]
}

// match returns the rows that match f and visible (nil: all rows), in id
// order (or name order when f.Sort asks for it), before paging.
func (idx *entityIndex) match(f EntityFilter, visible func(int32) bool) []int32 {
	q := strings.TrimSpace(f.Q)
	lq, uq := asciiLower(q), strings.ToUpper(q)
	keep := func(i int32) bool {
		if visible != nil && !visible(i) {
			return false
		}
		if f.Kind != "" && idx.kind[i] != f.Kind {
			return false
		}
		if f.IsClient != nil && idx.client[i] != *f.IsClient {
			return false
		}
		if f.Branch != "" && idx.branchNames[idx.branchCode[i]] != f.Branch {
			return false
		}
		if f.Country != "" && idx.country[i] != strings.ToUpper(f.Country) {
			return false
		}
		if q != "" && !(idx.ids[i] == q || (idx.uscc[i] != "" && idx.uscc[i] == uq) || (idx.lei[i] != "" && idx.lei[i] == uq) || strings.Contains(idx.names[i], lq)) {
			return false
		}
		return true
	}
	var out []int32
	// Candidates: rows whose names hold the query's rarest bigram, plus
	// exact code matches; or every row when the query is one character.
	if q != "" && utf8.RuneCountInString(lq) >= 2 {
		var best []int32
		found := true
		first := true
		bigrams(lq, func(g uint64) {
			p, ok := idx.grams[g]
			if !ok {
				found = false
			}
			if first || len(p) < len(best) {
				best, first = p, false
			}
		})
		if !found {
			best = nil
		}
		exact := idx.exact(q, uq)
		cand := make([]int32, 0, len(best)+len(exact))
		cand = append(cand, best...)
		for _, e := range exact {
			if _, dup := slices.BinarySearch(best, e); !dup {
				cand = append(cand, e)
			}
		}
		if len(exact) > 0 {
			slices.Sort(cand)
		}
		for _, i := range cand {
			if keep(i) {
				out = append(out, i)
			}
		}
	} else {
		for i := range idx.ids {
			if keep(int32(i)) {
				out = append(out, int32(i))
			}
		}
	}
	switch f.Sort {
	case "name", "-name":
		if len(out) > len(idx.ids)/16 {
			// Many matches: walk the name order once.
			in := make([]bool, len(idx.ids))
			for _, i := range out {
				in[i] = true
			}
			out = out[:0]
			for _, i := range idx.byName {
				if in[i] {
					out = append(out, i)
				}
			}
		} else {
			rank := func(i int32) int { return idx.nameRank(i) }
			slices.SortFunc(out, func(a, b int32) int { return rank(a) - rank(b) })
		}
		if f.Sort == "-name" {
			slices.Reverse(out)
		}
	case "-id":
		slices.Reverse(out)
	}
	return out
}

// exact returns the rows whose id, USCC or LEI equals the query.
func (idx *entityIndex) exact(q, uq string) []int32 {
	var out []int32
	if i, ok := slices.BinarySearch(idx.ids, q); ok {
		out = append(out, int32(i))
	}
	if len(uq) == 18 || len(uq) == 20 {
		for i := range idx.uscc {
			if idx.uscc[i] == uq || idx.lei[i] == uq {
				out = append(out, int32(i))
			}
		}
	}
	return out
}

// nameRank returns a row's position in name order; built on first use.
func (idx *entityIndex) nameRank(i int32) int {
	idx.rankOnce.Do(func() {
		idx.rank = make([]int32, len(idx.byName))
		for pos, r := range idx.byName {
			idx.rank[r] = int32(pos)
		}
	})
	return int(idx.rank[i])
}
