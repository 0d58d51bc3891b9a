package ownership

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a problem with one record of a public ownership file, located by
// file and line (and column for XML, byte offset for JSON when known).
type Error struct {
	File   string // the file's name as given to the reader
	Line   int    // 1-based line (XML, JSON Lines) or statement index (JSON array); 0 if unknown
	Column int    // 1-based column (XML), 0 if unknown
	Offset int64  // byte offset (JSON), -1 if unknown
	Record string // the record's id (LEI pair or recordId), "" if unknown
	Field  string // the element or field at fault, "" for the record as a whole
	Value  string // the value at fault, "" if none
	Reason string
	Err    error // the underlying cause, if any
}

// Error formats the problem as file:line:column: record: field: reason.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	if e.Offset >= 0 && e.Column == 0 {
		fmt.Fprintf(&b, " (byte %d)", e.Offset)
	}
	if e.Record != "" {
		b.WriteString(": record " + e.Record)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Reason)
	if e.Value != "" {
		b.WriteString(": " + strconv.Quote(e.Value))
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }
