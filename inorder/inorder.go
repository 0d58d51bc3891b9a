// Package inorder runs numbered tasks on several goroutines and hands them
// over in order: the blocks of a result file formatted on every core while
// one goroutine writes them one after the other.
package inorder

import (
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
