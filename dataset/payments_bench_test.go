package dataset

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kampbank/kamp"
)

// BenchmarkLoadMetrics loads the metrics of the benchmark bank.
func BenchmarkLoadMetrics(b *testing.B) {
	dir := benchFolder(b)
	ctx := context.Background()
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	fx, err := LoadFX(ctx, filepath.Join(dir, "fx.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "metrics.csv")
	b.SetBytes(fileSize(b, path))
	for b.Loop() {
		if _, err := LoadMetrics(ctx, path, ents, fx, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// counter is a PaymentSink that counts the payments it is given.
type counter struct{ wanted, added atomic.Int64 }

func (c *counter) Wanted(int32, int32, string) bool      { c.wanted.Add(1); return true }
func (c *counter) Add(*kamp.Payment, int32, int32) error { c.added.Add(1); return nil }
func (c *counter) Reset() error                          { c.added.Store(0); return nil }

// concurrentCounter is a counter that takes the payments on the workers
// that read them, as kamp chain's sink does.
type concurrentCounter struct{ counter }

func (c *concurrentCounter) Worker() func(ps []kamp.Payment, sides []int32, refused func(i int, err error)) {
	return func(ps []kamp.Payment, _ []int32, _ func(int, error)) { c.added.Add(int64(len(ps))) }
}

// BenchmarkScanPayments reads 200,000 payments into a sink that only counts
// them: the cost of parsing, checking and looking ids up.
func BenchmarkScanPayments(b *testing.B) {
	const n = 200_000
	dir := writeFolder(b, map[string]string{"entities.csv": paymentsEntities, "fx.csv": paymentsFX, "payments.csv": paymentsFile(n)})
	ctx := context.Background()
	ents, err := LoadEntities(ctx, filepath.Join(dir, "entities.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	fx, err := LoadFX(ctx, filepath.Join(dir, "fx.csv"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "payments.csv")
	b.SetBytes(fileSize(b, path))
	for b.Loop() {
		c := &counter{}
		if _, err := ScanPayments(ctx, path, ents, fx, Options{}, c); err != nil {
			b.Fatal(err)
		}
		if c.added.Load() != n {
			b.Fatalf("%d payments added, want %d", c.added.Load(), n)
		}
	}
}
