package ingest

import "sync"

// pipeline runs the store writes of an import on a goroutine of their own, in
// order, so that reading and checking the next rows overlaps with writing the
// last ones. The first failed write stops the rest; its error is returned by
// every later send and by wait.
type pipeline struct {
	q    chan func() error
	done chan struct{}
	mu   sync.Mutex
	err  error
}

func newPipeline() *pipeline {
	p := &pipeline{q: make(chan func() error, 4), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for f := range p.q {
			if p.failed() != nil {
				continue
			}
			if err := f(); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
			}
		}
	}()
	return p
}

func (p *pipeline) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// send queues a write.
func (p *pipeline) send(f func() error) error {
	if err := p.failed(); err != nil {
		return err
	}
	p.q <- f
	return nil
}

// wait lets the queued writes finish and returns the first error. It may be
// called more than once.
func (p *pipeline) wait() error {
	select {
	case <-p.done:
	default:
		close(p.q)
		<-p.done
	}
	return p.failed()
}
