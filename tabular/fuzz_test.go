package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"id,name\n1,a\n2,b\n",
		"id,name\r\n1,\"a,b\"\r\n\r\n2,\"say \"\"hi\"\"\"\r\n",
		"\xef\xbb\xbfid,name\n1,\"line1\nline2\"\n",
		"a\n\"\"\n\n\"x\"\n",
		"a,b,c\n1,2\n1,2,3,4\n",
		"id,name\n1,\xb9\xab\xcb\xbe\n",
		"id,name\n1,\"abc\n",
		"id,name\n1,ab\"c\n",
		"id,ID\n",
		"a,b\nx\ry,z\r\r\n",
		"\xc3,\"\x800\"",
		" \ufeff",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, "id,name\n1,\"a\nb\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		header, recs, readErr := fuzzRead(data)
		if err := readErr; err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason == "" || !utf8.ValidString(e.Error()) {
				t.Fatalf("error %v is not a valid *Error", err)
			}
		}
		if header == nil {
			return
		}
		// Re-encode with encoding/csv and parse again: same header, same
		// records. A record of one empty field is written by encoding/csv as
		// an empty line, which is skipped by design, so it is left out.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(header)
		var want [][]string
		for _, rec := range recs {
			if len(rec) == 1 && rec[0] == "" {
				continue
			}
			want = append(want, rec)
			w.Write(rec)
		}
		w.Flush()
		header2, recs2, err := fuzzRead(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded %q: %v", buf.Bytes(), err)
		}
		if !reflect.DeepEqual(header2, header) || !reflect.DeepEqual(recs2, want) {
			t.Fatalf("round trip of %q\ngave %q %q\nwant %q %q", buf.Bytes(), header2, recs2, header, want)
		}
		// Where encoding/csv has the same rules (no CR, no BOM, no gzip),
		// it must read the same records.
		if readErr == nil && !bytes.ContainsRune(data, '\r') && !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) && !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.FieldsPerRecord = -1
			all, cerr := cr.ReadAll()
			if cerr != nil {
				t.Fatalf("encoding/csv fails where tabular succeeds: %v", cerr)
			}
			for i := range all[0] {
				all[0][i] = trimName(all[0][i])
			}
			if !reflect.DeepEqual(all[0], header) || len(all)-1 != len(recs) || len(recs) > 0 && !reflect.DeepEqual(all[1:], recs) {
				t.Fatalf("encoding/csv reads %q, tabular %q %q", all, header, recs)
			}
		}
	})
}

// fuzzRead reads data as CSV, checking the Reader's invariants, and returns
// the header and records read before any error.
func fuzzRead(data []byte) ([]string, [][]string, error) {
	r, err := NewCSV(bytes.NewReader(data), "f.csv")
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var recs [][]string
	last := 0
	for r.Next() {
		rec := r.Record()
		if r.Line() <= last || r.FieldCountOK() != (len(rec) == len(r.Header())) {
			panic("line numbers not increasing or FieldCountOK wrong")
		}
		last = r.Line()
		for _, s := range rec {
			if !utf8.ValidString(s) {
				panic("invalid UTF-8 returned")
			}
		}
		recs = append(recs, append([]string(nil), rec...))
	}
	return r.Header(), recs, r.Err()
}

func FuzzXLSX(f *testing.F) {
	f.Add(buildXLSX(f, basicParts(`<row r="1"><c t="s"><v>0</v></c><c t="inlineStr"><is><t>b</t></is></c></row><row r="3"><c r="B3"><v>1.5</v></c></row>`, []string{"<t>a</t>"})))
	f.Add(buildXLSX(f, basicParts(`<row><c t="b"><v>1</v></c></row>`, nil)))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("not a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzXLSX(t, data)
	})
}

// FuzzXLSXSheet puts fuzzed XML into a valid package as the sheet and the
// shared strings, to reach the XML parsing that random zip bytes rarely do.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(`<row r="1"><c t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>b</t><rPh><t>x</t></rPh></is></c></row><row r="3"><c r="B3"><v>1.5</v></c></row>`, `<si><t>a_x000D_</t></si>`)
	f.Add(`<row><c t="b"><v>1</v></c><c t="e"><v>#REF!</v></c></row><row><c t="s"><v>7</v></c></row>`, `<si><r><t>a</t></r></si>`)
	f.Add("&\xff", "")
	f.Fuzz(func(t *testing.T, rows, sst string) {
		p := basicParts(rows, nil)
		p["xl/sharedStrings.xml"] = `<sst xmlns="` + nsMain + `">` + sst + `</sst>`
		fuzzXLSX(t, buildXLSX(t, p))
	})
}

// fuzzXLSX reads data as xlsx and checks that failures are *Error and
// records are valid.
func fuzzXLSX(t *testing.T, data []byte) {
	r, rows, err := openXLSX(data)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" || !utf8.ValidString(e.Error()) {
			t.Fatalf("error %v is not a valid *Error", err)
		}
	}
	if r == nil {
		return
	}
	defer r.Close()
	for _, row := range rows {
		if row.OK != (len(row.Fields) == len(r.Header())) || len(row.Fields) < len(r.Header()) {
			t.Fatalf("row %d has %d fields, header %d, ok %v", row.Line, len(row.Fields), len(r.Header()), row.OK)
		}
		if row.Line <= 0 {
			t.Fatalf("row number %d", row.Line)
		}
		for _, s := range row.Fields {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
	}
}
