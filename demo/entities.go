package demo

import "fmt"

// Hash tags: each per-entity choice made at write time hashes the entity
// index with its own tag, so choices do not correlate.
const (
	tagEntity = iota + 1
	tagSlot
	tagUnknown
)

// writeEntities writes entities.csv in id order.
func (g *gen) writeEntities(t *table) error {
	var name []byte
	for n := range g.n {
		if n%4096 == 0 {
			if err := g.ctx.Err(); err != nil {
				return fmt.Errorf("demo: writing entities: %w", err)
			}
		}
		i := int(g.ids.inverse(uint64(n)))
		h := hash2(g.seed, tagEntity, uint64(i), 0)
		k, f := g.kind[i], g.flags[i]
		r := t.row
		r = appendID(r, 'E', uint64(n)+1, g.idWidth)
		r = append(r, ',')
		name = g.appendName(name[:0], i)
		r = appendField(r, name)
		r = append(r, ',')
		switch k {
		case kPerson:
			r = append(r, "person"...)
		case kState:
			r = append(r, "state"...)
		default:
			r = append(r, "company"...)
		}
		r = append(r, ',')
		var err error
		switch {
		case k == kState:
			r, err = appendUSCC(r, "11", stateBodies[g.aux[i]].div, uint64(i), false)
		case (k == kCompany || k == kBranch) && f&fNoUSCC == 0:
			div := regions[g.region[i]].div
			r, err = appendUSCC(r, "91", div[h%uint64(len(div))], uint64(i), f&fMA != 0)
		}
		if err != nil {
			return err
		}
		r = append(r, ',')
		c := -1
		if k == kForeign {
			c, _, _, _ = foreignParts(uint64(g.aux[i]))
			if h>>8%16 != 0 {
				r, err = appendLEI(r, countries[c].lou, uint64(i))
			}
		} else if f&fLEI != 0 {
			r, err = appendLEI(r, chineseLOU, uint64(i))
		}
		if err != nil {
			return err
		}
		r = append(r, ',')
		if c >= 0 {
			r = append(r, countries[c].code...)
		} else {
			r = append(r, "CN"...)
		}
		r = append(r, ',')
		switch k {
		case kCompany, kBranch:
			codes := industries[g.ind[i]].codes
			r = append(r, codes[h>>16%uint64(len(codes))]...)
		case kForeign:
			r = append(r, foreignIndustries[g.ind[i]].code...)
		case kState:
			r = append(r, "S92"...)
		}
		r = append(r, ',')
		switch {
		case k == kState || f&fHO != 0:
			r = append(r, HeadOffice...)
		case k == kCompany || k == kBranch:
			r = appendBranch(r, regions[g.region[i]].branch, h>>24)
		case k == kForeign:
			r = appendBranch(r, countries[c].branch, h>>24)
		}
		r = append(r, ',')
		if f&fClient != 0 {
			r = append(r, '1')
		} else {
			r = append(r, '0')
		}
		t.row = r
		if err := t.end(); err != nil {
			return err
		}
	}
	return nil
}
