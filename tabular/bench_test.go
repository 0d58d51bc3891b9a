package tabular

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchCSV  []byte
	benchGz   []byte
)

// benchData returns about 50 MB of CSV with 8 columns, like entities.csv,
// with every tenth name quoted, and the same compressed.
func benchData(b *testing.B) ([]byte, []byte) {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		buf.Grow(52 << 20)
		buf.WriteString("id,name,kind,uscc,country,is_client,amount,note\r\n")
		for i := 0; buf.Len() < 50<<20; i++ {
			name := fmt.Sprintf("中国某某实业集团有限公司%d", i)
			if i%10 == 0 {
				name = fmt.Sprintf("\"Acme, \"\"Holdings\"\" %d\"", i)
			}
			fmt.Fprintf(&buf, "E%08d,%s,company,91110000%09dX,CN,1,%d.%02d,\r\n", i, name, i, i*37, i%100)
		}
		benchCSV = buf.Bytes()
		benchGz = gz(b, string(benchCSV))
	})
	return benchCSV, benchGz
}

func benchRead(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewCSV(bytes.NewReader(data), "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for r.Next() {
			n += len(r.Record())
		}
		if err := r.Err(); err != nil || n == 0 {
			b.Fatalf("%d fields, error %v", n, err)
		}
	}
}

// BenchmarkCSV measures reading plain CSV; MB/s is of the CSV bytes.
func BenchmarkCSV(b *testing.B) {
	data, _ := benchData(b)
	benchRead(b, data)
}

// BenchmarkCSVGzip measures reading gzip CSV; MB/s is of the compressed
// bytes.
func BenchmarkCSVGzip(b *testing.B) {
	_, data := benchData(b)
	benchRead(b, data)
}

// BenchmarkXLSX measures reading a sheet of 100,000 rows of 8 cells.
func BenchmarkXLSX(b *testing.B) {
	var rows strings.Builder
	rows.WriteString(`<row r="1">`)
	for c := range 8 {
		fmt.Fprintf(&rows, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+c, c)
	}
	rows.WriteString(`</row>`)
	sst := []string{"<t>a</t>", "<t>b</t>", "<t>c</t>", "<t>d</t>", "<t>e</t>", "<t>f</t>", "<t>g</t>", "<t>h</t>"}
	for i := 2; i <= 100001; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>E%08d</t></is></c><c r="B%d" t="s"><v>%d</v></c>`, i, i, i, i, len(sst))
		sst = append(sst, fmt.Sprintf("<t>公司%d</t>", i))
		for c := 2; c < 8; c++ {
			fmt.Fprintf(&rows, `<c r="%c%d"><v>%d.5</v></c>`, 'A'+c, i, i*c)
		}
		rows.WriteString(`</row>`)
	}
	data := buildXLSX(b, basicParts(rows.String(), sst))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, rows, err := openXLSX(data)
		if err != nil || len(rows) != 100000 || !rows[0].OK {
			b.Fatalf("%d rows, error %v", len(rows), err)
		}
		r.Close()
	}
	b.ReportMetric(float64(100000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
