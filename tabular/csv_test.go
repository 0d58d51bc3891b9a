package tabular

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// row is one record as read, for comparisons.
type row struct {
	Line   int
	Fields []string
	OK     bool
}

// readAll reads every record of r.
func readAll(r *Reader) ([]row, error) {
	var out []row
	for r.Next() {
		out = append(out, row{r.Line(), append([]string(nil), r.Record()...), r.FieldCountOK()})
	}
	return out, r.Err()
}

// wantErr describes an expected *Error; empty strings are not checked.
type wantErr struct {
	Line   int
	Column string
	Value  string
	Reason string // a substring of the reason
}

// checkErr compares err with want.
func checkErr(t *testing.T, err error, want *wantErr) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error", err, err)
	}
	if e.Line != want.Line || e.Column != want.Column || (want.Value != "" && e.Value != want.Value) ||
		!strings.Contains(e.Reason, want.Reason) {
		t.Fatalf("error = %#v, want %#v", e, want)
	}
	if !strings.Contains(e.Error(), e.Reason) || !strings.HasPrefix(e.Error(), e.File) {
		t.Fatalf("Error() = %q does not hold file and reason", e.Error())
	}
}

func TestCSV(t *testing.T) {
	long := strings.Repeat("x", bufSize+bufSize/2)
	longQuoted := strings.Repeat("a,\"\n", bufSize/3)
	tests := []struct {
		name   string
		in     string
		header []string
		rows   []row
		err    *wantErr
	}{
		{name: "LF", in: "id,name\n1,a\n2,b\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}, {3, []string{"2", "b"}, true}}},
		{name: "CRLF", in: "id,name\r\n1,a\r\n2,b\r\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}, {3, []string{"2", "b"}, true}}},
		{name: "no final newline", in: "id,name\n1,a", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}}},
		{name: "quoted comma", in: "id,name\n1,\"a,b\"\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a,b"}, true}}},
		{name: "doubled quotes", in: "id,name\r\n\"1\",\"say \"\"hi\"\"\"\r\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", `say "hi"`}, true}}},
		{name: "embedded newlines", in: "id,name\n1,\"line1\nline2\n\"\n2,\"x\"\n3,y\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "line1\nline2\n"}, true}, {5, []string{"2", "x"}, true}, {6, []string{"3", "y"}, true}}},
		{name: "embedded CRLF kept", in: "id,name\r\n1,\"a\r\nb\"\r\n2,c\r\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a\r\nb"}, true}, {4, []string{"2", "c"}, true}}},
		{name: "two multi-line fields", in: "a,b\n\"1\n2\",\"3\n\n4\"\n5,6\n", header: []string{"a", "b"},
			rows: []row{{2, []string{"1\n2", "3\n\n4"}, true}, {6, []string{"5", "6"}, true}}},
		{name: "BOM", in: "\xef\xbb\xbfid,name\n1,a\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}}},
		{name: "two BOMs", in: "\xef\xbb\xbf\xef\xbb\xbfid,name\n1,a\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}}},
		{name: "BOM and quoted header", in: "\xef\xbb\xbf\"id\",name\n1,a\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "a"}, true}}},
		{name: "empty lines skipped", in: "id,name\n\n1,a\r\n\r\n\n2,b\n\n", header: []string{"id", "name"},
			rows: []row{{3, []string{"1", "a"}, true}, {6, []string{"2", "b"}, true}}},
		{name: "empty lines before header", in: "\n\r\nid\n1\n", header: []string{"id"},
			rows: []row{{4, []string{"1"}, true}}},
		{name: "header trimmed", in: " id ,\tName \n1,2\n", header: []string{"id", "Name"},
			rows: []row{{2, []string{"1", "2"}, true}}},
		{name: "values not trimmed", in: "id,name\n 1 , a \n", header: []string{"id", "name"},
			rows: []row{{2, []string{" 1 ", " a "}, true}}},
		{name: "header only", in: "id,name\n", header: []string{"id", "name"}},
		{name: "header only without newline", in: "id,name", header: []string{"id", "name"}},
		{name: "field count mismatch", in: "a,b,c\n1,2\n1,2,3,4\n1,2,3\n", header: []string{"a", "b", "c"},
			rows: []row{{2, []string{"1", "2"}, false}, {3, []string{"1", "2", "3", "4"}, false}, {4, []string{"1", "2", "3"}, true}}},
		{name: "empty fields", in: "a,b,c\n,,\n\"\",\"\",\"\"\n1,,\n", header: []string{"a", "b", "c"},
			rows: []row{{2, []string{"", "", ""}, true}, {3, []string{"", "", ""}, true}, {4, []string{"1", "", ""}, true}}},
		{name: "quoted empty single field", in: "a\n\"\"\n", header: []string{"a"},
			rows: []row{{2, []string{""}, true}}},
		{name: "Chinese", in: "id,name\n1,中国工商银行股份有限公司\n", header: []string{"id", "name"},
			rows: []row{{2, []string{"1", "中国工商银行股份有限公司"}, true}}},
		{name: "lone CR is data", in: "a,b\nx\ry,z\r\r\n", header: []string{"a", "b"},
			rows: []row{{2, []string{"x\ry", "z\r"}, true}}},
		{name: "line longer than the buffer", in: "a,b\n1," + long + "\n2,\"" + long + "\"\n3,c\n", header: []string{"a", "b"},
			rows: []row{{2, []string{"1", long}, true}, {3, []string{"2", long}, true}, {4, []string{"3", "c"}, true}}},
		{name: "quoted field longer than the buffer", in: "a\n\"" + strings.ReplaceAll(longQuoted, `"`, `""`) + "\"\nz\n", header: []string{"a"},
			rows: []row{{2, []string{longQuoted}, true}, {2 + bufSize/3 + 1, []string{"z"}, true}}},

		{name: "empty file", in: "", err: &wantErr{Reason: "empty file: no header row"}},
		{name: "only empty lines", in: "\n\r\n\n", err: &wantErr{Reason: "empty file: no header row"}},
		{name: "only BOM", in: "\xef\xbb\xbf", err: &wantErr{Reason: "empty file: no header row"}},
		{name: "UTF-16", in: "\xff\xfei\x00d\x00", err: &wantErr{Line: 1, Reason: "UTF-16"}},
		{name: "empty header name", in: "id,,name\n", err: &wantErr{Line: 1, Reason: "empty column name in the header (column 2)"}},
		{name: "BOM as header name", in: " \ufeff", err: &wantErr{Line: 1, Reason: "empty column name in the header (column 1)"}},
		{name: "blank header name", in: "id, \n", err: &wantErr{Line: 1, Reason: "empty column name in the header (column 2)"}},
		{name: "duplicate header", in: "ID,name,id\n", err: &wantErr{Line: 1, Reason: `duplicate column "id" (also column 1)`}},
		{name: "duplicate header after trim", in: "id,name, Name\n", err: &wantErr{Line: 1, Reason: `duplicate column "Name" (also column 2)`}},
		{name: "GBK", in: "id,name\n1,\xb9\xab\xcb\xbe\n",
			rows: []row{}, err: &wantErr{Line: 2, Column: "name", Value: `\xb9\xab\xcb\xbe`, Reason: "not UTF-8 (it may be GBK"}},
		{name: "GBK quoted on later line", in: "id,name\n1,a\n2,\"x,\xb9\xab\"\n",
			rows: []row{{2, []string{"1", "a"}, true}}, err: &wantErr{Line: 3, Column: "name", Value: `x,\xb9\xab`, Reason: "not UTF-8"}},
		{name: "GBK in header", in: "id,\xc3\xfb\xb3\xc6\n", err: &wantErr{Line: 1, Reason: "field 2: invalid UTF-8"}},
		{name: "GBK beyond header", in: "id\n1,\xb9\xab\n", err: &wantErr{Line: 2, Reason: "field 2: invalid UTF-8"}},
		{name: "UTF-8 sequence split by a quote", in: "a,b\n\xc3,\"\x80\"\n", err: &wantErr{Line: 2, Column: "a", Value: `\xc3`, Reason: "not UTF-8"}},
		{name: "bare quote", in: "id,name\n1,ab\"c\n", err: &wantErr{Line: 2, Column: "name", Value: `ab"c`, Reason: "bare quote in an unquoted field on line 2"}},
		{name: "bare quote in header", in: "id,na\"me\n", err: &wantErr{Line: 1, Reason: "bare quote"}},
		{name: "space before quote", in: "id,name\n1, \"a\"\n", err: &wantErr{Line: 2, Column: "name", Reason: "bare quote"}},
		{name: "text after closing quote", in: "id,name\n\"1\"x,a\n", err: &wantErr{Line: 2, Column: "id", Reason: "unexpected text after the closing quote"}},
		{name: "text after closing quote on later line", in: "id,name\n1,\"a\nb\"c\n", err: &wantErr{Line: 2, Column: "name", Reason: "closing quote of a quoted field on line 3"}},
		{name: "truncated quote", in: "id,name\n1,a\n2,\"abc\n3,x\n", rows: []row{{2, []string{"1", "a"}, true}},
			err: &wantErr{Line: 3, Column: "name", Reason: "truncated file: quoted field starting on line 3 is not closed"}},
		{name: "truncated quote on second line of record", in: "id,name\n\"1\n\",\"c\nd\n",
			err: &wantErr{Line: 2, Column: "name", Reason: "quoted field starting on line 3 is not closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tt.in), "t.csv")
			if err != nil {
				checkErr(t, err, tt.err)
				if len(tt.rows) > 0 {
					t.Fatalf("NewCSV failed, want rows %v", tt.rows)
				}
				return
			}
			defer r.Close()
			if !reflect.DeepEqual(r.Header(), tt.header) && tt.header != nil {
				t.Errorf("Header() = %q, want %q", r.Header(), tt.header)
			}
			rows, err := readAll(r)
			checkErr(t, err, tt.err)
			if len(rows) != len(tt.rows) || (len(rows) > 0 && !reflect.DeepEqual(rows, tt.rows)) {
				t.Errorf("rows = %.200v\nwant %.200v", rows, tt.rows)
			}
			if r.Next() {
				t.Errorf("Next after the end returned true")
			}
		})
	}
}

// TestCSVStringsStayValid checks the documented guarantee that the strings of
// a record survive later calls to Next.
func TestCSVStringsStayValid(t *testing.T) {
	var in strings.Builder
	in.WriteString("a,b\n")
	for i := range 1000 {
		fmt.Fprintf(&in, "%d,\"v%d\"\n", i, i)
	}
	r, err := NewCSV(strings.NewReader(in.String()), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]string
	for r.Next() {
		rec := r.Record()
		kept = append(kept, []string{rec[0], rec[1]}) // the strings, not copies of their bytes
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	for i, f := range kept {
		if f[0] != fmt.Sprint(i) || f[1] != fmt.Sprintf("v%d", i) {
			t.Fatalf("record %d = %q after reading on", i, f)
		}
	}
}

func TestMaxRecord(t *testing.T) {
	defer func(n int) { maxRecord = n }(maxRecord)
	maxRecord = 1000
	tests := []struct{ name, in string }{
		{"unclosed quote", "a\n\"" + strings.Repeat("x\n", 2000)},
		{"long multi-line quoted field", "a\n\"" + strings.Repeat("x", 600) + "\n" + strings.Repeat("x", 600) + "\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSV(strings.NewReader(tt.in), "t.csv")
			if err != nil {
				t.Fatal(err)
			}
			_, err = readAll(r)
			checkErr(t, err, &wantErr{Line: 2, Reason: "record too long"})
		})
	}
	// A line longer than the read buffer is bounded as well.
	maxRecord = bufSize + 10
	r, err := NewCSV(strings.NewReader("a\n"+strings.Repeat("y", 2*bufSize)+"\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(r)
	checkErr(t, err, &wantErr{Line: 2, Reason: "record too long"})
}

func TestIndex(t *testing.T) {
	r, err := NewCSV(strings.NewReader("Id,Name,ÉTAT,\u212a\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want int
	}{
		{"id", 0}, {"ID", 0}, {" name ", 1}, {"NAME", 1}, {"état", 2}, {"k", 3}, {"K", 3},
		{"nam", -1}, {"", -1}, {"ids", -1},
	}
	for _, tt := range tests {
		if got := r.Index(tt.name); got != tt.want {
			t.Errorf("Index(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
	if r.Name() != "t.csv" {
		t.Errorf("Name() = %q", r.Name())
	}
}

func TestFoldKey(t *testing.T) {
	words := []string{"id", "ID", "Id", "k", "K", "\u212a", "ß", "SS", "ẞ", "σ", "ς", "Σ", "état", "ÉTAT", "名称", "ǅ", "ǆ", "Ǆ", "i", "İ", "ı"}
	for _, a := range words {
		for _, b := range words {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, EqualFold says %v", a, b, got, want)
			}
		}
	}
}

// gz compresses s.
func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGzip(t *testing.T) {
	var big strings.Builder
	big.WriteString("id,name\n")
	for i := range 200000 {
		fmt.Fprintf(&big, "%d,name %d %x\n", i, i*7919, i*104729)
	}
	bigGz := gz(t, big.String())
	small := gz(t, "id,name\n1,\"a\nb\"\n2,c\n")
	badCRC := bytes.Clone(small)
	badCRC[len(badCRC)-6] ^= 0xff
	badData := bytes.Clone(bigGz)
	for i := 100; i < 200; i++ {
		badData[i] = 0xff
	}
	multi := append(gz(t, "id,name\n1,a\n"), gz(t, "2,b\n")...)
	tests := []struct {
		name    string
		in      []byte
		rows    int
		minRows int
		err     *wantErr
	}{
		{name: "small", in: small, rows: 2},
		{name: "big", in: bigGz, rows: 200000},
		{name: "concatenated members", in: multi, rows: 2},
		{name: "truncated", in: bigGz[:len(bigGz)*6/10], minRows: 1000, err: &wantErr{Reason: "truncated gzip file"}},
		{name: "truncated header", in: bigGz[:5], err: &wantErr{Reason: "truncated gzip file"}},
		{name: "corrupt header", in: []byte("\x1f\x8b\x00\x00garbage"), err: &wantErr{Reason: "corrupt gzip data"}},
		{name: "bad checksum", in: badCRC, err: &wantErr{Reason: "corrupt gzip data"}},
		{name: "corrupt data", in: badData, err: &wantErr{Reason: "corrupt gzip data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewCSV(bytes.NewReader(tt.in), "t.csv.gz")
			if err != nil {
				var e *Error
				if tt.err == nil || !errors.As(err, &e) || !strings.Contains(e.Reason, tt.err.Reason) || tt.minRows > 0 {
					t.Fatalf("NewCSV error = %v, want %v", err, tt.err)
				}
				return
			}
			defer r.Close()
			rows, err := readAll(r)
			if tt.err != nil {
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(e.Reason, tt.err.Reason) || e.Err == nil {
					t.Fatalf("error = %#v, want reason %q with a cause", err, tt.err.Reason)
				}
				if len(rows) < tt.minRows || (len(rows) > 0 && e.Line <= rows[len(rows)-1].Line) {
					t.Fatalf("%d rows then error on line %d", len(rows), e.Line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tt.rows {
				t.Fatalf("read %d rows, want %d", len(rows), tt.rows)
			}
			if r.BytesRead() != int64(len(tt.in)) || r.Size() != int64(len(tt.in)) {
				t.Errorf("BytesRead() = %d, Size() = %d, want %d", r.BytesRead(), r.Size(), len(tt.in))
			}
		})
	}
}

// failReader returns some data and then an I/O error.
type failReader struct {
	data []byte
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReadError(t *testing.T) {
	for _, in := range [][]byte{[]byte("id\n1\n2"), gz(t, "id\n1\n2\n")[:20]} {
		r, err := NewCSV(&failReader{data: in}, "t.csv")
		if err == nil {
			_, err = readAll(r)
		}
		var e *Error
		if !errors.As(err, &e) || e.Reason != "read error" || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("error = %v, want a read error wrapping the cause", err)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	csv := "id,name\n1,a\n2,b\n"
	files := map[string][]byte{
		"e.csv":    []byte(csv),
		"E.CSV.GZ": gz(t, csv),
		"p.csv":    gz(t, csv), // gzip under a .csv name
		"w.xlsx":   buildXLSX(t, basicParts(`<row r="1"><c t="inlineStr"><is><t>id</t></is></c><c t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c><v>1</v></c><c t="inlineStr"><is><t>a</t></is></c></row><row r="3"><c><v>2</v></c><c t="inlineStr"><is><t>b</t></is></c></row>`, nil)),
		"x.txt":    []byte(csv),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	want := []row{{2, []string{"1", "a"}, true}, {3, []string{"2", "b"}, true}}
	for _, name := range []string{"e.csv", "E.CSV.GZ", "p.csv", "w.xlsx"} {
		t.Run(name, func(t *testing.T) {
			r, err := Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := readAll(r)
			if err != nil || !reflect.DeepEqual(rows, want) || r.Name() != name {
				t.Errorf("rows = %v, err = %v, name %q", rows, err, r.Name())
			}
			if r.Size() != int64(len(files[name])) || r.BytesRead() != r.Size() {
				t.Errorf("Size() = %d, BytesRead() = %d, file has %d bytes", r.Size(), r.BytesRead(), len(files[name]))
			}
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	for _, tt := range []struct{ name, reason string }{
		{"x.txt", ".csv, .csv.gz or .xlsx"},
		{"missing.csv", "cannot open file"},
	} {
		_, err := Open(filepath.Join(dir, tt.name))
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Reason, tt.reason) || e.File != tt.name {
			t.Errorf("Open(%s) error = %v, want %q", tt.name, err, tt.reason)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d.csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "d.csv")); err == nil {
		t.Errorf("Open of a directory succeeded")
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "entities.csv", Line: 12, Column: "name", Value: `\xb9\xab`, Reason: "invalid UTF-8"},
			`entities.csv:12: column name: invalid UTF-8: "\\xb9\\xab"`},
		{Error{File: "e.csv", Reason: "empty file: no header row"}, "e.csv: empty file: no header row"},
		{Error{File: "e.csv", Line: 1, Reason: `duplicate column "ID" (also column 1)`}, `e.csv:1: duplicate column "ID" (also column 1)`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	cause := io.ErrUnexpectedEOF
	if e := (&Error{Err: cause}); !errors.Is(e, cause) {
		t.Errorf("Unwrap does not give the cause")
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"名\xb9x", `\xe5\x90\x8d\xb9x`},
		{strings.Repeat("名", 30), strings.Repeat("名", 21) + "…"},
		{strings.Repeat("a", 100), strings.Repeat("a", maxValue) + "…"},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
