package ownership

import (
	"sort"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/control"
)

// Ultimate is GLEIF's word on one entity's ultimate parent, in kamp ids.
type Ultimate struct {
	Entity, Parent string
	// Line is the line of the GLEIF record.
	Line int
}

// Disagreement is an entity whose ultimate parent by GLEIF is not its
// ultimate controller by kamp's control engine. Ids are kamp entity ids (the
// LEI, for entities a GLEIF import created).
type Disagreement struct {
	Entity string
	// GLEIF is the ultimate parent by IS_ULTIMATELY_CONSOLIDATED_BY.
	GLEIF string
	// Kamp is kamp's ultimate controller; the entity itself when nobody
	// controls it.
	Kamp string
	// Conflict reports that kamp found no unique nearest controller on the
	// way up, which stops its chain early.
	Conflict bool
}

// Compare checks GLEIF's ultimate parents against res, the control engine's
// result over in, and returns the entities where they differ, sorted by
// entity id. An entity or parent that is not in in is reported with Kamp ""
// (kamp knows nothing of it).
func Compare(ultimates []Ultimate, in control.Input, res control.Result) ([]Disagreement, error) {
	if res.Len() != len(in.IDs) || len(res.Ultimate) != len(in.IDs) {
		return nil, kamp.Errorf(kamp.EINVALID, "ownership: a control result of %d entities for %d ids", res.Len(), len(in.IDs))
	}
	index := make(map[string]int32, len(in.IDs))
	for i, id := range in.IDs {
		index[id] = int32(i)
	}
	var out []Disagreement
	seen := map[string]bool{}
	for _, u := range ultimates {
		if seen[u.Entity] {
			continue
		}
		seen[u.Entity] = true
		v, ok := index[u.Entity]
		if !ok {
			out = append(out, Disagreement{Entity: u.Entity, GLEIF: u.Parent})
			continue
		}
		ult := res.Ultimate[v]
		if ult < 0 || int(ult) >= len(in.IDs) {
			return nil, kamp.Errorf(kamp.EINVALID, "ownership: the control result names entity index %d of %d", ult, len(in.IDs))
		}
		if k := in.IDs[ult]; k != u.Parent {
			out = append(out, Disagreement{Entity: u.Entity, GLEIF: u.Parent, Kamp: k, Conflict: conflictOnChain(res, v)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Entity < out[j].Entity })
	return out, nil
}

// conflictOnChain reports whether v's chain of immediate controllers ends at
// a conflicted entity.
func conflictOnChain(res control.Result, v int32) bool {
	for range len(res.Controller) + 1 {
		if res.Conflict[v] {
			return true
		}
		c := res.Controller[v]
		if c < 0 || int(c) >= len(res.Controller) {
			return false
		}
		v = c
	}
	return false
}
