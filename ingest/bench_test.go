package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kampbank/kamp"
	"github.com/kampbank/kamp/ingest"
	"github.com/kampbank/kamp/store"
)

// benchRows is the size of the generated payments file of the benchmark.
const benchRows = 200_000

// BenchmarkImportPayments imports 200,000 generated payments into a fresh
// SQLite store holding 1,000 entities; half of the payments name their sides
// by entity id, half by name only. It reports rows/s.
func BenchmarkImportPayments(b *testing.B) {
	dir := b.TempDir()
	ents := filepath.Join(dir, "entities.csv")
	f, err := os.Create(ents)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "id,name")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(w, "E%04d,企业%d有限公司\n", i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	pays := filepath.Join(dir, "payments.csv")
	f, err = os.Create(pays)
	if err != nil {
		b.Fatal(err)
	}
	w = bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, payH)
	for i := 0; i < benchRows; i++ {
		if i%2 == 0 {
			fmt.Fprintf(w, "P%09d,2026-%02d-%02d,E%04d,,E%04d,,%d.%04d,\n", i, i%12+1, i%28+1, i%1000, (i*7+1)%1000, i%1_000_000+1, i%10000)
		} else {
			fmt.Fprintf(w, "P%09d,2026-%02d-%02d,,上游供应商%d有限公司,,下游客户%d,%d.%02d,\n", i, i%12+1, i%28+1, i%20000, i%3000, i%100_000+1, i%100)
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	st, err := os.Stat(pays)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	n := 0
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", n)), nil)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := ingest.Run(ctx, db, []string{ents}, ingest.Options{}); err != nil || res.Batch.Status != kamp.ImportLoaded {
			b.Fatalf("entities: %v, %q", err, res.Batch.Status)
		}
		b.StartTimer()
		res, err := ingest.Run(ctx, db, []string{pays}, ingest.Options{})
		b.StopTimer()
		if err != nil || res.Batch.Status != kamp.ImportLoaded || res.Batch.Files[0].Loaded != benchRows {
			b.Fatalf("payments: %v, %q, %+v %s", err, res.Batch.Status, res.Batch.Files, fmtErrs(res.Errors))
		}
		db.Close()
		n++
		b.StartTimer()
	}
	b.ReportMetric(float64(benchRows*n)/b.Elapsed().Seconds(), "rows/s")
}
