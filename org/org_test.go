package org

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kampbank/kamp"
)

func TestReadFileGood(t *testing.T) {
	units, errs, err := ReadFile(filepath.Join("testdata", "org-units.csv"))
	if err != nil || errs != nil {
		t.Fatalf("ReadFile: %v, %v", errs, err)
	}
	want := []kamp.OrgUnit{
		{Code: "HO", Name: "总行", Kind: kamp.UnitHeadOffice},
		{Code: "HO-SCD", Name: "战略客户部", Kind: kamp.UnitDepartment, Parent: "HO"},
		{Code: "HO-SCD-1", Name: "战略客户一处", Kind: kamp.UnitDepartment, Parent: "HO-SCD"},
		{Code: "BJ", Name: "北京分行", Kind: kamp.UnitBranch, Parent: "HO"},
		{Code: "BJ01", Name: "北京东城支行", Kind: kamp.UnitSubBranch, Parent: "BJ"},
		{Code: "BJ-CORP", Name: "北京分行公司业务部", Kind: kamp.UnitDepartment, Parent: "BJ"},
		{Code: "SH", Name: "上海分行", Kind: kamp.UnitBranch, Parent: "HO"},
		{Code: "SH01", Name: "上海黄浦支行", Kind: kamp.UnitSubBranch, Parent: "SH"},
	}
	if !reflect.DeepEqual(units, want) {
		t.Errorf("units:\n%+v\nwant:\n%+v", units, want)
	}
	units, errs, err = ReadFile(filepath.Join("testdata", "org-units.csv.gz"))
	if err != nil || errs != nil || len(units) != 2 || units[1] != (kamp.OrgUnit{Code: "BJ", Name: "北京分行", Kind: kamp.UnitBranch, Parent: "HO"}) {
		t.Errorf("gzip: %+v, %v, %v", units, errs, err)
	}
}

// TestReadFileBad reads a file with one problem of each kind and checks
// the whole report, in line order.
func TestReadFileBad(t *testing.T) {
	units, errs, err := ReadFile(filepath.Join("testdata", "bad.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if units != nil {
		t.Errorf("%d units returned from a file with bad rows", len(units))
	}
	want := []kamp.RowError{
		{Line: 5, Column: "code", Value: "BJ", Reason: "duplicate code: the same as line 3"},
		{Line: 6, Column: "parent", Value: "BJ01", Reason: "a sub-branch sits under a branch, not under a sub_branch"},
		{Line: 7, Column: "kind", Value: "division", Reason: "unknown kind: use head_office, branch, sub_branch or department"},
		{Line: 8, Column: "parent", Value: "XX", Reason: "unknown parent: no unit with this code in the file"},
		{Line: 9, Column: "parent", Reason: "required value is missing: only the head office has no parent"},
		{Line: 10, Column: "name", Reason: "required value is missing: every unit has a name"},
		{Line: 11, Column: "code", Value: "HO Z", Reason: `character ' ' at position 3 is not allowed in an id; expected 1-64 characters of A-Z a-z 0-9 _ . -`},
		{Line: 12, Column: "parent", Value: "HO-C2", Reason: "the unit's parents form a cycle: it lies under itself"},
		{Line: 13, Column: "parent", Value: "HO-C1", Reason: "the unit's parents form a cycle: it lies under itself"},
		{Line: 14, Reason: "wrong number of fields: 5, the header has 4"},
		{Line: 15, Column: "kind", Value: "head_office", Reason: "a second head office: the tree has exactly one (the first is HO on line 2)"},
	}
	for i := range want {
		want[i].File = "bad.csv"
	}
	if !reflect.DeepEqual(errs, want) {
		t.Errorf("report:\n%s\nwant:\n%s", report(errs), report(want))
	}
}

func report(errs []kamp.RowError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %s:%d %s %q: %s\n", e.File, e.Line, e.Column, e.Value, e.Reason)
	}
	return b.String()
}

func TestRead(t *testing.T) {
	const hdr = "code,name,kind,parent\n"
	tests := []struct {
		name  string
		in    string
		units int       // units returned when good
		errs  []string  // "line column value: reason" of each problem
		first [2]string // want code and name of the first unit, when good
	}{
		{name: "one head office", in: hdr + "HO,总行,head_office,\n", units: 1, first: [2]string{"HO", "总行"}},
		{name: "header any case and order, BOM, CRLF", in: "\ufeffPARENT,Kind,name,Code\r\n,HEAD_OFFICE,\" 总行 \",HO\r\nHO,Department,审计部,HO-AUD\r\n", units: 2, first: [2]string{"HO", "总行"}},
		{name: "extra column ignored", in: "code,name,kind,parent,remark\nHO,总行,head_office,,root\n", units: 1, first: [2]string{"HO", "总行"}},
		{name: "quoted name with comma", in: hdr + "HO,\"总行, 本部\",head_office,\n", units: 1, first: [2]string{"HO", "总行, 本部"}},
		{name: "department under department under sub-branch", in: hdr + "HO,总行,head_office,\nBJ,北京,branch,HO\nBJ01,东城,sub_branch,BJ\nD1,部一,department,BJ01\nD2,部二,department,D1\n", units: 5, first: [2]string{"HO", "总行"}},
		{name: "empty lines skipped", in: hdr + "\nHO,总行,head_office,\n\n", units: 1, first: [2]string{"HO", "总行"}},
		{name: "missing column", in: "code,name,kind\nHO,总行,head_office\n", errs: []string{`1 parent "": missing required column "parent"`}},
		{name: "missing columns", in: "code,parent\nHO,\n", errs: []string{`1 name "": missing required column "name"`, `1 kind "": missing required column "kind"`}},
		{name: "header only", in: hdr, errs: []string{`1  "": no org units: the file has a header but no rows`}},
		{name: "empty file", in: "", errs: []string{`0  "": empty file: no header row`}},
		{name: "not UTF-8", in: hdr + "HO,\xd7\xdc\xd0\xd0,head_office,\n", errs: []string{"2 name \"\\\\xd7\\\\xdc\\\\xd0\\\\xd0\": invalid UTF-8: the file is not UTF-8 (it may be GBK-encoded, as Excel saves CSV on Chinese Windows); save it as \"CSV UTF-8\" and import it again"}},
		{name: "no head office", in: hdr + "A,甲,department,B\nB,乙,department,A\n", errs: []string{
			`1 kind "": no head office: one unit of kind head_office is the root of the tree`,
			`2 parent "B": the unit's parents form a cycle: it lies under itself`,
			`3 parent "A": the unit's parents form a cycle: it lies under itself`}},
		{name: "head office with parent", in: hdr + "HO,总行,head_office,X\n", errs: []string{`2 parent "X": the head office has no parent: it is the root of the tree`}},
		{name: "own parent", in: hdr + "HO,总行,head_office,\nD,部,department,D\n", errs: []string{`3 parent "D": a unit cannot be its own parent`}},
		{name: "branch under branch", in: hdr + "HO,总行,head_office,\nBJ,北京,branch,HO\nTJ,天津,branch,BJ\n", errs: []string{`4 parent "BJ": a branch sits under the head office, not under a branch`}},
		{name: "sub-branch under head office", in: hdr + "HO,总行,head_office,\nX1,支行,sub_branch,HO\n", errs: []string{`3 parent "HO": a sub-branch sits under a branch, not under a head_office`}},
		{name: "missing code and kind", in: hdr + "HO,总行,head_office,\n,部,,HO\n", errs: []string{`3 code "": required value is missing`, `3 kind "": required value is missing: use head_office, branch, sub_branch or department`}},
		{name: "bad parent id", in: hdr + "HO,总行,head_office,\nD,部,department,H/O\n", errs: []string{`3 parent "H/O": character '/' at position 2 is not allowed in an id; expected 1-64 characters of A-Z a-z 0-9 _ . -`}},
		{name: "NUL", in: hdr + "HO,总\x00行,head_office,\n", errs: []string{`2 name "总\\x00行": contains a NUL character (\x00), which is not text`}},
		{name: "child of a bad row is not blamed", in: hdr + "HO,总行,head_office,\nBJ,,branch,HO\nBJ01,东城,sub_branch,BJ\n", errs: []string{`3 name "": required value is missing: every unit has a name`}},
		{name: "duplicate of a bad row", in: hdr + "HO,总行,head_office,\nD,,department,HO\nD,部,department,HO\n", errs: []string{`3 name "": required value is missing: every unit has a name`, `4 code "D": duplicate code: the same as line 3`}},
		{name: "cycle with a tail", in: hdr + "HO,总行,head_office,\nA,甲,department,B\nB,乙,department,A\nC,丙,department,A\n", errs: []string{
			`3 parent "B": the unit's parents form a cycle: it lies under itself`,
			`4 parent "A": the unit's parents form a cycle: it lies under itself`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			units, errs, err := Read(strings.NewReader(tt.in), "org-units.csv")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range errs {
				if e.File != "org-units.csv" {
					t.Errorf("file %q", e.File)
				}
				got = append(got, fmt.Sprintf("%d %s %q: %s", e.Line, e.Column, e.Value, e.Reason))
			}
			if !reflect.DeepEqual(got, tt.errs) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.errs, "\n"))
			}
			if len(units) != tt.units {
				t.Fatalf("%d units, want %d", len(units), tt.units)
			}
			if tt.units > 0 {
				if units[0].Code != tt.first[0] || units[0].Name != tt.first[1] {
					t.Errorf("first unit %+v, want %v", units[0], tt.first)
				}
				if err := kamp.CheckOrgTree(units); err != nil {
					t.Errorf("units returned fail CheckOrgTree: %v", err)
				}
			}
		})
	}
}

// failingReader fails after its data.
type failingReader struct{ data []byte }

var errDisk = errors.New("disk on fire")

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errDisk
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadInputError(t *testing.T) {
	units, errs, err := Read(&failingReader{data: []byte("code,name,kind,parent\nHO,总行,head_office,\n")}, "org-units.csv")
	if !errors.Is(err, errDisk) || units != nil || errs != nil {
		t.Errorf("got %v, %v, %v; want the input's error", units, errs, err)
	}
}

func TestReadFileErrors(t *testing.T) {
	if _, _, err := ReadFile(filepath.Join(t.TempDir(), "none.csv")); kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(kamp.ErrorMessage(err), "cannot open") {
		t.Errorf("missing file: %v", err)
	}
	p := filepath.Join(t.TempDir(), "org.txt")
	if err := os.WriteFile(p, []byte(Header+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadFile(p); kamp.ErrorCode(err) != kamp.EINVALID || !strings.Contains(kamp.ErrorMessage(err), "unsupported file type") {
		t.Errorf(".txt: %v", err)
	}
}

// TestReadFileXLSX reads the first sheet of a workbook.
func TestReadFileXLSX(t *testing.T) {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	const pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
	cell := func(ref, v string) string { return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>` }
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkg + `"><Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + `><sheets><sheet name="机构" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkg + `"><Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData>` +
			`<row r="1">` + cell("A1", "code") + cell("B1", "name") + cell("C1", "kind") + cell("D1", "parent") + `</row>` +
			`<row r="2">` + cell("A2", "HO") + cell("B2", "总行") + cell("C2", "head_office") + `</row>` +
			`<row r="4">` + cell("A4", "SZ") + cell("B4", "深圳分行") + cell("C4", "branch") + cell("D4", "HO") + `</row>` +
			`<row r="5">` + cell("A5", "SZ01") + cell("B5", "深圳福田支行") + cell("C5", "sub_branch") + cell("D5", "SH") + `</row>` +
			`</sheetData></worksheet>`,
	}
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"} {
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
	p := filepath.Join(t.TempDir(), "Org-Units.XLSX")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	units, errs, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []kamp.RowError{{File: "Org-Units.XLSX", Line: 5, Column: "parent", Value: "SH", Reason: "unknown parent: no unit with this code in the file"}}
	if units != nil || !reflect.DeepEqual(errs, want) {
		t.Errorf("got %+v, %+v; want %+v", units, errs, want)
	}
}

// FuzzRead checks that Read never panics, that it returns units or
// problems and never both, that returned units form a valid tree of
// checked values, and that every problem is placed and printable.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"org-units.csv", "bad.csv", "org-units.csv.gz"} {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(Header + "\nHO,总行,head_office,\nA,甲,department,B\nB,乙,department,A\n"))
	f.Add([]byte(Header + "\nHO,\"总\n行\",head_office,\n\"BJ\",北京,branch,HO,\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		units, errs, err := Read(bytes.NewReader(data), "f.csv")
		if err != nil {
			t.Fatalf("error from an in-memory reader: %v", err)
		}
		if (units == nil) == (errs == nil) {
			t.Fatalf("units %d and problems %d: want exactly one of them", len(units), len(errs))
		}
		for _, e := range errs {
			if e.File != "f.csv" || e.Reason == "" || !utf8.ValidString(e.Value) || strings.IndexByte(e.Value, 0) >= 0 || e.Line < 0 {
				t.Fatalf("bad problem %+v", e)
			}
		}
		if units == nil {
			return
		}
		if err := kamp.CheckOrgTree(units); err != nil {
			t.Fatalf("returned units fail the tree check: %v", err)
		}
		for _, u := range units {
			if strings.TrimSpace(u.Name) != u.Name || u.Name == "" || strings.ToLower(u.Kind) != u.Kind {
				t.Fatalf("unit %+v not normalised", u)
			}
		}
	})
}
