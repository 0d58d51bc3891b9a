package dataset

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kampbank/kamp/demo"
)

// benchBank is a demo bank of 200,000 entities, generated once for the
// benchmarks of a run and removed by TestMain.
var benchBank struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchBank.dir != "" {
		os.RemoveAll(benchBank.dir)
	}
	os.Exit(code)
}

// benchFolder returns the folder of the benchmark bank.
func benchFolder(b *testing.B) string {
	b.Helper()
	benchBank.once.Do(func() {
		benchBank.dir, benchBank.err = os.MkdirTemp("", "kamp-dataset-bench-")
		if benchBank.err == nil {
			_, benchBank.err = demo.Generate(context.Background(), demo.Options{Entities: 200_000, Seed: 1, Out: benchBank.dir})
		}
	})
	if benchBank.err != nil {
		b.Fatal(benchBank.err)
	}
	return benchBank.dir
}

// fileSize returns the size of the file at path.
func fileSize(b *testing.B, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// benchLoads benchmarks loading each file of the folder dir, and the whole
// of what `kamp groups` reads, reporting MB/s and ns per row.
func benchLoads(b *testing.B, dir string) {
	ctx := context.Background()
	path := func(name string) string { return filepath.Join(dir, name) }
	ents, err := LoadEntities(ctx, path("entities.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	fx, err := LoadFX(ctx, path("fx.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	edges, err := LoadOwnership(ctx, path("ownership.csv"), ents, Options{})
	if err != nil {
		b.Fatal(err)
	}
	exp, err := LoadExposures(ctx, path("exposures.csv"), ents, fx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	// perRow reports the time per row, and the processor time per row (on
	// a busy machine, the steadier figure).
	perRow := func(b *testing.B, start time.Time, cpu time.Duration, rows int) {
		n := float64(b.N) * float64(rows)
		b.ReportMetric(float64(time.Since(start).Nanoseconds())/n, "ns/row")
		if cpu > 0 {
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/n, "cpu-ns/row")
		}
	}
	b.Run("entities", func(b *testing.B) {
		b.SetBytes(fileSize(b, path("entities.csv")))
		start, cpu := time.Now(), cpuTime()
		for b.Loop() {
			if _, err := LoadEntities(ctx, path("entities.csv"), Options{}); err != nil {
				b.Fatal(err)
			}
		}
		perRow(b, start, cpu, ents.Len())
	})
	b.Run("ownership", func(b *testing.B) {
		b.SetBytes(fileSize(b, path("ownership.csv")))
		start, cpu := time.Now(), cpuTime()
		for b.Loop() {
			if _, err := LoadOwnership(ctx, path("ownership.csv"), ents, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		perRow(b, start, cpu, len(edges))
	})
	b.Run("exposures", func(b *testing.B) {
		b.SetBytes(fileSize(b, path("exposures.csv")))
		start, cpu := time.Now(), cpuTime()
		for b.Loop() {
			if _, err := LoadExposures(ctx, path("exposures.csv"), ents, fx, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		perRow(b, start, cpu, exp.Rows)
	})
	if _, err := os.Stat(path("payments.csv")); err == nil {
		b.Run("payments", func(b *testing.B) {
			b.SetBytes(fileSize(b, path("payments.csv")))
			start, cpu := time.Now(), cpuTime()
			var rows int64
			for b.Loop() {
				if rows, err = ScanPayments(ctx, path("payments.csv"), ents, fx, Options{}, &concurrentCounter{}); err != nil {
					b.Fatal(err)
				}
			}
			perRow(b, start, cpu, int(rows))
		})
	}
	b.Run("groups", func(b *testing.B) {
		var size int64
		for _, name := range []string{"entities.csv", "ownership.csv", "exposures.csv", "fx.csv"} {
			size += fileSize(b, path(name))
		}
		b.SetBytes(size)
		start, cpu := time.Now(), cpuTime()
		for b.Loop() {
			if _, err := LoadGroups(ctx, dir, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		perRow(b, start, cpu, ents.Len()+len(edges)+exp.Rows)
	})
}

// BenchmarkLoad loads a demo bank of 200,000 entities (generated first).
func BenchmarkLoad(b *testing.B) {
	benchLoads(b, benchFolder(b))
}

// BenchmarkLoadM loads the size M demo bank (1M entities) from
// $KAMP_BENCH_M, or /tmp/demoM.
func BenchmarkLoadM(b *testing.B) {
	dir := os.Getenv("KAMP_BENCH_M")
	if dir == "" {
		dir = "/tmp/demoM"
	}
	if _, err := os.Stat(filepath.Join(dir, "ownership.csv")); err != nil {
		b.Skipf("no size M demo bank in %s (set KAMP_BENCH_M, or write one with: go build -o /tmp/kamp ./cmd/kamp && /tmp/kamp demo --size M --seed 1 --out /tmp/demoM)", dir)
	}
	benchLoads(b, dir)
}
