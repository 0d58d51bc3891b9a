package ownership

import (
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// Link is an active GLEIF consolidation: Parent consolidates Child, directly
// or (Ultimate) as the top of the accounting group. Child and Parent are LEIs.
type Link struct {
	Child, Parent string
	Ultimate      bool
	// Share is the consolidation percentage, 0 when no quantifier gives one.
	Share kamp.Share
	// AsOf is the date of the registration's last update, or "".
	AsOf string
	// Line is the line where the record starts.
	Line int
}

// Holding returns the kamp holding of a direct link: the parent holds the
// child with Agreement set (consolidation is control) and the share given.
func (l Link) Holding(parentID, childID string) kamp.Holding {
	return kamp.Holding{HolderID: parentID, EntityID: childID, Share: l.Share, Agreement: true, AsOf: l.AsOf}
}

// LEIEntity returns the entity kamp creates for an LEI that it does not know:
// a company named by its LEI (RR-CDF has no names), with the LEI as id and
// as LEI, country CN (the entities.csv default) and not a client.
func LEIEntity(lei string) kamp.Entity {
	return kamp.Entity{ID: lei, Name: lei, Kind: kamp.KindCompany, LEI: lei, Country: "CN"}
}

// MapRR maps one RR-CDF record. It returns ok false, without error, for a
// record that gives nothing (not ACTIVE, another relationship type, nodes
// that are not LEIs), and an *Error naming the record and the field for one
// that is wrong (a bad LEI, a percentage out of range).
func MapRR(name string, r Relationship) (l Link, ok bool, err error) {
	switch r.Type {
	case DirectlyConsolidatedBy, UltimatelyConsolidatedBy:
	default:
		return Link{}, false, nil
	}
	if !strings.EqualFold(r.Status, StatusActive) {
		return Link{}, false, nil
	}
	bad := func(field, value, reason string) error {
		return &Error{File: name, Line: r.Line, Column: r.Column, Offset: -1, Record: r.Key(), Field: field, Value: value, Reason: reason}
	}
	for _, n := range []struct {
		field string
		node  Node
	}{{"StartNode", r.StartNode}, {"EndNode", r.EndNode}} {
		if n.node.IDType != "" && n.node.IDType != "LEI" {
			return Link{}, false, nil
		}
		if n.node.ID == "" {
			return Link{}, false, bad(n.field+"/NodeID", "", "required value is missing")
		}
		if err := check.LEI(n.node.ID); err != nil {
			return Link{}, false, bad(n.field+"/NodeID", n.node.ID, kamp.ErrorMessage(err))
		}
	}
	if r.StartNode.ID == r.EndNode.ID {
		return Link{}, false, bad("EndNode/NodeID", r.EndNode.ID, "an entity cannot be consolidated by itself")
	}
	l = Link{Child: r.StartNode.ID, Parent: r.EndNode.ID, Ultimate: r.Type == UltimatelyConsolidatedBy, Line: r.Line}
	if q, found := percentage(r.Quantifiers); found {
		s, err := ParsePercent(q.Amount)
		if err != nil {
			return Link{}, false, bad("RelationshipQuantifier/QuantifierAmount", q.Amount, kamp.ErrorMessage(err))
		}
		l.Share = s
	}
	if d, _, _ := strings.Cut(r.LastUpdate, "T"); d != "" && check.Date(d) == nil {
		l.AsOf = d
	}
	return l, true, nil
}

// percentage picks the quantifier that gives the share: the first in
// PERCENTAGE units measured by ACCOUNTING_CONSOLIDATION, else the first in
// PERCENTAGE units.
func percentage(qs []Quantifier) (Quantifier, bool) {
	var first *Quantifier
	for i := range qs {
		if !strings.EqualFold(qs[i].Units, "PERCENTAGE") {
			continue
		}
		if strings.EqualFold(qs[i].Method, "ACCOUNTING_CONSOLIDATION") {
			return qs[i], true
		}
		if first == nil {
			first = &qs[i]
		}
	}
	if first == nil {
		return Quantifier{}, false
	}
	return *first, true
}

// ParsePercent parses a percentage written as a decimal number (an optional
// exponent is accepted, as JSON allows) into a Share. Decimals past the
// sixth are dropped. It fails for text that is not a number and for values
// outside 0..100.
func ParsePercent(s string) (kamp.Share, error) {
	v := s
	if strings.ContainsAny(v, "eE") {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, errf("not a number")
		}
		v = strconv.FormatFloat(f, 'f', -1, 64)
	}
	v = strings.TrimPrefix(v, "+")
	if whole, frac, ok := strings.Cut(v, "."); ok && len(frac) > kamp.ShareScale {
		v = whole + "." + frac[:kamp.ShareScale]
	}
	if strings.HasPrefix(v, "-") {
		return 0, errf("a percentage must be between 0 and 100")
	}
	if len(v) > 32 {
		return 0, errf("a percentage must be between 0 and 100")
	}
	n, err := check.ParseFixed(v, kamp.ShareScale, false)
	if err != nil {
		return 0, errf("%s", kamp.ErrorMessage(err))
	}
	if n > 100_000_000 {
		return 0, errf("a percentage must be between 0 and 100")
	}
	return kamp.Share(n), nil
}

// errf returns a plain error with a formatted message.
func errf(format string, args ...any) error { return kamp.Errorf(kamp.EINVALID, format, args...) }

func itoa(n int) string { return strconv.Itoa(n) }
