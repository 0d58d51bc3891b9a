package tabular

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxColumns is the number of columns of an Excel sheet (A to XFD).
const maxColumns = 16384

// NewXLSX reads the first worksheet (in workbook order; chart sheets are
// passed over, hidden sheets are not) of an xlsx workbook held in r, which
// is size bytes long. name is the base name used in errors. NewXLSX reads the
// shared strings and the header row before returning; Close does not close
// r.
//
// The header is the first row with a value. Cell values come as written in
// the file: shared and inline strings (rich-text runs joined, phonetic
// guides left out, _xHHHH_ escapes decoded), formula results, numbers
// unformatted ("1234.5"), booleans as TRUE or FALSE. Dates stored as numbers
// come as serial numbers, so date columns must be text. Cells missing from a
// row are empty fields, rows without any value are skipped, and Line gives
// the sheet's row number.
func NewXLSX(r io.ReaderAt, size int64, name string) (*Reader, error) {
	ra := &countReaderAt{r: r}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, &Error{File: name, Reason: "not an xlsx file (not a zip archive)", Err: err}
	}
	wb := &workbook{name: name, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		wb.files[strings.ToLower(f.Name)] = f
	}
	sheet, sst, err := wb.locate()
	if err != nil {
		return nil, err
	}
	x := &xlsxSource{name: name, ra: ra}
	if sst != "" {
		if x.sst, err = wb.sharedStrings(sst); err != nil {
			return nil, err
		}
	}
	f := wb.files[strings.ToLower(sheet)]
	if f == nil {
		return nil, &Error{File: name, Reason: fmt.Sprintf("not a valid xlsx file: sheet %s is missing", sheet)}
	}
	if off, err := f.DataOffset(); err == nil {
		ra.lo, ra.hi = off, off+int64(f.CompressedSize64)
	}
	x.size = size
	rc, err := f.Open()
	if err != nil {
		return nil, &Error{File: name, Reason: fmt.Sprintf("cannot read sheet %s", sheet), Err: err}
	}
	x.rc = rc
	x.dec = xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	return newReader(name, x, size)
}

// countReaderAt counts the bytes read through it that lie in [lo, hi), the
// compressed data of the worksheet.
type countReaderAt struct {
	r      io.ReaderAt
	lo, hi int64
	n      int64
}

func (c *countReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if from, to := max(off, c.lo), min(off+int64(n), c.hi); to > from {
		c.n += to - from
	}
	return n, err
}

// workbook finds the parts of an xlsx package.
type workbook struct {
	name  string
	files map[string]*zip.File // by lower-case part name
}

// relationship is one entry of a .rels part.
type relationship struct {
	id, typ, target string
}

// fail returns a fatal error about the package structure.
func (w *workbook) fail(err error, format string, args ...any) *Error {
	return &Error{File: w.name, Reason: reason(format, args...), Err: err}
}

// reason formats a reason, keeping it valid UTF-8 even if it quotes an error
// message that holds bytes of a broken file.
func reason(format string, args ...any) string {
	return strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
}

// locate returns the part names of the first worksheet and of the shared
// strings ("" if there are none).
func (w *workbook) locate() (sheet, sst string, err error) {
	wbPart := "xl/workbook.xml"
	pkgRels, err := w.rels("_rels/.rels", "")
	if err != nil {
		return "", "", err
	}
	for _, r := range pkgRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPart = r.target
			break
		}
	}
	f := w.files[strings.ToLower(wbPart)]
	if f == nil {
		return "", "", w.fail(nil, "not an xlsx file (no workbook %s)", wbPart)
	}
	dir := path.Dir(wbPart)
	rels, err := w.rels(path.Join(dir, "_rels", path.Base(wbPart)+".rels"), dir)
	if err != nil {
		return "", "", err
	}
	byID := make(map[string]relationship, len(rels))
	for _, r := range rels {
		byID[r.id] = r
		if sst == "" && strings.HasSuffix(r.typ, "/sharedStrings") {
			sst = r.target
		}
	}
	if sst == "" && w.files[strings.ToLower(path.Join(dir, "sharedStrings.xml"))] != nil {
		sst = path.Join(dir, "sharedStrings.xml")
	}
	ids, err := w.sheetIDs(f, wbPart)
	if err != nil {
		return "", "", err
	}
	if len(ids) == 0 {
		return "", "", w.fail(nil, "the workbook has no sheet")
	}
	for _, id := range ids {
		if r, ok := byID[id]; ok && strings.HasSuffix(r.typ, "/worksheet") {
			return r.target, sst, nil
		}
	}
	return "", "", w.fail(nil, "the workbook has no worksheet (only chart sheets, or broken references)")
}

// rels reads the relationships of a .rels part, resolving targets against
// dir; a missing part has none.
func (w *workbook) rels(part, dir string) ([]relationship, error) {
	f := w.files[strings.ToLower(part)]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, w.fail(err, "cannot read %s", part)
	}
	defer rc.Close()
	var out []relationship
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, w.fail(err, "malformed %s: %v", part, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var r relationship
		external := false
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			case "TargetMode":
				external = a.Value == "External"
			}
		}
		if external || r.target == "" {
			continue
		}
		if strings.HasPrefix(r.target, "/") {
			r.target = path.Clean(r.target)[1:]
		} else {
			r.target = path.Join(dir, r.target)
		}
		out = append(out, r)
	}
}

// sheetIDs returns the relationship ids of the workbook's sheets in order.
func (w *workbook) sheetIDs(f *zip.File, part string) ([]string, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, w.fail(err, "cannot read %s", part)
	}
	defer rc.Close()
	var ids []string
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, w.fail(err, "malformed %s: %v", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "sheet" {
				continue
			}
			for _, a := range t.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					ids = append(ids, a.Value)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "sheets" {
				return ids, nil
			}
		}
	}
}

// sharedStrings reads the shared-string table.
func (w *workbook) sharedStrings(part string) ([]string, error) {
	f := w.files[strings.ToLower(part)]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, w.fail(err, "cannot read %s", part)
	}
	defer rc.Close()
	var (
		out  []string
		buf  []byte
		inSI bool
		inT  bool
		rph  int // depth of phonetic runs, whose text is not part of the value
	)
	dec := xml.NewDecoder(bufio.NewReaderSize(rc, 64<<10))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, w.fail(err, "malformed shared strings (%s): %v", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI, inT, rph, buf = true, false, 0, buf[:0]
			case "rPh":
				rph++
			case "t":
				inT = inSI && rph == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if inSI {
					out = append(out, unescapeX(string(buf)))
				}
				inSI, inT = false, false
			case "rPh":
				rph--
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				buf = append(buf, t...)
			}
		}
	}
}

// unescapeX decodes the _xHHHH_ escapes of OOXML strings (ST_Xstring), by
// which Excel writes control characters and a literal "_x".
func unescapeX(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:]
		if len(s) >= 7 && s[6] == '_' {
			if v, err := strconv.ParseUint(s[2:6], 16, 16); err == nil {
				b.WriteRune(rune(v))
				s = s[7:]
				i = strings.Index(s, "_x")
				continue
			}
		}
		b.WriteString("_x")
		s = s[2:]
		i = strings.Index(s, "_x")
	}
	b.WriteString(s)
	return b.String()
}

// xlsxSource streams the rows of a worksheet.
type xlsxSource struct {
	name string
	ra   *countReaderAt
	size int64 // of the file
	rc   io.ReadCloser
	dec  *xml.Decoder
	sst  []string

	row    int      // the current row number
	inData bool     // inside <sheetData>
	vals   []string // the current row's cells by column
	used   int      // entries of vals set in the current row
	ended  bool     // </sheetData> seen

	v, is []byte // text of the current cell's <v> and <is>
}

// bytesRead returns the share of the worksheet's compressed data read so
// far, scaled to the size of the file, so that it ends at Size.
func (x *xlsxSource) bytesRead() int64 {
	if x.ra.hi <= x.ra.lo {
		return 0
	}
	return int64(float64(x.size) * float64(x.ra.n) / float64(x.ra.hi-x.ra.lo))
}

func (x *xlsxSource) close() error {
	if x.rc == nil {
		return nil
	}
	err := x.rc.Close()
	x.rc = nil
	return err
}

func (x *xlsxSource) next(r *Reader) bool {
	for {
		if x.ended {
			return false
		}
		ok, e := x.readRow(r)
		if e != nil {
			x.ended = true
			return r.fail(e)
		}
		if !ok {
			x.ended = true
			return false
		}
		last := -1
		for i := x.used - 1; i >= 0; i-- {
			if x.vals[i] != "" {
				last = i
				break
			}
		}
		if last < 0 {
			continue // a row without values
		}
		width := max(last+1, len(r.header))
		for len(x.vals) < width {
			x.vals = append(x.vals, "")
		}
		r.rec = x.vals[:width]
		r.line = x.row
		return true
	}
}

// readRow reads the next <row> into x.vals; it returns false at the end of
// the sheet data.
func (x *xlsxSource) readRow(r *Reader) (bool, *Error) {
	clear(x.vals[:x.used])
	x.used = 0
	var (
		inRow, inCell, inV, inIS, inT bool
		rph                           int
		col                           int // column of the next cell
		typ                           string
	)
	for {
		tok, err := x.dec.RawToken()
		if err == io.EOF {
			if x.inData {
				return false, x.fail(x.row, nil, "truncated sheet: the sheet data ends without being closed")
			}
			return false, nil
		}
		if err != nil {
			return false, x.fail(x.row, err, "cannot read the sheet: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				x.inData = true
			case "row":
				if !x.inData || inRow {
					continue
				}
				inRow, col = true, 0
				n := x.row + 1
				if a, ok := attr(t, "r"); ok {
					v, err := strconv.Atoi(a)
					if err != nil || v < 1 || v > 1<<30 {
						return false, x.fail(x.row+1, err, "malformed sheet: bad row number %q", a)
					}
					n = v
				}
				x.row = n
			case "c":
				if !inRow || inCell {
					continue
				}
				inCell, inV, inIS, inT, rph = true, false, false, false, 0
				x.v, x.is = x.v[:0], x.is[:0]
				typ, _ = attr(t, "t")
				if a, ok := attr(t, "r"); ok && a != "" {
					c, good := cellColumn(a)
					if !good {
						return false, x.fail(x.row, nil, "malformed sheet: bad cell reference %q", a)
					}
					col = c
				}
				if col >= maxColumns {
					return false, x.fail(x.row, nil, "malformed sheet: cell beyond column XFD")
				}
			case "v":
				inV = inCell
			case "is":
				inIS = inCell
			case "rPh":
				rph++
			case "t":
				inT = inIS && rph == 0
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "sheetData":
				if x.inData {
					x.inData = false
					return false, nil
				}
			case "row":
				if inRow {
					return true, nil
				}
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				val, e := x.value(r, typ, col)
				if e != nil {
					return false, e
				}
				for len(x.vals) <= col {
					x.vals = append(x.vals, "")
				}
				x.vals[col] = val
				x.used = max(x.used, col+1)
				col++
			case "v":
				inV = false
			case "is":
				inIS = false
			case "rPh":
				rph--
			case "t":
				inT = false
			}
		case xml.CharData:
			switch {
			case inV:
				x.v = append(x.v, t...)
			case inT:
				x.is = append(x.is, t...)
			}
		}
	}
}

// value returns the text of the cell just read.
func (x *xlsxSource) value(r *Reader, typ string, col int) (string, *Error) {
	var s string
	switch typ {
	case "s":
		if len(x.v) == 0 {
			return "", nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(string(x.v)))
		if err != nil || i < 0 || i >= len(x.sst) {
			return "", &Error{File: x.name, Line: x.row, Column: r.column(col), Value: printable(string(x.v)),
				Reason: fmt.Sprintf("malformed sheet: no shared string %q (the table has %d)", x.v, len(x.sst))}
		}
		return x.sst[i], nil
	case "inlineStr":
		s = unescapeX(string(x.is))
	case "str":
		s = unescapeX(string(x.v))
	case "b":
		switch string(x.v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		s = string(x.v)
	default: // n (number), e (error), d (ISO date): as written
		s = string(x.v)
	}
	if !utf8.ValidString(s) {
		return "", &Error{File: x.name, Line: x.row, Column: r.column(col), Value: printable(s), Reason: notUTF8}
	}
	return s, nil
}

// fail returns a fatal error about the sheet at row.
func (x *xlsxSource) fail(row int, err error, format string, args ...any) *Error {
	return &Error{File: x.name, Line: row, Reason: reason(format, args...), Err: err}
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// cellColumn returns the 0-based column of a cell reference such as "C5"
// or "$C$5".
func cellColumn(ref string) (int, bool) {
	ref = strings.TrimPrefix(ref, "$")
	i, col := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case for letters
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		if col > maxColumns {
			return 0, false
		}
	}
	digits := strings.TrimPrefix(ref[i:], "$")
	if i == 0 || digits == "" {
		return 0, false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return 0, false
		}
	}
	return col - 1, true
}
