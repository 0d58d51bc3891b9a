package ingest_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/check"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// uscc returns a valid Unified Social Credit Code whose organisation code
// body is n (8 digits): the embedded GB 11714 check character and the
// GB 32100 check character are computed.
func uscc(t testing.TB, n int) string {
	t.Helper()
	return usccBody(t, fmt.Sprintf("%08d", n))
}

// usccBody returns a valid USCC whose organisation code body is the 8
// characters of body (0-9, A-Z).
func usccBody(t testing.TB, body string) string {
	t.Helper()
	org, ok := check.OrgCodeCheckChar(body)
	if !ok {
		t.Fatalf("OrgCodeCheckChar(%q) failed", body)
	}
	first17 := "91110108" + body + string(org)
	c, ok := check.USCCCheckChar(first17)
	if !ok {
		t.Fatalf("USCCCheckChar(%q) failed", first17)
	}
	return first17 + string(c)
}

// usccBadOrg returns a USCC whose own check character is right but whose
// embedded organisation code has a wrong check character.
func usccBadOrg(t testing.TB, n int) string {
	t.Helper()
	good := uscc(t, n)
	wrong := byte('0')
	if good[16] == '0' {
		wrong = '1'
	}
	first17 := good[:16] + string(wrong)
	c, ok := check.USCCCheckChar(first17)
	if !ok {
		t.Fatalf("USCCCheckChar(%q) failed", first17)
	}
	return first17 + string(c)
}

// usccBadCheck returns a USCC with a wrong final check character.
func usccBadCheck(t testing.TB, n int) string {
	t.Helper()
	good := uscc(t, n)
	wrong := byte('0')
	if good[17] == '0' {
		wrong = '1'
	}
	return good[:17] + string(wrong)
}

// lei returns a valid Legal Entity Identifier numbered n.
func lei(t testing.TB, n int) string {
	t.Helper()
	first18 := fmt.Sprintf("549300%012d", n)
	d, ok := check.LEICheckDigits(first18)
	if !ok {
		t.Fatalf("LEICheckDigits(%q) failed", first18)
	}
	return first18 + d
}

// leiBad returns an LEI with wrong check digits.
func leiBad(t testing.TB, n int) string {
	t.Helper()
	good := lei(t, n)
	d := "00"
	if good[18:] == "00" {
		d = "01"
	}
	return good[:18] + d
}

// writeFiles writes files (base name -> content) into a new temporary folder
// and returns the folder. A name ending in .csv.gz is gzip-compressed; a name
// ending in .xlsx is turned into a workbook whose first sheet holds the CSV
// content's cells.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		data := []byte(content)
		switch {
		case strings.HasSuffix(name, ".csv.gz"):
			data = gz(t, data)
		case strings.HasSuffix(name, ".xlsx"):
			data = xlsx(t, parseCSV(t, content))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatalf("write fixture %s: %v", name, err)
		}
	}
	return dir
}

// gz compresses data with gzip.
func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// parseCSV parses a fixture with encoding/csv (records of any length).
func parseCSV(t testing.TB, content string) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(content))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("fixture is not CSV: %v", err)
	}
	return recs
}

// xlsx builds a minimal workbook, with archive/zip, whose only sheet holds
// rows as inline strings.
func xlsx(t testing.TB, rows [][]string) []byte {
	t.Helper()
	const (
		main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
		rel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
		pkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
	)
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="` + main + `"><sheetData>`)
	for i, row := range rows {
		fmt.Fprintf(&sheet, `<row r="%d">`, i+1)
		for j, v := range row {
			if v == "" {
				continue
			}
			var esc bytes.Buffer
			if err := xml.EscapeText(&esc, []byte(v)); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sheet, `<c r="%c%d" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, 'A'+j, i+1, esc.String())
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkg + `"><Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + main + `" xmlns:r="` + rel + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkg + `"><Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := z.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lines joins CSV lines with "\n" and ends them with one.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// run imports paths into db and fails the test if the import could not run.
func run(t testing.TB, db *store.DB, opt ingest.Options, paths ...string) ingest.Result {
	t.Helper()
	res, err := ingest.Run(context.Background(), db, paths, opt)
	if err != nil {
		t.Fatalf("Run(%v): %v", paths, err)
	}
	return res
}

// runFiles writes files into a new folder and imports the folder.
func runFiles(t testing.TB, db *store.DB, opt ingest.Options, files map[string]string) ingest.Result {
	t.Helper()
	return run(t, db, opt, writeFiles(t, files))
}

// stats returns db's counts with the time of the last import cleared, so that
// two calls can be compared.
func stats(t testing.TB, db *store.DB) store.Stats {
	t.Helper()
	s, err := db.Stats(context.Background(), store.System)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	s.LastImport = s.LastImport.UTC().Truncate(0)
	return s
}

// storedErrors returns every bad row recorded for a batch.
func storedErrors(t testing.TB, db *store.DB, batch string) []kamp.RowError {
	t.Helper()
	var all []kamp.RowError
	for off := 0; ; off += store.MaxLimit {
		page, total, err := db.ImportErrors(context.Background(), batch, store.MaxLimit, off)
		if err != nil {
			t.Fatalf("ImportErrors(%s): %v", batch, err)
		}
		all = append(all, page...)
		if len(all) >= total || len(page) == 0 {
			return all
		}
	}
}

// checkStored checks that the batch of res is recorded with res's status and
// files, and with exactly res.Errors as its bad rows.
func checkStored(t testing.TB, db *store.DB, res ingest.Result) {
	t.Helper()
	b, err := db.ImportBatch(context.Background(), res.Batch.ID)
	if err != nil {
		t.Fatalf("ImportBatch(%s): %v", res.Batch.ID, err)
	}
	if b.Status != res.Batch.Status {
		t.Errorf("stored status %q, result says %q", b.Status, res.Batch.Status)
	}
	if !reflect.DeepEqual(b.Files, res.Batch.Files) {
		t.Errorf("stored files %+v,\nresult says %+v", b.Files, res.Batch.Files)
	}
	got := storedErrors(t, db, res.Batch.ID)
	if len(got) != len(res.Errors) || (len(got) > 0 && !reflect.DeepEqual(got, res.Errors)) {
		t.Errorf("stored bad rows differ from Result.Errors:\nstored: %s\nresult: %s", fmtErrs(got), fmtErrs(res.Errors))
	}
}

// wantErr is an expected bad row: everything exact but Reason, which must
// contain the given text.
type wantErr = kamp.RowError

// fmtErrs formats bad rows one a line, for failure messages.
func fmtErrs(errs []kamp.RowError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n\t%s:%d [%s] %q: %s", e.File, e.Line, e.Column, e.Value, e.Reason)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}

// matchErrors checks got against want, in order: file, line, column and
// value exactly, and the reason containing want's Reason.
func matchErrors(t testing.TB, got, want []kamp.RowError) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.File == w.File && g.Line == w.Line && g.Column == w.Column && g.Value == w.Value &&
			strings.Contains(g.Reason, w.Reason) && g.Reason != ""
	}
	if !ok {
		t.Errorf("bad rows:\ngot:  %s\nwant: %s", fmtErrs(got), fmtErrs(want))
	}
}

// checkInFileOrder checks that errs are ordered by file (in the batch's file
// order) and then by line.
func checkInFileOrder(t testing.TB, b kamp.ImportBatch, errs []kamp.RowError) {
	t.Helper()
	rank := map[string]int{}
	for i, f := range b.Files {
		rank[f.Name] = i
	}
	sorted := sort.SliceIsSorted(errs, func(i, j int) bool {
		if ri, rj := rank[errs[i].File], rank[errs[j].File]; ri != rj {
			return ri < rj
		}
		return errs[i].Line < errs[j].Line
	})
	if !sorted {
		t.Errorf("bad rows are not in file order: %s", fmtErrs(errs))
	}
}

// checkValues checks that each bad row that names a column reports the value
// that the fixture holds in that column on that line: the report must let a
// person find the offending field. A duplicate key of several columns is
// reported as the whole key, which starts with the field's value.
func checkValues(t testing.TB, files map[string]string, errs []kamp.RowError) {
	t.Helper()
	for _, e := range errs {
		content, ok := files[e.File]
		if !ok || e.Column == "" || e.Line < 2 {
			continue
		}
		r := csv.NewReader(strings.NewReader(content))
		r.FieldsPerRecord = -1
		header, err := r.Read()
		if err != nil {
			continue
		}
		col := -1
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), e.Column) {
				col = i
			}
		}
		for {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if line, _ := r.FieldPos(0); line == e.Line {
				if col < 0 || col >= len(rec) {
					t.Errorf("%s:%d: column %q is not in the fixture's header or record", e.File, e.Line, e.Column)
					break
				}
				composite := strings.HasPrefix(e.Reason, "duplicate key") &&
					(strings.HasPrefix(e.Value, rec[col]+"/") || strings.HasPrefix(e.Value, rec[col]+" / "))
				if rec[col] != e.Value && !composite {
					t.Errorf("%s:%d column %s: reported value %q, but the field holds %q", e.File, e.Line, e.Column, e.Value, rec[col])
				}
				break
			}
		}
	}
}
