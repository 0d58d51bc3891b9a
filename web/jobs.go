package web

import (
	"context"
	"sync"
	"time"

	"github.com/kampbank/kamp"
)

// jobFunc is one run of a background job: it reports progress and returns
// the id of the run it recorded.
type jobFunc func(ctx context.Context, progress func(stage string, done, total int)) (runID string, err error)

// job tracks one kind of long work of a server (a group recompute, a chain
// run): at most one runs at a time, and a request while one runs queues one
// more, with the latest request's work.
type job struct {
	name       string // for the log: "group recompute", "chain run"
	firstStage string // the stage a run starts in
	url        string // where pages poll its progress

	mu      sync.Mutex
	running bool
	again   jobFunc // the queued run, nil if none
	runID   string  // the run going on or, after it, the run it recorded
	stage   string
	done    int
	total   int
	started time.Time
	failed  string // the last run's error, "" if it succeeded
	// internal reports that the last run failed on an internal error,
	// whose details are logged, not shown.
	internal bool
}

// jobState is a copy of a job's fields for a page.
type jobState struct {
	Running bool
	RunID   string
	Stage   string
	Percent int
	Failed  string
	// Internal: the last run failed on an internal error.
	Internal bool
	URL      string
}

func (j *job) state() jobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := jobState{Running: j.running, RunID: j.runID, Stage: j.stage, Failed: j.failed, Internal: j.internal, URL: j.url}
	if j.total > 0 {
		st.Percent = j.done * 100 / j.total
	}
	return st
}

// start runs run in the background and returns at once; when j is already
// running, run is queued to go after it (replacing any queued before).
// Close stops the job between runs and cancels the one running.
func (s *Server) start(j *job, run jobFunc) {
	j.mu.Lock()
	if j.running {
		j.again = run
		j.mu.Unlock()
		return
	}
	s.launchJob(j, "", run)
}

// startAlone is start for work that must not queue: it returns false,
// doing nothing, when j is running. runID names the run while it goes.
func (s *Server) startAlone(j *job, runID string, run jobFunc) bool {
	j.mu.Lock()
	if j.running {
		j.mu.Unlock()
		return false
	}
	s.launchJob(j, runID, run)
	return true
}

// launchJob starts j's goroutine; j.mu is held and is unlocked.
func (s *Server) launchJob(j *job, runID string, run jobFunc) {
	j.running, j.runID, j.stage, j.done, j.total, j.started = true, runID, j.firstStage, 0, 1, s.cfg.Now()
	j.failed, j.internal = "", false
	j.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			start := time.Now()
			id, err := run(s.ctx, func(stage string, done, total int) {
				j.mu.Lock()
				j.stage, j.done, j.total = stage, done, total
				j.mu.Unlock()
			})
			j.mu.Lock()
			j.failed, j.internal = "", false
			if id != "" {
				j.runID = id
			}
			if err != nil {
				j.failed, j.internal = kamp.ErrorMessage(err), kamp.ErrorCode(err) == kamp.EINTERNAL
				s.log.Error(j.name+" failed", "run", id, "err", err)
			} else {
				s.log.Info(j.name+" done", "run", id, "elapsed", time.Since(start).Round(time.Millisecond))
			}
			if j.again == nil || s.ctx.Err() != nil {
				j.running, j.again = false, nil
				j.mu.Unlock()
				return
			}
			run, j.again, j.stage, j.done = j.again, nil, j.firstStage, 0
			j.mu.Unlock()
		}
	}()
}
