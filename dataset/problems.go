package dataset

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// DefaultMaxProblems is how many problems a load reports when
// Options.MaxProblems is 0.
const DefaultMaxProblems = 20

// ProblemError reports bad rows of one file. It unwraps to a *kamp.Error with
// code kamp.EINVALID whose message lists the problems, one a line, as
// "file:line:column: "value": reason".
type ProblemError struct {
	// File is the base name of the file.
	File string
	// Problems are the first problems in file order (by line).
	Problems []kamp.RowError
	// Total counts every problem found in the file.
	Total int
	err   *kamp.Error
}

// newProblemError returns the error for the problems of a file, sorted by
// line and cut to the first few.
func newProblemError(file string, probs []kamp.RowError, total int) *ProblemError {
	e := &ProblemError{File: file, Problems: probs, Total: total}
	var b strings.Builder
	if total == 1 {
		fmt.Fprintf(&b, "%s: 1 problem:", file)
	} else {
		fmt.Fprintf(&b, "%s: %d problems", file, total)
		if len(probs) < total {
			fmt.Fprintf(&b, ", the first %d:", len(probs))
		} else {
			b.WriteByte(':')
		}
	}
	details := make([]string, len(probs))
	for i, p := range probs {
		details[i] = FormatProblem(p)
		b.WriteString("\n  ")
		b.WriteString(details[i])
	}
	e.err = &kamp.Error{Code: kamp.EINVALID, Message: b.String(), Details: details}
	return e
}

// Error returns the message listing the problems.
func (e *ProblemError) Error() string { return e.err.Message }

// Unwrap returns the application error (code kamp.EINVALID).
func (e *ProblemError) Unwrap() error { return e.err }

// FormatProblem formats a problem as "file:line:column: "value": reason",
// leaving out the line when 0, the column and the value when empty.
func FormatProblem(p kamp.RowError) string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	if p.Column != "" {
		b.WriteByte(':')
		b.WriteString(p.Column)
	}
	b.WriteString(": ")
	if p.Value != "" {
		b.WriteString(strconv.Quote(p.Value))
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// problems collects the problems of one chunk of a file: the first max of
// them in file order, and a count of all.
type problems struct {
	t     *table
	max   int
	list  []kamp.RowError
	count int
}

// newProblems returns an empty collection for a chunk of t.
func newProblems(t *table, max int) *problems { return &problems{t: t, max: max} }

// add records a problem with a field. value is copied.
func (p *problems) add(line int, column string, value []byte, reason string) {
	p.count++
	p.list = append(p.list, kamp.RowError{File: p.t.name, Line: line, Column: column, Value: printable(value), Reason: reason})
	if len(p.list) >= 2*p.max {
		sortProblems(p.t, p.list)
		p.list = p.list[:p.max]
	}
}

// addErr records a problem whose reason is an error's message.
func (p *problems) addErr(line int, column string, value []byte, err error) {
	p.add(line, column, value, kamp.ErrorMessage(err))
}

// fieldCount reports whether a record has the header's number of fields,
// recording the problem when it has not.
func (p *problems) fieldCount(line, got, want int) bool {
	if got != want {
		p.add(line, "", nil, fmt.Sprintf("wrong number of fields: %d, the header has %d", got, want))
		return false
	}
	return true
}

// required reports whether the field v of column col is given, recording
// the problem when it is empty.
func (p *problems) required(line int, col string, v []byte) bool {
	if len(v) == 0 {
		p.add(line, col, nil, "required value is missing")
		return false
	}
	return true
}

// sortProblems sorts problems by line and, within a line, by column (the
// row as a whole first).
func sortProblems(t *table, list []kamp.RowError) {
	col := func(name string) int {
		if name == "" {
			return -1
		}
		return t.col(name)
	}
	slices.SortStableFunc(list, func(a, b kamp.RowError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(col(a.Column), col(b.Column)))
	})
}

// mergeProblems gathers the problems of a file's chunks, sorts them (see
// sortProblems) and returns the first max of them as an error, or nil when
// there are none.
func mergeProblems(t *table, max int, chunks ...[]*problems) error {
	var list []kamp.RowError
	total := 0
	for _, cs := range chunks {
		for _, c := range cs {
			if c == nil {
				continue
			}
			list = append(list, c.list...)
			total += c.count
		}
	}
	if total == 0 {
		return nil
	}
	sortProblems(t, list)
	if len(list) > max {
		list = list[:max]
	}
	return newProblemError(t.name, list, total)
}

// maxValue is how many bytes of an offending value a problem keeps.
const maxValue = 64

// printable returns a copy of b as a string cut to about maxValue bytes; if b
// is not valid UTF-8, non-ASCII bytes are written as \xNN.
func printable(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		var sb strings.Builder
		for i := 0; i < len(s) && sb.Len() < maxValue; i++ {
			if c := s[i]; c < 0x80 {
				sb.WriteByte(c)
			} else {
				fmt.Fprintf(&sb, `\x%02x`, c)
			}
		}
		return sb.String()
	}
	if len(s) <= maxValue {
		return s
	}
	i := maxValue
	for i > 0 && s[i]&0xc0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
