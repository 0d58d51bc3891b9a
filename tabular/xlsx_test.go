package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// buildXLSX writes a zip archive holding parts (name -> content), in name
// order.
func buildXLSX(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// basicParts returns the parts of a minimal workbook with one sheet whose
// <sheetData> holds rows, and a shared-string table whose <si> elements hold
// sst (raw XML), if sst is not nil.
func basicParts(rows string, sst []string) map[string]string {
	p := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheetXML(rows),
	}
	if sst != nil {
		p["xl/sharedStrings.xml"] = sstXML(sst)
	}
	return p
}

// sheetXML wraps rows in a worksheet.
func sheetXML(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><dimension ref="A1:C3"/><sheetData>` + rows + `</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`
}

// sstXML returns a shared-string table of the given <si> contents.
func sstXML(sst []string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + nsMain + `" count="9" uniqueCount="9">`)
	for _, s := range sst {
		b.WriteString("<si>" + s + "</si>")
	}
	b.WriteString("</sst>")
	return b.String()
}

// openXLSX reads all of an xlsx held in data.
func openXLSX(data []byte) (*Reader, []row, error) {
	r, err := NewXLSX(bytes.NewReader(data), int64(len(data)), "t.xlsx")
	if err != nil {
		return nil, nil, err
	}
	rows, err := readAll(r)
	return r, rows, err
}

func TestXLSX(t *testing.T) {
	sst := []string{
		`<t>id</t>`, `<t>name</t>`, `<t xml:space="preserve"> amount </t>`,
		`<r><rPr><b/></rPr><t>中国</t></r><r><t xml:space="preserve">银行 </t></r><rPh sb="0" eb="2"><t>ちゅうごく</t></rPh><phoneticPr fontId="1"/>`,
		`<t>a&amp;b &lt;c&gt;</t>`,
		`<t>line1_x000D_&#10;line2 _x005F_x0041_</t>`,
	}
	three := `<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>`
	tests := []struct {
		name   string
		parts  map[string]string
		header []string
		rows   []row
		err    *wantErr
	}{
		{name: "shared and inline strings, numbers, booleans", parts: basicParts(three+
			`<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" s="3"><v>1234.5</v></c></row>`+
			`<row r="3"><c r="A3" t="str"><f>A2&amp;"x"</f><v>1x</v></c><c r="B3" t="inlineStr"><is><t>in</t><r><t>line</t></r></is></c><c r="C3" t="n"><v>0.30000000000000004</v></c></row>`+
			`<row r="4"><c r="A4" t="b"><v>1</v></c><c r="B4" t="b"><v>0</v></c><c r="C4" t="e"><v>#N/A</v></c></row>`+
			`<row r="5"><c r="A5" t="s"><v>4</v></c><c r="B5" t="s"><v>5</v></c><c r="C5"><v>-1E-3</v></c></row>`, sst),
			header: []string{"id", "name", "amount"},
			rows: []row{
				{2, []string{"1", "中国银行 ", "1234.5"}, true},
				{3, []string{"1x", "inline", "0.30000000000000004"}, true},
				{4, []string{"TRUE", "FALSE", "#N/A"}, true},
				{5, []string{"a&b <c>", "line1\r\nline2 _x0041_", "-1E-3"}, true},
			}},
		{name: "gaps in cells and rows", parts: basicParts(three+
			`<row r="2"><c r="C2"><v>3</v></c></row>`+
			`<row r="3" s="2" customFormat="1"><c r="A3" s="1"/><c r="B3" s="1"><v></v></c></row>`+
			`<row r="7"><c r="A7"><v>7</v></c></row>`+
			`<row r="8"><c r="B8" t="inlineStr"><is><t>b</t></is></c><c r="E8"><v>9</v></c></row>`+
			`<row r="9"><c r="$A$9"><v>x</v></c><c><v>y</v></c><c r="C9" t="s"/></row>`+
			`<row><c><v>10</v></c></row>`, sst),
			header: []string{"id", "name", "amount"},
			rows: []row{
				{2, []string{"", "", "3"}, true},
				{7, []string{"7", "", ""}, true},
				{8, []string{"", "b", "", "", "9"}, false},
				{9, []string{"x", "y", ""}, true},
				{10, []string{"10", "", ""}, true},
			}},
		{name: "header after empty rows, inline header", parts: basicParts(
			`<row r="1"/><row r="3"><c r="B3" s="1"/></row><row r="4"><c r="A4" t="inlineStr"><is><t>ID</t></is></c><c r="B4" t="inlineStr"><is><t> Name </t></is></c></row><row r="5"><c r="A5"><v>1</v></c><c r="B5"><v>2</v></c></row>`, nil),
			header: []string{"ID", "Name"}, rows: []row{{5, []string{"1", "2"}, true}}},
		{name: "header only", parts: basicParts(three, sst), header: []string{"id", "name", "amount"}},
		{name: "prefixed elements", parts: func() map[string]string {
			p := basicParts("", sst)
			p["xl/worksheets/sheet1.xml"] = `<x:worksheet xmlns:x="` + nsMain + `"><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>5</x:v></x:c></x:row></x:sheetData></x:worksheet>`
			return p
		}(), header: []string{"id"}, rows: []row{{2, []string{"5"}, true}}},
		{name: "first sheet in workbook order", parts: func() map[string]string {
			p := basicParts(`<row><c t="inlineStr"><is><t>wrong</t></is></c></row>`, nil)
			p["xl/workbook.xml"] = `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="Chart" sheetId="3" r:id="rId4"/><sheet name="B" sheetId="2" r:id="rId2"/><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`
			p["xl/_rels/workbook.xml.rels"] = `<Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + nsRel + `/worksheet" Target="/xl/worksheets/Sheet2.xml"/><Relationship Id="rId4" Type="` + nsRel + `/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>`
			p["xl/worksheets/sheet2.xml"] = sheetXML(`<row><c t="inlineStr"><is><t>right</t></is></c></row><row><c><v>2</v></c></row>`)
			return p
		}(), header: []string{"right"}, rows: []row{{2, []string{"2"}, true}}},
		{name: "workbook found through package relationships", parts: func() map[string]string {
			p := basicParts(`<row><c t="inlineStr"><is><t>h</t></is></c></row>`, nil)
			p["_rels/.rels"] = `<Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="/wb/book.xml"/></Relationships>`
			p["wb/book.xml"] = p["xl/workbook.xml"]
			p["wb/_rels/book.xml.rels"] = `<Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="../xl/worksheets/sheet1.xml"/></Relationships>`
			delete(p, "xl/workbook.xml")
			delete(p, "xl/_rels/workbook.xml.rels")
			return p
		}(), header: []string{"h"}},

		{name: "not a zip", parts: nil, err: &wantErr{Reason: "not an xlsx file (not a zip archive)"}},
		{name: "no workbook", parts: map[string]string{"a.txt": "x"}, err: &wantErr{Reason: "not an xlsx file (no workbook xl/workbook.xml)"}},
		{name: "no sheet", parts: func() map[string]string {
			p := basicParts("", nil)
			p["xl/workbook.xml"] = `<workbook xmlns="` + nsMain + `"><sheets/></workbook>`
			return p
		}(), err: &wantErr{Reason: "the workbook has no sheet"}},
		{name: "only a chart sheet", parts: func() map[string]string {
			p := basicParts("", nil)
			p["xl/_rels/workbook.xml.rels"] = `<Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>`
			return p
		}(), err: &wantErr{Reason: "no worksheet"}},
		{name: "sheet part missing", parts: func() map[string]string {
			p := basicParts("", nil)
			delete(p, "xl/worksheets/sheet1.xml")
			return p
		}(), err: &wantErr{Reason: "sheet xl/worksheets/sheet1.xml is missing"}},
		{name: "empty sheet", parts: basicParts(`<row r="1"><c r="A1" s="1"/></row>`, nil), err: &wantErr{Reason: "empty file: no header row"}},
		{name: "duplicate header", parts: basicParts(`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><t>ID</t></is></c></row>`, sst),
			err: &wantErr{Line: 2, Reason: `duplicate column "ID" (also column 1)`}},
		{name: "gap in header", parts: basicParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>`, sst),
			err: &wantErr{Line: 1, Reason: "empty column name in the header (column 2)"}},
		{name: "bad shared string index", parts: basicParts(three+`<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="s"><v>99</v></c></row>`, sst),
			header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Column: "name", Reason: "no shared string"}},
		{name: "bad cell reference", parts: basicParts(three+`<row r="2"><c r="2A"><v>1</v></c></row>`, sst),
			header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Reason: `bad cell reference "2A"`}},
		{name: "cell beyond XFD", parts: basicParts(three+`<row r="2"><c r="XFE2"><v>1</v></c></row>`, sst),
			header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Reason: `bad cell reference "XFE2"`}},
		{name: "bad row number", parts: basicParts(three+`<row r="x"><c><v>1</v></c></row>`, sst),
			header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Reason: `bad row number "x"`}},
		{name: "invalid UTF-8 in sheet", parts: basicParts(three+"<row r=\"2\"><c t=\"inlineStr\"><is><t>\xb9\xab</t></is></c></row>", sst),
			header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Reason: "cannot read the sheet"}},
		{name: "truncated sheet XML", parts: func() map[string]string {
			p := basicParts("", sst)
			p["xl/worksheets/sheet1.xml"] = `<worksheet xmlns="` + nsMain + `"><sheetData>` + three + `<row r="2"><c><v>1</v>`
			return p
		}(), header: []string{"id", "name", "amount"}, err: &wantErr{Line: 2, Reason: "truncated sheet"}},
		{name: "malformed shared strings", parts: func() map[string]string {
			p := basicParts(three, nil)
			p["xl/sharedStrings.xml"] = `<sst><si><t>a</si></t></sst>`
			return p
		}(), err: &wantErr{Reason: "malformed shared strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("PK\x03\x04 this is not a zip file")
			if tt.parts != nil {
				data = buildXLSX(t, tt.parts)
			}
			r, rows, err := openXLSX(data)
			checkErr(t, err, tt.err)
			if r == nil {
				if tt.header != nil {
					t.Fatalf("NewXLSX failed, want header %q", tt.header)
				}
				return
			}
			if !reflect.DeepEqual(r.Header(), tt.header) {
				t.Errorf("Header() = %q, want %q", r.Header(), tt.header)
			}
			if !reflect.DeepEqual(rows, tt.rows) {
				t.Errorf("rows = %v\nwant %v", rows, tt.rows)
			}
			if r.Size() != int64(len(data)) || (tt.err == nil && r.BytesRead() != r.Size()) {
				t.Errorf("Size() = %d, BytesRead() = %d, data has %d bytes", r.Size(), r.BytesRead(), len(data))
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestXLSXCorruptEntry(t *testing.T) {
	// A sheet whose compressed bytes are damaged must end in an error, not
	// in a clean end with rows missing.
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c t="inlineStr"><is><t>id</t></is></c></row>`)
	for i := range 5000 {
		rows.WriteString(`<row><c><v>` + strings.Repeat("7", i%13+1) + `</v></c></row>`)
	}
	data := buildXLSX(t, basicParts(rows.String(), nil))
	i := bytes.Index(data, []byte("xl/worksheets/sheet1.xml"))
	if i < 0 {
		t.Fatal("sheet entry not found")
	}
	for j := i + 200; j < i+260; j++ {
		data[j] ^= 0x55
	}
	_, got, err := openXLSX(data)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("read %d rows, error %v; want *Error", len(got), err)
	}
}

func TestCellColumn(t *testing.T) {
	tests := []struct {
		ref  string
		col  int
		good bool
	}{
		{"A1", 0, true}, {"c5", 2, true}, {"Z9", 25, true}, {"AA10", 26, true}, {"$AB$3", 27, true},
		{"XFD1048576", 16383, true}, {"XFE1", 0, false}, {"1A", 0, false}, {"A", 0, false},
		{"", 0, false}, {"A1B", 0, false}, {"AAAAAAAAAAAAAAAA1", 0, false}, {"@1", 0, false}, {"A$", 0, false},
	}
	for _, tt := range tests {
		col, good := cellColumn(tt.ref)
		if col != tt.col || good != tt.good {
			t.Errorf("cellColumn(%q) = %d, %v; want %d, %v", tt.ref, col, good, tt.col, tt.good)
		}
	}
}

func TestUnescapeX(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a_x000D_b", "a\rb"},
		{"_x005F_x0041_", "_x0041_"},
		{"_x4E2D_", "中"},
		{"_x12_", "_x12_"},
		{"_xZZZZ_ _x0041", "_xZZZZ_ _x0041"},
		{"x_x0041__x0042_", "xAB"},
		{"_x", "_x"},
	}
	for _, tt := range tests {
		if got := unescapeX(tt.in); got != tt.want {
			t.Errorf("unescapeX(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
