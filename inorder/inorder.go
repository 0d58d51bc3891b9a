// Package inorder runs numbered tasks on several goroutines and hands them
// over in order: the blocks of a result file formatted on every core while
// one goroutine writes them one after the other.
package inorder

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Run runs do(t) for the tasks t = 0..n-1 on up to workers goroutines,
// each with the function newWorker returns for it, and calls done(t) on
// the calling goroutine for every task in order, as soon as it and those
// before it are done. At most window tasks are done or running but not
// yet handed to done. A task's writes are visible to its done.
func Run(workers, n, window int, newWorker func() func(t int), done func(t int)) {
	ready := make([]chan struct{}, n)
	for t := range ready {
		ready[t] = make(chan struct{})
	}
	slots := make(chan struct{}, max(1, window))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		do := newWorker()
		wg.Go(func() {
			for {
				// A slot is taken before the task: the tasks are taken in
				// order, so the first task not handed over always holds or
				// will get a slot.
				slots <- struct{}{}
				t := int(next.Add(1) - 1)
				if t >= n {
					<-slots
					return
				}
				do(t)
				close(ready[t])
			}
		})
	}
	for t := range n {
		<-ready[t]
		done(t)
		<-slots
	}
	wg.Wait()
}

// WriteBlocks writes blocks 0 to n-1 to w in order: fill appends block k's
// bytes to buf (an empty buffer, reused) and returns it, on every core
// (GOMAXPROCS goroutines) a few blocks ahead of the one being written. After
// a failed write no more blocks are filled; the error is returned.
func WriteBlocks(w io.Writer, n int, fill func(buf []byte, k int) []byte) error {
	workers := runtime.GOMAXPROCS(0)
	free := make(chan []byte, 2*workers) // buffers to reuse
	blocks := make([][]byte, n)
	var err error
	var failed atomic.Bool
	Run(workers, n, 2*workers, func() func(k int) {
		return func(k int) {
			if failed.Load() {
				return
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
			}
			blocks[k] = fill(buf[:0], k)
		}
	}, func(k int) {
		if err == nil {
			if _, err = w.Write(blocks[k]); err != nil {
				failed.Store(true)
			}
		}
		select {
		case free <- blocks[k][:0]:
		default:
		}
		blocks[k] = nil
	})
	return err
}
