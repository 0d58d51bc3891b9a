// Package tabular reads kamp's interchange files (data-formats.md): UTF-8 CSV
// per RFC 4180, the same compressed with gzip, and the first worksheet of an
// .xlsx workbook. All three come through one streaming Reader that yields a
// header row and then one record at a time, so memory does not grow with the
// size of the file (an .xlsx keeps its shared-string table in memory, as the
// format requires).
//
// Problems with the file as a whole (not UTF-8, a broken quote, corrupt gzip,
// a workbook without sheets, an empty or duplicate column name) are fatal and
// reported as *Error with the file, line and column. A record with the wrong
// number of fields is not fatal: FieldCountOK reports it so that the caller
// can report the row and go on. Which columns are required, missing or extra
// is for the caller to decide.
//
// Dates in an .xlsx that are stored as numbers come through as Excel serial
// numbers ("45292"), not as dates: date columns in workbooks must be
// formatted as text holding YYYY-MM-DD.
package tabular

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a fatal read error with its position.
type Error struct {
	File   string // base name of the file
	Line   int    // 1-based line (CSV) or row (xlsx) where the record starts; 0 if unknown
	Column string // header name of the field concerned, or "" for the whole row or file
	Value  string // the offending value, made printable (invalid bytes as \xNN), or ""
	Reason string // what is wrong, for a person
	Err    error  // the underlying cause, if any (an I/O or decompression error)
}

// Error formats the error as "file:line: column C: reason: "value"", leaving
// out the parts that are not known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Value != "" {
		b.WriteString(": ")
		b.WriteString(strconv.Quote(e.Value))
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// source is one file format behind a Reader.
type source interface {
	// next reads the next non-empty record into r.rec and r.line, or
	// returns false at the end; on a fatal error it sets r.err first.
	next(r *Reader) bool
	// bytesRead reports how much of the underlying input was consumed.
	bytesRead() int64
	// close releases what the source holds (not the caller's reader).
	close() error
}

// Reader reads a header row and then records from a CSV, CSV.gz or xlsx
// file. A Reader is not safe for concurrent use.
type Reader struct {
	name   string
	src    source
	closer io.Closer // the file opened by Open, if any
	size   int64

	header []string
	keys   map[string]int // fold key of each header name -> column

	rec  []string
	line int
	err  *Error
	done bool
}

// Open opens the file at path by its name: ".csv", ".csv.gz" or ".xlsx"
// (case-insensitive suffix); anything else is an error naming the accepted
// forms. It reads the header row before returning. Close the Reader to close
// the file.
func Open(path string) (*Reader, error) {
	name := filepath.Base(path)
	lower := strings.ToLower(name)
	isXLSX := strings.HasSuffix(lower, ".xlsx")
	if !isXLSX && !strings.HasSuffix(lower, ".csv") && !strings.HasSuffix(lower, ".csv.gz") {
		return nil, &Error{File: name, Reason: "unsupported file type: the name must end in .csv, .csv.gz or .xlsx"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: name, Reason: "cannot open file", Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &Error{File: name, Reason: "cannot open file", Err: err}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &Error{File: name, Reason: "not a regular file"}
	}
	var r *Reader
	if isXLSX {
		r, err = NewXLSX(f, st.Size(), name)
	} else {
		r, err = NewCSV(f, name)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	r.size = st.Size()
	return r, nil
}

// newReader reads the header through src and checks it.
func newReader(name string, src source, size int64) (*Reader, error) {
	r := &Reader{name: name, src: src, size: size}
	if !src.next(r) {
		src.close()
		if r.err != nil {
			return nil, r.err
		}
		return nil, &Error{File: name, Reason: "empty file: no header row"}
	}
	if err := r.setHeader(r.rec, r.line); err != nil {
		src.close()
		return nil, err
	}
	r.rec = nil
	return r, nil
}

// setHeader trims and checks the header names and builds the index.
func (r *Reader) setHeader(fields []string, line int) *Error {
	r.header = make([]string, len(fields))
	r.keys = make(map[string]int, len(fields))
	for i, f := range fields {
		h := trimName(f)
		if h == "" {
			return &Error{File: r.name, Line: line,
				Reason: fmt.Sprintf("empty column name in the header (column %d)", i+1)}
		}
		k := foldKey(h)
		if j, dup := r.keys[k]; dup {
			return &Error{File: r.name, Line: line,
				Reason: fmt.Sprintf("duplicate column %q (also column %d)", h, j+1)}
		}
		r.keys[k] = i
		r.header[i] = h
	}
	return nil
}

// trimName trims a header name of white space and of byte order marks (a
// file saved twice with a BOM has two, the second one in the first name).
func trimName(s string) string {
	return strings.TrimFunc(s, func(c rune) bool { return unicode.IsSpace(c) || c == '\uFEFF' })
}

// foldKey maps s to a key that is equal for two strings exactly when
// strings.EqualFold holds for them: every rune becomes the smallest rune of
// its case-folding orbit.
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// The smallest rune of an ASCII letter's orbit is its upper case
		// (K, k and the Kelvin sign fold together).
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		m := c
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		b.WriteRune(m)
	}
	return b.String()
}

// Name returns the base name of the file, as used in errors.
func (r *Reader) Name() string { return r.name }

// Header returns the header names as written (BOM stripped, surrounding
// spaces and any further BOM trimmed). The caller must not modify the slice.
func (r *Reader) Header() []string { return r.header }

// Index returns the 0-based column of a header name, case-insensitively
// (surrounding spaces in name are ignored, as in the header), or -1.
func (r *Reader) Index(name string) int {
	if i, ok := r.keys[foldKey(trimName(name))]; ok {
		return i
	}
	return -1
}

// Next advances to the next record; it returns false at the end or on a
// fatal error (then Err says why). Completely empty lines in CSV and rows
// without any value in xlsx are skipped; they still count for line numbers.
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	if !r.src.next(r) {
		r.done = true
		r.rec = nil
		return false
	}
	return true
}

// Record returns the current record's fields. The slice is reused by the
// next call to Next, but the strings in it are not: they stay valid and may
// be kept. (The fields of one CSV record share one allocation, so keeping one
// field keeps the record's bytes alive; copy it with strings.Clone to avoid
// that.) Values are as written: no trimming, no number formatting.
func (r *Reader) Record() []string { return r.rec }

// Line returns the 1-based line number where the current record starts (the
// header is line 1 unless empty lines precede it); for xlsx the sheet row
// number.
func (r *Reader) Line() int { return r.line }

// FieldCountOK reports whether the current record has as many fields as the
// header. A record that does not is still returned by Next; the caller
// reports it ("wrong number of fields: 5, header has 7") and goes on. In xlsx,
// cells missing at the end of a row are empty fields, so only a value beyond
// the last header column makes a row wrong.
func (r *Reader) FieldCountOK() bool { return len(r.rec) == len(r.header) }

// Err returns the first error that stopped reading, as *Error, or nil at a
// clean end.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// BytesRead returns how many bytes of the underlying input (the compressed
// bytes, for gzip; the bytes of the workbook read so far, for xlsx) have been
// consumed, for progress bars. Input is read ahead in large blocks.
func (r *Reader) BytesRead() int64 { return r.src.bytesRead() }

// Size returns the total size of the input if known (the file size for Open
// and NewXLSX; the remaining length for an io.Reader with a Len method or an
// *os.File given to NewCSV), or -1.
func (r *Reader) Size() int64 { return r.size }

// Close releases the Reader and closes the file if it was opened by Open. It
// does not close a reader passed to NewCSV or NewXLSX.
func (r *Reader) Close() error {
	r.done = true
	r.rec = nil
	err := r.src.close()
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
		r.closer = nil
	}
	if err != nil {
		return fmt.Errorf("tabular: closing %s: %w", r.name, err)
	}
	return nil
}

// column returns the header name of field i, or "" if there is none (while
// reading the header, or beyond its last column).
func (r *Reader) column(i int) string {
	if i >= 0 && i < len(r.header) {
		return r.header[i]
	}
	return ""
}

// fail records a fatal error and returns false, for use as a source result.
func (r *Reader) fail(e *Error) bool {
	if r.err == nil {
		r.err = e
	}
	return false
}

// maxValue is how many bytes of an offending value an Error keeps.
const maxValue = 64

// printable returns s cut to about maxValue bytes, so that an error report
// stays short. If s is not valid UTF-8, every non-ASCII byte is written as
// \xNN: in a GBK field, bytes that happen to form UTF-8 would only mislead.
func printable(s string) string {
	if utf8.ValidString(s) {
		if len(s) <= maxValue {
			return s
		}
		i := maxValue
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "…"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if b.Len() >= maxValue {
			b.WriteString("…")
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	return b.String()
}

// notUTF8 is the reason given for bytes that are not UTF-8.
const notUTF8 = "invalid UTF-8: the file is not UTF-8 (it may be GBK-encoded, as Excel saves CSV on Chinese Windows); save it as \"CSV UTF-8\" and import it again"

// badUTF8 returns the error for a record with invalid UTF-8 in one of its
// fields.
func (r *Reader) badUTF8(line int, fields [][]byte) *Error {
	for i, f := range fields {
		if !utf8.Valid(f) {
			e := &Error{File: r.name, Line: line, Column: r.column(i), Value: printable(string(f)), Reason: notUTF8}
			if e.Column == "" {
				e.Reason = fmt.Sprintf("field %d: %s", i+1, notUTF8)
			}
			return e
		}
	}
	return &Error{File: r.name, Line: line, Reason: notUTF8}
}
