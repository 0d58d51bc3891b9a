package ownership

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// BODS record types.
const (
	RecordEntity       = "entity"
	RecordPerson       = "person"
	RecordRelationship = "relationship"
)

// Statement is one BODS 0.4 statement, with the fields kamp uses.
type Statement struct {
	StatementID   string  `json:"statementId"`
	StatementDate string  `json:"statementDate"`
	RecordID      string  `json:"recordId"`
	RecordType    string  `json:"recordType"`
	RecordStatus  string  `json:"recordStatus"`
	Details       Details `json:"recordDetails"`
	// Line is the 1-based line of the statement in JSON Lines, or its
	// 1-based index in a JSON array.
	Line int `json:"-"`
	// Offset is the byte offset where the statement starts.
	Offset int64 `json:"-"`
}

// Details is a statement's recordDetails: the fields of entity, person and
// relationship records side by side (each record type fills its own).
type Details struct {
	// Entity records.
	EntityType   *EntityType  `json:"entityType"`
	Name         string       `json:"name"`
	Jurisdiction *Code        `json:"jurisdiction"`
	Identifiers  []Identifier `json:"identifiers"`
	// Person records.
	PersonType    string       `json:"personType"`
	Names         []PersonName `json:"names"`
	Nationalities []Code       `json:"nationalities"`
	// Relationship records.
	Subject         Party      `json:"subject"`
	InterestedParty Party      `json:"interestedParty"`
	Interests       []Interest `json:"interests"`
}

// EntityType is an entity record's entityType.
type EntityType struct {
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
}

// Code is a jurisdiction or nationality: a name and an ISO code.
type Code struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// Identifier is an entity's identifier in a scheme (XI-LEI for LEIs).
type Identifier struct {
	ID     string `json:"id"`
	Scheme string `json:"scheme"`
}

// PersonName is one of a person's names.
type PersonName struct {
	Type     string `json:"type"`
	FullName string `json:"fullName"`
}

// Party is a relationship's subject or interested party: the recordId of an
// entity or person record, or an unspecified party with a reason.
type Party struct {
	RecordID string
	// Unspecified is the reason given when the party is not a record.
	Unspecified string
}

// UnmarshalJSON accepts a recordId string or an unspecified-party object.
func (p *Party) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &p.RecordID)
	}
	if string(b) == "null" {
		return nil
	}
	var u struct {
		Reason      string `json:"reason"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return err
	}
	p.Unspecified = u.Reason
	if p.Unspecified == "" {
		p.Unspecified = "unspecified"
	}
	return nil
}

// Interest is one interest of a relationship.
type Interest struct {
	Type             string `json:"type"`
	DirectOrIndirect string `json:"directOrIndirect"`
	BeneficialOwner  *bool  `json:"beneficialOwnershipOrControl"`
	Share            *Share `json:"share"`
	StartDate        string `json:"startDate"`
	EndDate          string `json:"endDate"`
}

// Share is an interest's share: exact, or a range. ExclusiveMinimum and
// ExclusiveMaximum hold a number (BODS 0.4) or true (older drafts, meaning
// that Minimum or Maximum is exclusive), as written.
type Share struct {
	Exact            json.Number     `json:"exact"`
	Minimum          json.Number     `json:"minimum"`
	Maximum          json.Number     `json:"maximum"`
	ExclusiveMinimum json.RawMessage `json:"exclusiveMinimum"`
	ExclusiveMaximum json.RawMessage `json:"exclusiveMaximum"`
}

// maxLine caps one JSON Lines line (64 MiB): a longer one is an error, not
// an unbounded allocation.
const maxLine = 64 << 20

// ReadBODS reads BODS statements from r, a JSON array of statements or JSON
// Lines (one statement per line; blank lines are passed over), and calls fn
// for each in order. It streams: one statement is held at a time. Malformed
// JSON, or a statement whose fields have the wrong JSON types, is reported as
// an *Error with the file name, the line (JSON Lines) or statement index
// (array), the byte offset and the recordId when it could be read; an error
// from fn stops the reading and is returned as it is.
func ReadBODS(r io.Reader, name string, fn func(Statement) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			return &Error{File: name, Offset: off, Reason: "empty file: expected a JSON array of statements or JSON Lines"}
		}
		if err != nil {
			return &Error{File: name, Offset: off, Reason: "cannot read the file", Err: err}
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			off++
			continue
		}
		if c == 0xEF { // a UTF-8 byte order mark
			if b, err := br.Peek(2); err == nil && b[0] == 0xBB && b[1] == 0xBF {
				_, _ = br.Discard(2)
				off += 3
				continue
			}
		}
		if err := br.UnreadByte(); err != nil {
			return &Error{File: name, Offset: off, Reason: "cannot read the file", Err: err}
		}
		if c == '[' {
			return readArray(br, name, off, fn)
		}
		return readLines(br, name, off, fn)
	}
}

func readArray(r io.Reader, name string, base int64, fn func(Statement) error) error {
	d := json.NewDecoder(r)
	d.UseNumber()
	if _, err := d.Token(); err != nil {
		return jsonError(name, 0, base+d.InputOffset(), nil, err)
	}
	n := 0
	for d.More() {
		n++
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return jsonError(name, n, base+d.InputOffset(), nil, err)
		}
		start := base + d.InputOffset() - int64(len(raw))
		st, err := decodeStatement(raw)
		if err != nil {
			return jsonError(name, n, start, raw, err)
		}
		st.Line, st.Offset = n, start
		if err := fn(st); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil {
		return jsonError(name, n, base+d.InputOffset(), nil, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return &Error{File: name, Line: n, Offset: base + d.InputOffset(), Reason: "malformed JSON: more data after the array of statements"}
	}
	return nil
}

func readLines(br *bufio.Reader, name string, off int64, fn func(Statement) error) error {
	line := 0
	var buf []byte
	for {
		buf = buf[:0]
		start := off
		for {
			frag, err := br.ReadSlice('\n')
			buf = append(buf, frag...)
			off += int64(len(frag))
			if len(buf) > maxLine {
				return &Error{File: name, Line: line + 1, Offset: start, Reason: "line longer than 64 MiB"}
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return &Error{File: name, Line: line + 1, Offset: start, Reason: "cannot read the file", Err: err}
			}
			if err == io.EOF && len(buf) == 0 {
				return nil
			}
			break
		}
		line++
		text := bytes.TrimSpace(buf)
		if len(text) == 0 {
			continue
		}
		st, err := decodeStatement(text)
		if err != nil {
			return jsonError(name, line, start, text, err)
		}
		st.Line, st.Offset = line, start
		if err := fn(st); err != nil {
			return err
		}
	}
}

// decodeStatement decodes one statement; more than one JSON value is an
// error.
func decodeStatement(b []byte) (Statement, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var st Statement
	if err := d.Decode(&st); err != nil {
		return st, err
	}
	if _, err := d.Token(); err != io.EOF {
		return st, errors.New("more than one JSON value")
	}
	return st, nil
}

// jsonError reports a JSON problem, with the statement's recordId when raw
// holds one.
func jsonError(name string, line int, off int64, raw []byte, err error) error {
	e := &Error{File: name, Line: line, Offset: off, Err: err}
	var id struct {
		RecordID any `json:"recordId"`
	}
	if raw != nil && json.NewDecoder(bytes.NewReader(raw)).Decode(&id) == nil {
		if s, ok := id.RecordID.(string); ok {
			e.Record = s
		}
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		e.Offset = off + se.Offset
		if raw == nil {
			e.Offset = off
		}
		e.Reason = "malformed JSON: " + se.Error()
	case errors.As(err, &te):
		e.Field = te.Field
		e.Reason = "wrong JSON type: " + te.Value + " where " + te.Type.String() + " is expected"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Reason = "malformed JSON: the file ends inside a value"
	default:
		e.Reason = "malformed JSON: " + err.Error()
	}
	return e
}
