package ownership

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
)

// LEIScheme is the BODS identifier scheme of Legal Entity Identifiers.
const LEIScheme = "XI-LEI"

// controlInterests are the BODS interest types that kamp counts as control by
// agreement.
var controlInterests = map[string]bool{
	"appointmentOfBoard":               true,
	"otherInfluenceOrControl":          true,
	"seniorManagingOfficial":           true,
	"controlViaCompanyRulesOrArticles": true,
	"controlByLegalFramework":          true,
	"rightsGrantedByContract":          true,
}

// shareInterests are the BODS interest types whose share is a voting or
// ownership share.
var shareInterests = map[string]bool{"shareholding": true, "votingRights": true}

// RecordKey returns the kamp id of a BODS recordId: the recordId itself when
// it is a valid kamp id, else "bods-" and the first 16 hex digits of its
// SHA-256.
func RecordKey(recordID string) string {
	if check.ID(recordID) == nil {
		return recordID
	}
	h := sha256.Sum256([]byte(recordID))
	return "bods-" + hex.EncodeToString(h[:8])
}

// MapBODSEntity maps an entity or person statement to a kamp entity (id by
// RecordKey, not a client). ok is false, without error, for statements of
// other record types and closed records.
func MapBODSEntity(name string, s Statement) (e kamp.Entity, ok bool, err error) {
	if s.RecordStatus == "closed" {
		return kamp.Entity{}, false, nil
	}
	bad := func(field, value, reason string) error {
		return &Error{File: name, Line: s.Line, Offset: s.Offset, Record: s.RecordID, Field: field, Value: value, Reason: reason}
	}
	d := s.Details
	switch s.RecordType {
	case RecordEntity:
		e = kamp.Entity{Kind: kamp.KindCompany, Name: strings.TrimSpace(d.Name)}
		if d.EntityType != nil && (d.EntityType.Type == "state" || d.EntityType.Type == "stateBody") {
			e.Kind = kamp.KindState
		}
		for _, id := range d.Identifiers {
			if id.Scheme != LEIScheme {
				continue
			}
			if err := check.LEI(id.ID); err != nil {
				return kamp.Entity{}, false, bad("recordDetails.identifiers.id", id.ID, kamp.ErrorMessage(err))
			}
			e.LEI = id.ID
			break
		}
		if d.Jurisdiction != nil {
			e.Country = countryOf(d.Jurisdiction.Code)
		}
	case RecordPerson:
		e = kamp.Entity{Kind: kamp.KindPerson}
		for _, n := range d.Names {
			if n.Type == "individual" && strings.TrimSpace(n.FullName) != "" {
				e.Name = strings.TrimSpace(n.FullName)
				break
			}
		}
		for _, n := range d.Names {
			if e.Name == "" {
				e.Name = strings.TrimSpace(n.FullName)
			}
		}
		if len(d.Nationalities) > 0 {
			e.Country = countryOf(d.Nationalities[0].Code)
		}
	default:
		return kamp.Entity{}, false, nil
	}
	if s.RecordID == "" {
		return kamp.Entity{}, false, bad("recordId", "", "required value is missing")
	}
	e.ID = RecordKey(s.RecordID)
	if e.Name == "" {
		e.Name = s.RecordID
	}
	if e.Country == "" {
		e.Country = "CN"
	}
	return e, true, nil
}

// countryOf returns code upper-cased when it is an ISO 3166-1 alpha-2 code,
// else "".
func countryOf(code string) string {
	c := strings.ToUpper(code)
	if check.Country(c) != nil {
		return ""
	}
	return c
}

// Tie is a BODS relationship mapped to kamp: Holder (the interested party's
// RecordKey) holds Held (the subject's) with Share, or controls it by
// agreement.
type Tie struct {
	Holder, Held string
	// HolderRecord and HeldRecord are the recordIds as written.
	HolderRecord, HeldRecord string
	Share                    kamp.Share
	Agreement                bool
	AsOf                     string
	Line                     int
}

// Holding returns the tie as a kamp holding between the given ids.
func (t Tie) Holding(holderID, heldID string) kamp.Holding {
	return kamp.Holding{HolderID: holderID, EntityID: heldID, Share: t.Share, Agreement: t.Agreement, AsOf: t.AsOf}
}

// MapBODSRelationship maps a relationship statement. ok is false, without
// error, for other record types, closed records, unspecified parties, and
// relationships that leave neither share nor agreement (see the package
// documentation for the rules).
func MapBODSRelationship(name string, s Statement) (t Tie, ok bool, err error) {
	if s.RecordType != RecordRelationship || s.RecordStatus == "closed" {
		return Tie{}, false, nil
	}
	bad := func(field, value, reason string) error {
		return &Error{File: name, Line: s.Line, Offset: s.Offset, Record: s.RecordID, Field: field, Value: value, Reason: reason}
	}
	d := s.Details
	if d.Subject.Unspecified != "" || d.InterestedParty.Unspecified != "" {
		return Tie{}, false, nil
	}
	if d.Subject.RecordID == "" {
		return Tie{}, false, bad("recordDetails.subject", "", "required value is missing")
	}
	if d.InterestedParty.RecordID == "" {
		return Tie{}, false, bad("recordDetails.interestedParty", "", "required value is missing")
	}
	t = Tie{Holder: RecordKey(d.InterestedParty.RecordID), Held: RecordKey(d.Subject.RecordID),
		HolderRecord: d.InterestedParty.RecordID, HeldRecord: d.Subject.RecordID, Line: s.Line}
	if t.Holder == t.Held {
		return Tie{}, false, bad("recordDetails.interestedParty", d.InterestedParty.RecordID, "an entity cannot hold itself")
	}
	if check.Date(s.StatementDate) == nil {
		t.AsOf = s.StatementDate
	}
	for i, in := range d.Interests {
		if in.EndDate != "" || in.DirectOrIndirect == "indirect" {
			continue
		}
		field := "recordDetails.interests[" + strconv.Itoa(i) + "].share"
		switch {
		case controlInterests[in.Type]:
			t.Agreement = true
		case shareInterests[in.Type] && in.Share != nil:
			v, err := lowerBound(in.Share)
			if err != nil {
				return Tie{}, false, bad(field, err.value, err.reason)
			}
			t.Share = max(t.Share, v)
		}
	}
	if t.Share == 0 && !t.Agreement {
		return Tie{}, false, nil
	}
	return t, true, nil
}

type shareErr struct{ value, reason string }

// lowerBound returns the share a BODS share stands for: exact, else the
// lower bound of the range, 0 when none is given.
func lowerBound(s *Share) (kamp.Share, *shareErr) {
	parse := func(n string) (kamp.Share, *shareErr) {
		v, err := ParsePercent(n)
		if err != nil {
			return 0, &shareErr{n, kamp.ErrorMessage(err)}
		}
		return v, nil
	}
	if s.Exact != "" {
		return parse(string(s.Exact))
	}
	ex := bytes.TrimSpace(s.ExclusiveMinimum)
	switch {
	case len(ex) > 0 && ex[0] != 't' && ex[0] != 'f' && ex[0] != 'n':
		v, err := parse(string(ex))
		if err != nil {
			return 0, err
		}
		return min(v+1, 100_000_000), nil
	case s.Minimum != "":
		v, err := parse(string(s.Minimum))
		if err != nil {
			return 0, err
		}
		if string(ex) == "true" {
			v = min(v+1, 100_000_000)
		}
		return v, nil
	}
	return 0, nil
}
