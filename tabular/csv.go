package tabular

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// bufSize is the size of the read buffers.
const bufSize = 1 << 20

// maxRecord bounds the bytes of one CSV record, so that a quote that is never
// closed cannot make the reader hold the whole file in memory. It is a
// variable for tests.
var maxRecord = 64 << 20

// NewCSV reads CSV from r. Gzip is detected by its magic bytes (1f 8b), so a
// .csv that is really gzip works too. A UTF-8 byte order mark is skipped;
// UTF-16 is refused. name is the base name used in errors. NewCSV reads the
// header row before returning; Close does not close r.
//
// The format is RFC 4180 with comma separators: records end in LF or CRLF;
// a field that starts with a quote is quoted and may hold commas, newlines
// and doubled quotes; any other quote is an error. Line ends inside a quoted
// field are kept as written. Completely empty lines are skipped.
func NewCSV(r io.Reader, name string) (*Reader, error) {
	size := sizeOf(r)
	c := &csvSource{name: name, cr: &countReader{r: r}}
	rawSize, gzSize := bufSize, bufSize
	if size >= 0 && size < bufSize {
		// A small input needs no large buffers (the decompressed data of
		// a small gzip may still be large, but seldom is).
		rawSize, gzSize = int(size)+1, 64<<10
	}
	raw := bufio.NewReaderSize(c.cr, rawSize)
	magic, err := raw.Peek(2)
	if err != nil && err != io.EOF {
		return nil, &Error{File: name, Reason: "read error", Err: err}
	}
	c.br = raw
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		c.gzipped = true
		gz, err := gzip.NewReader(raw)
		if err != nil {
			return nil, c.inputError(err, 0)
		}
		c.gz = gz
		c.br = bufio.NewReaderSize(gz, gzSize)
	}
	head, err := c.br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, c.inputError(err, 0)
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		c.br.Discard(3)
	case bytes.HasPrefix(head, []byte("\xff\xfe")), bytes.HasPrefix(head, []byte("\xfe\xff")):
		c.close()
		return nil, &Error{File: name, Line: 1, Reason: "the file is UTF-16, not UTF-8: save it as \"CSV UTF-8\" and import it again"}
	}
	return newReader(name, c, size)
}

// sizeOf returns the remaining size of r if it can tell, or -1.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - off
	}
	return -1
}

// countReader counts the bytes read through it and keeps its reader's
// error, to tell I/O errors from decompression errors.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// csvSource parses RFC 4180 CSV from a buffered reader.
type csvSource struct {
	name    string
	cr      *countReader
	br      *bufio.Reader
	gz      *gzip.Reader
	gzipped bool // the input starts with the gzip magic bytes
	lines   int  // lines consumed so far, counted by their '\n'

	long   []byte   // a line longer than br's buffer
	rec    []byte   // the unquoted field bytes of the current record (slow path)
	ends   []int    // the end of each field in rec
	fields []string // the record handed out
	parts  [][]byte // fields as bytes, for error reports
}

func (c *csvSource) bytesRead() int64 { return c.cr.n }

func (c *csvSource) close() error {
	if c.gz != nil {
		return c.gz.Close()
	}
	return nil
}

// inputError describes an error from reading the (possibly compressed)
// input.
func (c *csvSource) inputError(err error, line int) *Error {
	switch {
	case c.cr.err != nil:
		return &Error{File: c.name, Line: line, Reason: "read error", Err: c.cr.err}
	case err == errLong:
		return &Error{File: c.name, Line: line, Reason: fmt.Sprintf("record too long: over %d bytes (a quote may be missing)", maxRecord)}
	case !c.gzipped:
		return &Error{File: c.name, Line: line, Reason: "read error", Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{File: c.name, Line: line, Reason: "truncated gzip file: the compressed data ends early", Err: err}
	default:
		return &Error{File: c.name, Line: line, Reason: reason("corrupt gzip data: %v", err), Err: err}
	}
}

// errLong is returned by readLine for a line over maxRecord bytes.
var errLong = errors.New("line too long")

// readLine returns the next line including its '\n' (missing on the last
// line of the input), or an empty slice at the end. The slice is valid until
// the next call.
func (c *csvSource) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	c.long = append(c.long[:0], line...)
	for {
		line, err = c.br.ReadSlice('\n')
		if len(c.long)+len(line) > maxRecord {
			return nil, errLong
		}
		c.long = append(c.long, line...)
		if err != bufio.ErrBufferFull {
			return c.long, err
		}
	}
}

// trimEOL strips a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n > 1 && b[n-2] == '\r' {
			b = b[:n-2]
		}
	}
	return b
}

func (c *csvSource) next(r *Reader) bool {
	for {
		start := c.lines + 1
		line, err := c.readLine()
		if err != nil && err != io.EOF {
			return r.fail(c.inputError(err, start))
		}
		if len(line) == 0 {
			return false
		}
		if line[len(line)-1] == '\n' {
			c.lines++
		}
		body := trimEOL(line)
		if len(body) == 0 {
			continue // a completely empty line
		}
		r.line = start
		if bytes.IndexByte(body, '"') >= 0 {
			return c.slow(r, line, start)
		}
		// Fast path: no quotes, so the record is this line split at commas.
		if !utf8.Valid(body) {
			return r.fail(r.badUTF8(start, bytes.Split(body, []byte{','})))
		}
		s := string(body)
		f := c.fields[:0]
		for {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				break
			}
			f = append(f, s[:i])
			s = s[i+1:]
		}
		c.fields = append(f, s)
		r.rec = c.fields
		return true
	}
}

// slow parses a record that holds quotes, starting with line (which
// includes its line end) and reading more lines while a quoted field spans
// them.
func (c *csvSource) slow(r *Reader, line []byte, start int) bool {
	c.rec = c.rec[:0]
	c.ends = c.ends[:0]
	cur := start // the line number of line
	pos := 0
	for {
		field := len(c.ends)
		if pos < len(line) && line[pos] == '"' {
			qline := cur
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					c.rec = append(c.rec, line[pos:]...)
					if len(c.rec) > maxRecord {
						return r.fail(c.inputError(errLong, start))
					}
					var err error
					line, err = c.readLine()
					if err != nil && err != io.EOF {
						return r.fail(c.inputError(err, start))
					}
					if len(line) == 0 {
						return r.fail(&Error{File: c.name, Line: start, Column: r.column(field),
							Reason: fmt.Sprintf("truncated file: quoted field starting on line %d is not closed", qline)})
					}
					if line[len(line)-1] == '\n' {
						c.lines++
					}
					cur++
					pos = 0
					continue
				}
				c.rec = append(c.rec, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					c.rec = append(c.rec, '"')
					pos++
					continue
				}
				break
			}
			c.ends = append(c.ends, len(c.rec))
			if pos < len(line) && line[pos] == ',' {
				pos++
				continue
			}
			if len(trimEOL(line[pos:])) == 0 {
				break
			}
			return r.fail(&Error{File: c.name, Line: start, Column: r.column(field),
				Reason: fmt.Sprintf("unexpected text after the closing quote of a quoted field on line %d (a quote inside a quoted field must be doubled)", cur)})
		}
		rest := trimEOL(line[pos:])
		i := bytes.IndexByte(rest, ',')
		if i >= 0 {
			rest = rest[:i]
		}
		if bytes.IndexByte(rest, '"') >= 0 {
			return r.fail(&Error{File: c.name, Line: start, Column: r.column(field), Value: printable(string(rest)),
				Reason: fmt.Sprintf("bare quote in an unquoted field on line %d (a field holding quotes must be enclosed in quotes, with each quote inside doubled)", cur)})
		}
		c.rec = append(c.rec, rest...)
		c.ends = append(c.ends, len(c.rec))
		if i < 0 {
			break
		}
		pos += i + 1
	}
	if len(c.rec) > maxRecord {
		return r.fail(c.inputError(errLong, start))
	}
	// Each field on its own: bytes of two fields may form UTF-8 together.
	from := 0
	for _, end := range c.ends {
		if !utf8.Valid(c.rec[from:end]) {
			c.parts = c.parts[:0]
			from = 0
			for _, end := range c.ends {
				c.parts = append(c.parts, c.rec[from:end])
				from = end
			}
			return r.fail(r.badUTF8(start, c.parts))
		}
		from = end
	}
	s := string(c.rec)
	f := c.fields[:0]
	from = 0
	for _, end := range c.ends {
		f = append(f, s[from:end])
		from = end
	}
	c.fields = f
	r.rec = f
	return true
}
