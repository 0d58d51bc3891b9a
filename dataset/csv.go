package dataset

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	asmutf8 "github.com/segmentio/asm/utf8"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/tabular"
)

// chunkSize is the size of the blocks a CSV file is read and parsed in. It is
// a variable so that tests can cut files into many small chunks.
var chunkSize = 4 << 20

// maxRecord bounds one record, as in package tabular: a quote that is never
// closed must not make the reader hold the whole file.
const maxRecord = 64 << 20

// bufPool holds read buffers of chunkSize bytes between files.
var bufPool sync.Pool

// errSlow says that the fast parser met something it does not report itself
// (a CSV syntax error, bytes that are not UTF-8, a read or gzip error): the
// file is then read again with package tabular, whose errors are the
// reference.
var errSlow = errors.New("dataset: fall back to the sequential reader")

// records iterates over the records of one chunk of a file.
type records interface {
	// next advances to the next record, returning false at the end.
	next() bool
	// fields returns the current record's fields. They are valid until the
	// next call to next and must not be modified or kept.
	fields() [][]byte
	// line returns the 1-based line where the current record starts.
	line() int
	// sizeHint returns about how many records there are, or 0 if unknown.
	sizeHint() int
	// stable reports whether the current record's fields stay valid
	// (unchanged) until proc, the function given the records, returns,
	// rather than only until the next call to next.
	stable() bool
}

// table is an interchange file with its header.
type table struct {
	path   string
	name   string // base name, for problems
	header []string
	cols   map[string]int // lower-case column name -> field index
	xlsx   bool
}

// openTable reads and checks the header of the file at path with package
// tabular, so that header errors (empty file, UTF-16, empty or duplicate
// column names) are reported exactly as the importer reports them. Columns
// named in required must be present.
func openTable(path string, required []string) (*table, error) {
	r, err := tabular.Open(path)
	if err != nil {
		return nil, readProblem(filepath.Base(path), err)
	}
	defer r.Close()
	t := &table{path: path, name: r.Name(), header: slices.Clone(r.Header()), cols: map[string]int{}}
	t.xlsx = strings.HasSuffix(strings.ToLower(t.name), ".xlsx")
	for i, h := range t.header {
		t.cols[strings.ToLower(h)] = i
	}
	var missing []kamp.RowError
	for _, c := range required {
		if t.col(c) < 0 {
			missing = append(missing, kamp.RowError{File: t.name, Line: 1, Column: c, Reason: fmt.Sprintf("missing required column %q", c)})
		}
	}
	if len(missing) > 0 {
		return nil, newProblemError(t.name, missing, len(missing))
	}
	return t, nil
}

// col returns the field index of a column (its name in lower case), or -1.
func (t *table) col(name string) int {
	if i, ok := t.cols[name]; ok {
		return i
	}
	return -1
}

// readProblem turns a fatal read error of package tabular into a problem
// report.
func readProblem(name string, err error) error {
	var te *tabular.Error
	if errors.As(err, &te) {
		return newProblemError(name, []kamp.RowError{{File: te.File, Line: te.Line, Column: te.Column, Value: te.Value, Reason: te.Reason}}, 1)
	}
	return kamp.WrapError(kamp.EINVALID, err, "%s: cannot read the file", name)
}

// scan feeds every data record of t to proc and returns proc's results in
// file order. CSV and CSV.gz files are cut into chunks at record boundaries
// and parsed on workers goroutines (proc's first argument says which, for
// per-worker state); should the fast parser meet anything it does not
// handle, reset is called and the file is read again, sequentially, with
// package tabular (one call of proc with worker 0). An .xlsx file is read
// that way from the start.
func scan[T any](ctx context.Context, t *table, workers int, reset func(), proc func(w int, recs records) T) ([]T, error) {
	if !t.xlsx {
		res, err := scanFast(ctx, t, workers, proc)
		if !errors.Is(err, errSlow) {
			return res, err
		}
		if reset != nil {
			reset()
		}
	}
	return scanSlow(ctx, t, proc)
}

// scanSlow reads t with package tabular and gives all its records to one
// call of proc.
func scanSlow[T any](ctx context.Context, t *table, proc func(w int, recs records) T) ([]T, error) {
	r, err := tabular.Open(t.path)
	if err != nil {
		return nil, readProblem(t.name, err)
	}
	defer r.Close()
	tr := &tableRecords{ctx: ctx, r: r}
	res := proc(0, tr)
	if tr.ctxErr != nil {
		return nil, tr.ctxErr
	}
	if err := r.Err(); err != nil {
		return nil, readProblem(t.name, err)
	}
	return []T{res}, nil
}

// tableRecords iterates over the records of a tabular.Reader, skipping its
// header.
type tableRecords struct {
	ctx    context.Context
	r      *tabular.Reader
	fs     [][]byte
	n      int
	ctxErr error
}

func (t *tableRecords) next() bool {
	if t.n++; t.n%65536 == 0 {
		if err := t.ctx.Err(); err != nil {
			t.ctxErr = err
			return false
		}
	}
	if !t.r.Next() {
		return false
	}
	t.fs = t.fs[:0]
	for _, s := range t.r.Record() {
		t.fs = append(t.fs, []byte(s))
	}
	return true
}

func (t *tableRecords) fields() [][]byte { return t.fs }
func (t *tableRecords) line() int        { return t.r.Line() }
func (t *tableRecords) sizeHint() int    { return 0 }

// stable is true: the fields are copies made for each record.
func (t *tableRecords) stable() bool { return true }

// chunk is a run of complete records of a file.
type chunk struct {
	seq   int
	buf   []byte // the buffer data lies in, to give back
	data  []byte
	line  int // the line number of data[0]
	lines int // the line feeds in data
}

// result is a worker's result for one chunk.
type result[T any] struct {
	seq int
	val T
}

// mapFiles says whether scanFast maps plain files into memory where the
// system allows it; tests turn it off to cover the buffered reader.
var mapFiles = true

// scanFast parses t in chunks on parallel workers. It returns errSlow when
// the file must be read with package tabular instead. A plain (not
// gzipped) file is mapped into memory where the system allows it, and its
// chunks are parts of the mapping; otherwise it is read into buffers.
func scanFast[T any](ctx context.Context, t *table, workers int, proc func(w int, recs records) T) ([]T, error) {
	f, err := os.Open(t.path)
	if err != nil {
		return nil, kamp.Errorf(kamp.EINVALID, "%s: cannot open the file: %v", t.name, cause(err))
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var src io.Reader = br
	var mapped []byte
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, errSlow
		}
		defer gz.Close()
		src = gz
	} else if mapFiles {
		if m, ok := mapFile(f); ok {
			mapped = m
			defer unmapFile(m)
		}
	}
	if workers < 1 {
		workers = 1
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, workers)
	var free chan []byte
	if mapped == nil {
		free = make(chan []byte, workers+3)
		for range workers + 3 {
			var b []byte
			if p, ok := bufPool.Get().(*[]byte); ok {
				b = *p
			}
			free <- b
		}
		defer func() {
			// Keep the buffers for the next file; the reader's last ones
			// are left to the collector.
			for {
				select {
				case b := <-free:
					if cap(b) == chunkSize {
						bufPool.Put(&b)
					}
				default:
					return
				}
			}
		}()
	}
	var failed, changed atomic.Bool
	var wg sync.WaitGroup
	results := make([][]result[T], workers)
	for w := range workers {
		wg.Go(func() {
			recs := &chunkRecords{}
			for c := range chunks {
				if !failed.Load() && !guardMapped(mapped, &changed, func() bool { return procChunk(w, c, recs, proc, results) }) {
					failed.Store(true)
					cancel()
				}
				if mapped != nil {
					releaseMapped(c.data)
				} else {
					free <- c.buf
				}
			}
		})
	}
	var rerr error
	if mapped != nil {
		guardMapped(mapped, &changed, func() bool {
			rerr = sliceChunks(ctx, mapped, chunks)
			return true
		})
	} else {
		rerr = readChunks(ctx, src, chunks, free)
	}
	close(chunks)
	wg.Wait()
	if changed.Load() {
		return nil, kamp.Errorf(kamp.EINVALID, "%s: the file changed while it was read (it became shorter): read it again once it is complete", t.name)
	}
	if failed.Load() {
		if err := parent.Err(); err != nil {
			return nil, err
		}
		return nil, errSlow
	}
	if rerr != nil {
		return nil, rerr
	}
	var all []result[T]
	for _, r := range results {
		all = append(all, r...)
	}
	slices.SortFunc(all, func(a, b result[T]) int { return a.seq - b.seq })
	out := make([]T, len(all))
	for i, r := range all {
		out[i] = r.val
	}
	return out, nil
}

// procChunk parses chunk c with recs and gives its records to proc, adding
// proc's result to results[w]; it returns false when the chunk cannot be
// parsed here (errSlow).
func procChunk[T any](w int, c chunk, recs *chunkRecords, proc func(w int, recs records) T, results [][]result[T]) bool {
	if !validUTF8(c.data) {
		return false
	}
	recs.reset(c.data, c.line)
	recs.hint = c.lines + 1
	v := proc(w, recs)
	if recs.err != nil {
		return false
	}
	results[w] = append(results[w], result[T]{c.seq, v})
	return true
}

// guardMapped runs f, which reads the memory of the mapped file mapped (if
// not nil), and returns what it returns. Should the file be cut short
// while it is mapped, reading its lost end faults: guardMapped then sets
// changed and returns false instead of letting the program crash.
func guardMapped(mapped []byte, changed *atomic.Bool, f func() bool) (ok bool) {
	if mapped == nil {
		return f()
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			e, isFault := r.(interface{ Addr() uintptr })
			if !isFault || e.Addr() < addr(mapped) || e.Addr()-addr(mapped) >= uintptr(len(mapped)) {
				panic(r)
			}
			changed.Store(true)
			ok = false
		}
	}()
	return f()
}

// validUTF8 reports whether b is UTF-8, as utf8.Valid does, with the
// vector instructions of the processor where it has them (AVX2): four
// times as fast on text that is 40% Chinese, which is a tenth of the
// reading of payments.csv.
func validUTF8(b []byte) bool { return asmutf8.Valid(b) }

// addr returns the address of b's first byte.
func addr(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// sliceChunks cuts data, a whole file, into chunks of about chunkSize
// bytes at record boundaries, and sends them on chunks. The first record
// (the header) and a leading byte order mark are left out.
func sliceChunks(ctx context.Context, data []byte, chunks chan<- chunk) error {
	start, line, ok, err := skipHeader(data, true)
	if err != nil {
		return err
	}
	if !ok {
		return errSlow
	}
	for seq, pos := 0, start; pos < len(data); seq++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		cut := len(data) - pos
		for size := chunkSize; size < cut; size *= 2 {
			if size > maxRecord {
				return errSlow
			}
			if b := lastBoundary(data[pos : pos+size]); b >= 0 {
				cut = b
				break
			}
		}
		if err := sendChunk(ctx, chunks, chunk{seq: seq, data: data[pos : pos+cut]}, &line); err != nil {
			return err
		}
		pos += cut
	}
	return nil
}

// sendChunk sends c, which starts at *line, on chunks, with its count of
// lines, and moves *line past them.
func sendChunk(ctx context.Context, chunks chan<- chunk, c chunk, line *int) error {
	c.line = *line
	c.lines = bytes.Count(c.data, []byte{'\n'})
	*line += c.lines
	select {
	case chunks <- c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// skipHeader returns the offset in data, the first bytes of a file, just
// after its leading byte order mark and header record, and the line
// number there. ok is false when data holds no complete header record yet
// (eof: data is the whole file, and then err is errSlow).
func skipHeader(data []byte, eof bool) (start, line int, ok bool, err error) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		start = 3
	}
	// Skip the header record: package tabular has read it.
	var hr chunkRecords
	hr.reset(data[start:], 1)
	if !hr.next() {
		if hr.err != nil || eof {
			return 0, 0, false, errSlow
		}
		// Only empty lines so far.
		return 0, 0, false, nil
	}
	return start + hr.pos, hr.ln, true, nil
}

// readChunks reads src into buffers taken from free, cuts them after the
// last complete record, and sends them on chunks. The first record (the
// header) and a leading byte order mark are left out.
func readChunks(ctx context.Context, src io.Reader, chunks chan<- chunk, free chan []byte) error {
	// getBuf returns a buffer with room for carry bytes and much more.
	getBuf := func(carry int) []byte {
		b := <-free
		if need := carry + max(chunkSize/2, 1); cap(b) < need {
			b = make([]byte, max(chunkSize, need))
		}
		return b[:cap(b)]
	}
	cur := getBuf(0)
	n := 0 // bytes of cur already filled (the partial record carried over)
	line := 1
	first := true
	for seq := 0; ; {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := io.ReadFull(src, cur[n:])
		eof := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			eof = true
		case err != nil:
			return errSlow
		}
		data := cur[:n+m]
		// grow reads on into a larger buffer.
		grow := func() error {
			if len(data) > maxRecord {
				return errSlow
			}
			bigger := make([]byte, 2*len(cur))
			n = copy(bigger, data)
			cur = bigger
			return nil
		}
		cut := len(data)
		if !eof {
			if cut = lastBoundary(data); cut < 0 {
				// No complete record yet.
				if err := grow(); err != nil {
					return err
				}
				continue
			}
		}
		start := 0
		if first {
			var ok bool
			var err error
			if start, line, ok, err = skipHeader(data[:cut], eof); err != nil {
				return err
			}
			if !ok {
				if err := grow(); err != nil {
					return err
				}
				continue
			}
			first = false
		}
		var next []byte
		if !eof {
			next = getBuf(len(data) - cut)
			n = copy(next, data[cut:])
		}
		if err := sendChunk(ctx, chunks, chunk{seq: seq, buf: cur, data: data[start:cut]}, &line); err != nil {
			return err
		}
		seq++
		if eof {
			return nil
		}
		cur = next
	}
}

// lastBoundary returns the offset just after the last line end of b that is
// not inside a quoted field, or -1 if there is none. b must start at a record
// boundary. The quote state is followed by counting quotes, which is exact
// for well-formed CSV (a doubled quote inside a quoted field toggles the
// state twice); a malformed file may be cut at a wrong place, but then the
// parser fails on the malformed record and the file is read again
// sequentially.
func lastBoundary(b []byte) int {
	last := -1
	pos := 0
	for {
		q := bytes.IndexByte(b[pos:], '"')
		seg := b[pos:]
		if q >= 0 {
			seg = seg[:q]
		}
		if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
			last = pos + i + 1
		}
		if q < 0 {
			return last
		}
		pos += q + 1
		q = bytes.IndexByte(b[pos:], '"')
		if q < 0 {
			return last
		}
		pos += q + 1
	}
}

// chunkRecords parses the records of a chunk with the rules of package
// tabular (RFC 4180; LF or CRLF line ends; a quote is special only at the
// start of a field; completely empty lines are skipped). Unquoted fields are
// slices of the chunk; quoted fields are unescaped into a scratch buffer. A
// syntax error, or a quoted field still open at the end of the chunk, sets
// err to errSlow and stops the iteration.
type chunkRecords struct {
	data    []byte
	pos     int // offset of the next line
	ln      int // line number at pos
	rec     int // line number of the current record
	fs      [][]byte
	scratch []byte
	ends    []int
	hint    int // the lines of the chunk, plus one
	err     error
	// inScratch says that the current record's fields are in scratch.
	inScratch bool
}

func (c *chunkRecords) reset(data []byte, line int) {
	c.data, c.pos, c.ln, c.err = data, 0, line, nil
}

func (c *chunkRecords) fields() [][]byte { return c.fs }
func (c *chunkRecords) line() int        { return c.rec }
func (c *chunkRecords) sizeHint() int    { return c.hint }

// stable is true unless the record has quoted fields: the others are
// parts of the chunk, which outlives the call of proc that reads it.
func (c *chunkRecords) stable() bool { return !c.inScratch }

// specials returns a word whose byte i has its high bit set exactly when
// byte i of x (little-endian) is a comma, a line feed or a quote.
func specials(x uint64) uint64 {
	// The three are ASCII: a byte is one when its low seven bits are
	// and its high bit is clear. Adding 0x7f to a byte of at most 0x7f
	// sets its high bit exactly when it is not zero, and never carries.
	const low7, ones = 0x7f7f7f7f7f7f7f7f, 0x0101010101010101
	y := x & low7
	comma := (y ^ ','*ones) + low7
	lf := (y ^ '\n'*ones) + low7
	quote := (y ^ '"'*ones) + low7
	return ^(comma&lf&quote | x) &^ low7
}

func (c *chunkRecords) next() bool {
	c.inScratch = false
	data := c.data
	for c.pos < len(data) && c.err == nil {
		start := c.pos
		fs := c.fs[:0]
		from := start // start of the current field
		// Look at the bytes eight at a time and at each comma, line
		// feed or quote among them.
		for i := start; ; i += 8 {
			var m uint64
			if i+8 <= len(data) {
				m = specials(binary.LittleEndian.Uint64(data[i:]))
			} else {
				for k := i; k < len(data); k++ {
					if b := data[k]; b == ',' || b == '\n' || b == '"' {
						m |= 0x80 << (8 * (k - i))
					}
				}
				if m == 0 {
					// The last line, without a line feed.
					c.pos = len(data)
					c.rec = c.ln
					c.fs = append(fs, data[from:len(data):len(data)])
					return true
				}
			}
			for ; m != 0; m &= m - 1 {
				j := i + bits.TrailingZeros64(m)/8
				switch data[j] {
				case ',':
					fs = append(fs, data[from:j:j])
					from = j + 1
					continue
				case '"':
					// A quote in the line: parse the record as package
					// tabular's slow path does.
					c.rec = c.ln
					return c.quoted()
				}
				// A line feed: the line ends.
				c.pos = j + 1
				end := j
				if end > start && data[end-1] == '\r' {
					end--
				}
				if end > start {
					c.rec = c.ln
					c.ln++
					c.fs = append(fs, data[from:end:end])
					return true
				}
				// A completely empty line.
				c.ln++
				break
			}
			if c.pos > start {
				break
			}
		}
	}
	return false
}

// advance moves past ln, a line of the chunk.
func (c *chunkRecords) advance(ln []byte) {
	c.pos += len(ln)
	if ln[len(ln)-1] == '\n' {
		c.ln++
	}
}

// nextLine returns the line at c.pos (with its line end) and moves past it,
// or nil at the end of the chunk.
func (c *chunkRecords) nextLine() []byte {
	rest := c.data[c.pos:]
	if len(rest) == 0 {
		return nil
	}
	ln := rest
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		ln = rest[:nl+1]
	}
	c.advance(ln)
	return ln
}

// quoted parses a record that holds quotes, as package tabular does.
func (c *chunkRecords) quoted() bool {
	c.inScratch = true
	c.scratch = c.scratch[:0]
	c.ends = c.ends[:0]
	line := c.nextLine()
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					c.scratch = append(c.scratch, line[pos:]...)
					if line = c.nextLine(); line == nil || len(c.scratch) > maxRecord {
						return c.fail()
					}
					pos = 0
					continue
				}
				c.scratch = append(c.scratch, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					c.scratch = append(c.scratch, '"')
					pos++
					continue
				}
				break
			}
			c.ends = append(c.ends, len(c.scratch))
			if pos < len(line) && line[pos] == ',' {
				pos++
				continue
			}
			if len(trimEOL(line[pos:])) == 0 {
				break
			}
			return c.fail()
		}
		rest := trimEOL(line[pos:])
		i := bytes.IndexByte(rest, ',')
		if i >= 0 {
			rest = rest[:i]
		}
		if bytes.IndexByte(rest, '"') >= 0 {
			return c.fail()
		}
		c.scratch = append(c.scratch, rest...)
		c.ends = append(c.ends, len(c.scratch))
		if i < 0 {
			break
		}
		pos += i + 1
	}
	fs := c.fs[:0]
	from := 0
	for _, end := range c.ends {
		fs = append(fs, c.scratch[from:end:end])
		from = end
	}
	c.fs = fs
	return true
}

func (c *chunkRecords) fail() bool {
	c.err = errSlow
	return false
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

// str returns the bytes of b as a string without copying, for passing a
// field to a checking function that does not keep its argument. The string
// must not outlive the call: b's buffer is reused.
func str(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
