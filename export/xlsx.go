package export

import (
	"archive/zip"
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// MaxCellChars is the most UTF-16 code units Excel accepts in one cell.
// Longer text is cut to this length (never in the middle of a character), as
// Excel refuses to open a file with a longer cell.
const MaxCellChars = 32767

// MaxRows is the most rows (the header included) an Excel sheet holds.
const MaxRows = 1048576

// XLSXWriter writes a table as an Office Open XML workbook with one sheet.
// The sheet XML is written straight into its zip entry as rows arrive, so
// memory use does not grow with the number of rows.
type XLSXWriter struct {
	zw     *zip.Writer
	bw     *bufio.Writer
	cols   []Column
	rows   int    // rows written, the header included
	ref    []byte // scratch: the current cell's reference
	num    []byte // scratch: the current row's number
	closed bool
}

// Fixed parts of the package. The sheet is written last, so these go first.
const (
	contentTypesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`
	rootRelsXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`
	workbookRelsXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`
	// stylesXML has two cell formats: 0 plain, 1 bold (the header row).
	stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`
)

// NewXLSX starts a workbook on w with one sheet named sheet (cleaned to what
// Excel allows; "Sheet1" when empty) holding a bold, frozen header row of
// cols, and returns a writer for the data rows.
func NewXLSX(w io.Writer, sheet string, cols []Column) (*XLSXWriter, error) {
	if err := checkColumns(cols); err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", contentTypesXML},
		{"_rels/.rels", rootRelsXML},
		{"xl/workbook.xml", workbookXML(sheet)},
		{"xl/_rels/workbook.xml.rels", workbookRelsXML},
		{"xl/styles.xml", stylesXML},
	}
	for _, p := range parts {
		f, err := zw.Create(p.name)
		if err != nil {
			return nil, wrapWrite(p.name, err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return nil, wrapWrite(p.name, err)
		}
	}
	f, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return nil, wrapWrite("sheet", err)
	}
	x := &XLSXWriter{zw: zw, bw: bufio.NewWriterSize(f, 64<<10), cols: cols}
	x.bw.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<sheetViews><sheetView workbookViewId="0">` +
		`<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>` +
		`</sheetView></sheetViews><cols>`)
	for i, c := range cols {
		// A width from the header's length, between 10 and 60 characters.
		width := min(max(utf8.RuneCountInString(c.Name)*2+2, 10), 60)
		x.bw.WriteString(`<col min="` + strconv.Itoa(i+1) + `" max="` + strconv.Itoa(i+1) +
			`" width="` + strconv.Itoa(width) + `" customWidth="1"/>`)
	}
	x.bw.WriteString(`</cols><sheetData>`)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := x.writeRow(header, true); err != nil {
		return nil, err
	}
	return x, nil
}

// workbookXML lists the one sheet.
func workbookXML(sheet string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="`)
	escapeText(&b, SheetName(sheet))
	b.WriteString(`" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	return b.String()
}

// SheetName cleans name into a valid Excel sheet name: the characters
// \ / ? * [ ] : are replaced by '_', leading and trailing apostrophes
// dropped, the result cut to 31 characters, "Sheet1" when nothing is left.
func SheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case '\\', '/', '?', '*', '[', ']', ':':
			return '_'
		}
		if r < 0x20 || r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, "' ")
	if r := []rune(name); len(r) > 31 {
		name = strings.TrimRight(string(r[:31]), "'")
	}
	if name == "" {
		return "Sheet1"
	}
	return name
}

// WriteRow writes one data row. Cells of numeric columns that hold a plain
// decimal (IsDecimal) of at most 15 significant digits become numbers; all
// other non-empty cells become inline strings; empty cells are left out.
func (x *XLSXWriter) WriteRow(cells []string) error {
	if x.closed {
		return kamp.Errorf(kamp.EINVALID, "xlsx: write after close")
	}
	if err := checkRow(cells, len(x.cols)); err != nil {
		return err
	}
	if x.rows >= MaxRows {
		return kamp.Errorf(kamp.EINVALID, "xlsx: a sheet holds at most %d rows", MaxRows)
	}
	return x.writeRow(cells, false)
}

func (x *XLSXWriter) writeRow(cells []string, header bool) error {
	x.rows++
	x.num = strconv.AppendInt(x.num[:0], int64(x.rows), 10)
	b := x.bw
	b.WriteString(`<row r="`)
	b.Write(x.num)
	b.WriteString(`">`)
	for i, v := range cells {
		if v == "" {
			continue
		}
		x.ref = appendColumnName(x.ref[:0], i)
		x.ref = append(x.ref, x.num...)
		b.WriteString(`<c r="`)
		b.Write(x.ref)
		switch {
		case header:
			b.WriteString(`" s="1" t="inlineStr"><is><t xml:space="preserve">`)
			writeCellText(b, v)
			b.WriteString(`</t></is></c>`)
		case x.cols[i].Numeric && IsDecimal(v) && fitsExcelNumber(v):
			b.WriteString(`"><v>`)
			b.WriteString(v)
			b.WriteString(`</v></c>`)
		default:
			b.WriteString(`" t="inlineStr"><is><t xml:space="preserve">`)
			writeCellText(b, v)
			b.WriteString(`</t></is></c>`)
		}
	}
	_, err := b.WriteString(`</row>`)
	return wrapWrite("xlsx row", err)
}

// Close ends the sheet and the zip archive.
func (x *XLSXWriter) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	x.bw.WriteString(`</sheetData></worksheet>`)
	if err := x.bw.Flush(); err != nil {
		return wrapWrite("xlsx sheet", err)
	}
	return wrapWrite("xlsx archive", x.zw.Close())
}

// appendColumnName appends the spreadsheet column name of the 0-based
// column index i: A, B, …, Z, AA, AB, ….
func appendColumnName(dst []byte, i int) []byte {
	var buf [4]byte
	n := len(buf)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		buf[n] = byte('A' + (i-1)%26)
	}
	return append(dst, buf[n:]...)
}

// stringWriter is what the escapers write to.
type stringWriter interface {
	WriteString(s string) (int, error)
	WriteByte(c byte) error
}

// writeCellText writes v as the text of an inline string: cut to
// MaxCellChars, XML-escaped, with characters XML 1.0 cannot carry or XML
// parsers would change (control characters other than tab and newline, the
// carriage return included; U+FFFE; U+FFFF)
// and the underscore of a literal "_xHHHH" escaped the way SpreadsheetML
// defines (ST_Xstring), so the text reads back exactly. Each run of invalid
// UTF-8 bytes becomes U+FFFD.
func writeCellText(w stringWriter, v string) {
	v = truncateUTF16(strings.ToValidUTF8(v, "\uFFFD"), MaxCellChars)
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == '_' && startsXEscape(v[i:]):
			// "_x0041_" would read back as "A": escape the underscore.
			w.WriteString("_x005F_")
		case r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF:
			writeXEscape(w, r)
		case r == '&':
			w.WriteString("&amp;")
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		default:
			w.WriteString(v[i : i+size])
		}
		i += size
	}
}

// escapeText XML-escapes v for an attribute or element, dropping
// characters XML 1.0 cannot carry.
func escapeText(w stringWriter, v string) {
	for _, r := range v {
		switch {
		case r == '&':
			w.WriteString("&amp;")
		case r == '<':
			w.WriteString("&lt;")
		case r == '>':
			w.WriteString("&gt;")
		case r == '"':
			w.WriteString("&quot;")
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
		default:
			w.WriteString(string(r))
		}
	}
}

const hexDigits = "0123456789ABCDEF"

// writeXEscape writes r (< 0x10000) as _xHHHH_.
func writeXEscape(w stringWriter, r rune) {
	w.WriteString("_x")
	for shift := 12; shift >= 0; shift -= 4 {
		w.WriteByte(hexDigits[(r>>shift)&0xF])
	}
	w.WriteByte('_')
}

// startsXEscape reports whether s starts with _xHHHH. Its underscore is
// escaped even when no closing '_' follows, since the next character may be
// written as an escape that starts with one.
func startsXEscape(s string) bool {
	if len(s) < 6 || s[0] != '_' || s[1] != 'x' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// isXEscape reports whether s starts with _xHHHH_.
func isXEscape(s string) bool {
	return len(s) >= 7 && s[6] == '_' && startsXEscape(s)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// truncateUTF16 cuts s to at most n UTF-16 code units, at a character
// boundary.
func truncateUTF16(s string, n int) string {
	if len(s) <= n {
		return s // every byte is at most one code unit
	}
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// UnescapeXString decodes the _xHHHH_ escapes of SpreadsheetML text
// (ST_Xstring), as Excel does when it reads a cell: the inverse of the
// escaping the XLSX writer applies.
func UnescapeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if isXEscape(s[i:]) {
			v, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			b.WriteRune(rune(v))
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
