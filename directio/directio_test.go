package directio

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestWriter writes pieces of random sizes, some larger than a block, and
// checks that the file holds exactly what was written, with and without
// O_DIRECT and whatever the size of the last part.
func TestWriter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, total := range []int{0, 1, align - 1, align, blockSize - 1, blockSize, blockSize + 1, 3*blockSize + 12345} {
		for _, direct := range []bool{true, false} {
			path := filepath.Join(t.TempDir(), "out.csv")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter(f)
			if !direct && w.direct {
				setDirect(f, false)
				w.direct = false
			}
			if total == 0 && direct {
				t.Logf("O_DIRECT in %s: %v", filepath.Dir(path), w.Direct())
			}
			want := make([]byte, total)
			for i := range want {
				want[i] = byte(r.IntN(256))
			}
			for rest := want; len(rest) > 0; {
				k := min(len(rest), 1+r.IntN(2*blockSize/3))
				if n, err := w.Write(rest[:k]); n != k || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", k, n, err)
				}
				rest = rest[k:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			// The file takes plain writes again after Close.
			if _, err := f.Write([]byte("end")); err != nil {
				t.Fatalf("write after Close: %v", err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, append(want, "end"...)) {
				t.Fatalf("%d bytes, direct %v: the file has %d bytes, not what was written", total, direct, len(got))
			}
		}
	}
}

// TestWriterError checks that a failed write is reported, by Write and
// then by Close.
func TestWriterError(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f)
	f.Close()
	if _, err := w.Write(make([]byte, blockSize+1)); err == nil {
		t.Fatal("Write to a closed file succeeded")
	}
	if err := w.Close(); err == nil {
		t.Fatal("Close after a failed write succeeded")
	}
	// A write that fails only at Close.
	f, err = os.Create(filepath.Join(t.TempDir(), "out2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w = NewWriter(f)
	if _, err := w.Write([]byte("a few bytes")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := w.Close(); err == nil {
		t.Fatal("Close of a closed file succeeded")
	}
}
