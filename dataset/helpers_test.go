package dataset

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kampbank/kamp/tabular"
)

// writeFolder writes files (base name -> content) into a new folder. A name
// ending in .gz is compressed; one ending in .xlsx is turned into a
// workbook from its content read as CSV.
func writeFolder(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		data := []byte(content)
		switch {
		case strings.HasSuffix(name, ".gz"):
			data = gzipBytes(t, data)
		case strings.HasSuffix(name, ".xlsx"):
			data = csvToXLSX(t, content)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// csvToXLSX returns a minimal workbook whose one sheet holds the records of
// the CSV text, as inline strings.
func csvToXLSX(t testing.TB, text string) []byte {
	t.Helper()
	r, err := tabular.NewCSV(strings.NewReader(text), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{r.Header()}
	for r.Next() {
		rows = append(rows, append([]string(nil), r.Record()...))
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	const (
		nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
		nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
		nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
	)
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + nsMain + `"><sheetData>`)
	for i, row := range rows {
		sheet.WriteString(`<row r="` + itoa(i+1) + `">`)
		for j, v := range row {
			var esc bytes.Buffer
			xml.EscapeText(&esc, []byte(v))
			sheet.WriteString(`<c r="` + string(rune('A'+j)) + itoa(i+1) + `" t="inlineStr"><is><t xml:space="preserve">` + esc.String() + `</t></is></c>`)
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + nsPkg + `"><Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
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

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// load loads a folder for groups, failing the test on an error.
func load(t testing.TB, dir string, opt Options) *Data {
	t.Helper()
	d, err := LoadGroups(context.Background(), dir, opt)
	if err != nil {
		t.Fatalf("LoadGroups: %v", err)
	}
	return d
}

// writeFile writes one file into dir.
func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
