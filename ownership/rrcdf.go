package ownership

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// GLEIF relationship types and statuses used by the mapping.
const (
	DirectlyConsolidatedBy   = "IS_DIRECTLY_CONSOLIDATED_BY"
	UltimatelyConsolidatedBy = "IS_ULTIMATELY_CONSOLIDATED_BY"
	StatusActive             = "ACTIVE"
)

// Relationship is one GLEIF RR-CDF RelationshipRecord, as written.
type Relationship struct {
	StartNode Node `xml:"Relationship>StartNode"`
	EndNode   Node `xml:"Relationship>EndNode"`
	// Type is the RelationshipType, e.g. IS_DIRECTLY_CONSOLIDATED_BY.
	Type string `xml:"Relationship>RelationshipType"`
	// Status is the RelationshipStatus: ACTIVE or INACTIVE.
	Status      string       `xml:"Relationship>RelationshipStatus"`
	Periods     []Period     `xml:"Relationship>RelationshipPeriods>RelationshipPeriod"`
	Qualifiers  []Qualifier  `xml:"Relationship>RelationshipQualifiers>RelationshipQualifier"`
	Quantifiers []Quantifier `xml:"Relationship>RelationshipQuantifiers>RelationshipQuantifier"`
	// RegistrationStatus is the Registration's status (PUBLISHED, LAPSED, …).
	RegistrationStatus string `xml:"Registration>RegistrationStatus"`
	// LastUpdate is the Registration's LastUpdateDate (an XML dateTime).
	LastUpdate string `xml:"Registration>LastUpdateDate"`
	// Line and Column locate the record's start tag in the file.
	Line, Column int `xml:"-"`
}

// Node is a StartNode or EndNode.
type Node struct {
	ID     string `xml:"NodeID"`
	IDType string `xml:"NodeIDType"`
}

// Period is one RelationshipPeriod.
type Period struct {
	Start string `xml:"StartDate"`
	End   string `xml:"EndDate"`
	Type  string `xml:"PeriodType"`
}

// Qualifier is one RelationshipQualifier (e.g. ACCOUNTING_STANDARD / IFRS).
type Qualifier struct {
	Dimension string `xml:"QualifierDimension"`
	Category  string `xml:"QualifierCategory"`
}

// Quantifier is one RelationshipQuantifier (e.g. ACCOUNTING_CONSOLIDATION,
// 100, PERCENTAGE).
type Quantifier struct {
	Method string `xml:"MeasurementMethod"`
	Amount string `xml:"QuantifierAmount"`
	Units  string `xml:"QuantifierUnits"`
}

// Key names the record in messages: "START -> END".
func (r Relationship) Key() string { return r.StartNode.ID + " -> " + r.EndNode.ID }

// ReadRRCDF reads the RelationshipRecord elements of a GLEIF RR-CDF file
// from r, whatever their namespace prefix and wherever they sit, and calls fn
// for each in file order. It streams: one record is held at a time. A
// malformed document is reported as an *Error with the file name, line and
// column; an error from fn stops the reading and is returned as it is.
func ReadRRCDF(r io.Reader, name string, fn func(Relationship) error) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	seen := false
	for {
		line, col := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			if !seen {
				return &Error{File: name, Line: line, Column: col, Offset: -1, Reason: "not an RR-CDF document: no RelationshipRecord found"}
			}
			return nil
		}
		if err != nil {
			return xmlError(name, d, "", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "RelationshipRecord" {
			continue
		}
		seen = true
		var rec Relationship
		if err := d.DecodeElement(&rec, &se); err != nil {
			return xmlError(name, d, "a RelationshipRecord starting on line "+itoa(line), err)
		}
		rec.Line, rec.Column = line, col
		trimRelationship(&rec)
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// trimRelationship removes the white space around element texts, which
// pretty-printed files carry.
func trimRelationship(r *Relationship) {
	for _, p := range []*string{&r.StartNode.ID, &r.StartNode.IDType, &r.EndNode.ID, &r.EndNode.IDType, &r.Type, &r.Status, &r.RegistrationStatus, &r.LastUpdate} {
		*p = strings.TrimSpace(*p)
	}
	for i := range r.Quantifiers {
		q := &r.Quantifiers[i]
		q.Method, q.Amount, q.Units = strings.TrimSpace(q.Method), strings.TrimSpace(q.Amount), strings.TrimSpace(q.Units)
	}
	for i := range r.Periods {
		p := &r.Periods[i]
		p.Start, p.End, p.Type = strings.TrimSpace(p.Start), strings.TrimSpace(p.End), strings.TrimSpace(p.Type)
	}
	for i := range r.Qualifiers {
		q := &r.Qualifiers[i]
		q.Dimension, q.Category = strings.TrimSpace(q.Dimension), strings.TrimSpace(q.Category)
	}
}

func xmlError(name string, d *xml.Decoder, where string, err error) error {
	line, col := d.InputPos()
	reason := "malformed XML"
	if where != "" {
		reason += " in " + where
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line, col = se.Line, 0
		reason += ": " + se.Msg
	} else {
		reason += ": " + err.Error()
	}
	return &Error{File: name, Line: line, Column: col, Offset: -1, Reason: reason, Err: err}
}
