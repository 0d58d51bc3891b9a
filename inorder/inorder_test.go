package inorder

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun checks that every task runs once, that done sees the tasks in
// order with their results, and that no more than window tasks are ever
// started and not yet handed over, whatever the workers and window.
func TestRun(t *testing.T) {
	for _, tc := range []struct{ workers, n, window int }{
		{1, 0, 1}, {4, 0, 4}, {1, 1, 1}, {2, 100, 1}, {2, 100, 3}, {4, 1000, 8}, {8, 5, 100}, {0, 10, 0},
	} {
		results := make([]int, tc.n)
		var runs, outstanding, most atomic.Int64
		workers := 0
		next := 0
		Run(tc.workers, tc.n, tc.window, func() func(int) {
			workers++
			return func(task int) {
				o := outstanding.Add(1)
				for m := most.Load(); o > m && !most.CompareAndSwap(m, o); m = most.Load() {
				}
				runs.Add(1)
				if task%7 == 0 {
					time.Sleep(100 * time.Microsecond) // finish out of order
				}
				results[task] = task * task
			}
		}, func(task int) {
			if task != next {
				t.Fatalf("%+v: done(%d), want done(%d)", tc, task, next)
			}
			if results[task] != task*task {
				t.Fatalf("%+v: task %d's result not visible to done", tc, task)
			}
			next++
			outstanding.Add(-1)
		})
		if next != tc.n || runs.Load() != int64(tc.n) {
			t.Errorf("%+v: %d tasks handed over, %d run, want %d", tc, next, runs.Load(), tc.n)
		}
		if w := max(1, tc.window); most.Load() > int64(w) {
			t.Errorf("%+v: %d tasks outstanding at once, window %d", tc, most.Load(), w)
		}
		if want := max(1, min(tc.workers, tc.n)); workers != want {
			t.Errorf("%+v: %d workers, want %d", tc, workers, want)
		}
	}
}

// failAfter fails every write after the first n.
type failAfter struct {
	n   int
	got []byte
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	f.got = append(f.got, p...)
	return len(p), nil
}

// TestWriteBlocks checks that the blocks are written in order, and that a
// failed write is returned and stops the writing.
func TestWriteBlocks(t *testing.T) {
	fill := func(buf []byte, k int) []byte { return fmt.Appendf(buf, "block %d\n", k) }
	var want []byte
	for k := range 1000 {
		want = fill(want, k)
	}
	w := &failAfter{n: 1 << 30}
	if err := WriteBlocks(w, 1000, fill); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.got, want) {
		t.Fatalf("wrote %d bytes out of order or wrong, want %d", len(w.got), len(want))
	}
	w = &failAfter{n: 10}
	if err := WriteBlocks(w, 1000, fill); err == nil {
		t.Fatal("no error from a failing writer")
	}
	if want := want[:len(w.got)]; !bytes.Equal(w.got, want) || bytes.Count(w.got, []byte("\n")) != 10 {
		t.Fatalf("before the failure: %q", w.got)
	}
}
