package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

// sheetCell is one cell read back from a written workbook.
type sheetCell struct {
	Ref    string
	Type   string // "" for a number, "inlineStr" for text
	Style  string
	Value  string // the number, or the decoded text
	Spaced bool   // xml:space="preserve" was set on the text
}

// xlsxFile is what readXLSX finds in a workbook.
type xlsxFile struct {
	Parts     map[string]bool
	SheetName string
	Rows      [][]sheetCell
	Frozen    bool
}

// readXLSX opens a workbook with archive/zip and encoding/xml, checks that
// every part is well-formed XML, and returns the sheet's cells.
func readXLSX(t testing.TB, data []byte) xlsxFile {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open xlsx as zip: %v", err)
	}
	out := xlsxFile{Parts: map[string]bool{}}
	for _, f := range zr.File {
		out.Parts[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		switch f.Name {
		case "xl/worksheets/sheet1.xml":
			out.Rows, out.Frozen = parseSheet(t, body)
		case "xl/workbook.xml":
			var wb struct {
				Sheets []struct {
					Name string `xml:"name,attr"`
				} `xml:"sheets>sheet"`
			}
			if err := xml.Unmarshal(body, &wb); err != nil {
				t.Fatalf("parse workbook: %v", err)
			}
			if len(wb.Sheets) != 1 {
				t.Fatalf("workbook has %d sheets, want 1", len(wb.Sheets))
			}
			out.SheetName = wb.Sheets[0].Name
		default:
			if err := checkWellFormed(body); err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	return out
}

func checkWellFormed(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseSheet(t testing.TB, body []byte) ([][]sheetCell, bool) {
	t.Helper()
	var ws struct {
		Panes []struct {
			State string `xml:"state,attr"`
			Split string `xml:"ySplit,attr"`
		} `xml:"sheetViews>sheetView>pane"`
		Rows []struct {
			R     string `xml:"r,attr"`
			Cells []struct {
				R  string `xml:"r,attr"`
				T  string `xml:"t,attr"`
				S  string `xml:"s,attr"`
				V  string `xml:"v"`
				T2 struct {
					Space string `xml:"space,attr"`
					Text  string `xml:",chardata"`
				} `xml:"is>t"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := xml.Unmarshal(body, &ws); err != nil {
		t.Fatalf("parse sheet: %v\n%s", err, body)
	}
	var rows [][]sheetCell
	for i, r := range ws.Rows {
		if r.R != strconv.Itoa(i+1) {
			t.Fatalf("row %d has r=%q", i+1, r.R)
		}
		var cells []sheetCell
		for _, c := range r.Cells {
			sc := sheetCell{Ref: c.R, Type: c.T, Style: c.S, Value: c.V}
			if c.T == "inlineStr" {
				sc.Value = UnescapeXString(c.T2.Text)
				sc.Spaced = c.T2.Space == "preserve"
			}
			cells = append(cells, sc)
		}
		rows = append(rows, cells)
	}
	frozen := len(ws.Panes) == 1 && ws.Panes[0].State == "frozen" && ws.Panes[0].Split == "1"
	return rows, frozen
}

func TestXLSXCells(t *testing.T) {
	cols := []Column{{Name: "id"}, {Name: "名称"}, {Name: "amount", Numeric: true}, {Name: "note"}}
	var buf bytes.Buffer
	w, err := NewXLSX(&buf, "客户/Entities", cols)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"E1", "中国石油化工集团有限公司", "1234.5", "a & b < c > d \"q\""},
		{"E2", "", "-0.0001", " leading and trailing "},
		{"E3", "=SUM(A1:A2)", "not a number", "line1\nline2\ttab"},
		{"E4", "x", "1234567890123456.78", ""}, // too precise for a double: text
		{"E5"},                                 // short row: padded
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := readXLSX(t, buf.Bytes())
	for _, part := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"} {
		if !got.Parts[part] {
			t.Errorf("part %s missing", part)
		}
	}
	if got.SheetName != "客户_Entities" {
		t.Errorf("sheet name %q", got.SheetName)
	}
	if !got.Frozen {
		t.Error("header row is not frozen")
	}
	want := [][]sheetCell{
		{{"A1", "inlineStr", "1", "id", true}, {"B1", "inlineStr", "1", "名称", true}, {"C1", "inlineStr", "1", "amount", true}, {"D1", "inlineStr", "1", "note", true}},
		{{"A2", "inlineStr", "", "E1", true}, {"B2", "inlineStr", "", "中国石油化工集团有限公司", true}, {"C2", "", "", "1234.5", false}, {"D2", "inlineStr", "", "a & b < c > d \"q\"", true}},
		{{"A3", "inlineStr", "", "E2", true}, {"C3", "", "", "-0.0001", false}, {"D3", "inlineStr", "", " leading and trailing ", true}},
		{{"A4", "inlineStr", "", "E3", true}, {"B4", "inlineStr", "", "=SUM(A1:A2)", true}, {"C4", "inlineStr", "", "not a number", true}, {"D4", "inlineStr", "", "line1\nline2\ttab", true}},
		{{"A5", "inlineStr", "", "E4", true}, {"B5", "inlineStr", "", "x", true}, {"C5", "inlineStr", "", "1234567890123456.78", true}},
		{{"A6", "inlineStr", "", "E5", true}},
	}
	if len(got.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got.Rows), len(want), got.Rows)
	}
	for i := range want {
		if fmt.Sprint(got.Rows[i]) != fmt.Sprint(want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i+1, got.Rows[i], want[i])
		}
	}
}

func TestXLSXErrors(t *testing.T) {
	if _, err := NewXLSX(io.Discard, "", nil); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("no columns: got %v, want EINVALID", err)
	}
	w, err := NewXLSX(io.Discard, "", []Column{{Name: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"1", "2"}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("wide row: got %v, want EINVALID", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"1"}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("write after close: got %v, want EINVALID", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// failWriter fails every write after n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteFailuresAreReported(t *testing.T) {
	cols := []Column{{Name: "a"}}
	for _, f := range []Format{CSV, XLSX} {
		t.Run(string(f), func(t *testing.T) {
			w, err := New(f, &failWriter{n: 0}, "s", cols)
			if err == nil {
				for i := 0; i < 100000 && err == nil; i++ {
					err = w.WriteRow([]string{strings.Repeat("x", 100)})
				}
				if err == nil {
					err = w.Close()
				}
			}
			if err == nil || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("got %v, want the write error", err)
			}
		})
	}
}

func TestColumnName(t *testing.T) {
	tests := []struct {
		i    int
		want string
	}{{0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"}, {701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}}
	for _, tt := range tests {
		if got := string(appendColumnName(nil, tt.i)); got != tt.want {
			t.Errorf("column %d: got %s, want %s", tt.i, got, tt.want)
		}
	}
}

func TestIsDecimal(t *testing.T) {
	tests := []struct {
		in        string
		want      bool
		fitsExcel bool
	}{
		{"0", true, true},
		{"-12.5", true, true},
		{"1234.5678", true, true},
		{"999999999999999", true, true},
		{"9999999999999999", true, false},
		{"0.000000000000001", true, true},
		{"0.1234567890123456", true, false},
		{"100000000000000.0000", true, true},
		{"00012", true, true},
		{"", false, false},
		{"-", false, false},
		{"+1", false, false},
		{"1.", false, false},
		{".5", false, false},
		{"1e5", false, false},
		{"1,000", false, false},
		{" 1", false, false},
		{"1.2.3", false, false},
	}
	for _, tt := range tests {
		if got := IsDecimal(tt.in); got != tt.want {
			t.Errorf("IsDecimal(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if tt.want {
			if got := fitsExcelNumber(tt.in); got != tt.fitsExcel {
				t.Errorf("fitsExcelNumber(%q) = %v, want %v", tt.in, got, tt.fitsExcel)
			}
		}
	}
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "Sheet1"},
		{"Entities", "Entities"},
		{"a/b\\c?d*e[f]g:h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"\x01\x02", "Sheet1"},
		{strings.Repeat("客", 40), strings.Repeat("客", 31)},
	}
	for _, tt := range tests {
		if got := SheetName(tt.in); got != tt.want {
			t.Errorf("SheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCellTextEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a&b", "a&amp;b"},
		{"<tag>", "&lt;tag&gt;"},
		{"\x00\x0b", "_x0000__x000B_"},
		{"cr\rlf\n", "cr_x000D_lf\n"},
		{"_x0041_", "_x005F_x0041_"},
		{"_x004", "_x004"},
		{"_xZZZZ_", "_xZZZZ_"},
		{"\uFFFE", "_xFFFE_"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeCellText(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("writeCellText(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestTruncateUTF16(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"客户客户", 3, "客户客"},
		{"a😀b", 2, "a"}, // the emoji takes two units
		{"a😀b", 3, "a😀"},
	}
	for _, tt := range tests {
		if got := truncateUTF16(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF16(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewCSV(&buf, []Column{{Name: "id"}, {Name: "名称"}, {Name: "amount", Numeric: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]string{
		{"E1", "中国银行, \"总行\"", "-12.5"},
		{"E2", "=cmd|' /C calc'!A0", "0"},
		{"E3", "+86 10 1234", ""},
		{"E4", "多行\n文本"},
	} {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := BOM + "id,名称,amount\n" +
		"E1,\"中国银行, \"\"总行\"\"\",-12.5\n" +
		"E2,'=cmd|' /C calc'!A0,0\n" +
		"E3,'+86 10 1234,\n" +
		"E4,\"多行\n文本\",\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
}

func TestGuardFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"-12.5", "-12.5"},
		{"-", "'-"},
		{"-x", "'-x"},
		{"=1+1", "'=1+1"},
		{"@SUM", "'@SUM"},
		{"\tx", "'\tx"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := guardFormula(tt.in); got != tt.want {
			t.Errorf("guardFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{{"csv", CSV, false}, {"XLSX", XLSX, false}, {" csv ", CSV, false}, {"pdf", "", true}, {"", "", true}}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseFormat(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && kamp.ErrorCode(err) != kamp.EINVALID {
			t.Errorf("ParseFormat(%q) error code %s", tt.in, kamp.ErrorCode(err))
		}
	}
	if _, err := New("pdf", io.Discard, "", []Column{{Name: "a"}}); kamp.ErrorCode(err) != kamp.EINVALID {
		t.Errorf("New(pdf): %v", err)
	}
	if CSV.ContentType() != "text/csv; charset=utf-8" || XLSX.Extension() != ".xlsx" {
		t.Error("content type or extension")
	}
}

// expectedCell is what a text cell should read back as: valid UTF-8, cut to
// MaxCellChars.
func expectedCell(s string) string {
	return truncateUTF16(strings.ToValidUTF8(s, "\uFFFD"), MaxCellChars)
}

// FuzzXLSXRoundTrip checks that any string written to a text cell reads
// back the same (after the documented UTF-8 repair and length cut) from
// well-formed XML, and that a numeric column keeps decimals exact.
func FuzzXLSXRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a", "中国银行", "<&>\"'", "\x00\x01\x1f", "\r\n\r", "_x0041_", "_x005F\x0b",
		"_x00", "\uFFFE\uFFFF", "\xff\xfe", "]]>", "-12.5", "1e5", "=1+1", "   ", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w, err := NewXLSX(&buf, s, []Column{{Name: s}, {Name: "n", Numeric: true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]string{s, s}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got := readXLSX(t, buf.Bytes())
		if got.SheetName != SheetName(s) {
			t.Errorf("sheet name %q, want %q", got.SheetName, SheetName(s))
		}
		if s == "" {
			if len(got.Rows) != 2 || len(got.Rows[0]) != 1 || len(got.Rows[1]) != 0 {
				t.Fatalf("empty cells: %+v", got.Rows)
			}
			return
		}
		if len(got.Rows) != 2 || len(got.Rows[0]) != 2 || len(got.Rows[1]) != 2 {
			t.Fatalf("cells: %+v", got.Rows)
		}
		want := expectedCell(s)
		for i, c := range []sheetCell{got.Rows[0][0], got.Rows[1][0]} {
			if c.Value != want {
				t.Errorf("cell %d: got %q, want %q", i, c.Value, want)
			}
		}
		num := got.Rows[1][1]
		if IsDecimal(s) && fitsExcelNumber(s) {
			if num.Type != "" || num.Value != s {
				t.Errorf("numeric cell %+v, want number %s", num, s)
			}
		} else if num.Type != "inlineStr" || num.Value != want {
			t.Errorf("numeric column text cell %+v, want text %q", num, want)
		}
	})
}

// FuzzCSVRoundTrip checks that any string survives a CSV export, read back
// with encoding/csv, apart from the documented formula guard.
func FuzzCSVRoundTrip(f *testing.F) {
	for _, s := range []string{"", "a", "中国银行", "a,b", "\"q\"", "x\ny", "=1+1", "-5", "-x", "\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "?")
		}
		var buf bytes.Buffer
		w, err := NewCSV(&buf, []Column{{Name: "a"}, {Name: "b"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]string{s, "end"}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(buf.String(), BOM)
		if !ok {
			t.Fatal("no byte order mark")
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("read back: %v\n%q", err, body)
		}
		if len(recs) != 2 || len(recs[1]) != 2 {
			t.Fatalf("records %q", recs)
		}
		want := guardFormula(s)
		// encoding/csv turns \r\n inside quoted fields into \n.
		want = strings.ReplaceAll(want, "\r\n", "\n")
		if recs[1][0] != want || recs[1][1] != "end" {
			t.Errorf("got %q, want %q", recs[1][0], want)
		}
	})
}

func BenchmarkXLSX(b *testing.B) {
	cols := []Column{{Name: "id"}, {Name: "name"}, {Name: "deposits", Numeric: true}, {Name: "loans", Numeric: true}}
	row := []string{"E0000001", "中国石油化工集团有限公司", "123456789.1234", "-42.5"}
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewXLSX(io.Discard, "s", cols)
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 {
			if err := w.WriteRow(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCSV(b *testing.B) {
	cols := []Column{{Name: "id"}, {Name: "name"}, {Name: "deposits", Numeric: true}, {Name: "loans", Numeric: true}}
	row := []string{"E0000001", "中国石油化工集团有限公司", "123456789.1234", "-42.5"}
	b.ReportAllocs()
	for b.Loop() {
		w, err := NewCSV(io.Discard, cols)
		if err != nil {
			b.Fatal(err)
		}
		for range 1000 {
			if err := w.WriteRow(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
