package demo

import (
	"context"
	"testing"
)

// BenchmarkGenerate generates a bank of 100,000 entities and 1,000,000
// payments (size S); the MB/s column is the rate of bytes written.
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	var bytes int64
	for b.Loop() {
		sum, err := Generate(context.Background(), Options{Size: "S", Seed: 1, Out: dir})
		if err != nil {
			b.Fatal(err)
		}
		bytes = sum.Bytes
	}
	b.SetBytes(bytes)
}

// BenchmarkVariant measures writing one payment-side name variant.
func BenchmarkVariant(b *testing.B) {
	name := []byte("华信科技（北京）有限公司")
	var dst []byte
	var v uint64
	for b.Loop() {
		v++
		dst = appendVariant(dst[:0], name, mix64(v))
	}
}
